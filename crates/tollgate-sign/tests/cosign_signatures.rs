//! Simple-signing signatures made by cosign (fixtures of containers/image, see
//! `tests/data/README.md`), verified by tollgate; and tollgate's own round trips through the
//! legacy `.sig` layout.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use tollgate_sign::legacy::{self, LayerError, SignedPayload};
use tollgate_sign::verify::Rejection;
use tollgate_sign::{
    KeyAlgorithm, ReferencePolicy, SigningKey, SimpleSigning, VerifyError, VerifyingKey,
    verify_signatures,
};

/// The manifest (list) digest cosign signed: quay.io/libpod/alpine:3.10.2.
const DIGEST: &str = "sha256:fa93b01658e3a5a1686dc3ae55f170d8de487006fb53a28efcd12ab0710a2e5f";
const REFERENCE: &str = "192.168.64.2:5000/test-repo-2100826901021538654/alpine";

fn data(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    fs_err::read(path).unwrap()
}

fn cosign_key() -> VerifyingKey {
    VerifyingKey::from_pem(&data("containers-image-fulcio-cert.pub")).unwrap()
}

fn other_key() -> VerifyingKey {
    VerifyingKey::from_pem(&data("containers-image-cosign.pub")).unwrap()
}

fn cosign_pair() -> SignedPayload {
    let signature =
        legacy::decode_signature(&String::from_utf8(data("containers-image-rekor-sig")).unwrap())
            .unwrap();
    SignedPayload {
        payload: data("containers-image-rekor-payload"),
        signature,
        source: "cosign fixture".to_owned(),
    }
}

fn verify(
    pair: SignedPayload,
    keys: &[VerifyingKey],
    digest: &str,
    reference: &ReferencePolicy,
) -> Result<Vec<tollgate_sign::Verified>, VerifyError> {
    verify_signatures(&[pair], &[], keys, digest, reference, &[], 1)
}

fn reasons(error: VerifyError) -> String {
    match error {
        VerifyError::NotEnough { rejections, .. } => rejections
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n"),
        other => panic!("unexpected {other}"),
    }
}

#[test]
fn cosign_signature_verifies() {
    let exact = ReferencePolicy::Exact(REFERENCE.to_owned());
    let verified = verify(cosign_pair(), &[cosign_key()], DIGEST, &exact).unwrap();
    assert_eq!(verified.len(), 1);
    assert_eq!(verified[0].payload.manifest_digest, DIGEST);
    assert_eq!(verified[0].payload.docker_reference, REFERENCE);
    assert_eq!(verified[0].payload.optional, None);
    // Among several keys, the right one is found.
    let verified = verify(
        cosign_pair(),
        &[other_key(), cosign_key()],
        DIGEST,
        &ReferencePolicy::Repository(REFERENCE.to_owned()),
    )
    .unwrap();
    assert_eq!(verified[0].key_index, 1);
}

#[test]
fn tollgate_writes_cosigns_payload_byte_for_byte() {
    let payload = SimpleSigning::new(REFERENCE, DIGEST, &BTreeMap::new()).unwrap();
    assert_eq!(payload.to_bytes(), data("containers-image-rekor-payload"));
}

#[test]
fn cosign_signature_rejections() {
    let ignore = ReferencePolicy::Ignore;
    let mut tampered = cosign_pair();
    tampered.payload = String::from_utf8(tampered.payload)
        .unwrap()
        .replace("alpine", "alpinf")
        .into_bytes();
    let why = reasons(verify(tampered, &[cosign_key()], DIGEST, &ignore).unwrap_err());
    assert!(why.contains("signature verification failed"), "{why}");

    let mut flipped = cosign_pair();
    let last = flipped.signature.len() - 2;
    flipped.signature[last] ^= 1;
    let why = reasons(verify(flipped, &[cosign_key()], DIGEST, &ignore).unwrap_err());
    assert!(why.contains("signature verification failed"), "{why}");

    let mut truncated = cosign_pair();
    truncated.signature.truncate(40);
    let why = reasons(verify(truncated, &[cosign_key()], DIGEST, &ignore).unwrap_err());
    assert!(why.contains("malformed signature"), "{why}");

    let why = reasons(verify(cosign_pair(), &[other_key()], DIGEST, &ignore).unwrap_err());
    assert!(why.contains("signature verification failed"), "{why}");

    let amd64 = "sha256:634a8f35b5f16dcf4aaa0822adc0b1964bb786fca12f6831de8ddc45e5986a00";
    let why = reasons(verify(cosign_pair(), &[cosign_key()], amd64, &ignore).unwrap_err());
    assert!(
        why.contains("signature valid, but") && why.contains("not sha256:634a8f35"),
        "{why}"
    );

    let elsewhere = ReferencePolicy::Exact("192.168.64.2:5000/other/alpine".to_owned());
    let why = reasons(verify(cosign_pair(), &[cosign_key()], DIGEST, &elsewhere).unwrap_err());
    assert!(why.contains("reference"), "{why}");

    let why = reasons(
        verify_signatures(
            &[cosign_pair()],
            &[],
            &[cosign_key()],
            DIGEST,
            &ignore,
            &[("env", "prod")],
            1,
        )
        .unwrap_err(),
    );
    assert!(why.contains("no such annotation"), "{why}");
}

/// containers/image's fixtures also hold signatures made with cosign.pub's key over `&` and
/// `{}`: the signatures verify, the payloads must still be rejected.
#[test]
fn valid_signatures_over_invalid_payloads_are_rejected() {
    for (payload, signature) in [
        (
            &b"&"[..],
            "MEUCIARnnxZQPALBfqkB4aNAYXad79Qs6VehcrgIeZ8p7I2FAiEAzq2HXwXlz1iJeh+ucUR3L0zpjynQk6Rk0+/gXYp49RU=",
        ),
        (
            &b"{}"[..],
            "MEUCIQDkySOBGxastVP0+koTA33NH5hXjwosFau4rxTPN6g48QIgb7eWKkGqfEpHMM3aT4xiqyP/170jEkdFuciuwN4mux4=",
        ),
    ] {
        let signature = legacy::decode_signature(signature).unwrap();
        other_key().verify(payload, &signature).unwrap();
        let pair = SignedPayload {
            payload: payload.to_vec(),
            signature,
            source: "containers/image fixture".to_owned(),
        };
        let why =
            reasons(verify(pair, &[other_key()], DIGEST, &ReferencePolicy::Ignore).unwrap_err());
        assert!(
            why.contains("signature valid, but the payload is not a simple-signing document"),
            "{why}"
        );
    }
}

/// A blob store for [`legacy::extract_signatures`].
struct Blobs(HashMap<String, Vec<u8>>);

impl Blobs {
    fn fetch(&self, descriptor: &legacy::Descriptor) -> Result<Vec<u8>, String> {
        self.0
            .get(&descriptor.digest)
            .cloned()
            .ok_or_else(|| format!("blob {} not found", descriptor.digest))
    }
}

fn read_back(
    manifest: &[u8],
    blobs: &Blobs,
) -> (Vec<SignedPayload>, Vec<Rejection>, Vec<LayerError>) {
    let mut pairs = Vec::new();
    let mut unreadable = Vec::new();
    let mut errors = Vec::new();
    for layer in legacy::extract_signatures(manifest, |d| blobs.fetch(d)).unwrap() {
        match layer {
            Ok(pair) => pairs.push(pair),
            Err(error) => {
                unreadable.push(Rejection {
                    source: "signature manifest".to_owned(),
                    reason: error.to_string(),
                });
                errors.push(error);
            }
        }
    }
    (pairs, unreadable, errors)
}

#[test]
fn cosign_signature_through_the_legacy_layout() {
    let pair = cosign_pair();
    let artifact = legacy::new_signature_manifest(&pair.payload, &pair.signature).unwrap();
    let blobs = Blobs(HashMap::from([(
        legacy::sha256_digest(&pair.payload),
        pair.payload.clone(),
    )]));
    let (pairs, unreadable, _) = read_back(&artifact.manifest_bytes, &blobs);
    assert_eq!(pairs.len(), 1);
    assert_eq!(pairs[0].payload, pair.payload);
    assert_eq!(pairs[0].signature, pair.signature);
    verify_signatures(
        &pairs,
        &unreadable,
        &[cosign_key()],
        DIGEST,
        &ReferencePolicy::Ignore,
        &[],
        1,
    )
    .unwrap();

    // A registry serving another blob under the payload's digest.
    let lying = Blobs(HashMap::from([(
        legacy::sha256_digest(&pair.payload),
        b"{}".to_vec(),
    )]));
    let (pairs, _, errors) = read_back(&artifact.manifest_bytes, &lying);
    assert!(pairs.is_empty());
    assert!(matches!(errors[..], [LayerError::BlobMismatch { .. }]));

    // A layer without its signature annotation.
    let stripped = String::from_utf8(artifact.manifest_bytes.clone())
        .unwrap()
        .replace("dev.cosignproject.cosign/signature", "dev.example/other");
    let (_, unreadable, errors) = read_back(stripped.as_bytes(), &blobs);
    assert!(matches!(errors[..], [LayerError::MissingSignature { .. }]));
    let why = reasons(
        verify_signatures(
            &[],
            &unreadable,
            &[cosign_key()],
            DIGEST,
            &ReferencePolicy::Ignore,
            &[],
            1,
        )
        .unwrap_err(),
    );
    assert!(
        why.contains("has no dev.cosignproject.cosign/signature"),
        "{why}"
    );
}

#[test]
fn tollgate_round_trip_with_threshold() {
    let digest = legacy::sha256_digest(b"an image manifest");
    let reference = "registry.example/team/app";
    let annotations = BTreeMap::from([("env".to_owned(), "prod".to_owned())]);
    let payload = SimpleSigning::new(reference, &digest, &annotations)
        .unwrap()
        .to_bytes();
    let ecdsa = SigningKey::generate(KeyAlgorithm::EcdsaP256);
    let ed25519 = SigningKey::generate(KeyAlgorithm::Ed25519);
    let stranger = SigningKey::generate(KeyAlgorithm::EcdsaP256);

    let first = legacy::new_signature_manifest(&payload, &ecdsa.sign(&payload)).unwrap();
    let ed_signature = ed25519.sign(&payload);
    let second = legacy::append_signature(&first.manifest_bytes, &payload, &ed_signature).unwrap();
    let again = legacy::append_signature(&second.manifest_bytes, &payload, &ed_signature).unwrap();
    assert!(!again.added);
    assert_eq!(again.manifest_bytes, second.manifest_bytes);
    assert_eq!(
        legacy::signature_tag(&digest).unwrap(),
        format!("sha256-{}.sig", &digest[7..])
    );

    let blobs = Blobs(HashMap::from([(legacy::sha256_digest(&payload), payload)]));
    let (pairs, unreadable, _) = read_back(&second.manifest_bytes, &blobs);
    assert_eq!(pairs.len(), 2);
    let keys = [ecdsa.verifying_key(), ed25519.verifying_key()];
    let policy = ReferencePolicy::Repository(reference.to_owned());
    let verified = verify_signatures(
        &pairs,
        &unreadable,
        &keys,
        &digest,
        &policy,
        &[("env", "prod")],
        2,
    )
    .unwrap();
    assert_eq!(
        verified.iter().map(|v| v.key_index).collect::<Vec<_>>(),
        [0, 1]
    );

    // Two signatures by one key do not make a threshold of two.
    let keys = [ecdsa.verifying_key(), stranger.verifying_key()];
    let error =
        verify_signatures(&pairs, &unreadable, &keys, &digest, &policy, &[], 2).unwrap_err();
    assert!(
        matches!(
            error,
            VerifyError::NotEnough {
                found: 1,
                threshold: 2,
                ..
            }
        ),
        "{error}"
    );
    assert!(matches!(
        verify_signatures(&pairs, &unreadable, &keys, &digest, &policy, &[], 3),
        Err(VerifyError::BadThreshold { .. })
    ));
    assert!(matches!(
        verify_signatures(&pairs, &unreadable, &keys, &digest, &policy, &[], 0),
        Err(VerifyError::BadThreshold { .. })
    ));
}
