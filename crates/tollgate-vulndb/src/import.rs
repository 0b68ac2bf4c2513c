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

/// Where imported advisories go, one source at a time: `begin`, every advisory, `end` with
/// what the source held. The DB builder is one (nothing is held in memory but the advisory at
/// hand); [`import`] collects into memory.
pub trait Sink {
    /// A source starts.
    ///
    /// # Errors
    /// When the sink cannot take it.
    fn begin(&mut self) -> Result<(), BuildError>;
    /// One advisory of the current source.
    ///
    /// # Errors
    /// When the sink cannot take it.
    fn advisory(&mut self, advisory: ImportedAdvisory) -> Result<(), BuildError>;
    /// The current source ends.
    ///
    /// # Errors
    /// When the sink cannot take it.
    fn end(&mut self, source: SourceInfo) -> Result<(), BuildError>;
}

/// An import into a DB failed: reading a feed, or writing the DB.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// A feed could not be imported.
    #[error(transparent)]
    Import(#[from] ImportError),
    /// The DB could not be written.
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
}

/// Collects feeds in memory.
#[derive(Default)]
struct Collect {
    feeds: Vec<Imported>,
    current: Vec<ImportedAdvisory>,
}

impl Sink for Collect {
    fn begin(&mut self) -> Result<(), BuildError> {
        self.current.clear();
        Ok(())
    }

    fn advisory(&mut self, advisory: ImportedAdvisory) -> Result<(), BuildError> {
        self.current.push(advisory);
        Ok(())
    }

    fn end(&mut self, source: SourceInfo) -> Result<(), BuildError> {
        let advisories = std::mem::take(&mut self.current);
        // The same feed twice (alpine-secdb ships each document as YAML and as JSON) is kept
        // once.
        let twin = self.feeds.iter_mut().find(|kept| {
            may_have_twin(&source)
                && kept.source.kind == source.kind
                && kept.source.name == source.name
                && kept.advisories.len() == advisories.len()
                && kept
                    .advisories
                    .iter()
                    .zip(&advisories)
                    .all(|(a, b)| a.document == b.document)
        });
        match twin {
            Some(kept) => kept.source.not_mapped.push(twin_note(&source)),
            None => self.feeds.push(Imported { source, advisories }),
        }
        Ok(())
    }
}

/// The name of the pseudo-source that lists the files of a directory that were not feeds.
pub(crate) const SKIPPED: &str = "skipped";

/// Whether a later source identical to `source` is the same feed given twice (not for the
/// lists of skipped files, which say nothing about feeds).
pub(crate) fn may_have_twin(source: &SourceInfo) -> bool {
    source.name != SKIPPED
}

/// The note on a source that a later, identical one was not read again.
pub(crate) fn twin_note(twin: &SourceInfo) -> String {
    format!("{}: the same feed as this one, read once", twin.location)
}

/// Import every feed at `path` (a file or a directory) into memory. For a DB, use
/// [`import_into`] with a [`crate::db::DbBuilder`], which holds one advisory at a time.
///
/// # Errors
/// As [`import_into`].
pub fn import(path: &Path, limits: &ImportLimits) -> Result<Vec<Imported>, ImportError> {
    let mut collect = Collect::default();
    match import_into(path, limits, &mut collect) {
        Ok(()) => Ok(collect.feeds),
        Err(BuildError::Import(error)) => Err(error),
        // Collecting never fails.
        Err(BuildError::Db(error)) => Err(ImportError::Malformed {
            path: path.display().to_string(),
            reason: error.to_string(),
        }),
    }
}

/// Import every feed at `path` into `sink`, one source after another.
///
/// # Errors
/// When the path cannot be read, or a file given directly (not found in a directory walk) is not
/// a feed, or any feed file is malformed, or the sink fails.
pub fn import_into(
    path: &Path,
    limits: &ImportLimits,
    sink: &mut dyn Sink,
) -> Result<(), BuildError> {
    let metadata = fs_err::metadata(path).map_err(|source| read_error(path, source))?;
    if !metadata.is_dir() {
        return if import_file(path, limits, sink)? {
            Ok(())
        } else {
            Err(ImportError::Malformed {
                path: path.display().to_string(),
                reason: "not an OSV advisory or zip, an Alpine secdb document or the Debian \
                         security tracker JSON"
                    .to_owned(),
            }
            .into())
        };
    }
    let mut files = Vec::new();
    collect_files(path, &mut files)?;
    files.sort();
    // Loose OSV JSON files of one directory form one source, read first.
    let mut loose = osv::Summary::default();
    let mut others = Vec::new();
    let mut begun = false;
    for file in files {
        if is_json(&file)
            && let Some(item) = osv::read_loose(&file, limits)?
        {
            if !begun {
                sink.begin()?;
                begun = true;
            }
            loose.add(&item.advisory);
            sink.advisory(item)?;
        } else {
            others.push(file);
        }
    }
    let mut skipped = Vec::new();
    if begun {
        sink.end(loose.source(path))?;
    }
    for file in &others {
        if !import_file(file, limits, sink)? {
            skipped.push(file.display().to_string());
        }
    }
    if !skipped.is_empty() {
        // Named in a source of their own, so that `db info` shows what was passed over.
        sink.begin()?;
        sink.end(SourceInfo {
            name: SKIPPED.to_owned(),
            kind: FeedKind::Osv,
            location: path.display().to_string(),
            date: None,
            records: 0,
            not_mapped: skipped
                .into_iter()
                .map(|file| format!("{file}: not a feed file, skipped"))
                .collect(),
        })?;
    }
    Ok(())
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

/// Import the feed in one file; `false` when it is not a feed.
fn import_file(
    path: &Path,
    limits: &ImportLimits,
    sink: &mut dyn Sink,
) -> Result<bool, BuildError> {
    let head = read_head(path)?;
    if head.starts_with(b"PK\x03\x04") {
        osv::read_zip(path, limits, sink)?;
        return Ok(true);
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
        return Ok(false);
    }
    let bytes = read_document(path, limits)?;
    let imported = if name.ends_with(".yaml") || name.ends_with(".yml") {
        alpine::read_yaml(path, &bytes)?
    } else {
        let value: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|error| ImportError::Malformed {
                path: path.display().to_string(),
                reason: format!("not JSON: {error}"),
            })?;
        if osv::is_advisory(&value) {
            Some(osv::read_single(path, bytes, value)?)
        } else if alpine::is_secdb(&value) {
            Some(alpine::read_json(path, value)?)
        } else if debian::is_tracker(&value) {
            Some(debian::read(path, value)?)
        } else {
            None
        }
    };
    let Some(imported) = imported else {
        return Ok(false);
    };
    sink.begin()?;
    for advisory in imported.advisories {
        sink.advisory(advisory)?;
    }
    sink.end(imported.source)?;
    Ok(true)
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
