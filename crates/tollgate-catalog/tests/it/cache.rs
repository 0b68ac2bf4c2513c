//! The layer cache on the shared images: a warm inventory reads no layer and equals the
//! inventory taken without a cache; a damaged entry is discarded, reported, and the layer read
//! again; an image on the same base reads only its own layers.

use std::sync::Mutex;

use tollgate_catalog::{Inventory, InventoryOptions, LayerCache, inventory, inventory_with};
use tollgate_oci::{Image, OpenOptions, Progress, Target};
use tollgate_test::shared_or_skip;

/// Records which layers a walk read.
#[derive(Default)]
pub(crate) struct LayersRead(pub(crate) Mutex<Vec<usize>>);

impl Progress for LayersRead {
    fn layer_started(&self, index: usize, _size: u64) {
        self.0.lock().unwrap().push(index);
    }
    fn advanced(&self, _index: usize, _bytes: u64) {}
    fn layer_finished(&self, _index: usize) {}
}

/// The inventory through `cache`, and the layers that had to be read.
fn cached(image: &Image, cache: &LayerCache) -> (Inventory, Vec<usize>) {
    let read = LayersRead::default();
    let inventory = inventory_with(
        image,
        InventoryOptions {
            progress: Some(&read),
            cache: Some(cache),
            ..Default::default()
        },
    )
    .unwrap();
    let mut layers = read.0.into_inner().unwrap();
    layers.sort_unstable();
    (inventory, layers)
}

fn open(target: &str) -> Image {
    Image::open(&Target::parse(target).unwrap(), &OpenOptions::default()).unwrap()
}

fn entries(cache: &LayerCache) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = fs_err::read_dir(cache.directory())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    files
}

#[test]
fn a_warm_inventory_reads_no_layer_and_equals_an_uncached_one() {
    let Some(targets) = tollgate_test::shared_image_targets() else {
        return;
    };
    let directory = tempfile::tempdir().unwrap();
    for (_, target) in targets {
        let image = open(&target);
        let cache = LayerCache::new(directory.path(), image.limits());
        let uncached = inventory(&image, None).unwrap();
        let all: Vec<usize> = (0..image.layers.len()).collect();

        let (cold, read) = cached(&image, &cache);
        assert_eq!(cold, uncached, "{target}: cold");
        assert_eq!(read, all, "{target}: a cold inventory reads every layer");

        let (warm, read) = cached(&image, &cache);
        assert_eq!(warm, uncached, "{target}: warm");
        assert_eq!(read, Vec::<usize>::new(), "{target}: warm reads nothing");
        assert!(cache.take_notices().is_empty(), "{target}");
    }
}

#[test]
fn a_damaged_entry_is_discarded_and_the_layer_read_again() {
    let path = shared_or_skip!("images/debian-bookworm-app");
    let image = open(&format!("oci:{}:1.0", path.display()));
    let uncached = inventory(&image, None).unwrap();
    let directory = tempfile::tempdir().unwrap();
    let cache = LayerCache::new(directory.path(), image.limits());
    cached(&image, &cache);
    let kept = entries(&cache);
    assert_eq!(kept.len(), image.layers.len());

    // The entry of the layer holding dpkg's database: one byte of its packages changed.
    let dpkg_layer = uncached
        .packages
        .iter()
        .find(|p| p.name == "libc6")
        .unwrap()
        .layer_index;
    let diff_id = image.layers[dpkg_layer].diff_id.as_ref().unwrap();
    let victim = cache
        .directory()
        .join(diff_id.to_string().replace(':', "-"));
    let mut bytes = fs_err::read(&victim).unwrap();
    let at = bytes
        .windows(5)
        .rposition(|w| w == b"libc6")
        .expect("the entry holds libc6");
    bytes[at + 4] = b'7';
    fs_err::write(&victim, &bytes).unwrap();

    let (again, read) = cached(&image, &cache);
    assert_eq!(again, uncached, "the damaged entry was not trusted");
    assert_eq!(read, [dpkg_layer], "only the damaged layer is read again");
    let notices = cache.take_notices();
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(
        notices[0].contains("discarded") && notices[0].contains("checksum"),
        "{notices:?}"
    );

    // The entry was written again, whole: the next inventory reads nothing.
    let (warm, read) = cached(&image, &cache);
    assert_eq!(warm, uncached);
    assert!(read.is_empty(), "{read:?}");

    // Garbage in place of an entry, and an empty file: both discarded.
    fs_err::write(&victim, b"not a cache entry").unwrap();
    let other = &kept[0];
    fs_err::write(other, b"").unwrap();
    let (again, read) = cached(&image, &cache);
    assert_eq!(again, uncached);
    assert_eq!(read.len(), 2, "{read:?}");
    assert_eq!(cache.take_notices().len(), 2);
}

#[test]
fn a_read_only_cache_directory_is_a_notice_not_a_failure() {
    let path = shared_or_skip!("images/alpine");
    let image = open(&format!("oci:{}:1.0", path.display()));
    let directory = tempfile::tempdir().unwrap();
    // A file where the cache directory should be: nothing can be written under it.
    let blocked = directory.path().join("blocked");
    fs_err::write(&blocked, b"").unwrap();
    let cache = LayerCache::new(&blocked, image.limits());
    let (found, read) = cached(&image, &cache);
    assert_eq!(found, inventory(&image, None).unwrap());
    assert_eq!(read.len(), image.layers.len());
    let notices = cache.take_notices();
    assert!(
        notices.len() == 1 && notices[0].contains("cannot write"),
        "one notice, not one per layer: {notices:?}"
    );
}
