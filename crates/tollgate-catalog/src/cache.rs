//! The layer cache: what one pass over a layer found, kept on disk by the layer's content
//! digest and the analyzers' versions, so that re-scanning an image, or scanning another image
//! on the same base, reads only the layers not seen before.
//!
//! An entry holds the layer's listing (enough to rebuild the merged filesystem without reading
//! the layer) and everything the visitors found in it (packages and errors per file, OS release
//! files, dpkg file lists, files that could not be analysed). Packages are kept per file and
//! per layer, before the final-state filtering: whether a layer's file is still the one in the
//! final filesystem depends on the layers above it, which differ from image to image.
//!
//! Entries are files under `<root>/layers/<analyzers>/<digest>`, where `<analyzers>` is a hash
//! of tollgate's version, every analyzer's id and version and the limits that change what is
//! found, so an upgrade never reads an older analysis. Each file carries a SHA-256 of its
//! content and is written to a temporary file then renamed, so a reader sees a whole entry or
//! none. An entry that does not verify or decode is deleted and the layer read again: a cache
//! entry is never trusted over the image.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use tollgate_oci::{Algorithm, Digest, Hasher, Layer, LayerListing, Limits, VisitProblem};

use crate::Package;
use crate::catalogers::CATALOGERS;

/// The first bytes of an entry, with the entry format's version.
const ENTRY_MAGIC: &[u8; 8] = b"TGLAYER1";
/// An entry larger than this is not one tollgate wrote (a listing of a million files takes
/// some 50 MiB).
const MAX_ENTRY_BYTES: u64 = 1 << 30;
/// Versions of the visitors that are not catalogers; bump when what they keep changes.
const OTHER_ANALYZERS: &[(&str, u32)] = &[("os-release", 1), ("dpkg-file-lists", 1)];

/// What the visitors found in one layer, without the layer's position (the same layer can sit
/// at another position in another image).
#[derive(Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct LayerFindings {
    /// Per file a cataloger read: its packages, or why it could not read them.
    pub(crate) catalogued: Vec<CatalogedFile>,
    /// OS release files: (path, content).
    pub(crate) os_files: Vec<(String, String)>,
    /// dpkg's `info/*.list` files: (path, installed files).
    pub(crate) dpkg_file_lists: Vec<(String, Vec<String>)>,
    /// Files a visitor could not analyse: (visitor, path, message).
    pub(crate) problems: Vec<(String, String, String)>,
    /// What each other analyzer found, by [`analyzer_key`].
    #[serde(default)]
    pub(crate) analyzers: BTreeMap<String, serde_json::Value>,
}

/// The key of an analyzer's findings in an entry: its id and version.
pub(crate) fn analyzer_key(id: &str, version: u32) -> String {
    format!("{id}@{version}")
}

/// One file one cataloger read.
#[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct CatalogedFile {
    pub(crate) path: String,
    pub(crate) cataloger: String,
    pub(crate) outcome: Result<Vec<Package>, String>,
}

impl LayerFindings {
    /// Problems of this layer, placed at `layer_index`.
    pub(crate) fn problems_at(&self, layer_index: usize) -> impl Iterator<Item = VisitProblem> {
        self.problems
            .iter()
            .map(move |(visitor, path, message)| VisitProblem {
                visitor: visitor.clone(),
                layer_index,
                path: path.clone(),
                message: message.clone(),
            })
    }
}

/// A layer recalled from the cache.
pub(crate) struct CachedLayer {
    pub(crate) listing: LayerListing,
    pub(crate) findings: LayerFindings,
}

/// The on-disk layer cache. Failures to write are collected as notices, never errors: a scan
/// does not fail because its cache directory is read-only.
pub struct LayerCache {
    directory: PathBuf,
    notices: Mutex<Vec<String>>,
    /// Set at the first entry that cannot be written: the others would fail the same way.
    unwritable: AtomicBool,
}

impl LayerCache {
    /// The cache under `root` (e.g. `$XDG_CACHE_HOME/tollgate`), for images read with `limits`.
    #[must_use]
    pub fn new(root: &Path, limits: &Limits) -> Self {
        Self {
            directory: root.join("layers").join(analyzers_key(limits)),
            notices: Mutex::default(),
            unwritable: AtomicBool::new(false),
        }
    }

    /// The directory the entries of this tollgate build go to.
    #[must_use]
    pub fn directory(&self) -> &Path {
        &self.directory
    }

    /// What went wrong with the cache during this run (corrupt entries discarded, entries that
    /// could not be written), for the user to see.
    pub fn take_notices(&self) -> Vec<String> {
        self.notices
            .lock()
            .map(|mut notices| std::mem::take(&mut *notices))
            .unwrap_or_default()
    }

    fn notice(&self, message: String) {
        if let Ok(mut notices) = self.notices.lock() {
            notices.push(message);
        }
    }

    /// The file of `layer`'s entry: named by the uncompressed digest when the config gives one
    /// (the same content compressed differently is the same layer), else by the blob digest.
    fn entry_path(&self, layer: &Layer) -> PathBuf {
        let digest = layer.diff_id.as_ref().unwrap_or(&layer.digest);
        self.directory.join(digest.to_string().replace(':', "-"))
    }

    /// Delete `layer`'s entry, saying why.
    pub(crate) fn discard(&self, layer: &Layer, reason: &str) {
        let path = self.entry_path(layer);
        let _ = fs_err::remove_file(&path);
        self.notice(format!(
            "layer cache: discarded the entry {} ({reason}); the layer is read again",
            path.display()
        ));
    }

    /// The cached analysis of `layer`, if there is a sound one holding the findings of every
    /// analyzer in `required` (keys of [`analyzer_key`]). A missing entry, or one made without
    /// some of those analyzers, is quietly `None`; a damaged one is deleted and reported.
    pub(crate) fn recall(&self, layer: &Layer, required: &[String]) -> Option<CachedLayer> {
        let path = self.entry_path(layer);
        let file = match fs_err::File::open(&path) {
            Ok(file) => file,
            Err(error)
                if matches!(
                    error.kind(),
                    std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
                ) =>
            {
                return None;
            }
            Err(error) => {
                self.notice(format!("layer cache: {error}; the layer is read again"));
                return None;
            }
        };
        let mut bytes = Vec::new();
        let read = file.take(MAX_ENTRY_BYTES + 1).read_to_end(&mut bytes);
        let decoded = match read {
            Ok(_) => decode_entry(&bytes),
            Err(error) => Err(format!("cannot be read: {error}")),
        };
        match decoded {
            Ok(cached) => required
                .iter()
                .all(|key| cached.findings.analyzers.contains_key(key))
                .then_some(cached),
            Err(reason) => {
                self.discard(layer, &reason);
                None
            }
        }
    }

    /// Keep what a pass over `layer` found.
    pub(crate) fn keep(&self, layer: &Layer, listing: &LayerListing, findings: &LayerFindings) {
        if self.unwritable.load(Ordering::Relaxed) {
            return;
        }
        let path = self.entry_path(layer);
        if let Err(error) = self.write_entry(&path, listing, findings) {
            self.unwritable.store(true, Ordering::Relaxed);
            self.notice(format!(
                "layer cache: cannot write {}: {error} (use --cache-dir or --no-cache)",
                path.display()
            ));
        }
    }

    fn write_entry(
        &self,
        path: &Path,
        listing: &LayerListing,
        findings: &LayerFindings,
    ) -> std::io::Result<()> {
        let body = encode_body(listing, findings)?;
        fs_err::create_dir_all(&self.directory)?;
        let mut temporary = tempfile::NamedTempFile::new_in(&self.directory)?;
        temporary.write_all(ENTRY_MAGIC)?;
        temporary.write_all(Digest::sha256_of(&body).hex().as_bytes())?;
        temporary.write_all(&body)?;
        temporary.persist(path).map_err(|error| error.error)?;
        Ok(())
    }
}

/// The body of an entry: the listing's length (8 bytes, little-endian), the listing, then the
/// findings as JSON.
fn encode_body(listing: &LayerListing, findings: &LayerFindings) -> std::io::Result<Vec<u8>> {
    let listing = listing.to_bytes();
    let mut body = Vec::with_capacity(listing.len() + 4096);
    body.extend_from_slice(&(listing.len() as u64).to_le_bytes());
    body.extend_from_slice(&listing);
    serde_json::to_writer(&mut body, findings)?;
    Ok(body)
}

fn decode_entry(bytes: &[u8]) -> Result<CachedLayer, String> {
    const HEX_LEN: usize = 64;
    if bytes.len() as u64 > MAX_ENTRY_BYTES {
        return Err("larger than any entry tollgate writes".to_owned());
    }
    let rest = bytes
        .strip_prefix(ENTRY_MAGIC)
        .ok_or("not a tollgate layer cache entry")?;
    if rest.len() < HEX_LEN + 8 {
        return Err("truncated".to_owned());
    }
    let (checksum, body) = rest.split_at(HEX_LEN);
    if Digest::sha256_of(body).hex().as_bytes() != checksum {
        return Err("its checksum does not match its content".to_owned());
    }
    let (length, body) = body.split_at(8);
    let length = u64::from_le_bytes(length.try_into().map_err(|_| "truncated")?);
    let length = usize::try_from(length)
        .ok()
        .filter(|&n| n <= body.len())
        .ok_or("truncated listing")?;
    let (listing, findings) = body.split_at(length);
    let listing = LayerListing::from_bytes(listing).ok_or("malformed listing")?;
    let findings: LayerFindings =
        serde_json::from_slice(findings).map_err(|error| format!("malformed findings: {error}"))?;
    if let Some(unknown) = findings
        .catalogued
        .iter()
        .find(|file| cataloger_id(&file.cataloger).is_none())
    {
        return Err(format!(
            "names an unknown cataloger `{}`",
            unknown.cataloger
        ));
    }
    Ok(CachedLayer { listing, findings })
}

/// The registered cataloger id equal to `id`.
pub(crate) fn cataloger_id(id: &str) -> Option<&'static str> {
    CATALOGERS
        .iter()
        .map(|cataloger| cataloger.id())
        .find(|known| *known == id)
}

/// A hash of everything that decides what a pass over a layer finds: tollgate's version, the
/// analyzers and their versions, the limits that turn files into unknowns.
fn analyzers_key(limits: &Limits) -> String {
    let mut analyzers: BTreeMap<&str, u32> = CATALOGERS
        .iter()
        .map(|cataloger| (cataloger.id(), cataloger.version()))
        .collect();
    analyzers.extend(OTHER_ANALYZERS.iter().copied());
    let mut hasher = Hasher::new(Algorithm::Sha256);
    let mut add = |text: &str| {
        hasher.update(text.as_bytes());
        hasher.update(b"\n");
    };
    add(concat!("tollgate ", env!("CARGO_PKG_VERSION")));
    for (id, version) in &analyzers {
        add(&format!("{id} {version}"));
    }
    add(&format!("buffer {}", limits.max_analyzer_buffer));
    let digest = hasher.finish();
    digest.hex()[..16].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Ecosystem;

    fn findings() -> LayerFindings {
        LayerFindings {
            catalogued: vec![
                CatalogedFile {
                    path: "/var/lib/dpkg/status".to_owned(),
                    cataloger: "dpkg-db".to_owned(),
                    outcome: Ok(vec![Package::new(
                        Ecosystem::Deb,
                        "libc6",
                        "2.36-9+deb12u7",
                    )]),
                },
                CatalogedFile {
                    path: "/app/package.json".to_owned(),
                    cataloger: "node-package".to_owned(),
                    outcome: Err("malformed package.json: line 1".to_owned()),
                },
            ],
            os_files: vec![("/etc/os-release".to_owned(), "ID=debian\n".to_owned())],
            dpkg_file_lists: vec![(
                "/var/lib/dpkg/info/libc6:amd64.list".to_owned(),
                vec!["/lib/x86_64-linux-gnu/libc.so.6".to_owned()],
            )],
            problems: vec![(
                "go-binary".to_owned(),
                "/usr/bin/x".to_owned(),
                "too big".to_owned(),
            )],
            analyzers: BTreeMap::from([(
                analyzer_key("secrets", 1),
                serde_json::json!([{"path": "/root/.ssh/id_rsa"}]),
            )]),
        }
    }

    fn listing() -> LayerListing {
        // The smallest listing: a layer with no entries.
        let mut bytes = Vec::new();
        bytes.extend_from_slice(b"TGLIST\x00\x01");
        bytes.extend_from_slice(&[0; 8 + 8 + 1 + 1 + 4]);
        bytes[25] = 8; // the root's flags: implicit
        LayerListing::from_bytes(&bytes).unwrap()
    }

    fn entry() -> Vec<u8> {
        let body = encode_body(&listing(), &findings()).unwrap();
        let mut bytes = ENTRY_MAGIC.to_vec();
        bytes.extend_from_slice(Digest::sha256_of(&body).hex().as_bytes());
        bytes.extend_from_slice(&body);
        bytes
    }

    #[test]
    fn an_entry_decodes_to_what_was_kept() {
        let cached = decode_entry(&entry()).unwrap();
        assert_eq!(cached.findings, findings());
        assert_eq!(cached.listing.to_bytes(), listing().to_bytes());
    }

    #[test]
    fn every_damage_is_refused() {
        let good = entry();
        for cut in 0..good.len() {
            assert!(decode_entry(&good[..cut]).is_err(), "cut at {cut}");
        }
        for at in 0..good.len() {
            let mut damaged = good.clone();
            damaged[at] ^= 0x20;
            assert!(decode_entry(&damaged).is_err(), "byte {at} flipped");
        }
    }

    #[test]
    fn a_checksummed_entry_naming_an_unknown_cataloger_is_refused() {
        let mut odd = findings();
        odd.catalogued[0].cataloger = "no-such-cataloger".to_owned();
        let body = encode_body(&listing(), &odd).unwrap();
        let mut bytes = ENTRY_MAGIC.to_vec();
        bytes.extend_from_slice(Digest::sha256_of(&body).hex().as_bytes());
        bytes.extend_from_slice(&body);
        let error = decode_entry(&bytes).err().unwrap();
        assert!(error.contains("no-such-cataloger"), "{error}");
    }

    #[test]
    fn the_key_changes_with_the_limits_that_change_findings() {
        let limits = Limits::default();
        let smaller = Limits {
            max_analyzer_buffer: limits.max_analyzer_buffer / 2,
            ..Limits::default()
        };
        assert_ne!(analyzers_key(&limits), analyzers_key(&smaller));
        assert_eq!(analyzers_key(&limits), analyzers_key(&Limits::default()));
    }
}
