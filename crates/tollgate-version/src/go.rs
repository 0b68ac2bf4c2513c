//! Go module versions: `golang.org/x/mod/semver`'s `IsValid` and `Compare`.
//!
//! - A `v` is required; `vMAJOR` and `vMAJOR.MINOR` (without pre-release or build) are
//!   shorthands for `vMAJOR.0.0` and `vMAJOR.MINOR.0`, and equal to them.
//! - Numbers have no leading zeros and any length (compared as digit strings, never parsed).
//! - Pre-release and build identifiers are `[0-9A-Za-z-]+`; numeric pre-release identifiers
//!   have no leading zeros. Build metadata, `+incompatible` included, is ignored by `Compare`.
//! - Pseudo-versions (`v0.0.0-20210121094942-22b2f8951d46`,
//!   `v1.2.4-0.20210121094942-22b2f8951d46`, `v1.2.3-pre.0.20210121094942-22b2f8951d46`) need
//!   nothing special: they are the pre-releases they spell, and order as such (below the next
//!   release, above the tag they were derived from, by commit time among themselves).
//!   [`EcosystemVersion::explain`](crate::EcosystemVersion::explain) names them.
//!
//! Versions without the `v` (the standard library's `1.22.1` as OSV writes it, `go1.22.1` as
//! `runtime.Version()` and binaries' build info write it) are invalid here, as they are to
//! `semver.IsValid`: the scheme is the module version, and turning a toolchain or OSV spelling
//! into one (`go1.22.1` → `v1.22.1`, `1.6.0` → `v1.6.0`) is the caller's decision, made where
//! the spelling is known; guessing here would also accept `1.2` from ecosystems where it means
//! something else. Go toolchain pre-releases such as `go1.21rc2` are not semver at all.
//!
//! ref: <https://cs.opensource.google/go/x/mod/+/refs/tags/v0.7.0:semver/semver.go> (`parse`,
//! `parseInt`, `parsePrerelease`, `parseBuild`, `Compare`, `compareInt`, `comparePrerelease`)
//! and module/pseudo.go (`pseudoVersionRE`, `IsPseudoVersion`).

use std::cmp::Ordering;

/// Where a part lies in [`Version`]'s text (byte offsets; the parts are ASCII).
type Span = (usize, usize);

/// A valid Go module version, as `semver.parse` splits it: the text (one allocation) and
/// where its parts are.
#[derive(Clone, Debug)]
pub struct Version {
    text: Box<str>,
    major: Span,
    /// `None` when left out (`v1`): then it is `0`.
    minor: Option<Span>,
    /// `None` when left out (`v1`, `v1.2`): then it is `0`.
    patch: Option<Span>,
    /// Including its leading `-`; empty for none.
    prerelease: Span,
    /// Including its leading `+`; empty for none.
    build: Span,
}

impl Version {
    fn part(&self, (start, end): Span) -> &str {
        self.text.get(start..end).unwrap_or("")
    }

    fn major(&self) -> &str {
        self.part(self.major)
    }

    fn minor(&self) -> &str {
        self.minor.map_or("0", |span| self.part(span))
    }

    fn patch(&self) -> &str {
        self.patch.map_or("0", |span| self.part(span))
    }

    fn prerelease(&self) -> &str {
        self.part(self.prerelease)
    }

    fn build(&self) -> &str {
        self.part(self.build)
    }

    /// `semver.Canonical`: shorthands filled in, build metadata dropped.
    #[must_use]
    pub fn canonical(&self) -> String {
        format!(
            "v{}.{}.{}{}",
            self.major(),
            self.minor(),
            self.patch(),
            self.prerelease()
        )
    }

    /// Whether this is a pseudo-version (`module.IsPseudoVersion`), and if so its timestamp
    /// and revision. ref: `pseudoVersionRE`:
    /// `^v[0-9]+\.(0\.0-|\d+\.\d+-([^+]*\.)?0\.)\d{14}-[A-Za-z0-9]+(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$`
    /// on a valid version: the last pre-release identifier is `yyyymmddhhmmss-revision`, and it
    /// is either the whole pre-release of `vX.0.0` or preceded by a `0` identifier.
    fn pseudo(&self) -> Option<(&str, &str)> {
        let prerelease = self.prerelease().strip_prefix('-')?;
        let (before, last) = match prerelease.rsplit_once('.') {
            Some((before, last)) => (Some(before), last),
            None => (None, prerelease),
        };
        let (timestamp, revision) = last.split_once('-')?;
        let well_formed = timestamp.len() == 14
            && timestamp.bytes().all(|b| b.is_ascii_digit())
            && !revision.is_empty()
            && revision.bytes().all(|b| b.is_ascii_alphanumeric());
        let placed = match before {
            None => self.minor() == "0" && self.patch() == "0",
            Some(before) => before == "0" || before.ends_with(".0"),
        };
        (well_formed && placed).then_some((timestamp, revision))
    }
}

/// ref: `compareInt`: no leading zeros, so a longer number is larger; as long ones compare as text.
fn compare_int(x: &str, y: &str) -> Ordering {
    x.len().cmp(&y.len()).then_with(|| x.cmp(y))
}

fn is_num(identifier: &str) -> bool {
    identifier.bytes().all(|b| b.is_ascii_digit())
}

/// ref: `comparePrerelease`: no pre-release sorts after any; identifiers pairwise, numeric ones
/// by length then digits and before alphanumeric ones, alphanumeric ones as ASCII; a longer
/// list after its prefix. `x` and `y` include their leading `-`.
fn compare_prerelease(x: &str, y: &str) -> Ordering {
    if x == y {
        return Ordering::Equal;
    }
    let (Some(x), Some(y)) = (x.strip_prefix('-'), y.strip_prefix('-')) else {
        // Exactly one is empty (they differ); that one is the release.
        return if x.is_empty() {
            Ordering::Greater
        } else {
            Ordering::Less
        };
    };
    let mut y_parts = y.split('.');
    for dx in x.split('.') {
        let Some(dy) = y_parts.next() else {
            return Ordering::Greater;
        };
        if dx != dy {
            return match (is_num(dx), is_num(dy)) {
                (true, false) => Ordering::Less,
                (false, true) => Ordering::Greater,
                (true, true) => compare_int(dx, dy),
                (false, false) => dx.cmp(dy),
            };
        }
    }
    if y_parts.next().is_none() {
        Ordering::Equal
    } else {
        Ordering::Less
    }
}

impl Ord for Version {
    // ref: `Compare` on two valid versions: major, minor, patch, pre-release; build ignored.
    fn cmp(&self, other: &Self) -> Ordering {
        compare_int(self.major(), other.major())
            .then_with(|| compare_int(self.minor(), other.minor()))
            .then_with(|| compare_int(self.patch(), other.patch()))
            .then_with(|| compare_prerelease(self.prerelease(), other.prerelease()))
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

/// ref: `parseInt`: one or more digits, no leading zero, from `at`; where they end.
fn parse_int(bytes: &[u8], at: usize) -> Option<usize> {
    let digits = bytes
        .get(at..)?
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    let leading_zero = digits > 1 && bytes.get(at) == Some(&b'0');
    (digits > 0 && !leading_zero).then_some(at + digits)
}

fn is_ident_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-'
}

/// ref: `isBadNum`: a numeric identifier with a leading zero.
fn is_bad_num(identifier: &[u8]) -> bool {
    identifier.len() > 1
        && identifier.iter().all(u8::is_ascii_digit)
        && identifier.first() == Some(&b'0')
}

/// ref: `parsePrerelease` and `parseBuild`, in one pass: `bytes[at]` is the `-` (or `+`); the
/// identifiers run to the first `+` (pre-release) or the end (build), each non-empty
/// `[0-9A-Za-z-]+`, numeric pre-release ones without leading zeros. Where the part ends.
fn parse_suffix(bytes: &[u8], at: usize, prerelease: bool) -> Result<usize, String> {
    let what = if prerelease { "pre-release" } else { "build" };
    let mut start = at + 1;
    let mut i = start;
    loop {
        let byte = bytes.get(i).copied();
        if byte.is_none() || (prerelease && byte == Some(b'+')) || byte == Some(b'.') {
            let identifier = bytes.get(start..i).unwrap_or_default();
            if identifier.is_empty() {
                return Err(format!("empty {what} identifier"));
            }
            if prerelease && is_bad_num(identifier) {
                return Err(format!(
                    "the {what} identifier `{}` has a leading zero",
                    String::from_utf8_lossy(identifier)
                ));
            }
            if byte != Some(b'.') {
                return Ok(i);
            }
            start = i + 1;
        } else if !byte.is_some_and(is_ident_char) {
            return Err(format!(
                "only letters, digits, `-` and `.` may follow the version's `{}`",
                if prerelease { '-' } else { '+' }
            ));
        }
        i += 1;
    }
}

impl crate::EcosystemVersion for Version {
    // ref: `parse`.
    fn parse(text: &str) -> Result<Self, String> {
        let bytes = text.as_bytes();
        if bytes.first() != Some(&b'v') {
            return Err("a Go module version starts with `v` (normalise `1.2.3` and `go1.2.3` to `v1.2.3` first)".to_owned());
        }
        let bad = || format!("`{text}` is not vMAJOR[.MINOR[.PATCH[-PRERELEASE][+BUILD]]]");
        let major_end = parse_int(bytes, 1).ok_or_else(bad)?;
        let major = (1, major_end);
        let short = |minor: Option<Span>| Self {
            text: text.into(),
            major,
            minor,
            patch: None,
            prerelease: (0, 0),
            build: (0, 0),
        };
        match bytes.get(major_end) {
            None => return Ok(short(None)),
            Some(b'.') => {}
            Some(_) => return Err(format!("{} (`vMAJOR` takes no suffix)", bad())),
        }
        let minor_end = parse_int(bytes, major_end + 1).ok_or_else(bad)?;
        let minor = (major_end + 1, minor_end);
        match bytes.get(minor_end) {
            None => return Ok(short(Some(minor))),
            Some(b'.') => {}
            Some(_) => return Err(format!("{} (`vMAJOR.MINOR` takes no suffix)", bad())),
        }
        let patch_end = parse_int(bytes, minor_end + 1).ok_or_else(bad)?;
        let patch = (minor_end + 1, patch_end);
        let mut end = patch_end;
        let mut prerelease = (end, end);
        if bytes.get(end) == Some(&b'-') {
            end = parse_suffix(bytes, end, true)?;
            prerelease = (patch_end, end);
        }
        let mut build = (end, end);
        if bytes.get(end) == Some(&b'+') {
            let build_start = end;
            end = parse_suffix(bytes, end, false)?;
            build = (build_start, end);
        }
        if end != bytes.len() {
            return Err(format!(
                "unexpected `{}` in `{text}`",
                text.get(end..).unwrap_or_default()
            ));
        }
        Ok(Self {
            text: text.into(),
            major,
            minor: Some(minor),
            patch: Some(patch),
            prerelease,
            build,
        })
    }

    fn explain(&self) -> String {
        let mut parts = vec![format!(
            "major {}, minor {}, patch {}",
            self.major(),
            self.minor(),
            self.patch()
        )];
        if self.patch.is_none() {
            parts.push("shorthand, equal to the full form".to_owned());
        }
        if let Some((timestamp, revision)) = self.pseudo() {
            parts.push(format!(
                "pseudo-version of commit {revision} at {timestamp} (UTC), ordered as its pre-release"
            ));
        } else if let Some(prerelease) = self.prerelease().strip_prefix('-') {
            parts.push(format!("pre-release {prerelease}"));
        }
        if self.build() == "+incompatible" {
            parts.push(
                "+incompatible: a v2+ module without go.mod (ignored in ordering)".to_owned(),
            );
        } else if let Some(build) = self.build().strip_prefix('+') {
            parts.push(format!("build {build} (ignored in ordering)"));
        }
        format!("{} ({})", self.canonical(), parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EcosystemVersion;

    fn v(text: &str) -> Version {
        Version::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn assert_increasing(list: &[&str]) {
        crate::order_tests::assert_in_order(list, v);
    }

    #[test]
    fn semver_org_precedence_example() {
        assert_increasing(&[
            "v1.0.0-alpha",
            "v1.0.0-alpha.1",
            "v1.0.0-alpha.beta",
            "v1.0.0-beta",
            "v1.0.0-beta.2",
            "v1.0.0-beta.11",
            "v1.0.0-rc.1",
            "v1.0.0",
        ]);
    }

    #[test]
    fn pseudo_versions_order_as_prereleases() {
        // From module/pseudo.go: form (1) below every tagged v0, (2) after v1.2.3 and before
        // v1.2.4's pre-releases, (4) after v1.2.4-pre.
        assert_increasing(&[
            "v0.0.0-20190101000000-000000000000",
            "v0.0.0-20210121094942-22b2f8951d46",
            "v0.0.0",
            "v1.2.3",
            "v1.2.4-0.20190101000000-abcdef123456",
            "v1.2.4-0.20210101000000-abcdef123456",
            "v1.2.4-1",
            "v1.2.4-pre",
            "v1.2.4-pre.0.20210101000000-abcdef123456",
            "v1.2.4-pre.1",
            "v1.2.4-rc1",
            "v1.2.4",
        ]);
        let explained = v("v1.2.4-0.20210121094942-22b2f8951d46+incompatible").explain();
        assert!(
            explained.contains("pseudo-version of commit 22b2f8951d46"),
            "{explained}"
        );
        assert!(explained.contains("+incompatible"), "{explained}");
        assert!(v("v0.0.0-20210121094942-22b2f8951d46").pseudo().is_some());
        assert!(
            v("v1.2.3-pre.0.20210121094942-22b2f8951d46")
                .pseudo()
                .is_some()
        );
        assert!(v("v1.2.3-20210121094942-22b2f8951d46").pseudo().is_none());
        assert!(v("v1.2.3-1.20210121094942-22b2f8951d46").pseudo().is_none());
        assert!(v("v1.2.3-0.2021012109494-22b2f8951d46").pseudo().is_none());
    }

    #[test]
    fn shorthands_and_build() {
        assert_eq!(v("v1"), v("v1.0.0"));
        assert_eq!(v("v1.2"), v("v1.2.0"));
        assert_eq!(v("v2.0.0+incompatible"), v("v2.0.0"));
        assert_eq!(v("v1.0.0+a"), v("v1.0.0+b"));
        assert_eq!(v("v1.2").canonical(), "v1.2.0");
        assert!(v("v100000000000000000000000.0.0") > v("v99999999999999999999999.0.0"));
    }

    #[test]
    fn refused_forms() {
        for text in [
            "",
            "v",
            "1.2.3",
            "go1.22.1",
            "V1.2.3",
            " v1.2.3",
            "v1.2.3 ",
            "v01.2.3",
            "v1.02",
            "v1-pre",
            "v1.2-pre",
            "v1.2+build",
            "v1.2.3.4",
            "v1.2.3-",
            "v1.2.3-01",
            "v1.2.3-a..b",
            "v1.2.3+",
            "v1.2.3+a+b",
            "v1.2.3+a_b",
            "v1.2.3-é",
        ] {
            assert!(Version::parse(text).is_err(), "{text:?} should be invalid");
        }
        assert!(Version::parse("v1.2.3-0a.-+001.x").is_ok());
    }
}
