//! The one trait every cataloger implements.

use std::io::Read;

use tollgate_oci::{Selector, VisitedFile};

use crate::Package;

/// A cataloger: it names the files it reads and turns one file into packages. It never sees
/// the rest of the image; the pipeline fills in the layer and path, merges results by path
/// across layers, and sets purls once the OS is known.
pub(crate) trait Cataloger: Sync {
    /// Stable kebab-case id, e.g. `dpkg-db`.
    fn id(&self) -> &'static str;
    /// Bumped whenever the output for the same input changes (part of the layer cache key).
    fn version(&self) -> u32;
    /// The files it wants, relative to the image root.
    fn selectors(&self) -> &'static [Selector];
    /// Packages in one file. An error becomes an "unknown" in the inventory, never a silent drop.
    fn catalog(
        &self,
        file: &VisitedFile<'_>,
        content: &mut dyn Read,
    ) -> Result<Vec<Package>, CatalogError>;
}

/// Why a file could not be cataloged.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// The file could not be read.
    #[error("failed to read the file")]
    Read(#[source] std::io::Error),
    /// The file is not in the format the cataloger expects.
    #[error("malformed {format}: {reason}")]
    Malformed {
        /// The format, e.g. `dpkg status stanza`.
        format: &'static str,
        /// What is wrong, with a line number or offset where possible.
        reason: String,
    },
}

impl CatalogError {
    pub(crate) fn malformed(format: &'static str, reason: impl Into<String>) -> Self {
        Self::Malformed {
            format,
            reason: reason.into(),
        }
    }
}

impl From<std::io::Error> for CatalogError {
    fn from(error: std::io::Error) -> Self {
        Self::Read(error)
    }
}

/// A value for an error message: lossy, escaped and at most 60 characters.
pub(crate) fn excerpt(bytes: &[u8]) -> String {
    const MAX: usize = 60;
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(MAX * 4)]);
    let mut out: String = text
        .chars()
        .take(MAX)
        .flat_map(char::escape_debug)
        .collect();
    if text.chars().nth(MAX).is_some() || bytes.len() > MAX * 4 {
        out.push('…');
    }
    out
}

/// Test support shared by the catalogers' unit tests.
#[cfg(test)]
pub(crate) mod testing {
    use tollgate_oci::VisitedFile;

    use super::{CatalogError, Cataloger};
    use crate::Package;

    /// Run `cataloger` on `bytes` as the walker hands a file found at `path`.
    pub(crate) fn catalog(
        cataloger: &dyn Cataloger,
        path: &str,
        bytes: &[u8],
        buffer_limit: u64,
    ) -> Result<Vec<Package>, CatalogError> {
        let file = VisitedFile {
            layer_index: 0,
            layer_digest: None,
            diff_id: None,
            path,
            size: bytes.len() as u64,
            mode: 0o644,
            magic: None,
            hardlink_of: None,
            buffer_limit,
        };
        cataloger.catalog(&file, &mut &bytes[..])
    }

    /// The reason of a `Malformed` error about `format`; any other outcome fails the test.
    pub(crate) fn malformed_reason(
        result: Result<Vec<Package>, CatalogError>,
        format: &str,
    ) -> String {
        match result {
            Err(CatalogError::Malformed {
                format: found,
                reason,
            }) => {
                assert_eq!(found, format);
                reason
            }
            other => panic!("expected a malformed {format}, got {other:?}"),
        }
    }
}
