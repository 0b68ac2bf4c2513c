//! `tollgate inspect`: output formats, exit codes and one-line errors.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::tollgate;

use tollgate_test::shared_or_skip;

fn example() -> PathBuf {
    tollgate_test::workspace_root().join("examples/images/alpine-3.18")
}

#[test]
fn inspect_example_table() {
    let output = tollgate(&["inspect", "oci:examples/images/alpine-3.18:1.0"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.stderr.is_empty());
    insta::assert_snapshot!(String::from_utf8(output.stdout).unwrap());
}

#[test]
fn inspect_example_json() {
    let output = tollgate(&["inspect", "--format", "json", "examples/images/alpine-3.18"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    insta::assert_json_snapshot!(report);
}

fn assert_one_line_error(output: &Output, needle: &str) {
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty(), "no partial output on error");
    let stderr = String::from_utf8(output.stderr.clone()).unwrap();
    let mut lines = stderr.lines();
    let first = lines.next().unwrap();
    assert!(
        first.starts_with("error: ") && first.contains(needle),
        "{stderr}"
    );
    assert!(lines.all(|l| l.starts_with("hint: ")), "{stderr}");
}

#[test]
fn missing_reference_lists_what_exists() {
    let output = tollgate(&["inspect", "oci:examples/images/alpine-3.18:2.0"]);
    assert_one_line_error(
        &output,
        "`2.0` not found in OCI layout `examples/images/alpine-3.18` (available: 1.0)",
    );
}

#[test]
fn invalid_target_is_a_usage_error() {
    let output = tollgate(&["inspect", "Not A Reference"]);
    assert_one_line_error(&output, "invalid target `Not A Reference`");
}

fn copy_dir(from: &Path, to: &Path) {
    fs_err::create_dir_all(to).unwrap();
    for entry in fs_err::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs_err::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn tampered_layer_fails_with_both_digests() {
    let work = tempfile::tempdir().unwrap();
    let layout = work.path().join("layout");
    copy_dir(&example(), &layout);
    let report: serde_json::Value = serde_json::from_slice(
        &tollgate(&[
            "inspect",
            "-f",
            "json",
            &format!("oci:{}", layout.display()),
        ])
        .stdout,
    )
    .unwrap();
    let digest = report["layers"][0]["digest"].as_str().unwrap().to_owned();
    let blob = layout
        .join("blobs/sha256")
        .join(digest.trim_start_matches("sha256:"));
    let mut bytes = fs_err::read(&blob).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x40;
    let mut permissions = fs_err::metadata(&blob).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    permissions.set_readonly(false);
    fs_err::set_permissions(&blob, permissions).unwrap();
    fs_err::write(&blob, &bytes).unwrap();
    let output = tollgate(&[
        "inspect",
        "--format",
        "json",
        &format!("oci:{}", layout.display()),
    ]);
    assert_one_line_error(&output, &format!("expected `{digest}`, got `sha256:"));
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("hint: the content does not match its digest")
    );
}

#[test]
fn layer_size_limit_is_configurable() {
    let output = tollgate(&[
        "inspect",
        "--max-layer-size",
        "1KiB",
        "oci:examples/images/alpine-3.18",
    ]);
    assert_one_line_error(
        &output,
        "exceeds the limit of 1024 bytes (raise it with --max-layer-size)",
    );
}

#[test]
fn inspect_shared_images_json_shows_removals() {
    let root = shared_or_skip!("images");
    let output = tollgate(&[
        "inspect",
        "-q",
        "-f",
        "json",
        &format!("oci:{}", root.join("debian-bookworm-app").display()),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["schema"], "tollgate.inspect/v1");
    assert_eq!(report["config"]["user"], "10001");
    let layers = report["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 6);
    assert_eq!(layers[4]["files_added"], 1);
    assert_eq!(layers[5]["files_removed"], 1);
    assert!(
        layers[5]["created_by"]
            .as_str()
            .unwrap()
            .contains("rm -f /root/.ssh/id_rsa")
    );

    let archive = root.join("debian-trixie-slim.tar.gz");
    let output = tollgate(&[
        "inspect",
        "-q",
        "-f",
        "json",
        &format!("docker-archive:{}", archive.display()),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["config"]["user"], "");
    assert_eq!(report["manifest"]["synthesized"], true);
}
