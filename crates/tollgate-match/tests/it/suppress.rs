//! Suppression (ignore files, OpenVEX, CycloneDX VEX) applied to real findings: the shared
//! debian-bookworm-app image matched against the shared feeds, and packages built the way the
//! catalogers build them, matched against the same DB.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use tollgate_catalog::{Ecosystem, Inventory, OsInfo, Package, inventory};
use tollgate_match::{
    Applied, Date, Finding, MAX_IGNORE_FILE_BYTES, MAX_VEX_BYTES, Rules, SuppressError, VexFormat,
    apply, image_purl, match_inventory,
};
use tollgate_oci::{Image, OpenOptions, Target};

use crate::shared_db;

/// The manifest digest of the shared image (`../shared/images/expected/debian-bookworm-app/image.json`).
const DIGEST: &str = "sha256:daaf1dda6c48b18042c91966185419bb4a803d1866cd21bd29ead94b11919e68";

/// An openssl CVE the image has in both `libssl3` and `openssl` (source `openssl`).
const OPENSSL_CVE: &str = "CVE-2026-35189";

struct Scan {
    findings: Vec<Finding>,
    image_purl: String,
}

/// The shared image's findings and purl, once per run; `None` without the shared data.
fn bookworm() -> Option<&'static Scan> {
    static SCAN: OnceLock<Option<Scan>> = OnceLock::new();
    SCAN.get_or_init(|| {
        let db = shared_db()?;
        let images = tollgate_test::shared("images")?;
        let target = format!("oci:{}:1.0", images.join("debian-bookworm-app").display());
        let image = Image::open(&Target::parse(&target).unwrap(), &OpenOptions::default()).unwrap();
        let inventory = inventory(&image, None).unwrap();
        let report = match_inventory(&db, &inventory).unwrap();
        assert!(report.findings.len() > 100, "{}", report.findings.len());
        Some(Scan {
            findings: report.findings,
            image_purl: image_purl(&inventory.image).unwrap(),
        })
    })
    .as_ref()
}

/// The findings of one Debian 12 package built as the dpkg cataloger builds it.
fn debian_package_findings(name: &str, version: &str, source: &str, purl: &str) -> Vec<Finding> {
    let db = shared_db().unwrap();
    let mut package = Package::new(Ecosystem::Deb, name, version);
    package.source_name = Some(source.into());
    package.source_version = Some(version.into());
    package.path = "/var/lib/dpkg/status".into();
    package.purl = purl.into();
    let inventory = Inventory {
        os: Some(OsInfo {
            family: "debian".into(),
            version: "12".into(),
            ..OsInfo::default()
        }),
        packages: vec![package],
        ..Inventory::default()
    };
    let report = match_inventory(&db, &inventory).unwrap();
    assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
    report.findings
}

fn day(text: &str) -> Date {
    Date::parse(text).unwrap()
}

/// The day the shared DB was built, and the day these tests scan on.
fn today() -> Date {
    day("2026-11-23")
}

fn write(dir: &Path, name: &str, content: &str) -> PathBuf {
    let path = dir.join(name);
    fs_err::write(&path, content).unwrap();
    path
}

/// (package name, vulnerability id) of each suppressed finding.
fn suppressed(applied: &Applied) -> BTreeSet<(String, String)> {
    applied
        .suppressed
        .iter()
        .map(|s| {
            (
                s.finding.package.name.clone(),
                s.finding.vulnerability_id.clone(),
            )
        })
        .collect()
}

fn pairs(items: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    items
        .iter()
        .map(|(package, id)| ((*package).to_owned(), (*id).to_owned()))
        .collect()
}

/// Nothing is lost: every finding is kept or suppressed, once.
/// The rules applied to the scan's findings, checked to keep every finding exactly once.
fn apply_to(rules: &Rules, scan: &Scan) -> Applied {
    let applied = apply(
        rules,
        scan.findings.clone(),
        today(),
        Some(&scan.image_purl),
    );
    assert_partition(&scan.findings, &applied);
    applied
}

fn assert_partition(findings: &[Finding], applied: &Applied) {
    assert_eq!(
        applied.kept.len() + applied.suppressed.len(),
        findings.len(),
        "findings were lost or duplicated"
    );
}

fn vex(rules: &mut Rules, dir: &Path, name: &str, content: &str) -> PathBuf {
    let path = write(dir, name, content);
    rules.load_vex(&path).unwrap();
    path
}

/// What `vexctl create` writes (OpenVEX 0.2.0), for statements about `libssl3` only.
const VEXCTL_PACKAGE_STATEMENTS: &str = r#"{
  "@context": "https://openvex.dev/ns/v0.2.0",
  "@id": "https://openvex.dev/docs/public/vex-6a2b0c1f7ad1e3b1d8c3f2f4c1c8c0a8a3a5f5d6e7f8091a2b3c4d5e6f708192",
  "author": "Unknown Author",
  "timestamp": "2026-11-20T10:12:31.281955-06:00",
  "version": 1,
  "statements": [
    {
      "vulnerability": {
        "name": "CVE-2026-35189"
      },
      "timestamp": "2026-11-20T10:12:31.281956-06:00",
      "products": [
        {
          "@id": "pkg:deb/debian/libssl3@3.0.20-1~deb12u2?arch=amd64&distro=debian-12"
        }
      ],
      "status": "not_affected",
      "justification": "vulnerable_code_not_in_execute_path",
      "impact_statement": "The app never builds relative CRL distribution points."
    },
    {
      "vulnerability": {
        "name": "CVE-2026-42767"
      },
      "timestamp": "2026-11-20T10:12:31.281957-06:00",
      "products": [
        {
          "@id": "pkg:deb/debian/libssl3@3.0.20-1~deb12u2?arch=amd64&distro=debian-12"
        }
      ],
      "status": "fixed"
    },
    {
      "vulnerability": {
        "name": "CVE-2026-54872"
      },
      "timestamp": "2026-11-20T10:12:31.281958-06:00",
      "products": [
        {
          "@id": "pkg:deb/debian/libssl3@3.0.20-1~deb12u2?arch=amd64&distro=debian-12"
        }
      ],
      "status": "affected",
      "action_statement": "Upgrade libssl3 to 3.0.22-1~deb12u2"
    },
    {
      "vulnerability": {
        "name": "CVE-2026-54874"
      },
      "timestamp": "2026-11-20T10:12:31.281959-06:00",
      "products": [
        {
          "@id": "pkg:deb/debian/libssl3@3.0.20-1~deb12u2?arch=amd64&distro=debian-12"
        }
      ],
      "status": "under_investigation"
    }
  ]
}
"#;

#[test]
fn openvex_from_vexctl_suppresses_not_affected_and_fixed_only() {
    let Some(scan) = bookworm() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut rules = Rules::new();
    let path = write(
        dir.path(),
        "libssl3.openvex.json",
        VEXCTL_PACKAGE_STATEMENTS,
    );
    assert_eq!(rules.load_vex(&path).unwrap(), VexFormat::OpenVex);
    assert_eq!(rules.vex_statements(), 4);
    assert!(rules.warnings().is_empty(), "{:?}", rules.warnings());

    let applied = apply_to(&rules, scan);
    // The statements name the libssl3 binary: the openssl binary of the same source keeps
    // its findings, and affected / under_investigation suppress nothing.
    assert_eq!(
        suppressed(&applied),
        pairs(&[("libssl3", OPENSSL_CVE), ("libssl3", "CVE-2026-42767")])
    );
    let not_affected = applied
        .suppressed
        .iter()
        .find(|s| s.finding.vulnerability_id == OPENSSL_CVE)
        .unwrap();
    assert_eq!(
        not_affected.reason,
        "VEX not_affected: vulnerable_code_not_in_execute_path (The app never builds relative \
         CRL distribution points.)"
    );
    assert_eq!(
        not_affected.source,
        format!("{}:8 statements[0]", path.display())
    );
    // The finding is kept whole, with its advisory and fix.
    assert_eq!(
        not_affected.finding.advisory_ids,
        ["TGD-bookworm-CVE-2026-35189-openssl"]
    );
    assert_eq!(
        not_affected.finding.fixed_version.as_deref(),
        Some("3.0.22-1~deb12u2")
    );
    let fixed = applied
        .suppressed
        .iter()
        .find(|s| s.finding.vulnerability_id == "CVE-2026-42767")
        .unwrap();
    assert_eq!(fixed.reason, "VEX fixed");
    assert_eq!(fixed.source, format!("{}:22 statements[1]", path.display()));
    assert!(applied.warnings.is_empty(), "{:?}", applied.warnings);
}

/// The brief's purl shapes against a real finding of openssl 3.0.11-1~deb12u2 as the dpkg
/// cataloger writes its purl.
#[test]
fn purls_match_with_and_without_version_and_qualifiers() {
    if shared_db().is_none() {
        return;
    }
    let findings = debian_package_findings(
        "openssl",
        "3.0.11-1~deb12u2",
        "openssl",
        "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12",
    );
    assert!(
        findings.iter().any(|f| f.vulnerability_id == OPENSSL_CVE),
        "{findings:#?}"
    );
    let dir = tempfile::tempdir().unwrap();
    for (product, matches) in [
        ("pkg:deb/debian/openssl", true),
        ("pkg:deb/debian/openssl@3.0.11-1~deb12u2", true),
        (
            "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12",
            true,
        ),
        // Qualifiers in another order, the version percent-encoded.
        (
            "pkg:deb/debian/openssl@3.0.11-1%7Edeb12u2?distro=debian-12&arch=amd64",
            true,
        ),
        ("pkg:deb/debian/openssl?arch=amd64", true),
        // Trivy's bom-ref: `package-id` tells packages apart in one SBOM, it is no identity.
        (
            "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&package-id=5f9a2c1d7e3b4a60",
            true,
        ),
        ("pkg:deb/debian/openssl@3.0.11-1~deb12u1", false),
        (
            "pkg:deb/debian/openssl@3.0.20-1~deb12u2?arch=amd64&distro=debian-12",
            false,
        ),
        ("pkg:deb/debian/openssl?arch=arm64", false),
        ("pkg:deb/debian/openssl?distro=debian-11", false),
        // A qualifier the package does not carry narrows the rule past it.
        ("pkg:deb/debian/openssl?upstream=openssl", false),
        ("pkg:deb/ubuntu/openssl", false),
        ("pkg:deb/debian/libssl3", false),
        ("pkg:rpm/debian/openssl", false),
    ] {
        let document = format!(
            r#"{{
  "@context": "https://openvex.dev/ns/v0.2.0",
  "@id": "https://openvex.dev/docs/public/vex-purl-case",
  "author": "Security Team <security@example.com>",
  "timestamp": "2026-11-20T09:00:00Z",
  "version": 1,
  "statements": [
    {{
      "vulnerability": {{ "name": "{OPENSSL_CVE}" }},
      "products": [ {{ "@id": "{product}" }} ],
      "status": "not_affected",
      "justification": "vulnerable_code_not_present"
    }}
  ]
}}"#
        );
        let mut rules = Rules::new();
        vex(&mut rules, dir.path(), "purl.openvex.json", &document);
        let applied = apply(&rules, findings.clone(), today(), None);
        let expected = if matches {
            pairs(&[("openssl", OPENSSL_CVE)])
        } else {
            BTreeSet::new()
        };
        assert_eq!(suppressed(&applied), expected, "{product}");

        // The same purl in an ignore file's `purls` narrows the same way.
        let ignore = format!(
            "vulnerabilities:\n  - id: {OPENSSL_CVE}\n    purls:\n      - \"{product}\"\n    \
             reason: not built with CRL support\n"
        );
        let mut rules = Rules::new();
        rules.add_ignore_file(&ignore, ".tollgateignore").unwrap();
        let applied = apply(&rules, findings.clone(), today(), None);
        assert_eq!(suppressed(&applied), expected, "ignore file: {product}");
    }
}

/// `vexctl create --product=pkg:oci/...`: a statement about the image as a whole covers every
/// package in it, and only in that image.
#[test]
fn image_product_without_subcomponents_covers_every_package_of_that_image() {
    let Some(scan) = bookworm() else {
        return;
    };
    assert_eq!(
        scan.image_purl,
        format!("pkg:oci/debian-bookworm-app@{DIGEST}?arch=amd64&tag=1.0")
    );
    let document = |product: &str| {
        format!(
            r#"{{
  "@context": "https://openvex.dev/ns/v0.2.0",
  "@id": "https://openvex.dev/docs/public/vex-image",
  "author": "Unknown Author",
  "timestamp": "2026-11-20T16:12:31.281955Z",
  "version": 1,
  "statements": [
    {{
      "vulnerability": {{
        "name": "{OPENSSL_CVE}"
      }},
      "timestamp": "2026-11-20T16:12:31.281956Z",
      "products": [
        {{
          "@id": "{product}"
        }}
      ],
      "status": "not_affected",
      "justification": "vulnerable_code_not_in_execute_path"
    }}
  ]
}}"#
        )
    };
    let dir = tempfile::tempdir().unwrap();
    let both = pairs(&[("libssl3", OPENSSL_CVE), ("openssl", OPENSSL_CVE)]);
    for (product, expected) in [
        // The digest as vexctl writes it (percent-encoded), and as people write it.
        (
            format!("pkg:oci/debian-bookworm-app@{}", DIGEST.replace(':', "%3A")),
            both.clone(),
        ),
        (format!("pkg:oci/app@{DIGEST}?repository_url=ghcr.io/acme/app&tag=v2"), both.clone()),
        (
            format!("pkg:oci/debian-bookworm-app@{}", DIGEST.to_uppercase().replace("SHA256", "sha256")),
            both.clone(),
        ),
        // Without a digest: by name and the qualifiers given.
        ("pkg:oci/debian-bookworm-app?tag=1.0".to_owned(), both.clone()),
        // Another image.
        (
            "pkg:oci/debian-bookworm-app@sha256%3A0000000000000000000000000000000000000000000000000000000000000000".to_owned(),
            BTreeSet::new(),
        ),
        ("pkg:oci/debian-bookworm-app?tag=2.0".to_owned(), BTreeSet::new()),
        (
            "pkg:oci/debian?repository_url=index.docker.io/library/debian".to_owned(),
            BTreeSet::new(),
        ),
    ] {
        let mut rules = Rules::new();
        let path = vex(&mut rules, dir.path(), "image.openvex.json", &document(&product));
        let applied = apply_to(&rules, scan);
        assert_eq!(suppressed(&applied), expected, "{product}");
        if expected.is_empty() {
            assert_eq!(
                applied.warnings,
                [format!(
                    "{}:8 statements[0]: {product} does not name the scanned image {}: not applied",
                    path.display(),
                    scan.image_purl
                )],
                "{product}"
            );
        } else {
            assert!(applied.warnings.is_empty(), "{:?}", applied.warnings);
        }
    }

    // A target whose image purl is unknown (a root filesystem): image statements apply to
    // nothing, and say so.
    let mut rules = Rules::new();
    let product = format!("pkg:oci/debian-bookworm-app@{DIGEST}");
    let path = vex(
        &mut rules,
        dir.path(),
        "image.openvex.json",
        &document(&product),
    );
    let applied = apply(&rules, scan.findings.clone(), today(), None);
    assert!(applied.suppressed.is_empty());
    assert_eq!(
        applied.warnings,
        [format!(
            "{}:8 statements[0]: {product} names an image, and the scanned image's purl is \
             unknown: not applied",
            path.display()
        )]
    );
}

#[test]
fn image_product_with_subcomponents_covers_only_those() {
    let Some(scan) = bookworm() else {
        return;
    };
    let document = format!(
        r#"{{
  "@context": "https://openvex.dev/ns/v0.2.0",
  "@id": "https://openvex.dev/docs/public/vex-subcomponents",
  "author": "Unknown Author",
  "timestamp": "2026-11-20T16:12:31Z",
  "version": 1,
  "statements": [
    {{
      "vulnerability": {{
        "name": "{OPENSSL_CVE}"
      }},
      "products": [
        {{
          "@id": "pkg:oci/debian-bookworm-app@{digest}",
          "subcomponents": [
            {{
              "@id": "pkg:deb/debian/libssl3@3.0.20-1~deb12u2?arch=amd64&distro=debian-12"
            }},
            {{
              "@id": "pkg:pypi/urllib3@1.26.4"
            }}
          ]
        }}
      ],
      "status": "not_affected",
      "justification": "vulnerable_code_not_in_execute_path"
    }},
    {{
      "vulnerability": {{
        "name": "CVE-2021-33503"
      }},
      "products": [
        {{
          "@id": "pkg:oci/debian-bookworm-app@{digest}",
          "identifiers": {{ "purl": "pkg:oci/debian-bookworm-app@{digest}?arch=amd64" }},
          "subcomponents": [
            {{
              "@id": "https://example.com/sbom#urllib3",
              "identifiers": {{ "purl": "pkg:pypi/urllib3@1.26.4" }}
            }}
          ]
        }}
      ],
      "status": "not_affected",
      "justification": "vulnerable_code_cannot_be_controlled_by_adversary"
    }}
  ]
}}"#,
        digest = DIGEST.replace(':', "%3A")
    );
    let dir = tempfile::tempdir().unwrap();
    let mut rules = Rules::new();
    vex(
        &mut rules,
        dir.path(),
        "subcomponents.openvex.json",
        &document,
    );
    let applied = apply_to(&rules, scan);
    // Only the subcomponents named: libssl3 (not openssl), urllib3 (by `identifiers.purl`).
    assert_eq!(
        suppressed(&applied),
        pairs(&[("libssl3", OPENSSL_CVE), ("urllib3", "CVE-2021-33503")])
    );
    assert!(applied.warnings.is_empty(), "{:?}", applied.warnings);
}

fn status_document(timestamp: &str, statements: &[(&str, &str)]) -> String {
    let statements: Vec<String> = statements
        .iter()
        .map(|(status, time)| {
            let extra = match *status {
                "not_affected" => r#", "justification": "inline_mitigations_already_exist""#,
                "affected" => r#", "action_statement": "Upgrade openssl""#,
                _ => "",
            };
            let time = if time.is_empty() {
                String::new()
            } else {
                format!(r#", "timestamp": "{time}""#)
            };
            format!(
                r#"    {{
      "vulnerability": {{ "name": "{OPENSSL_CVE}" }},
      "products": [ {{ "@id": "pkg:deb/debian/libssl3" }} ],
      "status": "{status}"{extra}{time}
    }}"#
            )
        })
        .collect();
    format!(
        r#"{{
  "@context": "https://openvex.dev/ns/v0.2.0",
  "@id": "https://openvex.dev/docs/public/vex-history",
  "author": "Security Team",
  "timestamp": "{timestamp}",
  "version": 1,
  "statements": [
{}
  ]
}}"#,
        statements.join(",\n")
    )
}

/// VEX is a sequence of statements, each overriding the previous ones: the latest statement
/// about a package wins, whatever its status and whatever order the files are loaded in.
#[test]
fn the_latest_statement_wins() {
    let Some(scan) = bookworm() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let libssl3 = pairs(&[("libssl3", OPENSSL_CVE)]);
    let older = status_document("2026-10-01T12:00:00Z", &[("not_affected", "")]);
    let newer = status_document("2026-11-01T12:00:00+01:00", &[("affected", "")]);
    for order in [[&older, &newer], [&newer, &older]] {
        let mut rules = Rules::new();
        vex(&mut rules, dir.path(), "a.openvex.json", order[0]);
        vex(&mut rules, dir.path(), "b.openvex.json", order[1]);
        let applied = apply(&rules, scan.findings.clone(), today(), None);
        assert!(applied.suppressed.is_empty(), "the later `affected` wins");
    }
    // Investigation, then a verdict, in one document: statement timestamps are instants, so
    // the verdict (01:30Z) is later than the investigation (01:00Z) though its text sorts
    // first.
    let history = status_document(
        "2026-10-01T00:00:00Z",
        &[
            ("not_affected", "2026-11-01T23:30:00-02:00"),
            ("under_investigation", "2026-11-02T01:00:00Z"),
        ],
    );
    let mut rules = Rules::new();
    vex(&mut rules, dir.path(), "history.openvex.json", &history);
    let applied = apply(&rules, scan.findings.clone(), today(), None);
    assert_eq!(suppressed(&applied), libssl3);
    // The same time: the later statement in the file wins.
    let tie = status_document(
        "2026-10-01T00:00:00Z",
        &[("affected", ""), ("not_affected", "")],
    );
    let mut rules = Rules::new();
    let path = vex(&mut rules, dir.path(), "tie.openvex.json", &tie);
    let applied = apply(&rules, scan.findings.clone(), today(), None);
    assert_eq!(suppressed(&applied), libssl3);
    assert!(
        applied.suppressed[0]
            .source
            .starts_with(&format!("{}:", path.display()))
    );
    assert!(applied.suppressed[0].source.ends_with("statements[1]"));
}

/// Dependency-Track's VEX export (CycloneDX 1.5): no components, every `affects` naming the
/// project, `metadata.component`, by its UUID; GHSA ids for GitHub-sourced vulnerabilities.
#[test]
fn cyclonedx_vex_as_dependency_track_exports_it() {
    let Some(scan) = bookworm() else {
        return;
    };
    let document = r#"{
  "bomFormat" : "CycloneDX",
  "specVersion" : "1.5",
  "serialNumber" : "urn:uuid:3b0bc2c5-96a4-4f29-a4ab-36f0f23d7f0e",
  "version" : 1,
  "metadata" : {
    "timestamp" : "2026-11-20T09:41:07Z",
    "tools" : {
      "components" : [ {
        "type" : "application",
        "author" : "OWASP",
        "name" : "Dependency-Track",
        "version" : "4.12.2"
      } ]
    },
    "component" : {
      "type" : "container",
      "bom-ref" : "0b8f7a1c-2a55-4d1e-9a7e-1f9c4b6c2d11",
      "name" : "debian-bookworm-app",
      "version" : "1.0"
    }
  },
  "vulnerabilities" : [ {
    "bom-ref" : "5d2e4c7a-8f1b-4c3d-9e6a-7b8c9d0e1f23",
    "id" : "CVE-2026-35189",
    "source" : {
      "name" : "NVD",
      "url" : "https://nvd.nist.gov/"
    },
    "ratings" : [ {
      "source" : {
        "name" : "NVD",
        "url" : "https://nvd.nist.gov/"
      },
      "score" : 7.5,
      "severity" : "high",
      "method" : "CVSSv31",
      "vector" : "AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"
    } ],
    "analysis" : {
      "state" : "not_affected",
      "justification" : "code_not_reachable",
      "response" : [ "will_not_fix" ],
      "detail" : "CRL processing is disabled in the app's TLS configuration."
    },
    "affects" : [ {
      "ref" : "0b8f7a1c-2a55-4d1e-9a7e-1f9c4b6c2d11"
    } ]
  }, {
    "bom-ref" : "9a1d3e5f-7b2c-4d6e-8f0a-1b2c3d4e5f60",
    "id" : "GHSA-g3rq-g295-4j3m",
    "source" : {
      "name" : "GITHUB",
      "url" : "https://github.com/advisories"
    },
    "analysis" : {
      "state" : "false_positive",
      "detail" : "Jinja2 is only a build-time dependency here."
    },
    "affects" : [ {
      "ref" : "0b8f7a1c-2a55-4d1e-9a7e-1f9c4b6c2d11"
    } ]
  }, {
    "bom-ref" : "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f",
    "id" : "CVE-2021-33503",
    "source" : {
      "name" : "NVD",
      "url" : "https://nvd.nist.gov/"
    },
    "analysis" : {
      "state" : "exploitable",
      "response" : [ "update" ]
    },
    "affects" : [ {
      "ref" : "0b8f7a1c-2a55-4d1e-9a7e-1f9c4b6c2d11"
    } ]
  }, {
    "bom-ref" : "d2e3f4a5-b6c7-4d8e-9f0a-1b2c3d4e5f6a",
    "id" : "CVE-2023-43804",
    "source" : {
      "name" : "NVD",
      "url" : "https://nvd.nist.gov/"
    },
    "analysis" : {
      "state" : "in_triage"
    },
    "affects" : [ {
      "ref" : "0b8f7a1c-2a55-4d1e-9a7e-1f9c4b6c2d11"
    } ]
  }, {
    "bom-ref" : "e3f4a5b6-c7d8-4e9f-0a1b-2c3d4e5f6a7b",
    "id" : "CVE-2023-45803",
    "source" : {
      "name" : "NVD",
      "url" : "https://nvd.nist.gov/"
    },
    "affects" : [ {
      "ref" : "0b8f7a1c-2a55-4d1e-9a7e-1f9c4b6c2d11"
    } ]
  } ]
}"#;
    let dir = tempfile::tempdir().unwrap();
    let mut rules = Rules::new();
    let path = write(dir.path(), "project-vex.cdx.json", document);
    assert_eq!(rules.load_vex(&path).unwrap(), VexFormat::CycloneDx);
    // The last vulnerability has no analysis: a listing, not a statement.
    assert_eq!(rules.vex_statements(), 4);
    let applied = apply_to(&rules, scan);
    // The project as a whole: every package with the CVE; the GHSA by the PyPI advisory's
    // alias; `exploitable` and `in_triage` suppress nothing.
    assert_eq!(
        suppressed(&applied),
        pairs(&[
            ("libssl3", OPENSSL_CVE),
            ("openssl", OPENSSL_CVE),
            ("Jinja2", "CVE-2020-28493"),
        ])
    );
    let jinja = applied
        .suppressed
        .iter()
        .find(|s| s.finding.package.name == "Jinja2")
        .unwrap();
    assert_eq!(
        jinja.reason,
        "VEX false_positive: Jinja2 is only a build-time dependency here."
    );
    assert_eq!(
        jinja.source,
        format!("{}:49 vulnerabilities[1]", path.display())
    );
    let openssl = applied
        .suppressed
        .iter()
        .find(|s| s.finding.package.name == "openssl")
        .unwrap();
    assert_eq!(
        openssl.reason,
        "VEX not_affected: code_not_reachable (CRL processing is disabled in the app's TLS \
         configuration.)"
    );
    assert_eq!(
        applied.warnings,
        [format!(
            "{}: statements about the document's own subject `debian-bookworm-app 1.0` \
             (metadata.component, which has no purl) apply to every package of the scanned \
             target: use this document only with the target it was written for",
            path.display()
        )]
    );
}

/// CycloneDX VEX the way the spec's examples and Trivy write it: a separate document whose
/// `affects` are BOM-Links into the image's SBOM, the fragment a `bom-ref` (here Trivy's:
/// a purl with `package-id`, percent-encoded as cyclonedx-go encodes it), or a purl, with
/// `versions` and `references`.
#[test]
fn cyclonedx_vex_with_bom_links_versions_and_references() {
    let Some(scan) = bookworm() else {
        return;
    };
    let document = r#"{
  "bomFormat": "CycloneDX",
  "specVersion": "1.6",
  "serialNumber": "urn:uuid:9c3d2f61-52a7-4f0e-b1c8-0d4e5f6a7b8c",
  "version": 1,
  "metadata": {
    "timestamp": "2026-11-20T09:41:07Z"
  },
  "vulnerabilities": [
    {
      "id": "CVE-2026-35189",
      "analysis": {
        "state": "not_affected",
        "justification": "requires_configuration",
        "response": ["will_not_fix"],
        "detail": "Needs CRL checking, which the image does not enable.",
        "firstIssued": "2026-11-19T08:00:00Z",
        "lastUpdated": "2026-11-20T08:00:00Z"
      },
      "affects": [
        {
          "ref": "urn:cdx:6f1a9e0c-2b3d-4e5f-8a9b-0c1d2e3f4a5b/1#pkg%3Adeb%2Fdebian%2Flibssl3%403.0.20-1~deb12u2%3Farch%3Damd64%26distro%3Ddebian-12%26package-id%3D3c4d5e6f7a8b9c0d"
        },
        {
          "ref": "urn:cdx:6f1a9e0c-2b3d-4e5f-8a9b-0c1d2e3f4a5b/1#pkg:deb/debian/openssl@3.0.20-1~deb12u2?arch=amd64&distro=debian-12",
          "versions": [
            { "version": "3.0.20-1~deb12u2", "status": "unaffected" }
          ]
        }
      ]
    },
    {
      "id": "SNYK-PYTHON-URLLIB3-1533435",
      "references": [
        {
          "id": "CVE-2021-33503",
          "source": { "name": "NVD", "url": "https://nvd.nist.gov/vuln/detail/CVE-2021-33503" }
        }
      ],
      "analysis": {
        "state": "resolved",
        "detail": "Patched in the image build."
      },
      "affects": [
        {
          "ref": "pkg:pypi/urllib3",
          "versions": [
            { "version": "1.26.4", "status": "unaffected" },
            { "range": "vers:pypi/>=1.26.0|<1.26.5", "status": "unaffected" }
          ]
        }
      ]
    },
    {
      "id": "CVE-2023-43804",
      "analysis": {
        "state": "not_affected",
        "justification": "code_not_reachable"
      },
      "affects": [
        {
          "ref": "pkg:pypi/urllib3",
          "versions": [
            { "version": "1.26.3", "status": "unaffected" },
            { "version": "1.26.4", "status": "affected" },
            { "range": "vers:pypi/<2" }
          ]
        },
        {
          "ref": "urn:cdx:6f1a9e0c-2b3d-4e5f-8a9b-0c1d2e3f4a5b/1#urllib3-component"
        }
      ]
    }
  ]
}"#;
    let dir = tempfile::tempdir().unwrap();
    let mut rules = Rules::new();
    let path = write(dir.path(), "image.vex.cdx.json", document);
    rules.load_vex(&path).unwrap();
    let applied = apply_to(&rules, scan);
    assert_eq!(
        suppressed(&applied),
        pairs(&[
            ("libssl3", OPENSSL_CVE),
            ("openssl", OPENSSL_CVE),
            // By the reference to the CVE, at the one exact version listed.
            ("urllib3", "CVE-2021-33503"),
        ])
    );
    let file = path.display();
    assert_eq!(
        applied.warnings,
        [
            format!(
                "{file}:32 vulnerabilities[1]: affects[0].versions[1]: tollgate does not evaluate \
                 version ranges (`vers:pypi/>=1.26.0|<1.26.5`): not applied to it"
            ),
            format!(
                "{file}:54 vulnerabilities[2]: affects[0].versions[1]: version `1.26.4` is \
                 `affected`, which contradicts the analysis: not applied to it"
            ),
            format!(
                "{file}:54 vulnerabilities[2]: affects[0].versions[2]: tollgate does not evaluate \
                 version ranges (`vers:pypi/<2`): not applied to it"
            ),
            format!(
                "{file}:54 vulnerabilities[2]: affects[1]: \
                 `urn:cdx:6f1a9e0c-2b3d-4e5f-8a9b-0c1d2e3f4a5b/1#urllib3-component` is neither \
                 a component of this document nor a purl: not applied"
            ),
        ]
    );
}

/// `vexctl attest` / `cosign attest --type openvex`: the document as an in-toto statement's
/// predicate (after the DSSE envelope is verified and opened).
#[test]
fn openvex_in_an_in_toto_statement() {
    let Some(scan) = bookworm() else {
        return;
    };
    let predicate = VEXCTL_PACKAGE_STATEMENTS.trim_end();
    let statement = format!(
        r#"{{
  "_type": "https://in-toto.io/Statement/v0.1",
  "predicateType": "https://openvex.dev/ns/v0.2.0",
  "subject": [
    {{
      "name": "ghcr.io/acme/debian-bookworm-app",
      "digest": {{ "sha256": "{}" }}
    }}
  ],
  "predicate": {predicate}
}}"#,
        DIGEST.trim_start_matches("sha256:")
    );
    let dir = tempfile::tempdir().unwrap();
    let mut rules = Rules::new();
    let path = write(dir.path(), "attestation.intoto.json", &statement);
    assert_eq!(rules.load_vex(&path).unwrap(), VexFormat::OpenVex);
    let applied = apply_to(&rules, scan);
    assert_eq!(
        suppressed(&applied),
        pairs(&[("libssl3", OPENSSL_CVE), ("libssl3", "CVE-2026-42767")])
    );
    // Lines are the file's: the predicate starts on line 10.
    assert_eq!(
        applied.suppressed[0].source,
        format!("{}:17 statements[0]", path.display())
    );
}

const IGNORE_FILE: &str = "\
# Accepted risks of debian-bookworm-app, reviewed 2026-11-16.
vulnerabilities:
  # openssl source: every binary built from it.
  - id: CVE-2026-42767
    package: openssl
    reason: TLS endpoint terminates at the proxy; not reachable
    expires: 2026-11-24

  - id: CVE-2026-54872
    reason: waiting for the 3.0.22 rebuild
    expires: 2026-11-23

  - id: CVE-2021-33503
    paths:
      - \"**/dist-packages/urllib3-*.dist-info/METADATA\"
    reason: only internal hosts are fetched
    expires: 2026-01-31

  - id: PYSEC-2023-192
    purl: pkg:pypi/urllib3@1.26.4
    reason: cookies are never sent cross-origin by this app

  - id: CVE-2023-5752
    reason: pip is not used at run time
    expires: 2027-06-30T00:00:00Z
";

#[test]
fn ignore_file_entries_stop_applying_on_their_expiry_date() {
    let Some(scan) = bookworm() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), ".tollgateignore", IGNORE_FILE);
    let mut rules = Rules::new();
    rules.load_ignore_file(&path).unwrap();
    assert_eq!(rules.ignore_entries(), 5);
    let file = path.display();

    let always = [
        ("urllib3", "CVE-2023-43804"),
        ("pip", "CVE-2023-5752"),
        ("libssl3", "CVE-2026-42767"),
        ("openssl", "CVE-2026-42767"),
    ];
    // The day before 2026-11-23: the entry that expires on 2026-11-23 still applies.
    let applied = apply(&rules, scan.findings.clone(), day("2026-11-22"), None);
    assert_partition(&scan.findings, &applied);
    let mut expected = pairs(&always);
    expected.extend(pairs(&[
        ("libssl3", "CVE-2026-54872"),
        ("openssl", "CVE-2026-54872"),
    ]));
    assert_eq!(suppressed(&applied), expected);
    assert_eq!(
        applied.warnings,
        [format!(
            "{file}:13: ignore entry for CVE-2021-33503 expired on 2026-01-31: no longer applied"
        )]
    );

    // On 2026-11-23 (Trivy's `expired_at`: gone from 00:00 UTC of that day).
    let applied = apply(&rules, scan.findings.clone(), today(), None);
    assert_eq!(suppressed(&applied), pairs(&always));
    assert_eq!(
        applied.warnings,
        [
            format!(
                "{file}:9: ignore entry for CVE-2026-54872 expired on 2026-11-23: no longer applied"
            ),
            format!(
                "{file}:13: ignore entry for CVE-2021-33503 expired on 2026-01-31: no longer applied"
            ),
        ]
    );
    let entry = applied
        .suppressed
        .iter()
        .find(|s| s.finding.package.name == "libssl3")
        .unwrap();
    assert_eq!(
        entry.reason,
        "ignore file: TLS endpoint terminates at the proxy; not reachable (expires 2026-11-24)"
    );
    assert_eq!(entry.source, format!("{file}:4"));
    // The entry by advisory id: the finding's CVE is another id of the same vulnerability.
    let by_advisory = applied
        .suppressed
        .iter()
        .find(|s| s.finding.vulnerability_id == "CVE-2023-43804")
        .unwrap();
    assert_eq!(by_advisory.source, format!("{file}:19"));

    // On 2026-11-24 the openssl entry is gone too.
    let applied = apply(&rules, scan.findings.clone(), day("2026-11-24"), None);
    assert_eq!(
        suppressed(&applied),
        pairs(&[("urllib3", "CVE-2023-43804"), ("pip", "CVE-2023-5752")])
    );
    assert_eq!(applied.warnings.len(), 3);
}

/// Trivy's `.trivyignore.yaml`, as its documentation writes it: `statement` optional,
/// `expired_at`, `purls`, `paths`, and the sections of its other scanners.
#[test]
fn trivy_ignore_yaml_is_read_as_it_is() {
    let Some(scan) = bookworm() else {
        return;
    };
    let trivyignore = r#"vulnerabilities:
  - id: CVE-2026-42767
    statement: Accept the risk
  - id: CVE-2026-54872
    purls:
      - "pkg:deb/debian/libssl3"
  - id: CVE-2021-33503
    paths:
      - "usr/local/lib/python3.11/dist-packages/urllib3-1.26.4.dist-info/METADATA"
  - id: CVE-2023-5752
    expired_at: 2026-11-01
  - id: CVE-2023-43804
    expired_at: 2026-12-01

misconfigurations:
  - id: AVD-DS-0002
    paths:
      - "docs/Dockerfile"
    statement: The image needs root privileges

secrets:
  - id: aws-access-key-id
    expired_at: 2024-01-01
    paths:
      - "foo/secrets.txt"
  - id: aws-secret-access-key
    paths:
      - "foo/secrets.txt"

licenses:
  - id: GPL-3.0 # license name
    paths:
      - "usr/share/gcc/python/libstdcxx/v6/__init__.py"
"#;
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), ".trivyignore.yaml", trivyignore);
    let mut rules = Rules::new();
    rules.load_ignore_file(&path).unwrap();
    let applied = apply(&rules, scan.findings.clone(), today(), None);
    assert_eq!(
        suppressed(&applied),
        pairs(&[
            ("libssl3", "CVE-2026-42767"),
            ("openssl", "CVE-2026-42767"),
            ("libssl3", "CVE-2026-54872"),
            ("urllib3", "CVE-2021-33503"),
            ("urllib3", "CVE-2023-43804"),
        ])
    );
    let urllib3 = applied
        .suppressed
        .iter()
        .find(|s| s.finding.vulnerability_id == "CVE-2021-33503")
        .unwrap();
    assert_eq!(urllib3.reason, "ignore file: no reason given");
    assert_eq!(urllib3.source, format!("{}:7", path.display()));
    let file = path.display();
    assert_eq!(
        applied.warnings,
        [
            format!(
                "{file}: the 1 `misconfigurations` entries are not applied: tollgate applies \
                 ignore entries to vulnerabilities only"
            ),
            format!(
                "{file}: the 2 `secrets` entries are not applied: tollgate applies ignore \
                 entries to vulnerabilities only"
            ),
            format!(
                "{file}: the 1 `licenses` entries are not applied: tollgate applies ignore \
                 entries to vulnerabilities only"
            ),
            format!(
                "{file}:10: ignore entry for CVE-2023-5752 expired on 2026-11-01: no longer applied"
            ),
        ]
    );
}

#[test]
fn plain_trivyignore_is_read_as_trivy_reads_it() {
    let Some(scan) = bookworm() else {
        return;
    };
    let plain = "\
# Accept the risk
CVE-2026-42767
CVE-2026-54872 exp:2026-11-23
CVE-2021-33503 exp:2027-01-01 # only internal hosts
";
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), ".trivyignore", plain);
    let mut rules = Rules::new();
    rules.load_ignore_file(&path).unwrap();
    assert_eq!(rules.ignore_entries(), 3);
    let applied = apply(&rules, scan.findings.clone(), today(), None);
    assert_eq!(
        suppressed(&applied),
        pairs(&[
            ("libssl3", "CVE-2026-42767"),
            ("openssl", "CVE-2026-42767"),
            ("urllib3", "CVE-2021-33503"),
        ])
    );
    let urllib3 = applied
        .suppressed
        .iter()
        .find(|s| s.finding.vulnerability_id == "CVE-2021-33503")
        .unwrap();
    assert_eq!(
        urllib3.reason,
        "ignore file: only internal hosts (expires 2027-01-01)"
    );
    assert_eq!(urllib3.source, format!("{}:4", path.display()));
    assert_eq!(
        applied.warnings,
        [format!(
            "{}:3: ignore entry for CVE-2026-54872 expired on 2026-11-23: no longer applied",
            path.display()
        )]
    );
}

/// VEX is evidence about the product and is applied first; the ignore file is a local
/// decision that can still silence what a VEX calls affected.
#[test]
fn vex_first_then_the_ignore_file() {
    let Some(scan) = bookworm() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut rules = Rules::new();
    let vex_path = vex(
        &mut rules,
        dir.path(),
        "libssl3.openvex.json",
        VEXCTL_PACKAGE_STATEMENTS,
    );
    let ignore = format!(
        "vulnerabilities:\n  - id: {OPENSSL_CVE}\n    reason: accepted\n  - id: CVE-2026-54872\n    \
         package: libssl3\n    reason: compensating control at the proxy\n"
    );
    let ignore_path = write(dir.path(), ".tollgateignore", &ignore);
    rules.load_ignore_file(&ignore_path).unwrap();
    let applied = apply(&rules, scan.findings.clone(), today(), None);
    let source_of = |package: &str, id: &str| {
        applied
            .suppressed
            .iter()
            .find(|s| s.finding.package.name == package && s.finding.vulnerability_id == id)
            .map(|s| s.source.clone())
    };
    assert_eq!(
        source_of("libssl3", OPENSSL_CVE),
        Some(format!("{}:8 statements[0]", vex_path.display()))
    );
    assert_eq!(
        source_of("openssl", OPENSSL_CVE),
        Some(format!("{}:2", ignore_path.display()))
    );
    // `affected` by the VEX, silenced by the ignore file.
    assert_eq!(
        source_of("libssl3", "CVE-2026-54872"),
        Some(format!("{}:4", ignore_path.display()))
    );
    assert_eq!(source_of("openssl", "CVE-2026-54872"), None);
}

fn load_error(name: &str, content: &str, ignore_file: bool) -> (String, SuppressError) {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), name, content);
    let mut rules = Rules::new();
    let error = if ignore_file {
        rules.load_ignore_file(&path).unwrap_err()
    } else {
        rules.load_vex(&path).map(|_| ()).unwrap_err()
    };
    assert!(rules.is_empty(), "{name}: nothing is added from a bad file");
    (path.display().to_string(), error)
}

#[test]
fn malformed_files_are_one_line_errors_naming_the_file_and_line() {
    let ignore_cases: [(&str, &str, &str); 9] = [
        (
            "no reason",
            "vulnerabilities:\n  - id: CVE-2026-42767\n    package: openssl\n",
            ":2: vulnerabilities[0] (CVE-2026-42767): no `reason`: say why it is ignored",
        ),
        (
            "a typo makes no permanent entry",
            "vulnerabilities:\n  - id: CVE-2026-42767\n    reason: accepted\n    expire: 2026-12-01\n",
            ":4: vulnerabilities[0]: unknown field `expire`, expected one of `id`, `package`, \
             `purl`, `purls`, `paths`, `reason`, `statement`, `expired_at`, `expires`",
        ),
        (
            "not a date",
            "vulnerabilities:\n  - id: CVE-2026-42767\n    reason: accepted\n    expires: 2026-02-30\n",
            ":4: vulnerabilities[0].expires: `2026-02-30` is not a date: write YYYY-MM-DD or an \
             RFC 3339 timestamp",
        ),
        (
            "bad purl",
            "vulnerabilities:\n  - id: CVE-2026-42767\n    reason: accepted\n    purls:\n      - \"deb/debian/openssl\"\n",
            ":5: vulnerabilities[0].purls[0]: invalid purl `deb/debian/openssl`",
        ),
        (
            "bad glob",
            "vulnerabilities:\n  - id: CVE-2026-42767\n    reason: accepted\n    paths: [\"usr/lib/[\"]\n",
            ":4: vulnerabilities[0].paths[0]: invalid path pattern `usr/lib/[`",
        ),
        (
            "no id",
            "vulnerabilities:\n  - reason: accepted\n",
            ":2: vulnerabilities[0]: missing field `id`",
        ),
        (
            "empty id",
            "vulnerabilities:\n  - id: \"\"\n    reason: accepted\n",
            ":2: vulnerabilities[0].id: must not be empty",
        ),
        (
            "unknown section",
            "vulnerabilites:\n  - id: CVE-2026-42767\n    reason: accepted\n",
            ":1: unknown field `vulnerabilites`, expected one of `vulnerabilities`, \
             `misconfigurations`, `secrets`, `licenses`",
        ),
        (
            "YAML syntax",
            "vulnerabilities:\n  - id: CVE-2026-42767\n     reason: accepted\n",
            ":3: mapping values are not allowed in this context",
        ),
    ];
    for (case, content, expected) in ignore_cases {
        let (path, error) = load_error(".tollgateignore", content, true);
        let message = error.to_string();
        assert!(
            message.starts_with(&format!("{path}{expected}")),
            "{case}: {message}"
        );
        assert!(!message.contains('\n'), "{case}: {message}");
    }
    let (path, error) = load_error(".trivyignore", "CVE-2026-42767 exp:2026-13-01\n", true);
    assert_eq!(
        error.to_string(),
        format!("{path}:1: `2026-13-01` is not a date: write exp:YYYY-MM-DD")
    );

    let openvex = |statement: &str| {
        format!(
            "{{\n  \"@context\": \"https://openvex.dev/ns/v0.2.0\",\n  \"@id\": \"https://openvex.dev/docs/x\",\n  \"author\": \"a\",\n  \"timestamp\": \"2026-11-20T00:00:00Z\",\n  \"version\": 1,\n  \"statements\": [\n    {{ \"vulnerability\": {{ \"name\": \"CVE-1\" }}, \"products\": [ {{ \"@id\": \"pkg:deb/debian/a\" }} ], \"status\": \"fixed\" }},\n    {statement}\n  ]\n}}\n"
        )
    };
    let vex_cases: Vec<(&str, String, String)> = vec![
        (
            "unknown status",
            openvex(r#"{ "vulnerability": { "name": "CVE-2" }, "products": [ { "@id": "pkg:deb/debian/a" } ], "status": "notaffected" }"#),
            ":9: statements[1].status: unknown status `notaffected` (OpenVEX has not_affected, \
             affected, fixed and under_investigation)"
                .to_owned(),
        ),
        (
            "not_affected without a reason",
            openvex(r#"{ "vulnerability": { "name": "CVE-2" }, "products": [ { "@id": "pkg:deb/debian/a" } ], "status": "not_affected" }"#),
            ":9: statements[1]: status not_affected needs a `justification` or an \
             `impact_statement`"
                .to_owned(),
        ),
        (
            "CycloneDX justification in OpenVEX",
            openvex(r#"{ "vulnerability": { "name": "CVE-2" }, "products": [ { "@id": "pkg:deb/debian/a" } ], "status": "not_affected", "justification": "code_not_reachable" }"#),
            ":9: statements[1].justification: unknown justification `code_not_reachable`"
                .to_owned(),
        ),
        (
            "bad product purl",
            openvex(r#"{ "vulnerability": { "name": "CVE-2" }, "products": [ { "@id": "pkg:deb" } ], "status": "fixed" }"#),
            ":9: statements[1].products[0]: invalid purl `pkg:deb`".to_owned(),
        ),
        (
            "bad timestamp",
            openvex(r#"{ "vulnerability": { "name": "CVE-2" }, "products": [ { "@id": "pkg:deb/debian/a" } ], "status": "fixed", "timestamp": "2026-11-20 10:00" }"#),
            ":9: statements[1].timestamp: `2026-11-20 10:00` is not an RFC 3339 timestamp"
                .to_owned(),
        ),
        (
            "wrong type inside a statement",
            openvex("{ \"vulnerability\": { \"name\": \"CVE-2\" },\n      \"products\": [ { \"@id\": \"pkg:deb/debian/a\" } ],\n      \"status\": 3 }"),
            ":11: statements[1]: invalid type: integer `3`, expected a string".to_owned(),
        ),
        (
            "JSON syntax",
            openvex(r#"{ "vulnerability": { "name": "CVE-2" }, "status": "fixed", }"#),
            ":9: not valid JSON: key must be a string".to_owned(),
        ),
        (
            "neither format",
            "{\n  \"statements\": []\n}\n".to_owned(),
            ": neither OpenVEX".to_owned(),
        ),
        (
            "XML",
            "<?xml version=\"1.0\"?>\n<bom xmlns=\"http://cyclonedx.org/schema/bom/1.6\"/>\n"
                .to_owned(),
            ":1: XML: tollgate reads CycloneDX VEX in its JSON form only".to_owned(),
        ),
        (
            "CycloneDX unknown state",
            "{\n  \"bomFormat\": \"CycloneDX\",\n  \"specVersion\": \"1.6\",\n  \"vulnerabilities\": [\n    { \"id\": \"CVE-1\", \"analysis\": { \"state\": \"not_exploitable\" }, \"affects\": [ { \"ref\": \"pkg:deb/debian/a\" } ] }\n  ]\n}\n".to_owned(),
            ":5: vulnerabilities[0].analysis.state: unknown state `not_exploitable`".to_owned(),
        ),
        (
            "CycloneDX affects without ref",
            "{\n  \"bomFormat\": \"CycloneDX\",\n  \"specVersion\": \"1.6\",\n  \"vulnerabilities\": [\n    { \"id\": \"CVE-1\",\n      \"analysis\": { \"state\": \"resolved\" },\n      \"affects\": [ { \"versions\": [] } ] }\n  ]\n}\n".to_owned(),
            ":7: vulnerabilities[0]: missing field `ref`".to_owned(),
        ),
    ];
    for (case, content, expected) in vex_cases {
        let (path, error) = load_error("vex.json", &content, false);
        let message = error.to_string();
        assert!(
            message.starts_with(&format!("{path}{expected}")),
            "{case}: {message}"
        );
        assert!(!message.contains('\n'), "{case}: {message}");
    }
}

#[test]
fn files_over_the_limit_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for (name, limit, ignore_file) in [
        (".tollgateignore", MAX_IGNORE_FILE_BYTES, true),
        ("vex.json", MAX_VEX_BYTES, false),
    ] {
        let path = dir.path().join(name);
        // Sparse: the size is what is refused, whatever the content.
        fs_err::File::create(&path)
            .unwrap()
            .set_len(limit + 1)
            .unwrap();
        let mut rules = Rules::new();
        let error = if ignore_file {
            rules.load_ignore_file(&path).unwrap_err()
        } else {
            rules.load_vex(&path).map(|_| ()).unwrap_err()
        };
        assert!(
            matches!(&error, SuppressError::TooLarge { limit: l, .. } if *l == limit),
            "{error:?}"
        );
        assert_eq!(
            error.to_string(),
            format!("{} is larger than {limit} bytes: refused", path.display())
        );
    }
    // A missing file names itself.
    let mut rules = Rules::new();
    let missing = dir.path().join("missing.openvex.json");
    let error = rules.load_vex(&missing).unwrap_err();
    assert!(matches!(error, SuppressError::Read { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        format!("cannot read {}", missing.display())
    );
}

/// Hostile input: every prefix of real documents, and each with one byte flipped, loads or
/// fails with an error; nothing panics.
#[test]
fn truncated_and_mutated_files_never_panic() {
    let mut rules = Rules::new();
    for document in [VEXCTL_PACKAGE_STATEMENTS, IGNORE_FILE] {
        let bytes = document.as_bytes();
        for end in 0..bytes.len() {
            let _ = rules.add_vex(&bytes[..end], "vex.json");
            if let Ok(text) = std::str::from_utf8(&bytes[..end]) {
                let _ = rules.add_ignore_file(text, ".tollgateignore");
                let _ = rules.add_ignore_file(text, ".trivyignore");
            }
            let mut flipped = bytes.to_vec();
            flipped[end] ^= 0x5a;
            let _ = rules.add_vex(&flipped, "vex.json");
            if let Ok(text) = std::str::from_utf8(&flipped) {
                let _ = rules.add_ignore_file(text, ".tollgateignore");
            }
        }
    }
    let _ = apply(
        &rules,
        Vec::new(),
        Date::today_utc(),
        Some("pkg:oci/x@sha256:00"),
    );
}
