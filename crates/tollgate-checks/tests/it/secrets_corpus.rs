//! The secret corpus (`tests/data/secrets`): files written for this project, positives holding
//! fake secrets of each rule and negatives that look like them (placeholders, documentation,
//! public keys, certificates, hashes, UUIDs, base64). Every file must give exactly the hits
//! `expected.tsv` lists for it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use tollgate_checks::secrets::builtin_rules;

/// Inserted inside token-format secrets of the corpus so that no file of the repository looks
/// like a live credential to a code host's secret scanning; removed before scanning.
const DEFANG: &[u8] = b"~~";

/// One corpus file.
pub(crate) struct CorpusFile {
    /// Path under `tests/data/secrets`, e.g. `positive/TG-SEC-001/root/.ssh/id_rsa`.
    pub(crate) corpus_path: String,
    /// `positive`, `negative`.
    pub(crate) kind: String,
    /// The rule directory: `TG-SEC-001`, or `common` for general look-alikes.
    pub(crate) group: String,
    /// Where the file is in an image: `/root/.ssh/id_rsa`.
    pub(crate) image_path: String,
    /// Its content, defanging removed.
    pub(crate) content: Vec<u8>,
    /// `RULE:LINE` hits it must give.
    pub(crate) expected: BTreeSet<String>,
}

pub(crate) fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/secrets")
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs_err::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            files_under(&entry.path(), out);
        } else {
            out.push(entry.path());
        }
    }
}

fn undefang(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut rest = bytes;
    while !rest.is_empty() {
        if rest.starts_with(DEFANG) {
            rest = &rest[DEFANG.len()..];
        } else {
            out.push(rest[0]);
            rest = &rest[1..];
        }
    }
    out
}

/// Every corpus file with its expectations; panics on a file missing from `expected.tsv` or
/// an entry without its file.
pub(crate) fn corpus() -> Vec<CorpusFile> {
    let dir = corpus_dir();
    let listing = fs_err::read_to_string(dir.join("expected.tsv")).unwrap();
    let mut expected: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in listing
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let (path, hits) = line.split_once('\t').unwrap();
        let hits = match hits {
            "-" => BTreeSet::new(),
            hits => hits.split(' ').map(str::to_owned).collect(),
        };
        assert!(
            expected.insert(path.to_owned(), hits).is_none(),
            "{path} twice"
        );
    }
    let mut paths = Vec::new();
    files_under(&dir, &mut paths);
    let mut files = Vec::new();
    for path in paths {
        let corpus_path = path
            .strip_prefix(&dir)
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        if corpus_path == "expected.tsv" {
            continue;
        }
        let mut parts = corpus_path.splitn(3, '/');
        let (kind, group, rest) = (
            parts.next().unwrap().to_owned(),
            parts.next().unwrap().to_owned(),
            parts.next().unwrap(),
        );
        let expected = expected
            .remove(&corpus_path)
            .unwrap_or_else(|| panic!("{corpus_path} is not in expected.tsv"));
        files.push(CorpusFile {
            image_path: format!("/{rest}"),
            kind,
            group,
            content: undefang(&fs_err::read(&path).unwrap()),
            expected,
            corpus_path,
        });
    }
    assert!(
        expected.is_empty(),
        "expected.tsv lists missing files: {:?}",
        expected.keys()
    );
    files.sort_by(|a, b| a.corpus_path.cmp(&b.corpus_path));
    files
}

#[test]
fn every_corpus_file_gives_exactly_its_expected_hits() {
    let rules = builtin_rules();
    let mut wrong = Vec::new();
    for file in corpus() {
        let found: BTreeSet<String> = rules
            .scan(&file.image_path, &file.content)
            .iter()
            .map(|m| format!("{}:{}", m.rule, m.line))
            .collect();
        if found != file.expected {
            wrong.push(format!(
                "{}: expected {:?}, found {:?}",
                file.corpus_path, file.expected, found
            ));
        }
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}

#[test]
fn every_rule_has_at_least_two_positives_and_two_negatives() {
    let files = corpus();
    for rule in builtin_rules().rules() {
        let positives: Vec<&CorpusFile> = files
            .iter()
            .filter(|f| f.kind == "positive" && f.group == rule.id)
            .collect();
        let negatives = files
            .iter()
            .filter(|f| f.kind == "negative" && f.group == rule.id)
            .count();
        assert!(
            positives.len() >= 2,
            "{}: {} positives",
            rule.id,
            positives.len()
        );
        assert!(negatives >= 2, "{}: {negatives} negatives", rule.id);
        for positive in positives {
            assert!(
                positive
                    .expected
                    .iter()
                    .any(|hit| hit.starts_with(&format!("{}:", rule.id))),
                "{} holds no {} secret",
                positive.corpus_path,
                rule.id
            );
        }
    }
    for file in &files {
        assert!(
            file.kind == "positive" || file.expected.is_empty(),
            "negative {} expects hits",
            file.corpus_path
        );
        assert!(
            ["positive", "negative"].contains(&file.kind.as_str()),
            "{}",
            file.corpus_path
        );
    }
}

#[test]
fn reported_lines_keep_the_secret_hidden() {
    let rules = builtin_rules();
    for file in corpus().iter().filter(|f| f.kind == "positive") {
        for found in rules.scan(&file.image_path, &file.content) {
            // A PEM key is reported on its BEGIN line, which holds none of the key.
            let pem_header = found.redacted.trim_start().starts_with("-----BEGIN");
            assert!(
                pem_header || found.redacted.contains('*'),
                "{}: {}",
                file.corpus_path,
                found.redacted
            );
            // No long random-looking run of the original line (the secret) shows.
            let line = String::from_utf8_lossy(&file.content)
                .lines()
                .nth(usize::try_from(found.line).unwrap() - 1)
                .unwrap()
                .to_owned();
            for run in line.split(|c: char| !(c.is_ascii_alphanumeric() || "+/_.-".contains(c))) {
                let mixed = run.chars().any(|c| c.is_ascii_digit())
                    && run.chars().any(|c| c.is_ascii_uppercase())
                    && run.chars().any(|c| c.is_ascii_lowercase());
                assert!(
                    run.len() < 16 || !mixed || !found.redacted.contains(run),
                    "{}: `{}` shows `{run}`",
                    file.corpus_path,
                    found.redacted
                );
            }
        }
    }
}
