//! `tollgate scan`: the README's first command, formats, filters, exit codes, SBOM input, and the
//! findings on the shared images with a DB built from ../shared/data.

use std::path::Path;
use std::process::{Command, Output};

fn tollgate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .args(args)
        .current_dir(tollgate_test::workspace_root())
        .env("NO_COLOR", "1")
        .env("SOURCE_DATE_EPOCH", "1795436800")
        .env_remove("TOLLGATE_DB")
        .output()
        .unwrap()
}

fn build_db(dir: &Path, from: &[&str]) -> String {
    let db = dir.join("tollgate.db").display().to_string();
    let mut args = vec!["db", "build", "-q", "-o", &db];
    for feed in from {
        args.extend(["--from", feed]);
    }
    let output = tollgate(&args);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    db
}

fn json(output: &Output) -> serde_json::Value {
    assert!(
        output.status.success() || output.status.code() == Some(3),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn the_readme_example_scans_offline() {
    let dir = tempfile::tempdir().unwrap();
    let db = build_db(dir.path(), &["examples/data"]);
    let output = tollgate(&["scan", "--db", &db, "oci:examples/images/alpine-3.4:1.0"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let table = String::from_utf8(output.stdout).unwrap();
    assert!(
        table.starts_with("oci:examples/images/alpine-3.4:1.0 (alpine 3.4.2)\nTotal: 57 ("),
        "{table}"
    );
    assert!(table.contains("OS packages (alpine)"), "{table}");
    assert!(
        table
            .lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>()[..]
                == [
                    "busybox",
                    "CVE-2016-6301",
                    "UNKNOWN",
                    "fixed",
                    "1.24.2-r9",
                    "1.24.2-r12"
                ]),
        "{table}"
    );

    // The JSON report records the DB it was made with.
    let report = json(&tollgate(&[
        "scan",
        "--db",
        &db,
        "-f",
        "json",
        "oci:examples/images/alpine-3.4:1.0",
    ]));
    assert_eq!(report["schema"], "tollgate.report/v1");
    let info = json(&tollgate(&["db", "info", "--db", &db, "-f", "json"]));
    assert_eq!(report["db"]["content_digest"], info["content_digest"]);
    assert_eq!(report["db"]["built_at"], "2026-11-23T12:26:40Z");
    assert_eq!(report["findings"].as_array().unwrap().len(), 57);
    assert_eq!(report["summary"]["packages"], 15);
    let finding = &report["findings"][0];
    for key in [
        "vulnerability_id",
        "advisory_ids",
        "package",
        "fixed_version",
        "status",
        "severity",
    ] {
        assert!(!finding[key].is_null(), "{key} in {finding}");
    }
}

#[test]
fn filters_and_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let db = build_db(dir.path(), &["examples/data"]);
    let target = "oci:examples/images/alpine-3.4:1.0";
    let output = tollgate(&[
        "scan",
        "-q",
        "--db",
        &db,
        "--exit-code",
        "3",
        "-f",
        "json",
        target,
    ]);
    assert_eq!(output.status.code(), Some(3));
    // Alpine's secdb rates nothing: no finding is HIGH or CRITICAL.
    let output = tollgate(&[
        "scan",
        "-q",
        "--db",
        &db,
        "--exit-code",
        "3",
        "--severity",
        "HIGH,CRITICAL",
        "-f",
        "json",
        target,
    ]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(json(&output)["findings"].as_array().unwrap().len(), 0);
    let output = tollgate(&["scan", "--db", &db, "--severity", "SEVERE", target]);
    assert_eq!(output.status.code(), Some(2), "a usage error");
    let output = tollgate(&["scan", "--db", &db, "--scanners", "vuln,secret", target]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("scanner `secret` is not available"));
    let missing = dir.path().join("missing.db");
    let output = tollgate(&["scan", "--db", missing.to_str().unwrap(), target]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("tollgate db update"), "{stderr}");
    assert!(output.stdout.is_empty());
}

#[test]
fn an_sbom_scans_like_its_image() {
    let dir = tempfile::tempdir().unwrap();
    let db = build_db(dir.path(), &["examples/data"]);
    let target = "oci:examples/images/alpine-3.4:1.0";
    for format in ["cyclonedx-json", "spdx-json"] {
        let sbom = dir.path().join(format!("sbom.{format}"));
        let output = tollgate(&[
            "sbom",
            "-q",
            "-f",
            format,
            "-o",
            sbom.to_str().unwrap(),
            target,
        ]);
        assert!(output.status.success());
        let ids = |report: serde_json::Value| -> Vec<(String, String)> {
            let mut ids: Vec<(String, String)> = report["findings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| {
                    (
                        f["package"]["name"].as_str().unwrap().to_owned(),
                        f["vulnerability_id"].as_str().unwrap().to_owned(),
                    )
                })
                .collect();
            ids.sort();
            ids
        };
        let from_image = ids(json(&tollgate(&[
            "scan", "-q", "--db", &db, "-f", "json", target,
        ])));
        let from_sbom = ids(json(&tollgate(&[
            "scan",
            "-q",
            "--db",
            &db,
            "-f",
            "json",
            &format!("sbom:{}", sbom.display()),
        ])));
        assert_eq!(from_sbom, from_image, "{format}");
    }
}

#[test]
fn the_shared_debian_image_has_its_pypi_advisories() {
    let Some(data) = tollgate_test::shared("data") else {
        return;
    };
    let Some(images) = tollgate_test::shared("images") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = build_db(
        dir.path(),
        &[
            data.join("osv").to_str().unwrap(),
            data.join("alpine-secdb").to_str().unwrap(),
        ],
    );
    let target = format!("oci:{}:1.0", images.join("debian-bookworm-app").display());
    let report = json(&tollgate(&[
        "scan", "-q", "--db", &db, "-f", "json", &target,
    ]));
    let found: Vec<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["package"]["name"].as_str().unwrap().to_owned(),
                f["vulnerability_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    // The PyPI packages of the image with their known advisories (../shared/data README).
    for (package, id) in [
        ("urllib3", "CVE-2021-33503"),
        ("requests", "CVE-2023-32681"),
        ("Jinja2", "CVE-2020-28493"),
        ("PyYAML", "CVE-2020-14343"),
    ] {
        assert!(
            found.contains(&(package.to_owned(), id.to_owned())),
            "{package} {id} in {found:?}"
        );
    }
}

#[test]
fn ignore_unfixed_suppresses_with_a_reason() {
    // The example data plus one advisory without a fix (written for this test) for musl.
    let dir = tempfile::tempdir().unwrap();
    let feeds = dir.path().join("feeds");
    fs_err::create_dir_all(&feeds).unwrap();
    fs_err::copy(
        tollgate_test::workspace_root().join("examples/data/alpine-secdb-v3.4-main.json"),
        feeds.join("secdb.json"),
    )
    .unwrap();
    fs_err::write(
        feeds.join("TEST-0001.json"),
        r#"{"id": "TEST-0001", "modified": "2026-01-01T00:00:00Z", "aliases": ["CVE-2099-0001"],
            "affected": [{"package": {"ecosystem": "Alpine:v3.4", "name": "musl"},
                          "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}]}"#,
    )
    .unwrap();
    let db = build_db(dir.path(), &[feeds.to_str().unwrap()]);
    let target = "oci:examples/images/alpine-3.4:1.0";
    let all = json(&tollgate(&[
        "scan", "-q", "--db", &db, "-f", "json", target,
    ]));
    let unfixed: Vec<&serde_json::Value> = all["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] == "unfixed")
        .collect();
    assert!(!unfixed.is_empty());
    assert!(
        unfixed
            .iter()
            .all(|f| f["vulnerability_id"] == "CVE-2099-0001"),
        "{unfixed:?}"
    );
    let filtered = json(&tollgate(&[
        "scan",
        "-q",
        "--db",
        &db,
        "-f",
        "json",
        "--ignore-unfixed",
        target,
    ]));
    assert_eq!(filtered["summary"]["suppressed"], unfixed.len());
    assert_eq!(
        filtered["findings"].as_array().unwrap().len(),
        all["findings"].as_array().unwrap().len() - unfixed.len()
    );
    assert_eq!(
        filtered["suppressed"][0]["reason"],
        "no fix yet (--ignore-unfixed)"
    );
}
