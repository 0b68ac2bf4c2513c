//! pnpm lock files (`pnpm-lock`): `pnpm-lock.yaml`, lock file versions 5.x (pnpm 3 to 7), 6.x
//! (pnpm 8) and 9.x (pnpm 9 and later).
//!
//! Every version lists each resolved package once in `packages`, keyed by its dependency path:
//! - 5.x: `/name/1.0.0`, `/@scope/name/1.0.0_peer@2.0.0` (peer dependencies after `_`), or with
//!   the registry in front (`registry.npmjs.org/name/1.0.0`);
//! - 6.x: `/name@1.0.0`, `/@scope/name@1.0.0(peer@2.0.0)`;
//! - 9.x: `name@1.0.0` (no leading `/`; peer dependencies only in `snapshots` keys).
//!
//! A package from a tarball, a folder or git has a key that is not `name@version`
//! (`name@file:pkg`, `name@<https://…>`) and, where pnpm knows them, `name` and `version` fields,
//! which are preferred; one whose version is still not a registry version is skipped (see the
//! module docs of `node`). An npm alias is keyed by the package it installs, which is reported.
//!
//! Development-only packages are skipped, as Trivy does. Versions 5 and 6 mark them (`dev:
//! true`; `dev: false` is production only and no `dev` means both). Version 9 does not: a
//! package is for production when it is reachable from an importer's (a workspace project's)
//! `dependencies` or `optionalDependencies` through the `snapshots` graph, which is walked
//! without recursion (it may have cycles). A file with several YAML documents (pnpm 10 puts the
//! lock file of its own installation first) is read document by document.
//!
//! What is an error: a file that is not YAML, or of the wrong shape; a missing or unknown
//! `lockfileVersion`; a version 9 file without `importers`; a key or name that does not name a
//! package. YAML alias bombs and deep nesting stop at `serde_yaml_ng`'s limits.

// ref: https://github.com/pnpm/spec/blob/master/lockfile/6.0.md
// ref: https://github.com/pnpm/spec/blob/master/dependency-path.md
// ref: https://github.com/aquasecurity/trivy/blob/main/pkg/dependency/parser/nodejs/pnpm/parse.go

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;

use serde::Deserialize;
use tollgate_oci::{Selector, VisitedFile};

use super::{Found, check_flow_depth, in_node_modules, is_registry_version, npm_package};
use crate::Package;
use crate::cataloger::{CatalogError, Cataloger, excerpt};

const FORMAT: &str = "pnpm-lock.yaml";

pub(crate) struct PnpmLock;

impl Cataloger for PnpmLock {
    fn id(&self) -> &'static str {
        "pnpm-lock"
    }

    fn version(&self) -> u32 {
        1
    }

    fn selectors(&self) -> &'static [Selector] {
        &[Selector::Glob("**/pnpm-lock.yaml")]
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
        parse(crate::json::without_bom(&bytes))
    }
}

#[derive(Deserialize)]
struct LockFile {
    #[serde(default, rename = "lockfileVersion")]
    lockfile_version: Option<String>,
    #[serde(default)]
    packages: Option<BTreeMap<String, PackageEntry>>,
    #[serde(default)]
    importers: Option<BTreeMap<String, Importer>>,
    #[serde(default)]
    snapshots: Option<BTreeMap<String, Snapshot>>,
}

#[derive(Deserialize)]
struct PackageEntry {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    dev: Option<bool>,
}

#[derive(Deserialize)]
struct Importer {
    #[serde(default)]
    dependencies: BTreeMap<String, ImporterDependency>,
    #[serde(default, rename = "optionalDependencies")]
    optional_dependencies: BTreeMap<String, ImporterDependency>,
}

#[derive(Deserialize)]
struct ImporterDependency {
    version: String,
}

#[derive(Deserialize)]
struct Snapshot {
    #[serde(default)]
    dependencies: BTreeMap<String, String>,
    #[serde(default, rename = "optionalDependencies")]
    optional_dependencies: BTreeMap<String, String>,
}

/// The key syntax of a lock file version.
#[derive(Clone, Copy, PartialEq)]
enum Syntax {
    /// 5.x: `/name/version_peers`.
    V5,
    /// 6.x: `/name@version(peers)`.
    V6,
    /// 9.x: `name@version(peers)`, dev-ness from the graph.
    V9,
}

fn parse(bytes: &[u8]) -> Result<Vec<Package>, CatalogError> {
    check_flow_depth(FORMAT, &String::from_utf8_lossy(bytes))?;
    let mut found = Found::default();
    for document in serde_yaml_ng::Deserializer::from_slice(bytes) {
        let Some(lock) = Option::<LockFile>::deserialize(document)
            .map_err(|error| CatalogError::malformed(FORMAT, error.to_string()))?
        else {
            continue;
        };
        document_packages(lock, &mut found)?;
    }
    Ok(found.into_packages())
}

fn document_packages(lock: LockFile, found: &mut Found) -> Result<(), CatalogError> {
    let syntax = syntax(lock.lockfile_version.as_deref())?;
    let packages = lock.packages.unwrap_or_default();
    if syntax == Syntax::V9 {
        let Some(importers) = lock.importers else {
            return Err(CatalogError::malformed(
                FORMAT,
                "lock file version 9 without `importers`",
            ));
        };
        let snapshots = lock.snapshots.unwrap_or_default();
        for key in production(&importers, &snapshots) {
            if let Some(entry) = packages.get(key_without_peers(&key)) {
                add(&key, entry, syntax, found)?;
            }
        }
    } else {
        for (key, entry) in &packages {
            if entry.dev != Some(true) {
                add(key, entry, syntax, found)?;
            }
        }
    }
    Ok(())
}

fn syntax(version: Option<&str>) -> Result<Syntax, CatalogError> {
    let version = version.ok_or_else(|| CatalogError::malformed(FORMAT, "no `lockfileVersion`"))?;
    let major = version
        .split('.')
        .next()
        .and_then(|major| major.trim().parse::<u32>().ok());
    match major {
        Some(0..=4) | None => Err(CatalogError::malformed(
            FORMAT,
            format!(
                "`lockfileVersion: {}` is not a version this reader knows (5 to 9)",
                excerpt(version.as_bytes())
            ),
        )),
        Some(5) => Ok(Syntax::V5),
        Some(6..=8) => Ok(Syntax::V6),
        Some(_) => Ok(Syntax::V9),
    }
}

/// Report the package of `key` (a `packages` key, or a `snapshots` key in version 9): named by
/// the entry's `name` and `version` when it has both, else by the key.
fn add(
    key: &str,
    entry: &PackageEntry,
    syntax: Syntax,
    found: &mut Found,
) -> Result<(), CatalogError> {
    let field = |value: &Option<String>| value.clone().filter(|v| !v.is_empty());
    let (name, version) = match (field(&entry.name), field(&entry.version)) {
        (Some(name), Some(version)) => (name, version),
        (name, version) => {
            let (key_name, key_version) = split_key(key, syntax).ok_or_else(|| {
                CatalogError::malformed(
                    FORMAT,
                    format!("`{}` is not a dependency path", excerpt(key.as_bytes())),
                )
            })?;
            (
                name.unwrap_or_else(|| key_name.to_owned()),
                version.unwrap_or_else(|| key_version.to_owned()),
            )
        }
    };
    if is_registry_version(&version) {
        found.add(npm_package(FORMAT, &name, &version)?, false);
    }
    Ok(())
}

/// A dependency path split into the name and the version, without the registry in front or the
/// peer dependencies after (see the module docs).
fn split_key(key: &str, syntax: Syntax) -> Option<(&str, &str)> {
    let path = match syntax {
        // Up to the first `/` is the registry, or nothing.
        Syntax::V5 | Syntax::V6 => key.split_once('/')?.1,
        Syntax::V9 => key,
    };
    let separator = if syntax == Syntax::V5 { '/' } else { '@' };
    let name_end = if path.starts_with('@') {
        let scope_end = path.find('/')?;
        scope_end + 1 + path[scope_end + 1..].find(separator)?
    } else {
        path.find(separator)?
    };
    let (name, version) = (&path[..name_end], &path[name_end + 1..]);
    let peers = if syntax == Syntax::V5 { '_' } else { '(' };
    let version = version.split(peers).next().unwrap_or_default();
    (!name.is_empty()).then_some((name, version))
}

/// A version 9 snapshot key without its peer dependencies: the `packages` key.
fn key_without_peers(key: &str) -> &str {
    key.split('(').next().unwrap_or(key)
}

/// The snapshot key a dependency reference leads to, as pnpm's `refToRelative` computes it:
/// `1.0.0(peer@1)` → `name@1.0.0(peer@1)`, an alias `real@1.0.0` as it is, `link:` (a workspace
/// project, not a package) → `None`.
fn snapshot_key(name: &str, reference: &str) -> Option<String> {
    if reference.starts_with("link:") {
        return None;
    }
    if reference.starts_with('@') {
        return Some(reference.to_owned());
    }
    let Some(at) = reference.find('@') else {
        return Some(format!("{name}@{reference}"));
    };
    let before = |c: char| reference.find(c).is_none_or(|index| at < index);
    if before(':') && before('(') {
        Some(reference.to_owned())
    } else {
        Some(format!("{name}@{reference}"))
    }
}

/// Version 9: the snapshot keys reachable from the importers' production dependencies.
fn production(
    importers: &BTreeMap<String, Importer>,
    snapshots: &BTreeMap<String, Snapshot>,
) -> BTreeSet<String> {
    let mut reached = BTreeSet::new();
    let mut stack: Vec<String> = importers
        .values()
        .flat_map(|importer| {
            importer
                .dependencies
                .iter()
                .chain(&importer.optional_dependencies)
        })
        .filter_map(|(name, dependency)| snapshot_key(name, &dependency.version))
        .collect();
    while let Some(key) = stack.pop() {
        if !reached.insert(key.clone()) {
            continue;
        }
        if let Some(snapshot) = snapshots.get(&key) {
            stack.extend(
                snapshot
                    .dependencies
                    .iter()
                    .chain(&snapshot.optional_dependencies)
                    .filter_map(|(name, reference)| snapshot_key(name, reference))
                    .filter(|next| !reached.contains(next)),
            );
        }
    }
    reached
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogers::node::testing::{self, expect, set};

    const LIMIT: u64 = 64 << 20;

    fn catalog(bytes: &[u8]) -> Result<Vec<Package>, CatalogError> {
        crate::cataloger::testing::catalog(&PnpmLock, "/app/pnpm-lock.yaml", bytes, LIMIT)
    }

    fn fixture(case: &str) -> Option<Vec<u8>> {
        testing::fixture(&format!("pnpm/{case}/pnpm-lock.yaml"))
    }

    fn malformed(result: Result<Vec<Package>, CatalogError>) -> String {
        crate::cataloger::testing::malformed_reason(result, FORMAT)
    }

    #[test]
    fn selectors_and_identity() {
        assert_eq!(PnpmLock.id(), "pnpm-lock");
        assert_eq!(PnpmLock.version(), 1);
        assert_eq!(
            format!("{:?}", PnpmLock.selectors()),
            r#"[Glob("**/pnpm-lock.yaml")]"#
        );
    }

    #[test]
    fn trivy_v5_and_v6() {
        // Trivy's `pnpmNormal` and `pnpmV6`.
        for case in ["lock-v5", "lock-v6"] {
            let Some(bytes) = fixture(case) else { return };
            assert_eq!(
                set(&catalog(&bytes).unwrap()),
                expect(&["asap@2.0.6", "jquery@3.6.0", "promise@8.1.0"]),
                "{case}"
            );
        }
        // Trivy's `pnpmV6WithDev`: mocha's tree is `dev: true`.
        let Some(bytes) = fixture("lock-v6-with-dev") else {
            return;
        };
        assert_eq!(
            set(&catalog(&bytes).unwrap()),
            expect(&[
                "@babel/runtime@7.22.3",
                "js-tokens@4.0.0",
                "loose-envify@1.4.0",
                "react@18.1.0",
                "redux@4.2.0",
                "regenerator-runtime@0.13.11",
            ])
        );
    }

    #[test]
    fn trivy_v9() {
        let Some(bytes) = fixture("lock-v9") else {
            return;
        };
        // Trivy's `pnpmV9` without its dev packages (`await-sleep`, `jquery`, `lodash`, only
        // reachable from `devDependencies`) and without `package1` (a local folder, no version).
        // `ms@2.0.0` is a root dev dependency that finalhandler → debug also needs: kept.
        assert_eq!(
            set(&catalog(&bytes).unwrap()),
            expect(&[
                "@babel/helper-string-parser@7.24.1",
                "asap@2.0.6",
                "asynckit@0.4.0",
                "debug@4.3.4",
                "debug@4.3.5",
                "ee-first@1.1.1",
                "encodeurl@1.0.2",
                "escape-html@1.0.3",
                "finalhandler@1.1.1",
                "is-negative@2.0.1",
                "ms@2.0.0",
                "ms@2.1.2",
                "on-finished@2.3.0",
                "parseurl@1.3.3",
                "promise@8.1.0",
                "sleep-utils@1.0.3",
                "statuses@1.4.0",
                "unpipe@1.0.0",
            ])
        );
    }

    #[test]
    fn trivy_analyzer_cases() {
        for (case, expected) in [
            ("happy", &["ms@2.1.3"][..]),
            ("happy-v9", &["vue-router@4.5.1"][..]),
            (
                "no-node-modules",
                &[
                    "@babel/helper-string-parser@7.24.7",
                    "@babel/helper-validator-identifier@7.24.7",
                    "@babel/parser@7.24.7",
                    "@babel/types@7.24.7",
                    "ms@2.1.3",
                    "to-fast-properties@2.0.0",
                ][..],
            ),
        ] {
            let Some(bytes) = fixture(case) else { return };
            assert_eq!(set(&catalog(&bytes).unwrap()), expect(expected), "{case}");
        }
    }

    #[test]
    fn dependency_paths() {
        use Syntax::{V5, V6, V9};
        for (syntax, key, name, version) in [
            (V5, "/lodash/4.17.10", "lodash", "4.17.10"),
            (V5, "registry.npmjs.org/lodash/4.17.10", "lodash", "4.17.10"),
            (V5, "/@babel/generator/7.21.9", "@babel/generator", "7.21.9"),
            (
                V5,
                "/@babel/helper-compilation-targets/7.21.5_@babel+core@7.21.8",
                "@babel/helper-compilation-targets",
                "7.21.5",
            ),
            (
                V5,
                "/lodash._baseclone/4.5.7_@babel+core@7.21.8",
                "lodash._baseclone",
                "4.5.7",
            ),
            (
                V6,
                "/update-browserslist-db@1.0.11",
                "update-browserslist-db",
                "1.0.11",
            ),
            (V6, "registry.npmjs.org/lodash@4.17.10", "lodash", "4.17.10"),
            (
                V6,
                "/@babel/helper-compilation-targets@7.21.5(@babel/core@7.20.7)",
                "@babel/helper-compilation-targets",
                "7.21.5",
            ),
            (
                V9,
                "@babel/helper-compilation-targets@7.21.5(@babel/core@7.20.7)",
                "@babel/helper-compilation-targets",
                "7.21.5",
            ),
            (
                V9,
                "lodash@file:foo/bar/lodash.tgz",
                "lodash",
                "file:foo/bar/lodash.tgz",
            ),
        ] {
            assert_eq!(split_key(key, syntax), Some((name, version)), "{key}");
        }
        for (syntax, key) in [
            (V9, "noversion"),
            (V9, "@scope"),
            (V6, "nolslash"),
            (V9, "@s/x"),
        ] {
            assert_eq!(split_key(key, syntax), None, "{key}");
        }
    }

    #[test]
    fn snapshot_keys() {
        assert_eq!(snapshot_key("ms", "2.0.0").as_deref(), Some("ms@2.0.0"));
        assert_eq!(
            snapshot_key("debug", "4.3.4(supports-color@8.1.1)").as_deref(),
            Some("debug@4.3.4(supports-color@8.1.1)")
        );
        assert_eq!(
            snapshot_key("my-ms", "ms@2.1.3").as_deref(),
            Some("ms@2.1.3")
        );
        assert_eq!(
            snapshot_key("my-types", "@types/node@20.0.0").as_deref(),
            Some("@types/node@20.0.0")
        );
        assert_eq!(
            snapshot_key("pkg", "file:package1").as_deref(),
            Some("pkg@file:package1")
        );
        assert_eq!(
            snapshot_key("x", "https://example.invalid/a@b.tgz").as_deref(),
            Some("x@https://example.invalid/a@b.tgz")
        );
        assert_eq!(snapshot_key("ws", "link:packages/ws"), None);
    }

    #[test]
    fn v9_graph_aliases_cycles_and_documents() {
        let text = "\
lockfileVersion: '9.0'
importers:
  .:
    dependencies:
      my-ms: {specifier: npm:ms@^2, version: ms@2.1.3}
      ws: {specifier: workspace:*, version: link:packages/ws}
      a: {specifier: ^1, version: 1.0.0}
    optionalDependencies:
      opt: {specifier: ^1, version: 1.0.0}
    devDependencies:
      devonly: {specifier: ^1, version: 1.0.0}
  packages/ws:
    dependencies:
      b: {specifier: ^1, version: 1.0.0(a@1.0.0)}
packages:
  ms@2.1.3: {resolution: {integrity: x}}
  a@1.0.0: {resolution: {integrity: x}}
  b@1.0.0: {resolution: {integrity: x}}
  opt@1.0.0: {resolution: {integrity: x}}
  devonly@1.0.0: {resolution: {integrity: x}}
  devdep@1.0.0: {resolution: {integrity: x}}
snapshots:
  ms@2.1.3: {}
  a@1.0.0:
    dependencies: {b: 1.0.0(a@1.0.0)}
  b@1.0.0(a@1.0.0):
    dependencies: {a: 1.0.0}
  opt@1.0.0: {}
  devonly@1.0.0:
    dependencies: {devdep: 1.0.0}
  devdep@1.0.0: {}
---
lockfileVersion: '9.0'
importers:
  .:
    dependencies:
      second: {specifier: ^3, version: 3.0.0}
packages:
  second@3.0.0: {resolution: {integrity: x}}
snapshots:
  second@3.0.0: {}
";
        assert_eq!(
            set(&catalog(text.as_bytes()).unwrap()),
            expect(&[
                "a@1.0.0",
                "b@1.0.0",
                "ms@2.1.3",
                "opt@1.0.0",
                "second@3.0.0"
            ])
        );
    }

    #[test]
    fn v5_v6_tarballs_and_dev_flags() {
        let text = "\
lockfileVersion: 5.4
packages:
  /a/1.0.0:
    dev: false
  /b/1.0.0_react@18.0.0: {}
  /c/1.0.0:
    dev: true
  github.com/u/r/abcdef:
    name: fromgit
    version: 2.0.0
  file:local:
    name: local
    version: 0.0.1
  /tar/https://example.invalid/x.tgz: {}
";
        assert_eq!(
            set(&catalog(text.as_bytes()).unwrap()),
            expect(&["a@1.0.0", "b@1.0.0", "fromgit@2.0.0", "local@0.0.1"])
        );
        let v6 = "lockfileVersion: '6.1'\npackages:\n  /@s/x@1.0.0(y@2.0.0): {dev: false}\n";
        let packages = catalog(v6.as_bytes()).unwrap();
        assert_eq!(set(&packages), expect(&["@s/x@1.0.0"]));
        assert_eq!(packages[0].namespace.as_deref(), Some("@s"));
        assert_eq!(catalog(b"").unwrap(), vec![]);
        assert_eq!(
            catalog(b"lockfileVersion: '9.0'\nimporters: {}\n").unwrap(),
            vec![]
        );
    }

    #[test]
    fn malformed_files() {
        assert_eq!(
            malformed(catalog(b"packages: {}\n")),
            "no `lockfileVersion`"
        );
        assert_eq!(
            malformed(catalog(b"lockfileVersion: '4.0'\n")),
            "`lockfileVersion: 4.0` is not a version this reader knows (5 to 9)"
        );
        assert_eq!(
            malformed(catalog(b"lockfileVersion: soon\n")),
            "`lockfileVersion: soon` is not a version this reader knows (5 to 9)"
        );
        assert_eq!(
            malformed(catalog(b"lockfileVersion: '9.0'\npackages: {}\n")),
            "lock file version 9 without `importers`"
        );
        assert_eq!(
            malformed(catalog(
                b"lockfileVersion: '6.0'\npackages:\n  /nover: {}\n"
            )),
            "`/nover` is not a dependency path"
        );
        assert_eq!(
            malformed(catalog(
                b"lockfileVersion: '6.0'\npackages:\n  /a b@1.0.0: {}\n"
            )),
            "`a b` is not a package name"
        );
        assert_eq!(
            malformed(catalog(b"lockfileVersion: '6.0'\npackages: [1]\n")),
            "packages: invalid type: sequence, expected a map at line 2 column 11"
        );
        let reason = malformed(catalog(b"lockfileVersion: '6.0'\npackages:\n  x: {a: b\n"));
        assert!(reason.contains("line 4"), "{reason}");
    }

    #[test]
    fn hostile_input() {
        // An alias bomb where it is not read is never expanded; where it is read, it is a type
        // error.
        let mut bomb = String::from("lockfileVersion: '6.0'\nx-a0: &a0 [x, x, x, x, x, x, x, x]\n");
        for level in 1..12 {
            let previous = level - 1;
            bomb.push_str(&format!(
                "x-a{level}: &a{level} [*a{previous}, *a{previous}, *a{previous}, *a{previous}, \
                 *a{previous}, *a{previous}, *a{previous}, *a{previous}]\n"
            ));
        }
        bomb.push_str("packages:\n  /a@1.0.0: {resolution: *a11, engines: [*a11, *a11]}\n");
        assert_eq!(
            set(&catalog(bomb.as_bytes()).unwrap()),
            expect(&["a@1.0.0"])
        );
        bomb.push_str("  /b@1.0.0: {version: *a11}\n");
        let reason = malformed(catalog(bomb.as_bytes()));
        assert!(reason.contains("invalid type: sequence"), "{reason}");
        // Deep nesting is refused before the YAML parser, which would take quadratic time.
        let deep = format!(
            "lockfileVersion: '6.0'\npackages:\n  /a@1.0.0: {{engines: {}{}}}\n",
            "[".repeat(1_000_000),
            "]".repeat(1_000_000)
        );
        assert_eq!(
            malformed(catalog(deep.as_bytes())),
            "line 3: flow collections nested more than 32 deep"
        );
        // A long chain in the graph is walked without recursion.
        let mut chain = String::from(
            "lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n      p0: {specifier: x, version: 1.0.0}\npackages:\n",
        );
        let length = 20_000;
        for index in 0..length {
            chain.push_str(&format!("  p{index}@1.0.0: {{}}\n"));
        }
        chain.push_str("snapshots:\n");
        for index in 0..length {
            chain.push_str(&format!(
                "  p{index}@1.0.0: {{dependencies: {{p{}: 1.0.0}}}}\n",
                (index + 1) % length
            ));
        }
        assert_eq!(catalog(chain.as_bytes()).unwrap().len(), length);
        let every: Vec<u8> = (0..=255u8).cycle().take(1 << 16).collect();
        let _ = malformed(catalog(&every));
    }
}
