//! `tollgate db build` and `tollgate db info` on the real feeds.

use crate::tollgate;

#[test]
fn build_then_info() {
    let Some(secdb) = tollgate_test::shared("data/alpine-secdb/v3.10") else {
        return;
    };
    let Some(crates) = tollgate_test::shared("data/osv/crates.io/all.zip") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sub/tollgate.db");
    let db = db.to_str().unwrap();
    let output = tollgate(&[
        "db",
        "build",
        "--from",
        secdb.to_str().unwrap(),
        "--from",
        crates.to_str().unwrap(),
        "-o",
        db,
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.starts_with(&format!("built {db} (")), "{stdout}");
    assert!(stdout.contains("from 3 sources"), "{stdout}");

    let output = tollgate(&["db", "info", "--db", db, "--format", "json"]);
    assert!(output.status.success());
    let info: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(info["schema_version"], 1);
    assert_eq!(info["built_at"], "2026-11-23T12:26:40Z");
    assert!(
        info["content_digest"]
            .as_str()
            .unwrap()
            .starts_with("sha256:")
    );
    let names: Vec<&str> = info["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "alpine-secdb:v3.10/community",
            "alpine-secdb:v3.10/main",
            "osv:crates.io"
        ]
    );
    assert_eq!(info["sources"][2]["records"], 1205);

    // SOURCE_DATE_EPOCH made it look built on 2026-11-23: old enough for a one-second limit.
    let output = tollgate(&["db", "info", "--db", db, "--max-age", "1s"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with("warning: the vulnerability DB"),
        "{stderr}"
    );
    assert!(stderr.contains("run `tollgate db update`"), "{stderr}");
    let output = tollgate(&["db", "info", "--db", db, "--max-age", "100000d"]);
    assert!(output.stderr.is_empty());
    let table = String::from_utf8_lossy(&output.stdout);
    assert!(table.contains("osv:crates.io"), "{table}");
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("schema") && l.ends_with('1')),
        "{table}"
    );
}

#[test]
fn bad_input_is_one_line_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let not_a_feed = dir.path().join("notes.json");
    fs_err::write(&not_a_feed, br#"{"hello": "world"}"#).unwrap();
    let db = dir.path().join("x.db");
    let output = tollgate(&[
        "db",
        "build",
        "--from",
        not_a_feed.to_str().unwrap(),
        "-o",
        db.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("notes.json"), "{stderr}");
    assert!(stderr.contains("not an OSV advisory"), "{stderr}");
    assert!(!db.exists(), "no partial DB");

    let output = tollgate(&["db", "info", "--db", db.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("tollgate db build"), "{stderr}");
}

/// `db sign` with a key from `key generate`, `db verify` with its public key; the data changed
/// after signing, or another key, fails with one line; `--require-signature` needs `--db-url`.
#[test]
fn a_signed_db_verifies_until_its_data_changes() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tollgate.db");
    let db_arg = db.to_str().unwrap();
    let built = tollgate(&["db", "build", "-q", "--from", "examples/data", "-o", db_arg]);
    assert!(built.status.success());
    let password = [("TOLLGATE_PASSWORD", "db signing")];
    for name in ["release", "other"] {
        let prefix = dir.path().join(name);
        let output = crate::tollgate_with_env(
            &[
                "key",
                "generate",
                "--output-key-prefix",
                prefix.to_str().unwrap(),
            ],
            &password,
        );
        assert!(output.status.success());
    }
    let key = |file: &str| dir.path().join(file).display().to_string();

    let unsigned = tollgate(&["db", "verify", "--db", db_arg, "--key", &key("release.pub")]);
    assert_eq!(unsigned.status.code(), Some(1));

    let signed = crate::tollgate_with_env(
        &["db", "sign", "--db", db_arg, "--key", &key("release.key")],
        &password,
    );
    assert!(
        signed.status.success(),
        "{}",
        String::from_utf8_lossy(&signed.stderr)
    );
    let verified = tollgate(&["db", "verify", "--db", db_arg, "--key", &key("release.pub")]);
    assert!(
        verified.status.success(),
        "{}",
        String::from_utf8_lossy(&verified.stderr)
    );
    assert!(String::from_utf8_lossy(&verified.stdout).starts_with("verified "));
    // Any one of several keys may be the signer.
    let either = tollgate(&[
        "db",
        "verify",
        "--db",
        db_arg,
        "--key",
        &key("other.pub"),
        "--key",
        &key("release.pub"),
    ]);
    assert!(either.status.success());
    let other = tollgate(&["db", "verify", "--db", db_arg, "--key", &key("other.pub")]);
    assert_eq!(other.status.code(), Some(1));

    // An advisory removed from the package index after signing: it would never match again.
    let tampered = std::process::Command::new("python3")
        .args([
            "-c",
            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); \
             c.execute('delete from packages where advisory = (select min(advisory) from packages)'); \
             c.commit()",
            db_arg,
        ])
        .status()
        .unwrap();
    assert!(tampered.success());
    let failed = tollgate(&["db", "verify", "--db", db_arg, "--key", &key("release.pub")]);
    assert_eq!(failed.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");

    let usage = tollgate(&[
        "db",
        "update",
        "--db",
        db_arg,
        "--require-signature",
        &key("release.pub"),
    ]);
    assert_eq!(
        usage.status.code(),
        Some(2),
        "a usage error without --db-url"
    );
}
