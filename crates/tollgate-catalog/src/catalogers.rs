//! Every cataloger, one module each, listed once (as ripgrep lists its flags): adding one is one
//! file plus one line here.

use crate::cataloger::Cataloger;

mod apk;
mod dpkg;
mod elf;
mod golang;
mod node;
mod python;
mod rpm;
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
];

/// Every cataloger's (id, version): part of the key under which per-layer results are cached,
/// so that a changed cataloger never reuses stale results.
#[must_use]
pub fn cataloger_versions() -> Vec<(&'static str, u32)> {
    CATALOGERS.iter().map(|c| (c.id(), c.version())).collect()
}
