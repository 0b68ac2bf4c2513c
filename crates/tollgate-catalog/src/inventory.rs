//! The inventory of one image: its OS and packages, built in one pass over the layers.

use tollgate_oci::{Digest, Platform};

use crate::{OsInfo, Package};

/// What an image is, for naming it as the subject of an SBOM.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImageIdentity {
    /// The target as given (`oci:…`, `docker://…`).
    pub target: String,
    /// Repository name, when the target has one (`docker.io/library/debian`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Tags the target names (`12`, `1.0`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Manifest digest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manifest_digest: Option<Digest>,
    /// Config digest (the image id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config_digest: Option<Digest>,
    /// Platform.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
}

/// A file a cataloger could not read: reported, never dropped.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Unknown {
    /// The cataloger (or `os-release`).
    pub cataloger: String,
    /// The layer holding the file.
    pub layer_index: usize,
    /// The file.
    pub path: String,
    /// Why.
    pub reason: String,
}

/// Everything installed in an image.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Inventory {
    /// The image.
    pub image: ImageIdentity,
    /// The OS, when one was recognised.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os: Option<OsInfo>,
    /// Packages of the final filesystem, sorted (by name, version, ecosystem, then the rest).
    pub packages: Vec<Package>,
    /// Files that looked like package data but could not be read.
    pub unknowns: Vec<Unknown>,
}
