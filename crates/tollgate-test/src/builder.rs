//! Test images generated on the fly, including hostile ones.
//!
//! [`LayerBuilder`] writes tar entries byte-exact: the name and link bytes go into the header as
//! given (a name longer than 100 bytes gets a GNU long-name entry), so `../x`, `/etc/x` and
//! duplicate paths are possible, unlike with `tar::Builder::append_data`, which sanitises paths.
//! [`ImageBuilder`] turns layers and a config into an OCI layout directory, an `oci-archive`
//! tar or a legacy `docker save` archive, optionally corrupted on purpose (wrong layer digest,
//! wrong diff_id, truncated blob, oversized manifest or config).
//!
//! ```no_run
//! use tollgate_test::builder::{Compression, EntryType, ImageBuilder, LayerBuilder};
//!
//! let layer = LayerBuilder::new()
//!     .dir("etc", 0o755)
//!     .file("etc/passwd", b"root:x:0:0::/root:/bin/sh\n", 0o644)
//!     .raw("../escape", EntryType::Regular, b"x", None, 0o644)
//!     .finish(Compression::Gzip);
//! let dir = tempfile::tempdir().unwrap();
//! let image = ImageBuilder::new().layer(layer).build();
//! image.write_oci_layout(dir.path());
//! ```

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

pub use tar::EntryType;

/// The media type of an OCI image manifest.
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// The media type of an OCI image config.
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
/// The annotation that names a manifest in a layout's `index.json`.
pub const REF_NAME: &str = "org.opencontainers.image.ref.name";

const BLOCK: usize = 512;
const NAME_FIELD: usize = 100;

/// How a layer blob is compressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    /// A plain tar.
    None,
    /// gzip.
    Gzip,
    /// zstd.
    Zstd,
}

impl Compression {
    /// The OCI layer media type for this compression.
    #[must_use]
    pub fn media_type(self) -> &'static str {
        match self {
            Self::None => "application/vnd.oci.image.layer.v1.tar",
            Self::Gzip => "application/vnd.oci.image.layer.v1.tar+gzip",
            Self::Zstd => "application/vnd.oci.image.layer.v1.tar+zstd",
        }
    }
}

/// `sha256:<hex>` of `bytes`.
#[must_use]
pub fn sha256(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// Compress `bytes`.
#[must_use]
pub fn compress(bytes: &[u8], compression: Compression) -> Vec<u8> {
    match compression {
        Compression::None => bytes.to_vec(),
        Compression::Gzip => {
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            encoder.write_all(bytes).unwrap();
            encoder.finish().unwrap()
        }
        Compression::Zstd => zstd::encode_all(bytes, 3).unwrap(),
    }
}

/// The path of a blob inside an OCI layout directory.
#[must_use]
pub fn blob_path(layout: &Path, digest: &str) -> PathBuf {
    let (algorithm, hex) = digest
        .split_once(':')
        .expect("digest has the form algorithm:hex");
    layout.join("blobs").join(algorithm).join(hex)
}

/// A tar header whose name and link name are the given bytes, unchanged (at most 100 bytes
/// each; longer ones are carried by GNU long-name entries written before it).
fn header(name: &[u8], kind: EntryType, size: u64, mode: u32, link: &[u8]) -> tar::Header {
    let mut header = tar::Header::new_gnu();
    {
        let old = header.as_old_mut();
        let n = name.len().min(NAME_FIELD);
        old.name[..n].copy_from_slice(&name[..n]);
        let l = link.len().min(NAME_FIELD);
        old.linkname[..l].copy_from_slice(&link[..l]);
    }
    header.set_entry_type(kind);
    header.set_size(size);
    header.set_mode(mode);
    header.set_uid(0);
    header.set_gid(0);
    header.set_mtime(0);
    header.set_cksum();
    header
}

fn pad(out: &mut Vec<u8>) {
    let rest = out.len() % BLOCK;
    if rest != 0 {
        out.resize(out.len() + BLOCK - rest, 0);
    }
}

/// The bytes of one tar entry (GNU long-name and long-link entries first when needed).
fn entry_bytes(
    name: &[u8],
    kind: EntryType,
    data: &[u8],
    link: &[u8],
    mode: u32,
    size: u64,
) -> Vec<u8> {
    let mut out = Vec::new();
    for (long, long_kind) in [
        (name, EntryType::GNULongName),
        (link, EntryType::GNULongLink),
    ] {
        if long.len() > NAME_FIELD {
            let mut content = long.to_vec();
            content.push(0);
            let h = header(
                b"././@LongLink",
                long_kind,
                content.len() as u64,
                0o644,
                b"",
            );
            out.extend_from_slice(h.as_bytes());
            out.extend_from_slice(&content);
            pad(&mut out);
        }
    }
    out.extend_from_slice(header(name, kind, size, mode, link).as_bytes());
    out.extend_from_slice(data);
    pad(&mut out);
    out
}

/// Builds one layer's tar, entry by entry, with names written byte-exact.
#[derive(Clone, Debug, Default)]
pub struct LayerBuilder {
    tar: Vec<u8>,
    entries: usize,
}

impl LayerBuilder {
    /// An empty layer.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of entries added so far (GNU long-name helper entries not counted).
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries
    }

    /// Whether no entry was added.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries == 0
    }

    /// Any entry, byte-exact: `name` and `link` go into the header unchanged (no leading `/`
    /// stripped, no `..` rejected); names over 100 bytes use a GNU long-name entry.
    #[must_use]
    pub fn raw(
        mut self,
        name: impl AsRef<[u8]>,
        kind: EntryType,
        data: &[u8],
        link: Option<&[u8]>,
        mode: u32,
    ) -> Self {
        let bytes = entry_bytes(
            name.as_ref(),
            kind,
            data,
            link.unwrap_or_default(),
            mode,
            data.len() as u64,
        );
        self.tar.extend_from_slice(&bytes);
        self.entries += 1;
        self
    }

    /// A directory. Names are written as given (a trailing `/` is not added).
    #[must_use]
    pub fn dir(self, path: impl AsRef<[u8]>, mode: u32) -> Self {
        self.raw(path, EntryType::Directory, b"", None, mode)
    }

    /// A regular file.
    #[must_use]
    pub fn file(self, path: impl AsRef<[u8]>, content: &[u8], mode: u32) -> Self {
        self.raw(path, EntryType::Regular, content, None, mode)
    }

    /// A symbolic link.
    #[must_use]
    pub fn symlink(self, path: impl AsRef<[u8]>, target: impl AsRef<[u8]>) -> Self {
        self.raw(path, EntryType::Symlink, b"", Some(target.as_ref()), 0o777)
    }

    /// A hard link to `target` (a path in the layer, as tar writes it: relative to the root).
    #[must_use]
    pub fn hardlink(self, path: impl AsRef<[u8]>, target: impl AsRef<[u8]>) -> Self {
        self.raw(path, EntryType::Link, b"", Some(target.as_ref()), 0o644)
    }

    /// An OCI whiteout for `path`: an empty file `<parent>/.wh.<name>`.
    #[must_use]
    pub fn whiteout(self, path: &str) -> Self {
        let marker = match path.rsplit_once('/') {
            Some((parent, name)) => format!("{parent}/.wh.{name}"),
            None => format!(".wh.{path}"),
        };
        self.raw(marker, EntryType::Regular, b"", None, 0o644)
    }

    /// An opaque marker for directory `dir`: an empty file `<dir>/.wh..wh..opq`.
    #[must_use]
    pub fn opaque(self, dir: &str) -> Self {
        let marker = if dir.is_empty() {
            ".wh..wh..opq".to_owned()
        } else {
            format!("{}/.wh..wh..opq", dir.trim_end_matches('/'))
        };
        self.raw(marker, EntryType::Regular, b"", None, 0o644)
    }

    /// A named pipe.
    #[must_use]
    pub fn fifo(self, path: impl AsRef<[u8]>) -> Self {
        self.raw(path, EntryType::Fifo, b"", None, 0o644)
    }

    /// A character device.
    #[must_use]
    pub fn char_device(self, path: impl AsRef<[u8]>, major: u32, minor: u32) -> Self {
        self.device(path, EntryType::Char, major, minor)
    }

    /// A block device.
    #[must_use]
    pub fn block_device(self, path: impl AsRef<[u8]>, major: u32, minor: u32) -> Self {
        self.device(path, EntryType::Block, major, minor)
    }

    fn device(mut self, path: impl AsRef<[u8]>, kind: EntryType, major: u32, minor: u32) -> Self {
        let mut bytes = entry_bytes(path.as_ref(), kind, b"", b"", 0o600, 0);
        // The device header is the last block written: set its numbers and re-checksum it.
        let start = bytes.len() - BLOCK;
        let mut h = tar::Header::from_byte_slice(&bytes[start..]).clone();
        h.set_device_major(major).unwrap();
        h.set_device_minor(minor).unwrap();
        h.set_cksum();
        bytes[start..].copy_from_slice(h.as_bytes());
        self.tar.extend_from_slice(&bytes);
        self.entries += 1;
        self
    }

    /// The tar so far, with its end-of-archive blocks.
    #[must_use]
    pub fn tar_bytes(&self) -> Vec<u8> {
        let mut tar = self.tar.clone();
        tar.extend_from_slice(&[0u8; 2 * BLOCK]);
        tar
    }

    /// The finished layer, compressed as asked.
    #[must_use]
    pub fn finish(self, compression: Compression) -> BuiltLayer {
        BuiltLayer::from_tar(self.tar_bytes(), compression)
    }

    /// A decompression bomb: a tar with one file `path` of `size` zero bytes, compressed. The
    /// tar is streamed into the compressor, so even a large `size` costs little memory; the blob
    /// is tiny (gzip: about 1 KiB per MiB, zstd: far less).
    #[must_use]
    pub fn bomb(path: &str, size: u64, compression: Compression) -> BuiltLayer {
        struct Tee<W> {
            out: W,
            hasher: Sha256,
        }
        impl<W: Write> Write for Tee<W> {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                let n = self.out.write(buf)?;
                self.hasher.update(&buf[..n]);
                Ok(n)
            }
            fn flush(&mut self) -> std::io::Result<()> {
                self.out.flush()
            }
        }
        fn stream(out: &mut dyn Write, path: &str, size: u64) -> Sha256 {
            let mut tee = Tee {
                out,
                hasher: Sha256::new(),
            };
            let head = entry_bytes(path.as_bytes(), EntryType::Regular, b"", b"", 0o644, size);
            tee.write_all(&head).unwrap();
            let chunk = vec![0u8; 1 << 20];
            let mut left = size;
            while left > 0 {
                let n = usize::try_from(left.min(chunk.len() as u64)).unwrap();
                tee.write_all(&chunk[..n]).unwrap();
                left -= n as u64;
            }
            let padding = (BLOCK - (size % BLOCK as u64) as usize) % BLOCK;
            tee.write_all(&chunk[..padding + 2 * BLOCK]).unwrap();
            tee.hasher
        }
        let (blob, hasher) = match compression {
            Compression::None => {
                let mut out = Vec::new();
                let hasher = stream(&mut out, path, size);
                (out, hasher)
            }
            Compression::Gzip => {
                let mut encoder =
                    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
                let hasher = stream(&mut encoder, path, size);
                (encoder.finish().unwrap(), hasher)
            }
            Compression::Zstd => {
                let mut encoder = zstd::Encoder::new(Vec::new(), 19).unwrap();
                let hasher = stream(&mut encoder, path, size);
                (encoder.finish().unwrap(), hasher)
            }
        };
        BuiltLayer {
            digest: sha256(&blob),
            diff_id: format!("sha256:{}", hex::encode(hasher.finalize())),
            blob,
            tar: None,
            compression,
        }
    }
}

/// A finished layer: the blob as stored and the digests that describe it.
#[derive(Clone, Debug)]
pub struct BuiltLayer {
    /// The blob (compressed as [`Self::compression`] says).
    pub blob: Vec<u8>,
    /// `sha256:` of the blob.
    pub digest: String,
    /// `sha256:` of the uncompressed tar.
    pub diff_id: String,
    /// How the blob is compressed.
    pub compression: Compression,
    /// The uncompressed tar (absent for bombs, which are never held in memory).
    tar: Option<Vec<u8>>,
}

impl BuiltLayer {
    /// A layer from a complete tar.
    #[must_use]
    pub fn from_tar(tar: Vec<u8>, compression: Compression) -> Self {
        let blob = compress(&tar, compression);
        Self {
            digest: sha256(&blob),
            diff_id: sha256(&tar),
            blob,
            tar: Some(tar),
            compression,
        }
    }

    /// Edit the stored blob (to corrupt it) and re-compute [`Self::digest`], so that the blob is
    /// exactly what its descriptor says but its content is broken. The diff_id is kept.
    #[must_use]
    pub fn with_blob_edited(mut self, edit: impl FnOnce(&mut Vec<u8>)) -> Self {
        edit(&mut self.blob);
        self.digest = sha256(&self.blob);
        self
    }

    /// The uncompressed tar, if known.
    #[must_use]
    pub fn tar(&self) -> Option<&[u8]> {
        self.tar.as_deref()
    }
}

/// Builds an image from layers and a config, with optional deliberate corruptions.
#[derive(Clone, Debug)]
pub struct ImageBuilder {
    layers: Vec<BuiltLayer>,
    tag: String,
    architecture: String,
    os: String,
    user: Option<String>,
    cmd: Option<Vec<String>>,
    env: Vec<String>,
    history: Vec<String>,
    wrong_layer_digest: Option<usize>,
    wrong_diff_id: Option<usize>,
    truncate_layer: Option<(usize, usize)>,
    manifest_padding: usize,
    config_padding: usize,
}

impl Default for ImageBuilder {
    fn default() -> Self {
        Self {
            layers: Vec::new(),
            tag: "test".to_owned(),
            architecture: "amd64".to_owned(),
            os: "linux".to_owned(),
            user: None,
            cmd: None,
            env: Vec::new(),
            history: Vec::new(),
            wrong_layer_digest: None,
            wrong_diff_id: None,
            truncate_layer: None,
            manifest_padding: 0,
            config_padding: 0,
        }
    }
}

impl ImageBuilder {
    /// An image with no layers, tagged `test`, for linux/amd64.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Add a layer on top.
    #[must_use]
    pub fn layer(mut self, layer: BuiltLayer) -> Self {
        self.layers.push(layer);
        self
    }

    /// Add `count` copies of `layer`.
    #[must_use]
    pub fn layers(mut self, layer: &BuiltLayer, count: usize) -> Self {
        self.layers
            .extend(std::iter::repeat_n(layer.clone(), count));
        self
    }

    /// The tag (`org.opencontainers.image.ref.name`, and `tollgate/test:<tag>` in docker archives).
    #[must_use]
    pub fn tag(mut self, tag: &str) -> Self {
        tag.clone_into(&mut self.tag);
        self
    }

    /// The platform in the config.
    #[must_use]
    pub fn platform(mut self, os: &str, architecture: &str) -> Self {
        os.clone_into(&mut self.os);
        architecture.clone_into(&mut self.architecture);
        self
    }

    /// `config.User`.
    #[must_use]
    pub fn user(mut self, user: &str) -> Self {
        self.user = Some(user.to_owned());
        self
    }

    /// `config.Cmd`.
    #[must_use]
    pub fn cmd(mut self, cmd: &[&str]) -> Self {
        self.cmd = Some(cmd.iter().map(|&s| s.to_owned()).collect());
        self
    }

    /// Add one `config.Env` entry (`KEY=value`).
    #[must_use]
    pub fn env(mut self, entry: &str) -> Self {
        self.env.push(entry.to_owned());
        self
    }

    /// Add one history entry (`created_by`), for the next layer in order.
    #[must_use]
    pub fn history(mut self, created_by: &str) -> Self {
        self.history.push(created_by.to_owned());
        self
    }

    /// Corruption: the manifest lists a wrong digest for layer `index`; the blob is stored under
    /// that wrong name, so it is found but does not hash to its name.
    #[must_use]
    pub fn wrong_layer_digest(mut self, index: usize) -> Self {
        self.wrong_layer_digest = Some(index);
        self
    }

    /// Corruption: the config lists a wrong diff_id for layer `index`.
    #[must_use]
    pub fn wrong_diff_id(mut self, index: usize) -> Self {
        self.wrong_diff_id = Some(index);
        self
    }

    /// Corruption: layer `index`'s stored blob keeps only its first `keep` bytes (its descriptor
    /// still gives the full size and digest).
    #[must_use]
    pub fn truncate_layer(mut self, index: usize, keep: usize) -> Self {
        self.truncate_layer = Some((index, keep));
        self
    }

    /// Grow the manifest by about `bytes` (a padding annotation), to exceed a manifest limit.
    #[must_use]
    pub fn pad_manifest(mut self, bytes: usize) -> Self {
        self.manifest_padding = bytes;
        self
    }

    /// Grow the config by about `bytes` (a padding label), to exceed a config limit.
    #[must_use]
    pub fn pad_config(mut self, bytes: usize) -> Self {
        self.config_padding = bytes;
        self
    }

    /// Build the manifest, config and blobs.
    #[must_use]
    pub fn build(&self) -> BuiltImage {
        let real_diff_ids: Vec<String> = self.layers.iter().map(|l| l.diff_id.clone()).collect();
        let mut diff_ids = real_diff_ids.clone();
        if let Some(index) = self.wrong_diff_id {
            diff_ids[index] = sha256(format!("wrong diff_id of layer {index}").as_bytes());
        }
        let mut container = serde_json::Map::new();
        if let Some(user) = &self.user {
            container.insert("User".into(), user.clone().into());
        }
        if let Some(cmd) = &self.cmd {
            container.insert("Cmd".into(), cmd.clone().into());
        }
        if !self.env.is_empty() {
            container.insert("Env".into(), self.env.clone().into());
        }
        if self.config_padding > 0 {
            container.insert(
                "Labels".into(),
                serde_json::json!({ "padding": "x".repeat(self.config_padding) }),
            );
        }
        let history: Vec<serde_json::Value> = self
            .history
            .iter()
            .map(|created_by| serde_json::json!({ "created": "1970-01-01T00:00:00Z", "created_by": created_by }))
            .collect();
        let config = serde_json::json!({
            "created": "1970-01-01T00:00:00Z",
            "architecture": self.architecture,
            "os": self.os,
            "config": container,
            "rootfs": { "type": "layers", "diff_ids": diff_ids },
            "history": history,
        });
        let config = serde_json::to_vec(&config).unwrap();
        let config_digest = sha256(&config);

        let mut blobs: Vec<(String, Vec<u8>)> = Vec::new();
        let mut layer_digests = Vec::new();
        let mut descriptors = Vec::new();
        for (index, layer) in self.layers.iter().enumerate() {
            let digest = if self.wrong_layer_digest == Some(index) {
                sha256(format!("wrong digest of layer {index}").as_bytes())
            } else {
                layer.digest.clone()
            };
            let mut blob = layer.blob.clone();
            if let Some((truncated, keep)) = self.truncate_layer
                && truncated == index
            {
                blob.truncate(keep);
            }
            descriptors.push(serde_json::json!({
                "mediaType": layer.compression.media_type(),
                "digest": digest,
                "size": layer.blob.len(),
            }));
            blobs.push((digest.clone(), blob));
            layer_digests.push(digest);
        }
        let mut manifest = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": { "mediaType": OCI_CONFIG, "digest": config_digest, "size": config.len() },
            "layers": descriptors,
        });
        if self.manifest_padding > 0 {
            manifest["annotations"] =
                serde_json::json!({ "org.tollgate.padding": "x".repeat(self.manifest_padding) });
        }
        let manifest = serde_json::to_vec(&manifest).unwrap();
        BuiltImage {
            manifest_digest: sha256(&manifest),
            manifest,
            config_digest,
            config,
            layer_digests,
            blob_digests: self.layers.iter().map(|l| l.digest.clone()).collect(),
            diff_ids,
            real_diff_ids,
            tag: self.tag.clone(),
            blobs,
            layers: self.layers.clone(),
            truncate_layer: self.truncate_layer,
        }
    }

    /// Build and write an OCI layout into `dir` (see [`BuiltImage::write_oci_layout`]).
    pub fn write_oci_layout(&self, dir: &Path) -> BuiltImage {
        let image = self.build();
        image.write_oci_layout(dir);
        image
    }
}

/// A built image: its manifest, config and blobs, and the digests tests check errors against.
#[derive(Clone, Debug)]
pub struct BuiltImage {
    /// The manifest bytes.
    pub manifest: Vec<u8>,
    /// `sha256:` of the manifest.
    pub manifest_digest: String,
    /// The config bytes.
    pub config: Vec<u8>,
    /// `sha256:` of the config.
    pub config_digest: String,
    /// Layer digests as the manifest lists them (a wrong one when asked for).
    pub layer_digests: Vec<String>,
    /// The real digests of the layer blobs.
    pub blob_digests: Vec<String>,
    /// diff_ids as the config lists them (a wrong one when asked for).
    pub diff_ids: Vec<String>,
    /// The real diff_ids.
    pub real_diff_ids: Vec<String>,
    /// The tag.
    pub tag: String,
    /// (digest in the manifest, stored bytes) of each layer.
    blobs: Vec<(String, Vec<u8>)>,
    layers: Vec<BuiltLayer>,
    truncate_layer: Option<(usize, usize)>,
}

impl BuiltImage {
    /// The files of the OCI layout, by relative path.
    #[must_use]
    pub fn layout_files(&self) -> Vec<(String, Vec<u8>)> {
        let blob = |digest: &str| format!("blobs/{}", digest.replacen(':', "/", 1));
        let index = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [{
                "mediaType": OCI_MANIFEST,
                "digest": self.manifest_digest,
                "size": self.manifest.len(),
                "annotations": { REF_NAME: self.tag },
            }],
        });
        let mut files = vec![
            (
                "oci-layout".to_owned(),
                br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec(),
            ),
            ("index.json".to_owned(), serde_json::to_vec(&index).unwrap()),
            (blob(&self.manifest_digest), self.manifest.clone()),
            (blob(&self.config_digest), self.config.clone()),
        ];
        for (digest, bytes) in &self.blobs {
            if !files.iter().any(|(name, _)| *name == blob(digest)) {
                files.push((blob(digest), bytes.clone()));
            }
        }
        files
    }

    /// Write the OCI layout into `dir` (created if missing).
    pub fn write_oci_layout(&self, dir: &Path) {
        for (name, bytes) in self.layout_files() {
            let path = dir.join(name);
            fs_err::create_dir_all(path.parent().unwrap()).unwrap();
            fs_err::write(path, bytes).unwrap();
        }
    }

    /// Write an `oci-archive`: a tar of the layout.
    pub fn write_oci_archive(&self, path: &Path) {
        let mut tar = tar::Builder::new(Vec::new());
        for dir in ["blobs", "blobs/sha256"] {
            let mut header = tar::Header::new_ustar();
            header.set_entry_type(EntryType::Directory);
            header.set_mode(0o755);
            header.set_mtime(0);
            header.set_size(0);
            tar.append_data(&mut header, dir, std::io::empty()).unwrap();
        }
        for (name, bytes) in self.layout_files() {
            append_file(&mut tar, &name, &bytes);
        }
        fs_err::write(path, tar.into_inner().unwrap()).unwrap();
    }

    /// Write a legacy `docker save` archive (`<hex>.tar` uncompressed layers, `<hex>.json`
    /// config, `manifest.json` last, as docker writes it), gzip'ed when asked. The layers are
    /// stored uncompressed, as docker does, unless only the compressed blob is known (bombs).
    pub fn write_docker_archive(&self, path: &Path, gzip: bool) {
        let hex = |digest: &str| digest.split_once(':').unwrap().1.to_owned();
        let mut tar = tar::Builder::new(Vec::new());
        let mut names = Vec::new();
        for (index, layer) in self.layers.iter().enumerate() {
            let name = format!("{}.tar", hex(&layer.diff_id));
            let mut bytes = layer
                .tar()
                .map_or_else(|| layer.blob.clone(), <[u8]>::to_vec);
            if let Some((truncated, keep)) = self.truncate_layer
                && truncated == index
            {
                bytes.truncate(keep);
            }
            if !names.contains(&name) {
                append_file(&mut tar, &name, &bytes);
            }
            names.push(name);
        }
        let config_name = format!("{}.json", hex(&self.config_digest));
        append_file(&mut tar, &config_name, &self.config);
        let manifest = serde_json::json!([{
            "Config": config_name,
            "RepoTags": [format!("tollgate/test:{}", self.tag)],
            "Layers": names,
        }]);
        append_file(
            &mut tar,
            "manifest.json",
            &serde_json::to_vec(&manifest).unwrap(),
        );
        let bytes = tar.into_inner().unwrap();
        let bytes = if gzip {
            compress(&bytes, Compression::Gzip)
        } else {
            bytes
        };
        fs_err::write(path, bytes).unwrap();
    }
}

fn append_file(tar: &mut tar::Builder<Vec<u8>>, name: &str, bytes: &[u8]) {
    let mut header = tar::Header::new_ustar();
    header.set_entry_type(EntryType::Regular);
    header.set_mode(0o644);
    header.set_mtime(0);
    header.set_size(bytes.len() as u64);
    tar.append_data(&mut header, name, bytes).unwrap();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_names_are_byte_exact() {
        let long = "d/".repeat(100) + "file";
        let layer = LayerBuilder::new()
            .file("../x", b"1", 0o644)
            .file("/etc/x", b"2", 0o644)
            .file(&long, b"3", 0o644)
            .hardlink("link", "../../etc/shadow")
            .char_device("dev/null", 1, 3)
            .finish(Compression::None);
        let mut archive = tar::Archive::new(layer.tar().unwrap());
        let entries: Vec<(Vec<u8>, Option<Vec<u8>>)> = archive
            .entries()
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (
                    e.path_bytes().into_owned(),
                    e.link_name_bytes().map(|l| l.into_owned()),
                )
            })
            .collect();
        assert_eq!(entries[0].0, b"../x");
        assert_eq!(entries[1].0, b"/etc/x");
        assert_eq!(entries[2].0, long.as_bytes());
        assert_eq!(entries[3].1.as_deref(), Some(&b"../../etc/shadow"[..]));
        assert_eq!(entries[4].0, b"dev/null");
        assert_eq!(layer.diff_id, sha256(layer.tar().unwrap()));
    }

    #[test]
    fn bombs_are_small() {
        let bomb = LayerBuilder::bomb("zeros", 8 << 20, Compression::Gzip);
        assert!(bomb.blob.len() < 64 * 1024, "{}", bomb.blob.len());
        let mut tar = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&bomb.blob[..]), &mut tar)
            .unwrap();
        assert_eq!(sha256(&tar), bomb.diff_id);
        assert_eq!(tar.len(), 512 + (8 << 20) + 1024);
    }
}
