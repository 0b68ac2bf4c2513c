//! The main section of `META-INF/MANIFEST.MF`, and the Maven coordinates Trivy guesses from it
//! for an archive that has no `pom.properties` of its own.
//!
//! The main section describes the archive; it ends at the first empty line, and the sections
//! after it (one per entry, with digests in signed jars, which can run to megabytes) are never
//! read. Lines end at CR, LF or CRLF; a line starting with one space continues the previous one
//! and is joined without that space, as `java.util.jar.Manifest` joins it. Attribute names are
//! case-insensitive (the spec's grammar), and the last of a name wins, as in Java.
//!
//! Trivy's choice of coordinates (`parse.go`, `determineGroupID` and friends):
//! - group id: `Implementation-Vendor-Id`, else `Bundle-SymbolicName` without its last
//!   `.`-separated part (`com.fasterxml.jackson.core.jackson-databind` →
//!   `com.fasterxml.jackson.core`), else `Implementation-Vendor`, else `Specification-Vendor`;
//! - artifact id: `Implementation-Title`, else `Specification-Title`, else `Bundle-Name`;
//! - version: `Implementation-Version`, else `Specification-Version`, else `Bundle-Version`.
//!
//! Values that are OSGi localisation keys (`%bundleName`) are skipped, as Trivy skips them.
//! Unlike Trivy, the directives after a `;` in `Bundle-SymbolicName` (`x.y;singleton:=true`) are
//! dropped before the group id is cut from it: they are not part of the name.

// ref: https://docs.oracle.com/en/java/javase/21/docs/specs/jar/jar.html#jar-manifest
// ref: https://docs.osgi.org/specification/osgi.core/8.0.0/framework.module.html#framework.module.bundle-symbolicname

use std::io::{self, BufRead};

use super::pom::Artifact;

/// The attributes of a main section that name the archive.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Manifest {
    implementation_title: Option<String>,
    implementation_version: Option<String>,
    implementation_vendor: Option<String>,
    implementation_vendor_id: Option<String>,
    specification_title: Option<String>,
    specification_version: Option<String>,
    specification_vendor: Option<String>,
    bundle_name: Option<String>,
    bundle_version: Option<String>,
    bundle_symbolic_name: Option<String>,
}

impl Manifest {
    /// Read the main section from `reader`, at most `limit` bytes of it; `Ok(None)` when it is
    /// longer. `consumed` counts the bytes read, for the caller's inflation budget.
    pub(super) fn main_section(
        reader: &mut dyn BufRead,
        limit: u64,
        consumed: &mut u64,
    ) -> io::Result<Option<Self>> {
        let mut manifest = Self::default();
        let mut attribute = String::new();
        let mut chunk = Vec::new();
        'lines: loop {
            chunk.clear();
            let n = reader.read_until(b'\n', &mut chunk)?;
            if n == 0 {
                break;
            }
            *consumed += n as u64;
            if *consumed > limit {
                return Ok(None);
            }
            let text = String::from_utf8_lossy(&chunk);
            let text = text.strip_suffix('\n').unwrap_or(&text);
            let text = text.strip_suffix('\r').unwrap_or(text);
            // What is left may still hold lone CRs, each a line end of its own.
            for line in text.split('\r') {
                if line.is_empty() {
                    break 'lines;
                }
                if let Some(continued) = line.strip_prefix(' ') {
                    attribute.push_str(continued);
                } else {
                    manifest.add(&attribute);
                    attribute.clear();
                    attribute.push_str(line);
                }
            }
        }
        manifest.add(&attribute);
        Ok(Some(manifest))
    }

    /// Record one unfolded `Name: value` line, if it is one of the attributes used.
    fn add(&mut self, line: &str) {
        let Some((name, value)) = line.split_once(':') else {
            return;
        };
        let value = value.trim();
        if value.is_empty() || value.starts_with('%') {
            return;
        }
        let slot = match name.to_ascii_lowercase().as_str() {
            "implementation-title" => &mut self.implementation_title,
            "implementation-version" => &mut self.implementation_version,
            "implementation-vendor" => &mut self.implementation_vendor,
            "implementation-vendor-id" => &mut self.implementation_vendor_id,
            "specification-title" => &mut self.specification_title,
            "specification-version" => &mut self.specification_version,
            "specification-vendor" => &mut self.specification_vendor,
            "bundle-name" => &mut self.bundle_name,
            "bundle-version" => &mut self.bundle_version,
            "bundle-symbolicname" => &mut self.bundle_symbolic_name,
            _ => return,
        };
        *slot = Some(value.to_owned());
    }

    /// The group id Trivy guesses (see the module docs).
    pub(super) fn group_id(&self) -> Option<String> {
        let from_symbolic_name = self.bundle_symbolic_name.as_deref().map(|name| {
            let name = name.split(';').next().unwrap_or(name).trim();
            name.rsplit_once('.')
                .map_or(name, |(group, _)| group)
                .to_owned()
        });
        self.implementation_vendor_id
            .clone()
            .into_iter()
            .chain(from_symbolic_name)
            .chain(self.implementation_vendor.clone())
            .chain(self.specification_vendor.clone())
            .find(|group| !group.is_empty())
    }

    /// The artifact Trivy reads from a manifest in offline mode: all three coordinates, or none.
    pub(super) fn artifact(&self) -> Option<Artifact> {
        let artifact_id = [
            &self.implementation_title,
            &self.specification_title,
            &self.bundle_name,
        ]
        .into_iter()
        .find_map(Option::as_deref)?;
        let version = [
            &self.implementation_version,
            &self.specification_version,
            &self.bundle_version,
        ]
        .into_iter()
        .find_map(Option::as_deref)?;
        Artifact::new(&self.group_id()?, artifact_id, version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Manifest {
        let mut consumed = 0;
        let manifest =
            Manifest::main_section(&mut text.as_bytes(), 1 << 20, &mut consumed).unwrap();
        manifest.unwrap()
    }

    fn coordinates(text: &str) -> Option<(String, String, String)> {
        parse(text)
            .artifact()
            .map(|a| (a.group_id, a.artifact_id, a.version))
    }

    fn triple(
        group_id: &str,
        artifact_id: &str,
        version: &str,
    ) -> Option<(String, String, String)> {
        Some((group_id.into(), artifact_id.into(), version.into()))
    }

    /// The manifests of the fixtures' archives (trimmed to the attributes that matter).
    #[test]
    fn java_manifest_coordinates_as_trivy_guesses_them() {
        // gizmo-1.1.jar: the vendor's name becomes the group id (Trivy then asks Maven Central
        // whether it exists; offline, it keeps it).
        assert_eq!(
            coordinates(
                "Manifest-Version: 1.0\r\nCreated-By: Maven JAR Plugin 3.2.2\r\n\
                 Specification-Title: Gizmo\r\nSpecification-Version: 1.1\r\n\
                 Specification-Vendor: JBoss by Red Hat\r\nImplementation-Title: Gizmo\r\n\
                 Implementation-Version: 1.1\r\nImplementation-Vendor: JBoss by Red Hat\r\n\r\n"
            ),
            triple("JBoss by Red Hat", "Gizmo", "1.1")
        );
        // hadoop-shaded-guava: `Implementation-Vendor-Id` wins, and a folded value is joined.
        assert_eq!(
            coordinates(
                "Manifest-Version: 1.0\nImplementation-Title: Apache Hadoop shaded Guava\n\
                 Implementation-Version: 1.1.0-SNAPSHOT\nSpecification-Vendor: Apache Software Fou\n \
                 ndation\nImplementation-Vendor-Id: org.apache.hadoop.thirdparty\n\
                 Implementation-URL: https://www.apache.org/hadoop-thirdparty/hadoop-sh\n \
                 aded-guava/\n"
            ),
            triple(
                "org.apache.hadoop.thirdparty",
                "Apache Hadoop shaded Guava",
                "1.1.0-SNAPSHOT"
            )
        );
        // jackson-databind: OSGi attributes only.
        assert_eq!(
            coordinates(
                "Bundle-Name: jackson-databind\nBundle-SymbolicName: com.fasterxml.jackson.core.j\n \
                 ackson-databind\nBundle-Vendor: FasterXML\nBundle-Version: 2.9.10.6\n"
            ),
            triple("com.fasterxml.jackson.core", "jackson-databind", "2.9.10.6")
        );
        // gradle.war: nothing but the version of the manifest format.
        assert_eq!(coordinates("Manifest-Version: 1.0\r\n\r\n"), None);
    }

    #[test]
    fn java_manifest_precedence() {
        let all = "Implementation-Title: it\nImplementation-Version: iv\nImplementation-Vendor: ivn\n\
                   Implementation-Vendor-Id: ivi\nSpecification-Title: st\nSpecification-Version: sv\n\
                   Specification-Vendor: svn\nBundle-Name: bn\nBundle-Version: bv\n\
                   Bundle-SymbolicName: b.sym\n";
        assert_eq!(coordinates(all), triple("ivi", "it", "iv"));
        let no_implementation: String = all
            .lines()
            .filter(|line| !line.starts_with("Implementation-"))
            .map(|line| format!("{line}\n"))
            .collect();
        assert_eq!(coordinates(&no_implementation), triple("b", "st", "sv"));
        assert_eq!(
            coordinates("Bundle-Name: bn\nBundle-Version: bv\nSpecification-Vendor: svn\n"),
            triple("svn", "bn", "bv")
        );
        // A symbolic name without a dot is the group id whole; directives are dropped.
        assert_eq!(
            coordinates(
                "Bundle-Name: bn\nBundle-Version: 1\nBundle-SymbolicName: solo;singleton:=true\n"
            ),
            triple("solo", "bn", "1")
        );
        assert_eq!(
            coordinates(
                "Bundle-Name: bn\nBundle-Version: 1\nBundle-SymbolicName: a.b.c; singleton:=true; x=1.2\n"
            ),
            triple("a.b", "bn", "1")
        );
        // Each coordinate is needed.
        assert_eq!(
            coordinates("Implementation-Title: t\nImplementation-Version: 1\n"),
            None
        );
        assert_eq!(
            coordinates("Implementation-Vendor-Id: g\nImplementation-Version: 1\n"),
            None
        );
        assert_eq!(
            coordinates("Implementation-Vendor-Id: g\nImplementation-Title: t\n"),
            None
        );
    }

    #[test]
    fn java_manifest_syntax() {
        // Lone CRs end lines; names are case-insensitive; the last value wins; localisation
        // keys and empty values are skipped; lines without a colon are ignored.
        assert_eq!(
            coordinates(
                "implementation-vendor-id: g\rIMPLEMENTATION-TITLE: first\rImplementation-Title: t\r\
                 Bundle-Version: %bundleVersion\rImplementation-Version:   \rnot an attribute\r\
                 Specification-Version: 2\r"
            ),
            triple("g", "t", "2")
        );
        // The main section ends at the first empty line: what follows describes entries.
        assert_eq!(
            coordinates(
                "Implementation-Vendor-Id: g\nImplementation-Title: t\n\n\
                 Name: org/example/\nImplementation-Version: 9\n"
            ),
            None
        );
        // CR then CRLF is an empty line too.
        assert_eq!(
            coordinates(
                "Implementation-Vendor-Id: g\r\r\nImplementation-Title: t\nImplementation-Version: 1\n"
            ),
            None
        );
        // A continuation at the very start continues nothing and is dropped.
        assert_eq!(
            parse(" stray\nImplementation-Title: t\n")
                .implementation_title
                .as_deref(),
            Some("t")
        );
    }

    #[test]
    fn java_manifest_main_section_is_bounded() {
        let mut text = "Implementation-Title: t\n".to_owned();
        text.push_str(&format!("Export-Package: {}\n", "a".repeat(100)));
        let mut consumed = 0;
        assert_eq!(
            Manifest::main_section(&mut text.as_bytes(), 64, &mut consumed).unwrap(),
            None
        );
        assert!(consumed > 64);
        // Only the main section is read, however long the rest of the file is.
        let mut signed = "Implementation-Title: t\r\n\r\n".to_owned();
        signed.push_str(&"Name: a/B.class\r\nSHA-256-Digest: xyz=\r\n\r\n".repeat(10_000));
        let mut consumed = 0;
        let manifest = Manifest::main_section(&mut signed.as_bytes(), 64, &mut consumed)
            .unwrap()
            .unwrap();
        assert_eq!(manifest.implementation_title.as_deref(), Some("t"));
        assert_eq!(consumed, 27);
    }
}
