//! JUnit XML, for the test reports of CI systems (Jenkins, GitLab, Azure DevOps, GitHub
//! actions that publish test results): a `<testsuite>` per part of the image (the OS packages,
//! then each place language packages were found, as [`Group`] divides them) and a `<testcase>`
//! per package, so that the package count is the test count.
//!
//! A package's test case
//! - fails with a `<failure>` per vulnerability, worst first (readers that show one failure per
//!   test case show the worst), whose `type` is the severity and whose `message` names the
//!   vulnerability, the installed and fixed versions and the title;
//! - or has an `<error>` per advisory its version could not be compared with;
//! - or is skipped, with a `<skipped>` per suppressed finding carrying the suppression's reason,
//!   or a `<skipped>` that says why no advisory data covers the package;
//! - or passes.
//!
//! A test case that fails or errs lists its suppressed findings in `<system-out>` instead of as
//! `<skipped>` elements, since readers disagree on whether "skipped" or "failed" wins. Files that
//! could not be read are test cases in error of a last suite, `scan`, whose `<system-err>` holds
//! the scan's warnings.
//!
//! Configuration findings are the suite `configuration`: a test case per rule that found
//! something (the report does not list the rules that passed), failing with a `<failure>` per
//! finding. Secrets are the suite `secrets`: a test case per file (in its layer), failing with
//! a `<failure>` per secret in it, since the file is what has to go. Both suites are there only
//! when they have findings.
//!
//! The document follows the JUnit schema of Jenkins' xUnit plugin (`junit-10.xsd`, which most
//! readers accept): counts on every suite, `failures` and `errors` on the root, no elements the
//! schema does not know. Every text and attribute goes through [`escape`].
//!
//! ref: <https://github.com/jenkinsci/xunit-plugin/blob/master/src/main/resources/org/jenkinsci/plugins/xunit/types/model/xsd/junit-10.xsd>

use std::fmt::Write as _;
use std::io::Write;

use std::collections::BTreeMap;

use tollgate_checks::{CheckFinding, SecretFinding};
use tollgate_match::{Finding, Status, Suppressed};

use crate::checks::{self, NOT_IN_FINAL_IMAGE};
use crate::group::{self, Group, PackageEntry, PackageKey};
use crate::{ScanReport, cvss, escape, link};

/// The suite of the configuration findings.
const CONFIGURATION: &str = "configuration";
/// The suite of the secrets.
const SECRETS: &str = "secrets";

/// What a test case came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Passed,
    Failed,
    Errored,
    Skipped,
}

/// One `<testsuite>`, rendered, with its counts.
#[derive(Debug, Default)]
struct Suite {
    tests: usize,
    failures: usize,
    errors: usize,
    skipped: usize,
    body: String,
}

impl Suite {
    fn count(&mut self, outcome: Outcome) {
        self.tests += 1;
        match outcome {
            Outcome::Passed => {}
            Outcome::Failed => self.failures += 1,
            Outcome::Errored => self.errors += 1,
            Outcome::Skipped => self.skipped += 1,
        }
    }
}

/// Write the JUnit XML of `report`.
pub(crate) fn render(report: &ScanReport, out: &mut dyn Write) -> std::io::Result<()> {
    let mut suites: Vec<(String, Suite)> = Vec::new();
    for (group, packages) in group::packages(report) {
        let name = group.label(report.os.as_ref());
        let mut suite = Suite::default();
        suite_properties(report, &group, &packages, &mut suite.body);
        for (key, entry) in &packages {
            let outcome = testcase(&name, key, entry, &mut suite.body);
            suite.count(outcome);
        }
        suites.push((name, suite));
    }
    if !report.checks.is_empty() {
        suites.push((CONFIGURATION.to_owned(), configuration_suite(report)));
    }
    if !report.secrets.is_empty() {
        suites.push((SECRETS.to_owned(), secrets_suite(report)));
    }
    if !report.unknowns.is_empty() || !report.warnings.is_empty() {
        suites.push(("scan".to_owned(), scan_suite(report)));
    }

    let total = |count: fn(&Suite) -> usize| suites.iter().map(|(_, suite)| count(suite)).sum();
    let (tests, failures, errors): (usize, usize, usize) = (
        total(|suite| suite.tests),
        total(|suite| suite.failures),
        total(|suite| suite.errors),
    );
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        xml,
        "<testsuites name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" time=\"0\">",
        escape::xml_attribute(&format!("tollgate scan of {}", report.target)),
    );
    for (name, suite) in &suites {
        let _ = writeln!(
            xml,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"0\" timestamp=\"{}\">",
            escape::xml_attribute(name),
            suite.tests,
            suite.failures,
            suite.errors,
            suite.skipped,
            escape::xml_attribute(&report.created),
        );
        xml.push_str(&suite.body);
        xml.push_str("  </testsuite>\n");
    }
    xml.push_str("</testsuites>\n");
    out.write_all(xml.as_bytes())
}

/// The suite's `<properties>`: what was scanned, with what, and the suite's own counts of
/// vulnerabilities (a test case counts once however many it has).
fn suite_properties(
    report: &ScanReport,
    group: &Group,
    packages: &std::collections::BTreeMap<PackageKey, PackageEntry<'_>>,
    xml: &mut String,
) {
    let mut properties: Vec<(&str, String)> = vec![("target", report.target.clone())];
    if let Some(digest) = &report.image.manifest_digest {
        properties.push(("manifest-digest", digest.to_string()));
    }
    if let Some(os) = &report.os {
        properties.push(("os", format!("{} {}", os.family, os.version)));
    }
    if let Some(db) = &report.db {
        properties.push(("vulnerability-db", db.content_digest.clone()));
    }
    if let Group::Language {
        location,
        ecosystem,
    } = group
    {
        properties.push(("location", location.clone()));
        properties.push(("ecosystem", ecosystem.clone()));
    }
    let vulnerabilities: usize = packages.values().map(|entry| entry.findings.len()).sum();
    let suppressed: usize = packages.values().map(|entry| entry.suppressed.len()).sum();
    properties.push(("vulnerabilities", vulnerabilities.to_string()));
    properties.push(("suppressed", suppressed.to_string()));
    properties.push(("tollgate-version", report.tollgate_version.clone()));

    xml.push_str("    <properties>\n");
    for (name, value) in properties {
        let _ = writeln!(
            xml,
            "      <property name=\"{}\" value=\"{}\"/>",
            escape::xml_attribute(name),
            escape::xml_attribute(&value)
        );
    }
    xml.push_str("    </properties>\n");
}

/// One package's test case.
fn testcase(suite: &str, key: &PackageKey, entry: &PackageEntry<'_>, xml: &mut String) -> Outcome {
    let _ = write!(
        xml,
        "    <testcase classname=\"{}\" name=\"{}\" time=\"0\"",
        escape::xml_attribute(suite),
        escape::xml_attribute(&format!("{}@{}", key.name, key.version)),
    );
    let outcome = if !entry.findings.is_empty() {
        Outcome::Failed
    } else if !entry.diagnostics.is_empty() {
        Outcome::Errored
    } else if !entry.suppressed.is_empty() || entry.not_covered.is_some() {
        Outcome::Skipped
    } else {
        Outcome::Passed
    };
    if outcome == Outcome::Passed {
        xml.push_str("/>\n");
        return outcome;
    }
    xml.push_str(">\n");
    match outcome {
        Outcome::Failed => {
            for finding in &entry.findings {
                failure(finding, xml);
            }
        }
        Outcome::Errored => {
            for diagnostic in &entry.diagnostics {
                let _ = writeln!(
                    xml,
                    "      <error type=\"comparison-failed\" message=\"{}\">{}</error>",
                    escape::xml_attribute(&format!(
                        "cannot compare with {}: {}",
                        diagnostic.advisory_id, diagnostic.reason
                    )),
                    escape::markup(&format!(
                        "Advisory: {}\nPackage: {} {}\nReason: {}\nMore: {}\n",
                        diagnostic.advisory_id,
                        diagnostic.package.name,
                        diagnostic.package.version,
                        diagnostic.reason,
                        link::advisory_url(&diagnostic.advisory_id),
                    )),
                );
            }
        }
        Outcome::Skipped if entry.suppressed.is_empty() => {
            let reason = entry.not_covered.unwrap_or_default();
            let _ = writeln!(
                xml,
                "      <skipped type=\"not-covered\" message=\"{}\"/>",
                escape::xml_attribute(&format!("not checked: {reason}")),
            );
        }
        Outcome::Skipped => {
            for suppressed in &entry.suppressed {
                let _ = writeln!(
                    xml,
                    "      <skipped type=\"suppressed\" message=\"{}\">{}</skipped>",
                    escape::xml_attribute(&format!(
                        "{} ({}) suppressed: {}",
                        suppressed.finding.vulnerability_id,
                        suppressed.finding.severity.as_str(),
                        suppressed.reason
                    )),
                    escape::markup(&suppressed_text(suppressed)),
                );
            }
        }
        Outcome::Passed => {}
    }
    // What the elements above do not say: suppressions beside failures or errors, and
    // comparisons that failed beside vulnerabilities that were found.
    if outcome != Outcome::Skipped && !entry.suppressed.is_empty() {
        let text: Vec<String> = entry
            .suppressed
            .iter()
            .map(|s| suppressed_text(s))
            .collect();
        let _ = writeln!(
            xml,
            "      <system-out>{}</system-out>",
            escape::markup(&text.join("\n"))
        );
    }
    if outcome == Outcome::Failed && !entry.diagnostics.is_empty() {
        let text: Vec<String> = entry
            .diagnostics
            .iter()
            .map(|d| format!("cannot compare with {}: {}\n", d.advisory_id, d.reason))
            .collect();
        let _ = writeln!(
            xml,
            "      <system-err>{}</system-err>",
            escape::markup(&text.concat())
        );
    }
    xml.push_str("    </testcase>\n");
    outcome
}

/// The one line that names a vulnerability of a package: id, severity, title, versions.
fn headline(finding: &Finding) -> String {
    let package = &finding.package;
    let fix = match &finding.fixed_version {
        Some(fixed) => format!("fixed in {fixed}"),
        None => "no fix yet".to_owned(),
    };
    let mut line = format!(
        "{} ({}) in {} {}, {fix}",
        finding.vulnerability_id,
        finding.severity.as_str(),
        package.name,
        package.version,
    );
    if let Some(summary) = finding.summary.as_deref().filter(|s| !s.trim().is_empty()) {
        line.push_str(": ");
        line.push_str(summary);
    }
    line
}

/// Everything about one finding, a line per fact.
fn details(finding: &Finding) -> String {
    let package = &finding.package;
    let mut text = format!(
        "Vulnerability: {}\nSeverity: {}\n",
        finding.vulnerability_id,
        finding.severity.as_str()
    );
    for vector in &finding.cvss {
        let _ = writeln!(text, "CVSS: {}", cvss::describe(vector));
    }
    let _ = writeln!(text, "Package: {} ({})", package.name, package.ecosystem);
    if let Some(source) = &package.source_name {
        let version = package
            .source_version
            .as_deref()
            .unwrap_or(&package.version);
        let _ = writeln!(text, "Source package: {source} {version}");
    }
    let _ = writeln!(text, "Installed version: {}", package.version);
    let _ = writeln!(
        text,
        "Fixed version: {}",
        finding.fixed_version.as_deref().unwrap_or("none yet")
    );
    let _ = writeln!(
        text,
        "Status: {}",
        match finding.status {
            Status::Fixed => "fixed",
            Status::Unfixed => "unfixed",
        }
    );
    if let Some(summary) = &finding.summary {
        let _ = writeln!(text, "Title: {summary}");
    }
    if !finding.advisory_ids.is_empty() {
        let _ = writeln!(text, "Advisories: {}", finding.advisory_ids.join(", "));
    }
    let _ = writeln!(
        text,
        "More: {}",
        link::advisory_url(&finding.vulnerability_id)
    );
    let _ = writeln!(text, "Found in: {}", package.path);
    if let Some(layer) = &package.layer {
        let _ = writeln!(text, "Layer: {layer}");
    }
    if !package.purl.is_empty() {
        let _ = writeln!(text, "Package URL: {}", package.purl);
    }
    text
}

fn failure(finding: &Finding, xml: &mut String) {
    let _ = writeln!(
        xml,
        "      <failure type=\"{}\" message=\"{}\">{}</failure>",
        finding.severity.as_str(),
        escape::xml_attribute(&headline(finding)),
        escape::markup(&details(finding)),
    );
}

fn suppressed_text(suppressed: &Suppressed) -> String {
    format!(
        "Suppressed: {}\nReason: {}\nBy: {}\n{}",
        headline(&suppressed.finding),
        suppressed.reason,
        suppressed.source,
        details(&suppressed.finding)
    )
}

/// The `<properties>` of a suite of configuration findings or secrets.
fn own_properties(report: &ScanReport, counts: &[(&str, usize)], xml: &mut String) {
    let mut properties: Vec<(&str, String)> = vec![("target", report.target.clone())];
    if let Some(digest) = &report.image.manifest_digest {
        properties.push(("manifest-digest", digest.to_string()));
    }
    for (name, count) in counts {
        properties.push((name, count.to_string()));
    }
    properties.push(("tollgate-version", report.tollgate_version.clone()));
    xml.push_str("    <properties>\n");
    for (name, value) in properties {
        let _ = writeln!(
            xml,
            "      <property name=\"{}\" value=\"{}\"/>",
            escape::xml_attribute(name),
            escape::xml_attribute(&value)
        );
    }
    xml.push_str("    </properties>\n");
}

/// A test case per configuration rule that found something, a failure per finding.
fn configuration_suite(report: &ScanReport) -> Suite {
    let mut suite = Suite::default();
    own_properties(
        report,
        &[("findings", report.checks.len())],
        &mut suite.body,
    );
    let mut by_rule: BTreeMap<&str, Vec<&CheckFinding>> = BTreeMap::new();
    for check in checks::sorted_checks(report) {
        by_rule.entry(check.id.as_str()).or_default().push(check);
    }
    for (id, rule_checks) in by_rule {
        let title = rule_checks
            .iter()
            .map(|check| check.title.as_str())
            .find(|title| !title.trim().is_empty())
            .unwrap_or_default();
        let _ = writeln!(
            suite.body,
            "    <testcase classname=\"{CONFIGURATION}\" name=\"{}\" time=\"0\">",
            escape::xml_attribute(format!("{id} {title}").trim_end()),
        );
        for check in rule_checks {
            let mut headline = format!(
                "{} ({}): {}",
                check.id,
                check.severity.as_str(),
                check.title
            );
            let evidence = checks::first_evidence(check, &|text| text.to_owned());
            if !evidence.is_empty() {
                headline.push_str(": ");
                headline.push_str(&evidence);
            }
            let mut details = format!(
                "Rule: {}\nSeverity: {}\nTitle: {}\n",
                check.id,
                check.severity.as_str(),
                check.title
            );
            for evidence in &check.evidence {
                let _ = writeln!(details, "Evidence: {}", checks::evidence_text(evidence));
            }
            let _ = writeln!(details, "Remedy: {}", check.remedy);
            let _ = writeln!(
                suite.body,
                "      <failure type=\"{}\" message=\"{}\">{}</failure>",
                check.severity.as_str(),
                escape::xml_attribute(&headline),
                escape::markup(&details),
            );
        }
        suite.body.push_str("    </testcase>\n");
        suite.count(Outcome::Failed);
    }
    suite
}

/// A test case per file (in its layer) that holds secrets, a failure per secret.
fn secrets_suite(report: &ScanReport) -> Suite {
    let mut suite = Suite::default();
    let removed = report.secrets.iter().filter(|s| !s.in_final_image).count();
    own_properties(
        report,
        &[
            ("secrets", report.secrets.len()),
            ("secrets-in-removed-files", removed),
        ],
        &mut suite.body,
    );
    let mut by_file: BTreeMap<(&str, usize, Option<&str>), Vec<&SecretFinding>> = BTreeMap::new();
    for secret in checks::sorted_secrets(report) {
        let layer = secret.layer.as_ref().map(tollgate_oci::Digest::hex);
        by_file
            .entry((secret.path.as_str(), secret.layer_index, layer))
            .or_default()
            .push(secret);
    }
    for ((path, layer_index, _), secrets) in by_file {
        let _ = writeln!(
            suite.body,
            "    <testcase classname=\"{SECRETS}\" name=\"{}\" time=\"0\">",
            escape::xml_attribute(&format!("{path} (layer {layer_index})")),
        );
        for secret in secrets {
            let layer = checks::layer_text(Some(secret.layer_index), secret.layer.as_ref())
                .unwrap_or_default();
            let mut headline = format!(
                "{} ({}): {} at line {}",
                secret.rule_id,
                secret.severity.as_str(),
                secret.title,
                secret.line
            );
            if !secret.in_final_image {
                headline.push_str(", in a file deleted or replaced by a later layer");
            }
            let mut details = format!(
                "Rule: {}\nSeverity: {}\nTitle: {}\nFile: {}\nLine: {}\nLayer: {layer}\n",
                secret.rule_id,
                secret.severity.as_str(),
                secret.title,
                secret.path,
                secret.line,
            );
            if let Some(digest) = &secret.layer {
                let _ = writeln!(details, "Layer digest: {digest}");
            }
            if !secret.in_final_image {
                let _ = writeln!(details, "Note: the file was {NOT_IN_FINAL_IMAGE}.");
            }
            let _ = writeln!(details, "Match (redacted): {}", secret.redacted);
            let _ = writeln!(
                suite.body,
                "      <failure type=\"{}\" message=\"{}\">{}</failure>",
                secret.severity.as_str(),
                escape::xml_attribute(&headline),
                escape::markup(&details),
            );
        }
        suite.body.push_str("    </testcase>\n");
        suite.count(Outcome::Failed);
    }
    suite
}

/// The suite of what the scan itself could not do: each unreadable file a test case in error,
/// and the warnings as the suite's `<system-err>`.
fn scan_suite(report: &ScanReport) -> Suite {
    let mut suite = Suite::default();
    for unknown in &report.unknowns {
        let _ = writeln!(
            suite.body,
            "    <testcase classname=\"scan\" name=\"{}\" time=\"0\">\n      <error type=\"unreadable-file\" message=\"{}\">{}</error>\n    </testcase>",
            escape::xml_attribute(&format!("read {}", unknown.path)),
            escape::xml_attribute(&format!(
                "{} could not read the file: {}",
                unknown.cataloger, unknown.reason
            )),
            escape::markup(&format!(
                "File: {}\nLayer: {}\nCataloger: {}\nReason: {}\n",
                unknown.path, unknown.layer_index, unknown.cataloger, unknown.reason
            )),
        );
        suite.count(Outcome::Errored);
    }
    if !report.warnings.is_empty() {
        let text: Vec<String> = report
            .warnings
            .iter()
            .map(|warning| format!("warning: {warning}\n"))
            .collect();
        let _ = writeln!(
            suite.body,
            "    <system-err>{}</system-err>",
            escape::markup(&text.concat())
        );
    }
    suite
}

#[cfg(test)]
mod tests {
    use tollgate_match::{Severity, Suppressed};

    use crate::Format;
    use crate::testing::{HOSTILE, element_names, finding, hostile, rendered, report};

    const ELEMENTS: [&str; 11] = [
        "?xml",
        "testsuites",
        "testsuite",
        "properties",
        "property",
        "testcase",
        "failure",
        "error",
        "skipped",
        "system-out",
        "system-err",
    ];

    #[test]
    fn hostile_text_stays_text() {
        let xml = rendered(&hostile(), Format::Junit);
        let names = element_names(&xml);
        assert!(
            names.iter().all(|name| ELEMENTS.contains(&name.as_str())),
            "{names:?}"
        );
        // `]]>` is not allowed in character data outside a CDATA section; `\0` and ESC nowhere.
        assert!(!xml.contains("]]>"));
        assert!(!xml.contains(['\u{0}', '\u{1b}']));
        assert!(xml.contains(
            "name=\"demo&lt;script&gt;alert(1)&lt;/script&gt;]]&gt;&lt;![CDATA[&amp;amp;&quot;&#39;`"
        ));
        // The configuration findings and secrets too.
        assert!(xml.contains("name=\"TG-CFG-001&lt;script&gt;alert(1)&lt;/script&gt;]]&gt;"));
        assert!(
            xml.contains(
                "Match (redacted): -----BEGIN &lt;script&gt;alert(1)&lt;/script&gt;]]&gt;"
            )
        );
        assert!(xml.contains("<testsuite name=\"secrets\""));
        assert!(!HOSTILE.is_empty());
    }

    fn pypi(
        id: &str,
        name: &str,
        severity: Severity,
        fixed: Option<&str>,
    ) -> tollgate_match::Finding {
        let path = format!("/usr/lib/python3/dist-packages/{name}-1.0.dist-info/METADATA");
        finding(id, "pypi", name, "1.0", &path, severity, fixed)
    }

    #[test]
    fn packages_fail_skip_or_pass() {
        let mut report = report(
            vec![
                pypi("CVE-1", "a", Severity::Low, Some("1.1")),
                pypi("CVE-2", "a", Severity::Critical, None),
                pypi("CVE-3", "b", Severity::High, Some("2.0")),
            ],
            vec![
                Suppressed {
                    finding: pypi("CVE-4", "b", Severity::Low, None),
                    reason: "accepted risk".into(),
                    source: ".tollgateignore:3".into(),
                },
                Suppressed {
                    finding: pypi("CVE-5", "c", Severity::Medium, None),
                    reason: "VEX not_affected: component_not_present".into(),
                    source: "app.openvex.json".into(),
                },
            ],
        );
        let mut clean = report.packages[0].clone();
        clean.name = "d".into();
        report.packages.push(clean);
        let xml = rendered(&report, Format::Junit);

        assert!(xml.contains(
            "<testsuite name=\"/usr/lib/python3/dist-packages (pypi)\" tests=\"4\" failures=\"2\" errors=\"0\" skipped=\"1\""
        ), "{xml}");
        assert!(xml.contains("<testsuites name=\"tollgate scan of docker://example.com/app:1.0\" tests=\"4\" failures=\"2\" errors=\"0\""));
        // Worst first within a test case.
        let critical = xml.find("<failure type=\"CRITICAL\" message=\"CVE-2 (CRITICAL) in a 1.0, no fix yet: CVE-2 in a\"").unwrap();
        let low = xml
            .find(
                "<failure type=\"LOW\" message=\"CVE-1 (LOW) in a 1.0, fixed in 1.1: CVE-1 in a\"",
            )
            .unwrap();
        assert!(critical < low);
        // A suppression beside a failure is output, not a skip; alone it is a skip.
        assert_eq!(xml.matches("<skipped").count(), 1);
        assert!(xml.contains("<skipped type=\"suppressed\" message=\"CVE-5 (MEDIUM) suppressed: VEX not_affected: component_not_present\">"));
        assert!(xml.contains("<system-out>Suppressed: CVE-4 (LOW) in b 1.0, no fix yet: CVE-4 in b\nReason: accepted risk\nBy: .tollgateignore:3\n"));
        assert!(xml.contains("<testcase classname=\"/usr/lib/python3/dist-packages (pypi)\" name=\"d@1.0\" time=\"0\"/>"));
    }

    #[test]
    fn checks_and_secrets_are_suites_of_their_own() {
        use crate::testing::{config_check, secret};
        let mut report = report(vec![], vec![]);
        report.checks = vec![
            config_check("TG-CFG-002", Severity::Low, "config.Healthcheck"),
            config_check("TG-CFG-001", Severity::High, "config.User"),
            config_check("TG-CFG-001", Severity::Medium, "history[2].created_by"),
        ];
        let mut second = secret("TG-SEC-002", Severity::Critical, "/app/.env", true);
        second.line = 2;
        report.secrets = vec![
            secret("TG-SEC-001", Severity::High, "/app/.env", true),
            second,
            secret("TG-SEC-003", Severity::High, "/root/.ssh/id_rsa", false),
        ];
        let xml = rendered(&report, Format::Junit);
        assert!(xml.contains("<testsuites name=\"tollgate scan of docker://example.com/app:1.0\" tests=\"4\" failures=\"4\" errors=\"0\""), "{xml}");
        assert!(xml.contains("<testsuite name=\"configuration\" tests=\"2\" failures=\"2\" errors=\"0\" skipped=\"0\""), "{xml}");
        assert!(
            xml.contains(
                "<testsuite name=\"secrets\" tests=\"2\" failures=\"2\" errors=\"0\" skipped=\"0\""
            ),
            "{xml}"
        );
        // A test case per rule, a failure per finding, worst first.
        let high = xml.find("<failure type=\"HIGH\" message=\"TG-CFG-001 (HIGH): TG-CFG-001 title: config.User: config.User value\">").unwrap();
        let medium = xml
            .find("<failure type=\"MEDIUM\" message=\"TG-CFG-001 (MEDIUM)")
            .unwrap();
        assert!(high < medium);
        assert!(xml.contains(
            "<testcase classname=\"configuration\" name=\"TG-CFG-001 TG-CFG-001 title\" time=\"0\">"
        ));
        assert!(xml.contains("Remedy: TG-CFG-001 remedy\n"));
        // A test case per file, a failure per secret in it.
        assert!(xml.contains("<testcase classname=\"secrets\" name=\"/app/.env (layer 1)\" time=\"0\">\n      <failure type=\"CRITICAL\" message=\"TG-SEC-002 (CRITICAL): TG-SEC-002 title at line 2\">"), "{xml}");
        assert!(xml.contains("message=\"TG-SEC-003 (HIGH): TG-SEC-003 title at line 1, in a file deleted or replaced by a later layer\""), "{xml}");
        assert!(xml.contains("Layer: layer 1 (222222222222)\nLayer digest: sha256:2222"));
        assert!(xml.contains("Match (redacted): KEY=****\n"));
        assert!(xml.contains("<property name=\"secrets-in-removed-files\" value=\"1\"/>"));
    }
}
