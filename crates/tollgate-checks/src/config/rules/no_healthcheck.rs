//! TG-CFG-008: no HEALTHCHECK.

use tollgate_match::Severity;

use crate::Evidence;
use crate::config::{Context, Rule, field_evidence};

pub(super) const RULE: NoHealthcheck = NoHealthcheck;

pub(super) struct NoHealthcheck;

impl Rule for NoHealthcheck {
    fn id(&self) -> &'static str {
        "TG-CFG-008"
    }

    fn severity(&self) -> Severity {
        Severity::Low
    }

    fn title(&self) -> &'static str {
        "No HEALTHCHECK"
    }

    fn remedy(&self) -> &'static str {
        "Add a HEALTHCHECK that probes the service, so that Docker, Swarm and Podman can tell a \
         hung container from a healthy one; where Kubernetes runs the image (it ignores \
         HEALTHCHECK) define liveness and readiness probes instead. OCI-format image configs \
         cannot carry a healthcheck: build in Docker format to keep one."
    }

    /// The config has no `Healthcheck` (or no test in it), or `HEALTHCHECK NONE` turned the
    /// base image's off.
    fn check(&self, context: &Context<'_>) -> Vec<Evidence> {
        let Some(config) = &context.config else {
            return Vec::new();
        };
        let detail = match config.healthcheck.as_deref() {
            None | Some([]) => "config.Healthcheck is absent",
            Some([first, ..]) if first == "NONE" => "HEALTHCHECK NONE disables the healthcheck",
            Some(_) => return Vec::new(),
        };
        vec![field_evidence("config.Healthcheck", detail)]
    }
}
