//! TG-CFG-013: ADD from a URL.

use std::sync::LazyLock;

use regex::Regex;
use tollgate_match::Severity;

use crate::Evidence;
use crate::config::{Context, Rule, history};

pub(super) const RULE: RemoteAdd = RemoteAdd;

pub(super) struct RemoteAdd;

/// `ADD [--flags…] <url>` as the classic builder (`#(nop) ADD …`) and BuildKit (`ADD … #
/// buildkit`) record it. Group 1 holds the flags.
static ADD_URL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:^|#\(nop\)\s*|\s)ADD\s+((?:--\S+\s+)*)(?:https?|ftp)://\S+")
        .expect("constant pattern")
});

impl Rule for RemoteAdd {
    fn id(&self) -> &'static str {
        "TG-CFG-013"
    }

    fn severity(&self) -> Severity {
        Severity::Medium
    }

    fn title(&self) -> &'static str {
        "ADD fetched a remote URL without a checksum"
    }

    fn remedy(&self) -> &'static str {
        "Pin what the build downloads: `ADD --checksum=sha256:… <url>`, or download in a RUN \
         step that verifies a pinned checksum or signature; better, take build inputs from a \
         trusted, versioned source in an earlier stage."
    }

    /// History commands `ADD <http(s) or ftp URL>` without `--checksum`.
    fn check(&self, context: &Context<'_>) -> Vec<Evidence> {
        history::matching(context, &[("ADD <url>", &ADD_URL)], |captures| {
            !captures
                .get(1)
                .is_some_and(|flags| flags.as_str().contains("--checksum"))
        })
    }
}
