//! Integration tests of tollgate-checks.

mod config_images;
mod config_rules;
mod config_support;
mod secrets_cache;
mod secrets_corpus;
mod secrets_images;
