//! `update` against a real HTTP server on 127.0.0.1 (Python's http.server, which answers
//! If-Modified-Since with 304): first fetch and build, nothing rebuilt when nothing changed, a
//! changed feed fetched again, and failures (404, a corrupt feed) leaving the DB as it was.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use tollgate_vulndb::db::BuildOptions;
use tollgate_vulndb::update::{UpdateOptions, update};
use tollgate_vulndb::{Db, ImportLimits};

pub(crate) struct Server {
    child: Child,
    port: u16,
}

impl Server {
    pub(crate) fn start(root: &Path) -> Self {
        let mut child = Command::new("python3")
            .args(["-u", "-m", "http.server", "--bind", "127.0.0.1", "0"])
            .current_dir(root)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        // "Serving HTTP on 127.0.0.1 port 40123 (http://127.0.0.1:40123/) ..."
        let port = line
            .split_whitespace()
            .skip_while(|w| *w != "port")
            .nth(1)
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no port in {line:?}"));
        Self { child, port }
    }

    pub(crate) fn url(&self, file: &str) -> String {
        format!("http://127.0.0.1:{}/{file}", self.port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn options(sources: Vec<String>, cache: &Path) -> UpdateOptions {
    UpdateOptions {
        sources,
        cache_dir: cache.to_owned(),
        limits: ImportLimits::default(),
        max_download: 1 << 30,
        build: BuildOptions {
            built_at: "2026-11-23T00:00:00Z".into(),
            built_by: "tollgate test".into(),
        },
        db_url: None,
        require_signature: Vec::new(),
    }
}

/// Set a file's modification time (http.server's Last-Modified has a one-second resolution).
pub(crate) fn touch(path: &Path, seconds_ago: u64) {
    let time = std::time::SystemTime::now() - std::time::Duration::from_secs(seconds_ago);
    fs_err::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(time)
        .unwrap();
}

#[test]
fn update_fetches_what_changed_and_replaces_the_db_only_when_complete() {
    let Some(data) = tollgate_test::shared("data") else {
        return;
    };
    let served = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    fs_err::copy(
        data.join("osv/crates.io/all.zip"),
        served.path().join("crates.zip"),
    )
    .unwrap();
    let secdb = served.path().join("v3.10-main.json");
    fs_err::copy(data.join("alpine-secdb/v3.10/main.json"), &secdb).unwrap();
    touch(&served.path().join("crates.zip"), 3600);
    touch(&secdb, 3600);
    let server = Server::start(served.path());
    let db = work.path().join("tollgate.db");
    let cache = work.path().join("cache");
    let sources = vec![server.url("crates.zip"), server.url("v3.10-main.json")];

    let first = update(&db, &options(sources.clone(), &cache)).unwrap();
    assert_eq!(first.fetched, sources);
    assert!(first.rebuilt);
    assert!(first.info.advisories > 1205);
    let names: Vec<&str> = first.info.sources.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["osv:crates.io", "alpine-secdb:v3.10/main"]);

    // Nothing changed: 304s, and the DB is not rebuilt.
    let second = update(&db, &options(sources.clone(), &cache)).unwrap();
    assert_eq!(second.not_modified, sources);
    assert!(!second.rebuilt);
    assert_eq!(second.info.content_digest, first.info.content_digest);

    // One feed changes: it alone is fetched, and the DB is rebuilt with it.
    fs_err::copy(data.join("alpine-secdb/v3.11/main.json"), &secdb).unwrap();
    touch(&secdb, 0);
    let third = update(&db, &options(sources.clone(), &cache)).unwrap();
    assert_eq!(third.fetched, [server.url("v3.10-main.json")]);
    assert_eq!(third.not_modified, [server.url("crates.zip")]);
    assert!(third.rebuilt);
    assert_ne!(third.info.content_digest, first.info.content_digest);
    assert!(
        third
            .info
            .sources
            .iter()
            .any(|s| s.name == "alpine-secdb:v3.11/main")
    );

    // A missing feed: an error naming it, the DB unchanged.
    let mut with_missing = sources.clone();
    with_missing.push(server.url("missing.zip"));
    let error = update(&db, &options(with_missing, &cache))
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("missing.zip") && error.contains("404"),
        "{error}"
    );
    assert_eq!(
        Db::open(&db).unwrap().info().content_digest,
        third.info.content_digest
    );

    // A corrupt feed: the build fails, the DB, the cache and the state stay as they were.
    fs_err::write(&secdb, b"{\"distroversion\": 3").unwrap();
    touch(&secdb, 0);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    touch(&secdb, 0);
    let error = update(&db, &options(sources.clone(), &cache))
        .unwrap_err()
        .to_string();
    assert!(error.contains("v3.10-main.json"), "{error}");
    assert_eq!(
        Db::open(&db).unwrap().info().content_digest,
        third.info.content_digest
    );
    let leftovers: Vec<_> = fs_err::read_dir(work.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".tollgate-db-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // A non-HTTPS URL elsewhere is refused before anything is fetched.
    let error = update(
        &db,
        &options(vec!["http://example.com/x.zip".into()], &cache),
    )
    .unwrap_err()
    .to_string();
    assert!(
        error.contains("only allowed to a loopback address"),
        "{error}"
    );
}
