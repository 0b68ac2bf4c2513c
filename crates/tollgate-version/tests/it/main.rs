//! Integration tests of tollgate-version: the reference implementations as oracles on realistic
//! pairs, and the ordering properties on generated input.
#![allow(clippy::unwrap_used, clippy::panic, missing_docs)]

mod deb_rpm_apk;
mod maven_gem_nuget_composer;
mod pep440_semver_go;
mod properties;
