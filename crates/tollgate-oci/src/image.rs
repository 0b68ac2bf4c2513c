//! An image resolved from any source: its manifest, config and layers, and the single pass
//! over the layers that builds the merged view and feeds the visitors.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use rayon::prelude::*;

use crate::digest::read_small_blob;
use crate::layer::{LayerStream, LayerStreamSpec};
use crate::source::archive::Archive;
use crate::source::docker_archive::DockerArchive;
use crate::source::oci_layout::OciLayout;
use crate::source::registry::{RegistryOptions, RegistrySource};
use crate::source::{ImageSource, ManifestBlob};
use crate::view::{FileInfo, FileKind, LayerTable, MergedView};
use crate::visit::{SelectorSet, VisitProblem, Visitor};
use crate::walk::{LayerIdentity, LayerScan, deliver_deferred_links, walk_rootfs, walk_tar};
use crate::{Digest, Error, Limits, Platform, Result, Target};

/// How to open an image.
#[derive(Clone, Debug, Default)]
pub struct OpenOptions {
    /// Which image of a multi-platform index (default linux/amd64).
    pub platform: Platform,
    /// Size and count limits.
    pub limits: Limits,
    /// Registry credentials and transport security.
    pub registry: RegistryOptions,
    /// Where temporary files may go (a compressed archive is decompressed into one); default
    /// [`crate::temp_dir`].
    pub temp_dir: Option<PathBuf>,
    /// A cache directory: the index of a compressed archive is kept there (by the archive's
    /// digest), so that reopening it decompresses it only if a layer must be read.
    pub cache_dir: Option<PathBuf>,
}

impl OpenOptions {
    fn temp_dir(&self) -> PathBuf {
        self.temp_dir.clone().unwrap_or_else(crate::temp_dir)
    }

    fn open_archive(&self, path: &std::path::Path) -> Result<Archive> {
        Archive::open(
            path,
            &self.limits,
            &self.temp_dir(),
            self.cache_dir.as_deref(),
        )
    }
}

/// Media types tollgate understands.
pub mod media_type {
    /// OCI image manifest.
    pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
    /// OCI image index.
    pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
    /// OCI image config.
    pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
    /// Docker image manifest, schema 2.
    pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
    /// Docker manifest list.
    pub const DOCKER_MANIFEST_LIST: &str =
        "application/vnd.docker.distribution.manifest.list.v2+json";
    /// Docker container config.
    pub const DOCKER_CONFIG: &str = "application/vnd.docker.container.image.v1+json";
    /// Docker uncompressed layer.
    pub const DOCKER_LAYER_TAR: &str = "application/vnd.docker.image.rootfs.diff.tar";
    pub(crate) const DOCKER_SCHEMA1: &[&str] = &[
        "application/vnd.docker.distribution.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v1+prettyjws",
    ];
}

/// The manifest that describes the image.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ManifestInfo {
    /// Digest of the manifest bytes.
    pub digest: Digest,
    /// Its media type.
    pub media_type: String,
    /// Size in bytes.
    pub size: u64,
    /// The index it was chosen from, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index_digest: Option<Digest>,
    /// True when the source has no manifest and one was synthesised (legacy `docker save`).
    pub synthesized: bool,
}

/// The image config, verified.
#[derive(Clone, Debug)]
pub struct ConfigInfo {
    /// Digest of the config blob.
    pub digest: Digest,
    /// The raw bytes (for re-serialising or signing).
    pub bytes: Vec<u8>,
    /// The parsed config.
    pub parsed: oci_spec::image::ImageConfiguration,
}

/// One layer of the image.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Layer {
    /// Position, 0 = bottom.
    pub index: usize,
    /// Digest of the blob as stored (compressed).
    pub digest: Digest,
    /// Size of the blob as stored.
    pub size: u64,
    /// Declared media type.
    pub media_type: String,
    /// Digest of the uncompressed tar, from the config.
    pub diff_id: Option<Digest>,
    /// The `created_by` of the history entry that made this layer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
}

impl Layer {
    fn name(&self) -> String {
        format!("layer {} ({})", self.index, self.digest)
    }
}

/// Counts for one layer after a walk.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct LayerStats {
    /// Tar entries read.
    pub entries: u64,
    /// Files, links and symlinks the layer adds or replaces.
    pub files_added: u64,
    /// Whiteouts and opaque markers.
    pub files_removed: u64,
}

/// Result of [`Image::walk`].
pub struct Walk {
    /// The final filesystem.
    pub view: MergedView,
    /// Per layer counts.
    pub layers: Vec<LayerStats>,
    /// Files a visitor could not analyse.
    pub problems: Vec<VisitProblem>,
    /// With [`Recall::keep_listings`]: the listing of each layer read by this walk (`None` for
    /// recalled layers and for a root filesystem), for a cache to keep.
    pub listings: Vec<Option<LayerListing>>,
}

/// One layer's listing (its entries, links, whiteouts and opaque directories): what a cache
/// keeps so that a later walk can build the merged view without reading the layer again.
#[derive(Clone)]
pub struct LayerListing(LayerTable);

impl LayerListing {
    /// The listing in its stable byte form.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        self.0.encode()
    }

    /// A listing from [`LayerListing::to_bytes`]'s bytes, checked entry by entry; `None` when
    /// they are not a well-formed listing (a corrupt or foreign cache entry).
    #[must_use]
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        LayerTable::decode(bytes).map(Self)
    }
}

/// What a walk may take from a cache instead of reading layers.
#[derive(Default)]
pub struct Recall {
    /// Per layer index: the listing kept from an earlier walk. Such a layer is not read, so no
    /// visitor sees its files: the caller has kept what its visitors found there.
    pub listings: Vec<Option<LayerListing>>,
    /// Return the listings of the layers read ([`Walk::listings`]).
    pub keep_listings: bool,
}

/// Callbacks for progress display.
pub trait Progress: Sync {
    /// A layer starts; `size` is its blob size.
    fn layer_started(&self, index: usize, size: u64);
    /// `bytes` more compressed bytes of layer `index` were read.
    fn advanced(&self, index: usize, bytes: u64);
    /// A layer is done.
    fn layer_finished(&self, index: usize);
}

/// A resolved image.
pub struct Image {
    target: Target,
    content: Content,
    /// The manifest (absent for `rootfs:`).
    pub manifest: Option<ManifestInfo>,
    /// The config (absent for `rootfs:`).
    pub config: Option<ConfigInfo>,
    /// The platform, from the config.
    pub platform: Option<Platform>,
    /// The layers, bottom first.
    pub layers: Vec<Layer>,
    limits: Limits,
    temp_dir: PathBuf,
}

enum Content {
    Source(Box<dyn ImageSource>),
    Rootfs(PathBuf),
}

impl Image {
    /// Resolve `target`: fetch and verify the manifest (choosing the platform from an index),
    /// the config and the layer list. Layers are read later, by [`Image::walk`].
    pub fn open(target: &Target, options: &OpenOptions) -> Result<Self> {
        let source: Box<dyn ImageSource> = match target {
            Target::Rootfs(path) => {
                if !path.is_dir() {
                    return Err(Error::NotAnImage {
                        path: path.clone(),
                        expected: "root filesystem directory",
                        reason: "it is not a directory".to_owned(),
                    });
                }
                return Ok(Self {
                    target: target.clone(),
                    content: Content::Rootfs(path.clone()),
                    manifest: None,
                    config: None,
                    platform: None,
                    layers: Vec::new(),
                    limits: options.limits.clone(),
                    temp_dir: options.temp_dir(),
                });
            }
            Target::OciLayout { path, reference } => {
                Box::new(OciLayout::open_directory(path, reference.clone())?)
            }
            Target::OciArchive { path, reference } => {
                let archive = Arc::new(options.open_archive(path)?);
                Box::new(crate::source::docker_archive::open_oci_archive(
                    archive,
                    reference.clone(),
                )?)
            }
            Target::DockerArchive { path, reference } => {
                let archive = Arc::new(options.open_archive(path)?);
                Box::new(DockerArchive::open(
                    archive,
                    reference.clone(),
                    &options.limits,
                )?)
            }
            Target::Registry(reference) => {
                Box::new(RegistrySource::new(reference.clone(), &options.registry)?)
            }
        };
        Self::resolve(target.clone(), source, options)
    }

    fn resolve(
        target: Target,
        source: Box<dyn ImageSource>,
        options: &OpenOptions,
    ) -> Result<Self> {
        let limits = &options.limits;
        let mut blob = source.root_manifest(limits)?;
        let mut index_digest = None;
        // An index may point to another index; real images nest at most once or twice.
        for _ in 0..4 {
            let media_type = detect_media_type(&blob)?;
            if media_type != media_type::OCI_INDEX && media_type != media_type::DOCKER_MANIFEST_LIST
            {
                break;
            }
            let what = format!("index {}", blob.digest);
            let index: oci_spec::image::ImageIndex =
                serde_json::from_slice(&blob.bytes).map_err(|source| Error::parse(what, source))?;
            let chosen = choose_platform(&index, &options.platform)?;
            let digest: Digest = chosen.digest().to_string().parse()?;
            index_digest = Some(blob.digest.clone());
            let child = source.manifest(&digest, limits)?;
            if child.bytes.len() as u64 != chosen.size() {
                return Err(Error::SizeMismatch {
                    what: format!("manifest {digest}"),
                    expected: chosen.size(),
                    actual: child.bytes.len() as u64,
                });
            }
            blob = ManifestBlob {
                media_type: child
                    .media_type
                    .or_else(|| Some(chosen.media_type().to_string())),
                ..child
            };
        }
        let media_type = detect_media_type(&blob)?;
        if media_type == media_type::OCI_INDEX || media_type == media_type::DOCKER_MANIFEST_LIST {
            return Err(Error::UnsupportedMediaType {
                what: format!("manifest {} (indexes nested too deeply)", blob.digest),
                media_type,
            });
        }
        let what = format!("manifest {}", blob.digest);
        let manifest: oci_spec::image::ImageManifest = serde_json::from_slice(&blob.bytes)
            .map_err(|source| Error::parse(what.clone(), source))?;
        let config_descriptor = manifest.config();
        let config_type = config_descriptor.media_type().to_string();
        if config_type != media_type::OCI_CONFIG && config_type != media_type::DOCKER_CONFIG {
            return Err(Error::UnsupportedMediaType {
                what: format!("the config of {what} (this is an artifact, not a container image)"),
                media_type: config_type,
            });
        }
        let config_digest: Digest = config_descriptor.digest().to_string().parse()?;
        let config_what = format!("config {config_digest}");
        if config_descriptor.size() > limits.max_manifest_bytes {
            return Err(Error::LimitExceeded {
                what: config_what,
                limit: limits.max_manifest_bytes,
                unit: "bytes",
                hint: " (raise it with --max-manifest-size)",
            });
        }
        let config_bytes = read_small_blob(
            crate::digest::VerifyingReader::new(
                source.blob(&config_digest)?,
                config_digest.clone(),
                Some(config_descriptor.size()),
                config_what.clone(),
            ),
            &config_what,
            Some(&config_digest),
            limits.max_manifest_bytes,
        )?;
        let parsed: oci_spec::image::ImageConfiguration = serde_json::from_slice(&config_bytes)
            .map_err(|source| Error::parse(config_what.clone(), source))?;
        let descriptors = manifest.layers();
        if descriptors.len() > limits.max_layers {
            return Err(Error::LimitExceeded {
                what: format!("number of layers of {what}"),
                limit: limits.max_layers as u64,
                unit: "layers",
                hint: " (raise it with --max-layers)",
            });
        }
        let diff_ids = parsed.rootfs().diff_ids();
        if diff_ids.len() != descriptors.len() {
            return Err(Error::parse(
                config_what,
                format!(
                    "it lists {} diff_ids but the manifest has {} layers",
                    diff_ids.len(),
                    descriptors.len()
                ),
            ));
        }
        let created_by = layer_history(&parsed);
        let mut layers = Vec::with_capacity(descriptors.len());
        for (index, (descriptor, diff_id)) in descriptors.iter().zip(diff_ids).enumerate() {
            layers.push(Layer {
                index,
                digest: descriptor.digest().to_string().parse()?,
                size: descriptor.size(),
                media_type: descriptor.media_type().to_string(),
                diff_id: Some(diff_id.parse()?),
                created_by: created_by.get(index).cloned().flatten(),
            });
        }
        let platform = Some(Platform::new(
            &parsed.os().to_string(),
            &parsed.architecture().to_string(),
            parsed.variant().as_deref(),
        ));
        Ok(Self {
            target,
            manifest: Some(ManifestInfo {
                digest: blob.digest.clone(),
                media_type,
                size: blob.bytes.len() as u64,
                index_digest,
                synthesized: source.synthesized_manifest(),
            }),
            config: Some(ConfigInfo {
                digest: config_digest,
                bytes: config_bytes,
                parsed,
            }),
            platform,
            layers,
            content: Content::Source(source),
            limits: options.limits.clone(),
            temp_dir: options.temp_dir(),
        })
    }

    /// The target this image was opened from.
    #[must_use]
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// The limits in force.
    #[must_use]
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    fn layer_stream<'a>(
        &'a self,
        layer: &Layer,
        image_bytes: Arc<AtomicU64>,
        progress: Option<&'a dyn Progress>,
    ) -> Result<LayerStream<'a>> {
        let Content::Source(source) = &self.content else {
            return Err(Error::FileNotFound {
                path: "(layer of a root filesystem)".to_owned(),
            });
        };
        let raw = source.blob(&layer.digest)?;
        let raw: Box<dyn Read + Send + '_> = match progress {
            Some(progress) => Box::new(ProgressReader {
                inner: raw,
                index: layer.index,
                progress,
            }),
            None => raw,
        };
        // A synthesised (docker-archive) layer's blob is the uncompressed tar: its digest is
        // the diff_id and it is verified as such; checking it twice would hash it twice.
        let (digest, size) = if Some(&layer.digest) == layer.diff_id.as_ref() {
            (None, None)
        } else {
            (Some(&layer.digest), Some(layer.size))
        };
        // An uncompressed layer's declared size is its tar's size. A synthesised layer's
        // declared size is that of the archive member, which may be compressed: not checked.
        let synthesized = self.manifest.as_ref().is_some_and(|m| m.synthesized);
        let uncompressed_size = (digest.is_none() && !synthesized).then_some(layer.size);
        LayerStream::new(
            raw,
            &LayerStreamSpec {
                what: layer.name(),
                digest,
                size,
                diff_id: layer.diff_id.as_ref(),
                uncompressed_size,
            },
            &self.limits,
            image_bytes,
        )
    }

    /// Read every layer once, in parallel, verifying every digest; build the merged view and
    /// hand the visitors the files they asked for.
    pub fn walk(&self, visitors: &[&dyn Visitor], progress: Option<&dyn Progress>) -> Result<Walk> {
        self.walk_recalling(visitors, progress, Recall::default())
    }

    /// [`Image::walk`], taking the listings of some layers from `recall` instead of reading
    /// them (layer analysis cached by digest). A root filesystem is always read.
    ///
    /// # Errors
    /// As [`Image::walk`].
    pub fn walk_recalling(
        &self,
        visitors: &[&dyn Visitor],
        progress: Option<&dyn Progress>,
        mut recall: Recall,
    ) -> Result<Walk> {
        let selectors = SelectorSet::new(visitors)?.spilling_to(self.temp_dir.clone());
        let image_bytes = Arc::new(AtomicU64::new(0));
        // A layer without a recalled listing is read; so is every layer when none is given.
        recall.listings.resize_with(self.layers.len(), || None);
        // (the layer's pass, whether the layer was read)
        let scans: Vec<(LayerScan, bool)> = match &self.content {
            Content::Rootfs(root) => {
                let identity = LayerIdentity {
                    index: 0,
                    name: format!("root filesystem `{}`", root.display()),
                    digest: None,
                    diff_id: None,
                };
                vec![(
                    walk_rootfs(root, &identity, &selectors, &self.limits)?,
                    false,
                )]
            }
            Content::Source(_) => self
                .layers
                .par_iter()
                .zip(recall.listings.par_iter_mut())
                .map(|(layer, recalled)| {
                    if let Some(LayerListing(table)) = recalled.take() {
                        return Ok((
                            LayerScan {
                                table,
                                ..LayerScan::default()
                            },
                            false,
                        ));
                    }
                    if let Some(progress) = progress {
                        progress.layer_started(layer.index, layer.size);
                    }
                    let identity = LayerIdentity {
                        index: layer.index,
                        name: layer.name(),
                        digest: Some(&layer.digest),
                        diff_id: layer.diff_id.as_ref(),
                    };
                    let stream = self.layer_stream(layer, image_bytes.clone(), progress)?;
                    let mut scan = walk_tar(stream, &identity, &selectors, &self.limits)?;
                    if !scan.deferred_links.is_empty() {
                        let stream = self.layer_stream(layer, Arc::new(AtomicU64::new(0)), None)?;
                        deliver_deferred_links(
                            stream,
                            &identity,
                            &selectors,
                            &scan.deferred_links,
                            &self.limits,
                            &mut scan.problems,
                        )?;
                    }
                    if let Some(progress) = progress {
                        progress.layer_finished(layer.index);
                    }
                    Ok((scan, true))
                })
                .collect::<Result<Vec<_>>>()?,
        };
        let mut view = MergedView::default();
        let mut stats = Vec::with_capacity(scans.len());
        let mut problems = Vec::new();
        let mut listings = Vec::new();
        for (index, (scan, read)) in scans.into_iter().enumerate() {
            let name = self
                .layers
                .get(index)
                .map_or_else(|| "root filesystem".to_owned(), Layer::name);
            let layer_index = u16::try_from(index).map_err(|_| Error::LimitExceeded {
                what: "number of layers".to_owned(),
                limit: u64::from(u16::MAX),
                unit: "layers",
                hint: "",
            })?;
            stats.push(LayerStats {
                entries: scan.table.entries,
                files_added: scan.table.files_added(),
                files_removed: scan.table.whiteouts,
            });
            if recall.keep_listings {
                listings.push(read.then(|| LayerListing(scan.table.clone())));
            }
            view.apply(scan.table, layer_index, &name)?;
            problems.extend(scan.problems);
        }
        Ok(Walk {
            view,
            layers: stats,
            problems,
            listings,
        })
    }

    /// Read a regular file of the final filesystem by path, following symbolic links inside the
    /// image. Reads at most the analyzer buffer limit.
    pub fn read_file(&self, view: &MergedView, path: &str) -> Result<Vec<u8>> {
        let info = view
            .resolve(path, self.limits.max_symlink_hops)?
            .ok_or_else(|| Error::FileNotFound {
                path: path.to_owned(),
            })?;
        self.read_entry(view, &info, 0)
    }

    fn read_entry(&self, view: &MergedView, info: &FileInfo, depth: usize) -> Result<Vec<u8>> {
        match info.kind {
            FileKind::File => {}
            FileKind::Hardlink if depth < 8 => {
                let target = info.link_target.clone().unwrap_or_default();
                // The target as it was in the hard link's own layer: look in that layer first.
                return match self.find_in_layer(info.layer, &EntryLocator::Path(&target))? {
                    Some(bytes) => Ok(bytes),
                    None => {
                        let target_info =
                            view.get(&target, 0).ok_or_else(|| Error::FileNotFound {
                                path: target.clone(),
                            })?;
                        self.read_entry(view, &target_info, depth + 1)
                    }
                };
            }
            _ => {
                return Err(Error::NotAFile {
                    path: info.path.clone(),
                });
            }
        }
        match &self.content {
            Content::Rootfs(root) => {
                let full = root.join(info.path.trim_start_matches('/'));
                let metadata = fs_err::symlink_metadata(&full)
                    .map_err(|source| Error::io("stat", &full, source))?;
                if !metadata.is_file() {
                    return Err(Error::NotAFile {
                        path: info.path.clone(),
                    });
                }
                let mut file =
                    fs_err::File::open(&full).map_err(|source| Error::io("open", &full, source))?;
                crate::visit::read_capped(&mut file, self.limits.max_analyzer_buffer)
                    .map_err(|source| Error::io("read", &full, source))
            }
            Content::Source(_) => self
                .find_in_layer(info.layer, &EntryLocator::Ordinal(info.ordinal))?
                .ok_or_else(|| Error::FileNotFound {
                    path: info.path.clone(),
                }),
        }
    }

    /// The content of one entry of one layer, found by its position in the tar or (for hard
    /// link targets, which name tar members) by its last occurrence under a path. The whole
    /// layer is read again and verified before anything is returned: a source may serve other
    /// bytes the second time.
    fn find_in_layer(
        &self,
        layer_index: usize,
        wanted: &EntryLocator<'_>,
    ) -> Result<Option<Vec<u8>>> {
        let Some(layer) = self.layers.get(layer_index) else {
            return Ok(None);
        };
        self.layer_stream(layer, Arc::new(AtomicU64::new(0)), None)?
            .read_tar(|archive, what| self.find_entry(archive, what, wanted))
    }

    fn find_entry(
        &self,
        archive: &mut tar::Archive<LayerStream<'_>>,
        what: &str,
        wanted: &EntryLocator<'_>,
    ) -> Result<Option<Vec<u8>>> {
        let mut found = None;
        for (ordinal, entry) in archive
            .entries_with_seek()
            .map_err(|e| Error::from_stream(what, e))?
            .enumerate()
        {
            let mut entry = entry.map_err(|e| Error::from_stream(what, e))?;
            let matches = match wanted {
                EntryLocator::Ordinal(position) => u32::try_from(ordinal).ok() == Some(*position),
                EntryLocator::Path(path) => {
                    crate::layer::clean_entry_path(&entry.path_bytes(), what, &self.limits)?
                        .as_deref()
                        == Some(path.trim_start_matches('/'))
                }
            };
            if !matches {
                continue;
            }
            found = match entry.header().entry_type() {
                tar::EntryType::Regular
                | tar::EntryType::Continuous
                | tar::EntryType::GNUSparse => Some(
                    crate::visit::read_capped(&mut entry, self.limits.max_analyzer_buffer)
                        .map_err(|e| Error::from_stream(what, e))?,
                ),
                _ => None,
            };
        }
        Ok(found)
    }

    /// Config summary for display.
    #[must_use]
    pub fn config_summary(&self) -> Option<ConfigSummary> {
        let parsed = &self.config.as_ref()?.parsed;
        let config = parsed.config().clone().unwrap_or_default();
        Some(ConfigSummary {
            user: config.user().clone().unwrap_or_default(),
            entrypoint: config.entrypoint().clone().unwrap_or_default(),
            cmd: config.cmd().clone().unwrap_or_default(),
            env: config.env().clone().unwrap_or_default(),
            working_dir: config.working_dir().clone().unwrap_or_default(),
            exposed_ports: config.exposed_ports().clone().unwrap_or_default(),
            labels: config
                .labels()
                .clone()
                .unwrap_or_default()
                .into_iter()
                .collect(),
            created: parsed.created().clone(),
        })
    }
}

/// The parts of the config people look at.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ConfigSummary {
    /// `USER`
    pub user: String,
    /// `ENTRYPOINT`
    pub entrypoint: Vec<String>,
    /// `CMD`
    pub cmd: Vec<String>,
    /// `ENV`
    pub env: Vec<String>,
    /// `WORKDIR`
    pub working_dir: String,
    /// `EXPOSE`
    pub exposed_ports: Vec<String>,
    /// `LABEL`s, sorted.
    pub labels: BTreeMap<String, String>,
    /// Creation time.
    pub created: Option<String>,
}

/// How to find an entry again in its layer's tar.
enum EntryLocator<'a> {
    /// Its position among the tar's entries.
    Ordinal(u32),
    /// The last entry with this path.
    Path(&'a str),
}

struct ProgressReader<'a, R> {
    inner: R,
    index: usize,
    progress: &'a dyn Progress,
}

impl<R: Read> Read for ProgressReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.advanced(self.index, n as u64);
        Ok(n)
    }
}

/// The media type of a manifest: its `mediaType` field, else what the transport said, else its
/// shape (`manifests` → index, `layers` → manifest), as containers/image guesses.
fn detect_media_type(blob: &ManifestBlob) -> Result<String> {
    #[derive(serde::Deserialize)]
    struct Probe {
        #[serde(rename = "schemaVersion")]
        schema_version: Option<u64>,
        #[serde(rename = "mediaType")]
        media_type: Option<String>,
        manifests: Option<serde::de::IgnoredAny>,
        layers: Option<serde::de::IgnoredAny>,
        config: Option<serde::de::IgnoredAny>,
    }
    let what = format!("manifest {}", blob.digest);
    let probe: Probe =
        serde_json::from_slice(&blob.bytes).map_err(|source| Error::parse(what.clone(), source))?;
    let media_type = probe
        .media_type
        .or_else(|| {
            blob.media_type
                .clone()
                .filter(|m| m.starts_with("application/vnd."))
        })
        .unwrap_or_else(|| {
            if probe.manifests.is_some() {
                media_type::OCI_INDEX.to_owned()
            } else if probe.layers.is_some() || probe.config.is_some() {
                media_type::OCI_MANIFEST.to_owned()
            } else {
                String::new()
            }
        });
    if media_type::DOCKER_SCHEMA1.contains(&media_type.as_str()) || probe.schema_version == Some(1)
    {
        return Err(Error::UnsupportedMediaType {
            what: format!("{what} (docker schema 1 is deprecated; convert it with `skopeo copy`)"),
            media_type,
        });
    }
    match media_type.as_str() {
        media_type::OCI_MANIFEST
        | media_type::OCI_INDEX
        | media_type::DOCKER_MANIFEST
        | media_type::DOCKER_MANIFEST_LIST => Ok(media_type),
        _ => Err(Error::UnsupportedMediaType { what, media_type }),
    }
}

fn choose_platform<'a>(
    index: &'a oci_spec::image::ImageIndex,
    wanted: &Platform,
) -> Result<&'a oci_spec::image::Descriptor> {
    let candidates: Vec<(&oci_spec::image::Descriptor, Platform)> = index
        .manifests()
        .iter()
        .filter_map(|descriptor| {
            let platform = descriptor.platform().as_ref()?;
            Some((
                descriptor,
                Platform::new(
                    &platform.os().to_string(),
                    &platform.architecture().to_string(),
                    platform.variant().as_deref(),
                ),
            ))
        })
        .collect();
    if let Some((descriptor, _)) = candidates
        .iter()
        .find(|(_, platform)| wanted.matches(platform))
    {
        return Ok(descriptor);
    }
    // An index with one manifest and no platform (as some layouts are) is that image.
    if candidates.is_empty() && index.manifests().len() == 1 {
        return index
            .manifests()
            .first()
            .ok_or_else(|| unreachable_empty(wanted));
    }
    let available: Vec<String> = candidates
        .iter()
        .map(|(_, p)| p.to_string())
        .filter(|p| p != "unknown/unknown")
        .collect();
    Err(Error::NoMatchingPlatform {
        wanted: wanted.to_string(),
        available: if available.is_empty() {
            "none".to_owned()
        } else {
            available.join(", ")
        },
    })
}

fn unreachable_empty(wanted: &Platform) -> Error {
    Error::NoMatchingPlatform {
        wanted: wanted.to_string(),
        available: "none".to_owned(),
    }
}

/// `created_by` for each non-empty layer, in order.
fn layer_history(config: &oci_spec::image::ImageConfiguration) -> Vec<Option<String>> {
    config
        .history()
        .as_deref()
        .unwrap_or_default()
        .iter()
        .filter(|entry| !entry.empty_layer().unwrap_or(false))
        .map(|entry| entry.created_by().clone())
        .collect()
}
