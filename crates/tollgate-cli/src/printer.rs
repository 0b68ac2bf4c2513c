//! All output goes through one `Printer` (as in uv), so `--quiet`, colours and broken pipes are
//! handled in one place.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::{IsTerminal, Write};

use anstream::AutoStream;

pub(crate) struct Printer {
    quiet: bool,
}

impl Printer {
    pub(crate) fn new(quiet: bool) -> Self {
        Self { quiet }
    }

    /// Results: always printed (to stdout).
    pub(crate) fn stdout(&self) -> impl Write {
        AutoStream::auto(std::io::stdout().lock())
    }

    /// Whether `--quiet` asked for results and errors only.
    pub(crate) fn is_quiet(&self) -> bool {
        self.quiet
    }

    /// Whether progress bars should be drawn: stderr is a terminal and not `--quiet`.
    pub(crate) fn wants_progress(&self) -> bool {
        !self.quiet && std::io::stderr().is_terminal()
    }

    /// Whether stdout takes colours.
    pub(crate) fn colours(&self) -> bool {
        std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
    }

    /// A warning on stderr (even with `--quiet`: it qualifies the results).
    pub(crate) fn warning(&self, message: &str) {
        let mut stderr = AutoStream::auto(std::io::stderr().lock());
        let _ = writeln!(stderr, "warning: {message}");
    }

    pub(crate) fn error(&self, error: &anyhow::Error) {
        let mut stderr = AutoStream::auto(std::io::stderr().lock());
        let _ = writeln!(stderr, "error: {error:#}");
        for hint in crate::hints::for_error(error) {
            let _ = writeln!(stderr, "hint: {hint}");
        }
    }
}
