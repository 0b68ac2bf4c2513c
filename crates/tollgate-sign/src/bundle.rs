//! Sigstore bundles (v0.3 written; v0.1 to v0.3 read): the JSON file or OCI layer cosign 3
//! writes a signature in, with what is needed to verify it.
//!
//! ref: <https://github.com/sigstore/protobuf-specs/blob/main/protos/sigstore_bundle.proto>, in
//! the protobuf JSON mapping (lowerCamelCase names, bytes as base64, enums by name, empty fields
//! left out).
//!
//! With a key and no transparency log or timestamp authority, cosign 3 writes
//!
//! ```json
//! {"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json",
//!  "verificationMaterial":{"publicKey":{"hint":"<base64 SHA-256 of the SPKI DER>"}},
//!  "dsseEnvelope":{"payload":"…","payloadType":"application/vnd.in-toto+json","signatures":[{"sig":"…"}]}}
//! ```
//!
//! for `cosign sign` and `cosign attest` (an in-toto statement; see [`crate::intoto`]), or
//! `"messageSignature":{"messageDigest":{"algorithm":"SHA2_256","digest":"…"},"signature":"…"}`
//! for `cosign sign-blob`. There is no `tlogEntries` member (protobuf JSON leaves an empty list
//! out), and no `keyid` on the DSSE signature (cosign 3 sets none, and an empty string is left
//! out). The hint is what sigstore-go's `sign.Keypair` and cosign's `SignerVerifierKeypair` put
//! there: [`key_hint`].
//!
//! Transparency-log entries, timestamps and certificates are read and written back as they are,
//! but not verified: tollgate verifies bundles against keys ([`Bundle::verify_envelope`],
//! [`Bundle::verify_message`]).

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest as _, Sha256};

use crate::dsse::{
    DsseError, Envelope, MAX_ENVELOPE_SIZE, RawEnvelope, STANDARD, decode_base64, to_json_bytes,
};
use crate::keys::{SigningKey, VerifyingKey};

/// The media type of the bundles tollgate writes (v0.3).
pub const BUNDLE_MEDIA_TYPE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";

/// The bundle media types [`Bundle::from_json`] reads: v0.1 and v0.2 in their original form, and
/// v0.3 in both forms sigstore-go accepts.
pub const READ_MEDIA_TYPES: &[&str] = &[
    "application/vnd.dev.sigstore.bundle+json;version=0.1",
    "application/vnd.dev.sigstore.bundle+json;version=0.2",
    "application/vnd.dev.sigstore.bundle+json;version=0.3",
    BUNDLE_MEDIA_TYPE,
];

/// The largest bundle [`Bundle::from_json`] reads, in bytes.
pub const MAX_BUNDLE_SIZE: usize = MAX_ENVELOPE_SIZE;

/// The protobuf JSON name of `HashAlgorithm.SHA2_256`.
const SHA2_256: &str = "SHA2_256";
/// Its number, which protobuf JSON readers also accept.
const SHA2_256_NUMBER: u64 = 1;

/// A bundle that cannot be read, or whose signature does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BundleError {
    /// The input is larger than [`MAX_BUNDLE_SIZE`].
    #[error("the Sigstore bundle is {size} bytes, more than the {limit} bytes tollgate reads")]
    TooLarge {
        /// The input's size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// Not JSON, or not a bundle: a required field missing, a field of the wrong type, an unknown
    /// field (protobuf JSON readers reject those too).
    #[error("not a Sigstore bundle ({0})")]
    Malformed(String),
    /// A media type tollgate does not read.
    #[error(
        "unsupported Sigstore bundle media type `{found}`: tollgate reads bundle versions 0.1 to \
         0.3 (`{BUNDLE_MEDIA_TYPE}`)"
    )]
    UnsupportedMediaType {
        /// The bundle's `mediaType`.
        found: String,
    },
    /// `verificationMaterial` names no signer, or more than one kind.
    #[error("the Sigstore bundle's verificationMaterial {0}")]
    VerificationMaterial(&'static str),
    /// Neither `messageSignature` nor `dsseEnvelope`, or both.
    #[error("the Sigstore bundle has {0}: it must have exactly one")]
    Content(&'static str),
    /// A bytes field that is not base64.
    #[error("the Sigstore bundle's `{field}` is not base64: {reason}")]
    Base64 {
        /// The field (`messageSignature.signature`, …).
        field: &'static str,
        /// What the decoder said.
        reason: String,
    },
    /// A message digest other than SHA-256, or none.
    #[error(
        "the Sigstore bundle's message digest algorithm is {algorithm}: tollgate reads SHA2_256"
    )]
    UnsupportedDigestAlgorithm {
        /// The algorithm, described (`"SHA2_512"`, `none`).
        algorithm: String,
    },
    /// A SHA-256 digest that is not 32 bytes.
    #[error("the Sigstore bundle's SHA-256 message digest is {length} bytes, not 32")]
    DigestLength {
        /// Its length.
        length: usize,
    },
    /// The DSSE envelope inside is malformed or does not verify.
    #[error("the Sigstore bundle's DSSE envelope")]
    Envelope(#[source] DsseError),
    /// The bundle holds the other kind of signature than the one asked to verify.
    #[error("the Sigstore bundle holds a {actual}, not a {expected}")]
    WrongContent {
        /// What the caller verifies.
        expected: &'static str,
        /// What the bundle holds.
        actual: &'static str,
    },
    /// The message digest in the bundle is not the SHA-256 of the message being verified.
    #[error(
        "the Sigstore bundle signs a message with SHA-256 {actual}, but this one's is {expected}: \
         the bundle is for another file"
    )]
    DigestMismatch {
        /// The SHA-256 of the message being verified, hex.
        expected: String,
        /// The digest in the bundle, hex.
        actual: String,
    },
    /// No keys were given to verify with.
    #[error("no keys to verify the Sigstore bundle with")]
    NoKeys,
    /// The message signature verifies with none of the keys.
    #[error(
        "the Sigstore bundle's message signature verifies with none of the {keys} key(s):{}",
        describe(.reasons)
    )]
    NoValidSignature {
        /// How many keys were tried.
        keys: usize,
        /// One line per key: why it did not verify.
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

/// What a bundle signs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BundleContent {
    /// `dsseEnvelope`: a DSSE envelope (cosign 3 image signatures and attestations).
    Dsse(Envelope),
    /// `messageSignature`: a signature over a file (`cosign sign-blob`).
    MessageSignature {
        /// `messageDigest`: the SHA-256 of the file (32 bytes).
        digest_sha256: Vec<u8>,
        /// The signature over the file: ECDSA P-256 over its SHA-256 (ASN.1 DER), or Ed25519.
        signature: Vec<u8>,
    },
}

impl BundleContent {
    fn kind(&self) -> &'static str {
        match self {
            Self::Dsse(_) => "DSSE envelope",
            Self::MessageSignature { .. } => "message signature",
        }
    }
}

/// A Sigstore bundle.
#[derive(Debug, Clone, PartialEq)]
pub struct Bundle {
    /// `mediaType`: [`BUNDLE_MEDIA_TYPE`] for the bundles tollgate writes.
    pub media_type: String,
    /// `verificationMaterial.publicKey.hint`: `Some` when the signer is named by a public key
    /// (`Some("")` for a key without a hint). Not authenticated: only a hint at which key to try.
    pub key_hint: Option<String>,
    /// The signer's certificate chain (DER, leaf first) when it is named by certificates
    /// (`certificate` or `x509CertificateChain`): keyless signing, which tollgate does not
    /// verify.
    pub certificates: Vec<Vec<u8>>,
    /// `verificationMaterial.tlogEntries`, as read (not verified).
    pub tlog_entries: Vec<Value>,
    /// `verificationMaterial.timestampVerificationData`, as read (not verified).
    pub timestamp_verification_data: Option<Value>,
    /// The signature.
    pub content: BundleContent,
}

/// The hint cosign 3 and sigstore-go put in `verificationMaterial.publicKey.hint` for a key:
/// standard base64 of the SHA-256 of its SPKI DER.
#[must_use]
pub fn key_hint(key: &VerifyingKey) -> String {
    // The SPKI encoder does not fail for a valid key (`VerifyingKey`'s Debug relies on the same).
    // Were it to, the hint would be wrong, which is harmless: a hint is never trusted, every key
    // is tried.
    let spki = key.to_spki_der().unwrap_or_default();
    STANDARD.encode(Sha256::digest(spki))
}

impl Bundle {
    /// A v0.3 bundle holding `envelope`, naming `key` by its [`key_hint`] (as cosign 3 writes
    /// without a transparency log).
    #[must_use]
    pub fn with_envelope(envelope: Envelope, key: &VerifyingKey) -> Self {
        Self::new(key, BundleContent::Dsse(envelope))
    }

    /// A v0.3 bundle holding `key`'s signature over `message` and its SHA-256, as `cosign
    /// sign-blob --bundle` writes with an ECDSA P-256 key. (For Ed25519 keys cosign signs with
    /// Ed25519ph and a SHA-512 digest; tollgate signs with pure Ed25519, so only tollgate
    /// verifies those.)
    #[must_use]
    pub fn with_message_signature(message: &[u8], key: &SigningKey) -> Self {
        let content = BundleContent::MessageSignature {
            digest_sha256: Sha256::digest(message).to_vec(),
            signature: key.sign(message),
        };
        Self::new(&key.verifying_key(), content)
    }

    fn new(key: &VerifyingKey, content: BundleContent) -> Self {
        Self {
            media_type: BUNDLE_MEDIA_TYPE.to_owned(),
            key_hint: Some(key_hint(key)),
            certificates: Vec::new(),
            tlog_entries: Vec::new(),
            timestamp_verification_data: None,
            content,
        }
    }

    /// The DSSE envelope, if that is what the bundle holds.
    #[must_use]
    pub fn envelope(&self) -> Option<&Envelope> {
        match &self.content {
            BundleContent::Dsse(envelope) => Some(envelope),
            BundleContent::MessageSignature { .. } => None,
        }
    }

    /// The bundle as compact protobuf JSON, members in the order of the proto fields, empty
    /// ones left out.
    #[must_use]
    pub fn to_json(&self) -> Vec<u8> {
        let (certificate, chain) = match self.certificates.as_slice() {
            [] => (None, None),
            [leaf] if self.media_type == BUNDLE_MEDIA_TYPE => (
                Some(OutCertificate {
                    raw_bytes: STANDARD.encode(leaf),
                }),
                None,
            ),
            chain => (
                None,
                Some(OutChain {
                    certificates: chain
                        .iter()
                        .map(|der| OutCertificate {
                            raw_bytes: STANDARD.encode(der),
                        })
                        .collect(),
                }),
            ),
        };
        let (message_signature, dsse_envelope) = match &self.content {
            BundleContent::Dsse(envelope) => (None, Some(OutEnvelope::from(envelope))),
            BundleContent::MessageSignature {
                digest_sha256,
                signature,
            } => (
                Some(OutMessageSignature {
                    message_digest: OutHash {
                        algorithm: SHA2_256,
                        digest: STANDARD.encode(digest_sha256),
                    },
                    signature: STANDARD.encode(signature),
                }),
                None,
            ),
        };
        to_json_bytes(&OutBundle {
            media_type: &self.media_type,
            verification_material: OutMaterial {
                public_key: self.key_hint.as_deref().map(|hint| OutPublicKey { hint }),
                x509_certificate_chain: chain,
                certificate,
                tlog_entries: &self.tlog_entries,
                timestamp_verification_data: self.timestamp_verification_data.as_ref(),
            },
            message_signature,
            dsse_envelope,
        })
    }

    /// Read a bundle of a media type in [`READ_MEDIA_TYPES`].
    ///
    /// # Errors
    /// [`BundleError::TooLarge`], [`BundleError::Malformed`],
    /// [`BundleError::UnsupportedMediaType`], [`BundleError::VerificationMaterial`],
    /// [`BundleError::Content`], [`BundleError::Base64`],
    /// [`BundleError::UnsupportedDigestAlgorithm`], [`BundleError::DigestLength`], and
    /// [`BundleError::Envelope`] for a malformed DSSE envelope.
    pub fn from_json(json: &[u8]) -> Result<Self, BundleError> {
        if json.len() > MAX_BUNDLE_SIZE {
            return Err(BundleError::TooLarge {
                size: json.len(),
                limit: MAX_BUNDLE_SIZE,
            });
        }
        let raw: RawBundle = serde_json::from_slice(json)
            .map_err(|error| BundleError::Malformed(error.to_string()))?;
        if !READ_MEDIA_TYPES.contains(&raw.media_type.as_str()) {
            return Err(BundleError::UnsupportedMediaType {
                found: raw.media_type,
            });
        }
        let material = raw.verification_material;
        let (key_hint, certificates) = match (
            material.public_key,
            material.x509_certificate_chain,
            material.certificate,
        ) {
            (Some(public_key), None, None) => {
                (Some(public_key.hint.unwrap_or_default()), Vec::new())
            }
            (None, Some(chain), None) => (None, decode_certificates(chain.certificates)?),
            (None, None, Some(certificate)) => (None, decode_certificates(vec![certificate])?),
            (None, None, None) => {
                return Err(BundleError::VerificationMaterial(
                    "names no signer: it has none of publicKey, x509CertificateChain and \
                         certificate",
                ));
            }
            _ => {
                return Err(BundleError::VerificationMaterial(
                    "names more than one signer: it has more than one of publicKey, \
                         x509CertificateChain and certificate",
                ));
            }
        };
        let content = match (raw.message_signature, raw.dsse_envelope) {
            (Some(message_signature), None) => message_signature.decode()?,
            (None, Some(envelope)) => {
                BundleContent::Dsse(Envelope::from_raw(envelope).map_err(BundleError::Envelope)?)
            }
            (None, None) => {
                return Err(BundleError::Content(
                    "neither messageSignature nor dsseEnvelope",
                ));
            }
            (Some(_), Some(_)) => {
                return Err(BundleError::Content(
                    "both messageSignature and dsseEnvelope",
                ));
            }
        };
        Ok(Self {
            media_type: raw.media_type,
            key_hint,
            certificates,
            tlog_entries: material.tlog_entries.unwrap_or_default(),
            timestamp_verification_data: material.timestamp_verification_data,
            content,
        })
    }

    /// Verify the bundle's DSSE envelope against `keys` ([`Envelope::verify`]): the indices of
    /// the distinct keys with a valid signature. The payload still has to be checked (its type,
    /// and for in-toto [`crate::intoto::Statement::check`]).
    ///
    /// # Errors
    /// [`BundleError::WrongContent`] for a message signature, [`BundleError::Envelope`] when it
    /// does not verify.
    pub fn verify_envelope(&self, keys: &[VerifyingKey]) -> Result<Vec<usize>, BundleError> {
        match &self.content {
            BundleContent::Dsse(envelope) => envelope.verify(keys).map_err(BundleError::Envelope),
            content => Err(BundleError::WrongContent {
                expected: "DSSE envelope",
                actual: content.kind(),
            }),
        }
    }

    /// Verify the bundle's message signature over `message` against `keys`: its digest must be
    /// the SHA-256 of `message`, and the signature must verify over `message`. Returns the
    /// indices of the keys it verifies with.
    ///
    /// # Errors
    /// [`BundleError::WrongContent`] for a DSSE envelope, [`BundleError::NoKeys`],
    /// [`BundleError::DigestMismatch`], [`BundleError::NoValidSignature`].
    pub fn verify_message(
        &self,
        message: &[u8],
        keys: &[VerifyingKey],
    ) -> Result<Vec<usize>, BundleError> {
        let BundleContent::MessageSignature {
            digest_sha256,
            signature,
        } = &self.content
        else {
            return Err(BundleError::WrongContent {
                expected: "message signature",
                actual: self.content.kind(),
            });
        };
        if keys.is_empty() {
            return Err(BundleError::NoKeys);
        }
        let digest = Sha256::digest(message);
        if digest.as_slice() != digest_sha256.as_slice() {
            return Err(BundleError::DigestMismatch {
                expected: hex::encode(digest),
                actual: hex::encode(digest_sha256),
            });
        }
        let mut valid = Vec::new();
        let mut reasons = Vec::new();
        for (index, key) in keys.iter().enumerate() {
            match key.verify(message, signature) {
                Ok(()) => valid.push(index),
                Err(error) => reasons.push(format!("key {index} ({}): {error}", key.algorithm())),
            }
        }
        if valid.is_empty() {
            Err(BundleError::NoValidSignature {
                keys: keys.len(),
                reasons,
            })
        } else {
            Ok(valid)
        }
    }
}

fn decode_certificates(certificates: Vec<RawCertificate>) -> Result<Vec<Vec<u8>>, BundleError> {
    if certificates.is_empty() {
        return Err(BundleError::VerificationMaterial(
            "has an empty x509CertificateChain",
        ));
    }
    certificates
        .into_iter()
        .map(|certificate| {
            decode_base64(&certificate.raw_bytes).map_err(|reason| BundleError::Base64 {
                field: "verificationMaterial certificate rawBytes",
                reason,
            })
        })
        .collect()
}

// Reading. Protobuf JSON readers accept the proto field names as well as the lowerCamelCase
// ones, and reject unknown fields; so do these. Opaque parts (log entries, timestamps) are kept
// as JSON values.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBundle {
    #[serde(rename = "mediaType", alias = "media_type")]
    media_type: String,
    #[serde(rename = "verificationMaterial", alias = "verification_material")]
    verification_material: RawMaterial,
    #[serde(rename = "messageSignature", alias = "message_signature", default)]
    message_signature: Option<RawMessageSignature>,
    #[serde(rename = "dsseEnvelope", alias = "dsse_envelope", default)]
    dsse_envelope: Option<RawEnvelope>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMaterial {
    #[serde(rename = "publicKey", alias = "public_key", default)]
    public_key: Option<RawPublicKey>,
    #[serde(
        rename = "x509CertificateChain",
        alias = "x509_certificate_chain",
        default
    )]
    x509_certificate_chain: Option<RawChain>,
    #[serde(default)]
    certificate: Option<RawCertificate>,
    #[serde(rename = "tlogEntries", alias = "tlog_entries", default)]
    tlog_entries: Option<Vec<Value>>,
    #[serde(
        rename = "timestampVerificationData",
        alias = "timestamp_verification_data",
        default
    )]
    timestamp_verification_data: Option<Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPublicKey {
    #[serde(default)]
    hint: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChain {
    #[serde(default)]
    certificates: Vec<RawCertificate>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCertificate {
    #[serde(rename = "rawBytes", alias = "raw_bytes")]
    raw_bytes: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMessageSignature {
    #[serde(rename = "messageDigest", alias = "message_digest", default)]
    message_digest: Option<RawHash>,
    signature: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHash {
    // An enum: by name or by number; unset is HASH_ALGORITHM_UNSPECIFIED.
    #[serde(default)]
    algorithm: Option<Value>,
    #[serde(default)]
    digest: String,
}

impl RawMessageSignature {
    fn decode(self) -> Result<BundleContent, BundleError> {
        let Some(hash) = self.message_digest else {
            return Err(BundleError::UnsupportedDigestAlgorithm {
                algorithm: "none (no messageDigest)".to_owned(),
            });
        };
        match &hash.algorithm {
            Some(Value::String(name)) if name == SHA2_256 => {}
            Some(Value::Number(number)) if number.as_u64() == Some(SHA2_256_NUMBER) => {}
            None => {
                return Err(BundleError::UnsupportedDigestAlgorithm {
                    algorithm: "unspecified".to_owned(),
                });
            }
            Some(other) => {
                return Err(BundleError::UnsupportedDigestAlgorithm {
                    algorithm: other.to_string(),
                });
            }
        }
        let digest_sha256 = decode_base64(&hash.digest).map_err(|reason| BundleError::Base64 {
            field: "messageSignature.messageDigest.digest",
            reason,
        })?;
        if digest_sha256.len() != 32 {
            return Err(BundleError::DigestLength {
                length: digest_sha256.len(),
            });
        }
        let signature = decode_base64(&self.signature).map_err(|reason| BundleError::Base64 {
            field: "messageSignature.signature",
            reason,
        })?;
        Ok(BundleContent::MessageSignature {
            digest_sha256,
            signature,
        })
    }
}

// Writing, in proto field order.

#[derive(Serialize)]
struct OutBundle<'a> {
    #[serde(rename = "mediaType")]
    media_type: &'a str,
    #[serde(rename = "verificationMaterial")]
    verification_material: OutMaterial<'a>,
    #[serde(rename = "messageSignature", skip_serializing_if = "Option::is_none")]
    message_signature: Option<OutMessageSignature>,
    #[serde(rename = "dsseEnvelope", skip_serializing_if = "Option::is_none")]
    dsse_envelope: Option<OutEnvelope>,
}

#[derive(Serialize)]
struct OutMaterial<'a> {
    #[serde(rename = "publicKey", skip_serializing_if = "Option::is_none")]
    public_key: Option<OutPublicKey<'a>>,
    #[serde(
        rename = "x509CertificateChain",
        skip_serializing_if = "Option::is_none"
    )]
    x509_certificate_chain: Option<OutChain>,
    #[serde(skip_serializing_if = "Option::is_none")]
    certificate: Option<OutCertificate>,
    #[serde(rename = "tlogEntries", skip_serializing_if = "<[Value]>::is_empty")]
    tlog_entries: &'a [Value],
    #[serde(
        rename = "timestampVerificationData",
        skip_serializing_if = "Option::is_none"
    )]
    timestamp_verification_data: Option<&'a Value>,
}

#[derive(Serialize)]
struct OutPublicKey<'a> {
    #[serde(skip_serializing_if = "str::is_empty")]
    hint: &'a str,
}

#[derive(Serialize)]
struct OutChain {
    certificates: Vec<OutCertificate>,
}

#[derive(Serialize)]
struct OutCertificate {
    #[serde(rename = "rawBytes")]
    raw_bytes: String,
}

#[derive(Serialize)]
struct OutMessageSignature {
    #[serde(rename = "messageDigest")]
    message_digest: OutHash,
    signature: String,
}

#[derive(Serialize)]
struct OutHash {
    algorithm: &'static str,
    digest: String,
}

#[derive(Serialize)]
struct OutEnvelope {
    payload: String,
    #[serde(rename = "payloadType")]
    payload_type: String,
    signatures: Vec<OutSignature>,
}

#[derive(Serialize)]
struct OutSignature {
    sig: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    keyid: String,
}

impl From<&Envelope> for OutEnvelope {
    fn from(envelope: &Envelope) -> Self {
        Self {
            payload: STANDARD.encode(&envelope.payload),
            payload_type: envelope.payload_type.clone(),
            signatures: envelope
                .signatures
                .iter()
                .map(|signature| OutSignature {
                    sig: STANDARD.encode(&signature.sig),
                    keyid: signature.keyid.clone(),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsse::IN_TOTO_PAYLOAD_TYPE;
    use crate::intoto::{COSIGN_SIGN_PREDICATE, Statement};
    use crate::keys::KeyAlgorithm;

    const HEX: &str = "fa93b01658e3a5a1686dc3ae55f170d8de487006fb53a28efcd12ab0710a2e5f";

    fn signed_statement(key: &SigningKey) -> Envelope {
        let statement = Statement::new(
            "registry.example/app",
            HEX,
            COSIGN_SIGN_PREDICATE,
            serde_json::json!({}),
        );
        Envelope::sign(IN_TOTO_PAYLOAD_TYPE, &statement.to_bytes(), key, "")
    }

    #[test]
    fn writes_what_cosign_3_writes() {
        let key = SigningKey::generate(KeyAlgorithm::EcdsaP256);
        let envelope = signed_statement(&key);
        let bundle = Bundle::with_envelope(envelope.clone(), &key.verifying_key());
        let json = String::from_utf8(bundle.to_json()).unwrap();
        let hint = key_hint(&key.verifying_key());
        assert_eq!(
            json,
            format!(
                r#"{{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{{"publicKey":{{"hint":"{hint}"}}}},"dsseEnvelope":{{"payload":"{}","payloadType":"application/vnd.in-toto+json","signatures":[{{"sig":"{}"}}]}}}}"#,
                STANDARD.encode(&envelope.payload),
                STANDARD.encode(&envelope.signatures[0].sig)
            )
        );
        let read = Bundle::from_json(json.as_bytes()).unwrap();
        assert_eq!(read, bundle);
        assert_eq!(
            read.verify_envelope(&[key.verifying_key()]).unwrap(),
            vec![0]
        );
        let statement = Statement::parse(&read.envelope().unwrap().payload).unwrap();
        statement
            .check(&format!("sha256:{HEX}"), Some(COSIGN_SIGN_PREDICATE))
            .unwrap();
    }

    #[test]
    fn key_hint_is_base64_sha256_of_spki() {
        let key = SigningKey::generate(KeyAlgorithm::Ed25519).verifying_key();
        let hint = key_hint(&key);
        let digest = STANDARD.decode(&hint).unwrap();
        assert_eq!(digest, Sha256::digest(key.to_spki_der().unwrap()).to_vec());
        assert_eq!(hint.len(), 44);
    }

    #[test]
    fn message_signature_round_trip_and_reasons() {
        for algorithm in [KeyAlgorithm::EcdsaP256, KeyAlgorithm::Ed25519] {
            let key = SigningKey::generate(algorithm);
            let bundle = Bundle::with_message_signature(b"a file", &key);
            let json = bundle.to_json();
            assert!(String::from_utf8(json.clone()).unwrap().contains(
                r#""messageSignature":{"messageDigest":{"algorithm":"SHA2_256","digest":""#
            ));
            let read = Bundle::from_json(&json).unwrap();
            assert_eq!(read, bundle);
            let other = SigningKey::generate(KeyAlgorithm::EcdsaP256).verifying_key();
            assert_eq!(
                read.verify_message(b"a file", &[other.clone(), key.verifying_key()])
                    .unwrap(),
                vec![1]
            );
            let error = read.verify_message(b"a file", &[other]).unwrap_err();
            assert!(
                matches!(&error, BundleError::NoValidSignature { keys: 1, reasons } if reasons.len() == 1),
                "{error:?}"
            );
            assert_eq!(
                read.verify_message(b"another file", &[key.verifying_key()]),
                Err(BundleError::DigestMismatch {
                    expected: hex::encode(Sha256::digest(b"another file")),
                    actual: hex::encode(Sha256::digest(b"a file")),
                })
            );
            assert_eq!(
                read.verify_message(b"a file", &[]),
                Err(BundleError::NoKeys)
            );
            assert_eq!(
                read.verify_envelope(&[key.verifying_key()]),
                Err(BundleError::WrongContent {
                    expected: "DSSE envelope",
                    actual: "message signature"
                })
            );
        }
    }

    #[test]
    fn a_digest_that_matches_does_not_excuse_a_bad_signature() {
        let key = SigningKey::generate(KeyAlgorithm::EcdsaP256);
        let mut bundle = Bundle::with_message_signature(b"a file", &key);
        if let BundleContent::MessageSignature { signature, .. } = &mut bundle.content {
            *signature = key.sign(b"another file");
        }
        assert!(matches!(
            bundle.verify_message(b"a file", &[key.verifying_key()]),
            Err(BundleError::NoValidSignature { .. })
        ));
    }

    #[test]
    fn dsse_verification_failures_keep_their_cause() {
        let key = SigningKey::generate(KeyAlgorithm::EcdsaP256);
        let mut envelope = signed_statement(&key);
        envelope.payload.push(b' ');
        let bundle = Bundle::with_envelope(envelope, &key.verifying_key());
        let error = bundle.verify_envelope(&[key.verifying_key()]).unwrap_err();
        assert!(matches!(
            &error,
            BundleError::Envelope(DsseError::NoValidSignature { .. })
        ));
        assert!(
            std::error::Error::source(&error)
                .unwrap()
                .to_string()
                .contains("signature verification failed")
        );
        assert!(matches!(
            bundle.verify_message(b"x", &[key.verifying_key()]),
            Err(BundleError::WrongContent { .. })
        ));
    }

    #[test]
    fn reads_older_media_types_proto_names_and_other_material() {
        let key = SigningKey::generate(KeyAlgorithm::EcdsaP256);
        let envelope = signed_statement(&key);
        let dsse = String::from_utf8(
            Bundle::with_envelope(envelope.clone(), &key.verifying_key()).to_json(),
        )
        .unwrap();
        let dsse_part = &dsse[dsse.find(r#""dsseEnvelope""#).unwrap()..dsse.len() - 1];
        let certificate = STANDARD.encode(b"not really DER");
        for (media_type, material) in [
            (
                "application/vnd.dev.sigstore.bundle+json;version=0.1",
                r#""publicKey":{"hint":"h"},"tlogEntries":[{"logIndex":"1"}]"#.to_owned(),
            ),
            (
                "application/vnd.dev.sigstore.bundle+json;version=0.2",
                format!(
                    r#""x509CertificateChain":{{"certificates":[{{"rawBytes":"{certificate}"}},{{"rawBytes":"{certificate}"}}]}}"#
                ),
            ),
            (
                "application/vnd.dev.sigstore.bundle+json;version=0.3",
                r#""public_key":{},"timestamp_verification_data":{"rfc3161Timestamps":[]}"#
                    .to_owned(),
            ),
            (
                BUNDLE_MEDIA_TYPE,
                format!(r#""certificate":{{"rawBytes":"{certificate}"}},"tlogEntries":[]"#),
            ),
        ] {
            let json = format!(
                r#"{{"mediaType":"{media_type}","verificationMaterial":{{{material}}},{dsse_part}}}"#
            );
            let bundle = Bundle::from_json(json.as_bytes()).unwrap();
            assert_eq!(bundle.media_type, media_type);
            assert_eq!(bundle.envelope(), Some(&envelope));
            assert_eq!(
                bundle.verify_envelope(&[key.verifying_key()]).unwrap(),
                vec![0]
            );
            // What was read is written back (an empty tlogEntries list is left out).
            let again = Bundle::from_json(&bundle.to_json()).unwrap();
            assert_eq!(again, bundle, "{json}");
        }
        let v01 = Bundle::from_json(
            format!(
                r#"{{"media_type":"{}","verification_material":{{"publicKey":{{"hint":"h"}},"tlogEntries":[{{"logIndex":"1"}}]}},{dsse_part}}}"#,
                READ_MEDIA_TYPES[0]
            )
            .as_bytes(),
        )
        .unwrap();
        assert_eq!(v01.key_hint.as_deref(), Some("h"));
        assert_eq!(v01.tlog_entries, vec![serde_json::json!({"logIndex":"1"})]);
    }

    #[test]
    fn malformed_bundles() {
        let key = SigningKey::generate(KeyAlgorithm::EcdsaP256);
        let good = String::from_utf8(Bundle::with_message_signature(b"x", &key).to_json()).unwrap();
        let dsse = String::from_utf8(
            Bundle::with_envelope(signed_statement(&key), &key.verifying_key()).to_json(),
        )
        .unwrap();
        let dsse_part = &dsse[dsse.find(r#""dsseEnvelope""#).unwrap()..dsse.len() - 1];
        let both = format!("{},{dsse_part}}}", &good[..good.len() - 1]);
        let material = &good
            [good.find(r#"{"publicKey""#).unwrap()..good.find(r#","messageSignature""#).unwrap()];
        let neither = good[..good.find(r#","messageSignature""#).unwrap()].to_owned() + "}";
        for (json, expected) in [
            ("{".to_owned(), "not a Sigstore bundle"),
            (
                good.replace("v0.3", "v0.4"),
                "unsupported Sigstore bundle media type `application/vnd.dev.sigstore.bundle.v0.4+json`",
            ),
            (
                good.replace(r#""mediaType""#, r#""extra":1,"mediaType""#),
                "unknown field `extra`",
            ),
            (good.replace(material, "{}"), "names no signer"),
            (
                good.replace(
                    material,
                    r#"{"publicKey":{},"certificate":{"rawBytes":"AA=="}}"#,
                ),
                "names more than one signer",
            ),
            (
                good.replace(material, r#"{"x509CertificateChain":{"certificates":[]}}"#),
                "empty x509CertificateChain",
            ),
            (neither, "neither messageSignature nor dsseEnvelope"),
            (both, "both messageSignature and dsseEnvelope"),
            (
                good.replace("SHA2_256", "SHA2_512"),
                r#"algorithm is "SHA2_512""#,
            ),
            (
                good.replace(r#""algorithm":"SHA2_256","#, ""),
                "algorithm is unspecified",
            ),
            (
                good.replace(
                    r#"{"algorithm":"SHA2_256","digest":""#,
                    r#"{"algorithm":"SHA2_256","digest":"AAAA"#,
                ),
                "is 35 bytes, not 32",
            ),
            (
                good.replace(r#""signature":""#, r#""signature":"!"#),
                "`messageSignature.signature` is not base64",
            ),
            (
                dsse.replace(r#""payloadType""#, r#""payload_type":"x","payloadType""#),
                "duplicate field",
            ),
        ] {
            let error = Bundle::from_json(json.as_bytes()).unwrap_err();
            assert!(error.to_string().contains(expected), "{json}: {error}");
        }
        // Numbers for enums, as protobuf JSON allows.
        Bundle::from_json(good.replace(r#""SHA2_256""#, "1").as_bytes()).unwrap();
        // The DSSE envelope's own errors come through with their cause.
        let error = Bundle::from_json(dsse.replace(r#""payload":""#, r#""payload":"!"#).as_bytes())
            .unwrap_err();
        assert!(
            matches!(error, BundleError::Envelope(DsseError::Base64 { .. })),
            "{error:?}"
        );
        let huge = vec![b' '; MAX_BUNDLE_SIZE + 1];
        assert!(matches!(
            Bundle::from_json(&huge),
            Err(BundleError::TooLarge { .. })
        ));
    }
}
