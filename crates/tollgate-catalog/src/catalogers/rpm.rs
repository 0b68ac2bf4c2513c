//! rpm's package database, in each of its three formats, told apart by their magic: sqlite
//! (`rpmdb.sqlite`), Berkeley DB hash (`Packages`) and ndb (`Packages.db`). Each holds one rpm
//! header blob per installed package; no librpm is involved.
//!
//! Fields are those of `rpm -qa --qf '%{NAME} %|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}
//! %{SOURCERPM} %{ARCH}'`: the epoch prefixes the version whenever the tag is present (`0:`
//! included); the source package is `SOURCERPM` without `.src.rpm`, split at its last two
//! dashes, and its version carries no epoch (the file name has none). `gpg-pubkey` entries are
//! imported signing keys, not software, and are skipped (rpm -qa lists them).

// ref: https://rpm-software-management.github.io/rpm/manual/format_header.html
// ref: https://github.com/rpm-software-management/rpm/blob/master/include/rpm/rpmtag.h

mod bdb;
mod header;
mod manifest;
mod ndb;
mod sqlite;

use std::fmt::Write as _;
use std::io::Read;

use tollgate_oci::{Selector, VisitedFile};

use self::header::Header;
pub(crate) use self::manifest::RpmManifest;
use crate::cataloger::{CatalogError, Cataloger, excerpt};
use crate::{Ecosystem, Package};

const TAG_NAME: u32 = 1000;
const TAG_VERSION: u32 = 1001;
const TAG_RELEASE: u32 = 1002;
const TAG_EPOCH: u32 = 1003;
const TAG_VENDOR: u32 = 1011;
const TAG_LICENSE: u32 = 1014;
const TAG_ARCH: u32 = 1022;
const TAG_SOURCERPM: u32 = 1044;
const TAG_OLDFILENAMES: u32 = 1027;
const TAG_FILEMODES: u32 = 1030;
const TAG_DIRINDEXES: u32 = 1116;
const TAG_BASENAMES: u32 = 1117;
const TAG_DIRNAMES: u32 = 1118;

/// What a database reader calls with each header number and header blob.
type EachBlob<'a> = dyn FnMut(u32, &[u8]) -> Result<(), CatalogError> + 'a;

/// The pseudo-package rpm files imported public keys under.
const GPG_PUBKEY: &[u8] = b"gpg-pubkey";

/// The rpm database, in `/var/lib/rpm` or (SUSE, Fedora 36+) `/usr/lib/sysimage/rpm`.
pub(crate) struct RpmDb;

impl Cataloger for RpmDb {
    fn id(&self) -> &'static str {
        "rpm-db"
    }

    fn version(&self) -> u32 {
        1
    }

    fn selectors(&self) -> &'static [Selector] {
        &[
            Selector::Path("var/lib/rpm/rpmdb.sqlite"),
            Selector::Path("var/lib/rpm/Packages"),
            Selector::Path("var/lib/rpm/Packages.db"),
            Selector::Path("usr/lib/sysimage/rpm/rpmdb.sqlite"),
            Selector::Path("usr/lib/sysimage/rpm/Packages"),
            Selector::Path("usr/lib/sysimage/rpm/Packages.db"),
        ]
    }

    fn catalog(
        &self,
        file: &VisitedFile<'_>,
        content: &mut dyn Read,
    ) -> Result<Vec<Package>, CatalogError> {
        let bytes = tollgate_oci::read_capped(content, file.buffer_limit)?;
        packages(&bytes)
    }
}

/// The database formats, by magic.
enum Format {
    Sqlite,
    BerkeleyHash,
    Ndb,
}

impl Format {
    fn detect(bytes: &[u8]) -> Result<Self, CatalogError> {
        let at_12 = bytes
            .get(12..16)
            .and_then(|raw| <[u8; 4]>::try_from(raw).ok());
        let bdb_magic = |magic: u32| {
            at_12.is_some_and(|raw| {
                u32::from_le_bytes(raw) == magic || u32::from_be_bytes(raw) == magic
            })
        };
        if bytes.starts_with(sqlite::MAGIC) {
            Ok(Self::Sqlite)
        } else if bytes.starts_with(ndb::MAGIC) {
            Ok(Self::Ndb)
        } else if bdb_magic(bdb::HASH_MAGIC) {
            Ok(Self::BerkeleyHash)
        } else if bdb_magic(bdb::BTREE_MAGIC) {
            Err(CatalogError::malformed(
                "rpm database",
                "a Berkeley DB btree, not the hash database rpm keeps its headers in",
            ))
        } else if bytes.is_empty() {
            Err(CatalogError::malformed("rpm database", "the file is empty"))
        } else {
            Err(CatalogError::malformed(
                "rpm database",
                format!(
                    "unknown format: {} bytes with neither sqlite's, Berkeley DB hash's nor ndb's magic",
                    bytes.len()
                ),
            ))
        }
    }
}

/// Every package in an rpm database file.
fn packages(bytes: &[u8]) -> Result<Vec<Package>, CatalogError> {
    let mut packages = Vec::new();
    let mut add = |number: u32, blob: &[u8]| -> Result<(), CatalogError> {
        let package = Header::parse(blob)
            .and_then(|header| package(&header))
            .map_err(|reason| {
                CatalogError::malformed("rpm header", format!("header #{number}: {reason}"))
            })?;
        packages.extend(package);
        Ok(())
    };
    match Format::detect(bytes)? {
        Format::Sqlite => sqlite::for_each_blob(bytes, &mut add)?,
        Format::BerkeleyHash => bdb::for_each_blob(bytes, &mut add)?,
        Format::Ndb => ndb::for_each_blob(bytes, &mut add)?,
    }
    Ok(packages)
}

/// The package a header describes; `None` for a `gpg-pubkey`.
fn package(header: &Header<'_>) -> Result<Option<Package>, String> {
    let required = |tag: u32, what: &str| {
        header
            .string(tag)?
            .ok_or_else(|| format!("no {what} (tag {tag})"))
    };
    let name = required(TAG_NAME, "name")?;
    if name == GPG_PUBKEY {
        return Ok(None);
    }
    let version = required(TAG_VERSION, "version")?;
    let release = required(TAG_RELEASE, "release")?;
    let epoch = header.int32(TAG_EPOCH)?;

    let mut full = String::with_capacity(version.len() + release.len() + 12);
    if let Some(epoch) = epoch {
        let _ = write!(full, "{epoch}:");
    }
    full.push_str(&String::from_utf8_lossy(version));
    full.push('-');
    full.push_str(&String::from_utf8_lossy(release));

    let mut package = Package::new(Ecosystem::Rpm, text(name), full);
    package.epoch = epoch.map(|epoch| epoch.to_string());
    package.arch = header.string(TAG_ARCH)?.map(text);
    if let Some((name, version)) = header.string(TAG_SOURCERPM)?.and_then(source) {
        package.source_name = Some(name);
        package.source_version = Some(version);
    }
    package
        .licenses
        .extend(header.string(TAG_LICENSE)?.map(text));
    package.vendor = header.string(TAG_VENDOR)?.map(text);
    package.files = files(header)?;
    Ok(Some(package))
}

/// The package's files, its directories left out (by `FILEMODES`), as dpkg's lists are read:
/// `DIRNAMES[DIRINDEXES[i]] + BASENAMES[i]` since rpm 4.0's compressed file names,
/// `OLDFILENAMES` before.
fn files(header: &Header<'_>) -> Result<Vec<String>, String> {
    const S_IFMT: u32 = 0o170_000;
    const S_IFDIR: u32 = 0o040_000;
    let paths = paths(header)?;
    let modes = header.int16_array(TAG_FILEMODES)?;
    if !modes.is_empty() && modes.len() != paths.len() {
        return Err(format!(
            "{} file names but {} file modes",
            paths.len(),
            modes.len()
        ));
    }
    Ok(paths
        .into_iter()
        .enumerate()
        .filter(|(i, _)| modes.get(*i).is_none_or(|mode| mode & S_IFMT != S_IFDIR))
        .map(|(_, path)| path)
        .collect())
}

fn paths(header: &Header<'_>) -> Result<Vec<String>, String> {
    let base_names = header.string_array(TAG_BASENAMES)?;
    if base_names.is_empty() {
        return Ok(header
            .string_array(TAG_OLDFILENAMES)?
            .into_iter()
            .map(text)
            .collect());
    }
    let directories = header.string_array(TAG_DIRNAMES)?;
    let indexes = header.int32_array(TAG_DIRINDEXES)?;
    if indexes.len() != base_names.len() {
        return Err(format!(
            "{} file names but {} directory indexes",
            base_names.len(),
            indexes.len()
        ));
    }
    base_names
        .iter()
        .zip(indexes)
        .map(|(base, index)| {
            let directory = directories.get(index as usize).ok_or_else(|| {
                format!(
                    "directory index {index} of file `{}` is past the {} directories",
                    excerpt(base),
                    directories.len()
                )
            })?;
            let mut path = text(directory);
            path.push_str(&String::from_utf8_lossy(base));
            Ok(path)
        })
        .collect()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `name-version-release.src.rpm` → (`name`, `version-release`).
fn source(file_name: &[u8]) -> Option<(String, String)> {
    let file_name = String::from_utf8_lossy(file_name);
    let stem = file_name
        .strip_suffix(".src.rpm")
        .or_else(|| file_name.strip_suffix(".nosrc.rpm"))
        .unwrap_or(&file_name);
    let (rest, release) = stem.rsplit_once('-')?;
    let (name, version) = rest.rsplit_once('-')?;
    if name.is_empty() || version.is_empty() || release.is_empty() {
        return None;
    }
    Some((name.to_owned(), format!("{version}-{release}")))
}

#[cfg(test)]
pub(super) mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use tollgate_oci::{Image, OpenOptions, Target};

    use super::*;

    /// A `VisitedFile` as the walker hands it.
    fn visited(path: &str) -> VisitedFile<'_> {
        VisitedFile {
            layer_index: 0,
            layer_digest: None,
            diff_id: None,
            path,
            size: 0,
            mode: 0o644,
            magic: None,
            hardlink_of: None,
            buffer_limit: 64 << 20,
        }
    }

    fn catalog(path: &str, bytes: &[u8]) -> Result<Vec<Package>, CatalogError> {
        RpmDb.catalog(&visited(path), &mut &bytes[..])
    }

    fn fixture(case: &str) -> Option<Vec<u8>> {
        let path = tollgate_test::shared(&format!("fixtures/trivy/rpm/{case}"))?;
        Some(fs_err::read(path).unwrap())
    }

    fn malformed(result: Result<Vec<Package>, CatalogError>) -> (&'static str, String) {
        match result {
            Err(CatalogError::Malformed { format, reason }) => (format, reason),
            other => panic!("expected Malformed, got {other:?}"),
        }
    }

    /// Every header blob of the three fixtures (sqlite, ndb, bdb), for the header tests.
    pub(super) fn real_blobs() -> Option<Vec<Vec<u8>>> {
        let mut blobs = Vec::new();
        let mut keep = |_: u32, blob: &[u8]| {
            blobs.push(blob.to_vec());
            Ok(())
        };
        sqlite::for_each_blob(&fixture("mariner2-sqlite/rpmdb.sqlite")?, &mut keep).unwrap();
        ndb::for_each_blob(&fixture("sle15-bci-ndb/Packages.db")?, &mut keep).unwrap();
        bdb::for_each_blob(&fixture("libuuid-bdb/Packages")?, &mut keep).unwrap();
        Some(blobs)
    }

    fn find<'a>(packages: &'a [Package], name: &str) -> &'a Package {
        let mut found = packages.iter().filter(|p| p.name == name);
        let package = found
            .next()
            .unwrap_or_else(|| panic!("no package `{name}`"));
        assert!(found.next().is_none(), "two packages `{name}`");
        package
    }

    #[test]
    fn id_version_and_selectors() {
        assert_eq!(RpmDb.id(), "rpm-db");
        assert_eq!(RpmDb.version(), 1);
        for selector in RpmDb.selectors() {
            let Selector::Path(path) = selector else {
                panic!("{selector:?}")
            };
            assert!(!path.starts_with('/'), "{path}");
        }
        assert_eq!(RpmDb.selectors().len(), 6);
    }

    #[test]
    fn mariner2_sqlite_fixture() {
        let Some(bytes) = fixture("mariner2-sqlite/rpmdb.sqlite") else {
            return;
        };
        let packages = catalog("/var/lib/rpm/rpmdb.sqlite", &bytes).unwrap();
        assert_eq!(packages.len(), 129);
        let bash = find(&packages, "bash");
        assert_eq!(bash.version, "5.1.8-1.cm2");
        assert_eq!(bash.epoch, None);
        assert_eq!(bash.arch.as_deref(), Some("x86_64"));
        assert_eq!(bash.source_name.as_deref(), Some("bash"));
        assert_eq!(bash.source_version.as_deref(), Some("5.1.8-1.cm2"));
        assert_eq!(bash.licenses, ["GPLv3"]);
        assert_eq!(bash.vendor.as_deref(), Some("Microsoft Corporation"));
        // Epoch 1: in the version and apart, but not in the source version.
        let ca = find(&packages, "ca-certificates-base");
        assert_eq!(ca.version, "1:2.0.0-1.cm2");
        assert_eq!(ca.epoch.as_deref(), Some("1"));
        assert_eq!(ca.source_name.as_deref(), Some("ca-certificates"));
        assert_eq!(ca.source_version.as_deref(), Some("2.0.0-1.cm2"));
        assert_eq!(ca.arch.as_deref(), Some("noarch"));
        let audit_libs = find(&packages, "audit-libs");
        assert_eq!(audit_libs.source_name.as_deref(), Some("audit"));
        assert!(
            packages
                .iter()
                .all(|p| p.ecosystem == Ecosystem::Rpm && p.purl.is_empty())
        );
    }

    #[test]
    fn sle15_bci_ndb_fixture() {
        let Some(bytes) = fixture("sle15-bci-ndb/Packages.db") else {
            return;
        };
        let packages = catalog("/usr/lib/sysimage/rpm/Packages.db", &bytes).unwrap();
        assert_eq!(packages.len(), 35);
        let file_magic = find(&packages, "file-magic");
        assert_eq!(file_magic.version, "5.32-7.14.1");
        assert_eq!(file_magic.source_name.as_deref(), Some("file"));
        assert_eq!(file_magic.source_version.as_deref(), Some("5.32-7.14.1"));
        assert_eq!(file_magic.arch.as_deref(), Some("noarch"));
        assert_eq!(
            file_magic.vendor.as_deref(),
            Some("SUSE LLC <https://www.suse.com/>")
        );
        let bash = find(&packages, "bash");
        assert_eq!(bash.version, "4.4-19.6.1");
        assert_eq!(bash.licenses, ["GPL-3.0-or-later"]);
    }

    #[test]
    fn libuuid_bdb_fixture() {
        let Some(bytes) = fixture("libuuid-bdb/Packages") else {
            return;
        };
        let packages = catalog("/var/lib/rpm/Packages", &bytes).unwrap();
        let [libuuid] = packages.as_slice() else {
            panic!("{packages:#?}")
        };
        assert_eq!(libuuid.name, "libuuid");
        assert_eq!(libuuid.version, "2.32.1-42.el8_8");
        assert_eq!(libuuid.epoch, None);
        assert_eq!(libuuid.arch.as_deref(), Some("x86_64"));
        assert_eq!(libuuid.source_name.as_deref(), Some("util-linux"));
        assert_eq!(libuuid.source_version.as_deref(), Some("2.32.1-42.el8_8"));
        assert_eq!(libuuid.licenses, ["BSD"]);
        assert_eq!(libuuid.vendor.as_deref(), Some("Red Hat, Inc."));
    }

    /// (ecosystem, name, version, source_name, source_version, arch), as in packages.tsv.
    type Row = [String; 6];

    fn expected(root: &Path, image: &str) -> BTreeSet<Row> {
        let tsv = root.join("expected").join(image).join("packages.tsv");
        let text = fs_err::read_to_string(tsv).unwrap();
        let mut lines = text.lines();
        assert_eq!(
            lines.next(),
            Some("ecosystem\tname\tversion\tsource_name\tsource_version\tarch\tlocation")
        );
        lines
            .map(|line| {
                let cells: Vec<String> = line.split('\t').take(6).map(str::to_owned).collect();
                cells.try_into().unwrap()
            })
            .collect()
    }

    /// The database of a shared image, read through tollgate-oci as the walker would.
    fn image_database(root: &Path, image: &str, path: &str) -> Vec<u8> {
        let target = Target::parse(&format!("oci:{}:1.0", root.join(image).display())).unwrap();
        let image = Image::open(&target, &OpenOptions::default()).unwrap();
        let walk = image.walk(&[], None).unwrap();
        image.read_file(&walk.view, path).unwrap()
    }

    fn ground_truth(image: &str, path: &str, count: usize) {
        let root = tollgate_test::shared_or_skip!("images");
        let bytes = image_database(&root, image, path);
        let packages = catalog(path, &bytes).unwrap();
        let rows: Vec<Row> = packages
            .iter()
            .map(|p| {
                [
                    p.ecosystem.to_string(),
                    p.name.clone(),
                    p.version.clone(),
                    p.source_name.clone().unwrap_or_default(),
                    p.source_version.clone().unwrap_or_default(),
                    p.arch.clone().unwrap_or_default(),
                ]
            })
            .collect();
        let got: BTreeSet<Row> = rows.iter().cloned().collect();
        assert_eq!(got.len(), rows.len(), "{image}: duplicate rows");
        let want = expected(&root, image);
        let missing: Vec<_> = want.difference(&got).collect();
        let extra: Vec<_> = got.difference(&want).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{image}: missing {missing:#?}\nextra {extra:#?}"
        );
        assert_eq!(got.len(), count);
    }

    #[test]
    fn ground_truth_rpm_sqlite() {
        ground_truth("rpm-sqlite", "/var/lib/rpm/rpmdb.sqlite", 129);
    }

    #[test]
    fn ground_truth_rpm_ndb() {
        ground_truth("rpm-ndb", "/usr/lib/sysimage/rpm/Packages.db", 35);
    }

    #[test]
    fn ground_truth_rpm_bdb() {
        ground_truth("rpm-bdb", "/var/lib/rpm/Packages", 1);
    }

    #[test]
    fn empty_and_foreign_files_are_malformed() {
        assert_eq!(
            malformed(catalog("/var/lib/rpm/Packages", b"")),
            ("rpm database", "the file is empty".to_owned())
        );
        assert_eq!(
            malformed(catalog("/var/lib/rpm/Packages", b"hello, world\n")),
            (
                "rpm database",
                "unknown format: 13 bytes with neither sqlite's, Berkeley DB hash's nor ndb's magic".to_owned()
            )
        );
        let mut btree = vec![0u8; 4096];
        btree[12..16].copy_from_slice(&0x0005_3162u32.to_le_bytes());
        assert_eq!(
            malformed(catalog("/var/lib/rpm/Packages", &btree)),
            (
                "rpm database",
                "a Berkeley DB btree, not the hash database rpm keeps its headers in".to_owned()
            )
        );
    }

    #[test]
    fn over_the_buffer_limit_is_a_read_error() {
        let Some(bytes) = fixture("libuuid-bdb/Packages") else {
            return;
        };
        let mut file = visited("/var/lib/rpm/Packages");
        file.buffer_limit = 1000;
        let error = RpmDb.catalog(&file, &mut &bytes[..]).unwrap_err();
        let CatalogError::Read(source) = error else {
            panic!("{error:?}")
        };
        assert_eq!(source.kind(), std::io::ErrorKind::FileTooLarge);
    }

    #[test]
    fn a_damaged_header_in_a_database_is_malformed() {
        let Some(mut bytes) = fixture("sle15-bci-ndb/Packages.db") else {
            return;
        };
        // The first used slot's blob: set its index count to 0.
        let slot = (32..4096)
            .step_by(16)
            .find(|&at| bytes[at + 8..at + 12] != [0; 4])
            .unwrap();
        let package = u32::from_le_bytes(bytes[slot + 4..slot + 8].try_into().unwrap());
        let block = u32::from_le_bytes(bytes[slot + 8..slot + 12].try_into().unwrap()) as usize;
        bytes[block * 16 + 16..block * 16 + 20].copy_from_slice(&[0; 4]);
        assert_eq!(
            malformed(catalog("/usr/lib/sysimage/rpm/Packages.db", &bytes)),
            (
                "rpm header",
                format!("header #{package}: index count 0 is outside 1..=65535")
            )
        );
    }

    #[test]
    fn source_rpm_names() {
        let cases: &[(&str, Option<(&str, &str)>)] = &[
            ("bash-5.1.8-1.cm2.src.rpm", Some(("bash", "5.1.8-1.cm2"))),
            (
                "ca-certificates-2.0.0-1.cm2.src.rpm",
                Some(("ca-certificates", "2.0.0-1.cm2")),
            ),
            (
                "util-linux-2.32.1-42.el8_8.src.rpm",
                Some(("util-linux", "2.32.1-42.el8_8")),
            ),
            ("kernel-6.1-1.nosrc.rpm", Some(("kernel", "6.1-1"))),
            ("foo-1-2", Some(("foo", "1-2"))),
            ("foo-1.src.rpm", None),
            ("-1-2.src.rpm", None),
            ("", None),
        ];
        for (file_name, want) in cases {
            let got = source(file_name.as_bytes());
            let want = want.map(|(n, v)| (n.to_owned(), v.to_owned()));
            assert_eq!(got, want, "{file_name}");
        }
    }

    /// xorshift64*, seeded: the same mutations on every run.
    pub(super) struct Prng(pub(super) u64);

    impl Prng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }

        /// Overwrite 1 to 8 bytes, half of them within the first `hot` bytes.
        pub(super) fn mutate(&mut self, bytes: &mut [u8], hot: usize) {
            for _ in 0..=self.below(8) {
                let at = if self.next().is_multiple_of(2) {
                    self.below(hot.clamp(1, bytes.len()))
                } else {
                    self.below(bytes.len())
                };
                bytes[at] = match self.below(4) {
                    0 => 0,
                    1 => 0xff,
                    // Truncation to a byte is the point.
                    _ => self.next().to_le_bytes()[0],
                };
            }
        }
    }

    /// Mutated databases: any outcome but a panic (or a hang).
    fn fuzz(case: &str, path: &str, hot: usize, rounds: usize, seed: u64) {
        let Some(bytes) = fixture(case) else { return };
        let mut prng = Prng(seed);
        for _ in 0..rounds {
            let mut mutated = bytes.clone();
            prng.mutate(&mut mutated, hot);
            let _ = catalog(path, &mutated);
        }
    }

    #[test]
    fn fuzz_mutated_bdb_never_panics() {
        fuzz(
            "libuuid-bdb/Packages",
            "/var/lib/rpm/Packages",
            4096 * 2,
            2000,
            0xb0b,
        );
    }

    #[test]
    fn fuzz_mutated_ndb_never_panics() {
        fuzz(
            "sle15-bci-ndb/Packages.db",
            "/usr/lib/sysimage/rpm/Packages.db",
            4096,
            300,
            0x0d6,
        );
    }
}
