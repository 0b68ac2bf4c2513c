//! Integration tests of tollgate-checks.

mod config_images;
mod config_rules;
mod config_support;
mod secrets_cache;
mod secrets_corpus;
mod secrets_images;

use std::sync::Mutex;

/// Records which layers a walk read (a walk reads no layer it takes from the layer cache).
#[derive(Default)]
pub(crate) struct LayersRead(pub(crate) Mutex<Vec<usize>>);

impl tollgate_oci::Progress for LayersRead {
    fn layer_started(&self, index: usize, _size: u64) {
        if let Ok(mut read) = self.0.lock() {
            read.push(index);
        }
    }
    fn advanced(&self, _index: usize, _bytes: u64) {}
    fn layer_finished(&self, _index: usize) {}
}
