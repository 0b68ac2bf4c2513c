//! On every Debian-derived advisory (8,035 fixes): the fixed version itself never matches, a
//! version just below it (`F~`, which dpkg sorts first) does, with `F` as the fix, and so does
//! the point-release version the advisory was derived against.

use tollgate_catalog::{Ecosystem, Package};
use tollgate_match::{affected_by, query_for};
use tollgate_vulndb::{Event, ImportLimits, import};

#[test]
fn a_fixed_version_never_matches_and_one_just_below_does() {
    let Some(derived) = tollgate_test::shared("data/osv/Debian-derived") else {
        return;
    };
    let os = tollgate_catalog::OsInfo::default();
    let mut checked = 0;
    for feed in import(&derived, &ImportLimits::default()).unwrap() {
        for advisory in feed.advisories.iter().map(|a| &a.advisory) {
            let affected = &advisory.affected[0];
            let package = affected.package.as_ref().unwrap();
            let release = package.ecosystem.strip_prefix("Debian:").unwrap();
            let os = tollgate_catalog::OsInfo {
                family: "debian".into(),
                version: release.into(),
                ..os.clone()
            };
            let fixed = affected.ranges[0]
                .events
                .iter()
                .find_map(|e| match e {
                    Event::Fixed(v) => Some(v.clone()),
                    _ => None,
                })
                .unwrap();
            let point = advisory.database_specific.as_ref().unwrap()["point_release_version"]
                .as_str()
                .unwrap()
                .to_owned();
            for (version, want) in [
                (fixed.clone(), None),
                (format!("{fixed}~"), Some(fixed.clone())),
                (point, Some(fixed.clone())),
            ] {
                let mut installed =
                    Package::new(Ecosystem::Deb, format!("{}-bin", package.name), "0");
                installed.source_name = Some(package.name.clone());
                installed.source_version = Some(version.clone());
                let query = query_for(&installed, Some(&os)).unwrap();
                let hit = affected_by(advisory, &query).unwrap();
                assert_eq!(
                    hit.map(|h| h.fixed),
                    want.clone().map(Some),
                    "{} {} at {version}",
                    advisory.id,
                    package.name
                );
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 7062 + 973);
}
