//! What every format says about configuration findings and secrets: the order they are shown in
//! and the words for their evidence and layers.

use std::cmp::{Ordering, Reverse};

use tollgate_checks::{CheckFinding, Evidence, SecretFinding};
use tollgate_oci::Digest;

use crate::ScanReport;

/// What tells two pieces of evidence apart, in order.
fn evidence_key(evidence: &Evidence) -> impl Ord + '_ {
    (
        evidence.field.as_deref(),
        evidence.path.as_deref(),
        evidence.layer_index,
        evidence.layer.as_ref().map(Digest::hex),
        evidence.detail.as_str(),
    )
}

/// Worst first, then by rule id, title and evidence: a total order, so that a format does not
/// depend on the order the checks ran in.
fn check_order(a: &CheckFinding, b: &CheckFinding) -> Ordering {
    (Reverse(a.severity), &a.id, &a.title)
        .cmp(&(Reverse(b.severity), &b.id, &b.title))
        .then_with(|| {
            a.evidence
                .iter()
                .map(evidence_key)
                .cmp(b.evidence.iter().map(evidence_key))
        })
        .then_with(|| a.remedy.cmp(&b.remedy))
}

/// Worst first, then by file, layer, line and rule: a total order.
fn secret_order(a: &SecretFinding, b: &SecretFinding) -> Ordering {
    let key = |s: &'_ SecretFinding| {
        (
            Reverse(s.severity),
            s.path.clone(),
            s.layer_index,
            s.line,
            s.rule_id.clone(),
            s.title.clone(),
            s.layer.as_ref().map(|layer| layer.hex().to_owned()),
            s.redacted.clone(),
            s.in_final_image,
        )
    };
    key(a).cmp(&key(b))
}

/// The report's configuration findings, worst first.
pub(crate) fn sorted_checks(report: &ScanReport) -> Vec<&CheckFinding> {
    let mut checks: Vec<&CheckFinding> = report.checks.iter().collect();
    checks.sort_by(|a, b| check_order(a, b));
    checks
}

/// The report's secrets, worst first.
pub(crate) fn sorted_secrets(report: &ScanReport) -> Vec<&SecretFinding> {
    let mut secrets: Vec<&SecretFinding> = report.secrets.iter().collect();
    secrets.sort_by(|a, b| secret_order(a, b));
    secrets
}

/// A layer as people read it: its position and the short form of its digest
/// (`layer 1 (222222222222)`).
pub(crate) fn layer_text(index: Option<usize>, digest: Option<&Digest>) -> Option<String> {
    match (index, digest) {
        (Some(index), Some(digest)) => Some(format!("layer {index} ({})", digest.short())),
        (Some(index), None) => Some(format!("layer {index}")),
        (None, Some(digest)) => Some(format!("layer {}", digest.short())),
        (None, None) => None,
    }
}

/// Where a piece of evidence is: the config field, the file and its layer
/// (`/usr/bin/passwd in layer 0 (111111111111)`); empty when it names none.
fn evidence_place(evidence: &Evidence) -> String {
    let mut place: Vec<String> = Vec::new();
    if let Some(field) = &evidence.field {
        place.push(field.clone());
    }
    if let Some(path) = &evidence.path {
        place.push(path.clone());
    }
    if let Some(layer) = layer_text(evidence.layer_index, evidence.layer.as_ref()) {
        if place.is_empty() {
            place.push(layer);
        } else {
            place.push(format!("in {layer}"));
        }
    }
    place.join(" ")
}

/// A piece of evidence in one line: where, then what was seen
/// (`config.User: root`, `/usr/bin/passwd in layer 0 (111111111111): setuid root`).
pub(crate) fn evidence_text(evidence: &Evidence) -> String {
    let place = evidence_place(evidence);
    match (place.is_empty(), evidence.detail.is_empty()) {
        (true, _) => evidence.detail.clone(),
        (false, true) => place,
        (false, false) => format!("{place}: {}", evidence.detail),
    }
}

/// The first piece of evidence, through `fit` (which may shorten it), and how many more there
/// are (`… (+2 more)`).
pub(crate) fn first_evidence(check: &CheckFinding, fit: &dyn Fn(&str) -> String) -> String {
    let Some(first) = check.evidence.first() else {
        return String::new();
    };
    let text = fit(&evidence_text(first));
    match check.evidence.len() - 1 {
        0 => text,
        more => format!("{text} (+{more} more)"),
    }
}

/// What people are told about a secret whose file a later layer deleted or replaced.
pub(crate) const NOT_IN_FINAL_IMAGE: &str =
    "deleted or replaced by a later layer, but the layer shown still ships it";

#[cfg(test)]
mod tests {
    use tollgate_match::Severity;

    use super::*;

    fn digest(hex_digit: char) -> Digest {
        format!("sha256:{}", hex_digit.to_string().repeat(64))
            .parse()
            .unwrap()
    }

    #[test]
    fn evidence_reads_as_one_line() {
        let config = Evidence {
            field: Some("config.User".into()),
            path: None,
            layer: None,
            layer_index: None,
            detail: "root".into(),
        };
        assert_eq!(evidence_text(&config), "config.User: root");
        let file = Evidence {
            field: None,
            path: Some("/usr/bin/passwd".into()),
            layer: Some(digest('1')),
            layer_index: Some(0),
            detail: "setuid root".into(),
        };
        assert_eq!(
            evidence_text(&file),
            "/usr/bin/passwd in layer 0 (111111111111): setuid root"
        );
        let check = CheckFinding {
            id: "TG-CFG-1".into(),
            severity: Severity::Medium,
            title: "setuid".into(),
            evidence: vec![file.clone(), file.clone(), file],
            remedy: "chmod u-s".into(),
        };
        let whole = |text: &str| text.to_owned();
        assert!(first_evidence(&check, &whole).ends_with("setuid root (+2 more)"));
        assert_eq!(
            first_evidence(&check, &|text: &str| text[..4].to_owned()),
            "/usr (+2 more)"
        );
        assert_eq!(
            first_evidence(
                &CheckFinding {
                    evidence: vec![],
                    ..check
                },
                &whole
            ),
            ""
        );
    }
}
