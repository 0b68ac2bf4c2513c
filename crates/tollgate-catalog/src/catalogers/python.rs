//! Installed Python distributions, from their core metadata: wheel installs
//! (`*.dist-info/METADATA`), setuptools installs (`*.egg-info/PKG-INFO`), unzipped eggs
//! (`EGG-INFO/PKG-INFO`), old distutils installs (a `Foo-1.0.egg-info` file that is itself
//! PKG-INFO) and zipped eggs (a `*.egg` file holding `EGG-INFO/PKG-INFO`).
//!
//! Core metadata is a block of RFC 822 headers; the body after the first blank line is the
//! long description and is never read. The headers are parsed the way Python's `email` parser
//! (compat32) parses them for `importlib.metadata`, and so for `pip list`: a line that starts
//! with a space or tab continues the previous header, and the first line that is neither a
//! header nor a continuation ends the headers (some PKG-INFO files put the description right
//! after them). Field names are case-insensitive; the first `Name`/`Version` wins.

// ref: https://packaging.python.org/en/latest/specifications/core-metadata/
// ref: https://packaging.python.org/en/latest/specifications/recording-installed-packages/
// ref: https://setuptools.pypa.io/en/latest/deprecated/python_eggs.html

use std::io::{BufRead, BufReader, Cursor, Read};

use tollgate_oci::{Selector, VisitedFile};

use crate::cataloger::{CatalogError, Cataloger};
use crate::{Ecosystem, Package};

pub(crate) struct PythonPackage;

const METADATA: &str = "python core metadata";
const EGG: &str = "python egg";

/// Where a zipped egg keeps its metadata.
const EGG_PKG_INFO: &str = "EGG-INFO/PKG-INFO";

/// Most bytes of headers read from one metadata file. Metadata 1.x keeps the whole long
/// description in a `Description` header, which can be a few hundred KiB; the limit also bounds
/// what is inflated from a zipped egg's PKG-INFO (a zip bomb stops here).
const MAX_HEADER_BYTES: u64 = 4 * 1024 * 1024;

impl Cataloger for PythonPackage {
    fn id(&self) -> &'static str {
        "python-package"
    }

    fn version(&self) -> u32 {
        1
    }

    fn selectors(&self) -> &'static [Selector] {
        &[
            Selector::Glob("**/*.dist-info/METADATA"),
            Selector::Glob("**/*.egg-info/PKG-INFO"),
            Selector::Glob("**/EGG-INFO/PKG-INFO"),
            Selector::Glob("**/*.egg-info"),
            Selector::Glob("**/*.egg"),
        ]
    }

    fn catalog(
        &self,
        file: &VisitedFile<'_>,
        content: &mut dyn Read,
    ) -> Result<Vec<Package>, CatalogError> {
        let limit = file.buffer_limit.min(MAX_HEADER_BYTES);
        if file.path.ends_with(".egg") {
            return match egg_headers(content, file.buffer_limit, limit)? {
                Some(headers) => Ok(vec![headers.package().map_err(in_egg)?]),
                // A zip without EGG-INFO/PKG-INFO is not an installed distribution (trivy's
                // `no-required-files.egg`): nothing to report.
                None => Ok(Vec::new()),
            };
        }
        let headers = Headers::parse(&mut BufReader::new(content), limit)?;
        Ok(vec![headers.package()?])
    }
}

/// The headers of a metadata file, in order, with continuation lines unfolded into the value
/// (joined by `\n`, as Python keeps them).
#[derive(Debug, Default)]
struct Headers {
    fields: Vec<(String, String)>,
}

impl Headers {
    /// Parse the header block of `reader`, reading at most `limit` bytes of it.
    fn parse(reader: &mut dyn BufRead, limit: u64) -> Result<Self, CatalogError> {
        let mut reader = reader.take(limit.saturating_add(1));
        let mut headers = Self::default();
        let mut line = Vec::new();
        let mut read: u64 = 0;
        let mut first = true;
        loop {
            line.clear();
            let n = reader.read_until(b'\n', &mut line)?;
            if n == 0 {
                break;
            }
            read += n as u64;
            if read > limit {
                return Err(CatalogError::malformed(
                    METADATA,
                    format!("the headers are longer than {limit} bytes"),
                ));
            }
            let mut text = String::from_utf8_lossy(&line);
            if first {
                first = false;
                if let Some(rest) = text.strip_prefix('\u{feff}') {
                    text = rest.to_owned().into();
                }
            }
            let text = text.trim_end_matches(['\n', '\r']);
            if text.is_empty() {
                break;
            }
            if text.starts_with([' ', '\t']) {
                // A continuation of the previous header; one before any header is dropped, as
                // Python drops it.
                if let Some((_, value)) = headers.fields.last_mut() {
                    value.push('\n');
                    value.push_str(text);
                }
                continue;
            }
            match text.split_once(':') {
                Some((name, value)) if is_field_name(name) => {
                    headers.fields.push((
                        name.to_owned(),
                        value.trim_start_matches([' ', '\t']).to_owned(),
                    ));
                }
                // An mbox `From ` line is skipped, as Python skips it.
                _ if text.starts_with("From ") => {}
                // Neither a header nor a continuation: the body starts here.
                _ => break,
            }
        }
        Ok(headers)
    }

    /// The first value of the field `name`.
    fn first(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(field, _)| field.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// Every value of the field `name`, in order.
    fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.fields
            .iter()
            .filter(move |(field, _)| field.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The package these headers describe.
    fn package(&self) -> Result<Package, CatalogError> {
        let name = self.required("Name")?;
        if !is_distribution_name(name) {
            return Err(CatalogError::malformed(
                METADATA,
                format!("`{}` is not a valid distribution name", name.escape_debug()),
            ));
        }
        let version = self.required("Version")?;
        if version.chars().any(char::is_control) {
            return Err(CatalogError::malformed(
                METADATA,
                format!("`{}` is not a valid version", version.escape_debug()),
            ));
        }
        let mut package = Package::new(Ecosystem::Pypi, name, version);
        package.licenses = self.licenses();
        package.vendor = ["Author", "Maintainer", "Author-email", "Maintainer-email"]
            .into_iter()
            .find_map(|field| self.first(field).and_then(single_line))
            .map(str::to_owned);
        Ok(package)
    }

    fn required(&self, field: &'static str) -> Result<&str, CatalogError> {
        match self.first(field).map(str::trim) {
            Some(value) if !value.is_empty() => Ok(value),
            Some(_) => Err(CatalogError::malformed(
                METADATA,
                format!("the `{field}` header is empty"),
            )),
            None => Err(CatalogError::malformed(
                METADATA,
                format!("no `{field}` header"),
            )),
        }
    }

    /// Declared licenses: the SPDX `License-Expression` (metadata 2.4), else the free-text
    /// `License` when it names a license (one line, not setuptools' `UNKNOWN` placeholder),
    /// else the last part of each `License :: …` classifier that names one (`License :: OSI
    /// Approved` alone does not).
    fn licenses(&self) -> Vec<String> {
        if let Some(expression) = self.first("License-Expression").and_then(single_line) {
            return vec![expression.to_owned()];
        }
        if let Some(license) = self.first("License").and_then(single_line) {
            return vec![license.to_owned()];
        }
        let mut licenses: Vec<String> = Vec::new();
        for classifier in self.all("Classifier") {
            let mut parts = classifier.split("::").map(str::trim);
            if parts.next() != Some("License") {
                continue;
            }
            if let Some(last) = parts.last()
                && last != "OSI Approved"
                && !last.is_empty()
                && !licenses.iter().any(|known| known == last)
            {
                licenses.push(last.to_owned());
            }
        }
        licenses
    }
}

/// A value that is one non-empty line and not the `UNKNOWN` placeholder distutils writes for a
/// missing field. A `License` that spans lines is the license text itself, not its name.
fn single_line(value: &str) -> Option<&str> {
    let mut lines = value.lines().map(str::trim).filter(|line| !line.is_empty());
    let first = lines.next()?;
    (lines.next().is_none() && !first.eq_ignore_ascii_case("UNKNOWN")).then_some(first)
}

/// RFC 822 field names: printable ASCII except `:` (Python's `headerRE`).
fn is_field_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_graphic() && b != b':')
}

/// A distribution name as core metadata allows it: ASCII letters and digits, with `.`, `_` and
/// `-` inside (`^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$`, case-insensitive).
fn is_distribution_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) => {
            first.is_ascii_alphanumeric()
                && last.is_ascii_alphanumeric()
                && bytes
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        }
        _ => false,
    }
}

/// The headers of `EGG-INFO/PKG-INFO` in a zipped egg, or `None` when it has none. The egg is
/// buffered (at most `buffer_limit` bytes, for the zip's central directory at its end) and at
/// most `limit` bytes of PKG-INFO are inflated.
fn egg_headers(
    content: &mut dyn Read,
    buffer_limit: u64,
    limit: u64,
) -> Result<Option<Headers>, CatalogError> {
    let bytes = tollgate_oci::read_capped(content, buffer_limit)?;
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|error| {
        CatalogError::malformed(EGG, format!("not a readable zip archive: {error}"))
    })?;
    let entry = match archive.by_name(EGG_PKG_INFO) {
        Ok(entry) => entry,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(error) => {
            return Err(CatalogError::malformed(
                EGG,
                format!("cannot open `{EGG_PKG_INFO}`: {error}"),
            ));
        }
    };
    Headers::parse(&mut BufReader::new(entry), limit)
        .map(Some)
        .map_err(in_egg)
}

/// An error about the PKG-INFO inside a zipped egg: the file in the image is the egg, so the
/// reason names the entry, and a failure to inflate it is the egg's fault, not the layer's.
fn in_egg(error: CatalogError) -> CatalogError {
    match error {
        CatalogError::Read(error) => {
            CatalogError::malformed(EGG, format!("cannot inflate `{EGG_PKG_INFO}`: {error}"))
        }
        CatalogError::Malformed { reason, .. } => {
            CatalogError::malformed(EGG, format!("`{EGG_PKG_INFO}`: {reason}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::io::Write;
    use std::sync::Mutex;

    use tollgate_oci::{BoxError, Image, OpenOptions, Target, Visitor};

    use super::*;

    const MIB: u64 = 1024 * 1024;

    fn visited(path: &str, size: u64, buffer_limit: u64) -> VisitedFile<'_> {
        VisitedFile {
            layer_index: 0,
            layer_digest: None,
            diff_id: None,
            path,
            size,
            mode: 0o644,
            magic: None,
            hardlink_of: None,
            buffer_limit,
        }
    }

    fn catalog(path: &str, bytes: &[u8]) -> Result<Vec<Package>, CatalogError> {
        PythonPackage.catalog(
            &visited(path, bytes.len() as u64, 64 * MIB),
            &mut &bytes[..],
        )
    }

    fn one(path: &str, bytes: &[u8]) -> Package {
        let mut packages = catalog(path, bytes).unwrap();
        assert_eq!(packages.len(), 1, "{path}: {packages:?}");
        packages.remove(0)
    }

    fn malformed_reason(result: Result<Vec<Package>, CatalogError>) -> (&'static str, String) {
        match result {
            Err(CatalogError::Malformed { format, reason }) => (format, reason),
            other => panic!("expected Malformed, got {other:?}"),
        }
    }

    /// A zip with the given (name, content) entries, deflated.
    fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, content) in entries {
            writer.start_file(*name, options).unwrap();
            writer.write_all(content).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    // --- trivy's fixtures, each at the path it has in an image --------------------------------

    /// (case, fixture file under fixtures/trivy/python-pkg, path in the image, name, version,
    /// licenses, vendor).
    type FixtureCase = (
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static [&'static str],
        Option<&'static str>,
    );

    const FIXTURES: &[FixtureCase] = &[
        (
            "asyncssh-dist",
            "METADATA",
            "/usr/local/lib/python3.11/site-packages/asyncssh-2.14.2.dist-info/METADATA",
            "asyncssh",
            "2.14.2",
            // `License :: OSI Approved` names no license; the License field does.
            &["Eclipse Public License v2.0"],
            Some("Ron Frederick"),
        ),
        (
            "classifier-license-dist",
            "setuptools-51.3.3.dist-info/METADATA",
            "/usr/local/lib/python3.8/site-packages/setuptools-51.3.3.dist-info/METADATA",
            "setuptools",
            "51.3.3",
            &["MIT License"],
            Some("Python Packaging Authority"),
        ),
        (
            // No blank line before the description: the first non-header line ends the headers.
            "classifier-license-egg",
            "setuptools-51.3.3.egg-info/PKG-INFO",
            "/usr/local/lib/python3.8/site-packages/setuptools-51.3.3.egg-info/PKG-INFO",
            "setuptools",
            "51.3.3",
            &["MIT License"],
            Some("Python Packaging Authority"),
        ),
        (
            // trivy prefers the classifier (`Python Software Foundation License`); we take the
            // License field and use classifiers only when it is missing.
            "distlib-dist",
            "METADATA",
            "/usr/local/lib/python3.9/site-packages/distlib-0.3.1.dist-info/METADATA",
            "distlib",
            "0.3.1",
            &["Python license"],
            Some("Vinay Sajip"),
        ),
        (
            "distlib-egg-info-file",
            "distlib-0.3.1-py3.9.egg-info",
            "/usr/lib/python3/dist-packages/distlib-0.3.1-py3.9.egg-info",
            "distlib",
            "0.3.1",
            &["Python license"],
            Some("Vinay Sajip"),
        ),
        (
            "egg-zip",
            "kitchen-1.2.6-py2.7.egg",
            "/usr/lib/python2.7/site-packages/kitchen-1.2.6-py2.7.egg",
            "kitchen",
            "1.2.6",
            &["LGPLv2+"],
            Some("Toshio Kuratomi, Seth Vidal, others"),
        ),
        (
            // Only a `License-File`, which names a file, not a license.
            "egg-zip-with-license-file",
            "sample_package.egg",
            "/usr/local/lib/python3.10/site-packages/sample_package.egg",
            "sample_package",
            "0.1",
            &[],
            Some("ChatGPT"),
        ),
        (
            "happy-dist",
            "distlib-0.3.1.dist-info/METADATA",
            "/usr/local/lib/python3.9/site-packages/distlib-0.3.1.dist-info/METADATA",
            "distlib",
            "0.3.1",
            &["Python license"],
            Some("Vinay Sajip"),
        ),
        (
            "happy-egg",
            "distlib-0.3.1.egg-info/PKG-INFO",
            "/usr/lib/python3/dist-packages/distlib-0.3.1.egg-info/PKG-INFO",
            "distlib",
            "0.3.1",
            &["Python license"],
            Some("Vinay Sajip"),
        ),
        (
            "iniconfig-dist",
            "METADATA",
            "/usr/local/lib/python3.11/site-packages/iniconfig-2.0.0.dist-info/METADATA",
            "iniconfig",
            "2.0.0",
            &["MIT"],
            Some(
                "Ronny Pfannschmidt <opensource@ronnypfannschmidt.de>, Holger Krekel <holger.krekel@gmail.com>",
            ),
        ),
        (
            "license-file-dist",
            "typing_extensions-4.4.0.dist-info/METADATA",
            "/opt/venv/lib/python3.11/site-packages/typing_extensions-4.4.0.dist-info/METADATA",
            "typing_extensions",
            "4.4.0",
            &[],
            Some(
                "\"Guido van Rossum, Jukka Lehtosalo, Łukasz Langa, Michael Lee\" <levkivskyi@gmail.com>",
            ),
        ),
        (
            "networkx-dist",
            "METADATA",
            "/usr/local/lib/python3.11/site-packages/networkx-3.0.dist-info/METADATA",
            "networkx",
            "3.0",
            &[],
            Some("Aric Hagberg"),
        ),
        (
            "pyphen-dist",
            "METADATA",
            "/usr/local/lib/python3.11/site-packages/pyphen-0.14.0.dist-info/METADATA",
            "pyphen",
            "0.14.0",
            &[
                "GNU General Public License v2 or later (GPLv2+)",
                "GNU Lesser General Public License v2 or later (LGPLv2+)",
                "Mozilla Public License 1.1 (MPL 1.1)",
            ],
            Some("Guillaume Ayoub <contact@courtbouillon.org>"),
        ),
        (
            // `License: UNKNOWN` is distutils' placeholder, not a license.
            "setuptools-egg-info",
            "PKG-INFO",
            "/usr/lib/python3.8/site-packages/setuptools-51.3.3-py3.8.egg-info/PKG-INFO",
            "setuptools",
            "51.3.3",
            &[],
            Some("Python Packaging Authority"),
        ),
        (
            // `Name: simple ` has a trailing space.
            "simple-dist",
            "METADATA",
            "/usr/local/lib/python3.11/site-packages/simple-0.1.0.dist-info/METADATA",
            "simple",
            "0.1.0",
            &[],
            None,
        ),
        (
            // A description with bytes that are not valid UTF-8 and tabs in continuation lines.
            "unidecode-egg-info",
            "PKG-INFO",
            "/usr/lib/python3.9/site-packages/Unidecode-0.4.1-py3.9.egg-info/PKG-INFO",
            "Unidecode",
            "0.4.1",
            &[],
            Some("Tomaz Solc"),
        ),
        (
            "zipp-dist",
            "METADATA",
            "/usr/local/lib/python3.11/site-packages/zipp-3.12.1.dist-info/METADATA",
            "zipp",
            "3.12.1",
            &["MIT License"],
            Some("Jason R. Coombs"),
        ),
    ];

    #[test]
    fn python_trivy_fixtures() {
        let root = tollgate_test::shared_or_skip!("fixtures/trivy/python-pkg");
        for &(case, file, image_path, name, version, licenses, vendor) in FIXTURES {
            let bytes = fs_err::read(root.join(case).join(file)).unwrap();
            let package = one(image_path, &bytes);
            assert_eq!(
                (
                    package.ecosystem,
                    package.name.as_str(),
                    package.version.as_str()
                ),
                (Ecosystem::Pypi, name, version),
                "{case}"
            );
            assert_eq!(package.licenses, licenses, "{case}");
            assert_eq!(package.vendor.as_deref(), vendor, "{case}");
        }
    }

    /// trivy's negative case: a zip named `.egg` without `EGG-INFO/PKG-INFO` is no package.
    #[test]
    fn python_trivy_egg_without_pkg_info() {
        let root = tollgate_test::shared_or_skip!("fixtures/trivy/python-pkg");
        let bytes = fs_err::read(root.join("no-req-files-egg/no-required-files.egg")).unwrap();
        let packages = catalog(
            "/usr/local/lib/python3.10/site-packages/no-required-files.egg",
            &bytes,
        )
        .unwrap();
        assert!(packages.is_empty(), "{packages:?}");
    }

    /// Every fixture placed at its image path in a real image is selected, and a PKG-INFO outside
    /// any egg or dist-info directory (trivy's `random/PKG-INFO`) is not.
    #[test]
    fn python_selectors_in_an_image() {
        use tollgate_test::builder::{Compression, ImageBuilder, LayerBuilder};

        let root = tollgate_test::shared_or_skip!("fixtures/trivy/python-pkg");
        let mut layer = LayerBuilder::new();
        let mut want = BTreeSet::new();
        for &(case, file, image_path, name, version, ..) in FIXTURES {
            let bytes = fs_err::read(root.join(case).join(file)).unwrap();
            layer = layer.file(image_path.trim_start_matches('/'), &bytes, 0o644);
            want.insert((image_path.to_owned(), name.to_owned(), version.to_owned()));
        }
        let decoy = fs_err::read(root.join("happy-egg/distlib-0.3.1.egg-info/PKG-INFO")).unwrap();
        layer = layer
            .file("random/PKG-INFO", &decoy, 0o644)
            .file(
                "usr/lib/python3/dist-packages/distlib/METADATA",
                &decoy,
                0o644,
            )
            .file(
                "usr/lib/python3/dist-packages/wheel-0.1.dist-info/RECORD",
                &decoy,
                0o644,
            )
            .file(
                "usr/lib/python3/dist-packages/kitchen-1.2.6-py2.7.egg/EGG-INFO/PKG-INFO",
                &decoy,
                0o644,
            );
        want.insert((
            "/usr/lib/python3/dist-packages/kitchen-1.2.6-py2.7.egg/EGG-INFO/PKG-INFO".to_owned(),
            "distlib".to_owned(),
            "0.3.1".to_owned(),
        ));
        let dir = tempfile::tempdir().unwrap();
        ImageBuilder::new()
            .layer(layer.finish(Compression::Gzip))
            .write_oci_layout(dir.path());
        let target = Target::parse(&format!("oci:{}:test", dir.path().display())).unwrap();
        let image = Image::open(&target, &OpenOptions::default()).unwrap();
        let found = walk(&image);
        let got: BTreeSet<_> = found
            .into_iter()
            .map(|(_, path, outcome)| {
                let mut packages = outcome.unwrap_or_else(|error| panic!("{path}: {error}"));
                assert_eq!(packages.len(), 1, "{path}");
                let package = packages.remove(0);
                (path, package.name, package.version)
            })
            .collect();
        assert_eq!(got, want);
    }

    // --- ground truth ---------------------------------------------------------------------------

    type Found = Vec<(usize, String, Result<Vec<Package>, String>)>;

    /// Forwards the files the cataloger selects to it, as the inventory does.
    struct Forward(Mutex<Found>);

    impl Visitor for Forward {
        fn id(&self) -> &str {
            PythonPackage.id()
        }

        fn selectors(&self) -> &[Selector] {
            PythonPackage.selectors()
        }

        fn visit(&self, file: &VisitedFile<'_>, content: &mut dyn Read) -> Result<(), BoxError> {
            let outcome = PythonPackage
                .catalog(file, content)
                .map_err(|error| error.to_string());
            self.0
                .lock()
                .unwrap()
                .push((file.layer_index, file.path.to_owned(), outcome));
            Ok(())
        }
    }

    /// Every file the cataloger selects that is still in the final filesystem, with its outcome.
    fn walk(image: &Image) -> Found {
        let forward = Forward(Mutex::default());
        let walk = image.walk(&[&forward], None).unwrap();
        assert!(walk.problems.is_empty(), "{:?}", walk.problems);
        let hops = image.limits().max_symlink_hops;
        let mut found = forward.0.into_inner().unwrap();
        found.retain(|(layer, path, _)| {
            walk.view
                .get(path, hops)
                .is_some_and(|info| info.layer == *layer)
        });
        found.sort_by(|a, b| a.1.cmp(&b.1));
        found
    }

    /// `pip list --path` over every dist-packages directory of the image, exactly: Debian's pip,
    /// setuptools and wheel and the packages pip installed into /usr/local.
    #[test]
    fn python_ground_truth_debian_bookworm_app() {
        let layout = tollgate_test::shared_or_skip!("images/debian-bookworm-app");
        let expected =
            tollgate_test::shared_or_skip!("images/expected/debian-bookworm-app/packages.tsv");
        let want: BTreeSet<(String, String, String)> = fs_err::read_to_string(expected)
            .unwrap()
            .lines()
            .filter_map(|line| {
                let cells: Vec<&str> = line.split('\t').collect();
                (cells.first() == Some(&"pypi")).then(|| {
                    (
                        cells[1].to_owned(),
                        cells[2].to_owned(),
                        cells[6].to_owned(),
                    )
                })
            })
            .collect();
        assert_eq!(want.len(), 11);

        let target = Target::parse(&format!("oci:{}:1.0", layout.display())).unwrap();
        let image = Image::open(&target, &OpenOptions::default()).unwrap();
        let mut got = BTreeSet::new();
        for (_, path, outcome) in walk(&image) {
            let packages = outcome.unwrap_or_else(|error| panic!("{path}: {error}"));
            let site = path
                .rsplitn(3, '/')
                .nth(2)
                .unwrap_or_else(|| panic!("{path}"))
                .to_owned();
            for package in packages {
                assert!(
                    got.insert((package.name, package.version, site.clone())),
                    "{path}: counted twice"
                );
            }
        }
        assert_eq!(got, want);
    }

    // --- parsing --------------------------------------------------------------------------------

    const DIST_INFO: &str = "/usr/lib/python3/dist-packages/demo-1.0.dist-info/METADATA";

    #[test]
    fn python_license_expression_wins() {
        let package = one(
            DIST_INFO,
            b"Metadata-Version: 2.4\nName: demo\nVersion: 1.0\nLicense: BSD\n\
              License-Expression: MIT OR Apache-2.0\nClassifier: License :: OSI Approved :: MIT License\n",
        );
        assert_eq!(package.licenses, ["MIT OR Apache-2.0"]);
    }

    /// A `License` that is the license text (continuation lines) is not a license name: the
    /// classifiers are used instead.
    #[test]
    fn python_license_text_falls_back_to_classifiers() {
        let package = one(
            DIST_INFO,
            b"Metadata-Version: 2.1\nName: MarkupSafe\nVersion: 2.1.0\n\
              License: Copyright 2010 Pallets\n        \n        Redistribution and use ...\n\
              Classifier: License :: OSI Approved :: BSD License\n\
              Classifier: License :: OSI Approved :: BSD License\n\nbody: not a header\n",
        );
        assert_eq!(package.name, "MarkupSafe");
        assert_eq!(package.licenses, ["BSD License"]);
    }

    #[test]
    fn python_headers_are_case_insensitive_and_first_wins() {
        let package = one(
            DIST_INFO,
            b"metadata-version: 2.1\r\nNAME: Demo.Pkg_x-1\r\nversion:2.0\r\nVersion: 3.0\r\n\r\nName: other\n",
        );
        assert_eq!(
            (package.name.as_str(), package.version.as_str()),
            ("Demo.Pkg_x-1", "2.0")
        );
    }

    #[test]
    fn python_body_is_not_read() {
        let mut text = b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n\n".to_vec();
        text.extend(std::iter::repeat_n(b'x', 8 * MIB as usize));
        // The body is past the header limit; it is never read.
        assert_eq!(one(DIST_INFO, &text).version, "1.0");
    }

    #[test]
    fn python_missing_name_or_version_is_malformed() {
        for (text, want) in [
            (
                &b"Metadata-Version: 2.1\nVersion: 1.0\n"[..],
                "no `Name` header",
            ),
            (
                b"Metadata-Version: 2.1\nName: demo\n",
                "no `Version` header",
            ),
            (b"Name:   \nVersion: 1.0\n", "the `Name` header is empty"),
            (b"Name: demo\nVersion:\n", "the `Version` header is empty"),
            // The blank line ends the headers: what follows is the description.
            (
                b"Metadata-Version: 2.1\n\nName: demo\nVersion: 1.0\n",
                "no `Name` header",
            ),
            (b"", "no `Name` header"),
        ] {
            assert_eq!(
                malformed_reason(catalog(DIST_INFO, text)),
                (METADATA, want.to_owned())
            );
        }
    }

    #[test]
    fn python_invalid_name_is_malformed() {
        for name in ["-demo", "de mo", "demo\u{e9}", "demo.", "<script>"] {
            let text = format!("Name: {name}\nVersion: 1.0\n");
            let (format, reason) = malformed_reason(catalog(DIST_INFO, text.as_bytes()));
            assert_eq!(format, METADATA);
            assert!(
                reason.ends_with("is not a valid distribution name"),
                "{reason}"
            );
        }
        let (_, reason) = malformed_reason(catalog(
            DIST_INFO,
            b"Name: demo\n  continued\nVersion: 1.0\n",
        ));
        assert_eq!(
            reason,
            "`demo\\n  continued` is not a valid distribution name"
        );
    }

    #[test]
    fn python_garbage_never_panics() {
        let mut seed: u32 = 0x1234_5678;
        for length in [0usize, 1, 2, 7, 64, 4096] {
            for _ in 0..64 {
                let bytes: Vec<u8> = (0..length)
                    .map(|_| {
                        seed ^= seed << 13;
                        seed ^= seed >> 17;
                        seed ^= seed << 5;
                        seed.to_le_bytes()[0]
                    })
                    .collect();
                for path in [DIST_INFO, "/usr/lib/python2.7/site-packages/x.egg"] {
                    let _ = catalog(path, &bytes);
                }
            }
        }
        // Not UTF-8: decoded lossily, the name stays valid.
        let package = one(
            DIST_INFO,
            b"Name: demo\nVersion: 1.0\xff\nAuthor: Bj\xf6rn\n",
        );
        assert_eq!(package.version, "1.0\u{fffd}");
        assert_eq!(package.vendor.as_deref(), Some("Bj\u{fffd}rn"));
    }

    #[test]
    fn python_headers_longer_than_the_limit_are_malformed() {
        let mut text = b"Name: demo\nVersion: 1.0\nDescription: x\n".to_vec();
        while text.len() as u64 <= MAX_HEADER_BYTES {
            text.extend_from_slice(b"        more description\n");
        }
        assert_eq!(
            malformed_reason(catalog(DIST_INFO, &text)),
            (
                METADATA,
                format!("the headers are longer than {MAX_HEADER_BYTES} bytes")
            )
        );
        // A smaller buffer limit lowers the cap.
        let result =
            PythonPackage.catalog(&visited(DIST_INFO, text.len() as u64, 16), &mut &text[..]);
        assert_eq!(
            malformed_reason(result),
            (METADATA, "the headers are longer than 16 bytes".to_owned())
        );
    }

    // --- eggs -----------------------------------------------------------------------------------

    const EGG_PATH: &str = "/usr/lib/python3/dist-packages/demo-1.0-py3.11.egg";

    #[test]
    fn python_egg_zip() {
        let egg = zip(&[
            ("demo/__init__.py", b""),
            (
                EGG_PKG_INFO,
                b"Metadata-Version: 1.1\nName: demo\nVersion: 1.0\nLicense: MIT\n",
            ),
        ]);
        let package = one(EGG_PATH, &egg);
        assert_eq!(
            (package.name.as_str(), package.version.as_str()),
            ("demo", "1.0")
        );
        assert_eq!(package.licenses, ["MIT"]);
    }

    #[test]
    fn python_egg_not_a_zip_is_malformed() {
        let (format, reason) = malformed_reason(catalog(EGG_PATH, b"Name: demo\nVersion: 1.0\n"));
        assert_eq!(format, EGG);
        assert!(
            reason.starts_with("not a readable zip archive: "),
            "{reason}"
        );
    }

    #[test]
    fn python_egg_with_bad_pkg_info_is_malformed() {
        let egg = zip(&[(EGG_PKG_INFO, b"Metadata-Version: 1.1\nVersion: 1.0\n")]);
        assert_eq!(
            malformed_reason(catalog(EGG_PATH, &egg)),
            (EGG, "`EGG-INFO/PKG-INFO`: no `Name` header".to_owned())
        );
    }

    /// A zip bomb: PKG-INFO inflates to 256 MiB of headers; at most the header limit is inflated.
    #[test]
    fn python_egg_zip_bomb() {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(true);
        writer.start_file(EGG_PKG_INFO, options).unwrap();
        writer
            .write_all(b"Name: demo\nVersion: 1.0\nDescription: x\n")
            .unwrap();
        let chunk = b"        x\n".repeat(64 * 1024);
        for _ in 0..(256 * MIB / chunk.len() as u64) {
            writer.write_all(&chunk).unwrap();
        }
        let egg = writer.finish().unwrap().into_inner();
        assert!(egg.len() < 2 * MIB as usize, "{}", egg.len());
        assert_eq!(
            malformed_reason(catalog(EGG_PATH, &egg)),
            (
                EGG,
                format!("`{EGG_PKG_INFO}`: the headers are longer than {MAX_HEADER_BYTES} bytes")
            )
        );
    }

    /// An egg larger than the analysis buffer is refused before it is read whole.
    #[test]
    fn python_egg_larger_than_the_buffer_is_a_read_error() {
        let egg = zip(&[(EGG_PKG_INFO, b"Name: demo\nVersion: 1.0\n")]);
        let result = PythonPackage.catalog(&visited(EGG_PATH, egg.len() as u64, 32), &mut &egg[..]);
        match result {
            Err(CatalogError::Read(error)) => {
                assert_eq!(error.kind(), std::io::ErrorKind::FileTooLarge)
            }
            other => panic!("expected Read, got {other:?}"),
        }
    }

    /// A corrupt deflate stream inside the egg is malformed, not a read error of the layer.
    #[test]
    fn python_egg_corrupt_entry_is_malformed() {
        let mut egg = zip(&[(EGG_PKG_INFO, &b"Name: demo\nVersion: 1.0\n".repeat(100))]);
        // Overwrite the start of the deflated data, just after the local header and name.
        let data = 30 + EGG_PKG_INFO.len();
        for byte in &mut egg[data..data + 8] {
            *byte = 0xff;
        }
        let (format, reason) = malformed_reason(catalog(EGG_PATH, &egg));
        assert_eq!(format, EGG);
        assert!(
            reason.starts_with("cannot inflate `EGG-INFO/PKG-INFO`: "),
            "{reason}"
        );
    }
}
