//! The secret scanner riding on the inventory's pass over real images: the shared images
//! (a key that a later layer deleted is still reported, with its layer; stock distribution
//! images give nothing), and an image built from the corpus with files deleted, replaced and
//! hard-linked in a later layer.

use std::collections::BTreeSet;

use tollgate_catalog::{InventoryOptions, Pass, analyse};
use tollgate_checks::secrets::{SecretScanStats, SecretScanner};
use tollgate_checks::{RuleOverrides, SecretFinding};
use tollgate_match::Severity;
use tollgate_oci::{Image, OpenOptions, Target};
use tollgate_test::builder::{Compression, ImageBuilder, LayerBuilder};
use tollgate_test::shared_or_skip;

use crate::secrets_corpus::corpus;

/// An image analysed once with a secret scanner riding along.
pub(crate) struct Scanned {
    pub(crate) image: Image,
    pub(crate) pass: Pass,
    pub(crate) scanner: SecretScanner,
}

impl Scanned {
    pub(crate) fn target(target: &Target) -> Self {
        let image = Image::open(target, &OpenOptions::default()).unwrap();
        let scanner = SecretScanner::new(Default::default());
        let pass = analyse(
            &image,
            InventoryOptions {
                analyzers: &[&scanner],
                ..Default::default()
            },
        )
        .unwrap();
        Self {
            image,
            pass,
            scanner,
        }
    }

    pub(crate) fn open(target: &str) -> Self {
        Self::target(&Target::parse(target).unwrap())
    }

    pub(crate) fn findings(&self) -> Vec<SecretFinding> {
        self.findings_with(&RuleOverrides::default())
    }

    pub(crate) fn findings_with(&self, overrides: &RuleOverrides) -> Vec<SecretFinding> {
        self.scanner
            .findings(&self.pass.view, &self.image.layers, overrides)
    }
}

/// Every shared image as a target.
fn shared_targets(root: &std::path::Path) -> Vec<(String, String)> {
    let mut targets: Vec<(String, String)> = tollgate_test::SHARED_OCI_IMAGES
        .iter()
        .map(|name| {
            (
                (*name).to_owned(),
                format!("oci:{}:1.0", root.join(name).display()),
            )
        })
        .collect();
    targets.push((
        "debian-trixie-slim".to_owned(),
        format!(
            "docker-archive:{}",
            root.join("debian-trixie-slim.tar.gz").display()
        ),
    ));
    targets
}

#[test]
fn a_key_deleted_by_a_later_layer_is_reported_with_the_layer_that_holds_it() {
    let root = shared_or_skip!("images");
    let truth =
        fs_err::read_to_string(root.join("expected/debian-bookworm-app/secrets.tsv")).unwrap();
    let row: Vec<&str> = truth.lines().nth(1).unwrap().split('\t').collect();
    let (path, layer_index, layer_digest) = (row[0], row[1].parse::<usize>().unwrap(), row[2]);

    let scanned = Scanned::open(&format!(
        "oci:{}:1.0",
        root.join("debian-bookworm-app").display()
    ));
    let findings = scanned.findings();
    // The planted key and nothing else: the rest of the image is stock Debian and pip.
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let key = &findings[0];
    assert_eq!(key.rule_id, "TG-SEC-001");
    assert_eq!(key.severity, Severity::High);
    assert_eq!(key.path, path);
    assert_eq!(key.layer_index, layer_index);
    assert_eq!(key.layer.as_ref().unwrap().to_string(), layer_digest);
    assert!(!key.in_final_image, "layer {} whites it out", row[4]);
    assert_eq!(key.line, 1);
    assert_eq!(key.redacted, "-----BEGIN RSA PRIVATE KEY-----");
}

#[test]
fn stock_images_give_no_secret_findings() {
    let root = shared_or_skip!("images");
    let mut report = Vec::new();
    for (name, target) in shared_targets(&root) {
        let scanned = Scanned::open(&target);
        let findings: Vec<SecretFinding> = scanned
            .findings()
            .into_iter()
            // The planted key of debian-bookworm-app is the test above's.
            .filter(|f| !(name == "debian-bookworm-app" && f.path == "/root/.ssh/id_rsa"))
            .collect();
        let SecretScanStats {
            files,
            scanned: read,
            bytes,
            ..
        } = scanned.scanner.stats();
        report.push(format!(
            "{name}: {} false positives ({files} files, {read} read, {bytes} bytes)",
            findings.len()
        ));
        assert!(findings.is_empty(), "{name}: {findings:#?}");
        if name.starts_with("debian") {
            // Not vacuous: the Debian images' text files were read.
            assert!(read > 1000, "{name}: only {read} files read");
        }
    }
    #[allow(clippy::print_stderr)]
    {
        eprintln!("{}", report.join("\n"));
    }
}

/// The corpus in one layer (plus a hard link to a key), and a second layer that deletes the
/// key and replaces a `.env` file with one without secrets.
fn corpus_image() -> (tempfile::TempDir, Target) {
    let mut bottom = LayerBuilder::new();
    for file in corpus() {
        bottom = bottom.file(
            file.image_path.trim_start_matches('/'),
            &file.content,
            0o644,
        );
    }
    bottom = bottom.hardlink("root/.ssh/id_rsa.orig", "root/.ssh/id_rsa");
    let top = LayerBuilder::new().whiteout("root/.ssh/id_rsa").file(
        "srv/app/.env",
        b"APP_ENV=production\n",
        0o644,
    );
    let builder = ImageBuilder::new()
        .layer(bottom.finish(Compression::Gzip))
        .layer(top.finish(Compression::Gzip));
    let dir = tempfile::tempdir().unwrap();
    let built = builder.write_oci_layout(dir.path());
    let target = Target::OciLayout {
        path: dir.path().to_owned(),
        reference: Some(built.tag),
    };
    (dir, target)
}

type Row = (String, usize, String, u64, bool);

fn rows(findings: &[SecretFinding]) -> BTreeSet<Row> {
    findings
        .iter()
        .map(|f| {
            (
                f.path.clone(),
                f.layer_index,
                f.rule_id.clone(),
                f.line,
                f.in_final_image,
            )
        })
        .collect()
}

#[test]
fn the_corpus_in_an_image_gives_its_hits_with_layers_and_final_state() {
    let (_dir, target) = corpus_image();
    let scanned = Scanned::target(&target);
    let replaced = ["/root/.ssh/id_rsa", "/srv/app/.env"];
    let mut expected: BTreeSet<Row> = BTreeSet::new();
    for file in corpus() {
        for hit in &file.expected {
            let (rule, line) = hit.split_once(':').unwrap();
            let line: u64 = line.parse().unwrap();
            let in_final = !replaced.contains(&file.image_path.as_str());
            expected.insert((file.image_path.clone(), 0, rule.to_owned(), line, in_final));
            if file.image_path == "/root/.ssh/id_rsa" {
                // The hard link still shows the key in the final filesystem.
                expected.insert(("/root/.ssh/id_rsa.orig".into(), 0, rule.into(), line, true));
            }
        }
    }
    let findings = scanned.findings();
    assert_eq!(rows(&findings), expected);
    assert_eq!(findings.len(), expected.len(), "no duplicates");
    let bottom = &scanned.image.layers[0].digest;
    assert!(findings.iter().all(|f| f.layer.as_ref() == Some(bottom)));
    // Deterministic order: by path, layer, line, rule.
    let mut sorted = findings.clone();
    sorted.sort_by(|a, b| (&a.path, a.layer_index, a.line).cmp(&(&b.path, b.layer_index, b.line)));
    assert_eq!(findings, sorted);
    // Titles come from the rules; the reported lines are redacted.
    for finding in &findings {
        let rule = scanned.scanner.rules().rule(&finding.rule_id).unwrap();
        assert_eq!(finding.title, rule.title);
        assert_eq!(finding.severity, rule.severity);
        assert!(
            finding.redacted.contains('*')
                || finding.redacted.trim_start().starts_with("-----BEGIN"),
            "{finding:?}"
        );
    }
}

#[test]
fn a_run_disables_and_re_rates_secret_rules() {
    let (_dir, target) = corpus_image();
    let scanned = Scanned::target(&target);
    let all = scanned.findings();
    let mut overrides = RuleOverrides::default();
    overrides.disabled.insert("TG-SEC-016".into());
    overrides
        .severity
        .insert("TG-SEC-017".into(), Severity::Low);
    let adjusted = scanned.findings_with(&overrides);
    assert!(all.iter().any(|f| f.rule_id == "TG-SEC-016"));
    assert!(adjusted.iter().all(|f| f.rule_id != "TG-SEC-016"));
    assert_eq!(
        adjusted.len(),
        all.iter().filter(|f| f.rule_id != "TG-SEC-016").count()
    );
    let urls: Vec<&SecretFinding> = adjusted
        .iter()
        .filter(|f| f.rule_id == "TG-SEC-017")
        .collect();
    assert!(!urls.is_empty() && urls.iter().all(|f| f.severity == Severity::Low));
    assert!(
        all.iter()
            .filter(|f| f.rule_id == "TG-SEC-017")
            .all(|f| f.severity == Severity::High)
    );
}
