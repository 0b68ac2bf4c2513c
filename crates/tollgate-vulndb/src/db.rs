//! The on-disk DB: one SQLite file (DESIGN: embedded by default). SQLite opens in microseconds
//! without reading the file, answers an indexed lookup in microseconds, and scales to the whole
//! osv.dev export; the schema is tollgate's own and versioned.
//!
//! Tables: `meta` (schema version, build time, tollgate version, content digest), `sources`
//! (each feed: name, kind, location, date, records, what it could not map), `advisories` (the
//! stored JSON, zstd-compressed, with id, source, modified, withdrawn) and `packages`, the index:
//! (ecosystem, normalised name) → advisory, a clustered `WITHOUT ROWID` key.
//!
//! The content digest is a SHA-256 over the sources and every stored advisory document in a
//! fixed order, so it names the data, not the SQLite page layout: the same feeds give the same
//! digest, and any result can be re-derived from a DB with that digest.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use sha2::{Digest as _, Sha256};

use crate::advisory::Advisory;
use crate::import::{Imported, SourceInfo};

/// Bumped when the tables change incompatibly.
pub const SCHEMA_VERSION: u32 = 1;

/// zstd level for stored documents: high ratio, still fast to build at osv.dev scale.
const ZSTD_LEVEL: i32 = 9;

/// Largest advisory document decompressed from the DB (a DB file is input too).
const MAX_DOCUMENT: usize = 64 << 20;

/// What went wrong with a DB.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// SQLite failed.
    #[error("{path}: {what}: {source}")]
    Sqlite {
        /// The DB file.
        path: PathBuf,
        /// What was being done.
        what: &'static str,
        /// The cause.
        source: rusqlite::Error,
    },
    /// A file operation failed.
    #[error("{path}: {what}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What was being done.
        what: &'static str,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not a tollgate DB, or not one this version reads.
    #[error("{path}: {reason}")]
    Invalid {
        /// The DB file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// Signing the DB, or verifying its signature, failed.
    #[error("{path}: {source}")]
    Signature {
        /// The DB file.
        path: PathBuf,
        /// What failed.
        source: crate::signature::SignatureError,
    },
}

/// What `tollgate db info` shows, and what every scan report records.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct DbInfo {
    /// The DB file.
    pub path: String,
    /// Schema version.
    pub schema_version: u32,
    /// When it was built (RFC 3339).
    pub built_at: String,
    /// The tollgate version that built it.
    pub built_by: String,
    /// `sha256:<hex>` over the sources and documents (see the module docs).
    pub content_digest: String,
    /// Advisories stored.
    pub advisories: u64,
    /// (ecosystem, package) index entries.
    pub package_entries: u64,
    /// File size in bytes.
    pub size: u64,
    /// The feeds it was built from.
    pub sources: Vec<SourceInfo>,
}

impl DbInfo {
    /// Seconds since the DB was built, at `now` (seconds since the epoch); `None` when the
    /// build time is not RFC 3339 UTC.
    #[must_use]
    pub fn age_seconds(&self, now: i64) -> Option<i64> {
        epoch_seconds(&self.built_at).map(|built| now - built)
    }

    /// A warning when the DB is older than `max_age_seconds` at `now`: scans should say that
    /// their findings may be missing what was published since.
    #[must_use]
    pub fn staleness_warning(&self, now: i64, max_age_seconds: i64) -> Option<String> {
        let age = self.age_seconds(now)?;
        (age > max_age_seconds).then(|| {
            format!(
                "the vulnerability DB {} was built {} days ago ({}); run `tollgate db update`",
                self.path,
                age / 86_400,
                self.built_at
            )
        })
    }
}

/// `YYYY-MM-DDThh:mm:ss[.fff]Z` → seconds since the epoch (days from civil date: Howard
/// Hinnant's algorithm, <https://howardhinnant.github.io/date_algorithms.html#days_from_civil>;
/// a date library for one conversion would outweigh this crate).
fn epoch_seconds(text: &str) -> Option<i64> {
    let text = text.strip_suffix('Z')?;
    let (date, time) = text.split_once('T')?;
    let mut date_parts = date.splitn(3, '-').map(str::parse::<i64>);
    let (year, month, day) = (
        date_parts.next()?.ok()?,
        date_parts.next()?.ok()?,
        date_parts.next()?.ok()?,
    );
    let time = time.split('.').next()?;
    let mut time_parts = time.splitn(3, ':').map(str::parse::<i64>);
    let (hour, minute, second) = (
        time_parts.next()?.ok()?,
        time_parts.next()?.ok()?,
        time_parts.next()?.ok()?,
    );
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let day_of_year = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let days = era * 146_097 + day_of_era - 719_468;
    Some(days * 86_400 + hour * 3600 + minute * 60 + second)
}

/// How a DB is built.
#[derive(Clone, Debug)]
pub struct BuildOptions {
    /// RFC 3339 build time (callers pass `SOURCE_DATE_EPOCH` when set, for reproducible DBs).
    pub built_at: String,
    /// The tollgate version building it.
    pub built_by: String,
}

/// The name under which an ecosystem's package is indexed and looked up: PyPI names are
/// compared as PEP 503 normalises them (`Jinja2`, `jinja2`, `jinja_2`... are one project); the
/// other ecosystems' names are exact.
#[must_use]
pub fn normalized_name(ecosystem: &str, name: &str) -> String {
    if ecosystem == "PyPI" {
        // `re.sub(r"[-_.]+", "-", name).lower()`
        let mut out = String::with_capacity(name.len());
        for c in name.chars() {
            if matches!(c, '-' | '_' | '.') {
                if !out.ends_with('-') {
                    out.push('-');
                }
            } else {
                out.extend(c.to_lowercase());
            }
        }
        out
    } else {
        name.to_owned()
    }
}

/// Build a DB at `output` from feeds already in memory (see [`DbBuilder`] for streaming).
///
/// # Errors
/// When writing fails.
pub fn build(
    imported: &[Imported],
    output: &Path,
    options: &BuildOptions,
) -> Result<DbInfo, DbError> {
    let mut builder = DbBuilder::create(output)?;
    for feed in imported {
        builder.begin_source();
        for item in &feed.advisories {
            builder.add(&item.advisory, &item.document)?;
        }
        builder.end_source(feed.source.clone())?;
    }
    builder.finish(options)
}

/// Builds a DB one advisory at a time (it holds none in memory), into a temporary file beside
/// the output that is renamed into place only by [`DbBuilder::finish`]: a failed or abandoned
/// build leaves any previous DB untouched.
pub struct DbBuilder {
    output: PathBuf,
    temporary: tempfile::TempPath,
    connection: Connection,
    source_id: i64,
    next_advisory: i64,
    package_entries: u64,
    /// The current source's running digest, to notice the same feed read twice.
    source_digest: Sha256,
    /// (kind, name, records, digest) → source id, of the sources kept.
    seen: BTreeMap<(String, String, usize, Vec<u8>), i64>,
}

impl DbBuilder {
    /// Start a DB at `output`.
    ///
    /// # Errors
    /// When the temporary file cannot be created beside `output`.
    pub fn create(output: &Path) -> Result<Self, DbError> {
        let dir = output
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let temporary = tempfile::Builder::new()
            .prefix(".tollgate-db-")
            .tempfile_in(dir)
            .map_err(|source| DbError::Io {
                path: output.to_owned(),
                what: "creating a temporary file beside it",
                source,
            })?
            .into_temp_path();
        let sql = |what: &'static str| {
            move |source| DbError::Sqlite {
                path: output.to_owned(),
                what,
                source,
            }
        };
        let connection = Connection::open(&temporary).map_err(sql("creating"))?;
        connection
            .execute_batch(
                "PRAGMA journal_mode = OFF;
                 PRAGMA synchronous = OFF;
                 PRAGMA page_size = 4096;
                 CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
                 CREATE TABLE sources (id INTEGER PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL,
                     location TEXT NOT NULL, date TEXT, records INTEGER NOT NULL, not_mapped TEXT NOT NULL);
                 CREATE TABLE advisories (id INTEGER PRIMARY KEY, source INTEGER NOT NULL,
                     advisory_id TEXT NOT NULL, modified TEXT NOT NULL, withdrawn INTEGER NOT NULL,
                     document BLOB NOT NULL);
                 CREATE TABLE packages (ecosystem TEXT NOT NULL, name TEXT NOT NULL, advisory INTEGER NOT NULL,
                     PRIMARY KEY (ecosystem, name, advisory)) WITHOUT ROWID;
                 BEGIN;",
            )
            .map_err(sql("creating the tables"))?;
        Ok(Self {
            output: output.to_owned(),
            temporary,
            connection,
            source_id: -1,
            next_advisory: 0,
            package_entries: 0,
            source_digest: Sha256::new(),
            seen: BTreeMap::new(),
        })
    }

    fn sql(&self, what: &'static str) -> impl Fn(rusqlite::Error) -> DbError + '_ {
        move |source| DbError::Sqlite {
            path: self.output.clone(),
            what,
            source,
        }
    }

    /// How many sources have begun (to tell a path that held no feed).
    #[must_use]
    pub fn sources_begun(&self) -> i64 {
        self.source_id + 1
    }

    /// A source starts.
    pub fn begin_source(&mut self) {
        self.source_id += 1;
        self.source_digest = Sha256::new();
    }

    /// One advisory of the current source, with the JSON stored for it.
    ///
    /// # Errors
    /// When writing fails.
    pub fn add(&mut self, advisory: &Advisory, document: &[u8]) -> Result<(), DbError> {
        self.source_digest
            .update((document.len() as u64).to_le_bytes());
        self.source_digest.update(document);
        let compressed =
            zstd::bulk::compress(document, ZSTD_LEVEL).map_err(|source| DbError::Io {
                path: self.output.clone(),
                what: "compressing an advisory",
                source,
            })?;
        let row = self.next_advisory;
        self.next_advisory += 1;
        self.connection
            .prepare_cached("INSERT INTO advisories (id, source, advisory_id, modified, withdrawn, document) VALUES (?, ?, ?, ?, ?, ?)")
            .and_then(|mut insert| {
                insert.execute(params![
                    row,
                    self.source_id,
                    advisory.id,
                    advisory.modified,
                    advisory.withdrawn.is_some(),
                    compressed
                ])
            })
            .map_err(self.sql("writing an advisory"))?;
        for package in advisory.affected.iter().filter_map(|a| a.package.as_ref()) {
            let added = self
                .connection
                .prepare_cached(
                    "INSERT OR IGNORE INTO packages (ecosystem, name, advisory) VALUES (?, ?, ?)",
                )
                .and_then(|mut insert| {
                    insert.execute(params![
                        package.ecosystem,
                        normalized_name(&package.ecosystem, &package.name),
                        row
                    ])
                })
                .map_err(self.sql("writing the package index"))?;
            self.package_entries += added as u64;
        }
        Ok(())
    }

    /// The current source ends. A source identical to one already built in (the same feed
    /// given twice, as alpine-secdb's YAML and JSON twins) is taken out again and noted on the
    /// first.
    ///
    /// # Errors
    /// When writing fails.
    pub fn end_source(&mut self, source: SourceInfo) -> Result<(), DbError> {
        let digest = std::mem::take(&mut self.source_digest).finalize().to_vec();
        let kind = kind_name(source.kind);
        let key = (kind.clone(), source.name.clone(), source.records, digest);
        if let Some(&kept) = self.seen.get(&key)
            && crate::import::may_have_twin(&source)
        {
            self.connection
                .execute("DELETE FROM packages WHERE advisory IN (SELECT id FROM advisories WHERE source = ?1)", params![self.source_id])
                .and_then(|_| self.connection.execute("DELETE FROM advisories WHERE source = ?1", params![self.source_id]))
                .map_err(self.sql("removing a repeated feed"))?;
            let notes: String = self
                .connection
                .query_row(
                    "SELECT not_mapped FROM sources WHERE id = ?1",
                    params![kept],
                    |row| row.get(0),
                )
                .map_err(self.sql("reading a source"))?;
            let mut notes: Vec<String> = serde_json::from_str(&notes).unwrap_or_default();
            notes.push(crate::import::twin_note(&source));
            self.connection
                .execute(
                    "UPDATE sources SET not_mapped = ?1 WHERE id = ?2",
                    params![serde_json::to_string(&notes).unwrap_or_default(), kept],
                )
                .map_err(self.sql("writing a source"))?;
            return Ok(());
        }
        self.seen.insert(key, self.source_id);
        let not_mapped = serde_json::to_string(&source.not_mapped).unwrap_or_default();
        self.connection
            .execute(
                "INSERT INTO sources (id, name, kind, location, date, records, not_mapped) VALUES (?, ?, ?, ?, ?, ?, ?)",
                params![
                    self.source_id,
                    source.name,
                    kind,
                    source.location,
                    source.date,
                    source.records as i64,
                    not_mapped
                ],
            )
            .map_err(self.sql("writing a source"))?;
        Ok(())
    }

    /// Write the metadata, compact, and move the DB into place.
    ///
    /// # Errors
    /// When writing fails.
    pub fn finish(self, options: &BuildOptions) -> Result<DbInfo, DbError> {
        let content_digest = self.content_digest()?;
        let advisories: i64 = self
            .connection
            .query_row("SELECT count(*) FROM advisories", [], |row| row.get(0))
            .map_err(self.sql("counting"))?;
        let package_entries: i64 = self
            .connection
            .query_row("SELECT count(*) FROM packages", [], |row| row.get(0))
            .map_err(self.sql("counting"))?;
        for (key, value) in [
            ("schema_version", SCHEMA_VERSION.to_string()),
            ("built_at", options.built_at.clone()),
            ("built_by", options.built_by.clone()),
            ("content_digest", content_digest),
            ("advisories", advisories.to_string()),
            ("package_entries", package_entries.to_string()),
        ] {
            self.connection
                .execute(
                    "INSERT INTO meta (key, value) VALUES (?, ?)",
                    params![key, value],
                )
                .map_err(self.sql("writing metadata"))?;
        }
        self.connection
            .execute_batch("COMMIT; VACUUM;")
            .map_err(self.sql("compacting"))?;
        let Self {
            output,
            temporary,
            connection,
            ..
        } = self;
        connection.close().map_err(|(_, source)| DbError::Sqlite {
            path: output.clone(),
            what: "closing",
            source,
        })?;
        temporary.persist(&output).map_err(|error| DbError::Io {
            path: output.clone(),
            what: "moving the finished DB into place",
            source: error.error,
        })?;
        Ok(Db::open(&output)?.info)
    }

    fn content_digest(&self) -> Result<String, DbError> {
        content_digest(&self.connection, &self.output)
    }
}

impl crate::import::Sink for DbBuilder {
    fn begin(&mut self) -> Result<(), crate::import::BuildError> {
        self.begin_source();
        Ok(())
    }

    fn advisory(
        &mut self,
        item: crate::import::ImportedAdvisory,
    ) -> Result<(), crate::import::BuildError> {
        Ok(self.add(&item.advisory, &item.document)?)
    }

    fn end(&mut self, source: SourceInfo) -> Result<(), crate::import::BuildError> {
        Ok(self.end_source(source)?)
    }
}

/// The digest of the data: sources in order, each one's documents by advisory id (see the
/// module docs), read back from the DB so that no document is held in memory. The `meta`
/// table (where the digest itself and a signature are kept) is not part of it.
pub(crate) fn content_digest(connection: &Connection, path: &Path) -> Result<String, DbError> {
    let sql = |what: &'static str| {
        move |source| DbError::Sqlite {
            path: path.to_owned(),
            what,
            source,
        }
    };
    let mut digest = Sha256::new();
    digest.update(format!("tollgate-db/{SCHEMA_VERSION}\n"));
    let mut sources = connection
        .prepare("SELECT id, name, kind, date, records FROM sources ORDER BY id")
        .map_err(sql("reading sources"))?;
    let rows: Vec<(i64, String, String, Option<String>, i64)> = sources
        .query_map([], |row| {
            Ok((
                row.get(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
                row.get(4)?,
            ))
        })
        .and_then(Iterator::collect)
        .map_err(sql("reading sources"))?;
    let mut documents = connection.prepare("SELECT advisory_id, document FROM advisories WHERE source = ?1 ORDER BY advisory_id, id")
        .map_err(sql("reading advisories"))?;
    for (id, name, kind, date, records) in rows {
        digest.update(format!(
            "source\0{name}\0{kind}\0{}\0{records}\n",
            date.as_deref().unwrap_or("")
        ));
        let mut rows = documents
            .query(params![id])
            .map_err(sql("reading advisories"))?;
        while let Some(row) = rows.next().map_err(sql("reading advisories"))? {
            let advisory_id: String = row.get(0).map_err(sql("reading advisories"))?;
            let compressed: Vec<u8> = row.get(1).map_err(sql("reading advisories"))?;
            let document = zstd::bulk::decompress(&compressed, MAX_DOCUMENT).map_err(|source| {
                DbError::Io {
                    path: path.to_owned(),
                    what: "re-reading an advisory",
                    source,
                }
            })?;
            digest.update(advisory_id.as_bytes());
            digest.update([0]);
            digest.update((document.len() as u64).to_le_bytes());
            digest.update(&document);
        }
    }
    Ok(format!("sha256:{}", hex::encode(digest.finalize())))
}

fn kind_name(kind: crate::import::FeedKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// An open DB.
pub struct Db {
    connection: Connection,
    path: PathBuf,
    info: DbInfo,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

impl Db {
    /// Open a DB read-only. Reads only the metadata: milliseconds whatever the size.
    ///
    /// # Errors
    /// When the file is missing, not SQLite, not a tollgate DB, or of another schema version.
    pub fn open(path: &Path) -> Result<Self, DbError> {
        let sql = |what: &'static str| {
            move |source| DbError::Sqlite {
                path: path.to_owned(),
                what,
                source,
            }
        };
        let metadata = fs_err::metadata(path).map_err(|source| DbError::Io {
            path: path.to_owned(),
            what: "opening the DB",
            source,
        })?;
        let connection = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(sql("opening"))?;
        // A DB file may come from elsewhere (`db update --db-url`): no SQL from its schema
        // runs with side effects, and it cannot be made to corrupt itself.
        for config in [
            (DbConfig::SQLITE_DBCONFIG_TRUSTED_SCHEMA, false),
            (DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true),
        ] {
            connection
                .set_db_config(config.0, config.1)
                .map_err(sql("configuring"))?;
        }
        let invalid = |reason: String| DbError::Invalid {
            path: path.to_owned(),
            reason,
        };
        let meta: BTreeMap<String, String> = {
            let mut statement = connection
                .prepare("SELECT key, value FROM meta")
                .map_err(|_| invalid("not a tollgate vulnerability DB (no metadata); build one with `tollgate db build`".into()))?;
            let rows = statement
                .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
                .map_err(sql("reading metadata"))?;
            rows.collect::<Result<_, _>>()
                .map_err(sql("reading metadata"))?
        };
        let field = |key: &str| {
            meta.get(key)
                .cloned()
                .ok_or_else(|| invalid(format!("metadata has no `{key}`")))
        };
        let schema_version: u32 = field("schema_version")?
            .parse()
            .map_err(|_| invalid("the schema version is not a number".into()))?;
        if schema_version != SCHEMA_VERSION {
            return Err(invalid(format!(
                "schema version {schema_version}, this tollgate reads {SCHEMA_VERSION}: rebuild or update the DB"
            )));
        }
        let number = |key: &str| -> Result<u64, DbError> {
            field(key)?
                .parse()
                .map_err(|_| invalid(format!("metadata `{key}` is not a number")))
        };
        let sources = {
            let mut statement = connection
                .prepare("SELECT name, kind, location, date, records, not_mapped FROM sources ORDER BY id")
                .map_err(sql("reading sources"))?;
            let rows = statement
                .query_map([], |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, Option<String>>(3)?,
                        row.get::<_, i64>(4)?,
                        row.get::<_, String>(5)?,
                    ))
                })
                .map_err(sql("reading sources"))?;
            let mut sources = Vec::new();
            for row in rows {
                let (name, kind, location, date, records, not_mapped) =
                    row.map_err(sql("reading sources"))?;
                sources.push(SourceInfo {
                    name,
                    kind: serde_json::from_value(serde_json::Value::String(kind.clone()))
                        .map_err(|_| invalid(format!("unknown feed kind `{kind}`")))?,
                    location,
                    date,
                    records: usize::try_from(records).unwrap_or(0),
                    not_mapped: serde_json::from_str(&not_mapped).unwrap_or_default(),
                });
            }
            sources
        };
        let info = DbInfo {
            path: path.display().to_string(),
            schema_version,
            built_at: field("built_at")?,
            built_by: field("built_by")?,
            content_digest: field("content_digest")?,
            advisories: number("advisories")?,
            package_entries: number("package_entries")?,
            size: metadata.len(),
            sources,
        };
        Ok(Self {
            connection,
            path: path.to_owned(),
            info,
        })
    }

    /// What the DB holds.
    #[must_use]
    pub fn info(&self) -> &DbInfo {
        &self.info
    }

    /// The content digest recomputed from the stored sources and advisory documents (reading
    /// every document: seconds at osv.dev scale), not the value the metadata records. Equal to
    /// `info().content_digest` unless the data or the metadata changed after the build.
    ///
    /// # Errors
    /// When the DB cannot be read.
    pub fn recompute_content_digest(&self) -> Result<String, DbError> {
        content_digest(&self.connection, &self.path)
    }

    pub(crate) fn connection(&self) -> &Connection {
        &self.connection
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Every advisory that names (`ecosystem`, `name`) in an affected entry (withdrawn ones
    /// included: the matcher skips them and can say so).
    ///
    /// # Errors
    /// When the DB cannot be read or holds a document that is not an advisory.
    pub fn advisories_for(&self, ecosystem: &str, name: &str) -> Result<Vec<Advisory>, DbError> {
        let mut statement = self
            .connection
            .prepare_cached(
                "SELECT a.advisory_id, a.document FROM packages p JOIN advisories a ON a.id = p.advisory
                 WHERE p.ecosystem = ?1 AND p.name = ?2 ORDER BY a.id",
            )
            .map_err(self.sql("querying"))?;
        let rows = statement
            .query_map(
                params![ecosystem, normalized_name(ecosystem, name)],
                |row| Ok((row.get::<_, String>(0)?, row.get::<_, Vec<u8>>(1)?)),
            )
            .map_err(self.sql("querying"))?;
        let mut advisories = Vec::new();
        for row in rows {
            let (id, compressed) = row.map_err(self.sql("reading an advisory"))?;
            advisories.push(self.decode(&id, &compressed)?);
        }
        Ok(advisories)
    }

    /// The advisories stored under `id` (one per source that has it).
    ///
    /// # Errors
    /// As [`Db::advisories_for`].
    pub fn advisory(&self, id: &str) -> Result<Vec<Advisory>, DbError> {
        let mut statement = self
            .connection
            .prepare_cached(
                "SELECT advisory_id, document FROM advisories WHERE advisory_id = ?1 ORDER BY id",
            )
            .map_err(self.sql("querying"))?;
        let found: Vec<(String, Vec<u8>)> = statement
            .query_map(params![id], |row| Ok((row.get(0)?, row.get(1)?)))
            .map_err(self.sql("querying"))?
            .collect::<Result<_, _>>()
            .map_err(self.sql("reading an advisory"))?;
        found
            .iter()
            .map(|(id, compressed)| self.decode(id, compressed))
            .collect()
    }

    /// Whether the DB has any entry for `ecosystem` (to tell "no advisories" from "no data").
    ///
    /// # Errors
    /// When the DB cannot be read.
    pub fn has_ecosystem(&self, ecosystem: &str) -> Result<bool, DbError> {
        self.connection
            .prepare_cached("SELECT 1 FROM packages WHERE ecosystem = ?1 LIMIT 1")
            .map_err(self.sql("querying"))?
            .query_row(params![ecosystem], |_| Ok(()))
            .optional()
            .map(|found| found.is_some())
            .map_err(self.sql("querying"))
    }

    fn decode(&self, id: &str, compressed: &[u8]) -> Result<Advisory, DbError> {
        let invalid = |reason: String| DbError::Invalid {
            path: self.path.clone(),
            reason: format!("advisory {id}: {reason}"),
        };
        let bytes = zstd::bulk::decompress(compressed, MAX_DOCUMENT)
            .map_err(|error| invalid(format!("cannot decompress: {error}")))?;
        serde_json::from_slice(&bytes).map_err(|error| invalid(format!("not an advisory: {error}")))
    }

    fn sql(&self, what: &'static str) -> impl Fn(rusqlite::Error) -> DbError + '_ {
        move |source| DbError::Sqlite {
            path: self.path.clone(),
            what,
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_times_and_staleness() {
        assert_eq!(epoch_seconds("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(epoch_seconds("2026-11-23T12:26:40Z"), Some(1_795_436_800));
        assert_eq!(epoch_seconds("2000-02-29T23:59:59.123Z"), Some(951_868_799));
        assert_eq!(epoch_seconds("2026-13-01T00:00:00Z"), None);
        assert_eq!(epoch_seconds("yesterday"), None);
        let info = DbInfo {
            path: "t.db".into(),
            schema_version: SCHEMA_VERSION,
            built_at: "2026-11-01T00:00:00Z".into(),
            built_by: String::new(),
            content_digest: String::new(),
            advisories: 0,
            package_entries: 0,
            size: 0,
            sources: Vec::new(),
        };
        let now = epoch_seconds("2026-11-23T00:00:00Z").unwrap();
        assert_eq!(info.age_seconds(now), Some(22 * 86_400));
        assert_eq!(info.staleness_warning(now, 30 * 86_400), None);
        let warning = info.staleness_warning(now, 7 * 86_400).unwrap();
        assert!(warning.contains("built 22 days ago"), "{warning}");
    }

    #[test]
    fn pypi_names_are_normalised_as_pep_503_says() {
        for name in ["Jinja2", "jinja2", "JINJA2"] {
            assert_eq!(normalized_name("PyPI", name), "jinja2");
        }
        assert_eq!(normalized_name("PyPI", "zope.interface"), "zope-interface");
        assert_eq!(normalized_name("PyPI", "Foo__Bar-._baz"), "foo-bar-baz");
        assert_eq!(normalized_name("PyPI", "_leading"), "-leading");
        assert_eq!(normalized_name("npm", "Foo_Bar"), "Foo_Bar");
    }
}
