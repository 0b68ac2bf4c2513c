//! Differential tests of `pep440`, `semver` (npm), `cargo` and `go` against their reference
//! implementations, on realistic versions (OSV advisories in `../shared`, an npm registry
//! corpus in `tests/data`), their sorted neighbours, and mutations of them.
//!
//! The oracles:
//! - pep440: Python's `packaging.version.Version`, run by the `python3` on PATH (CI: the
//!   Debian machine's, with `python3 -m pip install --break-system-packages packaging`);
//! - semver: node-semver's `SemVer` under `node` (`$TOLLGATE_NODE_SEMVER`, or `semver` found
//!   through NODE_PATH, which starts with `/usr/share/nodejs`: Debian's `node-semver`);
//! - cargo: the `semver` crate itself, in process;
//! - go: `golang.org/x/mod/semver` from Debian's `golang-golang-x-mod-dev` (GOPATH mode, with
//!   `/usr/share/gocode` as GOPATH), run by `go run`.
//!
//! Each external oracle runs once per ecosystem over every pair: it reads one JSON array
//! `["a","b"]` per line (JSON rather than `a\tb`, so that whitespace around versions, which
//! the references trim differently, can be tested too) and prints, after one line naming
//! itself, `<`, `=`, `>`, or `invalid a` / `invalid b` / `invalid ab` per pair.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use tollgate_version::EcosystemVersion;

/// Deterministic pseudo-random numbers (xorshift64), so every run checks the same pairs.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a>(&mut self, items: &'a [String]) -> &'a str {
        &items[self.below(items.len())]
    }
}

const MUTATION_ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz.-+_~^vV";

/// One to three random edits: insert, delete or replace a character from the alphabet, or
/// upper-case one (PEP 440 ignores case, the others do not).
fn mutate(rng: &mut XorShift, text: &str) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for _ in 0..=rng.below(3) {
        let new = char::from(MUTATION_ALPHABET[rng.below(MUTATION_ALPHABET.len())]);
        match rng.below(4) {
            0 => {
                let at = rng.below(chars.len() + 1);
                chars.insert(at, new);
            }
            1 if !chars.is_empty() => {
                let at = rng.below(chars.len());
                chars.remove(at);
            }
            2 if !chars.is_empty() => {
                let at = rng.below(chars.len());
                chars[at] = new;
            }
            _ if !chars.is_empty() => {
                let at = rng.below(chars.len());
                chars[at] = chars[at].to_ascii_uppercase();
            }
            _ => chars.push(new),
        }
    }
    chars.into_iter().collect()
}

/// Every version string in an OSV `all.zip`: `affected[].versions` and the range events.
fn osv_versions(zip_path: &Path) -> Vec<String> {
    let file = fs_err::File::open(zip_path).unwrap();
    let mut archive = zip::ZipArchive::new(file).unwrap();
    let mut versions = BTreeSet::new();
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).unwrap();
        if !entry.name().ends_with(".json") {
            continue;
        }
        let mut text = String::new();
        entry.read_to_string(&mut text).unwrap();
        let record: serde_json::Value = serde_json::from_str(&text).unwrap();
        for affected in record["affected"].as_array().into_iter().flatten() {
            for version in affected["versions"].as_array().into_iter().flatten() {
                versions.extend(version.as_str().map(str::to_owned));
            }
            for range in affected["ranges"].as_array().into_iter().flatten() {
                for event in range["events"].as_array().into_iter().flatten() {
                    for key in ["introduced", "fixed", "last_affected", "limit"] {
                        versions.extend(event[key].as_str().map(str::to_owned));
                    }
                }
            }
        }
    }
    versions.into_iter().collect()
}

/// The pairs to check: sorted neighbours of the valid versions (the closest calls), random
/// pairs, mutations against their original and a random version, and the hand-written cases
/// against each other and against random versions.
fn pairs<V: EcosystemVersion>(
    corpus: &[String],
    extra: &[&str],
    seed: u64,
) -> Vec<(String, String)> {
    let mut rng = XorShift(seed);
    let mut set = BTreeSet::new();
    let mut valid: Vec<(&String, V)> = corpus
        .iter()
        .filter_map(|text| V::parse(text).ok().map(|version| (text, version)))
        .collect();
    valid.sort_by(|a, b| a.1.cmp(&b.1));
    for window in valid.windows(3) {
        set.insert((window[0].0.clone(), window[1].0.clone()));
        set.insert((window[2].0.clone(), window[0].0.clone()));
    }
    for _ in 0..4000 {
        set.insert((rng.pick(corpus).to_owned(), rng.pick(corpus).to_owned()));
    }
    for _ in 0..6000 {
        let original = rng.pick(corpus);
        let mutated = mutate(&mut rng, original);
        set.insert((mutated.clone(), original.to_owned()));
        set.insert((rng.pick(corpus).to_owned(), mutated));
    }
    for a in extra {
        for b in extra {
            set.insert(((*a).to_owned(), (*b).to_owned()));
        }
        for _ in 0..5 {
            set.insert(((*a).to_owned(), rng.pick(corpus).to_owned()));
        }
    }
    set.into_iter().collect()
}

fn symbol(ordering: std::cmp::Ordering) -> &'static str {
    match ordering {
        std::cmp::Ordering::Less => "<",
        std::cmp::Ordering::Equal => "=",
        std::cmp::Ordering::Greater => ">",
    }
}

/// Our answer, in the oracles' words.
fn ours<V: EcosystemVersion>(a: &str, b: &str) -> String {
    match (V::parse(a), V::parse(b)) {
        (Ok(a), Ok(b)) => symbol(a.cmp(&b)).to_owned(),
        (a, b) => format!(
            "invalid {}{}",
            if a.is_err() { "a" } else { "" },
            if b.is_err() { "b" } else { "" }
        ),
    }
}

/// Exit status of an oracle whose reference library is not installed.
const MISSING_LIBRARY: i32 = 3;

/// Run `command` once over all pairs; its name line and one answer per pair. `None` (after a
/// notice) when its reference library is missing outside CI.
fn run_oracle(mut command: Command, pairs: &[(String, String)]) -> Option<(String, Vec<String>)> {
    let mut input = String::new();
    for (a, b) in pairs {
        input.push_str(&serde_json::to_string(&[a, b]).unwrap());
        input.push('\n');
    }
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().unwrap();
    // A write error (a broken pipe) means the oracle stopped early: its status says why.
    let written = writer.join().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    if output.status.code() == Some(MISSING_LIBRARY) {
        assert!(
            !tollgate_test::in_ci(),
            "CI=true but the oracle's library is missing: {stderr}"
        );
        #[allow(clippy::print_stderr)]
        {
            eprintln!("notice: skipping, {stderr}");
        }
        return None;
    }
    assert!(
        output.status.success(),
        "oracle failed ({}): {stderr}",
        output.status
    );
    written.unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let mut lines = stdout.lines().map(str::to_owned);
    let name = lines.next().unwrap_or_default();
    let answers: Vec<String> = lines.collect();
    assert_eq!(
        answers.len(),
        pairs.len(),
        "the oracle answered {} of {} pairs",
        answers.len(),
        pairs.len()
    );
    Some((name, answers))
}

/// Compare our answers with the oracle's; print the count, fail on any disagreement.
fn check<V: EcosystemVersion>(
    ecosystem: &str,
    oracle: &str,
    pairs: &[(String, String)],
    answers: &[String],
) {
    let mut disagreements = Vec::new();
    for ((a, b), theirs) in pairs.iter().zip(answers) {
        let mine = ours::<V>(a, b);
        if &mine != theirs {
            let describe = |text: &str| match V::parse(text) {
                Ok(version) => version.explain(),
                Err(reason) => format!("invalid: {reason}"),
            };
            disagreements.push(format!(
                "  {a:?} vs {b:?}: reference {theirs}, ours {mine}\n    {a:?}: {}\n    {b:?}: {}",
                describe(a),
                describe(b)
            ));
        }
    }
    let count = |answer: &str| {
        answers
            .iter()
            .filter(|theirs| theirs.as_str() == answer)
            .count()
    };
    #[allow(clippy::print_stderr)]
    {
        eprintln!(
            "{ecosystem}: {} pairs checked against {oracle} ({} <, {} =, {} >, {} with an invalid version), {} disagreements",
            pairs.len(),
            count("<"),
            count("="),
            count(">"),
            answers
                .iter()
                .filter(|theirs| theirs.starts_with("invalid"))
                .count(),
            disagreements.len()
        );
    }
    assert!(
        disagreements.is_empty(),
        "{ecosystem}: {} of {} pairs disagree with {oracle}:\n{}",
        disagreements.len(),
        pairs.len(),
        disagreements
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

const PEP440_CASES: &[&str] = &[
    "1.0",
    "1.0.0",
    "1",
    "0",
    "0.0",
    "00",
    " 1.0 ",
    "\t1.0\n",
    "\r\n1.0\x0b\x0c",
    "\u{1c}1.0\u{1f}",
    "1.0\u{85}",
    "\u{a0}1.0\u{2028}",
    "1.0\u{feff}",
    "\u{3000}1.0\u{200b}",
    "v1.0",
    "V1.0",
    "vv1.0",
    "v 1.0",
    "1.0-foo-bar",
    "1.0a.",
    "1.0a-",
    "1.0a_1",
    "1.0.post.",
    "1.0.dev.",
    "1.0.dev.+abc",
    "1.0-",
    "1.0.",
    "1.",
    ".1",
    "1..0",
    "1!1.0",
    "0!1.0",
    "1!",
    "1.0+ABC.007",
    "1.0+abc.7",
    "1.0+abc-7",
    "1.0+abc_7",
    "1.0+abc..7",
    "1.0+",
    "1.0+1.abc",
    "1.0+5",
    "1.0+abc",
    "1.0+abc.5",
    "1.0.poſt1",
    "1.0+ab\u{212a}",
    "1.0.PREVIEW1",
    "1.0preview",
    "1.0pre",
    "1.0c1",
    "1.0rc1",
    "1.0RC",
    "1.0r",
    "1.0REV2",
    "1.0-r-2",
    "1.0-1",
    "1.0_1",
    "1.0.1-1",
    "1.0a1-1",
    "1.0a--1",
    "1.0-rc-1",
    "1.0rc-1",
    "1.0a1a2",
    "1.0.dev1.dev2",
    "1.0.post1.post2",
    "1.0b2-346",
    "1.0.dev456",
    "1.dev0",
    "1.0a12.dev456",
    "1.0.post456.dev34",
    "1.0b2.post345.dev456",
    "99999999999999999999999999",
    "99999999999999999999999998",
    "18446744073709551616",
    "18446744073709551615",
    "1.0.post18446744073709551616",
    "1.0.post18446744073709551615",
    "1.0a99999999999999999999999",
    "1.0+99999999999999999999999",
    "1.0+99999999999999999999998",
    "french toast",
    "",
];

#[test]
fn pep440_agrees_with_packaging() {
    let zip = tollgate_test::shared_or_skip!("data/osv/PyPI/all.zip");
    tollgate_test::tool_or_skip!("python3");
    let corpus = osv_versions(&zip);
    let pairs =
        pairs::<tollgate_version::pep440::Version>(&corpus, PEP440_CASES, 0x9e37_79b9_7f4a_7c15);
    let script = r#"
import json, sys
try:
    import packaging
    from packaging.version import InvalidVersion, Version
except ImportError:
    sys.stderr.write("the Python package `packaging` is not installed for python3 "
                     "(python3 -m pip install --break-system-packages packaging)\n")
    sys.exit(3)

def parse(text):
    try:
        return Version(text)
    except InvalidVersion:
        return None

out = ["packaging %s (Python %s)" % (packaging.__version__, sys.version.split()[0])]
for line in sys.stdin.buffer:
    a, b = json.loads(line)
    va, vb = parse(a), parse(b)
    if va is None or vb is None:
        out.append("invalid " + ("a" if va is None else "") + ("b" if vb is None else ""))
    else:
        out.append("<" if va < vb else ">" if va > vb else "=")
sys.stdout.write("\n".join(out) + "\n")
"#;
    let mut command = Command::new("python3");
    command.arg("-c").arg(script);
    let Some((name, answers)) = run_oracle(command, &pairs) else {
        return;
    };
    check::<tollgate_version::pep440::Version>("pep440", &name, &pairs, &answers);
}

/// The npm corpus: the second column of `tests/data/npm-versions.tsv`.
fn npm_corpus() -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/npm-versions.tsv");
    let text = fs_err::read_to_string(path).unwrap();
    let versions: BTreeSet<String> = text
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.split_once('\t').map(|(_, version)| version.to_owned()))
        .collect();
    versions.into_iter().collect()
}

#[test]
fn semver_agrees_with_node_semver() {
    tollgate_test::tool_or_skip!("node");
    let corpus = npm_corpus();
    assert!(
        corpus.len() > 5000,
        "the npm corpus has only {} versions",
        corpus.len()
    );
    let long_ok = format!("1.2.3-{}", "a".repeat(250));
    let long_bad = format!("1.2.3-{}", "a".repeat(251));
    let long_padded = format!("{long_ok} ");
    let long_number = format!("1.2.3-1{}", "0".repeat(249));
    let mut cases = vec![
        "1.2.3",
        " 1.2.3",
        "1.2.3 ",
        "\t1.2.3\n",
        "\r\n1.2.3\x0b\x0c",
        "\u{feff}1.2.3",
        "1.2.3\u{85}",
        "1.2.3\u{1c}",
        "\u{a0}1.2.3\u{3000}",
        "\u{2028}1.2.3\u{2029}",
        "1.2.3\u{200b}",
        "v1.2.3",
        " v1.2.3 ",
        "V1.2.3",
        "=1.2.3",
        "v=1.2.3",
        "vv1.2.3",
        "v 1.2.3",
        "01.2.3",
        "1.02.3",
        "1.2.03",
        "1.2",
        "1.2.3.4",
        "1.2.3-01",
        "1.2.3-01a",
        "1.2.3-0",
        "1.2.3-00",
        "1.2.3--",
        "1.2.3-",
        "1.2.3+",
        "1.2.3-a..b",
        "1.2.3-a.",
        "1.2.3+001",
        "1.2.3+a.b",
        "1.2.3+a_b",
        "1.2.3+a+b",
        "1.2.3alpha",
        "1.2.3-A",
        "1.2.3-a",
        "1.2.3-a.9",
        "1.2.3-a.10",
        "1.2.3-a-9",
        "1.2.3-9007199254740990",
        "1.2.3-9007199254740991",
        "1.2.3-9007199254740992",
        "1.2.3-9007199254740993",
        "1.2.3-99999999999999999999",
        "1.2.3-100000000000000000000",
        "9007199254740991.0.0",
        "9007199254740992.0.0",
        "0.9007199254740991.0",
        "0.0.9007199254740992",
        "99999999999999999999.0.0",
        "0.0.0-a.b.c.d.e",
        "",
    ];
    cases.extend([
        long_ok.as_str(),
        long_bad.as_str(),
        long_padded.as_str(),
        long_number.as_str(),
    ]);
    let pairs = pairs::<tollgate_version::npm::Version>(&corpus, &cases, 0x2545_f491_4f6c_dd1d);
    // Validity is `new SemVer(text)` succeeding: what current node-semver's `valid`/`parse` do
    // and what `compare` accepts in every release. (Debian's node-semver 7.3.5 `valid` also
    // requires the untrimmed text to match, refusing " 1.2.3" that its `compare` accepts.)
    let script = r#"
const fs = require("fs");
// NODE_PATH includes /usr/share/nodejs, where Debian installs node-semver and the modules
// it requires (a node not built by Debian does not look there by itself).
const candidates = [process.env.TOLLGATE_NODE_SEMVER, "semver"].filter(Boolean);
let semver = null, where = null, failure = "";
for (const candidate of candidates) {
  try { semver = require(candidate); where = require.resolve(candidate); break } catch (e) { failure += "; " + e.message.split("\n")[0] }
}
if (semver === null) {
  process.stderr.write("node-semver is not installed (apt-get install node-semver)" + failure + "\n");
  process.exit(3);
}
let version = "?";
try { version = require(require("path").join(require("path").dirname(where), "package.json")).version } catch (e) {}
const parse = (text) => { try { return new semver.SemVer(text) } catch (e) { return null } };
const out = ["node-semver " + version + " (" + where + ", node " + process.version + ")"];
for (const line of fs.readFileSync(0, "utf8").split("\n")) {
  if (line === "") continue;
  const [a, b] = JSON.parse(line);
  const va = parse(a), vb = parse(b);
  if (va === null || vb === null) {
    out.push("invalid " + (va === null ? "a" : "") + (vb === null ? "b" : ""));
  } else {
    const c = va.compare(vb);
    out.push(c < 0 ? "<" : c > 0 ? ">" : "=");
  }
}
process.stdout.write(out.join("\n") + "\n");
"#;
    let mut node_path = std::ffi::OsString::from("/usr/share/nodejs");
    if let Some(existing) = std::env::var_os("NODE_PATH") {
        node_path.push(":");
        node_path.push(existing);
    }
    let mut command = Command::new("node");
    command.arg("-e").arg(script).env("NODE_PATH", node_path);
    let Some((name, answers)) = run_oracle(command, &pairs) else {
        return;
    };
    check::<tollgate_version::npm::Version>("semver", &name, &pairs, &answers);
}

#[test]
fn cargo_agrees_with_the_semver_crate() {
    let zip = tollgate_test::shared_or_skip!("data/osv/crates.io/all.zip");
    let corpus = osv_versions(&zip);
    let cases = [
        "1.2.3",
        "v1.2.3",
        " 1.2.3",
        "1.2.3 ",
        "=1.2.3",
        "01.2.3",
        "1.2",
        "1.2.3.4",
        "1.2.3-01",
        "1.2.3-0a",
        "1.2.3-0",
        "1.2.3--",
        "1.2.3+001",
        "1.2.3+01",
        "1.2.3+1",
        "1.2.3+0",
        "1.2.3+00",
        "1.2.3+a",
        "1.2.3+a.0",
        "1.2.3+a.00",
        "18446744073709551615.0.0",
        "18446744073709551616.0.0",
        "0.0.18446744073709551615",
        "1.2.3-a.b",
        "1.2.3-a..b",
        "1.2.3-a.",
        "1.2.3-",
        "1.2.3+",
        "1.2.3-+",
        "1.2.3-a+b+c",
        "1.2.3-99999999999999999999999",
        "1.2.3-100000000000000000000000",
        "1.2.3-é",
        "",
    ];
    let pairs = pairs::<tollgate_version::cargo::Version>(&corpus, &cases, 0xd1b5_4a32_d192_ed03);
    let parse = |text: &str| semver::Version::parse(text).ok();
    let mut answers = Vec::with_capacity(pairs.len());
    let mut with_build = 0;
    for (a, b) in &pairs {
        answers.push(match (parse(a), parse(b)) {
            (Some(va), Some(vb)) => {
                // The crate's full order (build as tie-breaker) against `cmp_with_build`.
                let ours_a = tollgate_version::cargo::Version::parse(a).unwrap();
                let ours_b = tollgate_version::cargo::Version::parse(b).unwrap();
                assert_eq!(
                    ours_a.cmp_with_build(&ours_b),
                    va.cmp(&vb),
                    "{a} vs {b} with build"
                );
                with_build += 1;
                symbol(va.cmp_precedence(&vb)).to_owned()
            }
            (va, vb) => format!(
                "invalid {}{}",
                if va.is_none() { "a" } else { "" },
                if vb.is_none() { "b" } else { "" }
            ),
        });
    }
    check::<tollgate_version::cargo::Version>(
        "cargo",
        "semver crate (cmp_precedence)",
        &pairs,
        &answers,
    );
    #[allow(clippy::print_stderr)]
    {
        eprintln!(
            "cargo: {with_build} valid pairs also agree with semver's Ord (build as tie-breaker)"
        );
    }
}

const GO_ORACLE: &str = r#"package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"runtime"

	"golang.org/x/mod/semver"
)

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 0, 1<<16), 1<<24)
	out := bufio.NewWriter(os.Stdout)
	fmt.Fprintf(out, "golang.org/x/mod/semver (GOPATH %s, %s)\n", os.Getenv("GOPATH"), runtime.Version())
	for in.Scan() {
		var pair [2]string
		if err := json.Unmarshal(in.Bytes(), &pair); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		okA, okB := semver.IsValid(pair[0]), semver.IsValid(pair[1])
		switch {
		case !okA || !okB:
			invalid := "invalid "
			if !okA {
				invalid += "a"
			}
			if !okB {
				invalid += "b"
			}
			fmt.Fprintln(out, invalid)
		case semver.Compare(pair[0], pair[1]) < 0:
			fmt.Fprintln(out, "<")
		case semver.Compare(pair[0], pair[1]) > 0:
			fmt.Fprintln(out, ">")
		default:
			fmt.Fprintln(out, "=")
		}
	}
	if err := in.Err(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	out.Flush()
}
"#;

#[test]
fn go_agrees_with_x_mod_semver() {
    let zip = tollgate_test::shared_or_skip!("data/osv/Go/all.zip");
    tollgate_test::tool_or_skip!("go");
    // OSV's Go records (vuln.go.dev) write versions without the `v`, which the module
    // version needs: add it, as a caller matching them does. A few stay bare (invalid).
    let raw = osv_versions(&zip);
    let corpus: Vec<String> = raw
        .iter()
        .map(|version| {
            if version.starts_with('v') {
                version.clone()
            } else {
                format!("v{version}")
            }
        })
        .collect();
    let mut cases: Vec<&str> = vec![
        "v1",
        "v1.0",
        "v1.0.0",
        "v1.2",
        "v1.2.0",
        "v0",
        "v0.0.0",
        "v",
        "V1.0.0",
        " v1.0.0",
        "v1.0.0 ",
        "1.2.3",
        "go1.22.1",
        "v1.2.3+incompatible",
        "v2.0.0+incompatible",
        "v2.0.0",
        "v0.0.0-20210121094942-22b2f8951d46",
        "v0.0.0-20190101000000-000000000000",
        "v1.2.4-0.20210121094942-22b2f8951d46",
        "v1.2.4-0.20210121094942-22b2f8951d46+incompatible",
        "v1.2.3-pre.0.20210121094942-22b2f8951d46",
        "v1.2.3-pre",
        "v1.2.4-rc1",
        "v1.2.4-1",
        "v1-pre",
        "v1.2-pre",
        "v1.2+b",
        "v1+b",
        "v01",
        "v1.02",
        "v1.2.3-01",
        "v1.2.3-0a",
        "v1.2.3-0",
        "v1.2.3--",
        "v1.2.3-",
        "v1.2.3+",
        "v1.2.3-a..b",
        "v1.2.3+a+b",
        "v1.2.3+a.b",
        "v1.2.3-a.10",
        "v1.2.3-a.9",
        "v1.2.3-99999999999999999999999",
        "v1.2.3-100000000000000000000000",
        "v100000000000000000000000000.0.0",
        "v99999999999999999999999999.0.0",
        "",
    ];
    cases.extend(raw.iter().take(40).map(String::as_str));
    let pairs = pairs::<tollgate_version::go::Version>(&corpus, &cases, 0x94d0_49bb_1331_11eb);

    let gopath = Path::new("/usr/share/gocode");
    if !gopath
        .join("src/golang.org/x/mod/semver/semver.go")
        .is_file()
    {
        assert!(
            !tollgate_test::in_ci(),
            "CI=true but golang.org/x/mod is not in /usr/share/gocode (apt-get install golang-golang-x-mod-dev)"
        );
        #[allow(clippy::print_stderr)]
        {
            eprintln!("notice: skipping, golang.org/x/mod is not in /usr/share/gocode");
        }
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    fs_err::write(dir.path().join("oracle.go"), GO_ORACLE).unwrap();
    let mut command = Command::new("go");
    command
        .current_dir(dir.path())
        .args(["run", "oracle.go"])
        .env("GO111MODULE", "off")
        .env("GOPATH", gopath)
        .env("GOFLAGS", "")
        .env("GOTOOLCHAIN", "local");
    if std::env::var_os("GOCACHE").is_none() && std::env::var_os("HOME").is_none() {
        command.env("GOCACHE", dir.path().join("cache"));
    }
    let Some((name, answers)) = run_oracle(command, &pairs) else {
        return;
    };
    check::<tollgate_version::go::Version>("go", &name, &pairs, &answers);
}
