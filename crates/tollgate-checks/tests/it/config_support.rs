//! Helpers for the configuration-rule tests: real images (shared ones, or root filesystems
//! written into a temporary directory) analysed in one pass with the `config-files` analyzer.

use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;

use tollgate_catalog::{InventoryOptions, LayerCache, Pass, analyse};
use tollgate_checks::config::{ConfigFiles, Context, Date, ImageConfig, check_image};
use tollgate_checks::{CheckFinding, RuleOverrides};
use tollgate_oci::{Image, OpenOptions, Progress, Target};

/// The day the shared-image expectations are stated for (end-of-life rows depend on it).
pub(crate) fn today() -> Date {
    Date::new(2026, 11, 23).unwrap()
}

/// An image after one pass with the `config-files` analyzer riding along.
pub(crate) struct Scanned {
    pub(crate) image: Image,
    pub(crate) pass: Pass,
    pub(crate) files: ConfigFiles,
}

impl Scanned {
    pub(crate) fn open(target: &str) -> Self {
        Self::open_with(target, None, None)
    }

    pub(crate) fn open_with(
        target: &str,
        cache: Option<&LayerCache>,
        progress: Option<&dyn Progress>,
    ) -> Self {
        let image = Image::open(&Target::parse(target).unwrap(), &OpenOptions::default()).unwrap();
        let files = ConfigFiles::default();
        let pass = analyse(
            &image,
            InventoryOptions {
                analyzers: &[&files],
                cache,
                progress,
            },
        )
        .unwrap();
        Self { image, pass, files }
    }

    pub(crate) fn context(&self, today: Date) -> Context<'_> {
        Context::new(&self.image, &self.pass, &self.files, today)
    }

    /// The findings with `config` in place of the image's (a root filesystem has none).
    pub(crate) fn findings_with(&self, config: Option<&str>, today: Date) -> Vec<CheckFinding> {
        let mut context = self.context(today);
        if let Some(config) = config {
            context.config = Some(ImageConfig::from_json(config.as_bytes()).unwrap());
        }
        check_image(&context, &RuleOverrides::default())
    }

    pub(crate) fn findings(&self) -> Vec<CheckFinding> {
        check_image(&self.context(today()), &RuleOverrides::default())
    }
}

/// The ids of `findings`, in their order.
pub(crate) fn ids(findings: &[CheckFinding]) -> Vec<&str> {
    findings.iter().map(|f| f.id.as_str()).collect()
}

/// The finding of rule `id`, if it was reported.
pub(crate) fn finding<'a>(findings: &'a [CheckFinding], id: &str) -> Option<&'a CheckFinding> {
    findings.iter().find(|f| f.id == id)
}

/// (path, detail) of every piece of evidence of rule `id`.
pub(crate) fn paths(findings: &[CheckFinding], id: &str) -> Vec<(String, String)> {
    finding(findings, id).map_or_else(Vec::new, |f| {
        f.evidence
            .iter()
            .map(|e| (e.path.clone().unwrap_or_default(), e.detail.clone()))
            .collect()
    })
}

/// A root filesystem being written.
pub(crate) struct Rootfs {
    pub(crate) dir: tempfile::TempDir,
}

impl Rootfs {
    pub(crate) fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn at(&self, path: &str) -> std::path::PathBuf {
        self.dir.path().join(path.trim_start_matches('/'))
    }

    pub(crate) fn dir(&self, path: &str, mode: u32) -> &Self {
        let at = self.at(path);
        fs_err::create_dir_all(&at).unwrap();
        fs_err::set_permissions(&at, std::fs::Permissions::from_mode(mode)).unwrap();
        self
    }

    pub(crate) fn file(&self, path: &str, content: &str, mode: u32) -> &Self {
        let at = self.at(path);
        if let Some(parent) = at.parent() {
            fs_err::create_dir_all(parent).unwrap();
        }
        fs_err::write(&at, content).unwrap();
        fs_err::set_permissions(&at, std::fs::Permissions::from_mode(mode)).unwrap();
        self
    }

    pub(crate) fn link(&self, path: &str, target: &str) -> &Self {
        let at = self.at(path);
        if let Some(parent) = at.parent() {
            fs_err::create_dir_all(parent).unwrap();
        }
        symlink(target, &at).unwrap();
        self
    }

    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    pub(crate) fn scan(&self) -> Scanned {
        Scanned::open(&format!("rootfs:{}", self.path().display()))
    }
}
