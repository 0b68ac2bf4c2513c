//! Feed importers: each turns one feed into advisories of the OSV model, and says what it
//! could not map. `import` recognises a path by what it holds, not by its name:
//!
//! - a directory: every feed file under it (recursively); other files are listed as skipped;
//! - an OSV export zip (`<Ecosystem>/all.zip`: one advisory JSON per member);
//! - an OSV advisory JSON file;
//! - an Alpine secdb document (JSON as secdb.alpinelinux.org serves it, or the YAML of the
//!   alpine-secdb repository);
//! - the Debian security tracker JSON (`https://security-tracker.debian.org/tracker/data/json`),
//!   plain or gzip-compressed.

mod alpine;
mod debian;
mod osv;

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::advisory::Advisory;

/// The feeds tollgate reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FeedKind {
    /// OSV advisories (a zip, a directory of JSON files, or one file).
    Osv,
    /// The Debian security tracker JSON.
    DebianTracker,
    /// Alpine's secdb.
    AlpineSecdb,
}

/// One imported feed.
#[derive(Debug)]
pub struct Imported {
    /// Where it came from and what it holds.
    pub source: SourceInfo,
    /// Its advisories, each with the document stored for it.
    pub advisories: Vec<ImportedAdvisory>,
}

/// An advisory and its stored JSON: the feed's own bytes for OSV input (so nothing the model
/// does not name is lost), the converted advisory for other feeds.
#[derive(Debug)]
pub struct ImportedAdvisory {
    /// The parsed advisory.
    pub advisory: Advisory,
    /// The JSON stored in the DB.
    pub document: Vec<u8>,
}

/// A source of the DB.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SourceInfo {
    /// A short name, e.g. `osv:PyPI`, `alpine-secdb:v3.10/main`, `debian-tracker`.
    pub name: String,
    /// The feed format.
    pub kind: FeedKind,
    /// The file it was read from.
    pub location: String,
    /// The newest `modified` date among its advisories (dates before 1970 are ignored: the Go
    /// repository writes year 1), or the feed's own date.
    pub date: Option<String>,
    /// Advisories imported.
    pub records: usize,
    /// What could not be mapped, one line each (with the reason); never silently dropped.
    pub not_mapped: Vec<String>,
}

/// Why a feed could not be imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Reading failed.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The content is not a feed tollgate knows, or is malformed.
    #[error("{path}: {reason}")]
    Malformed {
        /// The file (and member, for a zip).
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// A size or count limit was reached.
    #[error("{path}: {what} exceeds the limit of {limit}")]
    TooLarge {
        /// The file.
        path: String,
        /// What was too large.
        what: &'static str,
        /// The limit.
        limit: u64,
    },
}

/// Bounds on feed input (feeds come from the network).
#[derive(Clone, Debug)]
pub struct ImportLimits {
    /// Largest single document (an advisory JSON, a secdb file, the tracker JSON), decompressed.
    pub max_document: u64,
    /// Most members of one zip.
    pub max_zip_members: usize,
    /// Most bytes decompressed from one zip in all.
    pub max_zip_total: u64,
}

impl Default for ImportLimits {
    fn default() -> Self {
        Self {
            // The tracker JSON is tens of MB; one advisory is a few KB.
            max_document: 1 << 30,
            max_zip_members: 2_000_000,
            max_zip_total: 16 << 30,
        }
    }
}

/// Import every feed at `path` (a file or a directory).
///
/// # Errors
/// When the path cannot be read, or a file given directly (not found in a directory walk) is not
/// a feed, or any feed file is malformed.
pub fn import(path: &Path, limits: &ImportLimits) -> Result<Vec<Imported>, ImportError> {
    let metadata = fs_err::metadata(path).map_err(|source| read_error(path, source))?;
    if !metadata.is_dir() {
        return match import_file(path, limits)? {
            Some(imported) => Ok(imported),
            None => Err(ImportError::Malformed {
                path: path.display().to_string(),
                reason: "not an OSV advisory or zip, an Alpine secdb document or the Debian \
                         security tracker JSON"
                    .to_owned(),
            }),
        };
    }
    let mut files = Vec::new();
    collect_files(path, &mut files)?;
    files.sort();
    let mut imported = Vec::new();
    let mut loose_osv = Vec::new();
    let mut skipped = Vec::new();
    for file in &files {
        // Loose OSV JSON files of one directory form one source.
        if is_json(file)
            && let Some(advisory) = osv::read_loose(file, limits)?
        {
            loose_osv.push(advisory);
            continue;
        }
        match import_file(file, limits)? {
            Some(found) => imported.extend(found),
            None => skipped.push(file.display().to_string()),
        }
    }
    if !loose_osv.is_empty() {
        imported.push(osv::source_of_loose(path, loose_osv));
    }
    // The same feed twice (alpine-secdb ships each document as YAML and as JSON) is read once.
    let mut unique: Vec<Imported> = Vec::with_capacity(imported.len());
    for feed in imported {
        let twin = unique.iter().position(|kept| {
            kept.source.kind == feed.source.kind
                && kept.source.name == feed.source.name
                && kept.advisories.len() == feed.advisories.len()
                && kept
                    .advisories
                    .iter()
                    .zip(&feed.advisories)
                    .all(|(a, b)| a.advisory == b.advisory)
        });
        match twin {
            Some(index) => {
                let note = format!(
                    "{}: the same feed as this one, read once",
                    feed.source.location
                );
                unique[index].source.not_mapped.push(note);
            }
            None => unique.push(feed),
        }
    }
    let mut imported = unique;
    if let Some(first) = imported.first_mut() {
        first.source.not_mapped.extend(
            skipped
                .into_iter()
                .map(|file| format!("{file}: not a feed file, skipped")),
        );
    }
    Ok(imported)
}

fn is_json(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), ImportError> {
    for entry in fs_err::read_dir(dir).map_err(|source| read_error(dir, source))? {
        let entry = entry.map_err(|source| read_error(dir, source))?;
        let path = entry.path();
        let kind = entry
            .file_type()
            .map_err(|source| read_error(&path, source))?;
        if kind.is_dir() {
            collect_files(&path, out)?;
        } else if kind.is_file() {
            out.push(path);
        }
    }
    Ok(())
}

/// The feeds in one file, or `None` when it is not a feed.
fn import_file(path: &Path, limits: &ImportLimits) -> Result<Option<Vec<Imported>>, ImportError> {
    let head = read_head(path)?;
    if head.starts_with(b"PK\x03\x04") {
        return osv::read_zip(path, limits).map(|imported| Some(vec![imported]));
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let looks_textual = name.ends_with(".json")
        || name.ends_with(".json.gz")
        || name.ends_with(".yaml")
        || name.ends_with(".yml");
    if !looks_textual {
        return Ok(None);
    }
    let bytes = read_document(path, limits)?;
    if name.ends_with(".yaml") || name.ends_with(".yml") {
        return alpine::read_yaml(path, &bytes).map(|found| found.map(|i| vec![i]));
    }
    let value: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|error| ImportError::Malformed {
            path: path.display().to_string(),
            reason: format!("not JSON: {error}"),
        })?;
    if osv::is_advisory(&value) {
        return osv::read_single(path, bytes, value).map(|i| Some(vec![i]));
    }
    if alpine::is_secdb(&value) {
        return alpine::read_json(path, value).map(|i| Some(vec![i]));
    }
    if debian::is_tracker(&value) {
        return debian::read(path, value).map(|i| Some(vec![i]));
    }
    Ok(None)
}

fn read_error(path: &Path, source: std::io::Error) -> ImportError {
    ImportError::Read {
        path: path.to_owned(),
        source,
    }
}

fn read_head(path: &Path) -> Result<Vec<u8>, ImportError> {
    let mut head = Vec::with_capacity(4);
    fs_err::File::open(path)
        .and_then(|file| file.take(4).read_to_end(&mut head))
        .map_err(|source| read_error(path, source))?;
    Ok(head)
}

/// A whole document, gunzipped when it is gzip, at most `max_document` bytes.
fn read_document(path: &Path, limits: &ImportLimits) -> Result<Vec<u8>, ImportError> {
    let file = fs_err::File::open(path).map_err(|source| read_error(path, source))?;
    let gzip = read_head(path)?.starts_with(&[0x1f, 0x8b]);
    let reader: Box<dyn Read> = if gzip {
        Box::new(flate2::read::GzDecoder::new(file))
    } else {
        Box::new(file)
    };
    read_bounded(reader, limits.max_document, &path.display().to_string())
}

fn read_bounded(reader: impl Read, limit: u64, what: &str) -> Result<Vec<u8>, ImportError> {
    let mut bytes = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|source| ImportError::Read {
            path: PathBuf::from(what),
            source,
        })?;
    if bytes.len() as u64 > limit {
        return Err(ImportError::TooLarge {
            path: what.to_owned(),
            what: "the document",
            limit,
        });
    }
    Ok(bytes)
}

/// The newest of `dates` that is a real date (the Go feed writes `0001-01-01T00:00:00Z`).
fn newest_date<'a>(dates: impl Iterator<Item = &'a str>) -> Option<String> {
    dates
        .filter(|date| date.get(..4).is_some_and(|year| year >= "1970"))
        .max()
        .map(str::to_owned)
}
