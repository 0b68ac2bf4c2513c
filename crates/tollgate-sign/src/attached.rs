//! Signatures and attestations attached to an image in an [`ArtifactStore`] (a registry
//! repository or an OCI layout), in both layouts the ecosystem reads:
//!
//! - legacy tags: `sha256-<hex>.sig` (one simple-signing layer per signature, read by
//!   containers/image, Harbor and older policy engines) and `sha256-<hex>.att` (one DSSE layer
//!   per attestation);
//! - Sigstore bundles v0.3 attached as OCI 1.1 referrers of the image (what cosign 3 writes):
//!   an image signature is a DSSE envelope over an in-toto statement whose predicate type is
//!   [`COSIGN_SIGN_PREDICATE`], an attestation one over the user's statement.
//!
//! Writing appends: signatures already there, whoever made them, stay. Reading collects every
//! candidate from both layouts without trusting any of it; [`crate::verify`] decides.
//!
//! ref: <https://github.com/sigstore/cosign/blob/main/specs/SIGNATURE_SPEC.md>
//! ref: <https://github.com/sigstore/cosign/blob/main/specs/BUNDLE_SPEC.md>

use std::collections::BTreeMap;

use serde_json::{Value, json};
use tollgate_oci::store::{ArtifactStore, Descriptor, StoredManifest};
use tollgate_oci::{Digest, media_type};

use crate::bundle::{BUNDLE_MEDIA_TYPE, Bundle, BundleContent, READ_MEDIA_TYPES};
use crate::dsse::{Envelope, IN_TOTO_PAYLOAD_TYPE};
use crate::intoto::{COSIGN_SIGN_PREDICATE, Statement};
use crate::keys::SigningKey;
use crate::legacy::{
    self, AttachedEnvelope, OCI_MANIFEST_MEDIA_TYPE, SignatureArtifact, SignedPayload,
};
use crate::simple_signing::SimpleSigning;
use crate::verify::Rejection;

/// The OCI empty descriptor's content, the config of every bundle manifest.
const EMPTY_CONFIG: &[u8] = b"{}";
const EMPTY_MEDIA_TYPE: &str = "application/vnd.oci.empty.v1+json";
/// Manifest annotations of a bundle referrer (cosign's bundle spec).
const CONTENT_ANNOTATION: &str = "dev.sigstore.bundle.content";
const PREDICATE_ANNOTATION: &str = "dev.sigstore.bundle.predicateType";
const CREATED_ANNOTATION: &str = "org.opencontainers.image.created";
const TITLE_ANNOTATION: &str = "org.opencontainers.image.title";
/// Bounds on what a hostile store can make a verifier read.
const MAX_SIGNATURE_BLOB: u64 = 1024 * 1024;
const MAX_ATTESTATION_BLOB: u64 = 64 * 1024 * 1024;
const MAX_LAYERS: usize = 256;
const MAX_REFERRERS: usize = 256;

/// Where signatures are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureFormat {
    /// The `sha256-<hex>.sig` / `.att` tags only.
    Legacy,
    /// Sigstore bundle referrers only.
    Bundle,
    /// Both (the default).
    Both,
}

impl SignatureFormat {
    fn legacy(self) -> bool {
        matches!(self, Self::Legacy | Self::Both)
    }

    fn bundle(self) -> bool {
        matches!(self, Self::Bundle | Self::Both)
    }
}

/// Errors of storing or collecting signatures.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AttachError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] tollgate_oci::Error),
    /// An existing signature manifest cannot be extended or read.
    #[error("{location}: {reason}")]
    Existing {
        /// The tag or digest.
        location: String,
        /// Why.
        reason: String,
    },
    /// The payload could not be made.
    #[error("cannot make the signed payload: {0}")]
    Payload(String),
}

/// What was written, one entry per layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    /// `legacy` or `bundle`.
    pub layout: &'static str,
    /// The tag (legacy) or the referrer manifest's digest (bundle).
    pub location: String,
    /// `false` when the same signature was there already.
    pub added: bool,
}

/// What to sign.
#[derive(Debug, Clone)]
pub struct SignRequest<'a> {
    /// The image's `docker-reference` (repository, as cosign writes it).
    pub docker_reference: &'a str,
    /// `-a key=value` annotations.
    pub annotations: &'a BTreeMap<String, String>,
    /// Where to write.
    pub format: SignatureFormat,
    /// RFC 3339 time for the bundle manifest's `org.opencontainers.image.created`.
    pub created: &'a str,
}

/// Sign `subject` (the manifest or index the image reference resolves to) with `key` and store
/// the signature in `store`, in the layouts `request.format` names.
///
/// # Errors
/// [`AttachError`]: the store, an existing `.sig` manifest that is not a manifest.
pub fn sign_image(
    store: &ArtifactStore,
    subject: &StoredManifest,
    key: &SigningKey,
    request: &SignRequest<'_>,
) -> Result<Vec<Placed>, AttachError> {
    let digest = subject.digest.to_string();
    let mut placed = Vec::new();
    if request.format.legacy() {
        let payload = SimpleSigning::new(request.docker_reference, &digest, request.annotations)
            .map_err(|error| AttachError::Payload(error.to_string()))?
            .to_bytes();
        let signature = key.sign(&payload);
        let tag = legacy::signature_tag(&digest)
            .map_err(|error| AttachError::Payload(error.to_string()))?;
        let existing = store.manifest(&tag)?;
        let artifact = match &existing {
            Some(existing) => legacy::append_signature(&existing.bytes, &payload, &signature),
            None => legacy::new_signature_manifest(&payload, &signature),
        }
        .map_err(|error| existing_error(&tag, &error))?;
        placed.push(push_tagged(store, &tag, &artifact)?);
    }
    if request.format.bundle() {
        let mut statement = Statement::new(
            request.docker_reference,
            subject.digest.hex(),
            COSIGN_SIGN_PREDICATE,
            json!({}),
        );
        statement.set_subject_annotations(request.annotations);
        placed.push(push_bundle(
            store,
            subject,
            key,
            &statement,
            request.created,
        )?);
    }
    Ok(placed)
}

/// Attach `statement` (whose subject is `subject`), signed with `key` in a DSSE envelope, in
/// the layouts `format` names: a layer of the `.att` manifest, and a bundle referrer.
///
/// # Errors
/// [`AttachError`]: the store, an existing `.att` manifest that is not a manifest.
pub fn attest_image(
    store: &ArtifactStore,
    subject: &StoredManifest,
    key: &SigningKey,
    statement: &Statement,
    format: SignatureFormat,
    created: &str,
) -> Result<Vec<Placed>, AttachError> {
    let digest = subject.digest.to_string();
    let mut placed = Vec::new();
    if format.legacy() {
        let envelope = Envelope::sign(IN_TOTO_PAYLOAD_TYPE, &statement.to_bytes(), key, "");
        let tag = legacy::attestation_tag(&digest)
            .map_err(|error| AttachError::Payload(error.to_string()))?;
        let existing = store.manifest(&tag)?;
        let artifact = legacy::add_attestation(
            existing.as_ref().map(|existing| existing.bytes.as_slice()),
            &envelope.to_json(),
            &statement.predicate_type,
        )
        .map_err(|error| existing_error(&tag, &error))?;
        placed.push(push_tagged(store, &tag, &artifact)?);
    }
    if format.bundle() {
        placed.push(push_bundle(store, subject, key, statement, created)?);
    }
    Ok(placed)
}

fn existing_error(tag: &str, error: &dyn std::fmt::Display) -> AttachError {
    AttachError::Existing {
        location: format!("the existing `{tag}`"),
        reason: format!("{error}; delete the tag or use --signature-format bundle"),
    }
}

/// Push a legacy manifest's new blobs, then the manifest under its tag.
fn push_tagged(
    store: &ArtifactStore,
    tag: &str,
    artifact: &SignatureArtifact,
) -> Result<Placed, AttachError> {
    if artifact.added {
        if let Some(payload) = &artifact.payload {
            store.push_blob(payload)?;
        }
        store.push_blob(&artifact.config)?;
        store.push_manifest(&artifact.manifest_bytes, OCI_MANIFEST_MEDIA_TYPE, Some(tag))?;
    }
    Ok(Placed {
        layout: "legacy",
        location: tag.to_owned(),
        added: artifact.added,
    })
}

/// Sign `statement` into a bundle and attach it to `subject` as a referrer.
fn push_bundle(
    store: &ArtifactStore,
    subject: &StoredManifest,
    key: &SigningKey,
    statement: &Statement,
    created: &str,
) -> Result<Placed, AttachError> {
    let envelope = Envelope::sign(IN_TOTO_PAYLOAD_TYPE, &statement.to_bytes(), key, "");
    let bundle = Bundle::with_envelope(envelope, &key.verifying_key()).to_json();
    let bundle_digest = store.push_blob(&bundle)?;
    store.push_blob(EMPTY_CONFIG)?;
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": media_type::OCI_MANIFEST,
        "artifactType": BUNDLE_MEDIA_TYPE,
        "config": Descriptor::of(EMPTY_MEDIA_TYPE, EMPTY_CONFIG),
        "layers": [{
            "mediaType": BUNDLE_MEDIA_TYPE,
            "size": bundle.len(),
            "digest": bundle_digest.to_string(),
            "annotations": {
                TITLE_ANNOTATION: format!("{}-{}.sigstore.json", bundle_digest.algorithm().name(), bundle_digest.hex()),
            },
        }],
        "subject": {
            "mediaType": subject.media_type,
            "size": subject.bytes.len(),
            "digest": subject.digest.to_string(),
        },
        "annotations": {
            CONTENT_ANNOTATION: "dsse-envelope",
            PREDICATE_ANNOTATION: statement.predicate_type,
            CREATED_ANNOTATION: created,
        },
    });
    let manifest =
        serde_json::to_vec(&manifest).map_err(|error| AttachError::Payload(error.to_string()))?;
    let digest = store.push_referrer(&manifest, &subject.digest)?;
    Ok(Placed {
        layout: "bundle",
        location: digest.to_string(),
        added: true,
    })
}

/// An unverified signature found beside an image.
#[derive(Debug, Clone)]
pub enum Candidate {
    /// A simple-signing payload and its signature, from a `.sig` layer.
    SimpleSigning(SignedPayload),
    /// A DSSE envelope, from an `.att` layer or a bundle referrer.
    Envelope {
        /// The envelope.
        envelope: Envelope,
        /// Where it came from.
        source: String,
    },
}

impl Candidate {
    /// Where it came from, for messages.
    #[must_use]
    pub fn source(&self) -> &str {
        match self {
            Self::SimpleSigning(signed) => &signed.source,
            Self::Envelope { source, .. } => source,
        }
    }
}

/// Everything found: candidates, and what could not even be read (each with its reason).
#[derive(Debug, Clone, Default)]
pub struct Found {
    /// Signatures or attestations to verify.
    pub candidates: Vec<Candidate>,
    /// Layers or referrers that could not be read.
    pub unreadable: Vec<Rejection>,
}

/// Which artifacts to collect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Image signatures: the `.sig` tag, and bundles whose statement is a cosign signature.
    Signatures,
    /// Attestations: the `.att` tag, and the other bundles.
    Attestations,
}

/// Collect the signatures or attestations of the image whose manifest digest is `subject`,
/// from both layouts. Nothing is verified here but that each blob matches its descriptor.
///
/// # Errors
/// [`AttachError::Store`] when the store cannot be read at all.
pub fn find(store: &ArtifactStore, subject: &Digest, kind: Kind) -> Result<Found, AttachError> {
    let mut found = Found::default();
    let digest = subject.to_string();
    let tag = match kind {
        Kind::Signatures => legacy::signature_tag(&digest),
        Kind::Attestations => legacy::attestation_tag(&digest),
    }
    .map_err(|error| AttachError::Payload(error.to_string()))?;
    if let Some(manifest) = store.manifest(&tag)? {
        collect_tagged(store, &tag, &manifest.bytes, kind, &mut found);
    }
    let referrers = store.referrers(subject)?;
    let bundles = referrers.iter().filter(|descriptor| {
        descriptor
            .artifact_type()
            .is_some_and(|artifact_type| READ_MEDIA_TYPES.contains(&artifact_type))
    });
    for descriptor in bundles.take(MAX_REFERRERS) {
        let source = format!("bundle referrer {}", descriptor.digest);
        match read_bundle(store, descriptor, subject) {
            Ok(envelope) => {
                let is_signature =
                    envelope_predicate(&envelope).as_deref() == Some(COSIGN_SIGN_PREDICATE);
                if is_signature == (kind == Kind::Signatures) {
                    found
                        .candidates
                        .push(Candidate::Envelope { envelope, source });
                }
            }
            Err(reason) => found.unreadable.push(Rejection { source, reason }),
        }
    }
    Ok(found)
}

fn collect_tagged(
    store: &ArtifactStore,
    tag: &str,
    manifest: &[u8],
    kind: Kind,
    found: &mut Found,
) {
    let mut fetched = 0usize;
    let mut fetch = |descriptor: &Descriptor| -> Result<Vec<u8>, String> {
        fetched += 1;
        if fetched > MAX_LAYERS {
            return Err(format!(
                "more than {MAX_LAYERS} layers; the rest are not read"
            ));
        }
        let digest: Digest = descriptor
            .digest
            .parse()
            .map_err(|error| format!("{error}"))?;
        let limit = match kind {
            Kind::Signatures => MAX_SIGNATURE_BLOB,
            Kind::Attestations => MAX_ATTESTATION_BLOB,
        };
        store
            .blob(&digest, limit)
            .map_err(|error| error.to_string())
    };
    // Each layer gives a candidate or the reason it cannot be one; a manifest that cannot be
    // read at all gives one reason.
    let layers: Result<Vec<Result<Candidate, String>>, String> = match kind {
        Kind::Signatures => legacy::extract_signatures(manifest, &mut fetch).map(|layers| {
            layers
                .into_iter()
                .map(|layer| {
                    let mut signed = layer.map_err(|error| error.to_string())?;
                    signed.source = format!("`{tag}` {}", signed.source);
                    Ok(Candidate::SimpleSigning(signed))
                })
                .collect()
        }),
        Kind::Attestations => legacy::extract_attestations(manifest, &mut fetch).map(|layers| {
            layers
                .into_iter()
                .map(|layer| {
                    let AttachedEnvelope {
                        envelope, source, ..
                    } = layer.map_err(|error| error.to_string())?;
                    let envelope =
                        Envelope::from_json(&envelope).map_err(|error| error.to_string())?;
                    Ok(Candidate::Envelope {
                        envelope,
                        source: format!("`{tag}` {source}"),
                    })
                })
                .collect()
        }),
    }
    .map_err(|error| error.to_string());
    for layer in layers.unwrap_or_else(|reason| vec![Err(reason)]) {
        match layer {
            Ok(candidate) => found.candidates.push(candidate),
            Err(reason) => found.unreadable.push(Rejection {
                source: format!("`{tag}`"),
                reason,
            }),
        }
    }
}

/// Read a bundle referrer: its manifest (which must name `subject`, whatever the index said),
/// its bundle layer, and the DSSE envelope inside.
fn read_bundle(
    store: &ArtifactStore,
    descriptor: &Descriptor,
    subject: &Digest,
) -> Result<Envelope, String> {
    let manifest = store
        .manifest(&descriptor.digest)
        .map_err(|error| error.to_string())?
        .ok_or_else(|| "the manifest is listed but does not exist".to_owned())?;
    let parsed: Value = serde_json::from_slice(&manifest.bytes)
        .map_err(|error| format!("the manifest is not JSON: {error}"))?;
    let named = parsed.pointer("/subject/digest").and_then(Value::as_str);
    if named != Some(subject.to_string().as_str()) {
        return Err(format!(
            "its manifest's subject is {}, not this image",
            named.unwrap_or("missing")
        ));
    }
    let layer: Descriptor = parsed
        .pointer("/layers/0")
        .cloned()
        .and_then(|layer| serde_json::from_value(layer).ok())
        .ok_or_else(|| "the manifest has no bundle layer".to_owned())?;
    if !READ_MEDIA_TYPES.contains(&layer.media_type.as_str()) {
        return Err(format!(
            "its layer has media type \"{}\", not a Sigstore bundle",
            layer.media_type
        ));
    }
    let digest: Digest = layer.digest.parse().map_err(|error| format!("{error}"))?;
    let bytes = store
        .blob(&digest, MAX_ATTESTATION_BLOB)
        .map_err(|error| error.to_string())?;
    let bundle = Bundle::from_json(&bytes).map_err(|error| error.to_string())?;
    match bundle.content {
        BundleContent::Dsse(envelope) => Ok(envelope),
        BundleContent::MessageSignature { .. } => Err(
            "the bundle holds a message signature, which names no image (cosign sign-blob); \
             an image signature is a DSSE statement"
                .to_owned(),
        ),
    }
}

/// The predicate type of an in-toto envelope, unverified (to sort signatures from
/// attestations; verification checks it again).
fn envelope_predicate(envelope: &Envelope) -> Option<String> {
    if envelope.payload_type != IN_TOTO_PAYLOAD_TYPE {
        return None;
    }
    Statement::parse(&envelope.payload)
        .ok()
        .map(|statement| statement.predicate_type)
}
