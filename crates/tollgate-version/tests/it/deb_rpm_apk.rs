//! The deb, rpm and apk orderings against their reference implementations, on realistic
//! versions and on mutations of them.
//!
//! - deb: libapt (`apt_pkg.version_compare`, python3-apt) orders every pair of clean versions
//!   (it agrees with dpkg there); dpkg itself (`dpkg --compare-versions`) orders the odd pairs
//!   (syntax warnings, signed or spaced epochs, non-ASCII), a sample of the clean ones, and
//!   says for every mutated or crafted string whether it is valid, with which warning, or
//!   which error; our reasons must be dpkg's words.
//! - rpm: librpm (python3-rpm): `rpm.ver()` splits (and refuses), `rpm.labelCompare()` orders,
//!   cross-checked with `rpmverCmp()` (`rpm.ver` comparisons).
//! - apk: there is no apk-tools in Debian, so apk-tools' own test vectors, plus checks on the
//!   Alpine secdb that follow from what the data means.
//!
//! Each oracle runs once per test, as one `/usr/bin/python3` process reading all requests on
//! stdin (Debian's python, where the apt packages install their modules; the `python3` first
//! on PATH may be another one).

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::{Value, json};
use tollgate_version::{Ecosystem, EcosystemVersion, apk, compare, deb, is_valid, rpm};

/// Debian's python, where python3-apt and python3-rpm install their modules.
const PYTHON: &str = "/usr/bin/python3";

/// A fixed-seed xorshift, so every run checks the same pairs.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n.max(1) as u64).unwrap()
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// One to three single-character insertions, deletions or replacements.
    fn mutate(&mut self, text: &str, alphabet: &[char]) -> String {
        let mut chars: Vec<char> = text.chars().collect();
        for _ in 0..=self.below(3) {
            let at = self.below(chars.len() + 1);
            match self.below(3) {
                0 => chars.insert(at, *self.pick(alphabet)),
                1 if at < chars.len() => {
                    chars.remove(at);
                }
                _ if at < chars.len() => chars[at] = *self.pick(alphabet),
                _ => chars.push(*self.pick(alphabet)),
            }
        }
        chars.into_iter().collect()
    }
}

/// Whether Debian's python can import `module`; under CI a missing one fails loudly.
fn python_with(module: &str, apt_package: &str) -> bool {
    let found = Path::new(PYTHON).is_file()
        && Command::new(PYTHON)
            .args(["-c", &format!("import {module}")])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
    if found {
        return true;
    }
    assert!(
        !tollgate_test::in_ci(),
        "CI=true but {PYTHON} cannot import `{module}`: .ci/run must install {apt_package}"
    );
    #[allow(clippy::print_stderr)]
    {
        eprintln!(
            "notice: skipping, {PYTHON} cannot import `{module}` (apt-get install {apt_package})"
        );
    }
    false
}

/// Runs `script` once under Debian's python with `args`, one JSON request per stdin line;
/// returns one JSON answer per request.
fn oracle(script: &str, args: &[&str], requests: &[Value]) -> Vec<Value> {
    let mut child = Command::new(PYTHON)
        .arg("-c")
        .arg(script)
        .args(args)
        .env("LC_ALL", "C")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = String::new();
    for request in requests {
        input.push_str(&request.to_string());
        input.push('\n');
    }
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(
        output.status.success(),
        "the oracle failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let answers: Vec<Value> = stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    answers
}

fn sign(order: Ordering) -> i64 {
    match order {
        Ordering::Less => -1,
        Ordering::Equal => 0,
        Ordering::Greater => 1,
    }
}

fn print_and_check(ecosystem: &str, summary: &str, disagreements: &[String]) {
    #[allow(clippy::print_stderr)]
    {
        eprintln!(
            "{ecosystem}: {summary}; {} disagreements",
            disagreements.len()
        );
    }
    assert!(
        disagreements.is_empty(),
        "{ecosystem}: {summary}; {} disagreements:\n{}",
        disagreements.len(),
        disagreements
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// Pairs to check: neighbours in our order, random pairs, each mutation against its source and
/// against a random version, and every pair of the crafted cases.
fn pairs<V: EcosystemVersion>(
    random: &mut Random,
    corpus: &[String],
    crafted: &[&str],
    mutations: &[(String, String)],
    random_pairs: usize,
) -> Vec<(String, String)> {
    let mut sorted: Vec<(&String, V)> = corpus
        .iter()
        .filter_map(|text| V::parse(text).ok().map(|version| (text, version)))
        .collect();
    sorted.sort_by(|a, b| a.1.cmp(&b.1));
    let mut pairs: Vec<(String, String)> = sorted
        .windows(2)
        .map(|pair| (pair[0].0.clone(), pair[1].0.clone()))
        .collect();
    for _ in 0..random_pairs {
        pairs.push((random.pick(corpus).clone(), random.pick(corpus).clone()));
    }
    for (source, mutated) in mutations {
        pairs.push((source.clone(), mutated.clone()));
        pairs.push((mutated.clone(), random.pick(corpus).clone()));
    }
    for a in crafted {
        for b in crafted {
            pairs.push(((*a).to_owned(), (*b).to_owned()));
        }
    }
    pairs
}

// ---------------------------------------------------------------------------------------------
// deb

const DEB_ORACLE: &str = r#"
import glob, json, os, subprocess, sys
from concurrent.futures import ThreadPoolExecutor
import apt_pkg
apt_pkg.init_system()

if sys.argv[1:] == ['corpus']:
    # Every Version (and Source version) in the apt lists, whatever their compression.
    found = set()
    for path in sorted(glob.glob('/var/lib/apt/lists/*_Packages*')):
        with apt_pkg.TagFile(path) as tags:
            for section in tags:
                if section.get('Version'):
                    found.add(section['Version'])
                source = section.get('Source') or ''
                if '(' in source:
                    found.add(source.split('(', 1)[1].rstrip(')').strip())
    for version in sorted(found):
        print(json.dumps(version))
    sys.exit(0)

def dpkg(*args):
    run = subprocess.run(['dpkg', '--compare-versions', '--', *args], capture_output=True)
    return run.returncode, run.stderr.decode('utf-8', 'replace')

def syntax(stderr):
    at = stderr.find('has bad syntax: ')
    return stderr[at + 16:].split('\n', 1)[0] if at >= 0 else stderr.strip()

def ask_dpkg(request):
    kind, a = request[0], request[1]
    if kind == 'valid':
        rc, err = dpkg(a, 'eq', a)
        if rc == 0:
            return 'warning: ' + syntax(err) if 'warning:' in err else 'ok'
        if rc == 2 and 'error:' in err:
            return 'error: ' + syntax(err)
        return 'unexpected: %d %s' % (rc, err)
    b = request[2]
    rc, err = dpkg(a, 'lt', b)
    if rc == 0:
        return -1
    if rc != 1:
        return 'unexpected: %d %s' % (rc, err)
    rc, err = dpkg(a, 'eq', b)
    return 0 if rc == 0 else 1 if rc == 1 else 'unexpected: %d %s' % (rc, err)

requests = [json.loads(line) for line in sys.stdin.buffer.read().split(b'\n') if line]
answers = [None] * len(requests)
for i, request in enumerate(requests):
    if request[0] == 'apt':
        result = apt_pkg.version_compare(request[1], request[2])
        answers[i] = (result > 0) - (result < 0)
asked = [i for i, request in enumerate(requests) if request[0] != 'apt']
with ThreadPoolExecutor(4) as pool:
    for i, answer in zip(asked, pool.map(lambda i: ask_dpkg(requests[i]), asked)):
        answers[i] = answer
for answer in answers:
    print(json.dumps(answer))
"#;

/// Strings on which libapt and dpkg are known to agree: no dpkg warning, ASCII, no blanks,
/// and an epoch (if any) of plain digits (libapt compares the epoch text as a version
/// fragment, so `+1:` or `\n1:` would differ from dpkg's `strtol()`).
fn deb_clean(text: &str, version: &deb::Version) -> bool {
    version.warning().is_none()
        && text.bytes().all(|b| b.is_ascii_graphic())
        && text
            .split_once(':')
            .is_none_or(|(epoch, _)| !epoch.is_empty() && epoch.bytes().all(|b| b.is_ascii_digit()))
}

/// What dpkg says of a version, in the oracle's words.
fn deb_verdict(text: &str) -> String {
    match deb::Version::parse(text) {
        Ok(version) => match version.warning() {
            Some(warning) => format!("warning: {warning}"),
            None => "ok".to_owned(),
        },
        Err(reason) => format!("error: {reason}"),
    }
}

const DEB_CRAFTED: &[&str] = &[
    "1.0",
    "1.0-1",
    "1:1.0",
    "0:1.0",
    "00:1.0",
    "1.0~rc1",
    "1.0~",
    "1.0~~",
    "1.0~~a",
    "1.0+b1",
    "1.0a",
    "1.0A",
    "1.0.",
    "1..0",
    "1.0-0",
    "1.0-0.1",
    "1.0-1-1",
    "1.0-a",
    "1:1.0-~",
    "1.0-",
    "-",
    "-1",
    "2:-1",
    "1:",
    ":1",
    "a:1",
    "+:1",
    "+1:1.0",
    "-0:1.0",
    "-1:1.0",
    "1a:1.0",
    "2147483647:1",
    "2147483648:1",
    "99999999999999999999999:1",
    "1:2:3",
    "1:2-3:4",
    "1-2:3",
    "a",
    "a1",
    "A1",
    "~",
    "~1",
    "+1",
    ".1",
    "1_0",
    "1.0-1_0",
    "1 0",
    " 1.0",
    "1.0 ",
    "\t1.0\t",
    "1.0\n",
    "\n1:1.0",
    "\u{b}1:1.0",
    "\r2:1",
    "1.0\u{e9}",
    "1.0\u{ff}",
    "1.0\u{2028}",
    "1.99999999999999999999999",
    "1.99999999999999999999998",
    "1.0000000000000000000001",
    "1,0",
    "1.0!",
    "1.0@",
    "1.0/1",
    "1.0=",
    "1.0%",
    "1.0^",
    "0",
    "00",
    "1.0z",
    "1.0Z",
    "2:9.0.1378-2",
    "1:2.36-9+deb12u4",
    "2.36-9+deb12u7",
];

const DEB_ALPHABET: &[char] = &[
    '~', '^', '+', '-', '.', ':', '_', '0', '1', '2', '9', 'a', 'b', 'z', 'A', 'Z', ' ', '\t', '!',
    '\u{e9}',
];

/// Versions from this machine's dpkg status (Version and Source versions).
fn dpkg_status_versions() -> Vec<String> {
    let status = fs_err::read_to_string("/var/lib/dpkg/status").unwrap_or_default();
    let mut found = Vec::new();
    for line in status.lines() {
        if let Some(version) = line.strip_prefix("Version: ") {
            found.push(version.trim().to_owned());
        } else if let Some(source) = line.strip_prefix("Source: ")
            && let Some((_, version)) = source.split_once('(')
        {
            found.push(version.trim_end_matches(')').trim().to_owned());
        }
    }
    found
}

/// Versions and `(point release, fixed, security)` triples from the Debian-derived OSV sets.
fn debian_osv(dir: &Path) -> (Vec<String>, Vec<[String; 3]>) {
    let mut versions = Vec::new();
    let mut facts = Vec::new();
    for release in ["bookworm", "trixie"] {
        let file = fs_err::File::open(dir.join(release).join("all.zip")).unwrap();
        let mut archive = zip::ZipArchive::new(file).unwrap();
        for index in 0..archive.len() {
            let mut text = String::new();
            archive
                .by_index(index)
                .unwrap()
                .read_to_string(&mut text)
                .unwrap();
            let record: Value = serde_json::from_str(&text).unwrap();
            let text_at = |pointer: &str| record.pointer(pointer).and_then(Value::as_str);
            for affected in record["affected"].as_array().into_iter().flatten() {
                for range in affected["ranges"].as_array().into_iter().flatten() {
                    for event in range["events"].as_array().into_iter().flatten() {
                        for key in ["introduced", "fixed", "last_affected"] {
                            if let Some(version) = event[key].as_str() {
                                versions.push(version.to_owned());
                            }
                        }
                    }
                }
            }
            let specific = [
                "/database_specific/point_release_version",
                "/database_specific/security_version",
                "/database_specific/mentioned_in_version",
            ];
            versions.extend(
                specific
                    .iter()
                    .filter_map(|p| text_at(p))
                    .map(str::to_owned),
            );
            if let (Some(point), Some(fixed), Some(security)) = (
                text_at(specific[0]),
                text_at("/affected/0/ranges/0/events/1/fixed"),
                text_at(specific[1]),
            ) {
                facts.push([point.to_owned(), fixed.to_owned(), security.to_owned()]);
            }
        }
    }
    (versions, facts)
}

/// The `version` and `source_version` columns of an image's expected packages.
fn expected_versions(packages_tsv: &Path) -> Vec<String> {
    let text = fs_err::read_to_string(packages_tsv).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split('\t').collect();
    let columns: Vec<usize> = ["version", "source_version"]
        .iter()
        .filter_map(|name| header.iter().position(|column| column == name))
        .collect();
    let mut found = Vec::new();
    for line in lines {
        let cells: Vec<&str> = line.split('\t').collect();
        found.extend(
            columns
                .iter()
                .filter_map(|&column| cells.get(column))
                .filter(|cell| !cell.is_empty())
                .map(|cell| (*cell).to_owned()),
        );
    }
    found
}

#[test]
fn deb_agrees_with_dpkg_and_libapt() {
    tollgate_test::tool_or_skip!("dpkg");
    if !python_with("apt_pkg", "python3-apt") {
        return;
    }
    let Some(osv) = tollgate_test::shared("data/osv/Debian-derived") else {
        return;
    };
    let Some(images) = tollgate_test::shared("images/expected") else {
        return;
    };

    // The corpus: apt lists (when `apt-get update` has run), this machine's dpkg status, the
    // Debian-derived advisories and the test images' packages.
    let mut corpus: BTreeSet<String> = oracle(DEB_ORACLE, &["corpus"], &[])
        .into_iter()
        .filter_map(|version| version.as_str().map(str::to_owned))
        .collect();
    let from_lists = corpus.len();
    corpus.extend(dpkg_status_versions());
    let (osv_versions, osv_facts) = debian_osv(&osv);
    corpus.extend(osv_versions);
    for image in [
        "debian-bookworm-app",
        "debian-trixie-slim",
        "distroless-bookworm",
    ] {
        corpus.extend(expected_versions(&images.join(image).join("packages.tsv")));
    }
    let corpus: Vec<String> = corpus.into_iter().collect();
    let mut disagreements: Vec<String> = corpus
        .iter()
        .filter(|text| deb::Version::parse(text).is_err())
        .map(|text| format!("real version {text:?} refused: {}", deb_verdict(text)))
        .collect();

    let mut random = Random(0x0dfa_9d3b_7c51_2e41);
    let mutations: Vec<(String, String)> = (0..1500)
        .map(|_| {
            let source = random.pick(&corpus).clone();
            let mutated = random.mutate(&source, DEB_ALPHABET);
            (source, mutated)
        })
        .collect();
    let mut pairs = pairs::<deb::Version>(&mut random, &corpus, DEB_CRAFTED, &mutations, 8000);
    for [point, fixed, security] in &osv_facts {
        pairs.push((point.clone(), fixed.clone()));
        pairs.push((fixed.clone(), security.clone()));
    }

    // Who answers what: libapt the clean pairs, dpkg the rest (and a sample of the clean).
    let mut requests = Vec::new();
    let mut asked: Vec<(String, String)> = Vec::new();
    let (mut by_apt, mut by_dpkg) = (0, 0);
    for (a, b) in &pairs {
        let (Ok(x), Ok(y)) = (deb::Version::parse(a), deb::Version::parse(b)) else {
            continue;
        };
        let clean = deb_clean(a, &x) && deb_clean(b, &y);
        if clean {
            requests.push(json!(["apt", a, b]));
            asked.push((a.clone(), b.clone()));
            by_apt += 1;
        }
        if (!clean && by_dpkg < 1200) || (clean && random.below(100) == 0) {
            requests.push(json!(["dpkg", a, b]));
            asked.push((a.clone(), b.clone()));
            by_dpkg += 1;
        }
    }
    // Validity: every crafted and mutated string and a sample of the real ones; dpkg's
    // --compare-versions reads "" and "<unknown>" as "no version", so those are left out.
    let mut texts: BTreeSet<&str> = DEB_CRAFTED.iter().copied().collect();
    texts.extend(mutations.iter().map(|(_, mutated)| mutated.as_str()));
    texts.extend((0..300).map(|_| random.pick(&corpus).as_str()));
    texts.retain(|text| !text.is_empty() && *text != "<unknown>" && !text.contains('\0'));
    let validity_from = requests.len();
    requests.extend(texts.iter().map(|text| json!(["valid", text])));

    let answers = oracle(DEB_ORACLE, &[], &requests);
    assert_eq!(answers.len(), requests.len(), "one answer per request");
    for ((a, b), (request, answer)) in asked.iter().zip(requests.iter().zip(&answers)) {
        let ours = sign(compare(Ecosystem::Deb, a, b).unwrap());
        if answer.as_i64() != Some(ours) {
            disagreements.push(format!(
                "{a:?} vs {b:?}: ours {ours}, {} {answer}",
                request[0]
            ));
        }
    }
    for (text, answer) in texts.iter().zip(&answers[validity_from..]) {
        let ours = deb_verdict(text);
        if answer.as_str() != Some(ours.as_str()) {
            disagreements.push(format!("{text:?}: ours {ours:?}, dpkg {answer}"));
        }
    }
    // The advisories' own meaning: the point release is older than the fix, which is no newer
    // than the security upload.
    for [point, fixed, security] in &osv_facts {
        let order = |a: &str, b: &str| compare(Ecosystem::Deb, a, b).ok();
        if order(point, fixed) != Some(Ordering::Less)
            || order(fixed, security) == Some(Ordering::Greater)
        {
            disagreements.push(format!(
                "advisory order {point} < {fixed} <= {security} broken"
            ));
        }
    }
    print_and_check(
        "deb",
        &format!(
            "{} versions ({from_lists} from apt lists), {} pairs checked ({by_apt} by libapt, {by_dpkg} by dpkg), {} validity verdicts by dpkg, {} advisory orderings",
            corpus.len(),
            by_apt + by_dpkg,
            texts.len(),
            osv_facts.len()
        ),
        &disagreements,
    );
}

// ---------------------------------------------------------------------------------------------
// rpm

const RPM_ORACLE: &str = r#"
import json, sys
import rpm

def split(text):
    # rpm.ver() is rpmverParse(); labelCompare() builds with rpmverNew(), which also refuses
    # an empty version: valid is what both accept.
    try:
        version = rpm.ver(text)
        parts = (version.e, version.v, version.r)
        rpm.labelCompare(parts, parts)
    except Exception as error:
        return None, str(error)
    return version, list(parts)

def sign(n):
    return (n > 0) - (n < 0)

for line in sys.stdin.buffer.read().split(b'\n'):
    if not line:
        continue
    request = json.loads(line)
    if request[0] == 'split':
        print(json.dumps(split(request[1])[1]))
        continue
    (a, ta), (b, tb) = split(request[1]), split(request[2])
    if a is None or b is None:
        print(json.dumps('invalid'))
        continue
    label = sign(rpm.labelCompare(tuple(ta), tuple(tb)))
    ver = -1 if a < b else 1 if a > b else 0 if a == b else 'unordered'
    print(json.dumps(label if label == ver else 'labelCompare %s but rpmverCmp %s' % (label, ver)))
"#;

const RPM_CRAFTED: &[&str] = &[
    "1.0",
    "1.0-1",
    "1:1.0-1",
    "0:1.0-1",
    "01:1.0-1",
    ":1.0",
    "1:",
    "-1",
    "1.0-",
    "1:-",
    "-",
    ":",
    "::",
    "a:1.0",
    "1a:1.0",
    "1-2:3",
    "1:2:3",
    "1-2-3",
    "1.0^",
    "1.0^git1",
    "1.0^^",
    "1.0~rc1",
    "1.0~",
    "1.0~~",
    "1.0~rc1^git1",
    "1.0^git1~rc1",
    "1.0.",
    "1..0",
    "1_0",
    "1.0a",
    "1.0A",
    "a",
    "A",
    "~",
    "^",
    ".",
    "+",
    "1.0+",
    "1.0 ",
    " 1.0",
    "1 0",
    "\t1",
    "1.0\u{e9}",
    "\u{e9}",
    "99999999999999999999999",
    "99999999999999999999999:1",
    "1.99999999999999999999999",
    "1.00000000000000000000001",
    "2.35-2.cm2",
    "1:3.0.0-8.azl3",
    "2.32.1-42.el8_8",
];

const RPM_ALPHABET: &[char] = &[
    '~', '^', '+', '-', '.', ':', '_', '0', '1', '2', '9', 'a', 'b', 'z', 'A', 'Z', ' ', '\u{e9}',
];

#[test]
fn rpm_agrees_with_librpm() {
    if !python_with("rpm", "python3-rpm") {
        return;
    }
    let Some(images) = tollgate_test::shared("images/expected") else {
        return;
    };
    let Some(manifest) = tollgate_test::shared(
        "fixtures/trivy/rpm/mariner-distroless-manifest/container-manifest-2",
    ) else {
        return;
    };
    // The corpus: the EVRs rpm reads from the fixture databases (extracted once, see
    // tests/data/extract-rpm-evr.py), the test images' packages, and the rpm manifest.
    let committed = include_str!("../data/rpm-evr-corpus.txt");
    let mut corpus: BTreeSet<String> = committed
        .lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .map(str::to_owned)
        .collect();
    for image in ["rpm-sqlite", "rpm-ndb", "rpm-bdb"] {
        corpus.extend(expected_versions(&images.join(image).join("packages.tsv")));
    }
    for line in fs_err::read_to_string(manifest).unwrap().lines() {
        // name, version-release, ..., epoch (column 9).
        let cells: Vec<&str> = line.split('\t').collect();
        if let (Some(vr), Some(epoch)) = (cells.get(1), cells.get(8)) {
            corpus.insert(if *epoch == "0" {
                (*vr).to_owned()
            } else {
                format!("{epoch}:{vr}")
            });
        }
    }
    let corpus: Vec<String> = corpus.into_iter().collect();

    let mut random = Random(0x51ed_2701_93a4_c6b5);
    let mutations: Vec<(String, String)> = (0..2500)
        .map(|_| {
            let source = random.pick(&corpus).clone();
            let mutated = random.mutate(&source, RPM_ALPHABET);
            (source, mutated)
        })
        .collect();
    let pairs = pairs::<rpm::Version>(&mut random, &corpus, RPM_CRAFTED, &mutations, 8000);
    let mut texts: BTreeSet<&str> = corpus.iter().map(String::as_str).collect();
    texts.extend(RPM_CRAFTED);
    texts.extend(mutations.iter().map(|(_, mutated)| mutated.as_str()));
    texts.insert("");

    let mut requests: Vec<Value> = texts.iter().map(|text| json!(["split", text])).collect();
    requests.extend(pairs.iter().map(|(a, b)| json!(["cmp", a, b])));
    let answers = oracle(RPM_ORACLE, &[], &requests);
    assert_eq!(answers.len(), requests.len(), "one answer per request");

    let mut disagreements = Vec::new();
    for (text, answer) in texts.iter().zip(&answers) {
        let ours = match rpm::Version::parse(text) {
            Ok(version) => json!([version.epoch(), version.version(), version.release()]),
            Err(_) => Value::Null,
        };
        let theirs = if answer.is_array() {
            answer
        } else {
            &Value::Null
        };
        if &ours != theirs {
            disagreements.push(format!("{text:?}: ours {ours}, rpm.ver {answer}"));
        }
    }
    let mut ordered = 0;
    for ((a, b), answer) in pairs.iter().zip(&answers[texts.len()..]) {
        let ours = compare(Ecosystem::Rpm, a, b).ok().map(sign);
        let theirs = answer.as_i64();
        if ours != theirs {
            disagreements.push(format!("{a:?} vs {b:?}: ours {ours:?}, librpm {answer}"));
        }
        ordered += usize::from(theirs.is_some());
    }
    print_and_check(
        "rpm",
        &format!(
            "{} versions, {ordered} pairs ordered by rpm.labelCompare and rpmverCmp ({} pairs in all), {} splits by rpm.ver",
            corpus.len(),
            pairs.len(),
            texts.len()
        ),
        &disagreements,
    );
}

// ---------------------------------------------------------------------------------------------
// apk

/// The secfixes versions of every branch and repository of the Alpine secdb.
fn secdb_versions(secdb: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut found: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut branches: Vec<_> = fs_err::read_dir(secdb)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .collect();
    branches.sort();
    for branch in branches {
        for repo in ["main", "community"] {
            let text = fs_err::read_to_string(branch.join(format!("{repo}.json"))).unwrap();
            let document: Value = serde_json::from_str(&text).unwrap();
            for package in document["packages"].as_array().into_iter().flatten() {
                let name = package["pkg"]["name"].as_str().unwrap_or_default();
                for version in package["pkg"]["secfixes"].as_object().into_iter().flatten() {
                    found
                        .entry(version.0.clone())
                        .or_default()
                        .insert(format!("{}/{repo} {name}", branch.display()));
                }
            }
        }
    }
    found
}

/// The secfixes versions apk refuses: each breaks `digit{.digit}...{letter}{_suf{#}}...{-r#}`
/// (a `.` before `-r`, `.r2` as a number, a revision without `r`, a digit after the letter).
const SECDB_MALFORMED: &[&str] = &[
    "0.12.5.-r0",
    "0.8.21.r2",
    "1.0.4.-r0",
    "1.11-20-r0",
    "1.18.-r2",
    "1.7.5.-r1",
    "10.2.22.r0",
    "10.2.24.r0",
    "10.2.26.r0",
    "2.15.r-r1",
    "2.7.16-33",
    "4.10-1-r1",
    "4.8.0.-r1",
    "57-1-r2",
    "6.6.2p1-r0",
];

#[test]
fn apk_agrees_with_apk_tools_vectors_and_the_secdb() {
    let Some(secdb) = tollgate_test::shared("data/alpine-secdb") else {
        return;
    };
    let Some(images) = tollgate_test::shared("images/expected") else {
        return;
    };
    let Some(trivy) = tollgate_test::shared("fixtures/trivy/apk") else {
        return;
    };
    let mut disagreements = Vec::new();

    // apk-tools' test vectors, as far as the public interface goes: `a < b`, `a = b`, `a > b`
    // between valid versions, and validity. (The unit tests in src/apk.rs run every line,
    // fuzzy `~` matches and comparisons of invalid strings included.)
    let (mut vector_pairs, mut vector_validity) = (0, 0);
    for line in include_str!("../data/apk-tools-version.data").lines() {
        let line = line.split('#').next().unwrap_or_default().trim();
        match line.split(' ').collect::<Vec<_>>()[..] {
            [a, op @ ("<" | "=" | ">"), b]
                if is_valid(Ecosystem::Apk, a) && is_valid(Ecosystem::Apk, b) =>
            {
                let expected = match op {
                    "<" => Ordering::Less,
                    "=" => Ordering::Equal,
                    _ => Ordering::Greater,
                };
                let ours = compare(Ecosystem::Apk, a, b).unwrap();
                if ours != expected || compare(Ecosystem::Apk, b, a).unwrap() != expected.reverse()
                {
                    disagreements.push(format!("apk-tools: {a} {op} {b}, ours {ours:?}"));
                }
                vector_pairs += 1;
            }
            [version] if !version.is_empty() => {
                let (valid, version) = match version.strip_prefix('!') {
                    Some(version) => (false, version),
                    None => (true, version),
                };
                if is_valid(Ecosystem::Apk, version) != valid {
                    disagreements.push(format!("apk-tools: {version:?} valid is {valid}"));
                }
                vector_validity += 1;
            }
            _ => {}
        }
    }

    // The secdb: every fixed version is valid apart from the malformed ones.
    let secdb = secdb_versions(&secdb);
    let refused: Vec<&str> = secdb
        .keys()
        .map(String::as_str)
        .filter(|version| !is_valid(Ecosystem::Apk, version))
        .collect();
    if refused != SECDB_MALFORMED {
        disagreements.push(format!("secdb versions refused: {refused:?}"));
    }
    let mut installed: Vec<String> = Vec::new();
    for image in ["alpine", "alpine-3.18"] {
        installed.extend(expected_versions(&images.join(image).join("packages.tsv")));
    }
    for case in ["installed", "installed-usr-lib"] {
        let db = fs_err::read_to_string(trivy.join(case).join("installed")).unwrap();
        installed.extend(
            db.lines()
                .filter_map(|line| line.strip_prefix("V:"))
                .map(str::to_owned),
        );
    }
    for version in &installed {
        if !is_valid(Ecosystem::Apk, version) {
            disagreements.push(format!("installed version {version:?} refused"));
        }
    }

    // What the data means: "0" is "never affected", older than every real version; the
    // README's facts (openssl on 3.10, musl on 3.10 and 3.11).
    let mut facts = vec![
        ("1.1.1c-r0".to_owned(), "1.1.1d-r0".to_owned()),
        ("1.1.22-r2".to_owned(), "1.1.22-r3".to_owned()),
        ("1.1.23-r1".to_owned(), "1.1.23-r2".to_owned()),
        ("1.1.22-r3".to_owned(), "1.1.23-r2".to_owned()),
    ];
    let valid: Vec<&String> = secdb
        .keys()
        .filter(|v| is_valid(Ecosystem::Apk, v))
        .collect();
    facts.extend(
        valid
            .iter()
            .filter(|version| version.as_str() != "0")
            .map(|version| ("0".to_owned(), (*version).clone())),
    );
    for (older, newer) in &facts {
        if compare(Ecosystem::Apk, older, newer).ok() != Some(Ordering::Less) {
            disagreements.push(format!("expected {older} < {newer}"));
        }
    }

    // A total order on the real versions and their mutations: sorting agrees with every
    // comparison between neighbours, and triples are transitive.
    let mut random = Random(0x2545_f491_4f6c_dd1d);
    let mut texts: Vec<String> = valid.iter().map(|v| (*v).clone()).collect();
    texts.extend(installed);
    let alphabet = ['.', '_', '-', 'r', '~', 'a', 'p', '0', '1', '9', 'f'];
    let mutated: Vec<String> = (0..3000)
        .map(|_| {
            let source = random.pick(&texts).clone();
            random.mutate(&source, &alphabet)
        })
        .filter(|text| is_valid(Ecosystem::Apk, text))
        .collect();
    texts.extend(mutated);
    let mut sorted: Vec<apk::Version> = texts
        .iter()
        .filter_map(|text| apk::Version::parse(text).ok())
        .collect();
    sorted.sort();
    let mut order_checks = 0;
    for pair in sorted.windows(2) {
        if pair[0].cmp(&pair[1]) == Ordering::Greater || pair[1].cmp(&pair[0]) == Ordering::Less {
            disagreements.push(format!("not sorted: {pair:?}"));
        }
        order_checks += 1;
    }
    for _ in 0..5000 {
        let (a, b, c) = (
            random.pick(&texts),
            random.pick(&texts),
            random.pick(&texts),
        );
        tollgate_version::properties::check_triple(Ecosystem::Apk, a, b, c);
        order_checks += 3;
    }

    print_and_check(
        "apk",
        &format!(
            "{vector_pairs} pairs and {vector_validity} validity lines of apk-tools' test vectors, {} secdb versions ({} refused as malformed), {} orderings the data implies, {order_checks} total-order checks on {} valid versions",
            secdb.len(),
            refused.len(),
            facts.len(),
            sorted.len()
        ),
        &disagreements,
    );
}
