//! TG-CFG-011: secrets in labels.

use tollgate_match::Severity;

use crate::Evidence;
use crate::config::secrets::secret_entry;
use crate::config::{Context, Rule, field_evidence};

pub(super) const RULE: LabelSecrets = LabelSecrets;

pub(super) struct LabelSecrets;

impl Rule for LabelSecrets {
    fn id(&self) -> &'static str {
        "TG-CFG-011"
    }

    fn severity(&self) -> Severity {
        Severity::High
    }

    fn title(&self) -> &'static str {
        "Secret in a label of the image"
    }

    fn remedy(&self) -> &'static str {
        "Remove the secret from the labels (they are public to anyone who can pull the image) \
         and rotate it; labels are for metadata such as the source repository and revision."
    }

    /// `config.Labels` entries named like a secret with a value that could be one, and values
    /// in a known token format; values are redacted.
    fn check(&self, context: &Context<'_>) -> Vec<Evidence> {
        let Some(config) = &context.config else {
            return Vec::new();
        };
        config
            .labels
            .iter()
            .filter_map(|(name, value)| {
                let (kinds, shown) = secret_entry(name, value)?;
                let kinds: Vec<&str> = kinds.into_iter().collect();
                Some(field_evidence(
                    "config.Labels",
                    format!("{name}={shown} ({})", kinds.join(", ")),
                ))
            })
            .collect()
    }
}
