//! CycloneDX VEX (<https://cyclonedx.org/capabilities/vex/>): a CycloneDX JSON document whose
//! `vulnerabilities[]` carry an `analysis` → statements.
//!
//! Each vulnerability's `affects[].ref` names the products: a `bom-ref` of a component in the
//! same document, a BOM-Link (`urn:cdx:<serial>/<version>#<bom-ref>`) whose fragment is such a
//! `bom-ref` or a purl, or a purl itself. The component's purl is what is matched (Trivy's
//! `package-id` qualifier in its `bom-ref`s aside), narrowed to the exact versions the entry's
//! `versions` list, when it has one.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::purl::Purl;
use super::time::Instant;
use super::vex::{Product, Statement, Status};
use super::{Problem, line_of};

/// The justifications CycloneDX 1.4-1.6 define for `analysis.justification`.
const JUSTIFICATIONS: [&str; 9] = [
    "code_not_present",
    "code_not_reachable",
    "requires_configuration",
    "requires_dependency",
    "requires_environment",
    "protected_by_compiler",
    "protected_at_runtime",
    "protected_at_perimeter",
    "protected_by_mitigating_control",
];

/// The document: only what suppression reads. Vulnerabilities are kept as their text, each
/// read on its own, so that a problem in one names its line.
#[derive(Deserialize)]
pub(super) struct Bom<'a> {
    #[serde(default)]
    metadata: Option<Metadata>,
    #[serde(default)]
    components: Vec<Component>,
    #[serde(borrow, default)]
    vulnerabilities: Vec<&'a RawValue>,
}

#[derive(Deserialize)]
struct Metadata {
    #[serde(default)]
    timestamp: Option<String>,
    #[serde(default)]
    component: Option<Component>,
}

#[derive(Deserialize)]
struct Component {
    #[serde(rename = "bom-ref", default)]
    bom_ref: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    purl: Option<String>,
    #[serde(default)]
    components: Vec<Component>,
}

/// What a `bom-ref` of the document is.
#[derive(Clone, Copy)]
struct Known<'a> {
    purl: Option<&'a str>,
    /// It is the document's own subject, `metadata.component`.
    subject: bool,
}

#[derive(Deserialize)]
struct Vulnerability {
    #[serde(default)]
    id: Option<String>,
    /// Other identifiers of the same vulnerability (GHSA, SNYK...).
    #[serde(default)]
    references: Vec<Reference>,
    #[serde(default)]
    analysis: Option<Analysis>,
    #[serde(default)]
    affects: Vec<Affects>,
}

#[derive(Deserialize)]
struct Reference {
    #[serde(default)]
    id: Option<String>,
}

#[derive(Deserialize)]
struct Analysis {
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    justification: Option<String>,
    #[serde(default)]
    detail: Option<String>,
    #[serde(rename = "firstIssued", default)]
    first_issued: Option<String>,
    #[serde(rename = "lastUpdated", default)]
    last_updated: Option<String>,
}

#[derive(Deserialize)]
struct Affects {
    #[serde(rename = "ref")]
    reference: String,
    /// The versions of the referenced component the entry is about (CycloneDX 1.4+).
    #[serde(default)]
    versions: Vec<AffectedVersion>,
}

#[derive(Deserialize)]
struct AffectedVersion {
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    range: Option<String>,
    /// `affected` (the schema's default), `unaffected` or `unknown`.
    #[serde(default)]
    status: Option<String>,
}

/// The statements of `bom` (whose text is `text`, from the file `source`) and warnings about
/// what cannot apply. A vulnerability without an `analysis.state` is a plain listing (an SBOM
/// with scan results), not a statement, and is skipped.
pub(super) fn statements(
    bom: Bom<'_>,
    text: &str,
    source: &str,
) -> Result<(Vec<Statement>, Vec<String>), Problem> {
    let Bom {
        metadata,
        components,
        vulnerabilities,
    } = bom;
    let refs = bom_refs(metadata.as_ref(), &components);
    let subject = metadata
        .as_ref()
        .and_then(|m| m.component.as_ref())
        .map(|c| {
            let name = [c.name.as_deref(), c.version.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            if name.is_empty() {
                c.bom_ref.clone().unwrap_or_default()
            } else {
                name
            }
        })
        .unwrap_or_default();
    let mut subject_used = false;
    let document_time = match metadata.as_ref().and_then(|m| m.timestamp.as_deref()) {
        Some(time) => Some(Instant::parse_rfc3339(time).ok_or_else(|| {
            Problem::new(format!(
                "metadata.timestamp: `{time}` is not an RFC 3339 timestamp"
            ))
        })?),
        None => None,
    };
    let mut statements = Vec::new();
    let mut warnings = Vec::new();
    for (index, raw) in vulnerabilities.iter().enumerate() {
        let line = line_of(text, raw.get());
        let at = format!("vulnerabilities[{index}]");
        let vulnerability: Vulnerability = serde_json::from_str(raw.get())
            .map_err(|e| Problem::json(&e, line, &format!("{at}: ")))?;
        let place = format!("{source}:{line} {at}");
        if let Some(statement) = statement(
            vulnerability,
            &at,
            place,
            &refs,
            document_time,
            &mut warnings,
        )
        .map_err(|message| Problem::at(line, message))?
        {
            subject_used |= statement.products.iter().any(|p| p.whole_target);
            statements.push(statement);
        }
    }
    if subject_used {
        warnings.push(format!(
            "{source}: statements about the document's own subject `{subject}` \
             (metadata.component, which has no purl) apply to every package of the scanned \
             target: use this document only with the target it was written for"
        ));
    }
    Ok((statements, warnings))
}

/// One vulnerability's statement, `None` when it has no analysis state; an error says what is
/// wrong, starting with where in the vulnerability.
fn statement(
    vulnerability: Vulnerability,
    at: &str,
    place: String,
    refs: &HashMap<&str, Known<'_>>,
    document_time: Option<Instant>,
    warnings: &mut Vec<String>,
) -> Result<Option<Statement>, String> {
    let Some(analysis) = vulnerability.analysis else {
        return Ok(None);
    };
    let Some(state) = analysis.state else {
        return Ok(None);
    };
    let status = match state.as_str() {
        "not_affected" | "false_positive" => Status::NotAffected,
        "resolved" | "resolved_with_pedigree" => Status::Fixed,
        "exploitable" => Status::Affected,
        "in_triage" => Status::UnderInvestigation,
        other => {
            return Err(format!(
                "{at}.analysis.state: unknown state `{other}` (CycloneDX has not_affected, \
                 false_positive, resolved, resolved_with_pedigree, exploitable and in_triage)"
            ));
        }
    };
    let justification = analysis.justification.filter(|j| !j.trim().is_empty());
    if let Some(justification) = &justification
        && !JUSTIFICATIONS.contains(&justification.as_str())
    {
        return Err(format!(
            "{at}.analysis.justification: unknown justification `{justification}` \
             (CycloneDX has {})",
            JUSTIFICATIONS.join(", ")
        ));
    }
    let Some(id) = vulnerability.id.filter(|id| !id.trim().is_empty()) else {
        warnings.push(format!("{place}: has an analysis but no `id`: not applied"));
        return Ok(None);
    };
    let mut ids = vec![id.trim().to_owned()];
    ids.extend(
        vulnerability
            .references
            .into_iter()
            .filter_map(|r| r.id)
            .map(|id| id.trim().to_owned())
            .filter(|id| !id.is_empty()),
    );
    // The analysis' own dates say when it was made; the document's are the fallback.
    let timestamp = match analysis.last_updated.or(analysis.first_issued) {
        Some(time) => Some(
            Instant::parse_rfc3339(&time)
                .ok_or_else(|| format!("{at}.analysis: `{time}` is not an RFC 3339 timestamp"))?,
        ),
        None => document_time,
    };
    let mut products = Vec::with_capacity(vulnerability.affects.len());
    for (a, affects) in vulnerability.affects.iter().enumerate() {
        let reference = &affects.reference;
        let purl = match resolve(reference, refs) {
            Resolved::Subject => {
                if !affects.versions.is_empty() {
                    warnings.push(format!(
                        "{place}: affects[{a}]: the versions of the document's subject are not \
                         evaluated: not applied"
                    ));
                    continue;
                }
                products.push(Product {
                    purls: Vec::new(),
                    subcomponents: None,
                    whole_target: true,
                });
                continue;
            }
            Resolved::Purl(text) => match Purl::parse(&text) {
                Ok(purl) => purl,
                Err(e) => {
                    warnings.push(format!("{place}: affects[{a}]: {e}: not applied"));
                    continue;
                }
            },
            Resolved::NoPurl => {
                warnings.push(format!(
                    "{place}: affects[{a}]: `{reference}` is a component without a purl, and \
                     tollgate matches products by purl: not applied"
                ));
                continue;
            }
            Resolved::Unknown => {
                warnings.push(format!(
                    "{place}: affects[{a}]: `{reference}` is neither a component of this \
                     document nor a purl: not applied"
                ));
                continue;
            }
        };
        let purls = if affects.versions.is_empty() {
            vec![purl]
        } else {
            versioned(&purl, &affects.versions, status, &place, a, warnings)
        };
        if !purls.is_empty() {
            products.push(Product {
                purls,
                subcomponents: None,
                whole_target: false,
            });
        }
    }
    if vulnerability.affects.is_empty() {
        warnings.push(format!("{place}: affects no product: not applied"));
    }
    Ok(Some(Statement {
        ids,
        products,
        status,
        label: state,
        justification,
        detail: analysis.detail,
        timestamp,
        seq: 0,
        source: place,
    }))
}

/// The purls an `affects` entry with `versions` is about: `purl` at each exact version the
/// entry lists. A `range` (a `vers:` expression) is not evaluated and a version whose own
/// status contradicts a suppressing analysis (`affected`, `unknown`) is left out: both with
/// a warning, and never widened to every version.
fn versioned(
    purl: &Purl,
    versions: &[AffectedVersion],
    status: Status,
    place: &str,
    a: usize,
    warnings: &mut Vec<String>,
) -> Vec<Purl> {
    let mut purls = Vec::new();
    for (v, entry) in versions.iter().enumerate() {
        let Some(version) = entry
            .version
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
        else {
            warnings.push(format!(
                "{place}: affects[{a}].versions[{v}]: {}: not applied to it",
                entry.range.as_deref().map_or_else(
                    || "neither a version nor a range".to_owned(),
                    |range| format!("tollgate does not evaluate version ranges (`{range}`)")
                )
            ));
            continue;
        };
        if status.suppresses()
            && let Some(own) = entry.status.as_deref().filter(|s| *s != "unaffected")
        {
            warnings.push(format!(
                "{place}: affects[{a}].versions[{v}]: version `{version}` is `{own}`, which \
                 contradicts the analysis: not applied to it"
            ));
            continue;
        }
        let at_version = purl.with_version(version);
        if purl
            .version()
            .is_some_and(|v| Some(v) != at_version.version())
        {
            warnings.push(format!(
                "{place}: affects[{a}].versions[{v}]: version `{version}` is not the version of \
                 {purl}: not applied to it"
            ));
            continue;
        }
        purls.push(at_version);
    }
    purls
}

/// Every component's `bom-ref` → its purl, and whether it is the document's subject.
fn bom_refs<'a>(
    metadata: Option<&'a Metadata>,
    components: &'a [Component],
) -> HashMap<&'a str, Known<'a>> {
    let mut refs = HashMap::new();
    let mut stack: Vec<(&Component, bool)> = Vec::new();
    if let Some(component) = metadata.and_then(|m| m.component.as_ref()) {
        stack.push((component, true));
    }
    stack.extend(components.iter().rev().map(|c| (c, false)));
    // Iterative, so nesting depth costs heap, not stack (serde_json already caps it at 128).
    while let Some((component, subject)) = stack.pop() {
        if let Some(bom_ref) = &component.bom_ref {
            refs.insert(
                bom_ref.as_str(),
                Known {
                    purl: component.purl.as_deref(),
                    subject,
                },
            );
        }
        stack.extend(component.components.iter().rev().map(|c| (c, false)));
    }
    refs
}

enum Resolved {
    Purl(String),
    /// The document's subject, which has no purl.
    Subject,
    NoPurl,
    Unknown,
}

/// What an `affects[].ref` names: a `bom-ref` of this document (its subject, when that has
/// no purl, is the scanned target as a whole), a purl, or a BOM-Link
/// (`urn:cdx:<serial>/<version>#<bom-ref>`) into the SBOM the VEX is about, whose fragment is
/// such a `bom-ref` or (as Trivy and most tools write them) a purl, percent-encoded as
/// cyclonedx-go's `url.QueryEscape` writes it or as it is.
fn resolve(reference: &str, refs: &HashMap<&str, Known<'_>>) -> Resolved {
    let local = |r: &str| match refs.get(r) {
        Some(Known {
            purl: Some(purl), ..
        }) => Some(Resolved::Purl((*purl).to_owned())),
        Some(Known {
            purl: None,
            subject: true,
        }) => Some(Resolved::Subject),
        Some(Known {
            purl: None,
            subject: false,
        }) => Some(Resolved::NoPurl),
        None => r
            .trim_start()
            .starts_with("pkg:")
            .then(|| Resolved::Purl(r.to_owned())),
    };
    if let Some(resolved) = local(reference) {
        return resolved;
    }
    if reference.starts_with("urn:cdx:")
        && let Some((_, fragment)) = reference.split_once('#')
    {
        for candidate in [
            Some(fragment.to_owned()),
            percent_decode(fragment, false),
            percent_decode(fragment, true),
        ]
        .into_iter()
        .flatten()
        {
            if let Some(resolved) = local(&candidate) {
                return resolved;
            }
        }
    }
    Resolved::Unknown
}

/// `%XX` escapes decoded (and `+` as a space, when `plus_is_space`: Go's `QueryUnescape`);
/// `None` when that leaves invalid UTF-8 or a broken escape.
pub(super) fn percent_decode(text: &str, plus_is_space: bool) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3)?;
                let hex = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}
