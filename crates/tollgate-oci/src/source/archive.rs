//! Tar archives of images (`docker save` output, OCI layouts in a tar), indexed once so that
//! blobs can be read by seeking. A compressed archive is first decompressed into a temporary file
//! in tollgate's temp directory (bounded by the image-size limit), because `docker save` writes
//! `manifest.json` last and blobs must be read in manifest order.

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use crate::layer::{Compression, decompressor, normalise as clean_member_name};
use crate::limits::BoundedReader;
use crate::{Error, Limits, Result};

/// What an image archive holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ArchiveKind {
    /// `docker save` (`manifest.json`, possibly also an OCI layout inside).
    Docker,
    /// An OCI layout in a tar (`oci-layout`, `index.json`, `blobs/`).
    Oci,
}

/// An indexed image archive: member name → position of its content.
pub(crate) struct Archive {
    path: PathBuf,
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
    pub(crate) fn open(path: &Path, limits: &Limits, temp_dir: &Path) -> Result<Self> {
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
        let (file, temporary) = if compression == Compression::None {
            (file, None)
        } else {
            let (file, temp) = decompress_to_temp(file, compression, path, limits, temp_dir)?;
            (file, Some(temp))
        };
        let mut archive = Self {
            path: path.to_owned(),
            file: file.into_parts().0,
            _temporary: temporary,
            members: HashMap::new(),
        };
        archive.index()?;
        Ok(archive)
    }

    fn index(&mut self) -> Result<()> {
        let path = self.path.clone();
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

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn contains(&self, name: &str) -> bool {
        self.members.contains_key(name)
    }

    pub(crate) fn member_size(&self, name: &str) -> Option<u64> {
        clean_member_name(name)
            .and_then(|n| self.members.get(&n))
            .map(|m| m.size)
    }

    /// The content of one member, or `None` when the archive has no such member.
    pub(crate) fn open_member(&self, name: &str) -> Result<Option<MemberReader<'_>>> {
        let Some(member) = clean_member_name(name).and_then(|n| self.members.get(&n).copied())
        else {
            return Ok(None);
        };
        Ok(Some(MemberReader {
            archive: self,
            position: member.offset,
            remaining: member.size,
        }))
    }
}

/// Reads one member with positioned reads (`pread`) on the shared archive file, so several
/// layers can be read in parallel from one archive without a lock.
pub(crate) struct MemberReader<'a> {
    archive: &'a Archive,
    position: u64,
    remaining: u64,
}

impl Read for MemberReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.remaining == 0 || buf.is_empty() {
            return Ok(0);
        }
        let want = buf
            .len()
            .min(usize::try_from(self.remaining).unwrap_or(usize::MAX));
        let n = self.archive.file.read_at(&mut buf[..want], self.position)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "archive member is truncated",
            ));
        }
        self.position += n as u64;
        self.remaining -= n as u64;
        Ok(n)
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
