//! Errors of `tollgate-oci`. Structural faults in an image (digest mismatch, escape, bomb, limit)
//! are errors: a scan cannot go on from them, so they abort with one line that names the input.

use std::path::PathBuf;

use crate::Digest;

/// Result alias for this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Boxed third-party error, kept opaque so that no dependency's type is part of this API.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong while resolving, fetching or reading an image.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
#[expect(
    missing_docs,
    reason = "each variant's message documents it; fields are named for what they hold"
)]
pub enum Error {
    #[error("invalid image reference `{input}`: {reason}")]
    InvalidReference { input: String, reason: String },

    #[error("invalid target `{input}`: {reason}")]
    InvalidTarget { input: String, reason: String },

    #[error("invalid digest `{input}`: {reason}")]
    InvalidDigest { input: String, reason: String },

    #[error("invalid platform `{input}`: expected os/arch[/variant], e.g. linux/amd64")]
    InvalidPlatform { input: String },

    #[error(
        "invalid size `{input}`: expected a number with an optional unit (KiB, MiB, GiB, KB, MB, GB)"
    )]
    InvalidSize { input: String },

    #[error("digest mismatch for {what}: expected `{expected}`, got `{actual}`")]
    DigestMismatch {
        what: String,
        expected: Digest,
        actual: Digest,
    },

    #[error("size mismatch for {what}: expected {expected} bytes, got {actual}")]
    SizeMismatch {
        what: String,
        expected: u64,
        actual: u64,
    },

    #[error("{what} exceeds the limit of {limit} {unit}{hint}")]
    LimitExceeded {
        what: String,
        limit: u64,
        unit: &'static str,
        hint: &'static str,
    },

    #[error("{layer}: entry `{path}` has an absolute path")]
    AbsolutePath { layer: String, path: String },

    #[error("{layer}: entry `{path}` escapes the image root")]
    PathEscape { layer: String, path: String },

    #[error("{layer}: hard link `{path}` points outside the image root (`{target}`)")]
    HardlinkEscape {
        layer: String,
        path: String,
        target: String,
    },

    #[error("{layer}: hard link `{path}` points to `{target}`, which is not in the image")]
    HardlinkTargetMissing {
        layer: String,
        path: String,
        target: String,
    },

    #[error("failed to read {layer}")]
    ReadLayer {
        layer: String,
        #[source]
        source: std::io::Error,
    },

    #[error("failed to {operation} `{}`", path.display())]
    Io {
        operation: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("failed to parse {what}")]
    Parse {
        what: String,
        #[source]
        source: BoxError,
    },

    #[error("`{}` is not a {expected}: {reason}", path.display())]
    NotAnImage {
        path: PathBuf,
        expected: &'static str,
        reason: String,
    },

    #[error("unsupported media type `{media_type}` for {what}")]
    UnsupportedMediaType { what: String, media_type: String },

    #[error("no image for platform `{wanted}` in the index (available: {available})")]
    NoMatchingPlatform { wanted: String, available: String },

    #[error("`{reference}` not found in {source_name} (available: {available})")]
    ReferenceNotFound {
        reference: String,
        source_name: String,
        available: String,
    },

    #[error("blob `{digest}` not found in {source_name}")]
    BlobNotFound { digest: Digest, source_name: String },

    #[error("`{path}` not found in the image")]
    FileNotFound { path: String },

    #[error("`{path}` is not a regular file in the image")]
    NotAFile { path: String },

    #[error("too many levels of symbolic links while resolving `{path}`")]
    SymlinkLoop { path: String },

    #[error("registry request `{url}` failed")]
    Http {
        url: String,
        #[source]
        source: BoxError,
    },

    #[error("registry returned HTTP {status} for `{url}`{detail}")]
    RegistryStatus {
        url: String,
        status: u16,
        detail: String,
    },

    #[error("authentication to `{registry}` failed: {reason}")]
    Auth { registry: String, reason: String },

    #[error("registry `{registry}` is not loopback: plain HTTP needs --insecure")]
    InsecureNotAllowed { registry: String },

    #[error("invalid credentials in `{origin}`: {reason}")]
    Credentials { origin: String, reason: String },

    #[error("{what} failed in a visitor: {message}")]
    Visitor { what: String, message: String },
}

impl Error {
    pub(crate) fn io(
        operation: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        Self::Io {
            operation,
            path: path.into(),
            source,
        }
    }

    pub(crate) fn parse(what: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Self::Parse {
            what: what.into(),
            source: source.into(),
        }
    }

    /// Turn an I/O error that came out of a verified stream back into the fault that caused it,
    /// so that a digest mismatch or a bomb is reported as such, not as "failed to read".
    pub(crate) fn from_stream(what: &str, source: std::io::Error) -> Self {
        if let Some(fault) = source
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<StreamFault>())
        {
            return Self::from(fault);
        }
        Self::ReadLayer {
            layer: what.to_owned(),
            source,
        }
    }
}

/// A fault detected inside a `Read` implementation; it travels through `io::Error` and is turned
/// back into a typed [`Error`] by [`Error::from_stream`].
#[derive(Debug)]
pub(crate) enum StreamFault {
    Digest {
        what: String,
        expected: Digest,
        actual: Digest,
    },
    Size {
        what: String,
        expected: u64,
        actual: u64,
    },
    Limit {
        what: String,
        limit: u64,
        hint: &'static str,
    },
}

impl StreamFault {
    pub(crate) fn into_io(self) -> std::io::Error {
        std::io::Error::other(self)
    }
}

impl std::fmt::Display for StreamFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&Error::from(self), f)
    }
}

impl From<&StreamFault> for Error {
    fn from(fault: &StreamFault) -> Self {
        match fault {
            StreamFault::Digest {
                what,
                expected,
                actual,
            } => Error::DigestMismatch {
                what: what.clone(),
                expected: expected.clone(),
                actual: actual.clone(),
            },
            StreamFault::Size {
                what,
                expected,
                actual,
            } => Error::SizeMismatch {
                what: what.clone(),
                expected: *expected,
                actual: *actual,
            },
            StreamFault::Limit { what, limit, hint } => Error::LimitExceeded {
                what: what.clone(),
                limit: *limit,
                unit: "bytes",
                hint,
            },
        }
    }
}

impl std::error::Error for StreamFault {}
