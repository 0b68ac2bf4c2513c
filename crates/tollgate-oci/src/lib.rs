//! Reading container images safely: references and transports, verified blob streams, layers,
//! and the merged filesystem view that every tollgate analysis stands on.
//!
//! Every image is treated as hostile: each blob is hashed while it streams and rejected on a
//! mismatch, decompressed sizes, entry counts and manifest sizes are bounded, and no path or link
//! can resolve outside the image root. Nothing is extracted to disk.
//!
//! ```no_run
//! use tollgate_oci::{Image, OpenOptions, Target};
//!
//! let target = Target::parse("oci:../shared/images/debian-bookworm-app:1.0")?;
//! let image = Image::open(&target, &OpenOptions::default())?;
//! let walk = image.walk(&[], None)?;
//! let os_release = image.read_file(&walk.view, "/etc/os-release")?;
//! println!("{}", String::from_utf8_lossy(&os_release));
//! # Ok::<(), tollgate_oci::Error>(())
//! ```
#![warn(missing_docs, clippy::unwrap_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::panic))]

mod digest;
mod error;
mod image;
mod layer;
mod limits;
mod platform;
mod reference;
mod source;
pub mod store;
mod target;
mod view;
mod visit;
mod walk;

pub use digest::{Algorithm, Digest, Hasher, VerifyingReader};
pub use error::{BoxError, Error, Result};
pub use image::{
    ConfigInfo, ConfigSummary, Image, Layer, LayerListing, LayerStats, ManifestInfo, OpenOptions,
    Progress, Recall, Walk, media_type,
};
pub use layer::Compression;
pub use limits::{Limits, parse_size};
pub use platform::Platform;
pub use reference::{DOCKER_HUB, Reference};
pub use source::registry::{Credentials, RegistryOptions};
pub use target::Target;
pub use view::{FileInfo, FileKind, MergedView};
pub use visit::{Magic, Selector, VisitProblem, VisitedFile, Visitor, read_capped};

/// Where tollgate may write temporary files: `$TOLLGATE_TMPDIR`, else the system temp directory.
/// Nothing else is ever written while reading an image.
#[must_use]
pub fn temp_dir() -> std::path::PathBuf {
    std::env::var_os("TOLLGATE_TMPDIR").map_or_else(std::env::temp_dir, std::path::PathBuf::from)
}
