//! `tollgate scan <target>`: inventory, match against the DB, filter and suppress, report, and
//! exit with `--exit-code` when findings remain.

use std::process::ExitCode;

use anyhow::{Context, bail};
use tollgate_catalog::{Inventory, LayerAnalyzer};
use tollgate_checks::config::ConfigFiles;
use tollgate_checks::secrets::{SecretScanOptions, SecretScanner};
use tollgate_checks::{CheckFinding, RuleOverrides, SecretFinding};
use tollgate_match::{Finding, Severity, Status, Suppressed, match_inventory};
use tollgate_report::{DbSummary, Format, RenderOptions, SCHEMA, ScanReport, Summary, render};
use tollgate_vulndb::Db;

use crate::args::{ScanArgs, ScanFormat};
use crate::printer::Printer;

/// Largest SBOM read as a scan target.
const MAX_SBOM: u64 = 256 << 20;

/// Which scanners run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Scanners {
    vuln: bool,
    config: bool,
    secret: bool,
}

impl Scanners {
    /// `--scanners`: given, or vuln and secret (as Trivy's default).
    fn parse(given: Option<&[String]>) -> anyhow::Result<Self> {
        let Some(given) = given else {
            return Ok(Self {
                vuln: true,
                config: false,
                secret: true,
            });
        };
        let mut scanners = Self {
            vuln: false,
            config: false,
            secret: false,
        };
        for name in given {
            match name.trim() {
                "vuln" => scanners.vuln = true,
                "config" | "misconfig" => scanners.config = true,
                "secret" => scanners.secret = true,
                other => bail!("unknown scanner `{other}` (scanners: vuln, config, secret)"),
            }
        }
        Ok(scanners)
    }
}

/// `--disable-rule` and `--rule-severity`.
fn rule_overrides(args: &ScanArgs) -> anyhow::Result<RuleOverrides> {
    let mut overrides = RuleOverrides::default();
    if args.disable_rule.is_empty() && args.rule_severity.is_empty() {
        // Without overrides, the secret rules (compiled regexes) need not be loaded here.
        return Ok(overrides);
    }
    let known: std::collections::BTreeSet<&str> = tollgate_checks::config::rules()
        .map(|(id, _, _)| id)
        .chain(
            tollgate_checks::secrets::builtin_rules()
                .rules()
                .iter()
                .map(|rule| rule.id.as_str()),
        )
        .collect();
    let check = |id: &str| -> anyhow::Result<String> {
        let id = id.trim().to_ascii_uppercase();
        if !known.contains(id.as_str()) {
            bail!("unknown rule `{id}` (rules are listed in the README: TG-CFG-…, TG-SEC-…)");
        }
        Ok(id)
    };
    for id in &args.disable_rule {
        overrides.disabled.insert(check(id)?);
    }
    for setting in &args.rule_severity {
        let (id, level) = setting
            .split_once('=')
            .with_context(|| format!("`--rule-severity {setting}`: expected RULE=LEVEL"))?;
        let level: Severity = level
            .parse()
            .map_err(|e| anyhow::anyhow!("`--rule-severity {setting}`: {e}"))?;
        overrides.severity.insert(check(id)?, level);
    }
    Ok(overrides)
}

pub(crate) fn run(args: &ScanArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    let scanners = Scanners::parse(args.scanners.as_deref())?;
    let overrides = rule_overrides(args)?;
    let db = scanners.vuln.then(|| open_db(args)).transpose()?;
    let mut warnings = Vec::new();
    let scanned = scan_target(args, scanners, &overrides, printer, &mut warnings)?;
    let inventory = scanned.inventory;

    let mut findings: Vec<Finding> = Vec::new();
    let mut suppressed: Vec<Suppressed> = Vec::new();
    let mut diagnostics = Vec::new();
    let mut not_covered = Vec::new();
    let mut db_summary = None;
    if let Some((db, db_path)) = &db {
        let matched = match_inventory(db, &inventory)
            .with_context(|| format!("failed to match against `{}`", db_path.display()))?;
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
        suppressed = applied.suppressed;
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
        diagnostics = matched.diagnostics;
        not_covered = matched.not_covered;
        let info = db.info();
        db_summary = Some(DbSummary {
            path: info.path.clone(),
            content_digest: info.content_digest.clone(),
            built_at: info.built_at.clone(),
            built_by: info.built_by.clone(),
        });
    }
    let checks: Vec<CheckFinding> = scanned
        .checks
        .into_iter()
        .filter(|check| args.severity.contains(&check.severity))
        .collect();
    let secrets: Vec<SecretFinding> = scanned
        .secrets
        .into_iter()
        .filter(|secret| args.severity.contains(&secret.severity))
        .collect();
    if !secrets.is_empty() && args.format == ScanFormat::CyclonedxJson {
        let warning = "cyclonedx-json leaves out secrets and configuration checks (an SBOM \
                       travels with the image); use json or sarif to see them"
            .to_owned();
        printer.warning(&warning);
        warnings.push(warning);
    }

    let report = ScanReport {
        schema: SCHEMA,
        tollgate_version: env!("CARGO_PKG_VERSION").to_owned(),
        created: crate::time::created_timestamp(),
        target: args.target.clone(),
        image: inventory.image.clone(),
        os: inventory.os.clone(),
        db: db_summary,
        summary: Summary::of(&findings, &suppressed, inventory.packages.len())
            .with_checks_and_secrets(&checks, &secrets),
        packages: inventory.packages,
        findings,
        suppressed,
        diagnostics,
        not_covered,
        unknowns: inventory.unknowns,
        checks,
        secrets,
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
    // The attestation goes first: when it cannot be made, nothing is written.
    if args.attest.attest {
        let (predicate_type, predicate) = attestation_predicate(&report, format)?;
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
    crate::output::write_output(printer, args.output.as_deref(), |out| {
        render(&report, format, RenderOptions { colours }, out)?;
        Ok(())
    })?;
    if args.exit_code != 0 && report.has_findings_at(&args.severity) {
        return Ok(ExitCode::from(args.exit_code));
    }
    Ok(ExitCode::SUCCESS)
}

fn open_db(args: &ScanArgs) -> anyhow::Result<(Db, std::path::PathBuf)> {
    let db_path = args
        .db
        .clone()
        .unwrap_or_else(crate::commands::db::default_db_path);
    let db = Db::open(&db_path).with_context(|| {
        format!(
            "cannot open the vulnerability DB `{}`; create it with `tollgate db update` (or `tollgate db build --from <feeds>`), or scan without it: --scanners config,secret",
            db_path.display()
        )
    })?;
    Ok((db, db_path))
}

/// What the pass over the target found.
struct Scanned {
    inventory: Inventory,
    checks: Vec<CheckFinding>,
    secrets: Vec<SecretFinding>,
}

/// The inventory of an image with its configuration checks and secrets, from one pass over
/// its layers; or the packages an SBOM lists.
fn scan_target(
    args: &ScanArgs,
    scanners: Scanners,
    overrides: &RuleOverrides,
    printer: &Printer,
    warnings: &mut Vec<String>,
) -> anyhow::Result<Scanned> {
    if let Some(path) = args.target.strip_prefix("sbom:") {
        if args.scanners.is_some() && (scanners.config || scanners.secret) {
            let warning = "an SBOM has no files or image config: the config and secret \
                           scanners did not run"
                .to_owned();
            printer.warning(&warning);
            warnings.push(warning);
        }
        let bytes = read_bounded(std::path::Path::new(path))?;
        let mut inventory =
            tollgate_catalog::sbom::detect_and_decode(&bytes).with_context(|| {
                format!("`{path}` is not a CycloneDX or SPDX JSON SBOM tollgate reads")
            })?;
        inventory.image.target.clone_from(&args.target);
        return Ok(Scanned {
            inventory,
            checks: Vec::new(),
            secrets: Vec::new(),
        });
    }
    let image = crate::commands::open_image(&args.target, &args.image, Some(&args.cache))?;
    let secret_scanner = scanners.secret.then(|| {
        SecretScanner::new(SecretScanOptions {
            max_symlink_hops: image.limits().max_symlink_hops,
            ..SecretScanOptions::default()
        })
    });
    let config_files = scanners.config.then(ConfigFiles::default);
    let mut analyzers: Vec<&dyn LayerAnalyzer> = Vec::new();
    if let Some(scanner) = &secret_scanner {
        analyzers.push(scanner);
    }
    if let Some(files) = &config_files {
        analyzers.push(files);
    }
    let pass = crate::commands::analyse_image(&image, &args.cache, &analyzers, printer)?;
    let secrets = secret_scanner
        .map(|scanner| scanner.findings(&pass.view, &image.layers, overrides))
        .unwrap_or_default();
    let checks = match &config_files {
        Some(files) => {
            let context = tollgate_checks::config::Context::new(
                &image,
                &pass,
                files,
                tollgate_match::Date::today_utc(),
            );
            tollgate_checks::config::check_image(&context, overrides)
        }
        None => Vec::new(),
    };
    Ok(Scanned {
        inventory: pass.inventory,
        checks,
        secrets,
    })
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

/// What `--attest` attaches: the CycloneDX document when that is the format asked for, else
/// cosign's vulnerability predicate (as `trivy --format cosign-vuln` writes it) with the JSON
/// report as its result.
fn attestation_predicate(
    report: &ScanReport,
    format: Format,
) -> anyhow::Result<(&'static str, serde_json::Value)> {
    let rendered = |format| -> anyhow::Result<serde_json::Value> {
        let mut bytes = Vec::new();
        render(report, format, RenderOptions { colours: false }, &mut bytes)?;
        Ok(serde_json::from_slice(&bytes)?)
    };
    if format == Format::CycloneDx {
        return Ok(("https://cyclonedx.org/bom", rendered(Format::CycloneDx)?));
    }
    let version = env!("CARGO_PKG_VERSION");
    let predicate = serde_json::json!({
        "invocation": {"parameters": null, "uri": "", "event_id": "", "builder.id": ""},
        "scanner": {
            "uri": format!("pkg:generic/tollgate@{version}"),
            "version": version,
            "db": {
                "uri": report.db.as_ref().map(|db| db.path.clone()).unwrap_or_default(),
                "version": report.db.as_ref().map(|db| db.content_digest.clone()).unwrap_or_default(),
            },
            "result": rendered(Format::Json)?,
        },
        "metadata": {
            "scanStartedOn": report.created,
            "scanFinishedOn": crate::time::created_timestamp(),
        },
    });
    Ok(("https://cosign.sigstore.dev/attestation/vuln/v1", predicate))
}
