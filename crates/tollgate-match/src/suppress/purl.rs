//! Package URLs compared the way suppression rules need them.
//!
//! A rule's purl identifies a package when type, namespace and name agree (after the purl
//! spec's normalisation, which the `packageurl` crate applies: percent-decoding, lowercase
//! types, lowercase names for the types that say so), and when every further part the rule
//! gives (version, qualifiers, subpath) agrees too. What a rule leaves out it does not
//! constrain: `pkg:deb/debian/openssl` names every build of openssl, `...?arch=amd64` only the
//! amd64 ones.

use std::collections::BTreeMap;
use std::fmt;

use packageurl::PackageUrl;

/// A parsed, normalised purl.
#[derive(Clone, Debug)]
pub(super) struct Purl {
    ty: String,
    namespace: Option<String>,
    name: String,
    version: Option<String>,
    qualifiers: BTreeMap<String, String>,
    subpath: Option<String>,
    /// As written, for messages.
    text: String,
}

impl Purl {
    /// Parse and normalise `text`; the error says what is wrong with it.
    pub(super) fn parse(text: &str) -> Result<Self, String> {
        let trimmed = text.trim();
        let purl = trimmed
            .parse::<PackageUrl<'static>>()
            .map_err(|e| format!("invalid purl `{trimmed}`: {e}"))?;
        let ty = purl.ty().to_owned();
        let mut name = purl.name().to_owned();
        let mut qualifiers: BTreeMap<String, String> = purl
            .qualifiers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            // Trivy's `bom-ref`s are purls with a `package-id` qualifier that tells apart
            // packages with the same purl in one SBOM; it is not part of the package's
            // identity, and BOM-Links into such SBOMs carry it.
            .filter(|(k, _)| k != "package-id")
            .collect();
        match ty.as_str() {
            // The purl spec: pypi names are lowercased with `_` read as `-`; PEP 503 (which
            // the spec's rule comes from) also folds `.` and runs of separators.
            "pypi" => name = tollgate_vulndb::db::normalized_name("PyPI", &name),
            // Repository names are lowercase in the distribution spec; the registry may be
            // written several ways (`docker.io/library/debian`, `debian`).
            "oci" => {
                name = name.to_ascii_lowercase();
                if let Some(url) = qualifiers.get_mut("repository_url") {
                    *url = normalize_repository_url(url);
                }
            }
            _ => {}
        }
        let mut purl = Self {
            ty,
            namespace: purl.namespace().map(str::to_owned),
            name,
            version: purl.version().map(str::to_owned),
            qualifiers,
            subpath: purl.subpath().map(str::to_owned),
            text: trimmed.to_owned(),
        };
        purl.normalize_version();
        Ok(purl)
    }

    fn normalize_version(&mut self) {
        match self.ty.as_str() {
            // An rpm epoch belongs in the `epoch` qualifier (as tollgate, Trivy and Syft write
            // it); a rule that wrote `@1:1.1.1k-5.el8` means the same package.
            "rpm" => {
                if let Some((epoch, rest)) = self.version.as_deref().and_then(|v| v.split_once(':'))
                    && !epoch.is_empty()
                    && epoch.bytes().all(|b| b.is_ascii_digit())
                    && !self.qualifiers.contains_key("epoch")
                {
                    let (epoch, rest) = (epoch.to_owned(), rest.to_owned());
                    self.qualifiers.insert("epoch".to_owned(), epoch);
                    self.version = Some(rest);
                }
            }
            // Digests are lowercase hex (`sha256:ABC...` is the same digest).
            "oci" => self.version = self.version.take().map(|v| v.to_ascii_lowercase()),
            _ => {}
        }
    }

    /// Whether this purl names a container image (`pkg:oci/...`), the OpenVEX way to say "this
    /// image" as a product.
    pub(super) fn is_image(&self) -> bool {
        self.ty == "oci"
    }

    /// This purl with `version` as its version (normalised as [`Purl::parse`] does).
    pub(super) fn with_version(&self, version: &str) -> Self {
        let mut purl = self.clone();
        purl.version = Some(version.trim().to_owned());
        purl.normalize_version();
        purl
    }

    /// The version, as normalised.
    pub(super) fn version(&self) -> Option<&str> {
        self.version.as_deref()
    }

    /// Whether this purl (a rule's) identifies `package`.
    ///
    /// Two image purls that both give a digest identify each other exactly when the digests
    /// agree: a digest names the image's content wherever it is stored, so the repository and
    /// tag a rule writes do not matter then (an image scanned from a local layout has none).
    pub(super) fn identifies(&self, package: &Self) -> bool {
        if self.is_image()
            && package.is_image()
            && let (Some(rule), Some(scanned)) = (&self.version, &package.version)
        {
            return rule == scanned;
        }
        self.ty == package.ty
            && self.namespace == package.namespace
            && self.name == package.name
            && self
                .version
                .as_ref()
                .is_none_or(|v| package.version.as_ref() == Some(v))
            && self
                .subpath
                .as_ref()
                .is_none_or(|s| package.subpath.as_ref() == Some(s))
            && self
                .qualifiers
                .iter()
                .all(|(key, value)| package.qualifier(key) == Some(value.as_str()))
    }

    /// A qualifier's value, or the value the purl spec gives it when absent.
    fn qualifier(&self, key: &str) -> Option<&str> {
        self.qualifiers
            .get(key)
            .map(String::as_str)
            .or(match (self.ty.as_str(), key) {
                // PURL-TYPES: maven `type` defaults to `jar` (CycloneDX's own VEX examples
                // write `?type=jar`, while cataloguers leave it out).
                ("maven", "type") => Some("jar"),
                _ => None,
            })
    }
}

impl fmt::Display for Purl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// One spelling for one repository: no scheme, no trailing slash, Docker Hub as
/// `index.docker.io` (what Trivy writes) with its implicit `library/` for official images.
fn normalize_repository_url(url: &str) -> String {
    let url = url.trim().to_ascii_lowercase();
    let url = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .unwrap_or(&url)
        .trim_end_matches('/');
    // The first segment is a registry host when it looks like one (the rule docker itself
    // uses): it has a dot or a port, or is localhost.
    let (host, path) = match url.split_once('/') {
        Some((first, rest))
            if first.contains('.') || first.contains(':') || first == "localhost" =>
        {
            (first, rest)
        }
        _ => ("docker.io", url),
    };
    if matches!(
        host,
        "docker.io" | "index.docker.io" | "registry-1.docker.io" | "registry.hub.docker.com"
    ) {
        if path.contains('/') {
            format!("index.docker.io/{path}")
        } else {
            format!("index.docker.io/library/{path}")
        }
    } else {
        format!("{host}/{path}")
    }
}

#[cfg(test)]
mod tests {
    use super::{Purl, normalize_repository_url};

    fn purl(text: &str) -> Purl {
        Purl::parse(text).unwrap_or_else(|e| panic!("{e}"))
    }

    fn identifies(rule: &str, package: &str) -> bool {
        purl(rule).identifies(&purl(package))
    }

    #[test]
    fn name_only_rule_matches_every_version_and_build() {
        let pkg =
            "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl";
        assert!(identifies("pkg:deb/debian/libssl3", pkg));
        assert!(identifies("pkg:deb/debian/libssl3@3.0.11-1~deb12u2", pkg));
        assert!(!identifies("pkg:deb/debian/libssl3@3.0.11-1~deb12u1", pkg));
        assert!(!identifies("pkg:deb/ubuntu/libssl3", pkg));
        assert!(!identifies("pkg:rpm/debian/libssl3", pkg));
        assert!(!identifies("pkg:deb/debian/libssl", pkg));
    }

    #[test]
    fn qualifiers_in_the_rule_must_be_in_the_package() {
        let pkg = "pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64&distro=3.19.1";
        assert!(identifies("pkg:apk/alpine/musl?arch=x86_64", pkg));
        assert!(identifies(
            "pkg:apk/alpine/musl@1.2.4-r2?distro=3.19.1&arch=x86_64",
            pkg
        ));
        assert!(!identifies("pkg:apk/alpine/musl?arch=aarch64", pkg));
        // A qualifier the package does not have is not a match: the rule is narrower.
        assert!(!identifies("pkg:apk/alpine/musl?os=linux", pkg));
        // Qualifiers the package has and the rule leaves out do not matter.
        assert!(identifies("pkg:apk/alpine/musl", pkg));
    }

    #[test]
    fn scoped_npm_names_in_both_spellings() {
        let pkg = "pkg:npm/%40angular/core@16.2.0";
        assert!(identifies("pkg:npm/@angular/core", pkg));
        assert!(identifies("pkg:npm/%40angular/core@16.2.0", pkg));
        assert!(identifies("pkg:npm/@angular/core@16.2.0", pkg));
        assert!(!identifies("pkg:npm/core@16.2.0", pkg));
        assert!(!identifies("pkg:npm/%40angular/core@16.2.1", pkg));
        // npm names are lowercase in the purl spec.
        assert!(identifies("pkg:npm/%40angular/Core", pkg));
    }

    #[test]
    fn spec_normalisation_applies_to_both_sides() {
        // Type case, PEP 503 names, percent-encoding.
        assert!(identifies(
            "pkg:PyPI/Django_Rest.Framework",
            "pkg:pypi/django-rest-framework@3.14.0"
        ));
        assert!(identifies(
            "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4",
            "pkg:deb/debian/libc6@2.36-9+deb12u4?arch=amd64"
        ));
        assert!(identifies(
            "pkg:golang/github.com/x/net@v0.17.0",
            "pkg:golang/github.com/x/net@v0.17.0"
        ));
        assert!(!identifies(
            "pkg:golang/github.com/x/net@0.17.0",
            "pkg:golang/github.com/x/net@v0.17.0"
        ));
    }

    #[test]
    fn maven_type_defaults_to_jar() {
        let pkg = "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.10.0";
        assert!(identifies(
            "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.10.0?type=jar",
            pkg
        ));
        assert!(!identifies(
            "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.10.0?type=pom",
            pkg
        ));
    }

    #[test]
    fn rpm_epoch_in_version_or_qualifier() {
        let pkg = "pkg:rpm/redhat/openssl-libs@1.1.1k-5.el8?arch=x86_64&epoch=1";
        assert!(identifies(
            "pkg:rpm/redhat/openssl-libs@1:1.1.1k-5.el8",
            pkg
        ));
        assert!(identifies(
            "pkg:rpm/redhat/openssl-libs@1.1.1k-5.el8?epoch=1",
            pkg
        ));
        assert!(!identifies(
            "pkg:rpm/redhat/openssl-libs@2:1.1.1k-5.el8",
            pkg
        ));
    }

    #[test]
    fn images_compare_by_name_digest_and_repository() {
        let image = "pkg:oci/debian@sha256%3Aabc123?arch=amd64&repository_url=index.docker.io%2Flibrary%2Fdebian";
        assert!(identifies("pkg:oci/debian", image));
        assert!(identifies("pkg:oci/debian@sha256:ABC123", image));
        assert!(!identifies("pkg:oci/debian@sha256:def456", image));
        assert!(identifies(
            "pkg:oci/debian?repository_url=docker.io/library/debian",
            image
        ));
        assert!(identifies("pkg:oci/debian?repository_url=debian", image));
        assert!(!identifies(
            "pkg:oci/debian?repository_url=ghcr.io/acme/debian",
            image
        ));
        assert!(!identifies("pkg:oci/alpine", image));
        assert!(purl(image).is_image());
        assert!(!purl("pkg:deb/debian/bash").is_image());
    }

    #[test]
    fn a_digest_names_the_image_wherever_it_is_stored() {
        let scanned = "pkg:oci/debian-bookworm-app@sha256%3Aabc123?arch=amd64&tag=1.0";
        assert!(identifies(
            "pkg:oci/app@sha256:abc123?repository_url=ghcr.io/acme/app&tag=v2",
            scanned
        ));
        assert!(!identifies(
            "pkg:oci/debian-bookworm-app@sha256:abc124",
            scanned
        ));
        // Without a digest on either side, the name and qualifiers decide.
        assert!(identifies("pkg:oci/debian-bookworm-app?tag=1.0", scanned));
        assert!(!identifies("pkg:oci/debian-bookworm-app?tag=2.0", scanned));
        assert!(!identifies(
            "pkg:oci/debian-bookworm-app@sha256:abc123",
            "pkg:oci/debian-bookworm-app?tag=1.0"
        ));
    }

    #[test]
    fn trivy_package_ids_are_not_identity() {
        assert!(identifies(
            "pkg:pypi/urllib3@1.26.4?package-id=0f1e2d3c4b5a6978",
            "pkg:pypi/urllib3@1.26.4"
        ));
    }

    #[test]
    fn a_version_set_later_is_normalised_like_a_parsed_one() {
        let rule = purl("pkg:rpm/redhat/openssl-libs?arch=x86_64").with_version("1:1.1.1k-5.el8");
        assert!(rule.identifies(&purl(
            "pkg:rpm/redhat/openssl-libs@1.1.1k-5.el8?arch=x86_64&epoch=1"
        )));
        assert_eq!(rule.version(), Some("1.1.1k-5.el8"));
    }

    #[test]
    fn repository_urls_have_one_spelling() {
        for (written, normal) in [
            ("docker.io/library/debian", "index.docker.io/library/debian"),
            (
                "https://index.docker.io/library/debian/",
                "index.docker.io/library/debian",
            ),
            ("debian", "index.docker.io/library/debian"),
            ("bitnami/redis", "index.docker.io/bitnami/redis"),
            ("ghcr.io/aquasecurity/trivy", "ghcr.io/aquasecurity/trivy"),
            ("localhost:5000/app", "localhost:5000/app"),
            ("GHCR.io/Acme/App", "ghcr.io/acme/app"),
        ] {
            assert_eq!(normalize_repository_url(written), normal, "{written}");
        }
    }

    #[test]
    fn invalid_purls_are_errors_that_quote_them() {
        for bad in [
            "",
            "deb/debian/bash",
            "pkg:",
            "pkg:deb/",
            "pkg:oci/ns/name",
            "https://example.com/x",
        ] {
            let error = Purl::parse(bad).expect_err(bad);
            assert!(error.contains("invalid purl"), "{bad}: {error}");
        }
    }
}
