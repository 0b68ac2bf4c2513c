//! The maven, gem, nuget and composer orderings against their reference implementations, on
//! realistic versions, upstream test vectors and mutations of them.
//!
//! - maven: `ComparableVersion.compareTo` of Debian's maven-artifact 3.8.7
//!   (`/usr/share/java/maven-artifact-3.x.jar`), in a single-file Java program.
//! - gem: `Gem::Version.correct?` and `<=>` of Debian's ruby (RubyGems 3.3.15).
//! - composer: `VersionParser::normalize` of Debian's php-composer-semver (3.3.2) on each side,
//!   then `Comparator::lessThan`/`equalTo`/`greaterThan` on the normalised versions, which is
//!   what tollgate's composer ordering means (see `tollgate_version::composer`).
//! - nuget: no .NET in Debian; NuGet.Client's own test vectors, committed in
//!   `tests/data/nuget-vectors.tsv`.
//!
//! Each oracle runs once, as one process reading `hex(a)\thex(b)` lines on stdin and printing
//! `<`, `=`, `>` or `invalid` per line (composer also `unordered`: two different dev branches,
//! which Composer does not order). A pair `(v, v)` checks that `v` alone is valid or not.
//! Mutations come from a fixed-seed xorshift, so every run checks the same pairs.

use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use tollgate_version::properties::check_triple;
use tollgate_version::{Ecosystem, EcosystemVersion, compare, composer, explain, is_valid, maven};

const MAVEN_JAR: &str = "/usr/share/java/maven-artifact-3.x.jar";
const COMPOSER_AUTOLOAD: &str = "/usr/share/php/Composer/Semver/autoload.php";

/// The mutation alphabet: what version strings are made of.
const ALPHABET: &str = "0123456789abcdefghijklmnopqrstuvwxyz.-_+";

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

    /// One to three single-character insertions, deletions or replacements.
    fn mutate(&mut self, text: &str) -> String {
        let alphabet: Vec<char> = ALPHABET.chars().collect();
        let mut chars: Vec<char> = text.chars().collect();
        for _ in 0..=self.below(3) {
            let at = self.below(chars.len() + 1);
            let c = alphabet[self.below(alphabet.len())];
            match self.below(3) {
                0 => chars.insert(at, c),
                1 if at < chars.len() => {
                    chars.remove(at);
                }
                _ if at < chars.len() => chars[at] = c,
                _ => chars.push(c),
            }
        }
        chars.into_iter().collect()
    }
}

fn data(name: &str) -> String {
    fs_err::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(name),
    )
    .unwrap()
}

/// A corpus file: one JSON string per line, `#` comment lines.
fn corpus(name: &str) -> Vec<String> {
    data(name)
        .lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{name}: {line}: {e}")))
        .collect()
}

/// The pairs to check: every version with itself (validity), every pair of corpus versions,
/// and each mutant with its seed, with the previous mutant of the same seed and with two
/// random versions.
fn pairs(seeds: &[String], mutants_per_seed: usize, seed: u64) -> Vec<(String, String)> {
    let mut random = Random(seed);
    let mut all: Vec<String> = seeds.to_vec();
    let mut pairs = Vec::new();
    for (i, a) in seeds.iter().enumerate() {
        for (j, b) in seeds.iter().enumerate().skip(i + 1) {
            pairs.push((a.clone(), b.clone()));
            if (i + j) % 5 == 0 {
                pairs.push((b.clone(), a.clone()));
            }
        }
    }
    let mut mutant_pairs = Vec::new();
    for seed_version in seeds {
        let mut previous = seed_version.clone();
        for _ in 0..mutants_per_seed {
            let mutant = random.mutate(&previous);
            mutant_pairs.push((mutant.clone(), seed_version.clone()));
            mutant_pairs.push((previous.clone(), mutant.clone()));
            all.push(mutant.clone());
            // Mutate the mutant half the time, to wander further from the seed.
            if random.below(2) == 0 {
                previous = mutant;
            }
        }
    }
    for (a, _) in mutant_pairs.clone() {
        for _ in 0..2 {
            let b = all[random.below(all.len())].clone();
            mutant_pairs.push((a.clone(), b));
        }
    }
    pairs.extend(mutant_pairs);
    let distinct: BTreeSet<&String> = all.iter().collect();
    let mut with_self: Vec<(String, String)> = distinct
        .into_iter()
        .map(|v| (v.clone(), v.clone()))
        .collect();
    with_self.extend(pairs);
    with_self
}

fn hex(text: &str) -> String {
    text.bytes().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// Run an oracle once over all pairs; one answer per pair.
fn run_oracle(command: &mut Command, pairs: &[(String, String)]) -> Vec<String> {
    let mut input = String::new();
    for (a, b) in pairs {
        input.push_str(&hex(a));
        input.push('\t');
        input.push_str(&hex(b));
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
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    writer.join().unwrap().unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "oracle failed: {status}\n{stderr}");
    let answers: Vec<String> = stdout.lines().map(str::to_owned).collect();
    assert_eq!(
        answers.len(),
        pairs.len(),
        "the oracle answered {} of {} pairs\n{stderr}",
        answers.len(),
        pairs.len()
    );
    answers
}

/// tollgate's answer in the oracles' words.
fn tollgate(ecosystem: Ecosystem, a: &str, b: &str) -> &'static str {
    match compare(ecosystem, a, b) {
        Err(_) => "invalid",
        Ok(Ordering::Less) => "<",
        Ok(Ordering::Equal) => "=",
        Ok(Ordering::Greater) => ">",
    }
}

/// Whether a composer pair is two different dev branches ordered (not equal) by tollgate:
/// what Composer's `unordered` means.
fn composer_unordered(a: &str, b: &str) -> bool {
    let branch = |v: &str| composer::Version::parse(v).is_ok_and(|v| v.is_branch());
    branch(a) && branch(b) && compare(Ecosystem::Composer, a, b).is_ok_and(Ordering::is_ne)
}

/// Compare every answer; panic with the disagreements, report the count.
fn check(ecosystem: Ecosystem, oracle: &str, pairs: &[(String, String)], answers: &[String]) {
    let mut disagreements = Vec::new();
    for ((a, b), expected) in pairs.iter().zip(answers) {
        let actual = tollgate(ecosystem, a, b);
        let agrees = match expected.as_str() {
            "unordered" if ecosystem == Ecosystem::Composer => composer_unordered(a, b),
            expected => actual == expected,
        };
        if !agrees {
            let show = |v: &str| {
                explain(ecosystem, v).unwrap_or_else(|e| format!("invalid: {}", e.reason))
            };
            disagreements.push(format!(
                "{a:?} vs {b:?}: {oracle} says {expected}, tollgate {actual}\n  {a:?}: {}\n  {b:?}: {}",
                show(a),
                show(b)
            ));
        }
    }
    // The count, shown with `--nocapture`.
    #[allow(clippy::print_stderr)]
    {
        eprintln!(
            "{ecosystem}: {} pairs checked against {oracle}, {} disagreements",
            pairs.len(),
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

/// Whether a file the oracle needs exists; under CI a missing one fails loudly.
fn file_or_skip(path: &str, apt_package: &str) -> bool {
    if Path::new(path).is_file() {
        return true;
    }
    assert!(
        !tollgate_test::in_ci(),
        "CI=true but `{path}` does not exist: .ci/run must install {apt_package}"
    );
    #[allow(clippy::print_stderr)]
    {
        eprintln!("notice: skipping, `{path}` is not installed ({apt_package})");
    }
    false
}

/// The ordering properties on triples of the corpus and its mutants (no oracle needed).
fn check_properties(ecosystem: Ecosystem, pairs: &[(String, String)]) {
    for window in pairs.windows(2).step_by(3) {
        let [(a, b), (c, _)] = window else {
            unreachable!()
        };
        check_triple(ecosystem, a, b, c);
    }
}

const MAVEN_ORACLE: &str = r#"
import java.io.*;
import java.nio.charset.StandardCharsets;
import org.apache.maven.artifact.versioning.ComparableVersion;

public class Oracle {
    static String decode(String hex) {
        byte[] bytes = new byte[hex.length() / 2];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }

    public static void main(String[] args) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintWriter out = new PrintWriter(new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8)));
        String line;
        while ((line = in.readLine()) != null) {
            int tab = line.indexOf('\t');
            String a = decode(line.substring(0, tab));
            String b = decode(line.substring(tab + 1));
            int c;
            try {
                c = new ComparableVersion(a).compareTo(new ComparableVersion(b));
            } catch (RuntimeException e) {
                out.println("invalid");
                continue;
            }
            out.println(c < 0 ? "<" : c == 0 ? "=" : ">");
        }
        out.flush();
    }
}
"#;

fn ordering_word(ordering: Ordering) -> &'static str {
    match ordering {
        Ordering::Less => "<",
        Ordering::Equal => "=",
        Ordering::Greater => ">",
    }
}

/// `ComparableVersion.compareTo` is not transitive, so tollgate's total order differs from it on
/// some pairs (see `tollgate_version::maven`). Checked here: `compare_as_maven` agrees with the
/// jar on every pair, and wherever `compare` differs, the jar itself puts a prefix `z` of one
/// of the two strictly between them the other way round (a cycle: `a < z < b` but `b < a`).
#[test]
fn maven_against_maven_artifact() {
    tollgate_test::tool_or_skip!("java");
    if !file_or_skip(MAVEN_JAR, "libmaven3-core-java") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("Oracle.java");
    fs_err::write(&source, MAVEN_ORACLE).unwrap();
    let pairs = pairs(&corpus("maven-versions.jsonl"), 24, 0x6d61_7665_6e21);
    let parse = |v: &str| maven::Version::parse(v).unwrap();

    // Where the total order differs from compareTo, ask the jar about every prefix in between.
    let mut queries = pairs.clone();
    let mut deviations = Vec::new();
    for (a, b) in &pairs {
        let (va, vb) = (parse(a), parse(b));
        let total = va.cmp(&vb);
        if total == va.compare_as_maven(&vb) {
            continue;
        }
        let first = queries.len();
        for text in [a, b] {
            for (end, _) in text.char_indices().skip(1) {
                let z = text[..end].to_owned();
                queries.push((a.clone(), z.clone()));
                queries.push((b.clone(), z));
            }
        }
        deviations.push((a.clone(), b.clone(), total, first..queries.len()));
    }
    let answers = run_oracle(
        Command::new("java").arg("-cp").arg(MAVEN_JAR).arg(&source),
        &queries,
    );

    let mut disagreements = Vec::new();
    for ((a, b), expected) in queries.iter().zip(&answers) {
        let actual = ordering_word(parse(a).compare_as_maven(&parse(b)));
        if actual != expected {
            disagreements.push(format!(
                "{a:?} vs {b:?}: maven-artifact says {expected}, compare_as_maven {actual}\n  {}\n  {}",
                parse(a).explain(),
                parse(b).explain()
            ));
        }
    }
    let mut unexplained = Vec::new();
    for (a, b, total, range) in &deviations {
        let (below, above) = match total {
            Ordering::Less => ("<", ">"),
            _ => (">", "<"),
        };
        let witnessed = queries[range.clone()]
            .chunks(2)
            .zip(answers[range.clone()].chunks(2))
            .any(|(_, answer)| answer[0] == below && answer[1] == above);
        if !witnessed {
            unexplained.push(format!(
                "{a:?} vs {b:?}: tollgate {}, maven-artifact {}, and no prefix lies between them",
                ordering_word(*total),
                ordering_word(total.reverse())
            ));
        }
    }
    #[allow(clippy::print_stderr)]
    {
        eprintln!(
            "maven: {} pairs checked against maven-artifact 3.8.7 (plus {} prefix queries), {} \
             disagreements with compareTo; the total order differs from compareTo on {} pairs, \
             {} of them not shown to be a compareTo cycle",
            pairs.len(),
            queries.len() - pairs.len(),
            disagreements.len(),
            deviations.len(),
            unexplained.len()
        );
    }
    assert!(
        disagreements.is_empty(),
        "{} disagreements with maven-artifact:\n{}",
        disagreements.len(),
        disagreements[..disagreements.len().min(40)].join("\n")
    );
    assert!(
        unexplained.is_empty(),
        "{} unexplained differences:\n{}",
        unexplained.len(),
        unexplained[..unexplained.len().min(40)].join("\n")
    );
}

const GEM_ORACLE: &str = r#"
out = []
STDIN.each_line do |line|
  a, b = line.chomp("\n").split("\t", -1).map { |h| [h].pack("H*").force_encoding(Encoding::UTF_8) }
  if Gem::Version.correct?(a) && Gem::Version.correct?(b)
    c = Gem::Version.new(a) <=> Gem::Version.new(b)
    out << (c < 0 ? "<" : c == 0 ? "=" : ">")
  else
    out << "invalid"
  end
end
puts out
"#;

#[test]
fn gem_against_rubygems() {
    tollgate_test::tool_or_skip!("ruby");
    let pairs = pairs(&corpus("gem-versions.jsonl"), 40, 0x6765_6d73);
    let answers = run_oracle(Command::new("ruby").arg("-e").arg(GEM_ORACLE), &pairs);
    check(Ecosystem::Gem, "RubyGems (Gem::Version)", &pairs, &answers);
}

const COMPOSER_ORACLE: &str = r#"<?php
require '/usr/share/php/Composer/Semver/autoload.php';

use Composer\Semver\Comparator;
use Composer\Semver\VersionParser;

$parser = new VersionParser();
while (($line = fgets(STDIN)) !== false) {
    [$a, $b] = array_map('hex2bin', explode("\t", rtrim($line, "\n"), 2));
    try {
        $na = $parser->normalize($a);
        $nb = $parser->normalize($b);
    } catch (\UnexpectedValueException $e) {
        echo "invalid\n";
        continue;
    }
    $lt = Comparator::lessThan($na, $nb);
    $eq = Comparator::equalTo($na, $nb);
    $gt = Comparator::greaterThan($na, $nb);
    $n = (int) $lt + (int) $eq + (int) $gt;
    echo $n === 0 ? "unordered\n" : ($n > 1 ? "inconsistent\n" : ($lt ? "<\n" : ($eq ? "=\n" : ">\n")));
}
"#;

#[test]
fn composer_against_composer_semver() {
    tollgate_test::tool_or_skip!("php");
    if !file_or_skip(COMPOSER_AUTOLOAD, "php-composer-semver") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("oracle.php");
    fs_err::write(&script, COMPOSER_ORACLE).unwrap();
    let pairs = pairs(&corpus("composer-versions.jsonl"), 40, 0x636f_6d70);
    let answers = run_oracle(Command::new("php").arg(&script), &pairs);
    check(
        Ecosystem::Composer,
        "composer/semver 3.3.2 (normalize, then Comparator)",
        &pairs,
        &answers,
    );
}

#[test]
fn nuget_against_nuget_client_vectors() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for line in data("nuget-vectors.tsv").lines() {
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let columns: Vec<&str> = line.split('\t').collect();
        let [kind, a, b, source] = columns[..] else {
            panic!("bad line: {line}")
        };
        let a: String = serde_json::from_str(a).unwrap();
        let b: Option<String> = (b != "-").then(|| serde_json::from_str(b).unwrap());
        let ok = match (kind, &b) {
            ("valid", None) => is_valid(Ecosystem::Nuget, &a),
            ("invalid", None) => !is_valid(Ecosystem::Nuget, &a),
            ("<", Some(b)) => {
                compare(Ecosystem::Nuget, &a, b) == Ok(Ordering::Less)
                    && compare(Ecosystem::Nuget, b, &a) == Ok(Ordering::Greater)
            }
            ("=", Some(b)) => {
                compare(Ecosystem::Nuget, &a, b) == Ok(Ordering::Equal)
                    && compare(Ecosystem::Nuget, b, &a) == Ok(Ordering::Equal)
            }
            ("!=", Some(b)) => {
                compare(Ecosystem::Nuget, &a, b).is_ok_and(Ordering::is_ne)
                    && compare(Ecosystem::Nuget, b, &a).is_ok_and(Ordering::is_ne)
            }
            _ => panic!("bad line: {line}"),
        };
        checked += 1;
        if !ok {
            failures.push(format!(
                "{kind} {a:?} {b:?} ({source}): tollgate says {:?} / {:?}",
                compare(Ecosystem::Nuget, &a, b.as_deref().unwrap_or(&a)),
                explain(Ecosystem::Nuget, &a)
            ));
        }
    }
    #[allow(clippy::print_stderr)]
    {
        eprintln!(
            "nuget: {checked} NuGet.Client test vectors checked, {} disagreements",
            failures.len()
        );
    }
    assert!(checked > 200, "only {checked} vectors");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The ordering properties on the corpora and their mutants (no oracle needed).
#[test]
fn properties_maven() {
    check_properties(
        Ecosystem::Maven,
        &pairs(&corpus("maven-versions.jsonl"), 8, 0x7072_6f70),
    );
}

#[test]
fn properties_gem() {
    check_properties(
        Ecosystem::Gem,
        &pairs(&corpus("gem-versions.jsonl"), 8, 0x7072_6f71),
    );
}

#[test]
fn properties_composer() {
    check_properties(
        Ecosystem::Composer,
        &pairs(&corpus("composer-versions.jsonl"), 8, 0x7072_6f72),
    );
}

/// The nuget corpus being the versions of the vectors.
#[test]
fn properties_nuget() {
    let nuget: Vec<String> = data("nuget-vectors.tsv")
        .lines()
        .filter(|line| !line.starts_with('#'))
        .flat_map(|line| line.split('\t').skip(1).take(2))
        .filter(|column| *column != "-")
        .map(|column| serde_json::from_str(column).unwrap())
        .collect();
    check_properties(Ecosystem::Nuget, &pairs(&nuget, 8, 0x7072_6f73));
}
