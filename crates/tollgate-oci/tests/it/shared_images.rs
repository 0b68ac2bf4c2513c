//! Every image in ../shared/images, read through every transport, checked against the ground
//! truth in ../shared/images/expected and against umoci's own unpacking of the same layout.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::Mutex;

use tollgate_oci::{
    BoxError, Digest, FileKind, Image, MergedView, OpenOptions, Selector, Target, VisitedFile,
    Visitor,
};
use tollgate_test::{shared_or_skip, tool_or_skip};

use tollgate_test::SHARED_OCI_IMAGES as OCI_IMAGES;

fn open(target: &str) -> Image {
    Image::open(&Target::parse(target).unwrap(), &OpenOptions::default()).unwrap()
}

fn expected(image: &str) -> serde_json::Value {
    let path = tollgate_test::shared(&format!("images/expected/{image}/image.json")).unwrap();
    serde_json::from_slice(&fs_err::read(path).unwrap()).unwrap()
}

fn check_against_expected(image: &Image, truth: &serde_json::Value, check_digests: bool) {
    if check_digests {
        assert_eq!(
            image.manifest.as_ref().unwrap().digest.to_string(),
            truth["manifest_digest"]
        );
        assert_eq!(
            image.config.as_ref().unwrap().digest.to_string(),
            truth["config_digest"]
        );
    }
    let layers = truth["layers"].as_array().unwrap();
    assert_eq!(image.layers.len(), layers.len());
    for (layer, expected) in image.layers.iter().zip(layers) {
        assert_eq!(
            layer.diff_id.as_ref().unwrap().to_string(),
            expected["diff_id"]
        );
        if check_digests {
            assert_eq!(layer.digest.to_string(), expected["digest"]);
            assert_eq!(layer.size, expected["size"].as_u64().unwrap());
            assert_eq!(layer.media_type, expected["mediaType"]);
        }
    }
    let config = image.config_summary().unwrap();
    let want = &truth["config"];
    assert_eq!(config.user, want["User"].as_str().unwrap_or_default());
    let strings = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .map(|a| a.iter().map(|s| s.as_str().unwrap().to_owned()).collect())
            .unwrap_or_default()
    };
    assert_eq!(config.cmd, strings(&want["Cmd"]));
    assert_eq!(config.entrypoint, strings(&want["Entrypoint"]));
    assert_eq!(config.env, strings(&want["Env"]));
    assert_eq!(
        config.working_dir,
        want["WorkingDir"].as_str().unwrap_or_default()
    );
}

#[test]
fn every_oci_layout_matches_its_ground_truth() {
    let root = shared_or_skip!("images");
    for name in OCI_IMAGES {
        let image = open(&format!("oci:{}:1.0", root.join(name).display()));
        check_against_expected(&image, &expected(name), true);
        let walk = image.walk(&[], None).unwrap();
        assert!(!walk.view.is_empty(), "{name}");
        assert_eq!(walk.layers.len(), image.layers.len());
    }
}

#[test]
fn docker_archive_matches_its_ground_truth() {
    let archive = shared_or_skip!("images/debian-trixie-slim.tar.gz");
    for target in [
        format!("docker-archive:{}", archive.display()),
        format!("docker-archive:{}:trixie-slim:test", archive.display()),
        format!(
            "docker-archive:{}:docker.io/library/trixie-slim:test",
            archive.display()
        ),
        archive.display().to_string(),
    ] {
        let image = open(&target);
        // The archive's config was rewritten by `docker save` normalisation, so only the
        // content (diff_ids) and the config fields are comparable with the OCI build.
        check_against_expected(&image, &expected("debian-trixie-slim"), false);
        assert!(image.manifest.as_ref().unwrap().synthesized);
    }
    let missing = Image::open(
        &Target::parse(&format!("docker-archive:{}:nope:1", archive.display())).unwrap(),
        &OpenOptions::default(),
    );
    assert!(
        matches!(&missing, Err(tollgate_oci::Error::ReferenceNotFound { available, .. }) if available == "trixie-slim:test"),
        "{:?}",
        missing.err()
    );
}

/// A visitor that keeps the content of the files it is given, per (layer, path).
struct Collect {
    selectors: Vec<Selector>,
    seen: Mutex<BTreeMap<(usize, String), Vec<u8>>>,
}

impl Visitor for Collect {
    fn id(&self) -> &str {
        "collect"
    }
    fn selectors(&self) -> &[Selector] {
        &self.selectors
    }
    fn visit(
        &self,
        file: &VisitedFile<'_>,
        content: &mut dyn std::io::Read,
    ) -> Result<(), BoxError> {
        let bytes = tollgate_oci::read_capped(content, file.buffer_limit)?;
        self.seen
            .lock()
            .unwrap()
            .insert((file.layer_index, file.path.to_owned()), bytes);
        Ok(())
    }
}

#[test]
fn deleted_key_is_absent_from_the_view_but_present_in_its_layer() {
    let root = shared_or_skip!("images");
    let truth =
        fs_err::read_to_string(root.join("expected/debian-bookworm-app/secrets.tsv")).unwrap();
    let row: Vec<&str> = truth.lines().nth(1).unwrap().split('\t').collect();
    let (path, added_in, added_digest, removed_in, sha) = (row[0], row[1], row[2], row[4], row[7]);

    let image = open(&format!(
        "oci:{}",
        root.join("debian-bookworm-app").display()
    ));
    let collect = Collect {
        selectors: vec![Selector::Glob("root/.ssh/*")],
        seen: Mutex::default(),
    };
    let walk = image.walk(&[&collect], None).unwrap();
    assert!(
        walk.view.get(path, 40).is_none(),
        "{path} must be gone from the merged view"
    );
    assert!(matches!(
        image.read_file(&walk.view, path),
        Err(tollgate_oci::Error::FileNotFound { .. })
    ));
    assert!(walk.view.get("/root/.ssh", 40).is_some());
    let seen = collect.seen.into_inner().unwrap();
    let layer: usize = added_in.parse().unwrap();
    assert_eq!(image.layers[layer].digest.to_string(), added_digest);
    let key = &seen[&(layer, path.to_owned())];
    assert_eq!(Digest::sha256_of(key).hex(), sha);
    assert!(key.starts_with(b"-----BEGIN RSA PRIVATE KEY-----"));
    assert_eq!(
        seen.len(),
        1,
        "only the planted key: {:?}",
        seen.keys().collect::<Vec<_>>()
    );
    let removed: usize = removed_in.parse().unwrap();
    assert_eq!(walk.layers[removed].files_removed, 1);
}

#[test]
fn package_databases_are_readable_through_the_view() {
    let root = shared_or_skip!("images");
    let count_rows = |name: &str| {
        fs_err::read_to_string(root.join(format!("expected/{name}/packages.tsv")))
            .unwrap()
            .lines()
            .skip(1)
            .count()
    };
    let text = |image: &Image, view: &MergedView, path: &str| {
        String::from_utf8(image.read_file(view, path).unwrap()).unwrap()
    };

    let app = open(&format!(
        "oci:{}",
        root.join("debian-bookworm-app").display()
    ));
    let view = app.walk(&[], None).unwrap().view;
    let status = text(&app, &view, "/var/lib/dpkg/status");
    let deb_rows = fs_err::read_to_string(root.join("expected/debian-bookworm-app/packages.tsv"))
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("deb\t"))
        .count();
    assert_eq!(
        status.matches("Status: install ok installed").count(),
        deb_rows
    );
    assert!(text(&app, &view, "/etc/os-release").contains("VERSION_CODENAME=bookworm"));
    // The passwd of the layer that added the user, not the base layer's.
    assert!(text(&app, &view, "/etc/passwd").contains("app:x:10001:10001"));

    let distroless = open(&format!(
        "oci:{}",
        root.join("distroless-bookworm").display()
    ));
    let view = distroless.walk(&[], None).unwrap().view;
    let stanzas = view
        .files()
        .filter(|f| f.path.starts_with("/var/lib/dpkg/status.d/") && !f.path.ends_with(".md5sums"))
        .count();
    assert_eq!(stanzas, count_rows("distroless-bookworm"));
    // /etc/os-release -> ../usr/lib/os-release
    assert_eq!(
        view.get("/etc/os-release", 40).unwrap().kind,
        FileKind::Symlink
    );
    assert!(text(&distroless, &view, "/etc/os-release").contains("bookworm"));
    assert!(view.get("/bin/sh", 40).is_none());

    let alpine = open(&format!("oci:{}", root.join("alpine-3.18").display()));
    let view = alpine.walk(&[], None).unwrap().view;
    let installed = text(&alpine, &view, "/lib/apk/db/installed");
    assert_eq!(
        installed.lines().filter(|l| l.starts_with("P:")).count(),
        count_rows("alpine-3.18")
    );

    // SUSE keeps the rpmdb behind a directory symlink: /var/lib/rpm -> ../../usr/lib/sysimage/rpm.
    let ndb = open(&format!("oci:{}", root.join("rpm-ndb").display()));
    let view = ndb.walk(&[], None).unwrap().view;
    let resolved = view
        .resolve("/var/lib/rpm/Packages.db", 40)
        .unwrap()
        .unwrap();
    assert_eq!(resolved.path, "/usr/lib/sysimage/rpm/Packages.db");
    assert_eq!(
        ndb.read_file(&view, "/var/lib/rpm/Packages.db")
            .unwrap()
            .len() as u64,
        resolved.size
    );
}

/// What umoci (the reference OCI unpacker) produces, as (path → kind, size, link) from disk.
pub(crate) fn unpacked_tree(rootfs: &Path) -> BTreeMap<String, (FileKind, u64, Option<String>)> {
    use std::os::unix::fs::MetadataExt;
    let mut tree = BTreeMap::new();
    let mut pending = vec![rootfs.to_owned()];
    let mut inodes: BTreeMap<(u64, u64), usize> = BTreeMap::new();
    while let Some(dir) = pending.pop() {
        for entry in fs_err::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            let meta = fs_err::symlink_metadata(&path).unwrap();
            let relative = format!("/{}", path.strip_prefix(rootfs).unwrap().display());
            let kind = meta.file_type();
            let value = if kind.is_dir() {
                pending.push(path.clone());
                (FileKind::Directory, 0, None)
            } else if kind.is_symlink() {
                (
                    FileKind::Symlink,
                    0,
                    Some(fs_err::read_link(&path).unwrap().display().to_string()),
                )
            } else if kind.is_file() {
                *inodes.entry((meta.dev(), meta.ino())).or_default() += 1;
                (FileKind::File, meta.len(), None)
            } else {
                continue; // device nodes and fifos: tollgate ignores them
            };
            tree.insert(relative, value);
        }
    }
    tree
}

pub(crate) fn view_tree(view: &MergedView) -> BTreeMap<String, (FileKind, u64, Option<String>)> {
    view.files()
        .map(|f| {
            // On disk a hard link is just another name of the same regular file.
            let kind = if f.kind == FileKind::Hardlink {
                FileKind::File
            } else {
                f.kind
            };
            let size = if kind == FileKind::File { f.size } else { 0 };
            let link = if f.kind == FileKind::Symlink {
                f.link_target
            } else {
                None
            };
            (f.path, (kind, size, link))
        })
        .collect()
}

/// Unpack `<layout>:<tag>` with umoci into `bundle` (the layout must be writable: umoci locks it).
pub(crate) fn umoci_unpack(layout: &Path, tag: &str, bundle: &Path) {
    let output = Command::new("umoci")
        .args(["raw", "unpack", "--rootless", "--image"])
        .arg(format!("{}:{tag}", layout.display()))
        .arg(bundle)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "umoci failed on {}: {}",
        layout.display(),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn merged_view_equals_umoci_unpack() {
    let root = shared_or_skip!("images");
    tool_or_skip!("umoci");
    for name in OCI_IMAGES {
        let work = tempfile::tempdir().unwrap();
        let layout = work.path().join("layout");
        // umoci takes a lock inside the layout, and ../shared is read-only: unpack a copy.
        let status = Command::new("cp")
            .arg("-r")
            .arg(root.join(name))
            .arg(&layout)
            .status()
            .unwrap();
        assert!(status.success());
        let bundle = work.path().join("bundle");
        let output = Command::new("umoci")
            .args(["raw", "unpack", "--rootless", "--image"])
            .arg(format!("{}:1.0", layout.display()))
            .arg(&bundle)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "umoci failed on {name}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let image = open(&format!("oci:{}", root.join(name).display()));
        let view = image.walk(&[], None).unwrap().view;
        let ours = view_tree(&view);
        let theirs = unpacked_tree(&bundle);
        let only_ours: Vec<_> = ours
            .keys()
            .filter(|k| !theirs.contains_key(*k))
            .take(10)
            .collect();
        let only_theirs: Vec<_> = theirs
            .keys()
            .filter(|k| !ours.contains_key(*k))
            .take(10)
            .collect();
        assert!(
            only_ours.is_empty() && only_theirs.is_empty(),
            "{name}: only tollgate {only_ours:?}, only umoci {only_theirs:?}"
        );
        for (path, value) in &theirs {
            assert_eq!(&ours[path], value, "{name}: {path}");
        }
    }
}

#[test]
fn oci_archive_and_layout_give_the_same_image() {
    let root = shared_or_skip!("images");
    let work = tempfile::tempdir().unwrap();
    let archive = work.path().join("app.tar");
    let status = Command::new("tar")
        .arg("-cf")
        .arg(&archive)
        .arg("-C")
        .arg(root.join("debian-bookworm-app"))
        .arg(".")
        .status()
        .unwrap();
    assert!(status.success());
    let from_layout = open(&format!(
        "oci:{}",
        root.join("debian-bookworm-app").display()
    ));
    for target in [
        format!("oci-archive:{}:1.0", archive.display()),
        archive.display().to_string(),
    ] {
        let from_archive = open(&target);
        assert_eq!(
            from_archive.manifest.as_ref().unwrap().digest,
            from_layout.manifest.as_ref().unwrap().digest
        );
        let a = view_tree(&from_archive.walk(&[], None).unwrap().view);
        let b = view_tree(&from_layout.walk(&[], None).unwrap().view);
        assert_eq!(a, b);
    }
}

#[test]
fn rootfs_of_an_unpacked_image_matches_the_layer_view() {
    let root = shared_or_skip!("images");
    tool_or_skip!("umoci");
    let work = tempfile::tempdir().unwrap();
    let layout = work.path().join("layout");
    assert!(
        Command::new("cp")
            .arg("-r")
            .arg(root.join("alpine-3.18"))
            .arg(&layout)
            .status()
            .unwrap()
            .success()
    );
    let bundle = work.path().join("bundle");
    let output = Command::new("umoci")
        .args(["raw", "unpack", "--rootless", "--image"])
        .arg(format!("{}:1.0", layout.display()))
        .arg(&bundle)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let rootfs = open(&format!("rootfs:{}", bundle.display()));
    let rootfs_walk = rootfs.walk(&[], None).unwrap();
    let image = open(&format!("oci:{}", root.join("alpine-3.18").display()));
    let image_walk = image.walk(&[], None).unwrap();
    assert_eq!(view_tree(&rootfs_walk.view), view_tree(&image_walk.view));
    assert_eq!(
        rootfs
            .read_file(&rootfs_walk.view, "/etc/os-release")
            .unwrap(),
        image
            .read_file(&image_walk.view, "/etc/os-release")
            .unwrap()
    );
}
