//! Installed Node.js packages (`node-package`): the `package.json` at the root of each package
//! under a `node_modules` directory.
//!
//! Which files: `…/node_modules/<name>/package.json` and
//! `…/node_modules/@<scope>/<name>/package.json`, at any depth, so nested installs
//! (`node_modules/a/node_modules/b/package.json`), global ones
//! (`/usr/local/lib/node_modules/npm/…`) and pnpm's store
//! (`node_modules/.pnpm/ms@2.1.3/node_modules/ms/package.json`) are all found. A `package.json`
//! deeper inside a package (`node_modules/a/lib/package.json`, often just `{"type": "module"}`,
//! or a test fixture with a name and a version) is not a package: Node resolves packages by
//! their folder under `node_modules`, and `npm ls` lists exactly those. Trivy and Syft read
//! every `package.json` and keep those with a name and a version, which reports such fixtures
//! as packages; the selectors here only take package roots. The folder name is not compared
//! with the `name` field: an alias installs `ms` in `node_modules/my-ms/`, and the package is
//! `ms`.
//!
//! What is read: `name`, `version`, and the licenses (`license` as a string or the legacy
//! `{"type": …}` object, else the legacy `licenses` list). What is reported and what is an error:
//! - A file without a `name` or a `version` (or with an empty one) is not an installed package
//!   and gives no packages, as in Trivy.
//! - A file that is not JSON, or whose `name` or `version` is not a string, or whose name is not
//!   a package name, is an error naming the line (npm could not have installed it).
//!
//! Tolerated: a UTF-8 byte order mark, and any other fields of any shape.

use std::io::Read;

use tollgate_oci::{Selector, VisitedFile};

use super::{licenses, npm_package};
use crate::Package;
use crate::cataloger::{CatalogError, Cataloger};
use crate::json::json_object;

const FORMAT: &str = "package.json";

pub(crate) struct NodePackage;

impl Cataloger for NodePackage {
    fn id(&self) -> &'static str {
        "node-package"
    }

    fn version(&self) -> u32 {
        1
    }

    fn selectors(&self) -> &'static [Selector] {
        &[
            Selector::Glob("**/node_modules/*/package.json"),
            Selector::Glob("**/node_modules/@*/*/package.json"),
        ]
    }

    fn catalog(
        &self,
        file: &VisitedFile<'_>,
        content: &mut dyn Read,
    ) -> Result<Vec<Package>, CatalogError> {
        if !is_package_root(file.path) {
            return Ok(Vec::new());
        }
        let bytes = tollgate_oci::read_capped(content, file.buffer_limit)?;
        parse(&bytes)
    }
}

/// Whether `path` is `…/node_modules/<name>/package.json` or
/// `…/node_modules/@<scope>/<name>/package.json` (see the module docs).
fn is_package_root(path: &str) -> bool {
    let Some(dir) = path.strip_suffix("/package.json") else {
        return false;
    };
    let mut segments = dir.rsplit('/');
    let (Some(name), Some(parent)) = (segments.next(), segments.next()) else {
        return false;
    };
    if name.is_empty() || name.starts_with(['@', '.']) {
        return false;
    }
    if parent == "node_modules" {
        return true;
    }
    parent.len() > 1 && parent.starts_with('@') && segments.next() == Some("node_modules")
}

#[derive(serde::Deserialize)]
struct Manifest {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    license: Option<serde_json::Value>,
    #[serde(default)]
    licenses: Option<serde_json::Value>,
}

fn parse(bytes: &[u8]) -> Result<Vec<Package>, CatalogError> {
    let manifest: Manifest = json_object(FORMAT, bytes)?;
    let (Some(name), Some(version)) = (manifest.name, manifest.version) else {
        return Ok(Vec::new());
    };
    if name.is_empty() || version.is_empty() {
        return Ok(Vec::new());
    }
    let mut package = npm_package(FORMAT, &name, &version)?;
    package.licenses = licenses(manifest.license.as_ref());
    if package.licenses.is_empty() {
        package.licenses = licenses(manifest.licenses.as_ref());
    }
    Ok(vec![package])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogers::node::testing::{copy_tree, full_name, inventory_of};

    const LIMIT: u64 = 64 << 20;

    fn catalog(path: &str, bytes: &[u8]) -> Result<Vec<Package>, CatalogError> {
        crate::cataloger::testing::catalog(&NodePackage, path, bytes, LIMIT)
    }

    fn one(bytes: &[u8]) -> Result<Vec<Package>, CatalogError> {
        catalog("/app/node_modules/x/package.json", bytes)
    }

    /// (namespace, name, version, licenses)
    fn rows(packages: &[Package]) -> Vec<(String, String, String, Vec<String>)> {
        packages
            .iter()
            .map(|p| {
                (
                    p.namespace.clone().unwrap_or_default(),
                    p.name.clone(),
                    p.version.clone(),
                    p.licenses.clone(),
                )
            })
            .collect()
    }

    fn malformed(result: Result<Vec<Package>, CatalogError>) -> String {
        crate::cataloger::testing::malformed_reason(result, FORMAT)
    }

    #[test]
    fn selectors_and_identity() {
        assert_eq!(NodePackage.id(), "node-package");
        assert_eq!(NodePackage.version(), 1);
        assert_eq!(
            format!("{:?}", NodePackage.selectors()),
            r#"[Glob("**/node_modules/*/package.json"), Glob("**/node_modules/@*/*/package.json")]"#
        );
    }

    #[test]
    fn package_roots() {
        for root in [
            "/node_modules/x/package.json",
            "/app/node_modules/x/package.json",
            "/app/node_modules/@babel/core/package.json",
            "/app/node_modules/a/node_modules/b/package.json",
            "/app/node_modules/a/node_modules/@s/b/package.json",
            "/usr/local/lib/node_modules/npm/node_modules/semver/package.json",
            "/app/node_modules/.pnpm/ms@2.1.3/node_modules/ms/package.json",
            "/app/node_modules/.pnpm/@babel+core@7.0.0/node_modules/@babel/core/package.json",
        ] {
            assert!(is_package_root(root), "{root}");
        }
        for not_root in [
            "/app/package.json",
            "/app/node_modules/package.json",
            "/app/node_modules/x/lib/package.json",
            "/app/node_modules/x/test/fixtures/y/package.json",
            "/app/node_modules/@babel/package.json",
            "/app/node_modules/@/x/package.json",
            "/app/node_modules/.bin/package.json",
            "/app/node_modules/.cache/x/package.json",
            "/app/node_modules/x/package.json.bak",
            "/app/node_modules//package.json",
        ] {
            assert!(!is_package_root(not_root), "{not_root}");
        }
    }

    #[test]
    fn trivy_lodash() {
        let fixture = tollgate_test::shared_or_skip!("fixtures/trivy/node-pkg/lodash/package.json");
        let bytes = fs_err::read(fixture).unwrap();
        let packages = catalog("/app/node_modules/lodash/package.json", &bytes).unwrap();
        assert_eq!(
            rows(&packages),
            [(
                String::new(),
                "lodash".into(),
                "5.0.0".into(),
                vec!["MIT".to_owned()]
            )]
        );
    }

    #[test]
    fn trivy_npm_happy_node_modules_through_the_pipeline() {
        // trivy's `npm/happy` case laid out as an image: `node_modules/` beside the lock file.
        let dir = tollgate_test::shared_or_skip!("fixtures/trivy/npm/happy");
        let root = tempfile::tempdir().unwrap();
        copy_tree(&dir, &root.path().join("app"));
        let inventory = inventory_of(root.path());
        let mut found: Vec<(String, String, String)> = inventory
            .packages
            .iter()
            .filter(|p| p.cataloger == "node-package")
            .map(|p| (p.path.clone(), full_name(p), p.version.clone()))
            .collect();
        found.sort();
        let expected = [
            (
                "/app/node_modules/@babel/parser/package.json",
                "@babel/parser",
                "7.23.6",
            ),
            (
                "/app/node_modules/body-parser/node_modules/debug/package.json",
                "debug",
                "2.6.9",
            ),
            (
                "/app/node_modules/body-parser/node_modules/ms/package.json",
                "ms",
                "2.0.0",
            ),
            (
                "/app/node_modules/body-parser/package.json",
                "body-parser",
                "1.18.3",
            ),
            (
                "/app/node_modules/express/node_modules/debug/package.json",
                "debug",
                "2.6.9",
            ),
            (
                "/app/node_modules/express/node_modules/ms/package.json",
                "ms",
                "2.0.0",
            ),
            (
                "/app/node_modules/express/package.json",
                "express",
                "4.16.4",
            ),
            ("/app/node_modules/ms/package.json", "ms", "2.1.1"),
        ];
        let expected: Vec<(String, String, String)> = expected
            .iter()
            .map(|(a, b, c)| ((*a).to_owned(), (*b).to_owned(), (*c).to_owned()))
            .collect();
        assert_eq!(found, expected);
        // The project has `node_modules/`, so its lock file gives way (`collect.rs`).
        assert!(!inventory.packages.iter().any(|p| p.cataloger == "npm-lock"));
        assert!(inventory.unknowns.is_empty(), "{:?}", inventory.unknowns);
    }

    #[test]
    fn what_is_not_a_package() {
        assert_eq!(one(br#"{"type": "module"}"#).unwrap(), vec![]);
        assert_eq!(one(br#"{"name": "x"}"#).unwrap(), vec![]);
        assert_eq!(one(br#"{"version": "1.0.0"}"#).unwrap(), vec![]);
        assert_eq!(one(br#"{"name": "", "version": "1.0.0"}"#).unwrap(), vec![]);
        assert_eq!(one(br#"{"name": "x", "version": null}"#).unwrap(), vec![]);
        assert_eq!(one(b"{}").unwrap(), vec![]);
        // Not a package root: not even read.
        assert_eq!(
            catalog("/app/node_modules/x/lib/package.json", b"not json").unwrap(),
            vec![]
        );
    }

    #[test]
    fn scoped_names_and_licenses() {
        let packages = one(
            b"\xef\xbb\xbf{\"name\": \"@babel/core\", \"version\": \"7.0.0\", \
              \"license\": {\"type\": \"MIT\", \"url\": \"x\"}, \"readme\": [1, {\"a\": null}]}",
        )
        .unwrap();
        assert_eq!(
            rows(&packages),
            [(
                "@babel".into(),
                "core".into(),
                "7.0.0".into(),
                vec!["MIT".to_owned()]
            )]
        );
        let legacy = one(br#"{"name": "old", "version": "0.1.0",
                 "licenses": [{"type": "MIT"}, {"type": "Apache-2.0"}]}"#)
        .unwrap();
        assert_eq!(legacy[0].licenses, ["MIT", "Apache-2.0"]);
        let expression = one(
            br#"{"name": "e", "version": "1.0.0", "license": "(MIT OR Apache-2.0)",
                 "licenses": ["ignored"]}"#,
        )
        .unwrap();
        assert_eq!(expression[0].licenses, ["(MIT OR Apache-2.0)"]);
    }

    #[test]
    fn malformed_files() {
        assert_eq!(
            malformed(one(b"{\"name\": \"x\",\n \"version\": }")),
            "expected value at line 2 column 13"
        );
        assert_eq!(
            malformed(one(br#"{"name": 5, "version": "1.0.0"}"#)),
            "invalid type: integer `5`, expected a string at line 1 column 10"
        );
        assert_eq!(
            malformed(one(br#"{"name": "a b", "version": "1.0.0"}"#)),
            "`a b` is not a package name"
        );
        assert_eq!(
            malformed(one(b"")),
            "EOF while parsing a value at line 1 column 0"
        );
        assert_eq!(
            malformed(one(b" [1, 2]")),
            "the top level is not a JSON object but starts with `[`"
        );
        assert_eq!(
            malformed(one(b"\xef\xbb\xbf\"x\"")),
            "the top level is not a JSON object but starts with `\\\"`"
        );
    }

    #[test]
    fn hostile_input() {
        // Deep nesting in a field that is read stops at serde_json's recursion limit, as an
        // error; in a field that is skipped, it is skipped without recursion.
        let nested = |field: &str| {
            format!(
                r#"{{"name": "x", "version": "1.0.0", "{field}": {}{}}}"#,
                "[".repeat(100_000),
                "]".repeat(100_000)
            )
        };
        assert_eq!(
            malformed(one(nested("license").as_bytes())),
            "recursion limit exceeded at line 1 column 172"
        );
        assert_eq!(one(nested("readme").as_bytes()).unwrap().len(), 1);
        // Not UTF-8.
        let reason = malformed(one(b"{\"name\": \"caf\xe9\", \"version\": \"1\"}"));
        assert!(reason.starts_with("invalid unicode code point"), "{reason}");
        // A long name is named briefly.
        let long = format!(
            r#"{{"name": "{}", "version": "1.0.0"}}"#,
            "a b".repeat(10_000)
        );
        assert_eq!(
            malformed(one(long.as_bytes())),
            format!("`{}…` is not a package name", &"a b".repeat(20))
        );
        // Over the buffer limit: a read error.
        let result = crate::cataloger::testing::catalog(
            &NodePackage,
            "/app/node_modules/x/package.json",
            &[b' '; 2048],
            1024,
        );
        assert!(matches!(result, Err(CatalogError::Read(_))), "{result:?}");
    }
}
