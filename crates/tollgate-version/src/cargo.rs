//! SemVer as Cargo reads it: the `semver` crate's `Version::parse`, and its precedence.
//!
//! - `MAJOR.MINOR.PATCH`, each a `u64` without leading zeros; no `v`, no whitespace.
//! - An optional `-` pre-release and `+` build, each non-empty `[0-9A-Za-z-]+` identifiers
//!   separated by `.`; numeric pre-release identifiers have no leading zeros, build ones may.
//!
//! Build metadata and ordering: `semver::Version`'s derived `Ord` breaks ties with the build
//! metadata (so that it agrees with its derived `Eq`), but the SemVer specification says build
//! metadata MUST be ignored when determining precedence, Cargo's requirement matching ignores
//! it, and crates.io refuses to publish two versions that differ only in build metadata. The
//! question tollgate asks ("is the installed version below the fixed one?") is one of
//! precedence, so [`Version`]'s `Ord` is the crate's `Version::cmp_precedence`: `1.0.0+a ==
//! 1.0.0+b`, and `1.0.0+build` is not "above" a fix released as `1.0.0`. The crate's full
//! order is still available as [`Version::cmp_with_build`].
//!
//! ref: <https://github.com/dtolnay/semver/blob/1.0.28/src/parse.rs> (`Version::from_str`,
//! `numeric_identifier`, `identifier`), src/impls.rs (`Ord for Prerelease`, `Ord for
//! BuildMetadata`), src/lib.rs (`Version::cmp_precedence`).

use std::cmp::Ordering;

/// A version as the `semver` crate holds it.
#[derive(Clone, Debug)]
pub struct Version {
    major: u64,
    minor: u64,
    patch: u64,
    /// The pre-release identifiers joined by `.`, empty for none.
    pre: Box<str>,
    /// The build identifiers joined by `.`, empty for none.
    build: Box<str>,
}

impl Version {
    /// The `semver` crate's complete order (its derived `Ord`): precedence, then build
    /// metadata (numeric identifiers numerically, `0 < 00 < 1 < 01`, before alphanumeric ones).
    #[must_use]
    pub fn cmp_with_build(&self, other: &Self) -> Ordering {
        self.cmp(other)
            .then_with(|| cmp_build(&self.build, &other.build))
    }

    /// The canonical form (`Display` of `semver::Version`), build included.
    #[must_use]
    pub fn normalized(&self) -> String {
        let mut out = format!("{}.{}.{}", self.major, self.minor, self.patch);
        if !self.pre.is_empty() {
            out.push('-');
            out.push_str(&self.pre);
        }
        if !self.build.is_empty() {
            out.push('+');
            out.push_str(&self.build);
        }
        out
    }
}

fn is_numeric(identifier: &str) -> bool {
    identifier.bytes().all(|b| b.is_ascii_digit())
}

/// ref: `impl Ord for Prerelease`: no pre-release is greater than any; identifiers pairwise
/// (numeric ones by length then digits, since they have no leading zeros; numeric before
/// alphanumeric; alphanumeric as ASCII); a longer list after its prefix.
fn cmp_pre(lhs: &str, rhs: &str) -> Ordering {
    match (lhs.is_empty(), rhs.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        (false, false) => {}
    }
    let mut rhs_parts = rhs.split('.');
    for lhs in lhs.split('.') {
        let Some(rhs) = rhs_parts.next() else {
            return Ordering::Greater;
        };
        let ordering = match (is_numeric(lhs), is_numeric(rhs)) {
            (true, true) => lhs.len().cmp(&rhs.len()).then_with(|| lhs.cmp(rhs)),
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            (false, false) => lhs.cmp(rhs),
        };
        if ordering != Ordering::Equal {
            return ordering;
        }
    }
    if rhs_parts.next().is_none() {
        Ordering::Equal
    } else {
        Ordering::Less
    }
}

/// ref: `impl Ord for BuildMetadata`: like pre-releases, except that no build sorts first and
/// numeric identifiers may have leading zeros: by value, then the shorter spelling first.
fn cmp_build(lhs: &str, rhs: &str) -> Ordering {
    if lhs == rhs {
        return Ordering::Equal;
    }
    // The empty build metadata is the empty string, which `split` sees as one empty
    // identifier: it sorts before everything else (alphanumeric `""` is the smallest text,
    // and `"".bytes().all(..)` is true, so it is "numeric" and below alphanumeric ones too).
    let mut rhs_parts = rhs.split('.');
    for lhs in lhs.split('.') {
        let Some(rhs) = rhs_parts.next() else {
            return Ordering::Greater;
        };
        let ordering = match (is_numeric(lhs), is_numeric(rhs)) {
            (true, true) => {
                let lhs_value = lhs.trim_start_matches('0');
                let rhs_value = rhs.trim_start_matches('0');
                lhs_value
                    .len()
                    .cmp(&rhs_value.len())
                    .then_with(|| lhs_value.cmp(rhs_value))
                    .then_with(|| lhs.len().cmp(&rhs.len()))
            }
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            (false, false) => lhs.cmp(rhs),
        };
        if ordering != Ordering::Equal {
            return ordering;
        }
    }
    if rhs_parts.next().is_none() {
        Ordering::Equal
    } else {
        Ordering::Less
    }
}

impl Ord for Version {
    // ref: `Version::cmp_precedence`: major, minor, patch, pre-release; build ignored (see the
    // module documentation for why).
    fn cmp(&self, other: &Self) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(other.major, other.minor, other.patch))
            .then_with(|| cmp_pre(&self.pre, &other.pre))
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

/// ref: `numeric_identifier`: digits, no leading zero, no overflow of `u64`.
fn numeric_identifier<'a>(text: &'a str, what: &str) -> Result<(u64, &'a str), String> {
    let len = text.bytes().take_while(u8::is_ascii_digit).count();
    let (digits, rest) = text.split_at_checked(len).unwrap_or((text, ""));
    if digits.is_empty() {
        return Err(match text.chars().next() {
            Some(unexpected) => {
                format!("unexpected character {unexpected:?} while parsing {what} version number")
            }
            None => format!("unexpected end of input while parsing {what} version number"),
        });
    }
    if digits.len() > 1 && digits.starts_with('0') {
        return Err(format!("invalid leading zero in {what} version number"));
    }
    digits
        .parse::<u64>()
        .map(|value| (value, rest))
        .map_err(|_| format!("value of {what} version number exceeds u64::MAX"))
}

/// ref: `dot`.
fn dot<'a>(text: &'a str, after: &str) -> Result<&'a str, String> {
    text.strip_prefix('.')
        .ok_or_else(|| match text.chars().next() {
            Some(unexpected) => format!(
                "unexpected character {unexpected:?} after {after} version number, expected '.'"
            ),
            None => format!("unexpected end of input while parsing {after} version number"),
        })
}

/// ref: `identifier`: one or more non-empty `[0-9A-Za-z-]+` segments separated by `.`, at the
/// start of `text` (which follows a `-` or `+`); numeric pre-release segments without leading
/// zeros. Returns the identifiers and the rest.
fn identifier<'a>(text: &'a str, what: &str, pre: bool) -> Result<(&'a str, &'a str), String> {
    let mut end = 0;
    loop {
        let segment_text = text.get(end..).unwrap_or("");
        let len = segment_text
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'-')
            .count();
        let segment = segment_text.get(..len).unwrap_or("");
        if segment.is_empty() {
            return Err(format!("empty identifier segment in {what}"));
        }
        if pre && len > 1 && is_numeric(segment) && segment.starts_with('0') {
            return Err(format!("invalid leading zero in {what} identifier"));
        }
        end += len;
        if text.as_bytes().get(end) == Some(&b'.') {
            end += 1;
        } else {
            return Ok(text.split_at_checked(end).unwrap_or((text, "")));
        }
    }
}

impl crate::EcosystemVersion for Version {
    // ref: `impl FromStr for Version`.
    fn parse(text: &str) -> Result<Self, String> {
        if text.is_empty() {
            return Err("empty string, expected a semver version".to_owned());
        }
        let (major, rest) = numeric_identifier(text, "major")?;
        let rest = dot(rest, "major")?;
        let (minor, rest) = numeric_identifier(rest, "minor")?;
        let rest = dot(rest, "minor")?;
        let (patch, mut rest) = numeric_identifier(rest, "patch")?;

        let mut pre = "";
        if let Some(after) = rest.strip_prefix('-') {
            (pre, rest) = identifier(after, "pre-release", true)?;
        }
        let mut build = "";
        if let Some(after) = rest.strip_prefix('+') {
            (build, rest) = identifier(after, "build metadata", false)?;
        }
        if let Some(unexpected) = rest.chars().next() {
            return Err(format!(
                "unexpected character {unexpected:?} after the version"
            ));
        }
        Ok(Self {
            major,
            minor,
            patch,
            pre: pre.into(),
            build: build.into(),
        })
    }

    fn explain(&self) -> String {
        let mut parts = vec![format!(
            "major {}, minor {}, patch {}",
            self.major, self.minor, self.patch
        )];
        if !self.pre.is_empty() {
            parts.push(format!(
                "pre-release {}: before {}.{}.{}",
                self.pre, self.major, self.minor, self.patch
            ));
        }
        if !self.build.is_empty() {
            parts.push(format!("build {} (ignored in ordering)", self.build));
        }
        format!("{} ({})", self.normalized(), parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EcosystemVersion;

    fn v(text: &str) -> Version {
        Version::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn semver_org_precedence_example() {
        crate::order_tests::assert_in_order(crate::order_tests::SEMVER_ORG_PRECEDENCE, v);
    }

    #[test]
    fn refused_forms() {
        for text in [
            "",
            "1.2",
            "v1.2.3",
            " 1.2.3",
            "1.2.3 ",
            "=1.2.3",
            "01.2.3",
            "1.2.3-01",
            "1.2.3-",
            "1.2.3+",
            "1.2.3-a..b",
            "1.2.3-a.",
            "1.2.3+a_b",
            "1.2.3.4",
            "18446744073709551616.0.0",
        ] {
            assert!(Version::parse(text).is_err(), "{text:?} should be invalid");
        }
        assert!(Version::parse("18446744073709551615.0.0-0a.01a+001").is_ok());
    }

    #[test]
    fn build_metadata() {
        // Precedence ignores it ...
        assert_eq!(v("1.0.0+a"), v("1.0.0+b"));
        assert_eq!(v("1.0.0+build.5"), v("1.0.0"));
        // ... the crate's full order does not.
        assert_eq!(v("1.0.0").cmp_with_build(&v("1.0.0+a")), Ordering::Less);
        assert_eq!(v("1.0.0+0").cmp_with_build(&v("1.0.0+00")), Ordering::Less);
        assert_eq!(v("1.0.0+00").cmp_with_build(&v("1.0.0+1")), Ordering::Less);
        assert_eq!(v("1.0.0+9").cmp_with_build(&v("1.0.0+a")), Ordering::Less);
        assert_eq!(v("1.0.0+a").cmp_with_build(&v("1.0.0+a.0")), Ordering::Less);
        assert_eq!(
            v("1.0.0-rc.1+z").cmp_with_build(&v("1.0.0+a")),
            Ordering::Less
        );
    }
}
