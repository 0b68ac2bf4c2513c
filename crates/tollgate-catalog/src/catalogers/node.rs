//! Node.js packages (npm ecosystem): the packages installed under `node_modules`, and the three
//! lock files that say what a project installs (npm's `package-lock.json`, Yarn's `yarn.lock`
//! and pnpm's `pnpm-lock.yaml`). One cataloger each, in `node/`:
//!
//! - `node-package` (`node/package_json.rs`): `package.json` at a package root under
//!   `node_modules`, i.e. `…/node_modules/<name>/package.json` or
//!   `…/node_modules/@<scope>/<name>/package.json`, nested `node_modules` included.
//! - `npm-lock` (`node/npm_lock.rs`): `package-lock.json` and `npm-shrinkwrap.json`, lock file
//!   versions 1 (the `dependencies` tree), 2 and 3 (the `packages` map).
//! - `yarn-lock` (`node/yarn_lock.rs`): `yarn.lock`, classic (v1) and Berry (v2+).
//! - `pnpm-lock` (`node/pnpm_lock.rs`): `pnpm-lock.yaml`, lock file versions 5.x, 6.x and 9.x.
//!
//! Shared by all four:
//! - A scoped name `@scope/name` is reported with namespace `@scope` and name `name` (the purl
//!   `pkg:npm/%40scope/name@…`). A name that is empty, has more than the one `/` of a scope, or
//!   holds a character npm never allows (one that a URL would escape) is an error: no package
//!   manager writes one.
//! - An alias (`"my-ms": "npm:ms@2.1.3"`) is reported as the package it installs (`ms`), which
//!   is the one with the vulnerabilities; the alias is only the folder it is installed under.
//! - Lock-file entries whose version is not a registry version (`file:`, `link:`, git and
//!   tarball URLs, workspace members without a version) are skipped, as Trivy skips them: what
//!   they hold has no version to match advisories against.
//! - Dependencies only a project's developers install (`dev`) are skipped, as Trivy does by
//!   default. Only `package-lock.json` and `pnpm-lock.yaml` can tell them; a `yarn.lock` does
//!   not (Trivy reads the `package.json` beside it, which a cataloger never sees), so every
//!   `yarn.lock` entry is reported.
//! - Lock files inside `node_modules` (some published packages carry their own) are skipped, as
//!   Trivy skips them: they describe how the package was developed, not what is installed.
//! - Each file's packages are reported once per (name, version), in order.
//!
//! **Lock files and `node_modules` together.** A cataloger sees one file, so it cannot tell
//! whether a lock file's project was installed. The rule that decides it belongs to the merge
//! after the walk (`collect.rs`): the lock-file packages of a project directory `D` give way to
//! the installed packages found under `D/node_modules/`, when there are any. Trivy and Syft
//! prefer what is installed because it is what runs (a lock file can be stale, or list optional
//! packages for other platforms); a lock file counts alone when there is no `node_modules`
//! (a build stage copied only the lock file, or Yarn's Plug'n'Play, which keeps packages in
//! zip files that no cataloger here reads).

// ref: https://docs.npmjs.com/cli/v11/configuring-npm/package-json
// ref: https://docs.npmjs.com/cli/v11/configuring-npm/package-lock-json
// ref: https://github.com/aquasecurity/trivy/tree/main/pkg/dependency/parser/nodejs

mod npm_lock;
mod package_json;
mod pnpm_lock;
mod yarn_lock;

use std::collections::BTreeMap;

pub(crate) use npm_lock::NpmLock;
pub(crate) use package_json::NodePackage;
pub(crate) use pnpm_lock::PnpmLock;
pub(crate) use yarn_lock::YarnLock;

use crate::cataloger::{CatalogError, excerpt};
use crate::{Ecosystem, Package};

/// `@scope/name` split into (`Some("@scope")`, `name`), `name` into (`None`, `name`); `None`
/// when it is not a package name (see the module docs).
fn split_name(full: &str) -> Option<(Option<&str>, &str)> {
    let (scope, name) = match full.strip_prefix('@') {
        Some(rest) => {
            let (scope, name) = rest.split_once('/')?;
            (Some(&full[..=scope.len()]), name)
        }
        None => (None, full),
    };
    // npm's rule: the characters `encodeURIComponent` leaves alone.
    let valid = |part: &str| {
        !part.is_empty()
            && part.chars().all(|c| {
                c.is_ascii_alphanumeric()
                    || matches!(c, '-' | '_' | '.' | '!' | '~' | '*' | '\'' | '(' | ')')
            })
    };
    (valid(name) && scope.is_none_or(|s| valid(&s[1..]))).then_some((scope, name))
}

/// An npm package named `full` (perhaps scoped), or an error naming the name.
fn npm_package(format: &'static str, full: &str, version: &str) -> Result<Package, CatalogError> {
    let (scope, name) = split_name(full).ok_or_else(|| {
        CatalogError::malformed(
            format,
            format!("`{}` is not a package name", excerpt(full.as_bytes())),
        )
    })?;
    let mut package = Package::new(Ecosystem::Npm, name, version);
    package.namespace = scope.map(str::to_owned);
    Ok(package)
}

/// Whether `version` is a version an npm registry serves (`1.2.3`, `1.0.0-rc.1+build`), not a
/// path, URL or other protocol reference.
fn is_registry_version(version: &str) -> bool {
    version.starts_with(|c: char| c.is_ascii_digit())
        && !version.contains([':', '/', '\\'])
        && !version.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// The package an npm alias installs: `npm:ms@^2.1.0` → `ms`, `npm:@types/node` →
/// `@types/node`. `None` when `spec` is not an alias.
fn alias_target(spec: &str) -> Option<(&str, Option<&str>)> {
    let target = spec.strip_prefix("npm:")?;
    Some(split_at_version(target))
}

/// `name@rest` → (`name`, `Some(rest)`), with a leading `@` belonging to the scope; `name` →
/// (`name`, `None`).
fn split_at_version(spec: &str) -> (&str, Option<&str>) {
    match spec
        .char_indices()
        .skip(1)
        .find(|&(_, c)| c == '@')
        .map(|(at, _)| at)
    {
        Some(at) => (&spec[..at], Some(&spec[at + 1..])),
        None => (spec, None),
    }
}

/// Whether the file at `path` lies inside a `node_modules` directory.
fn in_node_modules(path: &str) -> bool {
    path.split('/').any(|segment| segment == "node_modules")
}

/// How deeply YAML flow collections (`[…]`, `{…}`) may nest. pnpm writes at most two levels
/// (`peerDependenciesMeta: {x: {optional: true}}`), Yarn none.
const MAX_FLOW_DEPTH: usize = 32;

/// Refuse YAML whose flow collections nest deeper than [`MAX_FLOW_DEPTH`], before the parser
/// sees it: libyaml's scanner checks every open flow level at every token, so deep nesting
/// costs time quadratic in the file's size (100,000 `[` take about 25 s), even where the value
/// would be skipped. The scan follows YAML's lexical rules closely enough for lock files:
/// quoted scalars, comments, and `[`/`{` inside a plain scalar of block context (`use a[0]`)
/// are not counted; inside a flow collection every bracket counts.
fn check_flow_depth(format: &'static str, text: &str) -> Result<(), CatalogError> {
    let mut depth = 0_usize;
    let mut line = 1_usize;
    // The last character that was not a space on this line, whether a space followed it, and
    // whether it was an indicator (`- `, `? `, `: `) after which a node starts.
    let mut previous: Option<char> = None;
    let mut spaced = false;
    let mut after_indicator = false;
    let mut quote: Option<char> = None;
    // Inside a plain scalar of block context, where brackets and quotes are text.
    let mut plain = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\n' {
            line += 1;
            previous = None;
            spaced = false;
            after_indicator = false;
            plain = false;
            continue;
        }
        match quote {
            Some('\'') => {
                if c == '\'' && chars.next_if_eq(&'\'').is_none() {
                    quote = None;
                    previous = Some(c);
                    spaced = false;
                    after_indicator = false;
                }
                continue;
            }
            Some(_) => {
                if c == '\\' {
                    if chars.next_if_eq(&'\n').is_some() {
                        line += 1;
                    } else {
                        chars.next();
                    }
                } else if c == '"' {
                    quote = None;
                    previous = Some(c);
                    spaced = false;
                    after_indicator = false;
                }
                continue;
            }
            None => {}
        }
        if matches!(c, ' ' | '\t' | '\r') {
            spaced = true;
            continue;
        }
        if c == '#' && (previous.is_none() || spaced) {
            while chars.next_if(|&next| next != '\n').is_some() {}
            continue;
        }
        // `-`, `?` and `:` are indicators when a space (or the line's end) follows them; `:`
        // also right after a quoted key or in flow context (`{"a":1}`).
        let indicator = matches!(c, '-' | '?' | ':')
            && (chars
                .peek()
                .is_none_or(|next| matches!(next, ' ' | '\t' | '\r' | '\n'))
                || (c == ':' && (depth > 0 || matches!(previous, Some('\'' | '"')))));
        if plain {
            if c == ':' && indicator {
                plain = false;
            } else {
                spaced = false;
                after_indicator = false;
                continue;
            }
        }
        let node_start = after_indicator || matches!(previous, None | Some('[' | '{' | ','));
        match c {
            '\'' | '"' if node_start => quote = Some(c),
            '[' | '{' if node_start || depth > 0 => {
                depth += 1;
                if depth > MAX_FLOW_DEPTH {
                    return Err(CatalogError::malformed(
                        format,
                        format!(
                            "line {line}: flow collections nested more than {MAX_FLOW_DEPTH} deep"
                        ),
                    ));
                }
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            _ if depth == 0 && !indicator => plain = true,
            _ => {}
        }
        previous = Some(c);
        spaced = false;
        after_indicator = indicator;
    }
    Ok(())
}

/// Packages collected from one file, once per (name, version), in order, remembering whether
/// every occurrence was a development-only one.
#[derive(Default)]
struct Found {
    packages: BTreeMap<(Option<String>, String, String), (Package, bool)>,
}

impl Found {
    /// Record `package`; `dev` when this occurrence is only installed for development.
    fn add(&mut self, package: Package, dev: bool) {
        let key = (
            package.namespace.clone(),
            package.name.clone(),
            package.version.clone(),
        );
        self.packages
            .entry(key)
            .and_modify(|(kept, all_dev)| {
                *all_dev &= dev;
                if kept.licenses.is_empty() {
                    kept.licenses.clone_from(&package.licenses);
                }
            })
            .or_insert((package, dev));
    }

    /// The packages that at least one occurrence installs outside development.
    fn into_packages(self) -> Vec<Package> {
        self.packages
            .into_values()
            .filter(|(_, dev)| !dev)
            .map(|(package, _)| package)
            .collect()
    }
}

/// Licenses as `package.json` (and npm's lock file) declare them: a string (an SPDX
/// expression), the legacy object `{"type": "MIT", "url": …}`, or the legacy list of either.
fn licenses(value: Option<&serde_json::Value>) -> Vec<String> {
    use serde_json::Value;
    let one = |value: &Value| match value {
        Value::String(s) => Some(s.trim().to_owned()),
        Value::Object(object) => object
            .get("type")
            .and_then(Value::as_str)
            .map(|s| s.trim().to_owned()),
        _ => None,
    };
    let all: Vec<String> = match value {
        Some(Value::Array(items)) => items.iter().filter_map(one).collect(),
        Some(value) => one(value).into_iter().collect(),
        None => Vec::new(),
    };
    all.into_iter().filter(|s| !s.is_empty()).collect()
}

/// Test support shared by the Node.js catalogers' tests.
#[cfg(test)]
pub(crate) mod testing {
    use tollgate_oci::{Image, OpenOptions, Target};

    use crate::Package;

    pub(crate) fn full_name(package: &Package) -> String {
        match &package.namespace {
            Some(scope) => format!("{scope}/{}", package.name),
            None => package.name.clone(),
        }
    }

    /// `name@version` of each package (scoped names with their scope).
    pub(crate) fn set(packages: &[Package]) -> std::collections::BTreeSet<String> {
        packages
            .iter()
            .map(|p| format!("{}@{}", full_name(p), p.version))
            .collect()
    }

    pub(crate) fn expect(list: &[&str]) -> std::collections::BTreeSet<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    /// The bytes of a Trivy fixture file (`None` when ../shared is not there).
    pub(crate) fn fixture(relative: &str) -> Option<Vec<u8>> {
        let path = tollgate_test::shared(&format!("fixtures/trivy/{relative}"))?;
        Some(fs_err::read(path).unwrap())
    }

    pub(crate) fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
        fs_err::create_dir_all(to).unwrap();
        for entry in fs_err::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let target = to.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                copy_tree(&entry.path(), &target);
            } else {
                fs_err::copy(entry.path(), target).unwrap();
            }
        }
    }

    pub(crate) fn inventory_of(root: &std::path::Path) -> crate::Inventory {
        let image = Image::open(
            &Target::parse(&format!("rootfs:{}", root.display())).unwrap(),
            &OpenOptions::default(),
        )
        .unwrap();
        crate::inventory(&image, None).unwrap()
    }
}

/// A real npm project, installed by npm itself, for tests that compare with `npm ls`.
#[cfg(test)]
pub(crate) mod real_npm {
    use std::collections::BTreeSet;
    use std::path::Path;
    use std::process::{Command, Output};

    /// The project's dependencies: a scoped package, a nested copy (`debug` needs `ms@2.0.0`
    /// while the project has `ms@2.1.3`) and an alias (`string-width-cjs`).
    pub(crate) const PACKAGE_JSON: &str = r#"{
  "name": "tollgate-npm-check",
  "version": "1.0.0",
  "private": true,
  "dependencies": {
    "lodash": "4.17.20",
    "@babel/helper-plugin-utils": "7.10.4",
    "minimist": "1.2.5",
    "debug": "2.6.9",
    "ms": "2.1.3",
    "string-width-cjs": "npm:string-width@4.2.3"
  }
}
"#;

    /// Run npm in `dir` with a private cache; `None` (after a notice) when it fails outside CI,
    /// as it does without the registry.
    #[expect(
        clippy::print_stderr,
        reason = "a skipped test says why, as tollgate-test does"
    )]
    pub(crate) fn npm(dir: &Path, cache: &Path, args: &[&str]) -> Option<Output> {
        let output = Command::new("npm")
            .args(args)
            .arg("--cache")
            .arg(cache)
            .args([
                "--fetch-retries=1",
                "--fetch-timeout=60000",
                "--no-update-notifier",
            ])
            .current_dir(dir)
            .output()
            .unwrap();
        if output.status.success() {
            return Some(output);
        }
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            !tollgate_test::in_ci(),
            "CI=true but `npm {}` failed (is the npm registry reachable?):\n{stderr}",
            args.join(" ")
        );
        eprintln!(
            "notice: skipping, `npm {}` failed: {stderr}",
            args.join(" ")
        );
        None
    }

    /// `name@version` of every package `npm ls --all --json --long` lists (the real name of an
    /// alias, which `--long` adds).
    pub(crate) fn listed(ls: &[u8]) -> BTreeSet<String> {
        let tree: serde_json::Value = serde_json::from_slice(ls).unwrap();
        let mut set = BTreeSet::new();
        let mut stack = vec![&tree];
        while let Some(node) = stack.pop() {
            let Some(children) = node["dependencies"].as_object() else {
                continue;
            };
            for child in children.values() {
                let name = child["name"].as_str().unwrap();
                let version = child["version"].as_str().unwrap();
                set.insert(format!("{name}@{version}"));
                stack.push(child);
            }
        }
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_into_scope_and_name() {
        assert_eq!(split_name("lodash"), Some((None, "lodash")));
        assert_eq!(split_name("@babel/core"), Some((Some("@babel"), "core")));
        assert_eq!(split_name("JSONStream"), Some((None, "JSONStream")));
        for bad in [
            "",
            "@",
            "@/x",
            "@scope",
            "@scope/",
            "a/b",
            "@s/a/b",
            "with space",
            "tab\t",
            "nl\n",
            "caf\u{e9}",
            "a%20b",
            "a:b",
            "@s:x/y",
        ] {
            assert_eq!(split_name(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn scoped_packages_carry_their_scope_as_namespace() {
        let package = npm_package("test", "@types/node", "20.1.0").unwrap();
        assert_eq!(package.namespace.as_deref(), Some("@types"));
        assert_eq!(package.name, "node");
        assert_eq!(package.ecosystem, Ecosystem::Npm);
        let error = npm_package("test", "a/b/c", "1.0.0").unwrap_err();
        assert_eq!(
            error.to_string(),
            "malformed test: `a/b/c` is not a package name"
        );
    }

    #[test]
    fn registry_versions() {
        for good in ["1.0.0", "0.0.1-rc.1+build.5", "4.17.21"] {
            assert!(is_registry_version(good), "{good}");
        }
        for bad in [
            "",
            "file:../x",
            "link:pkgs/a",
            "https://example.invalid/a.tgz",
            "github:u/r#abc",
            "git+ssh://git@github.com/u/r.git#abc",
            "latest",
            "1.0.0 ",
        ] {
            assert!(!is_registry_version(bad), "{bad}");
        }
    }

    #[test]
    fn aliases_and_versions_split() {
        assert_eq!(alias_target("npm:ms@^2.1.0"), Some(("ms", Some("^2.1.0"))));
        assert_eq!(alias_target("npm:ms"), Some(("ms", None)));
        assert_eq!(
            alias_target("npm:@types/jsonstream@0.8.33"),
            Some(("@types/jsonstream", Some("0.8.33")))
        );
        assert_eq!(alias_target("npm:@types/uuid"), Some(("@types/uuid", None)));
        assert_eq!(alias_target("^2.1.0"), None);
        assert_eq!(split_at_version("@a/b@1@2"), ("@a/b", Some("1@2")));
    }

    #[test]
    fn license_shapes() {
        let parse = |json: &str| licenses(Some(&serde_json::from_str(json).unwrap()));
        assert_eq!(parse(r#""MIT""#), ["MIT"]);
        assert_eq!(parse(r#"{"type": "ISC", "url": "x"}"#), ["ISC"]);
        assert_eq!(
            parse(r#"[{"type": "MIT"}, "Apache-2.0", 5, {"url": "x"}, ""]"#),
            ["MIT", "Apache-2.0"]
        );
        assert!(parse("null").is_empty());
        assert!(parse(r#"{"type": 5}"#).is_empty());
        assert!(licenses(None).is_empty());
    }

    #[test]
    fn found_keeps_packages_that_are_not_only_dev() {
        let mut found = Found::default();
        let p = |name: &str, version: &str| npm_package("test", name, version).unwrap();
        found.add(p("a", "1.0.0"), true);
        found.add(p("a", "1.0.0"), false);
        found.add(p("b", "1.0.0"), true);
        found.add(p("b", "1.0.0"), true);
        found.add(p("c", "1.0.0"), false);
        let mut licensed = p("c", "1.0.0");
        licensed.licenses = vec!["MIT".into()];
        found.add(licensed, false);
        let kept: Vec<(String, Vec<String>)> = found
            .into_packages()
            .into_iter()
            .map(|p| (p.name, p.licenses))
            .collect();
        assert_eq!(
            kept,
            [("a".into(), vec![]), ("c".into(), vec!["MIT".to_owned()])]
        );
    }

    #[test]
    fn flow_depth_is_bounded() {
        let nested = |depth: usize| format!("a: {}{}\n", "[".repeat(depth), "]".repeat(depth));
        assert!(check_flow_depth("test", &nested(MAX_FLOW_DEPTH)).is_ok());
        let error = check_flow_depth("test", &nested(MAX_FLOW_DEPTH + 1)).unwrap_err();
        assert_eq!(
            error.to_string(),
            "malformed test: line 1: flow collections nested more than 32 deep"
        );
        // Across lines, in mappings, after comments and quoted scalars.
        let spread = format!("# [[[\nx: 'a''['\ny: {}\n", "{a: \n".repeat(40));
        let error = check_flow_depth("test", &spread).unwrap_err();
        assert_eq!(
            error.to_string(),
            "malformed test: line 35: flow collections nested more than 32 deep"
        );
        // A flow collection after a plain key, after `- `, and after a quoted key.
        for prefix in ["a: ", "- ", "'a': ", "\"a\":", "? "] {
            let text = format!("{prefix}{}\n", "[".repeat(MAX_FLOW_DEPTH + 1));
            assert!(check_flow_depth("test", &text).is_err(), "{prefix}");
        }
        // Brackets that are not flow indicators are not counted.
        let deep = "[".repeat(1000);
        for text in [
            format!("a: '{deep}'\n"),
            format!("a: \"{deep}\\\"{deep}\"\n"),
            format!("a: \"x\\\n{deep}\"\n"),
            format!("a: use a{deep}\n"),
            format!("# {deep}\n"),
            format!("a: {{b: '{deep}', c: \"{deep}\"}} # {deep}\n"),
            format!("a: x-{deep}\n"),
            format!("a{deep}: 1\n"),
            format!("- use{deep}\n- 'q{deep}'\n"),
            format!("key: it's {deep}\n"),
        ] {
            assert!(check_flow_depth("test", &text).is_ok(), "{text:.40}");
        }
    }

    #[test]
    fn node_modules_paths() {
        assert!(in_node_modules("/app/node_modules/x/package-lock.json"));
        assert!(!in_node_modules("/app/package-lock.json"));
        assert!(!in_node_modules("/app/my_node_modules/package-lock.json"));
    }

    /// The packages found under `node_modules` and those of the lock file npm wrote (in each
    /// lock file version) are exactly those `npm ls` lists, for a project npm installs here.
    #[test]
    fn real_npm_install_matches_npm_ls() {
        use std::collections::BTreeSet;

        use super::real_npm::{PACKAGE_JSON, listed, npm};
        use super::testing::{full_name, inventory_of};

        tollgate_test::tool_or_skip!("npm");
        let project = tempfile::tempdir().unwrap();
        let cache = tempfile::tempdir().unwrap();
        let dir = project.path();
        fs_err::write(dir.join("package.json"), PACKAGE_JSON).unwrap();
        let install = ["install", "--ignore-scripts", "--no-audit", "--no-fund"];
        if npm(dir, cache.path(), &install).is_none() {
            return;
        }
        let Some(ls) = npm(dir, cache.path(), &["ls", "--all", "--json", "--long"]) else {
            return;
        };
        let expected = listed(&ls.stdout);
        assert_eq!(expected.len(), 11, "{expected:?}");
        for nested in [
            "ms@2.0.0",
            "ms@2.1.3",
            "string-width@4.2.3",
            "@babel/helper-plugin-utils@7.10.4",
        ] {
            assert!(expected.contains(nested), "{nested} not in {expected:?}");
        }
        let names = |packages: &[Package]| -> BTreeSet<String> {
            packages
                .iter()
                .map(|p| format!("{}@{}", full_name(p), p.version))
                .collect()
        };

        // `node_modules`, through the whole pipeline (selectors included).
        let inventory = inventory_of(dir);
        assert!(inventory.unknowns.is_empty(), "{:?}", inventory.unknowns);
        let installed: Vec<Package> = inventory
            .packages
            .into_iter()
            .filter(|p| p.cataloger == "node-package")
            .collect();
        assert_eq!(names(&installed), expected, "node_modules");
        assert_eq!(installed.len(), expected.len(), "one package.json each");
        let alias = installed.iter().find(|p| p.name == "string-width").unwrap();
        assert_eq!(alias.path, "/node_modules/string-width-cjs/package.json");
        let nested = installed.iter().find(|p| p.version == "2.0.0").unwrap();
        assert_eq!(
            nested.path,
            "/node_modules/debug/node_modules/ms/package.json"
        );

        // The lock file, as npm wrote it (version 3), then rewritten as versions 1 and 2.
        for version in ["3", "1", "2"] {
            if version != "3" {
                let rewrite = [
                    "install",
                    "--package-lock-only",
                    "--ignore-scripts",
                    "--no-audit",
                    "--no-fund",
                    "--lockfile-version",
                    version,
                ];
                if npm(dir, cache.path(), &rewrite).is_none() {
                    return;
                }
            }
            let lock = fs_err::read(dir.join("package-lock.json")).unwrap();
            let text = String::from_utf8_lossy(&lock);
            assert!(
                text.contains(&format!("\"lockfileVersion\": {version}")),
                "npm did not write lock file version {version}"
            );
            let packages = crate::cataloger::testing::catalog(
                &NpmLock,
                "/app/package-lock.json",
                &lock,
                64 << 20,
            )
            .unwrap();
            assert_eq!(names(&packages), expected, "lock file version {version}");
        }
    }
}
