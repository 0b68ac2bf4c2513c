//! Scan reports: one model ([`ScanReport`]) and one module per output format. The JSON form is
//! tollgate's stable schema (`tollgate.report/v1`, see DESIGN.md); the others are what CI
//! systems, code-scanning dashboards and people read.

mod model;
mod table;

pub use model::{DbSummary, SCHEMA, ScanReport, Summary};
pub use table::{paint_severity, write_table};

use std::io::Write;

/// The output formats of `tollgate scan`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Aligned tables for people, grouped by where the packages were found.
    Table,
    /// `tollgate.report/v1`.
    Json,
}

/// How to render.
#[derive(Clone, Copy, Debug, Default)]
pub struct RenderOptions {
    /// Severity colours (a terminal).
    pub colours: bool,
}

/// Write `report` in `format`.
///
/// # Errors
/// When writing fails.
pub fn render(
    report: &ScanReport,
    format: Format,
    options: RenderOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match format {
        Format::Table => table::render(report, options, out),
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, report)?;
            writeln!(out)
        }
    }
}
