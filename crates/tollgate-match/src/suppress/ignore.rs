//! The ignore file (`.tollgateignore`): YAML, a `vulnerabilities:` list of entries, each with
//! the vulnerability `id`, optionally narrowed to a package (`package`, `purl`/`purls`,
//! `paths`), a required `reason` and an optional `expires` date.
//!
//! Trivy's files are read as they are, so an existing one moves over unchanged:
//! `.trivyignore.yaml` (ref: <https://trivy.dev/latest/docs/configuration/filtering/#trivyignoreyaml>)
//! with its spellings (`statement` for `reason`, `expired_at` for `expires`, `purls`) and its
//! `misconfigurations`, `secrets` and `licenses` sections (accepted, not applied: a warning
//! says so), and the plain `.trivyignore` (one id a line, `exp:YYYY-MM-DD`, `#` comments).
//! In a file named like Trivy's the reason is optional, as Trivy has it; in tollgate's own it
//! is required. Any other key is an error: a typo like `expire:` must not quietly make an
//! entry permanent.
//!
//! An entry that expires on D applies before D and not on D, as Trivy's `expired_at` (its
//! entries are dropped once `D 00:00:00 UTC` is past). A timestamp expires the entry on its
//! UTC date: at most a day early, never late.

use std::path::Path;

use std::fmt;

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer};

use super::Problem;
use super::purl::Purl;
use super::time::Date;
use crate::Finding;

#[derive(Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping with a `vulnerabilities:` list of entries"
)]
struct File {
    #[serde(default)]
    vulnerabilities: Option<Vec<RawEntry>>,
    // Trivy's sections for its other scanners.
    #[serde(default)]
    misconfigurations: Option<Vec<serde_yaml_ng::Value>>,
    #[serde(default)]
    secrets: Option<Vec<serde_yaml_ng::Value>>,
    #[serde(default)]
    licenses: Option<Vec<serde_yaml_ng::Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "an entry with an `id`")]
struct RawEntry {
    id: NonEmpty,
    #[serde(default)]
    package: Option<NonEmpty>,
    #[serde(default)]
    purl: Option<PurlField>,
    #[serde(default)]
    purls: Option<Vec<PurlField>>,
    #[serde(default)]
    paths: Option<Vec<GlobField>>,
    #[serde(default, alias = "statement")]
    reason: Option<NonEmpty>,
    #[serde(default, alias = "expired_at")]
    expires: Option<Expiry>,
}

/// When an entry stops applying: the first day it no longer applies, and the date as written.
#[derive(Clone, Debug)]
pub(super) struct Expiry {
    pub(super) date: Date,
    pub(super) text: String,
}

/// One entry of an ignore file.
#[derive(Clone, Debug)]
pub(super) struct Entry {
    pub(super) id: String,
    package: Option<String>,
    purls: Vec<Purl>,
    paths: Option<GlobSet>,
    /// Why (optional only in Trivy's files).
    pub(super) reason: Option<String>,
    pub(super) expires: Option<Expiry>,
    /// The file.
    pub(super) file: String,
    /// The entry's line in it (unknown for flow-style YAML).
    pub(super) line: Option<usize>,
    /// Its index in `vulnerabilities`.
    pub(super) index: usize,
}

impl Entry {
    /// Whether the entry still applies on `today`: before its expiry date, not on it.
    pub(super) fn active(&self, today: Date) -> bool {
        self.expires.as_ref().is_none_or(|e| today < e.date)
    }

    /// Whether it covers `finding` (whose package purl, parsed, is `package_purl`): the id is
    /// one of the finding's (its id, an advisory's, an alias), and every narrowing the entry
    /// gives holds.
    pub(super) fn covers(&self, finding: &Finding, package_purl: Option<&Purl>) -> bool {
        finding.ids().any(|id| id.eq_ignore_ascii_case(&self.id))
            // The name as installed, or the source package it was built from: Debian and
            // Alpine advisories (and people) name `openssl`, the image holds `libssl3`.
            && self.package.as_ref().is_none_or(|name| {
                finding.package.name == *name
                    || finding.package.source_name.as_deref() == Some(name.as_str())
            })
            && (self.purls.is_empty()
                || package_purl.is_some_and(|p| self.purls.iter().any(|rule| rule.identifies(p))))
            && self.paths.as_ref().is_none_or(|globs| {
                globs.is_match(finding.package.path.trim_start_matches('/'))
            })
    }

    /// Where the entry is, for a `Suppressed`'s source: `file:line`.
    pub(super) fn source(&self) -> String {
        match self.line {
            Some(line) => format!("{}:{line}", self.file),
            None => format!("{} vulnerabilities[{}]", self.file, self.index),
        }
    }

    /// `ignore file: accepted risk (expires 2027-01-01)`.
    pub(super) fn suppression_reason(&self) -> String {
        let reason = self.reason.as_deref().unwrap_or("no reason given");
        match &self.expires {
            Some(expiry) => format!("ignore file: {reason} (expires {})", expiry.text),
            None => format!("ignore file: {reason}"),
        }
    }
}

/// The entries of the ignore file `file` whose text is `text`, and warnings about what it
/// holds that is not applied. An error names the line and what is wrong (serde_yaml_ng places
/// every error, including the ones raised while checking a date, a purl or a glob, at its
/// line and column).
pub(super) fn parse(text: &str, file: &str) -> Result<(Vec<Entry>, Vec<String>), Problem> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let base = Path::new(file)
        .file_name()
        .map(|name| name.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let trivy = base.contains("trivyignore");
    if trivy && !(base.ends_with(".yaml") || base.ends_with(".yml")) {
        // Trivy reads every ignore file without a YAML extension as its plain list.
        return Ok((parse_plain(text, file)?, Vec::new()));
    }
    if text
        .lines()
        .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
    {
        // An empty file (or only comments) ignores nothing; YAML would read it as null.
        return Ok((Vec::new(), Vec::new()));
    }
    let parsed: File = serde_yaml_ng::from_str(text).map_err(|e| yaml_problem(&e))?;
    let mut warnings = Vec::new();
    for (section, entries) in [
        ("misconfigurations", &parsed.misconfigurations),
        ("secrets", &parsed.secrets),
        ("licenses", &parsed.licenses),
    ] {
        if let Some(entries) = entries.as_ref().filter(|e| !e.is_empty()) {
            warnings.push(format!(
                "{file}: the {} `{section}` entries are not applied: tollgate applies ignore \
                 entries to vulnerabilities only",
                entries.len()
            ));
        }
    }
    let raw = parsed.vulnerabilities.unwrap_or_default();
    let lines = entry_lines(text, raw.len());
    let mut entries = Vec::with_capacity(raw.len());
    for (index, raw) in raw.into_iter().enumerate() {
        let line = lines.as_ref().and_then(|l| l.get(index).copied());
        let problem = |message: String| match line {
            Some(line) => Problem::at(line, message),
            None => Problem::new(message),
        };
        let NonEmpty(id) = raw.id;
        if raw.reason.is_none() && !trivy {
            return Err(problem(format!(
                "vulnerabilities[{index}] ({id}): no `reason`: say why it is ignored"
            )));
        }
        let mut purls: Vec<Purl> = raw.purls.into_iter().flatten().map(|p| p.0).collect();
        purls.extend(raw.purl.map(|p| p.0));
        let paths = glob_set(raw.paths.unwrap_or_default())
            .map_err(|e| problem(format!("vulnerabilities[{index}].paths: {e}")))?;
        entries.push(Entry {
            id,
            package: raw.package.map(|p| p.0),
            purls,
            paths,
            reason: raw.reason.map(|r| r.0),
            expires: raw.expires,
            file: file.to_owned(),
            line,
            index,
        });
    }
    Ok((entries, warnings))
}

/// Trivy's plain `.trivyignore`: one id a line, optionally with `exp:YYYY-MM-DD`; `#` starts
/// a comment (a whole-line comment, or, after the id, the entry's reason). Trivy skips a line
/// whose date does not parse; here it is an error, like any other malformed entry.
fn parse_plain(text: &str, file: &str) -> Result<Vec<Entry>, Problem> {
    let mut entries = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line_number = number + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (fields, comment) = match line.split_once('#') {
            Some((fields, comment)) => (fields, Some(comment.trim())),
            None => (line, None),
        };
        let mut fields = fields.split_whitespace();
        let Some(id) = fields.next() else {
            continue;
        };
        let mut expires = None;
        for field in fields {
            if let Some(text) = field.strip_prefix("exp:") {
                let date = Date::parse(text)
                    .filter(|_| text.len() == 10)
                    .ok_or_else(|| {
                        Problem::at(
                            line_number,
                            format!("`{text}` is not a date: write exp:YYYY-MM-DD"),
                        )
                    })?;
                expires = Some(Expiry {
                    date,
                    text: text.to_owned(),
                });
            }
        }
        let index = entries.len();
        entries.push(Entry {
            id: id.to_owned(),
            package: None,
            purls: Vec::new(),
            paths: None,
            reason: comment.filter(|c| !c.is_empty()).map(str::to_owned),
            expires,
            file: file.to_owned(),
            line: Some(line_number),
            index,
        });
    }
    Ok(entries)
}

/// A YAML error as a problem: serde_yaml_ng's message (which names the entry and field,
/// `vulnerabilities[2].expires: ...`) without its position, which becomes the line.
fn yaml_problem(error: &serde_yaml_ng::Error) -> Problem {
    let message = error.to_string();
    match error.location() {
        Some(location) => {
            let suffix = format!(" at line {} column {}", location.line(), location.column());
            let message = message.strip_suffix(&suffix).unwrap_or(&message);
            Problem::at(location.line(), message)
        }
        None => Problem::new(message),
    }
}

/// The 1-based line of each entry of the `vulnerabilities` list, found in the text (serde
/// keeps no positions for values that parsed). Block-style YAML only: the entries are the
/// `- ` lines at the list's indentation. `None` when the lines found are not exactly
/// `count` (flow style, or a layout this reading does not follow): no line beats a wrong one.
fn entry_lines(text: &str, count: usize) -> Option<Vec<usize>> {
    let mut lines = text.lines().enumerate();
    lines.find(|(_, line)| {
        let key = line.trim_end();
        let key = key.split_once('#').map_or(key, |(k, _)| k).trim_end();
        matches!(
            key,
            "vulnerabilities:" | "\"vulnerabilities\":" | "'vulnerabilities':"
        )
    })?;
    let mut indent = None;
    let mut found = Vec::with_capacity(count);
    for (number, line) in lines {
        let content = line.trim_start();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        if content.starts_with("---") || content.starts_with("...") {
            break;
        }
        let column = line.len() - content.len();
        let is_item = content == "-" || content.starts_with("- ");
        match indent {
            None if is_item => indent = Some(column),
            None => return None,
            Some(n) if column < n || (column == n && !is_item) => break,
            Some(_) => {}
        }
        if is_item && Some(column) == indent {
            found.push(number + 1);
        }
    }
    (found.len() == count).then_some(found)
}

/// A scalar converted by `parse` inside its own deserialization, so that an error carries
/// the scalar's line and path (`vulnerabilities[0].expires`), not its entry's.
struct Parsed<F>(F);

impl<'de, T, F: FnOnce(&str) -> Result<T, String>> Visitor<'de> for Parsed<F> {
    type Value = T;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a string")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<T, E> {
        (self.0)(value).map_err(E::custom)
    }
}

/// Text with something in it, trimmed.
struct NonEmpty(String);

impl<'de> Deserialize<'de> for NonEmpty {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(Parsed(|text: &str| {
            let text = text.trim();
            if text.is_empty() {
                Err("must not be empty".to_owned())
            } else {
                Ok(Self(text.to_owned()))
            }
        }))
    }
}

struct PurlField(Purl);

impl<'de> Deserialize<'de> for PurlField {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(Parsed(|text: &str| Purl::parse(text).map(Self)))
    }
}

/// A package path pattern, matched as Trivy matches them (doublestar): `*` stays within a
/// path segment, `**` crosses them; a leading `/` is optional on both sides.
struct GlobField(Glob);

impl<'de> Deserialize<'de> for GlobField {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(Parsed(|pattern: &str| {
            GlobBuilder::new(pattern.trim().trim_start_matches('/'))
                .literal_separator(true)
                .build()
                .map(Self)
                .map_err(|e| format!("invalid path pattern `{pattern}`: {e}"))
        }))
    }
}

impl<'de> Deserialize<'de> for Expiry {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(Parsed(|text: &str| {
            let date = Date::parse(text).ok_or_else(|| {
                format!("`{text}` is not a date: write YYYY-MM-DD or an RFC 3339 timestamp")
            })?;
            Ok(Self {
                date,
                text: text.trim().to_owned(),
            })
        }))
    }
}

/// The patterns as one set; `None` when there are none.
fn glob_set(patterns: Vec<GlobField>) -> Result<Option<GlobSet>, String> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut set = GlobSetBuilder::new();
    for GlobField(glob) in patterns {
        set.add(glob);
    }
    set.build()
        .map(Some)
        .map_err(|e| format!("invalid path patterns: {e}"))
}
