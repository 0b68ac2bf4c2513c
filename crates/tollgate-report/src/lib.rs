//! Scan reports: one model ([`ScanReport`]) and one module per output format. The JSON form is
//! tollgate's stable schema (`tollgate.report/v1`, see DESIGN.md); the others are what CI
//! systems, code-scanning dashboards and people read:
//!
//! - [`Format::Table`]: aligned tables for a terminal;
//! - [`Format::Json`]: the stable schema, `tollgate.report/v1`;
//! - [`Format::Sarif`]: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers;
//! - [`Format::CycloneDx`]: the image's CycloneDX 1.6 SBOM with its vulnerabilities (VEX);
//! - [`Format::Junit`]: JUnit XML, one test case per package, for CI test reports;
//! - [`Format::Html`]: one self-contained page for people.
//!
//! Besides vulnerabilities, a report holds configuration findings ([`ScanReport::checks`]) and
//! secrets ([`ScanReport::secrets`]); every format shows them except CycloneDX, which has no
//! place for them (see [`Format::CycloneDx`]). [`ScanReport::has_findings_at`] is the exit-code
//! decision over all three.
//!
//! Every format is a pure function of the report: rendering the same report twice gives the
//! same bytes. Every text that comes from an image or a feed is escaped for the syntax it lands
//! in (markup, Markdown, SARIF messages, URIs, the terminal).
//!
//! ```
//! use tollgate_report::{Format, RenderOptions, ScanReport, render};
//!
//! /// Write `report` as SARIF for GitHub code scanning.
//! fn write_sarif(report: &ScanReport, out: &mut dyn std::io::Write) -> std::io::Result<()> {
//!     render(report, Format::Sarif, RenderOptions::default(), out)
//! }
//! ```
#![warn(missing_docs, clippy::unwrap_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::panic))]

mod checks;
mod cvss;
mod cyclonedx;
mod escape;
mod group;
mod html;
mod junit;
mod link;
mod model;
mod sarif;
mod table;
#[cfg(test)]
mod testing;

pub use model::{DbSummary, SCHEMA, ScanReport, Summary};
pub use table::{paint_severity, write_table};

use std::io::Write;

/// The output formats of `tollgate scan`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Aligned tables for people, grouped by where the packages were found; then the
    /// configuration findings (`Configuration`) and the secrets (`Secrets`).
    Table,
    /// `tollgate.report/v1`.
    Json,
    /// SARIF 2.1.0, as GitHub code scanning takes it: one rule per vulnerability, one result per
    /// vulnerable package, located at the file that records the package; one rule per
    /// configuration check and per secret rule (`TG-CFG-…`, `TG-SEC-…`), one result per
    /// finding, at its file or at the image.
    Sarif,
    /// CycloneDX 1.6 JSON: the SBOM of the image plus a `vulnerabilities` array, suppressed
    /// findings carrying their analysis. Configuration findings and secrets are left out:
    /// CycloneDX's vulnerabilities are weaknesses of components, which they are not, and an SBOM
    /// is published with its image, which the places of its secrets should not be.
    CycloneDx,
    /// JUnit XML: a test suite per part of the image, a test case per package, a failure per
    /// vulnerability; a suite `configuration` (a test case per check that found something) and a
    /// suite `secrets` (a test case per file that holds one), a failure per finding.
    Junit,
    /// One self-contained HTML page (no scripts, no external resources).
    Html,
}

/// How to render.
#[derive(Clone, Copy, Debug, Default)]
pub struct RenderOptions {
    /// Severity colours (a terminal).
    pub colours: bool,
}

/// Write `report` in `format`.
///
/// # Errors
/// When writing fails.
pub fn render(
    report: &ScanReport,
    format: Format,
    options: RenderOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match format {
        Format::Table => table::render(report, options, out),
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, report)?;
            writeln!(out)
        }
        Format::Sarif => write_json(&sarif::document(report), out),
        Format::CycloneDx => write_json(&cyclonedx::document(report), out),
        Format::Junit => junit::render(report, out),
        Format::Html => html::render(report, out),
    }
}

fn write_json(document: &serde_json::Value, out: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, document)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{FORMATS, HOSTILE, finding, hostile, rendered, report};
    use tollgate_match::{Severity, Suppressed};

    fn reversed(report: &ScanReport) -> ScanReport {
        let mut report = report.clone();
        report.packages.reverse();
        report.findings.reverse();
        report.suppressed.reverse();
        report.diagnostics.reverse();
        report.checks.reverse();
        report.secrets.reverse();
        report
    }

    #[test]
    fn every_format_is_a_function_of_the_report() {
        let plain = report(
            vec![
                finding(
                    "CVE-2024-1",
                    "deb",
                    "zlib1g",
                    "1.2",
                    "/var/lib/dpkg/status",
                    Severity::Low,
                    None,
                ),
                finding(
                    "CVE-2024-2",
                    "deb",
                    "libc6",
                    "2.36",
                    "/var/lib/dpkg/status",
                    Severity::High,
                    Some("2.37"),
                ),
                finding(
                    "CVE-2024-1",
                    "pypi",
                    "demo",
                    "1.0",
                    "/app/site-packages/demo-1.0.dist-info/METADATA",
                    Severity::Low,
                    None,
                ),
            ],
            vec![Suppressed {
                finding: finding(
                    "CVE-2024-3",
                    "pypi",
                    "other",
                    "2.0",
                    "/app/site-packages/other-2.0.dist-info/METADATA",
                    Severity::Medium,
                    Some("2.1"),
                ),
                reason: "VEX not_affected: component_not_present".into(),
                source: "vex.json".into(),
            }],
        );
        for report in [plain, hostile()] {
            for format in FORMATS {
                let first = rendered(&report, format);
                assert_eq!(first, rendered(&report, format), "{format:?}");
                // The formats that sort what they write do not depend on the order of the
                // report's lists either (JSON and the table's groups keep the report's order).
                if matches!(
                    format,
                    Format::Sarif | Format::CycloneDx | Format::Junit | Format::Html
                ) {
                    assert_eq!(first, rendered(&reversed(&report), format), "{format:?}");
                }
            }
        }
    }

    #[test]
    fn json_keeps_hostile_text_exactly() {
        let report = hostile();
        let json: serde_json::Value =
            serde_json::from_str(&rendered(&report, Format::Json)).unwrap();
        assert_eq!(json["schema"], SCHEMA);
        assert_eq!(
            json["findings"][0]["package"]["name"],
            format!("libc6{HOSTILE}")
        );
        assert_eq!(
            json["suppressed"][0]["reason"],
            format!("VEX not_affected: {HOSTILE}")
        );
        assert_eq!(json["target"], report.target);
        // Configuration findings and secrets as their serde types, every text exact.
        assert_eq!(json["checks"][0]["id"], format!("TG-CFG-001{HOSTILE}"));
        assert_eq!(
            json["checks"][0]["evidence"][0]["field"],
            format!("config.User{HOSTILE}")
        );
        assert_eq!(json["checks"][0]["remedy"], format!("USER {HOSTILE}"));
        assert_eq!(
            json["secrets"][0]["redacted"],
            format!("-----BEGIN {HOSTILE} PRIVATE KEY----- ****\nsecond line")
        );
        assert_eq!(json["secrets"][0]["in_final_image"], false);
        assert_eq!(
            json["secrets"][0]["layer"],
            format!("sha256:{}", "2".repeat(64))
        );
        assert_eq!(json["summary"]["checks_by_severity"]["HIGH"], 1);
        assert_eq!(json["summary"]["secrets_by_severity"]["CRITICAL"], 1);
        assert_eq!(json["summary"]["by_severity"]["CRITICAL"], 1);
    }

    #[test]
    fn has_findings_at_covers_vulnerabilities_checks_and_secrets() {
        use crate::testing::{config_check, secret};
        let path = "/var/lib/dpkg/status";
        let all = [
            Severity::Unknown,
            Severity::Low,
            Severity::Medium,
            Severity::High,
            Severity::Critical,
        ];
        let mut report = report(
            vec![finding("CVE-1", "deb", "a", "1", path, Severity::Low, None)],
            vec![Suppressed {
                finding: finding("CVE-2", "deb", "a", "1", path, Severity::Critical, None),
                reason: "accepted".into(),
                source: "x".into(),
            }],
        );
        // Suppressed findings do not count.
        assert!(report.has_findings_at(&[Severity::Low]));
        assert!(!report.has_findings_at(&[Severity::Critical, Severity::High]));
        assert!(!report.has_findings_at(&[]));

        report.findings.clear();
        assert!(!report.has_findings_at(&all));
        report.checks = vec![config_check("TG-CFG-001", Severity::High, "config.User")];
        assert!(report.has_findings_at(&[Severity::High]));
        assert!(!report.has_findings_at(&[Severity::Critical, Severity::Medium]));

        report.checks.clear();
        // A secret in a file a later layer deleted still counts: it ships in the image.
        report.secrets = vec![secret("TG-SEC-001", Severity::Critical, "/k", false)];
        assert!(report.has_findings_at(&[Severity::Critical]));
        assert!(!report.has_findings_at(&[Severity::High]));
        report.secrets.clear();
        assert!(!report.has_findings_at(&all));
    }

    #[test]
    fn the_summary_counts_checks_and_secrets_by_severity() {
        use crate::testing::{config_check, secret};
        let checks = vec![
            config_check("TG-CFG-001", Severity::High, "config.User"),
            config_check("TG-CFG-002", Severity::High, "config.Env"),
            config_check("TG-CFG-003", Severity::Low, "config.Healthcheck"),
        ];
        let secrets = vec![secret("TG-SEC-001", Severity::Critical, "/k", false)];
        let summary = Summary::of(&[], &[], 0);
        assert_eq!(summary.checks_by_severity.len(), 5);
        assert!(summary.checks_by_severity.values().all(|n| *n == 0));
        let summary = summary.with_checks_and_secrets(&checks, &secrets);
        assert_eq!(summary.checks_by_severity[&Severity::High], 2);
        assert_eq!(summary.checks_by_severity[&Severity::Low], 1);
        assert_eq!(summary.checks_by_severity[&Severity::Critical], 0);
        assert_eq!(summary.secrets_by_severity[&Severity::Critical], 1);
        assert_eq!(summary.secrets_by_severity.values().sum::<usize>(), 1);
        // The existing counts keep their names (serde_json sorts the keys).
        let json = serde_json::to_value(&summary).unwrap();
        let keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "by_severity",
                "checks_by_severity",
                "fixable",
                "packages",
                "secrets_by_severity",
                "suppressed",
            ]
        );
    }
}
