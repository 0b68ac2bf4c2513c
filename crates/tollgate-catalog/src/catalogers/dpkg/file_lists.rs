//! dpkg's per-package file lists, `/var/lib/dpkg/info/<package>[:<arch>].list`: one path per
//! line, every file and directory the package installed. A cataloger sees one file at a time,
//! so the lists are gathered by their own visitor during the same walk and joined to the
//! packages of `/var/lib/dpkg/status` afterwards (distroless `status.d` images keep no lists).

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::Mutex;

use tollgate_oci::{BoxError, Selector, VisitedFile, Visitor};

use crate::{Ecosystem, Package};

const INFO_DIRECTORY: &str = "/var/lib/dpkg/info/";
const STATUS_FILE: &str = "/var/lib/dpkg/status";

/// Collects every `.list` file of every layer, per (layer, path).
#[derive(Default)]
pub(crate) struct DpkgFileLists {
    lists: Mutex<BTreeMap<(usize, String), Vec<String>>>,
}

impl Visitor for DpkgFileLists {
    fn id(&self) -> &str {
        "dpkg-file-lists"
    }

    fn selectors(&self) -> &[Selector] {
        &[Selector::Glob("var/lib/dpkg/info/*.list")]
    }

    fn visit(&self, file: &VisitedFile<'_>, content: &mut dyn Read) -> Result<(), BoxError> {
        let bytes = tollgate_oci::read_capped(content, file.buffer_limit)?;
        let files = installed_files(&bytes);
        self.lists
            .lock()
            .map_err(|_| "dpkg file lists: a visitor panicked")?
            .insert((file.layer_index, file.path.to_owned()), files);
        Ok(())
    }
}

impl DpkgFileLists {
    /// The lists read from layer `layer_index`: (path, installed files), for the layer cache.
    pub(crate) fn of_layer(&self, layer_index: usize) -> Vec<(String, Vec<String>)> {
        self.lists.lock().map_or_else(
            |_| Vec::new(),
            |lists| {
                lists
                    .range((layer_index, String::new())..(layer_index + 1, String::new()))
                    .map(|((_, path), files)| (path.clone(), files.clone()))
                    .collect()
            },
        )
    }

    /// Lists of layer `layer_index` recalled from the layer cache.
    pub(crate) fn recall(&self, layer_index: usize, lists: Vec<(String, Vec<String>)>) {
        if let Ok(mut known) = self.lists.lock() {
            for (path, files) in lists {
                known.insert((layer_index, path), files);
            }
        }
    }

    /// Gives each package of dpkg's status file the list dpkg keeps for it, taking each list
    /// from the layer that holds it in the final filesystem (`is_final`).
    pub(crate) fn attach(self, packages: &mut [Package], is_final: impl Fn(usize, &str) -> bool) {
        let mut lists = self.lists.into_inner().unwrap_or_default();
        lists.retain(|(layer, path), _| is_final(*layer, path));
        let mut by_path: BTreeMap<String, Vec<String>> = lists
            .into_iter()
            .map(|((_, path), files)| (path, files))
            .collect();
        for package in packages
            .iter_mut()
            .filter(|p| p.ecosystem == Ecosystem::Deb && p.path == STATUS_FILE)
        {
            // Multi-Arch: same packages have `<name>:<arch>.list`, the others `<name>.list`.
            let qualified = package
                .arch
                .as_ref()
                .map(|arch| format!("{INFO_DIRECTORY}{}:{arch}.list", package.name));
            let plain = format!("{INFO_DIRECTORY}{}.list", package.name);
            if let Some(files) = qualified
                .and_then(|path| by_path.remove(&path))
                .or_else(|| by_path.remove(&plain))
            {
                package.files = files;
            }
        }
    }
}

/// The files of a `.list`: its lines without `/.` and without the directories, told apart as
/// dpkg's own lists allow: after sorting, a directory is the entry the next one lies under.
fn installed_files(bytes: &[u8]) -> Vec<String> {
    let mut lines: Vec<&[u8]> = bytes
        .split(|&b| b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
        .filter(|line| !line.is_empty() && *line != b"/.")
        .collect();
    lines.sort_unstable();
    lines.dedup();
    let mut files = Vec::with_capacity(lines.len());
    for (index, line) in lines.iter().enumerate() {
        let is_directory = lines.get(index + 1).is_some_and(|next| {
            next.strip_prefix(*line)
                .is_some_and(|rest| rest.first() == Some(&b'/'))
        });
        if !is_directory && !line.ends_with(b"/") {
            files.push(String::from_utf8_lossy(line).into_owned());
        }
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_and_root_are_left_out() {
        let list = b"/.\n/usr\n/usr/sbin\n/usr/sbin/tarcat\n/usr/bin\n/usr/bin/tar\n/etc/\n/usr/share/doc/tar\n";
        assert_eq!(
            installed_files(list),
            ["/usr/bin/tar", "/usr/sbin/tarcat", "/usr/share/doc/tar"]
        );
        // A file whose name merely starts like another's is not its directory.
        assert_eq!(
            installed_files(b"/usr/bin/x\n/usr/bin/x-y\n"),
            ["/usr/bin/x", "/usr/bin/x-y"]
        );
        assert!(installed_files(b"").is_empty());
        assert_eq!(installed_files(b"/bin/\xff\r\n"), ["/bin/\u{fffd}"]);
    }

    #[test]
    fn lists_join_by_name_or_qualified_name_and_only_in_their_final_state() {
        let lists = DpkgFileLists::default();
        {
            let mut map = lists.lists.lock().unwrap();
            map.insert(
                (0, format!("{INFO_DIRECTORY}tar.list")),
                vec!["/old".into()],
            );
            map.insert(
                (2, format!("{INFO_DIRECTORY}tar.list")),
                vec!["/bin/tar".into()],
            );
            map.insert(
                (1, format!("{INFO_DIRECTORY}libc6:amd64.list")),
                vec!["/lib/libc.so.6".into()],
            );
        }
        let deb = |name: &str, path: &str| {
            let mut package = Package::new(Ecosystem::Deb, name, "1");
            package.arch = Some("amd64".into());
            package.path = path.into();
            package
        };
        let mut packages = vec![
            deb("tar", STATUS_FILE),
            deb("libc6", STATUS_FILE),
            deb("sed", STATUS_FILE),
            deb("base-files", "/var/lib/dpkg/status.d/base-files"),
        ];
        lists.attach(&mut packages, |layer, _| layer != 0);
        assert_eq!(packages[0].files, ["/bin/tar"]);
        assert_eq!(packages[1].files, ["/lib/libc.so.6"]);
        assert!(packages[2].files.is_empty());
        assert!(packages[3].files.is_empty());
    }
}
