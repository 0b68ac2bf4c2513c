//! Software bills of materials: CycloneDX 1.6 and SPDX 2.3 JSON writers over an [`Inventory`],
//! and readers of such documents (ours, and those Syft and Trivy write) back into one.
//!
//! The writers are pure functions of the inventory and the [`SbomOptions`]. Identifiers are
//! content hashes (a package's is the hash of its name, version, purl, layer and path, never of
//! the cataloger), the serial number and the document namespace are derived from the content, and
//! every list is sorted: writing the same inventory twice gives the same bytes.
//!
//! The readers take every component or package that has a purl (or, in our own documents, a
//! `tollgate:package:ecosystem` property). A purl of a type tollgate has no ecosystem for, or one
//! that does not parse, becomes an [`Unknown`] of the decoded inventory rather than vanishing.
//!
//! ref: <https://cyclonedx.org/docs/1.6/json/>
//! ref: <https://spdx.github.io/spdx-spec/v2.3/>
//!
//! ```
//! use tollgate_catalog::sbom::{self, SbomOptions};
//! use tollgate_catalog::{Ecosystem, Inventory, Package};
//!
//! let mut inventory = Inventory::default();
//! inventory.packages.push(Package {
//!     purl: "pkg:pypi/urllib3@1.26.4".to_owned(),
//!     ..Package::new(Ecosystem::Pypi, "urllib3", "1.26.4")
//! });
//! let options = SbomOptions {
//!     created: "2024-01-02T03:04:05Z".to_owned(),
//!     tool_version: "0.1.0".to_owned(),
//! };
//! let document = sbom::to_cyclonedx(&inventory, &options);
//! let decoded = sbom::detect_and_decode(document.to_string().as_bytes())?;
//! assert_eq!(decoded.packages[0].name, "urllib3");
//! # Ok::<(), sbom::SbomError>(())
//! ```

use std::collections::BTreeMap;
use std::str::FromStr;

use packageurl::PackageUrl;
use serde_json::Value;
use tollgate_oci::{Digest, Platform};

use crate::{Ecosystem, ImageIdentity, Inventory, OsInfo, Package, Unknown};

mod cyclonedx;
mod spdx;

pub use cyclonedx::{from_cyclonedx, to_cyclonedx};
pub use spdx::{from_spdx, to_spdx};

/// The largest SBOM the readers accept, in bytes (256 MiB).
pub const MAX_SBOM_SIZE: usize = 256 * 1024 * 1024;

/// What a writer needs besides the inventory. Both fields go into the document as given, so a
/// fixed `created` gives reproducible output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SbomOptions {
    /// Creation time, RFC 3339 in UTC (`2024-01-02T03:04:05Z`). SPDX takes whole seconds, so a
    /// fraction is dropped there.
    pub created: String,
    /// The version of tollgate that writes the document.
    pub tool_version: String,
}

/// Why an SBOM could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SbomError {
    /// The input is larger than [`MAX_SBOM_SIZE`].
    #[error("the sbom is {size} bytes, more than the limit of {limit} bytes")]
    TooLarge {
        /// Size of the input.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The input is not JSON.
    #[error("failed to parse the {document} document as json")]
    Json {
        /// `cyclonedx`, `spdx`, or `sbom` when the format was not known yet.
        document: &'static str,
        /// The parser's error, with line and column.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The JSON has neither `bomFormat` nor `spdxVersion`.
    #[error(
        "the document is neither cyclonedx (it has no `bomFormat`) nor spdx (it has no `spdxVersion`)"
    )]
    UnknownFormat,
    /// A format marker has the wrong value (`bomFormat` is not `CycloneDX`).
    #[error("not a {expected} document: `{field}` is `{actual}`")]
    WrongFormat {
        /// The format the caller asked for.
        expected: &'static str,
        /// The marker field.
        field: &'static str,
        /// Its value.
        actual: String,
    },
    /// The document is of a version this reader does not know.
    #[error("unsupported {document} version `{version}` (supported: {supported})")]
    UnsupportedVersion {
        /// `cyclonedx` or `spdx`.
        document: &'static str,
        /// The version the document declares.
        version: String,
        /// The versions that are read.
        supported: &'static str,
    },
    /// A value has the wrong JSON type.
    #[error("malformed {document} document: `{location}` is not {expected}")]
    Malformed {
        /// `cyclonedx` or `spdx`.
        document: &'static str,
        /// Where, as a JSON path (`components[3].purl`).
        location: String,
        /// What it should be (`a string`).
        expected: &'static str,
    },
    /// A package lacks its name or version.
    #[error("{document} package `{location}` has no {field}")]
    MissingField {
        /// `cyclonedx` or `spdx`.
        document: &'static str,
        /// Which package: its JSON path and its purl or id.
        location: String,
        /// `name` or `version`.
        field: &'static str,
    },
    /// A field has a value that does not parse (a layer digest, a platform).
    #[error("{document} element `{location}` has an invalid {field} `{value}`")]
    InvalidField {
        /// `cyclonedx` or `spdx`.
        document: &'static str,
        /// Which element: its JSON path and its purl or id.
        location: String,
        /// The field or property.
        field: String,
        /// The value, shortened to 200 characters.
        value: String,
        /// Why it does not parse.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// Decode a CycloneDX or SPDX JSON document, chosen by its `bomFormat` or `spdxVersion`.
///
/// # Errors
/// When the input is too large, not JSON, of neither format, or when [`from_cyclonedx`] or
/// [`from_spdx`] fail on it.
pub fn detect_and_decode(json: &[u8]) -> Result<Inventory, SbomError> {
    let document = parse(json, "sbom")?;
    if document.get("bomFormat").is_some() {
        cyclonedx::decode(&document)
    } else if document.get("spdxVersion").is_some() {
        spdx::decode(&document)
    } else {
        Err(SbomError::UnknownFormat)
    }
}

/// Property names (CycloneDX `properties`, SPDX annotations) that carry what the formats have no
/// field for.
mod property {
    pub(super) const LAYER_DIGEST: &str = "tollgate:layer:digest";
    pub(super) const LAYER_INDEX: &str = "tollgate:layer:index";
    pub(super) const LOCATION_PATH: &str = "tollgate:location:path";
    pub(super) const SOURCE_NAME: &str = "tollgate:package:source-name";
    pub(super) const SOURCE_VERSION: &str = "tollgate:package:source-version";
    pub(super) const ECOSYSTEM: &str = "tollgate:package:ecosystem";
    pub(super) const CATALOGER: &str = "tollgate:package:cataloger";
    pub(super) const IMAGE_TARGET: &str = "tollgate:image:target";
    pub(super) const IMAGE_NAME: &str = "tollgate:image:name";
    pub(super) const IMAGE_TAG: &str = "tollgate:image:tag";
    pub(super) const IMAGE_CONFIG_DIGEST: &str = "tollgate:image:config-digest";
    pub(super) const IMAGE_PLATFORM: &str = "tollgate:image:platform";
    pub(super) const OS_CODENAME: &str = "tollgate:os:codename";

    /// Where other tools put the layer and path of a package, after ours.
    pub(super) const LAYER_DIGESTS: &[&str] = &[
        LAYER_DIGEST,
        "syft:location:0:layerID",
        "aquasecurity:trivy:LayerDigest",
        // Trivy SPDX annotations and attribution texts.
        "LayerDigest",
    ];
    pub(super) const PATHS: &[&str] = &[
        LOCATION_PATH,
        "syft:location:0:path",
        "aquasecurity:trivy:FilePath",
        "FilePath",
    ];
    pub(super) const SOURCE_NAMES: &[&str] = &[
        SOURCE_NAME,
        "aquasecurity:trivy:SrcName",
        "SrcName",
        "syft:metadata:originPackage",
        "syft:metadata:source",
    ];
    pub(super) const CATALOGERS: &[&str] = &[CATALOGER, "syft:package:foundBy"];
}

// ---------------------------------------------------------------------------------------------
// Writing

/// Hex sha256 of the parts, each prefixed by its length so that no two tuples collide.
fn content_hash(parts: &[&str]) -> String {
    let mut bytes = Vec::new();
    for part in parts {
        bytes.extend_from_slice(&(part.len() as u64).to_le_bytes());
        bytes.extend_from_slice(part.as_bytes());
    }
    Digest::sha256_of(&bytes).hex().to_owned()
}

/// The stable id of a package: a hash of name, version, purl, layer and path (STYLE 14), 16 hex
/// digits as Syft has them.
fn package_id(package: &Package) -> String {
    let layer = package
        .layer
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    let mut id = content_hash(&[
        &package.name,
        &package.version,
        &package.purl,
        &layer,
        &package.path,
    ]);
    id.truncate(16);
    id
}

/// A UUID (RFC 9562 layout, version 5 bits) made from the sha256 of `content`: the same
/// document always gets the same serial number.
fn content_uuid(content: &str) -> String {
    let hex = content_hash(&[content]);
    let mut nibbles: Vec<u8> = hex.bytes().take(32).collect();
    // Version 5 in the 13th nibble, variant 0b10 in the top bits of the 17th.
    nibbles[12] = b'5';
    nibbles[16] = match nibbles[16] {
        b'0' | b'4' | b'8' | b'c' => b'8',
        b'1' | b'5' | b'9' | b'd' => b'9',
        b'2' | b'6' | b'a' | b'e' => b'a',
        _ => b'b',
    };
    let text = String::from_utf8_lossy(&nibbles).into_owned();
    format!(
        "{}-{}-{}-{}-{}",
        &text[..8],
        &text[8..12],
        &text[12..16],
        &text[16..20],
        &text[20..32]
    )
}

/// The packages to write with their ids, sorted by ecosystem, name, version, purl, layer and path,
/// one per id.
fn unique_packages(inventory: &Inventory) -> Vec<(String, &Package)> {
    let mut packages: Vec<(String, &Package)> = inventory
        .packages
        .iter()
        .map(|package| (package_id(package), package))
        .collect();
    packages.sort_by(|(a_id, a), (b_id, b)| {
        (
            a.ecosystem,
            &a.name,
            &a.version,
            &a.purl,
            &a.layer,
            &a.path,
            a_id,
        )
            .cmp(&(
                b.ecosystem,
                &b.name,
                &b.version,
                &b.purl,
                &b.layer,
                &b.path,
                b_id,
            ))
    });
    let mut seen = std::collections::BTreeSet::new();
    packages.retain(|(id, _)| seen.insert(id.clone()));
    packages
}

/// The properties of a package that the formats have no field for, sorted by name.
fn package_properties(package: &Package) -> Vec<(&'static str, String)> {
    let mut properties = vec![
        (property::ECOSYSTEM, package.ecosystem.as_str().to_owned()),
        (property::LAYER_INDEX, package.layer_index.to_string()),
    ];
    if let Some(layer) = &package.layer {
        properties.push((property::LAYER_DIGEST, layer.to_string()));
    }
    let optional = [
        (property::LOCATION_PATH, Some(&package.path)),
        (property::SOURCE_NAME, package.source_name.as_ref()),
        (property::SOURCE_VERSION, package.source_version.as_ref()),
        (property::CATALOGER, Some(&package.cataloger)),
    ];
    for (name, value) in optional {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            properties.push((name, value.clone()));
        }
    }
    properties.sort();
    properties
}

/// The properties of the image, sorted by name and value.
fn image_properties(image: &ImageIdentity) -> Vec<(&'static str, String)> {
    let mut properties = Vec::new();
    if !image.target.is_empty() {
        properties.push((property::IMAGE_TARGET, image.target.clone()));
    }
    if let Some(name) = &image.name {
        properties.push((property::IMAGE_NAME, name.clone()));
    }
    for tag in &image.tags {
        properties.push((property::IMAGE_TAG, tag.clone()));
    }
    if let Some(config) = &image.config_digest {
        properties.push((property::IMAGE_CONFIG_DIGEST, config.to_string()));
    }
    if let Some(platform) = &image.platform {
        properties.push((property::IMAGE_PLATFORM, platform.to_string()));
    }
    properties.sort();
    properties.dedup();
    properties
}

/// The name to show for the image: its repository, else the target as given.
fn image_display_name(image: &ImageIdentity) -> String {
    match (&image.name, image.target.as_str()) {
        (Some(name), _) => name.clone(),
        (None, "") => "image".to_owned(),
        (None, target) => target.to_owned(),
    }
}

/// The content id of the image (also its bom-ref).
fn image_id(image: &ImageIdentity) -> String {
    let digest = image
        .manifest_digest
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    let mut id = content_hash(&[
        "image",
        &image.target,
        image.name.as_deref().unwrap_or(""),
        &digest,
    ]);
    id.truncate(16);
    id
}

/// The content id of the operating system (also its bom-ref).
fn os_id(os: &OsInfo) -> String {
    let mut id = content_hash(&["os", &os.family, &os.version]);
    id.truncate(16);
    id
}

/// The purl of the image, `pkg:oci/<name>@<manifest digest>?arch=…&repository_url=…&tag=…`, when
/// it has a manifest digest.
///
/// ref: <https://github.com/package-url/purl-spec/blob/master/types-doc/oci-definition.md>
fn image_purl(image: &ImageIdentity) -> Option<String> {
    let digest = image.manifest_digest.as_ref()?;
    let name = match &image.name {
        Some(repository) => repository
            .rsplit('/')
            .next()
            .unwrap_or(repository)
            .to_owned(),
        None => name_from_target(&image.target)?,
    }
    .to_ascii_lowercase();
    let mut purl = PackageUrl::new("oci", name).ok()?;
    purl.with_version(digest.to_string()).ok()?;
    if let Some(repository) = &image.name {
        purl.add_qualifier("repository_url", repository.clone())
            .ok()?;
    }
    if let Some(platform) = &image.platform {
        purl.add_qualifier("arch", platform.architecture.clone())
            .ok()?;
    }
    if let Some(tag) = image.tags.iter().min() {
        purl.add_qualifier("tag", tag.clone()).ok()?;
    }
    Some(purl.to_string())
}

/// `oci:/images/alpine-3.18:1.0` → `alpine-3.18`; `docker-archive:x/app.tar.gz` → `app`.
fn name_from_target(target: &str) -> Option<String> {
    let rest = [
        "oci:",
        "oci-archive:",
        "docker-archive:",
        "rootfs:",
        "docker://",
    ]
    .iter()
    .find_map(|prefix| target.strip_prefix(prefix))
    .unwrap_or(target);
    let last = rest.trim_end_matches('/').rsplit('/').next()?;
    let last = last.split(['@', ':']).next()?;
    let last = [".tar.gz", ".tgz", ".tar"]
        .iter()
        .find_map(|extension| last.strip_suffix(extension))
        .unwrap_or(last);
    (!last.is_empty()).then(|| last.to_owned())
}

// ---------------------------------------------------------------------------------------------
// Licenses

/// SPDX license identifiers that distributions and language registries declare, in their
/// canonical case. Each is in the SPDX license list that the CycloneDX 1.6 schema enumerates and
/// that spdx-tools validates against; anything else is written as a name (CycloneDX) or a
/// `LicenseRef-` (SPDX).
///
/// ref: <https://spdx.org/licenses/>
const SPDX_LICENSES: &[&str] = &[
    "0BSD",
    "AFL-2.1",
    "AFL-3.0",
    "AGPL-3.0",
    "AGPL-3.0-only",
    "AGPL-3.0-or-later",
    "APSL-2.0",
    "Apache-1.1",
    "Apache-2.0",
    "Artistic-1.0",
    "Artistic-1.0-Perl",
    "Artistic-2.0",
    "BSD-1-Clause",
    "BSD-2-Clause",
    "BSD-2-Clause-Patent",
    "BSD-3-Clause",
    "BSD-3-Clause-Clear",
    "BSD-3-Clause-LBNL",
    "BSD-4-Clause",
    "BSD-4-Clause-UC",
    "BSD-Source-Code",
    "BSL-1.0",
    "BUSL-1.1",
    "Beerware",
    "Bitstream-Vera",
    "BlueOak-1.0.0",
    "CC-BY-3.0",
    "CC-BY-4.0",
    "CC-BY-SA-3.0",
    "CC-BY-SA-4.0",
    "CC-PDDC",
    "CC0-1.0",
    "CDDL-1.0",
    "CDDL-1.1",
    "CPL-1.0",
    "EPL-1.0",
    "EPL-2.0",
    "EUPL-1.1",
    "EUPL-1.2",
    "Elastic-2.0",
    "FSFAP",
    "FSFUL",
    "FSFULLR",
    "FTL",
    "GFDL-1.2",
    "GFDL-1.2-only",
    "GFDL-1.2-or-later",
    "GFDL-1.3",
    "GFDL-1.3-only",
    "GFDL-1.3-or-later",
    "GPL-1.0",
    "GPL-1.0+",
    "GPL-1.0-only",
    "GPL-1.0-or-later",
    "GPL-2.0",
    "GPL-2.0+",
    "GPL-2.0-only",
    "GPL-2.0-or-later",
    "GPL-3.0",
    "GPL-3.0+",
    "GPL-3.0-only",
    "GPL-3.0-or-later",
    "HPND",
    "HPND-sell-variant",
    "ICU",
    "IJG",
    "IJG-short",
    "ISC",
    "Info-ZIP",
    "JSON",
    "LGPL-2.0",
    "LGPL-2.0+",
    "LGPL-2.0-only",
    "LGPL-2.0-or-later",
    "LGPL-2.1",
    "LGPL-2.1+",
    "LGPL-2.1-only",
    "LGPL-2.1-or-later",
    "LGPL-3.0",
    "LGPL-3.0+",
    "LGPL-3.0-only",
    "LGPL-3.0-or-later",
    "LPPL-1.3c",
    "Latex2e",
    "Libpng",
    "MIT",
    "MIT-0",
    "MIT-CMU",
    "MIT-Modern-Variant",
    "MIT-advertising",
    "MPL-1.1",
    "MPL-2.0",
    "MS-PL",
    "MirOS",
    "NCSA",
    "NTP",
    "OFL-1.1",
    "OLDAP-2.8",
    "OpenSSL",
    "OpenSSL-standalone",
    "PHP-3.01",
    "PSF-2.0",
    "PostgreSQL",
    "Python-2.0",
    "Python-2.0.1",
    "Qhull",
    "Ruby",
    "SGI-B-2.0",
    "SMLNJ",
    "SSPL-1.0",
    "Sleepycat",
    "Spencer-86",
    "Spencer-94",
    "TCL",
    "TCP-wrappers",
    "TU-Berlin-2.0",
    "UPL-1.0",
    "Unicode-3.0",
    "Unicode-DFS-2015",
    "Unicode-DFS-2016",
    "Unicode-TOU",
    "Unlicense",
    "Vim",
    "W3C",
    "WTFPL",
    "X11",
    "X11-distribute-modifications-variant",
    "XFree86-1.1",
    "ZPL-2.1",
    "Zlib",
    "blessing",
    "bzip2-1.0.6",
    "curl",
    "dtoa",
    "libpng-2.0",
    "libtiff",
];

/// SPDX license exceptions (the right-hand side of `WITH`).
///
/// ref: <https://spdx.org/licenses/exceptions-index.html>
const SPDX_EXCEPTIONS: &[&str] = &[
    "389-exception",
    "Autoconf-exception-2.0",
    "Autoconf-exception-3.0",
    "Bison-exception-2.2",
    "Classpath-exception-2.0",
    "Font-exception-2.0",
    "GCC-exception-2.0",
    "GCC-exception-3.1",
    "LLVM-exception",
    "Linux-syscall-note",
    "Qt-LGPL-exception-1.1",
];

/// The canonical spelling of a known SPDX license id (ids match case-insensitively).
fn spdx_license_id(token: &str) -> Option<&'static str> {
    SPDX_LICENSES
        .iter()
        .find(|id| id.eq_ignore_ascii_case(token))
        .copied()
}

/// The canonical spelling of a known SPDX license exception.
fn spdx_exception_id(token: &str) -> Option<&'static str> {
    SPDX_EXCEPTIONS
        .iter()
        .find(|id| id.eq_ignore_ascii_case(token))
        .copied()
}

/// Longer license strings are never treated as expressions (and never parsed).
const MAX_EXPRESSION_LENGTH: usize = 1024;
/// Deeper parentheses are never treated as expressions.
const MAX_EXPRESSION_DEPTH: usize = 16;

/// The words and parentheses of a license expression.
fn expression_tokens(text: &str) -> Vec<&str> {
    let mut tokens = Vec::new();
    for word in text.split_whitespace() {
        let mut rest = word;
        while !rest.is_empty() {
            let end = rest.find(['(', ')']).unwrap_or(rest.len());
            if end == 0 {
                tokens.push(&rest[..1]);
                rest = &rest[1..];
            } else {
                tokens.push(&rest[..end]);
                rest = &rest[end..];
            }
        }
    }
    tokens
}

/// Tokens joined back with single spaces, none inside parentheses.
fn join_tokens(tokens: &[&str]) -> String {
    let mut text = String::new();
    for (index, token) in tokens.iter().enumerate() {
        if index > 0 && tokens[index - 1] != "(" && *token != ")" {
            text.push(' ');
        }
        text.push_str(token);
    }
    text
}

/// `text` as an SPDX license expression all of whose identifiers are known, with canonical
/// spelling and spacing; `None` when it is not one. The operators are case-sensitive.
///
/// ref: <https://spdx.github.io/spdx-spec/v2.3/SPDX-license-expressions/>
/// ```text
/// compound-expression = simple-expression / simple-expression "WITH" license-exception-id
///                     / compound-expression "AND" compound-expression
///                     / compound-expression "OR" compound-expression / "(" compound-expression ")"
/// ```
fn spdx_expression(text: &str) -> Option<String> {
    if text.len() > MAX_EXPRESSION_LENGTH {
        return None;
    }
    let tokens = expression_tokens(text);
    let mut position = 0;
    let mut out = Vec::new();
    parse_compound(&tokens, &mut position, 0, &mut out)?;
    (position == tokens.len()).then(|| join_tokens(&out))
}

fn parse_compound<'a>(
    tokens: &[&'a str],
    position: &mut usize,
    depth: usize,
    out: &mut Vec<&'a str>,
) -> Option<()> {
    parse_term(tokens, position, depth, out)?;
    while let Some(&operator) = tokens.get(*position) {
        if operator != "AND" && operator != "OR" {
            break;
        }
        out.push(operator);
        *position += 1;
        parse_term(tokens, position, depth, out)?;
    }
    Some(())
}

fn parse_term<'a>(
    tokens: &[&'a str],
    position: &mut usize,
    depth: usize,
    out: &mut Vec<&'a str>,
) -> Option<()> {
    let token = *tokens.get(*position)?;
    *position += 1;
    if token == "(" {
        if depth >= MAX_EXPRESSION_DEPTH {
            return None;
        }
        out.push("(");
        parse_compound(tokens, position, depth + 1, out)?;
        if tokens.get(*position) != Some(&")") {
            return None;
        }
        *position += 1;
        out.push(")");
        return Some(());
    }
    out.push(spdx_license_id(token)?);
    if tokens.get(*position) == Some(&"WITH") {
        let exception = spdx_exception_id(tokens.get(*position + 1)?)?;
        *position += 2;
        out.extend(["WITH", exception]);
    }
    Some(())
}

/// The parts of an expression joined by `AND` outside parentheses, each without its outer
/// parentheses: `(MIT OR Apache-2.0) AND Zlib` → [`MIT OR Apache-2.0`, `Zlib`].
fn split_conjunction(expression: &str) -> Vec<String> {
    let tokens = expression_tokens(expression);
    let mut parts = Vec::new();
    let mut depth = 0_usize;
    let mut start = 0;
    for (index, token) in tokens.iter().enumerate() {
        match *token {
            "(" => depth += 1,
            ")" => depth = depth.saturating_sub(1),
            "AND" if depth == 0 => {
                parts.push(&tokens[start..index]);
                start = index + 1;
            }
            _ => {}
        }
    }
    parts.push(&tokens[start..]);
    parts
        .into_iter()
        .filter(|part| !part.is_empty())
        .map(|part| join_tokens(strip_outer_parentheses(part)))
        .collect()
}

/// `( A OR B )` → `A OR B`, when the first parenthesis closes at the end.
fn strip_outer_parentheses<'a, 'b>(tokens: &'b [&'a str]) -> &'b [&'a str] {
    if tokens.len() < 2 || tokens[0] != "(" || tokens[tokens.len() - 1] != ")" {
        return tokens;
    }
    let mut depth = 0_usize;
    for (index, token) in tokens.iter().enumerate() {
        match *token {
            "(" => depth += 1,
            ")" => {
                depth = depth.saturating_sub(1);
                if depth == 0 && index != tokens.len() - 1 {
                    return tokens;
                }
            }
            _ => {}
        }
    }
    &tokens[1..tokens.len() - 1]
}

// ---------------------------------------------------------------------------------------------
// Reading

/// Check the size and parse the JSON.
fn parse(json: &[u8], document: &'static str) -> Result<Value, SbomError> {
    check_size(json.len(), MAX_SBOM_SIZE)?;
    serde_json::from_slice(json).map_err(|error| SbomError::Json {
        document,
        source: Box::new(error),
    })
}

fn check_size(size: usize, limit: usize) -> Result<(), SbomError> {
    if size > limit {
        return Err(SbomError::TooLarge { size, limit });
    }
    Ok(())
}

/// `value[key]` as a string; `None` when absent or null.
fn get_str<'a>(
    value: &'a Value,
    key: &str,
    document: &'static str,
    location: &str,
) -> Result<Option<&'a str>, SbomError> {
    match value.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(_) => Err(SbomError::Malformed {
            document,
            location: format!("{location}.{key}"),
            expected: "a string",
        }),
    }
}

/// `value[key]` as an array; empty when absent or null.
fn get_array<'a>(
    value: &'a Value,
    key: &str,
    document: &'static str,
    location: &str,
) -> Result<&'a [Value], SbomError> {
    match value.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(_) => Err(SbomError::Malformed {
            document,
            location: format!("{location}.{key}"),
            expected: "an array",
        }),
    }
}

/// Require `value` to be an object.
fn expect_object(value: &Value, document: &'static str, location: &str) -> Result<(), SbomError> {
    if value.is_object() {
        Ok(())
    } else {
        Err(SbomError::Malformed {
            document,
            location: location.to_owned(),
            expected: "an object",
        })
    }
}

/// Name–value pairs read from a document, in document order.
#[derive(Debug, Default)]
struct Properties(Vec<(String, String)>);

impl Properties {
    /// The first non-empty value of the first of `names` that has one.
    fn first(&self, names: &[&str]) -> Option<&str> {
        names.iter().find_map(|name| {
            self.0
                .iter()
                .find(|(key, value)| key == name && !value.is_empty())
                .map(|(_, value)| value.as_str())
        })
    }

    /// Every non-empty value of `name`.
    fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(key, value)| key == name && !value.is_empty())
            .map(|(_, value)| value.clone())
            .collect()
    }
}

/// One component (CycloneDX) or package (SPDX) as read, before it becomes a [`Package`].
#[derive(Debug, Default)]
struct Record {
    /// JSON path and id, for errors.
    location: String,
    name: Option<String>,
    version: Option<String>,
    purl: Option<String>,
    licenses: Vec<String>,
    vendor: Option<String>,
    properties: Properties,
    /// Source package from free text (Trivy's SPDX `sourceInfo`).
    source: Option<(String, Option<String>)>,
}

/// What a record turned out to be.
#[derive(Debug)]
enum Decoded {
    Package(Box<Package>),
    Unknown(Unknown),
    /// Not a package (an image, a file, an application without a purl).
    Skip,
}

/// The ecosystem of a purl type.
fn ecosystem_of(purl_type: &str) -> Option<Ecosystem> {
    Some(match purl_type {
        "deb" => Ecosystem::Deb,
        "rpm" => Ecosystem::Rpm,
        "apk" => Ecosystem::Apk,
        "pypi" => Ecosystem::Pypi,
        "npm" => Ecosystem::Npm,
        "golang" => Ecosystem::Golang,
        "cargo" => Ecosystem::Cargo,
        "maven" => Ecosystem::Maven,
        "gem" => Ecosystem::Gem,
        "composer" => Ecosystem::Composer,
        "nuget" => Ecosystem::Nuget,
        "conda" => Ecosystem::Conda,
        _ => return None,
    })
}

/// Whether the name in the document is the purl's name, as the purl canonicalises it.
fn same_name(ecosystem: Ecosystem, field: &str, purl_name: &str) -> bool {
    let normalise = |name: &str| {
        let lower = name.to_ascii_lowercase();
        if ecosystem == Ecosystem::Pypi {
            lower.replace(['_', '.'], "-")
        } else {
            lower
        }
    };
    normalise(field) == normalise(purl_name)
}

/// Shorten a value for an error message.
fn shorten(value: &str) -> String {
    value.chars().take(200).collect()
}

/// Turn a record into a package, an unknown, or nothing.
fn decode_package(record: Record, document: &'static str) -> Result<Decoded, SbomError> {
    let Record {
        location,
        name: field_name,
        version: field_version,
        purl: purl_text,
        licenses,
        vendor,
        properties,
        source,
    } = record;
    let unknown = |reason: String| {
        Decoded::Unknown(Unknown {
            cataloger: document.to_owned(),
            layer_index: 0,
            path: location.clone(),
            reason,
        })
    };
    let purl_text = purl_text.as_deref().filter(|p| !p.is_empty());
    let purl = match purl_text.map(PackageUrl::from_str) {
        None => None,
        Some(Ok(purl)) => Some(purl),
        Some(Err(error)) => {
            return Ok(unknown(format!(
                "malformed purl `{}`: {error}",
                shorten(purl_text.unwrap_or_default())
            )));
        }
    };
    let ecosystem = match &purl {
        Some(purl) if purl.ty() == "oci" => return Ok(Decoded::Skip),
        Some(purl) => match ecosystem_of(purl.ty()) {
            Some(ecosystem) => ecosystem,
            None => {
                return Ok(unknown(format!(
                    "unsupported package type `{}` (`{}`)",
                    purl.ty(),
                    shorten(purl_text.unwrap_or_default())
                )));
            }
        },
        None => match properties.first(&[property::ECOSYSTEM]) {
            Some(name) => match ecosystem_of(name) {
                Some(ecosystem) => ecosystem,
                None => {
                    return Ok(unknown(format!(
                        "unsupported ecosystem `{}`",
                        shorten(name)
                    )));
                }
            },
            None => return Ok(Decoded::Skip),
        },
    };
    let missing = |field| SbomError::MissingField {
        document,
        location: location.clone(),
        field,
    };

    let field_name = field_name.as_deref().filter(|n| !n.is_empty());
    let (name, namespace) = match &purl {
        None => (field_name.ok_or_else(|| missing("name"))?.to_owned(), None),
        Some(purl) => {
            let purl_name = match (ecosystem, purl.namespace()) {
                (Ecosystem::Golang, Some(namespace)) => format!("{namespace}/{}", purl.name()),
                _ => purl.name().to_owned(),
            };
            let bare_names = !matches!(
                ecosystem,
                Ecosystem::Golang | Ecosystem::Maven | Ecosystem::Npm | Ecosystem::Composer
            );
            let name = match field_name {
                Some(field) if same_name(ecosystem, field, &purl_name) => field.to_owned(),
                Some(field) if bare_names => field.to_owned(),
                _ => purl_name,
            };
            let namespace = match ecosystem {
                Ecosystem::Deb | Ecosystem::Rpm | Ecosystem::Apk | Ecosystem::Golang => None,
                _ => purl.namespace().map(str::to_owned),
            };
            (name, namespace)
        }
    };

    let qualifier = |key: &str| {
        purl.as_ref()
            .and_then(|purl| purl.qualifiers().get(key))
            .map(ToString::to_string)
            .filter(|value| !value.is_empty())
    };
    let epoch = if ecosystem == Ecosystem::Rpm {
        qualifier("epoch")
    } else {
        None
    };
    let mut version = field_version
        .filter(|v| !v.is_empty())
        .or_else(|| purl.as_ref().and_then(|p| p.version()).map(str::to_owned))
        .ok_or_else(|| missing("version"))?;
    if let Some(epoch) = &epoch
        && !version.starts_with(&format!("{epoch}:"))
    {
        version = format!("{epoch}:{version}");
    }

    let layer = match properties.first(property::LAYER_DIGESTS) {
        None => None,
        Some(text) => Some(
            Digest::from_str(text).map_err(|error| SbomError::InvalidField {
                document,
                location: location.clone(),
                field: "layer digest".to_owned(),
                value: shorten(text),
                source: Box::new(error),
            })?,
        ),
    };
    let layer_index = match properties.first(&[property::LAYER_INDEX]) {
        None => 0,
        Some(text) => text.parse().map_err(|error| SbomError::InvalidField {
            document,
            location: location.clone(),
            field: property::LAYER_INDEX.to_owned(),
            value: shorten(text),
            source: Box::new(error),
        })?,
    };

    let (source_name, source_version) = source_package(
        &properties,
        source.as_ref(),
        ecosystem,
        &name,
        &version,
        &qualifier,
    );
    let cataloger = properties
        .first(property::CATALOGERS)
        .unwrap_or(document)
        .to_owned();
    let purl = purl_text.unwrap_or_default().to_owned();
    Ok(Decoded::Package(Box::new(Package {
        namespace,
        purl,
        source_name,
        source_version,
        arch: qualifier("arch"),
        epoch,
        licenses,
        vendor,
        layer,
        layer_index,
        path: properties
            .first(property::PATHS)
            .unwrap_or_default()
            .to_owned(),
        cataloger,
        ..Package::new(ecosystem, name, version)
    })))
}

/// The source package: from properties, then free text, then the purl's `upstream` qualifier
/// (`name` or `name@version`). An OS package without one is its own source, and a source without
/// a version has the binary's, as the purl spec reads a missing `upstream` and as apk origins and
/// Syft's deb `sourceVersion` (set only when it differs) work.
fn source_package(
    properties: &Properties,
    free_text: Option<&(String, Option<String>)>,
    ecosystem: Ecosystem,
    name: &str,
    version: &str,
    qualifier: &dyn Fn(&str) -> Option<String>,
) -> (Option<String>, Option<String>) {
    let upstream = qualifier("upstream");
    let (upstream_name, upstream_version) = match upstream.as_deref() {
        Some(upstream) => match upstream.split_once('@') {
            Some((name, version)) => (Some(name), Some(version).filter(|v| !v.is_empty())),
            None => (Some(upstream), None),
        },
        None => (None, None),
    };
    let source_name = properties
        .first(property::SOURCE_NAMES)
        .or(free_text.map(|(name, _)| name.as_str()))
        .or(upstream_name)
        .or(ecosystem.is_os().then_some(name))
        .map(str::to_owned);
    let source_version = properties
        .first(&[property::SOURCE_VERSION, "syft:metadata:sourceVersion"])
        .map(str::to_owned)
        .or_else(|| trivy_source_version(properties))
        .or_else(|| free_text.and_then(|(_, version)| version.clone()))
        .or_else(|| upstream_version.map(str::to_owned))
        .or_else(|| (ecosystem.is_os() && source_name.is_some()).then(|| version.to_owned()));
    (source_name, source_version)
}

/// Trivy's source version: `[SrcEpoch:]SrcVersion[-SrcRelease]`.
fn trivy_source_version(properties: &Properties) -> Option<String> {
    let version = properties.first(&["aquasecurity:trivy:SrcVersion", "SrcVersion"])?;
    let mut text = String::new();
    if let Some(epoch) = properties
        .first(&["aquasecurity:trivy:SrcEpoch", "SrcEpoch"])
        .filter(|e| *e != "0")
    {
        text.push_str(epoch);
        text.push(':');
    }
    text.push_str(version);
    if let Some(release) = properties.first(&["aquasecurity:trivy:SrcRelease", "SrcRelease"]) {
        text.push('-');
        text.push_str(release);
    }
    Some(text)
}

/// The image named by a document's subject: our properties first, then the purl.
fn decode_image(
    name: Option<&str>,
    version: Option<&str>,
    purl: Option<&str>,
    properties: &Properties,
    document: &'static str,
    location: &str,
) -> Result<ImageIdentity, SbomError> {
    let invalid = |field: &str, value: &str, source: tollgate_oci::Error| SbomError::InvalidField {
        document,
        location: location.to_owned(),
        field: field.to_owned(),
        value: shorten(value),
        source: Box::new(source),
    };
    let purl = purl.and_then(|p| PackageUrl::from_str(p).ok());
    let qualifier = |key: &str| {
        purl.as_ref()
            .and_then(|purl| purl.qualifiers().get(key))
            .map(ToString::to_string)
    };
    let target = properties
        .first(&[property::IMAGE_TARGET])
        .or(name)
        .unwrap_or_default()
        .to_owned();
    let mut tags = properties.all(property::IMAGE_TAG);
    if tags.is_empty() {
        tags.extend(qualifier("tag"));
    }
    let digest_text = version
        .filter(|v| v.contains(':'))
        .or_else(|| purl.as_ref().and_then(|p| p.version()));
    // Other tools put a tag or nothing in the version: only a digest is one.
    let manifest_digest = digest_text.and_then(|text| Digest::from_str(text).ok());
    let config_digest = match properties.first(&[property::IMAGE_CONFIG_DIGEST]) {
        None => None,
        Some(text) => Some(
            Digest::from_str(text).map_err(|e| invalid(property::IMAGE_CONFIG_DIGEST, text, e))?,
        ),
    };
    let platform = match properties.first(&[property::IMAGE_PLATFORM]) {
        None => None,
        Some(text) => {
            Some(Platform::from_str(text).map_err(|e| invalid(property::IMAGE_PLATFORM, text, e))?)
        }
    };
    Ok(ImageIdentity {
        target,
        name: properties
            .first(&[property::IMAGE_NAME])
            .map(str::to_owned)
            .or_else(|| qualifier("repository_url")),
        tags,
        manifest_digest,
        config_digest,
        platform,
    })
}

/// An OS family as tollgate names it (Trivy and Syft use a few other spellings).
fn os_family(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    match lower.as_str() {
        "redhat" | "red hat" => "rhel".to_owned(),
        "almalinux" => "alma".to_owned(),
        "amzn" => "amazon".to_owned(),
        "ol" => "oracle".to_owned(),
        "cbl-mariner" => "mariner".to_owned(),
        _ => lower,
    }
}

/// The OS, when the document names none, from the `distro` qualifier of its OS packages
/// (`distro=debian-12`, `distro=alpine-3.18.0`, or `distro=3.19.1` with namespace `alpine`): the
/// one most packages carry.
fn os_from_purls(packages: &[Package]) -> Option<OsInfo> {
    let mut counts: BTreeMap<(String, String), usize> = BTreeMap::new();
    for package in packages.iter().filter(|p| p.ecosystem.is_os()) {
        let Ok(purl) = PackageUrl::from_str(&package.purl) else {
            continue;
        };
        let Some(distro) = purl.qualifiers().get("distro").filter(|d| !d.is_empty()) else {
            continue;
        };
        let split = distro.char_indices().find(|&(index, c)| {
            c == '-' && distro[index + 1..].starts_with(|d: char| d.is_ascii_digit())
        });
        let (family, version) = match (split, purl.namespace()) {
            (Some((index, _)), _) => (os_family(&distro[..index]), distro[index + 1..].to_owned()),
            (None, Some(namespace)) if distro.starts_with(|d: char| d.is_ascii_digit()) => {
                (os_family(namespace), distro.to_string())
            }
            _ => continue,
        };
        *counts.entry((family, version)).or_default() += 1;
    }
    let ((family, version), _) = counts
        .into_iter()
        .max_by(|(a_key, a), (b_key, b)| a.cmp(b).then_with(|| b_key.cmp(a_key)))?;
    Some(OsInfo {
        family,
        version,
        ..OsInfo::default()
    })
}

/// The decoded inventory, with packages sorted and deduplicated as the catalogers' inventory is.
fn finish(
    image: ImageIdentity,
    os: Option<OsInfo>,
    mut packages: Vec<Package>,
    mut unknowns: Vec<Unknown>,
) -> Inventory {
    packages.sort();
    packages.dedup();
    unknowns.sort();
    let os = os.or_else(|| os_from_purls(&packages));
    Inventory {
        image,
        os,
        packages,
        unknowns,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The small inventory of the unit tests: a deb with its distro, pypi, maven with a
    /// namespace and a scoped npm package.
    pub(super) fn sample() -> Inventory {
        let os = OsInfo {
            family: "debian".to_owned(),
            version: "12".to_owned(),
            codename: Some("bookworm".to_owned()),
            pretty_name: Some("Debian GNU/Linux 12 (bookworm)".to_owned()),
        };
        let layer: Digest =
            "sha256:1111111111111111111111111111111111111111111111111111111111111111"
                .parse()
                .unwrap();
        let app_layer: Digest =
            "sha256:2222222222222222222222222222222222222222222222222222222222222222"
                .parse()
                .unwrap();
        let mut packages = vec![
            Package {
                source_name: Some("glibc".to_owned()),
                source_version: Some("2.36-9+deb12u4".to_owned()),
                arch: Some("amd64".to_owned()),
                licenses: vec!["GPL-2+".to_owned(), "LGPL-2.1+".to_owned()],
                vendor: Some("GNU Libc Maintainers <debian-glibc@lists.debian.org>".to_owned()),
                layer: Some(layer.clone()),
                path: "/var/lib/dpkg/status".to_owned(),
                cataloger: "dpkg-db".to_owned(),
                ..Package::new(Ecosystem::Deb, "libc6", "2.36-9+deb12u4")
            },
            Package {
                licenses: vec!["BSD-3-Clause".to_owned()],
                layer: Some(app_layer.clone()),
                layer_index: 1,
                path: "/usr/lib/python3/dist-packages/Jinja2-3.1.2.dist-info/METADATA".to_owned(),
                cataloger: "python-installed".to_owned(),
                ..Package::new(Ecosystem::Pypi, "Jinja2", "3.1.2")
            },
            Package {
                namespace: Some("org.apache.logging.log4j".to_owned()),
                licenses: vec!["Apache-2.0".to_owned()],
                layer: Some(app_layer.clone()),
                layer_index: 1,
                path: "/app/lib/log4j-core-2.14.1.jar".to_owned(),
                cataloger: "java-archive".to_owned(),
                ..Package::new(Ecosystem::Maven, "log4j-core", "2.14.1")
            },
            Package {
                namespace: Some("@babel".to_owned()),
                licenses: vec!["MIT OR Apache-2.0".to_owned()],
                layer: Some(app_layer),
                layer_index: 1,
                path: "/app/node_modules/@babel/core/package.json".to_owned(),
                cataloger: "npm-package".to_owned(),
                ..Package::new(Ecosystem::Npm, "core", "7.24.0")
            },
        ];
        for package in &mut packages {
            package.purl = crate::purl::purl(package, Some(&os));
        }
        Inventory {
            image: ImageIdentity {
                target: "docker://example.com/team/app:1.0".to_owned(),
                name: Some("example.com/team/app".to_owned()),
                tags: vec!["1.0".to_owned()],
                manifest_digest: Some(
                    "sha256:3333333333333333333333333333333333333333333333333333333333333333"
                        .parse()
                        .unwrap(),
                ),
                config_digest: Some(
                    "sha256:4444444444444444444444444444444444444444444444444444444444444444"
                        .parse()
                        .unwrap(),
                ),
                platform: Some(Platform::new("linux", "amd64", None)),
            },
            os: Some(os),
            packages,
            unknowns: Vec::new(),
        }
    }

    pub(super) fn options() -> SbomOptions {
        SbomOptions {
            created: "2024-01-02T03:04:05Z".to_owned(),
            tool_version: "0.1.0".to_owned(),
        }
    }

    /// The packages of `inventory` in the order the readers return them.
    pub(super) fn sorted(inventory: &Inventory) -> Vec<Package> {
        finish(
            ImageIdentity::default(),
            None,
            inventory.packages.clone(),
            Vec::new(),
        )
        .packages
    }

    #[test]
    fn package_ids_are_stable_hashes_without_the_cataloger() {
        let inventory = sample();
        let libc = &inventory.packages[0];
        let id = package_id(libc);
        assert_eq!(id.len(), 16);
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
        let other_cataloger = Package {
            cataloger: "other".to_owned(),
            ..libc.clone()
        };
        assert_eq!(package_id(&other_cataloger), id);
        let other_path = Package {
            path: "/var/lib/dpkg/status.d/libc6".to_owned(),
            ..libc.clone()
        };
        assert_ne!(package_id(&other_path), id);
    }

    #[test]
    fn content_uuid_is_a_version_5_uuid() {
        let uuid = content_uuid("x");
        assert_eq!(uuid, content_uuid("x"));
        assert_ne!(uuid, content_uuid("y"));
        let bytes = uuid.as_bytes();
        assert_eq!(uuid.len(), 36);
        assert_eq!(bytes[14], b'5');
        assert!(matches!(bytes[19], b'8' | b'9' | b'a' | b'b'));
    }

    #[test]
    fn expressions() {
        assert_eq!(spdx_expression("mit").as_deref(), Some("MIT"));
        assert_eq!(
            spdx_expression("(MIT OR apache-2.0) AND  Zlib").as_deref(),
            Some("(MIT OR Apache-2.0) AND Zlib")
        );
        assert_eq!(
            spdx_expression("GPL-2.0-or-later WITH Classpath-exception-2.0").as_deref(),
            Some("GPL-2.0-or-later WITH Classpath-exception-2.0")
        );
        for not_one in [
            "",
            "GPL-2+",
            "MIT and Zlib",
            "MIT AND",
            "(MIT",
            "MIT)",
            "MIT Zlib",
            "MIT WITH Zlib",
            "Python Software Foundation License",
        ] {
            assert_eq!(spdx_expression(not_one), None, "{not_one}");
        }
        let deep = format!("{}MIT{}", "(".repeat(100), ")".repeat(100));
        assert_eq!(spdx_expression(&deep), None);
        assert_eq!(
            split_conjunction("(MIT OR Apache-2.0) AND Zlib AND (LicenseRef-a)"),
            ["MIT OR Apache-2.0", "Zlib", "LicenseRef-a"]
        );
        assert_eq!(split_conjunction("(MIT) OR (Zlib)"), ["(MIT) OR (Zlib)"]);
    }

    #[test]
    fn image_purls() {
        let image = sample().image;
        assert_eq!(
            image_purl(&image).unwrap(),
            "pkg:oci/app@sha256:3333333333333333333333333333333333333333333333333333333333333333\
             ?arch=amd64&repository_url=example.com%2Fteam%2Fapp&tag=1.0"
        );
        assert_eq!(
            name_from_target("oci:/work/shared/images/alpine-3.18:1.0").as_deref(),
            Some("alpine-3.18")
        );
        assert_eq!(
            name_from_target("docker-archive:/tmp/app.tar.gz").as_deref(),
            Some("app")
        );
        assert_eq!(name_from_target("oci:/"), None);
        let no_digest = ImageIdentity {
            manifest_digest: None,
            ..image
        };
        assert_eq!(image_purl(&no_digest), None);
    }

    #[test]
    fn os_from_distro_qualifiers() {
        let package = |purl: &str| Package {
            purl: purl.to_owned(),
            ..Package::new(Ecosystem::Apk, "musl", "1")
        };
        let os = os_from_purls(&[
            package("pkg:apk/alpine/musl@1?distro=alpine-3.18.0"),
            package("pkg:apk/alpine/zlib@1?distro=alpine-3.18.0"),
            package("pkg:apk/alpine/x@1?distro=3.19.1"),
        ])
        .unwrap();
        assert_eq!(
            (os.family.as_str(), os.version.as_str()),
            ("alpine", "3.18.0")
        );
        let os = os_from_purls(&[package("pkg:rpm/redhat/x@1?distro=rhel-8.8")]).unwrap();
        assert_eq!((os.family.as_str(), os.version.as_str()), ("rhel", "8.8"));
        assert_eq!(os_from_purls(&[package("pkg:apk/alpine/x@1")]), None);
    }

    #[test]
    fn detect_and_decode_chooses_by_marker() {
        let inventory = sample();
        let cyclonedx = to_cyclonedx(&inventory, &options()).to_string();
        let spdx = to_spdx(&inventory, &options()).to_string();
        assert_eq!(
            detect_and_decode(cyclonedx.as_bytes()).unwrap().packages,
            sorted(&inventory)
        );
        assert_eq!(
            detect_and_decode(spdx.as_bytes()).unwrap().packages,
            sorted(&inventory)
        );
        assert!(matches!(
            detect_and_decode(b"{\"name\": \"x\"}"),
            Err(SbomError::UnknownFormat)
        ));
        let error = detect_and_decode(b"{").unwrap_err();
        assert!(matches!(
            error,
            SbomError::Json {
                document: "sbom",
                ..
            }
        ));
        assert_eq!(
            error.to_string(),
            "failed to parse the sbom document as json"
        );
    }

    /// Every JSON path of `value`, as a list of object keys and array indexes.
    fn paths(value: &Value, prefix: &mut Vec<Value>, out: &mut Vec<Vec<Value>>) {
        out.push(prefix.clone());
        let children: Vec<(Value, &Value)> = match value {
            Value::Object(map) => map
                .iter()
                .map(|(k, v)| (Value::from(k.clone()), v))
                .collect(),
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, v)| (Value::from(i), v))
                .collect(),
            _ => Vec::new(),
        };
        for (key, child) in children {
            prefix.push(key);
            paths(child, prefix, out);
            prefix.pop();
        }
    }

    fn at<'a>(value: &'a mut Value, path: &[Value]) -> &'a mut Value {
        path.iter().fold(value, |value, key| match key {
            Value::String(key) => &mut value[key.as_str()],
            _ => &mut value[usize::try_from(key.as_u64().unwrap()).unwrap()],
        })
    }

    #[test]
    fn decoders_never_panic_on_values_of_another_type() {
        let inventory = sample();
        for document in [
            to_cyclonedx(&inventory, &options()),
            to_spdx(&inventory, &options()),
        ] {
            let mut all = Vec::new();
            paths(&document, &mut Vec::new(), &mut all);
            for path in all.iter().filter(|p| !p.is_empty()) {
                for replacement in [
                    Value::Null,
                    Value::from(7),
                    Value::from("pkg:"),
                    Value::from("sha256:x"),
                    Value::Array(Vec::new()),
                    serde_json::json!({}),
                ] {
                    let mut changed = document.clone();
                    *at(&mut changed, path) = replacement;
                    // An error or an inventory, never a panic.
                    let _ = detect_and_decode(changed.to_string().as_bytes());
                }
            }
        }
    }

    #[test]
    fn oversized_input_is_refused_before_parsing() {
        check_size(MAX_SBOM_SIZE, MAX_SBOM_SIZE).unwrap();
        let error = check_size(MAX_SBOM_SIZE + 1, MAX_SBOM_SIZE).unwrap_err();
        assert!(matches!(
            error,
            SbomError::TooLarge { size, limit: MAX_SBOM_SIZE } if size == MAX_SBOM_SIZE + 1
        ));
        assert_eq!(
            error.to_string(),
            "the sbom is 268435457 bytes, more than the limit of 268435456 bytes"
        );
    }
}
