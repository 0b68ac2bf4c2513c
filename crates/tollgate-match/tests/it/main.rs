//! Integration tests of tollgate-match on the real feeds in ../shared/data and the shared images.
#![allow(clippy::unwrap_used, clippy::panic, missing_docs)]

mod debian_derived;
mod known_facts;
mod properties;
mod suppress;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use tollgate_vulndb::db::BuildOptions;
use tollgate_vulndb::{Db, ImportLimits, build, import};

/// One DB of every shared feed, built once per test run.
pub(crate) fn shared_db() -> Option<Db> {
    static BUILT: OnceLock<Option<(tempfile::TempDir, PathBuf)>> = OnceLock::new();
    let built = BUILT.get_or_init(|| {
        let data = tollgate_test::shared("data")?;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tollgate.db");
        let mut feeds = import(&data.join("osv"), &ImportLimits::default()).unwrap();
        feeds.extend(import(&data.join("alpine-secdb"), &ImportLimits::default()).unwrap());
        build(
            &feeds,
            &path,
            &BuildOptions {
                built_at: "2026-11-23T00:00:00Z".into(),
                built_by: "tollgate test".into(),
            },
        )
        .unwrap();
        Some((dir, path))
    });
    built
        .as_ref()
        .map(|(_, path)| Db::open(Path::new(path)).unwrap())
}
