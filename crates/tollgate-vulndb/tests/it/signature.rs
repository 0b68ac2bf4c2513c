//! Signed DBs: a DB built from the Alpine secdb shipped in examples/data, signed with generated
//! P-256 and Ed25519 keys (written and read back in cosign's formats), verified; each kind of
//! tampering named; and `update` from a prebuilt DB served over HTTP on 127.0.0.1, refused unless
//! its signature verifies, the DB in place untouched then.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, params};
use tollgate_sign::keys::generate_key_files;
use tollgate_sign::{KeyAlgorithm, SigningKey, VerifyingKey};
use tollgate_vulndb::db::BuildOptions;
use tollgate_vulndb::signature::{SignatureError, key_id, sign_db};
use tollgate_vulndb::update::{UpdateError, update};
use tollgate_vulndb::{Db, DbError, ImportLimits, build, import};

use crate::update::{Server, options, touch};

fn build_example(path: &Path, built_at: &str) {
    let data = tollgate_test::workspace_root().join("examples/data/alpine-secdb-v3.4-main.json");
    let imported = import(&data, &ImportLimits::default()).unwrap();
    build(
        &imported,
        path,
        &BuildOptions {
            built_at: built_at.into(),
            built_by: "tollgate test".into(),
        },
    )
    .unwrap();
}

/// A key pair written as cosign writes it, the public half read back from its file.
fn key_pair(dir: &Path, name: &str, algorithm: KeyAlgorithm) -> (SigningKey, VerifyingKey) {
    let (key, files) = generate_key_files(&dir.join(name), algorithm, b"", false).unwrap();
    let public = VerifyingKey::load(&files.public_key).unwrap();
    assert_eq!(public, key.verifying_key());
    (key, public)
}

fn refusal(result: Result<impl std::fmt::Debug, DbError>) -> SignatureError {
    match result {
        Err(DbError::Signature { source, .. }) => source,
        other => panic!("expected a signature error, got {other:?}"),
    }
}

/// A copy of `signed` with `tamper` applied through SQLite.
fn tampered(signed: &Path, name: &str, tamper: &str) -> PathBuf {
    let copy = signed.with_file_name(name);
    fs_err::copy(signed, &copy).unwrap();
    Connection::open(&copy)
        .unwrap()
        .execute_batch(tamper)
        .unwrap();
    copy
}

#[test]
fn signing_keeps_the_content_digest_and_verifies_with_p256_and_ed25519() {
    let dir = tempfile::tempdir().unwrap();
    let (p256, p256_public) = key_pair(dir.path(), "p256", KeyAlgorithm::EcdsaP256);
    let (ed25519, ed25519_public) = key_pair(dir.path(), "ed25519", KeyAlgorithm::Ed25519);
    let path = dir.path().join("tollgate.db");
    build_example(&path, "2026-11-23T00:00:00Z");
    let before = Db::open(&path).unwrap().info().clone();
    assert!(before.advisories > 100, "{before:?}");

    let unsigned = Db::open(&path).unwrap();
    assert_eq!(unsigned.signature_payload().unwrap(), None);
    assert!(matches!(
        refusal(unsigned.verify_signature(std::slice::from_ref(&p256_public))),
        SignatureError::NotSigned
    ));
    drop(unsigned);

    let signed = sign_db(&path, &p256).unwrap();
    assert_eq!(signed.key_id, key_id(&p256_public).unwrap());
    assert_eq!(signed.algorithm, KeyAlgorithm::EcdsaP256);
    assert_eq!(signed.payload.content_digest, before.content_digest);
    let db = Db::open(&path).unwrap();
    // The signature lives in the metadata: the content digest, recorded or recomputed, is the
    // same as before signing.
    assert_eq!(db.info().content_digest, before.content_digest);
    assert_eq!(
        db.recompute_content_digest().unwrap(),
        before.content_digest
    );
    let payload = db.signature_payload().unwrap().unwrap();
    assert!(
        payload.starts_with(r#"{"built_at":"2026-11-23T00:00:00Z","content_digest":"sha256:"#)
            && payload.contains(
                r#""schema":"tollgate.db-signature/v1","schema_version":1,"tables_digest":"sha256:"#
            ),
        "{payload}"
    );
    // Any of the keys given may be the signer.
    let verified = db
        .verify_signature(&[ed25519_public.clone(), p256_public.clone()])
        .unwrap();
    assert_eq!(verified, signed);
    let error = refusal(db.verify_signature(std::slice::from_ref(&ed25519_public)));
    assert!(
        matches!(&error, SignatureError::UnknownKey { signed_by, given }
            if *signed_by == signed.key_id && *given == [key_id(&ed25519_public).unwrap()]),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("not by any of the given keys"),
        "{error}"
    );
    assert!(matches!(
        refusal(db.verify_signature(&[])),
        SignatureError::NoKeys
    ));
    drop(db);

    // Signing again replaces the signature.
    let resigned = sign_db(&path, &ed25519).unwrap();
    assert_eq!(resigned.algorithm, KeyAlgorithm::Ed25519);
    assert_eq!(resigned.payload, signed.payload);
    let db = Db::open(&path).unwrap();
    assert_eq!(
        db.verify_signature(std::slice::from_ref(&ed25519_public))
            .unwrap(),
        resigned
    );
    assert!(matches!(
        refusal(db.verify_signature(std::slice::from_ref(&p256_public))),
        SignatureError::UnknownKey { .. }
    ));
    let rows: i64 = Connection::open(&path)
        .unwrap()
        .query_row(
            "SELECT count(*) FROM meta WHERE key LIKE 'signature%'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(rows, 3);
    assert_eq!(db.info().content_digest, before.content_digest);
    // No temporary copy left behind.
    let leftovers: Vec<_> = fs_err::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn tampering_after_signing_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = key_pair(dir.path(), "key", KeyAlgorithm::EcdsaP256);
    let path = dir.path().join("signed.db");
    build_example(&path, "2026-11-23T00:00:00Z");
    let signed = sign_db(&path, &key).unwrap();
    let keys = std::slice::from_ref(&public);

    // One advisory's document changed (a fixed version moved), recompressed as tollgate stores it.
    let document_tampered = dir.path().join("document.db");
    fs_err::copy(&path, &document_tampered).unwrap();
    {
        let connection = Connection::open(&document_tampered).unwrap();
        let (id, compressed): (i64, Vec<u8>) = connection
            .query_row(
                "SELECT id, document FROM advisories WHERE document IS NOT NULL ORDER BY id LIMIT 1",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .unwrap();
        let document =
            String::from_utf8(zstd::bulk::decompress(&compressed, 1 << 24).unwrap()).unwrap();
        let changed = document.replacen("\"fixed\":\"", "\"fixed\":\"99", 1);
        assert_ne!(changed, document, "{document}");
        connection
            .execute(
                "UPDATE advisories SET document = ?1 WHERE id = ?2",
                params![zstd::bulk::compress(changed.as_bytes(), 3).unwrap(), id],
            )
            .unwrap();
    }
    let db = Db::open(&document_tampered).unwrap();
    let recomputed = db.recompute_content_digest().unwrap();
    assert_ne!(recomputed, signed.payload.content_digest);
    // The metadata still records the old digest: only the recomputation tells.
    assert_eq!(db.info().content_digest, signed.payload.content_digest);
    let error = refusal(db.verify_signature(keys));
    assert!(
        matches!(&error, SignatureError::DigestMismatch { signed: s, actual }
            if *s == signed.payload.content_digest && *actual == recomputed),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .contains("the advisory data changed after signing"),
        "{error}"
    );
    // And such a DB is not signed again as if it were consistent.
    assert!(matches!(
        refusal(sign_db(&document_tampered, &key)),
        SignatureError::Inconsistent { .. }
    ));

    let tables = |name: &str, tamper: &str| {
        let db = Db::open(&tampered(&path, name, tamper)).unwrap();
        let error = refusal(db.verify_signature(keys));
        assert!(
            matches!(error, SignatureError::TablesMismatch { .. }),
            "{name}: {error:?}"
        );
    };
    // A package taken out of the index (its advisories would never match).
    tables(
        "index-row.db",
        "DELETE FROM packages WHERE (ecosystem, name) IN (SELECT ecosystem, name FROM packages LIMIT 1)",
    );
    tables(
        "withdrawn.db",
        "UPDATE advisories SET withdrawn = 1 WHERE id = 0",
    );
    tables("index-added.db", "CREATE INDEX extra ON packages (name)");
    tables(
        "built-by.db",
        "UPDATE meta SET value = 'someone' WHERE key = 'built_by'",
    );

    let metadata = |name: &str, tamper: &str, expected: &str| {
        let db = Db::open(&tampered(&path, name, tamper)).unwrap();
        let error = refusal(db.verify_signature(keys));
        assert!(
            matches!(&error, SignatureError::MetadataMismatch { field, .. } if *field == expected),
            "{name}: {error:?}"
        );
    };
    // A fresh-looking build time on old data (scans warn by it).
    metadata(
        "built-at.db",
        "UPDATE meta SET value = '2099-01-01T00:00:00Z' WHERE key = 'built_at'",
        "built_at",
    );
    metadata(
        "digest.db",
        "UPDATE meta SET value = 'sha256:00' WHERE key = 'content_digest'",
        "content_digest",
    );

    let bad = |name: &str, tamper: &str| {
        let db = Db::open(&tampered(&path, name, tamper)).unwrap();
        let error = refusal(db.verify_signature(keys));
        assert!(
            matches!(&error, SignatureError::BadSignature { key_id } if *key_id == signed.key_id),
            "{name}: {error:?}"
        );
        assert!(error.to_string().contains("bad signature"), "{error}");
    };
    bad(
        "payload.db",
        "UPDATE meta SET value = replace(value, '2026-11-23', '2099-11-23') WHERE key = 'signature_payload'",
    );
    // Another valid-looking base64 signature.
    let other = {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(key.sign(b"something else"))
    };
    bad(
        "signature.db",
        &format!("UPDATE meta SET value = '{other}' WHERE key = 'signature'"),
    );
    let db = Db::open(&tampered(
        &path,
        "not-base64.db",
        "UPDATE meta SET value = '!!' WHERE key = 'signature'",
    ))
    .unwrap();
    assert!(matches!(
        refusal(db.verify_signature(keys)),
        SignatureError::Malformed(_)
    ));

    // The key id is only a hint: every key given is tried.
    let db = Db::open(&tampered(
        &path,
        "key-id.db",
        "UPDATE meta SET value = 'sha256:00' WHERE key = 'signature_key_id'",
    ))
    .unwrap();
    assert_eq!(db.verify_signature(keys).unwrap(), signed);
    // The original still verifies.
    Db::open(&path).unwrap().verify_signature(keys).unwrap();
}

#[test]
fn update_from_a_db_url_replaces_the_db_only_with_a_valid_signature() {
    let served = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let (key, public) = key_pair(work.path(), "trusted", KeyAlgorithm::EcdsaP256);
    let (other, _) = key_pair(work.path(), "other", KeyAlgorithm::Ed25519);
    let unsigned = served.path().join("unsigned.db");
    build_example(&unsigned, "2026-11-23T00:00:00Z");
    let signed = served.path().join("signed.db");
    fs_err::copy(&unsigned, &signed).unwrap();
    let signature = sign_db(&signed, &key).unwrap();
    let other_key = served.path().join("other-key.db");
    fs_err::copy(&unsigned, &other_key).unwrap();
    sign_db(&other_key, &other).unwrap();
    tampered(
        &signed,
        "tampered.db",
        "UPDATE advisories SET document = (SELECT document FROM advisories WHERE id = 1) WHERE id = 0",
    );
    fs_err::write(
        served.path().join("not-a-db.db"),
        b"SQLite format 3\0 but not really",
    )
    .unwrap();
    for name in [
        "unsigned.db",
        "signed.db",
        "other-key.db",
        "tampered.db",
        "not-a-db.db",
    ] {
        touch(&served.path().join(name), 3600);
    }
    let server = Server::start(served.path());

    // The DB in place: the same data, built at another time (so its bytes differ).
    let db = work.path().join("tollgate.db");
    build_example(&db, "2020-01-01T00:00:00Z");
    let original = fs_err::read(&db).unwrap();
    let cache = work.path().join("cache");
    let with = |file: &str, keys: &[VerifyingKey]| {
        let mut options = options(Vec::new(), &cache);
        options.db_url = Some(server.url(file));
        options.require_signature = keys.to_vec();
        options
    };
    let keys = std::slice::from_ref(&public);
    let refused = |file: &str, keys: &[VerifyingKey], expected: &str| {
        let error = update(&db, &with(file, keys)).unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains(expected) && message.contains(file),
            "{file}: {message}"
        );
        assert_eq!(
            fs_err::read(&db).unwrap(),
            original,
            "{file}: the DB was replaced"
        );
        let leftovers: Vec<_> = fs_err::read_dir(work.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.starts_with('.'))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
        error
    };
    let error = refused("unsigned.db", keys, "the DB is not signed");
    assert!(
        error
            .to_string()
            .contains("the DB in place was left as it was"),
        "{error}"
    );
    assert!(matches!(error, UpdateError::Refused { .. }));
    refused("other-key.db", keys, "not by any of the given keys");
    refused("tampered.db", keys, "content digest mismatch");
    // Without keys, a DB whose data is not what its metadata says is refused as corrupt.
    refused(
        "tampered.db",
        &[],
        "corrupt or was changed after it was built",
    );
    // Not even a DB: refused with or without keys.
    refused("not-a-db.db", keys, "not-a-db.db");
    refused("not-a-db.db", &[], "not-a-db.db");
    refused("missing.db", keys, "404");

    // A signature required of a DB built from feeds.
    let mut from_feeds = options(vec![server.url("unsigned.db")], &cache);
    from_feeds.require_signature = keys.to_vec();
    let error = update(&db, &from_feeds).unwrap_err();
    assert!(matches!(error, UpdateError::SignatureNeedsDbUrl));
    assert!(error.to_string().contains("--db-url"), "{error}");
    assert_eq!(fs_err::read(&db).unwrap(), original);

    // The signed DB verifies: it replaces the DB in place, byte for byte.
    let report = update(&db, &with("signed.db", keys)).unwrap();
    assert!(report.rebuilt);
    assert_eq!(report.fetched, [server.url("signed.db")]);
    assert_eq!(report.signature.as_ref(), Some(&signature));
    assert_eq!(report.info.content_digest, signature.payload.content_digest);
    assert_eq!(fs_err::read(&db).unwrap(), fs_err::read(&signed).unwrap());
    Db::open(&db).unwrap().verify_signature(keys).unwrap();

    // Unchanged on the server: a 304, nothing replaced, the DB in place still verified.
    let report = update(&db, &with("signed.db", keys)).unwrap();
    assert!(!report.rebuilt);
    assert_eq!(report.not_modified, [server.url("signed.db")]);
    assert_eq!(report.signature.as_ref(), Some(&signature));

    // No signature required: an unsigned DB is taken (same data, another file).
    let report = update(&db, &with("unsigned.db", &[])).unwrap();
    assert!(report.rebuilt);
    assert_eq!(report.signature, None);
    assert_eq!(fs_err::read(&db).unwrap(), fs_err::read(&unsigned).unwrap());
    // The signed DB's URL is downloaded again (the DB in place is no longer its file), and a
    // 304 for the unsigned one could not pass for it.
    let report = update(&db, &with("signed.db", keys)).unwrap();
    assert!(report.rebuilt);
    let now_signed = fs_err::read(&db).unwrap();

    // Too large: refused before it is opened.
    let mut small = with("unsigned.db", &[]);
    small.max_download = 1024;
    let error = update(&db, &small).unwrap_err().to_string();
    assert!(error.contains("download limit"), "{error}");
    assert_eq!(fs_err::read(&db).unwrap(), now_signed);
    // Plain HTTP elsewhere is refused.
    let mut remote = with("signed.db", keys);
    remote.db_url = Some("http://example.com/tollgate.db".into());
    let error = update(&db, &remote).unwrap_err().to_string();
    assert!(
        error.contains("only allowed to a loopback address"),
        "{error}"
    );
}
