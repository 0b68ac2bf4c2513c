//! What makes an image unsafe besides its CVEs: configuration and hardening rules over the
//! image's config and final filesystem ([`config`]), and secrets in the files of every layer,
//! including files a later layer deleted or replaced, which still ship in the image
//! ([`secrets`]).
//!
//! Every rule has a stable id (`TG-CFG-…`, `TG-SEC-…`), a severity, a title and a remedy; a
//! run can disable rules or re-rate them ([`RuleOverrides`]).
#![warn(missing_docs, clippy::unwrap_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::panic))]

pub mod config;
mod model;
pub mod secrets;

pub use model::{CheckFinding, Evidence, RuleOverrides, SecretFinding};
