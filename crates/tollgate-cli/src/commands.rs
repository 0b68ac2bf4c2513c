//! One module per verb.

use std::process::ExitCode;

use anyhow::Context;
use tollgate_oci::{Credentials, Image, Limits, OpenOptions, RegistryOptions, Target, parse_size};

use crate::args::{CacheArgs, Command, ImageArgs};
use crate::printer::Printer;
use crate::progress::LayerBars;

pub(crate) mod db;
mod inspect;
pub(crate) mod key;
mod sbom;
mod scan;
pub(crate) mod sign;
mod version;

pub(crate) fn run(command: Command, printer: &Printer) -> anyhow::Result<ExitCode> {
    match command {
        Command::Inspect(args) => inspect::run(&args, printer),
        Command::Sbom(args) => sbom::run(&args, printer),
        Command::Scan(args) => scan::run(&args, printer),
        Command::Version(args) => version::run(&args, printer),
        Command::Db(args) => db::run(&args, printer),
        Command::Key(args) => key::run(&args, printer),
        Command::Sign(args) => sign::sign(&args, printer),
        Command::Verify(args) => sign::verify(&args, printer),
        Command::Attest(args) => sign::attest(&args, printer),
        Command::VerifyAttestation(args) => sign::verify_attestation(&args, printer),
    }
}

/// Open an image; `cache` (when not `--no-cache`) also keeps the index of a compressed archive.
pub(crate) fn open_image(
    target: &str,
    args: &ImageArgs,
    cache: Option<&CacheArgs>,
) -> anyhow::Result<Image> {
    let target = Target::parse(target)?;
    let options = open_options(args, cache)?;
    Image::open(&target, &options).with_context(|| format!("failed to open `{target}`"))
}

/// The options shared by every command that reads an image.
pub(crate) fn open_options(
    args: &ImageArgs,
    cache: Option<&CacheArgs>,
) -> anyhow::Result<OpenOptions> {
    Ok(OpenOptions {
        platform: args.platform.parse()?,
        limits: Limits {
            max_manifest_bytes: parse_size(&args.max_manifest_size)?,
            max_layer_bytes: parse_size(&args.max_layer_size)?,
            max_image_bytes: parse_size(&args.max_image_size)?,
            max_layers: args.max_layers,
            max_entries_per_layer: args.max_layer_entries,
            ..Limits::default()
        },
        registry: RegistryOptions {
            credentials: args.creds.as_deref().map(Credentials::parse).transpose()?,
            insecure: args.insecure,
            auth_file: args.authfile.clone(),
        },
        temp_dir: None,
        cache_dir: cache.and_then(cache_root),
    })
}

/// One pass over an image for its inventory and `analyzers`: its layers walked once, with
/// progress bars on a terminal, and layers analysed before taken from the layer cache (unless
/// `--no-cache`).
pub(crate) fn analyse_image(
    image: &Image,
    cache: &CacheArgs,
    analyzers: &[&dyn tollgate_catalog::LayerAnalyzer],
    printer: &Printer,
) -> anyhow::Result<tollgate_catalog::Pass> {
    let cache =
        cache_root(cache).map(|root| tollgate_catalog::LayerCache::new(&root, image.limits()));
    let bars = printer
        .wants_progress()
        .then(|| LayerBars::new(&image.layers));
    let options = tollgate_catalog::InventoryOptions {
        progress: bars.as_ref().map(|b| b as &dyn tollgate_oci::Progress),
        cache: cache.as_ref(),
        analyzers,
    };
    let pass = tollgate_catalog::analyse(image, options)
        .with_context(|| format!("failed to read the layers of `{}`", image.target()));
    drop(bars);
    for notice in cache
        .iter()
        .flat_map(tollgate_catalog::LayerCache::take_notices)
    {
        printer.warning(&notice);
    }
    pass
}

/// The cache directory, unless `--no-cache`.
fn cache_root(cache: &CacheArgs) -> Option<std::path::PathBuf> {
    (!cache.no_cache).then(|| cache.cache_dir.clone().unwrap_or_else(db::cache_dir))
}
