//! Where packages were found, which is how the reports for people and CI are divided: the OS
//! packages together, then language packages by the directory or file that holds them.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use tollgate_catalog::{Ecosystem, OsInfo, Package};
use tollgate_match::{Diagnostic, Finding, FindingPackage, Suppressed};

use crate::ScanReport;

/// A part of the image.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Group {
    /// The distribution's packages (deb, rpm, apk).
    Os,
    /// Language packages found in one place (a site-packages directory, a project with
    /// `node_modules`, a jar, a binary), of one ecosystem.
    Language {
        /// The place.
        location: String,
        /// The ecosystem.
        ecosystem: String,
    },
}

impl Group {
    /// The group of a package of `ecosystem` found in the file `path`.
    pub(crate) fn of(ecosystem: &str, path: &str) -> Self {
        if matches!(ecosystem, "deb" | "rpm" | "apk") {
            return Self::Os;
        }
        let parent = |p: &str| {
            p.rsplit_once('/')
                .map_or(String::new(), |(d, _)| d.to_owned())
        };
        let location = match ecosystem {
            // `<site-packages>/<name>.dist-info/METADATA`: the site-packages directory.
            "pypi" if path.ends_with("/METADATA") || path.ends_with("/PKG-INFO") => {
                parent(&parent(path))
            }
            "pypi" => parent(path),
            // `<project>/node_modules/<name>/package.json`: the project.
            "npm" => path
                .find("/node_modules/")
                .map_or_else(|| path.to_owned(), |at| path[..at].to_owned()),
            _ => path.to_owned(),
        };
        Self::Language {
            location,
            ecosystem: ecosystem.to_owned(),
        }
    }

    /// The group of a finding's package.
    pub(crate) fn of_finding(package: &FindingPackage) -> Self {
        Self::of(&package.ecosystem, &package.path)
    }

    /// The heading people read.
    pub(crate) fn label(&self, os: Option<&OsInfo>) -> String {
        match self {
            Self::Os => {
                let family = os.map_or("OS", |os| os.family.as_str());
                format!("OS packages ({family})")
            }
            Self::Language {
                location,
                ecosystem,
            } => format!("{location} ({ecosystem})"),
        }
    }
}

/// What tells packages apart, in the terms of a finding, so that a finding can be put with the
/// package it is about. Ordered by name and version first, which is the order people look for.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct PackageKey {
    pub(crate) name: String,
    pub(crate) version: String,
    pub(crate) ecosystem: String,
    pub(crate) purl: String,
    pub(crate) path: String,
    pub(crate) layer: Option<String>,
}

impl PackageKey {
    /// A catalogued package's key. The name is spelt as findings spell it, with the namespace
    /// (`group:artifact` for Maven, `@scope/name` and the like elsewhere), as
    /// `tollgate_match::FindingPackage` does.
    pub(crate) fn of_package(package: &Package) -> Self {
        let name = match &package.namespace {
            Some(namespace) if package.ecosystem == Ecosystem::Maven => {
                format!("{namespace}:{}", package.name)
            }
            Some(namespace) => format!("{namespace}/{}", package.name),
            None => package.name.clone(),
        };
        Self {
            name,
            version: package.version.clone(),
            ecosystem: package.ecosystem.to_string(),
            purl: package.purl.clone(),
            path: package.path.clone(),
            layer: package.layer.as_ref().map(ToString::to_string),
        }
    }

    /// A finding's package's key.
    pub(crate) fn of_finding(package: &FindingPackage) -> Self {
        Self {
            name: package.name.clone(),
            version: package.version.clone(),
            ecosystem: package.ecosystem.clone(),
            purl: package.purl.clone(),
            path: package.path.clone(),
            layer: package.layer.clone(),
        }
    }
}

/// Worst first, then by package name, installed version and vulnerability id: the order people
/// read findings in.
pub(crate) fn worst_first(a: &Finding, b: &Finding) -> Ordering {
    b.severity
        .cmp(&a.severity)
        .then_with(|| a.package.name.cmp(&b.package.name))
        .then_with(|| a.package.version.cmp(&b.package.version))
        .then_with(|| a.vulnerability_id.cmp(&b.vulnerability_id))
}

/// Everything a report says about one package.
#[derive(Debug, Default)]
pub(crate) struct PackageEntry<'a> {
    /// Its findings, worst first.
    pub(crate) findings: Vec<&'a Finding>,
    /// Its suppressed findings, by vulnerability id.
    pub(crate) suppressed: Vec<&'a Suppressed>,
    /// Comparisons of its version that could not be made.
    pub(crate) diagnostics: Vec<&'a Diagnostic>,
    /// Why no advisory data covers it, when none does.
    pub(crate) not_covered: Option<&'a str>,
}

/// Every package of `report` (the catalogued ones, and any a finding, suppression or diagnostic
/// names that the report does not list), by group and then by package, with what the report
/// says about it. Sorted throughout, so that every format built on it is deterministic.
pub(crate) fn packages(
    report: &ScanReport,
) -> BTreeMap<Group, BTreeMap<PackageKey, PackageEntry<'_>>> {
    type Groups<'a> = BTreeMap<Group, BTreeMap<PackageKey, PackageEntry<'a>>>;
    fn entry<'g, 'a>(groups: &'g mut Groups<'a>, key: PackageKey) -> &'g mut PackageEntry<'a> {
        let group = Group::of(&key.ecosystem, &key.path);
        groups.entry(group).or_default().entry(key).or_default()
    }
    let mut groups: Groups<'_> = BTreeMap::new();
    for package in &report.packages {
        entry(&mut groups, PackageKey::of_package(package));
    }
    for finding in &report.findings {
        entry(&mut groups, PackageKey::of_finding(&finding.package))
            .findings
            .push(finding);
    }
    for suppressed in &report.suppressed {
        entry(
            &mut groups,
            PackageKey::of_finding(&suppressed.finding.package),
        )
        .suppressed
        .push(suppressed);
    }
    for diagnostic in &report.diagnostics {
        entry(&mut groups, PackageKey::of_finding(&diagnostic.package))
            .diagnostics
            .push(diagnostic);
    }
    for item in &report.not_covered {
        entry(&mut groups, PackageKey::of_finding(&item.package)).not_covered =
            Some(item.reason.as_str());
    }
    for packages in groups.values_mut() {
        for package in packages.values_mut() {
            package.findings.sort_by(|a, b| worst_first(a, b));
            package.suppressed.sort_by(|a, b| {
                a.finding
                    .vulnerability_id
                    .cmp(&b.finding.vulnerability_id)
                    .then_with(|| a.reason.cmp(&b.reason))
                    .then_with(|| a.source.cmp(&b.source))
            });
            package.diagnostics.sort_by(|a, b| {
                a.advisory_id
                    .cmp(&b.advisory_id)
                    .then_with(|| a.reason.cmp(&b.reason))
            });
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_by_where_packages_were_found() {
        assert_eq!(Group::of("deb", "/var/lib/dpkg/status"), Group::Os);
        let language = |location: &str, ecosystem: &str| Group::Language {
            location: location.to_owned(),
            ecosystem: ecosystem.to_owned(),
        };
        assert_eq!(
            Group::of(
                "pypi",
                "/usr/lib/python3/dist-packages/urllib3-1.26.4.dist-info/METADATA"
            ),
            language("/usr/lib/python3/dist-packages", "pypi")
        );
        assert_eq!(
            Group::of("npm", "/app/node_modules/@babel/core/package.json"),
            language("/app", "npm")
        );
        assert_eq!(
            Group::of("maven", "/app/lib/log4j-core-2.14.1.jar"),
            language("/app/lib/log4j-core-2.14.1.jar", "maven")
        );
        assert_eq!(Group::Os.label(None), "OS packages (OS)");
    }
}
