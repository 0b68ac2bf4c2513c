//! Conda packages (`conda-meta`): the records conda (and mamba) keep of every package linked
//! into an environment, one JSON file per package in the environment's `conda-meta` directory
//! (`/opt/conda/conda-meta/pip-22.2.2-py38h06a4308_0.json` for the base environment,
//! `…/envs/<env>/conda-meta/…` for others).
//!
//! Read: `name`, `version` (kept exactly) and `license` (one string, an SPDX expression such as
//! `GPL-3.0-only WITH GCC-exception-3.1`, kept whole). The record also lists every file
//! (`files`, `paths_data`), which can make it several MiB; those fields are skipped unread.
//! Every `*.json` in `conda-meta` is a package record to conda (`PrefixData` loads them all);
//! `history` and other bookkeeping files have no `.json` suffix.
//!
//! Trivy reads only environments under `envs/`; here the base environment is read too, since
//! `/opt/conda` itself is where most images install their packages. The purl is
//! `pkg:conda/<name>@<version>`, as Trivy writes it (without the build string or channel).
//!
//! What is an error: a file that is not JSON, a top level that is not an object, a field read
//! here of the wrong type, or a record without a name or version (Trivy's "unable to parse
//! conda package").

// ref: https://docs.conda.io/projects/conda/en/latest/user-guide/concepts/environments.html
// ref: https://github.com/conda/conda/blob/main/conda/core/prefix_data.py
// ref: https://github.com/aquasecurity/trivy/blob/main/pkg/dependency/parser/conda/meta/parse.go

use std::io::Read;

use tollgate_oci::{Selector, VisitedFile};

use crate::cataloger::{CatalogError, Cataloger, excerpt};
use crate::json::{JsonObject, json};
use crate::{Ecosystem, Package};

const FORMAT: &str = "conda-meta record";

pub(crate) struct CondaMeta;

impl Cataloger for CondaMeta {
    fn id(&self) -> &'static str {
        "conda-meta"
    }

    fn version(&self) -> u32 {
        1
    }

    fn selectors(&self) -> &'static [Selector] {
        &[Selector::Glob("**/conda-meta/*.json")]
    }

    fn catalog(
        &self,
        file: &VisitedFile<'_>,
        content: &mut dyn Read,
    ) -> Result<Vec<Package>, CatalogError> {
        let bytes = tollgate_oci::read_capped(content, file.buffer_limit)?;
        Ok(vec![parse(&bytes)?])
    }
}

#[derive(serde::Deserialize)]
struct Record {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    license: Option<String>,
}

fn parse(bytes: &[u8]) -> Result<Package, CatalogError> {
    let JsonObject(record) = json::<JsonObject<Record>>(FORMAT, bytes)?;
    let name = field("name", record.name)?;
    let version = field("version", record.version)?;
    let mut package = Package::new(Ecosystem::Conda, name, version);
    package.licenses = record
        .license
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty())
        .into_iter()
        .collect();
    Ok(package)
}

/// A name or version: present, not empty, and without whitespace or control characters
/// (conda's match specs separate name, version and build by spaces, so none has one).
fn field(what: &str, value: Option<String>) -> Result<String, CatalogError> {
    let Some(value) = value.filter(|v| !v.is_empty()) else {
        return Err(CatalogError::malformed(FORMAT, format!("no `{what}`")));
    };
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(CatalogError::malformed(
            FORMAT,
            format!(
                "`{what}` `{}` has whitespace in it",
                excerpt(value.as_bytes())
            ),
        ));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: u64 = 64 << 20;

    fn catalog(bytes: &[u8]) -> Result<Vec<Package>, CatalogError> {
        crate::cataloger::testing::catalog(
            &CondaMeta,
            "/opt/conda/conda-meta/x-1-0.json",
            bytes,
            LIMIT,
        )
    }

    /// (name, version, licenses) of the one package.
    fn one(bytes: &[u8]) -> (String, String, Vec<String>) {
        let packages = catalog(bytes).unwrap();
        assert_eq!(packages.len(), 1);
        let p = &packages[0];
        assert_eq!(p.ecosystem, Ecosystem::Conda);
        (p.name.clone(), p.version.clone(), p.licenses.clone())
    }

    fn expect(name: &str, version: &str, licenses: &[&str]) -> (String, String, Vec<String>) {
        (
            name.to_owned(),
            version.to_owned(),
            licenses.iter().map(|l| (*l).to_owned()).collect(),
        )
    }

    fn malformed(result: Result<Vec<Package>, CatalogError>) -> String {
        crate::cataloger::testing::malformed_reason(result, FORMAT)
    }

    #[test]
    fn selectors_and_identity() {
        assert_eq!(CondaMeta.id(), "conda-meta");
        assert_eq!(CondaMeta.version(), 1);
        assert_eq!(
            format!("{:?}", CondaMeta.selectors()),
            r#"[Glob("**/conda-meta/*.json")]"#
        );
    }

    /// Trivy's `meta/parse_test.go` and `meta_test.go` expectations.
    #[test]
    fn trivy_fixtures() {
        let cases = [
            (
                "libgcc-mutex/_libgcc_mutex-0.1-main.json",
                expect("_libgcc_mutex", "0.1", &[]),
            ),
            (
                "libgomp/libgomp-11.2.0-h1234567_1.json",
                expect(
                    "libgomp",
                    "11.2.0",
                    &["GPL-3.0-only WITH GCC-exception-3.1"],
                ),
            ),
            (
                "pip/pip-22.2.2-py38h06a4308_0.json",
                expect("pip", "22.2.2", &["MIT"]),
            ),
        ];
        for (file, expected) in cases {
            let Some(path) = tollgate_test::shared(&format!("fixtures/trivy/conda-meta/{file}"))
            else {
                return;
            };
            assert_eq!(one(&fs_err::read(path).unwrap()), expected, "{file}");
        }
    }

    #[test]
    fn purl() {
        let mut package = catalog(br#"{"name": "pip", "version": "22.2.2", "build": "py38_0"}"#)
            .unwrap()
            .remove(0);
        package.purl = crate::purl::purl(&package, None);
        assert_eq!(package.purl, "pkg:conda/pip@22.2.2");
    }

    #[test]
    fn optional_fields() {
        assert_eq!(
            one(br#"{"name": "a", "version": "1.0", "license": null, "files": [1, {"x": []}]}"#),
            expect("a", "1.0", &[])
        );
        assert_eq!(
            one(b"\xef\xbb\xbf{\"name\": \"a\", \"version\": \"1\", \"license\": \" \"}"),
            expect("a", "1", &[])
        );
    }

    #[test]
    fn malformed_records() {
        assert_eq!(
            malformed(catalog(b"[]")),
            "invalid type: sequence, expected a JSON object at line 1 column 0"
        );
        assert_eq!(malformed(catalog(br#"{"version": "1"}"#)), "no `name`");
        assert_eq!(
            malformed(catalog(br#"{"name": "a", "version": ""}"#)),
            "no `version`"
        );
        assert_eq!(
            malformed(catalog(b"{\"name\": \"a\",\n \"version\": 1.5}")),
            "invalid type: floating point `1.5`, expected a string at line 2 column 15"
        );
        assert_eq!(
            malformed(catalog(
                br#"{"name": "a", "version": "1", "license": ["MIT"]}"#
            )),
            "invalid type: sequence, expected a string at line 1 column 41"
        );
        assert_eq!(
            malformed(catalog(br#"{"name": "a b", "version": "1"}"#)),
            "`name` `a b` has whitespace in it"
        );
        assert_eq!(
            malformed(catalog(b"{\"name\": \"a\"")),
            "EOF while parsing an object at line 1 column 12"
        );
    }

    #[test]
    fn hostile_input() {
        let _ = malformed(catalog(&[0xff; 4096]));
        let every: Vec<u8> = (0..=255u8).cycle().take(1 << 16).collect();
        let _ = malformed(catalog(&every));
        let deep = format!(
            r#"{{"name": "a", "version": "1", "paths_data": {}{}}}"#,
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        // Skipped unread, without recursion.
        assert_eq!(one(deep.as_bytes()).0, "a");
        assert_eq!(
            malformed(catalog(br#"["a", "1.0"]"#)),
            "invalid type: sequence, expected a JSON object at line 1 column 0"
        );
        // A large record (many files) is read; past the buffer limit it is a read error.
        let files: Vec<String> = (0..100_000).map(|i| format!("lib/f{i}.so")).collect();
        let big = serde_json::json!({"name": "big", "version": "1", "files": files}).to_string();
        assert_eq!(one(big.as_bytes()).0, "big");
        let result = crate::cataloger::testing::catalog(
            &CondaMeta,
            "/opt/conda/conda-meta/big-1-0.json",
            big.as_bytes(),
            1024,
        );
        assert!(matches!(result, Err(CatalogError::Read(_))), "{result:?}");
    }
}
