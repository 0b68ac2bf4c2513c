//! `tollgate sign`, `verify`, `attest` and `verify-attestation`: signatures and attestations in
//! cosign's formats, stored beside the image in its registry or OCI layout.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};
use serde_json::{Value, json};
use tollgate_oci::store::{ArtifactStore, StoredManifest};
use tollgate_oci::{Target, parse_size};
use tollgate_sign::attached::{self, Kind, Placed, SignRequest};
use tollgate_sign::intoto::{Statement, predicate_type_uri};
use tollgate_sign::simple_signing::repository_of;
use tollgate_sign::{
    ReferencePolicy, SignatureFormat, SigningKey, VerifyingKey, verify_attestations,
    verify_image_signatures,
};

use crate::args::{
    AttestArgs, AttestReportArgs, ImageArgs, SignArgs, SignatureFormatArg, VerificationArgs,
    VerifyArgs, VerifyAttestationArgs, VerifyFormat,
};
use crate::printer::Printer;

/// The largest predicate file `attest` reads.
const MAX_PREDICATE: &str = "64MiB";

/// An image opened for signing: its store, and what its reference resolves to.
struct Subject {
    target: Target,
    store: ArtifactStore,
    manifest: StoredManifest,
}

impl Subject {
    fn open(target: &str, image: &ImageArgs) -> anyhow::Result<Self> {
        let target = Target::parse(target)?;
        let options = crate::commands::open_options(image, None)?;
        let store = ArtifactStore::open(&target, &options)
            .with_context(|| format!("failed to open `{target}`"))?;
        let manifest = store
            .resolve()
            .with_context(|| format!("failed to resolve `{target}`"))?;
        Ok(Self {
            target,
            store,
            manifest,
        })
    }

    /// `registry/repo[:tag]` of a registry target (what containers/image signs), or `identity`.
    fn docker_reference(&self, identity: Option<&str>) -> anyhow::Result<String> {
        if let Some(identity) = identity {
            return Ok(identity.to_owned());
        }
        match self.store.reference() {
            Some(reference) => Ok(match reference.tag() {
                Some(tag) => format!("{}:{tag}", reference.name()),
                None => reference.name(),
            }),
            None => bail!(
                "`{}` is an OCI layout, which has no registry name: pass --identity \
                 REGISTRY/REPO[:TAG], the reference the image will be pulled by",
                self.target
            ),
        }
    }

    fn digest(&self) -> String {
        self.manifest.digest.to_string()
    }
}

fn signature_format(format: SignatureFormatArg) -> SignatureFormat {
    match format {
        SignatureFormatArg::Legacy => SignatureFormat::Legacy,
        SignatureFormatArg::Bundle => SignatureFormat::Bundle,
        SignatureFormatArg::Both => SignatureFormat::Both,
    }
}

fn load_signing_key(path: &Path) -> anyhow::Result<SigningKey> {
    SigningKey::load(path, crate::commands::key::password)
        .with_context(|| format!("cannot load the private key `{}`", path.display()))
}

fn load_verifying_keys(paths: &[std::path::PathBuf]) -> anyhow::Result<Vec<VerifyingKey>> {
    paths
        .iter()
        .map(|path| {
            VerifyingKey::load(path)
                .with_context(|| format!("cannot load the public key `{}`", path.display()))
        })
        .collect()
}

/// `KEY=VALUE` pairs.
fn parse_annotations(pairs: &[String]) -> anyhow::Result<BTreeMap<String, String>> {
    pairs
        .iter()
        .map(|pair| match pair.split_once('=') {
            Some((key, value)) if !key.is_empty() => Ok((key.to_owned(), value.to_owned())),
            _ => bail!("invalid annotation `{pair}`: expected KEY=VALUE"),
        })
        .collect()
}

pub(crate) fn sign(args: &SignArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    let annotations = parse_annotations(&args.annotations)?;
    let subject = Subject::open(&args.target, &args.image)?;
    let docker_reference = subject.docker_reference(args.identity.as_deref())?;
    let key = load_signing_key(&args.signing.key)?;
    let created = crate::time::created_timestamp();
    let placed = attached::sign_image(
        &subject.store,
        &subject.manifest,
        &key,
        &SignRequest {
            docker_reference: &docker_reference,
            annotations: &annotations,
            format: signature_format(args.signing.signature_format),
            created: &created,
        },
    )
    .with_context(|| format!("failed to sign `{}`", subject.target))?;
    report_placed(printer, "Signed", &subject, &docker_reference, &placed)?;
    Ok(ExitCode::SUCCESS)
}

fn report_placed(
    printer: &Printer,
    verb: &str,
    subject: &Subject,
    what: &str,
    placed: &[Placed],
) -> anyhow::Result<()> {
    if printer.is_quiet() {
        return Ok(());
    }
    let mut out = printer.stdout();
    writeln!(
        out,
        "{verb} {} ({what}) in {}",
        subject.digest(),
        subject.store.describe()
    )?;
    for entry in placed {
        let note = if entry.added { "" } else { " (already there)" };
        writeln!(out, "  {:<7} {}{note}", entry.layout, entry.location)?;
    }
    Ok(())
}

pub(crate) fn verify(args: &VerifyArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    let annotations = parse_annotations(&args.annotations)?;
    let required: Vec<(&str, &str)> = annotations
        .iter()
        .map(|(key, value)| (key.as_str(), value.as_str()))
        .collect();
    let keys = load_verifying_keys(&args.verification.keys)?;
    let subject = Subject::open(&args.target, &args.image)?;
    let policy = reference_policy(&subject, args.identity.as_deref(), args.ignore_reference)?;
    let found = attached::find(&subject.store, &subject.manifest.digest, Kind::Signatures)
        .with_context(|| format!("failed to read the signatures of `{}`", subject.target))?;
    let verified = verify_image_signatures(
        &found,
        &keys,
        &subject.digest(),
        &policy,
        &required,
        args.verification.threshold,
    )
    .with_context(|| format!("verification of `{}` failed", subject.target))?;
    let rows: Vec<Value> = verified
        .iter()
        .map(|signature| {
            json!({
                "layout": signature.layout.name(),
                "key": key_name(&args.verification, signature.key_index),
                "source": signature.source,
                "docker_reference": signature.payload.docker_reference,
                "docker_manifest_digest": signature.payload.manifest_digest,
                "annotations": signature.payload.optional,
            })
        })
        .collect();
    let checked = match &policy {
        ReferencePolicy::Ignore => "reference not checked".to_owned(),
        ReferencePolicy::Exact(reference) => format!("reference {reference}"),
        ReferencePolicy::Repository(repository) => format!("repository {repository}"),
    };
    write_verified(
        printer,
        args.verification.format,
        &subject,
        &checked,
        &args.verification,
        json!({ "signatures": rows }),
        &verified
            .iter()
            .map(|signature| {
                [
                    signature.layout.name().to_owned(),
                    key_name(&args.verification, signature.key_index),
                    signature.payload.docker_reference.clone(),
                    annotations_text(signature.payload.optional.as_ref()),
                ]
            })
            .collect::<Vec<_>>(),
        ["LAYOUT", "KEY", "SIGNED REFERENCE", "ANNOTATIONS"],
    )?;
    Ok(ExitCode::SUCCESS)
}

/// What the signed docker-reference must be: `--ignore-reference`, `--identity` (a repository,
/// or exactly REPO:TAG), else the repository of the registry reference.
fn reference_policy(
    subject: &Subject,
    identity: Option<&str>,
    ignore: bool,
) -> anyhow::Result<ReferencePolicy> {
    if ignore {
        return Ok(ReferencePolicy::Ignore);
    }
    if let Some(identity) = identity {
        return Ok(if repository_of(identity) == identity {
            ReferencePolicy::Repository(identity.to_owned())
        } else {
            ReferencePolicy::Exact(identity.to_owned())
        });
    }
    match subject.store.reference() {
        Some(reference) => Ok(ReferencePolicy::Repository(reference.name())),
        None => bail!(
            "`{}` is an OCI layout, which has no registry name to check the signed reference \
             against: pass --identity REGISTRY/REPO[:TAG], or --ignore-reference",
            subject.target
        ),
    }
}

fn key_name(args: &VerificationArgs, index: usize) -> String {
    args.keys
        .get(index)
        .map(|path| path.display().to_string())
        .unwrap_or_default()
}

fn annotations_text(optional: Option<&serde_json::Map<String, Value>>) -> String {
    optional
        .into_iter()
        .flatten()
        .map(|(key, value)| match value {
            Value::String(text) => format!("{key}={text}"),
            other => format!("{key}={other}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[expect(
    clippy::too_many_arguments,
    reason = "one writer for both verify commands"
)]
fn write_verified<const N: usize>(
    printer: &Printer,
    format: VerifyFormat,
    subject: &Subject,
    checked: &str,
    verification: &VerificationArgs,
    details: Value,
    rows: &[[String; N]],
    header: [&str; N],
) -> anyhow::Result<()> {
    let mut out = printer.stdout();
    match format {
        VerifyFormat::Json => {
            let mut document = json!({
                "image": subject.target.to_string(),
                "digest": subject.digest(),
                "threshold": verification.threshold,
                "checked": checked,
            });
            if let (Some(document), Value::Object(details)) = (document.as_object_mut(), details) {
                document.extend(details);
            }
            serde_json::to_writer_pretty(&mut out, &document)?;
            writeln!(out)?;
        }
        VerifyFormat::Table if printer.is_quiet() => {}
        VerifyFormat::Table => {
            writeln!(
                out,
                "Verified {} ({}): {} valid, signed by at least {} of {} trusted key(s), {checked}",
                subject.digest(),
                subject.target,
                rows.len(),
                verification.threshold,
                verification.keys.len(),
            )?;
            crate::table::write_table(&mut out, header, rows, printer.colours())?;
        }
    }
    Ok(())
}

pub(crate) fn attest(args: &AttestArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    let predicate_type = predicate_type_uri(&args.predicate_type)?;
    let predicate = read_predicate(&args.predicate)?;
    let subject = Subject::open(&args.target, &args.image)?;
    let key = load_signing_key(&args.signing.key)?;
    let placed = attach_statement(
        &subject,
        &key,
        &predicate_type,
        predicate,
        args.signing.signature_format,
    )?;
    report_placed(printer, "Attested", &subject, &predicate_type, &placed)?;
    Ok(ExitCode::SUCCESS)
}

fn read_predicate(path: &Path) -> anyhow::Result<Value> {
    let limit = parse_size(MAX_PREDICATE)?;
    let length = fs_err::metadata(path)?.len();
    if length > limit {
        bail!(
            "the predicate `{}` is {length} bytes, over the limit of {MAX_PREDICATE}",
            path.display()
        );
    }
    let bytes = fs_err::read(path)?;
    serde_json::from_slice(&bytes).with_context(|| {
        format!(
            "the predicate `{}` is not JSON (an attestation's predicate is a JSON document)",
            path.display()
        )
    })
}

fn attach_statement(
    subject: &Subject,
    key: &SigningKey,
    predicate_type: &str,
    predicate: Value,
    format: SignatureFormatArg,
) -> anyhow::Result<Vec<Placed>> {
    let name = subject
        .store
        .reference()
        .map(tollgate_oci::Reference::name)
        .unwrap_or_default();
    let statement = Statement::new(
        &name,
        subject.manifest.digest.hex(),
        predicate_type,
        predicate,
    );
    attached::attest_image(
        &subject.store,
        &subject.manifest,
        key,
        &statement,
        signature_format(format),
        &crate::time::created_timestamp(),
    )
    .with_context(|| format!("failed to attach the attestation to `{}`", subject.target))
}

pub(crate) fn verify_attestation(
    args: &VerifyAttestationArgs,
    printer: &Printer,
) -> anyhow::Result<ExitCode> {
    let predicate_type = args
        .predicate_type
        .as_deref()
        .map(predicate_type_uri)
        .transpose()?;
    let keys = load_verifying_keys(&args.verification.keys)?;
    let subject = Subject::open(&args.target, &args.image)?;
    let found = attached::find(&subject.store, &subject.manifest.digest, Kind::Attestations)
        .with_context(|| format!("failed to read the attestations of `{}`", subject.target))?;
    let verified = verify_attestations(
        &found,
        &keys,
        &subject.digest(),
        predicate_type.as_deref(),
        args.verification.threshold,
    )
    .with_context(|| {
        format!(
            "verification of the attestations of `{}` failed",
            subject.target
        )
    })?;
    let statements: Vec<Value> = verified
        .iter()
        .map(|attestation| {
            json!({
                "key": key_name(&args.verification, attestation.key_index),
                "source": attestation.source,
                "statement": attestation.statement,
            })
        })
        .collect();
    let checked = match &predicate_type {
        Some(uri) => format!("predicate type {uri}"),
        None => "any predicate type".to_owned(),
    };
    write_verified(
        printer,
        args.verification.format,
        &subject,
        &checked,
        &args.verification,
        json!({ "attestations": statements }),
        &verified
            .iter()
            .map(|attestation| {
                [
                    attestation.statement.predicate_type.clone(),
                    key_name(&args.verification, attestation.key_index),
                    attestation.source.clone(),
                ]
            })
            .collect::<Vec<_>>(),
        ["PREDICATE TYPE", "KEY", "FOUND IN"],
    )?;
    Ok(ExitCode::SUCCESS)
}

/// `scan --attest` / `sbom --attest`: attach `predicate` (the report just written) to the
/// scanned image, signed with `--key`. The image target must be one a store can be opened on.
pub(crate) fn attest_report(
    target: &str,
    image: &ImageArgs,
    args: &AttestReportArgs,
    predicate_type: &str,
    predicate: Value,
    printer: &Printer,
) -> anyhow::Result<()> {
    let Some(key_path) = &args.attest_key else {
        bail!("--attest needs --key FILE, the private key to sign the attestation with");
    };
    let subject = Subject::open(target, image)?;
    let key = load_signing_key(key_path)?;
    let placed = attach_statement(
        &subject,
        &key,
        predicate_type,
        predicate,
        args.attest_signature_format,
    )?;
    if !printer.is_quiet() {
        let places: Vec<String> = placed
            .iter()
            .map(|entry| format!("{} {}", entry.layout, entry.location))
            .collect();
        let mut stderr = std::io::stderr().lock();
        writeln!(
            stderr,
            "Attested {} ({predicate_type}) in {}: {}",
            subject.digest(),
            subject.store.describe(),
            places.join(", ")
        )?;
    }
    Ok(())
}
