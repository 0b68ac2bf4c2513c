//! What is installed in an image: the operating system and every package, OS and language, found
//! in one pass over the layers, with the layer and file each came from.
#![warn(missing_docs, clippy::unwrap_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::panic))]

mod cache;
mod cataloger;
mod catalogers;
mod collect;
mod inventory;
mod json;
mod os;
mod package;
mod purl;
pub mod sbom;

pub use cache::LayerCache;
pub use cataloger::CatalogError;
pub use catalogers::cataloger_versions;
pub use collect::{InventoryOptions, LayerAnalyzer, Pass, analyse, inventory, inventory_with};
pub use inventory::{ImageIdentity, Inventory, Unknown};
pub use package::{Ecosystem, OsInfo, Package};
