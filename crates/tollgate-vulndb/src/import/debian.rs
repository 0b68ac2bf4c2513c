//! The Debian security tracker JSON (`https://security-tracker.debian.org/tracker/data/json`):
//! `{source package: {CVE: {description, scope, releases: {codename: {status, fixed_version,
//! urgency, repositories, nodsa}}}}}`. One advisory per CVE, with an affected entry per
//! (release, source package) in the ecosystem `Debian:<version>`.
//!
//! Mapping (the tracker's own meanings):
//! - `resolved` with a `fixed_version`: affected below it (`introduced 0`, `fixed V`);
//!   `fixed_version` `0` means the release never had the vulnerable code (`<not-affected>` in
//!   the tracker's text lists): no affected entry.
//! - `open` (`<unfixed>`) and `undetermined`: affected, no fix (`introduced 0` only); an
//!   urgency `end-of-life` (`<end-of-life>`: Debian no longer supports the package there) is
//!   the same, marked in `ecosystem_specific`.
//! - The urgency, `nodsa` and the status are kept in `ecosystem_specific` for severity and
//!   reports.
//! - `sid` (unstable) has no release number and is not mapped; nor is a codename this table
//!   does not know (both are listed in the source's notes with their counts).

// ref: https://security-team.debian.org/security_tracker.html

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Value, json};

use super::{FeedKind, ImportError, Imported, ImportedAdvisory, SourceInfo};
use crate::advisory::{Advisory, Affected, AffectedPackage, Event, Range};

/// Debian codenames and release numbers (OSV's `Debian:<n>` ecosystems).
const RELEASES: &[(&str, &str)] = &[
    ("buzz", "1.1"),
    ("rex", "1.2"),
    ("bo", "1.3"),
    ("hamm", "2.0"),
    ("slink", "2.1"),
    ("potato", "2.2"),
    ("woody", "3.0"),
    ("sarge", "3.1"),
    ("etch", "4"),
    ("lenny", "5"),
    ("squeeze", "6"),
    ("wheezy", "7"),
    ("jessie", "8"),
    ("stretch", "9"),
    ("buster", "10"),
    ("bullseye", "11"),
    ("bookworm", "12"),
    ("trixie", "13"),
    ("forky", "14"),
    ("duke", "15"),
];

/// The release number of a codename.
#[must_use]
pub(crate) fn release_number(codename: &str) -> Option<&'static str> {
    RELEASES
        .iter()
        .find(|(name, _)| *name == codename)
        .map(|(_, number)| *number)
}

/// Whether a JSON value is the tracker's document: an object of source packages whose values
/// are objects of entries that have `releases`.
pub(super) fn is_tracker(value: &Value) -> bool {
    let Some(packages) = value.as_object() else {
        return false;
    };
    !packages.is_empty()
        && packages.values().take(20).all(|entries| {
            entries.as_object().is_some_and(|entries| {
                entries
                    .values()
                    .take(5)
                    .all(|entry| entry.get("releases").is_some_and(Value::is_object))
            })
        })
}

pub(super) fn read(path: &Path, value: Value) -> Result<Imported, ImportError> {
    let where_ = path.display().to_string();
    let Value::Object(packages) = value else {
        return Err(ImportError::Malformed {
            path: where_,
            reason: "the top level is not an object".into(),
        });
    };
    let mut by_cve: BTreeMap<String, (Option<String>, Vec<Affected>)> = BTreeMap::new();
    let mut unknown_releases: BTreeMap<String, usize> = BTreeMap::new();
    let mut not_mapped = Vec::new();
    let mut not_affected = 0usize;
    for (source, entries) in &packages {
        let Some(entries) = entries.as_object() else {
            not_mapped.push(format!("{source}: not an object of entries, skipped"));
            continue;
        };
        for (id, entry) in entries {
            let Some(releases) = entry.get("releases").and_then(Value::as_object) else {
                not_mapped.push(format!("{source} {id}: no `releases`, skipped"));
                continue;
            };
            let description = entry
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_owned);
            for (codename, release) in releases {
                let Some(number) = release_number(codename) else {
                    *unknown_releases.entry(codename.clone()).or_default() += 1;
                    continue;
                };
                let status = release.get("status").and_then(Value::as_str).unwrap_or("");
                let fixed = release.get("fixed_version").and_then(Value::as_str);
                let urgency = release.get("urgency").and_then(Value::as_str).unwrap_or("");
                let events = match (status, fixed) {
                    (_, Some("0" | "<not-affected>")) => {
                        not_affected += 1;
                        continue;
                    }
                    ("resolved", Some(version)) if !version.starts_with('<') => vec![
                        Event::Introduced("0".into()),
                        Event::Fixed(version.to_owned()),
                    ],
                    ("open" | "undetermined", _) | (_, Some("<unfixed>" | "<end-of-life>")) => {
                        vec![Event::Introduced("0".into())]
                    }
                    _ => {
                        not_mapped.push(format!(
                            "{source} {id} {codename}: status `{status}` with fixed version {fixed:?} has no meaning here, skipped"
                        ));
                        continue;
                    }
                };
                let slot = by_cve.entry(id.clone()).or_default();
                if slot.0.is_none() {
                    slot.0.clone_from(&description);
                }
                slot.1.push(Affected {
                    package: Some(AffectedPackage {
                        ecosystem: format!("Debian:{number}"),
                        name: source.clone(),
                        purl: None,
                    }),
                    ranges: vec![Range {
                        kind: "ECOSYSTEM".to_owned(),
                        repo: None,
                        events,
                        database_specific: None,
                    }],
                    ecosystem_specific: Some(json!({
                        "status": status,
                        "urgency": urgency,
                        "end_of_life": urgency == "end-of-life" || fixed == Some("<end-of-life>"),
                        "nodsa": release.get("nodsa"),
                    })),
                    ..Affected::default()
                });
            }
        }
    }
    for (codename, count) in unknown_releases {
        not_mapped.push(format!(
            "release `{codename}` ({count} entries): no Debian release number, not mapped"
        ));
    }
    if not_affected > 0 {
        not_mapped.push(format!(
            "{not_affected} (release, package) entries marked not affected (`fixed_version` 0): no affected range"
        ));
    }
    let mut advisories = Vec::with_capacity(by_cve.len());
    for (id, (summary, affected)) in by_cve {
        let advisory = Advisory {
            id,
            summary,
            affected,
            ..Advisory::default()
        };
        let document = serde_json::to_vec(&advisory).map_err(|error| ImportError::Malformed {
            path: where_.clone(),
            reason: error.to_string(),
        })?;
        advisories.push(ImportedAdvisory { advisory, document });
    }
    Ok(Imported {
        source: SourceInfo {
            name: "debian-tracker".to_owned(),
            kind: FeedKind::DebianTracker,
            location: where_,
            date: None,
            records: advisories.len(),
            not_mapped,
        },
        advisories,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sample written from the tracker's documented format, with each status.
    const SAMPLE: &str = r#"{
      "glibc": {
        "CVE-2023-4911": {"description": "Looney Tunables", "scope": "local", "releases": {
          "bookworm": {"status": "resolved", "repositories": {"bookworm": "2.36-9+deb12u4"}, "fixed_version": "2.36-9+deb12u3", "urgency": "high"},
          "bullseye": {"status": "resolved", "repositories": {"bullseye": "2.31-13+deb11u7"}, "fixed_version": "0", "urgency": "not yet assigned"},
          "sid": {"status": "resolved", "repositories": {"sid": "2.37-12"}, "fixed_version": "2.37-12", "urgency": "high"}
        }},
        "CVE-2010-4756": {"description": "glob", "releases": {
          "bookworm": {"status": "open", "repositories": {"bookworm": "2.36-9+deb12u4"}, "urgency": "unimportant", "nodsa": "Minor issue"}
        }}
      },
      "php7.0": {
        "CVE-2020-7071": {"releases": {
          "stretch": {"status": "open", "repositories": {"stretch": "7.0.33-0+deb9u10"}, "urgency": "end-of-life"},
          "hamm": {"status": "undetermined", "urgency": "low"},
          "forkyish": {"status": "open", "urgency": "low"}
        }}
      }
    }"#;

    #[test]
    fn each_status_maps_as_the_tracker_means_it() {
        let value: Value = serde_json::from_str(SAMPLE).unwrap();
        assert!(is_tracker(&value));
        let imported = read(Path::new("tracker.json"), value).unwrap();
        let ids: Vec<&str> = imported
            .advisories
            .iter()
            .map(|a| a.advisory.id.as_str())
            .collect();
        assert_eq!(ids, ["CVE-2010-4756", "CVE-2020-7071", "CVE-2023-4911"]);
        let looney = &imported.advisories[2].advisory;
        assert_eq!(looney.summary.as_deref(), Some("Looney Tunables"));
        assert_eq!(
            looney.affected.len(),
            1,
            "bullseye is not affected, sid not mapped"
        );
        let package = looney.affected[0].package.as_ref().unwrap();
        assert_eq!(
            (package.ecosystem.as_str(), package.name.as_str()),
            ("Debian:12", "glibc")
        );
        assert_eq!(
            looney.affected[0].ranges[0].events,
            [
                Event::Introduced("0".into()),
                Event::Fixed("2.36-9+deb12u3".into())
            ]
        );
        let glob = &imported.advisories[0].advisory.affected[0];
        assert_eq!(glob.ranges[0].events, [Event::Introduced("0".into())]);
        assert_eq!(
            glob.ecosystem_specific.as_ref().unwrap()["urgency"],
            "unimportant"
        );
        let php = &imported.advisories[1].advisory;
        let ecosystems: Vec<&str> = php
            .affected
            .iter()
            .map(|a| a.package.as_ref().unwrap().ecosystem.as_str())
            .collect();
        assert_eq!(ecosystems, ["Debian:2.0", "Debian:9"]);
        assert_eq!(
            php.affected[1].ecosystem_specific.as_ref().unwrap()["end_of_life"],
            true
        );
        let notes = imported.source.not_mapped.join("\n");
        assert!(notes.contains("release `forkyish` (1 entries)"), "{notes}");
        assert!(notes.contains("release `sid` (1 entries)"), "{notes}");
        assert!(
            notes.contains("1 (release, package) entries marked not affected"),
            "{notes}"
        );
    }

    #[test]
    fn other_json_is_not_the_tracker() {
        for json in [
            r#"{}"#,
            r#"[]"#,
            r#"{"a": 1}"#,
            r#"{"id": "X", "modified": "y"}"#,
        ] {
            assert!(!is_tracker(&serde_json::from_str(json).unwrap()), "{json}");
        }
    }
}
