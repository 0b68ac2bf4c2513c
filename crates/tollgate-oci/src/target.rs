//! Target strings in the transport syntax of containers-transports(5), as skopeo and podman use.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::{Error, Reference};

/// Where an image comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// `oci:<dir>[:<tag or digest>]`
    OciLayout {
        /// The layout directory.
        path: PathBuf,
        /// A tag (`org.opencontainers.image.ref.name`) or manifest digest.
        reference: Option<String>,
    },
    /// `oci-archive:<file>[:<tag>]`
    OciArchive {
        /// The tar file.
        path: PathBuf,
        /// A tag or manifest digest.
        reference: Option<String>,
    },
    /// `docker-archive:<file>[:<ref>]`
    DockerArchive {
        /// The tar (or tar.gz) file.
        path: PathBuf,
        /// A `RepoTags` entry such as `trixie-slim:test`, or `@<index>`.
        reference: Option<String>,
    },
    /// `docker://<ref>` or a bare reference.
    Registry(Reference),
    /// `rootfs:<dir>`
    Rootfs(PathBuf),
}

/// Builds a path-based target from its path and optional reference.
type MakeTarget = fn(PathBuf, Option<String>) -> Target;

impl Target {
    /// Parse a target. A bare argument that names an existing path is detected by content; any
    /// other bare argument is a registry reference.
    pub fn parse(input: &str) -> Result<Self, Error> {
        if let Some(rest) = input.strip_prefix("docker://") {
            return Ok(Self::Registry(rest.parse()?));
        }
        if let Some(rest) = input.strip_prefix("rootfs:") {
            return Ok(Self::Rootfs(PathBuf::from(non_empty(input, rest)?)));
        }
        let transports: [(&str, MakeTarget); 3] = [
            ("oci:", |path, reference| Self::OciLayout {
                path,
                reference,
            }),
            ("oci-archive:", |path, reference| Self::OciArchive {
                path,
                reference,
            }),
            ("docker-archive:", |path, reference| Self::DockerArchive {
                path,
                reference,
            }),
        ];
        for (prefix, make) in transports {
            if let Some(rest) = input.strip_prefix(prefix) {
                let (path, reference) = split_path_and_reference(non_empty(input, rest)?);
                return Ok(make(path, reference));
            }
        }
        let path = Path::new(input);
        if path.exists() {
            return detect(path);
        }
        input.parse::<Reference>().map(Self::Registry).map_err(|error| match error {
            Error::InvalidReference { reason, .. } => Error::InvalidTarget {
                input: input.to_owned(),
                reason: format!(
                    "not an existing path and not a valid image reference ({reason}); use oci:, oci-archive:, docker-archive:, docker:// or rootfs:"
                ),
            },
            other => other,
        })
    }
}

fn non_empty<'a>(input: &str, rest: &'a str) -> Result<&'a str, Error> {
    if rest.is_empty() {
        Err(Error::InvalidTarget {
            input: input.to_owned(),
            reason: "the path is empty".to_owned(),
        })
    } else {
        Ok(rest)
    }
}

/// `path[:ref]`: the path is the longest prefix (ending before a `:`) that exists, so that
/// `docker-archive:img.tar:app:1.0` gives `img.tar` and `app:1.0`; if none exists, the last `:`
/// splits (the error about the missing path then names the right path).
fn split_path_and_reference(rest: &str) -> (PathBuf, Option<String>) {
    if Path::new(rest).exists() {
        return (PathBuf::from(rest), None);
    }
    for (i, _) in rest.match_indices(':') {
        if Path::new(&rest[..i]).exists() {
            return (
                PathBuf::from(&rest[..i]),
                Some(rest[i + 1..].to_owned()).filter(|r| !r.is_empty()),
            );
        }
    }
    match rest.rsplit_once(':') {
        Some((path, reference)) if !path.is_empty() => {
            (PathBuf::from(path), Some(reference.to_owned()))
        }
        _ => (PathBuf::from(rest), None),
    }
}

fn detect(path: &Path) -> Result<Target, Error> {
    if path.is_dir() {
        if path.join("oci-layout").is_file() {
            return Ok(Target::OciLayout {
                path: path.to_owned(),
                reference: None,
            });
        }
        return Ok(Target::Rootfs(path.to_owned()));
    }
    match crate::source::archive::sniff(path)? {
        crate::source::archive::ArchiveKind::Docker => Ok(Target::DockerArchive {
            path: path.to_owned(),
            reference: None,
        }),
        crate::source::archive::ArchiveKind::Oci => Ok(Target::OciArchive {
            path: path.to_owned(),
            reference: None,
        }),
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let with_reference = |f: &mut fmt::Formatter<'_>,
                              transport: &str,
                              path: &Path,
                              reference: &Option<String>| {
            write!(f, "{transport}:{}", path.display())?;
            if let Some(reference) = reference {
                write!(f, ":{reference}")?;
            }
            Ok(())
        };
        match self {
            Self::OciLayout { path, reference } => with_reference(f, "oci", path, reference),
            Self::OciArchive { path, reference } => {
                with_reference(f, "oci-archive", path, reference)
            }
            Self::DockerArchive { path, reference } => {
                with_reference(f, "docker-archive", path, reference)
            }
            Self::Registry(reference) => write!(f, "docker://{reference}"),
            Self::Rootfs(path) => write!(f, "rootfs:{}", path.display()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transports() {
        let dir = tempfile::tempdir().unwrap();
        let archive = dir.path().join("img.tar");
        fs_err::write(&archive, b"").unwrap();
        let a = archive.display();
        assert_eq!(
            Target::parse(&format!("docker-archive:{a}:app:1.0")).unwrap(),
            Target::DockerArchive {
                path: archive.clone(),
                reference: Some("app:1.0".into())
            }
        );
        assert_eq!(
            Target::parse(&format!("oci:{}:1.0", dir.path().display())).unwrap(),
            Target::OciLayout {
                path: dir.path().to_owned(),
                reference: Some("1.0".into())
            }
        );
        assert_eq!(
            Target::parse("oci:/nonexistent/layout:v2").unwrap(),
            Target::OciLayout {
                path: "/nonexistent/layout".into(),
                reference: Some("v2".into())
            }
        );
        assert_eq!(
            Target::parse("debian:12").unwrap().to_string(),
            "docker://docker.io/library/debian:12"
        );
        assert_eq!(
            Target::parse("docker://127.0.0.1:5000/app")
                .unwrap()
                .to_string(),
            "docker://127.0.0.1:5000/app:latest"
        );
        assert_eq!(
            Target::parse(&format!("{}", dir.path().display())).unwrap(),
            Target::Rootfs(dir.path().to_owned())
        );
        assert!(matches!(
            Target::parse("Not A Ref"),
            Err(Error::InvalidTarget { .. })
        ));
        assert!(matches!(
            Target::parse("oci:"),
            Err(Error::InvalidTarget { .. })
        ));
    }
}
