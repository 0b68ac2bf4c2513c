//! The advisory model: OSV 1.6 (<https://ossf.github.io/osv-schema/>). Every feed is converted to
//! it at the edge; fields the model does not name are kept in the stored document, which is the
//! advisory exactly as the feed wrote it (for OSV input) or as the importer converted it.

use serde::{Deserialize, Serialize};

/// One advisory.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Advisory {
    /// `schema_version`, when the feed says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_version: Option<String>,
    /// The feed's id (`PYSEC-2021-108`, `GO-2023-2102`, `CVE-2019-1547` for converted feeds).
    pub id: String,
    /// Other ids of the same vulnerability (CVE, GHSA...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Ids of related but different vulnerabilities.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<String>,
    /// One line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Longer text (CommonMark).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    /// RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// RFC 3339 (required by OSV; some feeds write year 1).
    #[serde(default)]
    pub modified: String,
    /// Set when the advisory was withdrawn: it never matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<String>,
    /// What is affected.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub affected: Vec<Affected>,
    /// CVSS vectors.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub severity: Vec<Severity>,
    /// Links.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<Reference>,
    /// Feed-specific data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_specific: Option<serde_json::Value>,
}

/// One affected package.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Affected {
    /// The package (absent in some non-package advisories).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<AffectedPackage>,
    /// Version ranges.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ranges: Vec<Range>,
    /// Explicit affected versions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<String>,
    /// Per-package severity (OSV 1.6).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub severity: Vec<Severity>,
    /// Ecosystem-specific data (e.g. Go's affected symbols).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ecosystem_specific: Option<serde_json::Value>,
    /// Feed-specific data (e.g. RustSec's `informational`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_specific: Option<serde_json::Value>,
}

/// The package of an [`Affected`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AffectedPackage {
    /// OSV ecosystem, e.g. `PyPI`, `Debian:12`, `Alpine:v3.10`.
    pub ecosystem: String,
    /// Name as the ecosystem spells it.
    pub name: String,
    /// Package URL without version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
}

/// A range of affected versions.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Range {
    /// `ECOSYSTEM`, `SEMVER` or `GIT`.
    #[serde(rename = "type")]
    pub kind: String,
    /// For `GIT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
    /// Events, in the order written (a matcher sorts them).
    #[serde(default)]
    pub events: Vec<Event>,
    /// Feed-specific data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_specific: Option<serde_json::Value>,
}

/// One event of a range: exactly one of its four keys.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// Affected from this version on (`0`: from the beginning).
    Introduced(String),
    /// Not affected from this version on.
    Fixed(String),
    /// Affected up to and including this version.
    LastAffected(String),
    /// Nothing at or above this version is affected by this range (an upper bound on the range).
    Limit(String),
}

/// A severity: a CVSS vector (or the feed's rating, for converted feeds).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Severity {
    /// `CVSS_V2`, `CVSS_V3`, `CVSS_V4`, `Ubuntu`...
    #[serde(rename = "type")]
    pub kind: String,
    /// The vector (or rating).
    pub score: String,
}

/// A link.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    /// `ADVISORY`, `FIX`, `WEB`...
    #[serde(rename = "type", default)]
    pub kind: String,
    /// The URL.
    pub url: String,
}

impl Advisory {
    /// The CVE id of this advisory: its own id when it is one, else the first CVE alias.
    #[must_use]
    pub fn cve(&self) -> Option<&str> {
        std::iter::once(&self.id)
            .chain(&self.aliases)
            .map(String::as_str)
            .find(|id| id.starts_with("CVE-"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_read_and_write_as_osv_spells_them() {
        let json = r#"{"id":"X-1","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"PyPI","name":"urllib3"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.26.5"},{"last_affected":"2.0"},{"limit":"3"}]}]}],"aliases":["CVE-2021-33503"]}"#;
        let advisory: Advisory = serde_json::from_str(json).unwrap();
        assert_eq!(
            advisory.affected[0].ranges[0].events,
            [
                Event::Introduced("0".into()),
                Event::Fixed("1.26.5".into()),
                Event::LastAffected("2.0".into()),
                Event::Limit("3".into()),
            ]
        );
        assert_eq!(advisory.cve(), Some("CVE-2021-33503"));
        let again: Advisory =
            serde_json::from_str(&serde_json::to_string(&advisory).unwrap()).unwrap();
        assert_eq!(again, advisory);
        // An event with two keys, or none, is not an event.
        assert!(serde_json::from_str::<Event>(r#"{"introduced":"0","fixed":"1"}"#).is_err());
        assert!(serde_json::from_str::<Event>(r#"{}"#).is_err());
    }
}
