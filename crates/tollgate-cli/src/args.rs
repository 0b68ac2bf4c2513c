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
    /// Find known vulnerabilities, secrets (also in files a later layer deleted) and
    /// misconfigurations in an image, a root filesystem or an SBOM.
    Scan(ScanArgs),
    /// Version ordering as each ecosystem's own tools do it.
    Version(VersionArgs),
    /// Build and describe the vulnerability DB.
    Db(DbArgs),
    /// Signing keys in cosign's format.
    Key(KeyArgs),
    /// Sign an image (cosign's formats: a `.sig` tag and a Sigstore bundle referrer).
    Sign(SignArgs),
    /// Verify an image's signatures against public keys.
    Verify(VerifyArgs),
    /// Attach a signed in-toto attestation (SBOM, provenance, scan results) to an image.
    Attest(AttestArgs),
    /// Verify an image's attestations against public keys.
    #[command(name = "verify-attestation")]
    VerifyAttestation(VerifyAttestationArgs),
}

/// Where signatures and attestations are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum SignatureFormatArg {
    /// The `sha256-<hex>.sig`/`.att` tags (containers/image, Harbor, cosign 2).
    Legacy,
    /// A Sigstore bundle v0.3 attached as an OCI referrer (cosign 3).
    Bundle,
    /// Both.
    Both,
}

#[derive(Debug, Args)]
pub(crate) struct SigningArgs {
    /// The private key (cosign's encrypted format, or PKCS#8/SEC1 PEM). Its password comes from
    /// $TOLLGATE_PASSWORD, $COSIGN_PASSWORD or a prompt.
    #[arg(long, value_name = "FILE")]
    pub(crate) key: std::path::PathBuf,

    /// Where the signature goes.
    #[arg(long, value_enum, default_value_t = SignatureFormatArg::Both)]
    pub(crate) signature_format: SignatureFormatArg,
}

#[derive(Debug, Args)]
pub(crate) struct SignArgs {
    /// The image: docker://REGISTRY/REPO[:TAG|@DIGEST] or oci:DIR[:TAG]. What the reference
    /// resolves to (a manifest, or a multi-platform index) is signed.
    pub(crate) target: String,

    #[command(flatten)]
    pub(crate) signing: SigningArgs,

    /// An annotation to sign with the image, KEY=VALUE (repeatable).
    #[arg(short = 'a', long = "annotation", value_name = "KEY=VALUE")]
    pub(crate) annotations: Vec<String>,

    /// The docker-reference the signature names [default: the registry reference as given,
    /// without the digest; required for an OCI layout].
    #[arg(long, value_name = "REFERENCE")]
    pub(crate) identity: Option<String>,

    #[command(flatten)]
    pub(crate) image: ImageArgs,
}

#[derive(Debug, Args)]
pub(crate) struct VerificationArgs {
    /// A trusted public key (PEM); repeat for several.
    #[arg(long = "key", value_name = "FILE", required = true)]
    pub(crate) keys: Vec<std::path::PathBuf>,

    /// How many distinct keys must have signed.
    #[arg(long, default_value_t = 1)]
    pub(crate) threshold: usize,

    /// Output: a table, or JSON for machines.
    #[arg(long, short, value_enum, default_value_t = VerifyFormat::Table)]
    pub(crate) format: VerifyFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum VerifyFormat {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    /// The image: docker://REGISTRY/REPO[:TAG|@DIGEST] or oci:DIR[:TAG].
    pub(crate) target: String,

    #[command(flatten)]
    pub(crate) verification: VerificationArgs,

    /// An annotation the signature must carry, KEY=VALUE (repeatable).
    #[arg(short = 'a', long = "annotation", value_name = "KEY=VALUE")]
    pub(crate) annotations: Vec<String>,

    /// The reference the signature must name: a repository (any tag), or REPO:TAG exactly
    /// [default: the repository of the image reference].
    #[arg(long, value_name = "REFERENCE", conflicts_with = "ignore_reference")]
    pub(crate) identity: Option<String>,

    /// Do not check the signed docker-reference (for images copied between registries).
    #[arg(long)]
    pub(crate) ignore_reference: bool,

    #[command(flatten)]
    pub(crate) image: ImageArgs,
}

#[derive(Debug, Args)]
pub(crate) struct AttestArgs {
    /// The image: docker://REGISTRY/REPO[:TAG|@DIGEST] or oci:DIR[:TAG].
    pub(crate) target: String,

    #[command(flatten)]
    pub(crate) signing: SigningArgs,

    /// The predicate type: cyclonedx, spdx, spdxjson, slsaprovenance, slsaprovenance02,
    /// slsaprovenance1, link, vuln, openvex, custom, or a URI.
    #[arg(long = "type", value_name = "TYPE", default_value = "custom")]
    pub(crate) predicate_type: String,

    /// The predicate: a JSON file.
    #[arg(long, value_name = "FILE")]
    pub(crate) predicate: std::path::PathBuf,

    #[command(flatten)]
    pub(crate) image: ImageArgs,
}

#[derive(Debug, Args)]
pub(crate) struct VerifyAttestationArgs {
    /// The image: docker://REGISTRY/REPO[:TAG|@DIGEST] or oci:DIR[:TAG].
    pub(crate) target: String,

    #[command(flatten)]
    pub(crate) verification: VerificationArgs,

    /// The predicate type required (names as for `attest --type`) [default: any].
    #[arg(long = "type", value_name = "TYPE")]
    pub(crate) predicate_type: Option<String>,

    #[command(flatten)]
    pub(crate) image: ImageArgs,
}

/// `--attest`: also attach the report to the image as a signed attestation.
#[derive(Debug, Args)]
pub(crate) struct AttestReportArgs {
    /// Attach the report to the scanned image as a signed in-toto attestation (needs
    /// --attest-key; the image must be in a registry or an OCI layout).
    #[arg(long, requires = "attest_key")]
    pub(crate) attest: bool,

    /// The private key for --attest.
    #[arg(long = "key", value_name = "FILE", requires = "attest")]
    pub(crate) attest_key: Option<std::path::PathBuf>,

    /// Where the attestation goes (with --attest).
    #[arg(long = "signature-format", value_enum, default_value_t = SignatureFormatArg::Both)]
    pub(crate) attest_signature_format: SignatureFormatArg,
}

#[derive(Debug, Args)]
pub(crate) struct KeyArgs {
    #[command(subcommand)]
    pub(crate) command: KeyCommand,
}

#[derive(Debug, Subcommand)]
pub(crate) enum KeyCommand {
    /// Generate a key pair: NAME.key (encrypted as cosign does: scrypt + NaCl secretbox) and
    /// NAME.pub. The password comes from $TOLLGATE_PASSWORD, $COSIGN_PASSWORD or a prompt.
    Generate(KeyGenerateArgs),
}

#[derive(Debug, Args)]
pub(crate) struct KeyGenerateArgs {
    /// Where the files go: PREFIX.key and PREFIX.pub.
    #[arg(long, default_value = "cosign", value_name = "PREFIX")]
    pub(crate) output_key_prefix: std::path::PathBuf,

    /// The key type.
    #[arg(long, value_enum, default_value_t = KeyType::EcdsaP256)]
    pub(crate) algorithm: KeyType,

    /// Replace existing files.
    #[arg(long)]
    pub(crate) force: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum KeyType {
    /// ECDSA P-256 with SHA-256 (cosign's default).
    EcdsaP256,
    /// Ed25519.
    Ed25519,
}

#[derive(Debug, Args)]
pub(crate) struct DbArgs {
    #[command(subcommand)]
    pub(crate) command: DbCommand,
}

#[derive(Debug, Subcommand)]
pub(crate) enum DbCommand {
    /// Build a DB from advisory feeds: OSV zips, directories or files, Alpine secdb documents,
    /// the Debian security tracker JSON.
    Build(DbBuildArgs),
    /// Show a DB's schema, build time, content digest and sources.
    Info(DbInfoArgs),
    /// Fetch changed feeds (conditional HTTPS requests) and rebuild the DB when needed; or fetch
    /// a prebuilt DB (`--db-url`), with a required signature.
    Update(DbUpdateArgs),
    /// Sign a DB with a cosign-format key (the signature is kept inside the DB file).
    Sign(DbSignArgs),
    /// Check a DB's signature, and that its data is what was signed.
    Verify(DbVerifyArgs),
}

#[derive(Debug, Args)]
pub(crate) struct DbSignArgs {
    /// The DB (default: $TOLLGATE_DB, else tollgate.db in the tollgate cache directory).
    #[arg(long, env = "TOLLGATE_DB")]
    pub(crate) db: Option<std::path::PathBuf>,

    /// The private key (cosign's encrypted format, or PKCS#8/SEC1 PEM); its password from
    /// $TOLLGATE_PASSWORD, $COSIGN_PASSWORD or a prompt.
    #[arg(long, value_name = "KEY")]
    pub(crate) key: std::path::PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct DbVerifyArgs {
    /// The DB (default: $TOLLGATE_DB, else tollgate.db in the tollgate cache directory).
    #[arg(long, env = "TOLLGATE_DB")]
    pub(crate) db: Option<std::path::PathBuf>,

    /// A public key that may have signed it (repeatable).
    #[arg(long, required = true, value_name = "KEY.pub")]
    pub(crate) key: Vec<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct DbUpdateArgs {
    /// The DB (default: $TOLLGATE_DB, else tollgate.db in the tollgate cache directory).
    #[arg(long, env = "TOLLGATE_DB")]
    pub(crate) db: Option<std::path::PathBuf>,

    /// A feed URL (repeatable; https, or http to a loopback address). Default: the osv.dev
    /// export of each `--ecosystem`.
    #[arg(long = "source", value_name = "URL")]
    pub(crate) sources: Vec<String>,

    /// An osv.dev ecosystem to fetch (repeatable; default: every ecosystem tollgate inventories).
    #[arg(long = "ecosystem", value_name = "NAME", conflicts_with = "sources")]
    pub(crate) ecosystems: Vec<String>,

    /// Fetch a prebuilt DB from this URL (https, or http to a loopback address) instead of
    /// building one from feeds.
    #[arg(long, value_name = "URL", conflicts_with_all = ["sources", "ecosystems"])]
    pub(crate) db_url: Option<String>,

    /// Replace the DB only with one signed by one of these public keys (repeatable; needs
    /// --db-url).
    #[arg(long, value_name = "KEY.pub", requires = "db_url")]
    pub(crate) require_signature: Vec<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct DbBuildArgs {
    /// A feed file or a directory of them (repeatable).
    #[arg(long = "from", required = true, value_name = "PATH")]
    pub(crate) from: Vec<std::path::PathBuf>,

    /// Where to write the DB (default: the DB `scan` uses, see `db info`).
    #[arg(long, short)]
    pub(crate) output: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct DbInfoArgs {
    /// The DB (default: $TOLLGATE_DB, else tollgate.db in the tollgate cache directory).
    #[arg(long, env = "TOLLGATE_DB")]
    pub(crate) db: Option<std::path::PathBuf>,

    /// Warn when the DB is older than this (`7d`, `36h`, `90m`, seconds).
    #[arg(long, default_value = "7d", value_name = "AGE", value_parser = crate::args::parse_age)]
    pub(crate) max_age: i64,

    /// Output format.
    #[arg(long, short, value_enum, default_value_t = Format::Table)]
    pub(crate) format: Format,
}

#[derive(Debug, Args)]
pub(crate) struct VersionArgs {
    #[command(subcommand)]
    pub(crate) command: VersionCommand,
}

#[derive(Debug, Subcommand)]
pub(crate) enum VersionCommand {
    /// Print `<`, `=`, `>` or `invalid` for two versions of an ecosystem (deb, rpm, apk, pep440,
    /// semver, cargo, go, maven, gem, nuget, composer).
    Compare(CompareArgs),
}

#[derive(Debug, Args)]
pub(crate) struct CompareArgs {
    /// Read `a<TAB>b` lines on stdin and write one result per line.
    #[arg(long, conflicts_with_all = ["explain", "a", "b"])]
    pub(crate) batch: bool,

    /// Also show how each version was parsed.
    #[arg(long)]
    pub(crate) explain: bool,

    /// The ecosystem whose rules apply.
    pub(crate) ecosystem: tollgate_version::Ecosystem,

    /// The first version.
    #[arg(required_unless_present = "batch", allow_hyphen_values = true)]
    pub(crate) a: Option<String>,

    /// The second version.
    #[arg(required_unless_present = "batch", allow_hyphen_values = true)]
    pub(crate) b: Option<String>,
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

    #[command(flatten)]
    pub(crate) cache: CacheArgs,

    #[command(flatten)]
    pub(crate) attest: AttestReportArgs,
}

/// The layer cache: analyses of layers kept by layer digest.
#[derive(Debug, Args)]
pub(crate) struct CacheArgs {
    /// Analyse every layer again, and keep nothing (the layer cache is neither read nor written).
    #[arg(long)]
    pub(crate) no_cache: bool,

    /// The cache directory (default: $XDG_CACHE_HOME/tollgate, else ~/.cache/tollgate).
    #[arg(long, env = "TOLLGATE_CACHE_DIR", value_name = "DIR")]
    pub(crate) cache_dir: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct ScanArgs {
    /// The image (same forms as `inspect`), or `sbom:<file>` (CycloneDX or SPDX JSON).
    pub(crate) target: String,

    /// The vulnerability DB (default: $TOLLGATE_DB, else tollgate.db in the tollgate cache
    /// directory; see `tollgate db`).
    #[arg(long, env = "TOLLGATE_DB")]
    pub(crate) db: Option<std::path::PathBuf>,

    /// Scanners to run (comma-separated): vuln, config, secret [default: vuln,secret].
    #[arg(long, value_delimiter = ',')]
    pub(crate) scanners: Option<Vec<String>>,

    /// Do not run this configuration or secret rule (TG-CFG-…, TG-SEC-…). Repeatable.
    #[arg(long, value_name = "RULE")]
    pub(crate) disable_rule: Vec<String>,

    /// Re-rate a rule: RULE=LEVEL (e.g. TG-CFG-008=MEDIUM). Repeatable.
    #[arg(long, value_name = "RULE=LEVEL")]
    pub(crate) rule_severity: Vec<String>,

    /// Severities to report (comma-separated): UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "UNKNOWN,LOW,MEDIUM,HIGH,CRITICAL"
    )]
    pub(crate) severity: Vec<tollgate_match::Severity>,

    /// Leave out vulnerabilities that have no fix yet (counted as suppressed).
    #[arg(long)]
    pub(crate) ignore_unfixed: bool,

    /// Exit with this code when findings remain after filtering and suppression.
    #[arg(long, default_value_t = 0)]
    pub(crate) exit_code: u8,

    /// Output format.
    #[arg(long, short, value_enum, default_value_t = ScanFormat::Table)]
    pub(crate) format: ScanFormat,

    /// Write to this file instead of stdout (written completely or not at all).
    #[arg(long, short)]
    pub(crate) output: Option<std::path::PathBuf>,

    /// Ignore file (YAML: id, optional package/purls/paths, reason, expires; Trivy's
    /// .trivyignore.yaml and .trivyignore read too). Default: .tollgateignore when present.
    #[arg(long, value_name = "FILE")]
    pub(crate) ignorefile: Option<std::path::PathBuf>,

    /// VEX documents (OpenVEX 0.2 or CycloneDX VEX JSON): not_affected and fixed statements
    /// suppress the findings they name. Repeatable.
    #[arg(long, value_name = "FILE")]
    pub(crate) vex: Vec<std::path::PathBuf>,

    /// Warn when the DB is older than this (`7d`, `36h`, `90m`, seconds).
    #[arg(long, default_value = "7d", value_name = "AGE", value_parser = crate::args::parse_age)]
    pub(crate) max_db_age: i64,

    #[command(flatten)]
    pub(crate) image: ImageArgs,

    #[command(flatten)]
    pub(crate) cache: CacheArgs,

    #[command(flatten)]
    pub(crate) attest: AttestReportArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum ScanFormat {
    /// Aligned tables grouped by where packages were found.
    Table,
    /// tollgate.report/v1.
    Json,
    /// SARIF 2.1.0 (GitHub code scanning).
    Sarif,
    /// CycloneDX 1.6 SBOM with its vulnerabilities.
    CyclonedxJson,
    /// JUnit XML for CI test reports.
    Junit,
    /// One self-contained HTML page.
    Html,
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

/// `7d`, `36h`, `90m`, `45s` or plain seconds.
pub(crate) fn parse_age(text: &str) -> Result<i64, String> {
    let (number, unit) = match text.char_indices().last() {
        Some((at, c)) if c.is_ascii_alphabetic() => (&text[..at], c),
        _ => (text, 's'),
    };
    let number: i64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not an age such as 7d, 36h, 90m or 3600"))?;
    let unit = match unit {
        'd' => 86_400,
        'h' => 3600,
        'm' => 60,
        's' => 1,
        _ => return Err(format!("`{text}`: the unit is d, h, m or s")),
    };
    number
        .checked_mul(unit)
        .filter(|seconds| *seconds >= 0)
        .ok_or_else(|| format!("`{text}` is out of range"))
}
