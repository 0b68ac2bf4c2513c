//! Which operating system an image is: os-release first, then the distribution's own release
//! files.
//!
//! ref: <https://www.freedesktop.org/software/systemd/man/latest/os-release.html>

use std::collections::BTreeMap;

use crate::OsInfo;

/// Files that can tell the OS, relative to the root, in the order they are trusted.
pub(crate) const OS_FILES: &[&str] = &[
    "etc/os-release",
    "usr/lib/os-release",
    "etc/alpine-release",
    "etc/debian_version",
    "etc/redhat-release",
    "etc/centos-release",
    "etc/system-release",
    "etc/mariner-release",
    "etc/lsb-release",
];

/// Decide the OS from the final content of the files in [`OS_FILES`] (path → content).
pub(crate) fn detect(files: &BTreeMap<&str, String>) -> Option<OsInfo> {
    let release = files
        .get("etc/os-release")
        .or_else(|| files.get("usr/lib/os-release"))
        .map(|text| parse_os_release(text));
    let mut os = release.and_then(|fields| from_os_release(&fields));
    // os-release of Debian testing/unstable has no VERSION_ID; Alpine's os-release carries only
    // major.minor.patch of the base: the release files are more precise.
    if let Some(info) = &mut os {
        match info.family.as_str() {
            "alpine" => {
                if let Some(version) = files
                    .get("etc/alpine-release")
                    .map(|v| v.trim())
                    .filter(|v| !v.is_empty())
                {
                    info.version = version.to_owned();
                }
            }
            "debian" if info.version.is_empty() => {
                if let Some(version) = files.get("etc/debian_version").map(|v| v.trim()) {
                    info.version = debian_version(version, info.codename.as_deref());
                }
            }
            _ => {}
        }
        return Some(info.clone());
    }
    if let Some(version) = files.get("etc/alpine-release") {
        return Some(OsInfo {
            family: "alpine".to_owned(),
            version: version.trim().to_owned(),
            ..OsInfo::default()
        });
    }
    if let Some(version) = files.get("etc/debian_version") {
        return Some(OsInfo {
            family: "debian".to_owned(),
            version: debian_version(version.trim(), None),
            ..OsInfo::default()
        });
    }
    for file in [
        "etc/redhat-release",
        "etc/centos-release",
        "etc/system-release",
        "etc/mariner-release",
    ] {
        if let Some(text) = files.get(file)
            && let Some(info) = from_release_line(text)
        {
            return Some(info);
        }
    }
    None
}

/// `12.4` → `12`; `trixie/sid` → the codename.
fn debian_version(text: &str, codename: Option<&str>) -> String {
    match text.split('.').next() {
        Some(major) if !major.is_empty() && major.bytes().all(|b| b.is_ascii_digit()) => {
            major.to_owned()
        }
        _ => codename.map_or_else(
            || text.split('/').next().unwrap_or(text).to_owned(),
            str::to_owned,
        ),
    }
}

/// `KEY=value` lines, with shell-style quotes removed.
pub(crate) fn parse_os_release(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|line| {
            let line = line.trim();
            if line.starts_with('#') {
                return None;
            }
            let (key, value) = line.split_once('=')?;
            let value = value.trim();
            let unquoted = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
                .unwrap_or(value);
            Some((key.trim().to_owned(), unquoted.replace("\\\"", "\"")))
        })
        .collect()
}

fn from_os_release(fields: &BTreeMap<String, String>) -> Option<OsInfo> {
    let id = fields.get("ID")?.to_ascii_lowercase();
    let family = match id.as_str() {
        "debian" | "ubuntu" | "alpine" | "centos" | "rocky" | "fedora" | "photon" | "mariner"
        | "azurelinux" | "wolfi" | "chainguard" => id.clone(),
        "rhel" | "redhat" => "rhel".to_owned(),
        "almalinux" => "alma".to_owned(),
        "amzn" => "amazon".to_owned(),
        "ol" => "oracle".to_owned(),
        "sles" | "sled" | "sle-micro" => "sles".to_owned(),
        id if id.starts_with("opensuse") => "opensuse".to_owned(),
        other => other.to_owned(),
    };
    let codename = fields
        .get("VERSION_CODENAME")
        .filter(|c| !c.is_empty())
        .cloned()
        .or_else(|| {
            // Debian before VERSION_CODENAME: `VERSION="9 (stretch)"`.
            let version = fields.get("VERSION")?;
            let start = version.find('(')? + 1;
            let end = version[start..].find(')')? + start;
            Some(version[start..end].to_owned())
                .filter(|c| c.chars().all(|ch| ch.is_ascii_alphabetic()))
        });
    let version = fields.get("VERSION_ID").cloned().unwrap_or_default();
    Some(OsInfo {
        family,
        version,
        codename,
        pretty_name: fields.get("PRETTY_NAME").cloned(),
    })
}

/// `Red Hat Enterprise Linux release 8.8 (Ootpa)`, `CentOS Linux release 7.9.2009 (Core)`.
fn from_release_line(text: &str) -> Option<OsInfo> {
    let line = text.lines().next()?.trim();
    let lower = line.to_ascii_lowercase();
    let family = [
        ("red hat", "rhel"),
        ("centos", "centos"),
        ("rocky", "rocky"),
        ("almalinux", "alma"),
        ("fedora", "fedora"),
        ("amazon", "amazon"),
        ("oracle", "oracle"),
        ("cbl-mariner", "mariner"),
    ]
    .iter()
    .find(|(needle, _)| lower.contains(needle))
    .map(|(_, family)| *family)?;
    let version = line
        .split_whitespace()
        .find(|word| word.starts_with(|c: char| c.is_ascii_digit()))?
        .to_owned();
    Some(OsInfo {
        family: family.to_owned(),
        version,
        codename: None,
        pretty_name: Some(line.to_owned()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect_from(files: &[(&'static str, &str)]) -> Option<OsInfo> {
        detect(&files.iter().map(|(k, v)| (*k, (*v).to_owned())).collect())
    }

    #[test]
    fn debian_and_testing() {
        let bookworm = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\nVERSION_CODENAME=bookworm\nID=debian\n";
        let os = detect_from(&[
            ("etc/os-release", bookworm),
            ("etc/debian_version", "12.12\n"),
        ])
        .unwrap();
        assert_eq!(
            (
                os.family.as_str(),
                os.version.as_str(),
                os.codename.as_deref()
            ),
            ("debian", "12", Some("bookworm"))
        );
        let trixie = "PRETTY_NAME=\"Debian GNU/Linux trixie/sid\"\nNAME=\"Debian GNU/Linux\"\nVERSION_CODENAME=trixie\nID=debian\n";
        let os = detect_from(&[
            ("etc/os-release", trixie),
            ("etc/debian_version", "trixie/sid\n"),
        ])
        .unwrap();
        assert_eq!(
            (os.version.as_str(), os.codename.as_deref()),
            ("trixie", Some("trixie"))
        );
        let os =
            detect_from(&[("etc/os-release", trixie), ("etc/debian_version", "13.1\n")]).unwrap();
        assert_eq!(os.version, "13");
    }

    #[test]
    fn others() {
        let alpine = "NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.18.0\n";
        assert_eq!(
            detect_from(&[
                ("etc/os-release", alpine),
                ("etc/alpine-release", "3.18.4\n")
            ])
            .unwrap()
            .version,
            "3.18.4"
        );
        assert_eq!(
            detect_from(&[("etc/alpine-release", "3.4.2\n")])
                .unwrap()
                .family,
            "alpine"
        );
        let rhel = detect_from(&[(
            "etc/redhat-release",
            "Red Hat Enterprise Linux release 8.8 (Ootpa)\n",
        )])
        .unwrap();
        assert_eq!(
            (rhel.family.as_str(), rhel.version.as_str()),
            ("rhel", "8.8")
        );
        let sles =
            detect_from(&[("etc/os-release", "ID=\"sles\"\nVERSION_ID=\"15.3\"\n")]).unwrap();
        assert_eq!(
            (sles.family.as_str(), sles.version.as_str()),
            ("sles", "15.3")
        );
        let amzn =
            detect_from(&[("etc/os-release", "ID=\"amzn\"\nVERSION_ID=\"2023\"\n")]).unwrap();
        assert_eq!(amzn.family, "amazon");
        let old = detect_from(&[(
            "etc/os-release",
            "ID=debian\nVERSION_ID=\"9\"\nVERSION=\"9 (stretch)\"\n",
        )])
        .unwrap();
        assert_eq!(old.codename.as_deref(), Some("stretch"));
        assert_eq!(detect_from(&[]), None);
    }
}
