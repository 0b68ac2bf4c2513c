//! Integration tests of tollgate-catalog.
#![allow(clippy::unwrap_used, clippy::panic, missing_docs)]

mod built_image;
mod cache;
mod ground_truth;
mod sbom;
mod trivy_fixtures;
