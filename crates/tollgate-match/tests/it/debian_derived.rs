//! The Debian-derived advisories (../shared/data/osv/Debian-derived: one per (CVE, source
//! package) fixed in a security upload after the point release) against the shared Debian
//! images: exactly the expected CVEs for exactly the affected packages, every binary of an
//! affected source (binNMU binaries `+bN` and binaries named unlike their source included).

use std::collections::{BTreeMap, BTreeSet};
use std::io::BufRead;

use tollgate_catalog::inventory;
use tollgate_match::match_inventory;
use tollgate_oci::{Image, OpenOptions, Target};
use tollgate_version::{Ecosystem as Scheme, compare};

use tollgate_test::buildah::{Buildah, work_dir};

use crate::shared_db;

/// (source, CVE) → fixed version, from `advisories.tsv.gz`.
fn expected_rows(release: &str) -> Option<BTreeMap<(String, String), String>> {
    let path = tollgate_test::shared(&format!(
        "data/osv/Debian-derived/{release}/advisories.tsv.gz"
    ))?;
    let reader = std::io::BufReader::new(flate2::read::GzDecoder::new(
        fs_err::File::open(path).unwrap(),
    ));
    let mut rows = BTreeMap::new();
    for line in reader.lines().skip(1) {
        let line = line.unwrap();
        let cells: Vec<&str> = line.split('\t').collect();
        rows.insert(
            (cells[0].to_owned(), cells[3].to_owned()),
            cells[4].to_owned(),
        );
    }
    Some(rows)
}

fn check(image_target: &str, release: &str) {
    let Some(db) = shared_db() else {
        return;
    };
    let Some(rows) = expected_rows(release) else {
        return;
    };
    let image = Image::open(
        &Target::parse(image_target).unwrap(),
        &OpenOptions::default(),
    )
    .unwrap();
    let inventory = inventory(&image, None).unwrap();
    let report = match_inventory(&db, &inventory).unwrap();
    assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);

    // Expected: every binary package whose source has a row with a fix above its source version.
    let mut expected: BTreeSet<(String, String, String)> = BTreeSet::new();
    for package in inventory
        .packages
        .iter()
        .filter(|p| p.ecosystem == tollgate_catalog::Ecosystem::Deb)
    {
        let source = package.source_name.as_deref().unwrap_or(&package.name);
        let version = package
            .source_version
            .as_deref()
            .unwrap_or(&package.version);
        for ((row_source, cve), fixed) in rows.range((source.to_owned(), String::new())..) {
            if row_source != source {
                break;
            }
            if compare(Scheme::Deb, version, fixed) == Ok(std::cmp::Ordering::Less) {
                expected.insert((package.name.clone(), cve.clone(), fixed.clone()));
            }
        }
    }
    let found: BTreeSet<(String, String, String)> = report
        .findings
        .iter()
        .filter(|f| f.package.ecosystem == "deb")
        .map(|f| {
            (
                f.package.name.clone(),
                f.vulnerability_id.clone(),
                f.fixed_version.clone().unwrap_or_default(),
            )
        })
        .collect();
    let missing: Vec<_> = expected.difference(&found).collect();
    let extra: Vec<_> = found.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{image_target}: missing {missing:#?}\nextra {extra:#?}"
    );
    assert!(
        !expected.is_empty(),
        "{image_target}: the test would prove nothing"
    );
    // Binaries named unlike their source, and binNMU binaries, are among them.
    let by_name: BTreeMap<&str, &tollgate_catalog::Package> = inventory
        .packages
        .iter()
        .map(|p| (p.name.as_str(), p))
        .collect();
    let renamed = found.iter().filter(|(name, _, _)| {
        by_name[name.as_str()]
            .source_name
            .as_deref()
            .is_some_and(|s| s != name)
    });
    assert!(
        renamed.count() > 0,
        "{image_target}: no binary named unlike its source was found"
    );
    if release == "bookworm" {
        let bin_nmu = found
            .iter()
            .filter(|(name, _, _)| by_name[name.as_str()].version.contains("+b"));
        assert!(bin_nmu.count() > 0, "no binNMU binary was found");
    }
}

#[test]
fn bookworm_image_has_exactly_the_expected_cves() {
    let Some(images) = tollgate_test::shared("images") else {
        return;
    };
    check(
        &format!("oci:{}:1.0", images.join("debian-bookworm-app").display()),
        "bookworm",
    );
}

/// The shared trixie image holds none of the sources with advisories, so the test builds one:
/// the shared debian-trixie-slim plus packages of such sources from the `trixie` suite alone
/// (the point release, without `trixie-security`), as an image built before the fixes would be.
#[test]
fn trixie_image_built_from_the_point_release_has_exactly_the_expected_cves() {
    let Some(images) = tollgate_test::shared("images") else {
        return;
    };
    if !tollgate_test::require_tool("buildah") {
        return;
    }
    let work = work_dir("trixie-point");
    // buildah reads docker archives only uncompressed.
    let archive = work.path().join("trixie.tar");
    let mut gunzip = flate2::read::GzDecoder::new(
        fs_err::File::open(images.join("debian-trixie-slim.tar.gz")).unwrap(),
    );
    std::io::copy(&mut gunzip, &mut fs_err::File::create(&archive).unwrap()).unwrap();
    let buildah = Buildah::new(work.path());
    let container = buildah.from(
        &format!("docker-archive:{}", archive.display()),
        "tollgate-trixie-point",
    );
    buildah.run(
        &container,
        "rm -f /etc/apt/sources.list.d/* /etc/apt/sources.list \
         && echo 'deb http://deb.debian.org/debian trixie main' > /etc/apt/sources.list \
         && apt-get -qq update \
         && DEBIAN_FRONTEND=noninteractive apt-get -qq install -y --no-install-recommends \
            libgpgme11t64 nginx >/dev/null \
         && rm -rf /var/lib/apt/lists/*",
    );
    let layout = work.path().join("built");
    buildah.commit(&container, &layout, "1.0");
    buildah.remove(&container);
    check(&format!("oci:{}:1.0", layout.display()), "trixie");
}
