//! Package URLs as Trivy and Syft emit them, with the distro on OS packages.
//!
//! ref: <https://github.com/package-url/purl-spec/blob/master/PURL-TYPES.rst>

use packageurl::PackageUrl;

use crate::{Ecosystem, OsInfo, Package};

/// The purl of `package` in an image whose OS is `os`. A package the purl library refuses (a
/// name it cannot encode) gets an empty purl rather than a wrong one.
pub(crate) fn purl(package: &Package, os: Option<&OsInfo>) -> String {
    build(package, os)
        .map(|p| p.to_string())
        .unwrap_or_default()
}

fn build<'a>(
    package: &'a Package,
    os: Option<&OsInfo>,
) -> Result<PackageUrl<'a>, packageurl::Error> {
    let (namespace, name) = match package.ecosystem {
        Ecosystem::Golang => match package.name.rsplit_once('/') {
            Some((namespace, name)) => (Some(namespace.to_owned()), name.to_owned()),
            None => (None, package.name.clone()),
        },
        Ecosystem::Deb | Ecosystem::Rpm | Ecosystem::Apk => (
            os.map(|os| os_namespace(package.ecosystem, os)),
            package.name.clone(),
        ),
        _ => (package.namespace.clone(), package.name.clone()),
    };
    let mut purl = PackageUrl::new(package.ecosystem.as_str(), name)?;
    if let Some(namespace) = namespace.filter(|n| !n.is_empty()) {
        purl.with_namespace(namespace)?;
    }
    let version = match (package.ecosystem, &package.epoch) {
        // rpm keeps the epoch in a qualifier, not in the version.
        (Ecosystem::Rpm, Some(epoch)) => package
            .version
            .strip_prefix(&format!("{epoch}:"))
            .unwrap_or(&package.version)
            .to_owned(),
        _ => package.version.clone(),
    };
    if !version.is_empty() {
        purl.with_version(version)?;
    }
    if let Some(arch) = &package.arch {
        purl.add_qualifier("arch", arch.clone())?;
    }
    if package.ecosystem == Ecosystem::Rpm
        && let Some(epoch) = &package.epoch
    {
        purl.add_qualifier("epoch", epoch.clone())?;
    }
    if package.ecosystem.is_os()
        && let Some(os) = os
    {
        let distro = match package.ecosystem {
            Ecosystem::Apk => os.version.clone(),
            _ => format!("{}-{}", os.family, os.version),
        };
        purl.add_qualifier("distro", distro)?;
    }
    if package.ecosystem == Ecosystem::Deb
        && let Some(source) = &package.source_name
    {
        let same_version = package
            .source_version
            .as_ref()
            .is_none_or(|v| *v == package.version);
        if source != &package.name || !same_version {
            let upstream = match &package.source_version {
                Some(version) if !same_version => format!("{source}@{version}"),
                _ => source.clone(),
            };
            purl.add_qualifier("upstream", upstream)?;
        }
    }
    Ok(purl)
}

/// The purl namespace of an OS package: the vendor as Trivy writes it.
fn os_namespace(ecosystem: Ecosystem, os: &OsInfo) -> String {
    match (ecosystem, os.family.as_str()) {
        (Ecosystem::Rpm, "rhel") => "redhat".to_owned(),
        (_, family) => family.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(family: &str, version: &str) -> OsInfo {
        OsInfo {
            family: family.to_owned(),
            version: version.to_owned(),
            ..OsInfo::default()
        }
    }

    #[test]
    fn design_examples() {
        let libc6 = Package {
            arch: Some("amd64".into()),
            source_name: Some("glibc".into()),
            source_version: Some("2.36-9+deb12u4".into()),
            ..Package::new(Ecosystem::Deb, "libc6", "2.36-9+deb12u4")
        };
        assert_eq!(
            purl(&libc6, Some(&os("debian", "12"))),
            "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12&upstream=glibc"
        );
        let openssl = Package {
            arch: Some("x86_64".into()),
            epoch: Some("1".into()),
            ..Package::new(Ecosystem::Rpm, "openssl-libs", "1:1.1.1k-5.el8")
        };
        assert_eq!(
            purl(&openssl, Some(&os("rhel", "8.8"))),
            "pkg:rpm/redhat/openssl-libs@1.1.1k-5.el8?arch=x86_64&distro=rhel-8.8&epoch=1"
        );
        let musl = Package {
            arch: Some("x86_64".into()),
            ..Package::new(Ecosystem::Apk, "musl", "1.2.4-r2")
        };
        assert_eq!(
            purl(&musl, Some(&os("alpine", "3.19.1"))),
            "pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64&distro=3.19.1"
        );
        assert_eq!(
            purl(&Package::new(Ecosystem::Pypi, "urllib3", "1.26.4"), None),
            "pkg:pypi/urllib3@1.26.4"
        );
        let scoped = Package {
            namespace: Some("@scope".into()),
            ..Package::new(Ecosystem::Npm, "name", "1.0.0")
        };
        assert_eq!(purl(&scoped, None), "pkg:npm/%40scope/name@1.0.0");
        assert_eq!(
            purl(
                &Package::new(Ecosystem::Golang, "github.com/x/y", "v1.2.3"),
                None
            ),
            "pkg:golang/github.com/x/y@v1.2.3"
        );
        let log4j = Package {
            namespace: Some("org.apache.logging.log4j".into()),
            ..Package::new(Ecosystem::Maven, "log4j-core", "2.14.1")
        };
        assert_eq!(
            purl(&log4j, None),
            "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"
        );
    }

    #[test]
    fn binnmu_keeps_the_source_version() {
        let package = Package {
            source_name: Some("glibc".into()),
            source_version: Some("2.36-9".into()),
            ..Package::new(Ecosystem::Deb, "libc6", "2.36-9+b1")
        };
        assert!(purl(&package, Some(&os("debian", "12"))).ends_with("upstream=glibc%402.36-9"));
    }
}
