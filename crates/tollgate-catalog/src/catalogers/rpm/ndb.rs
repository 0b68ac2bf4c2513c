//! rpm's "ndb" `Packages.db` (SUSE since 15 SP3 keeps it in `/usr/lib/sysimage/rpm`): a
//! little-endian file of 16-byte blocks. A 32-byte file header (`RpmP`, version 0, generation,
//! slot page count, next package index) is followed by the rest of the slot pages (4 KiB each,
//! 16-byte `Slot` entries: package index, block offset, block count); each used slot points at a
//! blob: a 16-byte head (`BlbS`, package index, timestamp, length), the header blob, padding, and
//! a 12-byte tail (Adler-32, length, `BlbE`).
//!
//! Checked as rpm checks on read (`rpmpkgReadSlots`, `rpmpkgReadBlob`): slot magic, slot
//! bounds, blob magic, index, length and block count, tail length and magic. Like rpm's read
//! path, the Adler-32 is not verified; the header blob itself is verified in full afterwards.

// ref: https://github.com/rpm-software-management/rpm/blob/master/lib/backend/ndb/rpmpkg.c
// ref: https://github.com/knqyf263/go-rpmdb/blob/master/pkg/ndb/ndb.go

use super::EachBlob;
use crate::cataloger::CatalogError;

const FORMAT: &str = "rpm ndb database";

pub(super) const MAGIC: &[u8; 4] = b"RpmP";
const SLOT_MAGIC: &[u8; 4] = b"Slot";
const BLOB_HEAD_MAGIC: &[u8; 4] = b"BlbS";
const BLOB_TAIL_MAGIC: &[u8; 4] = b"BlbE";

const FILE_HEADER: usize = 32;
const PAGE_SIZE: usize = 4096;
const SLOT_SIZE: usize = 16;
const BLOCK_SIZE: u64 = 16;
const BLOB_HEAD: u64 = 16;
const BLOB_TAIL: u64 = 12;

fn malformed(reason: impl Into<String>) -> CatalogError {
    CatalogError::malformed(FORMAT, reason)
}

fn le32(bytes: &[u8], at: usize) -> u32 {
    bytes
        .get(at..at + 4)
        .and_then(|raw| raw.try_into().ok())
        .map_or(0, u32::from_le_bytes)
}

/// A used slot.
struct Slot {
    number: u32,
    package: u32,
    block: u32,
    blocks: u32,
}

impl Slot {
    fn end(&self) -> u64 {
        u64::from(self.block) + u64::from(self.blocks)
    }
}

/// Call `each` with every package index and header blob in `file`, by package index.
pub(super) fn for_each_blob(file: &[u8], each: &mut EachBlob<'_>) -> Result<(), CatalogError> {
    if file.len() < FILE_HEADER || &file[..4] != MAGIC {
        return Err(malformed(format!(
            "{} bytes without the 32-byte `RpmP` file header",
            file.len()
        )));
    }
    let version = le32(file, 4);
    if version != 0 {
        return Err(malformed(format!(
            "version {version}, only version 0 is known"
        )));
    }
    let slot_pages = u64::from(le32(file, 12));
    if slot_pages == 0 || slot_pages * PAGE_SIZE as u64 > file.len() as u64 {
        return Err(malformed(format!(
            "{slot_pages} slot pages of {PAGE_SIZE} bytes do not fit in the file's {} bytes",
            file.len()
        )));
    }
    if !(file.len() as u64).is_multiple_of(BLOCK_SIZE) {
        return Err(malformed(format!(
            "the file's {} bytes are not a whole number of {BLOCK_SIZE}-byte blocks",
            file.len()
        )));
    }
    let file_blocks = file.len() as u64 / BLOCK_SIZE;
    let first_blob_block = slot_pages * PAGE_SIZE as u64 / BLOCK_SIZE;

    let slot_area = &file[FILE_HEADER..slot_pages as usize * PAGE_SIZE];
    // Each blob takes at least 2 blocks: more used slots than that is damage, and this bounds
    // the slot list by the blob area rather than by the slot pages' claim.
    let max_slots = (file_blocks - first_blob_block) / 2;
    let mut slots = Vec::new();
    for (i, slot) in slot_area.chunks_exact(SLOT_SIZE).enumerate() {
        // Slot numbers count the two the file header takes.
        let number = (i + FILE_HEADER / SLOT_SIZE) as u32;
        if &slot[..4] != SLOT_MAGIC {
            return Err(malformed(format!("slot {number} has no `Slot` magic")));
        }
        let block = le32(slot, 8);
        if block == 0 {
            continue;
        }
        let package = le32(slot, 4);
        let blocks = le32(slot, 12);
        let end = u64::from(block) + u64::from(blocks);
        if package == 0 || blocks == 0 || u64::from(block) < first_blob_block || end > file_blocks {
            return Err(malformed(format!(
                "slot {number} (package {package}) points at blocks {block}..{end}, outside {first_blob_block}..{file_blocks}"
            )));
        }
        if slots.len() as u64 >= max_slots {
            return Err(malformed(format!(
                "more used slots than the {} blob blocks can hold",
                file_blocks - first_blob_block
            )));
        }
        slots.push(Slot {
            number,
            package,
            block,
            blocks,
        });
    }
    // Blobs may neither overlap nor share a package index.
    slots.sort_unstable_by_key(|slot| slot.block);
    for pair in slots.windows(2) {
        if pair[0].end() > u64::from(pair[1].block) {
            return Err(malformed(format!(
                "slots {} and {} point at overlapping blocks",
                pair[0].number, pair[1].number
            )));
        }
    }
    slots.sort_unstable_by_key(|slot| slot.package);
    for pair in slots.windows(2) {
        if pair[0].package == pair[1].package {
            return Err(malformed(format!(
                "slots {} and {} both hold package {}",
                pair[0].number, pair[1].number, pair[0].package
            )));
        }
    }
    for slot in &slots {
        each(slot.package, blob(file, slot)?)?;
    }
    Ok(())
}

/// The header blob a slot points at (bounds already checked against the file).
fn blob<'a>(file: &'a [u8], slot: &Slot) -> Result<&'a [u8], CatalogError> {
    let package = slot.package;
    let start = (u64::from(slot.block) * BLOCK_SIZE) as usize;
    let end = (slot.end() * BLOCK_SIZE) as usize;
    let area = file
        .get(start..end)
        .ok_or_else(|| malformed(format!("package {package}: the blob is outside the file")))?;
    if (area.len() as u64) < BLOB_HEAD + BLOB_TAIL {
        return Err(malformed(format!(
            "package {package}: {} blocks cannot hold a blob head and tail",
            slot.blocks
        )));
    }
    if &area[..4] != BLOB_HEAD_MAGIC || le32(area, 4) != package {
        return Err(malformed(format!(
            "package {package}: no `BlbS` blob head for this package at block {}",
            slot.block
        )));
    }
    let length = u64::from(le32(area, 12));
    let blocks = (BLOB_HEAD + length + BLOB_TAIL).div_ceil(BLOCK_SIZE);
    if blocks != u64::from(slot.blocks) {
        return Err(malformed(format!(
            "package {package}: a {length}-byte blob takes {blocks} blocks, but the slot has {}",
            slot.blocks
        )));
    }
    let tail = &area[area.len() - BLOB_TAIL as usize..];
    if u64::from(le32(tail, 4)) != length || &tail[8..] != BLOB_TAIL_MAGIC {
        return Err(malformed(format!(
            "package {package}: the blob tail does not end a {length}-byte `BlbE` blob"
        )));
    }
    Ok(&area[BLOB_HEAD as usize..(BLOB_HEAD + length) as usize])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture() -> Option<Vec<u8>> {
        let path = tollgate_test::shared("fixtures/trivy/rpm/sle15-bci-ndb/Packages.db")?;
        Some(fs_err::read(path).unwrap())
    }

    fn blobs(file: &[u8]) -> Result<Vec<(u32, usize)>, CatalogError> {
        let mut out = Vec::new();
        for_each_blob(file, &mut |package, blob| {
            out.push((package, blob.len()));
            Ok(())
        })?;
        Ok(out)
    }

    fn reason(result: Result<Vec<(u32, usize)>, CatalogError>) -> String {
        match result {
            Err(CatalogError::Malformed { format, reason }) => {
                assert_eq!(format, FORMAT);
                reason
            }
            other => panic!("expected Malformed, got {other:?}"),
        }
    }

    /// Byte offset of the first used slot.
    fn first_used_slot(file: &[u8]) -> usize {
        (FILE_HEADER..PAGE_SIZE)
            .step_by(SLOT_SIZE)
            .find(|&at| le32(file, at + 8) != 0)
            .unwrap()
    }

    #[test]
    fn fixture_holds_35_headers_in_package_order() {
        let Some(file) = fixture() else { return };
        let blobs = blobs(&file).unwrap();
        assert_eq!(blobs.len(), 35);
        assert!(blobs.windows(2).all(|pair| pair[0].0 < pair[1].0));
    }

    #[test]
    fn header_and_slot_damage_is_refused() {
        let Some(file) = fixture() else { return };
        assert_eq!(
            reason(blobs(&file[..31])),
            "31 bytes without the 32-byte `RpmP` file header"
        );
        let mut bad = file.clone();
        bad[4] = 1;
        assert_eq!(reason(blobs(&bad)), "version 1, only version 0 is known");
        let mut bad = file.clone();
        bad[12..16].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(
            reason(blobs(&bad)),
            format!(
                "{} slot pages of 4096 bytes do not fit in the file's {} bytes",
                u32::MAX,
                file.len()
            )
        );
        assert_eq!(
            reason(blobs(&file[..file.len() - 1])),
            format!(
                "the file's {} bytes are not a whole number of 16-byte blocks",
                file.len() - 1
            )
        );
        let mut bad = file.clone();
        bad[48..52].copy_from_slice(b"Slob");
        assert_eq!(reason(blobs(&bad)), "slot 3 has no `Slot` magic");
    }

    #[test]
    fn slot_pointing_outside_the_file_is_refused() {
        let Some(mut file) = fixture() else { return };
        let at = first_used_slot(&file);
        let package = le32(&file, at + 4);
        let blocks = le32(&file, at + 12);
        let file_blocks = file.len() as u64 / 16;
        file[at + 8..at + 12].copy_from_slice(&(u32::MAX - 1).to_le_bytes());
        assert_eq!(
            reason(blobs(&file)),
            format!(
                "slot {} (package {package}) points at blocks {}..{}, outside 256..{file_blocks}",
                at / 16,
                u32::MAX - 1,
                u64::from(u32::MAX - 1) + u64::from(blocks)
            )
        );
    }

    #[test]
    fn truncated_file_is_refused() {
        let Some(file) = fixture() else { return };
        // Cut at a block boundary in the middle of the blobs: a slot now points past the end.
        let cut = (file.len() / 2) & !15;
        let error = reason(blobs(&file[..cut]));
        assert!(
            error.contains(&format!("outside 256..{}", cut / 16)),
            "{error}"
        );
    }

    #[test]
    fn blob_damage_is_refused() {
        let Some(file) = fixture() else { return };
        let at = first_used_slot(&file);
        let package = le32(&file, at + 4);
        let block = le32(&file, at + 8) as usize;
        let blocks = le32(&file, at + 12) as usize;
        let head = block * 16;
        let length = le32(&file, head + 12);

        let mut bad = file.clone();
        bad[head..head + 4].copy_from_slice(b"XXXX");
        assert_eq!(
            reason(blobs(&bad)),
            format!("package {package}: no `BlbS` blob head for this package at block {block}")
        );
        let mut bad = file.clone();
        bad[head + 12..head + 16].copy_from_slice(&(length + 64).to_le_bytes());
        assert_eq!(
            reason(blobs(&bad)),
            format!(
                "package {package}: a {}-byte blob takes {} blocks, but the slot has {blocks}",
                length + 64,
                blocks + 4
            )
        );
        let mut bad = file;
        let tail = (block + blocks) * 16 - 4;
        bad[tail..tail + 4].copy_from_slice(b"BlbX");
        assert_eq!(
            reason(blobs(&bad)),
            format!("package {package}: the blob tail does not end a {length}-byte `BlbE` blob")
        );
    }

    #[test]
    fn overlapping_and_duplicate_slots_are_refused() {
        let Some(file) = fixture() else { return };
        let first = first_used_slot(&file);
        let second = (first + 16..PAGE_SIZE)
            .step_by(16)
            .find(|&at| le32(&file, at + 8) != 0)
            .unwrap();
        let mut bad = file.clone();
        let package = le32(&file, first + 4);
        bad[second + 4..second + 8].copy_from_slice(&package.to_le_bytes());
        let error = reason(blobs(&bad));
        assert!(
            error.ends_with(&format!("both hold package {package}")),
            "{error}"
        );
        let mut bad = file;
        let (block, blocks) = (le32(&bad, first + 8), le32(&bad, first + 12));
        bad[second + 8..second + 12].copy_from_slice(&block.to_le_bytes());
        bad[second + 12..second + 16].copy_from_slice(&blocks.to_le_bytes());
        let error = reason(blobs(&bad));
        assert!(error.ends_with("point at overlapping blocks"), "{error}");
    }
}
