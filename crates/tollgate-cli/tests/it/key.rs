//! `tollgate key generate`: cosign's encrypted key format, the password from the environment,
//! no silent overwrite.

use crate::{tollgate, tollgate_with_env};

#[test]
fn a_generated_key_pair_loads_with_its_password_and_signs() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("release");
    let prefix_arg = prefix.to_str().unwrap();
    let output = tollgate_with_env(
        &["key", "generate", "--output-key-prefix", prefix_arg],
        &[("TOLLGATE_PASSWORD", "correct horse")],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let private = fs_err::read_to_string(dir.path().join("release.key")).unwrap();
    let public = fs_err::read_to_string(dir.path().join("release.pub")).unwrap();
    assert!(private.starts_with("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n"));
    assert!(public.starts_with("-----BEGIN PUBLIC KEY-----\n"));
    use std::os::unix::fs::PermissionsExt;
    let mode = fs_err::metadata(dir.path().join("release.key"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o077, 0, "the private key is private: {mode:o}");

    // The key decrypts with its password only, and signs for its public key.
    let key = tollgate_sign::SigningKey::from_pem(private.as_bytes(), || {
        Ok(zeroize::Zeroizing::new("correct horse".to_owned()))
    })
    .unwrap();
    let verifying = tollgate_sign::VerifyingKey::from_pem(public.as_bytes()).unwrap();
    let signature = key.sign(b"payload");
    verifying.verify(b"payload", &signature).unwrap();
    let wrong = tollgate_sign::SigningKey::from_pem(private.as_bytes(), || {
        Ok(zeroize::Zeroizing::new("wrong".to_owned()))
    });
    assert!(wrong.is_err());

    // COSIGN_PASSWORD is read too; existing files are kept unless --force.
    let again = tollgate_with_env(
        &["key", "generate", "--output-key-prefix", prefix_arg],
        &[("COSIGN_PASSWORD", "")],
    );
    assert_eq!(again.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(stderr.contains("--force"), "{stderr}");
    assert_eq!(
        fs_err::read_to_string(dir.path().join("release.pub")).unwrap(),
        public
    );
    let forced = tollgate_with_env(
        &[
            "key",
            "generate",
            "--force",
            "--algorithm",
            "ed25519",
            "--output-key-prefix",
            prefix_arg,
        ],
        &[("COSIGN_PASSWORD", "")],
    );
    assert!(forced.status.success());
    let replaced = fs_err::read_to_string(dir.path().join("release.key")).unwrap();
    let ed25519 = tollgate_sign::SigningKey::from_pem(replaced.as_bytes(), || {
        Ok(zeroize::Zeroizing::new(String::new()))
    })
    .unwrap();
    assert_eq!(ed25519.algorithm(), tollgate_sign::KeyAlgorithm::Ed25519);
}

#[test]
fn without_a_password_or_a_terminal_it_says_what_to_set() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("k");
    let output = tollgate(&[
        "key",
        "generate",
        "--output-key-prefix",
        prefix.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("TOLLGATE_PASSWORD"), "{stderr}");
    assert!(!dir.path().join("k.key").exists());
}
