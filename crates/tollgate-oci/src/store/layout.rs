//! The OCI layout side of [`super::ArtifactStore`]: blobs written under `blobs/`, tags and
//! referrers listed in `index.json`. Every file is written to a temporary name in the layout
//! and renamed into place, so a reader never sees half a file and an interrupted write leaves
//! the layout as it was.
//!
//! The layout spec has no referrers API; referrers are listed in `index.json` without a tag
//! (as oras and regctl keep them) and found by reading the manifests listed there.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{Descriptor, Index, REF_NAME_ANNOTATION, StoredManifest};
use crate::image::media_type;
use crate::source::ImageSource;
use crate::source::oci_layout::OciLayout;
use crate::{Digest, Error, Limits, Result};

/// An OCI layout directory opened for writing.
pub(super) struct LayoutDirectory {
    root: PathBuf,
    source: OciLayout,
}

impl LayoutDirectory {
    pub(super) fn open(root: &Path, reference: Option<String>) -> Result<Self> {
        Ok(Self {
            source: OciLayout::open_directory(root, reference)?,
            root: root.to_owned(),
        })
    }

    pub(super) fn source(&self) -> &OciLayout {
        &self.source
    }

    fn read_index(&self, limits: &Limits) -> Result<Index> {
        let path = self.root.join("index.json");
        let bytes = fs_err::read(&path).map_err(|source| Error::io("read", &path, source))?;
        if bytes.len() as u64 > limits.max_manifest_bytes {
            return Err(Error::LimitExceeded {
                what: format!("`{}`", path.display()),
                limit: limits.max_manifest_bytes,
                unit: "bytes",
                hint: " (raise it with --max-manifest-size)",
            });
        }
        Index::parse(&bytes, &format!("`{}`", path.display()))
    }

    fn write_index(&self, index: &Index) -> Result<()> {
        self.write_atomically(&self.root.join("index.json"), &index.to_bytes()?)
    }

    fn write_atomically(&self, path: &Path, bytes: &[u8]) -> Result<()> {
        let directory = path.parent().unwrap_or(&self.root);
        fs_err::create_dir_all(directory)
            .map_err(|source| Error::io("create directory", directory, source))?;
        let mut file = tempfile::Builder::new()
            .prefix(".tollgate-")
            .tempfile_in(directory)
            .map_err(|source| Error::io("create a temporary file in", directory, source))?;
        file.write_all(bytes)
            .and_then(|()| file.as_file().sync_all())
            .map_err(|source| Error::io("write", file.path().to_owned(), source))?;
        file.persist(path)
            .map_err(|error| Error::io("write", path, error.error))?;
        Ok(())
    }

    fn blob_path(&self, digest: &Digest) -> PathBuf {
        // A parsed digest is a known algorithm word and lowercase hex: it cannot leave blobs/.
        self.root
            .join("blobs")
            .join(digest.algorithm().name())
            .join(digest.hex())
    }

    pub(super) fn put_blob(&self, digest: &Digest, bytes: &[u8]) -> Result<()> {
        let path = self.blob_path(digest);
        if path.is_file() {
            return Ok(());
        }
        self.write_atomically(&path, bytes)
    }

    pub(super) fn put_manifest(
        &self,
        digest: &Digest,
        bytes: &[u8],
        media_type: &str,
        tag: Option<&str>,
    ) -> Result<()> {
        self.put_blob(digest, bytes)?;
        let Some(tag) = tag else {
            return Ok(());
        };
        let mut descriptor = Descriptor::of(media_type, bytes);
        descriptor.annotations = Some([(REF_NAME_ANNOTATION.to_owned(), tag.to_owned())].into());
        let mut index = self.read_index(&Limits::default())?;
        index
            .manifests
            .retain(|entry| entry.annotation(REF_NAME_ANNOTATION) != Some(tag));
        index.manifests.push(descriptor);
        self.write_index(&index)
    }

    pub(super) fn list_referrer(&self, descriptor: Descriptor) -> Result<()> {
        let mut index = self.read_index(&Limits::default())?;
        if index
            .manifests
            .iter()
            .any(|entry| entry.digest == descriptor.digest)
        {
            return Ok(());
        }
        index.manifests.push(descriptor);
        self.write_index(&index)
    }

    pub(super) fn manifest(
        &self,
        reference: &str,
        limits: &Limits,
    ) -> Result<Option<StoredManifest>> {
        let index = self.read_index(limits)?;
        let entry = if reference.contains(':') {
            let digest: Digest = reference.parse()?;
            if let Some(entry) = index
                .manifests
                .iter()
                .find(|entry| entry.digest == reference)
            {
                Some(entry.clone())
            } else if self.blob_path(&digest).is_file() {
                let bytes = self.source.read_manifest(&digest, limits)?;
                return Ok(Some(StoredManifest::new(bytes, digest, None)));
            } else {
                None
            }
        } else {
            index
                .manifests
                .iter()
                .find(|entry| entry.annotation(REF_NAME_ANNOTATION) == Some(reference))
                .cloned()
        };
        let Some(entry) = entry else {
            return Ok(None);
        };
        let digest: Digest = entry.digest.parse()?;
        let bytes = self.source.read_manifest(&digest, limits)?;
        if bytes.len() as u64 != entry.size {
            return Err(Error::SizeMismatch {
                what: format!("manifest {digest} in {}", self.source.describe()),
                expected: entry.size,
                actual: bytes.len() as u64,
            });
        }
        Ok(Some(StoredManifest::new(
            bytes,
            digest,
            Some(entry.media_type),
        )))
    }

    pub(super) fn referrers(&self, subject: &Digest, limits: &Limits) -> Result<Vec<Descriptor>> {
        let index = self.read_index(limits)?;
        let subject = subject.to_string();
        let mut found = Vec::new();
        for entry in index.manifests {
            if entry.media_type != media_type::OCI_MANIFEST || entry.digest == subject {
                continue;
            }
            let digest: Digest = entry.digest.parse()?;
            let bytes = self.source.read_manifest(&digest, limits)?;
            let names_subject = serde_json::from_slice::<Value>(&bytes)
                .ok()
                .and_then(|manifest| {
                    manifest
                        .pointer("/subject/digest")
                        .and_then(Value::as_str)
                        .map(|digest| digest == subject)
                })
                .unwrap_or(false);
            if names_subject {
                found.push(entry);
            }
        }
        Ok(found)
    }
}
