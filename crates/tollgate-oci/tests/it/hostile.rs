//! Hostile images, generated on the fly: escapes, bombs, corrupt blobs and limits. Every test
//! asserts the exact error variant and the fields that name the fault, never just `is_err()`.

use std::io::Read;
use std::path::Path;
use std::sync::Mutex;

use tollgate_oci::{
    BoxError, Digest, Error, FileInfo, FileKind, Image, Limits, Magic, OpenOptions, Selector,
    Target, VisitProblem, VisitedFile, Visitor, Walk,
};
use tollgate_test::builder::*;

/// A distinctive `/etc/passwd`: reading the host's instead could never produce these bytes.
const PASSWD: &[u8] = b"root:x:0:0:planted by the tollgate hostile suite:/root:/bin/sh\n";

fn digest(text: &str) -> Digest {
    text.parse().unwrap()
}

fn err<T>(result: tollgate_oci::Result<T>) -> Error {
    match result {
        Ok(_) => panic!("expected an error, got success"),
        Err(error) => error,
    }
}

/// Incompressible bytes (xorshift), so that blobs have a predictable size.
fn noise(len: usize) -> Vec<u8> {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state.to_le_bytes()[0]
        })
        .collect()
}

fn limits(edit: impl FnOnce(&mut Limits)) -> Limits {
    let mut limits = Limits::default();
    edit(&mut limits);
    limits
}

/// An image written as an OCI layout in its own temporary directory.
struct Layout {
    dir: tempfile::TempDir,
    built: BuiltImage,
}

impl Layout {
    fn new(builder: &ImageBuilder) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let built = builder.write_oci_layout(dir.path());
        Self { dir, built }
    }

    fn target(&self) -> Target {
        Target::OciLayout {
            path: self.dir.path().to_owned(),
            reference: Some(self.built.tag.clone()),
        }
    }

    fn open_with(&self, limits: Limits) -> tollgate_oci::Result<Image> {
        Image::open(
            &self.target(),
            &OpenOptions {
                limits,
                ..OpenOptions::default()
            },
        )
    }

    fn open(&self) -> Image {
        self.open_with(Limits::default()).unwrap()
    }

    /// How errors name layer `index` (`Layer::name`).
    fn layer_name(&self, index: usize) -> String {
        format!("layer {index} ({})", self.built.layer_digests[index])
    }
}

fn one_layer(layer: LayerBuilder) -> Layout {
    Layout::new(&ImageBuilder::new().layer(layer.finish(Compression::Gzip)))
}

fn walk_ok(image: &Image) -> Walk {
    image.walk(&[], None).unwrap()
}

fn paths(walk: &Walk) -> Vec<String> {
    walk.view.files().map(|f| f.path).collect()
}

#[test]
fn dot_dot_entry_is_a_path_escape() {
    for name in [
        "../etc/cron.d/evil",
        "usr/../../etc/cron.d/evil",
        "./a/b/../../../x",
    ] {
        let layout = one_layer(LayerBuilder::new().file("ok", b"fine", 0o644).file(
            name,
            b"* * * * * root sh",
            0o644,
        ));
        let error = err(layout.open().walk(&[], None));
        let Error::PathEscape { layer, path } = &error else {
            panic!("{name}: {error:?}")
        };
        assert_eq!(
            (layer.as_str(), path.as_str()),
            (layout.layer_name(0).as_str(), name)
        );
    }
}

#[test]
fn absolute_entry_is_rejected() {
    for name in ["/etc/cron.d/evil", "//etc/passwd", "/"] {
        let layout = one_layer(LayerBuilder::new().file(name, b"evil", 0o644));
        let error = err(layout.open().walk(&[], None));
        let Error::AbsolutePath { layer, path } = &error else {
            panic!("{name}: {error:?}")
        };
        assert_eq!(
            (layer.as_str(), path.as_str()),
            (layout.layer_name(0).as_str(), name)
        );
    }
}

#[test]
fn symlinks_pointing_outside_resolve_inside_the_image() {
    let layout = one_layer(
        LayerBuilder::new()
            .dir("etc", 0o755)
            .file("etc/passwd", PASSWD, 0o644)
            .symlink("escape", "../../../../etc/passwd")
            .symlink("deep/a/b/up", "../../../../../../../../etc/passwd")
            .symlink("abs", "/etc/passwd")
            .symlink("abs-dotdot", "/../../../etc/passwd")
            .symlink("host-proc", "/proc/self/root/etc/passwd")
            .symlink("host-root", "/proc/1/root")
            .symlink("etc-dir", "../../.."),
    );
    let image = layout.open();
    let walk = walk_ok(&image);
    for path in [
        "/escape",
        "/deep/a/b/up",
        "/abs",
        "/abs-dotdot",
        "/../../../etc/passwd",
        "/etc-dir/etc/passwd",
    ] {
        assert_eq!(image.read_file(&walk.view, path).unwrap(), PASSWD, "{path}");
        let resolved = walk.view.resolve(path, 40).unwrap().unwrap();
        assert_eq!(resolved.path, "/etc/passwd", "{path}");
    }
    // The image has no /proc: a link into the host's /proc finds nothing, never the host file.
    for path in ["/host-proc", "/host-root/etc/passwd"] {
        let error = err(image.read_file(&walk.view, path));
        assert!(
            matches!(&error, Error::FileNotFound { path: p } if p == path),
            "{path}: {error:?}"
        );
    }
}

#[test]
fn proc_self_root_inside_the_image_is_the_image_root() {
    let layout = one_layer(
        LayerBuilder::new()
            .file("etc/passwd", PASSWD, 0o644)
            .symlink("proc/self/root", "/")
            .symlink("link", "/proc/self/root/etc/passwd"),
    );
    let image = layout.open();
    let walk = walk_ok(&image);
    assert_eq!(image.read_file(&walk.view, "/link").unwrap(), PASSWD);
    assert_eq!(
        image
            .read_file(&walk.view, "/proc/self/root/proc/self/root/etc/passwd")
            .unwrap(),
        PASSWD
    );
}

/// Layer 1 makes `evil` a link that climbs out of the root; layer 2 writes through it. Nothing
/// may land outside the image, and the view must show what a runtime gets: containerd's
/// `fs.RootPath` (and moby's chrooted unpack) resolve a symlinked parent inside the root, so
/// `evil/x` lands at `/x` and `/evil` stays a link. `hide -> /usr/bin` then `hide/sudo` replaces
/// `/usr/bin/sudo`: a view that showed `/hide/sudo` would let an image hide a file from a scan.
#[test]
fn symlinked_parent_directory_is_resolved_inside_the_root() {
    let lower = LayerBuilder::new()
        .file("etc/passwd", PASSWD, 0o644)
        .file("usr/bin/sudo", b"real sudo", 0o4755)
        .symlink("evil", "../../..")
        .symlink("hide", "/usr/bin")
        .finish(Compression::Gzip);
    let upper = LayerBuilder::new()
        .file("evil/x", b"payload", 0o644)
        .file("hide/sudo", b"trojan", 0o4755)
        .finish(Compression::Gzip);
    let layout = Layout::new(&ImageBuilder::new().layer(lower).layer(upper));
    let image = layout.open();
    let walk = walk_ok(&image);
    for info in walk.view.files() {
        assert!(
            info.path.starts_with('/') && !info.path.split('/').any(|p| p == ".."),
            "{info:?}"
        );
    }
    assert_eq!(
        paths(&walk),
        [
            "/etc",
            "/etc/passwd",
            "/evil",
            "/hide",
            "/usr",
            "/usr/bin",
            "/usr/bin/sudo",
            "/x"
        ]
    );
    assert_eq!(image.read_file(&walk.view, "/x").unwrap(), b"payload");
    assert_eq!(image.read_file(&walk.view, "/evil/x").unwrap(), b"payload");
    assert_eq!(
        image.read_file(&walk.view, "/usr/bin/sudo").unwrap(),
        b"trojan"
    );
    assert_eq!(walk.view.get("/usr/bin/sudo", 40).unwrap().layer, 1);
    assert_eq!(image.read_file(&walk.view, "/etc/passwd").unwrap(), PASSWD);

    // The same trick inside one layer.
    let layout = one_layer(
        LayerBuilder::new()
            .file("etc/passwd", PASSWD, 0o644)
            .symlink("evil", "../../..")
            .file("evil/etc/passwd", b"replaced", 0o644),
    );
    let image = layout.open();
    let walk = walk_ok(&image);
    assert_eq!(paths(&walk), ["/etc", "/etc/passwd", "/evil"]);
    assert_eq!(
        image.read_file(&walk.view, "/etc/passwd").unwrap(),
        b"replaced"
    );
    assert_eq!(
        image.read_file(&walk.view, "/evil/etc/passwd").unwrap(),
        b"replaced"
    );
}

/// The same tricks, checked against a real unpacker: umoci (which, like containerd, resolves
/// parents inside the root with securejoin) must produce exactly the view's tree.
#[test]
fn symlinked_parents_match_umoci() {
    tollgate_test::tool_or_skip!("umoci");
    let lower = LayerBuilder::new()
        .file("etc/passwd", PASSWD, 0o644)
        .file("usr/bin/sudo", b"real sudo", 0o755)
        .symlink("evil", "../../..")
        .symlink("hide", "/usr/bin")
        .symlink("dangling", "/opt/new")
        .finish(Compression::Gzip);
    let upper = LayerBuilder::new()
        .file("evil/x", b"payload", 0o644)
        .file("hide/sudo", b"trojan", 0o755)
        .file("dangling/y", b"created", 0o644)
        .symlink("same", "srv")
        .file("same/z", b"z", 0o644)
        .finish(Compression::Gzip);
    let layout = Layout::new(&ImageBuilder::new().layer(lower).layer(upper));
    let bundle = tempfile::tempdir().unwrap();
    let rootfs_parent = bundle.path().join("bundle");
    crate::shared_images::umoci_unpack(layout.dir.path(), &layout.built.tag, &rootfs_parent);
    let image = layout.open();
    let walk = walk_ok(&image);
    assert_eq!(
        crate::shared_images::view_tree(&walk.view),
        crate::shared_images::unpacked_tree(&rootfs_parent)
    );
}

#[test]
fn hardlink_escape_is_rejected() {
    for target in ["../../etc/shadow", "/etc/shadow", "a/../../etc/shadow"] {
        let layout = one_layer(
            LayerBuilder::new()
                .file("a/f", b"x", 0o644)
                .hardlink("link", target),
        );
        let error = err(layout.open().walk(&[], None));
        let Error::HardlinkEscape {
            layer,
            path,
            target: t,
        } = &error
        else {
            panic!("{target}: {error:?}")
        };
        assert_eq!(
            (layer.as_str(), path.as_str(), t.as_str()),
            (layout.layer_name(0).as_str(), "/link", target)
        );
    }
}

#[test]
fn hardlink_to_missing_target_is_rejected() {
    let layout = one_layer(
        LayerBuilder::new()
            .file("present", b"x", 0o644)
            .hardlink("link", "missing"),
    );
    let error = err(layout.open().walk(&[], None));
    let Error::HardlinkTargetMissing {
        layer,
        path,
        target,
    } = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!(
        (layer.as_str(), path.as_str(), target.as_str()),
        (layout.layer_name(0).as_str(), "/link", "/missing")
    );

    // A target deleted by a whiteout of the link's own layer is missing too.
    let lower = LayerBuilder::new()
        .file("target", b"x", 0o644)
        .finish(Compression::Gzip);
    let upper = LayerBuilder::new()
        .whiteout("target")
        .hardlink("link", "target")
        .finish(Compression::Gzip);
    let layout = Layout::new(&ImageBuilder::new().layer(lower).layer(upper));
    let error = err(layout.open().walk(&[], None));
    assert!(
        matches!(&error, Error::HardlinkTargetMissing { layer, target, .. } if *layer == layout.layer_name(1) && target == "/target"),
        "{error:?}"
    );
}

#[test]
fn device_nodes_and_fifos_are_ignored() {
    let lower = LayerBuilder::new()
        .dir("dev", 0o755)
        .char_device("dev/null", 1, 3)
        .char_device("dev/mem", 1, 1)
        .block_device("dev/sda", 8, 0)
        .dir("run", 0o755)
        .fifo("run/initctl")
        .file("etc/real", b"real", 0o644)
        .file("etc/replaced", b"lower", 0o644)
        .finish(Compression::Gzip);
    // A device or fifo replaces what was at its path: it hides the lower file, and is not shown.
    let upper = LayerBuilder::new()
        .fifo("etc/replaced")
        .finish(Compression::Gzip);
    let layout = Layout::new(&ImageBuilder::new().layer(lower).layer(upper));
    let image = layout.open();
    let walk = walk_ok(&image);
    assert_eq!(paths(&walk), ["/dev", "/etc", "/etc/real", "/run"]);
    for path in ["/dev/null", "/run/initctl", "/etc/replaced"] {
        let error = err(image.read_file(&walk.view, path));
        assert!(
            matches!(&error, Error::FileNotFound { path: p } if p == path),
            "{error:?}"
        );
    }
    assert_eq!(image.read_file(&walk.view, "/etc/real").unwrap(), b"real");
}

/// Duplicate paths in one layer: the last entry wins, in the view and in `read_file`. This is
/// what runtimes get when they extract the tar in order (each entry replaces the previous one).
#[test]
fn duplicate_entries_last_one_wins() {
    let layout = one_layer(
        LayerBuilder::new()
            .file("etc/app.conf", b"first", 0o600)
            .file("etc/other", b"other", 0o644)
            .file("etc/app.conf", b"second, longer", 0o644)
            .file("etc/link", b"a file first", 0o644)
            .symlink("etc/link", "other"),
    );
    let image = layout.open();
    let walk = walk_ok(&image);
    let info = walk.view.get("/etc/app.conf", 40).unwrap();
    assert_eq!(
        (info.kind, info.size, info.mode),
        (FileKind::File, 14, 0o644)
    );
    assert_eq!(
        image.read_file(&walk.view, "/etc/app.conf").unwrap(),
        b"second, longer"
    );
    assert_eq!(
        walk.view.get("/etc/link", 40).unwrap().kind,
        FileKind::Symlink
    );
    assert_eq!(image.read_file(&walk.view, "/etc/link").unwrap(), b"other");
    assert_eq!(
        paths(&walk),
        ["/etc", "/etc/app.conf", "/etc/link", "/etc/other"]
    );
}

#[test]
fn gzip_bomb_hits_the_layer_limit() {
    let bomb = LayerBuilder::bomb("zeros", 64 << 20, Compression::Gzip);
    assert!(
        bomb.blob.len() < 256 * 1024,
        "the bomb blob is {} bytes",
        bomb.blob.len()
    );
    let layout = Layout::new(&ImageBuilder::new().layer(bomb));
    let image = layout
        .open_with(limits(|l| l.max_layer_bytes = 1 << 20))
        .unwrap();
    let error = err(image.walk(&[], None));
    let Error::LimitExceeded {
        what, limit, unit, ..
    } = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!(
        what,
        &format!("decompressed size of {}", layout.layer_name(0))
    );
    assert_eq!((*limit, *unit), (1 << 20, "bytes"));

    // zstd bombs are stopped the same way.
    let layout = Layout::new(&ImageBuilder::new().layer(LayerBuilder::bomb(
        "zeros",
        64 << 20,
        Compression::Zstd,
    )));
    let image = layout
        .open_with(limits(|l| l.max_layer_bytes = 1 << 20))
        .unwrap();
    let error = err(image.walk(&[], None));
    assert!(
        matches!(&error, Error::LimitExceeded { limit, .. } if *limit == 1 << 20),
        "{error:?}"
    );
}

#[test]
fn image_limit_applies_across_layers() {
    let layer = LayerBuilder::bomb("zeros", 700 << 10, Compression::Gzip);
    let layout = Layout::new(&ImageBuilder::new().layer(layer.clone()).layer(layer));
    let cap = limits(|l| {
        l.max_layer_bytes = 1 << 20;
        l.max_image_bytes = 1 << 20;
    });
    // Each layer alone fits.
    let single = Layout::new(&ImageBuilder::new().layer(LayerBuilder::bomb(
        "zeros",
        700 << 10,
        Compression::Gzip,
    )));
    walk_ok(&single.open_with(cap.clone()).unwrap());
    let error = err(layout.open_with(cap).unwrap().walk(&[], None));
    let Error::LimitExceeded {
        what, limit, unit, ..
    } = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!(
        (what.as_str(), *limit, *unit),
        ("decompressed size of the image", 1 << 20, "bytes")
    );
}

#[test]
fn too_many_layers() {
    let layer = LayerBuilder::new()
        .file("f", b"x", 0o644)
        .finish(Compression::Gzip);
    let builder = ImageBuilder::new().layers(&layer, 5);
    let layout = Layout::new(&builder);
    let error = err(layout.open_with(limits(|l| l.max_layers = 4)));
    let Error::LimitExceeded {
        what, limit, unit, ..
    } = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!(
        what,
        &format!(
            "number of layers of manifest {}",
            layout.built.manifest_digest
        )
    );
    assert_eq!((*limit, *unit), (4, "layers"));
    walk_ok(&layout.open_with(limits(|l| l.max_layers = 5)).unwrap());

    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("image.tar");
    builder.build().write_docker_archive(&archive, false);
    let target = Target::DockerArchive {
        path: archive.clone(),
        reference: None,
    };
    let options = OpenOptions {
        limits: limits(|l| l.max_layers = 4),
        ..OpenOptions::default()
    };
    let error = err(Image::open(&target, &options));
    assert!(
        matches!(&error, Error::LimitExceeded { what, limit: 4, unit: "layers", .. } if *what == format!("number of layers of docker archive `{}`", archive.display())),
        "{error:?}"
    );
}

#[test]
fn oversized_manifest() {
    let layer = LayerBuilder::new()
        .file("f", b"x", 0o644)
        .finish(Compression::Gzip);
    let layout = Layout::new(&ImageBuilder::new().layer(layer).pad_manifest(8192));
    let error = err(layout.open_with(limits(|l| l.max_manifest_bytes = 4096)));
    let Error::LimitExceeded {
        what, limit, unit, ..
    } = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!(what, &format!("manifest {}", layout.built.manifest_digest));
    assert_eq!((*limit, *unit), (4096, "bytes"));
    layout
        .open_with(limits(|l| l.max_manifest_bytes = 16384))
        .unwrap();
}

#[test]
fn oversized_config() {
    let layer = LayerBuilder::new()
        .file("f", b"x", 0o644)
        .finish(Compression::Gzip);
    let layout = Layout::new(&ImageBuilder::new().layer(layer).pad_config(8192));
    assert!(layout.built.manifest.len() < 4096);
    let error = err(layout.open_with(limits(|l| l.max_manifest_bytes = 4096)));
    let Error::LimitExceeded {
        what, limit, unit, ..
    } = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!(what, &format!("config {}", layout.built.config_digest));
    assert_eq!((*limit, *unit), (4096, "bytes"));
}

/// A truncated compressed blob is a `SizeMismatch`, not a `DigestMismatch`: the verifying
/// reader knows the declared size, and at the early end of the stream it reports the size before
/// it would even compare digests (a short blob cannot match, and the size names the fault more
/// precisely). The fault travels through the gzip and tar readers and comes out typed.
#[test]
fn truncated_layer_blob_is_a_size_mismatch() {
    let layer = LayerBuilder::new()
        .file("data", &noise(100_000), 0o644)
        .finish(Compression::Gzip);
    let full = layer.blob.len();
    let keep = full / 2;
    let layout = Layout::new(&ImageBuilder::new().layer(layer).truncate_layer(0, keep));
    let error = err(layout.open().walk(&[], None));
    let Error::SizeMismatch {
        what,
        expected,
        actual,
    } = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!(what, &layout.layer_name(0));
    assert_eq!((*expected, *actual), (full as u64, keep as u64));
}

/// An uncompressed layer's digest is its diff_id, so the image verifies it once, as the diff_id,
/// together with the size its descriptor declares: a truncated one is a `SizeMismatch` on the
/// uncompressed stream (the tar reader takes an early end of stream as the end of the archive;
/// only the verifier notices what is missing).
#[test]
fn truncated_uncompressed_layer_is_a_size_mismatch() {
    let layer = LayerBuilder::new()
        .file("data", &noise(100_000), 0o644)
        .finish(Compression::None);
    assert_eq!(layer.digest, layer.diff_id);
    for keep in [50_000, 512, layer.blob.len() - 1024] {
        let layout = Layout::new(
            &ImageBuilder::new()
                .layer(layer.clone())
                .truncate_layer(0, keep),
        );
        let error = err(layout.open().walk(&[], None));
        let Error::SizeMismatch {
            what,
            expected,
            actual,
        } = &error
        else {
            panic!("{keep}: {error:?}")
        };
        assert_eq!(
            what,
            &format!("{} (uncompressed, diff_id)", layout.layer_name(0))
        );
        assert_eq!((*expected, *actual), (layer.blob.len() as u64, keep as u64));
    }
}

#[test]
fn wrong_layer_digest_is_a_digest_mismatch() {
    let layer = LayerBuilder::new()
        .file("etc/passwd", PASSWD, 0o644)
        .finish(Compression::Gzip);
    let layout = Layout::new(&ImageBuilder::new().layer(layer).wrong_layer_digest(0));
    assert_ne!(layout.built.layer_digests[0], layout.built.blob_digests[0]);
    let error = err(layout.open().walk(&[], None));
    let Error::DigestMismatch {
        what,
        expected,
        actual,
    } = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!(what, &layout.layer_name(0));
    assert_eq!(expected, &digest(&layout.built.layer_digests[0]));
    assert_eq!(actual, &digest(&layout.built.blob_digests[0]));
}

#[test]
fn wrong_diff_id_is_a_digest_mismatch() {
    let layer = LayerBuilder::new()
        .file("etc/passwd", PASSWD, 0o644)
        .finish(Compression::Gzip);
    let layout = Layout::new(&ImageBuilder::new().layer(layer).wrong_diff_id(0));
    let error = err(layout.open().walk(&[], None));
    let Error::DigestMismatch {
        what,
        expected,
        actual,
    } = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!(
        what,
        &format!("{} (uncompressed, diff_id)", layout.layer_name(0))
    );
    assert_eq!(expected, &digest(&layout.built.diff_ids[0]));
    assert_eq!(actual, &digest(&layout.built.real_diff_ids[0]));
}

#[test]
fn too_many_entries_in_a_layer() {
    let mut layer = LayerBuilder::new();
    for i in 0..11 {
        layer = layer.file(format!("f{i}"), b"x", 0o644);
    }
    let layout = one_layer(layer);
    let error = err(layout
        .open_with(limits(|l| l.max_entries_per_layer = 10))
        .unwrap()
        .walk(&[], None));
    let Error::LimitExceeded {
        what, limit, unit, ..
    } = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!(
        what,
        &format!("number of entries in {}", layout.layer_name(0))
    );
    assert_eq!((*limit, *unit), (10, "entries"));
    walk_ok(
        &layout
            .open_with(limits(|l| l.max_entries_per_layer = 11))
            .unwrap(),
    );
}

#[test]
fn path_longer_than_the_limit() {
    // GNU long names below the limit are read as written.
    let fine = format!("{}/{}", "d".repeat(300), "f".repeat(200));
    let too_long = "a/".repeat(2100) + "x";
    let layout = one_layer(LayerBuilder::new().file(&fine, b"long", 0o644));
    let image = layout.open();
    assert_eq!(
        image.read_file(&walk_ok(&image).view, &fine).unwrap(),
        b"long"
    );

    let layout = one_layer(
        LayerBuilder::new()
            .file(&fine, b"long", 0o644)
            .file(&too_long, b"x", 0o644),
    );
    let error = err(layout.open().walk(&[], None));
    let Error::LimitExceeded {
        what, limit, unit, ..
    } = &error
    else {
        panic!("{error:?}")
    };
    assert!(
        what.starts_with(&format!("{}: length of path `a/a/", layout.layer_name(0))),
        "{what}"
    );
    assert_eq!((*limit, *unit), (4096, "bytes"));
}

#[test]
fn corrupt_gzip_stream_is_a_read_error() {
    let content: Vec<u8> = (0..50_000u32).flat_map(u32::to_le_bytes).collect();
    let layer = LayerBuilder::new()
        .file("data", &content, 0o644)
        .finish(Compression::Gzip);
    // The blob's digest is re-computed after the edit: the descriptor is right, the stream is not.
    let cases = [
        // The compression method byte: not deflate.
        ("header", layer.clone().with_blob_edited(|blob| blob[2] = 7)),
        // The CRC32 in the trailer: every byte decompresses, then the check fails.
        (
            "trailer",
            layer.with_blob_edited(|blob| {
                let at = blob.len() - 8;
                blob[at] ^= 0xff;
            }),
        ),
    ];
    for (case, layer) in cases {
        let layout = Layout::new(&ImageBuilder::new().layer(layer));
        let error = err(layout.open().walk(&[], None));
        let Error::ReadLayer { layer, source } = &error else {
            panic!("{case}: {error:?}")
        };
        assert_eq!(layer, &layout.layer_name(0), "{case}");
        assert_eq!(
            source.kind(),
            std::io::ErrorKind::InvalidInput,
            "{case}: {source}"
        );
    }
}

#[test]
fn symlink_loop_on_read_file() {
    let layout = one_layer(
        LayerBuilder::new()
            .symlink("a", "b")
            .symlink("b", "a")
            .symlink("self", "self")
            .symlink("dir/x", "../dir/x")
            .symlink("chain", "dir/../a"),
    );
    let image = layout.open();
    let walk = walk_ok(&image);
    for path in ["/a", "/self", "/dir/x", "/chain", "/a/below"] {
        let error = err(image.read_file(&walk.view, path));
        assert!(
            matches!(&error, Error::SymlinkLoop { path: p } if p == path),
            "{path}: {error:?}"
        );
    }
    // `get` does not follow the last link (lstat).
    assert_eq!(walk.view.get("/a", 40).unwrap().kind, FileKind::Symlink);
}

#[test]
fn zstd_and_uncompressed_layers_read_correctly() {
    let layers = [
        (Compression::Zstd, "etc/os-release", &b"ID=zstd\n"[..]),
        (Compression::None, "usr/share/doc/plain", &b"plain tar"[..]),
        (Compression::Gzip, "opt/gz", &b"gzip"[..]),
    ];
    let mut builder = ImageBuilder::new();
    for (compression, path, content) in layers {
        builder = builder.layer(
            LayerBuilder::new()
                .file(path, content, 0o644)
                .finish(compression),
        );
    }
    let layout = Layout::new(&builder);
    let image = layout.open();
    let walk = walk_ok(&image);
    for (index, (compression, path, content)) in layers.into_iter().enumerate() {
        assert_eq!(image.layers[index].media_type, compression.media_type());
        assert_eq!(
            image.read_file(&walk.view, path).unwrap(),
            content,
            "{compression:?}"
        );
        assert_eq!(walk.view.get(path, 40).unwrap().layer, index);
    }
}

#[test]
fn whiteouts_and_opaque_directories_across_three_layers() {
    let l0 = LayerBuilder::new()
        .dir("etc", 0o755)
        .file("etc/a", b"a0", 0o644)
        .file("etc/b", b"b0", 0o644)
        .file("etc/c", b"c0", 0o644)
        .dir("opt/app", 0o755)
        .file("opt/app/1", b"1", 0o644)
        .file("opt/app/2", b"2", 0o644)
        .file("opt/app/sub/3", b"3", 0o644)
        .file("var/lib/x/y", b"y", 0o644)
        .file("root/secret", b"s0", 0o600)
        .file("keep/file", b"k", 0o644);
    let l1 = LayerBuilder::new()
        .whiteout("etc/a")
        .opaque("opt/app")
        .file("opt/app/new", b"n1", 0o644)
        .whiteout("var/lib")
        .file("tmp/t1", b"t1", 0o644)
        .file("root/secret", b"s1", 0o600)
        // Same layer as its whiteout: a whiteout only hides lower layers (image-spec layer.md).
        .file("etc/b", b"b1", 0o644)
        .whiteout("etc/b");
    let l2 = LayerBuilder::new()
        .whiteout("tmp")
        .file("etc/a", b"a2", 0o644)
        .whiteout("opt/app/new")
        .file("opt/app/sub/4", b"4", 0o644)
        .file("var/lib/z", b"z2", 0o644)
        .whiteout("root/secret")
        .whiteout("never/existed");
    let mut builder = ImageBuilder::new();
    for layer in [l0, l1, l2] {
        builder = builder.layer(layer.finish(Compression::Gzip));
    }
    let layout = Layout::new(&builder);
    let image = layout.open();
    let walk = walk_ok(&image);
    assert_eq!(
        paths(&walk),
        [
            "/etc",
            "/etc/a",
            "/etc/b",
            "/etc/c",
            "/keep",
            "/keep/file",
            // A whiteout's parent is created, as containerd's applier does (`mkparent` runs
            // before whiteouts are converted), so an empty `/never` appears.
            "/never",
            "/opt",
            "/opt/app",
            "/opt/app/sub",
            "/opt/app/sub/4",
            "/root",
            "/var",
            "/var/lib",
            "/var/lib/z",
        ]
    );
    let read = |path: &str| image.read_file(&walk.view, path);
    assert_eq!(read("/etc/a").unwrap(), b"a2");
    assert_eq!(read("/etc/b").unwrap(), b"b1");
    assert_eq!(read("/etc/c").unwrap(), b"c0");
    for (path, layer) in [
        ("/etc/a", 2),
        ("/etc/b", 1),
        ("/etc/c", 0),
        ("/opt/app/sub/4", 2),
        ("/var/lib/z", 2),
    ] {
        assert_eq!(walk.view.get(path, 40).unwrap().layer, layer, "{path}");
    }
    for gone in [
        "/opt/app/1",
        "/opt/app/sub/3",
        "/opt/app/new",
        "/var/lib/x/y",
        "/tmp/t1",
        "/root/secret",
    ] {
        assert!(
            matches!(err(read(gone)), Error::FileNotFound { .. }),
            "{gone}"
        );
    }
    let removed: Vec<u64> = walk.layers.iter().map(|l| l.files_removed).collect();
    assert_eq!(removed, [0, 4, 4]);
}

fn archive_test_image() -> ImageBuilder {
    let l0 = LayerBuilder::new()
        .dir("etc", 0o755)
        .file("etc/passwd", PASSWD, 0o644)
        .file("usr/bin/tool", b"\x7fELF tool", 0o755)
        .hardlink("usr/bin/tool-again", "usr/bin/tool")
        .symlink("bin", "usr/bin")
        .file("opt/old", b"old", 0o644)
        .finish(Compression::Gzip);
    let l1 = LayerBuilder::new()
        .whiteout("opt/old")
        .file("etc/passwd", b"root:x:0:0::/root:/bin/bash\n", 0o644)
        .finish(Compression::None);
    let l2 = LayerBuilder::new()
        .file("srv/data", b"zstd data", 0o600)
        .finish(Compression::Zstd);
    ImageBuilder::new()
        .tag("1.0")
        .layer(l0)
        .layer(l1)
        .layer(l2)
        .user("nobody")
        .cmd(&["/bin/tool"])
        .env("PATH=/usr/bin")
        .history("ADD rootfs /")
        .history("RUN passwd")
        .history("COPY data /srv")
}

#[test]
fn archives_give_the_same_view_as_the_layout() {
    let builder = archive_test_image();
    let layout = Layout::new(&builder);
    let image = layout.open();
    let expected: Vec<FileInfo> = walk_ok(&image).view.files().collect();
    assert!(expected.len() > 5);
    let summary = image.config_summary().unwrap();
    assert_eq!(
        (summary.user.as_str(), summary.cmd.as_slice()),
        ("nobody", &["/bin/tool".to_owned()][..])
    );
    assert_eq!(image.layers[1].created_by.as_deref(), Some("RUN passwd"));

    let dir = tempfile::tempdir().unwrap();
    let built = builder.build();
    let docker = dir.path().join("docker.tar");
    let docker_gz = dir.path().join("docker.tar.gz");
    let oci = dir.path().join("oci.tar");
    built.write_docker_archive(&docker, false);
    built.write_docker_archive(&docker_gz, true);
    built.write_oci_archive(&oci);
    let targets = [
        Target::DockerArchive {
            path: docker.clone(),
            reference: None,
        },
        Target::DockerArchive {
            path: docker_gz,
            reference: Some("tollgate/test:1.0".to_owned()),
        },
        Target::OciArchive {
            path: oci.clone(),
            reference: Some("1.0".to_owned()),
        },
        // Detected by content, as a bare path on the command line is.
        Target::parse(docker.to_str().unwrap()).unwrap(),
        Target::parse(oci.to_str().unwrap()).unwrap(),
    ];
    for target in &targets {
        let other = Image::open(target, &OpenOptions::default()).unwrap();
        let walk = walk_ok(&other);
        let files: Vec<FileInfo> = walk.view.files().collect();
        assert_eq!(files, expected, "{target:?}");
        assert_eq!(
            other.read_file(&walk.view, "/etc/passwd").unwrap(),
            b"root:x:0:0::/root:/bin/bash\n"
        );
        assert_eq!(
            other.read_file(&walk.view, "/bin/tool-again").unwrap(),
            b"\x7fELF tool"
        );
        assert_eq!(
            other.read_file(&walk.view, "/srv/data").unwrap(),
            b"zstd data"
        );
        let config = other.config.as_ref().unwrap();
        assert_eq!(config.digest, digest(&built.config_digest), "{target:?}");
    }
}

/// A layout whose blob file is a symbolic link to a file outside it. The layout is read with
/// plain `open`, which follows the link, so tollgate does read the outside file; what keeps it
/// safe is that every blob is verified against its digest (and size) from the manifest, so the
/// outside content is rejected and never becomes part of the view.
#[test]
fn blob_symlinked_to_a_host_file_is_caught_by_its_digest() {
    // Several KiB, so that the tar reader parses the outside bytes before their end is reached.
    let noise = noise(4096);
    let layer = LayerBuilder::new()
        .file("etc/passwd", PASSWD, 0o644)
        .file("noise", &noise, 0o644)
        .finish(Compression::Gzip);
    assert!(layer.blob.len() > 2048);
    let size = layer.blob.len();
    let host = tempfile::tempdir().unwrap();
    let same_size: Vec<u8> = b"host secret\n"
        .iter()
        .copied()
        .cycle()
        .take(size)
        .collect();
    let shorter = b"root:x:0:0:root:/root:/bin/bash\n".to_vec();
    for (case, host_bytes) in [("same size", &same_size), ("shorter", &shorter)] {
        let layout = Layout::new(&ImageBuilder::new().layer(layer.clone()));
        let host_file = host.path().join(case);
        fs_err::write(&host_file, host_bytes).unwrap();
        let blob = blob_path(layout.dir.path(), &layout.built.layer_digests[0]);
        fs_err::remove_file(&blob).unwrap();
        std::os::unix::fs::symlink(&host_file, &blob).unwrap();
        let error = err(layout.open().walk(&[], None));
        match (&error, case) {
            (
                Error::DigestMismatch {
                    what,
                    expected,
                    actual,
                },
                "same size",
            ) => {
                assert_eq!(what, &layout.layer_name(0));
                assert_eq!(expected, &digest(&layout.built.layer_digests[0]));
                assert_eq!(actual, &digest(&sha256(host_bytes)));
            }
            (
                Error::SizeMismatch {
                    what,
                    expected,
                    actual,
                },
                "shorter",
            ) => {
                assert_eq!(what, &layout.layer_name(0));
                assert_eq!((*expected, *actual), (size as u64, host_bytes.len() as u64));
            }
            _ => panic!("{case}: {error:?}"),
        }
    }

    // An uncompressed layer is verified through its diff_id (its digest): the same holds.
    let plain = LayerBuilder::new()
        .file("noise", &noise, 0o644)
        .finish(Compression::None);
    let layout = Layout::new(&ImageBuilder::new().layer(plain.clone()));
    let host_bytes: Vec<u8> = b"host secret\n"
        .iter()
        .copied()
        .cycle()
        .take(plain.blob.len())
        .collect();
    let host_file = host.path().join("plain");
    fs_err::write(&host_file, &host_bytes).unwrap();
    let blob = blob_path(layout.dir.path(), &plain.digest);
    fs_err::remove_file(&blob).unwrap();
    std::os::unix::fs::symlink(&host_file, &blob).unwrap();
    let error = err(layout.open().walk(&[], None));
    assert!(
        matches!(&error, Error::DigestMismatch { what, expected, actual }
            if *what == format!("{} (uncompressed, diff_id)", layout.layer_name(0))
                && *expected == digest(&plain.diff_id)
                && *actual == digest(&sha256(&host_bytes))),
        "{error:?}"
    );

    // The manifest itself, linked to a host file.
    let layout = Layout::new(&ImageBuilder::new().layer(layer));
    let host_file = host.path().join("manifest");
    fs_err::write(&host_file, br#"{"schemaVersion":2,"layers":[]}"#).unwrap();
    let manifest = blob_path(layout.dir.path(), &layout.built.manifest_digest);
    fs_err::remove_file(&manifest).unwrap();
    std::os::unix::fs::symlink(&host_file, &manifest).unwrap();
    let error = err(layout.open_with(Limits::default()));
    let Error::DigestMismatch {
        what,
        expected,
        actual,
    } = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!(what, &format!("manifest {}", layout.built.manifest_digest));
    assert_eq!(expected, &digest(&layout.built.manifest_digest));
    assert_eq!(
        actual,
        &digest(&sha256(br#"{"schemaVersion":2,"layers":[]}"#))
    );
}

/// A blob swapped for another, valid layer that breaks a rule: the verifier, not the rule, names
/// the fault, because the content is not the layer the manifest describes at all.
#[test]
fn swapped_blob_is_a_mismatch_before_its_content_is_judged() {
    let layer = LayerBuilder::new()
        .file("etc/passwd", PASSWD, 0o644)
        .file("noise", &noise(4096), 0o644)
        .finish(Compression::Gzip);
    let hostile = LayerBuilder::new()
        .file("../../etc/cron.d/evil", b"* * * * * root sh", 0o644)
        .finish(Compression::Gzip);
    assert!(hostile.blob.len() < layer.blob.len());
    let layout = Layout::new(&ImageBuilder::new().layer(layer.clone()));
    fs_err::write(blob_path(layout.dir.path(), &layer.digest), &hostile.blob).unwrap();
    let error = err(layout.open().walk(&[], None));
    assert!(
        matches!(&error, Error::SizeMismatch { what, expected, actual }
            if *what == layout.layer_name(0) && *expected == layer.blob.len() as u64 && *actual == hostile.blob.len() as u64),
        "{error:?}"
    );
}

fn entries(dir: &Path) -> Vec<String> {
    fs_err::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

/// Opening a gzip'ed docker archive decompresses it into a temporary file: that file must be in
/// tollgate's temp directory while the image is open and gone once the image is dropped.
#[test]
fn compressed_archive_temp_files_stay_in_tollgate_tmpdir() {
    let work = tempfile::tempdir().unwrap();
    let archive = work.path().join("image.tar.gz");
    archive_test_image()
        .build()
        .write_docker_archive(&archive, true);
    let tollgate_tmp = tempfile::tempdir().unwrap();
    let options = OpenOptions {
        temp_dir: Some(tollgate_tmp.path().to_owned()),
        ..OpenOptions::default()
    };
    let target = Target::DockerArchive {
        path: archive.clone(),
        reference: None,
    };
    let image = Image::open(&target, &options).unwrap();
    let during = entries(tollgate_tmp.path());
    assert_eq!(during.len(), 1, "{during:?}");
    assert!(during[0].starts_with("tollgate-archive-"), "{during:?}");
    let walk = walk_ok(&image);
    assert_eq!(
        image.read_file(&walk.view, "/srv/data").unwrap(),
        b"zstd data"
    );
    drop(image);
    assert_eq!(entries(tollgate_tmp.path()), Vec::<String>::new());
    assert_eq!(entries(work.path()), ["image.tar.gz"]);
}

#[derive(Debug, PartialEq, Eq)]
struct Seen {
    layer: usize,
    path: String,
    magic: Option<Magic>,
    hardlink_of: Option<String>,
    content: Vec<u8>,
}

#[derive(Default)]
struct Recorder {
    seen: Mutex<Vec<Seen>>,
}

impl Recorder {
    fn seen(&self) -> Vec<Seen> {
        let mut seen = std::mem::take(&mut *self.seen.lock().unwrap());
        seen.sort_by(|a, b| (a.layer, &a.path).cmp(&(b.layer, &b.path)));
        seen
    }
}

impl Visitor for Recorder {
    fn id(&self) -> &str {
        "recorder"
    }

    fn selectors(&self) -> &[Selector] {
        &[
            Selector::Path("etc/os-release"),
            Selector::Glob("usr/lib/**/*.so*"),
            Selector::Magic(Magic::Elf),
        ]
    }

    fn visit(&self, file: &VisitedFile<'_>, content: &mut dyn Read) -> Result<(), BoxError> {
        let mut bytes = Vec::new();
        content.read_to_end(&mut bytes)?;
        self.seen.lock().unwrap().push(Seen {
            layer: file.layer_index,
            path: file.path.to_owned(),
            magic: file.magic,
            hardlink_of: file.hardlink_of.map(str::to_owned),
            content: bytes,
        });
        Ok(())
    }
}

/// A visitor that fails on every file it is given, after reading part of it.
struct Failing;

impl Visitor for Failing {
    fn id(&self) -> &str {
        "failing"
    }

    fn selectors(&self) -> &[Selector] {
        &[Selector::Path("etc/os-release"), Selector::Glob("data/*")]
    }

    fn visit(&self, file: &VisitedFile<'_>, content: &mut dyn Read) -> Result<(), BoxError> {
        let mut head = [0u8; 2];
        content.read_exact(&mut head)?;
        Err(format!("cannot parse `{}`", file.path).into())
    }
}

fn visitor_test_image() -> Layout {
    let l0 = LayerBuilder::new()
        .file("etc/os-release", b"ID=zero\n", 0o644)
        .file("usr/lib/x86_64-linux-gnu/libz.so.1", b"not an elf", 0o644)
        .file("usr/lib/libc.so", b"\x7fELF libc", 0o755)
        .file("bin/tool", b"\x7fELF tool", 0o755)
        .hardlink("bin/tool-link", "bin/tool")
        .file("opt/secret-elf", b"\x7fELF secret", 0o755)
        .file("data/readme", b"not selected by the recorder", 0o644)
        .file("empty", b"", 0o644)
        .finish(Compression::Gzip);
    let l1 = LayerBuilder::new()
        .whiteout("opt/secret-elf")
        .file("etc/os-release", b"ID=one\n", 0o644)
        .finish(Compression::Gzip);
    Layout::new(&ImageBuilder::new().layer(l0).layer(l1))
}

#[test]
fn visitors_receive_selected_files_from_every_layer() {
    let layout = visitor_test_image();
    let image = layout.open();
    let recorder = Recorder::default();
    let walk = image.walk(&[&recorder], None).unwrap();
    assert_eq!(walk.problems, []);
    let seen = |layer, path: &str, magic, hardlink_of: Option<&str>, content: &[u8]| Seen {
        layer,
        path: path.to_owned(),
        magic,
        hardlink_of: hardlink_of.map(str::to_owned),
        content: content.to_vec(),
    };
    let elf = Some(Magic::Elf);
    assert_eq!(
        recorder.seen(),
        [
            seen(0, "/bin/tool", elf, None, b"\x7fELF tool"),
            seen(0, "/bin/tool-link", elf, Some("/bin/tool"), b"\x7fELF tool"),
            seen(0, "/etc/os-release", None, None, b"ID=zero\n"),
            // Deleted by layer 1's whiteout, but visitors see every layer.
            seen(0, "/opt/secret-elf", elf, None, b"\x7fELF secret"),
            seen(0, "/usr/lib/libc.so", elf, None, b"\x7fELF libc"),
            seen(
                0,
                "/usr/lib/x86_64-linux-gnu/libz.so.1",
                None,
                None,
                b"not an elf"
            ),
            seen(1, "/etc/os-release", None, None, b"ID=one\n"),
        ]
    );
    assert!(walk.view.get("/opt/secret-elf", 40).is_none());
}

#[test]
fn failing_visitor_is_a_problem_not_an_abort() {
    let layout = visitor_test_image();
    let image = layout.open();
    let recorder = Recorder::default();
    let walk = image.walk(&[&recorder, &Failing], None).unwrap();
    let mut problems = walk.problems.clone();
    problems.sort_by(|a, b| (a.layer_index, &a.path).cmp(&(b.layer_index, &b.path)));
    let problem = |layer_index, path: &str| VisitProblem {
        visitor: "failing".to_owned(),
        layer_index,
        path: path.to_owned(),
        message: format!("cannot parse `{path}`"),
    };
    assert_eq!(
        problems,
        [
            // `data/readme`: the failing visitor alone gets the stream.
            problem(0, "/data/readme"),
            // `etc/os-release`: shared with the recorder, from a buffered copy.
            problem(0, "/etc/os-release"),
            problem(1, "/etc/os-release"),
        ]
    );
    // The recorder got its files all the same, and the view is complete.
    assert_eq!(recorder.seen().len(), 7);
    assert_eq!(
        image.read_file(&walk.view, "/etc/os-release").unwrap(),
        b"ID=one\n"
    );
}

/// A file two visitors want (a large Go binary is an ELF file for the Go and the Rust
/// catalogers) that is larger than the analysis buffer is copied to a temporary file once,
/// and each visitor reads all of it; the temporary file is gone afterwards.
#[test]
fn several_visitors_share_a_file_larger_than_the_buffer() {
    let mut big = b"\x7fELF".to_vec();
    big.extend(noise(3 << 20));
    let layout = one_layer(LayerBuilder::new().file("bin/big", &big, 0o755));
    let image = layout
        .open_with(limits(|l| l.max_analyzer_buffer = 1 << 20))
        .unwrap();
    let (first, second) = (Recorder::default(), Recorder::default());
    let walk = image.walk(&[&first, &second], None).unwrap();
    assert_eq!(walk.problems, []);
    for recorder in [first, second] {
        let seen = recorder.seen();
        assert_eq!(seen.len(), 1);
        assert!(
            seen[0].content == big,
            "{} bytes seen",
            seen[0].content.len()
        );
    }
}
