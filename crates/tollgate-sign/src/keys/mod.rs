//! Key pairs in the formats cosign reads and writes.
//!
//! - Private keys: cosign's encrypted PEM (`ENCRYPTED SIGSTORE PRIVATE KEY`, and the older
//!   `ENCRYPTED COSIGN PRIVATE KEY`; see [`encrypted`]), plain PKCS#8 (`PRIVATE KEY`) and SEC1
//!   (`EC PRIVATE KEY`) PEM. Keys are ECDSA P-256 (the default, what `cosign generate-key-pair`
//!   makes) or Ed25519.
//! - Public keys: SPKI PEM (`PUBLIC KEY`).
//! - Signatures: ECDSA P-256 with SHA-256, ASN.1 DER encoded (as cosign emits them); Ed25519, the
//!   raw 64 bytes.

pub mod encrypted;
mod error;

use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use ed25519_dalek::pkcs8::KeypairBytes;
use p256::ecdsa::signature::{Signer as _, Verifier as _};
use p256::pkcs8::{
    DecodePrivateKey as _, DecodePublicKey as _, EncodePrivateKey as _, EncodePublicKey as _,
};
use pem_rfc7468::LineEnding;
use pkcs8::ObjectIdentifier;
use rand_core::OsRng;
use zeroize::Zeroizing;

pub use error::KeyError;

/// PEM label of the private keys tollgate writes (what cosign writes since v2).
pub const SIGSTORE_PRIVATE_KEY_LABEL: &str = "ENCRYPTED SIGSTORE PRIVATE KEY";
/// PEM label of the private keys cosign wrote before v2 (read only).
pub const COSIGN_PRIVATE_KEY_LABEL: &str = "ENCRYPTED COSIGN PRIVATE KEY";
const PKCS8_LABEL: &str = "PRIVATE KEY";
const SEC1_LABEL: &str = "EC PRIVATE KEY";
const PUBLIC_KEY_LABEL: &str = "PUBLIC KEY";

const PRIVATE_LABELS: &str = "ENCRYPTED SIGSTORE PRIVATE KEY, ENCRYPTED COSIGN PRIVATE KEY, \
                              PRIVATE KEY (PKCS#8) and EC PRIVATE KEY (SEC1) private keys";
const PUBLIC_LABELS: &str = "PUBLIC KEY (SPKI) public keys";

/// id-ecPublicKey.
const OID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
/// secp256r1 (P-256).
const OID_P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
/// id-Ed25519.
const OID_ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");

/// The environment variables a password is taken from, in order.
pub const PASSWORD_ENV: [&str; 2] = ["TOLLGATE_PASSWORD", "COSIGN_PASSWORD"];

/// A signature algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeyAlgorithm {
    /// ECDSA over NIST P-256 with SHA-256; signatures ASN.1 DER. cosign's default.
    #[default]
    EcdsaP256,
    /// Ed25519 (pure); signatures 64 raw bytes.
    Ed25519,
}

impl fmt::Display for KeyAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::EcdsaP256 => "ECDSA P-256 SHA-256",
            Self::Ed25519 => "Ed25519",
        })
    }
}

/// A private key. Its secret is zeroized on drop, and `Debug` does not show it.
pub struct SigningKey(Signing);

enum Signing {
    EcdsaP256(p256::ecdsa::SigningKey),
    Ed25519(ed25519_dalek::SigningKey),
}

/// A public key.
#[derive(Clone, PartialEq, Eq)]
pub struct VerifyingKey(Verifying);

#[derive(Clone, PartialEq, Eq)]
enum Verifying {
    EcdsaP256(p256::ecdsa::VerifyingKey),
    Ed25519(ed25519_dalek::VerifyingKey),
}

impl SigningKey {
    /// A new random key from the operating system's RNG.
    #[must_use]
    pub fn generate(algorithm: KeyAlgorithm) -> Self {
        Self(match algorithm {
            KeyAlgorithm::EcdsaP256 => {
                Signing::EcdsaP256(p256::ecdsa::SigningKey::random(&mut OsRng))
            }
            KeyAlgorithm::Ed25519 => {
                Signing::Ed25519(ed25519_dalek::SigningKey::generate(&mut OsRng))
            }
        })
    }

    /// The key's algorithm.
    #[must_use]
    pub fn algorithm(&self) -> KeyAlgorithm {
        match &self.0 {
            Signing::EcdsaP256(_) => KeyAlgorithm::EcdsaP256,
            Signing::Ed25519(_) => KeyAlgorithm::Ed25519,
        }
    }

    /// The public half.
    #[must_use]
    pub fn verifying_key(&self) -> VerifyingKey {
        VerifyingKey(match &self.0 {
            Signing::EcdsaP256(key) => Verifying::EcdsaP256(*key.verifying_key()),
            Signing::Ed25519(key) => Verifying::Ed25519(key.verifying_key()),
        })
    }

    /// Sign `message`: ECDSA P-256 over its SHA-256, ASN.1 DER encoded (as cosign does), or
    /// Ed25519's 64 bytes.
    #[must_use]
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        match &self.0 {
            Signing::EcdsaP256(key) => {
                let signature: p256::ecdsa::Signature = key.sign(message);
                signature.to_der().as_bytes().to_vec()
            }
            Signing::Ed25519(key) => key.sign(message).to_bytes().to_vec(),
        }
    }

    /// The PKCS#8 DER of the private key (what cosign's encrypted envelope holds): with the
    /// public key inside for P-256 (as Go's `x509.MarshalPKCS8PrivateKey`), v1 without it for
    /// Ed25519 (as Go).
    ///
    /// # Errors
    /// Only if the DER encoder fails, which it does not for valid keys.
    pub fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>, KeyError> {
        let document = match &self.0 {
            Signing::EcdsaP256(key) => key.to_pkcs8_der(),
            Signing::Ed25519(key) => KeypairBytes {
                secret_key: key.to_bytes(),
                public_key: None,
            }
            .to_pkcs8_der(),
        }
        .map_err(|error| KeyError::PrivateKey(error.to_string()))?;
        Ok(Zeroizing::new(document.as_bytes().to_vec()))
    }

    /// The private key as cosign writes it: PEM `ENCRYPTED SIGSTORE PRIVATE KEY` over the JSON
    /// envelope of its PKCS#8 DER encrypted under `password` (which may be empty, as cosign
    /// allows).
    ///
    /// # Errors
    /// Only if encoding fails, which it does not for valid keys.
    pub fn to_encrypted_pem(&self, password: &[u8]) -> Result<Zeroizing<String>, KeyError> {
        let der = self.to_pkcs8_der()?;
        let envelope = encrypted::encrypt(&der, password)?;
        pem_rfc7468::encode_string(SIGSTORE_PRIVATE_KEY_LABEL, LineEnding::LF, &envelope)
            .map(Zeroizing::new)
            .map_err(|error| KeyError::Pem(error.to_string()))
    }

    /// Read a private key from PEM: cosign's encrypted formats (then `password` is called for the
    /// password; it is not called otherwise), PKCS#8 or SEC1.
    ///
    /// # Errors
    /// [`KeyError::WrongPassword`], [`KeyError::UnsupportedPemType`] (a public key, an encrypted
    /// PKCS#8 key, ...), [`KeyError::UnsupportedAlgorithm`], [`KeyError::Password`] from the
    /// password source, and malformed input.
    pub fn from_pem(
        pem: &[u8],
        password: impl FnOnce() -> std::io::Result<Zeroizing<String>>,
    ) -> Result<Self, KeyError> {
        let (label, der) = decode_pem(pem)?;
        match label.as_str() {
            SIGSTORE_PRIVATE_KEY_LABEL | COSIGN_PRIVATE_KEY_LABEL => {
                let password = password().map_err(KeyError::Password)?;
                let der = encrypted::decrypt(&der, password.as_bytes())?;
                Self::from_pkcs8_der(&der)
            }
            PKCS8_LABEL => Self::from_pkcs8_der(&der),
            SEC1_LABEL => p256::SecretKey::from_sec1_der(&der)
                .map(|key| Self(Signing::EcdsaP256(key.into())))
                .map_err(|error| {
                    KeyError::PrivateKey(format!("not a P-256 SEC1 EC private key: {error}"))
                }),
            _ => Err(KeyError::UnsupportedPemType {
                label,
                expected: "private key",
                supported: PRIVATE_LABELS,
            }),
        }
    }

    /// Read a private key from a PKCS#8 DER (P-256 or Ed25519).
    ///
    /// # Errors
    /// [`KeyError::PrivateKey`] for malformed DER, [`KeyError::UnsupportedAlgorithm`] for another
    /// algorithm or curve.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, KeyError> {
        let info = pkcs8::PrivateKeyInfo::try_from(der)
            .map_err(|error| KeyError::PrivateKey(format!("not PKCS#8: {error}")))?;
        let algorithm = algorithm_of(info.algorithm.oid, info.algorithm.parameters_oid().ok())?;
        let invalid = |error: pkcs8::Error| KeyError::PrivateKey(format!("{algorithm}: {error}"));
        Ok(Self(match algorithm {
            KeyAlgorithm::EcdsaP256 => {
                Signing::EcdsaP256(p256::ecdsa::SigningKey::from_pkcs8_der(der).map_err(invalid)?)
            }
            KeyAlgorithm::Ed25519 => {
                Signing::Ed25519(ed25519_dalek::SigningKey::from_pkcs8_der(der).map_err(invalid)?)
            }
        }))
    }

    /// Read a private key file (see [`SigningKey::from_pem`]); errors name the file.
    ///
    /// # Errors
    /// As [`SigningKey::from_pem`], and I/O errors.
    pub fn load(
        path: &Path,
        password: impl FnOnce() -> std::io::Result<Zeroizing<String>>,
    ) -> Result<Self, KeyError> {
        let pem = Zeroizing::new(fs_err::read(path)?);
        Self::from_pem(&pem, password).map_err(|error| error.in_file(path))
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("algorithm", &self.algorithm())
            .field("public", &self.verifying_key())
            .finish_non_exhaustive()
    }
}

impl VerifyingKey {
    /// The key's algorithm.
    #[must_use]
    pub fn algorithm(&self) -> KeyAlgorithm {
        match &self.0 {
            Verifying::EcdsaP256(_) => KeyAlgorithm::EcdsaP256,
            Verifying::Ed25519(_) => KeyAlgorithm::Ed25519,
        }
    }

    /// Check `signature` over `message`: ASN.1 DER ECDSA P-256 SHA-256, or 64-byte Ed25519.
    ///
    /// # Errors
    /// [`KeyError::MalformedSignature`] when it is not a signature of this algorithm at all,
    /// [`KeyError::InvalidSignature`] when it does not verify.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), KeyError> {
        match &self.0 {
            Verifying::EcdsaP256(key) => {
                let signature = p256::ecdsa::Signature::from_der(signature).map_err(|error| {
                    KeyError::MalformedSignature(format!(
                        "not an ASN.1 DER ECDSA P-256 signature ({} bytes): {error}",
                        signature.len()
                    ))
                })?;
                key.verify(message, &signature)
            }
            Verifying::Ed25519(key) => {
                let signature = ed25519_dalek::Signature::from_slice(signature).map_err(|_| {
                    KeyError::MalformedSignature(format!(
                        "an Ed25519 signature is 64 bytes, this one {}",
                        signature.len()
                    ))
                })?;
                key.verify(message, &signature)
            }
        }
        .map_err(|_| KeyError::InvalidSignature)
    }

    /// The SPKI (`SubjectPublicKeyInfo`) DER.
    ///
    /// # Errors
    /// Only if the DER encoder fails, which it does not for valid keys.
    pub fn to_spki_der(&self) -> Result<Vec<u8>, KeyError> {
        match &self.0 {
            Verifying::EcdsaP256(key) => key.to_public_key_der(),
            Verifying::Ed25519(key) => key.to_public_key_der(),
        }
        .map(|document| document.into_vec())
        .map_err(|error| KeyError::PublicKey(error.to_string()))
    }

    /// The PEM `PUBLIC KEY` (SPKI) cosign writes as `cosign.pub`.
    ///
    /// # Errors
    /// Only if encoding fails, which it does not for valid keys.
    pub fn to_pem(&self) -> Result<String, KeyError> {
        pem_rfc7468::encode_string(PUBLIC_KEY_LABEL, LineEnding::LF, &self.to_spki_der()?)
            .map_err(|error| KeyError::Pem(error.to_string()))
    }

    /// Read a public key from SPKI DER (P-256 or Ed25519).
    ///
    /// # Errors
    /// [`KeyError::PublicKey`] for malformed DER, [`KeyError::UnsupportedAlgorithm`].
    pub fn from_spki_der(der: &[u8]) -> Result<Self, KeyError> {
        let info = spki::SubjectPublicKeyInfoRef::try_from(der)
            .map_err(|error| KeyError::PublicKey(format!("not SPKI: {error}")))?;
        let algorithm = algorithm_of(info.algorithm.oid, info.algorithm.parameters_oid().ok())?;
        let invalid = |error: spki::Error| KeyError::PublicKey(format!("{algorithm}: {error}"));
        Ok(Self(match algorithm {
            KeyAlgorithm::EcdsaP256 => Verifying::EcdsaP256(
                p256::ecdsa::VerifyingKey::from_public_key_der(der).map_err(invalid)?,
            ),
            KeyAlgorithm::Ed25519 => Verifying::Ed25519(
                ed25519_dalek::VerifyingKey::from_public_key_der(der).map_err(invalid)?,
            ),
        }))
    }

    /// Read a public key from PEM `PUBLIC KEY`.
    ///
    /// # Errors
    /// [`KeyError::UnsupportedPemType`] for another PEM type (a private key, a certificate), and
    /// as [`VerifyingKey::from_spki_der`].
    pub fn from_pem(pem: &[u8]) -> Result<Self, KeyError> {
        let (label, der) = decode_pem(pem)?;
        if label != PUBLIC_KEY_LABEL {
            return Err(KeyError::UnsupportedPemType {
                label,
                expected: "public key",
                supported: PUBLIC_LABELS,
            });
        }
        Self::from_spki_der(&der)
    }

    /// Read a public key file; errors name the file.
    ///
    /// # Errors
    /// As [`VerifyingKey::from_pem`], and I/O errors.
    pub fn load(path: &Path) -> Result<Self, KeyError> {
        let pem = fs_err::read(path)?;
        Self::from_pem(&pem).map_err(|error| error.in_file(path))
    }
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use base64::Engine as _;
        let spki = self.to_spki_der().unwrap_or_default();
        f.debug_struct("VerifyingKey")
            .field("algorithm", &self.algorithm())
            .field(
                "spki",
                &base64::engine::general_purpose::STANDARD.encode(spki),
            )
            .finish()
    }
}

/// The files a generated key pair was written to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyFiles {
    /// `PREFIX.key`: the encrypted private key (mode 0600 on Unix).
    pub private_key: PathBuf,
    /// `PREFIX.pub`: the public key.
    pub public_key: PathBuf,
}

/// `tollgate key generate`: a new key pair written as `PREFIX.key` (cosign's encrypted format,
/// under `password`) and `PREFIX.pub` (SPKI PEM), like `cosign generate-key-pair
/// --output-key-prefix PREFIX`. Existing files are kept unless `overwrite`.
///
/// # Errors
/// [`KeyError::Exists`] when a file exists and not `overwrite`, and I/O errors.
pub fn generate_key_files(
    prefix: &Path,
    algorithm: KeyAlgorithm,
    password: &[u8],
    overwrite: bool,
) -> Result<(SigningKey, KeyFiles), KeyError> {
    let files = KeyFiles {
        private_key: with_suffix(prefix, "key"),
        public_key: with_suffix(prefix, "pub"),
    };
    if !overwrite {
        for path in [&files.private_key, &files.public_key] {
            if path.exists() {
                return Err(KeyError::Exists(path.clone()));
            }
        }
    }
    let key = SigningKey::generate(algorithm);
    let private_pem = key.to_encrypted_pem(password)?;
    let public_pem = key.verifying_key().to_pem()?;
    write_file(&files.private_key, private_pem.as_bytes(), true, overwrite)?;
    write_file(&files.public_key, public_pem.as_bytes(), false, overwrite)?;
    Ok((key, files))
}

/// The password from `TOLLGATE_PASSWORD`, else `COSIGN_PASSWORD`, if either is set (an empty
/// value is the empty password, as in cosign). The CLI prompts when this is `None`.
#[must_use]
pub fn password_from_env() -> Option<Zeroizing<String>> {
    PASSWORD_ENV
        .iter()
        .find_map(|name| std::env::var(name).ok())
        .map(Zeroizing::new)
}

fn with_suffix(prefix: &Path, suffix: &str) -> PathBuf {
    let mut name = prefix.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    PathBuf::from(name)
}

fn write_file(
    path: &Path,
    contents: &[u8],
    private: bool,
    overwrite: bool,
) -> Result<(), KeyError> {
    let mut options = fs_err::OpenOptions::new();
    options.write(true);
    if overwrite {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    #[cfg(unix)]
    if private {
        use fs_err::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = private;
    let mut file = options.open(path).map_err(|error| {
        if error.kind() == std::io::ErrorKind::AlreadyExists {
            KeyError::Exists(path.to_path_buf())
        } else {
            KeyError::Io(error)
        }
    })?;
    file.write_all(contents)?;
    file.sync_all()?;
    Ok(())
}

/// The label and DER of the first PEM block (text before it, as `openssl` leaves, is skipped).
fn decode_pem(input: &[u8]) -> Result<(String, Zeroizing<Vec<u8>>), KeyError> {
    let start =
        find(input, b"-----BEGIN ").ok_or_else(|| KeyError::Pem("no -----BEGIN line".into()))?;
    let block = input.get(start..).unwrap_or_default();
    // pem-rfc7468 wants exactly one block: cut after the first END line.
    let block = match find(block, b"-----END ") {
        Some(end) => {
            let rest = block.get(end + 11..).unwrap_or_default();
            let close = find(rest, b"-----").map_or(block.len(), |close| end + 11 + close + 5);
            block.get(..close).unwrap_or(block)
        }
        None => return Err(KeyError::Pem("no -----END line".into())),
    };
    let (label, der) =
        pem_rfc7468::decode_vec(block).map_err(|error| KeyError::Pem(error.to_string()))?;
    Ok((label.to_owned(), Zeroizing::new(der)))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

fn algorithm_of(
    oid: ObjectIdentifier,
    parameters: Option<ObjectIdentifier>,
) -> Result<KeyAlgorithm, KeyError> {
    match (oid, parameters) {
        (OID_EC_PUBLIC_KEY, Some(OID_P256)) => Ok(KeyAlgorithm::EcdsaP256),
        (OID_EC_PUBLIC_KEY, curve) => Err(KeyError::UnsupportedAlgorithm(format!(
            "EC on curve {}",
            curve.map_or_else(|| "(none)".to_owned(), |curve| curve.to_string())
        ))),
        (OID_ED25519, _) => Ok(KeyAlgorithm::Ed25519),
        (oid, _) => Err(KeyError::UnsupportedAlgorithm(format!("OID {oid}"))),
    }
}
