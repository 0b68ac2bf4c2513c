//! One realistic scan report, made the way `tollgate scan` makes it: an inventory of a Debian 12
//! image with Python packages, matched against a DB built from the OSV documents in
//! `tests/fixtures/osv` (real advisories, trimmed), one finding then suppressed by a VEX
//! statement.
//!
//! What it holds: OS packages with fixed, unfixed and urgency-only findings (one CVE in two
//! binaries of one source package); PyPI packages with several findings each, CVSS vectors,
//! aliases (PYSEC, GHSA, CVE); a version that cannot be compared (a diagnostic); a package
//! without findings in each group; an npm package no advisory data covers; an unreadable file;
//! a warning.
//!
//! And what the `config` and `secret` scanners find in such an image: it runs as root (no
//! `USER`), has setuid and setgid binaries in its base layer, and no HEALTHCHECK; the
//! application layer's `/app/.env` holds an AWS key pair, and an SSH private key copied in by
//! the pip layer was deleted by the application layer, so that it is not in the final
//! filesystem but still ships in its layer.

use std::path::Path;
use std::sync::OnceLock;

use tollgate_catalog::{Ecosystem, ImageIdentity, Inventory, OsInfo, Package, Unknown};
use tollgate_checks::{CheckFinding, Evidence, SecretFinding};
use tollgate_match::{Finding, Severity, Suppressed, match_inventory};
use tollgate_oci::{Digest, Platform};
use tollgate_report::{DbSummary, Format, RenderOptions, SCHEMA, ScanReport, Summary, render};
use tollgate_vulndb::db::BuildOptions;
use tollgate_vulndb::{Db, ImportLimits, build, import};

/// Every format.
pub(crate) const FORMATS: [Format; 6] = [
    Format::Table,
    Format::Json,
    Format::Sarif,
    Format::CycloneDx,
    Format::Junit,
    Format::Html,
];

/// The file extension of a format's output.
pub(crate) fn extension(format: Format) -> &'static str {
    match format {
        Format::Table => "txt",
        Format::Json => "json",
        Format::Sarif => "sarif",
        Format::CycloneDx => "cdx.json",
        Format::Junit => "xml",
        Format::Html => "html",
    }
}

const SITE_PACKAGES: &str = "/usr/local/lib/python3.11/site-packages";

fn digest(hex_digit: char) -> Digest {
    format!("sha256:{}", hex_digit.to_string().repeat(64))
        .parse()
        .unwrap()
}

/// A package of Debian 12's dpkg database, in the base layer.
fn deb(name: &str, version: &str, source: &str, source_version: &str) -> Package {
    let purl_version = version.replace('+', "%2B").replace(':', "%3A");
    Package {
        purl: format!(
            "pkg:deb/debian/{name}@{purl_version}?arch=amd64&distro=debian-12&upstream={source}"
        ),
        source_name: Some(source.to_owned()),
        source_version: Some(source_version.to_owned()),
        arch: Some("amd64".to_owned()),
        layer: Some(digest('1')),
        layer_index: 0,
        path: "/var/lib/dpkg/status".to_owned(),
        cataloger: "dpkg-db".to_owned(),
        ..Package::new(Ecosystem::Deb, name, version)
    }
}

/// A package installed by pip in the application layer.
fn pypi(name: &str, version: &str) -> Package {
    Package {
        purl: format!("pkg:pypi/{}@{version}", name.to_lowercase()),
        layer: Some(digest('2')),
        layer_index: 1,
        path: format!("{SITE_PACKAGES}/{name}-{version}.dist-info/METADATA"),
        cataloger: "python-installed".to_owned(),
        ..Package::new(Ecosystem::Pypi, name, version)
    }
}

fn inventory() -> Inventory {
    let mut packages = vec![
        deb("bash", "5.2.15-2+b2", "bash", "5.2.15-2"),
        deb("libc-bin", "2.36-9+deb12u1", "glibc", "2.36-9+deb12u1"),
        deb("libc6", "2.36-9+deb12u1", "glibc", "2.36-9+deb12u1"),
        deb("libssl3", "3.0.11-1~deb12u1", "openssl", "3.0.11-1~deb12u1"),
        deb(
            "tar",
            "1.34+dfsg-1.2+deb12u1",
            "tar",
            "1.34+dfsg-1.2+deb12u1",
        ),
        deb("zlib1g", "1:1.2.13.dfsg-1", "zlib", "1:1.2.13.dfsg-1"),
        pypi("certifi", "2024.2.2"),
        pypi("Jinja2", "3.1.2"),
        // A vendored build whose version is not PEP 440: the comparison is a diagnostic.
        pypi("PyYAML", "5.3.1-vendored.2"),
        pypi("requests", "2.28.1"),
        pypi("urllib3", "1.26.15"),
        Package {
            purl: "pkg:npm/left-pad@1.3.0".to_owned(),
            layer: Some(digest('3')),
            layer_index: 2,
            path: "/app/node_modules/left-pad/package.json".to_owned(),
            cataloger: "npm-package".to_owned(),
            ..Package::new(Ecosystem::Npm, "left-pad", "1.3.0")
        },
    ];
    packages.sort();
    Inventory {
        image: ImageIdentity {
            target: "docker://registry.example.com/team/app:1.4.2".to_owned(),
            name: Some("registry.example.com/team/app".to_owned()),
            tags: vec!["1.4.2".to_owned()],
            manifest_digest: Some(digest('a')),
            config_digest: Some(digest('b')),
            platform: Some(Platform::new("linux", "amd64", None)),
        },
        os: Some(OsInfo {
            family: "debian".to_owned(),
            version: "12".to_owned(),
            codename: Some("bookworm".to_owned()),
            pretty_name: Some("Debian GNU/Linux 12 (bookworm)".to_owned()),
        }),
        packages,
        unknowns: vec![Unknown {
            cataloger: "python-installed".to_owned(),
            layer_index: 1,
            path: format!("{SITE_PACKAGES}/broken-0.1.dist-info/METADATA"),
            reason: "stream did not contain valid UTF-8".to_owned(),
        }],
    }
}

/// A file in the base layer, as evidence.
fn base_file(path: &str, detail: &str) -> Evidence {
    Evidence {
        field: None,
        path: Some(path.to_owned()),
        layer: Some(digest('1')),
        layer_index: Some(0),
        detail: detail.to_owned(),
    }
}

/// A field of the image's config, as evidence.
fn config_field(field: &str, detail: &str) -> Evidence {
    Evidence {
        field: Some(field.to_owned()),
        path: None,
        layer: None,
        layer_index: None,
        detail: detail.to_owned(),
    }
}

/// What the `config` scanner finds in the image.
fn checks() -> Vec<CheckFinding> {
    vec![
        CheckFinding {
            id: "TG-CFG-001".to_owned(),
            severity: Severity::High,
            title: "The image runs as root".to_owned(),
            evidence: vec![config_field(
                "config.User",
                "not set: processes run as root (uid 0)",
            )],
            remedy: "Create an unprivileged user in the image and switch to it with a numeric \
                     USER (e.g. `USER 10001`)."
                .to_owned(),
        },
        CheckFinding {
            id: "TG-CFG-011".to_owned(),
            severity: Severity::Medium,
            title: "Files with the setuid or setgid bit".to_owned(),
            evidence: vec![
                base_file("/usr/bin/passwd", "setuid root (-rwsr-xr-x)"),
                base_file("/usr/bin/su", "setuid root (-rwsr-xr-x)"),
                base_file("/usr/bin/chage", "setgid shadow (-rwxr-sr-x)"),
            ],
            remedy: "Remove the bits where they are not needed: \
                     `RUN find / -xdev -perm /6000 -type f -exec chmod a-s {} +`."
                .to_owned(),
        },
        CheckFinding {
            id: "TG-CFG-020".to_owned(),
            severity: Severity::Low,
            title: "No HEALTHCHECK".to_owned(),
            evidence: vec![config_field("config.Healthcheck", "not set")],
            remedy: "Add a HEALTHCHECK instruction, or check health in the orchestrator."
                .to_owned(),
        },
    ]
}

/// What the `secret` scanner finds in the image's layers.
fn secrets() -> Vec<SecretFinding> {
    let env = |rule_id: &str, title: &str, line: u64, redacted: &str| SecretFinding {
        rule_id: rule_id.to_owned(),
        severity: Severity::Critical,
        title: title.to_owned(),
        path: "/app/.env".to_owned(),
        layer: Some(digest('3')),
        layer_index: 2,
        line,
        redacted: redacted.to_owned(),
        in_final_image: true,
    };
    vec![
        SecretFinding {
            rule_id: "TG-SEC-001".to_owned(),
            severity: Severity::High,
            title: "Private key (OpenSSH)".to_owned(),
            path: "/root/.ssh/id_ed25519".to_owned(),
            layer: Some(digest('2')),
            layer_index: 1,
            line: 1,
            redacted: "-----BEGIN OPENSSH PRIVATE KEY-----****".to_owned(),
            in_final_image: false,
        },
        env(
            "TG-SEC-010",
            "AWS access key id",
            3,
            "AWS_ACCESS_KEY_ID=AKIA************MPLE",
        ),
        env(
            "TG-SEC-011",
            "AWS secret access key",
            4,
            "AWS_SECRET_ACCESS_KEY=wJal********************************EKEY",
        ),
    ]
}

/// The findings of [`inventory`] against the fixture DB.
fn matched() -> tollgate_match::MatchReport {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("tollgate.db");
    let feeds = import(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/osv"),
        &ImportLimits::default(),
    )
    .unwrap();
    let options = BuildOptions {
        built_at: "2026-11-14T06:00:00Z".to_owned(),
        built_by: "tollgate 0.1.0".to_owned(),
    };
    build(&feeds, &db_path, &options).unwrap();
    let db = Db::open(&db_path).unwrap();
    match_inventory(&db, &inventory()).unwrap()
}

/// The report (built once per test run).
pub(crate) fn report() -> ScanReport {
    static REPORT: OnceLock<ScanReport> = OnceLock::new();
    REPORT
        .get_or_init(|| {
            let inventory = inventory();
            let matched = matched();
            let (suppressed, findings): (Vec<Finding>, Vec<Finding>) = matched
                .findings
                .into_iter()
                .partition(|finding| finding.vulnerability_id == "CVE-2023-32681");
            let suppressed: Vec<Suppressed> = suppressed
                .into_iter()
                .map(|finding| Suppressed {
                    finding,
                    reason: "VEX not_affected: vulnerable_code_not_in_execute_path".to_owned(),
                    source: "vex/app.openvex.json (statement 1)".to_owned(),
                })
                .collect();
            let checks = checks();
            let secrets = secrets();
            ScanReport {
                schema: SCHEMA,
                tollgate_version: "0.1.0".to_owned(),
                created: "2026-11-23T12:00:00Z".to_owned(),
                target: inventory.image.target.clone(),
                image: inventory.image.clone(),
                os: inventory.os.clone(),
                db: Some(DbSummary {
                    path: "/root/.cache/tollgate/tollgate.db".to_owned(),
                    content_digest: format!("sha256:{}", "d".repeat(64)),
                    built_at: "2026-11-14T06:00:00Z".to_owned(),
                    built_by: "tollgate 0.1.0".to_owned(),
                }),
                summary: Summary::of(&findings, &suppressed, inventory.packages.len())
                    .with_checks_and_secrets(&checks, &secrets),
                packages: inventory.packages,
                findings,
                suppressed,
                diagnostics: matched.diagnostics,
                not_covered: matched.not_covered,
                unknowns: inventory.unknowns,
                checks,
                secrets,
                warnings: vec![
                    "the vulnerability DB was built 9 days ago (more than 7); run `tollgate db update`"
                        .to_owned(),
                ],
            }
        })
        .clone()
}

/// Text that means something in every syntax the formats write.
pub(crate) const HOSTILE: &str =
    "<script>alert(1)</script>]]><![CDATA[&amp;\"'` | [x](javascript:alert(1)) \u{1b}[2J\u{0}";

/// [`report`] with [`HOSTILE`] in every text an image or a feed supplies: package names,
/// versions, paths, titles, advisory ids, reasons, warnings, and every text of the
/// configuration findings and secrets (rule ids, titles, evidence, remedies, paths, matches).
pub(crate) fn hostile_report() -> ScanReport {
    let mut report = report();
    let hostile = |finding: &mut Finding| {
        finding.package.name = format!("{}{HOSTILE}", finding.package.name);
        finding.package.version = format!("{}{HOSTILE}", finding.package.version);
        finding.package.path = format!("{}/{HOSTILE}", finding.package.path);
        finding.summary = Some(format!("{HOSTILE}\nsecond line"));
        finding.advisory_ids.push(format!("OSV-{HOSTILE}"));
        if let Some(fixed) = &mut finding.fixed_version {
            fixed.push_str(HOSTILE);
        }
    };
    report.findings.iter_mut().for_each(hostile);
    for suppressed in &mut report.suppressed {
        hostile(&mut suppressed.finding);
        suppressed.reason = format!("VEX not_affected: {HOSTILE}");
    }
    for check in &mut report.checks {
        check.id.push_str(HOSTILE);
        check.title = format!("{HOSTILE}\nsecond line");
        check.remedy.push_str(HOSTILE);
        for evidence in &mut check.evidence {
            for text in [&mut evidence.field, &mut evidence.path]
                .into_iter()
                .flatten()
            {
                text.push_str(HOSTILE);
            }
            evidence.detail.push_str(HOSTILE);
        }
    }
    for secret in &mut report.secrets {
        secret.rule_id.push_str(HOSTILE);
        secret.title.push_str(HOSTILE);
        secret.path = format!("{}/{HOSTILE}", secret.path);
        secret.redacted = format!("{}{HOSTILE}\nsecond line", secret.redacted);
    }
    report.target = format!("docker://registry.example.com/{HOSTILE}:1");
    report.warnings.push(HOSTILE.to_owned());
    report
}

/// `report` in `format`, without colours.
pub(crate) fn rendered(report: &ScanReport, format: Format) -> String {
    let mut out = Vec::new();
    render(report, format, RenderOptions::default(), &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn the_fixture_has_what_it_says() {
    let report = report();
    let ids: Vec<(&str, &str)> = report
        .findings
        .iter()
        .map(|f| (f.package.name.as_str(), f.vulnerability_id.as_str()))
        .collect();
    assert_eq!(
        ids,
        [
            ("Jinja2", "CVE-2024-22195"),
            ("libc-bin", "CVE-2023-4911"),
            ("libc6", "CVE-2023-4911"),
            ("libssl3", "CVE-2023-5678"),
            ("tar", "CVE-2005-2541"),
            ("urllib3", "CVE-2023-43804"),
            ("urllib3", "CVE-2023-45803"),
            ("zlib1g", "CVE-2023-45853"),
        ]
    );
    assert_eq!(report.suppressed.len(), 1);
    assert_eq!(report.suppressed[0].finding.package.name, "requests");
    assert_eq!(report.diagnostics.len(), 1, "{:?}", report.diagnostics);
    assert_eq!(report.diagnostics[0].package.name, "PyYAML");
    assert_eq!(report.not_covered.len(), 1);
    let unfixed: Vec<&str> = report
        .findings
        .iter()
        .filter(|f| f.fixed_version.is_none())
        .map(|f| f.package.name.as_str())
        .collect();
    assert_eq!(unfixed, ["tar", "zlib1g"]);

    let checks: Vec<(&str, usize)> = report
        .checks
        .iter()
        .map(|c| (c.id.as_str(), c.evidence.len()))
        .collect();
    assert_eq!(
        checks,
        [("TG-CFG-001", 1), ("TG-CFG-011", 3), ("TG-CFG-020", 1)]
    );
    let deleted: Vec<&str> = report
        .secrets
        .iter()
        .filter(|s| !s.in_final_image)
        .map(|s| s.path.as_str())
        .collect();
    assert_eq!(deleted, ["/root/.ssh/id_ed25519"]);
    assert_eq!(report.summary.checks_by_severity[&Severity::High], 1);
    assert_eq!(report.summary.secrets_by_severity[&Severity::Critical], 2);
    assert_eq!(report.summary.secrets_by_severity[&Severity::High], 1);
}
