//! The password-encrypted envelope of cosign private keys.
//!
//! The format is go-securesystemslib's `encrypted` package, which cosign uses for
//! `ENCRYPTED SIGSTORE PRIVATE KEY` (and the older `ENCRYPTED COSIGN PRIVATE KEY`) PEM blocks:
//!
//! ```json
//! {"kdf":{"name":"scrypt","params":{"N":65536,"r":8,"p":1},"salt":"<base64, 32 bytes>"},
//!  "cipher":{"name":"nacl/secretbox","nonce":"<base64, 24 bytes>"},
//!  "ciphertext":"<base64>"}
//! ```
//!
//! The secretbox key is `scrypt(password, salt, N, r, p)` (32 bytes); the ciphertext is NaCl's
//! `secretbox.Seal` output (the Poly1305 tag, then the XSalsa20 ciphertext), standard base64 with
//! padding. For a cosign key the plaintext is the PKCS#8 DER of the private key.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use crypto_secretbox::aead::{Aead, KeyInit};
use crypto_secretbox::{Key, Nonce, XSalsa20Poly1305};
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::KeyError;

const KDF_SCRYPT: &str = "scrypt";
const CIPHER_SECRETBOX: &str = "nacl/secretbox";
const SALT_LEN: usize = 32;
const NONCE_LEN: usize = 24;
const KEY_LEN: usize = 32;

/// The scrypt cost tollgate writes: go-securesystemslib's `Standard` (N = 2^16, r = 8, p = 1), what
/// current cosign writes.
pub const SCRYPT_N: u64 = 65_536;
const SCRYPT_R: u64 = 8;
const SCRYPT_P: u64 = 1;

/// The scrypt parameters accepted when decrypting: go-securesystemslib's `Legacy`, `Standard`
/// and `OWASP` sets (it refuses others too); anything else could make a key file cost gigabytes.
const ACCEPTED: [(u64, u8); 3] = [(32_768, 15), (65_536, 16), (131_072, 17)];

#[derive(Serialize, Deserialize)]
struct Envelope {
    kdf: Kdf,
    cipher: Cipher,
    ciphertext: String,
}

#[derive(Serialize, Deserialize)]
struct Kdf {
    name: String,
    params: ScryptParams,
    salt: String,
}

#[derive(Serialize, Deserialize)]
struct ScryptParams {
    #[serde(rename = "N")]
    n: u64,
    r: u64,
    p: u64,
}

#[derive(Serialize, Deserialize)]
struct Cipher {
    name: String,
    nonce: String,
}

/// Encrypt `plaintext` under `password` into the JSON envelope (with a fresh random salt and
/// nonce, N = [`SCRYPT_N`]).
///
/// # Errors
/// Never in practice (scrypt and secretbox reject only invalid lengths, which are fixed here).
pub fn encrypt(plaintext: &[u8], password: &[u8]) -> Result<Vec<u8>, KeyError> {
    let mut salt = [0u8; SALT_LEN];
    OsRng.fill_bytes(&mut salt);
    let mut nonce = [0u8; NONCE_LEN];
    OsRng.fill_bytes(&mut nonce);
    let key = derive(password, &salt, 16, SCRYPT_R, SCRYPT_P)?;
    let ciphertext = XSalsa20Poly1305::new(Key::from_slice(key.as_slice()))
        .encrypt(Nonce::from_slice(&nonce), plaintext)
        .map_err(|_| KeyError::Envelope("secretbox refused to encrypt".into()))?;
    let envelope = Envelope {
        kdf: Kdf {
            name: KDF_SCRYPT.into(),
            params: ScryptParams {
                n: SCRYPT_N,
                r: SCRYPT_R,
                p: SCRYPT_P,
            },
            salt: STANDARD.encode(salt),
        },
        cipher: Cipher {
            name: CIPHER_SECRETBOX.into(),
            nonce: STANDARD.encode(nonce),
        },
        ciphertext: STANDARD.encode(ciphertext),
    };
    serde_json::to_vec(&envelope).map_err(|error| KeyError::Envelope(error.to_string()))
}

/// Decrypt a JSON envelope with `password`.
///
/// # Errors
/// [`KeyError::Envelope`] for malformed JSON/base64/lengths, [`KeyError::UnsupportedKdf`],
/// [`KeyError::UnsupportedScryptParams`], [`KeyError::UnsupportedCipher`], and
/// [`KeyError::WrongPassword`] when secretbox authentication fails.
pub fn decrypt(envelope: &[u8], password: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    let envelope: Envelope =
        serde_json::from_slice(envelope).map_err(|error| KeyError::Envelope(error.to_string()))?;
    if envelope.kdf.name != KDF_SCRYPT {
        return Err(KeyError::UnsupportedKdf(envelope.kdf.name));
    }
    if envelope.cipher.name != CIPHER_SECRETBOX {
        return Err(KeyError::UnsupportedCipher(envelope.cipher.name));
    }
    let ScryptParams { n, r, p } = envelope.kdf.params;
    let log_n = ACCEPTED
        .iter()
        .find(|(accepted, _)| *accepted == n)
        .map(|(_, log_n)| *log_n)
        .filter(|_| r == SCRYPT_R && p == SCRYPT_P)
        .ok_or(KeyError::UnsupportedScryptParams { n, r, p })?;
    let salt = base64_field("kdf.salt", &envelope.kdf.salt)?;
    let nonce = base64_field("cipher.nonce", &envelope.cipher.nonce)?;
    let ciphertext = base64_field("ciphertext", &envelope.ciphertext)?;
    if nonce.len() != NONCE_LEN {
        return Err(KeyError::Envelope(format!(
            "cipher.nonce is {} bytes, secretbox needs {NONCE_LEN}",
            nonce.len()
        )));
    }
    let key = derive(password, &salt, log_n, r, p)?;
    XSalsa20Poly1305::new(Key::from_slice(key.as_slice()))
        .decrypt(Nonce::from_slice(&nonce), ciphertext.as_slice())
        .map(Zeroizing::new)
        .map_err(|_| KeyError::WrongPassword)
}

fn base64_field(name: &str, value: &str) -> Result<Vec<u8>, KeyError> {
    STANDARD
        .decode(value)
        .map_err(|error| KeyError::Envelope(format!("{name} is not base64: {error}")))
}

fn derive(
    password: &[u8],
    salt: &[u8],
    log_n: u8,
    r: u64,
    p: u64,
) -> Result<Zeroizing<[u8; KEY_LEN]>, KeyError> {
    let invalid = |error: &dyn std::fmt::Display| KeyError::Envelope(format!("scrypt: {error}"));
    let r = u32::try_from(r).map_err(|error| invalid(&error))?;
    let p = u32::try_from(p).map_err(|error| invalid(&error))?;
    let params = scrypt::Params::new(log_n, r, p, KEY_LEN).map_err(|error| invalid(&error))?;
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    scrypt::scrypt(password, salt, &params, key.as_mut_slice()).map_err(|error| invalid(&error))?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// go-securesystemslib's `encrypted_test.go` `kdfVectors` (passphrase "supersecret"): its
    /// Legacy, Standard and OWASP scrypt settings. They were made by its `Marshal`, which seals
    /// the JSON of the `[]byte` "reallyimportant": a JSON string of its base64.
    const GO_VECTORS: [&str; 3] = [
        r#"{"kdf":{"name":"scrypt","params":{"N":32768,"r":8,"p":1},"salt":"WO3mVvyTwJ9vwT5/Tk5OW5WPIBUofMjcpEfrLnfY4uA="},"cipher":{"name":"nacl/secretbox","nonce":"tCy7HcTFr4uxv4Nrg/DWmncuZ148U1MX"},"ciphertext":"08n43p5G5yviPEZpO7tPPF4aZQkWiWjkv4taFdhDBA0tamKH4nw="}"#,
        r#"{"kdf":{"name":"scrypt","params":{"N":65536,"r":8,"p":1},"salt":"FhzPOt9/bJG4PTq6lQ6ecG6GzaOuOy/ynG5+yRiFlNs="},"cipher":{"name":"nacl/secretbox","nonce":"aw1ng1jHaDz/tQ7V2gR9O2+IGQ8xJEuE"},"ciphertext":"HycvuLZL4sYH0BrYTh4E/H20VtAW6u5zL5Pr+IBjYLYnCPzDkq8="}"#,
        r#"{"kdf":{"name":"scrypt","params":{"N":131072,"r":8,"p":1},"salt":"m38E3kouJTtiheLQN22NQ8DTito5hrjpUIskqcd375k="},"cipher":{"name":"nacl/secretbox","nonce":"Y6PM13yA+o44pE/W1ZBwczeGnTV/m9Zc"},"ciphertext":"6H8sqj1K6B6yDjtH5AQ6lbFigg/C2yDDJc4rYJ79w9aVPImFIPI="}"#,
    ];

    #[test]
    fn decrypts_go_securesystemslib_vectors() {
        for vector in GO_VECTORS {
            let plaintext = decrypt(vector.as_bytes(), b"supersecret").unwrap();
            assert_eq!(plaintext.as_slice(), br#""cmVhbGx5aW1wb3J0YW50""#);
        }
    }

    #[test]
    fn wrong_password_is_reported_as_such() {
        let error = decrypt(GO_VECTORS[0].as_bytes(), b"supersecreT").unwrap_err();
        assert!(matches!(error, KeyError::WrongPassword), "{error}");
        assert!(error.to_string().contains("wrong password or corrupt key"));
    }

    #[test]
    fn refuses_unsupported_parameters_like_go() {
        // go-securesystemslib's TestUnsupportedKDFParameters vector.
        let vector = r#"{"kdf":{"name":"scrypt","params":{"N":99,"r":99,"p":99},"salt":"cZFcQJdwPhPyhU1R4qkl0qVOIjZd4V/7LYYAavq166k="},"cipher":{"name":"nacl/secretbox","nonce":"7vhRS7j0hEPBWV05skAdgLj81AkGeE7U"},"ciphertext":"6WYU/YSXVbYzl/NzaeAzmjLyfFhOOjLc0d8/GFV0aBFdJvyCcXc="}"#;
        let error = decrypt(vector.as_bytes(), b"supersecret").unwrap_err();
        assert!(
            matches!(
                error,
                KeyError::UnsupportedScryptParams {
                    n: 99,
                    r: 99,
                    p: 99
                }
            ),
            "{error}"
        );
    }

    #[test]
    fn round_trip_writes_the_standard_envelope() {
        let envelope = encrypt(b"plaintext", b"pw").unwrap();
        let json: serde_json::Value = serde_json::from_slice(&envelope).unwrap();
        assert_eq!(json["kdf"]["name"], "scrypt");
        assert_eq!(json["kdf"]["params"]["N"], 65536);
        assert_eq!(json["kdf"]["params"]["r"], 8);
        assert_eq!(json["kdf"]["params"]["p"], 1);
        assert_eq!(json["cipher"]["name"], "nacl/secretbox");
        let salt = STANDARD
            .decode(json["kdf"]["salt"].as_str().unwrap())
            .unwrap();
        let nonce = STANDARD
            .decode(json["cipher"]["nonce"].as_str().unwrap())
            .unwrap();
        let ciphertext = STANDARD
            .decode(json["ciphertext"].as_str().unwrap())
            .unwrap();
        assert_eq!((salt.len(), nonce.len()), (32, 24));
        // secretbox: a 16-byte Poly1305 tag before the ciphertext.
        assert_eq!(ciphertext.len(), b"plaintext".len() + 16);
        assert_eq!(decrypt(&envelope, b"pw").unwrap().as_slice(), b"plaintext");
        assert!(matches!(
            decrypt(&envelope, b"pW"),
            Err(KeyError::WrongPassword)
        ));
    }

    #[test]
    fn tampered_ciphertext_fails_authentication() {
        let envelope = encrypt(b"plaintext", b"").unwrap();
        let mut json: serde_json::Value = serde_json::from_slice(&envelope).unwrap();
        let mut ciphertext = STANDARD
            .decode(json["ciphertext"].as_str().unwrap())
            .unwrap();
        ciphertext[20] ^= 1;
        json["ciphertext"] = STANDARD.encode(ciphertext).into();
        let tampered = serde_json::to_vec(&json).unwrap();
        assert!(matches!(
            decrypt(&tampered, b""),
            Err(KeyError::WrongPassword)
        ));
    }
}
