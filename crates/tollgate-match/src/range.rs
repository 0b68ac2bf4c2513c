//! OSV range evaluation (<https://ossf.github.io/osv-schema/#evaluation>): events sorted by the
//! ecosystem's version order, `introduced` turning "affected" on, `fixed` (at or below the
//! version) and `last_affected` (below it) turning it off, `limit` bounding the range; explicit
//! `versions` lists match too. `GIT` ranges name commits, which an installed package does not
//! have, and are not evaluated.

use std::cmp::Ordering;

use tollgate_version::{Ecosystem as Scheme, compare, is_valid};
use tollgate_vulndb::db::normalized_name;
use tollgate_vulndb::{Advisory, Affected, Event, Range};

use crate::ecosystem::Query;

/// An affected package found in an advisory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hit {
    /// The smallest fixed version above the installed one on its branch, when known.
    pub fixed: Option<String>,
    /// The affected entry that matched (for its severity and ecosystem-specific data).
    pub affected_index: usize,
}

/// Why a range could not be evaluated.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RangeError {
    /// The installed version is not a version of the ecosystem.
    #[error("could not compare: installed version `{version}` is not a valid {scheme} version")]
    Installed {
        /// The version.
        version: String,
        /// The ordering it was read with.
        scheme: Scheme,
    },
    /// An event's version is not a version of the ecosystem.
    #[error(
        "could not compare: the advisory's version `{version}` is not a valid {scheme} version"
    )]
    Event {
        /// The version.
        version: String,
        /// The ordering it was read with.
        scheme: Scheme,
    },
    /// A range type OSV does not define.
    #[error("could not compare: unknown range type `{0}`")]
    RangeType(String),
}

/// Whether `advisory` affects the package of `query`, and with which fix.
///
/// # Errors
/// When a version involved cannot be compared in the ecosystem's ordering.
pub fn affected_by(advisory: &Advisory, query: &Query) -> Result<Option<Hit>, RangeError> {
    let wanted = normalized_name(&query.ecosystem, &query.name);
    let mut best: Option<Hit> = None;
    for (index, affected) in advisory.affected.iter().enumerate() {
        let Some(package) = &affected.package else {
            continue;
        };
        if package.ecosystem != query.ecosystem
            || normalized_name(&package.ecosystem, &package.name) != wanted
        {
            continue;
        }
        if let Some(fixed) = evaluate_entry(affected, query)? {
            let hit = Hit {
                fixed,
                affected_index: index,
            };
            best = Some(match best {
                None => hit,
                Some(previous) => smaller_fix(previous, hit, query.scheme),
            });
        }
    }
    Ok(best)
}

/// Of two hits, the one with the smaller known fix (a known fix beats none).
fn smaller_fix(a: Hit, b: Hit, scheme: Scheme) -> Hit {
    match (&a.fixed, &b.fixed) {
        (Some(x), Some(y)) if compare(scheme, y, x) == Ok(Ordering::Less) => b,
        (None, Some(_)) => b,
        _ => a,
    }
}

/// `Some(fixed)` when the entry affects the installed version.
fn evaluate_entry(
    affected: &Affected,
    query: &Query,
) -> Result<Option<Option<String>>, RangeError> {
    let mut result: Option<Option<String>> = None;
    for range in &affected.ranges {
        let scheme = match range.kind.as_str() {
            "ECOSYSTEM" => query.scheme,
            // SemVer 2.0 as the spec writes it (no `v`), whatever the ecosystem.
            "SEMVER" => Scheme::Cargo,
            "GIT" => continue,
            other => return Err(RangeError::RangeType(other.to_owned())),
        };
        if let Some(fixed) = evaluate_range(range, &query.version, scheme)? {
            result = Some(match (result, fixed) {
                (Some(Some(a)), Some(b)) => {
                    Some(if compare(scheme, &b, &a) == Ok(Ordering::Less) {
                        b
                    } else {
                        a
                    })
                }
                (Some(Some(a)), None) => Some(a),
                (_, fixed) => fixed,
            });
        }
    }
    if result.is_none() && !affected.versions.is_empty() {
        let installed = normalize(query.scheme, &query.version);
        let listed = affected.versions.iter().any(|listed| {
            listed == &query.version
                || compare(query.scheme, &normalize(query.scheme, listed), &installed)
                    == Ok(Ordering::Equal)
        });
        if listed {
            result = Some(None);
        }
    }
    Ok(result)
}

/// A version as `scheme` reads it: SemVer without `v` (OSV writes Go and npm versions without
/// it), Go module versions with it.
fn normalize(scheme: Scheme, version: &str) -> String {
    match scheme {
        Scheme::Cargo => version.strip_prefix('v').unwrap_or(version).to_owned(),
        Scheme::Go if !version.starts_with('v') => format!("v{version}"),
        _ => version.to_owned(),
    }
}

/// `Some(fixed)` when the range affects `installed`.
fn evaluate_range(
    range: &Range,
    installed: &str,
    scheme: Scheme,
) -> Result<Option<Option<String>>, RangeError> {
    let installed = normalize(scheme, installed);
    if !is_valid(scheme, &installed) {
        return Err(RangeError::Installed {
            version: installed,
            scheme,
        });
    }
    // (event, its version normalised; `None` for `introduced: 0`, below everything)
    let mut events: Vec<(&Event, Option<String>)> = Vec::with_capacity(range.events.len());
    for event in &range.events {
        let version = match event {
            Event::Introduced(v) if v == "0" => None,
            Event::Introduced(v) | Event::Fixed(v) | Event::LastAffected(v) | Event::Limit(v) => {
                let version = normalize(scheme, v);
                if !is_valid(scheme, &version) {
                    return Err(RangeError::Event {
                        version: v.clone(),
                        scheme,
                    });
                }
                Some(version)
            }
        };
        events.push((event, version));
    }
    // Every version was checked valid above, so `compare` cannot fail here.
    let order = |a: &Option<String>, b: &Option<String>| match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(a), Some(b)) => compare(scheme, a, b).unwrap_or(Ordering::Equal),
    };
    events.sort_by(|(_, a), (_, b)| order(a, b));
    let at_or_above = |version: &Option<String>| {
        version
            .as_ref()
            .is_none_or(|v| compare(scheme, &installed, v).is_ok_and(|o| o != Ordering::Less))
    };
    let above = |version: &Option<String>| {
        version
            .as_ref()
            .is_some_and(|v| compare(scheme, &installed, v) == Ok(Ordering::Greater))
    };
    let limited = events
        .iter()
        .any(|(event, version)| matches!(event, Event::Limit(_)) && at_or_above(version));
    if limited {
        return Ok(None);
    }
    let mut affected = false;
    for (event, version) in &events {
        match event {
            Event::Introduced(_) if at_or_above(version) => affected = true,
            Event::Fixed(_) if at_or_above(version) => affected = false,
            Event::LastAffected(_) if above(version) => affected = false,
            _ => {}
        }
    }
    if !affected {
        return Ok(None);
    }
    let fixed = events
        .iter()
        .find_map(|(event, version)| match (event, version) {
            (Event::Fixed(original), Some(v))
                if compare(scheme, v, &installed) == Ok(Ordering::Greater) =>
            {
                Some(original.clone())
            }
            _ => None,
        });
    Ok(Some(fixed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(kind: &str, events: &[(&str, &str)]) -> Range {
        Range {
            kind: kind.into(),
            events: events
                .iter()
                .map(|(key, v)| match *key {
                    "introduced" => Event::Introduced((*v).into()),
                    "fixed" => Event::Fixed((*v).into()),
                    "last_affected" => Event::LastAffected((*v).into()),
                    _ => Event::Limit((*v).into()),
                })
                .collect(),
            ..Range::default()
        }
    }

    fn check(r: &Range, version: &str, scheme: Scheme) -> Option<Option<String>> {
        evaluate_range(r, version, scheme).unwrap()
    }

    #[test]
    fn events_written_out_of_order_are_sorted() {
        // PYSEC-2023-192 (urllib3), known fact 2.
        let r = range(
            "ECOSYSTEM",
            &[
                ("introduced", "2.0.0"),
                ("fixed", "2.0.6"),
                ("introduced", "0"),
                ("fixed", "1.26.17"),
            ],
        );
        assert_eq!(
            check(&r, "1.26.16", Scheme::Pep440),
            Some(Some("1.26.17".into()))
        );
        assert_eq!(check(&r, "1.26.17", Scheme::Pep440), None);
        assert_eq!(
            check(&r, "2.0.5", Scheme::Pep440),
            Some(Some("2.0.6".into()))
        );
        assert_eq!(check(&r, "2.0.6", Scheme::Pep440), None);
    }

    #[test]
    fn a_version_equal_to_a_fix_never_matches_and_one_just_below_does() {
        let r = range(
            "ECOSYSTEM",
            &[("introduced", "0"), ("fixed", "2.36-9+deb12u7")],
        );
        assert_eq!(check(&r, "2.36-9+deb12u7", Scheme::Deb), None);
        assert_eq!(
            check(&r, "2.36-9+deb12u6", Scheme::Deb),
            Some(Some("2.36-9+deb12u7".into()))
        );
        assert_eq!(
            check(&r, "2.36-9+deb12u7~1", Scheme::Deb),
            Some(Some("2.36-9+deb12u7".into()))
        );
        assert_eq!(
            check(&r, "1:2.0", Scheme::Deb),
            None,
            "an epoch is above everything without one"
        );
    }

    #[test]
    fn last_affected_and_limit() {
        let r = range(
            "ECOSYSTEM",
            &[("introduced", "1.0"), ("last_affected", "1.4")],
        );
        assert_eq!(check(&r, "1.4", Scheme::Pep440), Some(None));
        assert_eq!(check(&r, "1.4.1", Scheme::Pep440), None);
        assert_eq!(check(&r, "0.9", Scheme::Pep440), None);
        let r = range("ECOSYSTEM", &[("introduced", "0"), ("limit", "2.0")]);
        assert_eq!(check(&r, "1.9", Scheme::Pep440), Some(None));
        assert_eq!(check(&r, "2.0", Scheme::Pep440), None);
    }

    #[test]
    fn semver_ranges_read_go_and_npm_versions_without_v() {
        // GO-2023-2102, known fact 7.
        let r = range(
            "SEMVER",
            &[
                ("introduced", "0"),
                ("fixed", "1.20.10"),
                ("introduced", "1.21.0-0"),
                ("fixed", "1.21.3"),
            ],
        );
        assert_eq!(
            check(&r, "v1.20.9", Scheme::Cargo),
            Some(Some("1.20.10".into()))
        );
        assert_eq!(check(&r, "v1.20.10", Scheme::Cargo), None);
        assert_eq!(
            check(&r, "v1.21.0", Scheme::Cargo),
            Some(Some("1.21.3".into()))
        );
        assert_eq!(check(&r, "v1.21.3", Scheme::Cargo), None);
    }

    #[test]
    fn versions_that_cannot_be_compared_are_errors() {
        let r = range("ECOSYSTEM", &[("introduced", "0"), ("fixed", "4.10-1-r1")]);
        assert_eq!(
            evaluate_range(&r, "4.10-r0", Scheme::Apk),
            Err(RangeError::Event {
                version: "4.10-1-r1".into(),
                scheme: Scheme::Apk
            })
        );
        let r = range("ECOSYSTEM", &[("introduced", "0"), ("fixed", "1.0")]);
        assert!(matches!(
            evaluate_range(&r, "not a version", Scheme::Pep440),
            Err(RangeError::Installed { .. })
        ));
    }
}
