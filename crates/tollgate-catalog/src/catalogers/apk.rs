//! Installed Alpine packages (and those of apk-based distros), from apk's database
//! `/lib/apk/db/installed` (`/usr/lib/apk/db/installed` on newer, /usr-merged systems).
//!
//! The file is a list of stanzas separated by blank lines; each line is `X:value`, one letter
//! naming the field. Read here: `P` name, `V` version (kept exactly), `A` architecture, `o`
//! origin (the source package, whose version is the package's own), `L` license (kept as one
//! string: it is an expression such as `( Apache-2.0 OR MIT ) AND MPL-2.0`), and the files:
//! each `R` (file name) belongs to the last `F` (directory) before it. Checksums and
//! dependencies are not read.
//!
//! What is reported and what is an error:
//! - A stanza without `P:` or `V:` is skipped. That is what the ground truth does
//!   (`build/common.sh` `gt_apk`), and the shared `alpine` image has such a stanza on purpose:
//!   trivy's fixture contains `P:invalidPackageWithoutAVersion` alone, and its 15 packages,
//!   not 16, are the expected result.
//! - The whole file is an error when a line that is not blank is not `X:value` (apk itself stops
//!   with "FDB format error" there), or when a field read here is given twice in one stanza
//!   (which value is the package would be a guess). The trait has no way to say "these
//!   packages, and a problem", so the file becomes an unknown that names the line.
//!
//! Tolerated: CRLF line ends, whitespace-only separator lines, a missing final newline, and
//! bytes that are not UTF-8 (values are converted lossily).

// ref: https://wiki.alpinelinux.org/wiki/Apk_spec#Installed_Database_V2

use std::io::Read;

use tollgate_oci::{Selector, VisitedFile};

use crate::cataloger::{CatalogError, Cataloger, excerpt};
use crate::{Ecosystem, Package};

const FORMAT: &str = "apk installed database";

pub(crate) struct ApkDb;

impl Cataloger for ApkDb {
    fn id(&self) -> &'static str {
        "apk-db"
    }

    fn version(&self) -> u32 {
        1
    }

    fn selectors(&self) -> &'static [Selector] {
        &[
            Selector::Path("lib/apk/db/installed"),
            Selector::Path("usr/lib/apk/db/installed"),
        ]
    }

    fn catalog(
        &self,
        file: &VisitedFile<'_>,
        content: &mut dyn Read,
    ) -> Result<Vec<Package>, CatalogError> {
        let bytes = tollgate_oci::read_capped(content, file.buffer_limit)?;
        parse(&bytes)
    }
}

/// The fields of one stanza that are read, each with its value and line number.
#[derive(Default)]
struct Stanza<'a> {
    name: Option<(&'a [u8], usize)>,
    version: Option<(&'a [u8], usize)>,
    arch: Option<(&'a [u8], usize)>,
    origin: Option<(&'a [u8], usize)>,
    license: Option<(&'a [u8], usize)>,
    directory: &'a [u8],
    files: Vec<String>,
}

fn parse(bytes: &[u8]) -> Result<Vec<Package>, CatalogError> {
    let mut packages = Vec::new();
    let mut stanza = Stanza::default();
    for (index, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let number = index + 1;
        let line = raw.strip_suffix(b"\r").unwrap_or(raw);
        if line.trim_ascii().is_empty() {
            packages.extend(finish(std::mem::take(&mut stanza)));
            continue;
        }
        let [key, b':', ..] = line else {
            return Err(CatalogError::malformed(
                FORMAT,
                format!("line {number}: `{}` is not a `X:value` line", excerpt(line)),
            ));
        };
        let value = &line[2..];
        let slot = match key {
            b'F' => {
                stanza.directory = value;
                continue;
            }
            b'R' => {
                let mut path = String::with_capacity(stanza.directory.len() + value.len() + 2);
                for part in [stanza.directory, value] {
                    if !part.is_empty() {
                        path.push('/');
                        path.push_str(&String::from_utf8_lossy(part));
                    }
                }
                stanza.files.push(path);
                continue;
            }
            b'P' => &mut stanza.name,
            b'V' => &mut stanza.version,
            b'A' => &mut stanza.arch,
            b'o' => &mut stanza.origin,
            b'L' => &mut stanza.license,
            _ => continue,
        };
        if let Some((_, first)) = slot {
            return Err(CatalogError::malformed(
                FORMAT,
                format!(
                    "line {number}: second `{}:` field in the stanza (the first is on line {first})",
                    char::from(*key)
                ),
            ));
        }
        *slot = Some((value, number));
    }
    packages.extend(finish(stanza));
    Ok(packages)
}

/// The package of a complete stanza; `None` without a name or a version (see the module docs).
fn finish(stanza: Stanza<'_>) -> Option<Package> {
    let name = text(stanza.name)?;
    let version = text(stanza.version)?;
    let mut package = Package::new(Ecosystem::Apk, name, version);
    package.arch = text(stanza.arch);
    if let Some(origin) = text(stanza.origin) {
        package.source_name = Some(origin);
        package.source_version = Some(package.version.clone());
    }
    package.licenses = text(stanza.license).into_iter().collect();
    package.files = stanza.files;
    Some(package)
}

fn text(field: Option<(&[u8], usize)>) -> Option<String> {
    field
        .map(|(value, _)| value.trim_ascii())
        .filter(|value| !value.is_empty())
        .map(|value| String::from_utf8_lossy(value).into_owned())
}

#[cfg(test)]
mod tests {
    use tollgate_oci::{Image, OpenOptions, Target};

    use super::*;

    /// (name, version, source name, source version, arch) with "" for none, as in packages.tsv.
    type Row = (String, String, String, String, String);

    fn catalog_with_limit(
        path: &str,
        bytes: &[u8],
        buffer_limit: u64,
    ) -> Result<Vec<Package>, CatalogError> {
        crate::cataloger::testing::catalog(&ApkDb, path, bytes, buffer_limit)
    }

    fn catalog(bytes: &[u8]) -> Result<Vec<Package>, CatalogError> {
        catalog_with_limit("/lib/apk/db/installed", bytes, 64 << 20)
    }

    fn rows(packages: &[Package]) -> Vec<Row> {
        let mut rows: Vec<Row> = packages
            .iter()
            .map(|p| {
                (
                    p.name.clone(),
                    p.version.clone(),
                    p.source_name.clone().unwrap_or_default(),
                    p.source_version.clone().unwrap_or_default(),
                    p.arch.clone().unwrap_or_default(),
                )
            })
            .collect();
        rows.sort();
        rows
    }

    fn r(name: &str, version: &str, source: &str, source_version: &str, arch: &str) -> Row {
        (
            name.into(),
            version.into(),
            source.into(),
            source_version.into(),
            arch.into(),
        )
    }

    /// The `apk` rows of `expected/<image>/packages.tsv`.
    fn expected(tsv: &std::path::Path) -> Vec<Row> {
        let text = fs_err::read_to_string(tsv).unwrap();
        let mut lines = text.lines();
        assert_eq!(
            lines.next(),
            Some("ecosystem\tname\tversion\tsource_name\tsource_version\tarch\tlocation")
        );
        let mut rows: Vec<Row> = lines
            .map(|line| line.split('\t').collect::<Vec<_>>())
            .filter(|cells| cells[0] == "apk")
            .map(|c| r(c[1], c[2], c[3], c[4], c[5]))
            .collect();
        rows.sort();
        rows
    }

    fn malformed(result: Result<Vec<Package>, CatalogError>) -> String {
        crate::cataloger::testing::malformed_reason(result, FORMAT)
    }

    #[test]
    fn selectors_and_identity() {
        assert_eq!(ApkDb.id(), "apk-db");
        assert_eq!(ApkDb.version(), 1);
        assert_eq!(
            format!("{:?}", ApkDb.selectors()),
            r#"[Path("lib/apk/db/installed"), Path("usr/lib/apk/db/installed")]"#
        );
    }

    #[test]
    fn trivy_installed() {
        for (case, path) in [
            ("installed/installed", "/lib/apk/db/installed"),
            ("installed-usr-lib/installed", "/usr/lib/apk/db/installed"),
        ] {
            let Some(fixture) = tollgate_test::shared(&format!("fixtures/trivy/apk/{case}")) else {
                return;
            };
            let bytes = fs_err::read(fixture).unwrap();
            let packages = catalog_with_limit(path, &bytes, 64 << 20).unwrap();
            // 16 stanzas; `P:invalidPackageWithoutAVersion` has no `V:` and is skipped.
            assert_eq!(packages.len(), 15, "{case}");
            assert!(!packages.iter().any(|p| p.name.starts_with("invalid")));
            let rows = rows(&packages);
            for expected in [
                r("musl", "1.1.14-r10", "musl", "1.1.14-r10", "x86_64"),
                r("libc-utils", "0.7-r0", "libc-dev", "0.7-r0", "x86_64"),
                r(
                    "test",
                    "2.9.11_pre20061021-r2",
                    "test-parent",
                    "2.9.11_pre20061021-r2",
                    "x86_64",
                ),
                r("ada-libs", "2.7.4-r0", "ada", "2.7.4-r0", "x86_64"),
            ] {
                assert!(rows.contains(&expected), "{case}: {expected:?} missing");
            }
            let licenses = |name: &str| {
                packages
                    .iter()
                    .find(|p| p.name == name)
                    .map(|p| p.licenses.clone())
                    .unwrap()
            };
            assert_eq!(licenses("musl"), vec!["MIT"]);
            assert_eq!(licenses("scanelf"), vec!["GPL2"]);
            assert_eq!(
                licenses("ada-libs"),
                vec!["( Apache-2.0 OR MIT ) AND MPL-2.0"]
            );
            assert!(packages.iter().all(|p| p.vendor.is_none()));
        }
    }

    #[test]
    fn crlf_and_blank_lines() {
        let Some(fixture) = tollgate_test::shared("fixtures/trivy/apk/installed/installed") else {
            return;
        };
        let text = fs_err::read_to_string(fixture).unwrap();
        let expected = rows(&catalog(text.as_bytes()).unwrap());
        let crlf = text.replace('\n', "\r\n");
        assert_eq!(rows(&catalog(crlf.as_bytes()).unwrap()), expected);
        let spaced = format!("\n\n{}\n \n\t\n", text.replace("\n\n", "\n\n \n\n"));
        assert_eq!(rows(&catalog(spaced.as_bytes()).unwrap()), expected);
    }

    #[test]
    fn stanza_without_origin_has_no_source() {
        let packages = catalog(b"P:busybox\nV:1.36.0-r9\n").unwrap();
        assert_eq!(rows(&packages), vec![r("busybox", "1.36.0-r9", "", "", "")]);
        assert!(packages[0].licenses.is_empty());
        // `V:` without `P:` is skipped too, and empty values count as absent.
        assert_eq!(
            catalog(b"V:1.0-r0\nA:x86_64\n\nP:\nV:1\n\nP:a\nV:\n").unwrap(),
            vec![]
        );
    }

    #[test]
    fn malformed_lines_and_duplicates() {
        let Some(fixture) = tollgate_test::shared("fixtures/trivy/apk/installed/installed") else {
            return;
        };
        let text = fs_err::read_to_string(fixture).unwrap();
        let mut lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[2], "V:1.1.14-r10");
        lines.insert(3, "V:9.9-r0");
        let reason = malformed(catalog(lines.join("\n").as_bytes()));
        assert_eq!(
            reason,
            "line 4: second `V:` field in the stanza (the first is on line 3)"
        );
        lines[3] = "garbage without a colon";
        let reason = malformed(catalog(lines.join("\n").as_bytes()));
        assert_eq!(
            reason,
            "line 4: `garbage without a colon` is not a `X:value` line"
        );
        lines[3] = "X";
        let reason = malformed(catalog(lines.join("\n").as_bytes()));
        assert_eq!(reason, "line 4: `X` is not a `X:value` line");
    }

    #[test]
    fn hostile_not_utf8_huge_lines_and_garbage() {
        // Not UTF-8, lossily converted.
        let packages = catalog(b"P:caf\xe9\nV:1.0-r0\nT:\xff\xfe\x00\n").unwrap();
        assert_eq!(packages[0].name, "caf\u{fffd}");
        // A 32 MiB value.
        let mut huge = b"P:big\nV:1-r0\nT:".to_vec();
        huge.extend(std::iter::repeat_n(b'x', 32 << 20));
        huge.extend_from_slice(b"\n\nP:small\nV:2-r0\n");
        let packages = catalog(&huge).unwrap();
        assert_eq!(
            rows(&packages),
            vec![r("big", "1-r0", "", "", ""), r("small", "2-r0", "", "", "")]
        );
        // A huge garbage line: the error names it briefly.
        let garbage = vec![b'\xff'; 8 << 20];
        let reason = malformed(catalog(&garbage));
        assert_eq!(
            reason,
            format!(
                "line 1: `{}…` is not a `X:value` line",
                "\u{fffd}".repeat(60)
            )
        );
        // Every byte value, repeated: line 1 is bytes 0..=9.
        let every: Vec<u8> = (0..=255u8).cycle().take(1 << 20).collect();
        let reason = malformed(catalog(&every));
        assert_eq!(
            reason,
            r"line 1: `\0\u{1}\u{2}\u{3}\u{4}\u{5}\u{6}\u{7}\u{8}\t` is not a `X:value` line"
        );
        // A real binary (an ELF from trivy's fixtures) fails cleanly.
        if let Some(path) =
            tollgate_test::shared("fixtures/trivy/gobinary/test-elf/executable_gobinary")
        {
            let elf = fs_err::read(path).unwrap();
            let _ = malformed(catalog(&elf));
        }
        assert_eq!(catalog(b"").unwrap(), vec![]);
    }

    #[test]
    fn over_the_buffer_limit_is_a_read_error() {
        let bytes = vec![b'a'; 2048];
        let result = catalog_with_limit("/lib/apk/db/installed", &bytes, 1024);
        assert!(matches!(result, Err(CatalogError::Read(_))), "{result:?}");
    }

    fn ground_truth(image: &str, count: usize) {
        let Some(dir) = tollgate_test::shared(&format!("images/{image}")) else {
            return;
        };
        let Some(tsv) = tollgate_test::shared(&format!("images/expected/{image}/packages.tsv"))
        else {
            return;
        };
        let image = Image::open(
            &Target::parse(&format!("oci:{}:1.0", dir.display())).unwrap(),
            &OpenOptions::default(),
        )
        .unwrap();
        let walk = image.walk(&[], None).unwrap();
        let bytes = image
            .read_file(&walk.view, "/lib/apk/db/installed")
            .unwrap();
        let packages = catalog(&bytes).unwrap();
        assert_eq!(packages.len(), count);
        assert_eq!(rows(&packages), expected(&tsv));
    }

    #[test]
    fn ground_truth_alpine() {
        // trivy's fixture, with the stanza that has no version.
        ground_truth("alpine", 15);
    }

    #[test]
    fn ground_truth_alpine_3_18() {
        ground_truth("alpine-3.18", 15);
    }

    #[test]
    fn ground_truth_alpine_through_the_pipeline() {
        let dir = tollgate_test::shared_or_skip!("images/alpine-3.18");
        let tsv = tollgate_test::shared_or_skip!("images/expected/alpine-3.18/packages.tsv");
        let image = Image::open(
            &Target::parse(&format!("oci:{}:1.0", dir.display())).unwrap(),
            &OpenOptions::default(),
        )
        .unwrap();
        let inventory = crate::inventory(&image, None).unwrap();
        let packages: Vec<Package> = inventory
            .packages
            .into_iter()
            .filter(|p| p.cataloger == "apk-db")
            .collect();
        assert_eq!(rows(&packages), expected(&tsv));
        assert!(packages.iter().all(|p| p.path == "/lib/apk/db/installed"));
        assert!(!inventory.unknowns.iter().any(|u| u.cataloger == "apk-db"));
    }
}
