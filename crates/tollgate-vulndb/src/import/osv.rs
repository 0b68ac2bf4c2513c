//! OSV input: the osv.dev export zips (`<Ecosystem>/all.zip`), directories of advisory JSON
//! files, and single files. The stored document is the feed's own bytes.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::Path;

use super::{
    BuildError, FeedKind, ImportError, ImportLimits, Imported, ImportedAdvisory, Sink, SourceInfo,
    newest_date, read_bounded, read_document,
};
use crate::advisory::Advisory;

/// Whether a JSON value is an OSV advisory: an object with a string `id` and a `modified` or
/// an `affected` list (what every OSV record has).
pub(super) fn is_advisory(value: &serde_json::Value) -> bool {
    value.get("id").is_some_and(serde_json::Value::is_string)
        && (value
            .get("modified")
            .is_some_and(serde_json::Value::is_string)
            || value
                .get("affected")
                .is_some_and(serde_json::Value::is_array))
}

/// A parsed advisory, or why the JSON is not one.
fn parse(bytes: &[u8]) -> Result<Advisory, String> {
    serde_json::from_slice(bytes).map_err(|error| error.to_string())
}

pub(super) fn read_zip(
    path: &Path,
    limits: &ImportLimits,
    sink: &mut dyn Sink,
) -> Result<(), BuildError> {
    let where_ = path.display().to_string();
    let file = fs_err::File::open(path).map_err(|source| super::read_error(path, source))?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(|error| {
        ImportError::Malformed {
            path: where_.clone(),
            reason: format!("not a readable zip: {error}"),
        }
    })?;
    if zip.len() > limits.max_zip_members {
        return Err(ImportError::TooLarge {
            path: where_,
            what: "the number of zip members",
            limit: limits.max_zip_members as u64,
        }
        .into());
    }
    let mut summary = Summary::default();
    sink.begin()?;
    let mut total = 0u64;
    for index in 0..zip.len() {
        let mut member = zip
            .by_index(index)
            .map_err(|error| ImportError::Malformed {
                path: where_.clone(),
                reason: format!("zip member {index}: {error}"),
            })?;
        if member.is_dir() {
            continue;
        }
        let name = member.name().to_owned();
        let member_path = format!("{where_}:{name}");
        if !name.to_ascii_lowercase().ends_with(".json") {
            summary
                .not_mapped
                .push(format!("{name}: not a JSON member, skipped"));
            continue;
        }
        // The declared size is not trusted: the read itself is bounded.
        let remaining = limits.max_zip_total.saturating_sub(total);
        let bytes = read_bounded(
            (&mut member).take(remaining.saturating_add(1)),
            limits.max_document,
            &member_path,
        )?;
        total += bytes.len() as u64;
        if total > limits.max_zip_total {
            return Err(ImportError::TooLarge {
                path: where_,
                what: "the decompressed size of the zip",
                limit: limits.max_zip_total,
            }
            .into());
        }
        match parse(&bytes) {
            Ok(advisory) => {
                summary.add(&advisory);
                sink.advisory(ImportedAdvisory {
                    advisory,
                    document: bytes,
                })?;
            }
            Err(reason) => summary
                .not_mapped
                .push(format!("{name}: not an OSV advisory: {reason}")),
        }
    }
    sink.end(summary.source(path))
}

pub(super) fn read_single(
    path: &Path,
    bytes: Vec<u8>,
    _value: serde_json::Value,
) -> Result<Imported, ImportError> {
    let advisory = parse(&bytes).map_err(|reason| ImportError::Malformed {
        path: path.display().to_string(),
        reason: format!("not an OSV advisory: {reason}"),
    })?;
    Ok(imported(
        path,
        vec![ImportedAdvisory {
            advisory,
            document: bytes,
        }],
        Vec::new(),
    ))
}

/// One loose JSON file of a directory, when it is an OSV advisory (`None` otherwise: the
/// directory walk then tries the other feeds).
pub(super) fn read_loose(
    path: &Path,
    limits: &ImportLimits,
) -> Result<Option<ImportedAdvisory>, ImportError> {
    let bytes = read_document(path, limits)?;
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return Ok(None);
    };
    if !is_advisory(&value) {
        return Ok(None);
    }
    let advisory = parse(&bytes).map_err(|reason| ImportError::Malformed {
        path: path.display().to_string(),
        reason: format!("not an OSV advisory: {reason}"),
    })?;
    Ok(Some(ImportedAdvisory {
        advisory,
        document: bytes,
    }))
}

/// What a stream of OSV advisories adds up to: its ecosystems, newest date and count.
#[derive(Default)]
pub(super) struct Summary {
    ecosystems: BTreeSet<String>,
    dates: Option<String>,
    records: usize,
    pub(super) not_mapped: Vec<String>,
}

impl Summary {
    pub(super) fn add(&mut self, advisory: &Advisory) {
        self.records += 1;
        self.ecosystems.extend(
            advisory
                .affected
                .iter()
                .filter_map(|affected| affected.package.as_ref())
                .map(|package| package.ecosystem.clone()),
        );
        if let Some(date) = newest_date(
            self.dates
                .as_deref()
                .into_iter()
                .chain(std::iter::once(advisory.modified.as_str())),
        ) {
            self.dates = Some(date);
        }
    }

    pub(super) fn source(self, path: &Path) -> SourceInfo {
        let name = if self.ecosystems.is_empty() {
            "osv".to_owned()
        } else {
            format!(
                "osv:{}",
                self.ecosystems.into_iter().collect::<Vec<_>>().join(",")
            )
        };
        SourceInfo {
            name,
            kind: FeedKind::Osv,
            location: path.display().to_string(),
            date: self.dates,
            records: self.records,
            not_mapped: self.not_mapped,
        }
    }
}

fn imported(path: &Path, advisories: Vec<ImportedAdvisory>, not_mapped: Vec<String>) -> Imported {
    let mut summary = Summary {
        not_mapped,
        ..Summary::default()
    };
    for item in &advisories {
        summary.add(&item.advisory);
    }
    Imported {
        source: summary.source(path),
        advisories,
    }
}
