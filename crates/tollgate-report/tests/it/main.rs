//! Integration tests of tollgate-report: golden files of every format over one realistic report,
//! and the real validators over them (see `validators`).
#![allow(clippy::unwrap_used, clippy::panic, missing_docs)]

mod fixture;
mod golden;
mod validators;
