//! The index cache of compressed archives: a second open of the same `.tar.gz` takes the
//! manifest and config from the kept index without decompressing, the layers are still read
//! (and verified) when asked for, and a damaged index is ignored and replaced.

use tollgate_oci::{Image, OpenOptions, Target};
use tollgate_test::shared_or_skip;

fn open(target: &Target, cache: &std::path::Path) -> Image {
    let options = OpenOptions {
        cache_dir: Some(cache.to_owned()),
        ..OpenOptions::default()
    };
    Image::open(target, &options).unwrap()
}

/// What identifies the image and its layers.
fn identity(image: &Image) -> (Option<String>, Option<String>, Vec<String>) {
    (
        image.manifest.as_ref().map(|m| m.digest.to_string()),
        image.config.as_ref().map(|c| c.digest.to_string()),
        image
            .layers
            .iter()
            .map(|l| format!("{} {:?} {}", l.digest, l.diff_id, l.size))
            .collect(),
    )
}

#[test]
fn a_kept_archive_index_opens_the_same_image_and_still_reads_its_layers() {
    let images = shared_or_skip!("images");
    let archive = images.join("debian-trixie-slim.tar.gz");
    let target = Target::parse(&format!("docker-archive:{}", archive.display())).unwrap();
    let cache = tempfile::tempdir().unwrap();
    let uncached = Image::open(&target, &OpenOptions::default()).unwrap();
    let first = open(&target, cache.path());
    let kept: Vec<_> = fs_err::read_dir(cache.path().join("archives"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    let second = open(&target, cache.path());
    assert_eq!(identity(&first), identity(&uncached));
    assert_eq!(identity(&second), identity(&uncached));

    // The layers of the image opened from the kept index are decompressed on demand, and
    // every digest is verified as always.
    let walk = second.walk(&[], None).unwrap();
    let reference = uncached.walk(&[], None).unwrap();
    assert_eq!(
        walk.view.files().collect::<Vec<_>>(),
        reference.view.files().collect::<Vec<_>>()
    );

    // A damaged index is not used: the archive is read again, the index written anew.
    let mut bytes = fs_err::read(&kept[0]).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0x01;
    fs_err::write(&kept[0], &bytes).unwrap();
    let third = open(&target, cache.path());
    assert_eq!(identity(&third), identity(&uncached));
    assert_ne!(fs_err::read(&kept[0]).unwrap(), bytes, "rewritten");
    let fourth = open(&target, cache.path());
    assert_eq!(identity(&fourth), identity(&uncached));
}
