//! npm lock files (`npm-lock`): `package-lock.json` and `npm-shrinkwrap.json` (the same format,
//! published with a package).
//!
//! Two layouts, chosen as npm and Trivy choose them:
//! - Lock file version 1 (npm 5 and 6; also a shrinkwrap without `lockfileVersion`, from npm 2
//!   to 4): the `dependencies` tree, `name → {version, dev, dependencies}`, nested where a
//!   package has its own copy of a dependency. Every level is read. A `version` of
//!   `npm:real-name@1.2.3` is an alias: the package is `real-name` 1.2.3.
//! - Lock file versions 2 and 3 (npm 7 and later; version 2 also keeps the v1 tree, which is
//!   ignored): the `packages` map keyed by install path (`node_modules/a`,
//!   `node_modules/a/node_modules/@s/b`). The root `""` is the project itself and is skipped.
//!   The name is the entry's `name` when it has one (an alias installed under another folder
//!   name), else the path after its last `node_modules/`. A `link: true` entry is a symbolic
//!   link to a folder of the project (a workspace member): its target's entry, and the entries
//!   under that target, are read as if installed at the link's path, as Trivy resolves them; a
//!   link without a `resolved` target is skipped, as are entries outside `node_modules` that no
//!   link points to. `license` is read when npm recorded it (npm 9 and later).
//!
//! What is reported: every entry with a registry version (see the module docs of `node`), once
//! per (name, version), unless every occurrence of it is marked `dev: true` (Trivy's default;
//! `devOptional` and `peer` packages are installed in production and are kept). What is an
//! error: a file that is not JSON, a field read here of the wrong type (npm writes strings and
//! booleans), a version 1 entry without a `version`, or a name that is not a package name. A
//! tree nested deeper than `serde_json`'s recursion limit (about 60 levels of `dependencies`,
//! where npm 5 and later flatten to a few) is an error too, not a crash.

// ref: https://docs.npmjs.com/cli/v11/configuring-npm/package-lock-json
// ref: https://github.com/aquasecurity/trivy/blob/main/pkg/dependency/parser/nodejs/npm/parse.go

use std::collections::BTreeMap;
use std::io::Read;

use tollgate_oci::{Selector, VisitedFile};

use super::{Found, alias_target, in_node_modules, is_registry_version, licenses, npm_package};
use crate::Package;
use crate::cataloger::{CatalogError, Cataloger, excerpt};
use crate::json::json_object;

const FORMAT: &str = "npm lock file";
const NODE_MODULES: &str = "node_modules/";

pub(crate) struct NpmLock;

impl Cataloger for NpmLock {
    fn id(&self) -> &'static str {
        "npm-lock"
    }

    fn version(&self) -> u32 {
        1
    }

    fn selectors(&self) -> &'static [Selector] {
        &[
            Selector::Glob("**/package-lock.json"),
            Selector::Glob("**/npm-shrinkwrap.json"),
        ]
    }

    fn catalog(
        &self,
        file: &VisitedFile<'_>,
        content: &mut dyn Read,
    ) -> Result<Vec<Package>, CatalogError> {
        if in_node_modules(file.path) {
            return Ok(Vec::new());
        }
        let bytes = tollgate_oci::read_capped(content, file.buffer_limit)?;
        parse(&bytes)
    }
}

#[derive(serde::Deserialize)]
struct LockFile {
    #[serde(default, rename = "lockfileVersion")]
    lockfile_version: Option<u64>,
    #[serde(default)]
    dependencies: Option<BTreeMap<String, TreeEntry>>,
    #[serde(default)]
    packages: Option<BTreeMap<String, PathEntry>>,
}

/// An entry of the version 1 `dependencies` tree.
#[derive(serde::Deserialize)]
struct TreeEntry {
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    dev: bool,
    #[serde(default)]
    dependencies: Option<BTreeMap<String, TreeEntry>>,
}

/// An entry of the version 2 and 3 `packages` map.
#[derive(serde::Deserialize)]
struct PathEntry {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    dev: bool,
    #[serde(default)]
    link: bool,
    #[serde(default)]
    resolved: Option<String>,
    #[serde(default)]
    license: Option<serde_json::Value>,
}

fn parse(bytes: &[u8]) -> Result<Vec<Package>, CatalogError> {
    let lock: LockFile = json_object(FORMAT, bytes)?;
    let mut found = Found::default();
    match (lock.lockfile_version, lock.packages) {
        (Some(1), _) | (_, None) => {
            tree(lock.dependencies.unwrap_or_default(), &mut found)?;
        }
        (_, Some(packages)) => paths(packages, &mut found)?,
    }
    Ok(found.into_packages())
}

/// Version 1: the `dependencies` tree, walked without recursion.
fn tree(root: BTreeMap<String, TreeEntry>, found: &mut Found) -> Result<(), CatalogError> {
    let mut stack = vec![root];
    while let Some(level) = stack.pop() {
        for (name, entry) in level {
            let Some(version) = entry.version else {
                return Err(CatalogError::malformed(
                    FORMAT,
                    format!("dependency `{}` has no version", excerpt(name.as_bytes())),
                ));
            };
            let (name, version) = match alias_target(&version) {
                Some((target, Some(target_version))) => {
                    (target.to_owned(), target_version.to_owned())
                }
                _ => (name, version),
            };
            if is_registry_version(&version) {
                found.add(npm_package(FORMAT, &name, &version)?, entry.dev);
            }
            if let Some(children) = entry.dependencies {
                stack.push(children);
            }
        }
    }
    Ok(())
}

/// Versions 2 and 3: the `packages` map, with links resolved.
fn paths(mut packages: BTreeMap<String, PathEntry>, found: &mut Found) -> Result<(), CatalogError> {
    // (target folder, the link's path), for links that have a target.
    let links: Vec<(String, String)> = packages
        .iter()
        .filter(|(_, entry)| entry.link)
        .filter_map(|(path, entry)| {
            let target = entry.resolved.as_deref()?.trim_end_matches('/');
            (!target.is_empty()).then(|| (target.to_owned(), path.clone()))
        })
        .collect();
    packages.retain(|path, entry| !entry.link && !path.is_empty());
    for (path, entry) in packages {
        let Some(installed) = install_path(&path, &links) else {
            continue;
        };
        let Some(version) = entry.version.filter(|v| is_registry_version(v)) else {
            continue;
        };
        let name = match entry.name {
            Some(name) if !name.is_empty() => name,
            _ => name_from_path(&installed).to_owned(),
        };
        let mut package = npm_package(FORMAT, &name, &version)?;
        package.licenses = licenses(entry.license.as_ref());
        found.add(package, entry.dev);
    }
    Ok(())
}

/// Where the entry at `path` is installed: `path` itself under `node_modules/`, or under the
/// link that points to the folder holding it; `None` when it is not installed.
fn install_path(path: &str, links: &[(String, String)]) -> Option<String> {
    if path.starts_with(NODE_MODULES) {
        return Some(path.to_owned());
    }
    links.iter().find_map(|(target, link)| {
        let rest = path.strip_prefix(target.as_str())?;
        (rest.is_empty() || rest.starts_with('/')).then(|| format!("{link}{rest}"))
    })
}

/// `node_modules/a/node_modules/@s/b` → `@s/b`.
fn name_from_path(path: &str) -> &str {
    path.rfind(NODE_MODULES)
        .map_or(path, |at| &path[at + NODE_MODULES.len()..])
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::catalogers::node::testing::{self, expect, set};

    const LIMIT: u64 = 64 << 20;

    fn catalog(bytes: &[u8]) -> Result<Vec<Package>, CatalogError> {
        crate::cataloger::testing::catalog(&NpmLock, "/app/package-lock.json", bytes, LIMIT)
    }

    fn fixture(case: &str) -> Option<Vec<u8>> {
        testing::fixture(&format!("npm/{case}/package-lock.json"))
    }

    fn malformed(result: Result<Vec<Package>, CatalogError>) -> String {
        crate::cataloger::testing::malformed_reason(result, FORMAT)
    }

    /// Trivy's `npmV1Pkgs`/`npmV2Pkgs` without the two dev packages (`debug@2.5.2`,
    /// `ms@0.7.2`): its `…ExcludeDev` lists.
    const TRIVY_PROD: &[&str] = &[
        "@babel/helper-string-parser@7.19.4",
        "asap@2.0.6",
        "body-parser@1.18.3",
        "bytes@3.0.0",
        "content-type@1.0.5",
        "debug@2.6.9",
        "depd@1.1.2",
        "ee-first@1.1.1",
        "encodeurl@1.0.2",
        "escape-html@1.0.3",
        "finalhandler@1.1.1",
        "http-errors@1.6.3",
        "iconv-lite@0.4.23",
        "inherits@2.0.3",
        "media-typer@0.3.0",
        "mime-db@1.52.0",
        "mime-types@2.1.35",
        "ms@1.0.0",
        "ms@2.0.0",
        "on-finished@2.3.0",
        "parseurl@1.3.3",
        "promise@8.3.0",
        "qs@6.5.2",
        "raw-body@2.3.3",
        "safer-buffer@2.1.2",
        "setprototypeof@1.1.0",
        "statuses@1.4.0",
        "type-is@1.6.18",
        "unpipe@1.0.0",
    ];

    #[test]
    fn selectors_and_identity() {
        assert_eq!(NpmLock.id(), "npm-lock");
        assert_eq!(NpmLock.version(), 1);
        assert_eq!(
            format!("{:?}", NpmLock.selectors()),
            r#"[Glob("**/package-lock.json"), Glob("**/npm-shrinkwrap.json")]"#
        );
    }

    #[test]
    fn trivy_lock_v1_v2_v3() {
        for case in ["lock-v1", "lock-v2", "lock-v3"] {
            let Some(bytes) = fixture(case) else { return };
            let packages = catalog(&bytes).unwrap();
            assert_eq!(set(&packages), expect(TRIVY_PROD), "{case}");
            assert_eq!(
                packages.len(),
                TRIVY_PROD.len(),
                "{case}: one per (name, version)"
            );
            let babel = packages
                .iter()
                .find(|p| p.name == "helper-string-parser")
                .unwrap();
            assert_eq!(babel.namespace.as_deref(), Some("@babel"), "{case}");
        }
    }

    #[test]
    fn trivy_lock_v3_workspace() {
        let Some(bytes) = fixture("lock-v3-workspace") else {
            return;
        };
        // Trivy also reports `function1` with no version (a workspace member without one).
        assert_eq!(
            set(&catalog(&bytes).unwrap()),
            expect(&[
                "debug@2.5.2",
                "debug@2.6.9",
                "ms@0.7.2",
                "ms@2.0.0",
                "nested_func@1.0.0"
            ])
        );
    }

    #[test]
    fn trivy_lock_v3_peer_and_dev() {
        let Some(bytes) = fixture("lock-v3-peer") else {
            return;
        };
        let packages = catalog(&bytes).unwrap();
        assert_eq!(
            set(&packages),
            expect(&[
                "lodash@4.17.21",
                "mustache@2.3.2",
                "triple-beam@1.4.1",
                "winston-mail@2.0.0",
                "winston@3.17.0"
            ])
        );
        assert!(packages.iter().all(|p| p.licenses == ["MIT"]));
        // `minimist@0.0.8` is a dev dependency at one path and not at another: kept. Trivy's
        // `npmV3WithSameDevAndNonDevPkgsExcludeDev`.
        let Some(bytes) = fixture("lock-v3-same-dev-and-non-dev") else {
            return;
        };
        assert_eq!(set(&catalog(&bytes).unwrap()), expect(&["minimist@0.0.8"]));
    }

    #[test]
    fn trivy_analyzer_cases() {
        let Some(bytes) = fixture("no-node-modules") else {
            return;
        };
        assert_eq!(set(&catalog(&bytes).unwrap()), expect(&["ms@2.1.1"]));
        let Some(bytes) = fixture("happy") else {
            return;
        };
        // Trivy's `npm/happy` analyzer result, dev packages (`ansi-colors` and the rest of
        // mocha's tree) left out.
        let packages = catalog(&bytes).unwrap();
        assert!(packages.iter().all(|p| p.name != "ansi-colors"));
        for present in [
            "@babel/parser@7.23.6",
            "body-parser@1.18.3",
            "debug@2.6.9",
            "express@4.16.4",
            "ms@2.0.0",
        ] {
            assert!(set(&packages).contains(present), "{present}");
        }
    }

    #[test]
    fn lock_files_inside_node_modules_are_skipped() {
        let result = crate::cataloger::testing::catalog(
            &NpmLock,
            "/app/node_modules/x/package-lock.json",
            b"not even json",
            LIMIT,
        );
        assert_eq!(result.unwrap(), vec![]);
    }

    #[test]
    fn aliases_links_and_versions() {
        let v1 = br#"{"lockfileVersion": 1, "dependencies": {
            "my-ms": {"version": "npm:ms@2.1.3"},
            "@my/uuid": {"version": "npm:@types/uuid@9.0.7"},
            "local": {"version": "file:../local"},
            "gitdep": {"version": "git+https://example.invalid/x.git#abc"},
            "a": {"version": "1.0.0", "dependencies": {
                "b": {"version": "2.0.0", "dev": true, "dependencies": {
                    "c": {"version": "3.0.0", "bundled": true}}}}}}}"#;
        assert_eq!(
            set(&catalog(v1).unwrap()),
            expect(&["@types/uuid@9.0.7", "a@1.0.0", "c@3.0.0", "ms@2.1.3"])
        );
        let v3 = br#"{"lockfileVersion": 3, "packages": {
            "": {"name": "root", "version": "1.0.0"},
            "node_modules/my-ms": {"name": "ms", "version": "2.1.3"},
            "node_modules/@s/x": {"version": "1.0.0", "license": "ISC"},
            "node_modules/a/node_modules/@s/y": {"version": "2.0.0"},
            "node_modules/broken": {"link": true},
            "node_modules/ws": {"link": true, "resolved": "packages/ws"},
            "packages/ws": {"version": "0.1.0"},
            "packages/ws/node_modules/z": {"version": "3.0.0"},
            "packages/wsx": {"version": "9.9.9"},
            "packages/unlinked": {"version": "4.0.0"},
            "node_modules/gitdep": {"version": "1.2.3", "resolved": "git+ssh://git@x/y.git#a"},
            "node_modules/tarball": {"version": "https://example.invalid/t.tgz"},
            "node_modules/nover": {"resolved": "x"},
            "node_modules/devopt": {"version": "5.0.0", "devOptional": true}}}"#;
        let packages = catalog(v3).unwrap();
        assert_eq!(
            set(&packages),
            expect(&[
                "@s/x@1.0.0",
                "@s/y@2.0.0",
                "devopt@5.0.0",
                "gitdep@1.2.3",
                "ms@2.1.3",
                "ws@0.1.0",
                "z@3.0.0"
            ])
        );
        let x = packages.iter().find(|p| p.name == "x").unwrap();
        assert_eq!(x.licenses, ["ISC"]);
        // Without `lockfileVersion`: an npm 2-4 shrinkwrap, read as version 1.
        assert_eq!(
            set(&catalog(br#"{"dependencies": {"a": {"version": "1.0.0"}}}"#).unwrap()),
            expect(&["a@1.0.0"])
        );
        // Version 2 keeps both layouts; `packages` wins.
        assert_eq!(
            set(&catalog(
                br#"{"lockfileVersion": 2,
                     "dependencies": {"old": {"version": "1.0.0"}},
                     "packages": {"node_modules/new": {"version": "2.0.0"}}}"#
            )
            .unwrap()),
            expect(&["new@2.0.0"])
        );
        assert_eq!(catalog(b"{}").unwrap(), vec![]);
    }

    #[test]
    fn malformed_files() {
        assert_eq!(
            malformed(catalog(b"[]")),
            "the top level is not a JSON object but starts with `[`"
        );
        assert_eq!(
            malformed(catalog(
                b"{\"lockfileVersion\": 3,\n\"packages\": {\"a\" 1}}"
            )),
            "expected `:` at line 2 column 18"
        );
        assert_eq!(
            malformed(catalog(br#"{"lockfileVersion": "3"}"#)),
            "invalid type: string \"3\", expected u64 at line 1 column 23"
        );
        assert_eq!(
            malformed(catalog(
                br#"{"packages": {"node_modules/a": {"version": 1}}}"#
            )),
            "invalid type: integer `1`, expected a string at line 1 column 45"
        );
        assert_eq!(
            malformed(catalog(
                br#"{"lockfileVersion": 1, "dependencies": {"a": {"dev": true}}}"#
            )),
            "dependency `a` has no version"
        );
        assert_eq!(
            malformed(catalog(
                br#"{"packages": {"node_modules/a": {"name": "a b", "version": "1.0.0"}}}"#
            )),
            "`a b` is not a package name"
        );
    }

    #[test]
    fn hostile_nesting() {
        let depth = 10_000;
        let mut v1 = String::from(r#"{"lockfileVersion": 1, "dependencies": "#);
        for _ in 0..depth {
            v1.push_str(r#"{"a": {"version": "1.0.0", "dependencies": "#);
        }
        v1.push_str("{}");
        v1.push_str(&"}}".repeat(depth));
        v1.push('}');
        let reason = malformed(catalog(v1.as_bytes()));
        assert!(reason.starts_with("recursion limit exceeded"), "{reason}");
        // 60 levels, as deep as a real tree never gets, still read without recursion.
        let depth = 60;
        let mut v1 = String::from(r#"{"lockfileVersion": 1, "dependencies": "#);
        for level in 0..depth {
            v1.push_str(&format!(
                r#"{{"p{level}": {{"version": "1.0.{level}", "dependencies": "#
            ));
        }
        v1.push_str("{}");
        v1.push_str(&"}}".repeat(depth));
        v1.push('}');
        assert_eq!(catalog(v1.as_bytes()).unwrap().len(), depth);
    }
}
