//! Verifying simple-signing signatures against trusted keys: the signature over the exact
//! payload bytes first, then the payload's claims (manifest digest, reference, annotations),
//! then a threshold of distinct keys.

use std::fmt;

use crate::attached::{Candidate, Found};
use crate::dsse::{Envelope, IN_TOTO_PAYLOAD_TYPE};
use crate::intoto::{COSIGN_SIGN_PREDICATE, Statement};
use crate::keys::VerifyingKey;
use crate::legacy::SignedPayload;
use crate::simple_signing::{ReferencePolicy, SimpleSigning, check_claims};

/// A signature that verified, and what it says.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    /// Index into the `keys` passed to [`verify_signatures`] of the key that verified it.
    pub key_index: usize,
    /// Where the signature came from ([`SignedPayload::source`]).
    pub source: String,
    /// What it claims (for a bundle: the statement's subject as a payload).
    pub payload: SimpleSigning,
    /// Which layout it was found in.
    pub layout: SignatureLayout,
}

/// The layout a signature was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureLayout {
    /// A `sha256-<hex>.sig` layer.
    Legacy,
    /// A Sigstore bundle referrer.
    Bundle,
}

impl SignatureLayout {
    /// `legacy` or `bundle`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Legacy => "legacy",
            Self::Bundle => "bundle",
        }
    }
}

/// Why a candidate signature was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// Where it came from.
    pub source: String,
    /// Why.
    pub reason: String,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.source, self.reason)
    }
}

/// Verification failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The threshold cannot be met by the keys given (0, or more than there are keys).
    #[error(
        "threshold {threshold} is impossible with {keys} key(s): it must be between 1 and the number of keys"
    )]
    BadThreshold {
        /// The threshold asked for.
        threshold: usize,
        /// The number of keys.
        keys: usize,
    },
    /// Fewer distinct keys than the threshold signed this image.
    #[error(
        "{found} of the required {threshold} key(s) signed this image{}",
        describe(.rejections)
    )]
    NotEnough {
        /// Distinct keys with a valid signature.
        found: usize,
        /// Required.
        threshold: usize,
        /// Every candidate not accepted, with its reason.
        rejections: Vec<Rejection>,
    },
}

fn describe(rejections: &[Rejection]) -> String {
    if rejections.is_empty() {
        return ": no signatures found".to_owned();
    }
    let mut out = String::from(":");
    for rejection in rejections {
        out.push_str("\n  ");
        out.push_str(&rejection.to_string());
    }
    out
}

/// Verify `candidates` (payload + signature pairs from `.sig` layers) for the image whose
/// manifest digest is `manifest_digest`. A candidate is accepted when one of `keys` verifies its
/// signature over the exact payload bytes and the payload passes [`crate::verify_payload`]. Succeeds
/// when at least `threshold` distinct keys have an accepted signature; returns the accepted ones
/// (one per candidate, the first key that verified it).
///
/// `unreadable` are candidates that could not even be read (a layer without its annotation, a
/// blob that does not match), reported among the rejections.
///
/// # Errors
/// [`VerifyError::BadThreshold`], [`VerifyError::NotEnough`] with every rejection's reason.
pub fn verify_signatures(
    candidates: &[SignedPayload],
    unreadable: &[Rejection],
    keys: &[VerifyingKey],
    manifest_digest: &str,
    reference: &ReferencePolicy,
    required_annotations: &[(&str, &str)],
    threshold: usize,
) -> Result<Vec<Verified>, VerifyError> {
    let candidates: Vec<Candidate> = candidates
        .iter()
        .cloned()
        .map(Candidate::SimpleSigning)
        .collect();
    verify_image_signatures(
        &Found {
            candidates,
            unreadable: unreadable.to_vec(),
        },
        keys,
        manifest_digest,
        reference,
        required_annotations,
        threshold,
    )
}

/// Verify the image signatures [`crate::attached::find`] collected, from either layout: a
/// simple-signing payload from a `.sig` layer, or a DSSE envelope (from a bundle referrer) over
/// an in-toto statement of predicate type [`COSIGN_SIGN_PREDICATE`] whose subject is the image.
/// Either way the signature is checked over the exact bytes, then the claims (digest,
/// reference, annotations) with [`check_claims`], then the threshold of distinct keys.
///
/// # Errors
/// [`VerifyError::BadThreshold`], [`VerifyError::NotEnough`] with every rejection's reason.
pub fn verify_image_signatures(
    found: &Found,
    keys: &[VerifyingKey],
    manifest_digest: &str,
    reference: &ReferencePolicy,
    required_annotations: &[(&str, &str)],
    threshold: usize,
) -> Result<Vec<Verified>, VerifyError> {
    tally(found, keys, threshold, |candidate| {
        let (signers, claims, format) = match candidate {
            Candidate::SimpleSigning(signed) => {
                let key_index = verifying_key(keys, &signed.payload, &signed.signature)?;
                let claims = SimpleSigning::parse(&signed.payload)
                    .map_err(|error| format!("signature valid, but {error}"))?;
                (vec![key_index], claims, SignatureLayout::Legacy)
            }
            Candidate::Envelope { envelope, .. } => {
                let signers = envelope.verify(keys).map_err(|error| error.to_string())?;
                let statement = signed_statement(envelope)?;
                statement
                    .check(manifest_digest, Some(COSIGN_SIGN_PREDICATE))
                    .map_err(|error| format!("signature valid, but {error}"))?;
                let claims = statement
                    .claims(manifest_digest)
                    .map_err(|error| format!("signature valid, but {error}"))?;
                if claims.docker_reference.is_empty() && *reference != ReferencePolicy::Ignore {
                    return Err(
                        "signature valid, but its statement names no reference to check \
                         (verify with the reference ignored to accept it)"
                            .to_owned(),
                    );
                }
                (signers, claims, SignatureLayout::Bundle)
            }
        };
        check_claims(&claims, manifest_digest, reference, required_annotations)
            .map_err(|error| format!("signature valid, but {error}"))?;
        Ok((signers, (claims, format)))
    })
    .map(|accepted| {
        accepted
            .into_iter()
            .map(|(key_index, source, (payload, layout))| Verified {
                key_index,
                source,
                payload,
                layout,
            })
            .collect()
    })
}

/// An attestation that verified.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedAttestation {
    /// Index into the keys of the key that verified it.
    pub key_index: usize,
    /// Where it came from.
    pub source: String,
    /// The statement, parsed.
    pub statement: Statement,
}

/// Verify the attestations [`crate::attached::find`] collected: the envelope's signature over
/// PAE(payloadType, payload) by one of `keys`, the payload an in-toto statement whose subject
/// is `manifest_digest` and whose predicate type is `predicate_type` (when given).
///
/// # Errors
/// [`VerifyError::BadThreshold`], [`VerifyError::NotEnough`] with every rejection's reason.
pub fn verify_attestations(
    found: &Found,
    keys: &[VerifyingKey],
    manifest_digest: &str,
    predicate_type: Option<&str>,
    threshold: usize,
) -> Result<Vec<VerifiedAttestation>, VerifyError> {
    tally(found, keys, threshold, |candidate| {
        let Candidate::Envelope { envelope, .. } = candidate else {
            return Err("not an attestation".to_owned());
        };
        let signers = envelope.verify(keys).map_err(|error| error.to_string())?;
        let statement = signed_statement(envelope)?;
        statement
            .check(manifest_digest, predicate_type)
            .map_err(|error| format!("signature valid, but {error}"))?;
        Ok((signers, statement))
    })
    .map(|accepted| {
        accepted
            .into_iter()
            .map(|(key_index, source, statement)| VerifiedAttestation {
                key_index,
                source,
                statement,
            })
            .collect()
    })
}

/// The first key that verifies `signature` over `payload`.
fn verifying_key(keys: &[VerifyingKey], payload: &[u8], signature: &[u8]) -> Result<usize, String> {
    let mut last_key_error = None;
    let key_index = keys.iter().position(|key| {
        key.verify(payload, signature)
            .map_err(|error| last_key_error = Some(error))
            .is_ok()
    });
    key_index.ok_or_else(|| match (keys.len(), last_key_error) {
        (1, Some(error)) => error.to_string(),
        (_, Some(error)) => format!("no trusted key verifies it (last: {error})"),
        (_, None) => "no trusted key verifies it".to_owned(),
    })
}

/// The in-toto statement inside a verified envelope.
fn signed_statement(envelope: &Envelope) -> Result<Statement, String> {
    envelope
        .expect_payload_type(IN_TOTO_PAYLOAD_TYPE)
        .map_err(|error| format!("signature valid, but {error}"))?;
    Statement::parse(&envelope.payload).map_err(|error| format!("signature valid, but {error}"))
}

/// Check every candidate with `check` (which returns the keys that signed it and what it
/// claims), and accept when `threshold` distinct keys signed an accepted candidate.
fn tally<T>(
    found: &Found,
    keys: &[VerifyingKey],
    threshold: usize,
    mut check: impl FnMut(&Candidate) -> Result<(Vec<usize>, T), String>,
) -> Result<Vec<(usize, String, T)>, VerifyError> {
    if threshold == 0 || threshold > keys.len() {
        return Err(VerifyError::BadThreshold {
            threshold,
            keys: keys.len(),
        });
    }
    let mut accepted = Vec::new();
    let mut rejections = found.unreadable.clone();
    let mut signed_by = vec![false; keys.len()];
    for candidate in &found.candidates {
        match check(candidate) {
            Ok((signers, claims)) => {
                for signer in &signers {
                    if let Some(signed) = signed_by.get_mut(*signer) {
                        *signed = true;
                    }
                }
                let key_index = signers.first().copied().unwrap_or_default();
                accepted.push((key_index, candidate.source().to_owned(), claims));
            }
            Err(reason) => rejections.push(Rejection {
                source: candidate.source().to_owned(),
                reason,
            }),
        }
    }
    let count = signed_by.iter().filter(|signed| **signed).count();
    if count >= threshold {
        Ok(accepted)
    } else {
        Err(VerifyError::NotEnough {
            found: count,
            threshold,
            rejections,
        })
    }
}
