//! Packages × advisories → findings. Each package is mapped to the advisory ecosystem its data
//! is published under (`Debian:12` by source package and source version, `Alpine:v3.19` by
//! origin, `PyPI` by normalised name...), its advisories are read from the DB, and every range is
//! evaluated with that ecosystem's own version ordering from `tollgate-version`.
//!
//! Nothing is dropped silently: a version that cannot be compared becomes a diagnostic that
//! names the package, the advisory and the reason; an ecosystem the DB has no data for is
//! reported as not covered.
//!
//! Findings are then split by suppression [`Rules`] (ignore files, OpenVEX and CycloneDX VEX)
//! with [`apply`]: suppressed findings are kept with the rule's reason and place.

mod ecosystem;
mod finding;
mod range;
mod severity;
mod suppress;

pub use ecosystem::{Query, advisory_ecosystem, query_for};
pub use finding::{
    Cvss, Diagnostic, Finding, FindingPackage, MatchReport, NotCovered, Status, Suppressed,
};
pub use range::{Hit, RangeError, affected_by};
pub use severity::Severity;
pub use suppress::{
    Applied, Date, MAX_IGNORE_FILE_BYTES, MAX_VEX_BYTES, Rules, SuppressError, VexFormat, apply,
    image_purl,
};

use std::collections::BTreeMap;

use tollgate_catalog::Inventory;
use tollgate_vulndb::{Advisory, Db, DbError};

/// Why matching stopped (a DB that cannot be read; everything about single packages or
/// advisories is a [`Diagnostic`] instead).
#[derive(Debug, thiserror::Error)]
#[error("reading the vulnerability DB failed")]
pub struct MatchError(#[from] pub DbError);

/// Match every package of `inventory` against `db`.
///
/// # Errors
/// When the DB cannot be read.
pub fn match_inventory(db: &Db, inventory: &Inventory) -> Result<MatchReport, MatchError> {
    let mut report = MatchReport::default();
    let mut covered: BTreeMap<String, bool> = BTreeMap::new();
    for package in &inventory.packages {
        let query = match query_for(package, inventory.os.as_ref()) {
            Ok(query) => query,
            Err(reason) => {
                report.not_covered.push(finding::NotCovered {
                    package: FindingPackage::of(package),
                    reason,
                });
                continue;
            }
        };
        let has_data = match covered.get(&query.ecosystem) {
            Some(has) => *has,
            None => {
                let has = db.has_ecosystem(&query.ecosystem)?;
                covered.insert(query.ecosystem.clone(), has);
                has
            }
        };
        if !has_data {
            report.not_covered.push(finding::NotCovered {
                package: FindingPackage::of(package),
                reason: format!("the DB has no advisories for `{}`", query.ecosystem),
            });
            continue;
        }
        let advisories = db.advisories_for(&query.ecosystem, &query.name)?;
        for advisory in &advisories {
            match_one(package, &query, advisory, &mut report);
        }
    }
    report.merge_aliases();
    Ok(report)
}

fn match_one(
    package: &tollgate_catalog::Package,
    query: &ecosystem::Query,
    advisory: &Advisory,
    report: &mut MatchReport,
) {
    if advisory.withdrawn.is_some() {
        report.withdrawn_skipped += 1;
        return;
    }
    match affected_by(advisory, query) {
        Ok(Some(hit)) => report
            .findings
            .push(Finding::new(package, advisory, hit, query.scheme)),
        Ok(None) => {}
        Err(error) => report.diagnostics.push(Diagnostic {
            package: FindingPackage::of(package),
            advisory_id: advisory.id.clone(),
            reason: error.to_string(),
        }),
    }
}
