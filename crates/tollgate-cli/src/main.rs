//! The `tollgate` binary: argument parsing and wiring only.

use std::process::ExitCode;

use clap::Parser;

mod args;
mod commands;
mod hints;
mod output;
mod printer;
mod progress;
mod table;
mod time;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    let printer = printer::Printer::new(cli.quiet);
    match commands::run(cli.command, &printer) {
        Ok(status) => status,
        Err(error) => {
            // A closed pipe (`tollgate inspect … | head`) is not an error (ripgrep does the same).
            if error.chain().any(is_broken_pipe) {
                return ExitCode::SUCCESS;
            }
            printer.error(&error);
            ExitCode::from(1)
        }
    }
}

fn is_broken_pipe(error: &(dyn std::error::Error + 'static)) -> bool {
    let broken = Some(std::io::ErrorKind::BrokenPipe);
    error
        .downcast_ref::<std::io::Error>()
        .map(std::io::Error::kind)
        == broken
        || error
            .downcast_ref::<serde_json::Error>()
            .and_then(serde_json::Error::io_error_kind)
            == broken
}
