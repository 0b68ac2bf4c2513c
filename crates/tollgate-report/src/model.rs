//! The report of one scan.

use std::collections::BTreeMap;

use tollgate_catalog::{ImageIdentity, OsInfo, Package, Unknown};
use tollgate_match::{Diagnostic, Finding, NotCovered, Severity, Status, Suppressed};

/// The `schema` of tollgate's JSON report.
pub const SCHEMA: &str = "tollgate.report/v1";

/// Everything one scan found, and what it was found with, so that any result can be re-derived.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ScanReport {
    /// [`SCHEMA`].
    pub schema: &'static str,
    /// The tollgate version that scanned.
    pub tollgate_version: String,
    /// When (RFC 3339).
    pub created: String,
    /// The target as given.
    pub target: String,
    /// The image (digests, tags, platform).
    pub image: ImageIdentity,
    /// The OS, when recognised.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os: Option<OsInfo>,
    /// The vulnerability DB used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub db: Option<DbSummary>,
    /// Every package found.
    pub packages: Vec<Package>,
    /// Findings that apply (not suppressed, at the requested severities).
    pub findings: Vec<Finding>,
    /// Findings suppressed by an ignore file or VEX, with the reason.
    pub suppressed: Vec<Suppressed>,
    /// Comparisons that could not be made.
    pub diagnostics: Vec<Diagnostic>,
    /// Packages no advisory data covers.
    pub not_covered: Vec<NotCovered>,
    /// Files that looked like package data but could not be read.
    pub unknowns: Vec<Unknown>,
    /// Configuration checks (the `config` scanner).
    pub checks: Vec<serde_json::Value>,
    /// Secrets (the `secret` scanner).
    pub secrets: Vec<serde_json::Value>,
    /// Warnings for people (a stale DB, expired ignore entries...).
    pub warnings: Vec<String>,
    /// Counts.
    pub summary: Summary,
}

/// The DB a scan used.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct DbSummary {
    /// The file.
    pub path: String,
    /// Its content digest.
    pub content_digest: String,
    /// When it was built.
    pub built_at: String,
    /// What built it.
    pub built_by: String,
}

/// Counts per severity, suppressed, fixable.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    /// Findings per severity (every level present, zero included).
    pub by_severity: BTreeMap<Severity, usize>,
    /// Findings with a fixed version.
    pub fixable: usize,
    /// Suppressed findings.
    pub suppressed: usize,
    /// Packages.
    pub packages: usize,
}

impl Summary {
    /// The counts of `findings` and `suppressed`.
    #[must_use]
    pub fn of(findings: &[Finding], suppressed: &[Suppressed], packages: usize) -> Self {
        let mut by_severity: BTreeMap<Severity, usize> = [
            Severity::Unknown,
            Severity::Low,
            Severity::Medium,
            Severity::High,
            Severity::Critical,
        ]
        .into_iter()
        .map(|s| (s, 0))
        .collect();
        for finding in findings {
            *by_severity.entry(finding.severity).or_default() += 1;
        }
        Self {
            by_severity,
            fixable: findings
                .iter()
                .filter(|f| f.status == Status::Fixed)
                .count(),
            suppressed: suppressed.len(),
            packages,
        }
    }
}
