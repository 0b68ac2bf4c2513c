//! TG-CFG-017: the distribution release gets no more security updates.

use tollgate_match::Severity;

use crate::Evidence;
use crate::config::eol_table::{Lookup, lookup};
use crate::config::{Context, Rule};

pub(super) const RULE: EolRelease = EolRelease;

pub(super) struct EolRelease;

/// Files the OS can have been told by, in the order they are trusted.
const RELEASE_FILES: &[&str] = &[
    "/etc/os-release",
    "/usr/lib/os-release",
    "/etc/alpine-release",
    "/etc/debian_version",
    "/etc/redhat-release",
    "/etc/system-release",
    "/etc/mariner-release",
];

/// Evidence naming the OS release file (resolved, with its layer) and `detail`.
pub(super) fn os_evidence(context: &Context<'_>, detail: String) -> Evidence {
    match RELEASE_FILES
        .iter()
        .find_map(|path| context.regular_file(path))
    {
        Some(file) => context.file_evidence(&file.path, file.layer, detail),
        None => Evidence {
            field: None,
            path: None,
            layer: None,
            layer_index: None,
            detail,
        },
    }
}

impl Rule for EolRelease {
    fn id(&self) -> &'static str {
        "TG-CFG-017"
    }

    fn severity(&self) -> Severity {
        Severity::High
    }

    fn title(&self) -> &'static str {
        "Base image distribution release is end of life"
    }

    fn remedy(&self) -> &'static str {
        "Rebuild on a supported release of the distribution (or another supported base): an \
         end-of-life release gets no security fixes, so its vulnerabilities stay open and many \
         go unreported by scanners."
    }

    /// The detected OS release is in the table of release dates and `today` is after the end
    /// of its free security support (Debian: after LTS), or its version is older than every
    /// release of its family in the table.
    fn check(&self, context: &Context<'_>) -> Vec<Evidence> {
        let Some(os) = &context.inventory.os else {
            return Vec::new();
        };
        let detail = match lookup(&os.family, &os.version, os.pretty_name.as_deref()) {
            Some(Lookup::Known(release)) if release.ended(context.today) => {
                let mut detail = format!(
                    "{}: security support ended {} (source: {})",
                    release.name, release.eol, release.source
                );
                if let Some(extended) = release.extended {
                    detail.push_str(&format!("; beyond that only {extended}"));
                }
                detail
            }
            Some(Lookup::OlderThan(oldest)) => format!(
                "{} {} is older than {}, whose security support ended {} (source: {})",
                os.family, os.version, oldest.name, oldest.eol, oldest.source
            ),
            _ => return Vec::new(),
        };
        vec![os_evidence(context, detail)]
    }
}
