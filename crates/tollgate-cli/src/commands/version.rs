//! `tollgate version compare`: one comparison, or a stream of them.

use std::cmp::Ordering;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::ExitCode;

use anyhow::{Context, bail};
use tollgate_version::{Ecosystem, InvalidVersion, compare, explain};

use crate::args::{CompareArgs, VersionArgs, VersionCommand};
use crate::printer::Printer;

pub(crate) fn run(args: &VersionArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    match &args.command {
        VersionCommand::Compare(args) => run_compare(args, printer),
    }
}

fn run_compare(args: &CompareArgs, printer: &Printer) -> anyhow::Result<ExitCode> {
    let mut out = printer.stdout();
    if args.batch {
        batch(args.ecosystem, std::io::stdin().lock(), &mut out)?;
        return Ok(ExitCode::SUCCESS);
    }
    let (Some(a), Some(b)) = (&args.a, &args.b) else {
        bail!("two versions are needed (or --batch)");
    };
    if args.explain {
        for version in [a, b] {
            let line = match explain(args.ecosystem, version) {
                Ok(parsed) => format!("{version}: {parsed}"),
                Err(InvalidVersion { reason, .. }) => format!("{version}: invalid: {reason}"),
            };
            writeln!(out, "{line}")?;
        }
    }
    writeln!(out, "{}", word(compare(args.ecosystem, a, b)))?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn word(result: Result<Ordering, InvalidVersion>) -> &'static str {
    match result {
        Ok(Ordering::Less) => "<",
        Ok(Ordering::Equal) => "=",
        Ok(Ordering::Greater) => ">",
        Err(_) => "invalid",
    }
}

/// One word per `a<TAB>b` line. Output is buffered for throughput but flushed whenever the
/// input has nothing more buffered, so a program feeding one line at a time gets its answer
/// before it sends the next.
fn batch(ecosystem: Ecosystem, input: impl Read, out: &mut impl Write) -> anyhow::Result<()> {
    let mut input = BufReader::with_capacity(1 << 16, input);
    let mut out = std::io::BufWriter::with_capacity(1 << 16, out);
    let mut line = String::new();
    let mut number = 0u64;
    loop {
        if input.buffer().is_empty() {
            out.flush()?;
        }
        line.clear();
        if input
            .read_line(&mut line)
            .with_context(|| format!("reading line {} of stdin", number + 1))?
            == 0
        {
            break;
        }
        number += 1;
        let pair = line.strip_suffix('\n').unwrap_or(&line);
        let pair = pair.strip_suffix('\r').unwrap_or(pair);
        let Some((a, b)) = pair.split_once('\t') else {
            bail!("line {number} of stdin is not `a<TAB>b`: {pair:?}");
        };
        out.write_all(word(compare(ecosystem, a, b)).as_bytes())?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_writes_one_word_per_line_and_names_a_bad_line() {
        let mut out = Vec::new();
        batch(Ecosystem::Deb, &b"1.0\t1.0\n"[..], &mut out).unwrap();
        assert_eq!(out.len(), 2);
        let error = batch(
            Ecosystem::Deb,
            &b"1.0\t1.0\nno tab here\n"[..],
            &mut Vec::new(),
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "line 2 of stdin is not `a<TAB>b`: \"no tab here\""
        );
    }
}
