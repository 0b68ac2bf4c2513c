//! The package manifest of rpm-based distroless images (CBL-Mariner / Azure Linux distroless),
//! which ship no rpm database: `/var/lib/rpmmanifest/container-manifest-2` is the output of
//! `rpm -qa --qf '%{NAME}\t%{VERSION}-%{RELEASE}\t%{INSTALLTIME}\t%{BUILDTIME}\t%{VENDOR}\t
//! (none)\t%{SIZE}\t%{ARCH}\t%{EPOCHNUM}\t%{SOURCERPM}\n'`, one package per line.
//!
//! `EPOCHNUM` is 0 both for "no epoch" and for epoch 0, so the version carries an epoch only
//! when it is not 0 (the database reader writes `0:` when the tag is present; this file cannot
//! tell). A line that does not have the ten fields is an error naming the line: the file is
//! written by one command, and a line of another shape means it is not that file.

use std::io::Read;

use tollgate_oci::{Selector, VisitedFile};

use super::source;
use crate::cataloger::{CatalogError, Cataloger, excerpt};
use crate::{Ecosystem, Package};

const FORMAT: &str = "rpm container manifest";
const FIELDS: usize = 10;

pub(crate) struct RpmManifest;

impl Cataloger for RpmManifest {
    fn id(&self) -> &'static str {
        "rpm-manifest"
    }

    fn version(&self) -> u32 {
        1
    }

    fn selectors(&self) -> &'static [Selector] {
        &[Selector::Path("var/lib/rpmmanifest/container-manifest-2")]
    }

    fn catalog(
        &self,
        file: &VisitedFile<'_>,
        content: &mut dyn Read,
    ) -> Result<Vec<Package>, CatalogError> {
        let bytes = tollgate_oci::read_capped(content, file.buffer_limit)?;
        parse(&bytes)
    }
}

fn parse(bytes: &[u8]) -> Result<Vec<Package>, CatalogError> {
    let mut packages = Vec::new();
    for (index, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let number = index + 1;
        let line = raw.strip_suffix(b"\r").unwrap_or(raw);
        if line.trim_ascii().is_empty() {
            continue;
        }
        let text = String::from_utf8_lossy(line);
        let fields: Vec<&str> = text.split('\t').collect();
        let error =
            |reason: String| CatalogError::malformed(FORMAT, format!("line {number}: {reason}"));
        let [
            name,
            version_release,
            _,
            _,
            vendor,
            _,
            _,
            arch,
            epoch,
            source_rpm,
        ] = fields[..]
        else {
            return Err(error(format!(
                "{} tab-separated fields, not {FIELDS}: `{}`",
                fields.len(),
                excerpt(line)
            )));
        };
        if name.is_empty() || !version_release.contains('-') {
            return Err(error(format!(
                "`{}` is not a name and a version-release",
                excerpt(line)
            )));
        }
        let epoch: u32 = epoch.parse().map_err(|_| {
            error(format!(
                "epoch `{}` is not a number",
                excerpt(epoch.as_bytes())
            ))
        })?;
        let version = if epoch == 0 {
            version_release.to_owned()
        } else {
            format!("{epoch}:{version_release}")
        };
        let mut package = Package::new(Ecosystem::Rpm, name, version);
        package.epoch = (epoch != 0).then(|| epoch.to_string());
        package.arch = Some(arch.to_owned()).filter(|arch| !arch.is_empty());
        package.vendor = Some(vendor.to_owned()).filter(|v| !v.is_empty() && v != "(none)");
        if let Some((source_name, source_version)) = source(source_rpm.as_bytes()) {
            package.source_name = Some(source_name);
            package.source_version = Some(source_version);
        }
        packages.push(package);
    }
    Ok(packages)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(packages: &[Package]) -> Vec<String> {
        packages
            .iter()
            .map(|p| {
                format!(
                    "{} {} {} {}-{}",
                    p.name,
                    p.version,
                    p.arch.as_deref().unwrap_or(""),
                    p.source_name.as_deref().unwrap_or(""),
                    p.source_version.as_deref().unwrap_or("")
                )
            })
            .collect()
    }

    #[test]
    fn trivy_mariner_distroless_manifest() {
        let Some(path) = tollgate_test::shared(
            "fixtures/trivy/rpm/mariner-distroless-manifest/container-manifest-2",
        ) else {
            return;
        };
        let packages = parse(&fs_err::read(path).unwrap()).unwrap();
        assert_eq!(
            rows(&packages),
            [
                "mariner-release 2.0-12.cm2 noarch mariner-release-2.0-12.cm2",
                "filesystem 1.1-9.cm2 x86_64 filesystem-1.1-9.cm2",
                "glibc 2.35-2.cm2 x86_64 glibc-2.35-2.cm2",
                "ca-certificates-base 1:3.0.0-8.azl3 noarch ca-certificates-3.0.0-8.azl3",
            ]
        );
        assert_eq!(packages[3].epoch.as_deref(), Some("1"));
        assert_eq!(packages[0].vendor.as_deref(), Some("Microsoft Corporation"));
    }

    #[test]
    fn other_shapes_are_errors_naming_the_line() {
        let reason = |bytes: &[u8]| match parse(bytes) {
            Err(CatalogError::Malformed { reason, .. }) => reason,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            reason(b"\n\na\tb\n"),
            "line 3: 2 tab-separated fields, not 10: `a\\tb`"
        );
        assert_eq!(
            reason(b"bash\t5.1\t1\t1\tv\t(none)\t1\tx86_64\t0\tbash-5.1-1.src.rpm\n"),
            "line 1: `bash\\t5.1\\t1\\t1\\tv\\t(none)\\t1\\tx86_64\\t0\\tbash-5.1-1.src.rpm` is not a name and a version-release"
        );
        assert_eq!(
            reason(b"bash\t5.1-1\t1\t1\tv\t(none)\t1\tx86_64\tx\tbash-5.1-1.src.rpm\n"),
            "line 1: epoch `x` is not a number"
        );
        assert!(parse(b"").unwrap().is_empty());
        let every: Vec<u8> = (0..=255u8).cycle().take(1 << 14).collect();
        assert!(parse(&every).is_err());
    }
}
