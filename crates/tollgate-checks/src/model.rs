//! What the checks report.

use std::collections::{BTreeMap, BTreeSet};

use tollgate_match::Severity;
use tollgate_oci::Digest;

/// One configuration or hardening finding.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CheckFinding {
    /// The rule's stable id, e.g. `TG-CFG-001`.
    pub id: String,
    /// How bad (after any re-rating of the run).
    pub severity: Severity,
    /// What is wrong, in one line.
    pub title: String,
    /// Where it shows: config fields, files with their layers.
    pub evidence: Vec<Evidence>,
    /// What to do about it.
    pub remedy: String,
}

/// One piece of evidence for a [`CheckFinding`].
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Evidence {
    /// The config field, e.g. `config.User`, `config.Env`, `history[3].created_by`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The file, as an absolute path in the image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The layer that holds the file (or made the history entry).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<Digest>,
    /// The layer's position, 0 = bottom.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer_index: Option<usize>,
    /// The value seen (secrets redacted).
    pub detail: String,
}

/// A secret found in a file of a layer.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SecretFinding {
    /// The rule's stable id, e.g. `TG-SEC-001`.
    pub rule_id: String,
    /// How bad (after any re-rating of the run).
    pub severity: Severity,
    /// What was found, e.g. `AWS access key id`.
    pub title: String,
    /// The file, as an absolute path in the image.
    pub path: String,
    /// The layer that holds the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<Digest>,
    /// The layer's position, 0 = bottom.
    pub layer_index: usize,
    /// 1-based line of the match.
    pub line: u64,
    /// The matched line with the secret redacted.
    pub redacted: String,
    /// Whether this layer's file is the one in the final filesystem; `false` when a later layer
    /// deleted or replaced it (it still ships in this layer).
    pub in_final_image: bool,
}

/// Rules a run disables or re-rates.
#[derive(Clone, Debug, Default)]
pub struct RuleOverrides {
    /// Rule ids not to run.
    pub disabled: BTreeSet<String>,
    /// New severities by rule id.
    pub severity: BTreeMap<String, Severity>,
}

impl RuleOverrides {
    /// Whether rule `id` runs.
    #[must_use]
    pub fn enabled(&self, id: &str) -> bool {
        !self.disabled.contains(id)
    }

    /// The severity of rule `id`: the run's, else the rule's own.
    #[must_use]
    pub fn severity(&self, id: &str, default: Severity) -> Severity {
        self.severity.get(id).copied().unwrap_or(default)
    }
}
