//! Image sources: where manifests and blobs come from. Each transport is one module behind
//! [`ImageSource`]; the common resolution (index → platform → manifest → config) is in
//! [`crate::image`].

use std::io::Read;

use crate::{Digest, Limits, Result};

pub(crate) mod archive;
pub(crate) mod docker_archive;
pub(crate) mod oci_layout;
pub(crate) mod registry;

/// A manifest or index, read in full (bounded) and verified.
#[derive(Clone, Debug)]
pub(crate) struct ManifestBlob {
    pub(crate) bytes: Vec<u8>,
    pub(crate) digest: Digest,
    /// The media type the transport declared (HTTP Content-Type, descriptor), if any.
    pub(crate) media_type: Option<String>,
}

/// A place that holds an image's manifests and blobs.
pub(crate) trait ImageSource: Send + Sync {
    /// A human name for errors, e.g. `OCI layout /srv/app`.
    fn describe(&self) -> String;

    /// The manifest or index the target names.
    fn root_manifest(&self, limits: &Limits) -> Result<ManifestBlob>;

    /// A manifest that an index refers to by digest.
    fn manifest(&self, digest: &Digest, limits: &Limits) -> Result<ManifestBlob>;

    /// A config or layer blob, as raw bytes. The caller verifies digest and size while reading.
    fn blob(&self, digest: &Digest) -> Result<Box<dyn Read + Send + '_>>;

    /// True when the source has no manifest of its own and [`Self::root_manifest`] made one up.
    fn synthesized_manifest(&self) -> bool {
        false
    }
}
