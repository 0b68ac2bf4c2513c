//! DSSE v1, the Dead Simple Signing Envelope that cosign's attestations and Sigstore bundles
//! carry.
//!
//! ref: <https://github.com/secure-systems-lab/dsse/blob/master/protocol.md>,
//! <https://github.com/secure-systems-lab/dsse/blob/master/envelope.md>
//!
//! A signature is made over the pre-authentication encoding of the payload type and the payload,
//! never over the payload alone:
//!
//! ```text
//! PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body
//! ```
//!
//! with `LEN` the byte length in ASCII decimal. The JSON envelope is
//!
//! ```json
//! {"payloadType":"<type>","payload":"<base64 body>","signatures":[{"keyid":"<hint>","sig":"<base64>"}]}
//! ```
//!
//! [`Envelope::to_json`] writes the fields in the order go-securesystemslib (and so cosign) does,
//! standard base64 with padding, and `keyid` always (cosign writes `""`). [`Envelope::from_json`]
//! reads what the spec allows: standard or URL-safe base64 with or without padding, `keyid`
//! missing or `null` (the same as empty), unknown fields ignored.
//!
//! `keyid` is an unauthenticated hint: [`Envelope::verify`] tries every key on every signature
//! and never trusts it.
//!
//! ```
//! use tollgate_sign::dsse::{Envelope, IN_TOTO_PAYLOAD_TYPE};
//! use tollgate_sign::keys::{KeyAlgorithm, SigningKey};
//!
//! let key = SigningKey::generate(KeyAlgorithm::EcdsaP256);
//! let envelope = Envelope::sign(IN_TOTO_PAYLOAD_TYPE, b"{}", &key, "");
//! let read = Envelope::from_json(&envelope.to_json()).unwrap();
//! assert_eq!(read.verify(&[key.verifying_key()]).unwrap(), vec![0]);
//! ```

use std::fmt::Write as _;

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde::{Deserialize, Serialize};

use crate::keys::{SigningKey, VerifyingKey};

/// The payload type of an in-toto statement (what cosign attestations and cosign 3 signatures
/// carry).
pub const IN_TOTO_PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";

/// The largest envelope [`Envelope::from_json`] reads, in bytes.
pub const MAX_ENVELOPE_SIZE: usize = 64 << 20;

/// The most signatures [`Envelope::from_json`] accepts on one envelope.
pub const MAX_SIGNATURES: usize = 64;

/// An envelope that cannot be read, or that does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DsseError {
    /// The input is larger than [`MAX_ENVELOPE_SIZE`].
    #[error("the DSSE envelope is {size} bytes, more than the {limit} bytes tollgate reads")]
    TooLarge {
        /// The input's size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// Not JSON, or not an envelope: a required field missing, a field of the wrong type.
    #[error(
        "not a DSSE envelope ({0}): expected {{\"payloadType\":…,\"payload\":…,\"signatures\":[…]}}"
    )]
    Malformed(String),
    /// A `payload` or `sig` that is not base64.
    #[error("the DSSE envelope's `{field}` is not base64 (standard or URL-safe): {reason}")]
    Base64 {
        /// Which field: `payload` or `signatures[i].sig`.
        field: String,
        /// What the decoder said.
        reason: String,
    },
    /// More signatures than [`MAX_SIGNATURES`].
    #[error("the DSSE envelope has {count} signatures, more than the {limit} tollgate reads")]
    TooManySignatures {
        /// How many the envelope has.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// The envelope has no signatures at all.
    #[error("the DSSE envelope has no signatures")]
    NoSignatures,
    /// [`Envelope::verify`] was given no keys.
    #[error("no keys to verify the DSSE envelope with")]
    NoKeys,
    /// The envelope is of another payload type than the caller reads.
    #[error("the DSSE envelope's payload type is `{actual}`, expected `{expected}`")]
    PayloadTypeMismatch {
        /// The payload type the caller reads.
        expected: String,
        /// The envelope's.
        actual: String,
    },
    /// None of the signatures verifies with any of the keys.
    #[error(
        "no signature on the DSSE envelope (payload type `{payload_type}`) verifies with any of \
         the {keys} key(s):{}",
        describe(.reasons)
    )]
    NoValidSignature {
        /// The envelope's payload type (it is part of what is signed).
        payload_type: String,
        /// How many keys were tried.
        keys: usize,
        /// One line per signature and key: why it did not verify.
        reasons: Vec<String>,
    },
}

fn describe(reasons: &[String]) -> String {
    let mut out = String::new();
    for reason in reasons {
        out.push_str("\n  ");
        out.push_str(reason);
    }
    out
}

/// One signature of an [`Envelope`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvelopeSignature {
    /// The signer's unauthenticated key hint (`""` when there is none, as cosign writes).
    pub keyid: String,
    /// The signature over [`pae`] of the envelope's payload type and payload, decoded.
    pub sig: Vec<u8>,
}

/// A DSSE envelope, with `payload` and the signatures decoded from base64.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// `payloadType`: how to read the payload (for in-toto, [`IN_TOTO_PAYLOAD_TYPE`]).
    pub payload_type: String,
    /// The payload bytes, exactly as signed.
    pub payload: Vec<u8>,
    /// The signatures, in envelope order.
    pub signatures: Vec<EnvelopeSignature>,
}

/// The pre-authentication encoding `"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`: the
/// bytes a DSSE signature is made over.
#[must_use]
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut header = String::with_capacity(payload_type.len() + 32);
    // Writing to a String cannot fail.
    let _ = write!(
        header,
        "DSSEv1 {} {payload_type} {} ",
        payload_type.len(),
        payload.len()
    );
    let mut out = header.into_bytes();
    out.extend_from_slice(payload);
    out
}

/// The JSON form, in go-securesystemslib's field order. Shared with [`crate::bundle`].
#[derive(Serialize, Deserialize)]
pub(crate) struct RawEnvelope {
    #[serde(rename = "payloadType", alias = "payload_type")]
    pub(crate) payload_type: String,
    pub(crate) payload: String,
    pub(crate) signatures: Vec<RawSignature>,
}

#[derive(Serialize, Deserialize)]
pub(crate) struct RawSignature {
    // Unset and null are the same as empty (envelope.md, "Parsing rules").
    #[serde(default, deserialize_with = "null_is_empty")]
    pub(crate) keyid: String,
    pub(crate) sig: String,
}

fn null_is_empty<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(deserializer)?.unwrap_or_default())
}

impl Envelope {
    /// An envelope over `payload` with one signature by `key` over its [`pae`]; `keyid` is the
    /// hint written beside it (cosign writes `""`).
    #[must_use]
    pub fn sign(payload_type: &str, payload: &[u8], key: &SigningKey, keyid: &str) -> Self {
        let mut envelope = Self {
            payload_type: payload_type.to_owned(),
            payload: payload.to_vec(),
            signatures: Vec::new(),
        };
        envelope.add_signature(key, keyid);
        envelope
    }

    /// Add a signature by `key` (for envelopes signed by several keys).
    pub fn add_signature(&mut self, key: &SigningKey, keyid: &str) {
        let sig = key.sign(&self.pae());
        self.signatures.push(EnvelopeSignature {
            keyid: keyid.to_owned(),
            sig,
        });
    }

    /// [`pae`] of this envelope's payload type and payload.
    #[must_use]
    pub fn pae(&self) -> Vec<u8> {
        pae(&self.payload_type, &self.payload)
    }

    /// The JSON envelope: `payloadType`, `payload` (standard base64), `signatures` with `keyid`
    /// and `sig` (standard base64), compact, as go-securesystemslib writes it.
    #[must_use]
    pub fn to_json(&self) -> Vec<u8> {
        to_json_bytes(&self.to_raw())
    }

    pub(crate) fn to_raw(&self) -> RawEnvelope {
        RawEnvelope {
            payload_type: self.payload_type.clone(),
            payload: STANDARD.encode(&self.payload),
            signatures: self
                .signatures
                .iter()
                .map(|signature| RawSignature {
                    keyid: signature.keyid.clone(),
                    sig: STANDARD.encode(&signature.sig),
                })
                .collect(),
        }
    }

    /// Read a JSON envelope (see the module documentation for what is accepted).
    ///
    /// # Errors
    /// [`DsseError::TooLarge`], [`DsseError::Malformed`], [`DsseError::Base64`],
    /// [`DsseError::NoSignatures`], [`DsseError::TooManySignatures`].
    pub fn from_json(json: &[u8]) -> Result<Self, DsseError> {
        if json.len() > MAX_ENVELOPE_SIZE {
            return Err(DsseError::TooLarge {
                size: json.len(),
                limit: MAX_ENVELOPE_SIZE,
            });
        }
        let raw: RawEnvelope = serde_json::from_slice(json)
            .map_err(|error| DsseError::Malformed(error.to_string()))?;
        Self::from_raw(raw)
    }

    pub(crate) fn from_raw(raw: RawEnvelope) -> Result<Self, DsseError> {
        if raw.signatures.is_empty() {
            return Err(DsseError::NoSignatures);
        }
        if raw.signatures.len() > MAX_SIGNATURES {
            return Err(DsseError::TooManySignatures {
                count: raw.signatures.len(),
                limit: MAX_SIGNATURES,
            });
        }
        let payload = decode_base64(&raw.payload).map_err(|reason| DsseError::Base64 {
            field: "payload".to_owned(),
            reason,
        })?;
        let signatures = raw
            .signatures
            .into_iter()
            .enumerate()
            .map(|(index, signature)| {
                let sig = decode_base64(&signature.sig).map_err(|reason| DsseError::Base64 {
                    field: format!("signatures[{index}].sig"),
                    reason,
                })?;
                Ok(EnvelopeSignature {
                    keyid: signature.keyid,
                    sig,
                })
            })
            .collect::<Result<_, DsseError>>()?;
        Ok(Self {
            payload_type: raw.payload_type,
            payload,
            signatures,
        })
    }

    /// Check that the envelope is of `expected` payload type (the DSSE protocol's "reject if
    /// PAYLOAD_TYPE is not a supported type"; it is authenticated only once [`Envelope::verify`]
    /// succeeds).
    ///
    /// # Errors
    /// [`DsseError::PayloadTypeMismatch`].
    pub fn expect_payload_type(&self, expected: &str) -> Result<(), DsseError> {
        if self.payload_type == expected {
            Ok(())
        } else {
            Err(DsseError::PayloadTypeMismatch {
                expected: expected.to_owned(),
                actual: self.payload_type.clone(),
            })
        }
    }

    /// The indices into `keys` of the distinct keys that made a valid signature over this
    /// envelope's [`pae`], ascending. Every signature is tried with every key; `keyid` is not
    /// consulted (it is not authenticated). A key that signed twice counts once, so callers
    /// can apply a threshold to the length.
    ///
    /// # Errors
    /// [`DsseError::NoKeys`], [`DsseError::NoSignatures`], and
    /// [`DsseError::NoValidSignature`] with the reason for every signature and key.
    pub fn verify(&self, keys: &[VerifyingKey]) -> Result<Vec<usize>, DsseError> {
        if keys.is_empty() {
            return Err(DsseError::NoKeys);
        }
        if self.signatures.is_empty() {
            return Err(DsseError::NoSignatures);
        }
        let message = self.pae();
        let mut valid = vec![false; keys.len()];
        let mut reasons = Vec::new();
        for (signature_index, signature) in self.signatures.iter().enumerate() {
            for (key_index, key) in keys.iter().enumerate() {
                match key.verify(&message, &signature.sig) {
                    Ok(()) => valid[key_index] = true,
                    Err(error) => reasons.push(format!(
                        "signature {signature_index}{}, key {key_index} ({}): {error}",
                        describe_keyid(&signature.keyid),
                        key.algorithm()
                    )),
                }
            }
        }
        let indices: Vec<usize> = valid
            .iter()
            .enumerate()
            .filter_map(|(index, ok)| ok.then_some(index))
            .collect();
        if indices.is_empty() {
            Err(DsseError::NoValidSignature {
                payload_type: self.payload_type.clone(),
                keys: keys.len(),
                reasons,
            })
        } else {
            Ok(indices)
        }
    }
}

fn describe_keyid(keyid: &str) -> String {
    if keyid.is_empty() {
        String::new()
    } else {
        format!(" (keyid `{keyid}`)")
    }
}

/// Standard base64 with padding, as Go and go-securesystemslib write it.
pub(crate) const STANDARD: GeneralPurpose = base64::engine::general_purpose::STANDARD;

const LENIENT: GeneralPurposeConfig =
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
const LENIENT_STANDARD: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, LENIENT);
const LENIENT_URL_SAFE: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, LENIENT);

/// Decode base64 in either alphabet (standard or URL-safe, not mixed), padded or not, as DSSE
/// and protobuf JSON allow; `\r` and `\n` are skipped, as Go's decoder does.
pub(crate) fn decode_base64(text: &str) -> Result<Vec<u8>, String> {
    let cleaned: String;
    let text = if text.contains(['\r', '\n']) {
        cleaned = text.chars().filter(|c| !matches!(c, '\r' | '\n')).collect();
        &cleaned
    } else {
        text
    };
    let url_safe = text.contains(['-', '_']);
    let engine = if url_safe {
        &LENIENT_URL_SAFE
    } else {
        &LENIENT_STANDARD
    };
    engine.decode(text).map_err(|error| {
        if url_safe && text.contains(['+', '/']) {
            "it mixes the standard (`+/`) and URL-safe (`-_`) alphabets".to_owned()
        } else {
            error.to_string()
        }
    })
}

/// Serialize a value whose serialization cannot fail (strings, numbers, sequences, string-keyed
/// maps and `serde_json::Value`s only).
pub(crate) fn to_json_bytes<T: Serialize>(value: &T) -> Vec<u8> {
    match serde_json::to_vec(value) {
        Ok(bytes) => bytes,
        // serde_json fails only for non-string map keys and failing Serialize impls, which
        // these types do not have.
        Err(error) => unreachable!("serializing JSON failed: {error}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{KeyAlgorithm, KeyError};
    use p256::pkcs8::EncodePrivateKey as _;

    /// The example in the DSSE protocol (protocol.md, "Test Vectors"): an ECDSA P-256 key with
    /// RFC 6979 deterministic nonces and its signature over the PAE of "hello world", raw `r||s`
    /// in base64. Checked independently with python's cryptography 48 (it verifies, and
    /// `deterministic_signing=True` reproduces it).
    const SPEC_D: &str = "d73ec437fd6346e3619c5ebfdfff0f6916804955ad32ac9ac492b0ede1f6ffb7";
    const SPEC_SIG_RAW: &str =
        "A3JqsQGtVsJ2O2xqrI5IcnXip5GToJ3F+FnZ+O88SjtR6rDAajabZKciJTfUiHqJPcIAriEGAHTVeCUjW2JIZA==";

    /// RFC 8032 section 7.1 TEST 1's Ed25519 secret key.
    const RFC8032_TEST1: &str = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";

    fn spec_key() -> SigningKey {
        let secret = p256::SecretKey::from_slice(&hex::decode(SPEC_D).unwrap()).unwrap();
        SigningKey::from_pkcs8_der(secret.to_pkcs8_der().unwrap().as_bytes()).unwrap()
    }

    fn ed25519_key() -> SigningKey {
        let seed: [u8; 32] = hex::decode(RFC8032_TEST1).unwrap().try_into().unwrap();
        let der = ed25519_dalek::SigningKey::from_bytes(&seed)
            .to_pkcs8_der()
            .unwrap();
        SigningKey::from_pkcs8_der(der.as_bytes()).unwrap()
    }

    fn raw_to_der(raw: &[u8]) -> Vec<u8> {
        p256::ecdsa::Signature::from_slice(raw)
            .unwrap()
            .to_der()
            .as_bytes()
            .to_vec()
    }

    #[test]
    fn pae_spec_vectors() {
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
        );
        // Lengths are bytes, not characters; an empty body keeps its trailing space.
        assert_eq!(pae("é", "ø".as_bytes()), "DSSEv1 2 é 2 ø".as_bytes());
        assert_eq!(
            pae(IN_TOTO_PAYLOAD_TYPE, b""),
            b"DSSEv1 28 application/vnd.in-toto+json 0 "
        );
        assert_eq!(pae("", b"x"), b"DSSEv1 0  1 x");
    }

    #[test]
    fn spec_example_signature() {
        let key = spec_key();
        let raw = STANDARD.decode(SPEC_SIG_RAW).unwrap();
        let envelope = Envelope {
            payload_type: "http://example.com/HelloWorld".to_owned(),
            payload: b"hello world".to_vec(),
            signatures: vec![EnvelopeSignature {
                keyid: "66301bbf".to_owned(),
                sig: raw_to_der(&raw),
            }],
        };
        assert_eq!(envelope.verify(&[key.verifying_key()]).unwrap(), vec![0]);
        // p256 signs with RFC 6979 nonces too, so it reproduces the spec's signature.
        let ours = Envelope::sign(
            "http://example.com/HelloWorld",
            b"hello world",
            &key,
            "66301bbf",
        );
        assert_eq!(ours, envelope);
    }

    #[test]
    fn ed25519_known_answer() {
        // Ed25519 is deterministic: RFC 8032 TEST 1's key over the PAE of a minimal in-toto
        // statement, computed independently with python's cryptography.
        let payload = br#"{"_type":"https://in-toto.io/Statement/v1"}"#;
        let envelope = Envelope::sign(IN_TOTO_PAYLOAD_TYPE, payload, &ed25519_key(), "A");
        let json = String::from_utf8(envelope.to_json()).unwrap();
        assert_eq!(
            json,
            r#"{"payloadType":"application/vnd.in-toto+json","payload":"eyJfdHlwZSI6Imh0dHBzOi8vaW4tdG90by5pby9TdGF0ZW1lbnQvdjEifQ==","signatures":[{"keyid":"A","sig":"2WAfaHm5jluo0w+0rk8uVkluELJYWjSmU9x7EUzx+AyteDGJ4/nqyJXfmAUVFIAoQafWm7AxBZNw5M9ixNHiCA=="}]}"#
        );
    }

    #[test]
    fn round_trips() {
        for algorithm in [KeyAlgorithm::EcdsaP256, KeyAlgorithm::Ed25519] {
            let key = SigningKey::generate(algorithm);
            let envelope = Envelope::sign(IN_TOTO_PAYLOAD_TYPE, b"{\"a\":1}", &key, "");
            let json = envelope.to_json();
            assert!(
                String::from_utf8(json.clone())
                    .unwrap()
                    .contains(r#"{"keyid":"","sig":""#)
            );
            let read = Envelope::from_json(&json).unwrap();
            assert_eq!(read, envelope);
            assert_eq!(read.verify(&[key.verifying_key()]).unwrap(), vec![0]);
        }
    }

    #[test]
    fn reads_what_the_spec_allows() {
        let key = ed25519_key();
        let envelope = Envelope::sign("t", b"\xfb\xff\xbf>?", &key, "");
        let sig = &envelope.signatures[0].sig;
        let url = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        for json in [
            // URL-safe without padding, keyid missing, an unknown field.
            format!(
                r#"{{"payload":"{}","payloadType":"t","signatures":[{{"sig":"{}"}}],"x":1}}"#,
                url.encode(&envelope.payload),
                url.encode(sig)
            ),
            // Standard without padding, keyid null, wrapped base64.
            format!(
                r#"{{"payload":"{}","payloadType":"t","signatures":[{{"keyid":null,"sig":"{}"}}]}}"#,
                base64::engine::general_purpose::STANDARD_NO_PAD.encode(&envelope.payload),
                STANDARD.encode(sig).replacen('A', "A\n", 1)
            ),
        ] {
            let read = Envelope::from_json(json.as_bytes()).unwrap();
            assert_eq!(read, envelope, "{json}");
            assert_eq!(read.verify(&[key.verifying_key()]).unwrap(), vec![0]);
        }
    }

    #[test]
    fn rejects_tampering() {
        let key = SigningKey::generate(KeyAlgorithm::EcdsaP256);
        let keys = [key.verifying_key()];
        let envelope = Envelope::sign(IN_TOTO_PAYLOAD_TYPE, b"{\"a\":1}", &key, "k");

        let mut payload = envelope.clone();
        payload.payload = b"{\"a\":2}".to_vec();
        let mut payload_type = envelope.clone();
        payload_type.payload_type = "application/json".to_owned();
        let mut truncated = envelope.clone();
        truncated.signatures[0].sig.pop();
        let mut empty_type = envelope.clone();
        empty_type.payload_type.clear();

        for (tampered, reason) in [
            (&payload, "signature verification failed"),
            (&payload_type, "signature verification failed"),
            (&empty_type, "signature verification failed"),
            (&truncated, "malformed signature"),
        ] {
            let error = tampered.verify(&keys).unwrap_err();
            let DsseError::NoValidSignature {
                payload_type,
                keys,
                reasons,
            } = &error
            else {
                panic!("{error:?}");
            };
            assert_eq!(payload_type, &tampered.payload_type);
            assert_eq!(*keys, 1);
            assert_eq!(reasons.len(), 1);
            assert!(
                reasons[0].starts_with("signature 0 (keyid `k`), key 0 (ECDSA P-256 SHA-256): ")
            );
            assert!(reasons[0].contains(reason), "{error}");
        }

        let other = SigningKey::generate(KeyAlgorithm::EcdsaP256).verifying_key();
        let ed25519 = ed25519_key().verifying_key();
        let error = envelope.verify(&[other, ed25519]).unwrap_err();
        assert!(
            matches!(&error, DsseError::NoValidSignature { keys: 2, reasons, .. } if reasons.len() == 2)
        );
        let message = error.to_string();
        assert!(
            message.contains("key 1 (Ed25519): malformed signature"),
            "{message}"
        );
        assert_eq!(envelope.verify(&[]), Err(DsseError::NoKeys));
    }

    #[test]
    fn distinct_keys_count_once() {
        let a = SigningKey::generate(KeyAlgorithm::EcdsaP256);
        let b = ed25519_key();
        let c = SigningKey::generate(KeyAlgorithm::Ed25519);
        let mut envelope = Envelope::sign("t", b"x", &a, "a");
        envelope.add_signature(&a, "a-again");
        envelope.add_signature(&b, "b");
        let keys = [c.verifying_key(), b.verifying_key(), a.verifying_key()];
        assert_eq!(envelope.verify(&keys).unwrap(), vec![1, 2]);
        assert_eq!(
            envelope
                .verify(&keys[..1])
                .unwrap_err()
                .to_string()
                .lines()
                .count(),
            4
        );
    }

    #[test]
    fn malformed_envelopes() {
        let key = SigningKey::generate(KeyAlgorithm::EcdsaP256);
        let good = String::from_utf8(Envelope::sign("t", b"x", &key, "").to_json()).unwrap();
        let sig = STANDARD.encode(&Envelope::sign("t", b"x", &key, "").signatures[0].sig);
        let many = vec![format!(r#"{{"sig":"{sig}"}}"#); MAX_SIGNATURES + 1].join(",");
        for (json, expected) in [
            ("".to_owned(), "not a DSSE envelope"),
            ("[]".to_owned(), "not a DSSE envelope"),
            (
                good.replace(r#""payload":"#, r#""body":"#),
                "missing field `payload`",
            ),
            (
                good.replace(r#""payloadType":"t","#, ""),
                "missing field `payloadType`",
            ),
            (
                good.replace(r#""keyid":"","#, r#""keyid":1,"#),
                "not a DSSE envelope",
            ),
            (
                good.replace(r#""payload":"eA=="#, r#""payload":"e!=="#),
                "`payload` is not base64",
            ),
            (
                good.replace(r#""sig":""#, r#""sig":"-+"#),
                "`signatures[0].sig` is not base64 (standard or URL-safe): it mixes",
            ),
            (
                good.replace(&format!(r#"[{{"keyid":"","sig":"{sig}"}}]"#), "[]"),
                "no signatures",
            ),
            (
                good.replace(
                    &format!(r#"[{{"keyid":"","sig":"{sig}"}}]"#),
                    &format!("[{many}]"),
                ),
                "has 65 signatures, more than the 64",
            ),
            (
                good.replace(
                    r#""payloadType":"t""#,
                    r#""payloadType":"t","payloadType":"u""#,
                ),
                "duplicate field",
            ),
        ] {
            let error = Envelope::from_json(json.as_bytes()).unwrap_err();
            assert!(error.to_string().contains(expected), "{json}: {error}");
        }
        let huge = vec![b' '; MAX_ENVELOPE_SIZE + 1];
        assert_eq!(
            Envelope::from_json(&huge),
            Err(DsseError::TooLarge {
                size: MAX_ENVELOPE_SIZE + 1,
                limit: MAX_ENVELOPE_SIZE
            })
        );
    }

    #[test]
    fn payload_type_check() {
        let envelope = Envelope::sign("t", b"x", &ed25519_key(), "");
        envelope.expect_payload_type("t").unwrap();
        assert_eq!(
            envelope.expect_payload_type(IN_TOTO_PAYLOAD_TYPE),
            Err(DsseError::PayloadTypeMismatch {
                expected: IN_TOTO_PAYLOAD_TYPE.to_owned(),
                actual: "t".to_owned()
            })
        );
    }

    #[test]
    fn key_errors_are_reported_not_swallowed() {
        // A key error's text is in the reason line, so the caller sees why.
        let key = ed25519_key();
        let mut envelope = Envelope::sign("t", b"x", &key, "");
        envelope.signatures[0].sig = vec![0; 64];
        let error = envelope.verify(&[key.verifying_key()]).unwrap_err();
        assert!(
            error
                .to_string()
                .contains(&KeyError::InvalidSignature.to_string())
        );
    }
}
