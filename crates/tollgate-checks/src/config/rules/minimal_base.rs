//! TG-CFG-020: a full distribution where a minimal base would do.

use std::collections::BTreeMap;

use tollgate_match::Severity;

use crate::Evidence;
use crate::config::{Context, Rule};

pub(super) const RULE: MinimalBase = MinimalBase;

pub(super) struct MinimalBase;

/// More OS packages than this is more than a minimal base: distroless images have about 5-20
/// (static-debian12: 4, base-debian12: about 10), Alpine about 15, ubi-micro about 20, while
/// debian:*-slim has about 80.
const MAX_MINIMAL_PACKAGES: usize = 40;

const MIB: u64 = 1024 * 1024;

impl Rule for MinimalBase {
    fn id(&self) -> &'static str {
        "TG-CFG-020"
    }

    fn severity(&self) -> Severity {
        Severity::Low
    }

    fn title(&self) -> &'static str {
        "Large base image: a minimal base would ship far less"
    }

    fn remedy(&self) -> &'static str {
        "Use a minimal base for the final stage: a distroless image (gcr.io/distroless/static \
         or base, or the distribution's own: Mariner/Azure Linux distroless, ubi-micro), \
         Alpine, or scratch for static binaries. Every package left out is one less to patch \
         and one less for an attacker to use."
    }

    /// More than 40 OS packages (deb, rpm, apk) in the inventory; the evidence gives the count
    /// by ecosystem, the size of the final filesystem and what a minimal base weighs.
    fn check(&self, context: &Context<'_>) -> Vec<Evidence> {
        let mut by_ecosystem: BTreeMap<&str, usize> = BTreeMap::new();
        for package in &context.inventory.packages {
            if package.ecosystem.is_os() {
                *by_ecosystem.entry(package.ecosystem.as_str()).or_default() += 1;
            }
        }
        let total: usize = by_ecosystem.values().sum();
        if total <= MAX_MINIMAL_PACKAGES {
            return Vec::new();
        }
        let counts: Vec<String> = by_ecosystem
            .iter()
            .map(|(ecosystem, count)| format!("{count} {ecosystem}"))
            .collect();
        let filesystem = context.filesystem();
        let os = context
            .inventory
            .os
            .as_ref()
            .and_then(|os| os.pretty_name.clone())
            .unwrap_or_else(|| "the base".to_owned());
        vec![Evidence {
            field: None,
            path: None,
            layer: None,
            layer_index: None,
            detail: format!(
                "{os}: {} OS packages, {:.1} MiB in {} files; a distroless or Alpine base has \
                 about 5-20 packages and under 30 MiB",
                counts.join(" + "),
                filesystem.total_size as f64 / MIB as f64,
                filesystem.regular_files
            ),
        }]
    }
}
