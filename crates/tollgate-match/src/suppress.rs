//! Noise control a security team can defend: findings suppressed by an ignore file or a VEX
//! document are kept, with the rule's reason and where the rule is (`file:line`, and the
//! statement for VEX), never dropped.
//!
//! - The ignore file (`.tollgateignore`, YAML): entries naming a vulnerability, optionally
//!   narrowed to a package name (installed or source), purls or package paths, each with a
//!   required reason and an optional expiry date. Trivy's `.trivyignore.yaml` is read as it is
//!   (`statement`, `expired_at`, `purls`, `paths`, its other scanners' sections), and so is the
//!   plain `.trivyignore` (one id a line, `exp:` dates).
//! - Expiry is Trivy's `expired_at`: an entry that expires on D applies up to the end of the day
//!   before D and stops applying on D itself (Trivy drops it once `D 00:00:00 UTC` is past). An
//!   expired entry stops applying and is reported in [`Applied::warnings`].
//! - VEX: OpenVEX (0.2.0, the 0.0.x shapes, and as an in-toto predicate) and CycloneDX VEX
//!   (JSON), told apart by content. `not_affected` (CycloneDX also `false_positive`) and `fixed`
//!   (`resolved`, `resolved_with_pedigree`) suppress; `affected` (`exploitable`) and
//!   `under_investigation` (`in_triage`) do not. A statement is about a finding when its
//!   vulnerability (name or alias; CycloneDX `id` or `references`) is one of the finding's ids:
//!   its vulnerability id, its advisories' ids, or their aliases. When several statements are
//!   about one finding's package, the latest wins (by its timestamp, else its document's; then
//!   by load order), whatever its status: a later `affected` undoes an earlier `not_affected`.
//!
//! Products and packages are matched by purl ([`purl`]): type, namespace and name, then the
//! version, qualifiers and subpath the rule gives. A product that is an image (`pkg:oci/...`)
//! covers the subcomponents it lists, or every package of the image when it lists none, and
//! only when it names the scanned image: two image purls with digests are the same image when
//! the digests are; when the scanned image's purl is unknown, image products apply to nothing
//! (and a warning says so). A CycloneDX `affects` naming the document's own subject
//! (`metadata.component`) without a purl, as Dependency-Track's VEX export does, covers every
//! package of the target (and a warning says so).
//!
//! VEX statements are applied first (they are evidence about the product), then the ignore
//! file (a local decision, which can also silence what a VEX calls `affected`).

mod cyclonedx;
mod ignore;
mod openvex;
mod purl;
mod time;
mod vex;

use std::collections::{BTreeSet, HashMap};
use std::io::Read;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

pub use time::Date;

use crate::{Finding, Suppressed};
use purl::Purl;
use vex::Coverage;

/// The largest VEX document read (VEX hubs publish big ones; beyond this it is not VEX).
pub const MAX_VEX_BYTES: u64 = 64 << 20;

/// The largest ignore file read (written by people: thousands of entries fit in far less).
pub const MAX_IGNORE_FILE_BYTES: u64 = 8 << 20;

/// Why an ignore file or a VEX document could not be loaded. Every message is one line that
/// names the file; [`SuppressError::Invalid`] also names the line (when known), the entry or
/// statement, and what is wrong.
#[derive(Debug, thiserror::Error)]
pub enum SuppressError {
    /// The file could not be read.
    #[error("cannot read {path}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is larger than the limit.
    #[error("{path} is larger than {limit} bytes: refused")]
    TooLarge {
        /// The file.
        path: String,
        /// The limit, in bytes.
        limit: u64,
    },
    /// The content is malformed.
    #[error("{path}{}: {message}", .line.map(|line| format!(":{line}")).unwrap_or_default())]
    Invalid {
        /// The file.
        path: String,
        /// The 1-based line of the problem (or of the entry or statement that has it), when
        /// known.
        line: Option<usize>,
        /// What is wrong, and in which entry or statement.
        message: String,
    },
}

/// What is wrong with a file, and where: the internal form of [`SuppressError::Invalid`].
#[derive(Debug)]
struct Problem {
    line: Option<usize>,
    message: String,
}

impl Problem {
    fn new(message: impl Into<String>) -> Self {
        Self {
            line: None,
            message: message.into(),
        }
    }

    fn at(line: usize, message: impl Into<String>) -> Self {
        Self {
            line: Some(line),
            message: message.into(),
        }
    }

    /// A JSON error in a text that starts on line `first_line` of the file, with `context`
    /// (`statements[3]: `) before serde's message.
    fn json(error: &serde_json::Error, first_line: usize, context: &str) -> Self {
        let message = error.to_string();
        if error.line() == 0 {
            return Self::new(format!("{context}{message}"));
        }
        let suffix = format!(" at line {} column {}", error.line(), error.column());
        let message = message.strip_suffix(&suffix).unwrap_or(&message);
        Self::at(first_line + error.line() - 1, format!("{context}{message}"))
    }

    fn into_error(self, path: &str) -> SuppressError {
        SuppressError::Invalid {
            path: path.to_owned(),
            line: self.line,
            message: self.message,
        }
    }
}

/// The 1-based line of `part`, a slice of `text`.
fn line_of(text: &str, part: &str) -> usize {
    let offset = (part.as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
    let before = text.as_bytes().get(..offset).unwrap_or(text.as_bytes());
    before.iter().filter(|&&b| b == b'\n').count() + 1
}

/// The VEX formats read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VexFormat {
    /// OpenVEX (<https://openvex.dev/ns>), bare or as an in-toto statement's predicate.
    OpenVex,
    /// CycloneDX JSON with `vulnerabilities[].analysis`.
    CycloneDx,
}

/// The suppression rules of a scan: ignore-file entries and VEX statements, from any number
/// of files.
///
/// ```
/// use tollgate_match::{Date, Rules, apply};
///
/// let mut rules = Rules::new();
/// rules.add_ignore_file(
///     "vulnerabilities:\n  - id: CVE-2026-35189\n    reason: CRLs are never processed\n    \
///      expires: 2027-01-01\n",
///     ".tollgateignore",
/// )?;
/// // Then, for each scan: `findings` from `match_inventory`, `image_purl(&inventory.image)`.
/// let applied = apply(&rules, Vec::new(), Date::today_utc(), None);
/// assert!(applied.kept.is_empty() && applied.suppressed.is_empty());
/// # Ok::<(), tollgate_match::SuppressError>(())
/// ```
#[derive(Debug, Default)]
pub struct Rules {
    ignores: Vec<ignore::Entry>,
    statements: Vec<vex::Statement>,
    /// Lowercased vulnerability name or alias → the statements about it.
    by_id: HashMap<String, Vec<usize>>,
    warnings: Vec<String>,
}

impl Rules {
    /// No rules.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Add the entries of the ignore file at `path`: YAML (`.tollgateignore`,
    /// `.trivyignore.yaml`), or Trivy's plain list when the file is named `.trivyignore`.
    ///
    /// # Errors
    /// When it cannot be read, is larger than [`MAX_IGNORE_FILE_BYTES`], or is malformed
    /// (the message names the line and what is wrong). Nothing is added then.
    pub fn load_ignore_file(&mut self, path: impl AsRef<Path>) -> Result<(), SuppressError> {
        let path = path.as_ref();
        let name = path.display().to_string();
        let bytes = read_bounded(path, MAX_IGNORE_FILE_BYTES)?;
        let text = utf8(&bytes).map_err(|problem| problem.into_error(&name))?;
        self.add_ignore_file(text, &name)
    }

    /// Add the entries of an ignore file whose content is `text`; `name` is how messages and
    /// sources name the file, and its file name says which format it is in (Trivy's plain
    /// list for `.trivyignore`, YAML otherwise; a reason is optional only in files named
    /// like Trivy's, `.trivyignore` or `.trivyignore.yaml`).
    ///
    /// # Errors
    /// When it is malformed; nothing is added then.
    pub fn add_ignore_file(&mut self, text: &str, name: &str) -> Result<(), SuppressError> {
        let (entries, warnings) =
            ignore::parse(text, name).map_err(|problem| problem.into_error(name))?;
        self.ignores.extend(entries);
        self.warnings.extend(warnings);
        Ok(())
    }

    /// Add the statements of the VEX document at `path` (OpenVEX or CycloneDX, told apart by
    /// content).
    ///
    /// # Errors
    /// When it cannot be read, is larger than [`MAX_VEX_BYTES`], is neither format, or is
    /// malformed (the message names the line and the statement). Nothing is added then.
    pub fn load_vex(&mut self, path: impl AsRef<Path>) -> Result<VexFormat, SuppressError> {
        let path = path.as_ref();
        let bytes = read_bounded(path, MAX_VEX_BYTES)?;
        self.add_vex(&bytes, &path.display().to_string())
    }

    /// Add the statements of a VEX document whose content is `bytes`; `name` is how messages
    /// and sources name it.
    ///
    /// # Errors
    /// When it is neither format or is malformed; nothing is added then.
    pub fn add_vex(&mut self, bytes: &[u8], name: &str) -> Result<VexFormat, SuppressError> {
        let (format, statements, warnings) =
            read_vex(bytes, name).map_err(|problem| problem.into_error(name))?;
        for mut statement in statements {
            let index = self.statements.len();
            statement.seq = index;
            let mut keys: Vec<String> = statement.ids.iter().map(|id| id.to_lowercase()).collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                self.by_id.entry(key).or_default().push(index);
            }
            self.statements.push(statement);
        }
        self.warnings.extend(warnings);
        Ok(format)
    }

    /// Whether there are no rules at all.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.ignores.is_empty() && self.statements.is_empty()
    }

    /// How many ignore-file entries were loaded (expired ones included).
    #[must_use]
    pub fn ignore_entries(&self) -> usize {
        self.ignores.len()
    }

    /// How many VEX statements were loaded.
    #[must_use]
    pub fn vex_statements(&self) -> usize {
        self.statements.len()
    }

    /// What loading found that cannot apply (products without a purl, references that
    /// resolve to nothing, sections of a Trivy ignore file for other scanners...). [`apply`]
    /// repeats them in [`Applied::warnings`].
    #[must_use]
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }
}

/// The findings split by the rules.
#[derive(Clone, Debug, Default)]
pub struct Applied {
    /// Findings no rule suppressed, in their order.
    pub kept: Vec<Finding>,
    /// Findings a rule suppressed, with the rule's reason and place, in their order.
    pub suppressed: Vec<Suppressed>,
    /// Rules that did not apply and why: expired ignore entries, VEX products naming
    /// another image (or any image, when the scanned one's purl is unknown), parts of
    /// documents that cannot match anything.
    pub warnings: Vec<String>,
}

/// Split `findings` by `rules` on the day `today` (UTC, [`Date::today_utc`]: an ignore entry
/// that expires on D applies before D, not on D), for the image whose purl is `image`
/// ([`image_purl`]; `None` when unknown, e.g. a root filesystem: VEX products naming an image
/// then apply to nothing, and a warning says so).
///
/// A finding is suppressed by the latest VEX statement about it when that one says
/// `not_affected` or `fixed`; otherwise by the first active ignore entry that covers it;
/// otherwise kept. Warnings are those of loading, then expired entries, then statements that
/// named the finding's package in another (or an unknown) image, each once.
#[must_use]
pub fn apply(rules: &Rules, findings: Vec<Finding>, today: Date, image: Option<&str>) -> Applied {
    let mut warnings = rules.warnings.clone();
    let active: Vec<&ignore::Entry> = rules
        .ignores
        .iter()
        .filter(|entry| {
            let active = entry.active(today);
            if !active && let Some(expiry) = &entry.expires {
                warnings.push(format!(
                    "{}: ignore entry for {} expired on {}: no longer applied",
                    entry.source(),
                    entry.id,
                    expiry.text
                ));
            }
            active
        })
        .collect();
    let image = image.and_then(|text| match Purl::parse(text) {
        Ok(purl) if purl.is_image() => Some(purl),
        Ok(_) => {
            warnings.push(format!(
                "the scanned image's purl `{text}` is not a pkg:oci purl: VEX products naming \
                 an image are not applied"
            ));
            None
        }
        Err(e) => {
            warnings.push(format!(
                "the scanned image's purl is unusable ({e}): VEX products naming an image are \
                 not applied"
            ));
            None
        }
    });
    // Sets, so each is said once however many findings it concerns.
    let mut not_applied: BTreeSet<String> = BTreeSet::new();

    let mut applied = Applied::default();
    for finding in findings {
        // A purl that does not parse matches no package rule (image-wide statements and
        // rules without a purl still apply).
        let package = Purl::parse(&finding.package.purl).ok();
        let mut latest: Option<&vex::Statement> = None;
        for index in candidates(rules, &finding) {
            let Some(statement) = rules.statements.get(index) else {
                continue;
            };
            let mut covered = false;
            for product in &statement.products {
                match product.covers(package.as_ref(), image.as_ref()) {
                    Coverage::Yes => covered = true,
                    Coverage::OtherImage => {
                        not_applied.insert(format!(
                            "{}: {} does not name the scanned image{}: not applied",
                            statement.source,
                            product.label(),
                            image.as_ref().map(|i| format!(" {i}")).unwrap_or_default()
                        ));
                    }
                    Coverage::UnknownImage => {
                        not_applied.insert(format!(
                            "{}: {} names an image, and the scanned image's purl is unknown: \
                             not applied",
                            statement.source,
                            product.label()
                        ));
                    }
                    Coverage::No => {}
                }
            }
            if covered && latest.is_none_or(|current| statement.is_later_than(current)) {
                latest = Some(statement);
            }
        }
        if let Some(statement) = latest
            && statement.status.suppresses()
        {
            applied.suppressed.push(Suppressed {
                reason: statement.reason(),
                source: statement.source.clone(),
                finding,
            });
            continue;
        }
        if let Some(entry) = active.iter().find(|e| e.covers(&finding, package.as_ref())) {
            applied.suppressed.push(Suppressed {
                reason: entry.suppression_reason(),
                source: entry.source(),
                finding,
            });
            continue;
        }
        applied.kept.push(finding);
    }
    warnings.extend(not_applied);
    applied.warnings = warnings;
    applied
}

/// The purl [`apply`] wants for the scanned image: `pkg:oci/<name>@<manifest digest>` with
/// `arch`, `repository_url` (when the target names a repository) and `tag` (when it names
/// exactly one) qualifiers, as Trivy and Syft write it. `None` when the image has no manifest
/// digest (a root filesystem). The name is the repository's last segment, else the target's
/// file name (`oci:/images/app:1.0` → `app`); the digest is what identifies the image.
#[must_use]
pub fn image_purl(image: &tollgate_catalog::ImageIdentity) -> Option<String> {
    let digest = image.manifest_digest.as_ref()?.to_string();
    let name = match &image.name {
        Some(repository) => repository
            .rsplit('/')
            .next()
            .unwrap_or(repository)
            .to_owned(),
        None => target_file_name(&image.target, &image.tags)?,
    }
    .to_ascii_lowercase();
    let mut purl = packageurl::PackageUrl::new("oci", name).ok()?;
    purl.with_version(digest).ok()?;
    if let Some(platform) = &image.platform {
        purl.add_qualifier("arch", platform.architecture.clone())
            .ok()?;
    }
    if let Some(repository) = &image.name {
        purl.add_qualifier("repository_url", repository.clone())
            .ok()?;
    }
    if let [tag] = image.tags.as_slice() {
        purl.add_qualifier("tag", tag.clone()).ok()?;
    }
    Some(purl.to_string())
}

/// `oci:/images/app:1.0` → `app`; `docker-archive:/tmp/app.tar.gz` → `app`.
fn target_file_name(target: &str, tags: &[String]) -> Option<String> {
    let path = target.split_once(':').map_or(target, |(_, rest)| rest);
    let path = tags
        .iter()
        .find_map(|tag| path.strip_suffix(tag.as_str())?.strip_suffix(':'))
        .unwrap_or(path);
    let file = path.trim_end_matches('/').rsplit('/').next()?;
    let file = [".tar.gz", ".tgz", ".tar"]
        .iter()
        .find_map(|ext| file.strip_suffix(ext))
        .unwrap_or(file);
    (!file.is_empty()).then(|| file.to_owned())
}

/// The statements about `finding`'s vulnerability (by its id, an advisory id or an alias),
/// in load order, each once.
fn candidates(rules: &Rules, finding: &Finding) -> BTreeSet<usize> {
    finding
        .ids()
        .filter_map(|id| rules.by_id.get(&id.to_lowercase()))
        .flatten()
        .copied()
        .collect()
}

/// Read at most `limit` bytes of `path`; more is an error, not a truncation.
fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, SuppressError> {
    let read_error = |source| SuppressError::Read {
        path: path.display().to_string(),
        source,
    };
    let file = fs_err::File::open(path).map_err(read_error)?;
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > limit {
        return Err(SuppressError::TooLarge {
            path: path.display().to_string(),
            limit,
        });
    }
    Ok(bytes)
}

/// `bytes` as text, without a byte order mark; the error names the line of the first byte
/// that is not UTF-8.
fn utf8(bytes: &[u8]) -> Result<&str, Problem> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| {
        let valid = bytes.get(..e.valid_up_to()).unwrap_or_default();
        let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
        Problem::at(line, format!("not UTF-8 text ({e})"))
    })
}

type ReadVex = (VexFormat, Vec<vex::Statement>, Vec<String>);

fn read_vex(bytes: &[u8], name: &str) -> Result<ReadVex, Problem> {
    let text = utf8(bytes)?;
    match detect(text)? {
        Kind::OpenVex => {
            let document: openvex::Document<'_> =
                serde_json::from_str(text).map_err(|e| Problem::json(&e, 1, ""))?;
            let (statements, warnings) = openvex::statements(&document, text, name)?;
            Ok((VexFormat::OpenVex, statements, warnings))
        }
        Kind::InTotoOpenVex => {
            let statement: openvex::InToto<'_> =
                serde_json::from_str(text).map_err(|e| Problem::json(&e, 1, ""))?;
            let (statements, warnings) = openvex::statements(&statement.predicate, text, name)?;
            Ok((VexFormat::OpenVex, statements, warnings))
        }
        Kind::CycloneDx => {
            let bom: cyclonedx::Bom<'_> =
                serde_json::from_str(text).map_err(|e| Problem::json(&e, 1, ""))?;
            let (statements, warnings) = cyclonedx::statements(bom, text, name)?;
            Ok((VexFormat::CycloneDx, statements, warnings))
        }
    }
}

enum Kind {
    OpenVex,
    InTotoOpenVex,
    CycloneDx,
}

/// The few top-level keys that tell the formats apart. Parsing into it also checks the
/// whole document is JSON, so syntax errors come with their line here.
#[derive(Deserialize)]
#[serde(expecting = "a JSON object (an OpenVEX or CycloneDX document)")]
struct Sniff {
    #[serde(rename = "@context", default)]
    context: Option<Value>,
    #[serde(rename = "bomFormat", default)]
    bom_format: Option<Value>,
    #[serde(rename = "_type", default)]
    in_toto_type: Option<Value>,
    #[serde(rename = "predicateType", default)]
    predicate_type: Option<Value>,
    #[serde(rename = "payloadType", default)]
    payload_type: Option<Value>,
}

fn detect(text: &str) -> Result<Kind, Problem> {
    if text.trim_start().starts_with('<') {
        return Err(Problem::at(
            1,
            "XML: tollgate reads CycloneDX VEX in its JSON form only",
        ));
    }
    let sniff: Sniff = serde_json::from_str(text).map_err(|e| {
        let context = if e.is_syntax() || e.is_eof() {
            "not valid JSON: "
        } else {
            "not a VEX document: "
        };
        Problem::json(&e, 1, context)
    })?;
    let is_openvex = |value: &Value| match value {
        Value::String(context) => context.starts_with(openvex::CONTEXT_PREFIX),
        // JSON-LD allows a list of contexts.
        Value::Array(contexts) => contexts.iter().any(|c| {
            c.as_str()
                .is_some_and(|c| c.starts_with(openvex::CONTEXT_PREFIX))
        }),
        _ => false,
    };
    if sniff.bom_format.as_ref().and_then(Value::as_str) == Some("CycloneDX") {
        Ok(Kind::CycloneDx)
    } else if sniff.context.as_ref().is_some_and(is_openvex) {
        Ok(Kind::OpenVex)
    } else if sniff
        .in_toto_type
        .as_ref()
        .and_then(Value::as_str)
        .is_some_and(|t| t.starts_with("https://in-toto.io/Statement/"))
        && sniff
            .predicate_type
            .as_ref()
            .and_then(Value::as_str)
            .is_some_and(|t| t.starts_with(openvex::CONTEXT_PREFIX))
    {
        Ok(Kind::InTotoOpenVex)
    } else if sniff.payload_type.is_some() {
        Err(Problem::new(
            "a DSSE envelope: verify the attestation and pass the VEX document inside it",
        ))
    } else {
        Err(Problem::new(format!(
            "neither OpenVEX (an `@context` of {}/...) nor CycloneDX (`\"bomFormat\": \
             \"CycloneDX\"`)",
            openvex::CONTEXT_PREFIX
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::{Date, Rules, apply, cyclonedx, target_file_name};
    use crate::{Finding, FindingPackage};

    fn finding(id: &str, advisory: &str, purl: &str) -> Finding {
        Finding::for_test(
            id,
            &[advisory],
            FindingPackage {
                name: "libssl3".into(),
                version: "3.0.20-1~deb12u2".into(),
                ecosystem: "deb".into(),
                purl: purl.into(),
                source_name: Some("openssl".into()),
                source_version: Some("3.0.20-1~deb12u2".into()),
                layer: None,
                path: "/var/lib/dpkg/status".into(),
            },
        )
    }

    fn today() -> Date {
        Date::parse("2026-11-23").unwrap_or_else(|| panic!("date"))
    }

    const LIBSSL3: &str = "pkg:deb/debian/libssl3@3.0.20-1~deb12u2?arch=amd64&distro=debian-12";

    fn openvex(vulnerability: &str, product: &str) -> String {
        format!(
            r#"{{"@context": "https://openvex.dev/ns/v0.2.0", "timestamp": "2026-11-20T00:00:00Z",
                "statements": [{{"vulnerability": {vulnerability}, "products": [{{"@id": "{product}"}}],
                "status": "fixed"}}]}}"#
        )
    }

    #[test]
    fn statements_name_a_finding_by_any_of_its_ids_in_any_case() {
        let findings = vec![
            finding("CVE-2026-1", "TGD-bookworm-CVE-2026-1-openssl", LIBSSL3),
            finding("CVE-2026-2", "DSA-5999-1", LIBSSL3),
            finding("CVE-2026-3", "DSA-6000-1", LIBSSL3),
        ];
        let mut rules = Rules::new();
        for vulnerability in [
            r#""cve-2026-1""#,
            r#"{"name": "DSA-5999-1"}"#,
            r#"{"name": "GHSA-xxxx-yyyy-zzzz", "aliases": ["CVE-2026-3"]}"#,
        ] {
            rules
                .add_vex(openvex(vulnerability, LIBSSL3).as_bytes(), "vex.json")
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let applied = apply(&rules, findings, today(), None);
        assert_eq!(applied.suppressed.len(), 3);
        assert!(applied.kept.is_empty());
    }

    #[test]
    fn a_package_without_a_usable_purl_meets_only_rules_without_purls() {
        let findings = vec![finding("CVE-2026-1", "TGD-1", "")];
        let mut rules = Rules::new();
        rules
            .add_vex(
                openvex(r#""CVE-2026-1""#, "pkg:deb/debian/libssl3").as_bytes(),
                "vex.json",
            )
            .unwrap_or_else(|e| panic!("{e}"));
        let applied = apply(&rules, findings.clone(), today(), None);
        assert_eq!(applied.kept.len(), 1);
        rules
            .add_ignore_file(
                "vulnerabilities:\n  - id: CVE-2026-1\n    package: openssl\n    reason: r\n",
                ".tollgateignore",
            )
            .unwrap_or_else(|e| panic!("{e}"));
        let applied = apply(&rules, findings, today(), None);
        assert_eq!(applied.suppressed.len(), 1);
        assert_eq!(applied.suppressed[0].source, ".tollgateignore:2");
    }

    #[test]
    fn flow_style_entries_are_named_by_index() {
        let mut rules = Rules::new();
        rules
            .add_ignore_file(
                "{vulnerabilities: [{id: CVE-2026-1, reason: r}, {id: CVE-2026-2, reason: s}]}",
                "ignore.yaml",
            )
            .unwrap_or_else(|e| panic!("{e}"));
        let applied = apply(
            &rules,
            vec![finding("CVE-2026-2", "TGD-2", LIBSSL3)],
            today(),
            None,
        );
        assert_eq!(
            applied.suppressed[0].source,
            "ignore.yaml vulnerabilities[1]"
        );
    }

    #[test]
    fn empty_and_comment_only_ignore_files_ignore_nothing() {
        let mut rules = Rules::new();
        for text in [
            "",
            "\n\n",
            "# nothing yet\n",
            "\u{feff}# BOM\n",
            "vulnerabilities:\n",
        ] {
            rules
                .add_ignore_file(text, ".tollgateignore")
                .unwrap_or_else(|e| panic!("{text:?}: {e}"));
        }
        assert!(rules.is_empty());
    }

    #[test]
    fn yaml_numbers_and_dates_are_read_as_written() {
        // A bare number as an id, an unquoted date: both as their text.
        let mut rules = Rules::new();
        rules
            .add_ignore_file(
                "vulnerabilities:\n  - id: 20261\n    reason: r\n    expires: 2026-11-24\n",
                ".tollgateignore",
            )
            .unwrap_or_else(|e| panic!("{e}"));
        let applied = apply(
            &rules,
            vec![finding("20261", "TGD", LIBSSL3)],
            today(),
            None,
        );
        assert_eq!(applied.suppressed.len(), 1);
        assert_eq!(
            applied.suppressed[0].reason,
            "ignore file: r (expires 2026-11-24)"
        );
    }

    #[test]
    fn not_utf8_names_the_line() {
        let mut rules = Rules::new();
        let error = rules
            .add_vex(b"{\n  \"statements\": [\n\xff]}", "vex.json")
            .map(|_| ())
            .unwrap_err();
        assert!(
            error.to_string().starts_with("vex.json:3: not UTF-8 text"),
            "{error}"
        );
    }

    #[test]
    fn a_dsse_envelope_is_refused_with_what_to_do() {
        let mut rules = Rules::new();
        let error = rules
            .add_vex(
                br#"{"payloadType": "application/vnd.in-toto+json", "payload": "e30=", "signatures": []}"#,
                "vex.att",
            )
            .map(|_| ())
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "vex.att: a DSSE envelope: verify the attestation and pass the VEX document inside it"
        );
    }

    #[test]
    fn bom_link_fragments_decode_as_cyclonedx_go_encodes_them() {
        assert_eq!(
            cyclonedx::percent_decode("pkg%3Anpm%2F%40scope%2Fname%401.0.0", false).as_deref(),
            Some("pkg:npm/@scope/name@1.0.0")
        );
        assert_eq!(
            cyclonedx::percent_decode("product+ABC", true).as_deref(),
            Some("product ABC")
        );
        assert_eq!(cyclonedx::percent_decode("a%2", false), None);
        assert_eq!(cyclonedx::percent_decode("%ff", false), None);
    }

    #[test]
    fn image_names_from_targets() {
        let tags = ["1.0".to_owned()];
        for (target, name) in [
            (
                "oci:/images/debian-bookworm-app:1.0",
                Some("debian-bookworm-app"),
            ),
            ("oci:/images/app/", Some("app")),
            (
                "docker-archive:/tmp/trixie-slim.tar.gz",
                Some("trixie-slim"),
            ),
            ("oci-archive:app.tar:1.0", Some("app")),
            ("oci:", None),
        ] {
            assert_eq!(target_file_name(target, &tags).as_deref(), name, "{target}");
        }
    }
}
