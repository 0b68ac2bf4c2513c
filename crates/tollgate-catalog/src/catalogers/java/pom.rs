//! Maven coordinates: the `pom.properties` Maven writes into every archive it builds, and the
//! artifact id and version a file name like `spring-core-5.3.4-SNAPSHOT.jar` carries.
//!
//! `pom.properties` is a `java.util.Properties` file (`Properties.store` output): `#` or `!`
//! comments, `key=value` (or `key:value`, or `key value`) lines, backslash escapes. Only
//! `groupId`, `artifactId` and `version` are read; the last of each wins, as in Java. Line
//! continuations (a line ending in `\`) are not joined: `Properties.store` never writes one for
//! these keys, and Trivy does not join them either.

// ref: https://maven.apache.org/shared/maven-archiver/#pom-properties-content
// ref: https://docs.oracle.com/en/java/javase/21/docs/api/java.base/java/util/Properties.html#load(java.io.Reader)

use crate::{Ecosystem, Package};

/// One Maven artifact: `groupId:artifactId:version`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Artifact {
    pub(super) group_id: String,
    pub(super) artifact_id: String,
    pub(super) version: String,
}

impl Artifact {
    /// An artifact when all three coordinates are non-empty single-line values; `None`
    /// otherwise, as Trivy drops incomplete `pom.properties` (`Properties.Valid`).
    pub(super) fn new(group_id: &str, artifact_id: &str, version: &str) -> Option<Self> {
        let valid = |value: &str| !value.is_empty() && !value.chars().any(char::is_control);
        let (group_id, artifact_id, version) =
            (group_id.trim(), artifact_id.trim(), version.trim());
        (valid(group_id) && valid(artifact_id) && valid(version)).then(|| Self {
            group_id: group_id.to_owned(),
            artifact_id: artifact_id.to_owned(),
            version: version.to_owned(),
        })
    }

    /// The package: the group id is the purl namespace, the artifact id its name.
    pub(super) fn into_package(self) -> Package {
        Package {
            namespace: Some(self.group_id),
            ..Package::new(Ecosystem::Maven, self.artifact_id, self.version)
        }
    }
}

/// The artifact a `pom.properties` describes, or `None` when it lacks a coordinate.
pub(super) fn parse_properties(bytes: &[u8]) -> Option<Artifact> {
    let text = String::from_utf8_lossy(bytes);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let (mut group_id, mut artifact_id, mut version) = (None, None, None);
    // `Properties.load` ends lines at `\n`, `\r` or `\r\n`.
    for line in text.split(['\n', '\r']) {
        let line = line.trim_start_matches([' ', '\t', '\x0c']);
        if line.is_empty() || line.starts_with(['#', '!']) {
            continue;
        }
        let (key, value) = split_property(line);
        match key.as_str() {
            "groupId" => group_id = Some(value),
            "artifactId" => artifact_id = Some(value),
            "version" => version = Some(value),
            _ => {}
        }
    }
    Artifact::new(&group_id?, &artifact_id?, &version?)
}

/// A property line split into its unescaped key and value: the key ends at the first
/// unescaped `=`, `:` or white space; white space and one `=` or `:` separate it from the value.
fn split_property(line: &str) -> (String, String) {
    let mut escaped = false;
    let mut end = line.len();
    for (at, c) in line.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if matches!(c, '=' | ':' | ' ' | '\t' | '\x0c') {
            end = at;
            break;
        }
    }
    let key = unescape(&line[..end]);
    let rest = line[end..].trim_start_matches([' ', '\t', '\x0c']);
    let rest = rest.strip_prefix(['=', ':']).unwrap_or(rest);
    let value = unescape(rest.trim_start_matches([' ', '\t', '\x0c']));
    (key, value)
}

/// `Properties.load` escapes: `\t`, `\n`, `\r`, `\f`, `\uXXXX`, and `\c` for any other `c`.
/// A malformed `\u` is kept as written (Java would throw; the value is then simply not a
/// valid coordinate).
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('f') => out.push('\x0c'),
            Some('u') => {
                let hex: String = chars.clone().take(4).collect();
                let decoded = (hex.len() == 4 && hex.chars().all(|c| c.is_ascii_hexdigit()))
                    .then(|| u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32))
                    .flatten();
                match decoded {
                    Some(decoded) => {
                        out.push(decoded);
                        chars.nth(3);
                    }
                    _ => out.push_str("\\u"),
                }
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// The artifact id and version in an archive's file name, as Trivy's `parseFileName` reads
/// them with `^([a-zA-Z0-9\._-]*[^-*])-(\d\S*(?:-SNAPSHOT)?).jar$`: the version starts at a
/// `-` followed by a digit, and the artifact id is everything before it. The first group is
/// greedy, so with several candidates the last `-<digit>` wins (`foo-1.0-2.0.jar` is `foo-1.0`
/// version `2.0`). Trivy's pattern only reads `.jar` names; here every archive extension is
/// read (`web-app-1.0.war`), in any case as the selectors match it, so that a war or a plugin
/// whose `pom.properties` names it is not guessed at from its manifest as well.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct FileName {
    pub(super) artifact_id: String,
    pub(super) version: String,
}

impl FileName {
    pub(super) fn parse(file_name: &str) -> Option<Self> {
        let (stem, extension) = file_name.rsplit_once('.')?;
        if !super::EXTENSIONS
            .iter()
            .any(|known| extension.eq_ignore_ascii_case(known))
        {
            return None;
        }
        for (at, _) in stem.match_indices('-').rev() {
            let (prefix, version) = (&stem[..at], &stem[at + 1..]);
            if !version.starts_with(|c: char| c.is_ascii_digit()) {
                continue;
            }
            // `\S*`: no shorter artifact id can help, its version would hold the same space.
            if version.contains(|c: char| c.is_ascii_whitespace()) {
                return None;
            }
            let mut chars = prefix.chars();
            // An empty artifact id: no shorter one exists either.
            let last = chars.next_back()?;
            if matches!(last, '-' | '*')
                || !chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
            {
                continue;
            }
            return Some(Self {
                artifact_id: prefix.to_owned(),
                version: version.to_owned(),
            });
        }
        None
    }

    /// Whether `artifact` is the archive this name names: Trivy's test (same artifact id and
    /// version), extended to Quarkus' `lib/main/<groupId>.<artifactId>-<version>.jar` naming,
    /// which Trivy only gets right when its Maven Central look-up succeeds.
    pub(super) fn describes(&self, artifact: &Artifact) -> bool {
        artifact.version == self.version
            && (artifact.artifact_id == self.artifact_id
                || self
                    .artifact_id
                    .strip_prefix(artifact.group_id.as_str())
                    .and_then(|rest| rest.strip_prefix('.'))
                    == Some(artifact.artifact_id.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn artifact(group_id: &str, artifact_id: &str, version: &str) -> Artifact {
        Artifact::new(group_id, artifact_id, version).unwrap()
    }

    #[test]
    fn java_pom_properties_as_maven_writes_them() {
        let text = b"#Generated by Maven\n#Tue Jan 26 07:01:07 UTC 2021\r\n\
                     groupId=com.example\r\nartifactId=web-app\r\nversion=1.0-SNAPSHOT\r\n";
        assert_eq!(
            parse_properties(text),
            Some(artifact("com.example", "web-app", "1.0-SNAPSHOT"))
        );
    }

    #[test]
    fn java_pom_properties_syntax() {
        // Separators `=`, `:` and space, white space around them, a BOM, escapes, lone CRs,
        // `!` comments and the last value winning.
        let text = "\u{feff}  groupId = org.example\rartifactId:demo\n!version=0\n\
                    version 1.0\\:beta\\u0031\nversion\t=\t2.0\\:rc\\u0031 \n";
        assert_eq!(
            parse_properties(text.as_bytes()),
            Some(artifact("org.example", "demo", "2.0:rc1"))
        );
        // Escaped separators belong to the key.
        assert_eq!(
            split_property("a\\=b\\ c=d"),
            ("a=b c".to_owned(), "d".to_owned())
        );
        assert_eq!(
            unescape("\\u00e9\\u12\\uzzzz\\u+123\\"),
            "\u{e9}\\u12\\uzzzz\\u+123"
        );
    }

    #[test]
    fn java_pom_properties_incomplete_or_unusable() {
        for text in [
            &b""[..],
            b"groupId=g\nartifactId=a\n",
            b"groupId=g\nartifactId=a\nversion=\n",
            b"groupId=g\nartifactId=a\n#version=1\n",
            b"groupId=g\nartifactId=  \nversion=1\n",
            b"groupId=g\nartifactId=a\nversion=1\\n2\n",
            b"GROUPID=g\nartifactId=a\nversion=1\n",
            b"\xff\xfe\x00\x01",
        ] {
            assert_eq!(parse_properties(text), None, "{}", text.escape_ascii());
        }
    }

    #[test]
    fn java_file_names_as_trivy_reads_them() {
        for (name, want) in [
            (
                "spring-core-5.3.4-SNAPSHOT.jar",
                Some(("spring-core", "5.3.4-SNAPSHOT")),
            ),
            ("log4j-1.2.17.jar", Some(("log4j", "1.2.17"))),
            (
                "jackson-databind-2.9.10.6.jar",
                Some(("jackson-databind", "2.9.10.6")),
            ),
            (
                "io.quarkus.gizmo.gizmo-1.1.jar",
                Some(("io.quarkus.gizmo.gizmo", "1.1")),
            ),
            (
                "hadoop-shaded-guava-1.1.0-SNAPSHOT.jar",
                Some(("hadoop-shaded-guava", "1.1.0-SNAPSHOT")),
            ),
            ("foo-1.0-2.0.jar", Some(("foo-1.0", "2.0"))),
            ("x+-1.jar", Some(("x+", "1"))),
            ("UPPER-1.0.JAR", Some(("UPPER", "1.0"))),
            ("a--1.jar", None),
            ("a*-1.jar", None),
            ("-1.0.jar", None),
            ("foo-1 0.jar", None),
            ("f o-1.0.jar", None),
            ("foo.jar", None),
            ("foo-bar.jar", None),
            ("foo-1.0.war", Some(("foo", "1.0"))),
            ("foo-1.0.Hpi", Some(("foo", "1.0"))),
            ("foo-1.0.zip", None),
            ("gradle.war", None),
            ("test.par", None),
            ("é-1.jar", Some(("é", "1"))),
            ("éa-1.jar", None),
            ("aé-1.jar", Some(("aé", "1"))),
            ("jar", None),
            ("-1.jar", None),
            ("é.jar", None),
        ] {
            let got = FileName::parse(name);
            let want = want.map(|(artifact_id, version)| FileName {
                artifact_id: artifact_id.to_owned(),
                version: version.to_owned(),
            });
            assert_eq!(got, want, "{name}");
        }
    }

    #[test]
    fn java_file_name_describes_its_own_artifact() {
        let name = FileName::parse("gizmo-1.1.jar").unwrap();
        assert!(name.describes(&artifact("io.quarkus.gizmo", "gizmo", "1.1")));
        assert!(!name.describes(&artifact("io.quarkus.gizmo", "gizmo", "1.1.0")));
        assert!(!name.describes(&artifact("io.quarkus.gizmo", "gizmo-x", "1.1")));
        let quarkus = FileName::parse("io.quarkus.gizmo.gizmo-1.1.jar").unwrap();
        assert!(quarkus.describes(&artifact("io.quarkus.gizmo", "gizmo", "1.1")));
        assert!(!quarkus.describes(&artifact("io.quarkus", "gizmo", "1.1")));
        assert!(!quarkus.describes(&artifact("io.quarkus.gizmo", "izmo", "1.1")));
    }
}
