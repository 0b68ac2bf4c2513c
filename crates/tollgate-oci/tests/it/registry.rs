//! Pulling from a real registry (distribution v2, `docker-registry`) on loopback: the shared
//! images pushed with skopeo read back exactly as from their layouts, basic auth from `--creds`
//! and from an auth file, a multi-platform index, and a registry that serves wrong bytes.

use std::path::Path;

use tollgate_oci::{
    Credentials, Error, FileKind, Image, MergedView, OpenOptions, Platform, RegistryOptions,
    Target, media_type,
};
use tollgate_test::registry::{LoopbackRegistry, gunzip_into};
use tollgate_test::{shared_or_skip, tool_or_skip};

use tollgate_test::SHARED_OCI_IMAGES as OCI_IMAGES;

fn open_with(target: &str, options: &OpenOptions) -> tollgate_oci::Result<Image> {
    Image::open(&Target::parse(target).unwrap(), options)
}

fn open(target: &str) -> Image {
    open_with(target, &OpenOptions::default()).unwrap_or_else(|error| panic!("{target}: {error}"))
}

fn with_credentials(credentials: &str) -> OpenOptions {
    OpenOptions {
        registry: RegistryOptions {
            credentials: Some(Credentials::parse(credentials).unwrap()),
            ..RegistryOptions::default()
        },
        ..OpenOptions::default()
    }
}

fn with_platform(platform: &str) -> OpenOptions {
    OpenOptions {
        platform: platform.parse::<Platform>().unwrap(),
        ..OpenOptions::default()
    }
}

/// The manifest digest an OCI layout tags `1.0`.
fn layout_manifest(layout: &Path) -> (String, u64) {
    let index: serde_json::Value =
        serde_json::from_slice(&fs_err::read(layout.join("index.json")).unwrap()).unwrap();
    let entry = &index["manifests"][0];
    assert_eq!(
        entry["annotations"]["org.opencontainers.image.ref.name"],
        "1.0"
    );
    (
        entry["digest"].as_str().unwrap().to_owned(),
        entry["size"].as_u64().unwrap(),
    )
}

type Entry = (String, FileKind, u64, u32, usize, Option<String>);

/// Everything the merged view says about each path.
fn entries(view: &MergedView) -> Vec<Entry> {
    view.files()
        .map(|f| (f.path, f.kind, f.size, f.mode, f.layer, f.link_target))
        .collect()
}

/// The registry image has the same content as the local one: layers (by diff_id), the merged
/// view (paths, kinds, sizes, modes, layers, link targets), and `/etc/os-release`.
fn assert_same_content(name: &str, pulled: &Image, local: &Image) {
    let diff_ids = |image: &Image| -> Vec<String> {
        image
            .layers
            .iter()
            .map(|l| l.diff_id.as_ref().unwrap().to_string())
            .collect()
    };
    assert_eq!(diff_ids(pulled), diff_ids(local), "{name}: diff_ids");
    let pulled_view = pulled.walk(&[], None).unwrap().view;
    let local_view = local.walk(&[], None).unwrap().view;
    let (a, b) = (entries(&pulled_view), entries(&local_view));
    if let Some((a, b)) = a.iter().zip(&b).find(|(a, b)| a != b) {
        panic!("{name}: the views differ first at\n  registry: {a:?}\n  local:    {b:?}");
    }
    assert_eq!(a.len(), b.len(), "{name}: number of paths");
    assert!(!a.is_empty(), "{name}: empty view");
    let os_release = pulled.read_file(&pulled_view, "/etc/os-release").unwrap();
    assert_eq!(
        os_release,
        local.read_file(&local_view, "/etc/os-release").unwrap(),
        "{name}: /etc/os-release"
    );
    assert!(
        String::from_utf8_lossy(&os_release).contains("ID="),
        "{name}: {}",
        String::from_utf8_lossy(&os_release)
    );
}

#[test]
fn every_shared_image_reads_back_from_a_registry_as_from_its_file() {
    tool_or_skip!("docker-registry");
    tool_or_skip!("skopeo");
    let root = shared_or_skip!("images");
    let registry = LoopbackRegistry::start();
    let scratch = tempfile::tempdir().unwrap();
    let archive = gunzip_into(&root.join("debian-trixie-slim.tar.gz"), scratch.path());

    // Push everything at once: skopeo spends its time compressing and hashing, not waiting.
    let pushed: Vec<(String, String)> = std::thread::scope(|scope| {
        let registry = &registry;
        let mut pushes: Vec<_> = OCI_IMAGES
            .iter()
            .map(|name| {
                let layout = root.join(name);
                scope.spawn(move || {
                    // --preserve-digests: skopeo fails instead of silently converting.
                    let source = format!("oci:{}:1.0", layout.display());
                    let digest = registry.push_with_skopeo_args(
                        &source,
                        &format!("{name}:1.0"),
                        &["--preserve-digests"],
                    );
                    ((*name).to_owned(), digest)
                })
            })
            .collect();
        let archive = &archive;
        pushes.push(scope.spawn(move || {
            let source = format!("docker-archive:{}", archive.display());
            let digest = registry.push_with_skopeo(&source, "debian-trixie-slim:1.0");
            ("debian-trixie-slim".to_owned(), digest)
        }));
        pushes
            .into_iter()
            .map(|push| push.join().unwrap())
            .collect()
    });

    std::thread::scope(|scope| {
        for (name, digest) in &pushed {
            let (registry, root) = (&registry, &root);
            scope.spawn(move || {
                let pulled = open(&registry.target(&format!("{name}:1.0")));
                let manifest = pulled.manifest.as_ref().unwrap();
                assert_eq!(
                    manifest.digest.to_string(),
                    *digest,
                    "{name}: skopeo's digest"
                );
                assert_eq!(manifest.index_digest, None, "{name}");
                assert!(!manifest.synthesized, "{name}");
                if name == "debian-trixie-slim" {
                    // skopeo made a docker v2s2 manifest and gzip'ed the archive's plain tar
                    // layers; the content (diff_ids) is the same.
                    let local = open(&format!(
                        "docker-archive:{}",
                        root.join("debian-trixie-slim.tar.gz").display()
                    ));
                    assert_eq!(manifest.media_type, media_type::DOCKER_MANIFEST);
                    for (p, l) in pulled.layers.iter().zip(&local.layers) {
                        assert_eq!(l.media_type, media_type::DOCKER_LAYER_TAR);
                        assert_eq!(
                            p.media_type,
                            "application/vnd.docker.image.rootfs.diff.tar.gzip"
                        );
                        assert_ne!(p.digest, l.digest, "{name}: the layer was compressed");
                    }
                    assert_eq!(
                        pulled.config.as_ref().unwrap().digest,
                        local.config.as_ref().unwrap().digest,
                        "{name}: config kept"
                    );
                    assert_same_content(name, &pulled, &local);
                } else {
                    let layout = root.join(name);
                    let (layout_digest, layout_size) = layout_manifest(&layout);
                    // The registry keeps the OCI manifest byte for byte.
                    assert_eq!(*digest, layout_digest, "{name}: digest changed on push");
                    assert_eq!(manifest.size, layout_size, "{name}");
                    assert_eq!(manifest.media_type, media_type::OCI_MANIFEST);
                    let local = open(&format!("oci:{}:1.0", layout.display()));
                    assert_eq!(
                        pulled.config.as_ref().unwrap().bytes,
                        local.config.as_ref().unwrap().bytes,
                        "{name}: config"
                    );
                    let blobs = |image: &Image| -> Vec<(String, u64, String)> {
                        image
                            .layers
                            .iter()
                            .map(|l| (l.digest.to_string(), l.size, l.media_type.clone()))
                            .collect()
                    };
                    assert_eq!(blobs(&pulled), blobs(&local), "{name}: layers");
                    assert_same_content(name, &pulled, &local);
                }
            });
        }
    });
}

#[test]
fn basic_auth_from_creds_and_from_an_auth_file() {
    tool_or_skip!("docker-registry");
    tool_or_skip!("skopeo");
    tool_or_skip!("htpasswd");
    let root = shared_or_skip!("images");
    let registry = LoopbackRegistry::with_basic_auth("tollgate", "s3cret:with:colons");
    let source = format!("oci:{}:1.0", root.join("alpine-3.18").display());
    let digest = registry.push_with_skopeo(&source, "team/alpine:1.0");
    let target = registry.target("team/alpine:1.0");

    // No credentials at all. (An explicit, empty auth file keeps the developer's own
    // ~/.docker/config.json out of it.)
    let empty = tempfile::tempdir().unwrap();
    fs_err::write(empty.path().join("auth.json"), r#"{"auths":{}}"#).unwrap();
    let anonymous = OpenOptions {
        registry: RegistryOptions {
            auth_file: Some(empty.path().join("auth.json")),
            ..RegistryOptions::default()
        },
        ..OpenOptions::default()
    };
    match open_with(&target, &anonymous) {
        Err(Error::Auth {
            registry: host,
            reason,
        }) => {
            assert_eq!(host, registry.host());
            assert!(reason.contains("--creds"), "{reason}");
        }
        Err(other) => panic!("anonymous: unexpected {other:?}"),
        Ok(_) => panic!("anonymous access to a registry with htpasswd auth succeeded"),
    }

    match open_with(&target, &with_credentials("tollgate:wrong")) {
        Err(Error::Auth { reason, .. }) => {
            assert!(reason.contains("credentials rejected"), "{reason}");
            assert!(reason.contains("tollgate"), "{reason}");
            assert!(!reason.contains("wrong"), "the password leaked: {reason}");
        }
        Err(other) => panic!("wrong password: unexpected {other:?}"),
        Ok(_) => panic!("a wrong password was accepted"),
    }

    let check = |image: Image| {
        assert_eq!(image.manifest.as_ref().unwrap().digest.to_string(), digest);
        let walk = image.walk(&[], None).unwrap();
        let release = image.read_file(&walk.view, "/etc/alpine-release").unwrap();
        assert_eq!(String::from_utf8_lossy(&release).trim(), "3.18.0");
    };
    check(open_with(&target, &with_credentials(&registry.credentials().unwrap())).unwrap());

    let config_dir = tempfile::tempdir().unwrap();
    let from_file = OpenOptions {
        registry: RegistryOptions {
            auth_file: Some(registry.write_docker_config(config_dir.path())),
            ..RegistryOptions::default()
        },
        ..OpenOptions::default()
    };
    check(open_with(&target, &from_file).unwrap());
    // By digest, too.
    check(
        open_with(
            &registry.target(&format!("team/alpine@{digest}")),
            &from_file,
        )
        .unwrap(),
    );
}

/// An OCI layout (in `dir`) tagged `multi` whose index lists alpine (3.4) as linux/amd64 and
/// alpine-3.18 as linux/arm64/v8. Returns the two manifest digests.
fn two_platform_layout(images: &Path, dir: &Path) -> (String, String) {
    let blobs = dir.join("blobs/sha256");
    fs_err::create_dir_all(&blobs).unwrap();
    fs_err::write(dir.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    let mut entries = Vec::new();
    let mut digests = Vec::new();
    for (name, arch, variant) in [
        ("alpine", "amd64", None),
        ("alpine-3.18", "arm64", Some("v8")),
    ] {
        let layout = images.join(name);
        for blob in fs_err::read_dir(layout.join("blobs/sha256")).unwrap() {
            let blob = blob.unwrap();
            fs_err::copy(blob.path(), blobs.join(blob.file_name())).unwrap();
        }
        let (digest, size) = layout_manifest(&layout);
        let mut platform = serde_json::json!({ "os": "linux", "architecture": arch });
        if let Some(variant) = variant {
            platform["variant"] = variant.into();
        }
        entries.push(serde_json::json!({
            "mediaType": media_type::OCI_MANIFEST,
            "digest": digest,
            "size": size,
            "platform": platform,
        }));
        digests.push(digest);
    }
    let index = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": media_type::OCI_INDEX,
        "manifests": entries,
    }))
    .unwrap();
    let index_digest = tollgate_oci::Digest::sha256_of(&index);
    fs_err::write(blobs.join(index_digest.hex()), &index).unwrap();
    let top = serde_json::json!({
        "schemaVersion": 2,
        "manifests": [{
            "mediaType": media_type::OCI_INDEX,
            "digest": index_digest.to_string(),
            "size": index.len(),
            "annotations": { "org.opencontainers.image.ref.name": "multi" },
        }],
    });
    fs_err::write(dir.join("index.json"), serde_json::to_vec(&top).unwrap()).unwrap();
    (digests.remove(0), digests.remove(0))
}

fn alpine_release(image: &Image) -> String {
    let walk = image.walk(&[], None).unwrap();
    let bytes = image.read_file(&walk.view, "/etc/alpine-release").unwrap();
    String::from_utf8(bytes).unwrap().trim().to_owned()
}

#[test]
fn multi_platform_index_picks_the_requested_platform() {
    tool_or_skip!("docker-registry");
    tool_or_skip!("skopeo");
    let root = shared_or_skip!("images");
    let registry = LoopbackRegistry::start();
    let scratch = tempfile::tempdir().unwrap();
    let (amd64, arm64) = two_platform_layout(&root, scratch.path());
    let source = format!("oci:{}:multi", scratch.path().display());
    let index =
        registry.push_with_skopeo_args(&source, "multi:1", &["--all", "--preserve-digests"]);
    let target = registry.target("multi:1");

    let default = open(&target);
    let manifest = default.manifest.as_ref().unwrap();
    assert_eq!(manifest.index_digest.as_ref().unwrap().to_string(), index);
    assert_eq!(manifest.digest.to_string(), amd64);
    assert_eq!(alpine_release(&default), "3.4.2");

    for platform in ["linux/arm64", "linux/arm64/v8", "linux/aarch64"] {
        let arm = open_with(&target, &with_platform(platform)).unwrap();
        let manifest = arm.manifest.as_ref().unwrap();
        assert_eq!(manifest.index_digest.as_ref().unwrap().to_string(), index);
        assert_eq!(manifest.digest.to_string(), arm64, "{platform}");
        assert_eq!(alpine_release(&arm), "3.18.0", "{platform}");
    }

    match open_with(&target, &with_platform("linux/s390x")) {
        Err(Error::NoMatchingPlatform { wanted, available }) => {
            assert_eq!(wanted, "linux/s390x");
            assert_eq!(available, "linux/amd64, linux/arm64/v8");
        }
        Err(other) => panic!("unexpected {other:?}"),
        Ok(_) => panic!("linux/s390x matched"),
    }
    match open_with(&target, &with_platform("linux/arm/v7")) {
        Err(Error::NoMatchingPlatform { .. }) => {}
        other => panic!("unexpected {:?}", other.err()),
    }

    // The index by digest, and one platform's manifest by digest (no index then).
    let by_index = open(&registry.target(&format!("multi@{index}")));
    assert_eq!(
        by_index.manifest.as_ref().unwrap().digest.to_string(),
        amd64
    );
    let by_manifest = open_with(
        &registry.target(&format!("multi@{arm64}")),
        &with_platform("linux/s390x"),
    )
    .unwrap();
    assert_eq!(by_manifest.manifest.as_ref().unwrap().index_digest, None);
    assert_eq!(alpine_release(&by_manifest), "3.18.0");
}

/// Overwrite part of a blob in the registry's storage, keeping its size; returns the original.
fn corrupt(path: &Path, at: usize, replacement: &[u8]) -> Vec<u8> {
    let original = fs_err::read(path).unwrap();
    let mut bytes = original.clone();
    assert_ne!(&bytes[at..at + replacement.len()], replacement);
    bytes[at..at + replacement.len()].copy_from_slice(replacement);
    fs_err::write(path, bytes).unwrap();
    original
}

#[test]
fn a_registry_serving_wrong_bytes_is_caught() {
    tool_or_skip!("docker-registry");
    tool_or_skip!("skopeo");
    let root = shared_or_skip!("images");
    let registry = LoopbackRegistry::start();
    let layout = root.join("debian-bookworm-app");
    let source = format!("oci:{}:1.0", layout.display());
    let digest = registry.push_with_skopeo_args(&source, "app:1.0", &["--preserve-digests"]);
    let by_tag = registry.target("app:1.0");
    let by_digest = registry.target(&format!("app@{digest}"));

    let image = open(&by_digest);
    assert_eq!(image.manifest.as_ref().unwrap().digest.to_string(), digest);
    assert_eq!(image.layers.len(), 6);
    let good_view = image.walk(&[], None).unwrap().view;

    // A layer whose gzip stream still decodes to the same tar (its header's MTIME differs), so
    // only the blob digest can tell.
    let layer = image.layers[3].digest.clone();
    let path = registry.blob_path(&layer.to_string());
    let original = corrupt(&path, 4, &[0xde, 0xad, 0xbe, 0xef]);
    let image = open(&by_tag);
    match image.walk(&[], None) {
        Err(Error::DigestMismatch { what, expected, .. }) => {
            assert_eq!(expected, layer);
            assert!(what.contains("layer 3"), "{what}");
        }
        Err(other) => panic!("unexpected {other:?}"),
        Ok(_) => panic!("a corrupted layer was accepted"),
    }
    fs_err::write(&path, original).unwrap();

    // A layer whose compressed stream is damaged in the middle.
    let layer = image.layers[0].digest.clone();
    let path = registry.blob_path(&layer.to_string());
    let middle = usize::try_from(image.layers[0].size / 2).unwrap();
    let _ = corrupt(&path, middle, &[0; 64]);
    match image.walk(&[], None) {
        // The tar (or inflate) error that the damage causes comes first; the rest of the blob
        // is then read to show that the digest is wrong, which is the error reported.
        Err(Error::DigestMismatch { expected, .. }) => assert_eq!(expected, layer),
        Err(other) => panic!("unexpected {other:?}"),
        Ok(_) => panic!("a corrupted layer was accepted"),
    }
    // Reading one file re-reads (and re-verifies) its layer. `Image::read_file` reports the
    // tar error itself today, not the digest mismatch behind it; either way it is refused.
    match image.read_file(&good_view, "/usr/lib/os-release") {
        Err(Error::DigestMismatch { expected, .. }) => assert_eq!(expected, layer),
        Err(Error::ReadLayer { layer: name, .. }) => {
            assert!(name.contains(&layer.to_string()), "{name}")
        }
        Err(other) => panic!("unexpected {other:?}"),
        Ok(_) => panic!("a file of a corrupted layer was read"),
    }

    // The config is read by `open`.
    let config = image.config.as_ref().unwrap().digest.clone();
    let config_path = registry.blob_path(&config.to_string());
    let text = fs_err::read_to_string(&config_path).unwrap();
    let at = text.find("10001").unwrap();
    let _ = corrupt(&config_path, at, b"10002");
    for target in [&by_tag, &by_digest] {
        match open_with(target, &OpenOptions::default()) {
            Err(Error::DigestMismatch { expected, .. }) => assert_eq!(expected, config),
            Err(other) => panic!("unexpected {other:?}"),
            Ok(_) => panic!("a corrupted config was accepted"),
        }
    }

    // The manifest: by digest it must hash to the digest asked for; by tag, to the
    // Docker-Content-Digest the registry sends (which comes from its tag link, not the bytes).
    let manifest_path = registry.blob_path(&digest);
    let text = fs_err::read_to_string(&manifest_path).unwrap();
    let at = text.find("image.base.name").unwrap();
    let _ = corrupt(&manifest_path, at, b"image.base.nome");
    for target in [&by_digest, &by_tag] {
        match open_with(target, &OpenOptions::default()) {
            Err(Error::DigestMismatch { what, expected, .. }) => {
                assert_eq!(expected.to_string(), digest, "{target}");
                if target == &by_tag {
                    assert!(what.contains("Docker-Content-Digest"), "{what}");
                }
            }
            Err(other) => panic!("{target}: unexpected {other:?}"),
            Ok(_) => panic!("{target}: a corrupted manifest was accepted"),
        }
    }
}
