//! Version parsing and ordering, one faithful implementation per ecosystem: each follows its
//! ecosystem's reference code (dpkg, rpm, apk-tools, `packaging`, node-semver, the `semver` crate,
//! `golang.org/x/mod`, Maven's `ComparableVersion`, `Gem::Version`, NuGet.Versioning,
//! composer/semver), including which strings it refuses. Every finding and every missed
//! vulnerability comes down to one of these comparisons.
//!
//! ```
//! use std::cmp::Ordering;
//! use tollgate_version::{Ecosystem, compare};
//!
//! assert_eq!(compare(Ecosystem::Deb, "1:2.36-9+deb12u4", "2.36-9+deb12u7").unwrap(), Ordering::Greater);
//! assert!(compare(Ecosystem::Pep440, "1.0-foo-bar", "1.0").is_err());
//! ```

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

pub mod apk;
pub mod cargo;
pub mod composer;
pub mod deb;
pub mod gem;
pub mod go;
pub mod maven;
pub mod npm;
pub mod nuget;
pub mod pep440;
pub mod rpm;

/// A version of one ecosystem: parsed as its reference parses it, ordered as its reference
/// orders it. `Eq` must agree with `Ord` (`1.0` and `1.0.0` are equal where the ecosystem
/// says so), so implementations write `PartialEq` in terms of `cmp`.
pub trait EcosystemVersion: Ord + fmt::Debug + Sized {
    /// Parse `text`; the error says why the reference would refuse it.
    ///
    /// # Errors
    /// A reason, in words, when the ecosystem's reference implementation rejects `text`.
    fn parse(text: &str) -> Result<Self, String>;

    /// How the version was parsed, for people (`tollgate version compare --explain`).
    fn explain(&self) -> String;
}

/// The version schemes, by the names the command line uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Ecosystem {
    /// Debian packages (dpkg).
    Deb,
    /// RPM packages (rpmvercmp, epoch:version-release).
    Rpm,
    /// Alpine packages (apk-tools).
    Apk,
    /// Python (PEP 440, as `packaging.version`).
    Pep440,
    /// SemVer 2.0 as npm's node-semver reads it.
    Semver,
    /// SemVer 2.0 as Cargo reads it (the `semver` crate).
    Cargo,
    /// Go module versions (`golang.org/x/mod/semver`).
    Go,
    /// Maven (`ComparableVersion`).
    Maven,
    /// RubyGems (`Gem::Version`).
    Gem,
    /// NuGet (NuGet.Versioning).
    Nuget,
    /// Composer (composer/semver).
    Composer,
}

impl Ecosystem {
    /// Every scheme, in the order of the command line's list.
    pub const ALL: [Self; 11] = [
        Self::Deb,
        Self::Rpm,
        Self::Apk,
        Self::Pep440,
        Self::Semver,
        Self::Cargo,
        Self::Go,
        Self::Maven,
        Self::Gem,
        Self::Nuget,
        Self::Composer,
    ];

    /// The command-line name.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Deb => "deb",
            Self::Rpm => "rpm",
            Self::Apk => "apk",
            Self::Pep440 => "pep440",
            Self::Semver => "semver",
            Self::Cargo => "cargo",
            Self::Go => "go",
            Self::Maven => "maven",
            Self::Gem => "gem",
            Self::Nuget => "nuget",
            Self::Composer => "composer",
        }
    }
}

impl fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is not one of [`Ecosystem::ALL`].
#[derive(Debug, thiserror::Error)]
#[error(
    "unknown version ecosystem `{0}`: use one of deb, rpm, apk, pep440, semver, cargo, go, maven, gem, nuget, composer"
)]
pub struct UnknownEcosystem(pub String);

impl FromStr for Ecosystem {
    type Err = UnknownEcosystem;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|ecosystem| ecosystem.name() == name)
            .ok_or_else(|| UnknownEcosystem(name.to_owned()))
    }
}

/// A version its ecosystem's reference implementation rejects.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid {ecosystem} version `{version}`: {reason}")]
pub struct InvalidVersion {
    /// The scheme it was read as.
    pub ecosystem: Ecosystem,
    /// The text, as given.
    pub version: String,
    /// Why it is invalid.
    pub reason: String,
}

fn parse_as<V: EcosystemVersion>(ecosystem: Ecosystem, text: &str) -> Result<V, InvalidVersion> {
    V::parse(text).map_err(|reason| InvalidVersion {
        ecosystem,
        version: text.to_owned(),
        reason,
    })
}

fn compare_as<V: EcosystemVersion>(
    ecosystem: Ecosystem,
    a: &str,
    b: &str,
) -> Result<Ordering, InvalidVersion> {
    Ok(parse_as::<V>(ecosystem, a)?.cmp(&parse_as::<V>(ecosystem, b)?))
}

fn explain_as<V: EcosystemVersion>(
    ecosystem: Ecosystem,
    text: &str,
) -> Result<String, InvalidVersion> {
    parse_as::<V>(ecosystem, text).map(|version| version.explain())
}

/// Runs `$body` with `$V` bound to the version type of `$ecosystem`.
macro_rules! with_version_type {
    ($ecosystem:expr, $V:ident => $body:expr) => {
        match $ecosystem {
            $crate::Ecosystem::Deb => {
                type $V = $crate::deb::Version;
                $body
            }
            $crate::Ecosystem::Rpm => {
                type $V = $crate::rpm::Version;
                $body
            }
            $crate::Ecosystem::Apk => {
                type $V = $crate::apk::Version;
                $body
            }
            $crate::Ecosystem::Pep440 => {
                type $V = $crate::pep440::Version;
                $body
            }
            $crate::Ecosystem::Semver => {
                type $V = $crate::npm::Version;
                $body
            }
            $crate::Ecosystem::Cargo => {
                type $V = $crate::cargo::Version;
                $body
            }
            $crate::Ecosystem::Go => {
                type $V = $crate::go::Version;
                $body
            }
            $crate::Ecosystem::Maven => {
                type $V = $crate::maven::Version;
                $body
            }
            $crate::Ecosystem::Gem => {
                type $V = $crate::gem::Version;
                $body
            }
            $crate::Ecosystem::Nuget => {
                type $V = $crate::nuget::Version;
                $body
            }
            $crate::Ecosystem::Composer => {
                type $V = $crate::composer::Version;
                $body
            }
        }
    };
}

// After the macro, which it uses.
pub mod properties;

/// Test support shared by the ecosystem modules.
#[cfg(test)]
pub(crate) mod order_tests {
    /// semver.org's precedence example (section 11), in increasing order.
    pub(crate) const SEMVER_ORG_PRECEDENCE: &[&str] = &[
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-alpha.beta",
        "1.0.0-beta",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
        "1.0.0-rc.1",
        "1.0.0",
        "2.0.0",
        "2.1.0",
        "2.1.1",
    ];

    /// Every pair of `list` compares as the pair's positions do.
    pub(crate) fn assert_in_order<V: Ord>(list: &[&str], parse: impl Fn(&str) -> V) {
        for (i, a) in list.iter().enumerate() {
            for (j, b) in list.iter().enumerate() {
                assert_eq!(parse(a).cmp(&parse(b)), i.cmp(&j), "{a} vs {b}");
            }
        }
    }
}

/// Order two versions of one ecosystem.
///
/// # Errors
/// When either is invalid in that ecosystem (the first invalid one is named).
pub fn compare(ecosystem: Ecosystem, a: &str, b: &str) -> Result<Ordering, InvalidVersion> {
    with_version_type!(ecosystem, V => compare_as::<V>(ecosystem, a, b))
}

/// Whether `text` is a valid version of `ecosystem`.
#[must_use]
pub fn is_valid(ecosystem: Ecosystem, text: &str) -> bool {
    with_version_type!(ecosystem, V => parse_as::<V>(ecosystem, text).is_ok())
}

/// How `text` is parsed in `ecosystem`, for people.
///
/// # Errors
/// When it is invalid there.
pub fn explain(ecosystem: Ecosystem, text: &str) -> Result<String, InvalidVersion> {
    with_version_type!(ecosystem, V => explain_as::<V>(ecosystem, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for ecosystem in Ecosystem::ALL {
            assert_eq!(ecosystem.name().parse::<Ecosystem>().unwrap(), ecosystem);
        }
        assert!("debian".parse::<Ecosystem>().is_err());
    }
}
