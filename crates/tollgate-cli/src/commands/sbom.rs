//! `tollgate sbom <target>`: every package in the image, as a table, tollgate's JSON, CycloneDX
//! 1.6 or SPDX 2.3.

use std::io::Write;
use std::process::ExitCode;

use tollgate_catalog::Inventory;
use tollgate_catalog::sbom::{SbomOptions, to_cyclonedx, to_spdx};

use crate::args::{SbomArgs, SbomFormat};
use crate::printer::Printer;

#[derive(serde::Serialize)]
struct SbomReport<'a> {
    schema: &'static str,
    #[serde(flatten)]
    inventory: &'a Inventory,
}

pub(crate) fn run(args: &SbomArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    let image = crate::commands::open_image(&args.target, &args.image, Some(&args.cache))?;
    let inventory = crate::commands::analyse_image(&image, &args.cache, &[], printer)?.inventory;
    if args.attest.attest {
        let (predicate_type, predicate) = match args.format {
            SbomFormat::CyclonedxJson => (
                "https://cyclonedx.org/bom",
                serde_json::to_value(to_cyclonedx(&inventory, &sbom_options()))?,
            ),
            SbomFormat::SpdxJson => (
                "https://spdx.dev/Document",
                serde_json::to_value(to_spdx(&inventory, &sbom_options()))?,
            ),
            SbomFormat::Table | SbomFormat::Json => {
                anyhow::bail!("--attest attaches an SBOM: use -f cyclonedx-json or -f spdx-json")
            }
        };
        crate::commands::sign::attest_report(
            &args.target,
            &args.image,
            &args.attest,
            predicate_type,
            predicate,
            printer,
        )?;
    }
    let colours = args.output.is_none() && printer.colours();
    crate::output::write_output(printer, args.output.as_deref(), |out| match args.format {
        SbomFormat::Table => write_table(out, &inventory, colours),
        SbomFormat::Json => {
            serde_json::to_writer_pretty(
                &mut *out,
                &SbomReport {
                    schema: "tollgate.sbom/v1",
                    inventory: &inventory,
                },
            )?;
            writeln!(out)?;
            Ok(())
        }
        SbomFormat::CyclonedxJson | SbomFormat::SpdxJson => {
            let options = sbom_options();
            let document = if args.format == SbomFormat::CyclonedxJson {
                to_cyclonedx(&inventory, &options)
            } else {
                to_spdx(&inventory, &options)
            };
            serde_json::to_writer_pretty(&mut *out, &document)?;
            writeln!(out)?;
            Ok(())
        }
    })?;
    Ok(ExitCode::SUCCESS)
}

fn write_table(out: &mut dyn Write, inventory: &Inventory, colours: bool) -> anyhow::Result<()> {
    match &inventory.os {
        Some(os) => writeln!(
            out,
            "{} {}{}",
            os.family,
            os.version,
            os.codename
                .as_ref()
                .map(|c| format!(" ({c})"))
                .unwrap_or_default()
        )?,
        None => writeln!(out, "no known operating system")?,
    }
    let rows: Vec<[String; 5]> = inventory
        .packages
        .iter()
        .map(|p| {
            let source = match (&p.source_name, &p.source_version) {
                (Some(name), Some(version)) if *name != p.name || *version != p.version => {
                    format!("{name} {version}")
                }
                (Some(name), _) if *name != p.name => name.clone(),
                _ => String::new(),
            };
            [
                p.ecosystem.to_string(),
                p.name.clone(),
                p.version.clone(),
                source,
                p.path.clone(),
            ]
        })
        .collect();
    writeln!(out, "{} packages", rows.len())?;
    crate::table::write_table(
        out,
        ["TYPE", "NAME", "VERSION", "SOURCE", "FOUND IN"],
        &rows,
        colours,
    )?;
    for unknown in &inventory.unknowns {
        writeln!(
            out,
            "warning: {} could not read {} (layer {}): {}",
            unknown.cataloger, unknown.path, unknown.layer_index, unknown.reason
        )?;
    }
    Ok(())
}

fn sbom_options() -> SbomOptions {
    SbomOptions {
        created: crate::time::created_timestamp(),
        tool_version: env!("CARGO_PKG_VERSION").to_owned(),
    }
}
