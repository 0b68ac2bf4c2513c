//! `tollgate scan`: the README's first command, formats, filters, exit codes, SBOM input, and the
//! findings on the shared images with a DB built from ../shared/data.

use std::path::Path;
use std::process::Output;

use crate::tollgate;

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
    let output = tollgate(&["scan", "--db", &db, "--scanners", "vuln,licence", target]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown scanner `licence`"));
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
        let from_image = ids(scan_report(&db, &[], target));
        let from_sbom = ids(scan_report(&db, &[], &format!("sbom:{}", sbom.display())));
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
    let report = scan_report(&db, &[], &target);
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
    let all = scan_report(&db, &[], target);
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
    let filtered = scan_report(&db, &["--ignore-unfixed"], target);
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

/// The shared DB and the shared debian-bookworm-app image, or `None` (skipped) without
/// ../shared outside CI.
fn shared_debian_app(dir: &Path) -> Option<(String, String)> {
    let data = tollgate_test::shared("data")?;
    let images = tollgate_test::shared("images")?;
    let db = build_db(
        dir,
        &[
            data.join("osv").to_str().unwrap(),
            data.join("alpine-secdb").to_str().unwrap(),
        ],
    );
    let target = format!("oci:{}:1.0", images.join("debian-bookworm-app").display());
    Some((db, target))
}

/// `tollgate scan -q --db DB -f json EXTRA... TARGET`, parsed.
fn scan_report(db: &str, extra: &[&str], target: &str) -> serde_json::Value {
    let mut args = vec!["scan", "-q", "--db", db, "-f", "json"];
    args.extend(extra);
    args.push(target);
    json(&tollgate(&args))
}

fn has_finding(report: &serde_json::Value, list: &str, package: &str, id: &str) -> bool {
    let entries = report[list].as_array().unwrap();
    entries.iter().any(|entry| {
        let finding = if list == "suppressed" {
            &entry["finding"]
        } else {
            entry
        };
        finding["package"]["name"] == package && finding["vulnerability_id"] == id
    })
}

#[test]
fn an_ignore_file_suppresses_with_its_reason_until_it_expires() {
    let dir = tempfile::tempdir().unwrap();
    let Some((db, target)) = shared_debian_app(dir.path()) else {
        return;
    };
    let ignore = dir.path().join("ignore.yaml");
    fs_err::write(
        &ignore,
        "vulnerabilities:\n\
         \x20 - id: CVE-2021-33503\n\
         \x20   purls: [pkg:pypi/urllib3]\n\
         \x20   reason: the proxy code path is not used\n\
         \x20   expires: 2999-01-01\n\
         \x20 - id: CVE-2023-32681\n\
         \x20   reason: accepted until the upgrade\n\
         \x20   expires: 2020-01-01\n",
    )
    .unwrap();
    let ignore_path = ignore.to_str().unwrap();
    let output = tollgate(&[
        "scan",
        "--db",
        &db,
        "-f",
        "json",
        "--ignorefile",
        ignore_path,
        &target,
    ]);
    let report = json(&output);
    assert!(!has_finding(
        &report,
        "findings",
        "urllib3",
        "CVE-2021-33503"
    ));
    assert!(has_finding(
        &report,
        "suppressed",
        "urllib3",
        "CVE-2021-33503"
    ));
    let suppressed = report["suppressed"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["finding"]["vulnerability_id"] == "CVE-2021-33503")
        .unwrap();
    let reason = suppressed["reason"].as_str().unwrap();
    assert!(
        reason.contains("the proxy code path is not used"),
        "{reason}"
    );
    assert!(
        suppressed["source"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{ignore_path}:")),
        "{suppressed}"
    );
    assert_eq!(
        report["summary"]["suppressed"],
        report["suppressed"].as_array().unwrap().len()
    );
    // The expired entry no longer applies, and says so.
    assert!(has_finding(
        &report,
        "findings",
        "requests",
        "CVE-2023-32681"
    ));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("expired"), "{stderr}");
    assert!(
        report["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains("expired")),
        "{}",
        report["warnings"]
    );

    // A broken ignore file stops the scan with one line naming it; nothing is written.
    fs_err::write(&ignore, "vulnerabilities:\n  - reason: no id here\n").unwrap();
    let out_file = dir.path().join("report.json");
    let output = tollgate(&[
        "scan",
        "--db",
        &db,
        "--ignorefile",
        ignore_path,
        "-o",
        out_file.to_str().unwrap(),
        &target,
    ]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains(ignore_path), "{stderr}");
    assert!(!out_file.exists());
}

#[test]
fn vex_statements_suppress_what_they_call_not_affected() {
    let dir = tempfile::tempdir().unwrap();
    let Some((db, target)) = shared_debian_app(dir.path()) else {
        return;
    };
    // As `vexctl create` writes it.
    let openvex = dir.path().join("app.openvex.json");
    fs_err::write(
        &openvex,
        r#"{
  "@context": "https://openvex.dev/ns/v0.2.0",
  "@id": "https://openvex.dev/docs/public/vex-0001",
  "author": "Security Team <security@example.com>",
  "timestamp": "2026-11-01T10:00:00Z",
  "version": 1,
  "statements": [
    {
      "vulnerability": {"name": "CVE-2023-32681"},
      "timestamp": "2026-11-01T10:00:00Z",
      "products": [{"@id": "pkg:pypi/requests"}],
      "status": "not_affected",
      "justification": "vulnerable_code_not_in_execute_path"
    },
    {
      "vulnerability": {"name": "CVE-2020-28493"},
      "products": [{"@id": "pkg:pypi/jinja2"}],
      "status": "under_investigation"
    }
  ]
}"#,
    )
    .unwrap();
    let report = scan_report(&db, &["--vex", openvex.to_str().unwrap()], &target);
    assert!(has_finding(
        &report,
        "suppressed",
        "requests",
        "CVE-2023-32681"
    ));
    assert!(!has_finding(
        &report,
        "findings",
        "requests",
        "CVE-2023-32681"
    ));
    // under_investigation keeps the finding.
    assert!(has_finding(&report, "findings", "Jinja2", "CVE-2020-28493"));
    let reason = report["suppressed"][0]["reason"].as_str().unwrap();
    assert!(
        reason.contains("not_affected") && reason.contains("vulnerable_code_not_in_execute_path"),
        "{reason}"
    );

    // The same decision in CycloneDX VEX, as cyclonedx-cli writes an analysis.
    let cyclonedx = dir.path().join("app.cdx.json");
    fs_err::write(
        &cyclonedx,
        r#"{
  "bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
  "vulnerabilities": [{
    "id": "CVE-2021-33503",
    "analysis": {"state": "not_affected", "justification": "code_not_reachable",
                 "detail": "no proxies are configured"},
    "affects": [{"ref": "pkg:pypi/urllib3@1.26.4"}]
  }]
}"#,
    )
    .unwrap();
    let report = scan_report(
        &db,
        &[
            "--vex",
            openvex.to_str().unwrap(),
            "--vex",
            cyclonedx.to_str().unwrap(),
        ],
        &target,
    );
    assert!(has_finding(
        &report,
        "suppressed",
        "urllib3",
        "CVE-2021-33503"
    ));
    assert!(has_finding(
        &report,
        "suppressed",
        "requests",
        "CVE-2023-32681"
    ));

    // A statement about another version of the package does not apply to this one.
    let text = fs_err::read_to_string(&cyclonedx).unwrap();
    fs_err::write(&cyclonedx, text.replace("urllib3@1.26.4", "urllib3@1.26.5")).unwrap();
    let report = scan_report(&db, &["--vex", cyclonedx.to_str().unwrap()], &target);
    assert!(has_finding(
        &report,
        "findings",
        "urllib3",
        "CVE-2021-33503"
    ));
}

#[test]
fn the_layer_cache_is_kept_reused_and_never_trusted_when_damaged() {
    let dir = tempfile::tempdir().unwrap();
    let db = build_db(dir.path(), &["examples/data"]);
    let cache = dir.path().join("cache");
    let target = "oci:examples/images/alpine-3.4:1.0";
    let scan = |extra: &[&str]| {
        let mut args = vec!["scan", "--db", &db, "-f", "json"];
        args.extend(extra);
        args.push(target);
        tollgate(&args)
    };
    let cache_dir = cache.to_str().unwrap();
    let uncached = scan(&["--no-cache", "--cache-dir", cache_dir]);
    assert!(!cache.exists(), "--no-cache writes nothing");
    let cold = scan(&["--cache-dir", cache_dir]);
    let entries: Vec<_> = walk_files(&cache);
    assert_eq!(entries.len(), 1, "one entry for the one layer: {entries:?}");
    let warm = scan(&["--cache-dir", cache_dir]);
    assert_eq!(json(&cold), json(&uncached));
    assert_eq!(json(&warm), json(&uncached));
    assert!(
        warm.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&warm.stderr)
    );

    let mut bytes = fs_err::read(&entries[0]).unwrap();
    let last = bytes.len() - 2;
    bytes[last] ^= 1;
    fs_err::write(&entries[0], &bytes).unwrap();
    let damaged = scan(&["--cache-dir", cache_dir]);
    assert_eq!(json(&damaged), json(&uncached));
    let stderr = String::from_utf8_lossy(&damaged.stderr);
    assert!(stderr.contains("discarded"), "{stderr}");
}

fn walk_files(root: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(directory) = pending.pop() {
        for entry in fs_err::read_dir(&directory).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files
}

/// Every format of the README example, as golden files. The DB path (a temporary directory)
/// is the only part that changes from run to run.
#[test]
fn every_format_of_the_readme_example_is_golden() {
    let dir = tempfile::tempdir().unwrap();
    let db = build_db(dir.path(), &["examples/data"]);
    for format in ["table", "json", "sarif", "cyclonedx-json", "junit", "html"] {
        let output = tollgate(&[
            "scan",
            "-q",
            "--db",
            &db,
            "-f",
            format,
            "oci:examples/images/alpine-3.4:1.0",
        ]);
        assert!(
            output.status.success(),
            "{format}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let text = String::from_utf8(output.stdout)
            .unwrap()
            .replace(&db, "[DB]")
            .replace(env!("CARGO_PKG_VERSION"), "[VERSION]");
        insta::assert_snapshot!(format!("scan_example_{format}"), text);
    }
}

/// Every shared image scanned end to end with the DB built from ../shared/data: the findings
/// (package, version, vulnerability, severity, status, fixed version) as golden files. The
/// matcher's exactness is proven in tollgate-match's tests against the Debian-derived TSVs and
/// the secdb; these pin the whole command.
#[test]
fn every_shared_image_scans_to_its_golden_findings() {
    let dir = tempfile::tempdir().unwrap();
    let Some(data) = tollgate_test::shared("data") else {
        return;
    };
    let Some(targets) = tollgate_test::shared_image_targets() else {
        return;
    };
    let db = build_db(
        dir.path(),
        &[
            data.join("osv").to_str().unwrap(),
            data.join("alpine-secdb").to_str().unwrap(),
        ],
    );
    for (name, target) in targets {
        let report = scan_report(&db, &[], &target);
        let mut lines: Vec<String> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let package = &f["package"];
                format!(
                    "{} {} {} {} {} {} {}",
                    package["ecosystem"].as_str().unwrap(),
                    package["name"].as_str().unwrap(),
                    package["version"].as_str().unwrap(),
                    f["vulnerability_id"].as_str().unwrap(),
                    f["severity"].as_str().unwrap(),
                    f["status"].as_str().unwrap(),
                    f["fixed_version"].as_str().unwrap_or("-"),
                )
            })
            .collect();
        lines.sort();
        let summary = &report["summary"];
        // Packages no feed covers, by reason.
        let mut not_covered: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        for entry in report["not_covered"].as_array().unwrap() {
            not_covered
                .entry(entry["reason"].as_str().unwrap().to_owned())
                .or_default()
                .push(entry["package"]["name"].as_str().unwrap().to_owned());
        }
        let not_covered: Vec<String> = not_covered
            .into_iter()
            .map(|(reason, mut names)| {
                names.sort();
                format!("not covered: {reason}: {}", names.join(" "))
            })
            .collect();
        let secrets: Vec<String> = report["secrets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                format!(
                    "secret {} {} layer {} in final image: {}",
                    s["rule_id"].as_str().unwrap(),
                    s["path"].as_str().unwrap(),
                    s["layer_index"],
                    s["in_final_image"]
                )
            })
            .collect();
        let text = format!(
            "summary: {summary}\n{}\n{}\n{}\n",
            not_covered.join("\n"),
            secrets.join("\n"),
            lines.join("\n")
        );
        insta::assert_snapshot!(format!("scan_shared_{name}"), text);
    }
}
