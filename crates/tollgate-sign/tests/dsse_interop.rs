#![allow(clippy::print_stderr)] // skip notices when a tool is missing outside CI
//! DSSE envelopes and Sigstore bundles against other implementations.
//!
//! - python's securesystemslib (`securesystemslib.dsse`, the DSSE reference implementation's
//!   successor, used by in-toto and TUF) verifies envelopes tollgate signs, and signs envelopes
//!   tollgate verifies, with ECDSA P-256 (`ecdsa-sha2-nistp256`) and Ed25519 keys. Under
//!   `CI=true` it must be installed (`pip install securesystemslib cryptography`).
//! - A bundle cosign v3.1.3 wrote (`tests/data/README.md` says where it is from).

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use tollgate_sign::bundle::{self, Bundle, BundleContent, BundleError};
use tollgate_sign::dsse::{DsseError, Envelope, IN_TOTO_PAYLOAD_TYPE};
use tollgate_sign::intoto::{COSIGN_SIGN_PREDICATE, Statement};
use tollgate_sign::keys::{KeyAlgorithm, SigningKey, VerifyingKey};

/// `verify` (stdin: a list of {envelope, pem, keyid}; stdout: a list of {ok, error}) and
/// `sign ALGORITHM COUNT` (stdin: {payloadType, payload (base64)}; stdout: a list of
/// {envelope, pem}), with securesystemslib's own key and envelope classes.
const SCRIPT: &str = r#"
import base64, json, sys
from cryptography.hazmat.primitives import serialization
from securesystemslib.dsse import Envelope
from securesystemslib.signer import CryptoSigner, SSlibKey

def public_pem(signer):
    private = serialization.load_pem_private_key(signer.private_bytes, None)
    return private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()

mode = sys.argv[1]
request = json.load(sys.stdin)
if mode == "verify":
    results = []
    for item in request:
        public = serialization.load_pem_public_key(item["pem"].encode())
        loaded = SSlibKey.from_crypto(public)
        # securesystemslib matches signatures to keys by keyid, so the key gets the keyid the
        # envelope names (which may be "", as cosign writes).
        key = SSlibKey(item["keyid"], loaded.keytype, loaded.scheme, loaded.keyval)
        try:
            Envelope.from_dict(item["envelope"]).verify([key], 1)
            results.append({"ok": True, "error": ""})
        except Exception as error:
            results.append({"ok": False, "error": f"{type(error).__name__}: {error}"})
    print(json.dumps(results))
else:
    algorithm, count = sys.argv[2], int(sys.argv[3])
    out = []
    for _ in range(count):
        signer = (CryptoSigner.generate_ecdsa() if algorithm == "ecdsa"
                  else CryptoSigner.generate_ed25519())
        envelope = Envelope(base64.b64decode(request["payload"]), request["payloadType"], {})
        envelope.sign(signer)
        out.append({"envelope": envelope.to_dict(), "pem": public_pem(signer)})
    print(json.dumps(out))
"#;

/// ECDSA signatures from OpenSSL are not normalised to low S; this many per run makes it all but
/// certain both halves are seen.
const SIGNATURES_PER_ALGORITHM: usize = 6;

fn securesystemslib() -> bool {
    tollgate_test::python::module("securesystemslib.dsse")
        && tollgate_test::python::module("cryptography")
}

fn python(args: &[&str], request: &Value) -> Value {
    let mut child = Command::new("python3")
        .arg("-c")
        .arg(SCRIPT)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(request.to_string().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "python: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn statement_payload() -> Vec<u8> {
    Statement::new(
        "registry.example/app",
        &"ab".repeat(32),
        COSIGN_SIGN_PREDICATE,
        json!({}),
    )
    .to_bytes()
}

#[test]
fn securesystemslib_verifies_tollgate_envelopes() {
    if !securesystemslib() {
        return;
    }
    let payload = statement_payload();
    let mut requests = Vec::new();
    let mut expected = Vec::new();
    for algorithm in [KeyAlgorithm::EcdsaP256, KeyAlgorithm::Ed25519] {
        for index in 0..SIGNATURES_PER_ALGORITHM {
            let key = SigningKey::generate(algorithm);
            let pem = key.verifying_key().to_pem().unwrap();
            // cosign's empty keyid, and tollgate's key hint.
            let keyid = if index % 2 == 0 {
                String::new()
            } else {
                bundle::key_hint(&key.verifying_key())
            };
            let envelope = Envelope::sign(IN_TOTO_PAYLOAD_TYPE, &payload, &key, &keyid);
            let json: Value = serde_json::from_slice(&envelope.to_json()).unwrap();
            requests.push(json!({"envelope": json, "pem": pem, "keyid": keyid}));
            expected.push(true);

            if index == 0 {
                // The same envelope, tampered: securesystemslib must reject each, or the test
                // proves nothing.
                let mut payload_changed = envelope.clone();
                payload_changed.payload.push(b' ');
                let mut type_changed = envelope.clone();
                type_changed.payload_type = "application/json".to_owned();
                let other = SigningKey::generate(algorithm).verifying_key();
                for (tampered, pem) in [
                    (&payload_changed, &pem),
                    (&type_changed, &pem),
                    (&envelope, &other.to_pem().unwrap()),
                ] {
                    let json: Value = serde_json::from_slice(&tampered.to_json()).unwrap();
                    requests.push(json!({"envelope": json, "pem": pem, "keyid": keyid}));
                    expected.push(false);
                }
            }
        }
    }
    let results = python(&["verify"], &Value::Array(requests));
    let results = results.as_array().unwrap();
    assert_eq!(results.len(), expected.len());
    for (index, (result, expected)) in results.iter().zip(expected).enumerate() {
        assert_eq!(result["ok"], json!(expected), "envelope {index}: {result}");
        if !expected {
            let error = result["error"].as_str().unwrap();
            assert!(error.starts_with("VerificationError"), "{error}");
        }
    }
}

#[test]
fn tollgate_verifies_securesystemslib_envelopes() {
    if !securesystemslib() {
        return;
    }
    let payload = statement_payload();
    let request =
        json!({"payloadType": IN_TOTO_PAYLOAD_TYPE, "payload": STANDARD.encode(&payload)});
    let count = SIGNATURES_PER_ALGORITHM.to_string();
    for (name, algorithm) in [
        ("ecdsa", KeyAlgorithm::EcdsaP256),
        ("ed25519", KeyAlgorithm::Ed25519),
    ] {
        let signed = python(&["sign", name, &count], &request);
        for item in signed.as_array().unwrap() {
            let key = VerifyingKey::from_pem(item["pem"].as_str().unwrap().as_bytes()).unwrap();
            assert_eq!(key.algorithm(), algorithm);
            let envelope = Envelope::from_json(item["envelope"].to_string().as_bytes()).unwrap();
            assert_eq!(envelope.payload, payload);
            assert_eq!(envelope.payload_type, IN_TOTO_PAYLOAD_TYPE);
            // securesystemslib names the signature by its own keyid (a SHA-256 of its key
            // format); tollgate does not use it.
            assert_eq!(envelope.signatures[0].keyid.len(), 64);
            let keys = [key];
            assert_eq!(envelope.verify(&keys).unwrap(), vec![0]);
            Statement::parse(&envelope.payload)
                .unwrap()
                .check(
                    &format!("sha256:{}", "ab".repeat(32)),
                    Some(COSIGN_SIGN_PREDICATE),
                )
                .unwrap();

            let mut tampered = envelope.clone();
            tampered.payload_type = "application/json".to_owned();
            assert!(matches!(
                tampered.verify(&keys),
                Err(DsseError::NoValidSignature { .. })
            ));
        }
    }
}

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

#[test]
fn cosign_3_sign_blob_bundle() {
    // `cosign sign-blob --key cosign.key --use-signing-config=false --tlog-upload=false
    // --bundle …` (cosign v3.1.3) over "abc  tool.tar.gz\n".
    let json = fs_err::read(data("cosign-v3-sign-blob.sigstore.json")).unwrap();
    let key = VerifyingKey::load(&data("cosign-v3-sign-blob.pub")).unwrap();
    let message = b"abc  tool.tar.gz\n";

    let bundle = Bundle::from_json(&json).unwrap();
    assert_eq!(bundle.media_type, bundle::BUNDLE_MEDIA_TYPE);
    // The hint is the base64 SHA-256 of the key's SPKI DER; there are no log entries.
    assert_eq!(bundle.key_hint, Some(bundle::key_hint(&key)));
    assert!(bundle.tlog_entries.is_empty());
    assert!(bundle.timestamp_verification_data.is_none());
    assert!(bundle.certificates.is_empty());
    assert!(matches!(
        bundle.content,
        BundleContent::MessageSignature { .. }
    ));
    assert_eq!(
        bundle
            .verify_message(message, std::slice::from_ref(&key))
            .unwrap(),
        vec![0]
    );
    assert!(matches!(
        bundle.verify_message(b"abc  tool.tar.gz", &[key]),
        Err(BundleError::DigestMismatch { .. })
    ));
    let other = SigningKey::generate(KeyAlgorithm::EcdsaP256).verifying_key();
    assert!(matches!(
        bundle.verify_message(message, &[other]),
        Err(BundleError::NoValidSignature { keys: 1, .. })
    ));

    // tollgate writes this bundle back byte for byte (cosign's file has no trailing newline).
    assert_eq!(bundle.to_json(), json);
}

#[test]
fn tollgate_bundles_have_cosigns_shape() {
    // What tollgate writes for a blob has the members cosign's has (the order is checked above).
    let cosign: Value =
        serde_json::from_slice(&fs_err::read(data("cosign-v3-sign-blob.sigstore.json")).unwrap())
            .unwrap();
    let key = SigningKey::generate(KeyAlgorithm::EcdsaP256);
    let ours: Value =
        serde_json::from_slice(&Bundle::with_message_signature(b"abc", &key).to_json()).unwrap();
    fn shape(value: &Value) -> Value {
        match value {
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(key, value)| (key.clone(), shape(value)))
                    .collect(),
            ),
            Value::Array(items) => Value::Array(items.iter().map(shape).collect()),
            _ => Value::Null,
        }
    }
    assert_eq!(shape(&ours), shape(&cosign));
}
