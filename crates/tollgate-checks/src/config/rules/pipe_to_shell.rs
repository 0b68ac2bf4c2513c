//! TG-CFG-014: a download piped into a shell.

use std::sync::LazyLock;

use regex::Regex;
use tollgate_match::Severity;

use crate::Evidence;
use crate::config::{Context, Rule, history};

pub(super) const RULE: PipeToShell = PipeToShell;

pub(super) struct PipeToShell;

const INTERPRETERS: &str = r"(?:sh|bash|dash|ash|zsh|ksh|python[0-9.]*|perl|ruby|node|php)";

/// `curl … | sh`, `wget -O- … | sudo bash`.
static PIPED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"\b(?:curl|wget|fetch)\b[^|;&\n]*\|\s*(?:sudo\s+(?:-\S+\s+)*)?(?:env\s+(?:\S+=\S*\s+)*)?(?:/\S*/)?{INTERPRETERS}\b"
    ))
    .expect("constant pattern")
});
/// `sh -c "$(curl …)"`, `bash <(wget -qO- …)`.
static SUBSTITUTED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r#"\b{INTERPRETERS}\s+(?:-\S+\s+)*(?:["']?\$\(|<\()\s*(?:curl|wget)\b"#
    ))
    .expect("constant pattern")
});

impl Rule for PipeToShell {
    fn id(&self) -> &'static str {
        "TG-CFG-014"
    }

    fn severity(&self) -> Severity {
        Severity::Medium
    }

    fn title(&self) -> &'static str {
        "Build ran a downloaded script without verifying it"
    }

    fn remedy(&self) -> &'static str {
        "Download the script to a file, verify its checksum or signature against a pinned \
         value, then run it; or install the software from a package repository that checks \
         signatures."
    }

    /// History commands that pipe curl/wget output into a shell or interpreter, or run one on
    /// a command or process substitution of a download.
    fn check(&self, context: &Context<'_>) -> Vec<Evidence> {
        history::matching(
            context,
            &[
                ("download piped into an interpreter", &PIPED),
                ("interpreter runs a download", &SUBSTITUTED),
            ],
            |_| true,
        )
    }
}
