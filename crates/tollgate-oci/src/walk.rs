//! One pass over one layer: every tar entry is checked and recorded in the layer's path table,
//! and the files that visitors asked for are handed to them as they stream past.

use std::collections::HashMap;
use std::io::{self, Read};
use std::path::Path;

use crate::layer::{LayerStream, clean_entry_path, normalise};
use crate::view::{EntryMeta, FileKind, LayerTable};
use crate::visit::{SelectorSet, VisitProblem, VisitedFile, peek_magic};
use crate::{Digest, Error, Limits, Result};

const WHITEOUT_PREFIX: &str = ".wh.";
const OPAQUE_MARKER: &str = ".wh..wh..opq";

/// Identity of a layer for errors and for visitors.
pub(crate) struct LayerIdentity<'a> {
    pub(crate) index: usize,
    pub(crate) name: String,
    pub(crate) digest: Option<&'a Digest>,
    pub(crate) diff_id: Option<&'a Digest>,
}

/// What one layer's pass produced.
#[derive(Default)]
pub(crate) struct LayerScan {
    pub(crate) table: LayerTable,
    pub(crate) problems: Vec<VisitProblem>,
    /// Hard links that visitors want, keyed by their target: delivered by a second read.
    pub(crate) deferred_links: HashMap<String, Vec<(String, Vec<usize>)>>,
}

/// Walk a layer's tar stream.
pub(crate) fn walk_tar(
    stream: LayerStream<'_>,
    layer: &LayerIdentity<'_>,
    selectors: &SelectorSet<'_>,
    limits: &Limits,
) -> Result<LayerScan> {
    stream.read_tar(|archive, what| walk_entries(archive, what, layer, selectors, limits))
}

fn walk_entries(
    archive: &mut tar::Archive<LayerStream<'_>>,
    what: &str,
    layer: &LayerIdentity<'_>,
    selectors: &SelectorSet<'_>,
    limits: &Limits,
) -> Result<LayerScan> {
    let mut scan = LayerScan::default();
    let mut owners = Vec::new();
    let mut magic_of: HashMap<String, Vec<usize>> = HashMap::new();
    let entries = archive
        .entries_with_seek()
        .map_err(|e| Error::from_stream(what, e))?;
    for (ordinal, entry) in entries.enumerate() {
        let mut entry = entry.map_err(|e| Error::from_stream(what, e))?;
        count_entry(&mut scan, layer, limits)?;
        let Some(path) = clean_entry_path(&entry.path_bytes(), &layer.name, limits)? else {
            continue;
        };
        let (parent, base) = match path.rsplit_once('/') {
            Some((parent, base)) => (parent, base),
            None => ("", path.as_str()),
        };
        if base == OPAQUE_MARKER {
            scan.table.add_opaque(parent)?;
            continue;
        }
        if let Some(hidden) = base.strip_prefix(WHITEOUT_PREFIX) {
            // `.wh..wh.*` other than the opaque marker are AUFS metadata (e.g. `.wh..wh.plnk`).
            if !hidden.starts_with(".wh.") && !hidden.is_empty() && hidden != "." && hidden != ".."
            {
                let hidden_path = if parent.is_empty() {
                    hidden.to_owned()
                } else {
                    format!("{parent}/{hidden}")
                };
                scan.table.add_whiteout(&hidden_path)?;
            }
            continue;
        }
        let header = entry.header();
        let meta = EntryMeta {
            size: entry.size(),
            mode: header.mode().unwrap_or(0),
            ordinal: u32::try_from(ordinal).unwrap_or(u32::MAX),
        };
        match header.entry_type() {
            tar::EntryType::Directory => scan.table.add(&path, FileKind::Directory, meta, None)?,
            tar::EntryType::Symlink => {
                let target = entry
                    .link_name_bytes()
                    .map(|t| String::from_utf8_lossy(&t).into_owned())
                    .unwrap_or_default();
                scan.table
                    .add(&path, FileKind::Symlink, meta, Some(&target))?;
            }
            tar::EntryType::Link => {
                let raw = entry
                    .link_name_bytes()
                    .map(|t| String::from_utf8_lossy(&t).into_owned())
                    .unwrap_or_default();
                let target = normalise(raw.trim_start_matches('/'))
                    .filter(|t| !t.is_empty() && !raw.starts_with('/'))
                    .ok_or_else(|| Error::HardlinkEscape {
                        layer: layer.name.clone(),
                        path: format!("/{path}"),
                        target: raw.clone(),
                    })?;
                let target_meta = scan.table.file(&target).map(|(_, m, _)| m);
                let meta = EntryMeta {
                    size: target_meta.map_or(0, |m| m.size),
                    ..meta
                };
                scan.table
                    .add(&path, FileKind::Hardlink, meta, Some(&target))?;
                if !selectors.is_empty() {
                    selectors.by_path(&path, &mut owners);
                    if let Some(by_magic) = magic_of.get(&target) {
                        owners.extend(by_magic);
                    }
                    owners.sort_unstable();
                    owners.dedup();
                    if !owners.is_empty() {
                        scan.deferred_links
                            .entry(target)
                            .or_default()
                            .push((path.clone(), owners.clone()));
                    }
                }
            }
            tar::EntryType::Regular | tar::EntryType::Continuous | tar::EntryType::GNUSparse => {
                scan.table.add(&path, FileKind::File, meta, None)?;
                if selectors.is_empty() {
                    continue;
                }
                selectors.by_path(&path, &mut owners);
                let absolute = format!("/{path}");
                let mut file = VisitedFile {
                    layer_index: layer.index,
                    layer_digest: layer.digest,
                    diff_id: layer.diff_id,
                    path: &absolute,
                    size: meta.size,
                    mode: meta.mode,
                    magic: None,
                    hardlink_of: None,
                    buffer_limit: limits.max_analyzer_buffer,
                };
                let fault = |e: io::Error| Error::from_stream(what, e);
                if selectors.wants_magic() && meta.size > 0 {
                    let (magic, head) = peek_magic(&mut entry).map_err(fault)?;
                    file.magic = magic;
                    let path_owners = owners.len();
                    selectors.by_magic(magic, &mut owners);
                    if owners.len() > path_owners || magic.is_some() {
                        magic_of.insert(path.clone(), owners.clone());
                    }
                    if !owners.is_empty() {
                        let mut content = head.as_slice().chain(&mut entry);
                        selectors
                            .deliver(&owners, &file, &mut content, &mut scan.problems)
                            .map_err(fault)?;
                    }
                } else if !owners.is_empty() {
                    owners.sort_unstable();
                    owners.dedup();
                    selectors
                        .deliver(&owners, &file, &mut entry, &mut scan.problems)
                        .map_err(fault)?;
                }
            }
            // Device nodes and fifos carry no content worth analysing and cannot be represented
            // safely: they are not shown, but like any entry they replace what was at their path.
            tar::EntryType::Char | tar::EntryType::Block | tar::EntryType::Fifo => {
                scan.table.add_hidden(&path)?
            }
            // Anything else (tar metadata such as PAX or GNU volume headers) is skipped.
            _ => {}
        }
    }
    Ok(scan)
}

fn count_entry(scan: &mut LayerScan, layer: &LayerIdentity<'_>, limits: &Limits) -> Result<()> {
    scan.table.entries += 1;
    if scan.table.entries > limits.max_entries_per_layer {
        return Err(Error::LimitExceeded {
            what: format!("number of entries in {}", layer.name),
            limit: limits.max_entries_per_layer,
            unit: "entries",
            hint: " (raise it with --max-layer-entries)",
        });
    }
    Ok(())
}

/// Second, targeted read of a layer to hand visitors the content of hard links whose target
/// came earlier in the same tar.
pub(crate) fn deliver_deferred_links(
    stream: LayerStream<'_>,
    layer: &LayerIdentity<'_>,
    selectors: &SelectorSet<'_>,
    deferred: &HashMap<String, Vec<(String, Vec<usize>)>>,
    limits: &Limits,
    problems: &mut Vec<VisitProblem>,
) -> Result<()> {
    stream.read_tar(|archive, what| {
        deliver_links(archive, what, layer, selectors, deferred, limits, problems)
    })
}

fn deliver_links(
    archive: &mut tar::Archive<LayerStream<'_>>,
    what: &str,
    layer: &LayerIdentity<'_>,
    selectors: &SelectorSet<'_>,
    deferred: &HashMap<String, Vec<(String, Vec<usize>)>>,
    limits: &Limits,
    problems: &mut Vec<VisitProblem>,
) -> Result<()> {
    let entries = archive
        .entries_with_seek()
        .map_err(|e| Error::from_stream(what, e))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| Error::from_stream(what, e))?;
        if !matches!(
            entry.header().entry_type(),
            tar::EntryType::Regular | tar::EntryType::Continuous
        ) {
            continue;
        }
        let Some(path) = clean_entry_path(&entry.path_bytes(), &layer.name, limits)? else {
            continue;
        };
        let Some(links) = deferred.get(&path) else {
            continue;
        };
        let target = format!("/{path}");
        let bytes = crate::visit::read_capped(&mut entry, limits.max_analyzer_buffer);
        let bytes = match bytes {
            Ok(bytes) => bytes,
            Err(error)
                if error
                    .get_ref()
                    .is_some_and(|e| e.is::<crate::error::StreamFault>()) =>
            {
                return Err(Error::from_stream(what, error));
            }
            Err(error) => {
                for (link, _) in links {
                    problems.push(VisitProblem {
                        visitor: "(hard link)".to_owned(),
                        layer_index: layer.index,
                        path: format!("/{link}"),
                        message: error.to_string(),
                    });
                }
                continue;
            }
        };
        for (link, owners) in links {
            let absolute = format!("/{link}");
            let file = VisitedFile {
                layer_index: layer.index,
                layer_digest: layer.digest,
                diff_id: layer.diff_id,
                path: &absolute,
                size: bytes.len() as u64,
                mode: entry.header().mode().unwrap_or(0),
                magic: crate::visit::peek_magic(&mut bytes.as_slice())
                    .ok()
                    .and_then(|(m, _)| m),
                hardlink_of: Some(&target),
                buffer_limit: limits.max_analyzer_buffer,
            };
            selectors
                .deliver(owners, &file, &mut bytes.as_slice(), problems)
                .map_err(|e| Error::from_stream(what, e))?;
        }
    }
    Ok(())
}

/// Walk an unpacked root filesystem as if it were one layer. Symbolic links are recorded, never
/// followed; a file is read only if, once opened, it is still the regular file that was listed.
pub(crate) fn walk_rootfs(
    root: &Path,
    layer: &LayerIdentity<'_>,
    selectors: &SelectorSet<'_>,
    limits: &Limits,
) -> Result<LayerScan> {
    use std::os::unix::fs::MetadataExt;

    let mut scan = LayerScan::default();
    let mut owners = Vec::new();
    let mut pending = vec![String::new()];
    let mut ordinal = 0u32;
    while let Some(relative) = pending.pop() {
        let directory = root.join(&relative);
        let mut children: Vec<_> = fs_err::read_dir(&directory)
            .map_err(|source| Error::io("list", &directory, source))?
            .collect::<io::Result<Vec<_>>>()
            .map_err(|source| Error::io("list", &directory, source))?;
        children.sort_by_key(fs_err::DirEntry::file_name);
        for child in children {
            count_entry(&mut scan, layer, limits)?;
            ordinal = ordinal.saturating_add(1);
            let name = child.file_name().to_string_lossy().into_owned();
            let path = if relative.is_empty() {
                name
            } else {
                format!("{relative}/{name}")
            };
            // The same checks as for a tar entry (a directory name cannot hold `/` or `..`).
            clean_entry_path(path.as_bytes(), &layer.name, limits)?;
            let full = child.path();
            let metadata = fs_err::symlink_metadata(&full)
                .map_err(|source| Error::io("stat", &full, source))?;
            let meta = EntryMeta {
                size: metadata.len(),
                mode: metadata.mode() & 0o7777,
                ordinal,
            };
            let kind = metadata.file_type();
            if kind.is_dir() {
                scan.table.add(&path, FileKind::Directory, meta, None)?;
                pending.push(path);
            } else if kind.is_symlink() {
                let target = fs_err::read_link(&full)
                    .map_err(|source| Error::io("read link", &full, source))?;
                scan.table.add(
                    &path,
                    FileKind::Symlink,
                    meta,
                    Some(&target.to_string_lossy()),
                )?;
            } else if kind.is_file() {
                scan.table.add(&path, FileKind::File, meta, None)?;
                if selectors.is_empty() {
                    continue;
                }
                selectors.by_path(&path, &mut owners);
                if owners.is_empty() && !selectors.wants_magic() {
                    continue;
                }
                let mut file = open_listed_file(&full, &metadata)?;
                let absolute = format!("/{path}");
                let mut visited = VisitedFile {
                    layer_index: layer.index,
                    layer_digest: None,
                    diff_id: None,
                    path: &absolute,
                    size: meta.size,
                    mode: meta.mode,
                    magic: None,
                    hardlink_of: None,
                    buffer_limit: limits.max_analyzer_buffer,
                };
                let io_error = |source| Error::io("read", &full, source);
                let (magic, head) = if selectors.wants_magic() {
                    peek_magic(&mut file).map_err(io_error)?
                } else {
                    (None, Vec::new())
                };
                visited.magic = magic;
                selectors.by_magic(magic, &mut owners);
                let mut content = head.as_slice().chain(file);
                selectors
                    .deliver(&owners, &visited, &mut content, &mut scan.problems)
                    .map_err(io_error)?;
            }
        }
    }
    Ok(scan)
}

fn open_listed_file(path: &Path, listed: &std::fs::Metadata) -> Result<fs_err::File> {
    use std::os::unix::fs::MetadataExt;
    let file = fs_err::File::open(path).map_err(|source| Error::io("open", path, source))?;
    let opened = file
        .metadata()
        .map_err(|source| Error::io("stat", path, source))?;
    if !opened.is_file() || opened.ino() != listed.ino() || opened.dev() != listed.dev() {
        return Err(Error::io(
            "read",
            path,
            io::Error::other("the file changed while it was being read (replaced by a link?)"),
        ));
    }
    Ok(file)
}
