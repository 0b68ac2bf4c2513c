//! Integration tests of tollgate-oci (one binary, as ripgrep and uv do).
#![allow(clippy::unwrap_used, clippy::panic, clippy::print_stderr, missing_docs)]

mod archive_index;
mod hostile;
mod registry;
mod shared_images;
mod store;
