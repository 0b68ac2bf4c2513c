//! rpm's Berkeley DB `Packages` file (RHEL/CentOS up to 8, Amazon Linux 2, older Fedora and
//! SUSE): a hash database keyed by the 4-byte header number, each value one header blob.
//!
//! Read the way rpm's own read-only backend (`bdb_ro`) reads it: the metadata page gives the
//! page size, the last page and the bucket → page map (`spares`); each bucket is a chain of hash
//! pages holding key/value item pairs; a value is either on the page (`H_KEYDATA`) or a
//! reference (`H_OFFPAGE`) to a chain of overflow pages. The file may be of either byte order.
//! Every page number, offset and length is checked, and every hash or overflow page is read at
//! most once: a loop is an error, not a hang, and the work is bounded by the file's size (two
//! values sharing one overflow chain could otherwise multiply it).

// ref: https://github.com/rpm-software-management/rpm/blob/master/lib/backend/bdb_ro.c
// ref: https://github.com/berkeleydb/libdb/blob/master/src/dbinc/db_page.h
// ref: https://github.com/knqyf263/go-rpmdb/tree/master/pkg/bdb

use super::EachBlob;
use crate::cataloger::CatalogError;

const FORMAT: &str = "rpm Berkeley DB";

/// Hash database magic, at offset 12 of the metadata page.
pub(super) const HASH_MAGIC: u32 = 0x0006_1561;
/// Btree database magic (rpm's index files, never `Packages`).
pub(super) const BTREE_MAGIC: u32 = 0x0005_3162;

/// The size of every page's header (`SIZEOF_PAGE`); item offsets start right after it.
const PAGE_HEADER: usize = 26;
/// The metadata page is read to the end of `spares[32]`.
const META_SIZE: usize = 96 + 32 * 4;

const P_OVERFLOW: u8 = 7;
const P_HASHMETA: u8 = 8;
const P_HASH_UNSORTED: u8 = 2;
const P_HASH: u8 = 13;

const H_KEYDATA: u8 = 1;
const H_OFFPAGE: u8 = 3;
/// `H_OFFPAGE` item: type, 3 unused bytes, page number, total length.
const OFFPAGE_SIZE: usize = 12;

/// `DBMETA_CHKSUM`: pages carry a checksum, which moves their items (not read by rpm either).
const META_CHECKSUM: u8 = 0x01;

/// The byte order the database was written in.
#[derive(Clone, Copy)]
enum Order {
    Little,
    Big,
}

impl Order {
    fn u16(self, bytes: &[u8], at: usize) -> Option<u16> {
        let raw: [u8; 2] = bytes.get(at..at.checked_add(2)?)?.try_into().ok()?;
        Some(match self {
            Self::Little => u16::from_le_bytes(raw),
            Self::Big => u16::from_be_bytes(raw),
        })
    }

    fn u32(self, bytes: &[u8], at: usize) -> Option<u32> {
        let raw: [u8; 4] = bytes.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(match self {
            Self::Little => u32::from_le_bytes(raw),
            Self::Big => u32::from_be_bytes(raw),
        })
    }
}

fn malformed(reason: impl Into<String>) -> CatalogError {
    CatalogError::malformed(FORMAT, reason)
}

struct Database<'a> {
    file: &'a [u8],
    order: Order,
    page_size: usize,
    last_page: u32,
    /// Pages already read as a hash or overflow page: each may be read once, which bounds
    /// the work by the file's size and turns every loop into an error.
    visited: Vec<bool>,
}

impl<'a> Database<'a> {
    /// Page `number`, which must exist and say it is that page.
    fn page(&self, number: u32) -> Result<&'a [u8], CatalogError> {
        if number == 0 || number > self.last_page {
            return Err(malformed(format!(
                "page number {number} is outside 1..={}",
                self.last_page
            )));
        }
        let start = number as usize * self.page_size;
        let page = self
            .file
            .get(start..start + self.page_size)
            .ok_or_else(|| malformed(format!("page {number} is outside the file")))?;
        let claimed = self.order.u32(page, 8).unwrap_or_default();
        if claimed != number {
            return Err(malformed(format!(
                "page {number} says it is page {claimed}"
            )));
        }
        Ok(page)
    }

    /// Mark page `number` (already read, so in range) as used; `Err(())` when it already was.
    fn visit(&mut self, number: u32) -> Result<(), ()> {
        match self.visited.get_mut(number as usize) {
            Some(seen) if !*seen => {
                *seen = true;
                Ok(())
            }
            _ => Err(()),
        }
    }

    /// An overflow chain's `length` bytes, gathered into `buffer`.
    fn overflow(
        &mut self,
        first: u32,
        length: u32,
        buffer: &mut Vec<u8>,
    ) -> Result<(), CatalogError> {
        if length == 0 || length as usize > self.file.len() {
            return Err(malformed(format!(
                "overflow item at page {first} claims {length} bytes, in a file of {}",
                self.file.len()
            )));
        }
        buffer.clear();
        buffer.reserve(length as usize);
        let mut remaining = length as usize;
        let mut number = first;
        // A chain longer than the file has pages is a loop.
        for _ in 0..=self.last_page {
            let page = self.page(number)?;
            if page[25] != P_OVERFLOW {
                return Err(malformed(format!(
                    "page {number} in the overflow chain from page {first} has type {}, not {P_OVERFLOW}",
                    page[25]
                )));
            }
            self.visit(number).map_err(|()| {
                malformed(format!(
                    "overflow page {number} is read twice (the chain from page {first} loops or shares pages)"
                ))
            })?;
            let on_page = usize::from(self.order.u16(page, 22).unwrap_or_default());
            if on_page == 0 || PAGE_HEADER + on_page > self.page_size || on_page > remaining {
                return Err(malformed(format!(
                    "overflow page {number} holds {on_page} bytes, with {remaining} of {length} left to read"
                )));
            }
            buffer.extend_from_slice(&page[PAGE_HEADER..PAGE_HEADER + on_page]);
            remaining -= on_page;
            if remaining == 0 {
                return Ok(());
            }
            number = self.order.u32(page, 16).unwrap_or_default();
        }
        Err(malformed(format!(
            "the overflow chain from page {first} is longer than the file's {} pages (a loop)",
            u64::from(self.last_page) + 1
        )))
    }
}

/// Call `each` with every header number and blob in `file`, bucket by bucket.
pub(super) fn for_each_blob(file: &[u8], each: &mut EachBlob<'_>) -> Result<(), CatalogError> {
    let Some(meta) = file.get(..META_SIZE) else {
        return Err(malformed(format!(
            "{} bytes, shorter than the {META_SIZE}-byte hash metadata",
            file.len()
        )));
    };
    let order = if Order::Little.u32(meta, 12) == Some(HASH_MAGIC) {
        Order::Little
    } else if Order::Big.u32(meta, 12) == Some(HASH_MAGIC) {
        Order::Big
    } else {
        return Err(malformed("no hash magic at offset 12"));
    };
    let field = |at: usize| order.u32(meta, at).unwrap_or_default();
    let version = field(16);
    if !(8..=10).contains(&version) {
        return Err(malformed(format!(
            "unsupported hash version {version} (8 to 10 are read)"
        )));
    }
    let page_size = field(20);
    if !(512..=65536).contains(&page_size) || !page_size.is_power_of_two() {
        return Err(malformed(format!(
            "page size {page_size} is not a power of two from 512 to 65536"
        )));
    }
    if meta[24] != 0 {
        return Err(malformed(format!(
            "the database is encrypted (algorithm {})",
            meta[24]
        )));
    }
    if meta[25] != P_HASHMETA {
        return Err(malformed(format!(
            "page 0 has type {}, not hash metadata ({P_HASHMETA})",
            meta[25]
        )));
    }
    if meta[26] & META_CHECKSUM != 0 {
        return Err(malformed(
            "pages carry checksums, which rpm's reader does not support either",
        ));
    }
    let last_page = field(32);
    let pages = u64::from(last_page) + 1;
    if pages * u64::from(page_size) > file.len() as u64 {
        return Err(malformed(format!(
            "truncated: {pages} pages of {page_size} bytes, but the file has {} bytes",
            file.len()
        )));
    }
    let max_bucket = field(72);
    if u64::from(max_bucket) >= pages {
        return Err(malformed(format!(
            "{} buckets cannot fit in {pages} pages",
            u64::from(max_bucket) + 1
        )));
    }
    let spares: Vec<u32> = (0..32).map(|i| field(96 + 4 * i)).collect();

    let mut db = Database {
        file,
        order,
        page_size: page_size as usize,
        last_page,
        visited: vec![false; pages as usize],
    };
    let mut buffer = Vec::new();
    for bucket in 0..=max_bucket {
        // bdb_ro's hash_bucket_to_page: bucket + spares[number of significant bits].
        let bits = (u32::BITS - bucket.leading_zeros()) as usize;
        let mut number = bucket
            .checked_add(spares[bits.min(31)])
            .ok_or_else(|| malformed(format!("bucket {bucket} maps past the last page")))?;
        loop {
            let page = db.page(number)?;
            db.visit(number).map_err(|()| {
                malformed(format!(
                    "page {number} is reached twice (bucket {bucket}'s chain loops or joins another)"
                ))
            })?;
            if !matches!(page[25], P_HASH | P_HASH_UNSORTED) {
                return Err(malformed(format!(
                    "page {number} of bucket {bucket} has type {}, not a hash page",
                    page[25]
                )));
            }
            read_hash_page(&mut db, number, page, &mut buffer, each)?;
            number = order.u32(page, 16).unwrap_or_default();
            if number == 0 {
                break;
            }
        }
    }
    Ok(())
}

/// The key/value pairs of one hash page.
fn read_hash_page(
    db: &mut Database<'_>,
    number: u32,
    page: &[u8],
    buffer: &mut Vec<u8>,
    each: &mut EachBlob<'_>,
) -> Result<(), CatalogError> {
    let order = db.order;
    let items = usize::from(order.u16(page, 20).unwrap_or_default());
    let first_item = PAGE_HEADER + 2 * items;
    if items % 2 != 0 || first_item > db.page_size {
        return Err(malformed(format!(
            "hash page {number} has {items} items, not key/value pairs that fit the page"
        )));
    }
    let offset = |i: usize| usize::from(order.u16(page, PAGE_HEADER + 2 * i).unwrap_or_default());
    for pair in 0..items / 2 {
        let (key_at, value_at) = (offset(2 * pair), offset(2 * pair + 1));
        // Items fill the page from its end: each ends where the previous one starts.
        let key_end = if pair == 0 {
            db.page_size
        } else {
            offset(2 * pair - 1)
        };
        if !(first_item <= value_at
            && value_at < key_at
            && key_at < key_end
            && key_end <= db.page_size)
        {
            return Err(malformed(format!(
                "hash page {number}, pair {pair}: item offsets {key_at} and {value_at} are out of order or outside {first_item}..{}",
                db.page_size
            )));
        }
        let key = &page[key_at..key_end];
        let value = &page[value_at..key_at];
        let header_number = match key {
            [H_KEYDATA, raw @ ..] if raw.len() == 4 => order.u32(raw, 0).unwrap_or_default(),
            _ => {
                return Err(malformed(format!(
                    "hash page {number}, pair {pair}: the key is not a 4-byte header number"
                )));
            }
        };
        // Record 0 holds the next free header number, not a header.
        if header_number == 0 {
            continue;
        }
        match value.first() {
            Some(&H_KEYDATA) => each(header_number, &value[1..])?,
            Some(&H_OFFPAGE) if value.len() == OFFPAGE_SIZE => {
                let first = order.u32(value, 4).unwrap_or_default();
                let length = order.u32(value, 8).unwrap_or_default();
                db.overflow(first, length, buffer)?;
                each(header_number, buffer)?;
            }
            other => {
                return Err(malformed(format!(
                    "hash page {number}, header #{header_number}: value item of type {} and {} bytes is neither on the page nor an overflow reference",
                    other.copied().unwrap_or_default(),
                    value.len()
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture() -> Option<Vec<u8>> {
        let path = tollgate_test::shared("fixtures/trivy/rpm/libuuid-bdb/Packages")?;
        Some(fs_err::read(path).unwrap())
    }

    fn blobs(file: &[u8]) -> Result<Vec<(u32, Vec<u8>)>, CatalogError> {
        let mut out = Vec::new();
        for_each_blob(file, &mut |number, blob| {
            out.push((number, blob.to_vec()));
            Ok(())
        })?;
        Ok(out)
    }

    fn reason(result: Result<Vec<(u32, Vec<u8>)>, CatalogError>) -> String {
        match result {
            Err(CatalogError::Malformed { format, reason }) => {
                assert_eq!(format, FORMAT);
                reason
            }
            other => panic!("expected Malformed, got {other:?}"),
        }
    }

    /// (page size, last page) of the fixture.
    fn geometry(file: &[u8]) -> (usize, u32) {
        (
            Order::Little.u32(file, 20).unwrap() as usize,
            Order::Little.u32(file, 32).unwrap(),
        )
    }

    /// The first overflow page of the fixture (the header blob's chain).
    fn first_overflow_page(file: &[u8]) -> u32 {
        let (page_size, last) = geometry(file);
        (1..=last)
            .find(|&n| {
                file[n as usize * page_size + 25] == P_OVERFLOW
                    && file[n as usize * page_size + 12..][..4] == [0; 4]
            })
            .unwrap()
    }

    #[test]
    fn fixture_holds_one_header() {
        let Some(file) = fixture() else { return };
        let blobs = blobs(&file).unwrap();
        assert_eq!(blobs.len(), 1);
        let (number, blob) = &blobs[0];
        assert_eq!(*number, 1);
        // The blob is exactly the size its intro claims (8 + 16 il + dl).
        let il = u32::from_be_bytes(blob[..4].try_into().unwrap()) as usize;
        let dl = u32::from_be_bytes(blob[4..8].try_into().unwrap()) as usize;
        assert_eq!(blob.len(), 8 + 16 * il + dl);
    }

    #[test]
    fn truncated_file_is_refused() {
        let Some(file) = fixture() else { return };
        let (page_size, last) = geometry(&file);
        let pages = u64::from(last) + 1;
        assert_eq!(
            reason(blobs(&file[..file.len() - 1])),
            format!(
                "truncated: {pages} pages of {page_size} bytes, but the file has {} bytes",
                file.len() - 1
            )
        );
        assert_eq!(
            reason(blobs(&file[..100])),
            "100 bytes, shorter than the 224-byte hash metadata"
        );
    }

    #[test]
    fn overflow_chain_that_loops_is_refused() {
        let Some(mut file) = fixture() else { return };
        let (page_size, last) = geometry(&file);
        let first = first_overflow_page(&file);
        // Walk to the chain's last page and point it back at the first, and claim more bytes
        // than the chain holds so that the walk goes round.
        let mut number = first;
        loop {
            let next = Order::Little
                .u32(&file, number as usize * page_size + 16)
                .unwrap();
            if next == 0 {
                break;
            }
            number = next;
        }
        file[number as usize * page_size + 16..][..4].copy_from_slice(&first.to_le_bytes());
        let offpage = find_offpage(&file, page_size, last);
        let claimed = file.len() as u32;
        file[offpage + 8..offpage + 12].copy_from_slice(&claimed.to_le_bytes());
        assert_eq!(
            reason(blobs(&file)),
            format!(
                "overflow page {first} is read twice (the chain from page {first} loops or shares pages)"
            )
        );
    }

    /// Byte offset of the fixture's `H_OFFPAGE` item.
    fn find_offpage(file: &[u8], page_size: usize, last: u32) -> usize {
        (1..=last as usize)
            .filter(|n| matches!(file[n * page_size + 25], P_HASH | P_HASH_UNSORTED))
            .flat_map(|n| {
                let page = &file[n * page_size..(n + 1) * page_size];
                let items = usize::from(Order::Little.u16(page, 20).unwrap());
                (0..items)
                    .map(move |i| {
                        usize::from(Order::Little.u16(page, PAGE_HEADER + 2 * i).unwrap())
                    })
                    .filter(move |&at| page[at] == H_OFFPAGE)
                    .map(move |at| n * page_size + at)
            })
            .next()
            .unwrap()
    }

    #[test]
    fn overflow_pointing_outside_the_file_is_refused() {
        let Some(mut file) = fixture() else { return };
        let (page_size, last) = geometry(&file);
        let offpage = find_offpage(&file, page_size, last);
        file[offpage + 4..offpage + 8].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(
            reason(blobs(&file)),
            format!("page number {} is outside 1..={last}", u32::MAX)
        );
    }

    #[test]
    fn overflow_longer_than_the_file_is_refused() {
        let Some(mut file) = fixture() else { return };
        let (page_size, last) = geometry(&file);
        let offpage = find_offpage(&file, page_size, last);
        let first = Order::Little.u32(&file, offpage + 4).unwrap();
        file[offpage + 8..offpage + 12].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(
            reason(blobs(&file)),
            format!(
                "overflow item at page {first} claims {} bytes, in a file of {}",
                u32::MAX,
                file.len()
            )
        );
    }

    #[test]
    fn big_endian_copy_reads_the_same() {
        let Some(file) = fixture() else { return };
        let expected = blobs(&file).unwrap();
        // Byte-swap every header field, item offset and off-page reference, as a big-endian
        // host would have written them (header blobs themselves are always big-endian).
        let (page_size, last) = geometry(&file);
        let mut swapped = file.clone();
        let swap32 = |bytes: &mut [u8], at: usize| bytes[at..at + 4].reverse();
        let swap16 = |bytes: &mut [u8], at: usize| bytes[at..at + 2].reverse();
        for at in (8..META_SIZE).step_by(4) {
            if at != 24 {
                swap32(&mut swapped, at);
            }
        }
        swap32(&mut swapped, 12);
        swap32(&mut swapped, 12);
        for n in 1..=last as usize {
            let base = n * page_size;
            let kind = file[base + 25];
            for at in [8, 12, 16] {
                swap32(&mut swapped, base + at);
            }
            swap16(&mut swapped, base + 20);
            swap16(&mut swapped, base + 22);
            if matches!(kind, P_HASH | P_HASH_UNSORTED) {
                let items = usize::from(Order::Little.u16(&file, base + 20).unwrap());
                for i in 0..items {
                    let at = usize::from(
                        Order::Little
                            .u16(&file, base + PAGE_HEADER + 2 * i)
                            .unwrap(),
                    );
                    swap16(&mut swapped, base + PAGE_HEADER + 2 * i);
                    match file[base + at] {
                        H_OFFPAGE => {
                            swap32(&mut swapped, base + at + 4);
                            swap32(&mut swapped, base + at + 8);
                        }
                        // Keys are header numbers in host order.
                        H_KEYDATA if i % 2 == 0 => swap32(&mut swapped, base + at + 1),
                        _ => {}
                    }
                }
            }
        }
        assert_eq!(blobs(&swapped).unwrap(), expected);
    }

    #[test]
    fn other_damage_is_refused() {
        let Some(file) = fixture() else { return };
        let mut bad = file.clone();
        bad[16..20].copy_from_slice(&7u32.to_le_bytes());
        assert_eq!(
            reason(blobs(&bad)),
            "unsupported hash version 7 (8 to 10 are read)"
        );
        let mut bad = file.clone();
        bad[20..24].copy_from_slice(&1000u32.to_le_bytes());
        assert_eq!(
            reason(blobs(&bad)),
            "page size 1000 is not a power of two from 512 to 65536"
        );
        let mut bad = file.clone();
        bad[24] = 1;
        assert_eq!(
            reason(blobs(&bad)),
            "the database is encrypted (algorithm 1)"
        );
        let mut bad = file.clone();
        bad[72..76].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(reason(blobs(&bad)).ends_with("buckets cannot fit in 23 pages"));
        // A bucket chain that comes back to its own page.
        let (page_size, _) = geometry(&file);
        let bucket_page = (spares0(&file)) as usize;
        let mut bad = file;
        bad[bucket_page * page_size + 16..][..4]
            .copy_from_slice(&(bucket_page as u32).to_le_bytes());
        assert_eq!(
            reason(blobs(&bad)),
            format!(
                "page {bucket_page} is reached twice (bucket 0's chain loops or joins another)"
            )
        );
    }

    fn spares0(file: &[u8]) -> u32 {
        Order::Little.u32(file, 96).unwrap()
    }
}
