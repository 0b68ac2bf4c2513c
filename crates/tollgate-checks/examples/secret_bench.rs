//! Benchmark (not a test) of the secret scanner's added time: one pass over an image (the
//! inventory, as a vuln-only `tollgate scan` does, without the layer cache) with and without
//! the scanner riding on it, alternated, best and median of N runs each.
//!
//!     cargo run --release -p tollgate-checks --example secret_bench -- [--runs N] TARGET...
//!
//! e.g. `oci:../shared/images/debian-bookworm-app:1.0`,
//! `docker-archive:../shared/images/debian-trixie-slim.tar.gz`. Prints the times, what the
//! scanner read, and every finding.
#![allow(clippy::print_stdout, clippy::unwrap_used, missing_docs)]

use std::time::{Duration, Instant};

use tollgate_catalog::{InventoryOptions, analyse};
use tollgate_checks::RuleOverrides;
use tollgate_checks::secrets::SecretScanner;
use tollgate_oci::{Image, OpenOptions, Target};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut runs = 5;
    let mut targets = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--runs" {
            runs = args.next().ok_or("--runs N")?.parse()?;
        } else {
            targets.push(arg);
        }
    }
    for target in targets {
        let image = Image::open(&Target::parse(&target)?, &OpenOptions::default())?;
        let mut without = Vec::new();
        let mut with = Vec::new();
        let mut last = None;
        // Warm the page cache once, then alternate so that load from other processes hits
        // both sides alike.
        analyse(&image, InventoryOptions::default())?;
        for _ in 0..runs {
            let start = Instant::now();
            analyse(&image, InventoryOptions::default())?;
            without.push(start.elapsed());

            let scanner = SecretScanner::new(Default::default());
            let start = Instant::now();
            let pass = analyse(
                &image,
                InventoryOptions {
                    analyzers: &[&scanner],
                    ..Default::default()
                },
            )?;
            let findings = scanner.findings(&pass.view, &image.layers, &RuleOverrides::default());
            with.push(start.elapsed());
            last = Some((scanner.stats(), findings));
        }
        let (stats, findings) = last.ok_or("--runs 0")?;
        let (best_without, median_without) = summary(&mut without);
        let (best_with, median_with) = summary(&mut with);
        println!("{target}");
        println!(
            "  inventory only:  best {:7.1} ms  median {:7.1} ms",
            ms(best_without),
            ms(median_without)
        );
        println!(
            "  with secrets:    best {:7.1} ms  median {:7.1} ms  (+{:.1}% best, +{:.1}% median)",
            ms(best_with),
            ms(median_with),
            percent(best_with, best_without),
            percent(median_with, median_without)
        );
        println!(
            "  files {} scanned {} ({:.1} MiB) binary {} allow-listed {} too large {}",
            stats.files,
            stats.scanned,
            stats.bytes as f64 / 1024.0 / 1024.0,
            stats.binary,
            stats.allowed,
            stats.too_large
        );
        println!("  findings: {}", findings.len());
        for f in findings {
            println!(
                "    {} {:?} {}:{} layer {} final={} | {}",
                f.rule_id, f.severity, f.path, f.line, f.layer_index, f.in_final_image, f.redacted
            );
        }
    }
    Ok(())
}

fn summary(times: &mut [Duration]) -> (Duration, Duration) {
    times.sort();
    (times[0], times[times.len() / 2])
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn percent(with: Duration, without: Duration) -> f64 {
    (with.as_secs_f64() / without.as_secs_f64() - 1.0) * 100.0
}
