//! Command-line arguments (clap derive structs only).

use clap::{Args, Parser, Subcommand, ValueEnum};

/// tollgate keeps unverified container images out of production.
#[derive(Debug, Parser)]
#[command(name = "tollgate", version, about, long_about = None)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,

    /// Print nothing but results and errors (no progress).
    #[arg(long, short, global = true)]
    pub(crate) quiet: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Show an image's manifest, platform, config and layers.
    Inspect(InspectArgs),
    /// List every package in an image (OS and language), or write an SBOM.
    Sbom(SbomArgs),
}

#[derive(Debug, Args)]
pub(crate) struct SbomArgs {
    /// The image (same forms as `inspect`).
    pub(crate) target: String,

    /// Output format.
    #[arg(long, short, value_enum, default_value_t = SbomFormat::Table)]
    pub(crate) format: SbomFormat,

    /// Write to this file instead of stdout (written completely or not at all).
    #[arg(long, short)]
    pub(crate) output: Option<std::path::PathBuf>,

    #[command(flatten)]
    pub(crate) image: ImageArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum SbomFormat {
    Table,
    Json,
    CyclonedxJson,
    SpdxJson,
}

#[derive(Debug, Args)]
pub(crate) struct InspectArgs {
    /// The image: oci:<dir>[:ref], oci-archive:<file>[:ref], docker-archive:<file>[:ref],
    /// docker://<ref> or a bare reference, rootfs:<dir>, or an existing path.
    pub(crate) target: String,

    /// Output format.
    #[arg(long, short, value_enum, default_value_t = Format::Table)]
    pub(crate) format: Format,

    #[command(flatten)]
    pub(crate) image: ImageArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    Table,
    Json,
}

/// How to reach and read an image (shared by every command that takes a target).
#[derive(Debug, Args)]
pub(crate) struct ImageArgs {
    /// Platform to choose from a multi-platform image: os/arch[/variant].
    #[arg(long, default_value = "linux/amd64")]
    pub(crate) platform: String,

    /// Registry credentials, `user:password` (else ~/.docker/config.json, $REGISTRY_AUTH_FILE).
    #[arg(long, env = "TOLLGATE_CREDS", hide_env_values = true)]
    pub(crate) creds: Option<String>,

    /// Registry auth file in docker config.json format.
    #[arg(long)]
    pub(crate) authfile: Option<std::path::PathBuf>,

    /// Allow plain HTTP to registries that are not on loopback.
    #[arg(long)]
    pub(crate) insecure: bool,

    /// Largest manifest, index or config accepted.
    #[arg(long, default_value = "4MiB", value_name = "SIZE")]
    pub(crate) max_manifest_size: String,

    /// Largest decompressed size of one layer.
    #[arg(long, default_value = "16GiB", value_name = "SIZE")]
    pub(crate) max_layer_size: String,

    /// Largest decompressed size of all layers together.
    #[arg(long, default_value = "64GiB", value_name = "SIZE")]
    pub(crate) max_image_size: String,

    /// Most layers an image may have.
    #[arg(long, default_value_t = 256)]
    pub(crate) max_layers: usize,

    /// Most tar entries one layer may hold.
    #[arg(long, default_value_t = 20_000_000)]
    pub(crate) max_layer_entries: u64,
}
