//! cosign's "simple signing" payload: the JSON document a container image signature is made
//! over.
//!
//! ```json
//! {"critical":{"identity":{"docker-reference":"<ref>"},
//!              "image":{"docker-manifest-digest":"sha256:<hex>"},
//!              "type":"cosign container image signature"},
//!  "optional":null}
//! ```
//!
//! [`SimpleSigning::to_bytes`] writes it byte for byte as cosign does (sigstore/sigstore
//! `pkg/signature/payload`: Go's `encoding/json`, fields in that order, compact, `"optional":null`
//! without annotations, otherwise the annotations with sorted keys, Go's HTML-safe string
//! escaping). [`SimpleSigning::parse`] is strict in the way containers/image is: no unknown or
//! duplicate fields in `critical`, the exact type string, a well-formed digest. Unknown keys in
//! `optional` are kept (they are the annotations).
//!
//! The signature is over the exact payload bytes; a verifier must check the signature over the
//! bytes it received and only then trust what [`SimpleSigning::parse`] reads from them
//! ([`crate::verify`] does).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Deserialize;
use serde_json::{Map, Value};

/// `critical.type` of a cosign container image signature.
pub const COSIGN_SIGNATURE_TYPE: &str = "cosign container image signature";

/// A payload that is not a valid simple-signing document, or does not say what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PayloadError {
    /// Not JSON, not an object, a missing/unknown/duplicate field, a value of the wrong type.
    #[error("the payload is not a simple-signing document: {0}")]
    Malformed(String),
    /// `critical.type` is something else.
    #[error("the payload's type is \"{found}\", not \"{COSIGN_SIGNATURE_TYPE}\"")]
    WrongType {
        /// The type in the payload.
        found: String,
    },
    /// A digest that is not `algorithm:hex` with a known algorithm and its length of lowercase
    /// hex.
    #[error("invalid manifest digest \"{0}\": expected sha256:<64 hex> or sha512:<128 hex>")]
    InvalidDigest(String),
    /// A reference that cannot be signed (empty, or with control characters).
    #[error("invalid docker reference \"{0}\"")]
    InvalidReference(String),
    /// The payload is for another manifest.
    #[error(
        "the payload signs manifest {signed}, not {expected}: the signature is for another image \
         or another version of it"
    )]
    DigestMismatch {
        /// The digest in the payload.
        signed: String,
        /// The digest of the image being verified.
        expected: String,
    },
    /// The payload names another image.
    #[error("the payload signs the reference \"{signed}\", expected {expected}")]
    ReferenceMismatch {
        /// The docker-reference in the payload.
        signed: String,
        /// What the policy wanted, described.
        expected: String,
    },
    /// A required annotation is missing or has another value.
    #[error("annotation \"{key}\" is required to be \"{expected}\", the payload has {found}")]
    AnnotationMismatch {
        /// The annotation key.
        key: String,
        /// The required value.
        expected: String,
        /// What the payload has, described (`no such annotation`, `"other"`, `a number`).
        found: String,
    },
}

/// How the payload's `docker-reference` is checked against the image being verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReferencePolicy {
    /// Not checked (the reference is informative; images get copied between registries).
    Ignore,
    /// Must be exactly this string.
    Exact(String),
    /// Its repository (the reference without `:tag` and `@digest`) must be exactly this string.
    /// No normalisation is done (`alpine` is not `docker.io/library/alpine`).
    Repository(String),
}

impl ReferencePolicy {
    fn check(&self, signed: &str) -> Result<(), PayloadError> {
        let (ok, expected) = match self {
            Self::Ignore => return Ok(()),
            Self::Exact(expected) => (signed == expected, format!("\"{expected}\"")),
            Self::Repository(expected) => (
                repository_of(signed) == expected,
                format!("a reference in repository \"{expected}\""),
            ),
        };
        if ok {
            Ok(())
        } else {
            Err(PayloadError::ReferenceMismatch {
                signed: signed.to_owned(),
                expected,
            })
        }
    }
}

/// `registry/repo:tag@digest` without the tag and the digest. A `:` before the last `/` is a
/// registry port, not a tag.
#[must_use]
pub fn repository_of(reference: &str) -> &str {
    let name = reference
        .split_once('@')
        .map_or(reference, |(name, _)| name);
    let last_slash = name.rfind('/').map_or(0, |index| index + 1);
    match name[last_slash..].rfind(':') {
        Some(colon) => &name[..last_slash + colon],
        None => name,
    }
}

/// A parsed (or to-be-written) simple-signing payload.
#[derive(Debug, Clone, PartialEq)]
pub struct SimpleSigning {
    /// `critical.identity.docker-reference`.
    pub docker_reference: String,
    /// `critical.image.docker-manifest-digest`, validated.
    pub manifest_digest: String,
    /// `optional`: `None` for `null`; otherwise its members (cosign's annotations are strings,
    /// other writers put `creator` and `timestamp` here).
    pub optional: Option<Map<String, Value>>,
}

impl SimpleSigning {
    /// A payload for `manifest_digest`, naming `docker_reference`, with string annotations
    /// (`cosign sign -a key=value`); no annotations gives `"optional":null` as cosign writes.
    ///
    /// # Errors
    /// [`PayloadError::InvalidDigest`], [`PayloadError::InvalidReference`].
    pub fn new(
        docker_reference: &str,
        manifest_digest: &str,
        annotations: &BTreeMap<String, String>,
    ) -> Result<Self, PayloadError> {
        validate_digest(manifest_digest)?;
        if docker_reference.is_empty() || docker_reference.chars().any(char::is_control) {
            return Err(PayloadError::InvalidReference(docker_reference.to_owned()));
        }
        let optional = (!annotations.is_empty()).then(|| {
            annotations
                .iter()
                .map(|(key, value)| (key.clone(), Value::String(value.clone())))
                .collect()
        });
        Ok(Self {
            docker_reference: docker_reference.to_owned(),
            manifest_digest: manifest_digest.to_owned(),
            optional,
        })
    }

    /// The payload bytes, as cosign writes them.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = String::with_capacity(256);
        out.push_str(r#"{"critical":{"identity":{"docker-reference":"#);
        go_string(&mut out, &self.docker_reference);
        out.push_str(r#"},"image":{"docker-manifest-digest":"#);
        go_string(&mut out, &self.manifest_digest);
        out.push_str(r#"},"type":"#);
        go_string(&mut out, COSIGN_SIGNATURE_TYPE);
        out.push_str(r#"},"optional":"#);
        match &self.optional {
            None => out.push_str("null"),
            Some(optional) => go_value(&mut out, &Value::Object(optional.clone())),
        }
        out.push('}');
        out.into_bytes()
    }

    /// Parse a payload strictly (see the module documentation). This says nothing about whether
    /// it is signed.
    ///
    /// # Errors
    /// [`PayloadError::Malformed`], [`PayloadError::WrongType`], [`PayloadError::InvalidDigest`].
    pub fn parse(payload: &[u8]) -> Result<Self, PayloadError> {
        let document: Document = serde_json::from_slice(payload)
            .map_err(|error| PayloadError::Malformed(error.to_string()))?;
        if document.critical.kind != COSIGN_SIGNATURE_TYPE {
            return Err(PayloadError::WrongType {
                found: document.critical.kind,
            });
        }
        let manifest_digest = document.critical.image.docker_manifest_digest;
        validate_digest(&manifest_digest)?;
        let optional = match document.optional {
            None | Some(Value::Null) => None,
            Some(Value::Object(map)) => Some(map),
            Some(_) => {
                return Err(PayloadError::Malformed(
                    "\"optional\" is neither an object nor null".to_owned(),
                ));
            }
        };
        Ok(Self {
            docker_reference: document.critical.identity.docker_reference,
            manifest_digest,
            optional,
        })
    }

    /// The annotation `key` if it is a string.
    #[must_use]
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.optional.as_ref()?.get(key)?.as_str()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    critical: Critical,
    // Present (possibly null) in everything cosign and containers/image write; tolerated absent.
    #[serde(default)]
    optional: Option<Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Critical {
    identity: Identity,
    image: Image,
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Identity {
    #[serde(rename = "docker-reference")]
    docker_reference: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Image {
    #[serde(rename = "docker-manifest-digest")]
    docker_manifest_digest: String,
}

/// Check that the (already signature-verified) `payload` is a cosign simple-signing payload for
/// `expected_manifest_digest`, whose reference satisfies `reference`, and which carries every
/// `required_annotations` pair as a string annotation.
///
/// # Errors
/// The first [`PayloadError`] found: malformed, wrong type, invalid or other digest, other
/// reference, a missing or different annotation.
pub fn verify_payload(
    payload: &[u8],
    expected_manifest_digest: &str,
    reference: &ReferencePolicy,
    required_annotations: &[(&str, &str)],
) -> Result<SimpleSigning, PayloadError> {
    validate_digest(expected_manifest_digest)?;
    let parsed = SimpleSigning::parse(payload)?;
    check_claims(
        &parsed,
        expected_manifest_digest,
        reference,
        required_annotations,
    )?;
    Ok(parsed)
}

/// Check what a signature claims, whichever format carried it: the manifest digest, the
/// reference, and every `required_annotations` pair as a string annotation.
///
/// # Errors
/// The first [`PayloadError`] found.
pub fn check_claims(
    claims: &SimpleSigning,
    expected_manifest_digest: &str,
    reference: &ReferencePolicy,
    required_annotations: &[(&str, &str)],
) -> Result<(), PayloadError> {
    if claims.manifest_digest != expected_manifest_digest {
        return Err(PayloadError::DigestMismatch {
            signed: claims.manifest_digest.clone(),
            expected: expected_manifest_digest.to_owned(),
        });
    }
    reference.check(&claims.docker_reference)?;
    for (key, expected) in required_annotations {
        let found = claims
            .optional
            .as_ref()
            .and_then(|optional| optional.get(*key));
        match found {
            Some(Value::String(value)) if value == expected => {}
            other => {
                return Err(PayloadError::AnnotationMismatch {
                    key: (*key).to_owned(),
                    expected: (*expected).to_owned(),
                    found: match other {
                        None => "no such annotation".to_owned(),
                        Some(Value::String(value)) => format!("\"{value}\""),
                        Some(value) => format!("the non-string value {value}"),
                    },
                });
            }
        }
    }
    Ok(())
}

/// Check `algorithm:hex`: `sha256` with 64 or `sha512` with 128 lowercase hex digits.
///
/// # Errors
/// [`PayloadError::InvalidDigest`].
pub fn validate_digest(digest: &str) -> Result<(), PayloadError> {
    let invalid = || PayloadError::InvalidDigest(digest.to_owned());
    let (algorithm, hex) = digest.split_once(':').ok_or_else(invalid)?;
    let length = match algorithm {
        "sha256" => 64,
        "sha512" => 128,
        _ => return Err(invalid()),
    };
    if hex.len() == length && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        Ok(())
    } else {
        Err(invalid())
    }
}

/// A JSON string as Go's `encoding/json` writes it: `<`, `>`, `&`, U+2028 and U+2029 escaped as
/// `\u00XX`/`\u20XX`, control characters as `\n`, `\r`, `\t`, `\b`, `\f` or `\u00XX`.
fn go_string(out: &mut String, value: &str) {
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' | '\u{0}'..='\u{1f}' => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A JSON value as Go's `encoding/json` writes a `map[string]interface{}` tree: keys sorted,
/// compact.
fn go_value(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Value::String(s) => go_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                go_value(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (index, key) in keys.into_iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                go_string(out, key);
                out.push(':');
                go_value(out, &map[key]);
            }
            out.push('}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIGEST: &str = "sha256:fa93b01658e3a5a1686dc3ae55f170d8de487006fb53a28efcd12ab0710a2e5f";

    #[test]
    fn writes_cosign_layout() {
        let payload = SimpleSigning::new("r.example/a", DIGEST, &BTreeMap::new()).unwrap();
        assert_eq!(
            String::from_utf8(payload.to_bytes()).unwrap(),
            format!(
                r#"{{"critical":{{"identity":{{"docker-reference":"r.example/a"}},"image":{{"docker-manifest-digest":"{DIGEST}"}},"type":"cosign container image signature"}},"optional":null}}"#
            )
        );
        let annotations = BTreeMap::from([
            ("z".to_owned(), "<&>".to_owned()),
            ("a".to_owned(), "x\"y".to_owned()),
        ]);
        let payload = SimpleSigning::new("r.example/a", DIGEST, &annotations).unwrap();
        let bytes = payload.to_bytes();
        assert!(
            String::from_utf8(bytes.clone())
                .unwrap()
                .ends_with(r#""optional":{"a":"x\"y","z":"\u003c\u0026\u003e"}}"#)
        );
        assert_eq!(SimpleSigning::parse(&bytes).unwrap(), payload);
    }

    #[test]
    fn strict_parse() {
        let good = SimpleSigning::new("r/a", DIGEST, &BTreeMap::new())
            .unwrap()
            .to_bytes();
        let good = String::from_utf8(good).unwrap();
        for (bad, why) in [
            (good.replace("cosign container", "atomic container"), "type"),
            (good.replace(r#""type""#, r#""extra":1,"type""#), "unknown"),
            (good.replace("sha256:fa93", "sha256:FA93"), "digest"),
            (good.replace("sha256:", "md5:"), "digest"),
            (
                good.replace(r#","optional":null"#, r#","optional":1"#),
                "optional",
            ),
            (format!("{good} x"), "trailing"),
            ("{}".to_owned(), "empty"),
            ("&".to_owned(), "not json"),
            (
                good.replace(
                    r#"{"docker-reference":"r/a"}"#,
                    r#"{"docker-reference":"r/a","docker-reference":"r/b"}"#,
                ),
                "duplicate",
            ),
        ] {
            assert!(
                SimpleSigning::parse(bad.as_bytes()).is_err(),
                "{why}: {bad}"
            );
        }
    }

    #[test]
    fn verify_payload_reasons() {
        let annotations = BTreeMap::from([("env".to_owned(), "prod".to_owned())]);
        let payload = SimpleSigning::new("r.example:5000/a/b:1.0", DIGEST, &annotations)
            .unwrap()
            .to_bytes();
        let ok = |policy: &ReferencePolicy| verify_payload(&payload, DIGEST, policy, &[]);
        ok(&ReferencePolicy::Ignore).unwrap();
        ok(&ReferencePolicy::Exact("r.example:5000/a/b:1.0".into())).unwrap();
        ok(&ReferencePolicy::Repository("r.example:5000/a/b".into())).unwrap();
        assert!(matches!(
            ok(&ReferencePolicy::Repository("r.example:5000/a".into())),
            Err(PayloadError::ReferenceMismatch { .. })
        ));
        let other = DIGEST.replace("fa93", "0a93");
        assert!(matches!(
            verify_payload(&payload, &other, &ReferencePolicy::Ignore, &[]),
            Err(PayloadError::DigestMismatch { .. })
        ));
        verify_payload(
            &payload,
            DIGEST,
            &ReferencePolicy::Ignore,
            &[("env", "prod")],
        )
        .unwrap();
        let error = verify_payload(
            &payload,
            DIGEST,
            &ReferencePolicy::Ignore,
            &[("env", "dev")],
        )
        .unwrap_err();
        assert!(error.to_string().contains("\"prod\""), "{error}");
        let error = verify_payload(&payload, DIGEST, &ReferencePolicy::Ignore, &[("team", "x")])
            .unwrap_err();
        assert!(error.to_string().contains("no such annotation"), "{error}");
    }

    #[test]
    fn repositories() {
        assert_eq!(
            repository_of("localhost:5000/a/b:tag"),
            "localhost:5000/a/b"
        );
        assert_eq!(repository_of("localhost:5000/a/b"), "localhost:5000/a/b");
        assert_eq!(repository_of("a/b@sha256:00"), "a/b");
        assert_eq!(repository_of("a/b:t@sha256:00"), "a/b");
        assert_eq!(repository_of("alpine:3"), "alpine");
    }

    #[test]
    fn rejects_bad_inputs_to_new() {
        assert!(SimpleSigning::new("", DIGEST, &BTreeMap::new()).is_err());
        assert!(SimpleSigning::new("a\nb", DIGEST, &BTreeMap::new()).is_err());
        assert!(SimpleSigning::new("a", "sha256:abc", &BTreeMap::new()).is_err());
    }
}
