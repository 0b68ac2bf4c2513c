//! Aligned text tables for people.

use std::io::Write;

use owo_colors::OwoColorize;

/// Write `rows` under `header`, each column as wide as its widest cell, indented by two spaces.
/// The header is bold when `colours` is set.
pub(crate) fn write_table<const N: usize>(
    out: &mut dyn Write,
    header: [&str; N],
    rows: &[[String; N]],
    colours: bool,
) -> std::io::Result<()> {
    let header = header.map(str::to_owned);
    let widths: Vec<usize> = (0..N)
        .map(|c| {
            rows.iter()
                .chain(std::iter::once(&header))
                .map(|r| r[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for (i, row) in std::iter::once(&header).chain(rows).enumerate() {
        let line = row
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect::<Vec<_>>()
            .join("  ");
        let line = line.trim_end();
        if i == 0 && colours {
            writeln!(out, "  {}", line.bold())?;
        } else {
            writeln!(out, "  {line}")?;
        }
    }
    Ok(())
}
