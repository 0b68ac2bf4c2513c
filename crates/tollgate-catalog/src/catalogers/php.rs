//! PHP packages (Composer ecosystem), one cataloger for what is installed and one for what a
//! project locks:
//!
//! - `composer-installed`: `vendor/composer/installed.json`, which Composer writes into the
//!   vendor directory on every install. Composer 1 wrote a JSON array of packages; Composer 2
//!   writes `{"packages": […], "dev": …, "dev-package-names": […]}`. Every package in it is on
//!   disk, so every one is reported, development packages included (when they are listed, they
//!   were installed; `composer install --no-dev` leaves them out of the file).
//! - `composer-lock`: `composer.lock` beside a project's `composer.json`. Its `packages` are
//!   reported and its `packages-dev` are not, as Trivy does by default: they are installed only
//!   for development. A `composer.lock` inside a `vendor` directory is a package's own (as
//!   published) and is skipped, as Trivy skips it.
//!
//! The name `vendor/package` is reported with namespace `vendor` and name `package`, so the purl
//! is `pkg:composer/vendor/package@version` (Packagist advisories use the same two parts).
//! Versions are kept as written: Composer records the tag it installed (`v1.0.2` for
//! `pear/pear_exception`), as Trivy reports it; `version_normalized` (`1.0.2.0`) is not read.
//! Licenses come from `license`, an array of SPDX identifiers (a single string is kept whole).
//!
//! What is an error: a file that is not JSON, a top level of the wrong shape, a field read here
//! of the wrong type, a package without a `name` or `version`, or a name that is not
//! `vendor/package`. Each file's packages are reported once per (name, version).
//!
//! **Lock file and vendor directory together.** When a project `D` has both `D/composer.lock`
//! and `D/vendor/composer/installed.json`, the inventory keeps the installed packages only (the
//! rule is in `collect.rs`, as for npm): the vendor directory is what runs.

// ref: https://getcomposer.org/doc/01-basic-usage.md#commit-your-composer-lock-file-to-version-control
// ref: https://getcomposer.org/doc/04-schema.md#name
// ref: https://github.com/composer/composer/blob/main/src/Composer/Repository/FilesystemRepository.php
// ref: https://github.com/aquasecurity/trivy/blob/main/pkg/dependency/parser/php/composer/parse.go

use std::collections::BTreeSet;
use std::io::Read;

use tollgate_oci::{Selector, VisitedFile};

use crate::cataloger::{CatalogError, Cataloger, excerpt};
use crate::json::{JsonObject, json, without_bom};
use crate::{Ecosystem, Package};

const INSTALLED: &str = "composer installed.json";
const LOCK: &str = "composer.lock";

/// Installed packages: `vendor/composer/installed.json`.
pub(crate) struct ComposerInstalled;

/// Locked packages: `composer.lock`.
pub(crate) struct ComposerLock;

impl Cataloger for ComposerInstalled {
    fn id(&self) -> &'static str {
        "composer-installed"
    }

    fn version(&self) -> u32 {
        1
    }

    fn selectors(&self) -> &'static [Selector] {
        &[Selector::Glob("**/vendor/composer/installed.json")]
    }

    fn catalog(
        &self,
        file: &VisitedFile<'_>,
        content: &mut dyn Read,
    ) -> Result<Vec<Package>, CatalogError> {
        let bytes = tollgate_oci::read_capped(content, file.buffer_limit)?;
        parse_installed(&bytes)
    }
}

impl Cataloger for ComposerLock {
    fn id(&self) -> &'static str {
        "composer-lock"
    }

    fn version(&self) -> u32 {
        1
    }

    fn selectors(&self) -> &'static [Selector] {
        &[Selector::Glob("**/composer.lock")]
    }

    fn catalog(
        &self,
        file: &VisitedFile<'_>,
        content: &mut dyn Read,
    ) -> Result<Vec<Package>, CatalogError> {
        if file.path.split('/').any(|segment| segment == "vendor") {
            return Ok(Vec::new());
        }
        let bytes = tollgate_oci::read_capped(content, file.buffer_limit)?;
        parse_lock(&bytes)
    }
}

/// One package entry, in either file.
#[derive(serde::Deserialize)]
struct Entry {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    license: Option<serde_json::Value>,
}

/// Composer 2's `installed.json`.
#[derive(serde::Deserialize)]
struct Installed {
    #[serde(default)]
    packages: Option<Vec<JsonObject<Entry>>>,
}

/// The part of `composer.lock` read here (`packages-dev` is skipped unread).
#[derive(serde::Deserialize)]
struct Lock {
    #[serde(default)]
    packages: Option<Vec<JsonObject<Entry>>>,
}

fn parse_installed(bytes: &[u8]) -> Result<Vec<Package>, CatalogError> {
    let bytes = without_bom(bytes);
    let entries = match first_byte(bytes) {
        // Composer 1: the packages themselves.
        Some(b'[') => json::<Vec<JsonObject<Entry>>>(INSTALLED, bytes)?,
        Some(b'{') => json::<Installed>(INSTALLED, bytes)?
            .packages
            .unwrap_or_default(),
        Some(other) => {
            return Err(CatalogError::malformed(
                INSTALLED,
                format!(
                    "the top level is neither a JSON array (Composer 1) nor an object \
                     (Composer 2) but starts with `{}`",
                    excerpt(&[other])
                ),
            ));
        }
        None => return Err(CatalogError::malformed(INSTALLED, "the file is empty")),
    };
    packages(INSTALLED, entries)
}

fn parse_lock(bytes: &[u8]) -> Result<Vec<Package>, CatalogError> {
    let bytes = without_bom(bytes);
    match first_byte(bytes) {
        Some(b'{') => {}
        Some(other) => {
            return Err(CatalogError::malformed(
                LOCK,
                format!(
                    "the top level is not a JSON object but starts with `{}`",
                    excerpt(&[other])
                ),
            ));
        }
        None => return Err(CatalogError::malformed(LOCK, "the file is empty")),
    }
    let lock: Lock = json(LOCK, bytes)?;
    packages(LOCK, lock.packages.unwrap_or_default())
}

/// The packages of `entries`, once per (name, version), in order.
fn packages(
    format: &'static str,
    entries: Vec<JsonObject<Entry>>,
) -> Result<Vec<Package>, CatalogError> {
    let mut seen = BTreeSet::new();
    let mut packages = Vec::new();
    for (index, JsonObject(entry)) in entries.into_iter().enumerate() {
        let Some(full) = entry.name.filter(|n| !n.is_empty()) else {
            return Err(CatalogError::malformed(
                format,
                format!("package {} (counting from 1) has no `name`", index + 1),
            ));
        };
        let Some((vendor, name)) = split_name(&full) else {
            return Err(CatalogError::malformed(
                format,
                format!(
                    "`{}` is not a `vendor/package` name",
                    excerpt(full.as_bytes())
                ),
            ));
        };
        let Some(version) = entry.version.filter(|v| !v.trim().is_empty()) else {
            return Err(CatalogError::malformed(
                format,
                format!("package `{}` has no `version`", excerpt(full.as_bytes())),
            ));
        };
        if !seen.insert((full.clone(), version.clone())) {
            continue;
        }
        let mut package = Package::new(Ecosystem::Composer, name, version);
        package.namespace = Some(vendor.to_owned());
        package.licenses = licenses(entry.license.as_ref());
        packages.push(package);
    }
    Ok(packages)
}

/// `vendor/package` into its two parts; `None` for anything else. Composer's own pattern is
/// lowercase (`[a-z0-9]([_.-]?[a-z0-9]+)*`); old lock files keep the capitals a name was
/// first published with, so any case is accepted.
fn split_name(full: &str) -> Option<(&str, &str)> {
    let (vendor, name) = full.split_once('/')?;
    let valid = |part: &str| {
        !part.is_empty()
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
    };
    (valid(vendor) && valid(name)).then_some((vendor, name))
}

/// `license` as Composer writes it: an array of SPDX identifiers, or (in hand-edited files) a
/// single string. Anything else has no license in it.
fn licenses(value: Option<&serde_json::Value>) -> Vec<String> {
    use serde_json::Value;
    let all: Vec<String> = match value {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(|s| s.trim().to_owned())
            .collect(),
        Some(Value::String(one)) => vec![one.trim().to_owned()],
        _ => Vec::new(),
    };
    all.into_iter().filter(|s| !s.is_empty()).collect()
}

fn first_byte(bytes: &[u8]) -> Option<u8> {
    bytes.iter().copied().find(|b| !b.is_ascii_whitespace())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: u64 = 64 << 20;

    fn installed(bytes: &[u8]) -> Result<Vec<Package>, CatalogError> {
        crate::cataloger::testing::catalog(
            &ComposerInstalled,
            "/var/www/html/vendor/composer/installed.json",
            bytes,
            LIMIT,
        )
    }

    fn lock(bytes: &[u8]) -> Result<Vec<Package>, CatalogError> {
        crate::cataloger::testing::catalog(
            &ComposerLock,
            "/var/www/html/composer.lock",
            bytes,
            LIMIT,
        )
    }

    /// `vendor/name@version licenses…` of each package, in order.
    fn rows(packages: &[Package]) -> Vec<String> {
        packages
            .iter()
            .map(|p| {
                assert_eq!(p.ecosystem, Ecosystem::Composer);
                let mut row = format!(
                    "{}/{}@{}",
                    p.namespace.as_deref().unwrap_or("?"),
                    p.name,
                    p.version
                );
                for license in &p.licenses {
                    row.push(' ');
                    row.push_str(license);
                }
                row
            })
            .collect()
    }

    fn fixture(path: &str) -> Option<Vec<u8>> {
        tollgate_test::shared(&format!("fixtures/trivy/{path}"))
            .map(|path| fs_err::read(path).unwrap())
    }

    fn malformed(format: &str, result: Result<Vec<Package>, CatalogError>) -> String {
        crate::cataloger::testing::malformed_reason(result, format)
    }

    #[test]
    fn selectors_and_identity() {
        assert_eq!(ComposerInstalled.id(), "composer-installed");
        assert_eq!(ComposerLock.id(), "composer-lock");
        assert_eq!(ComposerInstalled.version(), 1);
        assert_eq!(ComposerLock.version(), 1);
        assert_eq!(
            format!("{:?}", ComposerInstalled.selectors()),
            r#"[Glob("**/vendor/composer/installed.json")]"#
        );
        assert_eq!(
            format!("{:?}", ComposerLock.selectors()),
            r#"[Glob("**/composer.lock")]"#
        );
    }

    /// Trivy's `vendor_test.go` "happy path": both packages, the version `v1.0.2` as written.
    #[test]
    fn trivy_composer_vendor_happy() {
        let Some(bytes) = fixture("composer-vendor/happy/installed.json") else {
            return;
        };
        assert_eq!(
            rows(&installed(&bytes).unwrap()),
            [
                "pear/log@1.13.3 MIT",
                "pear/pear_exception@v1.0.2 BSD-2-Clause"
            ]
        );
    }

    /// Trivy's composer analyzer on `with-dev`: `packages` only; `pear/log` and
    /// `pear/pear_exception` are in `packages-dev`.
    #[test]
    fn trivy_composer_with_dev() {
        let Some(bytes) = fixture("composer/with-dev/composer.lock") else {
            return;
        };
        assert_eq!(rows(&lock(&bytes).unwrap()), ["psr/log@1.1.4 MIT"]);
    }

    #[test]
    fn purl() {
        let mut package = installed(br#"[{"name": "pear/pear_exception", "version": "v1.0.2"}]"#)
            .unwrap()
            .remove(0);
        package.purl = crate::purl::purl(&package, None);
        assert_eq!(package.purl, "pkg:composer/pear/pear_exception@v1.0.2");
    }

    #[test]
    fn composer_1_and_2_layouts() {
        let v1 = br#"[
            {"name": "monolog/monolog", "version": "1.27.1", "license": ["MIT"]},
            {"name": "Symfony/Yaml", "version": "v2.8.52", "license": "MIT"},
            {"name": "monolog/monolog", "version": "1.27.1"},
            {"name": "a/b", "version": "dev-main", "license": [5, "", "GPL-2.0-or-later", null]}
        ]"#;
        assert_eq!(
            rows(&installed(v1).unwrap()),
            [
                "monolog/monolog@1.27.1 MIT",
                "Symfony/Yaml@v2.8.52 MIT",
                "a/b@dev-main GPL-2.0-or-later"
            ]
        );
        let v2 = br#"{"packages": [{"name": "x/y", "version": "1.0.0"}],
                      "dev": true, "dev-package-names": ["x/y"]}"#;
        assert_eq!(rows(&installed(v2).unwrap()), ["x/y@1.0.0"]);
        assert_eq!(installed(b"\xef\xbb\xbf{}").unwrap(), vec![]);
        assert_eq!(installed(b"[]").unwrap(), vec![]);
        assert_eq!(installed(br#"{"packages": null}"#).unwrap(), vec![]);
        assert_eq!(lock(b"{}").unwrap(), vec![]);
        assert_eq!(
            lock(br#"{"packages-dev": [{"name": "bad name"}], "packages": []}"#).unwrap(),
            vec![]
        );
    }

    #[test]
    fn lock_files_inside_vendor_are_skipped() {
        let result = crate::cataloger::testing::catalog(
            &ComposerLock,
            "/app/vendor/some/package/composer.lock",
            b"not json",
            LIMIT,
        );
        assert_eq!(result.unwrap(), vec![]);
    }

    #[test]
    fn malformed_files() {
        assert_eq!(
            malformed(INSTALLED, installed(b"  \"x\"")),
            "the top level is neither a JSON array (Composer 1) nor an object (Composer 2) but \
             starts with `\\\"`"
        );
        assert_eq!(malformed(INSTALLED, installed(b"")), "the file is empty");
        assert_eq!(
            malformed(LOCK, lock(b"[]")),
            "the top level is not a JSON object but starts with `[`"
        );
        assert_eq!(
            malformed(
                LOCK,
                lock(b"{\"packages\": [\n{\"name\": \"a/b\" \"version\"}]}")
            ),
            "expected `,` or `}` at line 2 column 16"
        );
        assert_eq!(
            malformed(LOCK, lock(br#"{"packages": {"a/b": {}}}"#)),
            "invalid type: map, expected a sequence at line 1 column 13"
        );
        assert_eq!(
            malformed(
                LOCK,
                lock(br#"{"packages": [{"name": "a/b", "version": 1}]}"#)
            ),
            "invalid type: integer `1`, expected a string at line 1 column 42"
        );
        assert_eq!(
            malformed(INSTALLED, installed(br#"[["a/b", "1.0"]]"#)),
            "invalid type: sequence, expected a JSON object at line 1 column 1"
        );
        assert_eq!(
            malformed(LOCK, lock(br#"{"packages": [{"name": ["a/b"]}]}"#)),
            "invalid type: sequence, expected a string at line 1 column 23"
        );
        assert_eq!(
            malformed(INSTALLED, installed(br#"[{"version": "1.0"}]"#)),
            "package 1 (counting from 1) has no `name`"
        );
        assert_eq!(
            malformed(INSTALLED, installed(br#"[{"name": "a/b"}]"#)),
            "package `a/b` has no `version`"
        );
        for bad in ["monolog", "a/b/c", "/b", "a/", "a b/c", "a/b\u{0}"] {
            let json = serde_json::json!([{"name": bad, "version": "1.0"}]).to_string();
            let reason = malformed(INSTALLED, installed(json.as_bytes()));
            assert!(
                reason.ends_with("is not a `vendor/package` name"),
                "{bad:?}: {reason}"
            );
        }
    }

    #[test]
    fn hostile_input() {
        let _ = malformed(INSTALLED, installed(&[0xff; 4096]));
        let every: Vec<u8> = (0..=255u8).cycle().take(1 << 16).collect();
        let _ = malformed(LOCK, lock(&every));
        // Deep nesting: skipped unread without recursion where a field is not read, refused at
        // serde_json's recursion limit where it is (`license`).
        let deep = format!(
            r#"{{"packages": [], "extra": {}{}}}"#,
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        assert_eq!(lock(deep.as_bytes()).unwrap(), vec![]);
        let deep = format!(
            r#"[{{"name": "a/b", "version": "1", "license": {}{}}}]"#,
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        let reason = malformed(INSTALLED, installed(deep.as_bytes()));
        assert!(reason.starts_with("recursion limit exceeded"), "{reason}");
        // Many packages are fine; past the buffer limit is a read error.
        let many = format!(
            "[{}]",
            (0..20_000)
                .map(|i| format!(r#"{{"name": "v/p{i}", "version": "1.0.{i}"}}"#))
                .collect::<Vec<_>>()
                .join(",")
        );
        assert_eq!(installed(many.as_bytes()).unwrap().len(), 20_000);
        let result = crate::cataloger::testing::catalog(
            &ComposerInstalled,
            "/vendor/composer/installed.json",
            many.as_bytes(),
            1024,
        );
        assert!(matches!(result, Err(CatalogError::Read(_))), "{result:?}");
    }
}
