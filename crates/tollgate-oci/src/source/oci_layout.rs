//! OCI image layout directories (`oci:<dir>[:ref]`).
//!
//! ref: <https://github.com/opencontainers/image-spec/blob/v1.1.0/image-layout.md>

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::digest::read_small_blob;
use crate::source::{ImageSource, ManifestBlob};
use crate::{Digest, Error, Limits, Result};

const REF_NAME: &str = "org.opencontainers.image.ref.name";

/// Where the files of a layout are: a directory, or an archive of one.
pub(crate) trait LayoutStore: Send + Sync {
    fn describe(&self) -> String;
    /// The file at `relative` (e.g. `blobs/sha256/<hex>`), or `None` if it does not exist.
    fn open(&self, relative: &str) -> Result<Option<Box<dyn Read + Send + '_>>>;
}

/// A layout directory on disk.
pub(crate) struct DirectoryStore {
    root: PathBuf,
}

impl LayoutStore for DirectoryStore {
    fn describe(&self) -> String {
        format!("OCI layout `{}`", self.root.display())
    }

    fn open(&self, relative: &str) -> Result<Option<Box<dyn Read + Send + '_>>> {
        let path = self.root.join(relative);
        match fs_err::File::open(&path) {
            Ok(file) => Ok(Some(Box::new(file))),
            Err(source) if source.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(Error::io("open", path, source)),
        }
    }
}

/// An OCI image layout, in a directory or an archive.
pub(crate) struct OciLayout {
    store: Box<dyn LayoutStore>,
    reference: Option<String>,
}

impl OciLayout {
    pub(crate) fn open_directory(root: &Path, reference: Option<String>) -> Result<Self> {
        if !root.is_dir() {
            return Err(Error::NotAnImage {
                path: root.to_owned(),
                expected: "OCI image layout",
                reason: "it is not a directory".to_owned(),
            });
        }
        Self::open(
            Box::new(DirectoryStore {
                root: root.to_owned(),
            }),
            root,
            reference,
        )
    }

    pub(crate) fn open(
        store: Box<dyn LayoutStore>,
        root: &Path,
        reference: Option<String>,
    ) -> Result<Self> {
        let layout_file = root.join("oci-layout");
        let reader = store.open("oci-layout")?.ok_or_else(|| Error::NotAnImage {
            path: root.to_owned(),
            expected: "OCI image layout",
            reason: "it has no `oci-layout` file".to_owned(),
        })?;
        let text = read_small_blob(reader, "oci-layout", None, 64 * 1024)?;
        let parsed: serde_json::Value = serde_json::from_slice(&text)
            .map_err(|source| Error::parse(format!("`{}`", layout_file.display()), source))?;
        if parsed
            .get("imageLayoutVersion")
            .and_then(|v| v.as_str())
            .is_none()
        {
            return Err(Error::NotAnImage {
                path: root.to_owned(),
                expected: "OCI image layout",
                reason: "`oci-layout` has no imageLayoutVersion".to_owned(),
            });
        }
        Ok(Self { store, reference })
    }

    /// Digest parsing guarantees the algorithm is a known word and the hex is only [0-9a-f], so
    /// this path cannot leave `blobs/`.
    fn blob_path(digest: &Digest) -> String {
        let text = digest.to_string();
        text.replacen(':', "/", 1)
    }

    fn read_verified(&self, digest: &Digest, what: &str, limits: &Limits) -> Result<Vec<u8>> {
        let file = self.open_blob_file(digest)?;
        read_small_blob(file, what, Some(digest), limits.max_manifest_bytes)
    }

    fn open_blob_file(&self, digest: &Digest) -> Result<Box<dyn Read + Send + '_>> {
        self.store
            .open(&format!("blobs/{}", Self::blob_path(digest)))?
            .ok_or_else(|| Error::BlobNotFound {
                digest: digest.clone(),
                source_name: self.describe(),
            })
    }
}

impl ImageSource for OciLayout {
    fn describe(&self) -> String {
        self.store.describe()
    }

    fn root_manifest(&self, limits: &Limits) -> Result<ManifestBlob> {
        let index = self.index(limits)?;
        let descriptor = select_from_index(&index, self.reference.as_deref(), &self.describe())?;
        let digest: Digest = descriptor.digest().to_string().parse()?;
        let bytes = self.read_verified(&digest, &format!("manifest {digest}"), limits)?;
        if bytes.len() as u64 != descriptor.size() {
            return Err(Error::SizeMismatch {
                what: format!("manifest {digest}"),
                expected: descriptor.size(),
                actual: bytes.len() as u64,
            });
        }
        Ok(ManifestBlob {
            bytes,
            digest,
            media_type: Some(descriptor.media_type().to_string()),
        })
    }

    fn manifest(&self, digest: &Digest, limits: &Limits) -> Result<ManifestBlob> {
        let bytes = self.read_verified(digest, &format!("manifest {digest}"), limits)?;
        Ok(ManifestBlob {
            bytes,
            digest: digest.clone(),
            media_type: None,
        })
    }

    fn blob(&self, digest: &Digest) -> Result<Box<dyn Read + Send + '_>> {
        self.open_blob_file(digest)
    }
}

impl OciLayout {
    /// The layout's `index.json`.
    pub(crate) fn index(&self, limits: &Limits) -> Result<oci_spec::image::ImageIndex> {
        let what = format!("index.json of {}", self.describe());
        let file = self
            .store
            .open("index.json")?
            .ok_or_else(|| Error::ReferenceNotFound {
                reference: "index.json".to_owned(),
                source_name: self.describe(),
                available: "none".to_owned(),
            })?;
        let bytes = read_small_blob(file, &what, None, limits.max_manifest_bytes)?;
        serde_json::from_slice(&bytes).map_err(|source| Error::parse(what, source))
    }

    /// Read and verify a manifest blob by digest (also used by the docker archive source).
    pub(crate) fn read_manifest(&self, digest: &Digest, limits: &Limits) -> Result<Vec<u8>> {
        self.read_verified(digest, &format!("manifest {digest}"), limits)
    }
}

/// Pick the descriptor a reference names in a layout's `index.json`: by tag (`ref.name`
/// annotation), by digest, or the only one when no reference is given.
pub(crate) fn select_from_index<'a>(
    index: &'a oci_spec::image::ImageIndex,
    reference: Option<&str>,
    source_name: &str,
) -> Result<&'a oci_spec::image::Descriptor> {
    let manifests = index.manifests();
    let name_of = |d: &oci_spec::image::Descriptor| {
        d.annotations()
            .as_ref()
            .and_then(|a| a.get(REF_NAME))
            .cloned()
    };
    let available = || {
        let names: Vec<String> = manifests
            .iter()
            .map(|d| name_of(d).unwrap_or_else(|| d.digest().to_string()))
            .collect();
        if names.is_empty() {
            "none".to_owned()
        } else {
            names.join(", ")
        }
    };
    // Signatures, attestations and referrers kept in the layout beside the image are not
    // images: a layout holding one image and its signatures still names that image alone.
    let images: Vec<&oci_spec::image::Descriptor> = manifests
        .iter()
        .filter(|d| d.artifact_type().is_none() && !name_of(d).is_some_and(|n| is_artifact_tag(&n)))
        .collect();
    let found = match reference {
        None if images.len() == 1 => images.first().copied(),
        None => {
            return Err(Error::ReferenceNotFound {
                reference: "(no reference given; the layout holds several images)".to_owned(),
                source_name: source_name.to_owned(),
                available: available(),
            });
        }
        Some(reference) if reference.contains(':') && reference.parse::<Digest>().is_ok() => {
            manifests
                .iter()
                .find(|d| d.digest().to_string() == reference)
        }
        Some(reference) => manifests
            .iter()
            .find(|d| name_of(d).as_deref() == Some(reference)),
    };
    found.ok_or_else(|| Error::ReferenceNotFound {
        reference: reference.unwrap_or_default().to_owned(),
        source_name: source_name.to_owned(),
        available: available(),
    })
}

/// Tags that cosign and tollgate give to signature artifacts: `sha256-<hex>.sig`, `.att`,
/// `.sbom`, and the referrers tag `sha256-<hex>`.
fn is_artifact_tag(name: &str) -> bool {
    let Some(rest) = name.strip_prefix("sha256-") else {
        return false;
    };
    let hex = rest.split('.').next().unwrap_or_default();
    hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit())
}
