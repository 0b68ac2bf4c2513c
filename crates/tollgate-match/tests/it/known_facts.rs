//! The "known facts" of ../shared/data/README.md, each checked through the whole matcher.

use tollgate_catalog::{Ecosystem, Inventory, OsInfo, Package};
use tollgate_match::{Status, match_inventory};

use crate::shared_db;

fn package(ecosystem: Ecosystem, name: &str, version: &str) -> Package {
    let mut package = Package::new(ecosystem, name, version);
    package.path = "/test".into();
    package
}

fn apk(name: &str, version: &str) -> Package {
    let mut package = package(Ecosystem::Apk, name, version);
    package.source_name = Some(name.into());
    package
}

/// (advisory or vulnerability id found?, fixed version) for one package.
fn finds(os: Option<(&str, &str)>, package: Package, id: &str) -> Option<(Status, Option<String>)> {
    let db = shared_db()?;
    let inventory = Inventory {
        os: os.map(|(family, version)| OsInfo {
            family: family.into(),
            version: version.into(),
            ..OsInfo::default()
        }),
        packages: vec![package],
        ..Inventory::default()
    };
    let report = match_inventory(&db, &inventory).unwrap();
    assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
    report
        .findings
        .into_iter()
        .find(|f| f.vulnerability_id == id || f.advisory_ids.iter().any(|a| a == id))
        .map(|f| (f.status, f.fixed_version))
}

fn affected(os: Option<(&str, &str)>, package: Package, id: &str) -> bool {
    finds(os, package, id).is_some()
}

#[test]
fn pypi_facts() {
    if shared_db().is_none() {
        return;
    }
    let urllib3 = |v| package(Ecosystem::Pypi, "urllib3", v);
    assert_eq!(
        finds(None, urllib3("1.26.4"), "PYSEC-2021-108"),
        Some((Status::Fixed, Some("1.26.5".into())))
    );
    assert!(!affected(None, urllib3("1.26.5"), "PYSEC-2021-108"));
    assert!(!affected(None, urllib3("1.26.4"), "PYSEC-2021-59"));
    assert!(affected(None, urllib3("1.26.3"), "PYSEC-2021-59"));
    // Fact 2: events out of order.
    assert_eq!(
        finds(None, urllib3("1.26.16"), "PYSEC-2023-192")
            .unwrap()
            .1
            .as_deref(),
        Some("1.26.17")
    );
    assert!(!affected(None, urllib3("1.26.17"), "PYSEC-2023-192"));
    assert_eq!(
        finds(None, urllib3("2.0.5"), "PYSEC-2023-192")
            .unwrap()
            .1
            .as_deref(),
        Some("2.0.6")
    );
    assert!(!affected(None, urllib3("2.0.6"), "PYSEC-2023-192"));
    // Fact 3, and the name as the dist-info spells it.
    assert_eq!(
        finds(
            None,
            package(Ecosystem::Pypi, "Requests", "2.19.1"),
            "PYSEC-2018-28"
        )
        .unwrap()
        .1
        .as_deref(),
        Some("2.20.0")
    );
    // The CVE id is the displayed id.
    let db = shared_db().unwrap();
    let inventory = Inventory {
        packages: vec![urllib3("1.26.4")],
        ..Inventory::default()
    };
    let report = match_inventory(&db, &inventory).unwrap();
    assert!(report.findings.iter().any(|f| f.vulnerability_id == "CVE-2021-33503"
        && f.advisory_ids == ["PYSEC-2021-108"]));
}

#[test]
fn crates_facts() {
    if shared_db().is_none() {
        return;
    }
    let smallvec = |v| package(Ecosystem::Cargo, "smallvec", v);
    for (version, want) in [
        ("0.6.2", false),
        ("0.6.3", true),
        ("0.6.13", true),
        ("0.6.14", false),
        ("1.0.0", true),
        ("1.6.0", true),
        ("1.6.1", false),
    ] {
        assert_eq!(
            affected(None, smallvec(version), "RUSTSEC-2021-0003"),
            want,
            "smallvec {version}"
        );
    }
    let time = |v| package(Ecosystem::Cargo, "time", v);
    assert!(affected(None, time("0.1.44"), "RUSTSEC-2020-0071"));
    for unaffected in ["0.2.0", "0.2.3", "0.2.6", "0.2.23"] {
        assert!(
            !affected(None, time(unaffected), "RUSTSEC-2020-0071"),
            "time {unaffected}"
        );
    }
    assert!(affected(None, time("0.2.7"), "RUSTSEC-2020-0071"));
    assert!(affected(None, time("0.2.22"), "RUSTSEC-2020-0071"));
}

#[test]
fn go_facts() {
    if shared_db().is_none() {
        return;
    }
    let net = |v| package(Ecosystem::Golang, "golang.org/x/net", v);
    assert!(affected(None, net("v0.16.0"), "GO-2023-2102"));
    assert!(!affected(None, net("v0.17.0"), "GO-2023-2102"));
    let stdlib = |v| package(Ecosystem::Golang, "stdlib", v);
    for (version, want) in [
        ("v1.20.9", true),
        ("v1.20.10", false),
        ("v1.21.0", true),
        ("v1.21.2", true),
        ("v1.21.3", false),
    ] {
        assert_eq!(
            affected(None, stdlib(version), "GO-2023-2102"),
            want,
            "stdlib {version}"
        );
    }
    let gin = |v| package(Ecosystem::Golang, "github.com/gin-gonic/gin", v);
    assert!(affected(None, gin("v1.5.0"), "GO-2020-0001"));
    assert!(!affected(None, gin("v1.6.0"), "GO-2020-0001"));
}

#[test]
fn alpine_facts() {
    if shared_db().is_none() {
        return;
    }
    let v310 = Some(("alpine", "3.10.9"));
    let v311 = Some(("alpine", "3.11.2"));
    assert_eq!(
        finds(v310, apk("openssl", "1.1.1c-r0"), "CVE-2019-1547"),
        Some((Status::Fixed, Some("1.1.1d-r0".into())))
    );
    assert!(!affected(
        v310,
        apk("openssl", "1.1.1d-r0"),
        "CVE-2019-1547"
    ));
    assert!(!affected(v310, apk("musl", "1.1.22-r3"), "CVE-2019-14697"));
    assert!(affected(v311, apk("musl", "1.1.23-r1"), "CVE-2019-14697"));
    assert!(!affected(v311, apk("musl", "1.1.23-r2"), "CVE-2019-14697"));
    // Fact 10: version "0" means never affected.
    assert!(!affected(
        Some(("alpine", "3.8.5")),
        apk("db", "5.3.28-r0"),
        "CVE-2016-0682"
    ));
    // A binary package is matched through its origin.
    let mut libcrypto = apk("libcrypto1.1", "1.1.1c-r0");
    libcrypto.source_name = Some("openssl".into());
    assert!(affected(v310, libcrypto, "CVE-2019-1547"));
}

#[test]
fn withdrawn_advisories_never_match() {
    let Some(db) = shared_db() else {
        return;
    };
    let Some(zip) = tollgate_test::shared("data/osv/crates.io/all.zip") else {
        return;
    };
    let feeds = tollgate_vulndb::import(&zip, &tollgate_vulndb::ImportLimits::default()).unwrap();
    let mut checked = 0;
    for advisory in feeds[0]
        .advisories
        .iter()
        .map(|a| &a.advisory)
        .filter(|a| a.withdrawn.is_some())
    {
        let Some(affected) = advisory.affected.first() else {
            continue;
        };
        let Some(name) = affected.package.as_ref().map(|p| p.name.clone()) else {
            continue;
        };
        // A version inside the first range: its `introduced` (0 is 0.0.0).
        let Some(version) = affected.ranges.first().and_then(|r| {
            r.events.iter().find_map(|e| match e {
                tollgate_vulndb::Event::Introduced(v) if v == "0" => Some("0.0.0".to_owned()),
                tollgate_vulndb::Event::Introduced(v) => Some(v.clone()),
                _ => None,
            })
        }) else {
            continue;
        };
        let installed = package(Ecosystem::Cargo, &name, &version);
        // Were it not withdrawn, it would match...
        let query = tollgate_match::query_for(&installed, None).unwrap();
        assert!(
            tollgate_match::affected_by(advisory, &query)
                .unwrap()
                .is_some(),
            "{}",
            advisory.id
        );
        // ...but it is, so it does not.
        let inventory = Inventory {
            packages: vec![installed],
            ..Inventory::default()
        };
        let report = match_inventory(&db, &inventory).unwrap();
        assert!(
            !report
                .findings
                .iter()
                .any(|f| f.advisory_ids.contains(&advisory.id)),
            "{}",
            advisory.id
        );
        assert!(report.withdrawn_skipped >= 1);
        checked += 1;
    }
    assert!(checked >= 10, "{checked} withdrawn advisories checked");
}

#[test]
fn what_cannot_be_compared_or_covered_is_reported() {
    let Some(db) = shared_db() else {
        return;
    };
    let inventory = Inventory {
        packages: vec![
            package(Ecosystem::Pypi, "urllib3", "not a version"),
            package(Ecosystem::Gem, "rack", "2.2.3"),
        ],
        ..Inventory::default()
    };
    let report = match_inventory(&db, &inventory).unwrap();
    assert!(report.findings.is_empty());
    assert!(!report.diagnostics.is_empty());
    assert!(report.diagnostics.iter().all(|d| {
        d.reason
            .contains("`not a version` is not a valid pep440 version")
    }));
    assert_eq!(report.not_covered.len(), 1);
    assert_eq!(
        report.not_covered[0].reason,
        "the DB has no advisories for `RubyGems`"
    );
}
