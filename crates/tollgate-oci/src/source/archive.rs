//! Tar archives of images (`docker save` output, OCI layouts in a tar), indexed once so that
//! blobs can be read by seeking. A compressed archive is first decompressed into a temporary file
//! in tollgate's temp directory (bounded by the image-size limit), because `docker save` writes
//! `manifest.json` last and blobs must be read in manifest order.

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use std::sync::OnceLock;

use crate::layer::{Compression, decompressor, normalise as clean_member_name};
use crate::limits::BoundedReader;
use crate::{Algorithm, Digest, Error, Hasher, Limits, Result};

/// What an image archive holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ArchiveKind {
    /// `docker save` (`manifest.json`, possibly also an OCI layout inside).
    Docker,
    /// An OCI layout in a tar (`oci-layout`, `index.json`, `blobs/`).
    Oci,
}

/// An image archive: its member names and sizes, the small members (manifests, configs) when
/// they were kept from an earlier run, and the seekable archive, made on first need when the
/// archive is compressed and its index was kept.
pub(crate) struct Archive {
    path: PathBuf,
    sizes: HashMap<String, u64>,
    small: HashMap<String, Vec<u8>>,
    indexed: OnceLock<std::result::Result<Indexed, String>>,
    /// How to make `indexed` later: the archive's compression and the open options.
    deferred: Option<(Compression, Limits, PathBuf)>,
}

/// The archive as one seekable tar (decompressed into a temporary file if needed), indexed:
/// member name → position of its content.
struct Indexed {
    file: std::fs::File,
    /// Kept alive so the decompressed copy is deleted when the archive is dropped.
    _temporary: Option<tempfile::TempPath>,
    members: HashMap<String, Member>,
}

#[derive(Clone, Copy, Debug)]
struct Member {
    offset: u64,
    size: u64,
}

/// Most members an image archive may have; real archives have a few per layer.
const MAX_MEMBERS: usize = 100_000;

impl Archive {
    /// Open and index the archive at `path`. With `index_cache` (a directory), the index and
    /// small members of a compressed archive are kept there by the archive's SHA-256, so a
    /// later open of the same archive decompresses it only if a layer must be read.
    pub(crate) fn open(
        path: &Path,
        limits: &Limits,
        temp_dir: &Path,
        index_cache: Option<&Path>,
    ) -> Result<Self> {
        let mut file =
            fs_err::File::open(path).map_err(|source| Error::io("open", path, source))?;
        let compression = {
            let mut magic = [0u8; 4];
            let n = read_up_to(&mut file, &mut magic)
                .map_err(|source| Error::io("read", path, source))?;
            file.seek(SeekFrom::Start(0))
                .map_err(|source| Error::io("seek", path, source))?;
            Compression::from_magic(&magic[..n])
        };
        let cache = match index_cache {
            Some(directory) if compression != Compression::None => {
                let digest = hash_file(&mut file, path)?;
                Some(IndexCache::new(directory, &digest))
            }
            _ => None,
        };
        if let Some(kept) = cache.as_ref().and_then(IndexCache::load) {
            return Ok(Self {
                path: path.to_owned(),
                sizes: kept.sizes,
                small: kept.small,
                indexed: OnceLock::new(),
                deferred: Some((compression, limits.clone(), temp_dir.to_owned())),
            });
        }
        let indexed = Indexed::open(file, compression, path, limits, temp_dir)?;
        let sizes: HashMap<String, u64> = indexed
            .members
            .iter()
            .map(|(name, member)| (name.clone(), member.size))
            .collect();
        if let Some(cache) = cache {
            cache.keep(&indexed, &sizes, limits);
        }
        Ok(Self {
            path: path.to_owned(),
            sizes,
            small: HashMap::new(),
            indexed: OnceLock::from(Ok(indexed)),
            deferred: None,
        })
    }

    /// The seekable archive, decompressed now if it was not yet.
    fn indexed(&self) -> Result<&Indexed> {
        let indexed = self.indexed.get_or_init(|| {
            let Some((compression, limits, temp_dir)) = &self.deferred else {
                return Err("the archive was not indexed".to_owned());
            };
            let file = fs_err::File::open(&self.path).map_err(|e| e.to_string())?;
            Indexed::open(file, *compression, &self.path, limits, temp_dir)
                .map_err(|e| e.to_string())
        });
        indexed.as_ref().map_err(|reason| {
            Error::io(
                "index",
                &self.path,
                io::Error::other(format!(
                    "{reason} (the archive changed since it was opened?)"
                )),
            )
        })
    }
}

impl Indexed {
    fn open(
        file: fs_err::File,
        compression: Compression,
        path: &Path,
        limits: &Limits,
        temp_dir: &Path,
    ) -> Result<Self> {
        let (file, temporary) = if compression == Compression::None {
            (file, None)
        } else {
            let (file, temp) = decompress_to_temp(file, compression, path, limits, temp_dir)?;
            (file, Some(temp))
        };
        let mut indexed = Self {
            file: file.into_parts().0,
            _temporary: temporary,
            members: HashMap::new(),
        };
        indexed.index(path)?;
        Ok(indexed)
    }

    fn index(&mut self, path: &Path) -> Result<()> {
        let path = path.to_owned();
        let not_a_tar = |reason: String| Error::NotAnImage {
            path: path.clone(),
            expected: "image archive",
            reason,
        };
        let mut tar = tar::Archive::new(BufReader::new(&self.file));
        let mut links: Vec<(String, String)> = Vec::new();
        let entries = tar.entries().map_err(|e| not_a_tar(e.to_string()))?;
        for entry in entries {
            let entry = entry.map_err(|e| not_a_tar(format!("bad tar entry: {e}")))?;
            if self.members.len() + links.len() >= MAX_MEMBERS {
                return Err(not_a_tar(format!("more than {MAX_MEMBERS} members")));
            }
            let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            let Some(name) = clean_member_name(&name) else {
                return Err(not_a_tar(format!("member `{name}` escapes the archive")));
            };
            let header = entry.header();
            match header.entry_type() {
                tar::EntryType::Regular | tar::EntryType::Continuous => {
                    let size = header.size().map_err(|e| not_a_tar(e.to_string()))?;
                    self.members.insert(
                        name,
                        Member {
                            offset: entry.raw_file_position(),
                            size,
                        },
                    );
                }
                tar::EntryType::Symlink => {
                    if let Some(target) = entry.link_name_bytes() {
                        let target = String::from_utf8_lossy(&target).into_owned();
                        let parent = name.rsplit_once('/').map_or("", |(p, _)| p);
                        let joined = if target.starts_with('/') {
                            target
                        } else {
                            format!("{parent}/{target}")
                        };
                        links.push((name, joined));
                    }
                }
                tar::EntryType::Link => {
                    if let Some(target) = entry.link_name_bytes() {
                        links.push((name, String::from_utf8_lossy(&target).into_owned()));
                    }
                }
                _ => {}
            }
        }
        // Links resolve to regular members only, by name, so they cannot point outside.
        for (name, target) in links {
            if let Some(member) =
                clean_member_name(&target).and_then(|t| self.members.get(&t).copied())
            {
                self.members.insert(name, member);
            }
        }
        Ok(())
    }

    /// The content of a member at `member`, read from the seekable archive.
    fn read_member(&self, member: Member) -> MemberReader<'_> {
        MemberReader::File {
            file: &self.file,
            position: member.offset,
            remaining: member.size,
        }
    }
}

impl Archive {
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn contains(&self, name: &str) -> bool {
        self.sizes.contains_key(name)
    }

    pub(crate) fn member_size(&self, name: &str) -> Option<u64> {
        clean_member_name(name).and_then(|n| self.sizes.get(&n).copied())
    }

    /// The content of one member, or `None` when the archive has no such member.
    pub(crate) fn open_member(&self, name: &str) -> Result<Option<MemberReader<'_>>> {
        let Some(name) = clean_member_name(name) else {
            return Ok(None);
        };
        if let Some(bytes) = self.small.get(&name) {
            return Ok(Some(MemberReader::Memory(bytes.as_slice())));
        }
        if !self.sizes.contains_key(&name) {
            return Ok(None);
        }
        let indexed = self.indexed()?;
        Ok(indexed
            .members
            .get(&name)
            .copied()
            .map(|member| indexed.read_member(member)))
    }
}

/// Reads one member: with positioned reads (`pread`) on the shared archive file, so several
/// layers can be read in parallel from one archive without a lock; or from memory.
pub(crate) enum MemberReader<'a> {
    File {
        file: &'a std::fs::File,
        position: u64,
        remaining: u64,
    },
    Memory(&'a [u8]),
}

impl Read for MemberReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let (file, position, remaining) = match self {
            Self::Memory(bytes) => return bytes.read(buf),
            Self::File {
                file,
                position,
                remaining,
            } => (file, position, remaining),
        };
        if *remaining == 0 || buf.is_empty() {
            return Ok(0);
        }
        let want = buf
            .len()
            .min(usize::try_from(*remaining).unwrap_or(usize::MAX));
        let n = file.read_at(&mut buf[..want], *position)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "archive member is truncated",
            ));
        }
        *position += n as u64;
        *remaining -= n as u64;
        Ok(n)
    }
}

/// The SHA-256 of a whole file, leaving it at its start.
fn hash_file(file: &mut fs_err::File, path: &Path) -> Result<Digest> {
    let mut hasher = Hasher::new(Algorithm::Sha256);
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let n = file
            .read(&mut buffer)
            .map_err(|source| Error::io("read", path, source))?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    file.seek(SeekFrom::Start(0))
        .map_err(|source| Error::io("seek", path, source))?;
    Ok(hasher.finish())
}

/// What the index cache keeps of an archive.
#[derive(serde::Serialize, serde::Deserialize)]
struct KeptIndex {
    sizes: HashMap<String, u64>,
    /// Members no larger than a manifest may be, base64.
    small: HashMap<String, String>,
}

/// Decoded [`KeptIndex`].
struct KeptMembers {
    sizes: HashMap<String, u64>,
    small: HashMap<String, Vec<u8>>,
}

/// The index of a compressed archive kept by the archive's digest: decompressing a large
/// `docker save | gzip` takes longer than a cached scan of it should. The entry is named by
/// the digest of the archive's bytes, so it describes exactly that content; it carries its own
/// checksum, and one that does not verify is ignored (and replaced).
struct IndexCache {
    path: PathBuf,
}

/// Most bytes of small members kept per archive.
const MAX_KEPT_SMALL_BYTES: u64 = 32 << 20;

impl IndexCache {
    fn new(directory: &Path, archive: &Digest) -> Self {
        Self {
            path: directory
                .join("archives")
                .join(format!("{}.json", archive.to_string().replace(':', "-"))),
        }
    }

    fn load(&self) -> Option<KeptMembers> {
        use base64::Engine as _;
        let bytes = fs_err::read(&self.path).ok()?;
        let (checksum, body) = bytes.split_at_checked(64)?;
        if Digest::sha256_of(body).hex().as_bytes() != checksum {
            return None;
        }
        let kept: KeptIndex = serde_json::from_slice(body).ok()?;
        let mut small = HashMap::with_capacity(kept.small.len());
        for (name, text) in kept.small {
            let content = base64::engine::general_purpose::STANDARD
                .decode(text)
                .ok()?;
            // A kept member is one the archive has, with its size.
            if kept.sizes.get(&name) != Some(&(content.len() as u64)) {
                return None;
            }
            small.insert(name, content);
        }
        if kept
            .sizes
            .keys()
            .any(|name| clean_member_name(name).as_ref() != Some(name))
        {
            return None;
        }
        Some(KeptMembers {
            sizes: kept.sizes,
            small,
        })
    }

    /// Keep the index; a failure only costs the next run a decompression.
    fn keep(&self, indexed: &Indexed, sizes: &HashMap<String, u64>, limits: &Limits) {
        use base64::Engine as _;
        let mut small = HashMap::new();
        let mut total = 0u64;
        for (name, member) in &indexed.members {
            if member.size > limits.max_manifest_bytes || total + member.size > MAX_KEPT_SMALL_BYTES
            {
                continue;
            }
            let mut content = Vec::new();
            if indexed
                .read_member(*member)
                .read_to_end(&mut content)
                .is_err()
            {
                return;
            }
            total += member.size;
            small.insert(
                name.clone(),
                base64::engine::general_purpose::STANDARD.encode(content),
            );
        }
        let kept = KeptIndex {
            sizes: sizes.clone(),
            small,
        };
        let Ok(body) = serde_json::to_vec(&kept) else {
            return;
        };
        let Some(directory) = self.path.parent() else {
            return;
        };
        let write = || -> io::Result<()> {
            fs_err::create_dir_all(directory)?;
            let mut temporary = tempfile::NamedTempFile::new_in(directory)?;
            io::Write::write_all(&mut temporary, Digest::sha256_of(&body).hex().as_bytes())?;
            io::Write::write_all(&mut temporary, &body)?;
            temporary.persist(&self.path).map_err(|e| e.error)?;
            Ok(())
        };
        let _ = write();
    }
}

fn read_up_to(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

fn decompress_to_temp(
    file: fs_err::File,
    compression: Compression,
    path: &Path,
    limits: &Limits,
    temp_dir: &Path,
) -> Result<(fs_err::File, tempfile::TempPath)> {
    fs_err::create_dir_all(temp_dir)
        .map_err(|source| Error::io("create temp directory", temp_dir, source))?;
    let temp = tempfile::Builder::new()
        .prefix("tollgate-archive-")
        .tempfile_in(temp_dir)
        .map_err(|source| Error::io("create temporary file in", temp_dir, source))?;
    let (mut out, temp_path) = temp.into_parts();
    let decoder = decompressor(BufReader::new(file), compression)
        .map_err(|source| Error::io("decompress", path, source))?;
    let what = format!("archive `{}`", path.display());
    let mut bounded = BoundedReader::new(
        decoder,
        limits,
        std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0)),
        what.clone(),
    );
    io::copy(&mut bounded, &mut out).map_err(|source| match Error::from_stream(&what, source) {
        Error::ReadLayer { source, .. } => Error::io("decompress", path, source),
        other => other,
    })?;
    let file = fs_err::File::from_parts(out, temp_path.to_path_buf());
    let mut file = file;
    file.seek(SeekFrom::Start(0))
        .map_err(|source| Error::io("seek", &*temp_path, source))?;
    Ok((file, temp_path))
}

/// Decide whether a file is a docker or an OCI archive from its member names, reading headers
/// only (content is skipped). Used when a bare path is given without a transport.
pub(crate) fn sniff(path: &Path) -> Result<ArchiveKind> {
    let not_archive = |reason: &str| Error::NotAnImage {
        path: path.to_owned(),
        expected: "image archive or OCI layout",
        reason: reason.to_owned(),
    };
    let mut file =
        BufReader::new(fs_err::File::open(path).map_err(|source| Error::io("open", path, source))?);
    let magic = file
        .fill_buf()
        .map_err(|source| Error::io("read", path, source))?;
    let compression = Compression::from_magic(magic);
    let reader =
        decompressor(file, compression).map_err(|source| Error::io("decompress", path, source))?;
    let mut tar = tar::Archive::new(reader);
    let mut oci = false;
    for entry in tar
        .entries()
        .map_err(|e| not_archive(&e.to_string()))?
        .take(MAX_MEMBERS)
    {
        let entry = entry.map_err(|e| not_archive(&format!("not a tar archive ({e})")))?;
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        match clean_member_name(&name).as_deref() {
            Some("manifest.json") => return Ok(ArchiveKind::Docker),
            Some("oci-layout" | "index.json") => oci = true,
            _ => {}
        }
    }
    if oci {
        Ok(ArchiveKind::Oci)
    } else {
        Err(not_archive("it has neither manifest.json nor oci-layout"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_names() {
        assert_eq!(
            clean_member_name("./blobs//sha256/x").as_deref(),
            Some("blobs/sha256/x")
        );
        assert_eq!(clean_member_name("a/../b").as_deref(), Some("b"));
        assert_eq!(clean_member_name("../etc/passwd"), None);
    }
}
