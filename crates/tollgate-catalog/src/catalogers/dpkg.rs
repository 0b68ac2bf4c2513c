//! Installed Debian packages, from dpkg's database: `/var/lib/dpkg/status`, and the distroless
//! layout, where `/var/lib/dpkg/status.d/<package>` holds one package's stanza (beside it,
//! `<package>.md5sums` holds checksums: not a stanza, ignored).
//!
//! What is reported and what is an error (dpkg-query 1.21 is the reference; the ground truth of
//! the shared images is its output):
//! - A stanza is an installed package when the third word of `Status:` (the package's state) is
//!   `installed`, `triggers-awaited` or `triggers-pending`: the states in which dpkg itself
//!   counts a package as configured, its files on disk. The first word (what the user asked
//!   for) is not looked at: a held (`hold ok installed`) or to-be-removed
//!   (`deinstall ok installed`) package is still there, and a held one is the likeliest to be
//!   out of date. Only there does this differ from `dpkg-query -W` filtered on `ii` (which the
//!   ground truth is); no test image has such a package.
//! - The other states (`not-installed`, `config-files`, `half-installed`, `unpacked`,
//!   `half-configured`) are skipped without a word: real databases have them (removing a
//!   package leaves `deinstall ok config-files` behind, often without `Version:`).
//! - A stanza without `Status:` is not installed in `status` (dpkg reads it as
//!   `unknown ok not-installed`; trivy's `corrupsed` fixture has two such stanzas, which
//!   dpkg-query skips silently), and installed in `status.d/`: distroless writes the `.deb`'s
//!   control fields there (`dpkg-deb --field`), which have no `Status:`. A `Status:` that is
//!   written is obeyed in both.
//! - The whole file is an error (dpkg-query refuses the whole database in each case too): a line
//!   that is neither `Field: value`, a continuation line nor blank; a `Status:` that is not three
//!   words or names an unknown state; a field that is read here given twice in one stanza; an
//!   installed stanza without `Package:` or `Version:`. The trait has no way to say "these
//!   packages, and a problem", and a database that dpkg itself cannot read is better reported
//!   as an unknown (naming the line) than listed in part.
//!
//! Tolerated, unlike dpkg: CRLF line ends, whitespace-only separator lines, and bytes that are
//! not UTF-8 (descriptions sometimes are Latin-1; values are converted lossily).
//!
//! Fields read: `Package`, `Version` (kept exactly), `Architecture`, and `Source`, which is
//! `name` or `name (version)` (the latter after a binNMU or when the binary's version differs);
//! absent, the source is the binary package itself, as dpkg-query's `${source:Package}` and
//! `${source:Version}` compute it. dpkg records no license; `Maintainer` is not a vendor.
//! Each package's installed files come from its `info/<name>.list` (`file_lists.rs`).

// ref: https://manpages.debian.org/bookworm/dpkg-dev/deb822.5.en.html
// ref: https://manpages.debian.org/bookworm/dpkg/dpkg-query.1.en.html (package states)
// ref: https://www.debian.org/doc/debian-policy/ch-controlfields.html#source

mod file_lists;

use std::borrow::Cow;
use std::io::Read;

use tollgate_oci::{Selector, VisitedFile};

use crate::cataloger::{CatalogError, Cataloger, excerpt};
use crate::{Ecosystem, Package};

pub(crate) use self::file_lists::DpkgFileLists;

const FORMAT: &str = "dpkg status";

/// The distroless directory of per-package stanzas, relative to the image root.
const STATUS_D: &str = "var/lib/dpkg/status.d/";

/// States of `Status:`'s third word in which the package counts as installed.
const INSTALLED_STATES: &[&str] = &["installed", "triggers-awaited", "triggers-pending"];

/// States in which it does not.
const OTHER_STATES: &[&str] = &[
    "not-installed",
    "config-files",
    "half-installed",
    "unpacked",
    "half-configured",
];

pub(crate) struct DpkgDb;

impl Cataloger for DpkgDb {
    fn id(&self) -> &'static str {
        "dpkg-db"
    }

    fn version(&self) -> u32 {
        1
    }

    fn selectors(&self) -> &'static [Selector] {
        &[
            Selector::Path("var/lib/dpkg/status"),
            Selector::Glob("var/lib/dpkg/status.d/*"),
        ]
    }

    fn catalog(
        &self,
        file: &VisitedFile<'_>,
        content: &mut dyn Read,
    ) -> Result<Vec<Package>, CatalogError> {
        let relative = file.path.trim_start_matches('/');
        let in_status_d = relative.starts_with(STATUS_D);
        if in_status_d && relative.ends_with(".md5sums") {
            return Ok(Vec::new());
        }
        let bytes = tollgate_oci::read_capped(content, file.buffer_limit)?;
        parse(&bytes, in_status_d)
    }
}

/// The fields of one stanza that are read, each with its value and line number.
#[derive(Default)]
struct Stanza<'a> {
    /// Line of the first field, 0 while the stanza is empty.
    line: usize,
    package: Option<(&'a [u8], usize)>,
    version: Option<(&'a [u8], usize)>,
    architecture: Option<(&'a [u8], usize)>,
    source: Option<(&'a [u8], usize)>,
    status: Option<(&'a [u8], usize)>,
}

fn parse(bytes: &[u8], in_status_d: bool) -> Result<Vec<Package>, CatalogError> {
    let mut packages = Vec::new();
    let mut stanza = Stanza::default();
    for (index, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let number = index + 1;
        let line = raw.strip_suffix(b"\r").unwrap_or(raw);
        if line.trim_ascii().is_empty() {
            if let Some(package) = finish(&std::mem::take(&mut stanza), in_status_d)? {
                packages.push(package);
            }
            continue;
        }
        if line[0] == b' ' || line[0] == b'\t' {
            // Continuation of a multi-line field (`Description`, `Conffiles`): none is read.
            if stanza.line == 0 {
                return Err(CatalogError::malformed(
                    FORMAT,
                    format!(
                        "line {number}: continuation line `{}` outside a field",
                        excerpt(line)
                    ),
                ));
            }
            continue;
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            return Err(CatalogError::malformed(
                FORMAT,
                format!(
                    "line {number}: `{}` is not a `Field: value` line",
                    excerpt(line)
                ),
            ));
        };
        let (name, value) = (&line[..colon], line[colon + 1..].trim_ascii());
        if stanza.line == 0 {
            stanza.line = number;
        }
        // Field names are case-insensitive (deb822).
        let slot = match name {
            n if n.eq_ignore_ascii_case(b"Package") => &mut stanza.package,
            n if n.eq_ignore_ascii_case(b"Version") => &mut stanza.version,
            n if n.eq_ignore_ascii_case(b"Architecture") => &mut stanza.architecture,
            n if n.eq_ignore_ascii_case(b"Source") => &mut stanza.source,
            n if n.eq_ignore_ascii_case(b"Status") => &mut stanza.status,
            _ => continue,
        };
        if let Some((_, first)) = slot {
            return Err(CatalogError::malformed(
                FORMAT,
                format!(
                    "line {number}: second `{}` field in the stanza (the first is on line {first})",
                    excerpt(name)
                ),
            ));
        }
        *slot = Some((value, number));
    }
    if let Some(package) = finish(&stanza, in_status_d)? {
        packages.push(package);
    }
    Ok(packages)
}

/// The package of a complete stanza, or `None` when it is empty or not installed.
fn finish(stanza: &Stanza<'_>, in_status_d: bool) -> Result<Option<Package>, CatalogError> {
    if stanza.line == 0 {
        return Ok(None);
    }
    let installed = match stanza.status {
        None => in_status_d,
        Some((status, line)) => is_installed(status, line)?,
    };
    if !installed {
        return Ok(None);
    }
    let name = required(stanza.package, "Package", stanza, None)?;
    let version = required(stanza.version, "Version", stanza, Some(&name))?;
    let mut package = Package::new(Ecosystem::Deb, name, version);
    package.arch = non_empty(stanza.architecture).map(Cow::into_owned);
    let (source_name, source_version) = match non_empty(stanza.source) {
        None => (package.name.clone(), package.version.clone()),
        Some(source) => source_of(&source, &package.version),
    };
    package.source_name = Some(source_name);
    package.source_version = Some(source_version);
    Ok(Some(package))
}

/// Whether `Status: <want> <error flag> <state>` says the package is installed.
fn is_installed(status: &[u8], line: usize) -> Result<bool, CatalogError> {
    let text = String::from_utf8_lossy(status);
    let words: Vec<&str> = text.split_ascii_whitespace().collect();
    let &[_, _, state] = words.as_slice() else {
        return Err(CatalogError::malformed(
            FORMAT,
            format!(
                "line {line}: `Status: {}` is not `<want> <flag> <state>`",
                excerpt(status)
            ),
        ));
    };
    if INSTALLED_STATES.contains(&state) {
        Ok(true)
    } else if OTHER_STATES.contains(&state) {
        Ok(false)
    } else {
        Err(CatalogError::malformed(
            FORMAT,
            format!(
                "line {line}: unknown package state `{}` in `Status:`",
                excerpt(state.as_bytes())
            ),
        ))
    }
}

/// A field that an installed package must have, non-empty.
fn required(
    field: Option<(&[u8], usize)>,
    name: &str,
    stanza: &Stanza<'_>,
    package: Option<&str>,
) -> Result<String, CatalogError> {
    non_empty(field).map(Cow::into_owned).ok_or_else(|| {
        let which = package.map_or_else(String::new, |p| format!(" (package `{p}`)"));
        CatalogError::malformed(
            FORMAT,
            format!(
                "stanza at line {}{which} is installed but has no `{name}` field",
                stanza.line
            ),
        )
    })
}

fn non_empty(field: Option<(&[u8], usize)>) -> Option<Cow<'_, str>> {
    field
        .filter(|(value, _)| !value.is_empty())
        .map(|(value, _)| String::from_utf8_lossy(value))
}

/// `Source: name` or `Source: name (version)`, read as dpkg-query reads it for
/// `${source:Package}` (up to the first space) and `${source:Version}` (inside the parentheses,
/// else the binary's version).
fn source_of(source: &str, version: &str) -> (String, String) {
    let name = source.split_ascii_whitespace().next().unwrap_or(source);
    let name = name.split_once('(').map_or(name, |(before, _)| before);
    let source_version = source
        .split_once('(')
        .map(|(_, rest)| {
            rest.split_once(')')
                .map_or(rest, |(inside, _)| inside)
                .trim()
        })
        .filter(|inside| !inside.is_empty())
        .unwrap_or(version);
    (name.to_owned(), source_version.to_owned())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use tollgate_oci::{FileKind, Image, OpenOptions, Target, Walk};

    use super::*;

    /// (name, version, source name, source version, arch) with "" for none, as in packages.tsv.
    type Row = (String, String, String, String, String);

    fn catalog_with_limit(
        path: &str,
        bytes: &[u8],
        buffer_limit: u64,
    ) -> Result<Vec<Package>, CatalogError> {
        crate::cataloger::testing::catalog(&DpkgDb, path, bytes, buffer_limit)
    }

    fn catalog(path: &str, bytes: &[u8]) -> Result<Vec<Package>, CatalogError> {
        catalog_with_limit(path, bytes, 64 << 20)
    }

    fn row(package: &Package) -> Row {
        (
            package.name.clone(),
            package.version.clone(),
            package.source_name.clone().unwrap_or_default(),
            package.source_version.clone().unwrap_or_default(),
            package.arch.clone().unwrap_or_default(),
        )
    }

    fn rows(packages: &[Package]) -> Vec<Row> {
        let mut rows: Vec<Row> = packages.iter().map(row).collect();
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

    /// The `deb` rows of `expected/<image>/packages.tsv`.
    fn expected(tsv: &std::path::Path) -> Vec<Row> {
        let text = fs_err::read_to_string(tsv).unwrap();
        let mut lines = text.lines();
        assert_eq!(
            lines.next(),
            Some("ecosystem\tname\tversion\tsource_name\tsource_version\tarch\tlocation")
        );
        let mut rows: Vec<Row> = lines
            .map(|line| line.split('\t').collect::<Vec<_>>())
            .filter(|cells| cells[0] == "deb")
            .map(|c| r(c[1], c[2], c[3], c[4], c[5]))
            .collect();
        rows.sort();
        rows
    }

    fn fixture(case_and_file: &str) -> Option<Vec<u8>> {
        tollgate_test::shared(&format!("fixtures/trivy/dpkg/{case_and_file}"))
            .map(|path| fs_err::read(path).unwrap())
    }

    fn malformed(result: Result<Vec<Package>, CatalogError>) -> String {
        crate::cataloger::testing::malformed_reason(result, FORMAT)
    }

    #[test]
    fn selectors_and_identity() {
        assert_eq!(DpkgDb.id(), "dpkg-db");
        assert_eq!(DpkgDb.version(), 1);
        assert_eq!(
            format!("{:?}", DpkgDb.selectors()),
            r#"[Path("var/lib/dpkg/status"), Glob("var/lib/dpkg/status.d/*")]"#
        );
    }

    // Expected sets below are what `dpkg-query --admindir=<case> -W` lists as `ii` for the
    // fixture (dpkg 1.21.22).

    #[test]
    fn trivy_valid() {
        let Some(bytes) = fixture("valid/status") else {
            return;
        };
        let packages = catalog("/var/lib/dpkg/status", &bytes).unwrap();
        // 91 stanzas: 90 `install ok installed`, and git in `deinstall ok config-files`.
        assert_eq!(packages.len(), 90);
        let rows = rows(&packages);
        for expected in [
            r("libc6", "2.27-3ubuntu1", "glibc", "2.27-3ubuntu1", "amd64"),
            // `Source: gcc-8 (8-20180414-1ubuntu2)`: the source version differs (epoch).
            r(
                "libgcc1",
                "1:8-20180414-1ubuntu2",
                "gcc-8",
                "8-20180414-1ubuntu2",
                "amd64",
            ),
            // binNMU: `+b3` on the binary only.
            r(
                "liblzma5",
                "5.1.1alpha+20120614-2+b3",
                "xz-utils",
                "5.1.1alpha+20120614-2",
                "amd64",
            ),
            r(
                "zlib1g",
                "1:1.2.11.dfsg-0ubuntu2",
                "zlib",
                "1:1.2.11.dfsg-0ubuntu2",
                "amd64",
            ),
            r(
                "ncurses-base",
                "6.1-1ubuntu1.18.04",
                "ncurses",
                "6.1-1ubuntu1.18.04",
                "all",
            ),
        ] {
            assert!(rows.contains(&expected), "{expected:?} missing");
        }
        assert!(
            !packages.iter().any(|p| p.name == "git"),
            "config-files only"
        );
        assert!(
            packages
                .iter()
                .all(|p| p.licenses.is_empty() && p.vendor.is_none())
        );
    }

    #[test]
    fn trivy_corrupsed() {
        // Two stanzas without `Status:` (one without `Version:`, one with an invalid version):
        // not installed for dpkg, skipped; the four installed packages remain.
        let Some(bytes) = fixture("corrupsed/status") else {
            return;
        };
        let packages = catalog("/var/lib/dpkg/status", &bytes).unwrap();
        assert_eq!(
            rows(&packages),
            vec![
                r(
                    "libgcc1",
                    "1:5.1.1-12ubuntu1",
                    "gcc-5",
                    "5.1.1-12ubuntu1",
                    "amd64"
                ),
                r(
                    "libpam-modules-bin",
                    "1.1.8-3.1ubuntu3",
                    "pam",
                    "1.1.8-3.1ubuntu3",
                    "amd64"
                ),
                r(
                    "libpam-runtime",
                    "1.1.8-3.1ubuntu3",
                    "pam",
                    "1.1.8-3.1ubuntu3",
                    "all"
                ),
                r(
                    "makedev",
                    "2.3.1-93ubuntu1",
                    "makedev",
                    "2.3.1-93ubuntu1",
                    "all"
                ),
            ]
        );
    }

    #[test]
    fn trivy_small_cases() {
        for (case, expected) in [
            (
                "digest/status",
                vec![
                    r("sed", "4.4-2", "sed", "4.4-2", "amd64"),
                    r("tar", "1.34+dfsg-1", "tar", "1.34+dfsg-1", "amd64"),
                ],
            ),
            (
                "md5sums/status",
                vec![r("tar", "1.29b-2", "tar", "1.29b-2", "amd64")],
            ),
            (
                "only-apt/status",
                vec![r("apt", "1.6.3ubuntu0.1", "apt", "1.6.3ubuntu0.1", "amd64")],
            ),
            (
                "third-party/status",
                vec![
                    r("apt", "1.6.3ubuntu0.1", "apt", "1.6.3ubuntu0.1", "amd64"),
                    r(
                        "docker-ce",
                        "5:20.10.7~3-0~debian-buster",
                        "docker-ce",
                        "5:20.10.7~3-0~debian-buster",
                        "amd64",
                    ),
                ],
            ),
        ] {
            let Some(bytes) = fixture(case) else { return };
            let packages = catalog("/var/lib/dpkg/status", &bytes).unwrap();
            assert_eq!(rows(&packages), expected, "{case}");
        }
    }

    #[test]
    fn trivy_available_has_no_status() {
        // apt's `available` file is never selected; read as a status file, its stanzas have no
        // `Status:` and so are not installed.
        let Some(bytes) = fixture("digest/available") else {
            return;
        };
        assert_eq!(catalog("/var/lib/dpkg/status", &bytes).unwrap(), vec![]);
    }

    #[test]
    fn trivy_status_d() {
        let Some(sed) = fixture("status-d/sed") else {
            return;
        };
        let Some(tar) = fixture("status-d/tar") else {
            return;
        };
        let sed = catalog("/var/lib/dpkg/status.d/sed", &sed).unwrap();
        let tar = catalog("/var/lib/dpkg/status.d/tar", &tar).unwrap();
        assert_eq!(rows(&sed), vec![r("sed", "4.4-2", "sed", "4.4-2", "amd64")]);
        assert_eq!(
            rows(&tar),
            vec![r("tar", "1.34+dfsg-1", "tar", "1.34+dfsg-1", "amd64")]
        );
    }

    #[test]
    fn md5sums_in_status_d_are_ignored() {
        let Some(bytes) = fixture("md5sums/tar.md5sums") else {
            return;
        };
        assert_eq!(
            catalog("/var/lib/dpkg/status.d/tar.md5sums", &bytes).unwrap(),
            vec![]
        );
        // The same bytes as a stanza file are not a stanza: an error, not a silent nothing.
        let reason = malformed(catalog("/var/lib/dpkg/status.d/tar", &bytes));
        assert_eq!(
            reason,
            "line 1: `25de5fcdc3c8ebd9c9f599fb7a899b40  usr/bin/tar` is not a `Field: value` line"
        );
    }

    #[test]
    fn status_d_stanza_without_status_is_installed() {
        // Distroless writes the `.deb`'s control fields, which have no `Status:`; derived from
        // trivy's status-d/tar fixture by dropping that line.
        let Some(bytes) = fixture("status-d/tar") else {
            return;
        };
        let text = String::from_utf8(bytes).unwrap();
        let mut control = String::new();
        for line in text.lines().filter(|line| !line.starts_with("Status:")) {
            control.push_str(line);
            control.push('\n');
        }
        let packages = catalog("/var/lib/dpkg/status.d/tar", control.as_bytes()).unwrap();
        assert_eq!(
            rows(&packages),
            vec![r("tar", "1.34+dfsg-1", "tar", "1.34+dfsg-1", "amd64")]
        );
        // In `status` the same stanza is not installed (dpkg: `unknown ok not-installed`).
        assert_eq!(
            catalog("/var/lib/dpkg/status", control.as_bytes()).unwrap(),
            vec![]
        );
    }

    #[test]
    fn states() {
        let Some(bytes) = fixture("only-apt/status") else {
            return;
        };
        let text = String::from_utf8(bytes).unwrap();
        for (status, installed) in [
            ("install ok installed", true),
            ("hold ok installed", true),
            ("deinstall ok installed", true),
            ("install reinstreq installed", true),
            ("install ok triggers-pending", true),
            ("install ok triggers-awaited", true),
            ("deinstall ok config-files", false),
            ("purge ok not-installed", false),
            ("install reinstreq half-installed", false),
            ("install ok unpacked", false),
            ("install ok half-configured", false),
        ] {
            let stanza = text.replace("install ok installed", status);
            let packages = catalog("/var/lib/dpkg/status", stanza.as_bytes()).unwrap();
            assert_eq!(packages.len(), usize::from(installed), "{status}");
        }
        let reason = malformed(catalog(
            "/var/lib/dpkg/status",
            text.replace("install ok installed", "install ok bogus")
                .as_bytes(),
        ));
        assert_eq!(reason, "line 2: unknown package state `bogus` in `Status:`");
        let reason = malformed(catalog(
            "/var/lib/dpkg/status",
            text.replace("install ok installed", "installed").as_bytes(),
        ));
        assert_eq!(
            reason,
            "line 2: `Status: installed` is not `<want> <flag> <state>`"
        );
    }

    #[test]
    fn source_forms() {
        for (source, name, version) in [
            ("glibc", "glibc", "2.36-9"),
            ("glibc (2.36-8)", "glibc", "2.36-8"),
            ("glibc  ( 2.36-8 )", "glibc", "2.36-8"),
            // What dpkg-query prints for these unusual forms.
            ("glibc (2.36-8", "glibc", "2.36-8"),
            ("glibc other", "glibc", "2.36-9"),
            // dpkg-query fails on an empty version; the binary's is the best guess.
            ("glibc ()", "glibc", "2.36-9"),
        ] {
            assert_eq!(
                source_of(source, "2.36-9"),
                (name.to_owned(), version.to_owned()),
                "{source}"
            );
        }
    }

    #[test]
    fn crlf_and_lowercase_fields() {
        let Some(bytes) = fixture("third-party/status") else {
            return;
        };
        let text = String::from_utf8(bytes).unwrap();
        let crlf = text.replace('\n', "\r\n").replace("Package:", "package:");
        let packages = catalog("/var/lib/dpkg/status", crlf.as_bytes()).unwrap();
        assert_eq!(
            rows(&packages),
            rows(&catalog("/var/lib/dpkg/status", text.as_bytes()).unwrap())
        );
        assert_eq!(packages.len(), 2);
    }

    #[test]
    fn installed_stanza_without_version_is_an_error() {
        let Some(bytes) = fixture("valid/status") else {
            return;
        };
        let text = String::from_utf8(bytes).unwrap();
        // libc6 starts on line 829; its `Version:` is on line 838.
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[837], "Version: 2.27-3ubuntu1");
        let mut broken = lines.clone();
        broken.remove(837);
        let reason = malformed(catalog(
            "/var/lib/dpkg/status",
            broken.join("\n").as_bytes(),
        ));
        assert_eq!(
            reason,
            "stanza at line 829 (package `libc6`) is installed but has no `Version` field"
        );
        // Truncated in the middle of a stanza: the same, for the last one.
        let cut = lines[..835].join("\n");
        let reason = malformed(catalog("/var/lib/dpkg/status", cut.as_bytes()));
        assert_eq!(
            reason,
            "stanza at line 829 (package `libc6`) is installed but has no `Version` field"
        );
        // No `Package:`.
        let mut broken = lines.clone();
        broken.remove(828);
        let reason = malformed(catalog(
            "/var/lib/dpkg/status",
            broken.join("\n").as_bytes(),
        ));
        assert_eq!(
            reason,
            "stanza at line 829 is installed but has no `Package` field"
        );
        // A field given twice.
        let mut broken = lines;
        broken.insert(838, "Version: 9");
        let reason = malformed(catalog(
            "/var/lib/dpkg/status",
            broken.join("\n").as_bytes(),
        ));
        assert_eq!(
            reason,
            "line 839: second `Version` field in the stanza (the first is on line 838)"
        );
    }

    #[test]
    fn hostile_not_utf8_and_huge_lines() {
        let Some(bytes) = fixture("valid/status") else {
            return;
        };
        // Latin-1 in a description, and a 16 MiB continuation line and field value.
        let mut hostile = Vec::new();
        for line in bytes.split(|&b| b == b'\n') {
            hostile.extend_from_slice(line);
            hostile.push(b'\n');
            if line.starts_with(b"Description:") {
                hostile.extend_from_slice(b" caf\xe9 \xff\xfe\x00\n");
            }
        }
        hostile.extend_from_slice(b"\nPackage: huge\nDescription: ");
        hostile.extend(std::iter::repeat_n(b'x', 16 << 20));
        hostile.extend_from_slice(b"\n ");
        hostile.extend(std::iter::repeat_n(b'y', 16 << 20));
        hostile.push(b'\n');
        let packages = catalog("/var/lib/dpkg/status", &hostile).unwrap();
        assert_eq!(packages.len(), 90);

        // A huge garbage line: the error names it briefly.
        let mut garbage = b"Package: a\n".to_vec();
        garbage.extend(std::iter::repeat_n(b'\xff', 8 << 20));
        let reason = malformed(catalog("/var/lib/dpkg/status", &garbage));
        assert_eq!(
            reason,
            format!(
                "line 2: `{}…` is not a `Field: value` line",
                "\u{fffd}".repeat(60)
            )
        );
    }

    #[test]
    fn hostile_garbage() {
        // Every byte value, repeated: line 1 is bytes 0..=9, no colon.
        let garbage: Vec<u8> = (0..=255u8).cycle().take(1 << 20).collect();
        let reason = malformed(catalog("/var/lib/dpkg/status", &garbage));
        assert_eq!(
            reason,
            r"line 1: `\0\u{1}\u{2}\u{3}\u{4}\u{5}\u{6}\u{7}\u{8}\t` is not a `Field: value` line"
        );
        // A continuation line before any field.
        let reason = malformed(catalog("/var/lib/dpkg/status", b"\n Package: a\n"));
        assert_eq!(
            reason,
            "line 2: continuation line ` Package: a` outside a field"
        );
        // A real binary (an ELF from trivy's fixtures) fails cleanly.
        if let Some(path) =
            tollgate_test::shared("fixtures/trivy/gobinary/test-elf/executable_gobinary")
        {
            let elf = fs_err::read(path).unwrap();
            let _ = malformed(catalog("/var/lib/dpkg/status", &elf));
        }
        assert_eq!(catalog("/var/lib/dpkg/status", b"").unwrap(), vec![]);
        assert_eq!(
            catalog("/var/lib/dpkg/status", b"\n\r\n \n").unwrap(),
            vec![]
        );
    }

    #[test]
    fn over_the_buffer_limit_is_a_read_error() {
        let bytes = vec![b'a'; 2048];
        let result = catalog_with_limit("/var/lib/dpkg/status", &bytes, 1024);
        assert!(matches!(result, Err(CatalogError::Read(_))), "{result:?}");
    }

    fn open(target: &str) -> (Image, Walk) {
        let image = Image::open(&Target::parse(target).unwrap(), &OpenOptions::default()).unwrap();
        let walk = image.walk(&[], None).unwrap();
        (image, walk)
    }

    fn status_file_of(target: &str) -> Vec<Package> {
        let (image, walk) = open(target);
        let bytes = image.read_file(&walk.view, "/var/lib/dpkg/status").unwrap();
        catalog("/var/lib/dpkg/status", &bytes).unwrap()
    }

    #[test]
    fn ground_truth_debian_bookworm_app() {
        let dir = tollgate_test::shared_or_skip!("images/debian-bookworm-app");
        let tsv =
            tollgate_test::shared_or_skip!("images/expected/debian-bookworm-app/packages.tsv");
        let packages = status_file_of(&format!("oci:{}:1.0", dir.display()));
        assert_eq!(packages.len(), 128);
        assert_eq!(rows(&packages), expected(&tsv));
    }

    #[test]
    fn ground_truth_debian_trixie_slim() {
        let archive = tollgate_test::shared_or_skip!("images/debian-trixie-slim.tar.gz");
        let tsv = tollgate_test::shared_or_skip!("images/expected/debian-trixie-slim/packages.tsv");
        let packages = status_file_of(&format!("docker-archive:{}", archive.display()));
        assert_eq!(packages.len(), 79);
        assert_eq!(rows(&packages), expected(&tsv));
    }

    #[test]
    fn ground_truth_distroless_bookworm() {
        let dir = tollgate_test::shared_or_skip!("images/distroless-bookworm");
        let tsv =
            tollgate_test::shared_or_skip!("images/expected/distroless-bookworm/packages.tsv");
        let (image, walk) = open(&format!("oci:{}:1.0", dir.display()));
        let mut packages = Vec::new();
        let mut per_file = BTreeMap::new();
        for info in walk.view.files() {
            if info.kind != FileKind::File || !info.path.starts_with("/var/lib/dpkg/status.d/") {
                continue;
            }
            let bytes = image.read_file(&walk.view, &info.path).unwrap();
            let found = catalog(&info.path, &bytes).unwrap();
            per_file.insert(info.path.clone(), found.len());
            packages.extend(found);
        }
        // Six stanza files with one package each, six `.md5sums` with none.
        assert_eq!(per_file.len(), 12);
        for (path, count) in &per_file {
            assert_eq!(*count, usize::from(!path.ends_with(".md5sums")), "{path}");
        }
        assert_eq!(rows(&packages), expected(&tsv));
    }

    #[test]
    fn ground_truth_distroless_through_the_pipeline() {
        // The selectors, as the walker compiles them, pick the stanza files; md5sums give
        // nothing and no unknown.
        let dir = tollgate_test::shared_or_skip!("images/distroless-bookworm");
        let tsv =
            tollgate_test::shared_or_skip!("images/expected/distroless-bookworm/packages.tsv");
        let image = Image::open(
            &Target::parse(&format!("oci:{}:1.0", dir.display())).unwrap(),
            &OpenOptions::default(),
        )
        .unwrap();
        let inventory = crate::inventory(&image, None).unwrap();
        let packages: Vec<Package> = inventory
            .packages
            .into_iter()
            .filter(|p| p.cataloger == "dpkg-db")
            .collect();
        assert_eq!(rows(&packages), expected(&tsv));
        assert!(
            packages
                .iter()
                .all(|p| p.path == format!("/var/lib/dpkg/status.d/{}", p.name))
        );
        let unknowns: Vec<_> = inventory
            .unknowns
            .iter()
            .filter(|u| u.cataloger == "dpkg-db")
            .collect();
        assert!(unknowns.is_empty(), "{unknowns:?}");
    }
}
