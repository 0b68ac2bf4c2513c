//! TG-CFG-004: a package manager ships in the image.

use tollgate_match::Severity;

use crate::Evidence;
use crate::config::tools::{find_programs, versioned};
use crate::config::{Context, Rule, capped};

pub(super) const RULE: PackageManagers = PackageManagers;

pub(super) struct PackageManagers;

/// Package managers of distributions and of the language ecosystems that install code from
/// the network.
const PACKAGE_MANAGERS: &[&str] = &[
    "apt",
    "apt-get",
    "aptitude",
    "dpkg",
    "apk",
    "yum",
    "dnf",
    "dnf5",
    "microdnf",
    "tdnf",
    "rpm",
    "zypper",
    "easy_install",
    "npm",
    "gem",
];

fn wanted(name: &str) -> bool {
    PACKAGE_MANAGERS.contains(&name) || versioned(name, "pip")
}

impl Rule for PackageManagers {
    fn id(&self) -> &'static str {
        "TG-CFG-004"
    }

    fn severity(&self) -> Severity {
        Severity::Low
    }

    fn title(&self) -> &'static str {
        "Package manager present"
    }

    fn remedy(&self) -> &'static str {
        "Remove unnecessary tools: install packages in a build stage and copy the result into a \
         final stage without apt/dpkg, apk, dnf/yum/rpm or pip (distroless, `apk del`, \
         `dpkg --purge` of the package manager as the last step), so that nobody can install \
         software into a running container."
    }

    /// Every executable named like a package manager (apt, apt-get, dpkg, apk, yum, dnf,
    /// microdnf, tdnf, rpm, zypper, pip with any version suffix, easy_install, npm, gem) in
    /// the program directories, symbolic links followed inside the image.
    fn check(&self, context: &Context<'_>) -> Vec<Evidence> {
        capped(find_programs(context, wanted))
    }
}
