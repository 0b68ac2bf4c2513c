//! Signing for tollgate, in the formats the sigstore/cosign ecosystem and containers/image
//! (skopeo, podman, cri-o) already read.
//!
//! [`keys`]: key pairs (ECDSA P-256 by default, Ed25519), cosign's encrypted private key format
//! (scrypt + NaCl secretbox in a JSON envelope), PKCS#8/SEC1/SPKI PEM, and the sign/verify
//! primitives.

pub mod keys;

pub use keys::{KeyAlgorithm, KeyError, SigningKey, VerifyingKey};
