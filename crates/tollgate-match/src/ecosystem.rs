//! Which advisory ecosystem, name and version a package is looked up under, and which version
//! ordering applies (OSV's ecosystem names: <https://ossf.github.io/osv-schema/#affectedpackage-field>).

use tollgate_catalog::{Ecosystem, OsInfo, Package};
use tollgate_version::Ecosystem as Scheme;

/// A package as the advisories name it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    /// OSV ecosystem (`Debian:12`, `Alpine:v3.18`, `PyPI`...).
    pub ecosystem: String,
    /// Name in that ecosystem (the source package for Debian, the origin for Alpine).
    pub name: String,
    /// The version compared (the source version for Debian).
    pub version: String,
    /// The ordering of `ECOSYSTEM` ranges.
    pub scheme: Scheme,
}

/// The OSV ecosystem of an OS's packages, or why there is none.
///
/// # Errors
/// A reason when the OS has no advisory ecosystem tollgate knows.
pub fn advisory_ecosystem(os: &OsInfo) -> Result<String, String> {
    let major = os.version.split('.').next().unwrap_or("");
    let numeric = !major.is_empty() && major.chars().all(|c| c.is_ascii_digit());
    let needs_number = || {
        if numeric {
            Ok(())
        } else {
            Err(format!(
                "{} `{}` has no release number (a testing or unstable release has no security advisories)",
                os.family, os.version
            ))
        }
    };
    match os.family.as_str() {
        "debian" => needs_number().map(|()| format!("Debian:{major}")),
        "ubuntu" => {
            // LTS releases are YY.04 with an even YY.
            let lts = os.version.split_once('.').is_some_and(|(year, month)| {
                month == "04" && year.parse::<u32>().is_ok_and(|y| y % 2 == 0)
            });
            Ok(if lts {
                format!("Ubuntu:{}:LTS", os.version)
            } else {
                format!("Ubuntu:{}", os.version)
            })
        }
        "alpine" => {
            let mut parts = os.version.split('.');
            match (parts.next(), parts.next()) {
                (Some(major), Some(minor)) => Ok(format!("Alpine:v{major}.{minor}")),
                _ => Err(format!("alpine `{}` is not a release version", os.version)),
            }
        }
        "wolfi" => Ok("Wolfi".to_owned()),
        "chainguard" => Ok("Chainguard".to_owned()),
        "rocky" => needs_number().map(|()| format!("Rocky Linux:{major}")),
        "alma" | "almalinux" => needs_number().map(|()| format!("AlmaLinux:{major}")),
        "mariner" => Ok(format!("Mariner:{}", os.version)),
        "azurelinux" => Ok(format!("Azure Linux:{}", os.version)),
        "opensuse" | "opensuse-leap" => Ok(format!("openSUSE:Leap {}", os.version)),
        "photon" => Ok(format!("Photon OS:{}", os.version)),
        other => Err(format!(
            "no advisory feed tollgate reads covers {other} {} packages",
            os.version
        )),
    }
}

/// How `package` is looked up and compared.
///
/// # Errors
/// A reason when its ecosystem has no advisory data tollgate can match (no OS for an OS
/// package, an OS without a feed, conda).
pub fn query_for(package: &Package, os: Option<&OsInfo>) -> Result<Query, String> {
    let query = |ecosystem: String, name: String, version: String, scheme| Query {
        ecosystem,
        name,
        version,
        scheme,
    };
    let os_ecosystem = || {
        os.ok_or_else(|| "an OS package, but the image's OS is not known".to_owned())
            .and_then(advisory_ecosystem)
    };
    let with_namespace = |separator: &str| match &package.namespace {
        Some(namespace) => format!("{namespace}{separator}{}", package.name),
        None => package.name.clone(),
    };
    Ok(match package.ecosystem {
        // Debian and Ubuntu publish by source package; a binNMU binary (`+b1`) carries its
        // source's version in `Source:`.
        Ecosystem::Deb => query(
            os_ecosystem()?,
            package
                .source_name
                .clone()
                .unwrap_or_else(|| package.name.clone()),
            package
                .source_version
                .clone()
                .unwrap_or_else(|| package.version.clone()),
            Scheme::Deb,
        ),
        // Alpine's secdb is keyed by the origin package (the APKBUILD).
        Ecosystem::Apk => query(
            os_ecosystem()?,
            package
                .source_name
                .clone()
                .unwrap_or_else(|| package.name.clone()),
            package.version.clone(),
            Scheme::Apk,
        ),
        Ecosystem::Rpm => query(
            os_ecosystem()?,
            package.name.clone(),
            package.version.clone(),
            Scheme::Rpm,
        ),
        Ecosystem::Pypi => query(
            "PyPI".into(),
            package.name.clone(),
            package.version.clone(),
            Scheme::Pep440,
        ),
        Ecosystem::Npm => query(
            "npm".into(),
            with_namespace("/"),
            package.version.clone(),
            Scheme::Semver,
        ),
        Ecosystem::Golang => query(
            "Go".into(),
            package.name.clone(),
            package.version.clone(),
            Scheme::Go,
        ),
        Ecosystem::Cargo => query(
            "crates.io".into(),
            package.name.clone(),
            package.version.clone(),
            Scheme::Cargo,
        ),
        Ecosystem::Maven => query(
            "Maven".into(),
            with_namespace(":"),
            package.version.clone(),
            Scheme::Maven,
        ),
        Ecosystem::Gem => query(
            "RubyGems".into(),
            package.name.clone(),
            package.version.clone(),
            Scheme::Gem,
        ),
        Ecosystem::Composer => query(
            "Packagist".into(),
            with_namespace("/"),
            package.version.clone(),
            Scheme::Composer,
        ),
        Ecosystem::Nuget => query(
            "NuGet".into(),
            package.name.clone(),
            package.version.clone(),
            Scheme::Nuget,
        ),
        Ecosystem::Conda => {
            return Err("no advisory feed tollgate reads covers conda packages".into());
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(family: &str, version: &str) -> OsInfo {
        OsInfo {
            family: family.into(),
            version: version.into(),
            ..OsInfo::default()
        }
    }

    #[test]
    fn os_ecosystems_as_osv_names_them() {
        assert_eq!(
            advisory_ecosystem(&os("debian", "12")).unwrap(),
            "Debian:12"
        );
        assert_eq!(
            advisory_ecosystem(&os("debian", "12.4")).unwrap(),
            "Debian:12"
        );
        assert!(advisory_ecosystem(&os("debian", "trixie/sid")).is_err());
        assert_eq!(
            advisory_ecosystem(&os("ubuntu", "22.04")).unwrap(),
            "Ubuntu:22.04:LTS"
        );
        assert_eq!(
            advisory_ecosystem(&os("ubuntu", "23.10")).unwrap(),
            "Ubuntu:23.10"
        );
        assert_eq!(
            advisory_ecosystem(&os("alpine", "3.18.0")).unwrap(),
            "Alpine:v3.18"
        );
        assert_eq!(
            advisory_ecosystem(&os("rocky", "9.3")).unwrap(),
            "Rocky Linux:9"
        );
        assert!(advisory_ecosystem(&os("plan9", "4")).is_err());
    }

    #[test]
    fn debian_packages_are_looked_up_by_source() {
        let mut libc = Package::new(Ecosystem::Deb, "libc6", "2.36-9+deb12u4+b1");
        libc.source_name = Some("glibc".into());
        libc.source_version = Some("2.36-9+deb12u4".into());
        let query = query_for(&libc, Some(&os("debian", "12"))).unwrap();
        assert_eq!(
            (
                query.ecosystem.as_str(),
                query.name.as_str(),
                query.version.as_str()
            ),
            ("Debian:12", "glibc", "2.36-9+deb12u4")
        );
        assert!(query_for(&libc, None).is_err());
        let mut scoped = Package::new(Ecosystem::Npm, "parser", "7.23.6");
        scoped.namespace = Some("@babel".into());
        assert_eq!(query_for(&scoped, None).unwrap().name, "@babel/parser");
        let mut log4j = Package::new(Ecosystem::Maven, "log4j-core", "2.14.1");
        log4j.namespace = Some("org.apache.logging.log4j".into());
        assert_eq!(
            query_for(&log4j, None).unwrap().name,
            "org.apache.logging.log4j:log4j-core"
        );
    }
}
