//! Verifying simple-signing signatures against trusted keys: the signature over the exact
//! payload bytes first, then the payload's claims (manifest digest, reference, annotations),
//! then a threshold of distinct keys.

use std::fmt;

use crate::keys::VerifyingKey;
use crate::legacy::SignedPayload;
use crate::simple_signing::{ReferencePolicy, SimpleSigning, verify_payload};

/// A signature that verified, and what it says.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    /// Index into the `keys` passed to [`verify_signatures`] of the key that verified it.
    pub key_index: usize,
    /// Where the signature came from ([`SignedPayload::source`]).
    pub source: String,
    /// The payload, parsed.
    pub payload: SimpleSigning,
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

/// Verify `candidates` (payload + signature pairs, from any layout) for the image whose manifest
/// digest is `manifest_digest`. A candidate is accepted when one of `keys` verifies its signature
/// over the exact payload bytes and the payload passes [`verify_payload`]. Succeeds when at least
/// `threshold` distinct keys have an accepted signature; returns the accepted ones (one per
/// candidate, the first key that verified it).
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
    if threshold == 0 || threshold > keys.len() {
        return Err(VerifyError::BadThreshold {
            threshold,
            keys: keys.len(),
        });
    }
    let mut verified = Vec::new();
    let mut rejections = unreadable.to_vec();
    let mut signed_by = vec![false; keys.len()];
    for candidate in candidates {
        let reject = |reason: String| Rejection {
            source: candidate.source.clone(),
            reason,
        };
        let mut last_key_error = None;
        let key_index = keys.iter().position(|key| {
            key.verify(&candidate.payload, &candidate.signature)
                .map_err(|error| last_key_error = Some(error))
                .is_ok()
        });
        let Some(key_index) = key_index else {
            let reason = match (keys.len(), last_key_error) {
                (1, Some(error)) => error.to_string(),
                (_, Some(error)) => format!("no trusted key verifies it (last: {error})"),
                (_, None) => "no trusted key verifies it".to_owned(),
            };
            rejections.push(reject(reason));
            continue;
        };
        match verify_payload(
            &candidate.payload,
            manifest_digest,
            reference,
            required_annotations,
        ) {
            Ok(payload) => {
                signed_by[key_index] = true;
                verified.push(Verified {
                    key_index,
                    source: candidate.source.clone(),
                    payload,
                });
            }
            Err(error) => rejections.push(reject(format!("signature valid, but {error}"))),
        }
    }
    let found = signed_by.iter().filter(|signed| **signed).count();
    if found >= threshold {
        Ok(verified)
    } else {
        Err(VerifyError::NotEnough {
            found,
            threshold,
            rejections,
        })
    }
}
