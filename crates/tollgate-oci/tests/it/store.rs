//! Writing artifacts beside an image: blobs, tagged manifests and referrers, in a real
//! registry (distribution 2.8, `docker-registry`, which has no referrers API, so the referrers
//! tag schema is used) and in an OCI layout directory; an image in a layout that also holds
//! its signatures still opens without a reference.

use tollgate_oci::store::{ArtifactStore, REF_NAME_ANNOTATION, referrers_tag};
use tollgate_oci::{Digest, Image, OpenOptions, Target, media_type};
use tollgate_test::builder::{Compression, ImageBuilder, LayerBuilder};
use tollgate_test::registry::LoopbackRegistry;
use tollgate_test::tool_or_skip;

const EMPTY_JSON: &[u8] = b"{}";
const BUNDLE_TYPE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";

/// A referrer manifest of `subject` holding `payload` as its one layer.
fn referrer(subject: &tollgate_oci::store::StoredManifest, payload: &[u8]) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": media_type::OCI_MANIFEST,
        "artifactType": BUNDLE_TYPE,
        "config": {
            "mediaType": "application/vnd.oci.empty.v1+json",
            "size": 2,
            "digest": Digest::sha256_of(EMPTY_JSON).to_string(),
        },
        "layers": [{
            "mediaType": BUNDLE_TYPE,
            "size": payload.len(),
            "digest": Digest::sha256_of(payload).to_string(),
        }],
        "subject": {
            "mediaType": subject.media_type,
            "size": subject.bytes.len(),
            "digest": subject.digest.to_string(),
        },
        "annotations": {"dev.sigstore.bundle.content": "dsse-envelope"},
    }))
    .unwrap()
}

/// Everything a signing client does, then read back: the image resolves, a tagged manifest
/// and its blobs round-trip, two referrers are listed (once each, however often pushed).
fn exercise(store: &ArtifactStore) {
    let image = store.resolve().unwrap();
    assert_eq!(image.media_type, media_type::OCI_MANIFEST);

    let payload = br#"{"critical":{}}"#;
    let payload_digest = store.push_blob(payload).unwrap();
    assert_eq!(payload_digest, Digest::sha256_of(payload));
    // Pushing a blob the store has is a no-op, not an error.
    store.push_blob(payload).unwrap();
    assert_eq!(store.blob(&payload_digest, 1024).unwrap(), payload.to_vec());
    let too_small = store.blob(&payload_digest, 4).unwrap_err();
    assert!(
        too_small.to_string().contains("exceeds the limit"),
        "{too_small}"
    );

    let tag = format!("{}.sig", referrers_tag(&image.digest));
    assert!(store.manifest(&tag).unwrap().is_none());
    store.push_blob(EMPTY_JSON).unwrap();
    // A legacy signature manifest has no subject: it is found by its tag alone.
    let mut signature_manifest: serde_json::Value =
        serde_json::from_slice(&referrer(&image, payload)).unwrap();
    signature_manifest
        .as_object_mut()
        .unwrap()
        .remove("subject");
    let signature_manifest = serde_json::to_vec(&signature_manifest).unwrap();
    let pushed = store
        .push_manifest(&signature_manifest, media_type::OCI_MANIFEST, Some(&tag))
        .unwrap();
    let fetched = store.manifest(&tag).unwrap().unwrap();
    assert_eq!(fetched.bytes, signature_manifest);
    assert_eq!(fetched.digest, pushed.digest);
    let by_digest = store.manifest(&pushed.digest.to_string()).unwrap().unwrap();
    assert_eq!(by_digest.bytes, signature_manifest);

    assert!(store.referrers(&image.digest).unwrap().is_empty());
    let first = referrer(&image, b"first bundle");
    let second = referrer(&image, b"second bundle");
    for blob in [&b"first bundle"[..], b"second bundle"] {
        store.push_blob(blob).unwrap();
    }
    let first_digest = store.push_referrer(&first, &image.digest).unwrap();
    let second_digest = store.push_referrer(&second, &image.digest).unwrap();
    store.push_referrer(&first, &image.digest).unwrap();
    let listed = store.referrers(&image.digest).unwrap();
    let digests: Vec<&str> = listed.iter().map(|d| d.digest.as_str()).collect();
    assert_eq!(
        digests,
        [first_digest.to_string(), second_digest.to_string()],
        "{listed:?}"
    );
    for entry in &listed {
        assert_eq!(entry.artifact_type(), Some(BUNDLE_TYPE));
        assert_eq!(
            entry.annotation("dev.sigstore.bundle.content"),
            Some("dsse-envelope")
        );
        assert_eq!(entry.media_type, media_type::OCI_MANIFEST);
    }
    // Another subject has no referrers.
    let other = Digest::sha256_of(b"another image");
    assert!(store.referrers(&other).unwrap().is_empty());
}

fn small_image() -> tollgate_test::builder::BuiltImage {
    ImageBuilder::new()
        .layer(
            LayerBuilder::new()
                .file("etc/os-release", b"ID=test\n", 0o644)
                .finish(Compression::Gzip),
        )
        .tag("1.0")
        .build()
}

#[test]
fn registry_store_pushes_and_lists_referrers_by_the_tag_schema() {
    tool_or_skip!("docker-registry");
    tool_or_skip!("skopeo");
    let registry = LoopbackRegistry::start();
    let scratch = tempfile::tempdir().unwrap();
    small_image().write_oci_layout(scratch.path());
    registry.push_with_skopeo_args(
        &format!("oci:{}:1.0", scratch.path().display()),
        "team/app:1.0",
        &["--preserve-digests"],
    );
    let target = Target::parse(&registry.target("team/app:1.0")).unwrap();
    let store = ArtifactStore::open(&target, &OpenOptions::default()).unwrap();
    exercise(&store);
    // distribution 2.8 has no referrers API: the index lives under the referrers tag, where
    // cosign and oras look for it too.
    let image = store.resolve().unwrap();
    let index = store
        .manifest(&referrers_tag(&image.digest))
        .unwrap()
        .unwrap();
    assert_eq!(index.media_type, media_type::OCI_INDEX);
    // The image still pulls as it did.
    Image::open(&target, &OpenOptions::default()).unwrap();
}

#[test]
fn registry_store_with_basic_auth_pushes_with_credentials() {
    tool_or_skip!("docker-registry");
    tool_or_skip!("skopeo");
    tool_or_skip!("htpasswd");
    let registry = LoopbackRegistry::with_basic_auth("signer", "s3cret");
    let scratch = tempfile::tempdir().unwrap();
    small_image().write_oci_layout(scratch.path());
    registry.push_with_skopeo_args(
        &format!("oci:{}:1.0", scratch.path().display()),
        "team/app:1.0",
        &["--preserve-digests"],
    );
    let target = Target::parse(&registry.target("team/app:1.0")).unwrap();
    let anonymous = ArtifactStore::open(&target, &OpenOptions::default()).unwrap();
    let refused = anonymous.push_blob(b"x").unwrap_err();
    assert!(
        refused.to_string().contains("requires credentials"),
        "{refused}"
    );

    let options = OpenOptions {
        registry: tollgate_oci::RegistryOptions {
            credentials: Some(tollgate_oci::Credentials::parse("signer:s3cret").unwrap()),
            ..Default::default()
        },
        ..OpenOptions::default()
    };
    let store = ArtifactStore::open(&target, &options).unwrap();
    exercise(&store);
}

#[test]
fn layout_store_keeps_artifacts_in_the_layout() {
    let scratch = tempfile::tempdir().unwrap();
    small_image().write_oci_layout(scratch.path());
    let target = Target::parse(&format!("oci:{}", scratch.path().display())).unwrap();
    let store = ArtifactStore::open(&target, &OpenOptions::default()).unwrap();
    exercise(&store);

    // index.json now lists the image, the signature tag and two referrers; the image still
    // opens without a reference, and by its tag.
    let index: serde_json::Value =
        serde_json::from_slice(&fs_err::read(scratch.path().join("index.json")).unwrap()).unwrap();
    let manifests = index["manifests"].as_array().unwrap();
    assert_eq!(manifests.len(), 4, "{index:#}");
    let tags: Vec<&str> = manifests
        .iter()
        .filter_map(|m| m["annotations"][REF_NAME_ANNOTATION].as_str())
        .collect();
    assert_eq!(tags.len(), 2, "{tags:?}");
    let image = Image::open(&target, &OpenOptions::default()).unwrap();
    let tagged = Image::open(
        &Target::parse(&format!("oci:{}:1.0", scratch.path().display())).unwrap(),
        &OpenOptions::default(),
    )
    .unwrap();
    assert_eq!(
        image.manifest.unwrap().digest,
        tagged.manifest.unwrap().digest
    );
    // Re-tagging replaces the entry, it does not add one.
    let resolved = store.resolve().unwrap();
    let tag = format!("{}.sig", referrers_tag(&resolved.digest));
    let replacement = referrer(&resolved, b"replacement");
    store.push_blob(b"replacement").unwrap();
    store
        .push_manifest(&replacement, media_type::OCI_MANIFEST, Some(&tag))
        .unwrap();
    assert_eq!(store.manifest(&tag).unwrap().unwrap().bytes, replacement);
    let index: serde_json::Value =
        serde_json::from_slice(&fs_err::read(scratch.path().join("index.json")).unwrap()).unwrap();
    assert_eq!(index["manifests"].as_array().unwrap().len(), 4);
    // No temporary files are left behind.
    let leftovers: Vec<_> = walk(scratch.path())
        .into_iter()
        .filter(|path| {
            path.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(".tollgate-")
        })
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in fs_err::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}
