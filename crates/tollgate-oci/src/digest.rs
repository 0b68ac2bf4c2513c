//! Content digests and the readers that verify them while bytes stream past.
//!
//! ref: <https://github.com/opencontainers/image-spec/blob/v1.1.0/descriptor.md#digests>

use std::fmt;
use std::io::{self, Read};
use std::str::FromStr;

use sha2::Digest as _;

use crate::error::{Error, StreamFault};

/// A content digest such as `sha256:9f86d0…`. Only the registered algorithms sha256 and sha512
/// are accepted, with the exact lowercase-hex encoding the image spec requires.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest {
    algorithm: Algorithm,
    hex: String,
}

/// A digest algorithm registered by the OCI image spec.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub enum Algorithm {
    /// SHA-256, 64 hex characters.
    Sha256,
    /// SHA-512, 128 hex characters.
    Sha512,
}

impl Algorithm {
    /// `sha256` or `sha512`, as in a digest string.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Sha256 => "sha256",
            Self::Sha512 => "sha512",
        }
    }

    fn hex_len(self) -> usize {
        match self {
            Self::Sha256 => 64,
            Self::Sha512 => 128,
        }
    }
}

impl Digest {
    /// The sha256 digest of `bytes`.
    #[must_use]
    pub fn sha256_of(bytes: &[u8]) -> Self {
        let mut hasher = Hasher::new(Algorithm::Sha256);
        hasher.update(bytes);
        hasher.finish()
    }

    /// The digest of `bytes` with the same algorithm as `self`.
    #[must_use]
    pub fn same_algorithm_of(&self, bytes: &[u8]) -> Self {
        let mut hasher = Hasher::new(self.algorithm);
        hasher.update(bytes);
        hasher.finish()
    }

    /// Check `bytes` against this digest.
    pub fn verify(&self, what: &str, bytes: &[u8]) -> Result<(), Error> {
        let actual = self.same_algorithm_of(bytes);
        if &actual == self {
            Ok(())
        } else {
            Err(Error::DigestMismatch {
                what: what.to_owned(),
                expected: self.clone(),
                actual,
            })
        }
    }

    /// The algorithm.
    #[must_use]
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The encoded part, lowercase hex.
    #[must_use]
    pub fn hex(&self) -> &str {
        &self.hex
    }

    /// The first 12 hex characters, as docker shows image ids.
    #[must_use]
    pub fn short(&self) -> &str {
        &self.hex[..12]
    }
}

impl FromStr for Digest {
    type Err = Error;

    fn from_str(input: &str) -> Result<Self, Error> {
        let invalid = |reason: &str| Error::InvalidDigest {
            input: input.chars().take(200).collect(),
            reason: reason.to_owned(),
        };
        let (algorithm, hex) = input
            .split_once(':')
            .ok_or_else(|| invalid("expected `<algorithm>:<hex>`"))?;
        let algorithm = match algorithm {
            "sha256" => Algorithm::Sha256,
            "sha512" => Algorithm::Sha512,
            _ => {
                return Err(invalid(
                    "unsupported algorithm (sha256 and sha512 are supported)",
                ));
            }
        };
        if hex.len() != algorithm.hex_len() {
            return Err(invalid(&format!(
                "{} needs {} hex characters, got {}",
                algorithm.name(),
                algorithm.hex_len(),
                hex.len()
            )));
        }
        if !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(invalid("the encoded part must be lowercase hex"));
        }
        Ok(Self {
            algorithm,
            hex: hex.to_owned(),
        })
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.algorithm.name(), self.hex)
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl serde::Serialize for Digest {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Digest {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// An incremental hasher for one [`Algorithm`].
#[derive(Clone)]
pub struct Hasher(HasherState);

#[derive(Clone)]
enum HasherState {
    Sha256(sha2::Sha256),
    Sha512(sha2::Sha512),
}

impl Hasher {
    /// A fresh hasher.
    #[must_use]
    pub fn new(algorithm: Algorithm) -> Self {
        Self(match algorithm {
            Algorithm::Sha256 => HasherState::Sha256(sha2::Sha256::new()),
            Algorithm::Sha512 => HasherState::Sha512(sha2::Sha512::new()),
        })
    }

    /// Feed bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        match &mut self.0 {
            HasherState::Sha256(h) => h.update(bytes),
            HasherState::Sha512(h) => h.update(bytes),
        }
    }

    /// The digest of everything fed so far.
    #[must_use]
    pub fn finish(self) -> Digest {
        let (algorithm, hex) = match self.0 {
            HasherState::Sha256(h) => (Algorithm::Sha256, hex::encode(h.finalize())),
            HasherState::Sha512(h) => (Algorithm::Sha512, hex::encode(h.finalize())),
        };
        Digest { algorithm, hex }
    }
}

/// A reader that hashes every byte it passes on and, at end of stream, fails with a
/// digest-mismatch error unless the content matches. It also fails as soon as more bytes than
/// the expected size arrive, so a hostile server cannot make us read forever, and at end of
/// stream if fewer arrived (a truncated blob).
pub struct VerifyingReader<R> {
    inner: R,
    hasher: Option<Hasher>,
    expected: Digest,
    expected_size: Option<u64>,
    seen: u64,
    what: String,
}

impl<R: Read> VerifyingReader<R> {
    /// Verify `inner` against `expected` (and `expected_size` when known). `what` names the blob
    /// in errors, e.g. "layer 2 (sha256:…)".
    pub fn new(
        inner: R,
        expected: Digest,
        expected_size: Option<u64>,
        what: impl Into<String>,
    ) -> Self {
        Self {
            inner,
            hasher: Some(Hasher::new(expected.algorithm)),
            expected,
            expected_size,
            seen: 0,
            what: what.into(),
        }
    }

    /// Whether the whole stream was read and verified.
    #[must_use]
    pub fn is_verified(&self) -> bool {
        self.hasher.is_none()
    }

    /// Give back the wrapped reader.
    pub fn into_inner(self) -> R {
        self.inner
    }

    fn finish(&mut self) -> io::Result<()> {
        let Some(hasher) = self.hasher.take() else {
            return Ok(());
        };
        if let Some(expected) = self.expected_size
            && self.seen != expected
        {
            return Err(StreamFault::Size {
                what: self.what.clone(),
                expected,
                actual: self.seen,
            }
            .into_io());
        }
        let actual = hasher.finish();
        if actual != self.expected {
            return Err(StreamFault::Digest {
                what: self.what.clone(),
                expected: self.expected.clone(),
                actual,
            }
            .into_io());
        }
        Ok(())
    }
}

impl<R: Read> Read for VerifyingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let n = self.inner.read(buf)?;
        if n == 0 {
            self.finish()?;
            return Ok(0);
        }
        self.seen += n as u64;
        if let Some(expected) = self.expected_size
            && self.seen > expected
        {
            return Err(StreamFault::Size {
                what: self.what.clone(),
                expected,
                actual: self.seen,
            }
            .into_io());
        }
        if let Some(hasher) = &mut self.hasher {
            hasher.update(&buf[..n]);
        }
        Ok(n)
    }
}

/// Read a whole small blob (manifest, index, config) into memory, refusing more than `limit`
/// bytes, and verify it against `expected` when given.
pub(crate) fn read_small_blob(
    mut reader: impl Read,
    what: &str,
    expected: Option<&Digest>,
    limit: u64,
) -> Result<Vec<u8>, Error> {
    let mut bytes = Vec::new();
    (&mut reader)
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| Error::from_stream(what, source))?;
    if bytes.len() as u64 > limit {
        return Err(Error::LimitExceeded {
            what: what.to_owned(),
            limit,
            unit: "bytes",
            hint: " (raise it with --max-manifest-size)",
        });
    }
    if let Some(expected) = expected {
        expected.verify(what, &bytes)?;
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        let text = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        let digest: Digest = text.parse().unwrap();
        assert_eq!(digest.to_string(), text);
        assert_eq!(Digest::sha256_of(b""), digest);
    }

    #[test]
    fn rejects_bad_digests() {
        for bad in [
            "sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
            "sha256:abc",
            "md5:d41d8cd98f00b204e9800998ecf8427e",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "sha256:../../../../etc/passwd0000000000000000000000000000000000000000",
        ] {
            assert!(
                matches!(bad.parse::<Digest>(), Err(Error::InvalidDigest { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn verifying_reader_detects_mismatch_and_truncation() {
        let expected = Digest::sha256_of(b"hello");
        let mut ok = VerifyingReader::new(&b"hello"[..], expected.clone(), Some(5), "blob");
        io::copy(&mut ok, &mut io::sink()).unwrap();
        assert!(ok.is_verified());

        let mut wrong = VerifyingReader::new(&b"hellO"[..], expected.clone(), Some(5), "blob");
        let err = io::copy(&mut wrong, &mut io::sink()).unwrap_err();
        let err = Error::from_stream("blob", err);
        assert!(
            matches!(&err, Error::DigestMismatch { expected: e, actual, .. } if *e == expected && *actual == Digest::sha256_of(b"hellO")),
            "{err:?}"
        );

        let mut short = VerifyingReader::new(&b"hell"[..], expected.clone(), Some(5), "blob");
        let err = Error::from_stream("blob", io::copy(&mut short, &mut io::sink()).unwrap_err());
        assert!(
            matches!(
                err,
                Error::SizeMismatch {
                    expected: 5,
                    actual: 4,
                    ..
                }
            ),
            "{err:?}"
        );

        let mut long = VerifyingReader::new(&b"hello world"[..], expected, Some(5), "blob");
        let err = Error::from_stream("blob", io::copy(&mut long, &mut io::sink()).unwrap_err());
        assert!(
            matches!(err, Error::SizeMismatch { expected: 5, .. }),
            "{err:?}"
        );
    }
}
