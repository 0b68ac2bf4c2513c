//! Rust crates: the dependency list that `cargo auditable` embeds in a binary, and `Cargo.lock`.
//!
//! **Binaries** (`rust-binary`). `cargo auditable build` stores the resolved dependency tree as
//! zlib-compressed JSON in the ELF section `.dep-v0` (`.rust-deps-v0` for rust-audit 0.1):
//! `{"packages": [{"name", "version", "source", "kind", "dependencies", "root"}]}`. As Trivy
//! does, every package whose `kind` is `runtime` (the default) is reported, the root crate
//! included; build dependencies (`"kind": "build"`) are not in the binary and are skipped. The
//! section is found through the section headers, which linkers put at the end of the file, so
//! every ELF file is read to its end (within the analysis buffer).
//! - An ELF file without the section, or that this reader cannot use (no section headers, a
//!   table or name table outside the file), is not an auditable binary: no packages.
//! - A section that is there but lies outside the file, is not zlib data, inflates to more than
//!   8 MiB, or is not the JSON above (a package without `name` or `version`) is an error.
//!
//! **Lock files** (`cargo-lock`). Every `[[package]]` of a `Cargo.lock` is reported with its
//! `name` and `version`, whatever the lock file version (v1 with `[root]` and `[metadata]`,
//! v2, v3, v4): what Trivy's lock file parser reports, local and workspace crates (no `source`)
//! included. Trivy also reads the `Cargo.toml` beside the lock file to drop dev-only
//! dependencies; a cataloger sees one file, so they are kept here. `[root]` (v1) is not read,
//! as in Trivy. A file that is not UTF-8, not TOML, or has a package without a string `name`
//! or `version` is an error that names the line.

// ref: https://github.com/rust-secure-code/cargo-auditable/blob/master/PARSING.md
// ref: https://github.com/aquasecurity/trivy/blob/main/pkg/dependency/parser/rust/binary/parse.go
// ref: https://doc.rust-lang.org/cargo/guide/cargo-toml-vs-cargo-lock.html

use std::io::Read;

use tollgate_oci::{Magic, Selector, VisitedFile};

use super::elf::{Elf, Section};
use crate::cataloger::{CatalogError, Cataloger, excerpt};
use crate::{Ecosystem, Package};

const AUDIT_FORMAT: &str = "cargo-auditable dependency list";
const LOCK_FORMAT: &str = "Cargo.lock";
/// The section names, the current one first.
const SECTIONS: [&[u8]; 2] = [b".dep-v0", b".rust-deps-v0"];
/// Most bytes the dependency list may inflate to (cargo-auditable's own default limit).
const MAX_JSON: u64 = 8 << 20;

pub(crate) struct RustBinary;

impl Cataloger for RustBinary {
    fn id(&self) -> &'static str {
        "rust-binary"
    }

    fn version(&self) -> u32 {
        1
    }

    fn selectors(&self) -> &'static [Selector] {
        &[Selector::Magic(Magic::Elf)]
    }

    fn catalog(
        &self,
        file: &VisitedFile<'_>,
        content: &mut dyn Read,
    ) -> Result<Vec<Package>, CatalogError> {
        let Some(mut elf) = Elf::open(content, file.size, file.buffer_limit)? else {
            return Ok(Vec::new());
        };
        let Some(sections) = elf.sections()? else {
            return Ok(Vec::new());
        };
        let Some(section) = SECTIONS
            .iter()
            .find_map(|name| sections.iter().find(|s| s.name == *name))
        else {
            return Ok(Vec::new());
        };
        let compressed = section_bytes(&mut elf, section)?;
        let json = inflate(compressed, section)?;
        audited_packages(&json)
    }
}

fn section_bytes<'e>(elf: &'e mut Elf<'_>, section: &Section) -> Result<&'e [u8], CatalogError> {
    elf.section_data(section)?.ok_or_else(|| {
        CatalogError::malformed(
            AUDIT_FORMAT,
            format!(
                "section `{}` ({} bytes at offset {:#x}) has no bytes in the file",
                String::from_utf8_lossy(&section.name),
                section.size,
                section.offset
            ),
        )
    })
}

fn inflate(compressed: &[u8], section: &Section) -> Result<Vec<u8>, CatalogError> {
    let name = String::from_utf8_lossy(&section.name);
    let mut json = Vec::new();
    flate2::read::ZlibDecoder::new(compressed)
        .take(MAX_JSON + 1)
        .read_to_end(&mut json)
        .map_err(|error| {
            CatalogError::malformed(
                AUDIT_FORMAT,
                format!("section `{name}` is not zlib data: {error}"),
            )
        })?;
    if json.len() as u64 > MAX_JSON {
        return Err(CatalogError::malformed(
            AUDIT_FORMAT,
            format!("section `{name}` inflates to more than {MAX_JSON} bytes"),
        ));
    }
    Ok(json)
}

#[derive(serde::Deserialize)]
struct DependencyList {
    packages: Vec<AuditedPackage>,
}

#[derive(serde::Deserialize)]
struct AuditedPackage {
    name: String,
    version: String,
    #[serde(default)]
    kind: Option<String>,
}

fn audited_packages(json: &[u8]) -> Result<Vec<Package>, CatalogError> {
    let list: DependencyList = serde_json::from_slice(json).map_err(|error| {
        CatalogError::malformed(AUDIT_FORMAT, format!("not the expected JSON: {error}"))
    })?;
    Ok(list
        .packages
        .into_iter()
        .filter(|p| p.kind.as_deref().is_none_or(|kind| kind == "runtime"))
        .map(|p| Package::new(Ecosystem::Cargo, p.name, p.version))
        .collect())
}

pub(crate) struct CargoLock;

impl Cataloger for CargoLock {
    fn id(&self) -> &'static str {
        "cargo-lock"
    }

    fn version(&self) -> u32 {
        1
    }

    fn selectors(&self) -> &'static [Selector] {
        &[Selector::Glob("**/Cargo.lock")]
    }

    fn catalog(
        &self,
        file: &VisitedFile<'_>,
        content: &mut dyn Read,
    ) -> Result<Vec<Package>, CatalogError> {
        let bytes = tollgate_oci::read_capped(content, file.buffer_limit)?;
        parse_lock(&bytes)
    }
}

#[derive(serde::Deserialize)]
struct Lockfile {
    #[serde(default)]
    package: Vec<LockedPackage>,
}

#[derive(serde::Deserialize)]
struct LockedPackage {
    name: String,
    version: String,
}

fn parse_lock(bytes: &[u8]) -> Result<Vec<Package>, CatalogError> {
    let text = std::str::from_utf8(bytes).map_err(|error| {
        let at = error.valid_up_to();
        let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = bytes[..at]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |n| n + 1);
        CatalogError::malformed(
            LOCK_FORMAT,
            format!(
                "line {line}: not UTF-8 after `{}`",
                excerpt(&bytes[line_start..at])
            ),
        )
    })?;
    let lock: Lockfile = toml::from_str(text).map_err(|error| {
        let line = error.span().map_or(1, |span| {
            text[..span.start.min(text.len())].matches('\n').count() + 1
        });
        CatalogError::malformed(
            LOCK_FORMAT,
            format!("line {line}: {}", error.message().trim_end()),
        )
    })?;
    Ok(lock
        .package
        .into_iter()
        .map(|p| Package::new(Ecosystem::Cargo, p.name, p.version))
        .collect())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::io::Write;

    use tollgate_oci::{Image, OpenOptions, Target};

    use super::*;

    const LIMIT: u64 = 64 << 20;

    fn binary(bytes: &[u8]) -> Result<Vec<Package>, CatalogError> {
        crate::cataloger::testing::catalog(&RustBinary, "/usr/local/bin/app", bytes, LIMIT)
    }

    fn lock(bytes: &[u8]) -> Result<Vec<Package>, CatalogError> {
        crate::cataloger::testing::catalog(&CargoLock, "/app/Cargo.lock", bytes, LIMIT)
    }

    fn pairs(packages: &[Package]) -> Vec<(String, String)> {
        assert!(packages.iter().all(|p| p.ecosystem == Ecosystem::Cargo));
        let mut pairs: Vec<_> = packages
            .iter()
            .map(|p| (p.name.clone(), p.version.clone()))
            .collect();
        pairs.sort();
        pairs
    }

    fn list(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut list: Vec<_> = pairs
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect();
        list.sort();
        list
    }

    fn malformed(result: Result<Vec<Package>, CatalogError>, format: &str) -> String {
        crate::cataloger::testing::malformed_reason(result, format)
    }

    fn fixture(path: &str) -> Option<Vec<u8>> {
        tollgate_test::shared(&format!("fixtures/trivy/{path}")).map(|p| fs_err::read(p).unwrap())
    }

    fn zlib(bytes: &[u8]) -> Vec<u8> {
        let mut encoder =
            flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    /// A 64-bit little-endian ELF with section headers: null, `name` holding `data`, `.shstrtab`.
    fn elf_with_section(name: &str, data: &[u8], kind: u32) -> Vec<u8> {
        let mut names = b"\0".to_vec();
        names.extend(name.as_bytes());
        names.push(0);
        let shstrtab_name = names.len();
        names.extend(b".shstrtab\0");
        let data_offset = 64u64;
        let names_offset = data_offset + data.len() as u64;
        let table = names_offset + names.len() as u64;
        let mut elf = vec![0u8; 64];
        elf[..4].copy_from_slice(b"\x7fELF");
        elf[4] = 2;
        elf[5] = 1;
        elf[40..48].copy_from_slice(&table.to_le_bytes());
        elf[58..60].copy_from_slice(&64u16.to_le_bytes());
        elf[60..62].copy_from_slice(&3u16.to_le_bytes());
        elf[62..64].copy_from_slice(&2u16.to_le_bytes());
        elf.extend(data);
        elf.extend(&names);
        let header = |name: usize, kind: u32, offset: u64, size: u64| {
            let mut h = vec![0u8; 64];
            h[0..4].copy_from_slice(&(name as u32).to_le_bytes());
            h[4..8].copy_from_slice(&kind.to_le_bytes());
            h[24..32].copy_from_slice(&offset.to_le_bytes());
            h[32..40].copy_from_slice(&size.to_le_bytes());
            h
        };
        elf.extend(header(0, 0, 0, 0));
        elf.extend(header(1, kind, data_offset, data.len() as u64));
        elf.extend(header(shstrtab_name, 3, names_offset, names.len() as u64));
        elf
    }

    fn auditable(json: &str) -> Vec<u8> {
        elf_with_section(".dep-v0", &zlib(json.as_bytes()), 1)
    }

    #[test]
    fn rust_selectors_and_identity() {
        assert_eq!(RustBinary.id(), "rust-binary");
        assert_eq!(RustBinary.version(), 1);
        assert_eq!(format!("{:?}", RustBinary.selectors()), "[Magic(Elf)]");
        assert_eq!(CargoLock.id(), "cargo-lock");
        assert_eq!(CargoLock.version(), 1);
        assert_eq!(
            format!("{:?}", CargoLock.selectors()),
            r#"[Glob("**/Cargo.lock")]"#
        );
    }

    // --- binaries -------------------------------------------------------------------------------

    /// trivy `pkg/fanal/analyzer/language/rust/binary` "happy path": the root crate and its
    /// dependency.
    #[test]
    fn rust_trivy_executable_rust() {
        let Some(bytes) = fixture("rustbinary/test-elf/executable_rust") else {
            return;
        };
        assert_eq!(
            pairs(&binary(&bytes).unwrap()),
            list(&[("crate_with_features", "0.1.0"), ("library_crate", "0.1.0")])
        );
    }

    #[test]
    fn rust_not_auditable_binaries() {
        for path in [
            "gobinary/test-elf/executable_gobinary",
            "gobinary/not-go-binary/executable_bash",
        ] {
            if let Some(bytes) = fixture(path) {
                assert_eq!(binary(&bytes).unwrap(), vec![], "{path}");
            }
        }
        assert_eq!(binary(b"").unwrap(), vec![]);
        assert_eq!(binary(&elf_with_section(".data", b"x", 1)).unwrap(), vec![]);
    }

    #[test]
    fn rust_kinds_and_old_section_name() {
        let json = r#"{"packages":[
            {"name":"app","version":"1.0.0","source":"local","dependencies":[1,2],"root":true},
            {"name":"serde","version":"1.0.200","source":"crates.io","kind":"runtime"},
            {"name":"cc","version":"1.0.90","source":"crates.io","kind":"build"},
            {"name":"git-dep","version":"0.1.0","source":"git","features":["x"],"extra":{}}
        ]}"#;
        let want = list(&[("app", "1.0.0"), ("serde", "1.0.200"), ("git-dep", "0.1.0")]);
        assert_eq!(pairs(&binary(&auditable(json)).unwrap()), want);
        let old = elf_with_section(".rust-deps-v0", &zlib(json.as_bytes()), 1);
        assert_eq!(pairs(&binary(&old).unwrap()), want);
        assert_eq!(binary(&auditable(r#"{"packages":[]}"#)).unwrap(), vec![]);
    }

    #[test]
    fn rust_damaged_dependency_lists() {
        assert_eq!(
            malformed(
                binary(&elf_with_section(".dep-v0", b"not zlib", 1)),
                AUDIT_FORMAT
            ),
            "section `.dep-v0` is not zlib data: corrupt deflate stream"
        );
        let mut truncated = zlib(br#"{"packages":[]}"#);
        truncated.truncate(truncated.len() - 6);
        let reason = malformed(
            binary(&elf_with_section(".dep-v0", &truncated, 1)),
            AUDIT_FORMAT,
        );
        assert!(
            reason.starts_with("section `.dep-v0` is not zlib data"),
            "{reason}"
        );
        assert_eq!(
            malformed(
                binary(&auditable(r#"{"packages":[{"name":"x"}]}"#)),
                AUDIT_FORMAT
            ),
            "not the expected JSON: missing field `version` at line 1 column 25"
        );
        assert_eq!(
            malformed(binary(&auditable(r#"{"packages": 3}"#)), AUDIT_FORMAT),
            "not the expected JSON: invalid type: integer `3`, expected a sequence at line 1 column 14"
        );
        // A bomb: 64 MiB of zeros compress to about 64 KiB.
        let bomb = zlib(&vec![b' '; 64 << 20]);
        assert!(bomb.len() < 1 << 20);
        assert_eq!(
            malformed(binary(&elf_with_section(".dep-v0", &bomb, 1)), AUDIT_FORMAT),
            format!("section `.dep-v0` inflates to more than {MAX_JSON} bytes")
        );
        // SHT_NOBITS, and a section past the end of the file.
        assert_eq!(
            malformed(
                binary(&elf_with_section(".dep-v0", b"abc", 8)),
                AUDIT_FORMAT
            ),
            "section `.dep-v0` (3 bytes at offset 0x40) has no bytes in the file"
        );
        let mut far = elf_with_section(".dep-v0", b"abc", 1);
        let entry = far.len() - 2 * 64;
        far[entry + 24..entry + 32].copy_from_slice(&(1u64 << 40).to_le_bytes());
        assert_eq!(
            malformed(binary(&far), AUDIT_FORMAT),
            "section `.dep-v0` (3 bytes at offset 0x10000000000) has no bytes in the file"
        );
    }

    #[test]
    fn rust_truncated_and_mutated_binaries_never_panic() {
        let Some(original) = fixture("rustbinary/test-elf/executable_rust") else {
            return;
        };
        for keep in [
            0,
            4,
            16,
            63,
            64,
            0x4f523,
            0x4f530,
            original.len() - 64,
            original.len() - 1,
        ] {
            let result = binary(&original[..keep]);
            assert!(
                matches!(&result, Ok(p) if p.is_empty())
                    || matches!(result, Err(CatalogError::Malformed { .. })),
                "{keep}: {result:?}"
            );
        }
        // The section headers beyond the buffer limit: a read error.
        let result = crate::cataloger::testing::catalog(&RustBinary, "/app", &original, 64 << 10);
        assert!(matches!(result, Err(CatalogError::Read(_))), "{result:?}");
        // Fixed-seed mutations aimed at the file header, the section, the section headers, or
        // anywhere.
        let section_headers =
            usize::try_from(u64::from_le_bytes(original[40..48].try_into().unwrap())).unwrap();
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut bytes = original.clone();
        let mut found = 0;
        for _ in 0..1000 {
            let mut touched = Vec::new();
            for _ in 0..1 + next() % 6 {
                let r = next();
                let at = match r % 4 {
                    0 => (r >> 8) as usize % 64,
                    1 => 0x4f523 + (r >> 8) as usize % 0x76,
                    2 => section_headers + (r >> 8) as usize % (original.len() - section_headers),
                    _ => (r >> 8) as usize % original.len(),
                };
                bytes[at] = (next() & 0xff) as u8;
                touched.push(at);
            }
            if let Ok(packages) = binary(&bytes) {
                found += usize::from(!packages.is_empty());
                assert!(packages.iter().all(|p| p.ecosystem == Ecosystem::Cargo));
            }
            for at in touched {
                bytes[at] = original[at];
            }
        }
        assert!(found > 100, "{found}");
    }

    // --- lock files -----------------------------------------------------------------------------

    const NORMAL: &[(&str, &str)] = &[
        ("normal", "0.1.0"),
        ("libc", "0.2.54"),
        ("typemap", "0.3.3"),
        ("url", "1.7.2"),
        ("unsafe-any", "0.4.2"),
        ("matches", "0.1.8"),
        ("idna", "0.1.5"),
        ("percent-encoding", "1.0.1"),
    ];

    /// trivy `pkg/dependency/parser/rust/cargo` `TestParse` (v1 lock files, one with comments,
    /// `[metadata]` between packages and a multi-line string) and the analyzer's happy path
    /// without the dev-dependency filtering that needs `Cargo.toml` (see the module docs).
    #[test]
    fn rust_trivy_cargo_locks() {
        let v3 = &[
            ("aho-corasick", "0.7.20"),
            ("app", "0.1.0"),
            ("libc", "0.2.140"),
            ("memchr", "1.0.2"),
            ("memchr", "2.5.0"),
            ("regex", "1.7.3"),
            ("regex-syntax", "0.5.6"),
            ("regex-syntax", "0.6.29"),
            ("ucd-util", "0.1.10"),
        ];
        let mut happy = v3.to_vec();
        happy.extend([
            ("winapi", "0.3.9"),
            ("winapi-i686-pc-windows-gnu", "0.4.0"),
            ("winapi-x86_64-pc-windows-gnu", "0.4.0"),
        ]);
        for (case, want) in [
            ("lock-normal", NORMAL),
            ("lock-mixed", NORMAL),
            ("lock-v3", &v3[..]),
            ("happy", &happy[..]),
        ] {
            let Some(bytes) = fixture(&format!("cargo/{case}/Cargo.lock")) else {
                return;
            };
            let packages = lock(&bytes).unwrap();
            assert_eq!(pairs(&packages), list(want), "{case}");
            assert_eq!(packages.len(), want.len(), "{case}");
        }
    }

    #[test]
    fn rust_lock_file_versions() {
        let v1 = "[root]\nname = \"app\"\nversion = \"0.1.0\"\ndependencies = [\"libc 0.2.54 (registry+https://github.com/rust-lang/crates.io-index)\"]\n\n\
                  [[package]]\nname = \"libc\"\nversion = \"0.2.54\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n\n\
                  [metadata]\n\"checksum libc 0.2.54 (registry+https://github.com/rust-lang/crates.io-index)\" = \"c678\"\n";
        assert_eq!(
            pairs(&lock(v1.as_bytes()).unwrap()),
            list(&[("libc", "0.2.54")])
        );
        let v4 = "# This file is automatically @generated by Cargo.\nversion = 4\n\n\
                  [[package]]\nname = \"anyhow\"\nversion = \"1.0.86\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"b3d1d046238990b9cf5bcde22a3fb3584ee5cf65fb2765f454ed428c7a0063da\"\n\n\
                  [[package]]\nname = \"app\"\nversion = \"0.1.0\"\ndependencies = [\"anyhow\", \"git-thing\"]\n\n\
                  [[package]]\nname = \"git-thing\"\nversion = \"0.3.0\"\nsource = \"git+https://example.com/thing?branch=main#0123456789abcdef\"\n";
        assert_eq!(
            pairs(&lock(v4.as_bytes()).unwrap()),
            list(&[
                ("anyhow", "1.0.86"),
                ("app", "0.1.0"),
                ("git-thing", "0.3.0")
            ])
        );
        assert_eq!(lock(b"version = 4\n").unwrap(), vec![]);
        assert_eq!(lock(b"").unwrap(), vec![]);
        // CRLF line ends.
        let crlf = v4.replace('\n', "\r\n");
        assert_eq!(lock(crlf.as_bytes()).unwrap().len(), 3);
    }

    #[test]
    fn rust_malformed_lock_files_name_the_line() {
        let reason = malformed(
            lock(b"[[package]]\nname = \"a\"\nversion = \"1\"\n\n[[package]]\nname = \"b\"\nversion = 2\n"),
            LOCK_FORMAT,
        );
        assert_eq!(
            reason,
            "line 7: invalid type: integer `2`, expected a string"
        );
        let reason = malformed(lock(b"[[package]]\nname = \"a\"\n"), LOCK_FORMAT);
        assert_eq!(reason, "line 1: missing field `version`");
        let reason = malformed(
            lock(b"[[package]]\nname = \"a\nversion = \"1\"\n"),
            LOCK_FORMAT,
        );
        assert!(reason.starts_with("line 2: "), "{reason}");
        let reason = malformed(lock(b"package = 3\n"), LOCK_FORMAT);
        assert!(
            reason.starts_with("line 1: invalid type: integer `3`"),
            "{reason}"
        );
        let reason = malformed(lock(b"[[package]]\nname = \"caf\xe9\"\n"), LOCK_FORMAT);
        assert_eq!(reason, "line 2: not UTF-8 after `name = \\\"caf`");
        // Bytes that are no TOML at all: an ELF file.
        if let Some(elf) = fixture("rustbinary/test-elf/executable_rust") {
            let _ = malformed(lock(&elf), LOCK_FORMAT);
        }
        let result =
            crate::cataloger::testing::catalog(&CargoLock, "/Cargo.lock", &[b'#'; 2048], 1024);
        assert!(matches!(result, Err(CatalogError::Read(_))), "{result:?}");
    }

    #[test]
    fn rust_lock_garbage_never_panics() {
        let Some(original) = fixture("cargo/lock-v3/Cargo.lock") else {
            return;
        };
        let mut seed: u32 = 0x1234_5678;
        let mut bytes = original.clone();
        for _ in 0..1000 {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            let at = seed as usize % bytes.len();
            bytes[at] = (seed >> 24) as u8;
            let _ = lock(&bytes);
            let _ = lock(&bytes[..at]);
            bytes[at] = original[at];
        }
    }

    // --- through the pipeline -------------------------------------------------------------------

    /// Go and Rust binaries and a lock file in an image: each ELF reaches both binary
    /// catalogers (one buffered copy), each reports its own, and nothing is an unknown.
    #[test]
    fn rust_and_golang_binaries_through_the_pipeline() {
        use tollgate_test::builder::{Compression, ImageBuilder, LayerBuilder};

        let (Some(go), Some(rust), Some(cargo_lock), Some(script)) = (
            fixture("gobinary/test-elf/executable_gobinary"),
            fixture("rustbinary/test-elf/executable_rust"),
            fixture("cargo/lock-normal/Cargo.lock"),
            fixture("gobinary/not-go-binary/executable_bash"),
        ) else {
            return;
        };
        let layer = LayerBuilder::new()
            .file("usr/local/bin/executable_gobinary", &go, 0o755)
            .file("usr/local/bin/executable_rust", &rust, 0o755)
            .file("usr/local/bin/executable_bash", &script, 0o755)
            .file("app/Cargo.lock", &cargo_lock, 0o644)
            .file("Cargo.lock", &cargo_lock, 0o644);
        let dir = tempfile::tempdir().unwrap();
        ImageBuilder::new()
            .layer(layer.finish(Compression::Gzip))
            .write_oci_layout(dir.path());
        let target = Target::parse(&format!("oci:{}:test", dir.path().display())).unwrap();
        let image = Image::open(&target, &OpenOptions::default()).unwrap();
        let inventory = crate::inventory(&image, None).unwrap();
        assert_eq!(inventory.unknowns, vec![]);
        let found: BTreeSet<(String, String, String, String)> = inventory
            .packages
            .iter()
            .filter(|p| matches!(p.ecosystem, Ecosystem::Golang | Ecosystem::Cargo))
            .map(|p| {
                (
                    p.cataloger.clone(),
                    p.path.clone(),
                    p.name.clone(),
                    p.purl.clone(),
                )
            })
            .collect();
        let mut want = BTreeSet::new();
        let row = |cataloger: &str, path: &str, name: &str, purl: &str| {
            (
                cataloger.to_owned(),
                path.to_owned(),
                name.to_owned(),
                purl.to_owned(),
            )
        };
        for (name, purl) in [
            (
                "github.com/aquasecurity/test",
                "pkg:golang/github.com/aquasecurity/test",
            ),
            ("stdlib", "pkg:golang/stdlib@v1.15.2"),
            (
                "github.com/aquasecurity/go-pep440-version",
                "pkg:golang/github.com/aquasecurity/go-pep440-version@v0.0.0-20210121094942-22b2f8951d46",
            ),
            (
                "github.com/aquasecurity/go-version",
                "pkg:golang/github.com/aquasecurity/go-version@v0.0.0-20210121072130-637058cfe492",
            ),
            (
                "golang.org/x/xerrors",
                "pkg:golang/golang.org/x/xerrors@v0.0.0-20200804184101-5ec99f83aff1",
            ),
        ] {
            want.insert(row(
                "go-binary",
                "/usr/local/bin/executable_gobinary",
                name,
                purl,
            ));
        }
        for name in ["crate_with_features", "library_crate"] {
            want.insert(row(
                "rust-binary",
                "/usr/local/bin/executable_rust",
                name,
                &format!("pkg:cargo/{name}@0.1.0"),
            ));
        }
        for path in ["/app/Cargo.lock", "/Cargo.lock"] {
            for (name, version) in NORMAL {
                want.insert(row(
                    "cargo-lock",
                    path,
                    name,
                    &format!("pkg:cargo/{name}@{version}"),
                ));
            }
        }
        assert_eq!(found, want);
    }
}
