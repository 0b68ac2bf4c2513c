//! Progress bars on stderr, one per layer, only when stderr is a terminal.

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use tollgate_oci::{Layer, Progress};

pub(crate) struct LayerBars {
    bars: Vec<ProgressBar>,
    _multi: MultiProgress,
}

impl LayerBars {
    pub(crate) fn new(layers: &[Layer]) -> Self {
        let multi = MultiProgress::new();
        let style = ProgressStyle::with_template(
            "{prefix:>12} {bar:30} {bytes:>10}/{total_bytes:<10} {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        let bars = layers
            .iter()
            .map(|layer| {
                let bar = multi.add(ProgressBar::new(layer.size));
                bar.set_style(style.clone());
                bar.set_prefix(format!("layer {}", layer.index));
                bar.set_message(layer.digest.short().to_owned());
                bar
            })
            .collect();
        Self {
            bars,
            _multi: multi,
        }
    }
}

impl Progress for LayerBars {
    fn layer_started(&self, _index: usize, _size: u64) {}

    fn advanced(&self, index: usize, bytes: u64) {
        if let Some(bar) = self.bars.get(index) {
            bar.inc(bytes);
        }
    }

    fn layer_finished(&self, index: usize) {
        if let Some(bar) = self.bars.get(index) {
            bar.finish_and_clear();
        }
    }
}
