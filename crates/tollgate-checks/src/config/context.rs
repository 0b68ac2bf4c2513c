//! What the rules look at: one image's config, history, layers, inventory, final filesystem
//! and the small files [`ConfigFiles`] collected.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use tollgate_catalog::{Inventory, Pass};
use tollgate_oci::{Digest, FileInfo, FileKind, Image, Layer, MergedView};

use super::Date;
use super::accounts::{GroupEntry, PasswdEntry, parse_group, parse_passwd};
use super::files::ConfigFiles;
use super::tools::FilesystemScan;
use crate::Evidence;

/// The parts of an image config the rules read, taken from the config blob as stored (so the
/// Docker extensions that the OCI model lacks, such as `Healthcheck`, are kept). Every field is
/// optional in the blob; a field of the wrong type reads as absent.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImageConfig {
    /// `config.User`; `None` when absent.
    pub user: Option<String>,
    /// `config.Env`, `KEY=value` each.
    pub env: Vec<String>,
    /// `config.Labels`.
    pub labels: BTreeMap<String, String>,
    /// `config.ExposedPorts` keys, e.g. `22/tcp`.
    pub exposed_ports: Vec<String>,
    /// `config.Healthcheck.Test`, when the config has a healthcheck (`["NONE"]` disables the
    /// base image's).
    pub healthcheck: Option<Vec<String>>,
    /// `created`.
    pub created: Option<String>,
    /// `history`, in order.
    pub history: Vec<HistoryEntry>,
}

/// One entry of the config's `history`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HistoryEntry {
    /// The command that made this step.
    pub created_by: String,
    /// Whether the step made no layer.
    pub empty_layer: bool,
    /// The layer the step made: the n-th entry that is not empty makes the n-th layer.
    pub layer_index: Option<usize>,
}

impl ImageConfig {
    /// Read the config blob. Anything but a JSON object is an error; inside it, missing or
    /// mistyped fields read as absent.
    ///
    /// # Errors
    /// When `bytes` is not a JSON object.
    pub fn from_json(bytes: &[u8]) -> Result<Self, serde_json::Error> {
        use serde_json::Value;
        let root: serde_json::Map<String, Value> = serde_json::from_slice(bytes)?;
        let strings = |value: Option<&Value>| -> Vec<String> {
            value
                .and_then(Value::as_array)
                .map(|items| {
                    items
                        .iter()
                        .filter_map(|item| item.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default()
        };
        let runtime = root.get("config").and_then(Value::as_object);
        let get = |key: &str| runtime.and_then(|config| config.get(key));
        let labels = get("Labels")
            .and_then(Value::as_object)
            .map(|labels| {
                labels
                    .iter()
                    .filter_map(|(key, value)| Some((key.clone(), value.as_str()?.to_owned())))
                    .collect()
            })
            .unwrap_or_default();
        let exposed_ports = get("ExposedPorts")
            .and_then(Value::as_object)
            .map(|ports| ports.keys().cloned().collect())
            .unwrap_or_default();
        let healthcheck = get("Healthcheck")
            .and_then(Value::as_object)
            .map(|check| strings(check.get("Test")));
        let mut next_layer = 0;
        let history = root
            .get("history")
            .and_then(Value::as_array)
            .map(|entries| {
                entries
                    .iter()
                    .map(|entry| {
                        let empty_layer = entry
                            .get("empty_layer")
                            .and_then(Value::as_bool)
                            .unwrap_or(false);
                        let layer_index = (!empty_layer).then(|| {
                            next_layer += 1;
                            next_layer - 1
                        });
                        HistoryEntry {
                            created_by: entry
                                .get("created_by")
                                .and_then(Value::as_str)
                                .unwrap_or_default()
                                .to_owned(),
                            empty_layer,
                            layer_index,
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(Self {
            user: get("User").and_then(Value::as_str).map(str::to_owned),
            env: strings(get("Env")),
            labels,
            exposed_ports,
            healthcheck,
            created: root
                .get("created")
                .and_then(Value::as_str)
                .map(str::to_owned),
            history,
        })
    }
}

/// A small file of the final filesystem, read during the pass.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FinalFile {
    /// Where it really is (symbolic links resolved).
    pub path: String,
    /// The layer that wrote it last.
    pub layer_index: usize,
    /// Its text.
    pub content: String,
}

/// Everything a rule can look at.
pub struct Context<'a> {
    /// The day end-of-life dates and the image's age are measured against.
    pub today: Date,
    /// The image config; `None` for a root filesystem, which has none (config rules then have
    /// nothing to say).
    pub config: Option<ImageConfig>,
    /// The layers, bottom first (for their digests).
    pub layers: &'a [Layer],
    /// The final filesystem.
    pub view: &'a MergedView,
    /// OS and packages.
    pub inventory: &'a Inventory,
    /// The final `/etc/passwd` and `/etc/group`, by those names.
    pub files: BTreeMap<&'static str, FinalFile>,
    /// Most symbolic links followed when resolving a path.
    pub max_symlink_hops: usize,
    /// One walk over the final filesystem, made when a rule first needs it (after any change
    /// to `config`: the config's `PATH` says where programs are).
    filesystem: OnceLock<FilesystemScan>,
}

impl<'a> Context<'a> {
    /// The context of `image` after `pass`, a pass on which `files` rode along.
    #[must_use]
    pub fn new(image: &'a Image, pass: &'a Pass, files: &ConfigFiles, today: Date) -> Self {
        let max_symlink_hops = image.limits().max_symlink_hops;
        let config = image.config.as_ref().map(|config| {
            // The blob was parsed as JSON when the image was opened, so this only fails on a
            // config that is not an object; fall back to what the OCI model kept.
            ImageConfig::from_json(&config.bytes).unwrap_or_else(|_| {
                serde_json::to_vec(&config.parsed)
                    .ok()
                    .and_then(|bytes| ImageConfig::from_json(&bytes).ok())
                    .unwrap_or_default()
            })
        });
        Self {
            today,
            config,
            layers: &image.layers,
            view: &pass.view,
            inventory: &pass.inventory,
            files: files.final_files(&pass.view, max_symlink_hops),
            max_symlink_hops,
            filesystem: OnceLock::new(),
        }
    }

    /// The walk over the final filesystem that the file rules share.
    pub(crate) fn filesystem(&self) -> &FilesystemScan {
        self.filesystem.get_or_init(|| FilesystemScan::new(self))
    }

    /// The digest of layer `index`, when the image has layers (a root filesystem has none).
    #[must_use]
    pub fn layer_digest(&self, index: usize) -> Option<Digest> {
        self.layers.get(index).map(|layer| layer.digest.clone())
    }

    /// The accounts of the final `/etc/passwd`, `None` when there is none.
    #[must_use]
    pub fn passwd(&self) -> Option<Vec<PasswdEntry>> {
        self.files
            .get("/etc/passwd")
            .map(|file| parse_passwd(&file.content))
    }

    /// The groups of the final `/etc/group`, `None` when there is none.
    #[must_use]
    pub fn groups(&self) -> Option<Vec<GroupEntry>> {
        self.files
            .get("/etc/group")
            .map(|file| parse_group(&file.content))
    }

    /// `path` with every symbolic link followed inside the image, if it leads to a regular file
    /// (or a hard link to one).
    #[must_use]
    pub fn regular_file(&self, path: &str) -> Option<FileInfo> {
        self.view
            .resolve(path, self.max_symlink_hops)
            .ok()
            .flatten()
            .filter(|info| matches!(info.kind, FileKind::File | FileKind::Hardlink))
    }

    /// Evidence naming a file of the final filesystem and the layer that wrote it.
    #[must_use]
    pub fn file_evidence(&self, path: &str, layer_index: usize, detail: String) -> Evidence {
        Evidence {
            field: None,
            path: Some(path.to_owned()),
            layer: self.layer_digest(layer_index),
            layer_index: Some(layer_index),
            detail,
        }
    }

    /// Evidence naming a history entry (and the layer it made, if any).
    #[must_use]
    pub fn history_evidence(
        &self,
        position: usize,
        entry: &HistoryEntry,
        detail: String,
    ) -> Evidence {
        Evidence {
            field: Some(format!("history[{position}].created_by")),
            path: None,
            layer: entry.layer_index.and_then(|index| self.layer_digest(index)),
            layer_index: entry.layer_index,
            detail,
        }
    }

    /// `config.Env` as (key, value) pairs.
    pub fn env(&self) -> impl Iterator<Item = (&str, &str)> {
        self.config.iter().flat_map(|config| {
            config
                .env
                .iter()
                .map(|entry| entry.split_once('=').unwrap_or((entry.as_str(), "")))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_docker_config_with_its_extensions() {
        let config = ImageConfig::from_json(
            br#"{
              "created": "2024-01-02T03:04:05Z",
              "config": {
                "User": "app:app",
                "Env": ["PATH=/usr/bin", 7, "EMPTY="],
                "Labels": {"a": "b", "n": null},
                "ExposedPorts": {"22/tcp": {}, "8080/tcp": {}},
                "Healthcheck": {"Test": ["CMD-SHELL", "curl -f http://localhost/"]}
              },
              "history": [
                {"created_by": "ADD rootfs.tar /"},
                {"created_by": "ENV A=b", "empty_layer": true},
                {"created_by": "RUN x"},
                {"empty_layer": "yes"}
              ]
            }"#,
        )
        .unwrap();
        assert_eq!(config.user.as_deref(), Some("app:app"));
        assert_eq!(config.env, ["PATH=/usr/bin", "EMPTY="]);
        assert_eq!(config.labels.len(), 1);
        assert_eq!(config.exposed_ports, ["22/tcp", "8080/tcp"]);
        assert_eq!(
            config.healthcheck.as_deref(),
            Some(
                &[
                    "CMD-SHELL".to_owned(),
                    "curl -f http://localhost/".to_owned()
                ][..]
            )
        );
        let layers: Vec<Option<usize>> = config.history.iter().map(|h| h.layer_index).collect();
        assert_eq!(layers, [Some(0), None, Some(1), Some(2)]);
    }

    #[test]
    fn a_config_without_fields_reads_as_empty_and_a_non_object_is_an_error() {
        assert_eq!(
            ImageConfig::from_json(b"{}").unwrap(),
            ImageConfig::default()
        );
        assert_eq!(
            ImageConfig::from_json(br#"{"config": null, "history": {}}"#).unwrap(),
            ImageConfig::default()
        );
        assert!(ImageConfig::from_json(b"[]").is_err());
        assert!(ImageConfig::from_json(b"{").is_err());
    }
}
