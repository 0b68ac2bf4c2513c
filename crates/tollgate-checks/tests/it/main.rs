//! Integration tests of tollgate-checks.

mod config_images;
mod config_rules;
mod config_support;
