//! Reading one layer: verify the blob digest while it streams, detect and undo compression,
//! verify the diff_id, bound the decompressed size, and walk the tar entries once.
//!
//! ref: <https://github.com/opencontainers/image-spec/blob/v1.1.0/layer.md>

use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use crate::digest::VerifyingReader;
use crate::error::StreamFault;
use crate::limits::BoundedReader;
use crate::{Digest, Error, Limits, Result};

/// Layer compression, decided by magic bytes (media types are often wrong in the wild).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    /// A plain tar.
    None,
    /// gzip (possibly several members, as pigz and some registries write).
    Gzip,
    /// zstd (possibly several frames).
    Zstd,
}

impl Compression {
    /// Detect from the first bytes of a blob.
    #[must_use]
    pub fn from_magic(head: &[u8]) -> Self {
        if head.starts_with(&[0x1f, 0x8b]) {
            Self::Gzip
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Self::Zstd
        } else {
            Self::None
        }
    }
}

/// A decompressing reader that can give back its input, so that the compressed stream can be
/// drained to its end (and its digest checked) after the tar has ended.
pub(crate) enum Decoder<R: BufRead> {
    Plain(R),
    Gzip(Box<flate2::bufread::MultiGzDecoder<R>>),
    Zstd(zstd::stream::read::Decoder<'static, R>),
}

pub(crate) fn decompressor<R: BufRead>(
    reader: R,
    compression: Compression,
) -> io::Result<Decoder<R>> {
    Ok(match compression {
        Compression::None => Decoder::Plain(reader),
        Compression::Gzip => Decoder::Gzip(Box::new(flate2::bufread::MultiGzDecoder::new(reader))),
        Compression::Zstd => Decoder::Zstd(zstd::stream::read::Decoder::with_buffer(reader)?),
    })
}

impl<R: BufRead> Decoder<R> {
    pub(crate) fn into_inner(self) -> R {
        match self {
            Self::Plain(reader) => reader,
            Self::Gzip(decoder) => decoder.into_inner(),
            Self::Zstd(decoder) => decoder.finish(),
        }
    }
}

impl<R: BufRead> Read for Decoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Self::Plain(reader) => reader.read(buf),
            Self::Gzip(decoder) => decoder.read(buf),
            Self::Zstd(decoder) => decoder.read(buf),
        }
    }
}

/// A reader that verifies against a digest when one is known and passes bytes through otherwise.
pub(crate) enum MaybeVerifying<R> {
    Verify(Box<VerifyingReader<R>>),
    Pass(R),
}

impl<R: Read> MaybeVerifying<R> {
    pub(crate) fn new(
        inner: R,
        expected: Option<&Digest>,
        size: Option<u64>,
        what: String,
    ) -> Self {
        match expected {
            Some(digest) => Self::Verify(Box::new(VerifyingReader::new(
                inner,
                digest.clone(),
                size,
                what,
            ))),
            None => Self::Pass(inner),
        }
    }

    pub(crate) fn into_inner(self) -> R {
        match self {
            Self::Verify(reader) => reader.into_inner(),
            Self::Pass(reader) => reader,
        }
    }
}

impl<R: Read> Read for MaybeVerifying<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Self::Verify(reader) => reader.read(buf),
            Self::Pass(reader) => reader.read(buf),
        }
    }
}

/// What a layer stream needs to know to verify itself.
pub(crate) struct LayerStreamSpec<'a> {
    pub(crate) what: String,
    pub(crate) digest: Option<&'a Digest>,
    pub(crate) size: Option<u64>,
    pub(crate) diff_id: Option<&'a Digest>,
    /// The exact decompressed size, when the descriptor states it (uncompressed layers).
    pub(crate) uncompressed_size: Option<u64>,
}

/// The tar reader reads 512-byte headers: the outer buffer keeps those small reads from going
/// through the decompressor and both verifiers one by one.
type Inner<'r> = BufReader<
    BoundedReader<MaybeVerifying<Decoder<BufReader<MaybeVerifying<Box<dyn Read + Send + 'r>>>>>>,
>;

/// The decompressed, verified, bounded tar stream of one layer.
pub(crate) struct LayerStream<'r> {
    inner: Inner<'r>,
    /// Bytes of the tar consumed so far (what `Seek` reports).
    position: u64,
    what: String,
    /// The blob is verified against its own digest (not only through the diff_id).
    blob_verified: bool,
    /// The blob is a plain tar verified only through the diff_id (its digest is the diff_id).
    tar_is_blob: bool,
}

impl<'r> LayerStream<'r> {
    pub(crate) fn new(
        raw: Box<dyn Read + Send + 'r>,
        spec: &LayerStreamSpec<'_>,
        limits: &Limits,
        image_bytes: Arc<AtomicU64>,
    ) -> Result<Self> {
        let verified = MaybeVerifying::new(raw, spec.digest, spec.size, spec.what.clone());
        let mut buffered = BufReader::with_capacity(256 * 1024, verified);
        let head = buffered
            .fill_buf()
            .map_err(|e| Error::from_stream(&spec.what, e))?;
        let compression = Compression::from_magic(head);
        let decoder =
            decompressor(buffered, compression).map_err(|e| Error::from_stream(&spec.what, e))?;
        let diff_verified = MaybeVerifying::new(
            decoder,
            spec.diff_id,
            spec.uncompressed_size,
            format!("{} (uncompressed, diff_id)", spec.what),
        );
        Ok(Self {
            inner: BufReader::with_capacity(
                256 * 1024,
                BoundedReader::new(diff_verified, limits, image_bytes, spec.what.clone()),
            ),
            what: spec.what.clone(),
            position: 0,
            blob_verified: spec.digest.is_some(),
            tar_is_blob: spec.digest.is_none()
                && compression == Compression::None
                && spec.diff_id.is_some(),
        })
    }

    /// Read this layer's tar with `read`, then the rest of both streams so that every digest is
    /// checked. When `read` fails, the blob is blamed first (see [`Self::blame`]).
    pub(crate) fn read_tar<T>(
        self,
        read: impl FnOnce(&mut tar::Archive<Self>, &str) -> Result<T>,
    ) -> Result<T> {
        let what = self.what.clone();
        let mut archive = tar::Archive::new(self);
        let outcome = read(&mut archive, &what);
        let stream = archive.into_inner();
        match outcome {
            Ok(value) => {
                stream.finish()?;
                Ok(value)
            }
            // Unverified bytes can fail the tar reader (or break a rule) before the blob's end
            // is reached, where its digest is checked: a blob that is not the one the manifest
            // names is reported as such, not as the parse error it caused.
            Err(error) => Err(stream.blame(error)),
        }
    }

    /// Read both the decompressed and the compressed streams to their ends so that the diff_id
    /// and the blob digest are checked even when the tar ended early (its end-of-archive blocks
    /// come before padding, and gzip trailers come after the last tar byte).
    /// A decompression error here (a bad gzip trailer, say) is blamed on the blob when its
    /// digest does not match, as in [`Self::blame`].
    fn finish(mut self) -> Result<()> {
        if let Err(fault) = io::copy(&mut self.inner, &mut io::sink()) {
            let error = Error::from_stream(&self.what, fault);
            return Err(self.blame(error));
        }
        let what = self.what;
        let decoder = self.inner.into_inner().into_inner().into_inner();
        let mut compressed = decoder.into_inner();
        io::copy(&mut compressed, &mut io::sink()).map_err(|e| Error::from_stream(&what, e))?;
        Ok(())
    }

    /// The reader of this stream failed with `error`. If the blob is not what its descriptor
    /// names (digest or size), that is the real fault, and the parse error it caused is not
    /// reported: read the rest of the blob through its verifier and return the mismatch. A
    /// blob that is intact keeps `error`: the image really holds a malformed layer. A limit is
    /// kept as it is: it means "read no more", so the rest of the blob is not read to blame it.
    fn blame(self, error: Error) -> Error {
        if matches!(
            error,
            Error::DigestMismatch { .. } | Error::SizeMismatch { .. } | Error::LimitExceeded { .. }
        ) {
            return error;
        }
        let what = self.what;
        let verification_fault = |outcome: io::Result<u64>| match outcome {
            Err(fault)
                if fault
                    .get_ref()
                    .is_some_and(|inner| inner.is::<StreamFault>()) =>
            {
                Some(Error::from_stream(&what, fault))
            }
            _ => None,
        };
        let mut bounded = self.inner;
        let found = if self.tar_is_blob {
            // Decompressed = raw here, so the diff_id verifier sees the rest of the blob.
            verification_fault(io::copy(&mut bounded, &mut io::sink()))
        } else if self.blob_verified {
            let mut compressed = bounded.into_inner().into_inner().into_inner().into_inner();
            verification_fault(io::copy(&mut compressed, &mut io::sink()))
        } else {
            None
        };
        match found {
            Some(fault @ (Error::DigestMismatch { .. } | Error::SizeMismatch { .. })) => fault,
            _ => error,
        }
    }
}

impl Read for LayerStream<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.position += n as u64;
        Ok(n)
    }
}

/// Forward-only seeking, for `tar::Archive::entries_with_seek`: skipping an entry's content
/// then discards buffered bytes in place, where the tar crate's plain skip zero-fills a 32 KiB
/// buffer per entry (a third of the time on an image of a million small files).
impl Seek for LayerStream<'_> {
    fn seek(&mut self, target: SeekFrom) -> io::Result<u64> {
        let mut remaining = match target {
            SeekFrom::Current(delta) => u64::try_from(delta).ok(),
            SeekFrom::Start(offset) => offset.checked_sub(self.position),
            SeekFrom::End(_) => None,
        }
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::Unsupported,
                "a layer stream only seeks forward",
            )
        })?;
        while remaining > 0 {
            let available = self.inner.fill_buf()?.len();
            if available == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "layer ends inside an entry",
                ));
            }
            let step = available.min(usize::try_from(remaining).unwrap_or(usize::MAX));
            self.inner.consume(step);
            self.position += step as u64;
            remaining -= step as u64;
        }
        Ok(self.position)
    }
}

/// A tar entry's path made safe: `./a//b/` → `a/b`. `Ok(None)` is the root itself. Absolute
/// paths and `..` that would leave the root are errors: no layer written by docker, buildah or
/// containerd has them, so they only appear in crafted archives.
pub(crate) fn clean_entry_path(raw: &[u8], layer: &str, limits: &Limits) -> Result<Option<String>> {
    let lossy = String::from_utf8_lossy(raw);
    if raw.len() > limits.max_path_bytes {
        return Err(Error::LimitExceeded {
            what: format!(
                "{layer}: length of path `{}…`",
                lossy.chars().take(80).collect::<String>()
            ),
            limit: limits.max_path_bytes as u64,
            unit: "bytes",
            hint: "",
        });
    }
    if raw.first() == Some(&b'/') {
        return Err(Error::AbsolutePath {
            layer: layer.to_owned(),
            path: lossy.into_owned(),
        });
    }
    match normalise(&lossy) {
        Some(path) if path.is_empty() => Ok(None),
        Some(path) => Ok(Some(path)),
        None => Err(Error::PathEscape {
            layer: layer.to_owned(),
            path: lossy.into_owned(),
        }),
    }
}

/// Lexically clean a relative path; `None` if `..` climbs above the start.
pub(crate) fn normalise(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            part => parts.push(part),
        }
    }
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_paths() {
        let limits = Limits::default();
        let clean = |p: &str| clean_entry_path(p.as_bytes(), "layer 0", &limits);
        assert_eq!(
            clean("./etc/passwd").unwrap().as_deref(),
            Some("etc/passwd")
        );
        assert_eq!(
            clean("usr//lib/./x/").unwrap().as_deref(),
            Some("usr/lib/x")
        );
        assert_eq!(clean("./").unwrap(), None);
        assert_eq!(clean("a/../b").unwrap().as_deref(), Some("b"));
        assert!(matches!(
            clean("../etc/passwd"),
            Err(Error::PathEscape { .. })
        ));
        assert!(matches!(
            clean("a/../../etc"),
            Err(Error::PathEscape { .. })
        ));
        assert!(matches!(
            clean("/etc/passwd"),
            Err(Error::AbsolutePath { .. })
        ));
        let long = "a/".repeat(3000);
        assert!(matches!(clean(&long), Err(Error::LimitExceeded { .. })));
    }

    #[test]
    fn magic() {
        assert_eq!(Compression::from_magic(&[0x1f, 0x8b, 8]), Compression::Gzip);
        assert_eq!(
            Compression::from_magic(&[0x28, 0xb5, 0x2f, 0xfd]),
            Compression::Zstd
        );
        assert_eq!(Compression::from_magic(b"etc/"), Compression::None);
    }
}
