//! `tollgate db build` and `tollgate db info`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use tollgate_vulndb::db::BuildOptions;
use tollgate_vulndb::{Db, DbBuilder, DbInfo, ImportLimits};

use crate::args::{
    DbArgs, DbBuildArgs, DbCommand, DbInfoArgs, DbSignArgs, DbUpdateArgs, DbVerifyArgs, Format,
};
use crate::printer::Printer;

pub(crate) fn run(args: &DbArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    match &args.command {
        DbCommand::Build(args) => build(args, printer),
        DbCommand::Info(args) => info(args, printer),
        DbCommand::Update(args) => update(args, printer),
        DbCommand::Sign(args) => sign(args, printer),
        DbCommand::Verify(args) => verify(args, printer),
    }
}

/// The DB `scan` reads when none is given: `$TOLLGATE_DB`, else `tollgate.db` in
/// `$XDG_CACHE_HOME/tollgate` (`~/.cache/tollgate`).
pub(crate) fn default_db_path() -> PathBuf {
    if let Some(path) = std::env::var_os("TOLLGATE_DB") {
        return PathBuf::from(path);
    }
    cache_dir().join("tollgate.db")
}

/// `$XDG_CACHE_HOME/tollgate`, else `~/.cache/tollgate`.
pub(crate) fn cache_dir() -> PathBuf {
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
        .unwrap_or_else(std::env::temp_dir)
        .join("tollgate")
}

fn update(args: &DbUpdateArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    let db = args.db.clone().unwrap_or_else(default_db_path);
    let sources: Vec<String> = if args.sources.is_empty() {
        let ecosystems: Vec<&str> = if args.ecosystems.is_empty() {
            tollgate_vulndb::update::DEFAULT_ECOSYSTEMS.to_vec()
        } else {
            args.ecosystems.iter().map(String::as_str).collect()
        };
        ecosystems
            .into_iter()
            .map(tollgate_vulndb::update::osv_export_url)
            .collect()
    } else {
        args.sources.clone()
    };
    if let Some(parent) = db.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs_err::create_dir_all(parent)?;
    }
    let options = tollgate_vulndb::update::UpdateOptions {
        sources,
        cache_dir: cache_dir().join("feeds"),
        limits: ImportLimits::default(),
        max_download: 8 << 30,
        build: BuildOptions {
            built_at: crate::time::created_timestamp(),
            built_by: format!("tollgate {}", env!("CARGO_PKG_VERSION")),
        },
        db_url: args.db_url.clone(),
        require_signature: load_public_keys(&args.require_signature)?,
    };
    let report = tollgate_vulndb::update::update(&db, &options).with_context(|| {
        format!(
            "failed to update the DB `{}`; it was left as it was",
            db.display()
        )
    })?;
    if !printer.is_quiet() {
        let mut out = printer.stdout();
        writeln!(
            out,
            "{} {} ({} feeds fetched, {} unchanged; {} advisories, {})",
            if report.rebuilt {
                "updated"
            } else {
                "up to date:"
            },
            report.info.path,
            report.fetched.len(),
            report.not_modified.len(),
            report.info.advisories,
            report.info.content_digest
        )?;
        if let Some(signature) = &report.signature {
            writeln!(
                out,
                "signature verified: {} key {}",
                signature.algorithm, signature.key_id
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn sign(args: &DbSignArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    let db = args.db.clone().unwrap_or_else(default_db_path);
    let key = tollgate_sign::SigningKey::load(&args.key, crate::commands::key::password)
        .with_context(|| format!("cannot load the signing key `{}`", args.key.display()))?;
    let info = tollgate_vulndb::signature::sign_db(&db, &key)
        .with_context(|| format!("failed to sign the DB `{}`", db.display()))?;
    if !printer.is_quiet() {
        writeln!(
            printer.stdout(),
            "signed {} ({}) with {} key {}",
            db.display(),
            info.payload.content_digest,
            info.algorithm,
            info.key_id
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

fn verify(args: &DbVerifyArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    let db_path = args.db.clone().unwrap_or_else(default_db_path);
    let keys = load_public_keys(&args.key)?;
    let db = tollgate_vulndb::Db::open(&db_path)
        .with_context(|| format!("cannot open the DB `{}`", db_path.display()))?;
    let info = db
        .verify_signature(&keys)
        .with_context(|| format!("the DB `{}` failed verification", db_path.display()))?;
    if !printer.is_quiet() {
        writeln!(
            printer.stdout(),
            "verified {}: content {} built {}, signed by {} key {}",
            db_path.display(),
            info.payload.content_digest,
            info.payload.built_at,
            info.algorithm,
            info.key_id
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

fn load_public_keys(paths: &[PathBuf]) -> anyhow::Result<Vec<tollgate_sign::VerifyingKey>> {
    paths
        .iter()
        .map(|path| {
            tollgate_sign::VerifyingKey::load(path)
                .with_context(|| format!("cannot load the public key `{}`", path.display()))
        })
        .collect()
}

fn build(args: &DbBuildArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    let output = args.output.clone().unwrap_or_else(default_db_path);
    if let Some(parent) = output.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs_err::create_dir_all(parent)?;
    }
    let limits = ImportLimits::default();
    // Streamed: one advisory in memory at a time, whatever the size of the feeds.
    let mut builder = DbBuilder::create(&output)
        .with_context(|| format!("failed to start the DB `{}`", output.display()))?;
    for path in &args.from {
        let before = builder.sources_begun();
        tollgate_vulndb::import_into(path, &limits, &mut builder)
            .with_context(|| format!("failed to import `{}`", path.display()))?;
        if builder.sources_begun() == before {
            anyhow::bail!(
                "`{}` holds no advisory feed (OSV zips or JSON, Alpine secdb, Debian tracker JSON)",
                path.display()
            );
        }
    }
    let options = BuildOptions {
        built_at: crate::time::created_timestamp(),
        built_by: format!("tollgate {}", env!("CARGO_PKG_VERSION")),
    };
    let info = builder
        .finish(&options)
        .with_context(|| format!("failed to build the DB `{}`", output.display()))?;
    let mut out = printer.stdout();
    if !printer.is_quiet() {
        writeln!(
            out,
            "built {} ({} advisories from {} sources, {}, {})",
            info.path,
            info.advisories,
            info.sources.len(),
            human_size(info.size),
            info.content_digest
        )?;
        for source in info.sources.iter().filter(|s| !s.not_mapped.is_empty()) {
            writeln!(
                out,
                "  {}: {} notes on what could not be mapped (see `tollgate db info --format json`)",
                source.name,
                source.not_mapped.len()
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn info(args: &DbInfoArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    let path = args.db.clone().unwrap_or_else(default_db_path);
    let db = Db::open(&path).with_context(|| {
        format!(
            "cannot open the vulnerability DB `{}`; build one with `tollgate db build --from <feeds>`",
            path.display()
        )
    })?;
    if let Some(warning) = db
        .info()
        .staleness_warning(crate::time::now_epoch_seconds(), args.max_age)
    {
        printer.warning(&warning);
    }
    let mut out = printer.stdout();
    match args.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, db.info())?;
            writeln!(out)?;
        }
        Format::Table => write_info(&mut out, db.info(), printer.colours())?,
    }
    Ok(ExitCode::SUCCESS)
}

fn write_info(out: &mut dyn Write, info: &DbInfo, colours: bool) -> anyhow::Result<()> {
    for (label, value) in [
        ("path", info.path.clone()),
        ("schema", info.schema_version.to_string()),
        ("built", format!("{} by {}", info.built_at, info.built_by)),
        ("digest", info.content_digest.clone()),
        ("size", human_size(info.size)),
        ("advisories", info.advisories.to_string()),
        ("package entries", info.package_entries.to_string()),
    ] {
        writeln!(out, "{label:<16}{value}")?;
    }
    writeln!(out, "sources")?;
    let rows: Vec<[String; 5]> = info
        .sources
        .iter()
        .map(|source| {
            [
                source.name.clone(),
                serde_json::to_value(source.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                source.date.clone().unwrap_or_else(|| "-".into()),
                source.records.to_string(),
                source.not_mapped.len().to_string(),
            ]
        })
        .collect();
    crate::table::write_table(
        out,
        ["NAME", "KIND", "DATE", "ADVISORIES", "NOT MAPPED"],
        &rows,
        colours,
    )?;
    Ok(())
}

fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}
