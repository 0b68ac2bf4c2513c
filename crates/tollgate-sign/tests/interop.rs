#![allow(clippy::print_stderr)] // skip notices when a tool is missing outside CI
//! Keys made by other implementations (cosign, sigstore-rs, go-securesystemslib's format,
//! OpenSSL): tollgate must read them, derive the published public keys, and produce signatures
//! they verify. The files and their sources are in `tests/data/README.md`.

use std::path::PathBuf;
use std::process::Command;

use tollgate_sign::keys::{self, KeyAlgorithm, KeyError, SigningKey, VerifyingKey};
use zeroize::Zeroizing;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn password(value: &'static str) -> impl FnOnce() -> std::io::Result<Zeroizing<String>> {
    move || Ok(Zeroizing::new(value.to_owned()))
}

fn no_password() -> std::io::Result<Zeroizing<String>> {
    panic!("the password must not be asked for an unencrypted key")
}

fn public_pem(name: &str) -> VerifyingKey {
    VerifyingKey::load(&data(name)).unwrap()
}

fn sign_and_verify(key: &SigningKey) {
    let message = b"tollgate interop";
    let signature = key.sign(message);
    key.verifying_key().verify(message, &signature).unwrap();
    assert!(matches!(
        key.verifying_key().verify(b"tollgate interoP", &signature),
        Err(KeyError::InvalidSignature)
    ));
}

#[test]
fn sigstore_rs_legacy_cosign_key() {
    // ENCRYPTED COSIGN PRIVATE KEY (the pre-v2 label), scrypt N=32768, password "password". The
    // .pub published beside it in sigstore-rs's example belongs to neither private key there, so
    // only the decryption, the algorithm and the wrong password are checked.
    let path = data("sigstore-rs-example-ecdsa-p256-encrypted.key");
    let key = SigningKey::load(&path, password("password")).unwrap();
    assert_eq!(key.algorithm(), KeyAlgorithm::EcdsaP256);
    sign_and_verify(&key);
    assert!(matches!(
        SigningKey::load(&path, password("Password")),
        Err(KeyError::InFile { .. })
    ));
}

#[test]
fn cosign_generated_sigstore_key_with_empty_password() {
    // ENCRYPTED SIGSTORE PRIVATE KEY written by `cosign generate-key-pair` (scrypt N=65536) with
    // the empty password.
    let path = data("cosign-generated-empty-password.key");
    let key = SigningKey::load(&path, password("")).unwrap();
    assert_eq!(key.algorithm(), KeyAlgorithm::EcdsaP256);
    sign_and_verify(&key);

    let error = SigningKey::load(&path, password("not the password")).unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("cosign-generated-empty-password.key")
            && message.contains("wrong password or corrupt key")
            && message.contains("COSIGN_PASSWORD"),
        "{message}"
    );
}

#[test]
fn sigstore_rs_encrypted_keys_of_both_algorithms() {
    let ecdsa = SigningKey::load(
        &data("sigstore-rs-ecdsa-encrypted-123.key"),
        password("123"),
    )
    .unwrap();
    assert_eq!(ecdsa.algorithm(), KeyAlgorithm::EcdsaP256);
    sign_and_verify(&ecdsa);
    let ed25519 = SigningKey::load(
        &data("sigstore-rs-ed25519-encrypted-123.key"),
        password("123"),
    )
    .unwrap();
    assert_eq!(ed25519.algorithm(), KeyAlgorithm::Ed25519);
    assert_eq!(ed25519.sign(b"x").len(), 64);
    sign_and_verify(&ed25519);
}

#[test]
fn plain_pkcs8_keys_derive_the_public_key_openssl_derives() {
    // The .pub files were derived from the plain keys with `openssl pkey -pubout`.
    let key = SigningKey::load(&data("sigstore-rs-ecdsa-plain.key"), no_password).unwrap();
    assert_eq!(
        key.verifying_key(),
        public_pem("sigstore-rs-ecdsa-plain.openssl.pub")
    );
    let key = SigningKey::load(
        &data("sigstore-rs-example-ecdsa-p256-plain.key"),
        no_password,
    )
    .unwrap();
    assert_eq!(
        key.verifying_key(),
        public_pem("sigstore-rs-example-ecdsa-p256-plain.openssl.pub")
    );
}

#[test]
fn ed25519_pkcs8_v2_key_matches_its_embedded_public_key() {
    // sigstore-rs writes Ed25519 PKCS#8 v2 (OneAsymmetricKey) with the public key inside.
    let key = SigningKey::load(&data("sigstore-rs-ed25519-plain.key"), no_password).unwrap();
    assert_eq!(key.algorithm(), KeyAlgorithm::Ed25519);
    let spki = key.verifying_key().to_spki_der().unwrap();
    assert_eq!(
        hex::encode(&spki[spki.len() - 32..]),
        "5ed83dc956c7f09003b42eac9f834187509 20d6782bf4001223e13b68263f5a9".replace(' ', "")
    );
    sign_and_verify(&key);
}

#[test]
fn sec1_key_from_openssl() {
    // `openssl ec -in sigstore-rs-ecdsa-plain.key -out ...` writes SEC1 "EC PRIVATE KEY".
    let key = SigningKey::load(&data("openssl-sec1.key"), no_password).unwrap();
    assert_eq!(
        key.verifying_key(),
        public_pem("sigstore-rs-ecdsa-plain.openssl.pub")
    );
}

#[test]
fn public_keys_published_by_cosign_load() {
    let key = public_pem("cosign-release-workflow.pub");
    assert_eq!(key.algorithm(), KeyAlgorithm::EcdsaP256);
    let key = public_pem("openssl-ed25519.pub");
    assert_eq!(key.algorithm(), KeyAlgorithm::Ed25519);
}

#[test]
fn wrong_file_types_are_named() {
    let error = VerifyingKey::load(&data("sigstore-rs-ecdsa-plain.key")).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("unsupported PEM type \"PRIVATE KEY\""),
        "{error}"
    );
    let error = SigningKey::load(&data("cosign-release-workflow.pub"), no_password).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("unsupported PEM type \"PUBLIC KEY\""),
        "{error}"
    );
    let error = SigningKey::from_pem(b"not pem", no_password).unwrap_err();
    assert!(error.to_string().contains("not a PEM key"), "{error}");
}

#[test]
fn generated_files_load_back_and_refuse_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("tollgate");
    let (key, files) =
        keys::generate_key_files(&prefix, KeyAlgorithm::EcdsaP256, b"pw", false).unwrap();
    let pem = fs_err::read_to_string(&files.private_key).unwrap();
    assert!(
        pem.starts_with("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n"),
        "{pem}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = fs_err::metadata(&files.private_key)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let loaded = SigningKey::load(&files.private_key, password("pw")).unwrap();
    assert_eq!(loaded.verifying_key(), key.verifying_key());
    assert_eq!(
        VerifyingKey::load(&files.public_key).unwrap(),
        key.verifying_key()
    );
    assert!(matches!(
        SigningKey::load(&files.private_key, password("")),
        Err(KeyError::InFile { .. })
    ));
    assert!(matches!(
        keys::generate_key_files(&prefix, KeyAlgorithm::EcdsaP256, b"pw", false),
        Err(KeyError::Exists(_))
    ));

    let (ed, files) =
        keys::generate_key_files(&dir.path().join("ed"), KeyAlgorithm::Ed25519, b"", false)
            .unwrap();
    let loaded = SigningKey::load(&files.private_key, password("")).unwrap();
    assert_eq!(loaded.verifying_key(), ed.verifying_key());
}

/// Whether the `openssl` command runs; under CI it must.
fn openssl() -> bool {
    let found = Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found || !tollgate_test::in_ci(),
        "CI=true but `openssl` is not installed"
    );
    if !found {
        eprintln!("notice: skipping, `openssl` is not installed");
    }
    found
}

#[test]
fn openssl_verifies_tollgate_signatures_and_tollgate_verifies_openssl() {
    if !openssl() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let message = dir.path().join("message");
    fs_err::write(&message, b"the exact payload bytes\n").unwrap();

    // tollgate signs (P-256 DER), openssl verifies with the public key tollgate wrote.
    let key = SigningKey::generate(KeyAlgorithm::EcdsaP256);
    let public = dir.path().join("tollgate.pub");
    fs_err::write(&public, key.verifying_key().to_pem().unwrap()).unwrap();
    let signature = dir.path().join("tollgate.sig");
    fs_err::write(&signature, key.sign(b"the exact payload bytes\n")).unwrap();
    let output = Command::new("openssl")
        .args(["dgst", "-sha256", "-verify"])
        .arg(&public)
        .arg("-signature")
        .arg(&signature)
        .arg(&message)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    // openssl signs with a sigstore-rs key, tollgate verifies.
    let signature = dir.path().join("openssl.sig");
    let output = Command::new("openssl")
        .args(["dgst", "-sha256", "-sign"])
        .arg(data("sigstore-rs-ecdsa-plain.key"))
        .arg("-out")
        .arg(&signature)
        .arg(&message)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let verifying = public_pem("sigstore-rs-ecdsa-plain.openssl.pub");
    let signature = fs_err::read(&signature).unwrap();
    verifying
        .verify(b"the exact payload bytes\n", &signature)
        .unwrap();
    assert!(
        verifying
            .verify(b"the exact payload bytes", &signature)
            .is_err()
    );
    // Truncated: malformed, with the reason.
    let error = verifying.verify(
        b"the exact payload bytes\n",
        &signature[..signature.len() - 1],
    );
    assert!(
        matches!(error, Err(KeyError::MalformedSignature(_))),
        "{error:?}"
    );

    // A key tollgate writes unencrypted-equivalently is what openssl reads: its PKCS#8 DER.
    let der = dir.path().join("tollgate.p8");
    fs_err::write(&der, key.to_pkcs8_der().unwrap().as_slice()).unwrap();
    let output = Command::new("openssl")
        .args(["pkey", "-inform", "DER", "-pubout", "-in"])
        .arg(&der)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        VerifyingKey::from_pem(&output.stdout).unwrap(),
        key.verifying_key()
    );

    // Ed25519: openssl signs with a key it made, tollgate verifies the raw 64 bytes.
    let ed_key = dir.path().join("ed.key");
    let status = Command::new("openssl")
        .args(["genpkey", "-algorithm", "ed25519", "-out"])
        .arg(&ed_key)
        .status()
        .unwrap();
    assert!(status.success());
    let ed_pub = Command::new("openssl")
        .args(["pkey", "-pubout", "-in"])
        .arg(&ed_key)
        .output()
        .unwrap();
    let ed_sig = dir.path().join("ed.sig");
    let status = Command::new("openssl")
        .args(["pkeyutl", "-sign", "-rawin", "-inkey"])
        .arg(&ed_key)
        .arg("-in")
        .arg(&message)
        .arg("-out")
        .arg(&ed_sig)
        .status()
        .unwrap();
    assert!(status.success());
    let ed_verifying = VerifyingKey::from_pem(&ed_pub.stdout).unwrap();
    ed_verifying
        .verify(
            b"the exact payload bytes\n",
            &fs_err::read(&ed_sig).unwrap(),
        )
        .unwrap();
    let ed_signing = SigningKey::load(&ed_key, no_password).unwrap();
    assert_eq!(ed_signing.verifying_key(), ed_verifying);
}
