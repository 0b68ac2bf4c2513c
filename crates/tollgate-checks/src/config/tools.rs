//! One walk over the final filesystem for the rules that look at files: the entries of the
//! directories programs are run from, files with setuid/setgid bits, world-writable paths and
//! the total size.

use std::collections::{BTreeMap, BTreeSet};

use tollgate_oci::{FileInfo, FileKind};

use super::context::Context;
use crate::Evidence;

/// Where programs are run from, besides the config's `PATH`.
const BIN_DIRS: &[&str] = &[
    "/bin",
    "/sbin",
    "/usr/bin",
    "/usr/sbin",
    "/usr/local/bin",
    "/usr/local/sbin",
];

/// What one walk over the final filesystem found.
#[derive(Debug, Default)]
pub(crate) struct FilesystemScan {
    /// (path, name) of every entry of a program directory, sorted by path.
    pub(crate) programs: Vec<(String, String)>,
    /// Regular files (and hard links) with the setuid or setgid bit.
    pub(crate) setid: Vec<FileInfo>,
    /// Files and directories anyone may write to (directories only without the sticky bit).
    pub(crate) world_writable: Vec<FileInfo>,
    /// Bytes of all regular files.
    pub(crate) total_size: u64,
    /// Number of regular files.
    pub(crate) regular_files: u64,
}

impl FilesystemScan {
    pub(crate) fn new(context: &Context<'_>) -> Self {
        let path_dirs: Vec<&str> = context
            .env()
            .filter(|(key, _)| *key == "PATH")
            .flat_map(|(_, value)| value.split(':'))
            .filter(|dir| dir.starts_with('/'))
            .collect();
        // The directories as they really are (`/bin -> usr/bin` on merged-/usr systems).
        let dirs: BTreeSet<String> = BIN_DIRS
            .iter()
            .copied()
            .chain(path_dirs)
            .filter_map(|dir| {
                let info = context
                    .view
                    .resolve(dir, context.max_symlink_hops)
                    .ok()
                    .flatten()?;
                (info.kind == FileKind::Directory).then_some(info.path)
            })
            .collect();
        let mut scan = Self::default();
        for info in context.view.files() {
            let regular = matches!(info.kind, FileKind::File | FileKind::Hardlink);
            if info.kind == FileKind::File {
                scan.total_size = scan.total_size.saturating_add(info.size);
                scan.regular_files += 1;
            }
            if let Some((dir, name)) = info.path.rsplit_once('/') {
                let dir = if dir.is_empty() { "/" } else { dir };
                if dirs.contains(dir) && info.kind != FileKind::Directory {
                    scan.programs.push((info.path.clone(), name.to_owned()));
                }
            }
            let mode = info.mode & 0o7777;
            let world_writable = info.kind != FileKind::Symlink
                && mode & 0o002 != 0
                && !(info.kind == FileKind::Directory && mode & 0o1000 != 0);
            if world_writable {
                scan.world_writable.push(info.clone());
            }
            if regular && mode & 0o6000 != 0 {
                scan.setid.push(info);
            }
        }
        scan
    }
}

/// Evidence for every program whose name `wanted` accepts, one piece per executable file:
/// names that lead to the same file (`sh -> dash`, busybox applets, `/bin` and `/usr/bin` of a
/// non-merged system) are listed together. Symbolic links are followed inside the image.
pub(crate) fn find_programs(context: &Context<'_>, wanted: impl Fn(&str) -> bool) -> Vec<Evidence> {
    // The executable each name leads to: (path, layer) → names that lead to it.
    let mut found: BTreeMap<(String, usize), BTreeSet<String>> = BTreeMap::new();
    for (path, name) in &context.filesystem().programs {
        let Some(target) = context.regular_file(path) else {
            continue;
        };
        if target.mode & 0o111 == 0 {
            continue;
        }
        // A hard link is the file it links to.
        let (target_path, layer) = match (&target.kind, &target.link_target) {
            (FileKind::Hardlink, Some(linked)) => context
                .regular_file(linked)
                .map_or((linked.clone(), target.layer), |file| {
                    (file.path, file.layer)
                }),
            _ => (target.path, target.layer),
        };
        found
            .entry((target_path, layer))
            .or_default()
            .insert(name.clone());
    }
    found
        .into_iter()
        .filter_map(|((path, layer), names)| {
            let own_name = path.rsplit('/').next().unwrap_or_default();
            let matching: Vec<&str> = names
                .iter()
                .map(String::as_str)
                .filter(|name| wanted(name) && *name != own_name)
                .collect();
            if !wanted(own_name) && matching.is_empty() {
                return None;
            }
            let mut detail = own_name.to_owned();
            if !matching.is_empty() {
                const SHOWN: usize = 12;
                let listed = matching
                    .iter()
                    .take(SHOWN)
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", ");
                let more = matching.len().saturating_sub(SHOWN);
                detail.push_str(&format!(" (run as {listed}"));
                if more > 0 {
                    detail.push_str(&format!(" and {more} more"));
                }
                detail.push(')');
            }
            if names.len() > 20 {
                detail.push_str(&format!(
                    "; a multi-call binary: {} program names lead to it",
                    names.len()
                ));
            }
            Some(context.file_evidence(&path, layer, detail))
        })
        .collect()
}

/// A name that is `stem` followed by an optional version (`pip`, `pip3`, `pip3.11`, `gcc-12`,
/// `python3.11`).
pub(crate) fn versioned(name: &str, stem: &str) -> bool {
    name.strip_prefix(stem).is_some_and(|rest| {
        let rest = rest.strip_prefix('-').unwrap_or(rest);
        rest.bytes().all(|b| b.is_ascii_digit() || b == b'.')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versioned_names() {
        for name in ["pip", "pip3", "pip3.11", "pip-3.9"] {
            assert!(versioned(name, "pip"), "{name}");
        }
        for name in ["pipx", "pip3a", "pi", "epip"] {
            assert!(!versioned(name, "pip"), "{name}");
        }
    }
}
