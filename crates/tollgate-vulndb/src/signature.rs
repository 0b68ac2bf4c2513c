//! Signed DBs (`tollgate db sign`, `tollgate db verify`, `tollgate db update --require-signature`):
//! vulnerability data is part of the supply chain.
//!
//! A signature is made with a [`tollgate_sign::SigningKey`] (cosign's key formats, ECDSA P-256 or
//! Ed25519) over a small canonical JSON payload (keys sorted, no whitespace):
//!
//! ```json
//! {"built_at":"…","content_digest":"sha256:…","schema":"tollgate.db-signature/v1","schema_version":1,"tables_digest":"sha256:…"}
//! ```
//!
//! - `content_digest` is the DB's content digest (sources and advisory documents, the value scan
//!   reports record; see [`crate::db`]);
//! - `tables_digest` covers everything else a scan reads: the SQLite schema (so no table, index,
//!   view or trigger can be added) and every row of every table — the package index, the
//!   advisories' columns, the sources, and the metadata except the signature's own keys.
//!
//! It is stored inside the DB file, in the `meta` table (`signature_payload`, `signature` in
//! base64, `signature_key_id` = `sha256:<hex>` of the signer's SPKI DER), so that a DB stays one
//! file; the `meta` table is not part of the content digest, so signing does not change it.
//!
//! Verification recomputes both digests from the data (it never trusts a recorded value),
//! checks them against the signed payload, and checks the signature over the exact payload bytes
//! stored, with any of the given keys.

use std::path::Path;

use base64::Engine as _;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, params};
use sha2::{Digest as _, Sha256};
use tollgate_sign::{KeyAlgorithm, SigningKey, VerifyingKey};

use crate::db::{Db, DbError, SCHEMA_VERSION};

/// The payload's `schema`.
pub const PAYLOAD_SCHEMA: &str = "tollgate.db-signature/v1";
/// `meta` key of the signed payload (its exact bytes, as signed).
pub const META_PAYLOAD: &str = "signature_payload";
/// `meta` key of the signature, standard base64.
pub const META_SIGNATURE: &str = "signature";
/// `meta` key of the signer's key id (a hint for error messages: every given key is tried).
pub const META_KEY_ID: &str = "signature_key_id";

/// The tables of a DB, each with the order its rows are digested in.
const TABLES: [(&str, &str); 4] = [
    ("meta", "key"),
    ("sources", "id"),
    ("advisories", "id"),
    ("packages", "ecosystem, name, advisory"),
];

/// What is signed.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignaturePayload {
    /// The DB's build time (RFC 3339), as in its metadata.
    pub built_at: String,
    /// The content digest, `sha256:<hex>`.
    pub content_digest: String,
    /// [`PAYLOAD_SCHEMA`].
    pub schema: String,
    /// The DB schema version.
    pub schema_version: u32,
    /// The digest of the schema and every table row but the signature's (see the module docs).
    pub tables_digest: String,
}

impl SignaturePayload {
    /// The canonical bytes: JSON with sorted keys (the fields are declared in order) and no
    /// whitespace.
    #[must_use]
    pub fn to_canonical_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }
}

/// A signature made or verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureInfo {
    /// What was signed.
    pub payload: SignaturePayload,
    /// `sha256:<hex>` of the SPKI DER of the key that made it (when verifying: the given key
    /// that verified it).
    pub key_id: String,
    /// That key's algorithm.
    pub algorithm: KeyAlgorithm,
}

/// Why signing or verifying failed. Each says what to do about it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// The DB carries no signature.
    #[error("the DB is not signed (sign it with `tollgate db sign --key KEY`)")]
    NotSigned,
    /// The stored signature or payload cannot be read.
    #[error("the stored signature is malformed: {0}")]
    Malformed(String),
    /// No key was given to verify with.
    #[error("no public key was given to verify the signature with")]
    NoKeys,
    /// None of the keys is the signer's, and none verifies.
    #[error(
        "the DB was signed by key {signed_by}, not by any of the given keys ({}): pass the \
         signer's public key",
        given.join(", ")
    )]
    UnknownKey {
        /// The key id recorded with the signature.
        signed_by: String,
        /// The ids of the keys given.
        given: Vec<String>,
    },
    /// The signer's key is among those given, but the signature does not verify.
    #[error(
        "bad signature: it does not verify with the signer's key {key_id}; the signed payload or \
         the signature was altered"
    )]
    BadSignature {
        /// The key.
        key_id: String,
    },
    /// The advisory data changed after signing.
    #[error(
        "content digest mismatch: the advisory data changed after signing (signed {signed}, the \
         data now digests to {actual})"
    )]
    DigestMismatch {
        /// The digest signed.
        signed: String,
        /// The digest recomputed from the data.
        actual: String,
    },
    /// The package index, the sources, the schema or the metadata changed after signing.
    #[error(
        "tables digest mismatch: the DB's package index, sources, schema or metadata changed \
         after signing (signed {signed}, now {actual})"
    )]
    TablesMismatch {
        /// The digest signed.
        signed: String,
        /// The digest recomputed.
        actual: String,
    },
    /// A metadata value disagrees with the signed payload.
    #[error(
        "metadata `{field}` is {stored:?}, but the signature is over {signed:?}: the metadata changed after signing"
    )]
    MetadataMismatch {
        /// The metadata key.
        field: &'static str,
        /// The value signed.
        signed: String,
        /// The value in the metadata.
        stored: String,
    },
    /// The DB's recorded content digest is not that of its data (so it is not signed).
    #[error(
        "the recorded content digest {recorded} is not that of the data ({actual}): the DB was \
         changed after it was built; rebuild it"
    )]
    Inconsistent {
        /// The metadata's value.
        recorded: String,
        /// The data's.
        actual: String,
    },
    /// A key could not be used.
    #[error(transparent)]
    Key(#[from] tollgate_sign::KeyError),
}

/// `sha256:<hex>` of the key's SPKI DER: how a signature names its signer.
///
/// # Errors
/// Only if the key cannot be DER-encoded, which does not happen for valid keys.
pub fn key_id(key: &VerifyingKey) -> Result<String, tollgate_sign::KeyError> {
    Ok(format!(
        "sha256:{}",
        hex::encode(Sha256::digest(key.to_spki_der()?))
    ))
}

/// Sign the DB at `path` with `key`, replacing any signature it had. The DB is copied beside
/// itself, signed, and renamed over the original: readers see the old file or the new one.
///
/// # Errors
/// When the DB cannot be read or written, or its recorded content digest is not that of its
/// data ([`SignatureError::Inconsistent`]: it was changed after the build).
pub fn sign_db(path: &Path, key: &SigningKey) -> Result<SignatureInfo, DbError> {
    let io = |what: &'static str| {
        move |source| DbError::Io {
            path: path.to_owned(),
            what,
            source,
        }
    };
    let sql = |what: &'static str| {
        move |source| DbError::Sqlite {
            path: path.to_owned(),
            what,
            source,
        }
    };
    let signature_error = |source: SignatureError| DbError::Signature {
        path: path.to_owned(),
        source,
    };
    // Fail early, on the original, when it is not a DB at all.
    drop(Db::open(path)?);
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let temporary = tempfile::Builder::new()
        .prefix(".tollgate-db-")
        .tempfile_in(dir)
        .map_err(io("creating a temporary file beside it"))?
        .into_temp_path();
    // std's copy keeps the permission bits.
    std::fs::copy(path, &temporary).map_err(io("copying it to sign"))?;

    let payload = {
        let db = Db::open(&temporary)?;
        let actual = db.recompute_content_digest()?;
        if actual != db.info().content_digest {
            return Err(signature_error(SignatureError::Inconsistent {
                recorded: db.info().content_digest.clone(),
                actual,
            }));
        }
        SignaturePayload {
            built_at: db.info().built_at.clone(),
            content_digest: actual,
            schema: PAYLOAD_SCHEMA.to_owned(),
            schema_version: db.info().schema_version,
            tables_digest: tables_digest(db.connection(), path)?,
        }
    };
    let bytes = payload.to_canonical_json();
    let signature = key.sign(&bytes);
    let verifying = key.verifying_key();
    let key_id = key_id(&verifying).map_err(|error| signature_error(error.into()))?;

    let mut connection = Connection::open(&temporary).map_err(sql("opening the copy"))?;
    let transaction = connection.transaction().map_err(sql("signing"))?;
    for (meta_key, value) in [
        (META_PAYLOAD, String::from_utf8(bytes).unwrap_or_default()),
        (
            META_SIGNATURE,
            base64::engine::general_purpose::STANDARD.encode(&signature),
        ),
        (META_KEY_ID, key_id.clone()),
    ] {
        transaction
            .execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
                params![meta_key, value],
            )
            .map_err(sql("writing the signature"))?;
    }
    transaction.commit().map_err(sql("writing the signature"))?;
    connection
        .close()
        .map_err(|(_, source)| sql("closing the copy")(source))?;
    temporary
        .persist(path)
        .map_err(|error| io("moving the signed DB into place")(error.error))?;
    Ok(SignatureInfo {
        payload,
        key_id,
        algorithm: verifying.algorithm(),
    })
}

impl Db {
    /// Check the DB's signature with any of `keys`: the signature over the stored payload, then
    /// the payload against the metadata, then the content digest and the tables digest
    /// recomputed from the data (reading the whole DB).
    ///
    /// # Errors
    /// [`DbError::Signature`] naming what failed: [`SignatureError::NotSigned`],
    /// [`SignatureError::UnknownKey`] (no given key is the signer's),
    /// [`SignatureError::BadSignature`], [`SignatureError::MetadataMismatch`],
    /// [`SignatureError::DigestMismatch`] (the advisory data changed after signing),
    /// [`SignatureError::TablesMismatch`] (the index, sources, schema or metadata did),
    /// [`SignatureError::Malformed`]; and read errors.
    pub fn verify_signature(&self, keys: &[VerifyingKey]) -> Result<SignatureInfo, DbError> {
        let fail = |source: SignatureError| DbError::Signature {
            path: self.path().to_owned(),
            source,
        };
        let [payload_bytes, signature, signed_by] = self.stored_signature()?;
        let (Some(payload_bytes), Some(signature)) = (payload_bytes, signature) else {
            return Err(fail(SignatureError::NotSigned));
        };
        let signature = base64::engine::general_purpose::STANDARD
            .decode(signature.trim())
            .map_err(|error| fail(SignatureError::Malformed(format!("not base64: {error}"))))?;
        if keys.is_empty() {
            return Err(fail(SignatureError::NoKeys));
        }
        let mut ids = Vec::with_capacity(keys.len());
        let mut verified = None;
        for key in keys {
            let id = key_id(key).map_err(|error| fail(error.into()))?;
            if verified.is_none() && key.verify(payload_bytes.as_bytes(), &signature).is_ok() {
                verified = Some((id.clone(), key.algorithm()));
            }
            ids.push(id);
        }
        let signed_by = signed_by.unwrap_or_else(|| "(not recorded)".to_owned());
        let Some((key_id, algorithm)) = verified else {
            return Err(fail(if ids.contains(&signed_by) {
                SignatureError::BadSignature { key_id: signed_by }
            } else {
                SignatureError::UnknownKey {
                    signed_by,
                    given: ids,
                }
            }));
        };
        // The payload is authentic from here on.
        let payload: SignaturePayload = serde_json::from_str(&payload_bytes).map_err(|error| {
            fail(SignatureError::Malformed(format!(
                "the signed payload is not a {PAYLOAD_SCHEMA} payload: {error}"
            )))
        })?;
        if payload.schema != PAYLOAD_SCHEMA {
            return Err(fail(SignatureError::Malformed(format!(
                "the signed payload's schema is {:?}; this tollgate reads {PAYLOAD_SCHEMA}",
                payload.schema
            ))));
        }
        let info = self.info();
        for (field, signed, stored) in [
            (
                "schema_version",
                payload.schema_version.to_string(),
                info.schema_version.to_string(),
            ),
            ("built_at", payload.built_at.clone(), info.built_at.clone()),
            (
                "content_digest",
                payload.content_digest.clone(),
                info.content_digest.clone(),
            ),
        ] {
            if signed != stored {
                return Err(fail(SignatureError::MetadataMismatch {
                    field,
                    signed,
                    stored,
                }));
            }
        }
        let actual = self.recompute_content_digest()?;
        if actual != payload.content_digest {
            return Err(fail(SignatureError::DigestMismatch {
                signed: payload.content_digest,
                actual,
            }));
        }
        let actual = self.recompute_tables_digest()?;
        if actual != payload.tables_digest {
            return Err(fail(SignatureError::TablesMismatch {
                signed: payload.tables_digest,
                actual,
            }));
        }
        debug_assert_eq!(SCHEMA_VERSION, payload.schema_version);
        Ok(SignatureInfo {
            payload,
            key_id,
            algorithm,
        })
    }

    /// The stored signature, unchecked: `None` when the DB is not signed.
    ///
    /// # Errors
    /// When the DB cannot be read.
    pub fn signature_payload(&self) -> Result<Option<String>, DbError> {
        let [payload, _, _] = self.stored_signature()?;
        Ok(payload)
    }

    /// The tables digest (see the module docs) recomputed from the DB.
    ///
    /// # Errors
    /// When the DB cannot be read.
    pub fn recompute_tables_digest(&self) -> Result<String, DbError> {
        tables_digest(self.connection(), self.path())
    }

    /// [payload, signature, key id] from the metadata.
    fn stored_signature(&self) -> Result<[Option<String>; 3], DbError> {
        let mut values = [None, None, None];
        for (slot, key) in values
            .iter_mut()
            .zip([META_PAYLOAD, META_SIGNATURE, META_KEY_ID])
        {
            *slot = self
                .connection()
                .query_row("SELECT value FROM meta WHERE key = ?1", [key], |row| {
                    row.get::<_, String>(0)
                })
                .map(Some)
                .or_else(|error| match error {
                    rusqlite::Error::QueryReturnedNoRows => Ok(None),
                    error => Err(error),
                })
                .map_err(|source| DbError::Sqlite {
                    path: self.path().to_owned(),
                    what: "reading the signature",
                    source,
                })?;
        }
        Ok(values)
    }
}

/// SHA-256 over the SQLite schema (type, name, table and SQL of every object, not their page
/// numbers) and every row of every table in a fixed order, each value typed and
/// length-prefixed; the signature's own `meta` rows are left out.
fn tables_digest(connection: &Connection, path: &Path) -> Result<String, DbError> {
    let sql = |what: &'static str| {
        move |source| DbError::Sqlite {
            path: path.to_owned(),
            what,
            source,
        }
    };
    let mut digest = Sha256::new();
    digest.update(b"tollgate-db-tables/1\n");
    let mut queries = vec![(
        "schema",
        "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name".to_owned(),
    )];
    for (table, order) in TABLES {
        let filter = if table == "meta" {
            format!(" WHERE key NOT IN ('{META_PAYLOAD}', '{META_SIGNATURE}', '{META_KEY_ID}')")
        } else {
            String::new()
        };
        queries.push((
            table,
            format!("SELECT * FROM {table}{filter} ORDER BY {order}"),
        ));
    }
    for (name, query) in queries {
        digest.update(b"table\0");
        digest.update(name.as_bytes());
        digest.update(b"\n");
        let mut statement = connection.prepare(&query).map_err(sql("reading a table"))?;
        let columns = statement.column_count();
        let mut rows = statement.query([]).map_err(sql("reading a table"))?;
        while let Some(row) = rows.next().map_err(sql("reading a table"))? {
            digest.update(b"r");
            for column in 0..columns {
                let value = row.get_ref(column).map_err(sql("reading a table"))?;
                let number;
                let (tag, bytes): (u8, &[u8]) = match value {
                    ValueRef::Null => (b'n', &[]),
                    ValueRef::Integer(n) => {
                        number = n.to_le_bytes();
                        (b'i', &number)
                    }
                    ValueRef::Real(x) => {
                        number = x.to_bits().to_le_bytes();
                        (b'f', &number)
                    }
                    ValueRef::Text(text) => (b't', text),
                    ValueRef::Blob(blob) => (b'b', blob),
                };
                digest.update([tag]);
                digest.update((bytes.len() as u64).to_le_bytes());
                digest.update(bytes);
            }
        }
    }
    Ok(format!("sha256:{}", hex::encode(digest.finalize())))
}
