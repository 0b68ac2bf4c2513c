//! `tollgate sign`, `verify`, `attest`, `verify-attestation`, and `scan`/`sbom --attest`, on
//! OCI layouts (the registry and skopeo are in `sign_interop`): both layouts round-trip, and
//! every way a signature can be wrong is rejected with its reason.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;
use sha2::Digest as _;
use tollgate_test::builder::{Compression, ImageBuilder, LayerBuilder};

use crate::tollgate_with_env;

const PASSWORD: (&str, &str) = ("TOLLGATE_PASSWORD", "sign-test");
const IDENTITY: &str = "registry.example/team/app:1.0";
const REF_NAME: &str = "org.opencontainers.image.ref.name";
const SIGNATURE: &str = "dev.cosignproject.cosign/signature";

/// A scratch directory with two key pairs and one small image in an OCI layout.
struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let fixture = Self { dir };
        for name in ["k", "k2"] {
            let prefix = fixture.path(name);
            fixture.ok(&["key", "generate", "--output-key-prefix", &prefix]);
        }
        fixture.image("layout", "app");
        fixture
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).to_str().unwrap().to_owned()
    }

    /// A one-layer image (its content named by `marker`, so images differ) in layout `name`.
    fn image(&self, name: &str, marker: &str) -> String {
        ImageBuilder::new()
            .layer(
                LayerBuilder::new()
                    .file("etc/os-release", b"ID=alpine\nVERSION_ID=3.20.0\n", 0o644)
                    .file("srv/marker", marker.as_bytes(), 0o644)
                    .finish(Compression::Gzip),
            )
            .tag("1.0")
            .build()
            .write_oci_layout(&self.dir.path().join(name));
        format!("oci:{}:1.0", self.path(name))
    }

    fn run(&self, args: &[&str]) -> Output {
        tollgate_with_env(args, &[PASSWORD])
    }

    fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(
            output.status.success(),
            "tollgate {args:?} failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }

    /// Run a command that must fail; its stderr.
    fn fails(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert_eq!(
            output.status.code(),
            Some(1),
            "tollgate {args:?} should fail:\n{}",
            String::from_utf8_lossy(&output.stdout)
        );
        assert!(output.stdout.is_empty(), "no output on failure");
        String::from_utf8(output.stderr).unwrap()
    }

    fn key(&self, name: &str) -> String {
        self.path(&format!("{name}.key"))
    }

    fn public(&self, name: &str) -> String {
        self.path(&format!("{name}.pub"))
    }

    fn sign(&self, target: &str, key: &str, extra: &[&str]) -> String {
        let key = self.key(key);
        let mut args = vec!["sign", target, "--key", &key, "--identity", IDENTITY];
        args.extend_from_slice(extra);
        self.ok(&args)
    }

    fn verify(&self, target: &str, keys: &[&str], extra: &[&str]) -> Output {
        let publics: Vec<String> = keys.iter().map(|key| self.public(key)).collect();
        let mut args = vec!["verify", target, "--identity", "registry.example/team/app"];
        for public in &publics {
            args.extend(["--key", public.as_str()]);
        }
        args.extend_from_slice(extra);
        self.run(&args)
    }

    fn verify_ok(&self, target: &str, keys: &[&str], extra: &[&str]) -> Value {
        let mut extra = extra.to_vec();
        extra.extend(["-f", "json"]);
        let output = self.verify(target, keys, &extra);
        assert!(
            output.status.success(),
            "verify failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).unwrap()
    }

    fn verify_fails(&self, target: &str, keys: &[&str], extra: &[&str]) -> String {
        let output = self.verify(target, keys, extra);
        assert_eq!(
            output.status.code(),
            Some(1),
            "verify should fail: {}",
            String::from_utf8_lossy(&output.stdout)
        );
        assert!(output.stdout.is_empty());
        String::from_utf8(output.stderr).unwrap()
    }

    fn layout(&self, name: &str) -> Layout {
        Layout {
            root: self.dir.path().join(name),
        }
    }
}

/// Direct access to a layout's files, to tamper with what `sign` wrote.
struct Layout {
    root: PathBuf,
}

impl Layout {
    fn index(&self) -> Value {
        serde_json::from_slice(&fs_err::read(self.root.join("index.json")).unwrap()).unwrap()
    }

    fn write_index(&self, index: &Value) {
        fs_err::write(
            self.root.join("index.json"),
            serde_json::to_vec(index).unwrap(),
        )
        .unwrap();
    }

    fn blob_path(&self, digest: &str) -> PathBuf {
        self.root
            .join("blobs/sha256")
            .join(digest.trim_start_matches("sha256:"))
    }

    fn blob(&self, digest: &str) -> Vec<u8> {
        fs_err::read(self.blob_path(digest)).unwrap()
    }

    /// Store `bytes`; their digest.
    fn put(&self, bytes: &[u8]) -> String {
        let digest = format!("sha256:{}", hex::encode(sha2::Sha256::digest(bytes)));
        fs_err::write(self.blob_path(&digest), bytes).unwrap();
        digest
    }

    /// The image's manifest digest (the entry tagged 1.0).
    fn image_digest(&self) -> String {
        self.entry_tagged("1.0")["digest"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    fn entry_tagged(&self, tag: &str) -> Value {
        self.index()["manifests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|entry| entry["annotations"][REF_NAME] == tag)
            .cloned()
            .unwrap_or_else(|| panic!("no entry tagged {tag}"))
    }

    fn signature_tag(&self) -> String {
        format!("{}.sig", self.image_digest().replacen(':', "-", 1))
    }

    /// The `.sig` manifest, parsed.
    fn signature_manifest(&self) -> Value {
        let entry = self.entry_tagged(&self.signature_tag());
        serde_json::from_slice(&self.blob(entry["digest"].as_str().unwrap())).unwrap()
    }

    /// Replace what `tag` names by `manifest` (stored as a new blob).
    fn retag(&self, tag: &str, manifest: &Value) {
        let bytes = serde_json::to_vec(manifest).unwrap();
        let digest = self.put(&bytes);
        let mut index = self.index();
        let manifests = index["manifests"].as_array_mut().unwrap();
        manifests.retain(|entry| entry["annotations"][REF_NAME] != tag);
        manifests.push(serde_json::json!({
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "size": bytes.len(),
            "digest": digest,
            "annotations": {REF_NAME: tag},
        }));
        self.write_index(&index);
    }

    /// Drop every untagged entry (the bundle referrers) from index.json.
    fn drop_referrers(&self) {
        let mut index = self.index();
        index["manifests"]
            .as_array_mut()
            .unwrap()
            .retain(|entry| entry["annotations"][REF_NAME].is_string());
        self.write_index(&index);
    }

    /// The untagged entries of index.json (the bundle referrers).
    fn referrers(&self) -> Vec<Value> {
        self.index()["manifests"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|entry| !entry["annotations"][REF_NAME].is_string())
            .cloned()
            .collect()
    }
}

fn layouts(verified: &Value) -> Vec<&str> {
    verified["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|signature| signature["layout"].as_str().unwrap())
        .collect()
}

#[test]
fn both_layouts_are_written_and_each_verifies_on_its_own() {
    let fixture = Fixture::new();
    let target = fixture.image("layout", "app");
    let layout = fixture.layout("layout");
    let digest = layout.image_digest();

    let unsigned = fixture.verify_fails(&target, &["k"], &[]);
    assert!(unsigned.contains("no signatures found"), "{unsigned}");

    let signed = fixture.sign(&target, "k", &["-a", "env=prod"]);
    assert!(signed.contains(&digest), "{signed}");
    assert!(
        signed.contains(&format!("legacy  {}", layout.signature_tag())),
        "{signed}"
    );

    let verified = fixture.verify_ok(&target, &["k"], &["-a", "env=prod"]);
    assert_eq!(layouts(&verified), ["legacy", "bundle"]);
    for signature in verified["signatures"].as_array().unwrap() {
        assert_eq!(signature["docker_manifest_digest"], digest.as_str());
        assert_eq!(signature["docker_reference"], IDENTITY);
        assert_eq!(signature["annotations"]["env"], "prod");
    }
    // The table names what was checked.
    let table = fixture.verify(&target, &["k"], &[]);
    let table = String::from_utf8(table.stdout).unwrap();
    assert!(
        table.contains("repository registry.example/team/app"),
        "{table}"
    );

    // The legacy signature alone verifies: the bundle referrers removed.
    let copy = fixture.image("legacy-only", "app");
    fixture.sign(&copy, "k", &["--signature-format", "legacy"]);
    assert!(fixture.layout("legacy-only").referrers().is_empty());
    assert_eq!(layouts(&fixture.verify_ok(&copy, &["k"], &[])), ["legacy"]);

    // The bundle alone verifies: cosign 3's layout.
    let copy = fixture.image("bundle-only", "app");
    fixture.sign(&copy, "k", &["--signature-format", "bundle"]);
    let bundle_only = fixture.layout("bundle-only");
    assert_eq!(bundle_only.referrers().len(), 1);
    assert_eq!(layouts(&fixture.verify_ok(&copy, &["k"], &[])), ["bundle"]);
    // The referrer is an OCI 1.1 artifact manifest as cosign's bundle spec describes it.
    let referrer = &bundle_only.referrers()[0];
    assert_eq!(
        referrer["artifactType"],
        "application/vnd.dev.sigstore.bundle.v0.3+json"
    );
    let manifest: Value =
        serde_json::from_slice(&bundle_only.blob(referrer["digest"].as_str().unwrap())).unwrap();
    assert_eq!(
        manifest["subject"]["digest"],
        bundle_only.image_digest().as_str()
    );
    assert_eq!(
        manifest["config"]["mediaType"],
        "application/vnd.oci.empty.v1+json"
    );
    assert_eq!(
        manifest["annotations"]["dev.sigstore.bundle.predicateType"],
        "https://sigstore.dev/cosign/sign/v1"
    );
    let bundle: Value = serde_json::from_slice(
        &bundle_only.blob(manifest["layers"][0]["digest"].as_str().unwrap()),
    )
    .unwrap();
    assert_eq!(
        bundle["mediaType"],
        "application/vnd.dev.sigstore.bundle.v0.3+json"
    );
    assert_eq!(
        bundle["dsseEnvelope"]["payloadType"],
        "application/vnd.in-toto+json"
    );
    assert!(bundle["verificationMaterial"]["publicKey"]["hint"].is_string());

    // Signing again with the same key and payload: ECDSA here is deterministic (RFC 6979), so
    // the legacy signature is the same and is not added twice; the bundle is pushed again
    // (same bytes, same digest) and listed once.
    let again = fixture.sign(&target, "k", &["-a", "env=prod"]);
    assert!(again.contains("(already there)"), "{again}");
    assert_eq!(
        layout.signature_manifest()["layers"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(layout.referrers().len(), 1);
    // Another annotation is another payload: a second layer.
    fixture.sign(&target, "k", &["-a", "env=staging"]);
    assert_eq!(
        layout.signature_manifest()["layers"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // The image itself is still what `oci:<dir>` names without a tag.
    let untagged = format!("oci:{}", fixture.path("layout"));
    fixture.ok(&["inspect", &untagged]);
}

#[test]
fn wrong_key_reference_annotation_and_threshold_are_rejected_with_reasons() {
    let fixture = Fixture::new();
    let target = fixture.image("layout", "app");
    fixture.sign(&target, "k", &["-a", "env=prod"]);

    let wrong_key = fixture.verify_fails(&target, &["k2"], &[]);
    assert!(
        wrong_key.contains("0 of the required 1 key(s)"),
        "{wrong_key}"
    );
    assert!(
        wrong_key.contains("the signature was not made over these bytes by this key"),
        "{wrong_key}"
    );

    let publics = fixture.public("k");
    let other_reference = fixture.fails(&[
        "verify",
        &target,
        "--key",
        &publics,
        "--identity",
        "registry.example/team/other",
    ]);
    assert!(
        other_reference.contains(
            "signature valid, but the payload signs the reference \"registry.example/team/app:1.0\""
        ),
        "{other_reference}"
    );
    // An exact identity with another tag is another reference too.
    let other_tag = fixture.fails(&[
        "verify",
        &target,
        "--key",
        &publics,
        "--identity",
        "registry.example/team/app:2.0",
    ]);
    assert!(
        other_tag.contains("expected \"registry.example/team/app:2.0\""),
        "{other_tag}"
    );
    // ... unless the reference is explicitly ignored.
    fixture.ok(&["verify", &target, "--key", &publics, "--ignore-reference"]);
    // An OCI layout has no registry name: the reference must be given or ignored.
    let no_identity = fixture.fails(&["verify", &target, "--key", &publics]);
    assert!(no_identity.contains("--ignore-reference"), "{no_identity}");

    let annotation = fixture.verify_fails(&target, &["k"], &["-a", "env=dev"]);
    assert!(
        annotation
            .contains("annotation \"env\" is required to be \"dev\", the payload has \"prod\""),
        "{annotation}"
    );
    let missing = fixture.verify_fails(&target, &["k"], &["-a", "team=core"]);
    assert!(missing.contains("no such annotation"), "{missing}");

    // Threshold: two distinct keys needed, one signed; then the second signs too.
    let one_of_two = fixture.verify_fails(&target, &["k", "k2"], &["--threshold", "2"]);
    assert!(
        one_of_two.contains("1 of the required 2 key(s)"),
        "{one_of_two}"
    );
    fixture.sign(&target, "k2", &[]);
    let both = fixture.verify_ok(&target, &["k", "k2"], &["--threshold", "2"]);
    assert_eq!(both["signatures"].as_array().unwrap().len(), 4);
    let impossible = fixture.verify_fails(&target, &["k", "k2"], &["--threshold", "3"]);
    assert!(
        impossible.contains("threshold 3 is impossible with 2 key(s)"),
        "{impossible}"
    );
}

/// A name, a way to tamper with a signed layout, and the reason verification must give.
type TamperCase = (&'static str, fn(&Layout), &'static str);

/// Each tampering of a legacy signature, on its own copy of a signed image.
#[test]
fn tampered_legacy_signatures_are_rejected_with_reasons() {
    let fixture = Fixture::new();
    let cases: [TamperCase; 4] = [
        (
            "payload",
            |layout| {
                // A payload that says something else, re-described so that its blob matches:
                // only the signature can catch it.
                let mut manifest = layout.signature_manifest();
                let layer = &mut manifest["layers"][0];
                let payload = layout.blob(layer["digest"].as_str().unwrap());
                let tampered = String::from_utf8(payload)
                    .unwrap()
                    .replace(
                        "registry.example/team/app:1.0",
                        "registry.example/team/app:9.9",
                    )
                    .into_bytes();
                layer["digest"] = Value::from(layout.put(&tampered));
                layer["size"] = Value::from(tampered.len());
                layout.retag(&layout.signature_tag(), &manifest);
            },
            "the signature was not made over these bytes by this key",
        ),
        (
            "truncated-signature",
            |layout| {
                let mut manifest = layout.signature_manifest();
                let annotation = &mut manifest["layers"][0]["annotations"][SIGNATURE];
                let encoded = annotation.as_str().unwrap().to_owned();
                *annotation = Value::from(&encoded[..encoded.len() - 8]);
                layout.retag(&layout.signature_tag(), &manifest);
            },
            "layer 0",
        ),
        (
            "missing-annotation",
            |layout| {
                let mut manifest = layout.signature_manifest();
                manifest["layers"][0]["annotations"]
                    .as_object_mut()
                    .unwrap()
                    .remove(SIGNATURE);
                layout.retag(&layout.signature_tag(), &manifest);
            },
            "has no dev.cosignproject.cosign/signature annotation",
        ),
        (
            "blob-swapped",
            |layout| {
                // The descriptor still names the original payload; the blob is another.
                let manifest = layout.signature_manifest();
                let digest = manifest["layers"][0]["digest"].as_str().unwrap();
                fs_err::write(layout.blob_path(digest), b"{}").unwrap();
            },
            "digest mismatch for blob",
        ),
    ];
    for (name, tamper, reason) in cases {
        let target = fixture.image(name, "app");
        fixture.sign(&target, "k", &["--signature-format", "legacy"]);
        tamper(&fixture.layout(name));
        let stderr = fixture.verify_fails(&target, &["k"], &[]);
        assert!(stderr.contains(reason), "{name}: {stderr}");
        assert!(
            stderr.contains("0 of the required 1 key(s)"),
            "{name}: {stderr}"
        );
    }
}

/// A valid signature of one image does not verify another: the legacy payload names the first
/// digest, and a bundle referrer's statement names the first image as its subject.
#[test]
fn signatures_for_another_digest_are_rejected() {
    let fixture = Fixture::new();
    let signed_target = fixture.image("signed", "one");
    let other_target = fixture.image("other", "two");
    fixture.sign(&signed_target, "k", &[]);
    let signed = fixture.layout("signed");
    let other = fixture.layout("other");
    assert_ne!(signed.image_digest(), other.image_digest());

    // Copy every blob of the signed layout into the other (content-addressed: no clash).
    for entry in fs_err::read_dir(signed.root.join("blobs/sha256")).unwrap() {
        let entry = entry.unwrap();
        let destination = other.root.join("blobs/sha256").join(entry.file_name());
        if !destination.exists() {
            fs_err::copy(entry.path(), destination).unwrap();
        }
    }
    // The legacy signature manifest under the other image's tag.
    other.retag(&other.signature_tag(), &signed.signature_manifest());
    // The bundle referrer, re-pointed at the other image (the subject is only a pointer; the
    // signed statement inside still names the first image).
    let referrer = &signed.referrers()[0];
    let mut manifest: Value =
        serde_json::from_slice(&signed.blob(referrer["digest"].as_str().unwrap())).unwrap();
    manifest["subject"]["digest"] = Value::from(other.image_digest());
    let bytes = serde_json::to_vec(&manifest).unwrap();
    let digest = other.put(&bytes);
    let mut index = other.index();
    index["manifests"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "size": bytes.len(),
            "digest": digest,
            "artifactType": "application/vnd.dev.sigstore.bundle.v0.3+json",
        }));
    other.write_index(&index);

    let stderr = fixture.verify_fails(&other_target, &["k"], &[]);
    let (signed_digest, other_digest) = (signed.image_digest(), other.image_digest());
    assert!(
        stderr.contains(&format!(
            "signature valid, but the payload signs manifest {signed_digest}, not {other_digest}"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "signature valid, but the in-toto statement is about {signed_digest}, not {other_digest}"
        )),
        "{stderr}"
    );
    assert!(
        stderr.matches("signature valid, but").count() == 2,
        "both layouts rejected for the digest: {stderr}"
    );
    // The original still verifies.
    fixture.verify_ok(&signed_target, &["k"], &[]);
    // Dropping the referrers leaves the legacy rejection alone.
    other.drop_referrers();
    let stderr = fixture.verify_fails(&other_target, &["k"], &[]);
    assert_eq!(
        stderr.matches("signature valid, but").count(),
        1,
        "{stderr}"
    );
}

#[test]
fn attestations_round_trip_and_check_type_subject_and_key() {
    let fixture = Fixture::new();
    let target = fixture.image("layout", "app");
    let predicate = fixture.path("provenance.json");
    fs_err::write(
        &predicate,
        br#"{"buildDefinition":{"buildType":"https://example.com/build/v1"},"runDetails":{}}"#,
    )
    .unwrap();
    let key = fixture.key("k");
    let attested = fixture.ok(&[
        "attest",
        &target,
        "--key",
        &key,
        "--type",
        "slsaprovenance1",
        "--predicate",
        &predicate,
    ]);
    assert!(
        attested.contains("https://slsa.dev/provenance/v1"),
        "{attested}"
    );
    let layout = fixture.layout("layout");
    let att_tag = format!("{}.att", layout.image_digest().replacen(':', "-", 1));
    let att = layout.entry_tagged(&att_tag);
    let att: Value = serde_json::from_slice(&layout.blob(att["digest"].as_str().unwrap())).unwrap();
    assert_eq!(
        att["layers"][0]["mediaType"],
        "application/vnd.dsse.envelope.v1+json"
    );
    assert_eq!(
        att["layers"][0]["annotations"]["predicateType"],
        "https://slsa.dev/provenance/v1"
    );

    let public = fixture.public("k");
    let verified = fixture.ok(&[
        "verify-attestation",
        &target,
        "--key",
        &public,
        "--type",
        "slsaprovenance1",
        "-f",
        "json",
    ]);
    let verified: Value = serde_json::from_str(&verified).unwrap();
    let attestations = verified["attestations"].as_array().unwrap();
    assert_eq!(attestations.len(), 2, "the .att layer and the bundle");
    for attestation in attestations {
        let statement = &attestation["statement"];
        assert_eq!(statement["_type"], "https://in-toto.io/Statement/v1");
        assert_eq!(
            statement["predicate"]["buildDefinition"]["buildType"],
            "https://example.com/build/v1"
        );
        assert_eq!(
            format!(
                "sha256:{}",
                statement["subject"][0]["digest"]["sha256"]
                    .as_str()
                    .unwrap()
            ),
            layout.image_digest()
        );
    }
    // Attestations are not signatures, and signatures are not attestations.
    let not_signed = fixture.verify_fails(&target, &["k"], &[]);
    assert!(not_signed.contains("no signatures found"), "{not_signed}");

    let other_type = fixture.fails(&[
        "verify-attestation",
        &target,
        "--key",
        &public,
        "--type",
        "cyclonedx",
    ]);
    assert!(
        other_type.contains("https://cyclonedx.org/bom"),
        "{other_type}"
    );
    assert!(
        other_type.contains("https://slsa.dev/provenance/v1"),
        "{other_type}"
    );
    let other_key = fixture.public("k2");
    let wrong_key = fixture.fails(&["verify-attestation", &target, "--key", &other_key]);
    assert!(
        wrong_key.contains("0 of the required 1 key(s)"),
        "{wrong_key}"
    );

    // A tampered envelope payload (re-described so the blob matches) fails the DSSE check.
    let mut manifest = att.clone();
    let layer = &mut manifest["layers"][0];
    let envelope: Value =
        serde_json::from_slice(&layout.blob(layer["digest"].as_str().unwrap())).unwrap();
    let mut tampered = envelope.clone();
    let statement = String::from_utf8(base64_decode(envelope["payload"].as_str().unwrap()))
        .unwrap()
        .replace("example.com/build", "evil.example/build");
    tampered["payload"] = Value::from(base64_encode(statement.as_bytes()));
    let bytes = serde_json::to_vec(&tampered).unwrap();
    layer["digest"] = Value::from(layout.put(&bytes));
    layer["size"] = Value::from(bytes.len());
    layout.retag(&att_tag, &manifest);
    layout.drop_referrers();
    let tampered = fixture.fails(&["verify-attestation", &target, "--key", &public]);
    assert!(tampered.contains("DSSE envelope"), "{tampered}");

    // Bad inputs: an unknown type name, a predicate that is not JSON.
    let bad_type = fixture.fails(&[
        "attest",
        &target,
        "--key",
        &key,
        "--type",
        "nonsense",
        "--predicate",
        &predicate,
    ]);
    assert!(bad_type.contains("nonsense"), "{bad_type}");
    let not_json = fixture.path("not.json");
    fs_err::write(&not_json, b"plain text").unwrap();
    let bad_predicate =
        fixture.fails(&["attest", &target, "--key", &key, "--predicate", &not_json]);
    assert!(bad_predicate.contains("is not JSON"), "{bad_predicate}");
}

#[test]
fn sbom_and_scan_attach_their_reports_as_attestations() {
    let fixture = Fixture::new();
    let target = fixture.image("layout", "app");
    let key = fixture.key("k");
    let public = fixture.public("k");
    let sbom = fixture.ok(&[
        "sbom",
        &target,
        "-f",
        "cyclonedx-json",
        "--attest",
        "--key",
        &key,
    ]);
    let sbom: Value = serde_json::from_str(&sbom).unwrap();
    let verified = fixture.ok(&[
        "verify-attestation",
        &target,
        "--key",
        &public,
        "--type",
        "cyclonedx",
        "-f",
        "json",
    ]);
    let verified: Value = serde_json::from_str(&verified).unwrap();
    for attestation in verified["attestations"].as_array().unwrap() {
        assert_eq!(attestation["statement"]["predicate"], sbom);
    }

    let report = fixture.ok(&[
        "scan",
        &target,
        "--scanners",
        "config",
        "-f",
        "json",
        "--attest",
        "--key",
        &key,
        "--signature-format",
        "legacy",
    ]);
    let report: Value = serde_json::from_str(&report).unwrap();
    let verified = fixture.ok(&[
        "verify-attestation",
        &target,
        "--key",
        &public,
        "--type",
        "vuln",
        "-f",
        "json",
    ]);
    let verified: Value = serde_json::from_str(&verified).unwrap();
    let attestations = verified["attestations"].as_array().unwrap();
    assert_eq!(
        attestations.len(),
        1,
        "--signature-format legacy: the .att layer only"
    );
    let predicate = &attestations[0]["statement"]["predicate"];
    assert_eq!(predicate["scanner"]["result"], report);
    assert_eq!(predicate["scanner"]["version"], env!("CARGO_PKG_VERSION"));

    // --attest without a key, a table SBOM, or an archive: refused before anything is written.
    let no_key = fixture.run(&["scan", &target, "--scanners", "config", "--attest"]);
    assert_eq!(
        no_key.status.code(),
        Some(2),
        "clap rejects --attest without --key"
    );
    let output = fixture.path("sbom.json");
    let table = fixture.fails(&["sbom", &target, "--attest", "--key", &key, "-o", &output]);
    assert!(table.contains("-f cyclonedx-json"), "{table}");
    assert!(!Path::new(&output).exists(), "nothing written on failure");
}

#[test]
fn archives_cannot_be_signed() {
    let fixture = Fixture::new();
    let archive = fixture.dir.path().join("image.tar");
    ImageBuilder::new()
        .layer(
            LayerBuilder::new()
                .file("a", b"a", 0o644)
                .finish(Compression::Gzip),
        )
        .build()
        .write_oci_archive(&archive);
    let target = format!("oci-archive:{}", archive.display());
    let key = fixture.key("k");
    let stderr = fixture.fails(&["sign", &target, "--key", &key]);
    let first = stderr.lines().next().unwrap();
    assert!(
        first.contains("registry (docker://) or an OCI layout directory"),
        "{stderr}"
    );
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap()
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
