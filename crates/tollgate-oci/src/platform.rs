//! Platforms (`os/arch[/variant]`) and choosing one image out of an index.
//!
//! ref: <https://github.com/opencontainers/image-spec/blob/v1.1.0/image-index.md#platform-variants>

use std::fmt;
use std::str::FromStr;

use crate::Error;

/// An `os/arch[/variant]` triple.
#[derive(Clone, PartialEq, Eq, Debug, serde::Serialize)]
pub struct Platform {
    /// e.g. `linux`
    pub os: String,
    /// e.g. `amd64`, normalised the way containerd does (`x86_64` → `amd64`, `aarch64` → `arm64`)
    pub architecture: String,
    /// e.g. `v8` for arm64
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
}

impl Default for Platform {
    fn default() -> Self {
        Self {
            os: "linux".to_owned(),
            architecture: "amd64".to_owned(),
            variant: None,
        }
    }
}

impl Platform {
    /// A platform from its parts, normalising the architecture name.
    #[must_use]
    pub fn new(os: &str, architecture: &str, variant: Option<&str>) -> Self {
        let architecture = normalise_architecture(architecture);
        let variant = variant.filter(|v| !v.is_empty()).map(str::to_owned);
        Self {
            os: os.to_ascii_lowercase(),
            architecture: architecture.to_owned(),
            variant,
        }
    }

    /// Whether an index entry for `other` satisfies a request for `self`. An unspecified variant
    /// accepts any; arm64 without a variant means v8, as containerd treats it.
    #[must_use]
    pub fn matches(&self, other: &Self) -> bool {
        if self.os != other.os || self.architecture != other.architecture {
            return false;
        }
        let default_variant = |p: &Self| match (p.architecture.as_str(), p.variant.as_deref()) {
            ("arm64", None) => Some("v8".to_owned()),
            (_, v) => v.map(str::to_owned),
        };
        match &self.variant {
            None => true,
            Some(_) => default_variant(self) == default_variant(other),
        }
    }
}

fn normalise_architecture(architecture: &str) -> &str {
    match architecture {
        "x86_64" | "x86-64" => "amd64",
        "aarch64" => "arm64",
        "i386" | "i686" => "386",
        other => other,
    }
}

impl FromStr for Platform {
    type Err = Error;

    fn from_str(input: &str) -> Result<Self, Error> {
        let parts: Vec<&str> = input.split('/').collect();
        let valid = |s: &&str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        };
        match parts.as_slice() {
            [os, arch] if valid(os) && valid(arch) => Ok(Self::new(os, arch, None)),
            [os, arch, variant] if valid(os) && valid(arch) && valid(variant) => {
                Ok(Self::new(os, arch, Some(variant)))
            }
            _ => Err(Error::InvalidPlatform {
                input: input.to_owned(),
            }),
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(variant) = &self.variant {
            write!(f, "/{variant}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_match() {
        let want: Platform = "linux/arm64".parse().unwrap();
        assert!(want.matches(&Platform::new("linux", "aarch64", Some("v8"))));
        assert!(!want.matches(&Platform::new("linux", "amd64", None)));
        let v7: Platform = "linux/arm/v7".parse().unwrap();
        assert!(v7.matches(&Platform::new("linux", "arm", Some("v7"))));
        assert!(!v7.matches(&Platform::new("linux", "arm", Some("v6"))));
        assert_eq!(Platform::default().to_string(), "linux/amd64");
        assert!("linux".parse::<Platform>().is_err());
        assert!("linux/amd64/v1/x".parse::<Platform>().is_err());
    }
}
