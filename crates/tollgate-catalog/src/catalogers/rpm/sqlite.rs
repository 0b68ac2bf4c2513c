//! rpm's sqlite `rpmdb.sqlite` (rpm 4.16+: Fedora 33+, RHEL 9, CBL-Mariner, Amazon Linux
//! 2023): table `Packages(hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)`, one
//! header blob per row.
//!
//! The bytes are opened in memory, read-only, never as a file. rpm leaves the database in WAL
//! mode, which an in-memory database cannot open: the copy handed to sqlite says "rollback
//! journal" instead (header bytes 18 and 19), which changes nothing else. A `-wal` file beside
//! the database is not read. `Packages` must be a plain table with plain columns, so that a
//! hostile schema (a recursive view, a generated column) cannot make the query expensive.

// ref: https://github.com/rpm-software-management/rpm/blob/master/lib/backend/sqlite.c
// ref: https://www.sqlite.org/fileformat2.html#the_database_header

use std::io::Read;

use rusqlite::{Connection, OpenFlags};

use super::EachBlob;
use crate::cataloger::CatalogError;

const FORMAT: &str = "rpm sqlite database";

pub(super) const MAGIC: &[u8; 16] = b"SQLite format 3\0";
/// Size of sqlite's database header.
const HEADER_SIZE: usize = 100;
/// Offsets of the file format write/read versions: 1 rollback journal, 2 WAL.
const FORMAT_VERSIONS: usize = 18;

fn malformed(reason: impl Into<String>) -> CatalogError {
    CatalogError::malformed(FORMAT, reason)
}

/// sqlite's errors stay private: only their text goes into the reason.
fn sqlite(doing: &str) -> impl FnOnce(rusqlite::Error) -> CatalogError + '_ {
    move |error| malformed(format!("{doing}: {error}"))
}

/// Call `each` with every `hnum` and header blob in `file`, by `hnum`.
pub(super) fn for_each_blob(file: &[u8], each: &mut EachBlob<'_>) -> Result<(), CatalogError> {
    if file.len() < HEADER_SIZE || !file.starts_with(MAGIC) {
        return Err(malformed(format!(
            "{} bytes without the {HEADER_SIZE}-byte sqlite header",
            file.len()
        )));
    }
    let mut connection = Connection::open_in_memory_with_flags(
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(sqlite("failed to open an in-memory database"))?;
    let rollback: &[u8] = &[1, 1];
    let versions = if file[FORMAT_VERSIONS..FORMAT_VERSIONS + 2] == [2, 2] {
        rollback
    } else {
        &file[FORMAT_VERSIONS..FORMAT_VERSIONS + 2]
    };
    let bytes = file[..FORMAT_VERSIONS]
        .chain(versions)
        .chain(&file[FORMAT_VERSIONS + 2..]);
    connection
        .deserialize_read_exact("main", bytes, file.len(), true)
        .map_err(sqlite("failed to load the database"))?;

    check_schema(&connection)?;
    check_sizes(&connection, file.len())?;
    let mut statement = connection
        .prepare("SELECT hnum, blob FROM Packages ORDER BY hnum")
        .map_err(sqlite("failed to query `Packages`"))?;
    let mut rows = statement
        .query([])
        .map_err(sqlite("failed to query `Packages`"))?;
    while let Some(row) = rows.next().map_err(sqlite("failed to read `Packages`"))? {
        let hnum: i64 = row
            .get(0)
            .map_err(sqlite("failed to read a `Packages` row"))?;
        let number = u32::try_from(hnum)
            .ok()
            .filter(|&n| n != 0)
            .ok_or_else(|| malformed(format!("`hnum` {hnum} is not a header number")))?;
        let blob = row
            .get_ref(1)
            .map_err(sqlite("failed to read a `Packages` row"))?
            .as_blob()
            .map_err(|_| malformed(format!("`hnum` {hnum}: `blob` is not a blob")))?;
        each(number, blob)?;
    }
    Ok(())
}

/// The blobs' sizes add up to no more than the file holds. sqlite reads a size from the row
/// without following the row's overflow pages, which a hostile file could share between rows
/// or loop, so this bounds the memory and time the real read takes.
fn check_sizes(connection: &Connection, file_size: usize) -> Result<(), CatalogError> {
    let total: i64 = connection
        .query_row(
            "SELECT coalesce(sum(length(blob)), 0) FROM Packages",
            [],
            |row| row.get(0),
        )
        .map_err(sqlite("failed to read `Packages`"))?;
    if total > file_size as i64 {
        return Err(malformed(format!(
            "the rows' blobs claim {total} bytes, more than the file's {file_size}"
        )));
    }
    Ok(())
}

/// `Packages` is an ordinary table whose `hnum` and `blob` are ordinary columns.
fn check_schema(connection: &Connection) -> Result<(), CatalogError> {
    let kind: Option<(String, String)> = connection
        .query_row(
            "SELECT type, coalesce(sql, '') FROM sqlite_schema WHERE name = 'Packages'",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .map(Some)
        .or_else(|error| match error {
            rusqlite::Error::QueryReturnedNoRows => Ok(None),
            other => Err(other),
        })
        .map_err(sqlite("failed to read the schema"))?;
    let Some((kind, sql)) = kind else {
        return Err(malformed("there is no `Packages` table"));
    };
    if kind != "table"
        || sql
            .trim_start()
            .to_ascii_uppercase()
            .starts_with("CREATE VIRTUAL")
    {
        return Err(malformed(format!(
            "`Packages` is a {kind}, not an ordinary table"
        )));
    }
    let mut statement = connection
        .prepare("SELECT name, hidden FROM pragma_table_xinfo('Packages')")
        .map_err(sqlite("failed to read the schema"))?;
    let columns = statement
        .query_map([], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
        })
        .map_err(sqlite("failed to read the schema"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(sqlite("failed to read the schema"))?;
    for wanted in ["hnum", "blob"] {
        match columns
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(wanted))
        {
            Some((_, 0)) => {}
            Some(_) => {
                return Err(malformed(format!(
                    "`Packages.{wanted}` is a generated or hidden column"
                )));
            }
            None => return Err(malformed(format!("`Packages` has no `{wanted}` column"))),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture() -> Option<Vec<u8>> {
        let path = tollgate_test::shared("fixtures/trivy/rpm/mariner2-sqlite/rpmdb.sqlite")?;
        Some(fs_err::read(path).unwrap())
    }

    fn blobs(file: &[u8]) -> Result<Vec<u32>, CatalogError> {
        let mut out = Vec::new();
        for_each_blob(file, &mut |number, _| {
            out.push(number);
            Ok(())
        })?;
        Ok(out)
    }

    fn reason(result: Result<Vec<u32>, CatalogError>) -> String {
        match result {
            Err(CatalogError::Malformed { format, reason }) => {
                assert_eq!(format, FORMAT);
                reason
            }
            other => panic!("expected Malformed, got {other:?}"),
        }
    }

    #[test]
    fn fixture_in_wal_mode_holds_129_headers() {
        let Some(file) = fixture() else { return };
        assert_eq!(
            file[FORMAT_VERSIONS..FORMAT_VERSIONS + 2],
            [2, 2],
            "rpm leaves it in WAL mode"
        );
        let numbers = blobs(&file).unwrap();
        assert_eq!(numbers.len(), 129);
        assert!(numbers.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn short_or_foreign_files_are_refused() {
        assert_eq!(
            reason(blobs(b"")),
            "0 bytes without the 100-byte sqlite header"
        );
        assert_eq!(
            reason(blobs(&[0; 200])),
            "200 bytes without the 100-byte sqlite header"
        );
    }

    #[test]
    fn truncated_file_is_refused() {
        let Some(file) = fixture() else { return };
        for cut in [100, 4096, file.len() / 2] {
            let error = reason(blobs(&file[..cut]));
            assert!(
                error.starts_with("failed to") && error.contains("malformed"),
                "cut at {cut}: {error}"
            );
        }
    }

    #[test]
    fn blob_sizes_beyond_the_file_are_refused() {
        // A hostile file can make rows share or loop overflow pages, so that their blobs add
        // up to more than the file; the sizes are summed before any blob is read.
        let Some(mut file) = fixture() else { return };
        file[FORMAT_VERSIONS..FORMAT_VERSIONS + 2].copy_from_slice(&[1, 1]);
        let mut connection = Connection::open_in_memory().unwrap();
        connection
            .deserialize_read_exact("main", &file[..], file.len(), true)
            .unwrap();
        check_sizes(&connection, file.len()).unwrap();
        let total: i64 = connection
            .query_row("SELECT sum(length(blob)) FROM Packages", [], |row| {
                row.get(0)
            })
            .unwrap();
        let result = check_sizes(&connection, 1000);
        let Err(CatalogError::Malformed { format, reason }) = result else {
            panic!("{result:?}")
        };
        assert_eq!(format, FORMAT);
        assert_eq!(
            reason,
            format!("the rows' blobs claim {total} bytes, more than the file's 1000")
        );
    }

    #[test]
    fn hostile_schemas_are_refused() {
        let Some(mut file) = fixture() else { return };
        // An in-memory database cannot be in WAL mode.
        file[FORMAT_VERSIONS..FORMAT_VERSIONS + 2].copy_from_slice(&[1, 1]);
        let rewrite = |sql: &str| {
            let mut connection = Connection::open_in_memory().unwrap();
            connection
                .deserialize_read_exact("main", &file[..], file.len(), false)
                .unwrap();
            connection
                .execute_batch("PRAGMA journal_mode = DELETE; PRAGMA foreign_keys = OFF;")
                .unwrap();
            connection.execute_batch(sql).unwrap();
            connection.serialize("main").unwrap().to_vec()
        };
        let view = rewrite(
            "DROP TABLE Packages; CREATE VIEW Packages AS WITH RECURSIVE n(hnum, blob) AS \
             (SELECT 1, x'00' UNION ALL SELECT hnum + 1, blob FROM n) SELECT * FROM n;",
        );
        assert_eq!(
            reason(blobs(&view)),
            "`Packages` is a view, not an ordinary table"
        );
        let generated = rewrite(
            "DROP TABLE Packages; CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, \
             blob BLOB GENERATED ALWAYS AS (zeroblob(1000000000)));",
        );
        assert_eq!(
            reason(blobs(&generated)),
            "`Packages.blob` is a generated or hidden column"
        );
        let missing = rewrite("DROP TABLE Packages;");
        assert_eq!(reason(blobs(&missing)), "there is no `Packages` table");
        let text = rewrite("UPDATE Packages SET blob = 'text' WHERE hnum = 1;");
        assert_eq!(reason(blobs(&text)), "`hnum` 1: `blob` is not a blob");
        let zero = rewrite("UPDATE Packages SET hnum = 0 WHERE hnum = 1;");
        assert_eq!(reason(blobs(&zero)), "`hnum` 0 is not a header number");
    }
}
