//! One module per verb.

use std::process::ExitCode;

use anyhow::Context;
use tollgate_oci::{Credentials, Image, Limits, OpenOptions, RegistryOptions, Target, parse_size};

use crate::args::{Command, ImageArgs};
use crate::printer::Printer;

pub(crate) mod db;
mod inspect;
mod sbom;
mod scan;
mod version;

pub(crate) fn run(command: Command, printer: &Printer) -> anyhow::Result<ExitCode> {
    match command {
        Command::Inspect(args) => inspect::run(&args, printer),
        Command::Sbom(args) => sbom::run(&args, printer),
        Command::Scan(args) => scan::run(&args, printer),
        Command::Version(args) => version::run(&args, printer),
        Command::Db(args) => db::run(&args, printer),
    }
}

/// Resolve the options shared by every command that reads an image, and open it.
pub(crate) fn open_image(target: &str, args: &ImageArgs) -> anyhow::Result<Image> {
    let target = Target::parse(target)?;
    let options = OpenOptions {
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
    };
    Image::open(&target, &options).with_context(|| format!("failed to open `{target}`"))
}
