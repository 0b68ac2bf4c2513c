//! Test support shared by tollgate's crates: paths into `../shared`, tools that tests need,
//! builders for (hostile) images, and a loopback registry.
//!
//! Under `CI=true` a missing `../shared` or a missing tool fails the test loudly; on a user's
//! clone without them the test prints a notice and skips, so `cargo test` still passes there.
#![allow(clippy::unwrap_used, clippy::panic, clippy::print_stderr, missing_docs)]

use std::path::{Path, PathBuf};

pub mod buildah;
pub mod builder;
pub mod python;
pub mod registry;
pub mod trixie_skopeo;

/// The OCI layouts in `../shared/images` (each with one manifest, tag `1.0`).
pub const SHARED_OCI_IMAGES: &[&str] = &[
    "debian-bookworm-app",
    "distroless-bookworm",
    "rpm-sqlite",
    "rpm-ndb",
    "rpm-bdb",
    "alpine",
    "alpine-3.18",
];

/// Every shared image as (name, target): the OCI layouts (tag `1.0`) and the trixie docker
/// archive; `None` (after a notice) without ../shared outside CI.
#[must_use]
pub fn shared_image_targets() -> Option<Vec<(String, String)>> {
    let images = shared("images")?;
    let mut targets: Vec<(String, String)> = SHARED_OCI_IMAGES
        .iter()
        .map(|image| {
            (
                (*image).to_owned(),
                format!("oci:{}:1.0", images.join(image).display()),
            )
        })
        .collect();
    targets.push((
        "debian-trixie-slim".to_owned(),
        format!(
            "docker-archive:{}",
            images.join("debian-trixie-slim.tar.gz").display()
        ),
    ));
    Some(targets)
}

/// Whether we run in CI, where nothing may be skipped.
#[must_use]
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// The workspace root.
#[must_use]
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// The `../shared` directory beside the checkout (or `$TOLLGATE_SHARED`).
#[must_use]
pub fn shared_root() -> PathBuf {
    std::env::var_os("TOLLGATE_SHARED")
        .map_or_else(|| workspace_root().join("../shared"), PathBuf::from)
}

/// A path under `../shared`, or `None` (after a notice) when it is absent outside CI.
///
/// # Panics
/// Under `CI=true` when the path does not exist.
#[must_use]
pub fn shared(relative: &str) -> Option<PathBuf> {
    let path = shared_root().join(relative);
    if path.exists() {
        return Some(path);
    }
    if in_ci() {
        panic!(
            "CI=true but `{}` does not exist: ../shared must be checked out beside the repository",
            path.display()
        );
    }
    eprintln!(
        "notice: skipping, `{}` is not available (../shared is not beside this checkout)",
        path.display()
    );
    None
}

/// Whether a tool is on PATH; under `CI=true` a missing tool panics, otherwise a notice is printed.
///
/// # Panics
/// Under `CI=true` when the tool is missing.
#[must_use]
pub fn require_tool(tool: &str) -> bool {
    let found = std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(tool).is_file()));
    if found {
        return true;
    }
    if in_ci() {
        panic!("CI=true but the tool `{tool}` is not installed: .ci/run must install it");
    }
    eprintln!("notice: skipping, `{tool}` is not installed");
    false
}

/// Skip the current test (return) when a shared path is missing outside CI.
#[macro_export]
macro_rules! shared_or_skip {
    ($relative:expr) => {
        match $crate::shared($relative) {
            Some(path) => path,
            None => return,
        }
    };
}

/// Skip the current test (return) when a tool is missing outside CI.
#[macro_export]
macro_rules! tool_or_skip {
    ($tool:expr) => {
        if !$crate::require_tool($tool) {
            return;
        }
    };
}
