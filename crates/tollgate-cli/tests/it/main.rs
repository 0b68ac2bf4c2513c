//! Integration tests of the `tollgate` binary.
#![allow(clippy::unwrap_used, clippy::panic, missing_docs)]

mod db;
mod inspect;
mod sbom;
mod scan;
mod version;
