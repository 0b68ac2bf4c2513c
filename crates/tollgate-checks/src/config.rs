//! Configuration and hardening rules: what the image's config, build history and final
//! filesystem say about how safely it runs, besides its CVEs.
//!
//! Every rule is one file under `config/rules/` with a stable id (`TG-CFG-001`…), a severity,
//! a title, a remedy and a check over a [`Context`]; [`check_image`] runs them all (less those a
//! run disables, at the severities it chooses) and [`rules`] lists them for documentation and
//! SARIF rule tables.
//!
//! The context is built from one pass over the image: the config (USER, ENV, labels, ports,
//! healthcheck, history), the layers, the inventory (OS and packages), the final filesystem
//! ([`tollgate_oci::MergedView`]), and the few small files the rules read (`/etc/passwd`,
//! `/etc/group`), which [`ConfigFiles`] collects during that pass:
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use tollgate_catalog::{InventoryOptions, analyse};
//! use tollgate_checks::RuleOverrides;
//! use tollgate_checks::config::{ConfigFiles, Context, Date, check_image};
//! use tollgate_oci::{Image, OpenOptions, Target};
//!
//! let image = Image::open(&Target::parse("oci:layout:1.0")?, &OpenOptions::default())?;
//! let files = ConfigFiles::default();
//! let pass = analyse(&image, InventoryOptions { analyzers: &[&files], ..Default::default() })?;
//! let context = Context::new(&image, &pass, &files, Date::today_utc());
//! for finding in check_image(&context, &RuleOverrides::default()) {
//!     println!("{} {:?} {}", finding.id, finding.severity, finding.title);
//! }
//! # Ok(()) }
//! ```

/// The calendar day rules judge dates against (end of life, image age): [`tollgate_match::Date`].
pub use tollgate_match::Date;
use tollgate_match::Severity;

use crate::{CheckFinding, Evidence, RuleOverrides};

mod accounts;
mod context;
mod eol_table;
mod files;
mod history;
mod rules;
mod secrets;
mod tools;

pub use accounts::{GroupEntry, PasswdEntry};
pub use context::{Context, FinalFile, HistoryEntry, ImageConfig};
pub use files::ConfigFiles;

/// One configuration or hardening rule.
pub trait Rule: Sync {
    /// The stable id, `TG-CFG-NNN`.
    fn id(&self) -> &'static str;
    /// The severity unless a run re-rates it.
    fn severity(&self) -> Severity;
    /// What is wrong, in one line.
    fn title(&self) -> &'static str;
    /// What to do about it.
    fn remedy(&self) -> &'static str;
    /// The evidence that the rule applies to the image; empty when it does not.
    fn check(&self, context: &Context<'_>) -> Vec<Evidence>;
}

/// Run every enabled rule over `context`. Findings are sorted by severity (worst first), then
/// by id; each finding's evidence is in the order its rule gives (sorted by path or field).
#[must_use]
pub fn check_image(context: &Context<'_>, overrides: &RuleOverrides) -> Vec<CheckFinding> {
    let mut findings: Vec<CheckFinding> = rules::RULES
        .iter()
        .filter(|rule| overrides.enabled(rule.id()))
        .filter_map(|rule| {
            let evidence = rule.check(context);
            (!evidence.is_empty()).then(|| CheckFinding {
                id: rule.id().to_owned(),
                severity: overrides.severity(rule.id(), rule.severity()),
                title: rule.title().to_owned(),
                evidence,
                remedy: rule.remedy().to_owned(),
            })
        })
        .collect();
    findings.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.id.cmp(&b.id)));
    findings
}

/// Every rule as (id, default severity, title), in id order.
pub fn rules() -> impl Iterator<Item = (&'static str, Severity, &'static str)> {
    rules::RULES
        .iter()
        .map(|rule| (rule.id(), rule.severity(), rule.title()))
}

/// The remedy of rule `id` (for SARIF `help` texts), if there is such a rule.
#[must_use]
pub fn rule_remedy(id: &str) -> Option<&'static str> {
    rules::RULES
        .iter()
        .find(|rule| rule.id() == id)
        .map(|rule| rule.remedy())
}

/// Most pieces of evidence one finding lists; the rest are summed up in one last piece.
const MAX_EVIDENCE: usize = 100;

/// Keep at most [`MAX_EVIDENCE`] pieces, the rest counted in a last one.
fn capped(mut evidence: Vec<Evidence>) -> Vec<Evidence> {
    if evidence.len() > MAX_EVIDENCE {
        let more = evidence.len() - (MAX_EVIDENCE - 1);
        evidence.truncate(MAX_EVIDENCE - 1);
        evidence.push(Evidence {
            field: None,
            path: None,
            layer: None,
            layer_index: None,
            detail: format!("… and {more} more"),
        });
    }
    evidence
}

/// Evidence from a config field.
fn field_evidence(field: impl Into<String>, detail: impl Into<String>) -> Evidence {
    Evidence {
        field: Some(field.into()),
        path: None,
        layer: None,
        layer_index: None,
        detail: detail.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_sequential_and_documented() {
        let all: Vec<_> = rules().collect();
        assert!(all.len() >= 20);
        for (position, (id, _, title)) in all.iter().enumerate() {
            assert_eq!(*id, format!("TG-CFG-{:03}", position + 1));
            assert!(!title.is_empty());
            let remedy = rule_remedy(id).unwrap();
            assert!(remedy.len() > 20, "{id}: {remedy}");
        }
        assert_eq!(rule_remedy("TG-CFG-999"), None);
    }

    #[test]
    fn evidence_is_capped_with_a_count_of_the_rest() {
        let many: Vec<Evidence> = (0..150)
            .map(|i| field_evidence("f", i.to_string()))
            .collect();
        let kept = capped(many);
        assert_eq!(kept.len(), MAX_EVIDENCE);
        assert_eq!(kept[MAX_EVIDENCE - 2].detail, "98");
        assert_eq!(kept[MAX_EVIDENCE - 1].detail, "… and 51 more");
        let few: Vec<Evidence> = (0..3).map(|i| field_evidence("f", i.to_string())).collect();
        assert_eq!(capped(few).len(), 3);
    }
}
