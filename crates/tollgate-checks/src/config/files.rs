//! The small files the configuration rules read, collected during the inventory's one pass
//! over the layers.

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::Mutex;

use tollgate_catalog::LayerAnalyzer;
use tollgate_oci::{BoxError, FileKind, MergedView, Selector, VisitedFile, Visitor};

use super::context::FinalFile;

/// The files the rules read, by their path in the image. A name that is a symbolic link
/// (`/etc/passwd -> /usr/share/…/passwd`) is read where it leads, so every file of that name is
/// collected, and the one the final filesystem resolves to is used.
pub(crate) const WANTED: &[&str] = &["/etc/passwd", "/etc/group"];

const SELECTORS: &[Selector] = &[Selector::Glob("**/passwd"), Selector::Glob("**/group")];

/// Largest file kept: account databases are a few KiB; anything this large is something else.
const MAX_FILE: u64 = 1024 * 1024;

/// A [`LayerAnalyzer`] (id `config-files`) that keeps the content of every small text file
/// named `passwd` or `group`, per (layer, path); `ConfigFiles::final_files` picks the ones
/// the final filesystem shows at `/etc/passwd` and `/etc/group`.
#[derive(Debug, Default)]
pub struct ConfigFiles {
    contents: Mutex<BTreeMap<(usize, String), String>>,
}

impl ConfigFiles {
    /// The final content of each of [`WANTED`] that exists: its path resolved in `view`
    /// (symbolic links followed inside the image), its content taken from the layer that
    /// wrote it last.
    pub(crate) fn final_files(
        &self,
        view: &MergedView,
        max_hops: usize,
    ) -> BTreeMap<&'static str, FinalFile> {
        let Ok(contents) = self.contents.lock() else {
            return BTreeMap::new();
        };
        WANTED
            .iter()
            .filter_map(|wanted| {
                let info = view.resolve(wanted, max_hops).ok().flatten()?;
                if !matches!(info.kind, FileKind::File | FileKind::Hardlink) {
                    return None;
                }
                let content = contents.get(&(info.layer, info.path.clone()))?;
                Some((
                    *wanted,
                    FinalFile {
                        path: info.path,
                        layer_index: info.layer,
                        content: content.clone(),
                    },
                ))
            })
            .collect()
    }
}

impl Visitor for ConfigFiles {
    fn id(&self) -> &str {
        "config-files"
    }

    fn selectors(&self) -> &[Selector] {
        SELECTORS
    }

    fn visit(&self, file: &VisitedFile<'_>, content: &mut dyn Read) -> Result<(), BoxError> {
        // Executables (`/usr/bin/passwd`) and large files share the names, not the format.
        if file.mode & 0o111 != 0 || file.size > MAX_FILE {
            return Ok(());
        }
        let bytes = tollgate_oci::read_capped(content, MAX_FILE)?;
        if bytes.contains(&0) {
            return Ok(());
        }
        self.contents
            .lock()
            .map_err(|_| "config-files: a visit panicked")?
            .insert(
                (file.layer_index, file.path.to_owned()),
                String::from_utf8_lossy(&bytes).into_owned(),
            );
        Ok(())
    }
}

impl LayerAnalyzer for ConfigFiles {
    fn version(&self) -> u32 {
        1
    }

    fn save_layer(&self, layer_index: usize) -> serde_json::Value {
        let Ok(contents) = self.contents.lock() else {
            return serde_json::Value::Null;
        };
        let files: serde_json::Map<String, serde_json::Value> = contents
            .range((layer_index, String::new())..(layer_index + 1, String::new()))
            .map(|((_, path), text)| (path.clone(), serde_json::Value::String(text.clone())))
            .collect();
        serde_json::Value::Object(files)
    }

    fn restore_layer(&self, layer_index: usize, saved: serde_json::Value) -> Result<(), String> {
        let files = match saved {
            // A layer kept before this analyzer rode along has nothing for it.
            serde_json::Value::Null => serde_json::Map::new(),
            serde_json::Value::Object(files) => files,
            other => return Err(format!("expected an object of files, found {other}")),
        };
        let mut restored = Vec::with_capacity(files.len());
        for (path, text) in files {
            let serde_json::Value::String(text) = text else {
                return Err(format!("the content of `{path}` is not a string"));
            };
            if !path.starts_with('/') || text.len() as u64 > MAX_FILE {
                return Err(format!("`{path}` is not a kept file"));
            }
            restored.push((path, text));
        }
        let mut contents = self
            .contents
            .lock()
            .map_err(|_| "config-files: a visit panicked".to_owned())?;
        contents.retain(|(layer, _), _| *layer != layer_index);
        for (path, text) in restored {
            contents.insert((layer_index, path), text);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saves_and_restores_one_layer() {
        let files = ConfigFiles::default();
        {
            let mut contents = files.contents.lock().unwrap();
            contents.insert(
                (0, "/etc/passwd".to_owned()),
                "root:x:0:0::/:/bin/sh\n".into(),
            );
            contents.insert(
                (1, "/etc/passwd".to_owned()),
                "app:x:1:1::/:/bin/sh\n".into(),
            );
            contents.insert((1, "/etc/group".to_owned()), "app:x:1:\n".into());
        }
        let saved = files.save_layer(1);
        assert_eq!(saved.as_object().unwrap().len(), 2);

        let other = ConfigFiles::default();
        other
            .contents
            .lock()
            .unwrap()
            .insert((1, "/stale".to_owned()), String::new());
        other.restore_layer(1, saved).unwrap();
        other.restore_layer(0, serde_json::Value::Null).unwrap();
        let contents = other.contents.lock().unwrap();
        let keys: Vec<_> = contents.keys().cloned().collect();
        assert_eq!(
            keys,
            [(1, "/etc/group".to_owned()), (1, "/etc/passwd".to_owned())]
        );
    }

    #[test]
    fn refuses_malformed_saved_values_and_keeps_what_it_had() {
        let files = ConfigFiles::default();
        files
            .contents
            .lock()
            .unwrap()
            .insert((2, "/etc/group".to_owned()), "g:x:1:\n".into());
        for bad in [
            serde_json::json!([1, 2]),
            serde_json::json!({"/etc/passwd": 5}),
            serde_json::json!({"etc/passwd": "relative"}),
            serde_json::json!("text"),
        ] {
            assert!(files.restore_layer(2, bad).is_err());
        }
        assert_eq!(files.contents.lock().unwrap().len(), 1);
    }
}
