//! The report of one scan.

use std::collections::BTreeMap;

use tollgate_catalog::{ImageIdentity, OsInfo, Package, Unknown};
use tollgate_checks::{CheckFinding, SecretFinding};
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
    /// Configuration and hardening findings (the `config` scanner), at the requested
    /// severities.
    pub checks: Vec<CheckFinding>,
    /// Secrets in the files of every layer (the `secret` scanner), at the requested severities,
    /// including those in files a later layer deleted or replaced.
    pub secrets: Vec<SecretFinding>,
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

impl ScanReport {
    /// Whether anything the report holds is at one of `severities`: a vulnerability finding
    /// (suppressed ones do not count), a configuration finding or a secret. This is the
    /// exit-code decision of `tollgate scan --exit-code`.
    #[must_use]
    pub fn has_findings_at(&self, severities: &[Severity]) -> bool {
        self.findings
            .iter()
            .map(|finding| finding.severity)
            .chain(self.checks.iter().map(|check| check.severity))
            .chain(self.secrets.iter().map(|secret| secret.severity))
            .any(|severity| severities.contains(&severity))
    }
}

/// Counts per severity, suppressed, fixable.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    /// Vulnerability findings per severity (every level present, zero included).
    pub by_severity: BTreeMap<Severity, usize>,
    /// Findings with a fixed version.
    pub fixable: usize,
    /// Suppressed findings.
    pub suppressed: usize,
    /// Packages.
    pub packages: usize,
    /// Configuration findings per severity (every level present, zero included).
    pub checks_by_severity: BTreeMap<Severity, usize>,
    /// Secrets per severity (every level present, zero included), those in files a later
    /// layer deleted or replaced included.
    pub secrets_by_severity: BTreeMap<Severity, usize>,
}

/// Every level at zero.
fn zero_counts() -> BTreeMap<Severity, usize> {
    [
        Severity::Unknown,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ]
    .into_iter()
    .map(|s| (s, 0))
    .collect()
}

/// Every level with how many of `severities` are at it.
fn count(severities: impl IntoIterator<Item = Severity>) -> BTreeMap<Severity, usize> {
    let mut counts = zero_counts();
    for severity in severities {
        *counts.entry(severity).or_default() += 1;
    }
    counts
}

impl Summary {
    /// The counts of `findings` and `suppressed` (no configuration findings or secrets: add
    /// them with [`Summary::with_checks_and_secrets`]).
    #[must_use]
    pub fn of(findings: &[Finding], suppressed: &[Suppressed], packages: usize) -> Self {
        Self {
            by_severity: count(findings.iter().map(|finding| finding.severity)),
            fixable: findings
                .iter()
                .filter(|f| f.status == Status::Fixed)
                .count(),
            suppressed: suppressed.len(),
            packages,
            checks_by_severity: zero_counts(),
            secrets_by_severity: zero_counts(),
        }
    }

    /// These counts with those of `checks` and `secrets` (which replace any counted before).
    #[must_use]
    pub fn with_checks_and_secrets(
        self,
        checks: &[CheckFinding],
        secrets: &[SecretFinding],
    ) -> Self {
        Self {
            checks_by_severity: count(checks.iter().map(|check| check.severity)),
            secrets_by_severity: count(secrets.iter().map(|secret| secret.severity)),
            ..self
        }
    }
}
