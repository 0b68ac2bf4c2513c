//! The single pass: every cataloger and the OS detector ride on one walk over the layers; each
//! layer's findings are then kept only where the file they came from is still the one in the
//! final filesystem (a package removed or replaced later is reported in its final state only).

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::Mutex;

use rayon::prelude::*;
use tollgate_oci::{
    BoxError, FileKind, Image, MergedView, Progress, Recall, Selector, Target, VisitedFile, Visitor,
};

use crate::cache::{self, CachedLayer, CatalogedFile, LayerCache, LayerFindings};

use crate::cataloger::Cataloger;
use crate::catalogers::{CATALOGERS, DpkgFileLists};
use crate::inventory::{ImageIdentity, Inventory, Unknown};
use crate::{Package, os, purl};

/// Where a finding came from: (layer, path, cataloger id). Later deliveries of the same key (a
/// duplicate tar entry) replace earlier ones, as the later entry is the one that is extracted.
type FindingKey = (usize, String, &'static str);

type Finding = Result<Vec<Package>, String>;

struct CatalogerVisitor<'a> {
    cataloger: &'a dyn Cataloger,
    findings: &'a Mutex<BTreeMap<FindingKey, Finding>>,
}

impl Visitor for CatalogerVisitor<'_> {
    fn id(&self) -> &str {
        self.cataloger.id()
    }

    fn selectors(&self) -> &[Selector] {
        self.cataloger.selectors()
    }

    fn visit(&self, file: &VisitedFile<'_>, content: &mut dyn Read) -> Result<(), BoxError> {
        let outcome = self.cataloger.catalog(file, content).map_err(|error| {
            let mut message = error.to_string();
            let mut source = std::error::Error::source(&error);
            while let Some(cause) = source {
                message.push_str(&format!(": {cause}"));
                source = cause.source();
            }
            message
        });
        let key = (file.layer_index, file.path.to_owned(), self.cataloger.id());
        self.findings
            .lock()
            .map_err(|_| "a cataloger panicked")?
            .insert(key, outcome);
        Ok(())
    }
}

/// Collects the small files that tell the OS, per (layer, path).
struct OsFiles {
    selectors: Vec<Selector>,
    contents: Mutex<BTreeMap<(usize, String), String>>,
}

impl Visitor for OsFiles {
    fn id(&self) -> &str {
        "os-release"
    }

    fn selectors(&self) -> &[Selector] {
        &self.selectors
    }

    fn visit(&self, file: &VisitedFile<'_>, content: &mut dyn Read) -> Result<(), BoxError> {
        const MAX_RELEASE_FILE: u64 = 64 * 1024;
        let bytes = tollgate_oci::read_capped(content, MAX_RELEASE_FILE)?;
        self.contents
            .lock()
            .map_err(|_| "os detection panicked")?
            .insert(
                (file.layer_index, file.path.to_owned()),
                String::from_utf8_lossy(&bytes).into_owned(),
            );
        Ok(())
    }
}

/// How to take an inventory.
#[derive(Clone, Copy, Default)]
pub struct InventoryOptions<'a> {
    /// Told of each layer's progress.
    pub progress: Option<&'a dyn Progress>,
    /// Layers analysed before are taken from here, and new analyses kept here.
    pub cache: Option<&'a LayerCache>,
    /// Other analyses riding on the same pass (secrets, configuration files...).
    pub analyzers: &'a [&'a dyn LayerAnalyzer],
}

/// An analysis that rides on the inventory's one pass over the layers, with what it finds in
/// each layer kept in the layer cache next to the catalogers' findings.
///
/// A layer's files can be delivered after [`LayerAnalyzer::restore_layer`] gave the same
/// layer's findings (when another analyzer's kept findings for it were damaged): keep findings
/// keyed by (layer, path), so that a delivery replaces what was restored.
pub trait LayerAnalyzer: Visitor {
    /// Bumped whenever what it finds in the same layer changes (part of the cache key).
    fn version(&self) -> u32;
    /// What it found in layer `layer_index`, for the cache.
    fn save_layer(&self, layer_index: usize) -> serde_json::Value;
    /// Take the findings of layer `layer_index` from the cache, replacing any it has for that
    /// layer. An error (a malformed value) leaves its findings for the layer unchanged.
    ///
    /// # Errors
    /// What is malformed in `saved`.
    fn restore_layer(&self, layer_index: usize, saved: serde_json::Value) -> Result<(), String>;
}

/// One pass over an image: its inventory, and its final filesystem for the checks that look
/// at it.
pub struct Pass {
    /// What is installed.
    pub inventory: Inventory,
    /// The final filesystem (file kinds, modes, links, the layer of each file).
    pub view: MergedView,
}

/// Inventory `image`: one walk over its layers, verified as always.
pub fn inventory(
    image: &Image,
    progress: Option<&dyn Progress>,
) -> tollgate_oci::Result<Inventory> {
    inventory_with(
        image,
        InventoryOptions {
            progress,
            ..InventoryOptions::default()
        },
    )
}

/// [`inventory`], with a layer cache.
pub fn inventory_with(
    image: &Image,
    options: InventoryOptions<'_>,
) -> tollgate_oci::Result<Inventory> {
    analyse(image, options).map(|pass| pass.inventory)
}

/// One pass over `image` for its inventory and the other analyzers of `options`.
pub fn analyse(image: &Image, options: InventoryOptions<'_>) -> tollgate_oci::Result<Pass> {
    let findings = Mutex::new(BTreeMap::new());
    let os_files = OsFiles {
        selectors: os::OS_FILES
            .iter()
            .map(|path| Selector::Path(path))
            .collect(),
        contents: Mutex::default(),
    };
    let cataloger_visitors: Vec<CatalogerVisitor<'_>> = CATALOGERS
        .iter()
        .map(|cataloger| CatalogerVisitor {
            cataloger: *cataloger,
            findings: &findings,
        })
        .collect();
    let mut visitors: Vec<&dyn Visitor> = cataloger_visitors
        .iter()
        .map(|v| v as &dyn Visitor)
        .collect();
    let dpkg_file_lists = DpkgFileLists::default();
    visitors.push(&os_files);
    visitors.push(&dpkg_file_lists);
    visitors.extend(options.analyzers.iter().map(|a| *a as &dyn Visitor));

    let analyzer_keys: Vec<String> = options
        .analyzers
        .iter()
        .map(|analyzer| cache::analyzer_key(analyzer.id(), analyzer.version()))
        .collect();
    let recalled: Vec<Option<CachedLayer>> = match options.cache {
        Some(cache) => image
            .layers
            .par_iter()
            .enumerate()
            .map(|(layer_index, layer)| {
                let mut cached = cache.recall(layer, &analyzer_keys)?;
                for (analyzer, key) in options.analyzers.iter().zip(&analyzer_keys) {
                    let saved = cached.findings.analyzers.remove(key).unwrap_or_default();
                    if let Err(reason) = analyzer.restore_layer(layer_index, saved) {
                        cache.discard(layer, &format!("malformed `{key}` findings: {reason}"));
                        return None;
                    }
                }
                Some(cached)
            })
            .collect(),
        None => Vec::new(),
    };
    let mut recall = Recall {
        listings: Vec::with_capacity(recalled.len()),
        keep_listings: options.cache.is_some(),
    };
    let mut recalled_findings = Vec::new();
    for (layer_index, cached) in recalled.into_iter().enumerate() {
        match cached {
            Some(CachedLayer { listing, findings }) => {
                recall.listings.push(Some(listing));
                recalled_findings.push((layer_index, findings));
            }
            None => recall.listings.push(None),
        }
    }
    let mut walk = image.walk_recalling(&visitors, options.progress, recall)?;

    if let Some(cache) = options.cache {
        let kept = Kept {
            findings: &findings,
            os_files: &os_files,
            dpkg_file_lists: &dpkg_file_lists,
            analyzers: options.analyzers,
            analyzer_keys: &analyzer_keys,
        };
        keep_in_cache(cache, image, &walk, &kept);
    }
    for (layer_index, recalled) in recalled_findings {
        walk.problems.extend(recalled.problems_at(layer_index));
        if let Ok(mut findings) = findings.lock() {
            for file in recalled.catalogued {
                // `decode_entry` accepted only registered cataloger ids.
                if let Some(id) = cache::cataloger_id(&file.cataloger) {
                    findings.insert((layer_index, file.path, id), file.outcome);
                }
            }
        }
        if let Ok(mut contents) = os_files.contents.lock() {
            for (path, text) in recalled.os_files {
                contents.insert((layer_index, path), text);
            }
        }
        dpkg_file_lists.recall(layer_index, recalled.dpkg_file_lists);
    }
    let hops = image.limits().max_symlink_hops;

    let os_contents = os_files.contents.into_inner().unwrap_or_default();
    let mut final_os_files = BTreeMap::new();
    for path in os::OS_FILES {
        // Resolve symbolic links (`/etc/os-release -> ../usr/lib/os-release`) to the file that
        // is really there, and take that file's content from the layer that wrote it last.
        if let Ok(Some(info)) = walk.view.resolve(path, hops)
            && let Some(text) = os_contents.get(&(info.layer, info.path))
        {
            final_os_files.insert(*path, text.clone());
        }
    }
    let os = os::detect(&final_os_files);

    let mut packages = Vec::new();
    let mut unknowns: Vec<Unknown> = walk
        .problems
        .into_iter()
        .map(|problem| Unknown {
            cataloger: problem.visitor,
            layer_index: problem.layer_index,
            path: problem.path,
            reason: problem.message,
        })
        .collect();
    for ((layer_index, path, cataloger), outcome) in findings.into_inner().unwrap_or_default() {
        if !is_final(&walk.view, layer_index, &path, hops) {
            continue;
        }
        match outcome {
            Ok(found) => {
                for mut package in found {
                    package.layer_index = layer_index;
                    package.layer = image.layers.get(layer_index).map(|l| l.digest.clone());
                    package.path.clone_from(&path);
                    cataloger.clone_into(&mut package.cataloger);
                    package.purl = purl::purl(&package, os.as_ref());
                    packages.push(package);
                }
            }
            Err(reason) => unknowns.push(Unknown {
                cataloger: cataloger.to_owned(),
                layer_index,
                path,
                reason,
            }),
        }
    }
    drop_superseded_lock_files(&mut packages);
    dpkg_file_lists.attach(&mut packages, |layer, path| {
        is_final(&walk.view, layer, path, hops)
    });
    packages.sort();
    packages.dedup();
    unknowns.sort();
    Ok(Pass {
        inventory: Inventory {
            image: identity(image),
            os,
            packages,
            unknowns,
        },
        view: walk.view,
    })
}

/// Where the visitors of a pass keep what they found.
struct Kept<'a> {
    findings: &'a Mutex<BTreeMap<FindingKey, Finding>>,
    os_files: &'a OsFiles,
    dpkg_file_lists: &'a DpkgFileLists,
    analyzers: &'a [&'a dyn LayerAnalyzer],
    analyzer_keys: &'a [String],
}

/// Keep what the walk found in each layer it read.
fn keep_in_cache(cache: &LayerCache, image: &Image, walk: &tollgate_oci::Walk, kept: &Kept<'_>) {
    let (Ok(findings), Ok(os_contents)) = (kept.findings.lock(), kept.os_files.contents.lock())
    else {
        return;
    };
    for (layer_index, listing) in walk.listings.iter().enumerate() {
        let (Some(listing), Some(layer)) = (listing, image.layers.get(layer_index)) else {
            continue;
        };
        let of_layer = (layer_index, String::new())..(layer_index + 1, String::new());
        let layer_findings = LayerFindings {
            catalogued: findings
                .range((layer_index, String::new(), "")..(layer_index + 1, String::new(), ""))
                .map(|((_, path, cataloger), outcome)| CatalogedFile {
                    path: path.clone(),
                    cataloger: (*cataloger).to_owned(),
                    outcome: outcome.clone(),
                })
                .collect(),
            os_files: os_contents
                .range(of_layer)
                .map(|((_, path), text)| (path.clone(), text.clone()))
                .collect(),
            dpkg_file_lists: kept.dpkg_file_lists.of_layer(layer_index),
            analyzers: kept
                .analyzers
                .iter()
                .zip(kept.analyzer_keys)
                .map(|(analyzer, key)| (key.clone(), analyzer.save_layer(layer_index)))
                .collect(),
            problems: walk
                .problems
                .iter()
                .filter(|problem| problem.layer_index == layer_index)
                .map(|problem| {
                    (
                        problem.visitor.clone(),
                        problem.path.clone(),
                        problem.message.clone(),
                    )
                })
                .collect(),
        };
        cache.keep(layer, listing, &layer_findings);
    }
}

/// A lock file says what a project would install; the installed packages, when they are in the
/// image too, say what it has. Lock-file packages of a project whose installed packages were
/// found are dropped (as Trivy and Syft prefer `node_modules` to `package-lock.json`, and
/// Composer's `vendor/composer/installed.json` to `composer.lock`).
/// (lock-file cataloger, cataloger of installed packages, directory of the installed packages)
const SUPERSEDED_LOCK_FILES: &[(&str, &str, &str)] = &[
    ("npm-lock", "node-package", "/node_modules/"),
    ("yarn-lock", "node-package", "/node_modules/"),
    ("pnpm-lock", "node-package", "/node_modules/"),
    ("composer-lock", "composer-installed", "/vendor/composer/"),
];

fn drop_superseded_lock_files(packages: &mut Vec<Package>) {
    let installed_projects: std::collections::BTreeSet<(&str, String)> = packages
        .iter()
        .filter_map(|package| {
            SUPERSEDED_LOCK_FILES
                .iter()
                .find(|(_, installed, _)| *installed == package.cataloger)
                .and_then(|(_, installed, directory)| {
                    let at = package.path.find(directory)?;
                    Some((*installed, package.path[..at].to_owned()))
                })
        })
        .collect();
    if installed_projects.is_empty() {
        return;
    }
    packages.retain(|package| {
        let Some((_, installed, _)) = SUPERSEDED_LOCK_FILES
            .iter()
            .find(|(lock, _, _)| *lock == package.cataloger)
        else {
            return true;
        };
        let project = package.path.rsplit_once('/').map_or("", |(dir, _)| dir);
        !installed_projects.contains(&(*installed, project.to_owned()))
    });
}

/// Whether the file at `path` in the final filesystem is the one `layer_index` wrote.
fn is_final(view: &MergedView, layer_index: usize, path: &str, hops: usize) -> bool {
    view.get(path, hops).is_some_and(|info| {
        info.layer == layer_index && matches!(info.kind, FileKind::File | FileKind::Hardlink)
    })
}

fn identity(image: &Image) -> ImageIdentity {
    let (name, tags) = match image.target() {
        Target::Registry(reference) => (
            Some(reference.name()),
            reference.tag().map(str::to_owned).into_iter().collect(),
        ),
        Target::OciLayout { reference, .. }
        | Target::OciArchive { reference, .. }
        | Target::DockerArchive { reference, .. } => (
            None,
            reference
                .iter()
                .filter(|r| !r.starts_with("sha256:"))
                .cloned()
                .collect(),
        ),
        Target::Rootfs(_) => (None, Vec::new()),
    };
    ImageIdentity {
        target: image.target().to_string(),
        name,
        tags,
        manifest_digest: image.manifest.as_ref().map(|m| m.digest.clone()),
        config_digest: image.config.as_ref().map(|c| c.digest.clone()),
        platform: image.platform.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Ecosystem;

    fn found(cataloger: &str, path: &str, name: &str) -> Package {
        Package {
            cataloger: cataloger.to_owned(),
            path: path.to_owned(),
            ..Package::new(Ecosystem::Npm, name, "1.0.0")
        }
    }

    #[test]
    fn lock_files_give_way_to_installed_packages_of_the_same_project() {
        let mut packages = vec![
            found(
                "node-package",
                "/app/node_modules/lodash/package.json",
                "lodash",
            ),
            found("npm-lock", "/app/package-lock.json", "lodash"),
            found("npm-lock", "/app/package-lock.json", "dev-only"),
            found("yarn-lock", "/other/yarn.lock", "left-pad"),
            found("npm-lock", "/app/sub/package-lock.json", "nested"),
        ];
        drop_superseded_lock_files(&mut packages);
        let kept: Vec<(&str, &str)> = packages
            .iter()
            .map(|p| (p.cataloger.as_str(), p.name.as_str()))
            .collect();
        assert_eq!(
            kept,
            [
                ("node-package", "lodash"),
                ("yarn-lock", "left-pad"),
                ("npm-lock", "nested")
            ]
        );
    }

    #[test]
    fn composer_lock_gives_way_to_the_vendor_directory_of_the_same_project() {
        let composer = |cataloger: &str, path: &str, name: &str| Package {
            ecosystem: Ecosystem::Composer,
            ..found(cataloger, path, name)
        };
        let mut packages = vec![
            composer(
                "composer-installed",
                "/var/www/html/vendor/composer/installed.json",
                "log",
            ),
            composer("composer-lock", "/var/www/html/composer.lock", "log"),
            composer("composer-lock", "/srv/other/composer.lock", "yaml"),
            composer("composer-installed", "/vendor/composer/installed.json", "a"),
            composer("composer-lock", "/composer.lock", "a"),
            // An installed npm package does not supersede a composer.lock, nor the reverse.
            found(
                "node-package",
                "/srv/other/node_modules/x/package.json",
                "x",
            ),
            found("npm-lock", "/var/www/html/package-lock.json", "y"),
        ];
        drop_superseded_lock_files(&mut packages);
        let kept: Vec<(&str, &str)> = packages
            .iter()
            .map(|p| (p.cataloger.as_str(), p.path.as_str()))
            .collect();
        assert_eq!(
            kept,
            [
                (
                    "composer-installed",
                    "/var/www/html/vendor/composer/installed.json"
                ),
                ("composer-lock", "/srv/other/composer.lock"),
                ("composer-installed", "/vendor/composer/installed.json"),
                ("node-package", "/srv/other/node_modules/x/package.json"),
                ("npm-lock", "/var/www/html/package-lock.json"),
            ]
        );
    }
}
