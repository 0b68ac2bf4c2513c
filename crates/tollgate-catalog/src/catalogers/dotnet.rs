//! .NET packages (NuGet ecosystem) of a built application (`dotnet-deps`), from the
//! `<app>.deps.json` the .NET SDK writes beside the application's assemblies
//! (`/app/MyApp.deps.json`).
//!
//! The file's `libraries` map is keyed by `Name/Version`, each with a `type`: `package` (from
//! NuGet), `project` (the application and the projects it references, built from source),
//! `reference`, or `runtimepack` (the .NET runtime bundled into a self-contained app, named
//! `runtimepack.Microsoft.NETCore.App.Runtime.linux-x64`). Reported, as Trivy reports them:
//!
//! - `package` libraries, and `runtimepack` libraries under the name without `runtimepack.`
//!   (the name of the NuGet package that carries the runtime, which is what advisories name).
//!   `project` and `reference` libraries are not NuGet packages and are left out (Trivy lists
//!   projects as the root and workspace of its dependency graph; their names can collide
//!   with unrelated packages on nuget.org).
//! - Only libraries the application loads at run time: when `targets` has the target named by
//!   `runtimeTarget.name`, a library listed in that target with none of `runtime`,
//!   `runtimeTargets` or `native` (a reference assembly or a metapackage such as
//!   `Microsoft.NETCore.App` 1.x) is left out. A library missing from the target is kept, and
//!   when the target itself is missing every library is kept, as Trivy keeps them.
//!
//! `serviceable` (whether Microsoft may service the package) says nothing about what is
//! installed and is not read; neither does Trivy read it. Names keep their case
//! (`Newtonsoft.Json`), as NuGet displays them; purls are `pkg:nuget/Newtonsoft.Json@13.0.1`.
//!
//! What is an error: a file that is not JSON, a top level that is not an object, a field read
//! here of the wrong type, or a `libraries` key that is not `Name/Version` (both parts present,
//! one `/`).

// ref: https://github.com/dotnet/sdk/blob/main/documentation/specs/runtime-configuration-file.md
// ref: https://github.com/aquasecurity/trivy/blob/main/pkg/dependency/parser/dotnet/core_deps/parse.go

use std::collections::BTreeMap;
use std::io::Read;

use serde::de::IgnoredAny;
use tollgate_oci::{Selector, VisitedFile};

use crate::cataloger::{CatalogError, Cataloger, excerpt};
use crate::json::{JsonObject, json};
use crate::{Ecosystem, Package};

const FORMAT: &str = ".NET deps.json";

/// The prefix the SDK gives a bundled runtime's library name.
const RUNTIME_PACK_PREFIX: &str = "runtimepack.";

pub(crate) struct DotnetDeps;

impl Cataloger for DotnetDeps {
    fn id(&self) -> &'static str {
        "dotnet-deps"
    }

    fn version(&self) -> u32 {
        1
    }

    fn selectors(&self) -> &'static [Selector] {
        &[Selector::Glob("**/*.deps.json")]
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

#[derive(serde::Deserialize)]
struct DepsFile {
    #[serde(default, rename = "runtimeTarget")]
    runtime_target: Option<JsonObject<RuntimeTarget>>,
    #[serde(default)]
    targets: Option<BTreeMap<String, Option<Target>>>,
    #[serde(default)]
    libraries: Option<BTreeMap<String, JsonObject<Library>>>,
}

/// A target (a framework, perhaps with a runtime identifier): its libraries by `Name/Version`.
type Target = BTreeMap<String, JsonObject<TargetLibrary>>;

#[derive(serde::Deserialize)]
struct RuntimeTarget {
    #[serde(default)]
    name: Option<String>,
}

/// A library's entry in a target: only whether it has run-time assets is read. A section that
/// is present and not `null` counts, even when empty, as Trivy counts it.
#[derive(serde::Deserialize)]
struct TargetLibrary {
    #[serde(default)]
    runtime: Option<IgnoredAny>,
    #[serde(default, rename = "runtimeTargets")]
    runtime_targets: Option<IgnoredAny>,
    #[serde(default)]
    native: Option<IgnoredAny>,
}

impl TargetLibrary {
    fn has_runtime_assets(&self) -> bool {
        self.runtime.is_some() || self.runtime_targets.is_some() || self.native.is_some()
    }
}

#[derive(serde::Deserialize)]
struct Library {
    #[serde(default, rename = "type")]
    kind: Option<String>,
}

fn parse(bytes: &[u8]) -> Result<Vec<Package>, CatalogError> {
    let JsonObject(deps) = json::<JsonObject<DepsFile>>(FORMAT, bytes)?;
    let target_name = deps
        .runtime_target
        .and_then(|JsonObject(target)| target.name)
        .unwrap_or_default();
    // Whether each library of the runtime target has run-time assets, keyed like the
    // libraries below (runtime packs without their prefix).
    let runtime: Option<BTreeMap<String, bool>> = deps
        .targets
        .and_then(|mut targets| targets.remove(&target_name))
        .flatten()
        .map(|libraries| {
            libraries
                .into_iter()
                .map(|(key, JsonObject(library))| {
                    let key = key
                        .strip_prefix(RUNTIME_PACK_PREFIX)
                        .map_or(key.clone(), str::to_owned);
                    (key, library.has_runtime_assets())
                })
                .collect()
        });

    let mut packages = Vec::new();
    for (key, JsonObject(library)) in deps.libraries.unwrap_or_default() {
        let Some((name, version)) = key.split_once('/').filter(|(name, version)| {
            !name.is_empty() && !version.is_empty() && !version.contains('/')
        }) else {
            return Err(CatalogError::malformed(
                FORMAT,
                format!(
                    "library `{}` is not `Name/Version`",
                    excerpt(key.as_bytes())
                ),
            ));
        };
        let kind = library.kind.unwrap_or_default();
        let name = if kind.eq_ignore_ascii_case("package") {
            name
        } else if kind.eq_ignore_ascii_case("runtimepack") {
            name.strip_prefix(RUNTIME_PACK_PREFIX).unwrap_or(name)
        } else {
            continue;
        };
        let loaded = runtime.as_ref().is_none_or(|runtime| {
            runtime
                .get(&format!("{name}/{version}"))
                .is_none_or(|has_assets| *has_assets)
        });
        if loaded {
            packages.push(Package::new(Ecosystem::Nuget, name, version));
        }
    }
    Ok(packages)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: u64 = 64 << 20;

    fn catalog(bytes: &[u8]) -> Result<Vec<Package>, CatalogError> {
        crate::cataloger::testing::catalog(&DotnetDeps, "/app/app.deps.json", bytes, LIMIT)
    }

    fn ids(packages: &[Package]) -> Vec<String> {
        let mut ids: Vec<String> = packages
            .iter()
            .map(|p| {
                assert_eq!(p.ecosystem, Ecosystem::Nuget);
                assert!(p.licenses.is_empty() && p.namespace.is_none());
                format!("{}/{}", p.name, p.version)
            })
            .collect();
        ids.sort();
        ids
    }

    fn fixture(case: &str) -> Option<Vec<u8>> {
        tollgate_test::shared(&format!(
            "fixtures/trivy/dotnet-deps/{case}/{case}.deps.json"
        ))
        .map(|path| fs_err::read(path).unwrap())
    }

    fn malformed(result: Result<Vec<Package>, CatalogError>) -> String {
        crate::cataloger::testing::malformed_reason(result, FORMAT)
    }

    #[test]
    fn selectors_and_identity() {
        assert_eq!(DotnetDeps.id(), "dotnet-deps");
        assert_eq!(DotnetDeps.version(), 1);
        assert_eq!(
            format!("{:?}", DotnetDeps.selectors()),
            r#"[Glob("**/*.deps.json")]"#
        );
    }

    /// Trivy's `core_deps/parse_test.go` and `deps_test.go` results without the `project`
    /// libraries (its root and workspace packages: `ExampleApp1`, `hello2`, `Web`, `Api`,
    /// `Data`, `Microsoft.VisualStudio.TestPlatform.Common`).
    #[test]
    fn trivy_fixtures() {
        let cases: [(&str, &[&str]); 5] = [
            // No `targets`: every package library.
            ("datacollector", &["Newtonsoft.Json/9.0.1"]),
            ("happy", &["Newtonsoft.Json/13.0.1"]),
            ("multi-project", &["Newtonsoft.Json/13.0.3"]),
            (
                "self-contained",
                &[
                    "Microsoft.AspNetCore.App.Runtime.linux-x64/8.0.0",
                    "Microsoft.NETCore.App.Runtime.linux-x64/8.0.0",
                    "Newtonsoft.Json/13.0.1",
                ],
            ),
            // Without run-time assets: `Microsoft.NETCore.App`, `Microsoft.NETCore.Platforms`,
            // `NETStandard.Library`, `System.Net.Http`. Not in the target, so kept:
            // `System.Collections.Immutable`.
            (
                "without-runtime",
                &[
                    "JsonDiffPatch/2.0.61",
                    "Libuv/1.9.1",
                    "System.Collections.Immutable/1.3.0",
                ],
            ),
        ];
        for (case, expected) in cases {
            let Some(bytes) = fixture(case) else { return };
            assert_eq!(ids(&catalog(&bytes).unwrap()), expected, "{case}");
        }
    }

    #[test]
    fn purl() {
        let mut package =
            catalog(br#"{"libraries": {"Newtonsoft.Json/13.0.1": {"type": "package"}}}"#)
                .unwrap()
                .remove(0);
        package.purl = crate::purl::purl(&package, None);
        assert_eq!(package.purl, "pkg:nuget/Newtonsoft.Json@13.0.1");
    }

    #[test]
    fn types_and_targets() {
        let deps = br#"{
            "runtimeTarget": {"name": "t"},
            "targets": {
                "t": {
                    "A/1.0.0": {"runtime": {}},
                    "B/1.0.0": {"runtime": null, "compile": {"b.dll": {}}},
                    "C/1.0.0": {"native": {"c.so": {}}},
                    "runtimepack.R/2.0.0": {"runtime": {"r.dll": {}}},
                    "runtimepack.S/2.0.0": {}
                },
                "other": {"B/1.0.0": {"runtime": {"b.dll": {}}}}
            },
            "libraries": {
                "A/1.0.0": {"type": "Package"},
                "B/1.0.0": {"type": "package"},
                "C/1.0.0": {"type": "package", "serviceable": false},
                "D/1.0.0": {"type": "package"},
                "P/1.0.0": {"type": "project"},
                "Q/1.0.0": {"type": "reference"},
                "U/1.0.0": {},
                "runtimepack.R/2.0.0": {"type": "runtimepack"},
                "runtimepack.S/2.0.0": {"type": "runtimepack"}
            }
        }"#;
        assert_eq!(
            ids(&catalog(deps).unwrap()),
            ["A/1.0.0", "C/1.0.0", "D/1.0.0", "R/2.0.0"]
        );
        // A runtime target that `targets` does not have: every library is kept.
        let missing = br#"{"runtimeTarget": {"name": "x"}, "targets": {"t": {"A/1": {}}},
                           "libraries": {"A/1": {"type": "package"}}}"#;
        assert_eq!(ids(&catalog(missing).unwrap()), ["A/1"]);
        assert_eq!(catalog(b"{}").unwrap(), vec![]);
        assert_eq!(
            catalog(br#"{"targets": null, "libraries": null, "runtimeTarget": null}"#).unwrap(),
            vec![]
        );
    }

    #[test]
    fn malformed_files() {
        assert_eq!(
            malformed(catalog(b"[]")),
            "invalid type: sequence, expected a JSON object at line 1 column 0"
        );
        assert_eq!(
            malformed(catalog(b"")),
            "EOF while parsing a value at line 1 column 0"
        );
        assert_eq!(
            malformed(catalog(b"{\"libraries\": {\n\"A/1\": {\"type\": 1}}}")),
            "invalid type: integer `1`, expected a string at line 2 column 17"
        );
        assert_eq!(
            malformed(catalog(br#"{"runtimeTarget": "t"}"#)),
            "invalid type: string \"t\", expected a JSON object at line 1 column 21"
        );
        assert_eq!(
            malformed(catalog(br#"{"libraries": {"A/1": ["package"]}}"#)),
            "invalid type: sequence, expected a JSON object at line 1 column 22"
        );
        for key in ["NoVersion", "/1.0", "Name/", "", "A/1/2"] {
            let json = serde_json::json!({"libraries": {key: {"type": "package"}}}).to_string();
            assert_eq!(
                malformed(catalog(json.as_bytes())),
                format!("library `{key}` is not `Name/Version`")
            );
        }
    }

    #[test]
    fn hostile_input() {
        let _ = malformed(catalog(&[0xff; 4096]));
        let every: Vec<u8> = (0..=255u8).cycle().take(1 << 16).collect();
        let _ = malformed(catalog(&every));
        let deep = format!(
            r#"{{"targets": {{"t": {{"A/1": {{"runtime": {}{}}}}}}}}}"#,
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        // Skipped unread, without recursion.
        assert_eq!(catalog(deep.as_bytes()).unwrap(), vec![]);
        let deep = format!(
            r#"{{"libraries": {{"A/1": {{"type": {}{}}}}}}}"#,
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        assert_eq!(
            malformed(catalog(deep.as_bytes())),
            "invalid type: sequence, expected a string at line 1 column 31"
        );
        let many = format!(
            r#"{{"libraries": {{{}}}}}"#,
            (0..20_000)
                .map(|i| format!(r#""P{i}/1.0.{i}": {{"type": "package"}}"#))
                .collect::<Vec<_>>()
                .join(",")
        );
        assert_eq!(catalog(many.as_bytes()).unwrap().len(), 20_000);
        let result = crate::cataloger::testing::catalog(
            &DotnetDeps,
            "/app/app.deps.json",
            many.as_bytes(),
            1024,
        );
        assert!(matches!(result, Err(CatalogError::Read(_))), "{result:?}");
    }
}
