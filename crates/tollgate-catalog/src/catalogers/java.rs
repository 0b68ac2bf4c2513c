//! Java archives (`.jar`, `.war`, `.ear` and their kin): the Maven artifacts in them and in the
//! archives nested inside them, read the way Trivy's jar parser reads them, without its network
//! look-ups.
//!
//! Each archive (the file, then every archive inside it, recursively) gives:
//! - one artifact per entry named `pom.properties` that has a group id, an artifact id and a
//!   version (`java/pom.rs`). Maven writes its own to `META-INF/maven/<groupId>/<artifactId>/`,
//!   and shading plugins copy those of the artifacts they bundle, so a fat jar lists its
//!   contents. Like Trivy, any entry with that name counts, wherever it is.
//! - the artifacts of each entry whose name ends in an archive extension (`WEB-INF/lib/*.jar`,
//!   `BOOT-INF/lib/*.jar`, `lib/*.jar`, a `.war` in an `.ear`), opened in memory.
//! - when none of its own `pom.properties` describes the archive itself, an artifact guessed
//!   from `META-INF/MANIFEST.MF` (`java/manifest.rs`). A `pom.properties` describes the
//!   archive when its artifact id and version are the ones in the file name (`name-1.2.3.jar`;
//!   see `pom::FileName`). The guess is Trivy's offline one: the manifest's group id, artifact
//!   id and version, all three needed. Trivy online would first check with Maven Central that
//!   the manifest's group exists, then look the archive's SHA-1 up there, then search the
//!   artifact id from the file name; a scan here has no network, so those steps are skipped,
//!   and an archive that names itself nowhere yields no artifact of its own.
//!
//! Beyond Trivy, each documented where it is made, to make up for the missing look-ups: a file
//! name also describes its artifact in Quarkus' `groupId.artifactId-version.jar` form and with
//! any archive extension (Trivy reads only `.jar` names); when the manifest lacks a title or a
//! version, the file name's artifact id and version go with the manifest's group id; and there
//! is no guess when it would only restate one of the archive's `pom.properties` (`Gizmo` 1.1
//! beside `gizmo` 1.1 in a renamed jar).
//!
//! A file reports each (groupId, artifactId, version) once, sorted. Trivy reports a duplicate
//! once per nested archive holding it; here every package carries the path of the file in the
//! image, as the package model has no field for the path inside it (`app.war:WEB-INF/lib/…`).
//!
//! **Hostile input.** The file is buffered whole (a zip's directory is at its end), up to the
//! analysis buffer limit, as zipped Python eggs are. The zip's declared sizes are never trusted:
//! every read of an entry is cut at its own cap. Nested archives are opened down to
//! `Limits::max_depth`, each held in memory up to the buffer limit, and all the bytes inflated
//! from one file (nested archives, `pom.properties`, manifests) and all the zip entries listed
//! are budgeted. (The zip reader parses a whole central directory up front; it checks the
//! declared entry count against the archive's length, so that costs a few times the archive's
//! size at most.) Entry names are only compared, never used as paths, so `../` in them is
//! harmless; unlike Trivy, a nested archive named with `../` is still read (Trivy skips it as a
//! "zip slip", which would let an image hide a library from the scan).
//!
//! What is an error and what is skipped: the file is malformed when it is not a zip (except
//! `.kar` and `.rar`, extensions other formats share, where it is simply not a Java archive),
//! when an entry it needs (a `pom.properties`, the manifest) cannot be inflated, or when it is
//! over a limit. A nested archive with any of those problems is skipped, as Trivy and Syft skip
//! it: the file's other artifacts are still right, and a cataloger has a single outcome per
//! file, so the nested archive cannot be reported apart.

// ref: https://docs.oracle.com/en/java/javase/21/docs/specs/jar/jar.html
// ref: https://github.com/aquasecurity/trivy/blob/main/pkg/dependency/parser/java/jar/parse.go

mod manifest;
mod pom;

use std::collections::BTreeSet;
use std::io::{BufReader, Cursor, Read};

use tollgate_oci::{Selector, VisitedFile};

use self::manifest::Manifest;
use self::pom::{Artifact, FileName};
use crate::Package;
use crate::cataloger::{CatalogError, Cataloger, excerpt};

pub(crate) struct JavaArchive;

const FORMAT: &str = "java archive";

/// Extensions of the zip-based Java archive formats: Syft's list (jar, war, ear, Jakarta EE
/// resource adapters `.rar`, JBoss `.sar`, NiFi `.nar`, Karaf `.kar`, Jenkins plugins `.jpi` and
/// `.hpi`, and Trivy's `.par`). Nested archives are found by the same list.
const EXTENSIONS: &[&str] = &[
    "jar", "war", "ear", "par", "sar", "nar", "kar", "rar", "jpi", "hpi",
];

/// Extensions other formats use too (RAR archives, MIDI karaoke files): a file with one that
/// is not a zip is another kind of file, not a damaged Java archive.
const SHARED_EXTENSIONS: &[&str] = &["kar", "rar"];

/// Where the manifest is (matched in any case, as `java.util.jar.JarFile` finds it).
const MANIFEST_PATH: &str = "META-INF/MANIFEST.MF";

/// Most bytes inflated from one `pom.properties`; Maven writes about 150.
const MAX_POM_PROPERTIES_BYTES: u64 = 64 * 1024;

/// Most bytes read of a manifest's main section. OSGi bundles list every exported package in
/// it, which can run to a few hundred KiB; the per-entry sections after it are never read.
const MAX_MANIFEST_MAIN_SECTION_BYTES: u64 = 4 * 1024 * 1024;

impl Cataloger for JavaArchive {
    fn id(&self) -> &'static str {
        "java-archive"
    }

    fn version(&self) -> u32 {
        1
    }

    fn selectors(&self) -> &'static [Selector] {
        // One glob per entry of `EXTENSIONS`, in any case (Trivy matches `.JAR` too).
        &[
            Selector::Glob("**/*.[jJ][aA][rR]"),
            Selector::Glob("**/*.[wW][aA][rR]"),
            Selector::Glob("**/*.[eE][aA][rR]"),
            Selector::Glob("**/*.[pP][aA][rR]"),
            Selector::Glob("**/*.[sS][aA][rR]"),
            Selector::Glob("**/*.[nN][aA][rR]"),
            Selector::Glob("**/*.[kK][aA][rR]"),
            Selector::Glob("**/*.[rR][aA][rR]"),
            Selector::Glob("**/*.[jJ][pP][iI]"),
            Selector::Glob("**/*.[hH][pP][iI]"),
        ]
    }

    fn catalog(
        &self,
        file: &VisitedFile<'_>,
        content: &mut dyn Read,
    ) -> Result<Vec<Package>, CatalogError> {
        catalog_with(file.path, content, Limits::for_buffer(file.buffer_limit))
    }
}

/// The bounds on reading one file and the archives nested in it.
#[derive(Clone, Copy, Debug)]
struct Limits {
    /// Deepest nesting opened: archives in the file are at depth 1, those in them at 2, and so
    /// on (a jar in a war in an ear is at depth 2).
    max_depth: usize,
    /// Most bytes the file, or one archive nested in it, may take: each is held in memory
    /// whole while it is read.
    max_archive_bytes: u64,
    /// Most bytes inflated from one file in all. Nested archives are mostly stored or already
    /// compressed, so a real file inflates to about its own size per level of nesting.
    max_total_bytes: u64,
    /// Most zip entries in all the archives of one file; the largest real jars hold on the
    /// order of 100,000.
    max_entries: u64,
}

impl Limits {
    fn for_buffer(buffer_limit: u64) -> Self {
        Self {
            max_depth: 4,
            max_archive_bytes: buffer_limit,
            max_total_bytes: buffer_limit.saturating_mul(4),
            max_entries: 1_000_000,
        }
    }
}

/// What is left of the limits while one file is read.
struct Budget {
    limits: Limits,
    inflated: u64,
    entries: u64,
}

impl Budget {
    /// How many bytes an entry capped at `cap` may inflate to now.
    fn allowance(&self, cap: u64) -> u64 {
        cap.min(self.limits.max_total_bytes.saturating_sub(self.inflated))
    }

    fn spend(&mut self, bytes: u64) {
        self.inflated = self.inflated.saturating_add(bytes);
    }

    /// The fault when `got` bytes came out of an entry allowed `allowance(cap)`: over its own
    /// cap (`what` says what was capped), or over the file's budget.
    fn exceeded(&self, got: u64, cap: u64, what: impl FnOnce(u64) -> String) -> Fault {
        if got > cap {
            Fault::Damaged(what(cap))
        } else {
            Fault::Damaged(format!(
                "the archive and those in it inflate to more than {} bytes in all",
                self.limits.max_total_bytes
            ))
        }
    }

    fn count_entries(&mut self, entries: usize) -> Result<(), Fault> {
        self.entries = self.entries.saturating_add(entries as u64);
        if self.entries > self.limits.max_entries {
            return Err(Fault::Damaged(format!(
                "the archive and those in it hold more than {} entries in all",
                self.limits.max_entries
            )));
        }
        Ok(())
    }
}

/// Why an archive could not be read.
#[derive(Debug)]
enum Fault {
    /// It is not a zip archive.
    NotZip(String),
    /// It is a zip archive, but damaged or over a limit.
    Damaged(String),
}

type Zip = zip::ZipArchive<Cursor<Vec<u8>>>;

fn catalog_with(
    path: &str,
    content: &mut dyn Read,
    limits: Limits,
) -> Result<Vec<Package>, CatalogError> {
    let bytes = tollgate_oci::read_capped(content, limits.max_archive_bytes)?;
    let file_name = base_name(path);
    let mut budget = Budget {
        limits,
        inflated: 0,
        entries: 0,
    };
    match artifacts(bytes, file_name, 0, &mut budget) {
        Ok(found) => Ok(found.into_iter().map(Artifact::into_package).collect()),
        Err(Fault::NotZip(_)) if extension_in(file_name, SHARED_EXTENSIONS) => Ok(Vec::new()),
        Err(Fault::NotZip(reason) | Fault::Damaged(reason)) => {
            Err(CatalogError::malformed(FORMAT, reason))
        }
    }
}

/// The artifacts of the archive in `bytes`, whose file name is `file_name`, and of the
/// archives nested in it; `depth` is its own (0 for the file).
fn artifacts(
    bytes: Vec<u8>,
    file_name: &str,
    depth: usize,
    budget: &mut Budget,
) -> Result<BTreeSet<Artifact>, Fault> {
    let mut archive = Zip::new(Cursor::new(bytes))
        .map_err(|error| Fault::NotZip(format!("not a readable zip archive: {error}")))?;
    budget.count_entries(archive.len())?;

    let mut properties = Vec::new();
    let mut manifest = None;
    let mut nested = Vec::new();
    for index in 0..archive.len() {
        let Some(name) = archive.name_for_index(index) else {
            continue;
        };
        if base_name(name) == "pom.properties" {
            properties.push((index, name.to_owned()));
        } else if name.eq_ignore_ascii_case(MANIFEST_PATH) {
            manifest.get_or_insert((index, name.to_owned()));
        } else if !name.ends_with('/') && extension_in(name, EXTENSIONS) {
            nested.push((index, name.to_owned()));
        }
    }

    let mut own = Vec::new();
    for (index, name) in &properties {
        let bytes = inflate(&mut archive, *index, name, MAX_POM_PROPERTIES_BYTES, budget)?;
        own.extend(pom::parse_properties(&bytes));
    }
    let mut found: BTreeSet<Artifact> = own.iter().cloned().collect();

    if depth < budget.limits.max_depth {
        for (index, name) in &nested {
            // Skipped when unreadable (see the module docs); the budget it used stays used,
            // so a file full of bombs still stops at the file's budget.
            let cap = budget.limits.max_archive_bytes;
            let inner = inflate(&mut archive, *index, name, cap, budget)
                .and_then(|bytes| artifacts(bytes, base_name(name), depth + 1, budget));
            if let Ok(inner) = inner {
                found.extend(inner);
            }
        }
    }

    let file_name = FileName::parse(file_name);
    let described = file_name
        .as_ref()
        .is_some_and(|name| own.iter().any(|artifact| name.describes(artifact)));
    if !described && let Some((index, name)) = manifest {
        let manifest = read_manifest(&mut archive, index, &name, budget)?;
        found.extend(guess(&manifest, file_name.as_ref(), &own));
    }
    Ok(found)
}

/// The archive's own artifact, guessed when no `pom.properties` describes it: the manifest's
/// coordinates (Trivy offline); else, beyond Trivy, the artifact id and version from the file
/// name with the manifest's group id (what Trivy online gets by searching Maven Central for the
/// artifact id). `None` when the guess only restates one of the archive's `pom.properties`:
/// same version, and an artifact id equal but for case (the manifest's `Implementation-Title`
/// is often the artifact id capitalised), which happens when the file was renamed.
fn guess(manifest: &Manifest, file_name: Option<&FileName>, own: &[Artifact]) -> Option<Artifact> {
    let artifact = manifest.artifact().or_else(|| {
        let name = file_name?;
        Artifact::new(&manifest.group_id()?, &name.artifact_id, &name.version)
    })?;
    let restated = own.iter().any(|known| {
        known.version == artifact.version
            && known
                .artifact_id
                .eq_ignore_ascii_case(&artifact.artifact_id)
    });
    (!restated).then_some(artifact)
}

/// Inflate entry `index` (named `name`), at most `cap` bytes of it and no more than the budget
/// has left.
fn inflate(
    archive: &mut Zip,
    index: usize,
    name: &str,
    cap: u64,
    budget: &mut Budget,
) -> Result<Vec<u8>, Fault> {
    let allowed = budget.allowance(cap);
    let entry = archive.by_index(index).map_err(|error| {
        Fault::Damaged(format!(
            "cannot open `{}`: {error}",
            excerpt(name.as_bytes())
        ))
    })?;
    let mut bytes = Vec::new();
    let read = entry
        .take(allowed.saturating_add(1))
        .read_to_end(&mut bytes);
    budget.spend(bytes.len() as u64);
    read.map_err(|error| {
        Fault::Damaged(format!(
            "cannot inflate `{}`: {error}",
            excerpt(name.as_bytes())
        ))
    })?;
    let got = bytes.len() as u64;
    if got > allowed {
        return Err(budget.exceeded(got, cap, |cap| {
            format!(
                "`{}` inflates to more than {cap} bytes",
                excerpt(name.as_bytes())
            )
        }));
    }
    Ok(bytes)
}

/// The main section of the manifest at entry `index` (named `name`).
fn read_manifest(
    archive: &mut Zip,
    index: usize,
    name: &str,
    budget: &mut Budget,
) -> Result<Manifest, Fault> {
    let allowed = budget.allowance(MAX_MANIFEST_MAIN_SECTION_BYTES);
    let entry = archive.by_index(index).map_err(|error| {
        Fault::Damaged(format!(
            "cannot open `{}`: {error}",
            excerpt(name.as_bytes())
        ))
    })?;
    let mut reader = BufReader::new(entry.take(allowed.saturating_add(1)));
    let mut consumed = 0;
    let manifest = Manifest::main_section(&mut reader, allowed, &mut consumed);
    budget.spend(consumed);
    match manifest {
        Ok(Some(manifest)) => Ok(manifest),
        Ok(None) => Err(
            budget.exceeded(consumed, MAX_MANIFEST_MAIN_SECTION_BYTES, |cap| {
                format!(
                    "the main section of `{}` is longer than {cap} bytes",
                    excerpt(name.as_bytes())
                )
            }),
        ),
        Err(error) => Err(Fault::Damaged(format!(
            "cannot inflate `{}`: {error}",
            excerpt(name.as_bytes())
        ))),
    }
}

/// The last component of a `/`-separated path.
fn base_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Whether the file name in `path` ends in `.<ext>` for one of `extensions`, in any case.
fn extension_in(path: &str, extensions: &[&str]) -> bool {
    base_name(path)
        .rsplit_once('.')
        .is_some_and(|(_, ext)| extensions.iter().any(|e| ext.eq_ignore_ascii_case(e)))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::io::Write;
    use std::sync::Mutex;

    use tollgate_oci::{BoxError, Image, OpenOptions, Target, Visitor};

    use super::*;
    use crate::Ecosystem;

    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * KIB;
    const LIMIT: u64 = 64 * MIB;

    fn catalog_limit(path: &str, bytes: &[u8], limit: u64) -> Result<Vec<Package>, CatalogError> {
        crate::cataloger::testing::catalog(&JavaArchive, path, bytes, limit)
    }

    fn catalog(path: &str, bytes: &[u8]) -> Result<Vec<Package>, CatalogError> {
        catalog_limit(path, bytes, LIMIT)
    }

    /// `groupId:artifactId:version` of each package, checking what every package shares.
    fn coordinates(packages: &[Package]) -> BTreeSet<String> {
        let set: BTreeSet<String> = packages
            .iter()
            .map(|p| {
                assert_eq!(p.ecosystem, Ecosystem::Maven);
                assert!(p.purl.is_empty() && p.path.is_empty(), "{p:?}");
                let group = p.namespace.as_deref().unwrap_or_else(|| panic!("{p:?}"));
                format!("{group}:{}:{}", p.name, p.version)
            })
            .collect();
        assert_eq!(set.len(), packages.len(), "duplicates in {packages:?}");
        set
    }

    fn set(list: &[&str]) -> BTreeSet<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    fn malformed(result: Result<Vec<Package>, CatalogError>) -> String {
        crate::cataloger::testing::malformed_reason(result, FORMAT)
    }

    fn zip_with(entries: &[(&str, &[u8])], method: zip::CompressionMethod) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default().compression_method(method);
        for (name, content) in entries {
            writer.start_file(*name, options).unwrap();
            writer.write_all(content).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    /// A zip with these (name, content) entries, deflated.
    fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
        zip_with(entries, zip::CompressionMethod::Deflated)
    }

    fn pom_path(group_id: &str, artifact_id: &str) -> String {
        format!("META-INF/maven/{group_id}/{artifact_id}/pom.properties")
    }

    fn pom(group_id: &str, artifact_id: &str, version: &str) -> Vec<u8> {
        format!(
            "#Generated by Maven\ngroupId={group_id}\nartifactId={artifact_id}\nversion={version}\n"
        )
        .into_bytes()
    }

    /// A jar holding only its own `pom.properties`.
    fn library(group_id: &str, artifact_id: &str, version: &str) -> Vec<u8> {
        zip(&[(
            &pom_path(group_id, artifact_id),
            &pom(group_id, artifact_id, version),
        )])
    }

    /// Pseudo-random bytes (xorshift), the same on every run.
    fn noise(seed: &mut u32, length: usize) -> Vec<u8> {
        (0..length)
            .map(|_| {
                *seed ^= *seed << 13;
                *seed ^= *seed >> 17;
                *seed ^= *seed << 5;
                seed.to_le_bytes()[0]
            })
            .collect()
    }

    #[test]
    fn java_selectors_and_identity() {
        assert_eq!(JavaArchive.id(), "java-archive");
        assert_eq!(JavaArchive.version(), 1);
        let globs: Vec<String> = JavaArchive
            .selectors()
            .iter()
            .map(|selector| match selector {
                Selector::Glob(glob) => glob.to_ascii_lowercase().replace(['[', ']'], ""),
                other => panic!("{other:?}"),
            })
            .collect();
        let want: Vec<String> = EXTENSIONS
            .iter()
            .map(|ext| {
                let doubled: String = ext.chars().flat_map(|c| [c, c]).collect();
                format!("**/*.{doubled}")
            })
            .collect();
        assert_eq!(globs, want);
        assert!(extension_in("a/b/C.JaR", EXTENSIONS));
        assert!(!extension_in("a/b.jar/c", EXTENSIONS));
        assert!(!extension_in("a/b/jar", EXTENSIONS));
    }

    // --- trivy's fixtures, each at the path it has in an image --------------------------------

    /// (fixture under fixtures/trivy/jar, path in the image, `groupId:artifactId:version`s).
    type FixtureCase = (&'static str, &'static str, &'static [&'static str]);

    const FIXTURES: &[FixtureCase] = &[
        (
            // trivy parser "duplicate libraries": four `pom.properties` outside META-INF/maven
            // (two per jackson-databind version), two nested log4j jars, and gizmo's own. The
            // file name (`io.quarkus.gizmo.gizmo-1.1.jar`, Quarkus' `groupId.artifactId`
            // naming) does not match artifact id `gizmo`, so Trivy guesses from the manifest,
            // finds `JBoss by Red Hat:Gizmo` absent from Maven Central, and gets `gizmo` 1.1.0
            // by SHA-1, which its version-aware deduplication folds into `gizmo` 1.1. Offline,
            // Trivy would add `JBoss by Red Hat:Gizmo` 1.1; here the name is read as Quarkus
            // writes it, so gizmo describes itself and the result is Trivy's online one.
            "duplicate-libraries/io.quarkus.gizmo.gizmo-1.1.jar",
            "/opt/app/io.quarkus.gizmo.gizmo-1.1.jar",
            &[
                "com.fasterxml.jackson.core:jackson-databind:2.12.3",
                "com.fasterxml.jackson.core:jackson-databind:2.13.4",
                "io.quarkus.gizmo:gizmo:1.1",
                "log4j:log4j:1.2.16",
                "log4j:log4j:1.2.17",
            ],
        ),
        (
            // trivy parser "fat jar": the shaded artifacts' `pom.properties` and its own.
            "fat-jar/hadoop-shaded-guava-1.1.0-SNAPSHOT.jar",
            "/opt/hadoop/share/hadoop/common/lib/hadoop-shaded-guava-1.1.0-SNAPSHOT.jar",
            &[
                "com.google.guava:failureaccess:1.0.1",
                "com.google.guava:guava:29.0-jre",
                "com.google.guava:listenablefuture:9999.0-empty-to-avoid-conflict-with-guava",
                "com.google.j2objc:j2objc-annotations:1.3",
                "org.apache.hadoop.thirdparty:hadoop-shaded-guava:1.1.0-SNAPSHOT",
            ],
        ),
        (
            // trivy parser "gradle": the war has no `pom.properties` and a manifest with only
            // `Manifest-Version`, so only its WEB-INF/lib jars count.
            "gradle-war/gradle.war",
            "/usr/local/tomcat/webapps/gradle.war",
            &[
                "commons-dbcp:commons-dbcp:1.4",
                "commons-pool:commons-pool:1.6",
                "log4j:log4j:1.2.17",
                "org.apache.commons:commons-compress:1.19",
            ],
        ),
        (
            // trivy analyzer "happy path (WAR file)" (and parser "maven"): the war's own
            // `pom.properties` and its seven WEB-INF/lib jars. Trivy also reads licenses,
            // which this cataloger does not.
            "maven-war/test.war",
            "/usr/local/tomcat/webapps/test.war",
            &[
                "com.cronutils:cron-utils:9.1.2",
                "com.example:web-app:1.0-SNAPSHOT",
                "com.fasterxml.jackson.core:jackson-annotations:2.9.10",
                "com.fasterxml.jackson.core:jackson-core:2.9.10",
                "com.fasterxml.jackson.core:jackson-databind:2.9.10.6",
                "org.apache.commons:commons-lang3:3.11",
                "org.glassfish:javax.el:3.0.0",
                "org.slf4j:slf4j-api:1.7.30",
            ],
        ),
        (
            // trivy parser "nested jars": three levels, each `pom.properties` outside
            // META-INF/maven.
            "nested-jar/nested.jar",
            "/opt/app/nested.jar",
            &[
                "test:nested:0.0.1",
                "test:nested2:0.0.2",
                "test:nested3:0.0.3",
            ],
        ),
        (
            // trivy analyzer "happy path (PAR file)": its own `pom.properties` and lib/*.jar.
            "par/test.par",
            "/opt/app/test.par",
            &[
                "com.example:par-app:3.0.0",
                "com.fasterxml.jackson.core:jackson-core:2.9.10",
            ],
        ),
    ];

    fn fixture(file: &str) -> Option<Vec<u8>> {
        tollgate_test::shared(&format!("fixtures/trivy/jar/{file}"))
            .map(|path| fs_err::read(path).unwrap())
    }

    #[test]
    fn java_trivy_fixtures() {
        for &(file, image_path, want) in FIXTURES {
            let Some(bytes) = fixture(file) else {
                return;
            };
            let packages = catalog(image_path, &bytes).unwrap_or_else(|e| panic!("{file}: {e}"));
            assert_eq!(coordinates(&packages), set(want), "{file}");
        }
    }

    /// Every fixture placed at its image path in a real image is selected (an upper-case
    /// `.JAR` too), and files that only contain an archive extension are not.
    #[test]
    fn java_selectors_in_an_image() {
        use tollgate_test::builder::{Compression, ImageBuilder, LayerBuilder};

        let root = tollgate_test::shared_or_skip!("fixtures/trivy/jar");
        let mut layer = LayerBuilder::new();
        let mut want = BTreeSet::new();
        for &(file, image_path, packages) in FIXTURES {
            let bytes = fs_err::read(root.join(file)).unwrap();
            layer = layer.file(image_path.trim_start_matches('/'), &bytes, 0o644);
            want.insert((image_path.to_owned(), set(packages)));
        }
        let nested = fs_err::read(root.join("nested-jar/nested.jar")).unwrap();
        layer = layer
            .file("opt/app/lib/NESTED.JAR", &nested, 0o644)
            .file("opt/app/nested.jar.orig", &nested, 0o644)
            .file("opt/app/jar", &nested, 0o644)
            .file("opt/app/nested.zip", &nested, 0o644);
        want.insert((
            "/opt/app/lib/NESTED.JAR".to_owned(),
            set(&[
                "test:nested:0.0.1",
                "test:nested2:0.0.2",
                "test:nested3:0.0.3",
            ]),
        ));
        let dir = tempfile::tempdir().unwrap();
        ImageBuilder::new()
            .layer(layer.finish(Compression::Gzip))
            .write_oci_layout(dir.path());
        let target = Target::parse(&format!("oci:{}:test", dir.path().display())).unwrap();
        let image = Image::open(&target, &OpenOptions::default()).unwrap();

        let forward = Forward(Mutex::default());
        let walk = image.walk(&[&forward], None).unwrap();
        assert!(walk.problems.is_empty(), "{:?}", walk.problems);
        let got: BTreeSet<_> = forward
            .0
            .into_inner()
            .unwrap()
            .into_iter()
            .map(|(path, outcome)| {
                let packages = outcome.unwrap_or_else(|error| panic!("{path}: {error}"));
                (path, coordinates(&packages))
            })
            .collect();
        assert_eq!(got, want);
    }

    /// Forwards the files the cataloger selects to it, as the inventory does.
    type Found = Vec<(String, Result<Vec<Package>, String>)>;

    struct Forward(Mutex<Found>);

    impl Visitor for Forward {
        fn id(&self) -> &str {
            JavaArchive.id()
        }

        fn selectors(&self) -> &[Selector] {
            JavaArchive.selectors()
        }

        fn visit(&self, file: &VisitedFile<'_>, content: &mut dyn Read) -> Result<(), BoxError> {
            let outcome = JavaArchive
                .catalog(file, content)
                .map_err(|error| error.to_string());
            self.0.lock().unwrap().push((file.path.to_owned(), outcome));
            Ok(())
        }
    }

    // --- what an archive says about itself --------------------------------------------------

    const SPRING_MANIFEST: &[u8] = b"Manifest-Version: 1.0\r\nImplementation-Title: Spring Framework\r\n\
        Implementation-Version: 2.5.6.SEC03\r\nImplementation-Vendor-Id: org.springframework\r\n\r\n";

    /// trivy parser "offline": without `pom.properties`, the manifest names the jar.
    #[test]
    fn java_manifest_names_an_archive_without_pom_properties() {
        let jar = zip(&[
            ("META-INF/MANIFEST.MF", SPRING_MANIFEST),
            ("org/springframework/Core.class", b"\xca\xfe\xba\xbe"),
        ]);
        assert_eq!(
            coordinates(&catalog("/app/lib/test.jar", &jar).unwrap()),
            set(&["org.springframework:Spring Framework:2.5.6.SEC03"])
        );
        // Shaded `pom.properties` do not describe the jar: the manifest is still read.
        let shaded = zip(&[
            ("META-INF/MANIFEST.MF", SPRING_MANIFEST),
            (
                &pom_path("org.ow2.asm", "asm"),
                &pom("org.ow2.asm", "asm", "9.5"),
            ),
        ]);
        assert_eq!(
            coordinates(&catalog("/app/lib/spring-core-2.5.6.SEC03.jar", &shaded).unwrap()),
            set(&[
                "org.ow2.asm:asm:9.5",
                "org.springframework:Spring Framework:2.5.6.SEC03"
            ])
        );
    }

    /// A `pom.properties` that describes the archive (by its file name) keeps the manifest
    /// unread: a damaged one does not matter then.
    #[test]
    fn java_own_pom_properties_win_over_the_manifest() {
        // No empty line: the whole manifest is its main section, read to its end (and CRC).
        let manifest = format!("X-Padding: {}\n", "a".repeat(4000));
        let jar = zip_with(
            &[
                (
                    &pom_path("org.example", "demo"),
                    &pom("org.example", "demo", "1.0"),
                ),
                ("META-INF/MANIFEST.MF", manifest.as_bytes()),
            ],
            zip::CompressionMethod::Stored,
        );
        let mut damaged = jar.clone();
        // Corrupt the manifest's stored bytes: the CRC check would fail if it were read.
        let at = damaged.windows(8).position(|w| w == b"MANIFEST").unwrap() + 100;
        damaged[at] ^= 0xff;
        for bytes in [&jar, &damaged] {
            assert_eq!(
                coordinates(&catalog("/app/demo-1.0.jar", bytes).unwrap()),
                set(&["org.example:demo:1.0"])
            );
        }
        // Renamed, the jar is no longer described by it, and the damaged manifest is read.
        let reason = malformed(catalog("/app/demo.jar", &damaged));
        assert!(
            reason.starts_with("cannot inflate `META-INF/MANIFEST.MF`: "),
            "{reason}"
        );
    }

    #[test]
    fn java_manifest_guess_beyond_trivy() {
        // No title or version in the manifest: the file name gives them, the manifest the group.
        let jar = zip(&[(
            "META-INF/MANIFEST.MF",
            b"Manifest-Version: 1.0\nBundle-SymbolicName: org.example.foo\n",
        )]);
        assert_eq!(
            coordinates(&catalog("/app/foo-1.2.3.jar", &jar).unwrap()),
            set(&["org.example:foo:1.2.3"])
        );
        // No group anywhere: nothing of its own (Trivy would ask Maven Central).
        let jar = zip(&[("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\n")]);
        assert_eq!(catalog("/app/foo-1.2.3.jar", &jar).unwrap(), vec![]);
        // A renamed jar: the manifest restates its `pom.properties` and adds nothing.
        let gizmo = zip(&[
            (
                "META-INF/MANIFEST.MF",
                b"Implementation-Title: Gizmo\nImplementation-Version: 1.1\n\
                  Implementation-Vendor: JBoss by Red Hat\n",
            ),
            (
                &pom_path("io.quarkus.gizmo", "gizmo"),
                &pom("io.quarkus.gizmo", "gizmo", "1.1"),
            ),
        ]);
        assert_eq!(
            coordinates(&catalog("/deployments/lib/gizmo.jar", &gizmo).unwrap()),
            set(&["io.quarkus.gizmo:gizmo:1.1"])
        );
    }

    #[test]
    fn java_purls() {
        let jar = zip(&[
            ("META-INF/MANIFEST.MF", SPRING_MANIFEST),
            (
                &pom_path("org.apache.logging.log4j", "log4j-core"),
                &pom("org.apache.logging.log4j", "log4j-core", "2.14.1"),
            ),
        ]);
        let purls: Vec<String> = catalog("/app/app.jar", &jar)
            .unwrap()
            .iter()
            .map(|package| crate::purl::purl(package, None))
            .collect();
        assert_eq!(
            purls,
            [
                "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
                "pkg:maven/org.springframework/Spring%20Framework@2.5.6.SEC03",
            ]
        );
    }

    #[test]
    fn java_duplicates_are_reported_once() {
        let log4j = library("log4j", "log4j", "1.2.17");
        let war = zip(&[
            (
                &pom_path("log4j", "log4j"),
                &pom("log4j", "log4j", "1.2.17"),
            ),
            ("a/pom.properties", &pom("log4j", "log4j", "1.2.17")),
            ("WEB-INF/lib/log4j-1.2.17.jar", &log4j),
            ("WEB-INF/lib/copy/log4j-1.2.17.jar", &log4j),
            (
                "WEB-INF/lib/log4j-1.2.16.jar",
                &library("log4j", "log4j", "1.2.16"),
            ),
        ]);
        assert_eq!(
            coordinates(&catalog("/srv/app.war", &war).unwrap()),
            set(&["log4j:log4j:1.2.16", "log4j:log4j:1.2.17"])
        );
    }

    #[test]
    fn java_every_archive_extension_is_opened_when_nested() {
        let mut entries: Vec<(String, Vec<u8>)> = Vec::new();
        for (n, ext) in EXTENSIONS.iter().enumerate() {
            let upper = n % 2 == 1;
            let ext = if upper {
                ext.to_ascii_uppercase()
            } else {
                (*ext).to_owned()
            };
            entries.push((
                format!("lib/m{n}.{ext}"),
                library("g", &format!("m{n}"), "1"),
            ));
        }
        // Not archives by name: skipped without being opened.
        entries.push(("lib/m.zip".to_owned(), library("g", "zip", "1")));
        entries.push(("lib/jar".to_owned(), library("g", "bare", "1")));
        entries.push(("lib/dir.jar/".to_owned(), Vec::new()));
        let refs: Vec<(&str, &[u8])> = entries
            .iter()
            .map(|(name, bytes)| (name.as_str(), bytes.as_slice()))
            .collect();
        let ear = zip(&refs);
        let want: BTreeSet<String> = (0..EXTENSIONS.len()).map(|n| format!("g:m{n}:1")).collect();
        assert_eq!(coordinates(&catalog("/opt/app.ear", &ear).unwrap()), want);
    }

    // --- hostile input --------------------------------------------------------------------------

    #[test]
    fn java_not_a_zip() {
        let mut seed = 0x1234_5678;
        for length in [0usize, 1, 4, 22, 100, 4096] {
            let bytes = noise(&mut seed, length);
            let reason = malformed(catalog("/app/lib/x-1.0.jar", &bytes));
            assert!(
                reason.starts_with("not a readable zip archive: "),
                "{reason}"
            );
            // A RAR archive or a karaoke file that is not a zip is not a Java archive.
            assert_eq!(catalog("/data/x.rar", &bytes).unwrap(), vec![]);
            assert_eq!(catalog("/data/song.KAR", &bytes).unwrap(), vec![]);
        }
        assert_eq!(
            catalog("/data/x.rar", b"Rar!\x1a\x07\x01\x00\x33\x92\xb5\xe5").unwrap(),
            vec![]
        );
        // A zip that holds no Java metadata is an empty Java archive.
        assert_eq!(
            catalog("/app/x.jar", &zip(&[("a.txt", b"a")])).unwrap(),
            vec![]
        );
        // And a resource adapter archive that is a zip is read.
        assert_eq!(
            coordinates(
                &catalog(
                    "/opt/jboss/activemq-rar-5.18.3.rar",
                    &library("org.apache.activemq", "activemq-rar", "5.18.3")
                )
                .unwrap()
            ),
            set(&["org.apache.activemq:activemq-rar:5.18.3"])
        );
    }

    /// A zip bomb nested in a jar is cut at the per-archive cap and skipped; the jar's other
    /// artifacts are still found. A bomb `pom.properties` of the jar itself makes it malformed.
    #[test]
    fn java_nested_zip_bomb_is_skipped() {
        const BUFFER: u64 = MIB;
        let zeros = vec![0u8; 64 * MIB as usize];
        // A nested "jar" that inflates to 64 MiB (of zeros): it is only 64 KiB deflated.
        let bomb_entry = zeros.as_slice();
        // A nested jar whose own pom.properties is a bomb.
        let mut bomb_pom = pom("evil", "bomb-pom", "1");
        bomb_pom.extend(std::iter::repeat_n(b'#', 8 * MIB as usize));
        let bomb_pom_jar = zip(&[(&pom_path("evil", "bomb-pom"), &bomb_pom)]);
        let jar = zip(&[
            (
                &pom_path("com.example", "app"),
                &pom("com.example", "app", "1.0"),
            ),
            ("BOOT-INF/lib/bomb-1.0.jar", bomb_entry),
            ("BOOT-INF/lib/bomb-pom-1.jar", &bomb_pom_jar),
            (
                "BOOT-INF/lib/good-2.0.jar",
                &library("com.example", "good", "2.0"),
            ),
        ]);
        assert!((jar.len() as u64) < BUFFER, "{}", jar.len());
        assert_eq!(
            coordinates(&catalog_limit("/app/app-1.0.jar", &jar, BUFFER).unwrap()),
            set(&["com.example:app:1.0", "com.example:good:2.0"])
        );
        let reason = malformed(catalog_limit("/app/x.jar", &bomb_pom_jar, BUFFER));
        assert_eq!(
            reason,
            format!(
                "`META-INF/maven/evil/bomb-pom/pom.properties` inflates to more than {MAX_POM_PROPERTIES_BYTES} bytes"
            )
        );
    }

    /// Nested archives each under the cap but together over the file's budget: the first
    /// ones are read, the rest skipped, and nothing is inflated past the budget.
    #[test]
    fn java_total_inflation_is_bounded() {
        const BUFFER: u64 = 256 * KIB;
        // Each nested jar stores 200 KiB of zeros: 200 KiB inflated, a few hundred bytes
        // deflated in the outer jar.
        let padding = vec![0u8; 200 * KIB as usize];
        let nested: Vec<Vec<u8>> = (0..8)
            .map(|n| {
                let artifact = format!("dep{n}");
                zip_with(
                    &[
                        (&pom_path("g", &artifact), &pom("g", &artifact, "1")),
                        ("padding.bin", &padding),
                    ],
                    zip::CompressionMethod::Stored,
                )
            })
            .collect();
        let names: Vec<String> = (0..8).map(|n| format!("lib/dep{n}-1.jar")).collect();
        let entries: Vec<(&str, &[u8])> = names
            .iter()
            .zip(&nested)
            .map(|(name, bytes)| (name.as_str(), bytes.as_slice()))
            .collect();
        let jar = zip(&entries);
        assert!((jar.len() as u64) < BUFFER);
        // The budget is 1 MiB: five jars of a little over 200 KiB fit, the sixth does not.
        assert_eq!(
            coordinates(&catalog_limit("/app/x.jar", &jar, BUFFER).unwrap()),
            set(&["g:dep0:1", "g:dep1:1", "g:dep2:1", "g:dep3:1", "g:dep4:1"])
        );
        // The manifest is read after the nested archives: once they have spent the budget
        // (here 8 x 200 KiB, a little less than eight such jars), the file is malformed.
        let mut with_manifest = entries.clone();
        with_manifest.push(("META-INF/MANIFEST.MF", SPRING_MANIFEST));
        let jar = zip(&with_manifest);
        let reason = malformed(catalog_limit("/app/x.jar", &jar, 2 * 200 * KIB));
        assert_eq!(
            reason,
            format!(
                "the archive and those in it inflate to more than {} bytes in all",
                8 * 200 * KIB
            )
        );
    }

    #[test]
    fn java_entry_count_is_bounded() {
        let names: Vec<String> = (0..20).map(|n| format!("e{n}")).collect();
        let entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b""[..])).collect();
        let jar = zip(&entries);
        let limits = Limits {
            max_entries: 10,
            ..Limits::for_buffer(LIMIT)
        };
        match catalog_with("/app/x.jar", &mut jar.as_slice(), limits) {
            Err(CatalogError::Malformed { reason, .. }) => assert_eq!(
                reason,
                "the archive and those in it hold more than 10 entries in all"
            ),
            other => panic!("{other:?}"),
        }
        // A nested archive over the limit is skipped.
        let outer = zip(&[
            (&pom_path("g", "outer"), &pom("g", "outer", "1")),
            ("lib/big-1.jar", &jar),
        ]);
        let packages = catalog_with("/app/outer-1.jar", &mut outer.as_slice(), limits).unwrap();
        assert_eq!(coordinates(&packages), set(&["g:outer:1"]));
    }

    /// Archives nested five deep: the fifth level is past the limit and is not opened.
    #[test]
    fn java_nesting_deeper_than_the_limit_is_not_opened() {
        let mut bytes = library("g", "level5", "1.0");
        for level in (0..5).rev() {
            let artifact = format!("level{level}");
            bytes = zip(&[
                (&pom_path("g", &artifact), &pom("g", &artifact, "1.0")),
                (&format!("lib/level{}-1.0.jar", level + 1), &bytes),
            ]);
        }
        assert_eq!(
            coordinates(&catalog("/app/level0-1.0.jar", &bytes).unwrap()),
            set(&[
                "g:level0:1.0",
                "g:level1:1.0",
                "g:level2:1.0",
                "g:level3:1.0",
                "g:level4:1.0"
            ])
        );
    }

    /// Truncated at any byte, an archive is malformed or yields what it still holds, and never
    /// panics; a truncated nested archive is skipped.
    #[test]
    fn java_truncated_archives() {
        let war = zip(&[
            (
                &pom_path("com.example", "web"),
                &pom("com.example", "web", "1.0"),
            ),
            ("WEB-INF/lib/a-1.jar", &library("g", "a", "1")),
            ("META-INF/MANIFEST.MF", SPRING_MANIFEST),
            ("WEB-INF/lib/b-1.jar", &library("g", "b", "1")),
        ]);
        assert_eq!(
            coordinates(&catalog("/srv/web-1.0.war", &war).unwrap()),
            set(&["com.example:web:1.0", "g:a:1", "g:b:1"])
        );
        for length in 0..war.len() {
            match catalog("/srv/web-1.0.war", &war[..length]) {
                Ok(packages) => {
                    coordinates(&packages);
                }
                Err(CatalogError::Malformed { .. }) => {}
                Err(other) => panic!("{length}: {other:?}"),
            }
        }
        // Without its end of central directory, the file is no zip at all.
        let reason = malformed(catalog("/srv/web-1.0.war", &war[..war.len() - 10]));
        assert!(
            reason.starts_with("not a readable zip archive: "),
            "{reason}"
        );

        let b = library("g", "b", "1");
        let cut = zip(&[
            ("WEB-INF/lib/a-1.jar", &library("g", "a", "1")),
            ("WEB-INF/lib/b-1.jar", &b[..b.len() / 2]),
        ]);
        assert_eq!(
            coordinates(&catalog("/srv/web.war", &cut).unwrap()),
            set(&["g:a:1"])
        );
        if let Some(real) = fixture("maven-war/test.war") {
            for length in (0..real.len()).step_by(real.len() / 97) {
                let _ = catalog("/srv/test.war", &real[..length]);
            }
        }
    }

    /// Flipped bytes anywhere in a war never panic.
    #[test]
    fn java_mutated_archives_never_panic() {
        let war = zip(&[
            (
                &pom_path("com.example", "web"),
                &pom("com.example", "web", "1.0"),
            ),
            ("WEB-INF/lib/a-1.jar", &library("g", "a", "1")),
            ("META-INF/MANIFEST.MF", SPRING_MANIFEST),
        ]);
        let mut seed = 0x9e37_79b9;
        for _ in 0..2000 {
            let mut bytes = war.clone();
            for byte in noise(&mut seed, 3) {
                let at = (usize::from(byte) * 7919 + seed as usize) % bytes.len();
                bytes[at] ^= byte | 1;
            }
            if let Err(error) = catalog("/srv/web.war", &bytes) {
                assert!(matches!(error, CatalogError::Malformed { .. }), "{error:?}");
            }
        }
    }

    /// Entry names are matched, never used as paths: `../`, absolute and odd names are read
    /// like any other (a nested archive with `../` is not skipped, unlike in Trivy).
    #[test]
    fn java_path_tricks() {
        let jar = zip(&[
            ("../../../../etc/evil-1.jar", &library("g", "dotdot", "1")),
            ("/abs/pom.properties", &pom("g", "absolute", "1")),
            (
                "a/../../META-INF/maven/g/x/pom.properties",
                &pom("g", "climb", "1"),
            ),
            (
                "META-INF\\maven\\g\\y\\pom.properties",
                &pom("g", "backslash", "1"),
            ),
            ("lib/\u{202e}raj.evil-1.jar", &library("g", "bidi", "1")),
        ]);
        assert_eq!(
            coordinates(&catalog("/app/tricks.jar", &jar).unwrap()),
            set(&["g:absolute:1", "g:bidi:1", "g:climb:1", "g:dotdot:1"])
        );
    }

    /// A damaged entry the archive needs makes it malformed, with the entry named.
    #[test]
    fn java_corrupt_pom_properties_is_malformed() {
        let name = pom_path("com.example", "demo");
        let mut jar = zip(&[(&name, &pom("com.example", "demo", "1.0").repeat(20))]);
        let data = 30 + name.len();
        for byte in &mut jar[data..data + 8] {
            *byte = 0xff;
        }
        let reason = malformed(catalog("/app/demo-1.0.jar", &jar));
        assert!(
            reason.starts_with(&format!("cannot inflate `{name}`: ")),
            "{reason}"
        );
    }

    /// A file larger than the analysis buffer is refused before it is read whole.
    #[test]
    fn java_larger_than_the_buffer_is_a_read_error() {
        let jar = library("g", "a", "1");
        match catalog_limit("/app/a-1.jar", &jar, 64) {
            Err(CatalogError::Read(error)) => {
                assert_eq!(error.kind(), std::io::ErrorKind::FileTooLarge);
            }
            other => panic!("expected Read, got {other:?}"),
        }
    }

    /// An archive with a launch script in front (Spring Boot's "fully executable" jars) is a
    /// zip all the same.
    #[test]
    fn java_prefixed_archive() {
        let mut bytes = b"#!/bin/bash\n# launch script\nexit 0\n".to_vec();
        bytes.extend(zip(&[
            (
                &pom_path("com.example", "boot"),
                &pom("com.example", "boot", "3.2.0"),
            ),
            ("BOOT-INF/lib/dep-1.jar", &library("g", "dep", "1")),
        ]));
        assert_eq!(
            coordinates(&catalog("/app/boot-3.2.0.jar", &bytes).unwrap()),
            set(&["com.example:boot:3.2.0", "g:dep:1"])
        );
    }
}
