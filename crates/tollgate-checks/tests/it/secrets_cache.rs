//! The secret scanner's findings in the layer cache: what a layer holds is saved and restored
//! as JSON; a warm scan reads no layer and gives the same findings; a malformed saved value is
//! refused and changes nothing.

use serde_json::json;
use tollgate_catalog::{InventoryOptions, LayerAnalyzer, LayerCache, analyse};
use tollgate_checks::RuleOverrides;
use tollgate_checks::secrets::SecretScanner;
use tollgate_oci::{Image, OpenOptions, Target};
use tollgate_test::shared_or_skip;

use crate::secrets_images::Scanned;

fn bookworm_app() -> Option<String> {
    tollgate_test::shared("images/debian-bookworm-app")
        .map(|dir| format!("oci:{}:1.0", dir.display()))
}

#[test]
fn a_warm_scan_reads_no_layer_and_gives_the_same_findings() {
    let Some(target) = bookworm_app() else { return };
    let image = Image::open(&Target::parse(&target).unwrap(), &OpenOptions::default()).unwrap();
    let directory = tempfile::tempdir().unwrap();
    let cache = LayerCache::new(directory.path(), image.limits());
    let run = || {
        let scanner = SecretScanner::new(Default::default());
        let read = crate::LayersRead::default();
        let pass = analyse(
            &image,
            InventoryOptions {
                progress: Some(&read),
                cache: Some(&cache),
                analyzers: &[&scanner],
            },
        )
        .unwrap();
        let findings = scanner.findings(&pass.view, &image.layers, &RuleOverrides::default());
        let mut read = read.0.into_inner().unwrap();
        read.sort_unstable();
        (findings, read, scanner.stats().files)
    };
    let (cold, read, files) = run();
    assert_eq!(read.len(), image.layers.len());
    assert!(files > 0);
    assert_eq!(cold.len(), 1, "the planted key: {cold:#?}");
    let (warm, read, files) = run();
    assert_eq!(read, Vec::<usize>::new(), "a warm scan reads nothing");
    assert_eq!(files, 0);
    assert_eq!(warm, cold);
    assert!(cache.take_notices().is_empty());
}

#[test]
fn saved_layers_restore_to_identical_findings() {
    let _shared = shared_or_skip!("images/debian-bookworm-app");
    let scanned = Scanned::open(&bookworm_app().unwrap());
    let restored = SecretScanner::new(Default::default());
    for layer in 0..scanned.image.layers.len() {
        let saved = scanned.scanner.save_layer(layer);
        // Through text, as the cache stores it.
        let text = serde_json::to_string(&saved).unwrap();
        restored
            .restore_layer(layer, serde_json::from_str(&text).unwrap())
            .unwrap();
    }
    let overrides = RuleOverrides::default();
    let findings = scanned.findings();
    assert!(!findings.is_empty());
    assert_eq!(
        restored.findings(&scanned.pass.view, &scanned.image.layers, &overrides),
        findings
    );
    // An empty layer saves as no files.
    assert_eq!(scanned.scanner.save_layer(0), json!({"files": []}));
}

#[test]
fn malformed_saved_values_are_refused_and_change_nothing() {
    let _shared = shared_or_skip!("images/debian-bookworm-app");
    let scanned = Scanned::open(&bookworm_app().unwrap());
    let key_layer = scanned
        .findings()
        .first()
        .map(|finding| finding.layer_index)
        .unwrap();
    let good = scanned.scanner.save_layer(key_layer);
    let restored = SecretScanner::new(Default::default());
    restored.restore_layer(key_layer, good.clone()).unwrap();
    let before = restored.findings(
        &scanned.pass.view,
        &scanned.image.layers,
        &RuleOverrides::default(),
    );
    assert_eq!(before.len(), 1);

    let one = |path: &str, rule: &str, line: u64| json!({"path": path, "matches": [{"rule": rule, "line": line, "redacted": "x"}]});
    let malformed = [
        json!(null),
        json!([]),
        json!({"files": 3}),
        json!({"files": [], "extra": true}),
        json!({"files": [{"path": "/a", "matches": [{"rule": "TG-SEC-001", "line": 1}]}]}),
        json!({"files": [one("relative/path", "TG-SEC-001", 1)]}),
        json!({"files": [one("/a", "TG-SEC-999", 1)]}),
        json!({"files": [one("/a", "TG-SEC-001", 0)]}),
        json!({"files": [one("/a", "TG-SEC-001", 1), one("/a", "TG-SEC-002", 2)]}),
        json!({"files": [{"path": "/a", "matches": []}]}),
        json!({"files": [one("/a", "TG-SEC-001", 1), {"path": "/b", "matches": "x"}]}),
    ];
    for value in malformed {
        let outcome = restored.restore_layer(key_layer, value.clone());
        assert!(outcome.is_err(), "accepted {value}");
        assert_eq!(
            restored.findings(
                &scanned.pass.view,
                &scanned.image.layers,
                &RuleOverrides::default()
            ),
            before,
            "{value} changed the findings"
        );
    }
    // A valid value replaces what the layer held.
    restored
        .restore_layer(key_layer, json!({"files": []}))
        .unwrap();
    assert!(
        restored
            .findings(
                &scanned.pass.view,
                &scanned.image.layers,
                &RuleOverrides::default()
            )
            .is_empty()
    );
}
