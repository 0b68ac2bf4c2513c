//! The report for people: a summary line, then one table per part of the image (the OS
//! packages, then each place language packages were found), severity in colour on a terminal.

use std::collections::BTreeMap;
use std::io::Write;

use owo_colors::OwoColorize;
use tollgate_match::Finding;

use crate::{RenderOptions, ScanReport};

/// Write `rows` under `header`, each column as wide as its widest cell, indented by two spaces.
/// The header is bold and `style` may colour a cell (after padding, so colours do not disturb
/// the alignment) when `colours` is set.
pub fn write_table<const N: usize>(
    out: &mut dyn Write,
    header: [&str; N],
    rows: &[[String; N]],
    colours: bool,
    style: &dyn Fn(usize, &str, String) -> String,
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
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(column, (cell, width))| {
                let padded = format!("{cell:<width$}");
                if colours && i > 0 {
                    style(column, cell, padded)
                } else {
                    padded
                }
            })
            .collect();
        let line = cells.join("  ");
        let line = line.trim_end();
        if i == 0 && colours {
            writeln!(out, "  {}", line.bold())?;
        } else {
            writeln!(out, "  {line}")?;
        }
    }
    Ok(())
}

/// A severity's colour, as Trivy and Grype use them.
#[must_use]
pub fn paint_severity(severity: &str, padded: String) -> String {
    match severity {
        "CRITICAL" => padded.red().bold().to_string(),
        "HIGH" => padded.red().to_string(),
        "MEDIUM" => padded.yellow().to_string(),
        "LOW" => padded.blue().to_string(),
        _ => padded.dimmed().to_string(),
    }
}

/// Where a package was found, as a group heading: OS packages together, language packages by
/// the directory or file that holds them (a site-packages directory, a project with
/// `node_modules`, a jar, a binary).
fn group_of(finding: &Finding) -> (u8, String) {
    let package = &finding.package;
    let os = matches!(package.ecosystem.as_str(), "deb" | "rpm" | "apk");
    if os {
        return (0, String::new());
    }
    let path = package.path.as_str();
    let parent = |p: &str| p.rsplit_once('/').map_or(String::new(), |(d, _)| d.to_owned());
    let location = match package.ecosystem.as_str() {
        "pypi" if path.ends_with("/METADATA") || path.ends_with("/PKG-INFO") => parent(&parent(path)),
        "pypi" => parent(path),
        "npm" => path
            .find("/node_modules/")
            .map_or_else(|| path.to_owned(), |at| path[..at].to_owned()),
        _ => path.to_owned(),
    };
    (1, format!("{location} ({})", package.ecosystem))
}

pub(crate) fn render(
    report: &ScanReport,
    options: RenderOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let os = report
        .os
        .as_ref()
        .map(|os| format!(" ({} {})", os.family, os.version))
        .unwrap_or_default();
    writeln!(out, "{}{os}", report.target)?;
    let counts: Vec<String> = report
        .summary
        .by_severity
        .iter()
        .map(|(severity, count)| format!("{}: {count}", severity.as_str()))
        .collect();
    writeln!(
        out,
        "Total: {} ({}), {} suppressed, {} fixable; {} packages",
        report.findings.len(),
        counts.join(", "),
        report.summary.suppressed,
        report.summary.fixable,
        report.summary.packages
    )?;
    if let Some(db) = &report.db {
        writeln!(out, "DB: {} ({}, built {})", db.path, db.content_digest, db.built_at)?;
    }
    for warning in &report.warnings {
        writeln!(out, "warning: {warning}")?;
    }

    let mut groups: BTreeMap<(u8, String), Vec<&Finding>> = BTreeMap::new();
    for finding in &report.findings {
        groups.entry(group_of(finding)).or_default().push(finding);
    }
    for ((kind, location), mut findings) in groups {
        writeln!(out)?;
        if kind == 0 {
            let family = report.os.as_ref().map_or("OS", |os| os.family.as_str());
            writeln!(out, "OS packages ({family})")?;
        } else {
            writeln!(out, "{location}")?;
        }
        // Worst first, then by package and id.
        findings.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then_with(|| a.package.name.cmp(&b.package.name))
                .then_with(|| a.vulnerability_id.cmp(&b.vulnerability_id))
        });
        let rows: Vec<[String; 7]> = findings
            .iter()
            .map(|f| {
                [
                    f.package.name.clone(),
                    f.vulnerability_id.clone(),
                    f.severity.as_str().to_owned(),
                    match f.status {
                        tollgate_match::Status::Fixed => "fixed".to_owned(),
                        tollgate_match::Status::Unfixed => "unfixed".to_owned(),
                    },
                    f.package.version.clone(),
                    f.fixed_version.clone().unwrap_or_default(),
                    f.summary.as_deref().map(|s| shorten(s, 60)).unwrap_or_default(),
                ]
            })
            .collect();
        write_table(
            out,
            ["PACKAGE", "VULNERABILITY", "SEVERITY", "STATUS", "INSTALLED", "FIXED IN", "TITLE"],
            &rows,
            options.colours,
            &|column, cell, padded| {
                if column == 2 {
                    paint_severity(cell, padded)
                } else {
                    padded
                }
            },
        )?;
    }
    if !report.suppressed.is_empty() {
        writeln!(out)?;
        writeln!(out, "Suppressed")?;
        let rows: Vec<[String; 4]> = report
            .suppressed
            .iter()
            .map(|s| {
                [
                    s.finding.package.name.clone(),
                    s.finding.vulnerability_id.clone(),
                    s.reason.clone(),
                    s.source.clone(),
                ]
            })
            .collect();
        write_table(out, ["PACKAGE", "VULNERABILITY", "REASON", "BY"], &rows, options.colours, &|_, _, p| p)?;
    }
    for diagnostic in &report.diagnostics {
        writeln!(
            out,
            "warning: {} {} and {}: {}",
            diagnostic.package.name, diagnostic.package.version, diagnostic.advisory_id, diagnostic.reason
        )?;
    }
    let not_covered: usize = report.not_covered.len();
    if not_covered > 0 {
        let mut reasons: BTreeMap<&str, usize> = BTreeMap::new();
        for item in &report.not_covered {
            *reasons.entry(item.reason.as_str()).or_default() += 1;
        }
        for (reason, count) in reasons {
            writeln!(out, "note: {count} packages not checked: {reason}")?;
        }
    }
    for unknown in &report.unknowns {
        writeln!(
            out,
            "warning: {} could not read {} (layer {}): {}",
            unknown.cataloger, unknown.path, unknown.layer_index, unknown.reason
        )?;
    }
    Ok(())
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let cut: String = text.chars().take(max - 1).collect();
        format!("{cut}…")
    }
}
