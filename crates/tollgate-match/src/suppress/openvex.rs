//! OpenVEX documents (<https://github.com/openvex/spec>, v0.2.0, and the v0.0.x forms still
//! produced by older tools: a vulnerability or a product written as a bare string, and
//! statement-level `subcomponents`) → statements.

use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

use super::purl::Purl;
use super::time::Instant;
use super::vex::{Product, Statement, Status};
use super::{Problem, line_of};

/// Every OpenVEX `@context` starts with this (`.../ns`, `.../ns/v0.2.0`).
pub(super) const CONTEXT_PREFIX: &str = "https://openvex.dev/ns";

/// The justification labels the spec defines (from the VEX working group's Status
/// Justifications): a statement with another label is malformed.
const JUSTIFICATIONS: [&str; 5] = [
    "component_not_present",
    "vulnerable_code_not_present",
    "vulnerable_code_not_in_execute_path",
    "vulnerable_code_cannot_be_controlled_by_adversary",
    "inline_mitigations_already_exist",
];

/// The document: only what suppression reads (`@id`, `author`, `version`... are not needed).
/// Statements are kept as their text, each read on its own, so that a problem in one names
/// its line.
#[derive(Deserialize)]
pub(super) struct Document<'a> {
    #[serde(default)]
    timestamp: Option<String>,
    #[serde(borrow, default)]
    statements: Vec<&'a RawValue>,
}

/// An in-toto statement carrying an OpenVEX document as its predicate (what `cosign attest
/// --type openvex` signs and `vexctl attest` writes).
#[derive(Deserialize)]
pub(super) struct InToto<'a> {
    #[serde(borrow)]
    pub(super) predicate: Document<'a>,
}

#[derive(Deserialize)]
struct RawStatement {
    // Read as JSON values because each has two shapes (0.2.0 objects, 0.0.x strings); the
    // errors then name the statement, which is more use than a serde "untagged" message.
    #[serde(default)]
    vulnerability: Option<Value>,
    #[serde(default)]
    products: Vec<Value>,
    #[serde(default)]
    subcomponents: Vec<Value>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    justification: Option<String>,
    #[serde(default)]
    impact_statement: Option<String>,
    #[serde(default)]
    timestamp: Option<String>,
}

/// The statements of `document` (whose text is `text`, from the file `source`), and warnings
/// about the parts that cannot apply here. An error names the statement, its line and what
/// is wrong with it.
pub(super) fn statements(
    document: &Document<'_>,
    text: &str,
    source: &str,
) -> Result<(Vec<Statement>, Vec<String>), Problem> {
    let document_time = match &document.timestamp {
        Some(time) => Some(Instant::parse_rfc3339(time).ok_or_else(|| {
            Problem::new(format!("timestamp: `{time}` is not an RFC 3339 timestamp"))
        })?),
        None => None,
    };
    let mut statements = Vec::with_capacity(document.statements.len());
    let mut warnings = Vec::new();
    for (index, raw) in document.statements.iter().enumerate() {
        let line = line_of(text, raw.get());
        let at = format!("statements[{index}]");
        let raw: RawStatement = serde_json::from_str(raw.get())
            .map_err(|e| Problem::json(&e, line, &format!("{at}: ")))?;
        let statement = statement(raw, &at, source, line, document_time, &mut warnings)
            .map_err(|message| Problem::at(line, message))?;
        statements.push(statement);
    }
    Ok((statements, warnings))
}

/// One statement; an error says what is wrong, starting with where in the statement.
fn statement(
    raw: RawStatement,
    at: &str,
    source: &str,
    line: usize,
    document_time: Option<Instant>,
    warnings: &mut Vec<String>,
) -> Result<Statement, String> {
    let place = format!("{source}:{line} {at}");
    let ids = vulnerability(raw.vulnerability.as_ref())
        .map_err(|e| format!("{at}.vulnerability: {e}"))?;
    let (status, label) = match raw.status.as_deref() {
        Some("not_affected") => (Status::NotAffected, "not_affected"),
        Some("affected") => (Status::Affected, "affected"),
        Some("fixed") => (Status::Fixed, "fixed"),
        Some("under_investigation") => (Status::UnderInvestigation, "under_investigation"),
        Some(other) => {
            return Err(format!(
                "{at}.status: unknown status `{other}` (OpenVEX has not_affected, affected, \
                 fixed and under_investigation)"
            ));
        }
        None => return Err(format!("{at}: no `status`")),
    };
    let justification = raw.justification.filter(|j| !j.trim().is_empty());
    if let Some(justification) = &justification
        && !JUSTIFICATIONS.contains(&justification.as_str())
    {
        return Err(format!(
            "{at}.justification: unknown justification `{justification}` (OpenVEX has {})",
            JUSTIFICATIONS.join(", ")
        ));
    }
    let impact = raw.impact_statement.filter(|i| !i.trim().is_empty());
    if status == Status::NotAffected && justification.is_none() && impact.is_none() {
        // The spec (and the CISA minimum requirements) make this a MUST: a not_affected
        // claim without a reason is not one a security team can defend.
        return Err(format!(
            "{at}: status not_affected needs a `justification` or an `impact_statement`"
        ));
    }
    let timestamp = match &raw.timestamp {
        Some(time) => Some(
            Instant::parse_rfc3339(time)
                .ok_or_else(|| format!("{at}.timestamp: `{time}` is not an RFC 3339 timestamp"))?,
        ),
        None => document_time,
    };
    let legacy_subcomponents = if raw.subcomponents.is_empty() {
        None
    } else {
        Some(components(
            &raw.subcomponents,
            &format!("{at}.subcomponents"),
            &place,
            warnings,
        )?)
    };
    let mut products = Vec::with_capacity(raw.products.len());
    for (p, value) in raw.products.iter().enumerate() {
        let product_at = format!("{at}.products[{p}]");
        let mut product = product(value, &product_at, &place, warnings)?;
        if product.subcomponents.is_none() {
            product.subcomponents.clone_from(&legacy_subcomponents);
        }
        if product.purls.is_empty() {
            warnings.push(format!(
                "{place}: products[{p}] has no purl, and tollgate matches products by purl: \
                 not applied"
            ));
        } else if !product.is_image() && product.subcomponents.is_some() {
            warnings.push(format!(
                "{place}: {} lists subcomponents, but tollgate does not know which packages \
                 it contains: not applied",
                product.label()
            ));
        }
        products.push(product);
    }
    if products.is_empty() {
        warnings.push(format!("{place}: names no product: not applied"));
    }
    Ok(Statement {
        ids,
        products,
        status,
        label: label.to_owned(),
        justification,
        detail: impact,
        timestamp,
        seq: 0,
        source: place,
    })
}

/// The vulnerability's name and aliases.
fn vulnerability(value: Option<&Value>) -> Result<Vec<String>, String> {
    let non_empty = |text: &str| {
        let text = text.trim();
        (!text.is_empty()).then(|| text.to_owned())
    };
    match value {
        None => Err("missing".to_owned()),
        Some(Value::String(name)) => Ok(vec![non_empty(name).ok_or("empty name")?]),
        Some(Value::Object(fields)) => {
            let name = match fields.get("name") {
                Some(Value::String(name)) => non_empty(name).ok_or("empty `name`")?,
                Some(_) => return Err("`name` is not a string".to_owned()),
                None => return Err("no `name`".to_owned()),
            };
            let mut ids = vec![name];
            match fields.get("aliases") {
                None | Some(Value::Null) => {}
                Some(Value::Array(aliases)) => {
                    for (i, alias) in aliases.iter().enumerate() {
                        match alias.as_str().and_then(non_empty) {
                            Some(alias) => ids.push(alias),
                            None => return Err(format!("aliases[{i}] is not a name")),
                        }
                    }
                }
                Some(_) => return Err("`aliases` is not a list".to_owned()),
            }
            Ok(ids)
        }
        Some(_) => Err("expected an object with a `name`".to_owned()),
    }
}

/// A product: its purls and subcomponents (`place` names the statement in warnings).
fn product(
    value: &Value,
    at: &str,
    place: &str,
    warnings: &mut Vec<String>,
) -> Result<Product, String> {
    let purls = component_purls(value).map_err(|e| format!("{at}: {e}"))?;
    let subcomponents = match value.get("subcomponents") {
        None | Some(Value::Null) => None,
        Some(Value::Array(list)) if list.is_empty() => None,
        Some(Value::Array(list)) => Some(components(
            list,
            &format!("{at}.subcomponents"),
            place,
            warnings,
        )?),
        Some(_) => return Err(format!("{at}.subcomponents: not a list")),
    };
    Ok(Product {
        purls,
        subcomponents,
        whole_target: false,
    })
}

/// The purls of a list of subcomponents; those without one are warned about and left out.
fn components(
    list: &[Value],
    at: &str,
    place: &str,
    warnings: &mut Vec<String>,
) -> Result<Vec<Purl>, String> {
    let mut purls = Vec::with_capacity(list.len());
    for (i, value) in list.iter().enumerate() {
        let found = component_purls(value).map_err(|e| format!("{at}[{i}]: {e}"))?;
        if found.is_empty() {
            warnings.push(format!(
                "{place}: {at}[{i}] has no purl, and tollgate matches packages by purl: \
                 ignored"
            ));
        }
        purls.extend(found);
    }
    Ok(purls)
}

/// The purls that identify a component: its `@id` when that is a purl (any IRI is allowed
/// there), and `identifiers.purl`. A bare string is a 0.0.x component. A `pkg:` identifier
/// that does not parse is an error: it was meant to name a package.
fn component_purls(value: &Value) -> Result<Vec<Purl>, String> {
    let mut texts: Vec<&str> = Vec::new();
    match value {
        Value::String(id) => texts.push(id),
        Value::Object(fields) => {
            match fields.get("@id") {
                None | Some(Value::Null) => {}
                Some(Value::String(id)) => texts.push(id),
                Some(_) => return Err("`@id` is not a string".to_owned()),
            }
            match fields.get("identifiers").and_then(|i| i.get("purl")) {
                None | Some(Value::Null) => {}
                Some(Value::String(purl)) => texts.push(purl),
                Some(_) => return Err("`identifiers.purl` is not a string".to_owned()),
            }
        }
        _ => return Err("expected an object with an `@id`".to_owned()),
    }
    let mut purls: Vec<Purl> = Vec::new();
    for text in texts {
        if text.trim_start().starts_with("pkg:") {
            purls.push(Purl::parse(text)?);
        }
    }
    Ok(purls)
}
