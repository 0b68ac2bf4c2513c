//! Every feed in ../shared/data imported and built into one DB: record counts as the data's
//! README states them, the quirks of Alpine's secdb mapped or named, lookups by (ecosystem,
//! name), and a content digest that names the data (same feeds, same digest).

use std::collections::BTreeMap;
use std::path::Path;

use tollgate_vulndb::db::BuildOptions;
use tollgate_vulndb::{
    Db, DbBuilder, Event, FeedKind, ImportLimits, Imported, build, import, import_into,
};

fn options() -> BuildOptions {
    BuildOptions {
        built_at: "2026-11-23T00:00:00Z".into(),
        built_by: "tollgate test".into(),
    }
}

fn import_all(data: &Path) -> Vec<Imported> {
    let mut all = import(&data.join("osv"), &ImportLimits::default()).unwrap();
    all.extend(import(&data.join("alpine-secdb"), &ImportLimits::default()).unwrap());
    all
}

#[test]
fn every_shared_feed_builds_into_one_db() {
    let Some(data) = tollgate_test::shared("data") else {
        return;
    };
    let imported = import_all(&data);
    let records: BTreeMap<&str, usize> = imported
        .iter()
        .map(|i| (i.source.name.as_str(), i.source.records))
        .collect();
    assert_eq!(records["osv:PyPI"], 2661);
    assert_eq!(records["osv:crates.io"], 1205);
    assert_eq!(records["osv:Go"], 4291);
    assert_eq!(records["osv:Debian:12"], 7062);
    assert_eq!(records["osv:Debian:13"], 973);
    // 9 branches x (main, community); each document's JSON and YAML twins are read once.
    let alpine: Vec<_> = imported
        .iter()
        .filter(|i| i.source.kind == FeedKind::AlpineSecdb)
        .collect();
    assert_eq!(
        alpine.len(),
        18,
        "{:?}",
        alpine
            .iter()
            .map(|i| &i.source.location)
            .collect::<Vec<_>>()
    );
    let crates = imported
        .iter()
        .find(|i| i.source.name == "osv:crates.io")
        .unwrap();
    let withdrawn = crates
        .advisories
        .iter()
        .filter(|a| a.advisory.withdrawn.is_some())
        .count();
    assert_eq!(withdrawn, 13);
    assert!(
        !crates
            .advisories
            .iter()
            .any(|a| a.advisory.id == "RUSTSEC-2025-0000")
    );
    // Go's year-1 `modified` is no date.
    let go = imported.iter().find(|i| i.source.name == "osv:Go").unwrap();
    assert_eq!(go.source.date, None);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tollgate.db");
    let info = build(&imported, &path, &options()).unwrap();
    assert_eq!(info.sources.len(), imported.len());
    let db = Db::open(&path).unwrap();
    assert_eq!(db.info(), &info);

    let urllib3 = db.advisories_for("PyPI", "urllib3").unwrap();
    assert!(urllib3.iter().any(|a| a.id == "PYSEC-2021-108"));
    let requests = db.advisories_for("PyPI", "Requests").unwrap();
    assert!(
        requests.iter().any(|a| a.id == "PYSEC-2018-28"),
        "PEP 503 names"
    );
    let smallvec = db.advisories_for("crates.io", "smallvec").unwrap();
    let rustsec = smallvec
        .iter()
        .find(|a| a.id == "RUSTSEC-2021-0003")
        .unwrap();
    assert_eq!(rustsec.cve(), Some("CVE-2021-25900"));
    let net = db.advisories_for("Go", "golang.org/x/net").unwrap();
    assert!(net.iter().any(|a| a.id == "GO-2023-2102"));

    // Alpine: per-branch fixed versions (known facts 9 and 10).
    let fixed_in = |ecosystem: &str, package: &str, id: &str| -> Vec<String> {
        db.advisories_for(ecosystem, package)
            .unwrap()
            .iter()
            .filter(|a| a.id == id)
            .flat_map(|a| &a.affected)
            .filter(|a| {
                a.package
                    .as_ref()
                    .is_some_and(|p| p.ecosystem == ecosystem && p.name == package)
            })
            .flat_map(|a| &a.ranges)
            .flat_map(|r| &r.events)
            .filter_map(|e| match e {
                Event::Fixed(v) => Some(v.clone()),
                _ => None,
            })
            .collect()
    };
    assert_eq!(
        fixed_in("Alpine:v3.10", "openssl", "CVE-2019-1547"),
        ["1.1.1d-r0"]
    );
    assert_eq!(
        fixed_in("Alpine:v3.10", "musl", "CVE-2019-14697"),
        ["1.1.22-r3"]
    );
    assert_eq!(
        fixed_in("Alpine:v3.11", "musl", "CVE-2019-14697"),
        ["1.1.23-r2"]
    );
    assert!(
        fixed_in("Alpine:v3.8", "db", "CVE-2016-0682").is_empty(),
        "version 0: never affected"
    );
    let sdl = db.advisories_for("Alpine:v3.10", "sdl2_image").unwrap();
    let talos = sdl.iter().find(|a| a.id == "CVE-2019-5060").unwrap();
    assert_eq!(talos.aliases, ["TALOS-2019-0844"]);
    let notes: Vec<&String> = imported
        .iter()
        .filter(|i| i.source.name == "alpine-secdb:v3.6/main")
        .flat_map(|i| &i.source.not_mapped)
        .collect();
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("heimdal 7.4.0-r0: no ids listed")),
        "{notes:?}"
    );
    assert!(db.has_ecosystem("Debian:12").unwrap());
    assert!(!db.has_ecosystem("Debian:11").unwrap());

    // The digest names the data: a second build of the same feeds has it too, built streaming
    // (one advisory in memory at a time) as `tollgate db build` does.
    let mut builder = DbBuilder::create(&dir.path().join("again.db")).unwrap();
    for path in [data.join("osv"), data.join("alpine-secdb")] {
        import_into(&path, &ImportLimits::default(), &mut builder).unwrap();
    }
    let again = builder.finish(&options()).unwrap();
    for (a, b) in again.sources.iter().zip(&info.sources) {
        assert_eq!(a, b);
    }
    assert_eq!(again.sources.len(), info.sources.len());
    assert_eq!(again.advisories, info.advisories);
    assert_eq!(again.content_digest, info.content_digest);
}

#[test]
fn a_failed_build_leaves_the_previous_db_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tollgate.db");
    fs_err::write(&path, b"previous").unwrap();
    let error = build(&[], &dir.path().join("missing/dir/x.db"), &options()).unwrap_err();
    assert!(
        error.to_string().contains("creating a temporary file"),
        "{error}"
    );
    assert_eq!(fs_err::read(&path).unwrap(), b"previous");
    let error = Db::open(&path).unwrap_err();
    assert!(error.to_string().contains("tollgate.db"), "{error}");
}
