//! TG-CFG-003: a shell ships in the image.

use tollgate_match::Severity;

use crate::Evidence;
use crate::config::tools::find_programs;
use crate::config::{Context, Rule, capped};

pub(super) const RULE: Shells = Shells;

pub(super) struct Shells;

/// Shells, and the multi-call binaries that carry one (`busybox sh`, `toybox sh`).
const SHELLS: &[&str] = &[
    "sh", "bash", "dash", "ash", "zsh", "ksh", "ksh93", "mksh", "pdksh", "oksh", "yash", "csh",
    "tcsh", "fish", "rbash", "busybox", "toybox",
];

impl Rule for Shells {
    fn id(&self) -> &'static str {
        "TG-CFG-003"
    }

    fn severity(&self) -> Severity {
        Severity::Low
    }

    fn title(&self) -> &'static str {
        "Shell present"
    }

    fn remedy(&self) -> &'static str {
        "Remove unnecessary tools: build in one stage and copy only what the application runs \
         into a minimal final stage (distroless, scratch, a chiselled image). Without a shell, \
         code execution cannot become shell commands or scripts; debug with ephemeral \
         containers (`kubectl debug`) instead."
    }

    /// Every executable named like a shell in the program directories (the usual ones and the
    /// config's PATH), symbolic links followed inside the image; busybox counts, with the
    /// shell applets that lead to it.
    fn check(&self, context: &Context<'_>) -> Vec<Evidence> {
        capped(find_programs(context, |name| SHELLS.contains(&name)))
    }
}
