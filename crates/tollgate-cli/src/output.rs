//! Where results go: stdout, or a file written completely or not at all (a temporary file in the
//! same directory, renamed into place once everything is written).

use std::io::Write;
use std::path::Path;

use anyhow::Context;

use crate::printer::Printer;

/// Run `write` against stdout or against `path`, atomically.
pub(crate) fn write_output(
    printer: &Printer,
    path: Option<&Path>,
    write: impl FnOnce(&mut dyn Write) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let Some(path) = path else {
        let mut out = printer.stdout();
        write(&mut out)?;
        out.flush()?;
        return Ok(());
    };
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut temporary = tempfile::Builder::new()
        .prefix(".tollgate-")
        .tempfile_in(directory)
        .with_context(|| {
            format!(
                "failed to create a temporary file in `{}`",
                directory.display()
            )
        })?;
    {
        let mut buffered = std::io::BufWriter::new(temporary.as_file_mut());
        write(&mut buffered)?;
        buffered
            .flush()
            .with_context(|| format!("failed to write `{}`", path.display()))?;
    }
    temporary
        .persist(path)
        .with_context(|| format!("failed to write `{}`", path.display()))?;
    Ok(())
}
