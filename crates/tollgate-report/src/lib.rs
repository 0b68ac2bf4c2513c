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
    /// Aligned tables for people, grouped by where the packages were found.
    Table,
    /// `tollgate.report/v1`.
    Json,
    /// SARIF 2.1.0, as GitHub code scanning takes it: one rule per vulnerability, one result per
    /// vulnerable package, located at the file that records the package.
    Sarif,
    /// CycloneDX 1.6 JSON: the SBOM of the image plus a `vulnerabilities` array, suppressed
    /// findings carrying their analysis.
    CycloneDx,
    /// JUnit XML: a test suite per part of the image, a test case per package, a failure per
    /// vulnerability.
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
    }
}
