//! Reports for unit tests. A [`Finding`] can only be made by matching (it has a private field),
//! so the findings here come from a real match against a one-advisory DB, and then have their
//! public fields set as each test needs.

use std::sync::OnceLock;

use tollgate_catalog::{Ecosystem, ImageIdentity, Inventory, OsInfo, Package};
use tollgate_checks::{CheckFinding, Evidence, SecretFinding};
use tollgate_match::{Cvss, Diagnostic, Finding, NotCovered, Severity, Status, Suppressed};
use tollgate_vulndb::db::BuildOptions;
use tollgate_vulndb::{Db, ImportLimits, build, import};

use crate::{Format, RenderOptions, SCHEMA, ScanReport, Summary, render};

/// Every format, each rendered without colours.
pub(crate) const FORMATS: [Format; 6] = [
    Format::Table,
    Format::Json,
    Format::Sarif,
    Format::CycloneDx,
    Format::Junit,
    Format::Html,
];

/// Text that means something in every syntax a report is written in: markup, CDATA ends,
/// Markdown links and table cells, SARIF's embedded links, a terminal escape sequence,
/// characters XML forbids, a bidirectional override.
pub(crate) const HOSTILE: &str = "<script>alert(1)</script>]]><![CDATA[&amp;\"'` | [x](javascript:alert(1)) \u{1b}[2J\u{0}\u{202e}";

/// A finding from the one-advisory DB, of the PyPI package `demo` 1.0.
fn template() -> Finding {
    static TEMPLATE: OnceLock<Finding> = OnceLock::new();
    TEMPLATE
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let feed = dir.path().join("feed");
            fs_err::create_dir(&feed).unwrap();
            fs_err::write(
                feed.join("PYSEC-0000-1.json"),
                r#"{"id":"PYSEC-0000-1","modified":"2024-01-01T00:00:00Z","aliases":["CVE-0000-1"],
                   "affected":[{"package":{"ecosystem":"PyPI","name":"demo"},
                   "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"2.0"}]}]}]}"#,
            )
            .unwrap();
            let path = dir.path().join("tollgate.db");
            let feeds = import(&feed, &ImportLimits::default()).unwrap();
            let options = BuildOptions {
                built_at: "2024-01-01T00:00:00Z".into(),
                built_by: "tollgate test".into(),
            };
            build(&feeds, &path, &options).unwrap();
            let db = Db::open(&path).unwrap();
            let inventory = Inventory {
                packages: vec![Package {
                    purl: "pkg:pypi/demo@1.0".into(),
                    path: "/usr/lib/python3/dist-packages/demo-1.0.dist-info/METADATA".into(),
                    ..Package::new(Ecosystem::Pypi, "demo", "1.0")
                }],
                ..Inventory::default()
            };
            let matched = tollgate_match::match_inventory(&db, &inventory).unwrap();
            matched.findings.into_iter().next().unwrap()
        })
        .clone()
}

/// A finding of `id` in the package `name` `version` of `ecosystem` found at `path`.
pub(crate) fn finding(
    id: &str,
    ecosystem: &str,
    name: &str,
    version: &str,
    path: &str,
    severity: Severity,
    fixed: Option<&str>,
) -> Finding {
    let mut finding = template();
    finding.vulnerability_id = id.to_owned();
    finding.advisory_ids = vec![id.to_owned()];
    finding.package.name = name.to_owned();
    finding.package.version = version.to_owned();
    finding.package.ecosystem = ecosystem.to_owned();
    finding.package.purl = format!("pkg:{ecosystem}/{name}@{version}");
    finding.package.path = path.to_owned();
    finding.severity = severity;
    finding.fixed_version = fixed.map(ToOwned::to_owned);
    finding.status = if fixed.is_some() {
        Status::Fixed
    } else {
        Status::Unfixed
    };
    finding.summary = Some(format!("{id} in {name}"));
    finding.cvss = Vec::new();
    finding
}

/// A layer digest of one repeated hex digit.
pub(crate) fn digest(hex_digit: char) -> tollgate_oci::Digest {
    format!("sha256:{}", hex_digit.to_string().repeat(64))
        .parse()
        .unwrap()
}

/// A configuration finding of rule `id` with evidence in the image's config field `field`.
pub(crate) fn config_check(id: &str, severity: Severity, field: &str) -> CheckFinding {
    CheckFinding {
        id: id.to_owned(),
        severity,
        title: format!("{id} title"),
        evidence: vec![Evidence {
            field: Some(field.to_owned()),
            path: None,
            layer: None,
            layer_index: None,
            detail: format!("{field} value"),
        }],
        remedy: format!("{id} remedy"),
    }
}

/// A secret of rule `id` in `path`, line 1, of layer 1.
pub(crate) fn secret(
    id: &str,
    severity: Severity,
    path: &str,
    in_final_image: bool,
) -> SecretFinding {
    SecretFinding {
        rule_id: id.to_owned(),
        severity,
        title: format!("{id} title"),
        path: path.to_owned(),
        layer: Some(digest('2')),
        layer_index: 1,
        line: 1,
        redacted: "KEY=****".to_owned(),
        in_final_image,
    }
}

/// A report of `findings` and `suppressed`, with the packages they name.
pub(crate) fn report(findings: Vec<Finding>, suppressed: Vec<Suppressed>) -> ScanReport {
    let packages: Vec<Package> = findings
        .iter()
        .chain(suppressed.iter().map(|s| &s.finding))
        .map(|finding| {
            let package = &finding.package;
            let ecosystem: Ecosystem =
                serde_json::from_value(serde_json::Value::String(package.ecosystem.clone()))
                    .unwrap();
            Package {
                purl: package.purl.clone(),
                path: package.path.clone(),
                ..Package::new(ecosystem, package.name.clone(), package.version.clone())
            }
        })
        .collect();
    ScanReport {
        schema: SCHEMA,
        tollgate_version: "0.1.0".into(),
        created: "2026-11-23T12:00:00Z".into(),
        target: "docker://example.com/app:1.0".into(),
        image: ImageIdentity {
            target: "docker://example.com/app:1.0".into(),
            name: Some("example.com/app".into()),
            tags: vec!["1.0".into()],
            ..ImageIdentity::default()
        },
        os: Some(OsInfo {
            family: "debian".into(),
            version: "12".into(),
            codename: Some("bookworm".into()),
            pretty_name: None,
        }),
        db: None,
        summary: Summary::of(&findings, &suppressed, packages.len()),
        packages,
        findings,
        suppressed,
        diagnostics: Vec::new(),
        not_covered: Vec::new(),
        unknowns: Vec::new(),
        checks: Vec::new(),
        secrets: Vec::new(),
        warnings: Vec::new(),
    }
}

/// A report in which every text an image or a feed supplies is [`HOSTILE`]: package names,
/// versions, paths, ids, titles, reasons, warnings, the target.
pub(crate) fn hostile() -> ScanReport {
    let mut os_package = finding(
        &format!("CVE-2024-0001{HOSTILE}"),
        "deb",
        &format!("libc6{HOSTILE}"),
        &format!("1.0{HOSTILE}"),
        "/var/lib/dpkg/status",
        Severity::Critical,
        Some(&format!("1.1{HOSTILE}")),
    );
    os_package.package.source_name = Some(format!("glibc{HOSTILE}"));
    os_package.summary = Some(format!("title {HOSTILE}\nsecond line"));
    os_package.cvss = vec![Cvss {
        version: "3.1".into(),
        vector: format!("CVSS:3.1/AV:N{HOSTILE}"),
        score: Some(9.8),
    }];
    os_package.advisory_ids.push(format!("DSA-1{HOSTILE}"));
    let language = finding(
        "GHSA-aaaa-bbbb-cccc",
        "pypi",
        &format!("demo{HOSTILE}"),
        "1.0",
        &format!("/app/{HOSTILE}/site-packages/demo-1.0.dist-info/METADATA"),
        Severity::High,
        None,
    );
    let suppressed = Suppressed {
        finding: finding(
            "CVE-2024-0002",
            "pypi",
            &format!("other{HOSTILE}"),
            "2.0",
            &format!("/app/{HOSTILE}/site-packages/other-2.0.dist-info/METADATA"),
            Severity::Medium,
            Some("2.1"),
        ),
        reason: format!("VEX not_affected: {HOSTILE}"),
        source: format!("vex/{HOSTILE}.json"),
    };
    let mut report = report(vec![os_package.clone(), language], vec![suppressed]);
    report.target = format!("docker://example.com/{HOSTILE}:1.0");
    report.image.target.clone_from(&report.target);
    report.image.name = Some(format!("example.com/{HOSTILE}"));
    report.warnings = vec![format!("warning {HOSTILE}")];
    report.diagnostics = vec![Diagnostic {
        package: os_package.package.clone(),
        advisory_id: format!("DSA-2{HOSTILE}"),
        reason: format!("cannot compare {HOSTILE}"),
    }];
    report.not_covered = vec![NotCovered {
        package: os_package.package,
        reason: format!("no data {HOSTILE}"),
    }];
    report.unknowns = vec![tollgate_catalog::Unknown {
        cataloger: "python-installed".into(),
        layer_index: 1,
        path: format!("/app/{HOSTILE}/METADATA"),
        reason: format!("unreadable {HOSTILE}"),
    }];
    report.checks = vec![
        CheckFinding {
            id: format!("TG-CFG-001{HOSTILE}"),
            severity: Severity::High,
            title: format!("runs as root {HOSTILE}\nsecond line"),
            evidence: vec![Evidence {
                field: Some(format!("config.User{HOSTILE}")),
                path: None,
                layer: None,
                layer_index: None,
                detail: format!("user {HOSTILE}"),
            }],
            remedy: format!("USER {HOSTILE}"),
        },
        CheckFinding {
            id: "TG-CFG-010".into(),
            severity: Severity::Medium,
            title: format!("setuid files {HOSTILE}"),
            evidence: vec![
                Evidence {
                    field: None,
                    path: Some(format!("/usr/bin/{HOSTILE}")),
                    layer: Some(digest('1')),
                    layer_index: Some(0),
                    detail: format!("setuid {HOSTILE}"),
                },
                Evidence {
                    field: Some(format!("history[1].created_by{HOSTILE}")),
                    path: Some(format!("/bin/{HOSTILE}su")),
                    layer: Some(digest('1')),
                    layer_index: Some(0),
                    detail: String::new(),
                },
            ],
            remedy: format!("chmod u-s {HOSTILE}"),
        },
    ];
    report.secrets = vec![
        SecretFinding {
            rule_id: format!("TG-SEC-001{HOSTILE}"),
            severity: Severity::Critical,
            title: format!("private key {HOSTILE}"),
            path: format!("/root/{HOSTILE}/id_rsa"),
            layer: Some(digest('2')),
            layer_index: 1,
            line: 1,
            redacted: format!("-----BEGIN {HOSTILE} PRIVATE KEY----- ****\nsecond line"),
            in_final_image: false,
        },
        SecretFinding {
            title: format!("AWS {HOSTILE}"),
            ..secret(
                "TG-SEC-003",
                Severity::High,
                &format!("/app/{HOSTILE}.env"),
                true,
            )
        },
    ];
    report.summary = report
        .summary
        .clone()
        .with_checks_and_secrets(&report.checks, &report.secrets);
    report
}

/// `report` in `format`, without colours.
pub(crate) fn rendered(report: &ScanReport, format: Format) -> String {
    let mut out = Vec::new();
    render(report, format, RenderOptions::default(), &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// The names of the elements `markup` opens or closes (`?xml` and `!DOCTYPE` for the
/// declarations), after checking that every `&` begins a reference [`crate::escape`] writes:
/// with the names checked against what a format writes, a test shows that no text from the
/// report became markup.
pub(crate) fn element_names(markup: &str) -> std::collections::BTreeSet<String> {
    const REFERENCES: [&str; 8] = ["amp;", "lt;", "gt;", "quot;", "#39;", "#9;", "#10;", "#13;"];
    for (at, _) in markup.match_indices('&') {
        let rest = &markup[at + 1..];
        assert!(
            REFERENCES
                .iter()
                .any(|reference| rest.starts_with(reference)),
            "a bare `&` at byte {at}: {}",
            &markup[at..markup.len().min(at + 20)]
        );
    }
    markup
        .match_indices('<')
        .map(|(at, _)| {
            markup[at + 1..]
                .trim_start_matches('/')
                .chars()
                .take_while(|c| !c.is_whitespace() && *c != '>' && *c != '/')
                .collect()
        })
        .collect()
}
