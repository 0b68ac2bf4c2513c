//! Signing for tollgate, in the formats the sigstore/cosign ecosystem and containers/image
//! (skopeo, podman, cri-o) already read.
//!
//! [`keys`]: key pairs (ECDSA P-256 by default, Ed25519), cosign's encrypted private key format
//! (scrypt + NaCl secretbox in a JSON envelope), PKCS#8/SEC1/SPKI PEM, and the sign/verify
//! primitives.
//!
//! [`simple_signing`]: cosign's signed payload. [`legacy`]: the `sha256-<hex>.sig` and `.att`
//! manifests (build, append, read). [`dsse`], [`intoto`], [`bundle`]: DSSE envelopes, in-toto
//! statements and Sigstore bundles v0.3. [`attached`]: storing and collecting both layouts beside
//! an image in a registry or an OCI layout. [`verify`]: signatures and attestations against
//! keys, their claims and a threshold.

pub mod attached;
pub mod bundle;
pub mod dsse;
pub mod intoto;
pub mod keys;
pub mod legacy;
pub mod simple_signing;
pub mod verify;

pub use attached::{Found, Kind, SignatureFormat};
pub use bundle::{Bundle, BundleContent, BundleError};
pub use dsse::{DsseError, Envelope, EnvelopeSignature};
pub use intoto::{Statement, StatementError};
pub use keys::{KeyAlgorithm, KeyError, SigningKey, VerifyingKey};
pub use legacy::SignedPayload;
pub use simple_signing::{PayloadError, ReferencePolicy, SimpleSigning, verify_payload};
pub use verify::{
    Rejection, SignatureLayout, Verified, VerifiedAttestation, VerifyError, verify_attestations,
    verify_image_signatures, verify_signatures,
};
