//! TG-CFG-012: secrets in the build history.

use tollgate_match::Severity;

use crate::Evidence;
use crate::config::secrets::{MASK, excerpt, redact};
use crate::config::{Context, Rule};

pub(super) const RULE: HistorySecrets = HistorySecrets;

pub(super) struct HistorySecrets;

impl Rule for HistorySecrets {
    fn id(&self) -> &'static str {
        "TG-CFG-012"
    }

    fn severity(&self) -> Severity {
        Severity::High
    }

    fn title(&self) -> &'static str {
        "Secret in the build history"
    }

    fn remedy(&self) -> &'static str {
        "Rotate the secret, then rebuild without it: build arguments and command lines are kept \
         in the image's history for anyone who pulls it. Use build secrets \
         (`RUN --mount=type=secret,id=…`) and read them from the mounted file."
    }

    /// `history[].created_by` commands with a secret-named assignment (ENV, ARG values that
    /// buildah and the classic builder record as `|1 NAME=value`, exports), a secret flag
    /// (`--password x`, `--token=x`, `-passin pass:x`), curl credentials (`-u user:pass`), a
    /// password in a URL or a known token format. The command is shown redacted.
    fn check(&self, context: &Context<'_>) -> Vec<Evidence> {
        let Some(config) = &context.config else {
            return Vec::new();
        };
        config
            .history
            .iter()
            .enumerate()
            .filter_map(|(position, entry)| {
                let redacted = redact(&entry.created_by);
                if redacted.kinds.is_empty() {
                    return None;
                }
                let at = redacted.text.find(MASK).unwrap_or_default();
                let kinds: Vec<&str> = redacted.kinds.iter().copied().collect();
                Some(context.history_evidence(
                    position,
                    entry,
                    format!("{} ({})", excerpt(&redacted.text, at, 240), kinds.join(", ")),
                ))
            })
            .collect()
    }
}
