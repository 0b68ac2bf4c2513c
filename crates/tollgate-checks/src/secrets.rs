//! Secrets in the files of every layer: private keys, cloud credentials, tokens of code hosts,
//! chat, payment and package services, JWTs, passwords in URLs and in the credential files of
//! common tools (`.env`, `.npmrc`, `.pypirc`, `.docker/config.json`, kubeconfig).
//!
//! The rules are data (`secrets/rules.toml`, see [`SecretRules`]). [`SecretScanner`] rides on
//! the inventory's single pass over the layers as a [`LayerAnalyzer`]: it is handed every
//! regular file of every layer, including files a later layer deletes or replaces (they still
//! ship in the image), skips binary files, allow-listed paths and files above a size cap, and
//! runs a rule's regex only on files where an Aho-Corasick search found one of the rule's
//! keywords. What it finds in a layer is kept in the layer cache with the layer.
//! [`SecretScanner::findings`] then tells, for each finding, the layer's digest and whether
//! the file is the one in the final filesystem.
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use tollgate_catalog::{InventoryOptions, analyse};
//! use tollgate_checks::RuleOverrides;
//! use tollgate_checks::secrets::SecretScanner;
//! use tollgate_oci::{Image, OpenOptions, Target};
//!
//! let image = Image::open(&Target::parse("oci:image:1.0")?, &OpenOptions::default())?;
//! let scanner = SecretScanner::new(Default::default());
//! let pass = analyse(
//!     &image,
//!     InventoryOptions {
//!         analyzers: &[&scanner],
//!         ..Default::default()
//!     },
//! )?;
//! let secrets = scanner.findings(&pass.view, &image.layers, &RuleOverrides::default());
//! # Ok(()) }
//! ```

mod rules;
mod text;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};

use tollgate_catalog::LayerAnalyzer;
use tollgate_oci::{BoxError, FileKind, Layer, MergedView, Selector, VisitedFile, Visitor};

pub use rules::{Rule, RulesError, SecretMatch, SecretRules, is_binary};

use crate::{RuleOverrides, SecretFinding};

/// Version of what the scanner finds in a layer: part of the layer cache's key. Bump it with
/// any change of `rules.toml` or of the scan (a test pins the rules file to this version).
pub const VERSION: u32 = 1;

/// FNV-1a of `rules.toml` as of [`VERSION`]: the test that compares it reminds whoever edits
/// the rules to bump the version, so that no cache serves findings of older rules.
#[cfg(test)]
const RULES_FINGERPRINT: u64 = 0x6bfab38d850caa00;

/// The analyzer id (in the layer cache and in problem reports).
pub const ANALYZER_ID: &str = "secrets";

/// Every regular file: the scanner decides itself what to read, from the path, the walker's
/// magic bytes and the first 8 KiB. `**` also takes hard links (their content is their
/// target's, scanned under both paths); the walker hands a layer's wanted hard links over in
/// a second read of that layer, which the inventory's own binary catalogers already cause for
/// hard-linked executables, the common case.
const EVERY_FILE: [Selector; 1] = [Selector::Glob("**")];

/// How a [`SecretScanner`] runs.
#[derive(Clone, Debug)]
pub struct SecretScanOptions {
    /// Files larger than this are not read (bytes). Secrets live in small text files; large
    /// files are data, archives or binaries, and reading them would cost the most.
    pub max_file_size: u64,
    /// Symbolic links followed when telling whether a file is in the final filesystem.
    pub max_symlink_hops: usize,
}

impl Default for SecretScanOptions {
    fn default() -> Self {
        Self {
            max_file_size: 10 * 1024 * 1024,
            max_symlink_hops: tollgate_oci::Limits::default().max_symlink_hops,
        }
    }
}

/// What a scanner did with the files it was handed (not counting layers taken from the cache).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SecretScanStats {
    /// Files handed to the scanner.
    pub files: u64,
    /// Files read and searched.
    pub scanned: u64,
    /// Bytes read and searched.
    pub bytes: u64,
    /// Files above the size cap.
    pub too_large: u64,
    /// Files skipped as binary (by magic, name or content).
    pub binary: u64,
    /// Files on the allow-list (documentation, tests, examples).
    pub allowed: u64,
}

#[derive(Default)]
struct Counters {
    files: AtomicU64,
    scanned: AtomicU64,
    bytes: AtomicU64,
    too_large: AtomicU64,
    binary: AtomicU64,
    allowed: AtomicU64,
}

/// The built-in rules, compiled once.
///
/// # Panics
/// Never in a released build: the rules file is compiled in and a test compiles it.
#[must_use]
pub fn builtin_rules() -> &'static SecretRules {
    static RULES: OnceLock<SecretRules> = OnceLock::new();
    RULES.get_or_init(|| {
        #[allow(clippy::expect_used)]
        SecretRules::from_toml(rules::BUILTIN_RULES).expect("the built-in secret rules compile")
    })
}

/// Finds secrets in the files of every layer during the inventory's pass; see the module docs.
pub struct SecretScanner {
    rules: &'static SecretRules,
    options: SecretScanOptions,
    /// What each file of each layer holds, by (layer, path): a later delivery of the same file
    /// (a duplicate tar entry, or a layer read again after its cache entry was restored)
    /// replaces the earlier one. Files without secrets have no entry.
    found: Mutex<BTreeMap<(usize, String), Vec<SecretMatch>>>,
    counters: Counters,
}

impl SecretScanner {
    /// A scanner with the built-in rules.
    #[must_use]
    pub fn new(options: SecretScanOptions) -> Self {
        Self {
            rules: builtin_rules(),
            options,
            found: Mutex::default(),
            counters: Counters::default(),
        }
    }

    /// The rules it applies.
    #[must_use]
    pub fn rules(&self) -> &'static SecretRules {
        self.rules
    }

    /// What it did with the files it read so far.
    #[must_use]
    pub fn stats(&self) -> SecretScanStats {
        let c = &self.counters;
        SecretScanStats {
            files: c.files.load(Ordering::Relaxed),
            scanned: c.scanned.load(Ordering::Relaxed),
            bytes: c.bytes.load(Ordering::Relaxed),
            too_large: c.too_large.load(Ordering::Relaxed),
            binary: c.binary.load(Ordering::Relaxed),
            allowed: c.allowed.load(Ordering::Relaxed),
        }
    }

    /// The secrets found, as findings: with the digest of the layer that holds each file
    /// (`layers` is the image's, empty for a root filesystem), whether that file is the one
    /// in `view` (the final filesystem), and the run's `overrides` applied. Sorted by path,
    /// layer, line and rule.
    #[must_use]
    pub fn findings(
        &self,
        view: &MergedView,
        layers: &[Layer],
        overrides: &RuleOverrides,
    ) -> Vec<SecretFinding> {
        let found = self.found();
        let mut findings = Vec::new();
        for ((layer_index, path), matches) in found.iter() {
            let in_final_image =
                view.get(path, self.options.max_symlink_hops)
                    .is_some_and(|info| {
                        info.layer == *layer_index
                            && matches!(info.kind, FileKind::File | FileKind::Hardlink)
                    });
            let layer = layers.get(*layer_index).map(|l| l.digest.clone());
            for found in matches {
                let Some(rule) = self.rules.rule(&found.rule) else {
                    continue;
                };
                if !overrides.enabled(&rule.id) {
                    continue;
                }
                findings.push(SecretFinding {
                    rule_id: rule.id.clone(),
                    severity: overrides.severity(&rule.id, rule.severity),
                    title: rule.title.clone(),
                    path: path.clone(),
                    layer: layer.clone(),
                    layer_index: *layer_index,
                    line: found.line,
                    redacted: found.redacted.clone(),
                    in_final_image,
                });
            }
        }
        findings.sort_by(|a, b| {
            (&a.path, a.layer_index, a.line, &a.rule_id, &a.redacted).cmp(&(
                &b.path,
                b.layer_index,
                b.line,
                &b.rule_id,
                &b.redacted,
            ))
        });
        findings
    }

    fn found(&self) -> MutexGuard<'_, BTreeMap<(usize, String), Vec<SecretMatch>>> {
        // A panic while holding the lock leaves the map consistent (each update is a single
        // insert or remove), so a poisoned lock is still usable.
        self.found.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn record(&self, layer_index: usize, path: &str, matches: Vec<SecretMatch>) {
        let mut found = self.found();
        if matches.is_empty() {
            found.remove(&(layer_index, path.to_owned()));
        } else {
            found.insert((layer_index, path.to_owned()), matches);
        }
    }

    /// Read a file and scan it, or tell why not.
    fn read_and_scan(
        &self,
        file: &VisitedFile<'_>,
        content: &mut dyn Read,
    ) -> std::io::Result<Vec<SecretMatch>> {
        let c = &self.counters;
        c.files.fetch_add(1, Ordering::Relaxed);
        let limit = self.options.max_file_size;
        if file.size > limit {
            c.too_large.fetch_add(1, Ordering::Relaxed);
            return Ok(Vec::new());
        }
        if self.rules.allowed_path(file.path) {
            c.allowed.fetch_add(1, Ordering::Relaxed);
            return Ok(Vec::new());
        }
        // ELF, zip or gzip (told by the walker from the first bytes), or a binary format by
        // its name.
        if file.magic.is_some() || self.rules.binary_name(file.path) {
            c.binary.fetch_add(1, Ordering::Relaxed);
            return Ok(Vec::new());
        }
        // The head first: a binary file is left after 8 KiB, unread (the walker skips the rest
        // of the entry).
        let capacity = usize::try_from(file.size.min(limit)).unwrap_or(0);
        let mut bytes = Vec::with_capacity(capacity);
        content.take(8 * 1024).read_to_end(&mut bytes)?;
        if is_binary(&bytes) {
            c.binary.fetch_add(1, Ordering::Relaxed);
            return Ok(Vec::new());
        }
        let rest = limit.saturating_sub(bytes.len() as u64).saturating_add(1);
        content.take(rest).read_to_end(&mut bytes)?;
        if bytes.len() as u64 > limit {
            // The header understated the size.
            c.too_large.fetch_add(1, Ordering::Relaxed);
            return Ok(Vec::new());
        }
        c.scanned.fetch_add(1, Ordering::Relaxed);
        c.bytes.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        Ok(self.rules.scan_text(file.path, &bytes))
    }
}

impl Visitor for SecretScanner {
    fn id(&self) -> &str {
        ANALYZER_ID
    }

    fn selectors(&self) -> &[Selector] {
        &EVERY_FILE
    }

    fn visit(&self, file: &VisitedFile<'_>, content: &mut dyn Read) -> Result<(), BoxError> {
        let matches = self.read_and_scan(file, content)?;
        self.record(file.layer_index, file.path, matches);
        Ok(())
    }
}

/// One layer's findings in the layer cache.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedLayer {
    files: Vec<SavedFile>,
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedFile {
    path: String,
    matches: Vec<SecretMatch>,
}

impl LayerAnalyzer for SecretScanner {
    fn version(&self) -> u32 {
        VERSION
    }

    fn save_layer(&self, layer_index: usize) -> serde_json::Value {
        let found = self.found();
        let files = found
            .range((layer_index, String::new())..(layer_index + 1, String::new()))
            .map(|((_, path), matches)| SavedFile {
                path: path.clone(),
                matches: matches.clone(),
            })
            .collect();
        serde_json::to_value(SavedLayer { files }).unwrap_or_default()
    }

    fn restore_layer(&self, layer_index: usize, saved: serde_json::Value) -> Result<(), String> {
        let saved: SavedLayer = serde_json::from_value(saved).map_err(|e| e.to_string())?;
        // Check everything before touching what is held: a refused value changes nothing.
        let mut paths = BTreeSet::new();
        for file in &saved.files {
            if !file.path.starts_with('/') {
                return Err(format!("path `{}` is not absolute", file.path));
            }
            if !paths.insert(file.path.as_str()) {
                return Err(format!("path `{}` is given twice", file.path));
            }
            if file.matches.is_empty() || file.matches.len() > rules::MAX_MATCHES_PER_FILE {
                return Err(format!(
                    "`{}` has {} matches",
                    file.path,
                    file.matches.len()
                ));
            }
            for found in &file.matches {
                if self.rules.rule(&found.rule).is_none() {
                    return Err(format!("unknown rule `{}`", found.rule));
                }
                if found.line == 0 {
                    return Err(format!("line 0 in `{}`", file.path));
                }
            }
        }
        let mut found = self.found();
        let held: Vec<(usize, String)> = found
            .range((layer_index, String::new())..(layer_index + 1, String::new()))
            .map(|(key, _)| key.clone())
            .collect();
        for key in held {
            found.remove(&key);
        }
        for file in saved.files {
            found.insert((layer_index, file.path), file.matches);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// FNV-1a, 64 bits.
    fn fnv(bytes: &[u8]) -> u64 {
        bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
            (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        })
    }

    #[test]
    fn the_rules_file_is_the_one_of_this_version() {
        assert_eq!(
            fnv(rules::BUILTIN_RULES.as_bytes()),
            RULES_FINGERPRINT,
            "rules.toml changed: bump secrets::VERSION (cached layers hold findings of the old \
             rules) and set RULES_FINGERPRINT to the new value"
        );
    }

    #[test]
    fn builtin_rules_compile() {
        assert_eq!(builtin_rules().rules().len(), 20);
    }
}
