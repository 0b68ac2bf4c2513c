//! CycloneDX 1.6 JSON with vulnerabilities: the image's SBOM exactly as `tollgate sbom` writes
//! it (the same components and `bom-ref`s), plus a `vulnerabilities` array, one entry per
//! vulnerability id, whose `affects` name the components of the affected packages.
//!
//! Suppressed findings are entries too, with an `analysis`: the rule's own words as `detail`,
//! and, where a VEX statement's status and justification say so, CycloneDX's `state` and
//! `justification`. `analysis` applies to every package an entry affects, so a vulnerability
//! suppressed for one package and not for another is two entries of the same id.
//!
//! Configuration findings and secrets are not in the document, on purpose:
//! - CycloneDX has no place for them. Its `vulnerabilities` are weaknesses of components
//!   (`affects` names a `bom-ref`), and the tools that read them (Dependency-Track and the like)
//!   take every entry as a vulnerability of a component, to be tracked against an advisory
//!   database; "runs as root" or "a private key in layer 2" would be noise there, with no
//!   advisory, no affected version and no fix version. The 1.6 `declarations` (attestations of
//!   conformance to standards) are for claims, not scanner findings.
//! - An SBOM travels: it is published beside the image, attached as an attestation, handed to
//!   customers. Where the image's credentials are is not something to publish with it, even
//!   redacted.
//!
//! The JSON report and SARIF carry both; `tollgate scan` should say so when asked for CycloneDX
//! with the `config` or `secret` scanner on.
//!
//! ref: <https://cyclonedx.org/docs/1.6/json/#vulnerabilities>

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};
use tollgate_catalog::sbom::{self, SbomOptions};
use tollgate_catalog::{Ecosystem, Inventory, Package};
use tollgate_match::{Cvss, Finding, FindingPackage, Severity, Suppressed};
use tollgate_oci::Digest;

use crate::cvss::Version;
use crate::group::PackageKey;
use crate::{ScanReport, link};

/// Property names in the components `tollgate sbom` writes (stable: its reader takes them back).
const PROPERTY_ECOSYSTEM: &str = "tollgate:package:ecosystem";
const PROPERTY_PATH: &str = "tollgate:location:path";
const PROPERTY_LAYER: &str = "tollgate:layer:digest";
/// Where a suppression's rule is.
const PROPERTY_SUPPRESSED_BY: &str = "tollgate:suppression:source";

/// The CycloneDX document of `report`.
pub(crate) fn document(report: &ScanReport) -> Value {
    let options = SbomOptions {
        created: report.created.clone(),
        tool_version: report.tollgate_version.clone(),
    };
    let mut document = sbom::to_cyclonedx(&inventory(report), &options);
    let refs = component_refs(&document);
    let vulnerabilities = vulnerabilities(report, &refs);
    if let Some(object) = document.as_object_mut() {
        // The SBOM's serial number is derived from its content; with the vulnerabilities the
        // content is another, and so is the serial number.
        object.remove("serialNumber");
        if !vulnerabilities.is_empty() {
            object.insert("vulnerabilities".into(), vulnerabilities.into());
        }
    }
    let serial = format!("urn:uuid:{}", content_uuid(&document.to_string()));
    if let Some(object) = document.as_object_mut() {
        object.insert("serialNumber".into(), serial.into());
    }
    document
}

/// The report's image as an inventory. A finding's package that the report does not list (a
/// report put together elsewhere) is added, so that every `affects` has a component to name.
fn inventory(report: &ScanReport) -> Inventory {
    let mut packages = report.packages.clone();
    let mut known: BTreeSet<PackageKey> = packages.iter().map(PackageKey::of_package).collect();
    let findings = report.findings.iter().chain(
        report
            .suppressed
            .iter()
            .map(|suppressed| &suppressed.finding),
    );
    for finding in findings {
        if known.insert(PackageKey::of_finding(&finding.package))
            && let Some(package) = package_of(&finding.package)
        {
            packages.push(package);
        }
    }
    Inventory {
        image: report.image.clone(),
        os: report.os.clone(),
        packages,
        unknowns: report.unknowns.clone(),
    }
}

/// A package from what a finding says about it (its name keeps the namespace it was joined
/// with, which the purl still carries apart).
fn package_of(finding: &FindingPackage) -> Option<Package> {
    let ecosystem: Ecosystem =
        serde_json::from_value(Value::String(finding.ecosystem.clone())).ok()?;
    Some(Package {
        purl: finding.purl.clone(),
        source_name: finding.source_name.clone(),
        source_version: finding.source_version.clone(),
        layer: finding
            .layer
            .as_deref()
            .and_then(|layer| layer.parse().ok()),
        path: finding.path.clone(),
        ..Package::new(ecosystem, finding.name.clone(), finding.version.clone())
    })
}

/// The `bom-ref` of each package component, by the package's key, read back from the document
/// (the ids are the SBOM writer's own content hashes).
fn component_refs(document: &Value) -> BTreeMap<PackageKey, String> {
    let mut refs = BTreeMap::new();
    let components = document
        .get("components")
        .and_then(Value::as_array)
        .into_iter()
        .flatten();
    for component in components {
        let text = |key: &str| {
            component
                .get(key)
                .and_then(Value::as_str)
                .map(ToOwned::to_owned)
        };
        let property = |name: &str| {
            component
                .get("properties")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .find(|property| property.get("name").and_then(Value::as_str) == Some(name))
                .and_then(|property| property.get("value").and_then(Value::as_str))
                .map(ToOwned::to_owned)
        };
        let (Some(bom_ref), Some(name), Some(ecosystem)) =
            (text("bom-ref"), text("name"), property(PROPERTY_ECOSYSTEM))
        else {
            // The image and the OS: no package.
            continue;
        };
        let name = match text("group") {
            Some(group) if ecosystem == "maven" => format!("{group}:{name}"),
            Some(group) => format!("{group}/{name}"),
            None => name,
        };
        let key = PackageKey {
            name,
            version: text("version").unwrap_or_default(),
            ecosystem,
            purl: text("purl").unwrap_or_default(),
            path: property(PROPERTY_PATH).unwrap_or_default(),
            layer: property(PROPERTY_LAYER),
        };
        refs.insert(key, bom_ref);
    }
    refs
}

/// What a suppression says in CycloneDX's terms.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Analysis {
    state: Option<&'static str>,
    justification: Option<&'static str>,
    detail: String,
    source: String,
}

impl Analysis {
    /// The state and justification a VEX suppression's reason names (`VEX not_affected:
    /// vulnerable_code_not_in_execute_path`), in OpenVEX's or CycloneDX's words. Other reasons
    /// (an ignore file's "accepted risk") claim neither, and only their words are kept.
    fn of(suppressed: &Suppressed) -> Self {
        Self::of_reason(&suppressed.reason, &suppressed.source)
    }

    fn of_reason(reason: &str, source: &str) -> Self {
        let lowercase = reason.to_ascii_lowercase();
        let words: Vec<&str> = lowercase
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter(|word| !word.is_empty())
            .collect();
        let vex = words.first() == Some(&"vex");
        let state = words.iter().find_map(|word| match *word {
            "not_affected" => Some("not_affected"),
            "fixed" | "resolved" => Some("resolved"),
            "resolved_with_pedigree" => Some("resolved_with_pedigree"),
            "false_positive" => Some("false_positive"),
            "under_investigation" | "in_triage" => Some("in_triage"),
            "affected" | "exploitable" => Some("exploitable"),
            _ => None,
        });
        let justification = words.iter().find_map(|word| match *word {
            // OpenVEX (CISA's justifications), to the nearest CycloneDX one; "cannot be
            // controlled by adversary" has none and stays in the detail only.
            "component_not_present" | "vulnerable_code_not_present" | "code_not_present" => {
                Some("code_not_present")
            }
            "vulnerable_code_not_in_execute_path" | "code_not_reachable" => {
                Some("code_not_reachable")
            }
            "inline_mitigations_already_exist" | "protected_by_mitigating_control" => {
                Some("protected_by_mitigating_control")
            }
            "requires_configuration" => Some("requires_configuration"),
            "requires_dependency" => Some("requires_dependency"),
            "requires_environment" => Some("requires_environment"),
            "protected_by_compiler" => Some("protected_by_compiler"),
            "protected_at_runtime" => Some("protected_at_runtime"),
            "protected_at_perimeter" => Some("protected_at_perimeter"),
            _ => None,
        });
        Self {
            state: state.filter(|_| vex),
            // A justification explains "not affected" and nothing else.
            justification: justification.filter(|_| vex && state == Some("not_affected")),
            detail: reason.to_owned(),
            source: source.to_owned(),
        }
    }

    /// The status of the affected versions under this analysis.
    fn version_status(&self) -> &'static str {
        match self.state {
            Some("not_affected" | "resolved" | "resolved_with_pedigree" | "false_positive") => {
                "unaffected"
            }
            Some("in_triage") => "unknown",
            _ => "affected",
        }
    }

    fn to_json(&self) -> Value {
        let mut analysis = Map::new();
        if let Some(state) = self.state {
            analysis.insert("state".into(), state.into());
        }
        if let Some(justification) = self.justification {
            analysis.insert("justification".into(), justification.into());
        }
        analysis.insert("detail".into(), self.detail.clone().into());
        analysis.into()
    }
}

fn vulnerabilities(report: &ScanReport, refs: &BTreeMap<PackageKey, String>) -> Vec<Value> {
    let mut entries: BTreeMap<(&str, Option<Analysis>), Vec<&Finding>> = BTreeMap::new();
    for finding in &report.findings {
        entries
            .entry((finding.vulnerability_id.as_str(), None))
            .or_default()
            .push(finding);
    }
    for suppressed in &report.suppressed {
        let finding = &suppressed.finding;
        entries
            .entry((
                finding.vulnerability_id.as_str(),
                Some(Analysis::of(suppressed)),
            ))
            .or_default()
            .push(finding);
    }
    entries
        .into_iter()
        .map(|((id, analysis), mut findings)| {
            findings.sort_by_cached_key(|finding| PackageKey::of_finding(&finding.package));
            vulnerability(id, analysis.as_ref(), &findings, refs)
        })
        .collect()
}

fn vulnerability(
    id: &str,
    analysis: Option<&Analysis>,
    findings: &[&Finding],
    refs: &BTreeMap<PackageKey, String>,
) -> Value {
    let (source_name, source_url) = link::advisory(id);
    let severity = findings
        .iter()
        .map(|finding| finding.severity)
        .max()
        .unwrap_or_default();
    let advisory_ids: BTreeSet<&str> = findings
        .iter()
        .flat_map(|finding| &finding.advisory_ids)
        .map(String::as_str)
        .collect();
    let mut vectors: Vec<&Cvss> = Vec::new();
    for cvss in findings.iter().flat_map(|finding| &finding.cvss) {
        if !vectors.iter().any(|known| known.vector == cvss.vector) {
            vectors.push(cvss);
        }
    }

    let mut entry = Map::new();
    entry.insert("id".into(), id.into());
    entry.insert(
        "source".into(),
        json!({ "name": source_name, "url": source_url }),
    );
    let references: Vec<Value> = advisory_ids
        .iter()
        .filter(|advisory| **advisory != id)
        .map(|advisory| {
            let (name, url) = link::advisory(advisory);
            json!({ "id": advisory, "source": { "name": name, "url": url } })
        })
        .collect();
    if !references.is_empty() {
        entry.insert("references".into(), references.into());
    }
    entry.insert("ratings".into(), ratings(severity, &vectors).into());
    if let Some(summary) = findings
        .iter()
        .filter_map(|finding| finding.summary.as_deref())
        .find(|summary| !summary.trim().is_empty())
    {
        entry.insert("description".into(), summary.into());
    }
    let upgrades: Vec<String> = findings
        .iter()
        .filter_map(|finding| {
            let fixed = finding.fixed_version.as_ref()?;
            Some(format!("upgrade {} to {fixed}", finding.package.name))
        })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if !upgrades.is_empty() {
        let mut recommendation = upgrades.join("; ");
        if let Some(first) = recommendation.get(..1) {
            recommendation = format!("{}{}", first.to_uppercase(), &recommendation[1..]);
        }
        entry.insert("recommendation".into(), recommendation.into());
    }
    let advisories: Vec<Value> = std::iter::once(id)
        .chain(
            advisory_ids
                .iter()
                .copied()
                .filter(|advisory| *advisory != id),
        )
        .map(|advisory| json!({ "title": advisory, "url": link::advisory_url(advisory) }))
        .collect();
    entry.insert("advisories".into(), advisories.into());
    if let Some(analysis) = analysis {
        entry.insert("analysis".into(), analysis.to_json());
    }
    let status = analysis.map_or("affected", Analysis::version_status);
    let mut affects: Vec<Value> = Vec::new();
    for finding in findings {
        let Some(bom_ref) = refs.get(&PackageKey::of_finding(&finding.package)) else {
            continue;
        };
        let affect = json!({
            "ref": bom_ref,
            "versions": [{ "version": finding.package.version, "status": status }],
        });
        if !affects.contains(&affect) {
            affects.push(affect);
        }
    }
    entry.insert("affects".into(), affects.into());
    if let Some(analysis) = analysis {
        entry.insert(
            "properties".into(),
            json!([{ "name": PROPERTY_SUPPRESSED_BY, "value": analysis.source }]),
        );
    }
    entry.into()
}

/// The ratings: each CVSS vector with its score and method, and the severity alone when no
/// scored vector gives it (a feed's own rating, or none).
fn ratings(severity: Severity, vectors: &[&Cvss]) -> Vec<Value> {
    let level = |severity: Severity| severity.as_str().to_ascii_lowercase();
    let mut ratings: Vec<Value> = Vec::new();
    for cvss in vectors {
        let method = match Version::of(cvss) {
            Some(Version::V2) => "CVSSv2",
            Some(Version::V30) => "CVSSv3",
            Some(Version::V31) => "CVSSv31",
            Some(Version::V40) => "CVSSv4",
            None => "other",
        };
        let mut rating = Map::new();
        if let Some(score) = cvss.score {
            rating.insert("score".into(), score.into());
            rating.insert("severity".into(), level(Severity::of_score(score)).into());
        }
        rating.insert("method".into(), method.into());
        rating.insert("vector".into(), cvss.vector.clone().into());
        ratings.push(rating.into());
    }
    let scored = vectors
        .iter()
        .filter_map(|cvss| cvss.score)
        .any(|score| Severity::of_score(score) == severity);
    if !scored {
        ratings.push(json!({ "severity": level(severity) }));
    }
    ratings
}

/// A UUID (RFC 9562 layout, version 5 bits) from the sha256 of `content`, as the SBOM writer
/// makes its serial numbers: the same document always gets the same serial number.
fn content_uuid(content: &str) -> String {
    let digest = Digest::sha256_of(content.as_bytes());
    let mut nibbles: Vec<char> = digest.hex().chars().take(32).collect();
    if nibbles.len() < 32 {
        // A sha256 has 64 hex digits; this cannot happen.
        nibbles.resize(32, '0');
    }
    // Version 5 in the 13th nibble, variant 0b10 in the top bits of the 17th.
    nibbles[12] = '5';
    nibbles[16] = match nibbles[16] {
        '0' | '4' | '8' | 'c' => '8',
        '1' | '5' | '9' | 'd' => '9',
        '2' | '6' | 'a' | 'e' => 'a',
        _ => 'b',
    };
    let text: String = nibbles.into_iter().collect();
    format!(
        "{}-{}-{}-{}-{}",
        &text[..8],
        &text[8..12],
        &text[12..16],
        &text[16..20],
        &text[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn suppressed(reason: &str) -> Analysis {
        Analysis::of_reason(reason, "x")
    }

    #[test]
    fn vex_reasons_give_state_and_justification() {
        let analysis = suppressed("VEX not_affected: vulnerable_code_not_in_execute_path");
        assert_eq!(analysis.state, Some("not_affected"));
        assert_eq!(analysis.justification, Some("code_not_reachable"));
        assert_eq!(analysis.version_status(), "unaffected");
        let fixed = suppressed("VEX fixed");
        assert_eq!((fixed.state, fixed.justification), (Some("resolved"), None));
        let ignored = suppressed("ignore file: not_affected, will be fixed next sprint");
        assert_eq!((ignored.state, ignored.justification), (None, None));
        assert_eq!(ignored.version_status(), "affected");
    }

    #[test]
    fn serial_numbers_are_uuids() {
        let uuid = content_uuid("x");
        assert_eq!(uuid.len(), 36);
        assert_eq!(&uuid[14..15], "5");
    }
}

#[cfg(test)]
mod report_tests {
    use std::collections::BTreeSet;

    use serde_json::Value;

    use crate::Format;
    use crate::testing::{HOSTILE, hostile, rendered};

    #[test]
    fn hostile_text_round_trips_and_every_affect_names_a_component() {
        let document: Value =
            serde_json::from_str(&rendered(&hostile(), Format::CycloneDx)).unwrap();
        let refs: BTreeSet<&str> = document["components"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|component| component["bom-ref"].as_str())
            .collect();
        let vulnerabilities = document["vulnerabilities"].as_array().unwrap();
        assert_eq!(vulnerabilities.len(), 3);
        for vulnerability in vulnerabilities {
            for affect in vulnerability["affects"].as_array().unwrap() {
                assert!(refs.contains(affect["ref"].as_str().unwrap()), "{affect}");
            }
        }
        let critical = vulnerabilities
            .iter()
            .find(|v| v["id"] == format!("CVE-2024-0001{HOSTILE}"))
            .unwrap();
        assert_eq!(
            critical["description"],
            format!("title {HOSTILE}\nsecond line")
        );
        let suppressed = vulnerabilities
            .iter()
            .find(|v| v["id"] == "CVE-2024-0002")
            .unwrap();
        assert_eq!(
            suppressed["analysis"]["detail"],
            format!("VEX not_affected: {HOSTILE}")
        );
    }

    #[test]
    fn checks_and_secrets_stay_out_of_the_sbom() {
        let report = hostile();
        assert!(!report.checks.is_empty() && !report.secrets.is_empty());
        let with = rendered(&report, Format::CycloneDx);
        let mut without = report.clone();
        without.checks.clear();
        without.secrets.clear();
        without.summary = without.summary.with_checks_and_secrets(&[], &[]);
        assert_eq!(with, rendered(&without, Format::CycloneDx));
        for absent in ["TG-CFG", "TG-SEC", "PRIVATE KEY", "id_rsa"] {
            assert!(!with.contains(absent), "{absent}");
        }
    }
}
