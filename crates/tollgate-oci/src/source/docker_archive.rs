//! `docker save` archives (`docker-archive:`), in both layouts docker writes: the legacy one
//! (`manifest.json`, `<id>.json` config, `<sha>.tar` layers) and, since docker 25, an OCI
//! layout inside the archive next to `manifest.json`. Also `oci-archive:` (an OCI layout tar).
//!
//! ref: <https://github.com/moby/moby/blob/master/image/spec/v1.2.md>
//! ref: <https://github.com/containers/image/blob/main/docker/internal/tarfile/src.go>

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::sync::Arc;

use crate::digest::read_small_blob;
use crate::image::media_type;
use crate::layer::{Compression, decompressor};
use crate::source::archive::Archive;
use crate::source::oci_layout::{LayoutStore, OciLayout};
use crate::source::{ImageSource, ManifestBlob};
use crate::{Digest, Error, Limits, Reference, Result};

/// The files of an OCI layout stored in an archive.
struct ArchiveStore(Arc<Archive>);

impl LayoutStore for ArchiveStore {
    fn describe(&self) -> String {
        format!("archive `{}`", self.0.path().display())
    }

    fn open(&self, relative: &str) -> Result<Option<Box<dyn Read + Send + '_>>> {
        Ok(self
            .0
            .open_member(relative)?
            .map(|r| Box::new(r) as Box<dyn Read + Send + '_>))
    }
}

/// An `oci-archive:` source.
pub(crate) fn open_oci_archive(
    archive: Arc<Archive>,
    reference: Option<String>,
) -> Result<OciLayout> {
    let path = archive.path().to_owned();
    OciLayout::open(Box::new(ArchiveStore(archive)), &path, reference)
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ManifestEntry {
    config: String,
    #[serde(default)]
    repo_tags: Option<Vec<String>>,
    layers: Vec<String>,
}

/// A `docker-archive:` source.
pub(crate) struct DockerArchive {
    archive: Arc<Archive>,
    /// Blob digest → member name, for configs and layers named in `manifest.json`.
    members: HashMap<Digest, String>,
    manifest: ManifestBlob,
    /// The OCI layout inside the archive, when docker wrote one and it holds this image.
    layout: Option<OciLayout>,
}

impl DockerArchive {
    pub(crate) fn open(
        archive: Arc<Archive>,
        reference: Option<String>,
        limits: &Limits,
    ) -> Result<Self> {
        let describe = format!("docker archive `{}`", archive.path().display());
        let not_docker = |reason: String| Error::NotAnImage {
            path: archive.path().to_owned(),
            expected: "docker archive",
            reason,
        };
        let reader = archive.open_member("manifest.json")?.ok_or_else(|| {
            not_docker(
                "it has no manifest.json (for an OCI layout tar use oci-archive:)".to_owned(),
            )
        })?;
        let bytes = read_small_blob(reader, "manifest.json", None, limits.max_manifest_bytes)?;
        let entries: Vec<ManifestEntry> = serde_json::from_slice(&bytes)
            .map_err(|source| Error::parse(format!("manifest.json of {describe}"), source))?;
        let entry = select_entry(&entries, reference.as_deref(), &describe)?;

        let config_reader = archive
            .open_member(&entry.config)?
            .ok_or_else(|| not_docker(format!("its config `{}` is missing", entry.config)))?;
        let config_bytes = read_small_blob(
            config_reader,
            &format!("config `{}`", entry.config),
            None,
            limits.max_manifest_bytes,
        )?;
        let config_digest = Digest::sha256_of(&config_bytes);

        // Docker 25+ also writes an OCI layout: use its real manifest when it describes this
        // config, so the manifest digest is the one a registry would show.
        if archive.contains("oci-layout") && archive.contains("index.json") {
            let path = archive.path().to_owned();
            let layout = OciLayout::open(Box::new(ArchiveStore(archive.clone())), &path, None)?;
            if let Some(manifest) = find_manifest_for_config(&layout, &config_digest, limits)? {
                return Ok(Self {
                    archive,
                    members: HashMap::new(),
                    manifest,
                    layout: Some(layout),
                });
            }
        }

        let config: serde_json::Value = serde_json::from_slice(&config_bytes)
            .map_err(|source| Error::parse(format!("config `{}`", entry.config), source))?;
        let diff_ids: Vec<Digest> = config
            .pointer("/rootfs/diff_ids")
            .and_then(|v| v.as_array())
            .ok_or_else(|| not_docker(format!("config `{}` has no rootfs.diff_ids", entry.config)))?
            .iter()
            .map(|v| v.as_str().unwrap_or_default().parse())
            .collect::<Result<_>>()?;
        if diff_ids.len() != entry.layers.len() {
            return Err(not_docker(format!(
                "manifest.json lists {} layers but the config has {} diff_ids",
                entry.layers.len(),
                diff_ids.len()
            )));
        }
        if entry.layers.len() > limits.max_layers {
            return Err(Error::LimitExceeded {
                what: format!("number of layers of {describe}"),
                limit: limits.max_layers as u64,
                unit: "layers",
                hint: " (raise it with --max-layers)",
            });
        }
        let mut members = HashMap::new();
        members.insert(config_digest.clone(), entry.config.clone());
        let mut layers = Vec::new();
        for (name, diff_id) in entry.layers.iter().zip(&diff_ids) {
            let size = archive
                .member_size(name)
                .ok_or_else(|| not_docker(format!("layer `{name}` is missing")))?;
            // As containers/image does, a legacy archive's layers are described uncompressed:
            // digest = diff_id. A compressed member is decompressed when read, so the digest
            // check still covers every byte.
            members.insert(diff_id.clone(), name.clone());
            layers.push(serde_json::json!({
                "mediaType": media_type::DOCKER_LAYER_TAR,
                "size": size,
                "digest": diff_id.to_string(),
            }));
        }
        let manifest = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": media_type::DOCKER_MANIFEST,
            "config": {
                "mediaType": media_type::DOCKER_CONFIG,
                "size": config_bytes.len(),
                "digest": config_digest.to_string(),
            },
            "layers": layers,
        });
        let bytes = serde_json::to_vec(&manifest)
            .map_err(|source| Error::parse("synthesised manifest", source))?;
        Ok(Self {
            archive,
            members,
            manifest: ManifestBlob {
                digest: Digest::sha256_of(&bytes),
                bytes,
                media_type: Some(media_type::DOCKER_MANIFEST.to_owned()),
            },
            layout: None,
        })
    }
}

fn select_entry<'a>(
    entries: &'a [ManifestEntry],
    reference: Option<&str>,
    describe: &str,
) -> Result<&'a ManifestEntry> {
    let tags = || {
        let all: Vec<String> = entries
            .iter()
            .flat_map(|e| e.repo_tags.clone().unwrap_or_default())
            .collect();
        if all.is_empty() {
            format!("{} untagged image(s); use @<index>", entries.len())
        } else {
            all.join(", ")
        }
    };
    let not_found = |reference: &str| Error::ReferenceNotFound {
        reference: reference.to_owned(),
        source_name: describe.to_owned(),
        available: tags(),
    };
    match reference {
        None if entries.len() == 1 => entries.first().ok_or_else(|| not_found("")),
        None => Err(not_found(
            "(no reference given; the archive holds several images)",
        )),
        Some(reference) => {
            if let Some(index) = reference.strip_prefix('@') {
                return index
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| entries.get(i))
                    .ok_or_else(|| not_found(reference));
            }
            // Tags are compared as written and normalised (`app:1` = `docker.io/library/app:1`).
            let normal = |tag: &str| tag.parse::<Reference>().map(|r| r.to_string()).ok();
            let wanted = normal(reference);
            entries
                .iter()
                .find(|entry| {
                    entry
                        .repo_tags
                        .iter()
                        .flatten()
                        .any(|tag| tag == reference || (wanted.is_some() && normal(tag) == wanted))
                })
                .ok_or_else(|| not_found(reference))
        }
    }
}

fn find_manifest_for_config(
    layout: &OciLayout,
    config: &Digest,
    limits: &Limits,
) -> Result<Option<ManifestBlob>> {
    let index = layout.index(limits)?;
    let mut pending: Vec<Digest> = index
        .manifests()
        .iter()
        .filter_map(|d| d.digest().to_string().parse().ok())
        .collect();
    let mut visited = 0;
    while let Some(digest) = pending.pop() {
        visited += 1;
        if visited > 64 {
            break;
        }
        let bytes = layout.read_manifest(&digest, limits)?;
        let value: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|source| Error::parse(format!("manifest {digest}"), source))?;
        if let Some(children) = value.get("manifests").and_then(|m| m.as_array()) {
            pending.extend(
                children
                    .iter()
                    .filter_map(|c| c.get("digest")?.as_str()?.parse().ok()),
            );
            continue;
        }
        if value.pointer("/config/digest").and_then(|d| d.as_str())
            == Some(config.to_string().as_str())
        {
            return Ok(Some(ManifestBlob {
                bytes,
                digest,
                media_type: value
                    .get("mediaType")
                    .and_then(|m| m.as_str())
                    .map(str::to_owned),
            }));
        }
    }
    Ok(None)
}

impl ImageSource for DockerArchive {
    fn describe(&self) -> String {
        format!("docker archive `{}`", self.archive.path().display())
    }

    fn root_manifest(&self, _limits: &Limits) -> Result<ManifestBlob> {
        Ok(self.manifest.clone())
    }

    fn manifest(&self, digest: &Digest, limits: &Limits) -> Result<ManifestBlob> {
        match &self.layout {
            Some(layout) => layout.manifest(digest, limits),
            None => Err(Error::BlobNotFound {
                digest: digest.clone(),
                source_name: self.describe(),
            }),
        }
    }

    fn blob(&self, digest: &Digest) -> Result<Box<dyn Read + Send + '_>> {
        if let Some(layout) = &self.layout {
            return layout.blob(digest);
        }
        let name = self
            .members
            .get(digest)
            .ok_or_else(|| Error::BlobNotFound {
                digest: digest.clone(),
                source_name: self.describe(),
            })?;
        let member = self
            .archive
            .open_member(name)?
            .ok_or_else(|| Error::BlobNotFound {
                digest: digest.clone(),
                source_name: self.describe(),
            })?;
        let mut buffered = BufReader::new(member);
        let head = buffered
            .fill_buf()
            .map_err(|source| Error::io("read", self.archive.path(), source))?;
        let compression = Compression::from_magic(head);
        if compression == Compression::None {
            return Ok(Box::new(buffered));
        }
        let decoder = decompressor(buffered, compression)
            .map_err(|source| Error::io("decompress", self.archive.path(), source))?;
        Ok(Box::new(decoder))
    }

    fn synthesized_manifest(&self) -> bool {
        self.layout.is_none()
    }
}
