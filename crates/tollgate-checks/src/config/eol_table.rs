//! When distribution releases stop getting security updates. Each row names its source; dates
//! the vendor gives only to the month use the month's last day. `regular_end` is when the
//! distribution's own, free security support ends (Debian's security team, Ubuntu's standard
//! support); `eol` is when free security support ends altogether (after Debian LTS); `extended`
//! names paid support beyond that, which an image from the public archives does not get.
//!
//! Rows are looked up by the family and version of [`tollgate_catalog::OsInfo`]: a row's
//! version matches the image's version exactly or as its leading components (`3.18` matches
//! Alpine `3.18.0`, `8` matches RHEL `8.8`).

use super::Date;

/// One release.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Release {
    /// [`tollgate_catalog::OsInfo::family`].
    pub(crate) family: &'static str,
    /// The version, or its leading components.
    pub(crate) version: &'static str,
    /// Text the OS's pretty name must contain for this row (CentOS Stream vs CentOS Linux).
    pub(crate) variant: Option<&'static str>,
    /// The release, for people.
    pub(crate) name: &'static str,
    /// End of regular security support, `YYYY-MM-DD` (the last supported day).
    pub(crate) regular_end: &'static str,
    /// End of all free security support, `YYYY-MM-DD`.
    pub(crate) eol: &'static str,
    /// Paid support after `eol`, for people.
    pub(crate) extended: Option<&'static str>,
    /// Where the dates come from.
    pub(crate) source: &'static str,
}

/// A release whose free support ends at once (no LTS phase).
const fn row(
    family: &'static str,
    version: &'static str,
    name: &'static str,
    eol: &'static str,
    extended: Option<&'static str>,
    source: &'static str,
) -> Release {
    Release {
        family,
        version,
        variant: None,
        name,
        regular_end: eol,
        eol,
        extended,
        source,
    }
}

const DEBIAN: &str = "https://wiki.debian.org/LTS, https://www.debian.org/releases/";
const UBUNTU: &str = "https://ubuntu.com/about/release-cycle, https://wiki.ubuntu.com/Releases";
const ALPINE: &str = "https://alpinelinux.org/releases/";
const RHEL: &str = "https://access.redhat.com/support/policy/updates/errata";
const CENTOS: &str = "https://www.centos.org/centos-linux-eol/";
const CENTOS_STREAM: &str = "https://www.centos.org/centos-stream/";
const ROCKY: &str = "https://wiki.rockylinux.org/rocky/version/";
const ALMA: &str = "https://wiki.almalinux.org/release-notes/";
const FEDORA: &str = "https://docs.fedoraproject.org/en-US/releases/eol/";
const AMAZON_1: &str = "https://aws.amazon.com/amazon-linux-ami/faqs/";
const AMAZON_2: &str = "https://aws.amazon.com/amazon-linux-2/faqs/";
const AMAZON_2023: &str = "https://docs.aws.amazon.com/linux/al2023/ug/release-cadence.html";
const SLES: &str = "https://www.suse.com/lifecycle/";
const LEAP: &str = "https://en.opensuse.org/Lifetime";
// Microsoft announced the end of CBL-Mariner 2.0 for July 2025 (Azure Linux 3.0 replaces it).
const MARINER: &str = "https://learn.microsoft.com/en-us/azure/azure-linux/support-cycle";

const ESM: Option<&str> = Some("Expanded Security Maintenance with Ubuntu Pro");
const ELS: Option<&str> = Some("Extended Life Cycle Support, a paid Red Hat add-on");
const LTSS: Option<&str> = Some("Long Term Service Pack Support, a paid SUSE add-on");

/// The table.
#[rustfmt::skip]
pub(crate) const RELEASES: &[Release] = &[
    // Debian: three years of the security team, then two of Debian LTS (free, same archive).
    debian("7", "Debian 7 (wheezy)", "2016-04-25", "2018-05-31"),
    debian("8", "Debian 8 (jessie)", "2018-06-17", "2020-06-30"),
    debian("9", "Debian 9 (stretch)", "2020-07-06", "2022-06-30"),
    debian("10", "Debian 10 (buster)", "2022-09-10", "2024-06-30"),
    debian("11", "Debian 11 (bullseye)", "2024-08-14", "2026-08-31"),
    debian("12", "Debian 12 (bookworm)", "2026-06-10", "2028-06-30"),
    // Announced as three years after the release of 2025-08-09; LTS as planned.
    debian("13", "Debian 13 (trixie)", "2028-08-09", "2030-06-30"),
    // Ubuntu: free standard support, then ESM for Ubuntu Pro subscribers only. Canonical
    // gives LTS ends to the month.
    row("ubuntu", "14.04", "Ubuntu 14.04 LTS", "2019-04-30", ESM, UBUNTU),
    row("ubuntu", "16.04", "Ubuntu 16.04 LTS", "2021-04-30", ESM, UBUNTU),
    row("ubuntu", "18.04", "Ubuntu 18.04 LTS", "2023-05-31", ESM, UBUNTU),
    row("ubuntu", "20.04", "Ubuntu 20.04 LTS", "2025-05-31", ESM, UBUNTU),
    row("ubuntu", "22.04", "Ubuntu 22.04 LTS", "2027-06-30", ESM, UBUNTU),
    row("ubuntu", "23.10", "Ubuntu 23.10", "2024-07-11", None, UBUNTU),
    row("ubuntu", "24.04", "Ubuntu 24.04 LTS", "2029-05-31", ESM, UBUNTU),
    row("ubuntu", "24.10", "Ubuntu 24.10", "2025-07-10", None, UBUNTU),
    // Alpine: the main repository of a branch is supported for two years.
    row("alpine", "3.0", "Alpine 3.0", "2016-05-01", None, ALPINE),
    row("alpine", "3.1", "Alpine 3.1", "2016-11-01", None, ALPINE),
    row("alpine", "3.2", "Alpine 3.2", "2017-05-01", None, ALPINE),
    row("alpine", "3.3", "Alpine 3.3", "2017-11-01", None, ALPINE),
    row("alpine", "3.4", "Alpine 3.4", "2018-05-01", None, ALPINE),
    row("alpine", "3.5", "Alpine 3.5", "2018-11-01", None, ALPINE),
    row("alpine", "3.6", "Alpine 3.6", "2019-05-01", None, ALPINE),
    row("alpine", "3.7", "Alpine 3.7", "2019-11-01", None, ALPINE),
    row("alpine", "3.8", "Alpine 3.8", "2020-05-01", None, ALPINE),
    row("alpine", "3.9", "Alpine 3.9", "2021-01-01", None, ALPINE),
    row("alpine", "3.10", "Alpine 3.10", "2021-05-01", None, ALPINE),
    row("alpine", "3.11", "Alpine 3.11", "2021-11-01", None, ALPINE),
    row("alpine", "3.12", "Alpine 3.12", "2022-05-01", None, ALPINE),
    row("alpine", "3.13", "Alpine 3.13", "2022-11-01", None, ALPINE),
    row("alpine", "3.14", "Alpine 3.14", "2023-05-01", None, ALPINE),
    row("alpine", "3.15", "Alpine 3.15", "2023-11-01", None, ALPINE),
    row("alpine", "3.16", "Alpine 3.16", "2024-05-23", None, ALPINE),
    row("alpine", "3.17", "Alpine 3.17", "2024-11-22", None, ALPINE),
    row("alpine", "3.18", "Alpine 3.18", "2025-05-09", None, ALPINE),
    row("alpine", "3.19", "Alpine 3.19", "2025-11-01", None, ALPINE),
    row("alpine", "3.20", "Alpine 3.20", "2026-04-01", None, ALPINE),
    row("alpine", "3.21", "Alpine 3.21", "2026-11-01", None, ALPINE),
    row("alpine", "3.22", "Alpine 3.22", "2027-05-01", None, ALPINE),
    row("alpine", "3.23", "Alpine 3.23", "2027-11-01", None, ALPINE),
    // RHEL (and UBI images, which carry the same os-release): end of maintenance support.
    row("rhel", "6", "Red Hat Enterprise Linux 6", "2020-11-30", ELS, RHEL),
    row("rhel", "7", "Red Hat Enterprise Linux 7", "2024-06-30", ELS, RHEL),
    row("rhel", "8", "Red Hat Enterprise Linux 8", "2029-05-31", ELS, RHEL),
    row("rhel", "9", "Red Hat Enterprise Linux 9", "2032-05-31", ELS, RHEL),
    // CentOS Stream before CentOS Linux: both say `ID=centos`, only the name tells them apart.
    Release { variant: Some("Stream"), ..row("centos", "8", "CentOS Stream 8", "2024-05-31", None, CENTOS_STREAM) },
    Release { variant: Some("Stream"), ..row("centos", "9", "CentOS Stream 9", "2027-05-31", None, CENTOS_STREAM) },
    row("centos", "6", "CentOS Linux 6", "2020-11-30", None, CENTOS),
    row("centos", "7", "CentOS Linux 7", "2024-06-30", None, CENTOS),
    row("centos", "8", "CentOS Linux 8", "2021-12-31", None, CENTOS),
    row("rocky", "8", "Rocky Linux 8", "2029-05-31", None, ROCKY),
    row("rocky", "9", "Rocky Linux 9", "2032-05-31", None, ROCKY),
    row("alma", "8", "AlmaLinux 8", "2029-03-01", None, ALMA),
    row("alma", "9", "AlmaLinux 9", "2032-05-31", None, ALMA),
    row("fedora", "35", "Fedora 35", "2022-12-13", None, FEDORA),
    row("fedora", "36", "Fedora 36", "2023-05-16", None, FEDORA),
    row("fedora", "37", "Fedora 37", "2023-12-05", None, FEDORA),
    row("fedora", "38", "Fedora 38", "2024-05-21", None, FEDORA),
    row("fedora", "39", "Fedora 39", "2024-11-26", None, FEDORA),
    row("fedora", "40", "Fedora 40", "2025-05-13", None, FEDORA),
    row("fedora", "41", "Fedora 41", "2025-12-15", None, FEDORA),
    row("amazon", "2018.03", "Amazon Linux AMI 2018.03", "2023-12-31", None, AMAZON_1),
    row("amazon", "2", "Amazon Linux 2", "2026-06-30", None, AMAZON_2),
    row("amazon", "2023", "Amazon Linux 2023", "2029-06-30", None, AMAZON_2023),
    // SLES: each service pack's general support (BCI images follow the service pack).
    row("sles", "12.5", "SUSE Linux Enterprise Server 12 SP5", "2024-10-31", LTSS, SLES),
    row("sles", "15.1", "SUSE Linux Enterprise Server 15 SP1", "2021-01-31", LTSS, SLES),
    row("sles", "15.2", "SUSE Linux Enterprise Server 15 SP2", "2021-12-31", LTSS, SLES),
    row("sles", "15.3", "SUSE Linux Enterprise Server 15 SP3", "2022-12-31", LTSS, SLES),
    row("sles", "15.4", "SUSE Linux Enterprise Server 15 SP4", "2023-12-31", LTSS, SLES),
    row("sles", "15.5", "SUSE Linux Enterprise Server 15 SP5", "2024-12-31", LTSS, SLES),
    row("sles", "15.6", "SUSE Linux Enterprise Server 15 SP6", "2025-12-31", LTSS, SLES),
    row("opensuse", "15.2", "openSUSE Leap 15.2", "2022-01-04", None, LEAP),
    row("opensuse", "15.3", "openSUSE Leap 15.3", "2022-12-31", None, LEAP),
    row("opensuse", "15.4", "openSUSE Leap 15.4", "2023-12-07", None, LEAP),
    row("opensuse", "15.5", "openSUSE Leap 15.5", "2024-12-31", None, LEAP),
    row("opensuse", "15.6", "openSUSE Leap 15.6", "2026-04-30", None, LEAP),
    row("mariner", "1.0", "CBL-Mariner 1.0", "2023-07-31", None, MARINER),
    row("mariner", "2.0", "CBL-Mariner 2.0", "2025-07-31", None, MARINER),
];

const fn debian(
    version: &'static str,
    name: &'static str,
    regular_end: &'static str,
    eol: &'static str,
) -> Release {
    Release {
        family: "debian",
        version,
        variant: None,
        name,
        regular_end,
        eol,
        extended: Some("Extended LTS by third parties"),
        source: DEBIAN,
    }
}

impl Release {
    /// Whether `today` is after the end of all free security support.
    pub(crate) fn ended(&self, today: Date) -> bool {
        Date::parse(self.eol).is_some_and(|eol| today > eol)
    }

    /// Whether `today` is after the end of regular support and not after the end of life.
    pub(crate) fn in_long_term_support(&self, today: Date) -> bool {
        Date::parse(self.regular_end).is_some_and(|end| today > end) && !self.ended(today)
    }
}

/// Where an OS release stands.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Lookup {
    /// The release is in the table.
    Known(&'static Release),
    /// The family is in the table, and the version is older than all its releases there.
    OlderThan(&'static Release),
}

/// The row for `family` `version` (`pretty_name` tells variants apart).
pub(crate) fn lookup(family: &str, version: &str, pretty_name: Option<&str>) -> Option<Lookup> {
    let version = version.trim();
    let rows = RELEASES.iter().filter(|release| release.family == family);
    let matches = |release: &&Release| {
        (version == release.version
            || version
                .strip_prefix(release.version)
                .is_some_and(|rest| rest.starts_with('.')))
            && release
                .variant
                .is_none_or(|variant| pretty_name.is_some_and(|name| name.contains(variant)))
    };
    if let Some(release) = rows.clone().find(matches) {
        return Some(Lookup::Known(release));
    }
    let key = numeric(version)?;
    let oldest = rows
        .filter(|release| release.variant.is_none())
        .filter_map(|release| Some((numeric(release.version)?, release)))
        .min_by(|a, b| a.0.cmp(&b.0))?;
    (key < oldest.0).then_some(Lookup::OlderThan(oldest.1))
}

/// `3.18.0` → [3, 18, 0]; `None` unless every component is a number.
fn numeric(version: &str) -> Option<Vec<u64>> {
    version
        .split('.')
        .map(|part| part.parse().ok())
        .collect::<Option<Vec<u64>>>()
        .filter(|parts| !parts.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_date_is_a_real_day_and_support_ends_in_order() {
        for release in RELEASES {
            let regular_end = Date::parse(release.regular_end).unwrap();
            let eol = Date::parse(release.eol).unwrap();
            assert_eq!(regular_end.to_string(), release.regular_end);
            assert_eq!(eol.to_string(), release.eol);
            assert!(regular_end <= eol, "{}", release.name);
            assert!(release.source.starts_with("https://"), "{}", release.name);
        }
    }

    #[test]
    fn looks_up_releases_by_leading_components() {
        let name = |found: Option<Lookup>| match found {
            Some(Lookup::Known(release)) => format!("known {}", release.name),
            Some(Lookup::OlderThan(release)) => format!("older than {}", release.name),
            None => "none".to_owned(),
        };
        assert_eq!(name(lookup("alpine", "3.18.0", None)), "known Alpine 3.18");
        assert_eq!(name(lookup("alpine", "3.1", None)), "known Alpine 3.1");
        assert_eq!(name(lookup("alpine", "3.10.2", None)), "known Alpine 3.10");
        assert_eq!(
            name(lookup("debian", "12", None)),
            "known Debian 12 (bookworm)"
        );
        assert_eq!(
            name(lookup("rhel", "8.8", None)),
            "known Red Hat Enterprise Linux 8"
        );
        assert_eq!(
            name(lookup("sles", "15.3", None)),
            "known SUSE Linux Enterprise Server 15 SP3"
        );
        assert_eq!(name(lookup("amazon", "2", None)), "known Amazon Linux 2");
        assert_eq!(
            name(lookup("amazon", "2023", None)),
            "known Amazon Linux 2023"
        );
        assert_eq!(
            name(lookup("centos", "8", Some("CentOS Stream 8"))),
            "known CentOS Stream 8"
        );
        assert_eq!(
            name(lookup("centos", "8", Some("CentOS Linux 8"))),
            "known CentOS Linux 8"
        );
        assert_eq!(
            name(lookup("mariner", "2.0", None)),
            "known CBL-Mariner 2.0"
        );
        assert_eq!(
            name(lookup("debian", "5", None)),
            "older than Debian 7 (wheezy)"
        );
        assert_eq!(
            name(lookup("alpine", "2.7.9", None)),
            "older than Alpine 3.0"
        );
        // Newer than the table, not numeric, or an unknown family: nothing is claimed.
        assert_eq!(name(lookup("debian", "14", None)), "none");
        assert_eq!(name(lookup("debian", "forky", None)), "none");
        assert_eq!(name(lookup("wolfi", "20230201", None)), "none");
        assert_eq!(name(lookup("alpine", "3.230", None)), "none");
    }
}
