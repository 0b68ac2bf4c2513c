//! SARIF 2.1.0, shaped as GitHub code scanning takes it and as Trivy's `--format sarif` writes
//! it: one run; one rule per vulnerability id, with descriptions, help as text and Markdown, a
//! `security-severity` and tags; one result per vulnerable package, located at the file that
//! records the package, relative to `ROOTPATH` (the root of the image's filesystem).
//!
//! Suppressed findings are results too, each with a `suppressions` entry that carries the reason:
//! that is SARIF's own way of saying "seen, and accepted", and viewers show them as such.
//! Warnings, comparison diagnostics and unreadable files are the invocation's notifications.
//!
//! Configuration findings and secrets have rules of their own, under their own ids (`TG-CFG-…`,
//! `TG-SEC-…`), after the vulnerabilities' rules, with the remedy as help and a
//! `security-severity` from the severity alone. A configuration finding is one result, located
//! at the first file its evidence names (the other files are related locations) or, when the
//! evidence is the image's config only, at the image (as a package found nowhere in particular
//! is) with the config fields as logical locations. A secret is one result at its file and line,
//! whatever layer holds the file; the layer and whether a later layer removed the file are in
//! the message and the properties.
//!
//! ref: <https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/sarif-v2.1.0-errata01-os-complete.html>
//! ref: <https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning>

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};
use tollgate_checks::{CheckFinding, SecretFinding};
use tollgate_match::{Cvss, Finding, Severity, Suppressed};
use tollgate_oci::Digest;

use crate::checks::{self, NOT_IN_FINAL_IMAGE};
use crate::cvss::{self, Version};
use crate::group::{Group, PackageKey};
use crate::{ScanReport, escape, link};

/// The schema the document names: the OASIS standard with its errata.
const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
/// The base of every result's location: the root of the image's filesystem.
const ROOT: &str = "ROOTPATH";
/// Where people learn about the tool (SARIF wants an absolute URI, and so does GitHub).
const INFORMATION_URI: &str = env!("CARGO_PKG_REPOSITORY");
/// The partial fingerprint GitHub tracks an alert by across scans.
const FINGERPRINT: &str = "packageVulnerability/v1";
/// The partial fingerprint of a configuration finding.
const CHECK_FINGERPRINT: &str = "imageCheck/v1";
/// The partial fingerprint of a secret.
const SECRET_FINGERPRINT: &str = "imageSecret/v1";
/// The most related locations a result lists (GitHub reads at most 1000 locations a result).
const MAX_RELATED_LOCATIONS: usize = 100;
/// What to do about any secret.
const SECRET_REMEDY: &str = "Revoke and rotate the credential: anyone who pulled the image has it. \
    Then rebuild the image without the file in any layer (deleting it in a later layer does not \
    remove it from the image), passing secrets at build time as build secrets and at run time \
    as mounted files or environment.";

/// A result's level: what GitHub shows as error, warning or note (Trivy's mapping).
fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Unknown => "note",
    }
}

/// The SARIF log of `report`.
pub(crate) fn document(report: &ScanReport) -> Value {
    // Every finding, the suppressed ones with their suppression, by id and then package: the
    // rules come out in id order and each result right after the results of the rule before.
    let mut entries: Vec<(&Finding, Option<&Suppressed>)> = report
        .findings
        .iter()
        .map(|finding| (finding, None))
        .chain(
            report
                .suppressed
                .iter()
                .map(|suppressed| (&suppressed.finding, Some(suppressed))),
        )
        .collect();
    entries.sort_by_cached_key(|(finding, suppressed)| {
        (
            finding.vulnerability_id.clone(),
            PackageKey::of_finding(&finding.package),
            suppressed.is_some(),
        )
    });

    let mut by_id: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for (finding, _) in &entries {
        by_id
            .entry(finding.vulnerability_id.as_str())
            .or_default()
            .push(finding);
    }
    let rule_index: BTreeMap<&str, usize> = by_id
        .keys()
        .enumerate()
        .map(|(index, id)| (*id, index))
        .collect();
    let mut rules: Vec<Value> = by_id
        .iter()
        .map(|(id, findings)| rule(id, findings))
        .collect();
    let mut results: Vec<Value> = entries
        .iter()
        .map(|(finding, suppressed)| {
            let index = rule_index
                .get(finding.vulnerability_id.as_str())
                .copied()
                .unwrap_or_default();
            result(report, finding, *suppressed, index)
        })
        .collect();

    // Then the configuration findings and the secrets, by rule id, each rule's worst first.
    let mut by_check: BTreeMap<&str, Vec<&CheckFinding>> = BTreeMap::new();
    for check in checks::sorted_checks(report) {
        by_check.entry(check.id.as_str()).or_default().push(check);
    }
    for (id, checks) in by_check {
        let index = rules.len();
        rules.push(check_rule(id, &checks));
        results.extend(
            checks
                .iter()
                .map(|check| check_result(report, check, index)),
        );
    }
    let mut by_secret: BTreeMap<&str, Vec<&SecretFinding>> = BTreeMap::new();
    for secret in checks::sorted_secrets(report) {
        by_secret
            .entry(secret.rule_id.as_str())
            .or_default()
            .push(secret);
    }
    for (id, secrets) in by_secret {
        let index = rules.len();
        rules.push(secret_rule(id, &secrets));
        results.extend(
            secrets
                .iter()
                .map(|secret| secret_result(report, secret, index)),
        );
    }

    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "tollgate",
                    "fullName": "tollgate container image scanner",
                    "informationUri": INFORMATION_URI,
                    "version": report.tollgate_version,
                    "rules": rules,
                }
            },
            "originalUriBaseIds": {
                ROOT: {
                    "uri": "file:///",
                    "description": { "text": "The root of the image's filesystem." },
                }
            },
            "invocations": [{
                "executionSuccessful": true,
                "toolExecutionNotifications": notifications(report),
            }],
            "results": results,
            "properties": run_properties(report),
        }]
    })
}

/// The rule of one vulnerability id, from every finding of it (suppressed ones included).
fn rule(id: &str, findings: &[&Finding]) -> Value {
    let severity = findings
        .iter()
        .map(|finding| finding.severity)
        .max()
        .unwrap_or_default();
    let summary = findings
        .iter()
        .filter_map(|finding| finding.summary.as_deref())
        .find(|summary| !summary.trim().is_empty());
    let mut vectors: Vec<&Cvss> = Vec::new();
    for cvss in findings.iter().flat_map(|finding| &finding.cvss) {
        if !vectors.iter().any(|known| known.vector == cvss.vector) {
            vectors.push(cvss);
        }
    }
    // The id first, then every advisory that reported it.
    let mut links: Vec<&str> = vec![id];
    let advisories: BTreeSet<&str> = findings
        .iter()
        .flat_map(|finding| &finding.advisory_ids)
        .map(String::as_str)
        .collect();
    links.extend(advisories.iter().filter(|advisory| **advisory != id));
    let os = findings
        .iter()
        .any(|finding| Group::of_finding(&finding.package) == Group::Os);

    let mut properties = Map::new();
    properties.insert(
        "tags".into(),
        json!(["vulnerability", "security", severity.as_str()]),
    );
    properties.insert("precision".into(), "very-high".into());
    properties.insert(
        "security-severity".into(),
        cvss::security_severity(severity, vectors.iter().copied()).into(),
    );
    properties.extend(cvss_properties(&vectors));

    let short = escape::sarif_text(summary.unwrap_or(id));
    let full = match summary {
        Some(summary) => escape::sarif_text(summary),
        None => format!(
            "{} ({} severity).",
            escape::sarif_text(id),
            severity.as_str()
        ),
    };
    json!({
        "id": id,
        "name": if os { "OsPackageVulnerability" } else { "LanguageSpecificPackageVulnerability" },
        "shortDescription": { "text": short },
        "fullDescription": { "text": full },
        "helpUri": link::advisory_url(id),
        "help": {
            "text": help_text(id, severity, summary, findings, &links),
            "markdown": help_markdown(id, severity, summary, findings, &links),
        },
        "defaultConfiguration": { "level": level(severity) },
        "properties": properties,
    })
}

/// The vectors under the property names Trivy writes (which other SARIF readers know): the
/// highest-scored vector of each CVSS version.
fn cvss_properties(vectors: &[&Cvss]) -> Map<String, Value> {
    let mut best: BTreeMap<&'static str, &Cvss> = BTreeMap::new();
    for cvss in vectors {
        let family = match Version::of(cvss) {
            Some(Version::V2) => "cvssv2",
            Some(Version::V30 | Version::V31) => "cvssv3",
            Some(Version::V40) => "cvssv40",
            None => continue,
        };
        let better = best
            .get(family)
            .is_none_or(|known| cvss.score.unwrap_or(-1.0) > known.score.unwrap_or(-1.0));
        if better {
            best.insert(family, cvss);
        }
    }
    let mut properties = Map::new();
    for (family, cvss) in best {
        properties.insert(format!("{family}_vector"), cvss.vector.clone().into());
        if let Some(score) = cvss.score {
            let key = if family == "cvssv2" {
                "cvssv2_score".to_owned()
            } else {
                format!("{family}_baseScore")
            };
            properties.insert(key, score.into());
        }
    }
    properties
}

/// The packages a rule's findings are about, once each, in order.
fn packages<'a>(findings: &[&'a Finding]) -> Vec<&'a Finding> {
    let mut seen = BTreeSet::new();
    findings
        .iter()
        .copied()
        .filter(|finding| seen.insert(PackageKey::of_finding(&finding.package)))
        .collect()
}

fn help_text(
    id: &str,
    severity: Severity,
    summary: Option<&str>,
    findings: &[&Finding],
    links: &[&str],
) -> String {
    let mut text = format!(
        "Vulnerability {}\nSeverity: {}\n",
        escape::sarif_text(id),
        severity.as_str()
    );
    if let Some(summary) = summary {
        text.push_str(&escape::sarif_text(summary));
        text.push('\n');
    }
    for finding in packages(findings) {
        let package = &finding.package;
        text.push_str(&format!(
            "\nPackage: {} ({})\nInstalled version: {}\nFixed version: {}\nPath: {}\n",
            escape::sarif_text(&package.name),
            escape::sarif_text(&package.ecosystem),
            escape::sarif_text(&package.version),
            escape::sarif_text(&fixed(finding)),
            escape::sarif_text(&package.path),
        ));
    }
    let ids: Vec<String> = links.iter().map(|id| escape::sarif_text(id)).collect();
    text.push_str(&format!("\nAdvisories: {}\n", ids.join(", ")));
    for id in links {
        text.push_str(&format!("{}\n", link::advisory_url(id)));
    }
    text
}

fn help_markdown(
    id: &str,
    severity: Severity,
    summary: Option<&str>,
    findings: &[&Finding],
    links: &[&str],
) -> String {
    let mut markdown = format!(
        "**Vulnerability {}** ({})\n\n",
        escape::markdown(id),
        severity.as_str()
    );
    if let Some(summary) = summary {
        markdown.push_str(&escape::markdown(summary));
        markdown.push_str("\n\n");
    }
    markdown.push_str(
        "| Package | Ecosystem | Installed version | Fixed version | Path |\n| --- | --- | --- | --- | --- |\n",
    );
    for finding in packages(findings) {
        let package = &finding.package;
        markdown.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            escape::markdown(&package.name),
            escape::markdown(&package.ecosystem),
            escape::markdown(&package.version),
            escape::markdown(&fixed(finding)),
            escape::markdown(&package.path),
        ));
    }
    let links: Vec<String> = links
        .iter()
        .map(|id| {
            // The URL is ours (a fixed host, the id percent-encoded); only `)` could end it early.
            let url = link::advisory_url(id).replace(')', "%29");
            format!("[{}]({url})", escape::markdown(id))
        })
        .collect();
    markdown.push_str(&format!("\nAdvisories: {}\n", links.join(", ")));
    markdown
}

fn fixed(finding: &Finding) -> String {
    finding
        .fixed_version
        .clone()
        .unwrap_or_else(|| "none yet".to_owned())
}

/// The location of a package: the file that records it, relative to [`ROOT`]. A package found
/// nowhere in particular is placed at the image, as Trivy places OS packages.
fn artifact_uri(report: &ScanReport, path: &str) -> String {
    let relative = path.trim_start_matches('/');
    if relative.is_empty() {
        escape::uri_path(report.image.name.as_deref().unwrap_or("image"))
    } else {
        escape::uri_path(relative)
    }
}

/// A stable id of (vulnerability, package, place), without the installed version: an upgrade
/// that does not fix the vulnerability keeps the same alert on GitHub.
fn fingerprint(finding: &Finding) -> String {
    let package = &finding.package;
    fingerprint_of([
        finding.vulnerability_id.as_str(),
        &package.ecosystem,
        &package.name,
        &package.path,
    ])
}

fn result(
    report: &ScanReport,
    finding: &Finding,
    suppressed: Option<&Suppressed>,
    rule_index: usize,
) -> Value {
    let package = &finding.package;
    let id = &finding.vulnerability_id;
    let message = format!(
        "Package: {}\nInstalled Version: {}\nVulnerability {}\nSeverity: {}\nFixed Version: {}\nLink: {}",
        escape::sarif_text(&package.name),
        escape::sarif_text(&package.version),
        escape::sarif_text(id),
        finding.severity.as_str(),
        escape::sarif_text(&fixed(finding)),
        link::advisory_url(id),
    );
    let location_message = format!(
        "{}: {}@{}",
        escape::sarif_text(&package.path),
        escape::sarif_text(&package.name),
        escape::sarif_text(&package.version)
    );

    let mut properties = Map::new();
    properties.insert("packageName".into(), package.name.clone().into());
    properties.insert("ecosystem".into(), package.ecosystem.clone().into());
    properties.insert("installedVersion".into(), package.version.clone().into());
    if let Some(version) = &finding.fixed_version {
        properties.insert("fixedVersion".into(), version.clone().into());
    }
    if !package.purl.is_empty() {
        properties.insert("purl".into(), package.purl.clone().into());
    }
    if let Some(layer) = &package.layer {
        properties.insert("layerDigest".into(), layer.clone().into());
    }
    properties.insert("advisoryIds".into(), json!(finding.advisory_ids));

    let mut result = json!({
        "ruleId": id,
        "ruleIndex": rule_index,
        "level": level(finding.severity),
        "message": { "text": message },
        "locations": [{
            "physicalLocation": {
                "artifactLocation": {
                    "uri": artifact_uri(report, &package.path),
                    "uriBaseId": ROOT,
                },
                // GitHub needs a region; a package is not on a line of its file, so line 1.
                "region": { "startLine": 1 },
            },
            "message": { "text": location_message },
        }],
        "partialFingerprints": { FINGERPRINT: fingerprint(finding) },
        "properties": properties,
    });
    if let (Some(suppressed), Some(object)) = (suppressed, result.as_object_mut()) {
        object.insert(
            "suppressions".into(),
            json!([{
                // The rule lives outside the scanned files (an ignore file, a VEX document).
                "kind": "external",
                "status": "accepted",
                "justification": suppressed.reason,
                "properties": { "source": suppressed.source },
            }]),
        );
    }
    result
}

/// The highest of `severities`.
fn worst(severities: impl Iterator<Item = Severity>) -> Severity {
    severities.max().unwrap_or_default()
}

/// The rule properties of a configuration or secret rule: its kind among the tags, and the
/// `security-severity` of its level.
fn own_rule_properties(kind: &str, severity: Severity, precision: &str) -> Value {
    json!({
        "tags": ["security", kind, severity.as_str()],
        "precision": precision,
        "security-severity": cvss::security_severity(severity, []),
    })
}

/// The rule of one configuration check id, from every finding of it.
fn check_rule(id: &str, checks: &[&CheckFinding]) -> Value {
    let severity = worst(checks.iter().map(|check| check.severity));
    let title = checks
        .iter()
        .map(|check| check.title.as_str())
        .find(|title| !title.trim().is_empty())
        .unwrap_or(id);
    let mut remedies: Vec<&str> = Vec::new();
    for check in checks {
        let remedy = check.remedy.as_str();
        if !remedy.trim().is_empty() && !remedies.contains(&remedy) {
            remedies.push(remedy);
        }
    }
    let mut text = format!(
        "Configuration check {}: {}\nSeverity: {}\n",
        escape::sarif_text(id),
        escape::sarif_text(title),
        severity.as_str()
    );
    let mut markdown = format!(
        "**Configuration check {}** ({})\n\n{}\n",
        escape::markdown(id),
        severity.as_str(),
        escape::markdown(title)
    );
    for remedy in &remedies {
        text.push_str(&format!("\nRemedy: {}\n", escape::sarif_text(remedy)));
        markdown.push_str(&format!("\n**Remedy:** {}\n", escape::markdown(remedy)));
    }
    let full = match remedies.first() {
        Some(remedy) => format!(
            "{}. Remedy: {}",
            escape::sarif_text(title.trim_end_matches('.')),
            escape::sarif_text(remedy)
        ),
        None => escape::sarif_text(title),
    };
    json!({
        "id": id,
        "name": "ImageConfigurationCheck",
        "shortDescription": { "text": escape::sarif_text(title) },
        "fullDescription": { "text": full },
        "help": { "text": text, "markdown": markdown },
        "defaultConfiguration": { "level": level(severity) },
        "properties": own_rule_properties("configuration", severity, "very-high"),
    })
}

/// The rule of one secret rule id, from every secret it found.
fn secret_rule(id: &str, secrets: &[&SecretFinding]) -> Value {
    let severity = worst(secrets.iter().map(|secret| secret.severity));
    let title = secrets
        .iter()
        .map(|secret| secret.title.as_str())
        .find(|title| !title.trim().is_empty())
        .unwrap_or(id);
    let text = format!(
        "Secret rule {}: {}\nSeverity: {}\n\nRemedy: {SECRET_REMEDY}\n",
        escape::sarif_text(id),
        escape::sarif_text(title),
        severity.as_str(),
    );
    let markdown = format!(
        "**Secret rule {}** ({})\n\n{}\n\n**Remedy:** {}\n",
        escape::markdown(id),
        severity.as_str(),
        escape::markdown(title),
        escape::markdown(SECRET_REMEDY),
    );
    json!({
        "id": id,
        "name": "SecretInImageFile",
        "shortDescription": { "text": format!("Secret: {}", escape::sarif_text(title)) },
        "fullDescription": {
            "text": format!("A secret in a file of the image: {}.", escape::sarif_text(title.trim_end_matches('.'))),
        },
        "help": { "text": text, "markdown": markdown },
        "defaultConfiguration": { "level": level(severity) },
        "properties": own_rule_properties("secret", severity, "high"),
    })
}

/// A stable id of a list of parts, each length-prefixed.
fn fingerprint_of<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    let mut bytes = Vec::new();
    for part in parts {
        bytes.extend_from_slice(&(part.len() as u64).to_le_bytes());
        bytes.extend_from_slice(part.as_bytes());
    }
    Digest::sha256_of(&bytes).hex().to_owned()
}

/// A configuration finding's fingerprint: its rule and the places its evidence names (not what
/// was seen there, nor the layers, which change with every build).
fn check_fingerprint(check: &CheckFinding) -> String {
    let places: BTreeSet<(&str, &str)> = check
        .evidence
        .iter()
        .map(|evidence| {
            (
                evidence.field.as_deref().unwrap_or_default(),
                evidence.path.as_deref().unwrap_or_default(),
            )
        })
        .collect();
    fingerprint_of(
        std::iter::once(check.id.as_str()).chain(places.into_iter().flat_map(|(f, p)| [f, p])),
    )
}

/// A secret's fingerprint: its rule, file, layer position, line and redacted match (not the
/// layer's digest, which changes with every build).
fn secret_fingerprint(secret: &SecretFinding) -> String {
    let layer = secret.layer_index.to_string();
    let line = secret.line.to_string();
    fingerprint_of([
        secret.rule_id.as_str(),
        secret.path.as_str(),
        &layer,
        &line,
        secret.redacted.as_str(),
    ])
}

fn physical_location(report: &ScanReport, path: &str, line: u64) -> Value {
    json!({
        "artifactLocation": {
            "uri": artifact_uri(report, path),
            "uriBaseId": ROOT,
        },
        "region": { "startLine": line.max(1) },
    })
}

fn check_result(report: &ScanReport, check: &CheckFinding, rule_index: usize) -> Value {
    let evidence: Vec<String> = check.evidence.iter().map(checks::evidence_text).collect();
    let mut message = format!(
        "Configuration check {}: {}\nSeverity: {}\n",
        escape::sarif_text(&check.id),
        escape::sarif_text(&check.title),
        check.severity.as_str(),
    );
    for line in &evidence {
        message.push_str(&format!("Evidence: {}\n", escape::sarif_text(line)));
    }
    message.push_str(&format!("Remedy: {}", escape::sarif_text(&check.remedy)));

    // The first file the evidence names, else the image; the config fields as logical places.
    let files: Vec<(&str, &str)> = check
        .evidence
        .iter()
        .zip(&evidence)
        .filter_map(|(e, text)| Some((e.path.as_deref()?, text.as_str())))
        .collect();
    let fields: Vec<Value> = check
        .evidence
        .iter()
        .filter_map(|e| e.field.as_deref())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .map(|field| json!({ "name": field, "fullyQualifiedName": field, "kind": "property" }))
        .collect();
    let (path, location_text) = match files.first() {
        Some((path, text)) => (*path, escape::sarif_text(text)),
        None => {
            let config: Vec<&str> = evidence.iter().map(String::as_str).collect();
            let text = if config.is_empty() {
                "the image's config".to_owned()
            } else {
                format!("the image's config: {}", config.join("; "))
            };
            ("", escape::sarif_text(&text))
        }
    };
    let mut location = json!({
        "physicalLocation": physical_location(report, path, 1),
        "message": { "text": location_text },
    });
    if let (false, Some(object)) = (fields.is_empty(), location.as_object_mut()) {
        object.insert("logicalLocations".into(), fields.into());
    }
    let related: Vec<Value> = files
        .iter()
        .skip(1)
        .take(MAX_RELATED_LOCATIONS)
        .enumerate()
        .map(|(id, (path, text))| {
            json!({
                "id": id + 1,
                "physicalLocation": physical_location(report, path, 1),
                "message": { "text": escape::sarif_text(text) },
            })
        })
        .collect();

    let mut result = json!({
        "ruleId": check.id,
        "ruleIndex": rule_index,
        "level": level(check.severity),
        "message": { "text": message },
        "locations": [location],
        "partialFingerprints": { CHECK_FINGERPRINT: check_fingerprint(check) },
        "properties": {
            "title": check.title,
            "evidence": check.evidence,
            "remedy": check.remedy,
        },
    });
    if let (false, Some(object)) = (related.is_empty(), result.as_object_mut()) {
        object.insert("relatedLocations".into(), related.into());
    }
    result
}

fn secret_result(report: &ScanReport, secret: &SecretFinding, rule_index: usize) -> Value {
    let layer =
        checks::layer_text(Some(secret.layer_index), secret.layer.as_ref()).unwrap_or_default();
    let mut message = format!(
        "Secret {}: {}\nSeverity: {}\nFile: {}, line {}\nLayer: {}\nMatch (redacted): {}",
        escape::sarif_text(&secret.rule_id),
        escape::sarif_text(&secret.title),
        secret.severity.as_str(),
        escape::sarif_text(&secret.path),
        secret.line,
        escape::sarif_text(&layer),
        escape::sarif_text(&secret.redacted),
    );
    if !secret.in_final_image {
        message.push_str(&format!("\nThe file was {NOT_IN_FINAL_IMAGE}."));
    }
    let mut properties = Map::new();
    properties.insert("title".into(), secret.title.clone().into());
    properties.insert("layerIndex".into(), secret.layer_index.into());
    if let Some(digest) = &secret.layer {
        properties.insert("layerDigest".into(), digest.to_string().into());
    }
    properties.insert("inFinalImage".into(), secret.in_final_image.into());
    properties.insert("redacted".into(), secret.redacted.clone().into());
    json!({
        "ruleId": secret.rule_id,
        "ruleIndex": rule_index,
        "level": level(secret.severity),
        "message": { "text": message },
        "locations": [{
            "physicalLocation": physical_location(report, &secret.path, secret.line),
            "message": {
                "text": format!("{} in {}", escape::sarif_text(&secret.path), escape::sarif_text(&layer)),
            },
        }],
        "partialFingerprints": { SECRET_FINGERPRINT: secret_fingerprint(secret) },
        "properties": properties,
    })
}

/// What the scan could not do, as the invocation's notifications.
fn notifications(report: &ScanReport) -> Vec<Value> {
    let notification = |level: &str, id: &str, text: String| json!({ "level": level, "descriptor": { "id": id }, "message": { "text": text } });
    let mut notifications: Vec<Value> = report
        .warnings
        .iter()
        .map(|warning| notification("warning", "warning", escape::sarif_text(warning)))
        .collect();
    for diagnostic in &report.diagnostics {
        let text = format!(
            "{} {} and {}: {}",
            diagnostic.package.name,
            diagnostic.package.version,
            diagnostic.advisory_id,
            diagnostic.reason
        );
        notifications.push(notification(
            "warning",
            "comparison-failed",
            escape::sarif_text(&text),
        ));
    }
    let mut not_covered: BTreeMap<&str, usize> = BTreeMap::new();
    for item in &report.not_covered {
        *not_covered.entry(item.reason.as_str()).or_default() += 1;
    }
    for (reason, count) in not_covered {
        let text = format!("{count} packages not checked: {reason}");
        notifications.push(notification(
            "note",
            "not-covered",
            escape::sarif_text(&text),
        ));
    }
    for unknown in &report.unknowns {
        let text = format!(
            "{} could not read {} (layer {}): {}",
            unknown.cataloger, unknown.path, unknown.layer_index, unknown.reason
        );
        notifications.push(notification(
            "warning",
            "unreadable-file",
            escape::sarif_text(&text),
        ));
    }
    notifications
}

/// What was scanned, with what (Trivy puts the image's name and ids here too).
fn run_properties(report: &ScanReport) -> Value {
    let image = &report.image;
    let mut properties = Map::new();
    properties.insert("target".into(), report.target.clone().into());
    if let Some(name) = &image.name {
        properties.insert("imageName".into(), name.clone().into());
    }
    if !image.tags.is_empty() {
        properties.insert("tags".into(), json!(image.tags));
    }
    if let Some(digest) = &image.manifest_digest {
        properties.insert("manifestDigest".into(), digest.to_string().into());
    }
    if let Some(digest) = &image.config_digest {
        properties.insert("configDigest".into(), digest.to_string().into());
    }
    if let Some(platform) = &image.platform {
        properties.insert("platform".into(), platform.to_string().into());
    }
    if let Some(os) = &report.os {
        properties.insert(
            "os".into(),
            json!({ "family": os.family, "version": os.version }),
        );
    }
    if let Some(db) = &report.db {
        properties.insert(
            "vulnerabilityDb".into(),
            json!({ "contentDigest": db.content_digest, "builtAt": db.built_at }),
        );
    }
    properties.into()
}

#[cfg(test)]
mod tests {
    use serde_json::Value;
    use tollgate_match::{Severity, Suppressed};

    use super::*;
    use crate::Format;
    use crate::testing::{HOSTILE, finding, hostile, rendered, report};

    fn sarif(report: &ScanReport) -> Value {
        serde_json::from_str(&rendered(report, Format::Sarif)).unwrap()
    }

    fn run(document: &Value) -> &Value {
        &document["runs"][0]
    }

    #[test]
    fn hostile_text_cannot_become_markdown_links_or_paths() {
        let document = sarif(&hostile());
        let run = run(&document);
        for rule in run["tool"]["driver"]["rules"].as_array().unwrap() {
            let markdown = rule["help"]["markdown"].as_str().unwrap();
            assert!(!markdown.contains("<script>"), "{markdown}");
            assert!(!markdown.contains("[x](javascript"), "{markdown}");
        }
        for result in run["results"].as_array().unwrap() {
            let message = result["message"]["text"].as_str().unwrap();
            assert!(!message.contains("[x]"), "{message}");
            let uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap();
            assert!(!uri.starts_with('/'), "{uri}");
            assert!(
                uri.bytes()
                    .all(|b| b.is_ascii_graphic() && !b"<>\"`\\^{|}[]#?:".contains(&b)),
                "{uri}"
            );
            // The properties keep the names exactly, for tools that read them.
            let kept = ["packageName", "title"]
                .iter()
                .find_map(|key| result["properties"][key].as_str())
                .unwrap();
            assert!(kept.contains(HOSTILE), "{kept}");
            for related in result["relatedLocations"].as_array().into_iter().flatten() {
                let uri = related["physicalLocation"]["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap();
                assert!(
                    !uri.starts_with('/') && !uri.contains(['<', ' ', ':']),
                    "{uri}"
                );
            }
        }
        // The configuration findings and secrets are there, their text escaped.
        let ids: Vec<&str> = run["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|result| result["ruleId"].as_str().unwrap())
            .collect();
        assert!(ids.contains(&format!("TG-CFG-001{HOSTILE}").as_str()));
        assert!(ids.contains(&format!("TG-SEC-001{HOSTILE}").as_str()));
        for rule in run["tool"]["driver"]["rules"].as_array().unwrap() {
            for text in [&rule["help"]["text"], &rule["shortDescription"]["text"]] {
                let text = text.as_str().unwrap();
                assert!(!text.contains("[x]("), "{text}");
            }
        }
    }

    fn result<'a>(run: &'a Value, rule: &str) -> &'a Value {
        run["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|result| result["ruleId"] == rule)
            .unwrap()
    }

    #[test]
    fn checks_and_secrets_have_their_own_rules_and_places() {
        use crate::testing::{config_check, secret};
        let mut report = report(
            vec![finding(
                "CVE-1",
                "deb",
                "a",
                "1",
                "/var/lib/dpkg/status",
                Severity::Low,
                None,
            )],
            vec![],
        );
        let mut setuid = config_check("TG-CFG-011", Severity::Medium, "unused");
        setuid.evidence = ["/usr/bin/su", "/usr/bin/passwd"]
            .into_iter()
            .map(|path| tollgate_checks::Evidence {
                field: None,
                path: Some(path.to_owned()),
                layer: None,
                layer_index: Some(0),
                detail: "setuid root".to_owned(),
            })
            .collect();
        report.checks = vec![
            config_check("TG-CFG-001", Severity::Critical, "config.User"),
            setuid,
        ];
        let mut key = secret("TG-SEC-001", Severity::High, "/root/.ssh/id_rsa", false);
        key.line = 7;
        report.secrets = vec![key, secret("TG-SEC-002", Severity::Low, "/app/.env", true)];
        let document = sarif(&report);
        let run = run(&document);
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
        assert_eq!(
            ids,
            [
                "CVE-1",
                "TG-CFG-001",
                "TG-CFG-011",
                "TG-SEC-001",
                "TG-SEC-002"
            ]
        );
        let scores: Vec<&str> = rules
            .iter()
            .map(|r| r["properties"]["security-severity"].as_str().unwrap())
            .collect();
        assert_eq!(scores, ["2.0", "9.5", "5.5", "8.0", "2.0"]);
        assert!(
            rules[1]["help"]["text"]
                .as_str()
                .unwrap()
                .contains("Remedy: TG-CFG-001 remedy")
        );
        assert_eq!(rules[1]["properties"]["tags"][1], "configuration");
        assert_eq!(rules[3]["properties"]["tags"][1], "secret");
        for result in run["results"].as_array().unwrap() {
            let index = usize::try_from(result["ruleIndex"].as_u64().unwrap()).unwrap();
            assert_eq!(rules[index]["id"], result["ruleId"]);
        }

        // Config-only evidence: at the image, the field a logical location.
        let root = result(run, "TG-CFG-001");
        assert_eq!(root["level"], "error");
        let location = &root["locations"][0];
        assert_eq!(
            location["physicalLocation"]["artifactLocation"]["uri"],
            "example.com/app"
        );
        assert_eq!(
            location["logicalLocations"],
            serde_json::json!([{ "name": "config.User", "fullyQualifiedName": "config.User", "kind": "property" }])
        );
        // Files: the first one, the others related.
        let setuid = result(run, "TG-CFG-011");
        assert_eq!(
            setuid["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "usr/bin/su"
        );
        assert_eq!(
            setuid["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "usr/bin/passwd"
        );
        assert!(setuid["partialFingerprints"]["imageCheck/v1"].is_string());
        // A secret: at its file and line, the layer and its removal said.
        let key = result(run, "TG-SEC-001");
        assert_eq!(
            key["locations"][0]["physicalLocation"],
            serde_json::json!({
                "artifactLocation": { "uri": "root/.ssh/id_rsa", "uriBaseId": "ROOTPATH" },
                "region": { "startLine": 7 },
            })
        );
        let message = key["message"]["text"].as_str().unwrap();
        assert!(
            message.contains("Layer: layer 1 (222222222222)"),
            "{message}"
        );
        assert!(
            message.contains("deleted or replaced by a later layer"),
            "{message}"
        );
        assert_eq!(key["properties"]["inFinalImage"], false);
        assert!(key["partialFingerprints"]["imageSecret/v1"].is_string());
    }

    #[test]
    fn secret_fingerprints_do_not_depend_on_the_layer_digest() {
        use crate::testing::{digest, secret};
        let before = secret("TG-SEC-1", Severity::High, "/app/.env", true);
        let mut rebuilt = before.clone();
        rebuilt.layer = Some(digest('9'));
        let mut moved = before.clone();
        moved.line = 2;
        assert_eq!(secret_fingerprint(&before), secret_fingerprint(&rebuilt));
        assert_ne!(secret_fingerprint(&before), secret_fingerprint(&moved));
    }

    #[test]
    fn levels_and_security_severity_follow_the_severity() {
        let path = "/var/lib/dpkg/status";
        let mut critical = finding(
            "CVE-1",
            "deb",
            "a",
            "1",
            path,
            Severity::Critical,
            Some("2"),
        );
        critical.cvss = vec![tollgate_match::Cvss {
            version: "3".into(),
            vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".into(),
            score: Some(9.8),
        }];
        let report = report(
            vec![
                critical,
                finding("CVE-2", "deb", "a", "1", path, Severity::High, None),
                finding("CVE-3", "deb", "a", "1", path, Severity::Medium, None),
                finding("CVE-4", "deb", "a", "1", path, Severity::Low, None),
                finding("CVE-5", "deb", "a", "1", path, Severity::Unknown, None),
            ],
            vec![],
        );
        let document = sarif(&report);
        let run = run(&document);
        let expected = [
            ("CVE-1", "error", "9.8"),
            ("CVE-2", "error", "8.0"),
            ("CVE-3", "warning", "5.5"),
            ("CVE-4", "note", "2.0"),
            ("CVE-5", "note", "0.0"),
        ];
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        let results = run["results"].as_array().unwrap();
        for (index, (id, level, score)) in expected.into_iter().enumerate() {
            assert_eq!(rules[index]["id"], id);
            assert_eq!(rules[index]["properties"]["security-severity"], score);
            assert_eq!(rules[index]["defaultConfiguration"]["level"], level);
            assert_eq!(results[index]["ruleId"], id);
            assert_eq!(results[index]["ruleIndex"], index);
            assert_eq!(results[index]["level"], level);
            assert_eq!(
                results[index]["locations"][0]["physicalLocation"]["artifactLocation"],
                serde_json::json!({ "uri": "var/lib/dpkg/status", "uriBaseId": "ROOTPATH" })
            );
        }
        assert!(
            rules[0]["help"]["text"]
                .as_str()
                .unwrap()
                .contains("Fixed version: 2")
        );
        assert!(
            rules[0]["help"]["markdown"]
                .as_str()
                .unwrap()
                .contains("| a | deb | 1 | 2 | ")
        );
    }

    #[test]
    fn the_tool_has_an_absolute_information_uri() {
        assert!(INFORMATION_URI.starts_with("https://"), "{INFORMATION_URI}");
    }

    #[test]
    fn fingerprints_survive_upgrades_that_do_not_fix() {
        let path = "/app/site-packages/a-1.0.dist-info/METADATA";
        let before = finding("CVE-1", "pypi", "a", "1.0", path, Severity::High, None);
        let mut after = before.clone();
        after.package.version = "1.1".into();
        let other = finding("CVE-2", "pypi", "a", "1.0", path, Severity::High, None);
        assert_eq!(fingerprint(&before), fingerprint(&after));
        assert_ne!(fingerprint(&before), fingerprint(&other));
    }

    #[test]
    fn suppressed_findings_are_results_with_their_reason() {
        let path = "/app/site-packages/a-1.0.dist-info/METADATA";
        let report = report(
            vec![],
            vec![Suppressed {
                finding: finding("CVE-1", "pypi", "a", "1.0", path, Severity::High, None),
                reason: "VEX not_affected: vulnerable_code_not_in_execute_path".into(),
                source: "app.openvex.json".into(),
            }],
        );
        let document = sarif(&report);
        let result = &run(&document)["results"][0];
        assert_eq!(
            result["suppressions"],
            serde_json::json!([{
                "kind": "external",
                "status": "accepted",
                "justification": "VEX not_affected: vulnerable_code_not_in_execute_path",
                "properties": { "source": "app.openvex.json" },
            }])
        );
    }
}
