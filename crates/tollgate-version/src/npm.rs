//! SemVer as npm reads it: node-semver's `SemVer` class in strict (non-loose) mode, which is
//! what `semver.valid`, `semver.parse` and `semver.compare` use.
//!
//! - The text may be at most 256 UTF-16 code units (`MAX_LENGTH`, checked before trimming),
//!   is trimmed of JavaScript whitespace (`String.prototype.trim`), and may start with `v`
//!   (not `=`, not `V`: those are loose mode only).
//! - Major, minor and patch have no leading zeros and are at most `Number.MAX_SAFE_INTEGER`.
//! - Pre-release identifiers are `[0-9A-Za-z-]+`, numeric ones without leading zeros; build
//!   identifiers `[0-9A-Za-z-]+`. Build metadata plays no part in ordering (`compare`, not
//!   `compareBuild`), so `1.0.0+a == 1.0.0+b`.
//!
//! Whitespace: current node-semver (7.7, whose `parse` is just `new SemVer(v)` in a `try`)
//! accepts `" 1.2.3 "` in `valid` as `compare` always has; older releases such as Debian
//! bookworm's 7.3.5 also matched the untrimmed text in `parse`/`valid` (but not in
//! `compare`). This follows the current one, which is also what `compare` reads everywhere.
//!
//! Numeric pre-release identifiers are compared as JavaScript numbers (`+id`), so two of 16 or
//! more digits that round to the same double are equal (`1.0.0-9007199254740993 ==
//! 1.0.0-9007199254740992`). node-semver then stops comparing (`return compareIdentifiers(a,
//! b)` returns 0 at the first such pair), which is not transitive; this goes on to the next
//! identifiers instead, the only order that agrees with node-semver everywhere it is consistent.
//!
//! ref: <https://github.com/npm/node-semver/blob/v7.7.2/classes/semver.js> (constructor,
//! `compare`, `compareMain`, `comparePre`), internal/re.js (`FULL`), internal/identifiers.js
//! (`compareIdentifiers`), internal/constants.js (`MAX_LENGTH`, `MAX_SAFE_INTEGER`).

use std::cmp::Ordering;

/// `MAX_LENGTH`: longer input is refused before anything else.
const MAX_LENGTH: usize = 256;

/// `Number.MAX_SAFE_INTEGER`, the largest major/minor/patch.
const MAX_SAFE_INTEGER: u64 = 9_007_199_254_740_991;

/// One pre-release identifier.
#[derive(Clone, Debug)]
enum Identifier {
    /// All digits: compared by the value JavaScript's `+id` gives it (a double, exact below
    /// 2^53). The text is kept for display.
    Numeric(f64, Box<str>),
    /// Anything else: compared as text (ASCII, so bytes order as UTF-16 units do).
    Alphanumeric(Box<str>),
}

impl Identifier {
    fn text(&self) -> &str {
        match self {
            Self::Numeric(_, text) | Self::Alphanumeric(text) => text,
        }
    }
}

impl Ord for Identifier {
    // ref: compareIdentifiers: numeric identifiers sort before alphanumeric ones.
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            // Both are finite and not negative (only digits, at most 256 of them), so
            // `total_cmp` is the numeric order.
            (Self::Numeric(a, _), Self::Numeric(b, _)) => a.total_cmp(b),
            (Self::Numeric(..), Self::Alphanumeric(_)) => Ordering::Less,
            (Self::Alphanumeric(_), Self::Numeric(..)) => Ordering::Greater,
            (Self::Alphanumeric(a), Self::Alphanumeric(b)) => a.cmp(b),
        }
    }
}

impl PartialOrd for Identifier {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Identifier {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Identifier {}

/// A version as node-semver's `SemVer` holds it.
#[derive(Clone, Debug)]
pub struct Version {
    major: u64,
    minor: u64,
    patch: u64,
    prerelease: Vec<Identifier>,
    /// The identifiers after `+`, joined by `.` (kept for display only).
    build: Box<str>,
}

impl Version {
    /// The normalised form, as node-semver's `version` property (no `v`, no build).
    #[must_use]
    pub fn normalized(&self) -> String {
        let mut out = format!("{}.{}.{}", self.major, self.minor, self.patch);
        for (i, identifier) in self.prerelease.iter().enumerate() {
            out.push(if i == 0 { '-' } else { '.' });
            out.push_str(identifier.text());
        }
        out
    }
}

impl Ord for Version {
    // ref: SemVer.compare = compareMain || comparePre. A version without pre-release sorts
    // after one with; otherwise identifiers pairwise, and a longer list after its prefix.
    fn cmp(&self, other: &Self) -> Ordering {
        (self.major, self.minor, self.patch)
            .cmp(&(other.major, other.minor, other.patch))
            .then_with(
                || match (self.prerelease.is_empty(), other.prerelease.is_empty()) {
                    (true, true) => Ordering::Equal,
                    (true, false) => Ordering::Greater,
                    (false, true) => Ordering::Less,
                    (false, false) => self.prerelease.cmp(&other.prerelease),
                },
            )
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

/// What JavaScript's `String.prototype.trim` removes: WhiteSpace (tab, VT, FF, space, NBSP,
/// U+FEFF and the `Zs` spaces) and LineTerminator (LF, CR, U+2028, U+2029). Unlike Rust's
/// `char::is_whitespace` it includes U+FEFF and leaves out U+0085 (NEL) and U+001C..U+001F.
fn is_js_space(c: char) -> bool {
    matches!(
        c,
        '\t'..='\r'
            | ' '
            | '\u{a0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200a}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202f}'
            | '\u{205f}'
            | '\u{3000}'
            | '\u{feff}'
    )
}

fn is_identifier_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-'
}

/// `NUMERICIDENTIFIER` (`0|[1-9]\d*`) at the start of `text`, and the rest. The value is
/// checked against `MAX_SAFE_INTEGER` as the constructor checks `+m[1]`.
fn numeric<'a>(text: &'a str, what: &str) -> Result<(u64, &'a str), String> {
    let len = text.bytes().take_while(u8::is_ascii_digit).count();
    let (digits, rest) = text.split_at_checked(len).unwrap_or((text, ""));
    if digits.is_empty() {
        return Err(format!("expected the {what} version number at `{text}`"));
    }
    if digits.len() > 1 && digits.starts_with('0') {
        return Err(format!("the {what} version `{digits}` has a leading zero"));
    }
    match digits.parse::<u64>() {
        Ok(value) if value <= MAX_SAFE_INTEGER => Ok((value, rest)),
        _ => Err(format!(
            "the {what} version `{digits}` is above Number.MAX_SAFE_INTEGER"
        )),
    }
}

/// `X(?:\.X)*` where X is `[0-9A-Za-z-]+` at the start of `text`: the identifiers (as one
/// `.`-separated string), and the rest.
fn identifiers<'a>(text: &'a str, what: &str) -> Result<(&'a str, &'a str), String> {
    let bytes = text.as_bytes();
    let mut end = 0;
    loop {
        let len = bytes
            .get(end..)
            .unwrap_or_default()
            .iter()
            .take_while(|&&b| is_identifier_byte(b))
            .count();
        if len == 0 {
            return Err(format!("empty {what} identifier in `{text}`"));
        }
        end += len;
        if bytes.get(end) == Some(&b'.') {
            end += 1;
        } else {
            return Ok(text.split_at_checked(end).unwrap_or((text, "")));
        }
    }
}

impl crate::EcosystemVersion for Version {
    // ref: the SemVer constructor: length check, `version.trim().match(re[t.FULL])`, the
    // MAX_SAFE_INTEGER checks, and the numberifying of pre-release identifiers.
    fn parse(text: &str) -> Result<Self, String> {
        // `version.length` counts UTF-16 code units.
        if text.len() > MAX_LENGTH && text.chars().map(char::len_utf16).sum::<usize>() > MAX_LENGTH
        {
            return Err(format!("longer than {MAX_LENGTH} characters"));
        }
        let trimmed = text.trim_matches(is_js_space);
        // FULL: `^v?MAJOR\.MINOR\.PATCH(?:-PRERELEASE)?(?:\+BUILD)?$`
        let rest = trimmed.strip_prefix('v').unwrap_or(trimmed);
        let (major, rest) = numeric(rest, "major")?;
        let rest = rest
            .strip_prefix('.')
            .ok_or_else(|| format!("expected `.` after the major version in `{trimmed}`"))?;
        let (minor, rest) = numeric(rest, "minor")?;
        let rest = rest
            .strip_prefix('.')
            .ok_or_else(|| format!("expected `.` after the minor version in `{trimmed}`"))?;
        let (patch, mut rest) = numeric(rest, "patch")?;

        let mut prerelease = Vec::new();
        if let Some(after) = rest.strip_prefix('-') {
            let (list, after) = identifiers(after, "pre-release")?;
            for identifier in list.split('.') {
                if identifier.bytes().all(|b| b.is_ascii_digit()) {
                    // PRERELEASEIDENTIFIER: a numeric one is NUMERICIDENTIFIER.
                    if identifier.len() > 1 && identifier.starts_with('0') {
                        return Err(format!(
                            "the pre-release identifier `{identifier}` has a leading zero"
                        ));
                    }
                    // Digits only: parsing cannot fail; JavaScript's `+id` rounds the same way.
                    let value = identifier.parse::<f64>().unwrap_or(f64::INFINITY);
                    prerelease.push(Identifier::Numeric(value, identifier.into()));
                } else {
                    prerelease.push(Identifier::Alphanumeric(identifier.into()));
                }
            }
            rest = after;
        }

        let mut build: Box<str> = "".into();
        if let Some(after) = rest.strip_prefix('+') {
            let (list, after) = identifiers(after, "build")?;
            build = list.into();
            rest = after;
        }

        if !rest.is_empty() {
            return Err(format!("unexpected `{rest}` in `{trimmed}`"));
        }
        Ok(Self {
            major,
            minor,
            patch,
            prerelease,
            build,
        })
    }

    fn explain(&self) -> String {
        let mut parts = vec![format!(
            "major {}, minor {}, patch {}",
            self.major, self.minor, self.patch
        )];
        if !self.prerelease.is_empty() {
            let described: Vec<String> = self
                .prerelease
                .iter()
                .map(|identifier| match identifier {
                    Identifier::Numeric(_, text) => format!("{text} (numeric)"),
                    Identifier::Alphanumeric(text) => format!("{text} (text)"),
                })
                .collect();
            parts.push(format!(
                "pre-release {}: before {}.{}.{}",
                described.join(" . "),
                self.major,
                self.minor,
                self.patch
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
    fn accepted_forms() {
        for (text, normal) in [
            ("1.2.3", "1.2.3"),
            ("v1.2.3", "1.2.3"),
            (" \t1.2.3\n\u{feff}", "1.2.3"),
            ("1.2.3-0", "1.2.3-0"),
            ("1.2.3--", "1.2.3--"),
            ("1.2.3-01a", "1.2.3-01a"),
            ("1.2.3-alpha-1.x+build.007", "1.2.3-alpha-1.x"),
            ("9007199254740991.0.0", "9007199254740991.0.0"),
        ] {
            assert_eq!(v(text).normalized(), normal, "{text:?}");
        }
    }

    #[test]
    fn refused_forms() {
        let too_long = format!("1.2.3-{}", "a".repeat(251));
        for text in [
            "",
            "1.2",
            "1.2.3.4",
            "=1.2.3",
            "V1.2.3",
            "vv1.2.3",
            "01.2.3",
            "1.02.3",
            "1.2.3-01",
            "1.2.3-",
            "1.2.3-a..b",
            "1.2.3+",
            "1.2.3+a_b",
            "1.2.3alpha",
            "1.2.3-a+b+c",
            "9007199254740992.0.0",
            "1.2.3\u{85}",
            "1.2.3\u{1c}",
            too_long.as_str(),
        ] {
            assert!(Version::parse(text).is_err(), "{text:?} should be invalid");
        }
        // 256 characters is still fine, and the limit counts the untrimmed text.
        assert!(Version::parse(&format!("1.2.3-{}", "a".repeat(250))).is_ok());
        assert!(Version::parse(&format!("1.2.3-{}  ", "a".repeat(250))).is_err());
    }

    #[test]
    fn build_is_ignored_and_numbers_are_numbers() {
        assert_eq!(v("1.0.0+a"), v("1.0.0+b"));
        assert_eq!(v("v1.0.0"), v("1.0.0"));
        assert!(v("1.0.0-2") < v("1.0.0-10"));
        assert!(v("1.0.0-10") < v("1.0.0-a"));
        assert!(v("1.0.0-Z") < v("1.0.0-a"));
        // JavaScript numbers: equal as doubles, equal here as in node-semver.
        assert_eq!(v("1.0.0-9007199254740993"), v("1.0.0-9007199254740992"));
        assert!(v("1.0.0-9007199254740991") < v("1.0.0-9007199254740992"));
        assert!(v("1.0.0-99999999999999999999") > v("1.0.0-9007199254740992"));
        // node-semver returns 0 here (it stops at the first pair of different strings); this
        // orders by the next identifier, keeping the order transitive.
        assert!(v("1.0.0-9007199254740993.a") < v("1.0.0-9007199254740992.b"));
    }
}
