//! `tollgate key generate`: a key pair in cosign's format, so that tollgate's keys sign for
//! cosign and cosign's keys sign for tollgate.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use anyhow::{Context, bail};
use tollgate_sign::KeyAlgorithm;
use tollgate_sign::keys::{generate_key_files, password_from_env};
use zeroize::Zeroizing;

use crate::args::{KeyArgs, KeyCommand, KeyGenerateArgs, KeyType};
use crate::printer::Printer;

pub(crate) fn run(args: &KeyArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    match &args.command {
        KeyCommand::Generate(args) => generate(args, printer),
    }
}

fn generate(args: &KeyGenerateArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    let password = match password_from_env() {
        Some(password) => password,
        None => prompt_new_password()?,
    };
    let algorithm = match args.algorithm {
        KeyType::EcdsaP256 => KeyAlgorithm::EcdsaP256,
        KeyType::Ed25519 => KeyAlgorithm::Ed25519,
    };
    let (_, files) = generate_key_files(
        &args.output_key_prefix,
        algorithm,
        password.as_bytes(),
        args.force,
    )
    .with_context(|| {
        format!(
            "cannot write the key pair `{}.key`/`.pub` (use --force to replace existing files)",
            args.output_key_prefix.display()
        )
    })?;
    if !printer.is_quiet() {
        let mut out = printer.stdout();
        writeln!(
            out,
            "Private key written to {}\nPublic key written to {}",
            files.private_key.display(),
            files.public_key.display()
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The password of an existing key: $TOLLGATE_PASSWORD, $COSIGN_PASSWORD, else asked once on
/// the terminal.
pub(crate) fn password() -> std::io::Result<Zeroizing<String>> {
    if let Some(password) = password_from_env() {
        return Ok(password);
    }
    if !std::io::stdin().is_terminal() {
        return Err(std::io::Error::other(
            "no password: set TOLLGATE_PASSWORD (or COSIGN_PASSWORD), or run on a terminal",
        ));
    }
    rpassword::prompt_password("Enter password for private key: ").map(Zeroizing::new)
}

/// Ask twice on the terminal, as cosign does; without a terminal, say which variable to set.
fn prompt_new_password() -> anyhow::Result<Zeroizing<String>> {
    if !std::io::stdin().is_terminal() {
        bail!(
            "no password: set TOLLGATE_PASSWORD (or COSIGN_PASSWORD; empty for none), or run on a terminal to be asked"
        );
    }
    let first = Zeroizing::new(
        rpassword::prompt_password("Enter password for private key: ")
            .context("cannot read the password")?,
    );
    let again = Zeroizing::new(
        rpassword::prompt_password("Enter password for private key again: ")
            .context("cannot read the password")?,
    );
    if first != again {
        bail!("the passwords do not match");
    }
    Ok(first)
}
