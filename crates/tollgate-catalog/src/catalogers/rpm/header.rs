//! An rpm header blob as rpm keeps it in its database (rpm's `hdrblob`: no lead, no magic):
//! a big-endian intro (index count `il`, data length `dl`), `il` 16-byte index entries
//! (tag, type, offset, count) and `dl` bytes of data. The first entry may be a region tag
//! (61/62/63) whose data is a trailer entry at the end of the region; entries added after
//! install ("dribbles") follow the region and replace region entries with the same tag.
//!
//! Verification is rpm's own (`hdrblobInit`, `hdrblobVerifyRegion`, `hdrblobVerifyInfo`,
//! `dataLength`), so a blob rpm would refuse is refused here, and every later read is in bounds.

// ref: https://github.com/rpm-software-management/rpm/blob/master/lib/header.c
// ref: https://rpm-software-management.github.io/rpm/manual/format_header.html

use std::ffi::CStr;

/// Region tags: `HEADER_IMAGE`, `HEADER_SIGNATURES`, `HEADER_IMMUTABLE`.
const REGION_IMAGE: u32 = 61;
const REGION_SIGNATURES: u32 = 62;
const REGION_IMMUTABLE: u32 = 63;
/// `HEADER_I18NTABLE`: every tag below it other than a leading region tag is invalid.
const FIRST_TAG: u32 = 100;

const TYPE_INT16: u32 = 3;
const TYPE_INT32: u32 = 4;
const TYPE_STRING: u32 = 6;
const TYPE_BIN: u32 = 7;
const TYPE_STRING_ARRAY: u32 = 8;
const TYPE_I18N_STRING: u32 = 9;
const TYPE_MAX: u32 = 9;
/// rpm's `typeAlign`, by type.
const TYPE_ALIGN: [u32; 10] = [1, 1, 1, 2, 4, 8, 1, 1, 1, 1];
/// rpm's `typeSizes`, by type; strings have no fixed size.
const TYPE_SIZE: [Option<u64>; 10] = [
    Some(0),
    Some(1),
    Some(1),
    Some(2),
    Some(4),
    Some(8),
    None,
    Some(1),
    None,
    None,
];

/// `HEADER_TAGS_MAX`.
const MAX_ENTRIES: u32 = 0xffff;
/// `HEADER_DATA_MAX` (256 MiB).
const MAX_DATA: u32 = 0x0fff_ffff;
/// `HEADER_ARRAY_MAX`: most items in a non-binary entry.
const MAX_ARRAY: u32 = 0x000f_ffff;
const ENTRY_SIZE: usize = 16;

/// One index entry, in host order.
#[derive(Clone, Copy, Debug)]
struct Entry {
    tag: u32,
    kind: u32,
    offset: u32,
    count: u32,
}

impl Entry {
    fn read(bytes: &[u8], at: usize) -> Option<Self> {
        Some(Self {
            tag: be32(bytes, at)?,
            kind: be32(bytes, at + 4)?,
            offset: be32(bytes, at + 8)?,
            count: be32(bytes, at + 12)?,
        })
    }
}

/// A verified header blob.
#[derive(Debug)]
pub(super) struct Header<'a> {
    index: &'a [u8],
    data: &'a [u8],
    /// Index of the first entry that is data (1 after a region tag, else 0).
    first: usize,
}

impl<'a> Header<'a> {
    /// Verify `blob` as rpm does; the error is the reason, for a `Malformed`.
    pub(super) fn parse(blob: &'a [u8]) -> Result<Self, String> {
        let (Some(il), Some(dl)) = (be32(blob, 0), be32(blob, 4)) else {
            return Err(format!(
                "{} bytes, shorter than the 8-byte intro",
                blob.len()
            ));
        };
        if il == 0 || il > MAX_ENTRIES {
            return Err(format!("index count {il} is outside 1..={MAX_ENTRIES}"));
        }
        if dl > MAX_DATA {
            return Err(format!(
                "data length {dl} is over the {MAX_DATA}-byte limit"
            ));
        }
        let index_len = il as usize * ENTRY_SIZE;
        let expected = 8 + index_len as u64 + u64::from(dl);
        if expected != blob.len() as u64 {
            return Err(format!(
                "blob is {} bytes, but 8 + 16 * {il} entries + {dl} data bytes = {expected}",
                blob.len()
            ));
        }
        let (Some(index), Some(data)) = (blob.get(8..8 + index_len), blob.get(8 + index_len..))
        else {
            return Err("blob is shorter than its intro says".to_owned());
        };
        let mut header = Self {
            index,
            data,
            first: 0,
        };
        let region = header.verify_region()?;
        if region.is_some() {
            header.first = 1;
        }
        header.verify_entries(region)?;
        Ok(header)
    }

    fn entry(&self, i: usize) -> Result<Entry, String> {
        Entry::read(self.index, i * ENTRY_SIZE)
            .ok_or_else(|| format!("entry {i} is outside the index"))
    }

    fn entries(&self) -> usize {
        self.index.len() / ENTRY_SIZE
    }

    /// rpm's `hdrblobVerifyRegion`: `Some(rdl)` (the region's data length, trailer included)
    /// when the first entry is a region tag, `None` for a header without a region.
    fn verify_region(&self) -> Result<Option<u64>, String> {
        let first = self.entry(0)?;
        let tag = first.tag;
        if !matches!(tag, REGION_IMAGE | REGION_SIGNATURES | REGION_IMMUTABLE) {
            return Ok(None);
        }
        if first.kind != TYPE_BIN || first.count as usize != ENTRY_SIZE {
            return Err(format!(
                "region tag {tag} has type {} and count {}, not type {TYPE_BIN} and count {ENTRY_SIZE}",
                first.kind, first.count
            ));
        }
        let region_end = u64::from(first.offset) + ENTRY_SIZE as u64;
        let dl = self.data.len() as u64;
        if region_end > dl {
            return Err(format!(
                "region tag {tag} puts its trailer at offset {}, outside the {dl} data bytes",
                first.offset
            ));
        }
        let trailer = Entry::read(self.data, first.offset as usize)
            .ok_or_else(|| format!("region tag {tag}: the trailer is outside the data"))?;
        // Some old packages have HEADERIMAGE in the signature region's trailer.
        let trailer_tag = if tag == REGION_SIGNATURES && trailer.tag == REGION_IMAGE {
            REGION_SIGNATURES
        } else {
            trailer.tag
        };
        if trailer_tag != tag || trailer.kind != TYPE_BIN || trailer.count as usize != ENTRY_SIZE {
            return Err(format!(
                "region tag {tag}: the trailer has tag {} type {} count {}",
                trailer.tag, trailer.kind, trailer.count
            ));
        }
        // The trailer's offset is minus the region's index size.
        let index_size = -i64::from(trailer.offset as i32);
        let entries = self.entries() as i64;
        if index_size < 0
            || index_size % ENTRY_SIZE as i64 != 0
            || index_size / (ENTRY_SIZE as i64) > entries
        {
            return Err(format!(
                "region tag {tag}: the trailer claims {index_size} index bytes, but the header has {entries} entries"
            ));
        }
        Ok(Some(region_end))
    }

    /// rpm's `hdrblobVerifyInfo`: every entry's tag, type, count, alignment and extent, with
    /// entries in ascending, non-overlapping data order.
    fn verify_entries(&self, region_end: Option<u64>) -> Result<(), String> {
        let dl = self.data.len() as u64;
        let mut end = 0u64;
        for i in self.first..self.entries() {
            let entry = self.entry(i)?;
            let Entry {
                tag,
                kind,
                offset,
                count,
            } = entry;
            let offset64 = u64::from(offset);
            let bad = |what: String| {
                format!(
                    "entry {i} (tag {tag}, type {kind}, offset {offset}, count {count}): {what}"
                )
            };
            if end > offset64 {
                return Err(bad(format!(
                    "overlaps the previous entry's data, which ends at {end}"
                )));
            }
            if tag < FIRST_TAG {
                return Err(bad(format!("tag is below {FIRST_TAG}")));
            }
            if kind > TYPE_MAX {
                return Err(bad(format!("type is above {TYPE_MAX}")));
            }
            if count == 0 || u64::from(count) > dl {
                return Err(bad(format!("count is outside 1..={dl}")));
            }
            if offset % TYPE_ALIGN[kind as usize] != 0 {
                return Err(bad(format!(
                    "offset is not aligned to {}",
                    TYPE_ALIGN[kind as usize]
                )));
            }
            if offset64 > dl {
                return Err(bad(format!("offset is outside the {dl} data bytes")));
            }
            if kind != TYPE_BIN && count > MAX_ARRAY {
                return Err(bad(format!(
                    "count is over the {MAX_ARRAY}-item array limit"
                )));
            }
            let length = self
                .data
                .get(offset as usize..)
                .and_then(|rest| data_length(kind, rest, count))
                .ok_or_else(|| bad(format!("data does not fit in the {dl} data bytes")))?;
            end = offset64 + length;
            if end > dl || length == 0 {
                return Err(bad(format!(
                    "data of {length} bytes does not fit in the {dl} data bytes"
                )));
            }
            let trailer = region_end.map(|region_end| (region_end - ENTRY_SIZE as u64, region_end));
            if trailer.is_some_and(|(start, region_end)| end > start && offset64 < region_end) {
                return Err(bad("data overlaps the region trailer".to_owned()));
            }
        }
        Ok(())
    }

    /// The last entry with `tag` (dribbles come after the region and replace its entries).
    fn find(&self, tag: u32) -> Option<Entry> {
        (self.first..self.entries())
            .rev()
            .filter_map(|i| Entry::read(self.index, i * ENTRY_SIZE))
            .find(|entry| entry.tag == tag)
    }

    /// The (first) string of a string-typed tag, without its NUL.
    pub(super) fn string(&self, tag: u32) -> Result<Option<&'a [u8]>, String> {
        let Some(entry) = self.find(tag) else {
            return Ok(None);
        };
        if !matches!(
            entry.kind,
            TYPE_STRING | TYPE_STRING_ARRAY | TYPE_I18N_STRING
        ) {
            return Err(format!(
                "tag {tag} has type {}, not a string type",
                entry.kind
            ));
        }
        self.data
            .get(entry.offset as usize..)
            .and_then(|rest| CStr::from_bytes_until_nul(rest).ok())
            .map(|s| Some(s.to_bytes()))
            .ok_or_else(|| format!("tag {tag}: the string is not terminated"))
    }

    /// The (first) value of an `INT32` tag.
    pub(super) fn int32(&self, tag: u32) -> Result<Option<u32>, String> {
        let Some(entry) = self.find(tag) else {
            return Ok(None);
        };
        if entry.kind != TYPE_INT32 {
            return Err(format!(
                "tag {tag} has type {}, not INT32 ({TYPE_INT32})",
                entry.kind
            ));
        }
        be32(self.data, entry.offset as usize)
            .map(Some)
            .ok_or_else(|| format!("tag {tag}: the value is outside the data"))
    }
}

impl Header<'_> {
    /// Every string of a `STRING_ARRAY` tag (empty when the tag is absent). The entries were
    /// verified at parse time, so `count` strings fit in the data.
    pub(super) fn string_array(&self, tag: u32) -> Result<Vec<&[u8]>, String> {
        let Some(entry) = self.find(tag) else {
            return Ok(Vec::new());
        };
        if entry.kind != TYPE_STRING_ARRAY {
            return Err(format!(
                "tag {tag} has type {}, not STRING_ARRAY ({TYPE_STRING_ARRAY})",
                entry.kind
            ));
        }
        let mut at = entry.offset as usize;
        let mut strings = Vec::new();
        for _ in 0..entry.count {
            let string = self
                .data
                .get(at..)
                .and_then(|rest| CStr::from_bytes_until_nul(rest).ok())
                .ok_or_else(|| format!("tag {tag}: string {} is not terminated", strings.len()))?;
            at += string.to_bytes_with_nul().len();
            strings.push(string.to_bytes());
        }
        Ok(strings)
    }

    /// Every value of an `INT32` tag (empty when the tag is absent).
    pub(super) fn int32_array(&self, tag: u32) -> Result<Vec<u32>, String> {
        self.integer_array(tag, TYPE_INT32, "INT32")
    }

    /// Every value of an `INT16` tag (empty when the tag is absent).
    pub(super) fn int16_array(&self, tag: u32) -> Result<Vec<u32>, String> {
        self.integer_array(tag, TYPE_INT16, "INT16")
    }

    fn integer_array(&self, tag: u32, kind: u32, name: &str) -> Result<Vec<u32>, String> {
        let Some(entry) = self.find(tag) else {
            return Ok(Vec::new());
        };
        if entry.kind != kind {
            return Err(format!(
                "tag {tag} has type {}, not {name} ({kind})",
                entry.kind
            ));
        }
        let width = if kind == TYPE_INT16 { 2 } else { 4 };
        (0..entry.count as usize)
            .map(|i| {
                let at = entry.offset as usize + i * width;
                let value = if width == 2 {
                    self.data
                        .get(at..at + 2)
                        .map(|b| u32::from(u16::from_be_bytes([b[0], b[1]])))
                } else {
                    be32(self.data, at)
                };
                value.ok_or_else(|| format!("tag {tag}: value {i} is outside the data"))
            })
            .collect()
    }
}

/// rpm's `dataLength` for on-disk data: the bytes `count` items of `kind` take at the start of
/// `rest`, or `None` when they do not fit (or a string is not terminated).
fn data_length(kind: u32, rest: &[u8], count: u32) -> Option<u64> {
    match kind {
        TYPE_STRING if count != 1 => None,
        TYPE_STRING | TYPE_STRING_ARRAY | TYPE_I18N_STRING => {
            let mut at = 0usize;
            for _ in 0..count {
                let string = CStr::from_bytes_until_nul(rest.get(at..)?).ok()?;
                at += string.to_bytes_with_nul().len();
            }
            Some(at as u64)
        }
        _ => {
            let length = TYPE_SIZE.get(kind as usize).copied().flatten()? * u64::from(count);
            (length <= rest.len() as u64).then_some(length)
        }
    }
}

fn be32(bytes: &[u8], at: usize) -> Option<u32> {
    let raw: [u8; 4] = bytes.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_be_bytes(raw))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogers::rpm::tests::{Prng, real_blobs};

    const NAME: u32 = 1000;

    fn set32(blob: &mut [u8], at: usize, value: u32) {
        blob[at..at + 4].copy_from_slice(&value.to_be_bytes());
    }

    fn get32(blob: &[u8], at: usize) -> u32 {
        be32(blob, at).unwrap()
    }

    /// Byte offset, in the blob, of index entry `i`'s field `field` (0 tag, 1 type, 2 offset, 3 count).
    fn field(i: usize, field: usize) -> usize {
        8 + i * ENTRY_SIZE + field * 4
    }

    fn blob() -> Option<Vec<u8>> {
        real_blobs().map(|blobs| blobs.into_iter().next().unwrap())
    }

    #[test]
    fn real_header_reads() {
        let Some(blob) = blob() else { return };
        let header = Header::parse(&blob).unwrap();
        assert_eq!(
            header.first, 1,
            "a database header starts with its immutable region"
        );
        assert!(!header.string(NAME).unwrap().unwrap().is_empty());
        assert_eq!(header.string(999_999).unwrap(), None);
        assert_eq!(
            header.int32(NAME).unwrap_err(),
            format!("tag {NAME} has type {TYPE_STRING}, not INT32 ({TYPE_INT32})")
        );
    }

    #[test]
    fn every_real_header_verifies() {
        let Some(blobs) = real_blobs() else { return };
        assert_eq!(blobs.len(), 129 + 35 + 1);
        for blob in &blobs {
            Header::parse(blob).unwrap();
        }
    }

    #[test]
    fn truncated_blobs_are_refused() {
        let Some(blob) = blob() else { return };
        assert_eq!(
            Header::parse(&[]).unwrap_err(),
            "0 bytes, shorter than the 8-byte intro"
        );
        assert_eq!(
            Header::parse(&blob[..7]).unwrap_err(),
            "7 bytes, shorter than the 8-byte intro"
        );
        let il = get32(&blob, 0);
        let dl = get32(&blob, 4);
        for cut in [8, 100, blob.len() / 2, blob.len() - 1] {
            assert_eq!(
                Header::parse(&blob[..cut]).unwrap_err(),
                format!(
                    "blob is {cut} bytes, but 8 + 16 * {il} entries + {dl} data bytes = {}",
                    blob.len()
                )
            );
        }
    }

    #[test]
    fn intro_limits() {
        let Some(mut blob) = blob() else { return };
        set32(&mut blob, 0, 0);
        assert_eq!(
            Header::parse(&blob).unwrap_err(),
            "index count 0 is outside 1..=65535"
        );
        set32(&mut blob, 0, 0x0001_0000);
        assert_eq!(
            Header::parse(&blob).unwrap_err(),
            "index count 65536 is outside 1..=65535"
        );
        set32(&mut blob, 0, u32::MAX);
        assert_eq!(
            Header::parse(&blob).unwrap_err(),
            "index count 4294967295 is outside 1..=65535"
        );
        set32(&mut blob, 0, 1);
        set32(&mut blob, 4, u32::MAX);
        assert_eq!(
            Header::parse(&blob).unwrap_err(),
            format!("data length {} is over the {MAX_DATA}-byte limit", u32::MAX)
        );
    }

    #[test]
    fn offsets_outside_the_data_are_refused() {
        let Some(mut blob) = blob() else { return };
        let dl = get32(&blob, 4);
        set32(&mut blob, field(1, 2), dl + 4);
        let error = Header::parse(&blob).unwrap_err();
        assert!(error.starts_with("entry 1 (tag "), "{error}");
        assert!(
            error.ends_with(&format!("offset is outside the {dl} data bytes")),
            "{error}"
        );
    }

    #[test]
    fn a_count_running_past_the_data_is_refused() {
        let Some(mut blob) = blob() else { return };
        let il = get32(&blob, 0) as usize;
        let dl = get32(&blob, 4);
        // The last data entry: make its count as large as the data (hdrchkCount passes).
        let last = (1..il).max_by_key(|&i| get32(&blob, field(i, 2))).unwrap();
        let kind = get32(&blob, field(last, 1));
        set32(
            &mut blob,
            field(last, 3),
            if kind == TYPE_BIN {
                dl
            } else {
                MAX_ARRAY.min(dl)
            },
        );
        if kind == TYPE_STRING {
            set32(&mut blob, field(last, 1), TYPE_STRING_ARRAY);
        }
        let error = Header::parse(&blob).unwrap_err();
        assert!(error.starts_with(&format!("entry {last} (tag ")), "{error}");
        assert!(error.contains("does not fit"), "{error}");
    }

    #[test]
    fn overlapping_entries_are_refused() {
        let Some(mut blob) = blob() else { return };
        // Entry 2 points back at entry 1's data.
        let offset = get32(&blob, field(1, 2));
        set32(&mut blob, field(2, 2), offset);
        let kind = get32(&blob, field(1, 1));
        set32(&mut blob, field(2, 1), kind);
        let error = Header::parse(&blob).unwrap_err();
        assert!(error.starts_with("entry 2 (tag "), "{error}");
        assert!(
            error.contains("overlaps the previous entry's data"),
            "{error}"
        );
    }

    #[test]
    fn region_damage_is_refused() {
        let Some(blob) = blob() else { return };
        let dl = get32(&blob, 4);
        let mut bad = blob.clone();
        set32(&mut bad, field(0, 1), TYPE_STRING);
        assert_eq!(
            Header::parse(&bad).unwrap_err(),
            "region tag 63 has type 6 and count 16, not type 7 and count 16"
        );
        let mut bad = blob.clone();
        set32(&mut bad, field(0, 2), dl - 8);
        assert_eq!(
            Header::parse(&bad).unwrap_err(),
            format!(
                "region tag 63 puts its trailer at offset {}, outside the {dl} data bytes",
                dl - 8
            )
        );
        let mut bad = blob.clone();
        set32(&mut bad, field(0, 2), u32::MAX - 3);
        assert!(Header::parse(&bad).unwrap_err().contains("outside the"));
        // The trailer's offset claims more entries than the index holds.
        let trailer =
            8 + get32(&blob, 0) as usize * ENTRY_SIZE + get32(&blob, field(0, 2)) as usize;
        let mut bad = blob.clone();
        set32(&mut bad, trailer + 8, (-16i32 * 70_000) as u32);
        assert!(
            Header::parse(&bad)
                .unwrap_err()
                .starts_with("region tag 63: the trailer claims 1120000 index bytes"),
        );
        let mut bad = blob;
        set32(&mut bad, trailer, 1000);
        assert_eq!(
            Header::parse(&bad).unwrap_err(),
            "region tag 63: the trailer has tag 1000 type 7 count 16"
        );
    }

    #[test]
    fn an_unterminated_string_is_refused() {
        let Some(mut blob) = blob() else { return };
        let il = get32(&blob, 0) as usize;
        let data = 8 + il * ENTRY_SIZE;
        // Overwrite the NUL that ends the last string entry's data.
        let last = (1..il)
            .filter(|&i| get32(&blob, field(i, 1)) == TYPE_STRING)
            .max_by_key(|&i| get32(&blob, field(i, 2)))
            .unwrap();
        let start = data + get32(&blob, field(last, 2)) as usize;
        let nul = start + blob[start..].iter().position(|&b| b == 0).unwrap();
        blob[nul] = b'x';
        // Either this entry now runs into the next one's data or off the end.
        assert!(Header::parse(&blob).is_err_and(|e| e.starts_with("entry ")));
    }

    #[test]
    fn fuzz_mutated_real_header_never_panics() {
        let Some(blob) = blob() else { return };
        let hot = 8 + get32(&blob, 0) as usize * ENTRY_SIZE;
        let mut prng = Prng(0x7011_6a7e_0000_0001);
        let mut refused = 0;
        for _ in 0..2000 {
            let mut mutated = blob.clone();
            prng.mutate(&mut mutated, hot);
            match Header::parse(&mutated) {
                Ok(header) => {
                    for tag in [1000, 1001, 1002, 1003, 1011, 1014, 1022, 1044] {
                        let _ = header.string(tag);
                        let _ = header.int32(tag);
                    }
                    let _ = super::super::package(&header);
                }
                Err(_) => refused += 1,
            }
        }
        assert!(
            refused > 500,
            "only {refused} of 2000 mutations were refused"
        );
    }
}
