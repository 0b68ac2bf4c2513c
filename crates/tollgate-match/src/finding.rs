//! Findings, diagnostics and the report of one match.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use tollgate_catalog::Package;
use tollgate_version::Ecosystem as Scheme;
use tollgate_vulndb::Advisory;

use crate::range::Hit;
use crate::severity::{self, Severity};

/// Whether a fix exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// A fixed version is known.
    Fixed,
    /// No fix yet.
    Unfixed,
}

/// A CVSS vector and its base score.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Cvss {
    /// `3.1`, `4`, `2`...
    pub version: String,
    /// The vector as the advisory wrote it.
    pub vector: String,
    /// Base score, when the version is one tollgate scores.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
}

/// The package a finding is about, and where it is.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct FindingPackage {
    /// Name as installed.
    pub name: String,
    /// Version as installed.
    pub version: String,
    /// Ecosystem.
    pub ecosystem: String,
    /// Package URL.
    pub purl: String,
    /// Source package.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_name: Option<String>,
    /// Source version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_version: Option<String>,
    /// Digest of the layer that holds it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
    /// The file it was found in.
    pub path: String,
}

impl FindingPackage {
    pub(crate) fn of(package: &Package) -> Self {
        Self {
            name: match &package.namespace {
                Some(namespace) if package.ecosystem == tollgate_catalog::Ecosystem::Maven => {
                    format!("{namespace}:{}", package.name)
                }
                Some(namespace) => format!("{namespace}/{}", package.name),
                None => package.name.clone(),
            },
            version: package.version.clone(),
            ecosystem: package.ecosystem.to_string(),
            purl: package.purl.clone(),
            source_name: package.source_name.clone(),
            source_version: package.source_version.clone(),
            layer: package.layer.as_ref().map(ToString::to_string),
            path: package.path.clone(),
        }
    }
}

/// One vulnerability of one installed package.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Finding {
    /// The CVE id when there is one, else the advisory's id.
    pub vulnerability_id: String,
    /// Every advisory that reported it (merged by alias).
    pub advisory_ids: Vec<String>,
    /// The package.
    pub package: FindingPackage,
    /// The smallest fixed version above the installed one (the largest of these when several
    /// advisories give one: upgrading to it fixes the vulnerability by all of them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixed_version: Option<String>,
    /// Fixed or not.
    pub status: Status,
    /// Severity.
    pub severity: Severity,
    /// CVSS vectors.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cvss: Vec<Cvss>,
    /// One line about it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// The other ids the advisories give the vulnerability (GHSA, OSV...), for suppression
    /// rules that name it by one of them; not part of the report.
    #[serde(skip)]
    aliases: Vec<String>,
    #[serde(skip)]
    scheme: Option<Scheme>,
}

impl Finding {
    pub(crate) fn new(package: &Package, advisory: &Advisory, hit: Hit, scheme: Scheme) -> Self {
        let affected = advisory.affected.get(hit.affected_index);
        let cvss = severity::vectors(advisory, affected);
        let severity = severity::severity_of(advisory, affected, &cvss);
        Self {
            vulnerability_id: advisory.cve().unwrap_or(&advisory.id).to_owned(),
            advisory_ids: vec![advisory.id.clone()],
            package: FindingPackage::of(package),
            status: if hit.fixed.is_some() {
                Status::Fixed
            } else {
                Status::Unfixed
            },
            fixed_version: hit.fixed,
            severity,
            cvss,
            summary: advisory
                .summary
                .clone()
                .or_else(|| advisory.details.as_ref().map(|d| first_line(d))),
            aliases: advisory.aliases.clone(),
            scheme: Some(scheme),
        }
    }

    /// Every id of the vulnerability: its id, the advisories' ids, and the aliases those
    /// advisories give (what a VEX statement or an ignore entry may name it by).
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        std::iter::once(&self.vulnerability_id)
            .chain(&self.advisory_ids)
            .chain(&self.aliases)
            .map(String::as_str)
    }

    /// A finding from its parts, for unit tests in other modules of this crate, which cannot
    /// name the private `scheme` (left `None`: only merging advisories reads it).
    #[cfg(test)]
    pub(crate) fn for_test(
        vulnerability_id: &str,
        advisory_ids: &[&str],
        package: FindingPackage,
    ) -> Self {
        Self {
            vulnerability_id: vulnerability_id.to_owned(),
            advisory_ids: advisory_ids.iter().map(|id| (*id).to_owned()).collect(),
            package,
            fixed_version: None,
            status: Status::Unfixed,
            severity: Severity::Unknown,
            cvss: Vec::new(),
            summary: None,
            aliases: Vec::new(),
            scheme: None,
        }
    }

    /// Fold `other` (the same vulnerability of the same package, from another advisory) in.
    fn absorb(&mut self, other: Self) {
        for id in other.advisory_ids {
            if !self.advisory_ids.contains(&id) {
                self.advisory_ids.push(id);
            }
        }
        self.advisory_ids.sort();
        self.fixed_version = match (self.fixed_version.take(), other.fixed_version) {
            (Some(a), Some(b)) => {
                let b_higher = self.scheme.is_some_and(|scheme| {
                    tollgate_version::compare(scheme, &b, &a) == Ok(Ordering::Greater)
                });
                Some(if b_higher { b } else { a })
            }
            (a, b) => a.or(b),
        };
        self.status = if self.fixed_version.is_some() {
            Status::Fixed
        } else {
            Status::Unfixed
        };
        self.severity = self.severity.max(other.severity);
        for cvss in other.cvss {
            if !self.cvss.iter().any(|c| c.vector == cvss.vector) {
                self.cvss.push(cvss);
            }
        }
        if self.summary.is_none() {
            self.summary = other.summary;
        }
        for alias in other.aliases {
            if !self.aliases.contains(&alias) {
                self.aliases.push(alias);
            }
        }
    }
}

fn first_line(text: &str) -> String {
    let line = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    if line.chars().count() > 200 {
        let cut: String = line.chars().take(199).collect();
        format!("{cut}…")
    } else {
        line.to_owned()
    }
}

/// A finding that a rule (an ignore-file entry, a VEX statement) suppressed: still reported and
/// counted, with its reason.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Suppressed {
    /// The finding.
    pub finding: Finding,
    /// Why: the kind of rule and the rule's own words (`ignore file: accepted risk until
    /// 2027-01-01`, `VEX not_affected: vulnerable_code_not_in_execute_path`).
    pub reason: String,
    /// Where the rule is (the file, and the entry when known).
    pub source: String,
}

/// A comparison that could not be made: never a silent miss.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    /// The package.
    pub package: FindingPackage,
    /// The advisory.
    pub advisory_id: String,
    /// Why (names the version and the ordering).
    pub reason: String,
}

/// A package no advisory data covers.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct NotCovered {
    /// The package.
    pub package: FindingPackage,
    /// Why.
    pub reason: String,
}

/// Everything one match found.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct MatchReport {
    /// Findings, one per (package, vulnerability), sorted.
    pub findings: Vec<Finding>,
    /// Comparisons that could not be made.
    pub diagnostics: Vec<Diagnostic>,
    /// Packages without advisory data.
    pub not_covered: Vec<NotCovered>,
    /// Withdrawn advisories that named a package and were not applied.
    pub withdrawn_skipped: usize,
}

impl MatchReport {
    /// One finding per (package, vulnerability id): advisories of the same vulnerability from
    /// several feeds are merged.
    pub(crate) fn merge_aliases(&mut self) {
        let mut merged: BTreeMap<(FindingPackage, String), Finding> = BTreeMap::new();
        for finding in std::mem::take(&mut self.findings) {
            let key = (finding.package.clone(), finding.vulnerability_id.clone());
            match merged.get_mut(&key) {
                Some(existing) => existing.absorb(finding),
                None => {
                    merged.insert(key, finding);
                }
            }
        }
        self.findings = merged.into_values().collect();
    }
}
