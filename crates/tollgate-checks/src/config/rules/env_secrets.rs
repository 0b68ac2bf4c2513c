//! TG-CFG-010: secrets in ENV.

use tollgate_match::Severity;

use crate::Evidence;
use crate::config::secrets::secret_entry;
use crate::config::{Context, Rule, field_evidence};

pub(super) const RULE: EnvSecrets = EnvSecrets;

pub(super) struct EnvSecrets;

impl Rule for EnvSecrets {
    fn id(&self) -> &'static str {
        "TG-CFG-010"
    }

    fn severity(&self) -> Severity {
        Severity::High
    }

    fn title(&self) -> &'static str {
        "Secret in an environment variable of the image"
    }

    fn remedy(&self) -> &'static str {
        "Remove the secret from ENV (anyone who can pull the image can read its config) and \
         rotate it; pass secrets at run time (orchestrator secrets mounted as files, or \
         environment set by the deployment), and use build secrets (`RUN --mount=type=secret`) \
         for what the build needs."
    }

    /// `config.Env` entries named like a secret (PASSWORD, TOKEN, SECRET, API_KEY, …, not
    /// `…_FILE`/`…_PATH` pointers) with a value that is not empty, a reference or a path; and
    /// values in a known token format (AWS key ids, GitHub/GitLab/Slack/Stripe/npm/PyPI
    /// tokens, private keys, passwords in URLs). Values are redacted.
    fn check(&self, context: &Context<'_>) -> Vec<Evidence> {
        context
            .env()
            .filter_map(|(name, value)| {
                let (kinds, shown) = secret_entry(name, value)?;
                let kinds: Vec<&str> = kinds.into_iter().collect();
                Some(field_evidence(
                    "config.Env",
                    format!("{name}={shown} ({})", kinds.join(", ")),
                ))
            })
            .collect()
    }
}
