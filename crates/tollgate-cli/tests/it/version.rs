//! `tollgate version compare`: the words, `--explain`, and `--batch` as a stream.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

fn tollgate(args: &[&str]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn compare_prints_one_word() {
    let cases = [
        ("deb", "1:2.36-9+deb12u4", "2.36-9+deb12u7", ">"),
        ("deb", "1.0~rc1", "1.0", "<"),
        ("pep440", "1.26.5", "1.26.4.post1", ">"),
        ("pep440", "1.0-foo-bar", "1.0", "invalid"),
        ("apk", "1.1.1k-r0", "1.1.1k_p1-r0", "<"),
        ("maven", "1.0", "1.0.0", "="),
        ("semver", "1.0.0-alpha", "1.0.0", "<"),
        ("go", "v1.2.3", "v1.2.3+incompatible", "="),
    ];
    for (ecosystem, a, b, want) in cases {
        let (ok, stdout, stderr) = tollgate(&["version", "compare", ecosystem, a, b]);
        assert!(ok, "{stderr}");
        assert_eq!(stdout, format!("{want}\n"), "{ecosystem} {a} {b}");
    }
}

#[test]
fn a_version_may_start_with_a_dash_and_an_unknown_ecosystem_is_an_error() {
    let (ok, stdout, _) = tollgate(&["version", "compare", "deb", "-1", "1"]);
    assert!(ok);
    assert_eq!(stdout, "invalid\n");
    let (ok, _, stderr) = tollgate(&["version", "compare", "debian", "1", "2"]);
    assert!(!ok);
    assert!(
        stderr.contains("unknown version ecosystem `debian`"),
        "{stderr}"
    );
}

#[test]
fn explain_shows_both_sides() {
    let (ok, stdout, stderr) = tollgate(&[
        "version",
        "compare",
        "--explain",
        "deb",
        "1:2.36-9",
        "1.0 beta",
    ]);
    assert!(ok, "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert!(lines[0].starts_with("1:2.36-9: "), "{stdout}");
    assert!(lines[0].contains("2.36"), "{stdout}");
    assert!(lines[1].starts_with("1.0 beta: invalid: "), "{stdout}");
    assert_eq!(lines[2], "invalid");
}

/// A caller that writes one pair and waits for its answer before the next gets it: the stream
/// is flushed whenever no more input is buffered.
#[test]
fn batch_answers_each_line_as_it_comes() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .args(["version", "compare", "--batch", "rpm"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    for (pair, want) in [("1.0-1\t1.0-2", "<"), ("2:1\t1:9", ">"), ("1.0\t1.0", "=")] {
        writeln!(stdin, "{pair}").unwrap();
        stdin.flush().unwrap();
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        assert_eq!(line, format!("{want}\n"), "{pair}");
    }
    drop(stdin);
    assert!(child.wait().unwrap().success());
}

#[test]
fn batch_refuses_a_line_without_a_tab_naming_it() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .args(["version", "compare", "--batch", "deb"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"1\t2\n1 2\n")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(!output.status.success());
    assert_eq!(String::from_utf8_lossy(&output.stdout), "<\n");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("line 2 of stdin is not `a<TAB>b`"),
        "{stderr}"
    );
}
