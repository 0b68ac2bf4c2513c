//! Every cataloger, one module each, listed once (as ripgrep lists its flags): adding one is one
//! file plus one line here.

use crate::cataloger::Cataloger;

mod apk;
mod conda;
mod dotnet;
mod dpkg;
mod elf;
mod golang;
mod java;
mod node;
mod php;
mod python;
mod rpm;
mod ruby;
mod rust;

pub(crate) use dpkg::DpkgFileLists;

/// All catalogers, in the order their results are listed.
pub(crate) const CATALOGERS: &[&dyn Cataloger] = &[
    &dpkg::DpkgDb,
    &rpm::RpmDb,
    &rpm::RpmManifest,
    &apk::ApkDb,
    &python::PythonPackage,
    &node::NodePackage,
    &node::NpmLock,
    &node::YarnLock,
    &node::PnpmLock,
    &golang::GoBinary,
    &rust::RustBinary,
    &rust::CargoLock,
    &java::JavaArchive,
    &ruby::RubyGemspec,
    &php::ComposerInstalled,
    &php::ComposerLock,
    &dotnet::DotnetDeps,
    &conda::CondaMeta,
];

/// Every cataloger's (id, version): part of the key under which per-layer results are cached,
/// so that a changed cataloger never reuses stale results.
#[must_use]
pub fn cataloger_versions() -> Vec<(&'static str, u32)> {
    CATALOGERS.iter().map(|c| (c.id(), c.version())).collect()
}
