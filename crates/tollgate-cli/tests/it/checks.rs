//! `tollgate scan --scanners config,secret` on the shared images: configuration and hardening
//! findings, secrets (also in files a later layer deleted), rule overrides and the exit code.

use std::collections::BTreeSet;

use crate::tollgate;

fn report(args: &[&str]) -> serde_json::Value {
    let output = tollgate(args);
    assert!(
        output.status.success() || output.status.code() == Some(4),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn check_ids(report: &serde_json::Value) -> BTreeSet<String> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn config_checks_flag_root_shells_and_package_managers_without_a_db() {
    let Some(targets) = tollgate_test::shared_image_targets() else {
        return;
    };
    for (name, target) in targets {
        // No --db and no DB in the environment: the config scanner needs none.
        let found = report(&["scan", "-q", "--scanners", "config", "-f", "json", &target]);
        assert!(found["db"].is_null(), "{name}");
        let ids = check_ids(&found);
        let flagged = |id: &str| ids.contains(id);
        match name.as_str() {
            "debian-trixie-slim" => {
                for id in ["TG-CFG-001", "TG-CFG-003", "TG-CFG-004", "TG-CFG-006"] {
                    assert!(flagged(id), "{name}: {id} in {ids:?}");
                }
                let apt = found["checks"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|c| c["id"] == "TG-CFG-004")
                    .unwrap();
                let paths: Vec<&str> = apt["evidence"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter_map(|e| e["path"].as_str())
                    .collect();
                assert!(paths.contains(&"/usr/bin/apt"), "{paths:?}");
            }
            // USER 65532 (nonroot), no shell, no package manager.
            "distroless-bookworm" => {
                for id in ["TG-CFG-001", "TG-CFG-003", "TG-CFG-004", "TG-CFG-005"] {
                    assert!(!flagged(id), "{name}: {id} in {ids:?}");
                }
            }
            // USER 10001 (app), but a shell, apt and pip.
            "debian-bookworm-app" => {
                assert!(!flagged("TG-CFG-001"), "{ids:?}");
                assert!(flagged("TG-CFG-003") && flagged("TG-CFG-004"), "{ids:?}");
            }
            // Package databases in otherwise empty roots, run as root; all but RHEL 8 are EOL.
            "alpine" | "alpine-3.18" | "rpm-sqlite" | "rpm-ndb" => {
                assert!(
                    flagged("TG-CFG-001") && flagged("TG-CFG-017"),
                    "{name}: {ids:?}"
                );
            }
            "rpm-bdb" => {
                assert!(flagged("TG-CFG-001") && !flagged("TG-CFG-017"), "{ids:?}");
            }
            other => panic!("no expectation for {other}"),
        }
    }
}

#[test]
fn secrets_are_found_in_deleted_files_and_nowhere_on_stock_images() {
    let Some(targets) = tollgate_test::shared_image_targets() else {
        return;
    };
    for (name, target) in targets {
        let found = report(&["scan", "-q", "--scanners", "secret", "-f", "json", &target]);
        let secrets = found["secrets"].as_array().unwrap();
        if name == "debian-bookworm-app" {
            // The key a later layer deletes: reported with the layer that still ships it.
            assert_eq!(secrets.len(), 1, "{secrets:?}");
            let key = &secrets[0];
            assert_eq!(key["path"], "/root/.ssh/id_rsa");
            assert_eq!(key["in_final_image"], false);
            let layer = key["layer"].as_str().unwrap();
            let inspect = tollgate(&["inspect", "-f", "json", &target]);
            let inspected: serde_json::Value = serde_json::from_slice(&inspect.stdout).unwrap();
            let index = key["layer_index"].as_u64().unwrap() as usize;
            assert_eq!(inspected["layers"][index]["digest"], layer);
            // Redacted: the key's body is not in the report.
            let text = serde_json::to_string(&found).unwrap();
            assert!(!text.contains("MII"), "the key body leaked");
        } else {
            assert!(secrets.is_empty(), "{name}: false positives {secrets:?}");
        }
    }
}

#[test]
fn rules_can_be_disabled_or_re_rated_and_count_for_the_exit_code() {
    let Some(images) = tollgate_test::shared("images") else {
        return;
    };
    let target = format!("oci:{}:1.0", images.join("debian-bookworm-app").display());
    let scan = |extra: &[&str]| {
        let mut args = vec!["scan", "-q", "--scanners", "config,secret", "-f", "json"];
        args.extend(extra);
        args.push(&target);
        tollgate(&args)
    };
    let json = |output: &std::process::Output| -> serde_json::Value {
        serde_json::from_slice(&output.stdout).unwrap()
    };
    let plain = json(&scan(&[]));
    assert!(check_ids(&plain).contains("TG-CFG-008"));
    let disabled = json(&scan(&["--disable-rule", "TG-CFG-008"]));
    assert!(!check_ids(&disabled).contains("TG-CFG-008"));
    let rerated = json(&scan(&["--rule-severity", "tg-cfg-008=critical"]));
    let healthcheck = rerated["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "TG-CFG-008")
        .unwrap();
    assert_eq!(healthcheck["severity"], "CRITICAL");
    assert_eq!(rerated["summary"]["checks_by_severity"]["CRITICAL"], 1);

    // Only the secret (HIGH) is at HIGH or above: it alone decides the exit code.
    let gated = scan(&["--severity", "HIGH,CRITICAL", "--exit-code", "4"]);
    assert_eq!(gated.status.code(), Some(4));
    let gated = scan(&[
        "--severity",
        "HIGH,CRITICAL",
        "--exit-code",
        "4",
        "--disable-rule",
        "TG-SEC-001",
    ]);
    assert_eq!(
        gated.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&gated.stderr)
    );

    let unknown = scan(&["--disable-rule", "TG-CFG-999"]);
    assert_eq!(unknown.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&unknown.stderr);
    assert!(stderr.contains("TG-CFG-999"), "{stderr}");
    let bad = scan(&["--scanners", "vuln,licence"]);
    assert_eq!(bad.status.code(), Some(1));
}
