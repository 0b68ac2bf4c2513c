//! `tollgate inspect <target>`: manifest, platform, config and layers (with what each adds and
//! removes), as a table or as JSON.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use owo_colors::OwoColorize;
use tollgate_oci::{ConfigSummary, Digest, Layer, LayerStats, ManifestInfo, Platform};

use crate::args::{Format, InspectArgs};
use crate::printer::Printer;
use crate::progress::LayerBars;

#[derive(serde::Serialize)]
struct InspectReport<'a> {
    schema: &'static str,
    target: String,
    manifest: Option<&'a ManifestInfo>,
    platform: Option<&'a Platform>,
    config_digest: Option<&'a Digest>,
    config: Option<ConfigSummary>,
    layers: Vec<LayerReport<'a>>,
    files: usize,
}

#[derive(serde::Serialize)]
struct LayerReport<'a> {
    #[serde(flatten)]
    layer: &'a Layer,
    #[serde(flatten)]
    stats: &'a LayerStats,
}

pub(crate) fn run(args: &InspectArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    let image = crate::commands::open_image(&args.target, &args.image, None)?;
    let bars = printer
        .wants_progress()
        .then(|| LayerBars::new(&image.layers));
    let walk = image
        .walk(&[], bars.as_ref().map(|b| b as &dyn tollgate_oci::Progress))
        .with_context(|| format!("failed to read the layers of `{}`", image.target()))?;
    drop(bars);
    let report = InspectReport {
        schema: "tollgate.inspect/v1",
        target: image.target().to_string(),
        manifest: image.manifest.as_ref(),
        platform: image.platform.as_ref(),
        config_digest: image.config.as_ref().map(|c| &c.digest),
        config: image.config_summary(),
        layers: image
            .layers
            .iter()
            .zip(&walk.layers)
            .map(|(layer, stats)| LayerReport { layer, stats })
            .collect(),
        files: walk.view.len(),
    };
    let mut out = printer.stdout();
    match args.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        }
        Format::Table => write_table(&mut out, &report, printer.colours())?,
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn write_table(
    out: &mut impl Write,
    report: &InspectReport<'_>,
    colours: bool,
) -> anyhow::Result<()> {
    let heading = |text: &str| {
        if colours {
            text.bold().to_string()
        } else {
            text.to_owned()
        }
    };
    let field = |out: &mut dyn Write, name: &str, value: &str| {
        writeln!(
            out,
            "{:<14}{}",
            name,
            if value.is_empty() { "-" } else { value }
        )
    };
    field(out, "Target", &report.target)?;
    if let Some(manifest) = report.manifest {
        let note = if manifest.synthesized {
            ", synthesised from a legacy docker archive"
        } else {
            ""
        };
        field(
            out,
            "Manifest",
            &format!(
                "{} ({}, {} bytes{note})",
                manifest.digest, manifest.media_type, manifest.size
            ),
        )?;
        if let Some(index) = &manifest.index_digest {
            field(out, "Index", &index.to_string())?;
        }
    }
    if let Some(platform) = report.platform {
        field(out, "Platform", &platform.to_string())?;
    }
    if let Some(digest) = report.config_digest {
        field(out, "Config", &digest.to_string())?;
    }
    if let Some(config) = &report.config {
        let user = if config.user.is_empty() {
            "(root: no USER set)".to_owned()
        } else {
            config.user.clone()
        };
        field(out, "  User", &user)?;
        field(out, "  Entrypoint", &shell_words(&config.entrypoint))?;
        field(out, "  Cmd", &shell_words(&config.cmd))?;
        field(out, "  WorkingDir", &config.working_dir)?;
        field(out, "  Ports", &config.exposed_ports.join(", "))?;
        field(
            out,
            "  Created",
            config.created.as_deref().unwrap_or_default(),
        )?;
        for (i, env) in config.env.iter().enumerate() {
            field(out, if i == 0 { "  Env" } else { "" }, env)?;
        }
        for (i, (key, value)) in config.labels.iter().enumerate() {
            field(
                out,
                if i == 0 { "  Labels" } else { "" },
                &format!("{key}={value}"),
            )?;
        }
    }
    writeln!(
        out,
        "{}",
        heading(&format!(
            "Layers ({}), {} paths in the final filesystem",
            report.layers.len(),
            report.files
        ))
    )?;
    let rows: Vec<[String; 7]> = report
        .layers
        .iter()
        .map(|l| {
            [
                l.layer.index.to_string(),
                format!("{}…", &l.layer.digest.to_string()[..19]),
                human_size(l.layer.size),
                short_media_type(&l.layer.media_type),
                format!("+{}", l.stats.files_added),
                format!("-{}", l.stats.files_removed),
                l.layer
                    .created_by
                    .clone()
                    .unwrap_or_default()
                    .chars()
                    .take(70)
                    .collect(),
            ]
        })
        .collect();
    crate::table::write_table(
        out,
        [
            "#",
            "DIGEST",
            "SIZE",
            "TYPE",
            "ADDED",
            "REMOVED",
            "CREATED BY",
        ],
        &rows,
        colours,
    )?;
    Ok(())
}

/// `application/vnd.oci.image.layer.v1.tar+gzip` → `oci tar+gzip`; unknown types in full.
fn short_media_type(media_type: &str) -> String {
    [
        ("application/vnd.oci.image.layer.v1.", "oci "),
        (
            "application/vnd.oci.image.layer.nondistributable.v1.",
            "oci foreign ",
        ),
        ("application/vnd.docker.image.rootfs.diff.", "docker "),
        (
            "application/vnd.docker.image.rootfs.foreign.diff.",
            "docker foreign ",
        ),
    ]
    .iter()
    .find_map(|(prefix, short)| {
        media_type
            .strip_prefix(prefix)
            .map(|rest| format!("{short}{rest}"))
    })
    .unwrap_or_else(|| media_type.to_owned())
}

fn shell_words(words: &[String]) -> String {
    if words.is_empty() {
        return String::new();
    }
    serde_json::to_string(words).unwrap_or_default()
}

fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}
