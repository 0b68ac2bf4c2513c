//! Integration tests of tollgate-vulndb on the real feeds in ../shared/data.
#![allow(clippy::unwrap_used, clippy::panic, missing_docs)]

mod real_feeds;
mod signature;
mod update;
