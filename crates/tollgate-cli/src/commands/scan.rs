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
    let rules = suppression_rules(args)?;
    let applied = tollgate_match::apply(
        &rules,
        matched.findings,
        tollgate_match::Date::today_utc(),
        tollgate_match::image_purl(&inventory.image).as_deref(),
    );
    for warning in rules.warnings().iter().chain(&applied.warnings) {
        printer.warning(warning);
        warnings.push(warning.clone());
    }
    let mut suppressed: Vec<Suppressed> = applied.suppressed;
    let mut findings: Vec<Finding> = Vec::new();
    for finding in applied.kept {
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
        ScanFormat::Sarif => Format::Sarif,
        ScanFormat::CyclonedxJson => Format::CycloneDx,
        ScanFormat::Junit => Format::Junit,
        ScanFormat::Html => Format::Html,
    };
    let colours = args.output.is_none() && printer.colours();
    crate::output::write_output(printer, args.output.as_deref(), |out| {
        render(&report, format, RenderOptions { colours }, out)?;
        Ok(())
    })?;
    if args.exit_code != 0 && report.has_findings_at(&args.severity) {
        return Ok(ExitCode::from(args.exit_code));
    }
    Ok(ExitCode::SUCCESS)
}

/// The ignore file and VEX documents. `.tollgateignore` in the working directory applies when
/// no `--ignorefile` is given and it exists; a file named on the command line must exist.
fn suppression_rules(args: &ScanArgs) -> anyhow::Result<tollgate_match::Rules> {
    const DEFAULT_IGNORE_FILE: &str = ".tollgateignore";
    let mut rules = tollgate_match::Rules::new();
    let ignore_file = args.ignorefile.clone().or_else(|| {
        let default = std::path::PathBuf::from(DEFAULT_IGNORE_FILE);
        default.is_file().then_some(default)
    });
    if let Some(path) = ignore_file {
        rules
            .load_ignore_file(&path)
            .context("the ignore file was not applied; fix it or pass --ignorefile")?;
    }
    for path in &args.vex {
        rules
            .load_vex(path)
            .context("the VEX document was not applied")?;
    }
    Ok(rules)
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
    let image = crate::commands::open_image(&args.target, &args.image, Some(&args.cache))?;
    crate::commands::take_inventory(&image, &args.cache, printer)
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
