//! Bounds on everything an image can make us read. Every limit has a default that fits real
//! images with room to spare and is configurable, because a hostile image will probe them.

use std::io::{self, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, StreamFault};

/// Limits applied while reading an image.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Largest manifest, index or config accepted, in bytes.
    pub max_manifest_bytes: u64,
    /// Largest decompressed size of one layer, in bytes.
    pub max_layer_bytes: u64,
    /// Largest decompressed size of all layers together, in bytes.
    pub max_image_bytes: u64,
    /// Most layers an image may have.
    pub max_layers: usize,
    /// Most tar entries one layer may hold.
    pub max_entries_per_layer: u64,
    /// Longest path (in bytes) an entry may have.
    pub max_path_bytes: usize,
    /// Most symbolic links followed while resolving one path (as Linux's `MAXSYMLINKS`).
    pub max_symlink_hops: usize,
    /// Most bytes of one file an analyzer may buffer in memory.
    pub max_analyzer_buffer: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_manifest_bytes: 4 * MIB,
            max_layer_bytes: 16 * GIB,
            max_image_bytes: 64 * GIB,
            max_layers: 256,
            max_entries_per_layer: 20_000_000,
            max_path_bytes: 4096,
            max_symlink_hops: 40,
            max_analyzer_buffer: 64 * MIB,
        }
    }
}

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;
const GIB: u64 = 1024 * MIB;

/// Parse a human size: `1048576`, `512KiB`, `64MiB`, `2GiB`, `10MB`, `1G`.
pub fn parse_size(input: &str) -> Result<u64, Error> {
    let invalid = || Error::InvalidSize {
        input: input.to_owned(),
    };
    let trimmed = input.trim();
    let split = trimmed
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let number: u64 = number.parse().map_err(|_| invalid())?;
    let multiplier = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kib" => KIB,
        "m" | "mib" => MIB,
        "g" | "gib" => GIB,
        "t" | "tib" => GIB * 1024,
        "kb" => 1000,
        "mb" => 1000 * 1000,
        "gb" => 1000 * 1000 * 1000,
        "tb" => 1000 * 1000 * 1000 * 1000,
        _ => return Err(invalid()),
    };
    number.checked_mul(multiplier).ok_or_else(invalid)
}

/// Counts decompressed bytes for one layer and for the whole image and fails the stream as soon
/// as either limit is crossed: a decompression bomb is stopped after at most the limit, not
/// after it has filled the disk or the memory.
pub(crate) struct BoundedReader<R> {
    inner: R,
    layer_bytes: u64,
    layer_limit: u64,
    image_bytes: Arc<AtomicU64>,
    image_limit: u64,
    what: String,
}

impl<R> BoundedReader<R> {
    pub(crate) fn new(
        inner: R,
        limits: &Limits,
        image_bytes: Arc<AtomicU64>,
        what: String,
    ) -> Self {
        Self {
            inner,
            layer_bytes: 0,
            layer_limit: limits.max_layer_bytes,
            image_bytes,
            image_limit: limits.max_image_bytes,
            what,
        }
    }

    pub(crate) fn into_inner(self) -> R {
        self.inner
    }
}

impl<R: Read> Read for BoundedReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let n64 = n as u64;
        self.layer_bytes += n64;
        if self.layer_bytes > self.layer_limit {
            return Err(StreamFault::Limit {
                what: format!("decompressed size of {}", self.what),
                limit: self.layer_limit,
                hint: " (raise it with --max-layer-size)",
            }
            .into_io());
        }
        let total = self.image_bytes.fetch_add(n64, Ordering::Relaxed) + n64;
        if total > self.image_limit {
            return Err(StreamFault::Limit {
                what: "decompressed size of the image".to_owned(),
                limit: self.image_limit,
                hint: " (raise it with --max-image-size)",
            }
            .into_io());
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("512").unwrap(), 512);
        assert_eq!(parse_size("4MiB").unwrap(), 4 * MIB);
        assert_eq!(parse_size("2 GiB").unwrap(), 2 * GIB);
        assert_eq!(parse_size("10MB").unwrap(), 10_000_000);
        assert!(parse_size("ten").is_err());
        assert!(parse_size("99999999999999999999TiB").is_err());
    }
}
