//! Alpine secdb: per branch and repository, `packages[].pkg.secfixes: {version: [ids]}`, meaning
//! the ids are fixed from that package version on (and `0`: the package was never affected).
//! One source per document; one advisory per vulnerability id, with an affected entry per
//! package (ecosystem `Alpine:<branch>`, the package being the origin Alpine builds from).
//!
//! The data is written by hand in APKBUILD comments and carries quirks that are mapped, not
//! dropped: several ids in one string (`CVE-2019-5060 TALOS-2019-0844` is one vulnerability
//! known by two ids), extra words (`CVE-2018-16301 (was fixed in libpcap)`), misspelt
//! separators (`CVE_2019-2426`, `CVE 2018-16859`), placeholders (`CVE-????-?????  XSA-295`),
//! null id lists and a null `packages`. What cannot be mapped is listed in the source's notes.

// ref: https://secdb.alpinelinux.org/ (format), https://wiki.alpinelinux.org/wiki/APKBUILD_Reference#secfixes

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use super::{FeedKind, ImportError, Imported, ImportedAdvisory, SourceInfo};
use crate::advisory::{Advisory, Affected, AffectedPackage, Event, Range};

/// Whether a JSON value is a secdb document.
pub(super) fn is_secdb(value: &Value) -> bool {
    value.get("distroversion").is_some_and(Value::is_string) && value.get("packages").is_some()
}

pub(super) fn read_yaml(path: &Path, bytes: &[u8]) -> Result<Option<Imported>, ImportError> {
    let yaml: serde_yaml_ng::Value =
        serde_yaml_ng::from_slice(bytes).map_err(|error| ImportError::Malformed {
            path: path.display().to_string(),
            reason: format!("not YAML: {error}"),
        })?;
    let value = json_of_yaml(yaml);
    if !is_secdb(&value) {
        return Ok(None);
    }
    read_json(path, value).map(Some)
}

/// YAML as JSON with every scalar key and value kept as text (`0:` is the version "0").
fn json_of_yaml(yaml: serde_yaml_ng::Value) -> Value {
    use serde_yaml_ng::Value as Yaml;
    match yaml {
        Yaml::Null => Value::Null,
        Yaml::Bool(b) => Value::String(b.to_string()),
        Yaml::Number(n) => Value::String(n.to_string()),
        Yaml::String(s) => Value::String(s),
        Yaml::Sequence(items) => Value::Array(items.into_iter().map(json_of_yaml).collect()),
        Yaml::Mapping(map) => Value::Object(
            map.into_iter()
                .map(|(key, value)| {
                    let key = match json_of_yaml(key) {
                        Value::String(s) => s,
                        other => other.to_string(),
                    };
                    (key, json_of_yaml(value))
                })
                .collect(),
        ),
        Yaml::Tagged(tagged) => json_of_yaml(tagged.value),
    }
}

fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

pub(super) fn read_json(path: &Path, value: Value) -> Result<Imported, ImportError> {
    let where_ = path.display().to_string();
    let malformed = |reason: String| ImportError::Malformed {
        path: where_.clone(),
        reason,
    };
    let branch = value
        .get("distroversion")
        .and_then(text)
        .ok_or_else(|| malformed("`distroversion` is not a string".into()))?;
    let repository = value.get("reponame").and_then(text).unwrap_or_default();
    let ecosystem = format!("Alpine:{branch}");
    let packages = match value.get("packages") {
        Some(Value::Array(packages)) => packages.as_slice(),
        Some(Value::Null) | None => &[],
        Some(_) => return Err(malformed("`packages` is not a list".into())),
    };

    // id → (aliases, affected entries)
    let mut by_id: BTreeMap<String, (Vec<String>, Vec<Affected>)> = BTreeMap::new();
    let mut not_mapped = Vec::new();
    let mut never_affected = 0usize;
    for (index, entry) in packages.iter().enumerate() {
        let pkg = entry.get("pkg").unwrap_or(&Value::Null);
        let Some(name) = pkg.get("name").and_then(text) else {
            not_mapped.push(format!("packages[{index}]: no package name, skipped"));
            continue;
        };
        let fixes = match pkg.get("secfixes") {
            Some(Value::Object(fixes)) => fixes,
            Some(Value::Null) | None => continue,
            Some(_) => {
                not_mapped.push(format!("{name}: `secfixes` is not a mapping, skipped"));
                continue;
            }
        };
        for (version, ids) in fixes {
            let ids: Vec<String> = match ids {
                Value::Array(ids) => ids.iter().filter_map(text).collect(),
                Value::Null => {
                    not_mapped.push(format!("{name} {version}: no ids listed"));
                    continue;
                }
                other => text(other).into_iter().collect(),
            };
            for written in ids {
                let Some((id, aliases, dropped)) = vulnerability_ids(&written) else {
                    not_mapped.push(format!(
                        "{name} {version}: `{written}` names no vulnerability id"
                    ));
                    continue;
                };
                if !dropped.is_empty() {
                    not_mapped.push(format!(
                        "{name} {version}: `{written}`: read as {id}, ignored {dropped:?}"
                    ));
                }
                if version == "0" {
                    never_affected += 1;
                    continue;
                }
                let slot = by_id.entry(id).or_default();
                for alias in aliases {
                    if !slot.0.contains(&alias) {
                        slot.0.push(alias);
                    }
                }
                slot.1.push(Affected {
                    package: Some(AffectedPackage {
                        ecosystem: ecosystem.clone(),
                        name: name.clone(),
                        purl: None,
                    }),
                    ranges: vec![Range {
                        kind: "ECOSYSTEM".to_owned(),
                        repo: None,
                        events: vec![
                            Event::Introduced("0".to_owned()),
                            Event::Fixed(version.clone()),
                        ],
                        database_specific: None,
                    }],
                    ..Affected::default()
                });
            }
        }
    }
    if never_affected > 0 {
        not_mapped.push(format!(
            "{never_affected} ids listed under version `0` (never affected): no affected range"
        ));
    }
    let mut advisories = Vec::with_capacity(by_id.len());
    for (id, (aliases, affected)) in by_id {
        let advisory = Advisory {
            id,
            aliases,
            affected,
            ..Advisory::default()
        };
        let document =
            serde_json::to_vec(&advisory).map_err(|error| malformed(error.to_string()))?;
        advisories.push(ImportedAdvisory { advisory, document });
    }
    let name = if repository.is_empty() {
        format!("alpine-secdb:{branch}")
    } else {
        format!("alpine-secdb:{branch}/{repository}")
    };
    Ok(Imported {
        source: SourceInfo {
            name,
            kind: FeedKind::AlpineSecdb,
            location: where_,
            date: None,
            records: advisories.len(),
            not_mapped,
        },
        advisories,
    })
}

/// The ids in one hand-written entry: the first CVE id (else the first id) and the other ids as
/// aliases, and the words that are not ids. `None` when there is no id at all.
fn vulnerability_ids(written: &str) -> Option<(String, Vec<String>, Vec<String>)> {
    // `CVE_2019-2426` and `CVE 2018-16859` are CVE ids with the wrong separator.
    let repaired = written.replace("CVE_", "CVE-").replace("CVE ", "CVE-");
    let mut ids = Vec::new();
    let mut dropped = Vec::new();
    for token in repaired.split(|c: char| c.is_whitespace() || matches!(c, '(' | ')' | ',' | ';')) {
        if token.is_empty() {
            continue;
        }
        if is_id(token) {
            if !ids.iter().any(|id| id == token) {
                ids.push(token.to_owned());
            }
        } else {
            dropped.push(token.to_owned());
        }
    }
    let primary = ids
        .iter()
        .position(|id| id.starts_with("CVE-"))
        .unwrap_or(0);
    if ids.is_empty() {
        return None;
    }
    let id = ids.remove(primary);
    Some((id, ids, dropped))
}

/// `PREFIX-rest`: an upper-case prefix, a dash, and a rest of letters, digits and dashes with at
/// least one digit (`CVE-2019-1547`, `XSA-295`, `TALOS-2019-0844`, `GHSA-xxxx-...`).
fn is_id(token: &str) -> bool {
    let Some((prefix, rest)) = token.split_once('-') else {
        return false;
    };
    !prefix.is_empty()
        && prefix
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && prefix.starts_with(|c: char| c.is_ascii_uppercase())
        && rest.chars().any(|c| c.is_ascii_digit())
        && rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_written_ids_are_mapped_or_named() {
        let ids = |s: &str| vulnerability_ids(s);
        assert_eq!(
            ids("CVE-2019-1547"),
            Some(("CVE-2019-1547".into(), vec![], vec![]))
        );
        assert_eq!(
            ids("CVE-2019-5060 TALOS-2019-0844"),
            Some((
                "CVE-2019-5060".into(),
                vec!["TALOS-2019-0844".into()],
                vec![]
            ))
        );
        assert_eq!(
            ids("CVE-2018-16301 (was fixed in libpcap)"),
            Some((
                "CVE-2018-16301".into(),
                vec![],
                vec!["was".into(), "fixed".into(), "in".into(), "libpcap".into()]
            ))
        );
        assert_eq!(
            ids("CVE-????-?????  XSA-295"),
            Some(("XSA-295".into(), vec![], vec!["CVE-????-?????".into()]))
        );
        assert_eq!(ids("CVE_2019-2426").unwrap().0, "CVE-2019-2426");
        assert_eq!(ids("CVE 2018-16859").unwrap().0, "CVE-2018-16859");
        assert_eq!(ids("XSA-207").unwrap().0, "XSA-207");
        assert_eq!(ids("see upstream"), None);
    }

    #[test]
    fn yaml_scalars_stay_text() {
        let yaml = b"distroversion: v3.8\nreponame: main\npackages:\n  - pkg:\n      name: db\n      secfixes:\n        0:\n          - CVE-2016-0682\n        5.3.28-r1:\n          - CVE-2019-1\n";
        let imported = read_yaml(Path::new("x.yaml"), yaml).unwrap().unwrap();
        assert_eq!(imported.source.name, "alpine-secdb:v3.8/main");
        assert_eq!(imported.advisories.len(), 1);
        assert_eq!(imported.advisories[0].advisory.id, "CVE-2019-1");
        assert!(imported.source.not_mapped[0].contains("1 ids listed under version `0`"));
    }
}
