//! `tollgate scan <target>`: inventory, match against the DB, filter and suppress, report, and
//! exit with `--exit-code` when findings remain.

use std::process::ExitCode;

use anyhow::{Context, bail};
use tollgate_catalog::Inventory;
use tollgate_match::{Finding, Status, Suppressed, match_inventory};
use tollgate_report::{DbSummary, Format, RenderOptions, SCHEMA, ScanReport, Summary, render};
use tollgate_vulndb::Db;

use crate::args::{ScanArgs, ScanFormat};
use crate::printer::Printer;
use crate::progress::LayerBars;

/// Largest SBOM read as a scan target.
const MAX_SBOM: u64 = 256 << 20;

pub(crate) fn run(args: &ScanArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    if let Some(other) = args.scanners.iter().find(|s| s.as_str() != "vuln") {
        bail!("scanner `{other}` is not available in this version of tollgate (scanners: vuln)");
    }
    let db_path = args
        .db
        .clone()
        .unwrap_or_else(crate::commands::db::default_db_path);
    let db = Db::open(&db_path).with_context(|| {
        format!(
            "cannot open the vulnerability DB `{}`; create it with `tollgate db update` (or `tollgate db build --from <feeds>`)",
            db_path.display()
        )
    })?;
    let inventory = inventory(args, printer)?;
    let matched = match_inventory(&db, &inventory)
        .with_context(|| format!("failed to match against `{}`", db_path.display()))?;

    let mut warnings = Vec::new();
    if let Some(warning) = db
        .info()
        .staleness_warning(crate::time::now_epoch_seconds(), args.max_db_age)
    {
        printer.warning(&warning);
        warnings.push(warning);
    }
    let mut suppressed: Vec<Suppressed> = Vec::new();
    let mut findings: Vec<Finding> = Vec::new();
    for finding in matched.findings {
        if args.ignore_unfixed && finding.status == Status::Unfixed {
            suppressed.push(Suppressed {
                finding,
                reason: "no fix yet (--ignore-unfixed)".to_owned(),
                source: "command line".to_owned(),
            });
        } else if args.severity.contains(&finding.severity) {
            findings.push(finding);
        }
    }

    let info = db.info();
    let report = ScanReport {
        schema: SCHEMA,
        tollgate_version: env!("CARGO_PKG_VERSION").to_owned(),
        created: crate::time::created_timestamp(),
        target: args.target.clone(),
        image: inventory.image.clone(),
        os: inventory.os.clone(),
        db: Some(DbSummary {
            path: info.path.clone(),
            content_digest: info.content_digest.clone(),
            built_at: info.built_at.clone(),
            built_by: info.built_by.clone(),
        }),
        summary: Summary::of(&findings, &suppressed, inventory.packages.len()),
        packages: inventory.packages,
        findings,
        suppressed,
        diagnostics: matched.diagnostics,
        not_covered: matched.not_covered,
        unknowns: inventory.unknowns,
        checks: Vec::new(),
        secrets: Vec::new(),
        warnings,
    };
    let format = match args.format {
        ScanFormat::Table => Format::Table,
        ScanFormat::Json => Format::Json,
    };
    let colours = args.output.is_none() && printer.colours();
    crate::output::write_output(printer, args.output.as_deref(), |out| {
        render(&report, format, RenderOptions { colours }, out)?;
        Ok(())
    })?;
    if args.exit_code != 0 && !report.findings.is_empty() {
        return Ok(ExitCode::from(args.exit_code));
    }
    Ok(ExitCode::SUCCESS)
}

/// The inventory of an image, or the packages an SBOM lists.
fn inventory(args: &ScanArgs, printer: &Printer) -> anyhow::Result<Inventory> {
    if let Some(path) = args.target.strip_prefix("sbom:") {
        let bytes = read_bounded(std::path::Path::new(path))?;
        let mut inventory =
            tollgate_catalog::sbom::detect_and_decode(&bytes).with_context(|| {
                format!("`{path}` is not a CycloneDX or SPDX JSON SBOM tollgate reads")
            })?;
        inventory.image.target.clone_from(&args.target);
        return Ok(inventory);
    }
    let image = crate::commands::open_image(&args.target, &args.image)?;
    let bars = printer
        .wants_progress()
        .then(|| LayerBars::new(&image.layers));
    let inventory = tollgate_catalog::inventory(
        &image,
        bars.as_ref().map(|b| b as &dyn tollgate_oci::Progress),
    )
    .with_context(|| format!("failed to read the layers of `{}`", image.target()))?;
    Ok(inventory)
}

fn read_bounded(path: &std::path::Path) -> anyhow::Result<Vec<u8>> {
    use std::io::Read;
    let file = fs_err::File::open(path)?;
    let mut bytes = Vec::new();
    file.take(MAX_SBOM + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_SBOM {
        bail!("`{}` is larger than {MAX_SBOM} bytes", path.display());
    }
    Ok(bytes)
}
