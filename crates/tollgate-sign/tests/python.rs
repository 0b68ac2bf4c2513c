#![allow(clippy::print_stderr)] // skip notices when a tool is missing outside CI
//! Differential tests of the encrypted key envelope against an independent implementation:
//! python's `hashlib.scrypt` (OpenSSL) and PyNaCl's `SecretBox` (libsodium). Under `CI=true` the
//! python module must be installed (`pip install pynacl`).

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use tollgate_sign::keys::{KeyAlgorithm, SigningKey, encrypted};
use zeroize::Zeroizing;

/// What `.ci/run` must install for these tests.
const PIP: &str = "pip install pynacl";

/// `encrypt PASSWORD` (plaintext hex on stdin, envelope JSON out) and `decrypt PASSWORD`
/// (envelope on stdin, plaintext hex out), written from the go-securesystemslib format alone.
const SCRIPT: &str = r#"
import base64, hashlib, json, os, sys
import nacl.secret

mode, password = sys.argv[1], sys.argv[2].encode()
data = sys.stdin.read()

def key(kdf):
    params = kdf["params"]
    return hashlib.scrypt(password, salt=base64.b64decode(kdf["salt"]), n=params["N"],
                          r=params["r"], p=params["p"], maxmem=256 * 1024 * 1024, dklen=32)

if mode == "encrypt":
    n = int(sys.argv[3])
    kdf = {"name": "scrypt", "params": {"N": n, "r": 8, "p": 1},
           "salt": base64.b64encode(os.urandom(32)).decode()}
    nonce = os.urandom(24)
    sealed = nacl.secret.SecretBox(key(kdf)).encrypt(bytes.fromhex(data.strip()), nonce)
    print(json.dumps({"kdf": kdf,
                      "cipher": {"name": "nacl/secretbox", "nonce": base64.b64encode(nonce).decode()},
                      "ciphertext": base64.b64encode(sealed.ciphertext).decode()}))
else:
    envelope = json.loads(data)
    assert envelope["kdf"]["name"] == "scrypt" and envelope["cipher"]["name"] == "nacl/secretbox"
    box = nacl.secret.SecretBox(key(envelope["kdf"]))
    plaintext = box.decrypt(base64.b64decode(envelope["ciphertext"]),
                            base64.b64decode(envelope["cipher"]["nonce"]))
    print(plaintext.hex())
"#;

fn pynacl() -> bool {
    let found = Command::new("python3")
        .args(["-c", "import nacl.secret, hashlib; hashlib.scrypt"])
        .output()
        .is_ok_and(|output| output.status.success());
    assert!(
        found || !tollgate_test::in_ci(),
        "CI=true but the python module `nacl` (PyNaCl) is not installed: .ci/run must `{PIP}`"
    );
    if !found {
        eprintln!("notice: skipping, the python module `nacl` is not installed ({PIP})");
    }
    found
}

fn python(args: &[&str], stdin: &[u8]) -> Vec<u8> {
    let mut child = Command::new("python3")
        .arg("-c")
        .arg(SCRIPT)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "python: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

fn pem_body(pem: &str) -> Vec<u8> {
    let body: String = pem
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .collect();
    STANDARD.decode(body).unwrap()
}

#[test]
fn python_decrypts_keys_tollgate_writes() {
    if !pynacl() {
        return;
    }
    for algorithm in [KeyAlgorithm::EcdsaP256, KeyAlgorithm::Ed25519] {
        let key = SigningKey::generate(algorithm);
        let pem = key.to_encrypted_pem("pässword".as_bytes()).unwrap();
        let envelope = pem_body(&pem);
        let plaintext = python(&["decrypt", "pässword"], &envelope);
        let plaintext = String::from_utf8(plaintext).unwrap();
        assert_eq!(
            plaintext.trim(),
            hex::encode(key.to_pkcs8_der().unwrap().as_slice())
        );
    }
}

#[test]
fn tollgate_decrypts_envelopes_python_writes() {
    if !pynacl() {
        return;
    }
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/sigstore-rs-ecdsa-plain.key");
    let plain = SigningKey::load(&path, || panic!("not encrypted")).unwrap();
    let der = plain.to_pkcs8_der().unwrap();
    for n in ["32768", "65536"] {
        let envelope = python(&["encrypt", "", n], hex::encode(der.as_slice()).as_bytes());
        // The bare envelope.
        assert_eq!(
            encrypted::decrypt(&envelope, b"").unwrap().as_slice(),
            der.as_slice()
        );
        // As a cosign key file.
        let pem = pem_rfc7468_encode(&envelope);
        let key =
            SigningKey::from_pem(pem.as_bytes(), || Ok(Zeroizing::new(String::new()))).unwrap();
        assert_eq!(key.verifying_key(), plain.verifying_key());
        let wrong = SigningKey::from_pem(pem.as_bytes(), || Ok(Zeroizing::new("x".into())));
        assert!(
            wrong
                .unwrap_err()
                .to_string()
                .contains("wrong password or corrupt key")
        );
    }
}

fn pem_rfc7468_encode(envelope: &[u8]) -> String {
    let body = STANDARD.encode(envelope);
    let mut pem = String::from("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n");
    for chunk in body.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(chunk).unwrap());
        pem.push('\n');
    }
    pem.push_str("-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n");
    pem
}
