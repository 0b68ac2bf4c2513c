//! The report for people: a summary line, then one table per part of the image (the OS
//! packages, then each place language packages were found), severity in colour on a terminal.

use std::collections::BTreeMap;
use std::io::Write;

use owo_colors::OwoColorize;
use tollgate_match::Finding;

use crate::checks::{self, NOT_IN_FINAL_IMAGE};
use crate::escape::terminal;
use crate::group::{self, Group};
use crate::{RenderOptions, ScanReport};

/// Write `rows` under `header`, each column as wide as its widest cell, indented by two spaces.
/// The header is bold and `style` may colour a cell (after padding, so colours do not disturb
/// the alignment) when `colours` is set. Control characters in cells are shown escaped (see
/// `escape::terminal`): cells hold names from images and feeds, which must not drive the terminal.
pub fn write_table<const N: usize>(
    out: &mut dyn Write,
    header: [&str; N],
    rows: &[[String; N]],
    colours: bool,
    style: &dyn Fn(usize, &str, String) -> String,
) -> std::io::Result<()> {
    let header = header.map(terminal);
    let rows: Vec<[String; N]> = rows
        .iter()
        .map(|row| row.each_ref().map(|cell| terminal(cell)))
        .collect();
    let rows = rows.as_slice();
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
    writeln!(out, "{}{}", terminal(&report.target), terminal(&os))?;
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
    let other_counts = [
        (
            "Configuration",
            report.checks.len(),
            &report.summary.checks_by_severity,
        ),
        (
            "Secrets",
            report.secrets.len(),
            &report.summary.secrets_by_severity,
        ),
    ];
    for (label, total, by_severity) in other_counts {
        if total > 0 {
            let counts: Vec<String> = by_severity
                .iter()
                .map(|(severity, count)| format!("{}: {count}", severity.as_str()))
                .collect();
            writeln!(out, "{label}: {total} ({})", counts.join(", "))?;
        }
    }
    if let Some(db) = &report.db {
        let line = format!(
            "DB: {} ({}, built {})",
            db.path, db.content_digest, db.built_at
        );
        writeln!(out, "{}", terminal(&line))?;
    }
    for warning in &report.warnings {
        writeln!(out, "warning: {}", terminal(warning))?;
    }

    let mut groups: BTreeMap<Group, Vec<&Finding>> = BTreeMap::new();
    for finding in &report.findings {
        groups
            .entry(Group::of_finding(&finding.package))
            .or_default()
            .push(finding);
    }
    for (group, mut findings) in groups {
        writeln!(out)?;
        writeln!(out, "{}", terminal(&group.label(report.os.as_ref())))?;
        findings.sort_by(|a, b| group::worst_first(a, b));
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
                    f.summary
                        .as_deref()
                        .map(|s| shorten(s, 60))
                        .unwrap_or_default(),
                ]
            })
            .collect();
        write_table(
            out,
            [
                "PACKAGE",
                "VULNERABILITY",
                "SEVERITY",
                "STATUS",
                "INSTALLED",
                "FIXED IN",
                "TITLE",
            ],
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
        let mut suppressed: Vec<_> = report.suppressed.iter().collect();
        suppressed.sort_by(|a, b| {
            group::worst_first(&a.finding, &b.finding)
                .then_with(|| a.reason.cmp(&b.reason))
                .then_with(|| a.source.cmp(&b.source))
        });
        let rows: Vec<[String; 4]> = suppressed
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
        write_table(
            out,
            ["PACKAGE", "VULNERABILITY", "REASON", "BY"],
            &rows,
            options.colours,
            &|_, _, p| p,
        )?;
    }
    configuration(report, options, out)?;
    secrets(report, options, out)?;
    for diagnostic in &report.diagnostics {
        let line = format!(
            "{} {} and {}: {}",
            diagnostic.package.name,
            diagnostic.package.version,
            diagnostic.advisory_id,
            diagnostic.reason
        );
        writeln!(out, "warning: {}", terminal(&line))?;
    }
    let not_covered: usize = report.not_covered.len();
    if not_covered > 0 {
        let mut reasons: BTreeMap<&str, usize> = BTreeMap::new();
        for item in &report.not_covered {
            *reasons.entry(item.reason.as_str()).or_default() += 1;
        }
        for (reason, count) in reasons {
            writeln!(
                out,
                "note: {count} packages not checked: {}",
                terminal(reason)
            )?;
        }
    }
    for unknown in &report.unknowns {
        let line = format!(
            "{} could not read {} (layer {}): {}",
            unknown.cataloger, unknown.path, unknown.layer_index, unknown.reason
        );
        writeln!(out, "warning: {}", terminal(&line))?;
    }
    Ok(())
}

/// The configuration findings, worst first, each with its first piece of evidence.
fn configuration(
    report: &ScanReport,
    options: RenderOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    if report.checks.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "Configuration")?;
    let rows: Vec<[String; 4]> = checks::sorted_checks(report)
        .into_iter()
        .map(|check| {
            [
                check.id.clone(),
                check.severity.as_str().to_owned(),
                shorten(&check.title, 60),
                checks::first_evidence(check, &|text| shorten(text, 70)),
            ]
        })
        .collect();
    write_table(
        out,
        ["ID", "SEVERITY", "TITLE", "EVIDENCE"],
        &rows,
        options.colours,
        &|column, cell, padded| {
            if column == 1 {
                paint_severity(cell, padded)
            } else {
                padded
            }
        },
    )
}

/// The secrets, worst first, with the layer that holds each and whether a later layer removed
/// its file.
fn secrets(
    report: &ScanReport,
    options: RenderOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    if report.secrets.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "Secrets")?;
    let secrets = checks::sorted_secrets(report);
    let rows: Vec<[String; 8]> = secrets
        .iter()
        .map(|secret| {
            [
                secret.rule_id.clone(),
                secret.severity.as_str().to_owned(),
                shorten(&secret.title, 40),
                secret.path.clone(),
                secret.line.to_string(),
                checks::layer_text(Some(secret.layer_index), secret.layer.as_ref())
                    .unwrap_or_default()
                    .trim_start_matches("layer ")
                    .to_owned(),
                if secret.in_final_image {
                    String::new()
                } else {
                    "yes".to_owned()
                },
                shorten(&secret.redacted, 60),
            ]
        })
        .collect();
    write_table(
        out,
        [
            "RULE",
            "SEVERITY",
            "TITLE",
            "PATH",
            "LINE",
            "LAYER",
            "DELETED LATER",
            "MATCH (REDACTED)",
        ],
        &rows,
        options.colours,
        &|column, cell, padded| {
            if column == 1 {
                paint_severity(cell, padded)
            } else {
                padded
            }
        },
    )?;
    if secrets.iter().any(|secret| !secret.in_final_image) {
        writeln!(out, "  DELETED LATER: the file was {NOT_IN_FINAL_IMAGE}.")?;
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

#[cfg(test)]
mod tests {
    use crate::Format;
    use crate::testing::{hostile, rendered};

    #[test]
    fn hostile_text_cannot_drive_the_terminal() {
        let table = rendered(&hostile(), Format::Table);
        assert!(!table.contains(['\u{1b}', '\u{0}', '\u{202e}']), "{table}");
        assert!(table.contains("demo<script>alert(1)</script>]]>"));
        assert!(table.contains("\\u{1b}[2J\\u{0}\\u{202e}"), "{table}");
        // One line per row: a line break in a title does not forge a row.
        assert!(table.contains("title <script>"));
        assert!(!table.lines().any(|line| line.starts_with("second line")));
        assert!(
            !table
                .lines()
                .any(|line| line.contains("second line") && !line.contains("\\n"))
        );
        // The configuration findings and secrets have their sections, their text escaped too.
        assert!(table.contains("\nConfiguration\n  ID "), "{table}");
        assert!(table.contains("\nSecrets\n  RULE "), "{table}");
        assert!(table.contains("TG-CFG-001<script>alert(1)</script>"));
        assert!(table.contains("config.User<script>"));
        assert!(table.contains("(+1 more)"), "{table}");
        assert!(table.contains("-----BEGIN <script>"), "{table}");
        assert!(
            table
                .contains("Configuration: 2 (UNKNOWN: 0, LOW: 0, MEDIUM: 1, HIGH: 1, CRITICAL: 0)")
        );
        assert!(table.contains("Secrets: 2 (UNKNOWN: 0, LOW: 0, MEDIUM: 0, HIGH: 1, CRITICAL: 1)"));
        assert!(table.contains("DELETED LATER: the file was deleted or replaced"));
    }

    #[test]
    fn no_checks_or_secrets_no_sections() {
        let mut report = hostile();
        report.checks.clear();
        report.secrets.clear();
        let table = rendered(&report, Format::Table);
        for absent in ["Configuration", "Secrets", "DELETED LATER"] {
            assert!(!table.contains(absent), "{absent}");
        }
    }
}
