//! `tollgate db update`: fetch the feeds over HTTPS with conditional requests (ETag,
//! If-Modified-Since), keep them in a cache directory, and rebuild the DB from them, replacing
//! it only after a complete build. A feed that did not change is not downloaded again; when none
//! changed and the DB is the one built from them, nothing is rebuilt.
//!
//! Downloads land beside the cached copies under temporary names and replace them, together
//! with the state file, only once the new DB is in place: a failed download or build leaves the
//! DB, the cache and the state as they were.
//!
//! Or, with [`UpdateOptions::db_url`], download a prebuilt DB (conditionally too), check that
//! its data is what its metadata says and, with [`UpdateOptions::require_signature`], that one
//! of the given keys signed it (see [`crate::signature`]), and only then rename it over the DB
//! in place. Requiring a signature without a `db_url` is an error
//! ([`UpdateError::SignatureNeedsDbUrl`]): a DB built here from feeds has no signer; sign it
//! with [`crate::signature::sign_db`] if it is to be distributed.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Once;
use std::time::Duration;

use sha2::{Digest as _, Sha256};

use crate::db::{BuildOptions, Db, DbBuilder, DbError, DbInfo};
use crate::import::{BuildError, ImportLimits, import_into};
use crate::signature::SignatureInfo;
use tollgate_sign::VerifyingKey;

/// Where osv.dev publishes one zip per ecosystem.
pub const OSV_EXPORT: &str = "https://osv-vulnerabilities.storage.googleapis.com";

/// The osv.dev ecosystems fetched when none are configured: those of the packages tollgate
/// inventories.
pub const DEFAULT_ECOSYSTEMS: &[&str] = &[
    "AlmaLinux",
    "Alpine",
    "Chainguard",
    "Debian",
    "Go",
    "Maven",
    "NuGet",
    "Packagist",
    "PyPI",
    "Rocky Linux",
    "RubyGems",
    "Ubuntu",
    "Wolfi",
    "crates.io",
    "npm",
];

/// The export URL of one osv.dev ecosystem.
#[must_use]
pub fn osv_export_url(ecosystem: &str) -> String {
    format!("{OSV_EXPORT}/{}/all.zip", ecosystem.replace(' ', "%20"))
}

/// How to update.
#[derive(Clone, Debug)]
pub struct UpdateOptions {
    /// Feed URLs (https, or http to a loopback address).
    pub sources: Vec<String>,
    /// Where downloaded feeds and their state are kept.
    pub cache_dir: PathBuf,
    /// Bounds on feed content.
    pub limits: ImportLimits,
    /// Largest download accepted, per feed.
    pub max_download: u64,
    /// Build metadata for a new DB.
    pub build: BuildOptions,
    /// A prebuilt DB file to download (https, or http to a loopback address) instead of
    /// building one from `sources` (which are then not used), with ETag/If-Modified-Since and at
    /// most `max_download` bytes.
    pub db_url: Option<String>,
    /// When not empty, the DB from `db_url` must carry a valid signature by one of these keys
    /// (see [`crate::signature`]), or it does not replace the DB in place. Requires `db_url`: a
    /// DB built here from the feeds is signed by no one.
    pub require_signature: Vec<VerifyingKey>,
}

/// What an update did.
#[derive(Clone, Debug)]
pub struct UpdateReport {
    /// Feeds downloaded (changed or new).
    pub fetched: Vec<String>,
    /// Feeds the server said had not changed.
    pub not_modified: Vec<String>,
    /// Whether a new DB was built.
    pub rebuilt: bool,
    /// The DB now in place.
    pub info: DbInfo,
    /// Its signature, verified with one of `require_signature` (`None` when none was required).
    pub signature: Option<SignatureInfo>,
}

/// Why an update failed (the DB in place is unchanged).
#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    /// A URL tollgate will not fetch.
    #[error("{url}: {reason}")]
    Url {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// The download failed.
    #[error("downloading {url} failed: {reason}")]
    Download {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// The cache directory could not be used.
    #[error("{path}: {source}")]
    Cache {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Building the new DB failed.
    #[error("building the DB from {url}: {source}")]
    Build {
        /// The feed being imported.
        url: String,
        /// The cause.
        source: Box<BuildError>,
    },
    /// Finishing the new DB failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// A signature was required of a DB built from feeds.
    #[error(
        "a signature can only be required of a prebuilt DB downloaded from a URL (`--db-url`): \
         a DB built here from the feeds is signed by no one; download a signed DB with \
         `--db-url URL --require-signature KEY.pub`, or build and sign one with \
         `tollgate db sign --key KEY`"
    )]
    SignatureNeedsDbUrl,
    /// The downloaded DB is not one to use (not a DB, corrupt, or its signature does not
    /// verify).
    #[error("refusing the DB downloaded from {url}, the DB in place was left as it was: {source}")]
    Refused {
        /// The URL.
        url: String,
        /// Why.
        source: Box<DbError>,
    },
}

/// What the cache knows of one feed.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct FeedState {
    file: String,
    sha256: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    etag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_modified: Option<String>,
}

#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
struct State {
    /// The content digest of the DB last built from these feeds.
    #[serde(default)]
    db_content_digest: Option<String>,
    #[serde(default)]
    feeds: BTreeMap<String, FeedState>,
    /// Prebuilt DBs downloaded (`db_url`), by URL.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    prebuilt: BTreeMap<String, PrebuiltState>,
}

/// What the cache knows of a prebuilt DB downloaded.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct PrebuiltState {
    /// The SHA-256 of the DB file it gave (not its content digest: the same data may be
    /// served signed and unsigned).
    sha256: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    etag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_modified: Option<String>,
}

const STATE_FILE: &str = "state.json";
const ATTEMPTS: u32 = 3;

/// Fetch what changed and rebuild the DB at `db_path` when needed.
///
/// # Errors
/// When a URL is refused, a download or the build fails; the DB in place is then unchanged.
pub fn update(db_path: &Path, options: &UpdateOptions) -> Result<UpdateReport, UpdateError> {
    if let Some(url) = &options.db_url {
        return update_from_db_url(db_path, url, options);
    }
    if !options.require_signature.is_empty() {
        return Err(UpdateError::SignatureNeedsDbUrl);
    }
    let cache = |source| UpdateError::Cache {
        path: options.cache_dir.clone(),
        source,
    };
    fs_err::create_dir_all(&options.cache_dir).map_err(cache)?;
    let state_path = options.cache_dir.join(STATE_FILE);
    // A missing or damaged state only costs full downloads.
    let old_state: State = fs_err::read(&state_path)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default();
    let client = client(&options.sources)?;

    let mut new_state = State {
        prebuilt: old_state.prebuilt.clone(),
        ..State::default()
    };
    let mut fetched = Vec::new();
    let mut not_modified = Vec::new();
    // (url, the file to import, the temporary download to move into place on success)
    let mut files: Vec<(String, PathBuf, Option<tempfile::TempPath>)> = Vec::new();
    for url in &options.sources {
        let previous = old_state
            .feeds
            .get(url)
            .filter(|feed| cached_file_is_intact(&options.cache_dir, feed));
        match download(
            &client,
            url,
            previous,
            &options.cache_dir,
            options.max_download,
        )? {
            Download::NotModified => {
                let feed = previous.cloned().unwrap_or_default();
                files.push((url.clone(), options.cache_dir.join(&feed.file), None));
                new_state.feeds.insert(url.clone(), feed);
                not_modified.push(url.clone());
            }
            Download::Fetched { temporary, feed } => {
                files.push((url.clone(), temporary.to_path_buf(), Some(temporary)));
                new_state.feeds.insert(url.clone(), feed);
                fetched.push(url.clone());
            }
        }
    }

    let current = Db::open(db_path).ok();
    let up_to_date = fetched.is_empty()
        && current.as_ref().is_some_and(|db| {
            old_state.db_content_digest.as_deref() == Some(db.info().content_digest.as_str())
        });
    if up_to_date && let Some(db) = current {
        return Ok(UpdateReport {
            fetched,
            not_modified,
            rebuilt: false,
            info: db.info().clone(),
            signature: None,
        });
    }

    let mut builder = DbBuilder::create(db_path)?;
    for (url, path, _) in &files {
        import_into(path, &options.limits, &mut builder).map_err(|source| UpdateError::Build {
            url: url.clone(),
            source: Box::new(source),
        })?;
    }
    let info = builder.finish(&options.build)?;
    // The DB is in place: now the downloads replace their cached copies, and the state says so.
    for (url, _, temporary) in files {
        if let Some(temporary) = temporary {
            let file = &new_state.feeds[&url].file;
            temporary
                .persist(options.cache_dir.join(file))
                .map_err(|error| cache(error.error))?;
        }
    }
    new_state.db_content_digest = Some(info.content_digest.clone());
    let mut state_file = tempfile::NamedTempFile::new_in(&options.cache_dir).map_err(cache)?;
    let json = serde_json::to_vec_pretty(&new_state).unwrap_or_default();
    state_file.write_all(&json).map_err(cache)?;
    state_file
        .persist(&state_path)
        .map_err(|error| cache(error.error))?;
    Ok(UpdateReport {
        fetched,
        not_modified,
        rebuilt: true,
        info,
        signature: None,
    })
}

/// `update` from a prebuilt DB: download it beside the DB in place, open it, check its content
/// digest and (when required) its signature, and only then rename it over the DB in place.
fn update_from_db_url(
    db_path: &Path,
    url: &str,
    options: &UpdateOptions,
) -> Result<UpdateReport, UpdateError> {
    let cache = |source| UpdateError::Cache {
        path: options.cache_dir.clone(),
        source,
    };
    fs_err::create_dir_all(&options.cache_dir).map_err(cache)?;
    let state_path = options.cache_dir.join(STATE_FILE);
    let mut state: State = fs_err::read(&state_path)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default();
    let client = client(&[url.to_owned()])?;
    let refused = |source: DbError| UpdateError::Refused {
        url: url.to_owned(),
        source: Box::new(source),
    };
    let verify = |db: &Db| -> Result<Option<SignatureInfo>, UpdateError> {
        if options.require_signature.is_empty() {
            return Ok(None);
        }
        db.verify_signature(&options.require_signature)
            .map(Some)
            .map_err(refused)
    };

    // A conditional request only when the DB in place is the very file this URL gave.
    let current = Db::open(db_path).ok();
    let previous = state.prebuilt.get(url).filter(|previous| {
        current.is_some() && file_sha256(db_path).as_deref() == Some(previous.sha256.as_str())
    });
    let previous_feed = previous.map(|previous| FeedState {
        etag: previous.etag.clone(),
        last_modified: previous.last_modified.clone(),
        ..FeedState::default()
    });
    let dir = db_path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let (temporary, feed) = match download(
        &client,
        url,
        previous_feed.as_ref(),
        dir,
        options.max_download,
    )? {
        Download::NotModified => {
            // Only asked with a DB in place (see `previous`).
            let Some(db) = current else {
                return Err(UpdateError::Download {
                    url: url.to_owned(),
                    reason: "the server answered 304 Not Modified to an unconditional request"
                        .to_owned(),
                });
            };
            // The DB in place may have been taken without the signature now required.
            let signature = verify(&db)?;
            return Ok(UpdateReport {
                fetched: Vec::new(),
                not_modified: vec![url.to_owned()],
                rebuilt: false,
                info: db.info().clone(),
                signature,
            });
        }
        Download::Fetched { temporary, feed } => (temporary, feed),
    };
    drop(current);

    let signature = {
        let db = Db::open(&temporary).map_err(refused)?;
        if options.require_signature.is_empty() {
            // Unsigned: at least the data is what the metadata (and so scan reports) says.
            let actual = db.recompute_content_digest().map_err(refused)?;
            if actual != db.info().content_digest {
                return Err(refused(DbError::Invalid {
                    path: temporary.to_path_buf(),
                    reason: format!(
                        "its data digests to {actual}, not the {} its metadata records: it is \
                         corrupt or was changed after it was built",
                        db.info().content_digest
                    ),
                }));
            }
            None
        } else {
            // Recomputes the content digest too.
            verify(&db)?
        }
    };
    temporary.persist(db_path).map_err(|error| {
        UpdateError::Db(DbError::Io {
            path: db_path.to_owned(),
            what: "moving the downloaded DB into place",
            source: error.error,
        })
    })?;
    let info = Db::open(db_path)?.info().clone();

    state.prebuilt.insert(
        url.to_owned(),
        PrebuiltState {
            sha256: feed.sha256,
            etag: feed.etag,
            last_modified: feed.last_modified,
        },
    );
    let mut state_file = tempfile::NamedTempFile::new_in(&options.cache_dir).map_err(cache)?;
    let json = serde_json::to_vec_pretty(&state).unwrap_or_default();
    state_file.write_all(&json).map_err(cache)?;
    state_file
        .persist(&state_path)
        .map_err(|error| cache(error.error))?;
    Ok(UpdateReport {
        fetched: vec![url.to_owned()],
        not_modified: Vec::new(),
        rebuilt: true,
        info,
        signature,
    })
}

fn cached_file_is_intact(dir: &Path, feed: &FeedState) -> bool {
    file_sha256(&dir.join(&feed.file)).is_some_and(|sha256| sha256 == feed.sha256)
}

/// The hex SHA-256 of a file, `None` when it cannot be read.
fn file_sha256(path: &Path) -> Option<String> {
    let mut file = fs_err::File::open(path).ok()?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 16];
    loop {
        match file.read(&mut buffer) {
            Ok(0) => break,
            Ok(read) => hasher.update(&buffer[..read]),
            Err(_) => return None,
        }
    }
    Some(hex::encode(hasher.finalize()))
}

enum Download {
    NotModified,
    Fetched {
        temporary: tempfile::TempPath,
        feed: FeedState,
    },
}

fn client(urls: &[String]) -> Result<reqwest::blocking::Client, UpdateError> {
    for url in urls {
        check_url(url)?;
    }
    static CRYPTO_PROVIDER: Once = Once::new();
    // reqwest is built without a rustls provider; it needs a process default.
    CRYPTO_PROVIDER.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
    reqwest::blocking::Client::builder()
        .user_agent(concat!("tollgate/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(Duration::from_secs(30))
        .timeout(Duration::from_secs(1800))
        .build()
        .map_err(|error| UpdateError::Download {
            url: urls.first().cloned().unwrap_or_default(),
            reason: error.to_string(),
        })
}

/// Only HTTPS, or plain HTTP to this machine (tests, a local mirror).
fn check_url(url: &str) -> Result<(), UpdateError> {
    let refuse = |reason: &str| UpdateError::Url {
        url: url.to_owned(),
        reason: reason.to_owned(),
    };
    let parsed =
        reqwest::Url::parse(url).map_err(|error| refuse(&format!("not a URL: {error}")))?;
    match parsed.scheme() {
        "https" => Ok(()),
        "http" => {
            let host = parsed.host_str().unwrap_or_default();
            let address = host.trim_start_matches('[').trim_end_matches(']');
            let loopback = host.eq_ignore_ascii_case("localhost")
                || address.parse::<IpAddr>().is_ok_and(|a| a.is_loopback());
            if loopback {
                Ok(())
            } else {
                Err(refuse(
                    "plain HTTP is only allowed to a loopback address; use https",
                ))
            }
        }
        other => Err(refuse(&format!("scheme `{other}` is not https"))),
    }
}

fn download(
    client: &reqwest::blocking::Client,
    url: &str,
    previous: Option<&FeedState>,
    dir: &Path,
    max_download: u64,
) -> Result<Download, UpdateError> {
    let failed = |reason: String| UpdateError::Download {
        url: url.to_owned(),
        reason,
    };
    let mut attempt = 0;
    let response = loop {
        attempt += 1;
        let mut request = client.get(url);
        if let Some(previous) = previous {
            if let Some(etag) = &previous.etag {
                request = request.header(reqwest::header::IF_NONE_MATCH, etag);
            }
            if let Some(date) = &previous.last_modified {
                request = request.header(reqwest::header::IF_MODIFIED_SINCE, date);
            }
        }
        match request.send() {
            Ok(response)
                if (response.status().is_server_error() || response.status().as_u16() == 429)
                    && attempt < ATTEMPTS =>
            {
                std::thread::sleep(Duration::from_millis(500 << attempt));
            }
            Ok(response) => break response,
            Err(_) if attempt < ATTEMPTS => {
                std::thread::sleep(Duration::from_millis(500 << attempt))
            }
            Err(error) => return Err(failed(error.to_string())),
        }
    };
    let status = response.status();
    if status == reqwest::StatusCode::NOT_MODIFIED && previous.is_some() {
        return Ok(Download::NotModified);
    }
    if !status.is_success() {
        return Err(failed(format!("the server answered {status}")));
    }
    let header = |name: reqwest::header::HeaderName| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let etag = header(reqwest::header::ETAG);
    let last_modified = header(reqwest::header::LAST_MODIFIED);
    let mut name_hash = Sha256::new();
    name_hash.update(url.as_bytes());
    let last = url.rsplit('/').next().unwrap_or("").to_ascii_lowercase();
    let extension = if last.ends_with(".json.gz") {
        "json.gz"
    } else {
        last.rsplit_once('.')
            .map(|(_, ext)| ext)
            .filter(|ext| matches!(*ext, "zip" | "json" | "yaml" | "yml" | "gz" | "db"))
            .unwrap_or("feed")
    };
    // The importers recognise text feeds by their extension: keep the URL's.
    let mut temporary = tempfile::Builder::new()
        .prefix(".download-")
        .suffix(&format!(".{extension}"))
        .tempfile_in(dir)
        .map_err(|source| UpdateError::Cache {
            path: dir.to_owned(),
            source,
        })?;
    let mut hasher = Sha256::new();
    let mut body = response.take(max_download.saturating_add(1));
    let mut buffer = vec![0u8; 1 << 16];
    let mut total = 0u64;
    loop {
        let read = body
            .read(&mut buffer)
            .map_err(|error| failed(format!("reading the body: {error}")))?;
        if read == 0 {
            break;
        }
        total += read as u64;
        if total > max_download {
            return Err(failed(format!(
                "larger than the {max_download}-byte download limit"
            )));
        }
        hasher.update(&buffer[..read]);
        temporary
            .write_all(&buffer[..read])
            .map_err(|source| UpdateError::Cache {
                path: dir.to_owned(),
                source,
            })?;
    }
    Ok(Download::Fetched {
        temporary: temporary.into_temp_path(),
        feed: FeedState {
            file: format!("{}.{extension}", &hex::encode(name_hash.finalize())[..16]),
            sha256: hex::encode(hasher.finalize()),
            etag,
            last_modified,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_loopback_http() {
        assert!(
            check_url("https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip").is_ok()
        );
        assert!(check_url("http://127.0.0.1:8000/a.zip").is_ok());
        assert!(check_url("http://[::1]:8000/a.zip").is_ok());
        assert!(check_url("http://localhost/a.zip").is_ok());
        let error = check_url("http://example.com/a.zip")
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("plain HTTP is only allowed to a loopback address"),
            "{error}"
        );
        assert!(check_url("file:///etc/passwd").is_err());
        assert!(check_url("not a url").is_err());
        assert_eq!(
            osv_export_url("Rocky Linux"),
            "https://osv-vulnerabilities.storage.googleapis.com/Rocky%20Linux/all.zip"
        );
    }
}
