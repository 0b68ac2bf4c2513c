//! in-toto attestation Statements: what cosign attestations (and cosign 3 image signatures) say,
//! inside a DSSE envelope of payload type [`crate::dsse::IN_TOTO_PAYLOAD_TYPE`].
//!
//! ref: <https://github.com/in-toto/attestation/blob/main/spec/v1/statement.md>
//!
//! ```json
//! {"_type":"https://in-toto.io/Statement/v1",
//!  "subject":[{"name":"registry.example/app","digest":{"sha256":"<hex>"}}],
//!  "predicateType":"https://slsa.dev/provenance/v1",
//!  "predicate":{…}}
//! ```
//!
//! [`Statement::new`] writes v1. [`Statement::parse`] also reads v0.1
//! (`https://in-toto.io/Statement/v0.1`), which `cosign attest` writes. A statement read this way
//! says nothing until the envelope around it verified ([`crate::dsse::Envelope::verify`]); then
//! [`Statement::check`] ties it to the image and the predicate type the caller wants.
//!
//! cosign 3 signs an image as a statement of predicate type [`COSIGN_SIGN_PREDICATE`] with the
//! predicate `{}`, in a DSSE envelope in a Sigstore bundle ([`crate::bundle`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::dsse::to_json_bytes;
use crate::simple_signing::SimpleSigning;

/// `_type` of an in-toto Statement v1 (what [`Statement::new`] writes).
pub const STATEMENT_TYPE_V1: &str = "https://in-toto.io/Statement/v1";

/// `_type` of an in-toto Statement v0.1 (what `cosign attest` writes; read only).
pub const STATEMENT_TYPE_V01: &str = "https://in-toto.io/Statement/v0.1";

/// The predicate type of a cosign 3 image signature (sigstore/cosign `pkg/types`): cosign 3
/// writes image signatures as a statement of this type with the predicate `{}`.
pub const COSIGN_SIGN_PREDICATE: &str = "https://sigstore.dev/cosign/sign/v1";

/// The names `cosign attest --type` accepts and the predicate types they stand for, as in
/// sigstore/cosign `cmd/cosign/cli/options/predicate.go` (`PredicateTypeMap`) and
/// `pkg/cosign/attestation` (the cosign URIs).
pub const PREDICATE_TYPE_NAMES: &[(&str, &str)] = &[
    ("custom", "https://cosign.sigstore.dev/attestation/v1"),
    ("slsaprovenance", "https://slsa.dev/provenance/v0.2"),
    ("slsaprovenance02", "https://slsa.dev/provenance/v0.2"),
    ("slsaprovenance1", "https://slsa.dev/provenance/v1"),
    ("spdx", "https://spdx.dev/Document"),
    ("spdxjson", "https://spdx.dev/Document"),
    ("cyclonedx", "https://cyclonedx.org/bom"),
    ("link", "https://in-toto.io/Link/v1"),
    ("vuln", "https://cosign.sigstore.dev/attestation/vuln/v1"),
    ("openvex", "https://openvex.dev/ns"),
];

/// A statement that cannot be read, or that is not about what the caller expects.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StatementError {
    /// Not JSON, or not a statement: a required field missing, a field of the wrong type.
    #[error(
        "not an in-toto statement ({0}): expected {{\"_type\":…,\"subject\":[…],\"predicateType\":…,\"predicate\":…}}"
    )]
    Malformed(String),
    /// `_type` is neither Statement v1 nor v0.1.
    #[error(
        "unsupported in-toto statement type `{found}`: tollgate reads `{STATEMENT_TYPE_V1}` and \
         `{STATEMENT_TYPE_V01}`"
    )]
    UnsupportedStatementType {
        /// The statement's `_type`.
        found: String,
    },
    /// The statement has no subjects.
    #[error("the in-toto statement has no subjects: it is about nothing")]
    NoSubjects,
    /// A digest given to tollgate is malformed.
    #[error(
        "invalid digest `{0}`: expected sha256:<64 lowercase hex> or sha512:<128 lowercase hex>"
    )]
    InvalidDigest(String),
    /// None of the subjects is the expected artifact.
    #[error(
        "the in-toto statement is about {}, not {expected}: it attests another image or another \
         version of it",
        describe_subjects(.actual)
    )]
    SubjectMismatch {
        /// The digest of the artifact being verified (`sha256:<hex>`).
        expected: String,
        /// Every subject digest in the statement (`algorithm:value`).
        actual: Vec<String>,
    },
    /// The statement is of another predicate type.
    #[error("the in-toto statement's predicate type is `{actual}`, expected `{expected}`")]
    PredicateTypeMismatch {
        /// The predicate type the caller wants.
        expected: String,
        /// The statement's.
        actual: String,
    },
    /// A predicate type name that cosign does not know and that is not an absolute URI.
    #[error(
        "unknown predicate type `{0}`: use one of {names} or an absolute URI \
         (https://example.com/my-predicate/v1)",
        names = predicate_type_names()
    )]
    UnknownPredicateType(String),
}

fn describe_subjects(subjects: &[String]) -> String {
    if subjects.is_empty() {
        "no digest".to_owned()
    } else {
        subjects.join(", ")
    }
}

fn predicate_type_names() -> String {
    PREDICATE_TYPE_NAMES
        .iter()
        .map(|(name, _)| *name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// An in-toto statement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Statement {
    /// `_type`: [`STATEMENT_TYPE_V1`] or [`STATEMENT_TYPE_V01`].
    #[serde(rename = "_type")]
    pub statement_type: String,
    /// The artifacts the statement is about.
    pub subject: Vec<Subject>,
    /// `predicateType`: a URI naming the predicate's schema.
    #[serde(rename = "predicateType")]
    pub predicate_type: String,
    /// The predicate (any JSON: cosign writes a string predicate for non-JSON SPDX). Unset reads
    /// as `{}`, as the spec says.
    #[serde(default = "empty_object")]
    pub predicate: Value,
}

/// One subject of a [`Statement`] (a v1 `ResourceDescriptor`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Subject {
    /// `name`: for images cosign writes the repository (`registry.example/app`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// `digest`: algorithm (`sha256`, `sha512`, …) to hex value.
    #[serde(default)]
    pub digest: BTreeMap<String, String>,
    /// The descriptor's other fields (`uri`, `annotations`, …), kept as read.
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

/// The `ResourceDescriptor` field holding annotations.
const ANNOTATIONS: &str = "annotations";

fn empty_object() -> Value {
    Value::Object(serde_json::Map::new())
}

impl Statement {
    /// A v1 statement about one artifact, `subject_name` with SHA-256 `sha256_hex` (64 lowercase
    /// hex digits, without `sha256:`; not checked here, [`Statement::check`] rejects a statement
    /// whose subject is not the expected digest), of `predicate_type` (see
    /// [`predicate_type_uri`]).
    #[must_use]
    pub fn new(
        subject_name: &str,
        sha256_hex: &str,
        predicate_type: &str,
        predicate: Value,
    ) -> Self {
        Self {
            statement_type: STATEMENT_TYPE_V1.to_owned(),
            subject: vec![Subject {
                name: subject_name.to_owned(),
                digest: BTreeMap::from([("sha256".to_owned(), sha256_hex.to_owned())]),
                other: BTreeMap::new(),
            }],
            predicate_type: predicate_type.to_owned(),
            predicate,
        }
    }

    /// Set `annotations` (string values; `cosign sign -a key=value`) on every subject, replacing
    /// any there; none removes them.
    pub fn set_subject_annotations(&mut self, annotations: &BTreeMap<String, String>) {
        for subject in &mut self.subject {
            if annotations.is_empty() {
                subject.other.remove(ANNOTATIONS);
            } else {
                let map = annotations
                    .iter()
                    .map(|(key, value)| (key.clone(), Value::String(value.clone())))
                    .collect();
                subject
                    .other
                    .insert(ANNOTATIONS.to_owned(), Value::Object(map));
            }
        }
    }

    /// Read a statement (v1 or v0.1) with at least one subject. This says nothing about whether
    /// it is signed.
    ///
    /// # Errors
    /// [`StatementError::Malformed`], [`StatementError::UnsupportedStatementType`],
    /// [`StatementError::NoSubjects`].
    pub fn parse(json: &[u8]) -> Result<Self, StatementError> {
        let statement: Self = serde_json::from_slice(json)
            .map_err(|error| StatementError::Malformed(error.to_string()))?;
        if statement.statement_type != STATEMENT_TYPE_V1
            && statement.statement_type != STATEMENT_TYPE_V01
        {
            return Err(StatementError::UnsupportedStatementType {
                found: statement.statement_type,
            });
        }
        if statement.subject.is_empty() {
            return Err(StatementError::NoSubjects);
        }
        Ok(statement)
    }

    /// The statement as compact JSON (the payload to sign): `_type`, `subject`,
    /// `predicateType`, `predicate`.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        to_json_bytes(self)
    }

    /// Check that one of the subjects is the manifest `expected_manifest_digest`
    /// (`sha256:<hex>`, or `sha512:<hex>`) and, when given, that the predicate type is
    /// `expected_predicate_type`.
    ///
    /// # Errors
    /// [`StatementError::InvalidDigest`] for a malformed `expected_manifest_digest`,
    /// [`StatementError::PredicateTypeMismatch`], [`StatementError::SubjectMismatch`].
    pub fn check(
        &self,
        expected_manifest_digest: &str,
        expected_predicate_type: Option<&str>,
    ) -> Result<(), StatementError> {
        let (algorithm, hex) = split_digest(expected_manifest_digest)?;
        if let Some(expected) = expected_predicate_type
            && expected != self.predicate_type
        {
            return Err(StatementError::PredicateTypeMismatch {
                expected: expected.to_owned(),
                actual: self.predicate_type.clone(),
            });
        }
        if self
            .subject
            .iter()
            .any(|subject| subject.has_digest(algorithm, hex))
        {
            Ok(())
        } else {
            Err(self.subject_mismatch(expected_manifest_digest))
        }
    }

    /// What a cosign 3 image signature (a statement of predicate type
    /// [`COSIGN_SIGN_PREDICATE`]) claims, in the form of a simple-signing payload so that the
    /// same checks apply to both layouts: the subject whose digest is
    /// `expected_manifest_digest` gives the reference (its `name`, possibly empty) and the
    /// annotations (its `annotations`, `{}` when it has none, as `cosign verify` prints).
    ///
    /// # Errors
    /// As [`Statement::check`] without a predicate type: [`StatementError::InvalidDigest`],
    /// [`StatementError::SubjectMismatch`]; [`StatementError::Malformed`] when the subject's
    /// `annotations` is not an object.
    pub fn claims(&self, expected_manifest_digest: &str) -> Result<SimpleSigning, StatementError> {
        let (algorithm, hex) = split_digest(expected_manifest_digest)?;
        let Some(subject) = self
            .subject
            .iter()
            .find(|subject| subject.has_digest(algorithm, hex))
        else {
            return Err(self.subject_mismatch(expected_manifest_digest));
        };
        let annotations = match subject.other.get(ANNOTATIONS) {
            None | Some(Value::Null) => serde_json::Map::new(),
            Some(Value::Object(map)) => map.clone(),
            Some(other) => {
                return Err(StatementError::Malformed(format!(
                    "the subject's annotations are {other}, not an object"
                )));
            }
        };
        Ok(SimpleSigning {
            docker_reference: subject.name.clone(),
            manifest_digest: expected_manifest_digest.to_owned(),
            optional: Some(annotations),
        })
    }

    fn subject_mismatch(&self, expected: &str) -> StatementError {
        StatementError::SubjectMismatch {
            expected: expected.to_owned(),
            actual: self
                .subject
                .iter()
                .flat_map(|subject| subject.digest.iter())
                .map(|(algorithm, value)| format!("{algorithm}:{value}"))
                .collect(),
        }
    }
}

impl Subject {
    fn has_digest(&self, algorithm: &str, hex: &str) -> bool {
        self.digest
            .get(algorithm)
            .is_some_and(|value| value.eq_ignore_ascii_case(hex))
    }
}

/// `sha256:<64 hex>` or `sha512:<128 hex>` (lowercase), split.
fn split_digest(digest: &str) -> Result<(&str, &str), StatementError> {
    let invalid = || StatementError::InvalidDigest(digest.to_owned());
    let (algorithm, hex) = digest.split_once(':').ok_or_else(invalid)?;
    let length = match algorithm {
        "sha256" => 64,
        "sha512" => 128,
        _ => return Err(invalid()),
    };
    if is_lower_hex(hex, length) {
        Ok((algorithm, hex))
    } else {
        Err(invalid())
    }
}

/// The predicate type URI for a `cosign attest --type` value: one of the names in
/// [`PREDICATE_TYPE_NAMES`], or an absolute URI, which passes through.
///
/// # Errors
/// [`StatementError::UnknownPredicateType`] for anything else.
pub fn predicate_type_uri(name: &str) -> Result<String, StatementError> {
    if let Some((_, uri)) = PREDICATE_TYPE_NAMES
        .iter()
        .find(|(known, _)| *known == name)
    {
        return Ok((*uri).to_owned());
    }
    if is_absolute_uri(name) {
        Ok(name.to_owned())
    } else {
        Err(StatementError::UnknownPredicateType(name.to_owned()))
    }
}

/// RFC 3986 `absolute-URI`, loosely: `scheme ":" rest` with scheme
/// `ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`, a non-empty rest, and no whitespace or
/// control characters anywhere.
fn is_absolute_uri(text: &str) -> bool {
    let Some((scheme, rest)) = text.split_once(':') else {
        return false;
    };
    let mut scheme_chars = scheme.chars();
    scheme_chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic())
        && scheme_chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !rest.is_empty()
        && !text.chars().any(|c| c.is_whitespace() || c.is_control())
}

fn is_lower_hex(text: &str, length: usize) -> bool {
    text.len() == length && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const HEX: &str = "fa93b01658e3a5a1686dc3ae55f170d8de487006fb53a28efcd12ab0710a2e5f";

    fn digest() -> String {
        format!("sha256:{HEX}")
    }

    #[test]
    fn writes_v1() {
        let statement = Statement::new(
            "registry.example/app",
            HEX,
            COSIGN_SIGN_PREDICATE,
            json!({}),
        );
        assert_eq!(
            String::from_utf8(statement.to_bytes()).unwrap(),
            format!(
                r#"{{"_type":"https://in-toto.io/Statement/v1","subject":[{{"name":"registry.example/app","digest":{{"sha256":"{HEX}"}}}}],"predicateType":"https://sigstore.dev/cosign/sign/v1","predicate":{{}}}}"#
            )
        );
        assert_eq!(Statement::parse(&statement.to_bytes()).unwrap(), statement);
        statement
            .check(&digest(), Some(COSIGN_SIGN_PREDICATE))
            .unwrap();
    }

    #[test]
    fn reads_cosign_v01_attestation() {
        // The shape `cosign attest --type spdx` writes (in-toto-golang's StatementHeader): v0.1,
        // the repository as the subject name, a string predicate for non-JSON SPDX.
        let json = format!(
            r#"{{"_type":"https://in-toto.io/Statement/v0.1","predicateType":"https://spdx.dev/Document","subject":[{{"name":"r.example/app","digest":{{"sha256":"{HEX}"}}}}],"predicate":"SPDXVersion: SPDX-2.2"}}"#
        );
        let statement = Statement::parse(json.as_bytes()).unwrap();
        assert_eq!(statement.statement_type, STATEMENT_TYPE_V01);
        assert_eq!(statement.predicate, json!("SPDXVersion: SPDX-2.2"));
        statement
            .check(&digest(), Some(&predicate_type_uri("spdx").unwrap()))
            .unwrap();
    }

    #[test]
    fn keeps_other_descriptor_fields_and_defaults_the_predicate() {
        let json = format!(
            r#"{{"_type":"https://in-toto.io/Statement/v1","subject":[{{"digest":{{"sha256":"{HEX}","sha512":"ab"}},"annotations":{{}},"uri":"oci://x"}}],"predicateType":"https://sigstore.dev/cosign/sign/v1"}}"#
        );
        let statement = Statement::parse(json.as_bytes()).unwrap();
        assert_eq!(statement.predicate, json!({}));
        assert_eq!(statement.subject[0].name, "");
        assert_eq!(statement.subject[0].other["uri"], json!("oci://x"));
        let again = Statement::parse(&statement.to_bytes()).unwrap();
        assert_eq!(again, statement);
        statement.check(&digest(), None).unwrap();
    }

    #[test]
    fn check_mismatches_name_both_sides() {
        let statement = Statement::new("a", HEX, "https://slsa.dev/provenance/v1", json!({}));
        let other = format!("sha256:{}", "0".repeat(64));
        let error = statement.check(&other, None).unwrap_err();
        assert_eq!(
            error,
            StatementError::SubjectMismatch {
                expected: other.clone(),
                actual: vec![digest()],
            }
        );
        let message = error.to_string();
        assert!(
            message.contains(&other) && message.contains(&digest()),
            "{message}"
        );

        let error = statement
            .check(&digest(), Some("https://slsa.dev/provenance/v0.2"))
            .unwrap_err();
        assert_eq!(
            error,
            StatementError::PredicateTypeMismatch {
                expected: "https://slsa.dev/provenance/v0.2".to_owned(),
                actual: "https://slsa.dev/provenance/v1".to_owned(),
            }
        );
        for bad in ["sha256:abc", HEX, "md5:00", &digest().to_uppercase()] {
            assert_eq!(
                statement.check(bad, None),
                Err(StatementError::InvalidDigest(bad.to_owned()))
            );
        }
        // A subject's sha512 does not stand in for the sha256 asked for.
        let mut sha512_only = statement.clone();
        sha512_only.subject[0].digest = BTreeMap::from([("sha512".to_owned(), HEX.to_owned())]);
        assert!(matches!(
            sha512_only.check(&digest(), None),
            Err(StatementError::SubjectMismatch { .. })
        ));
    }

    #[test]
    fn claims_of_a_cosign_3_signature() {
        let mut statement = Statement::new("r.example/app", HEX, COSIGN_SIGN_PREDICATE, json!({}));
        let claims = statement.claims(&digest()).unwrap();
        assert_eq!(claims.docker_reference, "r.example/app");
        assert_eq!(claims.manifest_digest, digest());
        assert_eq!(claims.optional, Some(serde_json::Map::new()));

        let annotations = BTreeMap::from([("env".to_owned(), "prod".to_owned())]);
        statement.set_subject_annotations(&annotations);
        let json = String::from_utf8(statement.to_bytes()).unwrap();
        assert!(
            json.contains(&format!(
                r#"{{"name":"r.example/app","digest":{{"sha256":"{HEX}"}},"annotations":{{"env":"prod"}}}}"#
            )),
            "{json}"
        );
        let read = Statement::parse(json.as_bytes()).unwrap();
        assert_eq!(
            read.claims(&digest()).unwrap().annotation("env"),
            Some("prod")
        );
        statement.set_subject_annotations(&BTreeMap::new());
        assert!(statement.subject[0].other.is_empty());

        let other = format!("sha256:{}", "0".repeat(64));
        assert!(matches!(
            read.claims(&other),
            Err(StatementError::SubjectMismatch { .. })
        ));
        let mut bad = read.clone();
        bad.subject[0]
            .other
            .insert("annotations".to_owned(), json!([1]));
        assert!(matches!(
            bad.claims(&digest()),
            Err(StatementError::Malformed(_))
        ));
    }

    #[test]
    fn any_subject_may_match() {
        let mut statement = Statement::new("a", &"1".repeat(64), "t:x", json!({}));
        statement.subject.push(Subject {
            name: "b".to_owned(),
            digest: BTreeMap::from([("sha256".to_owned(), HEX.to_owned())]),
            other: BTreeMap::new(),
        });
        statement.check(&digest(), Some("t:x")).unwrap();
    }

    #[test]
    fn parse_rejects() {
        let good =
            String::from_utf8(Statement::new("a", HEX, "t:x", json!({})).to_bytes()).unwrap();
        for (json, expected) in [
            (
                good.replace("/v1", "/v2"),
                "unsupported in-toto statement type",
            ),
            (
                good.replace(r#""_type""#, r#""type""#),
                "missing field `_type`",
            ),
            (
                good.replace(r#""predicateType""#, r#""predicate_type""#),
                "missing field `predicateType`",
            ),
            (
                format!(r#"{{"_type":"{STATEMENT_TYPE_V1}","subject":[],"predicateType":"t:x"}}"#),
                "no subjects",
            ),
            (
                good.replace(r#"{"sha256""#, r#"{"sha256":1,"x""#),
                "not an in-toto statement",
            ),
            ("null".to_owned(), "not an in-toto statement"),
        ] {
            let error = Statement::parse(json.as_bytes()).unwrap_err();
            assert!(error.to_string().contains(expected), "{json}: {error}");
        }
    }

    #[test]
    fn predicate_type_names() {
        for (name, uri) in [
            ("cyclonedx", "https://cyclonedx.org/bom"),
            ("spdx", "https://spdx.dev/Document"),
            ("spdxjson", "https://spdx.dev/Document"),
            ("slsaprovenance", "https://slsa.dev/provenance/v0.2"),
            ("slsaprovenance02", "https://slsa.dev/provenance/v0.2"),
            ("slsaprovenance1", "https://slsa.dev/provenance/v1"),
            ("link", "https://in-toto.io/Link/v1"),
            ("vuln", "https://cosign.sigstore.dev/attestation/vuln/v1"),
            ("openvex", "https://openvex.dev/ns"),
            ("custom", "https://cosign.sigstore.dev/attestation/v1"),
            ("https://example.com/p/v1", "https://example.com/p/v1"),
            ("urn:example:predicate", "urn:example:predicate"),
        ] {
            assert_eq!(predicate_type_uri(name).unwrap(), uri, "{name}");
        }
        for bad in [
            "",
            "CycloneDX",
            "slsa",
            "example.com/p",
            "1http://x",
            "https:",
            "http://a b",
        ] {
            let error = predicate_type_uri(bad).unwrap_err();
            assert_eq!(error, StatementError::UnknownPredicateType(bad.to_owned()));
            assert!(error.to_string().contains("slsaprovenance1"), "{error}");
        }
    }
}
