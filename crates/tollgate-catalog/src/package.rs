//! The package model: one installed package, exactly as its database records it, with where it
//! was found.

use std::fmt;

use tollgate_oci::Digest;

/// A package ecosystem. The names are those of purl types (and of the ground-truth lists).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Ecosystem {
    /// Debian packages (dpkg).
    Deb,
    /// RPM packages.
    Rpm,
    /// Alpine packages.
    Apk,
    /// Python (PyPI).
    Pypi,
    /// Node.js (npm).
    Npm,
    /// Go modules.
    Golang,
    /// Rust crates.
    Cargo,
    /// Java (Maven coordinates).
    Maven,
    /// Ruby gems.
    Gem,
    /// PHP (Composer).
    Composer,
    /// .NET (NuGet).
    Nuget,
    /// Conda packages (Anaconda, conda-forge), from an environment's `conda-meta`.
    Conda,
}

impl Ecosystem {
    /// The purl type, which is also the stable name used in reports.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Deb => "deb",
            Self::Rpm => "rpm",
            Self::Apk => "apk",
            Self::Pypi => "pypi",
            Self::Npm => "npm",
            Self::Golang => "golang",
            Self::Cargo => "cargo",
            Self::Maven => "maven",
            Self::Gem => "gem",
            Self::Composer => "composer",
            Self::Nuget => "nuget",
            Self::Conda => "conda",
        }
    }

    /// Whether this is a distribution's package manager (its packages carry a distro).
    #[must_use]
    pub fn is_os(self) -> bool {
        matches!(self, Self::Deb | Self::Rpm | Self::Apk)
    }
}

impl fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One installed package.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct Package {
    /// Name as installed (`libc6`, `Jinja2`, `org.apache.logging.log4j:log4j-core` for maven
    /// is split into `namespace` and `name`).
    pub name: String,
    /// Version exactly as installed: deb `[epoch:]upstream[-revision]`, rpm
    /// `[epoch:]version-release`, apk `V:`.
    pub version: String,
    /// Ecosystem.
    pub ecosystem: Ecosystem,
    /// Namespace for ecosystems that have one (maven group id, npm scope, go module path prefix
    /// is part of the name instead).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Package URL, set once the OS is known (OS packages carry their distro).
    pub purl: String,
    /// Source package (deb `Source:`, rpm from `SOURCERPM`, apk origin `o:`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_name: Option<String>,
    /// Source package version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_version: Option<String>,
    /// Architecture.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arch: Option<String>,
    /// rpm epoch, kept apart for the purl qualifier (it is also in `version`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub epoch: Option<String>,
    /// Licenses as declared.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub licenses: Vec<String>,
    /// Vendor or maintainer, when the database has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    /// Digest of the layer that holds the record (the one that introduced this state).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<Digest>,
    /// Index of that layer.
    pub layer_index: usize,
    /// The file the package was found in, e.g. `/var/lib/dpkg/status`.
    pub path: String,
    /// Id of the cataloger that found it.
    pub cataloger: String,
    /// The files the package installed, absolute, as its package manager recorded them (dpkg
    /// `info/<name>.list`, apk `F:`/`R:`, rpm's file list); empty for ecosystems that keep no
    /// such list. Later stages use it to tell files an OS package owns from files added beside
    /// the package manager.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
}

impl Package {
    /// A package with its identity; everything else empty, to be filled with `..`.
    #[must_use]
    pub fn new(ecosystem: Ecosystem, name: impl Into<String>, version: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            version: version.into(),
            ecosystem,
            namespace: None,
            purl: String::new(),
            source_name: None,
            source_version: None,
            arch: None,
            epoch: None,
            licenses: Vec::new(),
            vendor: None,
            layer: None,
            layer_index: 0,
            path: String::new(),
            cataloger: String::new(),
            files: Vec::new(),
        }
    }
}

/// The operating system of an image.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct OsInfo {
    /// Family: debian, ubuntu, alpine, rhel, centos, rocky, alma, fedora, amazon, oracle, sles,
    /// opensuse, photon, mariner, azurelinux, wolfi, chainguard.
    pub family: String,
    /// Version (`12`, `3.18.0`, `8.8`, `2.0`), or the codename when there is no number yet.
    pub version: String,
    /// Codename (`bookworm`), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub codename: Option<String>,
    /// `PRETTY_NAME`, for people.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pretty_name: Option<String>,
}
