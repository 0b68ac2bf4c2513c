//! Benchmark driver for bench/vulndb.sh (not a test): opens a DB and reports how long that
//! took, then either matches images (inventory and match timed apart) or runs lookups for
//! (ecosystem, name) pairs read from a file, one per line, tab-separated.
//!
//!   match_bench <db> image <target>...
//!   match_bench <db> lookups <file>
#![allow(clippy::print_stdout, clippy::unwrap_used, missing_docs)]

use std::time::Instant;

use tollgate_oci::{Image, OpenOptions, Target};
use tollgate_vulndb::Db;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [db_path, mode, rest @ ..] = args.as_slice() else {
        return Err("usage: match_bench <db> image <target>... | lookups <file>".into());
    };
    let started = Instant::now();
    let db = Db::open(std::path::Path::new(db_path))?;
    println!(
        "open\t{:.3} ms\t{} advisories",
        started.elapsed().as_secs_f64() * 1e3,
        db.info().advisories
    );
    match mode.as_str() {
        "image" => {
            for target in rest {
                let started = Instant::now();
                let image = Image::open(&Target::parse(target)?, &OpenOptions::default())?;
                let inventory = tollgate_catalog::inventory(&image, None)?;
                let inventoried = started.elapsed();
                let started = Instant::now();
                let report = tollgate_match::match_inventory(&db, &inventory)?;
                let matched = started.elapsed();
                println!(
                    "image\t{target}\tinventory {:.1} ms\tmatch {:.1} ms\t{} packages\t{} findings",
                    inventoried.as_secs_f64() * 1e3,
                    matched.as_secs_f64() * 1e3,
                    inventory.packages.len(),
                    report.findings.len()
                );
            }
        }
        "lookups" => {
            let text = fs_err::read_to_string(rest.first().ok_or("no lookup file")?)?;
            let pairs: Vec<(&str, &str)> =
                text.lines().filter_map(|l| l.split_once('\t')).collect();
            let started = Instant::now();
            let mut found = 0;
            for (ecosystem, name) in &pairs {
                found += db.advisories_for(ecosystem, name)?.len();
            }
            let elapsed = started.elapsed();
            println!(
                "lookups\t{}\t{:.1} us each\t{found} advisories read",
                pairs.len(),
                elapsed.as_secs_f64() * 1e6 / pairs.len().max(1) as f64
            );
        }
        other => return Err(format!("unknown mode `{other}`").into()),
    }
    Ok(())
}
