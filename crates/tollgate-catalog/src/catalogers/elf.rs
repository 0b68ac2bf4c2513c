//! A defensive reader of ELF files for the binary catalogers (Go build info, cargo-auditable
//! dependency lists): the file header, the program headers (segments) and the section headers.
//!
//! The file arrives as a stream. Bytes are buffered from the start of the file only as far as a
//! caller asks, so a question answered near the start (the header, the program headers, the data
//! segment) does not read the rest of the file; the section headers, which linkers put at the
//! end, cost a read of the whole file. Nothing past the analysis buffer limit is ever buffered.
//!
//! Nothing in the file is trusted: every offset, size and count is checked against the bytes that
//! exist. A header or table that does not fit in the file makes it "not a usable ELF" (`None`),
//! never a panic; only an I/O failure or data beyond the buffer limit is an error.

// ref: https://refspecs.linuxfoundation.org/elf/gabi4+/ch4.eheader.html (file header),
// ch4.sheader.html (sections), ch5.pheader.html (program headers)

use std::io::{self, Read};

use crate::cataloger::CatalogError;

/// `PT_LOAD`: a segment mapped from the file.
pub(crate) const PT_LOAD: u32 = 1;
/// `PF_X`: an executable segment.
pub(crate) const PF_X: u32 = 1;
/// `PF_W`: a writable segment.
pub(crate) const PF_W: u32 = 2;
/// `SHT_NOBITS`: a section that occupies no bytes in the file (`.bss`).
const SHT_NOBITS: u32 = 8;
/// `PN_XNUM`: the number of program headers is in section 0's `sh_info`.
const PN_XNUM: u64 = 0xffff;
/// `SHN_XINDEX`: the index of the section name table is in section 0's `sh_link`.
const SHN_XINDEX: u64 = 0xffff;

/// One program header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Segment {
    /// `p_type`.
    pub(crate) kind: u32,
    /// `p_flags`.
    pub(crate) flags: u32,
    /// `p_offset`: where its bytes start in the file.
    pub(crate) offset: u64,
    /// `p_vaddr`: where they are mapped.
    pub(crate) address: u64,
    /// `p_filesz`: how many bytes it has in the file.
    pub(crate) file_size: u64,
}

impl Segment {
    /// The file offset of virtual address `address`, and how many of the segment's bytes in the
    /// file follow it; `None` if the address is not backed by this segment's bytes in the file.
    pub(crate) fn file_offset(&self, address: u64) -> Option<(u64, u64)> {
        let into = address.checked_sub(self.address)?;
        if into >= self.file_size {
            return None;
        }
        Some((self.offset.checked_add(into)?, self.file_size - into))
    }
}

/// One section header, with its name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Section {
    /// The name, from the section name table (`.go.buildinfo`, `.dep-v0`).
    pub(crate) name: Vec<u8>,
    /// `sh_type`.
    pub(crate) kind: u32,
    /// `sh_offset`.
    pub(crate) offset: u64,
    /// `sh_size`.
    pub(crate) size: u64,
}

/// An ELF file being read.
pub(crate) struct Elf<'r> {
    prefix: Prefix<'r>,
    is_64: bool,
    big_endian: bool,
    program_headers: Table,
    section_headers: Table,
    /// `e_shstrndx`.
    names_index: u64,
}

/// Where a table of headers is.
#[derive(Clone, Copy)]
struct Table {
    offset: u64,
    entry_size: u64,
    count: u64,
}

impl<'r> Elf<'r> {
    /// Read the file header of `content`, a file of `size` bytes of which at most `limit` may be
    /// buffered. `None` when it is not an ELF file this reader understands (bad magic, class or
    /// byte order, or shorter than its header).
    pub(crate) fn open(
        content: &'r mut dyn Read,
        size: u64,
        limit: u64,
    ) -> Result<Option<Self>, CatalogError> {
        let mut prefix = Prefix {
            reader: content,
            bytes: Vec::new(),
            size,
            limit,
            eof: false,
        };
        let Some(ident) = prefix.get(0, 16)? else {
            return Ok(None);
        };
        let (is_64, header_size) = match ident[4] {
            1 => (false, 52),
            2 => (true, 64),
            _ => return Ok(None),
        };
        let big_endian = match ident[5] {
            1 => false,
            2 => true,
            _ => return Ok(None),
        };
        if !ident.starts_with(b"\x7fELF") {
            return Ok(None);
        }
        let Some(header) = prefix.get(0, header_size)? else {
            return Ok(None);
        };
        let fields = Fields { big_endian };
        let (program_headers, section_headers, names_index) = if is_64 {
            (
                Table {
                    offset: fields.u64(header, 32),
                    entry_size: fields.u16(header, 54),
                    count: fields.u16(header, 56),
                },
                Table {
                    offset: fields.u64(header, 40),
                    entry_size: fields.u16(header, 58),
                    count: fields.u16(header, 60),
                },
                fields.u16(header, 62),
            )
        } else {
            (
                Table {
                    offset: fields.u32(header, 28),
                    entry_size: fields.u16(header, 42),
                    count: fields.u16(header, 44),
                },
                Table {
                    offset: fields.u32(header, 32),
                    entry_size: fields.u16(header, 46),
                    count: fields.u16(header, 48),
                },
                fields.u16(header, 50),
            )
        };
        Ok(Some(Self {
            prefix,
            is_64,
            big_endian,
            program_headers,
            section_headers,
            names_index,
        }))
    }

    /// The program headers, in file order. `None` when the table does not fit in the file or its
    /// entries are too small to be program headers.
    pub(crate) fn segments(&mut self) -> Result<Option<Vec<Segment>>, CatalogError> {
        let mut table = self.program_headers;
        if table.offset == 0 || table.count == 0 {
            return Ok(Some(Vec::new()));
        }
        if table.count == PN_XNUM {
            // The real count is in section 0's `sh_info` (at the same offset in both classes).
            let Some(first) = self.first_section_header()? else {
                return Ok(None);
            };
            table.count = self.fields().u32(&first, if self.is_64 { 44 } else { 28 });
        }
        let (is_64, fields) = (self.is_64, self.fields());
        let minimum = if is_64 { 56 } else { 32 };
        let Some(bytes) = self.table(table, minimum)? else {
            return Ok(None);
        };
        let segments = bytes
            .chunks_exact(usize_of(table.entry_size))
            .map(|entry| {
                if is_64 {
                    Segment {
                        kind: to_u32(fields.u32(entry, 0)),
                        flags: to_u32(fields.u32(entry, 4)),
                        offset: fields.u64(entry, 8),
                        address: fields.u64(entry, 16),
                        file_size: fields.u64(entry, 32),
                    }
                } else {
                    Segment {
                        kind: to_u32(fields.u32(entry, 0)),
                        offset: fields.u32(entry, 4),
                        address: fields.u32(entry, 8),
                        file_size: fields.u32(entry, 16),
                        flags: to_u32(fields.u32(entry, 24)),
                    }
                }
            })
            .collect();
        Ok(Some(segments))
    }

    /// The section headers with their names. `None` when the table or the name table does not
    /// fit in the file, or its entries are too small to be section headers. This reads up to the
    /// end of the section header table, which is usually the end of the file.
    pub(crate) fn sections(&mut self) -> Result<Option<Vec<Section>>, CatalogError> {
        let mut table = self.section_headers;
        if table.offset == 0 {
            return Ok(Some(Vec::new()));
        }
        let mut names_index = self.names_index;
        if table.count == 0 || names_index == SHN_XINDEX {
            // Extended numbering: the count is section 0's `sh_size`, the name table index its
            // `sh_link`.
            let Some(first) = self.first_section_header()? else {
                return Ok(None);
            };
            let fields = self.fields();
            if table.count == 0 {
                table.count = if self.is_64 {
                    fields.u64(&first, 32)
                } else {
                    fields.u32(&first, 20)
                };
            }
            if names_index == SHN_XINDEX {
                names_index = fields.u32(&first, if self.is_64 { 40 } else { 24 });
            }
        }
        let (is_64, fields) = (self.is_64, self.fields());
        let minimum = if is_64 { 64 } else { 40 };
        let Some(bytes) = self.table(table, minimum)? else {
            return Ok(None);
        };
        let headers: Vec<(u64, Section)> = bytes
            .chunks_exact(usize_of(table.entry_size))
            .map(|entry| {
                let name = fields.u32(entry, 0);
                let section = if is_64 {
                    Section {
                        name: Vec::new(),
                        kind: to_u32(fields.u32(entry, 4)),
                        offset: fields.u64(entry, 24),
                        size: fields.u64(entry, 32),
                    }
                } else {
                    Section {
                        name: Vec::new(),
                        kind: to_u32(fields.u32(entry, 4)),
                        offset: fields.u32(entry, 16),
                        size: fields.u32(entry, 20),
                    }
                };
                (name, section)
            })
            .collect();
        let Some(names_section) = usize::try_from(names_index)
            .ok()
            .and_then(|index| headers.get(index))
            .map(|(_, section)| section.clone())
        else {
            return Ok(None);
        };
        let Some(names) = self.section_data(&names_section)? else {
            return Ok(None);
        };
        let sections = headers
            .into_iter()
            .map(|(name, mut section)| {
                let start = usize::try_from(name).unwrap_or(usize::MAX);
                section.name = names
                    .get(start..)
                    .map(|rest| rest.split(|&b| b == 0).next().unwrap_or_default().to_vec())
                    .unwrap_or_default();
                section
            })
            .collect();
        Ok(Some(sections))
    }

    /// The bytes of `section`; `None` for a section without bytes in the file (`SHT_NOBITS`) or
    /// one that does not fit in the file.
    pub(crate) fn section_data(
        &mut self,
        section: &Section,
    ) -> Result<Option<&[u8]>, CatalogError> {
        if section.kind == SHT_NOBITS {
            return Ok(None);
        }
        self.prefix.get(section.offset, section.size)
    }

    /// Exactly `length` bytes at `offset`, or `None` if the file ends before.
    pub(crate) fn read(&mut self, offset: u64, length: u64) -> Result<Option<&[u8]>, CatalogError> {
        self.prefix.get(offset, length)
    }

    /// Up to `length` bytes at `offset`: fewer where the file ends before.
    pub(crate) fn read_up_to(&mut self, offset: u64, length: u64) -> Result<&[u8], CatalogError> {
        self.prefix.get_up_to(offset, length)
    }

    fn fields(&self) -> Fields {
        Fields {
            big_endian: self.big_endian,
        }
    }

    fn first_section_header(&mut self) -> Result<Option<Vec<u8>>, CatalogError> {
        let table = self.section_headers;
        let size = if self.is_64 { 64 } else { 40 };
        if table.offset == 0 || table.entry_size < size {
            return Ok(None);
        }
        Ok(self.prefix.get(table.offset, size)?.map(<[u8]>::to_vec))
    }

    /// The bytes of a whole table, if its entries are at least `minimum` bytes and it fits.
    fn table(&mut self, table: Table, minimum: u64) -> Result<Option<&[u8]>, CatalogError> {
        if table.entry_size < minimum {
            return Ok(None);
        }
        let Some(length) = table.count.checked_mul(table.entry_size) else {
            return Ok(None);
        };
        self.prefix.get(table.offset, length)
    }
}

/// Fixed-size integers in the file's byte order. Callers pass slices long enough for the field.
#[derive(Clone, Copy)]
pub(crate) struct Fields {
    pub(crate) big_endian: bool,
}

impl Fields {
    fn bytes<const N: usize>(self, bytes: &[u8], at: usize) -> [u8; N] {
        let mut out = [0; N];
        if let Some(field) = bytes.get(at..at + N) {
            out.copy_from_slice(field);
        }
        if self.big_endian {
            out.reverse();
        }
        out
    }

    pub(crate) fn u16(self, bytes: &[u8], at: usize) -> u64 {
        u16::from_le_bytes(self.bytes(bytes, at)).into()
    }

    pub(crate) fn u32(self, bytes: &[u8], at: usize) -> u64 {
        u32::from_le_bytes(self.bytes(bytes, at)).into()
    }

    pub(crate) fn u64(self, bytes: &[u8], at: usize) -> u64 {
        u64::from_le_bytes(self.bytes(bytes, at))
    }
}

fn to_u32(value: u64) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

/// A table entry size (at most `u16::MAX`) as a `usize`.
fn usize_of(value: u64) -> usize {
    usize::try_from(value).unwrap_or(usize::MAX)
}

/// The bytes of a stream read so far, from offset 0, of a file of a known size.
struct Prefix<'r> {
    reader: &'r mut dyn Read,
    bytes: Vec<u8>,
    /// The file's size (from the tar header): nothing is read past it.
    size: u64,
    /// Most bytes that may be buffered.
    limit: u64,
    /// The stream ended (possibly before `size`).
    eof: bool,
}

impl Prefix<'_> {
    /// Exactly `length` bytes at `offset`, or `None` if the file ends before.
    fn get(&mut self, offset: u64, length: u64) -> Result<Option<&[u8]>, CatalogError> {
        let Some(end) = offset.checked_add(length) else {
            return Ok(None);
        };
        if end > self.size {
            return Ok(None);
        }
        self.fill_to(end)?;
        Ok(self.slice(offset, end))
    }

    /// Up to `length` bytes at `offset`.
    fn get_up_to(&mut self, offset: u64, length: u64) -> Result<&[u8], CatalogError> {
        let end = offset.saturating_add(length).min(self.size);
        if offset >= end {
            return Ok(&[]);
        }
        self.fill_to(end)?;
        let end = end.min(self.bytes.len() as u64);
        Ok(self.slice(offset, end).unwrap_or_default())
    }

    fn slice(&self, start: u64, end: u64) -> Option<&[u8]> {
        let start = usize::try_from(start).ok()?;
        let end = usize::try_from(end).ok()?;
        self.bytes.get(start..end)
    }

    /// Buffer the file up to `end` (at most its size), or to where the stream ends.
    fn fill_to(&mut self, end: u64) -> Result<(), CatalogError> {
        let have = self.bytes.len() as u64;
        if end <= have || self.eof {
            return Ok(());
        }
        if end > self.limit {
            return Err(CatalogError::Read(io::Error::new(
                io::ErrorKind::FileTooLarge,
                format!(
                    "the ELF data needed lies at offset {end}, beyond the {}-byte analysis buffer",
                    self.limit
                ),
            )));
        }
        let wanted = end - have;
        let read = (&mut *self.reader)
            .take(wanted)
            .read_to_end(&mut self.bytes)
            .map_err(CatalogError::Read)?;
        if (read as u64) < wanted {
            self.eof = true;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ELF reader of `bytes`, or `None`; used inside `f`.
    fn with_elf<T>(bytes: &[u8], f: impl FnOnce(Option<&mut Elf<'_>>) -> T) -> T {
        let mut reader = bytes;
        let mut elf = Elf::open(&mut reader, bytes.len() as u64, 64 << 20).unwrap();
        f(elf.as_mut())
    }

    fn is_elf(bytes: &[u8]) -> bool {
        with_elf(bytes, |elf| elf.is_some())
    }

    fn fixture(path: &str) -> Option<Vec<u8>> {
        tollgate_test::shared(path).map(|path| fs_err::read(path).unwrap())
    }

    /// A minimal 64-bit little-endian header with the given tables.
    fn header64(phoff: u64, phnum: u16, shoff: u64, shnum: u16, shstrndx: u16) -> Vec<u8> {
        let mut h = vec![0u8; 64];
        h[..4].copy_from_slice(b"\x7fELF");
        h[4] = 2;
        h[5] = 1;
        h[32..40].copy_from_slice(&phoff.to_le_bytes());
        h[40..48].copy_from_slice(&shoff.to_le_bytes());
        h[54..56].copy_from_slice(&56u16.to_le_bytes());
        h[56..58].copy_from_slice(&phnum.to_le_bytes());
        h[58..60].copy_from_slice(&64u16.to_le_bytes());
        h[60..62].copy_from_slice(&shnum.to_le_bytes());
        h[62..64].copy_from_slice(&shstrndx.to_le_bytes());
        h
    }

    #[test]
    fn elf_segments_and_sections_of_a_real_go_binary() {
        let Some(bytes) = fixture("fixtures/trivy/gobinary/test-elf/executable_gobinary") else {
            return;
        };
        with_elf(&bytes, |elf| {
            let elf = elf.unwrap();
            assert!(!elf.big_endian);
            let segments = elf.segments().unwrap().unwrap();
            let loads: Vec<_> = segments.iter().filter(|s| s.kind == PT_LOAD).collect();
            assert_eq!(loads.len(), 3);
            assert_eq!(
                *loads[2],
                Segment {
                    kind: PT_LOAD,
                    flags: 6,
                    offset: 0x19e000,
                    address: 0x59e000,
                    file_size: 0x17e80,
                }
            );
            assert_eq!(loads[2].file_offset(0x59e010), Some((0x19e010, 0x17e70)));
            assert_eq!(loads[2].file_offset(0x59e000 + 0x17e80), None);
            assert_eq!(loads[2].file_offset(0x10), None);
            let sections = elf.sections().unwrap().unwrap();
            let buildinfo = sections
                .iter()
                .find(|s| s.name == b".go.buildinfo")
                .unwrap()
                .clone();
            assert_eq!((buildinfo.offset, buildinfo.size), (0x19e000, 0x20));
            let data = elf.section_data(&buildinfo).unwrap().unwrap();
            assert!(data.starts_with(b"\xff Go buildinf:"));
            let bss = sections.iter().find(|s| s.name == b".bss").unwrap().clone();
            assert_eq!(elf.section_data(&bss).unwrap(), None);
        });
    }

    #[test]
    fn elf_reads_only_as_far_as_asked() {
        let Some(bytes) = fixture("fixtures/trivy/gobinary/test-elf/executable_gobinary") else {
            return;
        };
        let mut reader = &bytes[..];
        let mut elf = Elf::open(&mut reader, bytes.len() as u64, 64 << 20)
            .unwrap()
            .unwrap();
        elf.segments().unwrap().unwrap();
        assert!(elf.prefix.bytes.len() < 4096, "{}", elf.prefix.bytes.len());
        // A limit below the section header table is a read error, not a silent nothing.
        let mut reader = &bytes[..];
        let mut elf = Elf::open(&mut reader, bytes.len() as u64, 1 << 20)
            .unwrap()
            .unwrap();
        assert!(elf.segments().unwrap().is_some());
        let error = elf.sections().unwrap_err();
        assert!(
            matches!(&error, CatalogError::Read(e) if e.kind() == io::ErrorKind::FileTooLarge),
            "{error:?}"
        );
        // A stream shorter than the size it was announced with: what is missing does not exist.
        let mut reader = &bytes[..1000];
        let mut elf = Elf::open(&mut reader, bytes.len() as u64, 64 << 20)
            .unwrap()
            .unwrap();
        assert_eq!(elf.sections().unwrap(), None);
        assert_eq!(elf.read(990, 20).unwrap(), None);
        assert_eq!(elf.read_up_to(990, 20).unwrap().len(), 10);
    }

    #[test]
    fn elf_not_an_elf_or_too_short() {
        assert!(!is_elf(b""));
        assert!(!is_elf(b"\x7fELF"));
        assert!(!is_elf(b"#!/bin/bash\necho hello\n"));
        // Bad class, bad byte order, short header.
        let mut h = header64(0, 0, 0, 0, 0);
        h[4] = 3;
        assert!(!is_elf(&h));
        h[4] = 2;
        h[5] = 0;
        assert!(!is_elf(&h));
        h[5] = 1;
        assert!(!is_elf(&h[..63]));
        h[0] = b'E';
        assert!(!is_elf(&h));
        h[0] = 0x7f;
        with_elf(&h, |elf| {
            let elf = elf.unwrap();
            assert_eq!(elf.segments().unwrap(), Some(vec![]));
            assert_eq!(elf.sections().unwrap(), Some(vec![]));
        });
    }

    #[test]
    fn elf_hostile_tables() {
        // Tables beyond the end of the file, sizes that overflow, extended counts that do not
        // fit.
        for (phoff, phnum, shoff, shnum, shstrndx) in [
            (1 << 40, 3, 1 << 40, 3, 1),
            (u64::MAX - 10, 0xfffe, u64::MAX - 10, 0xfffe, 0),
            (64, 0xffff, 64, 0, 0xffff),
            (64, 1000, 64, 1000, 999),
        ] {
            let mut h = header64(phoff, phnum, shoff, shnum, shstrndx);
            h.extend(vec![0xff; 200]);
            with_elf(&h, |elf| {
                let elf = elf.unwrap();
                assert_eq!(elf.segments().unwrap(), None, "{phoff} {phnum}");
                assert_eq!(elf.sections().unwrap(), None, "{shoff} {shnum}");
            });
        }
        // Entries smaller than a header.
        let mut h = header64(64, 1, 64, 1, 0);
        h[54..56].copy_from_slice(&8u16.to_le_bytes());
        h[58..60].copy_from_slice(&8u16.to_le_bytes());
        h.extend(vec![0; 128]);
        with_elf(&h, |elf| {
            let elf = elf.unwrap();
            assert_eq!(elf.segments().unwrap(), None);
            assert_eq!(elf.sections().unwrap(), None);
        });
        // A name past the end of the name table is empty; no panic.
        let mut h = header64(0, 0, 64, 2, 1);
        let mut section = vec![0u8; 64];
        section[0..4].copy_from_slice(&u32::MAX.to_le_bytes());
        h.extend(&section);
        let mut names = vec![0u8; 64];
        names[4..8].copy_from_slice(&1u32.to_le_bytes()); // SHT_PROGBITS
        names[24..32].copy_from_slice(&192u64.to_le_bytes());
        names[32..40].copy_from_slice(&4u64.to_le_bytes());
        h.extend(&names);
        h.extend(b"\0abc");
        with_elf(&h, |elf| {
            let sections = elf.unwrap().sections().unwrap().unwrap();
            assert_eq!(sections.len(), 2);
            assert_eq!(sections[0].name, b"");
            assert_eq!(sections[1].name, b"");
        });
    }

    #[test]
    fn elf_32_bit_big_endian() {
        // A 32-bit big-endian header with one PT_LOAD program header.
        let mut h = vec![0u8; 52];
        h[..4].copy_from_slice(b"\x7fELF");
        h[4] = 1;
        h[5] = 2;
        h[28..32].copy_from_slice(&52u32.to_be_bytes());
        h[42..44].copy_from_slice(&32u16.to_be_bytes());
        h[44..46].copy_from_slice(&1u16.to_be_bytes());
        let mut ph = vec![0u8; 32];
        ph[0..4].copy_from_slice(&1u32.to_be_bytes());
        ph[4..8].copy_from_slice(&0x100u32.to_be_bytes());
        ph[8..12].copy_from_slice(&0x8000u32.to_be_bytes());
        ph[16..20].copy_from_slice(&0x10u32.to_be_bytes());
        ph[24..28].copy_from_slice(&6u32.to_be_bytes());
        h.extend(ph);
        with_elf(&h, |elf| {
            let elf = elf.unwrap();
            assert!(elf.big_endian);
            assert_eq!(
                elf.segments().unwrap().unwrap(),
                vec![Segment {
                    kind: PT_LOAD,
                    flags: PF_W | 4,
                    offset: 0x100,
                    address: 0x8000,
                    file_size: 0x10,
                }]
            );
            assert_eq!(elf.read(0x100, 1).unwrap(), None);
            assert_eq!(elf.read_up_to(80, 1000).unwrap().len(), 4);
        });
    }
}
