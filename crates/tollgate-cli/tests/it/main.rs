//! Integration tests of the `tollgate` binary.
#![allow(clippy::unwrap_used, clippy::panic, missing_docs)]

mod checks;
mod db;
mod inspect;
mod key;
mod sbom;
mod scan;
mod sign;
mod sign_interop;
mod version;

use std::process::{Command, Output};
use std::sync::OnceLock;

/// Run the binary from the workspace root, reproducibly: no colours, a fixed creation time, no
/// DB from the environment, and a layer cache of this test run's own (never the user's).
pub(crate) fn tollgate(args: &[&str]) -> Output {
    tollgate_with_env(args, &[])
}

/// [`tollgate`] with extra environment variables.
pub(crate) fn tollgate_with_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    static CACHE: OnceLock<tempfile::TempDir> = OnceLock::new();
    let cache = CACHE.get_or_init(|| tempfile::tempdir().unwrap());
    Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .args(args)
        .current_dir(tollgate_test::workspace_root())
        .env("NO_COLOR", "1")
        .env("SOURCE_DATE_EPOCH", "1795436800")
        .env("TOLLGATE_CACHE_DIR", cache.path())
        .env_remove("TOLLGATE_DB")
        .env_remove("TOLLGATE_PASSWORD")
        .env_remove("COSIGN_PASSWORD")
        .envs(env.iter().copied())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}
