//! TG-CFG-018: the distribution release is past its regular security support.

use tollgate_match::Severity;

use super::eol_release::os_evidence;
use crate::Evidence;
use crate::config::eol_table::{Lookup, lookup};
use crate::config::{Context, Rule};

pub(super) const RULE: LtsOnlyRelease = LtsOnlyRelease;

pub(super) struct LtsOnlyRelease;

impl Rule for LtsOnlyRelease {
    fn id(&self) -> &'static str {
        "TG-CFG-018"
    }

    fn severity(&self) -> Severity {
        Severity::Low
    }

    fn title(&self) -> &'static str {
        "Base image distribution release is past its regular security support"
    }

    fn remedy(&self) -> &'static str {
        "Plan the move to the current release: after regular support, security updates come \
         only from the long-term support team, for fewer packages and architectures, until \
         the end of life."
    }

    /// The detected OS release has a long-term support phase (Debian LTS) and `today` is in
    /// it: after the end of regular security support, before the end of life.
    fn check(&self, context: &Context<'_>) -> Vec<Evidence> {
        let Some(os) = &context.inventory.os else {
            return Vec::new();
        };
        match lookup(&os.family, &os.version, os.pretty_name.as_deref()) {
            Some(Lookup::Known(release)) if release.in_long_term_support(context.today) => {
                vec![os_evidence(
                    context,
                    format!(
                        "{}: regular security support ended {}; long-term support until {} \
                         (source: {})",
                        release.name,
                        release.regular_end,
                        release.eol,
                        release.source
                    ),
                )]
            }
            _ => Vec::new(),
        }
    }
}
