//! Yarn lock files (`yarn-lock`): `yarn.lock`, classic (Yarn 1) and Berry (Yarn 2 and later).
//!
//! Both map the dependency ranges a project asked for to the one version each resolved to. An
//! entry's key lists those ranges (`lodash@^4.17.0, lodash@^4.17.11`), its fields say what was
//! resolved.
//!
//! **Classic** (`# yarn lockfile v1`) is a YAML-like format of its own: a key line at column 0
//! ending in `:` (ranges separated by `, `, quoted when they hold spaces or start with `@`),
//! then fields indented by two spaces, `version "4.17.21"`, `resolved "…"`, `dependencies:`
//! with a deeper-indented list. The package is named by the key's first range: `name@range`,
//! where a range `npm:real-name@…` is an alias and the package is `real-name`; ranges with
//! another protocol (`file:`, `link:`, `git+https:`, `github:`, `https:`, …) are not registry
//! packages and are skipped, as Trivy skips them.
//!
//! **Berry** is YAML with a `__metadata` entry. Each entry has `version` and `resolution`
//! (`name@npm:1.2.3`, or `name@workspace:…`, `name@patch:…`, …). The package is named by the
//! resolution, so an alias (`foo@npm:debug@^4.3` resolving to `debug@npm:4.3.4`) is `debug`;
//! entries resolved by any protocol other than `npm` (workspace members, patched copies of a
//! package whose unpatched entry is listed too, local folders, git) are skipped, as Trivy does.
//!
//! A `yarn.lock` does not say which packages are only for development; every entry is reported
//! (see the module docs of `node`). What is an error: a classic file with a line that is
//! neither a key, a field nor a comment, a field before the first key, an entry without a
//! `version` or with two; a Berry file that is not YAML or whose entries are not mappings, an
//! entry without a `resolution`; a name that is not a package name.

// ref: https://classic.yarnpkg.com/en/docs/yarn-lock
// ref: https://yarnpkg.com/advanced/lexicon#resolution
// ref: https://github.com/aquasecurity/trivy/blob/main/pkg/dependency/parser/nodejs/yarn/parse.go

use std::collections::BTreeMap;
use std::io::Read;

use tollgate_oci::{Selector, VisitedFile};

use super::{
    Found, alias_target, check_flow_depth, in_node_modules, is_registry_version, npm_package,
    split_at_version,
};
use crate::Package;
use crate::cataloger::{CatalogError, Cataloger, excerpt};

const CLASSIC: &str = "yarn.lock (classic)";
const BERRY: &str = "yarn.lock (berry)";

pub(crate) struct YarnLock;

impl Cataloger for YarnLock {
    fn id(&self) -> &'static str {
        "yarn-lock"
    }

    fn version(&self) -> u32 {
        1
    }

    fn selectors(&self) -> &'static [Selector] {
        &[Selector::Glob("**/yarn.lock")]
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
        let text = String::from_utf8_lossy(crate::json::without_bom(&bytes));
        if text.lines().any(|line| line.starts_with("__metadata:")) {
            berry(&text)
        } else {
            classic(&text)
        }
    }
}

/// A classic entry being read: its key's first range, where it starts, and its version.
struct Entry<'a> {
    first_range: &'a str,
    line: usize,
    version: Option<(&'a str, usize)>,
}

fn classic(text: &str) -> Result<Vec<Package>, CatalogError> {
    let mut found = Found::default();
    let mut entry: Option<Entry<'_>> = None;
    for (index, raw) in text.split('\n').enumerate() {
        let number = index + 1;
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
        if indent == 0 {
            if let Some(done) = entry.take() {
                finish_classic(&done, &mut found)?;
            }
            let Some(key) = line.trim_end().strip_suffix(':') else {
                return Err(CatalogError::malformed(
                    CLASSIC,
                    format!(
                        "line {number}: `{}` is neither a key nor a field",
                        excerpt(line.as_bytes())
                    ),
                ));
            };
            let first = key.split(',').next().unwrap_or_default();
            entry = Some(Entry {
                first_range: unquote(first),
                line: number,
                version: None,
            });
        } else if indent == 2 {
            let Some(current) = entry.as_mut() else {
                return Err(CatalogError::malformed(
                    CLASSIC,
                    format!(
                        "line {number}: field `{}` before the first entry",
                        excerpt(line.trim().as_bytes())
                    ),
                ));
            };
            let field = line.trim();
            let (name, value) = field.split_once([' ', '\t']).unwrap_or((field, ""));
            if unquote(name.trim_end_matches(':')) != "version" {
                continue;
            }
            if let Some((_, first)) = current.version {
                return Err(CatalogError::malformed(
                    CLASSIC,
                    format!(
                        "line {number}: second `version` in the entry (the first is on line {first})"
                    ),
                ));
            }
            current.version = Some((unquote(value), number));
        }
    }
    if let Some(done) = entry {
        finish_classic(&done, &mut found)?;
    }
    Ok(found.into_packages())
}

fn finish_classic(entry: &Entry<'_>, found: &mut Found) -> Result<(), CatalogError> {
    let Some((version, _)) = entry.version else {
        return Err(CatalogError::malformed(
            CLASSIC,
            format!(
                "line {}: entry `{}` has no version",
                entry.line,
                excerpt(entry.first_range.as_bytes())
            ),
        ));
    };
    let (name, range) = split_at_version(entry.first_range);
    let name = match range {
        Some(range) => match alias_target(range) {
            Some((target, _)) => target,
            None if has_protocol(range) => return Ok(()),
            None => name,
        },
        None => name,
    };
    if is_registry_version(version) {
        found.add(npm_package(CLASSIC, name, version)?, false);
    }
    Ok(())
}

/// Whether a range names a protocol (`file:`, `git+https:`, `github:`), i.e. starts with a URL
/// scheme followed by `:`.
fn has_protocol(range: &str) -> bool {
    range.split_once(':').is_some_and(|(scheme, _)| {
        scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    })
}

/// A value without surrounding spaces and double quotes.
fn unquote(value: &str) -> &str {
    let value = value.trim();
    value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value)
}

#[derive(serde::Deserialize)]
struct BerryEntry {
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    resolution: Option<String>,
}

fn berry(text: &str) -> Result<Vec<Package>, CatalogError> {
    check_flow_depth(BERRY, text)?;
    let entries: BTreeMap<String, BerryEntry> = serde_yaml_ng::from_str(text)
        .map_err(|error| CatalogError::malformed(BERRY, error.to_string()))?;
    let mut found = Found::default();
    for (key, entry) in entries {
        if key == "__metadata" {
            continue;
        }
        let Some(resolution) = entry.resolution else {
            return Err(CatalogError::malformed(
                BERRY,
                format!("entry `{}` has no resolution", excerpt(key.as_bytes())),
            ));
        };
        let (name, reference) = split_at_version(&resolution);
        let Some(resolved) = reference.and_then(|r| r.strip_prefix("npm:")) else {
            continue;
        };
        let version = entry.version.as_deref().unwrap_or(resolved);
        if is_registry_version(version) {
            found.add(npm_package(BERRY, name, version)?, false);
        }
    }
    Ok(found.into_packages())
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::catalogers::node::testing::{self, expect, set};

    const LIMIT: u64 = 64 << 20;

    fn catalog(bytes: &[u8]) -> Result<Vec<Package>, CatalogError> {
        crate::cataloger::testing::catalog(&YarnLock, "/app/yarn.lock", bytes, LIMIT)
    }

    fn fixture(case: &str) -> Option<Vec<u8>> {
        testing::fixture(&format!("yarn/{case}/yarn.lock"))
    }

    fn malformed(result: Result<Vec<Package>, CatalogError>) -> (&'static str, String) {
        match result {
            Err(CatalogError::Malformed { format, reason }) => (format, reason),
            other => panic!("expected a malformed yarn.lock, got {other:?}"),
        }
    }

    #[test]
    fn selectors_and_identity() {
        assert_eq!(YarnLock.id(), "yarn-lock");
        assert_eq!(YarnLock.version(), 1);
        assert_eq!(
            format!("{:?}", YarnLock.selectors()),
            r#"[Glob("**/yarn.lock")]"#
        );
    }

    #[test]
    fn trivy_classic() {
        let Some(bytes) = fixture("lock-v1") else {
            return;
        };
        // Trivy's `yarnHappy`.
        assert_eq!(
            set(&catalog(&bytes).unwrap()),
            expect(&[
                "@babel/helper-regex@7.4.4",
                "ansi-regex@2.1.1",
                "ansi-regex@3.0.0",
                "asap@2.0.6",
                "inherits@2.0.3",
                "is-fullwidth-code-point@2.0.0",
                "jquery@3.4.1",
                "js-tokens@4.0.0",
                "lodash@4.17.11",
                "promise@8.0.3",
                "safe-buffer@5.1.2",
                "safer-buffer@2.1.2",
                "statuses@1.5.0",
                "string-width@2.1.1",
                "strip-ansi@3.0.1",
                "strip-ansi@4.0.0",
                "whatwg-fetch@3.0.0",
                "wide-align@1.1.3",
            ])
        );
        // The analyzer cases: Trivy drops dev packages using the package.json beside the lock
        // file (`happy`); without one (`no-packagejson`) it reports all of them, as here.
        let all = expect(&[
            "js-tokens@2.0.0",
            "js-tokens@4.0.0",
            "loose-envify@1.4.0",
            "object-assign@4.1.1",
            "prop-types@15.7.2",
            "react-is@16.13.1",
            "scheduler@0.13.6",
        ]);
        for case in ["happy", "no-packagejson"] {
            let Some(bytes) = fixture(case) else { return };
            assert_eq!(set(&catalog(&bytes).unwrap()), all, "{case}");
        }
    }

    #[test]
    fn trivy_aliases_are_the_packages_they_install() {
        let Some(bytes) = fixture("alias") else {
            return;
        };
        let packages = catalog(&bytes).unwrap();
        assert_eq!(
            set(&packages),
            expect(&[
                "@types/jsonstream@0.8.33",
                "@types/node@20.10.5",
                "@types/uuid@9.0.7",
                "debug@4.3.4",
                "ms@2.1.2",
                "ms@2.1.3",
                "undici-types@5.26.5",
            ])
        );
        let uuid = packages.iter().find(|p| p.name == "uuid").unwrap();
        assert_eq!(uuid.namespace.as_deref(), Some("@types"));
    }

    #[test]
    fn trivy_berry() {
        let Some(bytes) = fixture("lock-v2-berry") else {
            return;
        };
        // Trivy's `yarnV2Happy`: the workspace (`code@workspace:.`) and the patched fsevents
        // are not registry packages.
        assert_eq!(
            set(&catalog(&bytes).unwrap()),
            expect(&[
                "@types/color-name@1.1.1",
                "abbrev@1.1.1",
                "ansi-styles@3.2.1",
                "ansi-styles@4.2.1",
                "assert-plus@1.0.0",
                "async@3.2.0",
                "color-convert@1.9.3",
                "color-convert@2.0.1",
                "color-name@1.1.3",
                "color-name@1.1.4",
                "ipaddr.js@1.9.1",
                "js-tokens@4.0.0",
                "loose-envify@1.4.0",
                "node-gyp@7.1.0",
                "once@1.4.0",
                "wrappy@1.0.2",
            ])
        );
        let Some(bytes) = fixture("monorepo") else {
            return;
        };
        // Trivy keeps the 7 that the workspaces' package.json files reach; without them, all.
        assert_eq!(
            set(&catalog(&bytes).unwrap()),
            expect(&[
                "is-number@6.0.0",
                "is-number@7.0.0",
                "is-odd@3.0.1",
                "js-tokens@4.0.0",
                "js-tokens@8.0.1",
                "loose-envify@1.4.0",
                "object-assign@4.1.1",
                "prettier@2.8.8",
                "prop-types@15.8.1",
                "react-is@16.13.1",
                "scheduler@0.23.0",
            ])
        );
    }

    #[test]
    fn classic_protocols_and_shapes() {
        let text = "# yarn lockfile v1\r\n\r\n\
            \"@s/a@^1.0.0\", \"@s/a@^1.1.0\":\r\n  version \"1.2.0\"\r\n  dependencies:\r\n    b \"^2\"\r\n\r\n\
            b@^2, \"string-width-cjs@npm:b@^2\":\n  version \"2.0.1\"\n\n\
            \"local@file:../local\":\n  version \"0.0.1\"\n\n\
            \"gitdep@git+https://example.invalid/x.git#abc\":\n  version \"3.0.0\"\n\n\
            \"gh@github:u/r\":\n  version \"3.1.0\"\n\n\
            \"tar@https://example.invalid/t.tgz\":\n  version \"4.0.0\"\n\n\
            bare:\n  version 5.0.0\n  resolved \"x\"\n";
        assert_eq!(
            set(&catalog(text.as_bytes()).unwrap()),
            expect(&["@s/a@1.2.0", "b@2.0.1", "bare@5.0.0"])
        );
        assert_eq!(catalog(b"").unwrap(), vec![]);
        assert_eq!(catalog(b"# only a comment\n").unwrap(), vec![]);
        let inside = crate::cataloger::testing::catalog(
            &YarnLock,
            "/app/node_modules/x/yarn.lock",
            b"garbage",
            LIMIT,
        );
        assert_eq!(inside.unwrap(), vec![]);
    }

    #[test]
    fn malformed_files() {
        assert_eq!(
            malformed(catalog(b"a@1:\n  version \"1.0.0\"\ngarbage\n")),
            (
                CLASSIC,
                "line 3: `garbage` is neither a key nor a field".into()
            )
        );
        assert_eq!(
            malformed(catalog(b"  version \"1.0.0\"\n")),
            (
                CLASSIC,
                r#"line 1: field `version \"1.0.0\"` before the first entry"#.into()
            )
        );
        assert_eq!(
            malformed(catalog(
                b"a@1:\n  resolved \"x\"\n\nb@1:\n  version \"1\"\n"
            )),
            (CLASSIC, "line 1: entry `a@1` has no version".into())
        );
        assert_eq!(
            malformed(catalog(b"a@1:\n  version \"1.0.0\"\n  version \"2.0.0\"\n")),
            (
                CLASSIC,
                "line 3: second `version` in the entry (the first is on line 2)".into()
            )
        );
        assert_eq!(
            malformed(catalog(b"\"a b@1\":\n  version \"1.0.0\"\n")),
            (CLASSIC, "`a b` is not a package name".into())
        );
        assert_eq!(
            malformed(catalog(
                b"__metadata:\n  version: 4\n\"a@npm:1\":\n  version: 1.0.0\n"
            )),
            (BERRY, "entry `a@npm:1` has no resolution".into())
        );
        assert_eq!(
            malformed(catalog(b"__metadata:\n  version: 4\n\"a@npm:1\": [1, 2]\n")),
            (
                BERRY,
                "a@npm:1: invalid type: sequence, expected struct BerryEntry at line 3 column 12"
                    .into()
            )
        );
        let (format, reason) = malformed(catalog(b"__metadata:\n  version: 4\n  x: [\n"));
        assert_eq!(format, BERRY);
        assert!(reason.contains("line 4"), "{reason}");
    }

    #[test]
    fn hostile_input() {
        // An alias bomb: never expanded where it is not read, a type error where it is.
        let mut bomb =
            String::from("__metadata:\n  version: 4\nx-a0: &a0 [x, x, x, x, x, x, x, x]\n");
        for level in 1..12 {
            let previous = level - 1;
            bomb.push_str(&format!(
                "x-a{level}: &a{level} [*a{previous}, *a{previous}, *a{previous}, *a{previous}, \
                 *a{previous}, *a{previous}, *a{previous}, *a{previous}]\n"
            ));
        }
        let (format, reason) = malformed(catalog(bomb.as_bytes()));
        assert_eq!(format, BERRY);
        assert_eq!(
            reason,
            "x-a0: invalid type: sequence, expected struct BerryEntry at line 3 column 7"
        );
        let ignored = "__metadata:\n  version: 4\n\"a@npm:1\":\n  version: 1.0.0\n  resolution: \"a@npm:1.0.0\"\n  \
             checksum: &a0 [x, x]\n  languageName: [*a0, *a0]\n";
        assert_eq!(
            set(&catalog(ignored.as_bytes()).unwrap()),
            expect(&["a@1.0.0"])
        );
        let read = "__metadata:\n  version: 4\n\"a@npm:1\":\n  version: &v [x]\n  resolution: *v\n";
        let (_, reason) = malformed(catalog(read.as_bytes()));
        assert!(reason.contains("invalid type: sequence"), "{reason}");
        // Deep nesting is refused before the YAML parser, which would take quadratic time.
        let deep = format!(
            "__metadata:\n  version: 4\n\"a@npm:1\":\n  version: 1.0.0\n  checksum: {}{}\n",
            "[".repeat(1_000_000),
            "]".repeat(1_000_000)
        );
        assert_eq!(
            malformed(catalog(deep.as_bytes())),
            (
                BERRY,
                "line 5: flow collections nested more than 32 deep".into()
            )
        );
        // Not UTF-8: read lossily; the name is then not a package name.
        let (_, reason) = malformed(catalog(b"caf\xe9@1:\n  version \"1.0.0\"\n"));
        assert_eq!(reason, "`caf\u{fffd}` is not a package name");
        // A binary file.
        let every: Vec<u8> = (0..=255u8).cycle().take(1 << 16).collect();
        let _ = malformed(catalog(&every));
    }
}
