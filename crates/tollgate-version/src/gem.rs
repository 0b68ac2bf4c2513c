//! RubyGems versions, as `Gem::Version` reads and orders them.
//!
//! ref: rubygems lib/rubygems/version.rb (3.3.15, Debian bookworm's ruby 3.1; the oracle of the
//! differential tests: `VERSION_PATTERN`, `correct?`, `initialize`, `<=>`, `canonical_segments`,
//! `_segments`, `_split_segments`). Later RubyGems releases are not checked here.
//!
//! Validity is `ANCHORED_VERSION_PATTERN`:
//! `/\A\s*([0-9]+(?>\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?)?\s*\z/`, where Ruby's `\s`
//! is ASCII whitespace (space, `\t`, `\n`, `\v`, `\f`, `\r`). So a version starts with digits,
//! continues with dot-separated alphanumeric parts, may end in a `-` prerelease part, may be
//! surrounded by whitespace, and may be empty or all whitespace, which means `0`.
//!
//! Ordering: the text is stripped and every `-` becomes `.pre.`; the segments are the runs of
//! digits (numbers) and of letters (strings); trailing zeros are dropped both from the numbers
//! before the first string and from the rest (`canonical_segments`), and the two are compared
//! segment by segment, a missing segment counting as 0: a string is less than any number
//! (prerelease), numbers compare numerically (arbitrarily large), strings byte-wise (so case
//! matters: `1.A` < `1.a`).

use std::cmp::Ordering;
use std::fmt::Write as _;

/// A RubyGems version.
#[derive(Clone, Debug)]
pub struct Version {
    /// `@version`: stripped, `-` replaced by `.pre.`, `0` for an empty version.
    version: String,
    /// `canonical_segments`.
    canonical: Vec<Segment>,
}

/// A segment: a number (ASCII digits without leading zeros, empty for zero) or a string.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Segment {
    Number(Box<str>),
    String(Box<str>),
}

impl Segment {
    fn is_zero(&self) -> bool {
        matches!(self, Self::Number(digits) if digits.is_empty())
    }

    /// How the segment compares with the 0 that stands in for a missing one.
    fn cmp_zero(&self) -> Ordering {
        match self {
            Self::String(_) => Ordering::Less,
            Self::Number(digits) if digits.is_empty() => Ordering::Equal,
            Self::Number(_) => Ordering::Greater,
        }
    }
}

impl Ord for Segment {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            // ref: `return -1 if String === lhs && Numeric === rhs`
            (Self::String(_), Self::Number(_)) => Ordering::Less,
            (Self::Number(_), Self::String(_)) => Ordering::Greater,
            // Integer#<=>, without leading zeros: longer is greater.
            (Self::Number(a), Self::Number(b)) => a.len().cmp(&b.len()).then_with(|| a.cmp(b)),
            // String#<=>: bytes.
            (Self::String(a), Self::String(b)) => a.cmp(b),
        }
    }
}

impl PartialOrd for Segment {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Ruby's `\s` (Onigmo, ASCII): space, `\t`, `\n`, `\v`, `\f`, `\r`.
fn is_ruby_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r')
}

/// `Gem::Version.correct?`: whether `text` matches `ANCHORED_VERSION_PATTERN`.
///
/// ref: VERSION_PATTERN = '[0-9]+(?>\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?'
///
/// Matched greedily without backtracking, which finds every match the regex finds: each
/// repetition is followed by something its own characters cannot start (a digit run by `.`, `-`
/// or space; an alphanumeric part by `.`, `-` or space; a prerelease part by `.` or space), so
/// giving characters back never lets the rest match.
#[must_use]
pub fn is_correct(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut at = 0;
    let skip = |at: &mut usize, pred: fn(u8) -> bool| {
        let start = *at;
        while bytes.get(*at).copied().is_some_and(pred) {
            *at += 1;
        }
        *at - start
    };
    skip(&mut at, is_ruby_space);
    if skip(&mut at, |b| b.is_ascii_digit()) > 0 {
        // (?>\.[0-9a-zA-Z]+)*
        while bytes.get(at) == Some(&b'.') {
            let mut next = at + 1;
            if skip(&mut next, |b| b.is_ascii_alphanumeric()) == 0 {
                break;
            }
            at = next;
        }
        // (-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?
        if bytes.get(at) == Some(&b'-') {
            let mut next = at + 1;
            let is_part = |b: u8| b.is_ascii_alphanumeric() || b == b'-';
            if skip(&mut next, is_part) > 0 {
                at = next;
                while bytes.get(at) == Some(&b'.') {
                    let mut next = at + 1;
                    if skip(&mut next, is_part) == 0 {
                        break;
                    }
                    at = next;
                }
            }
        }
    }
    skip(&mut at, is_ruby_space);
    at == bytes.len()
}

impl crate::EcosystemVersion for Version {
    /// ref: Gem::Version#initialize
    fn parse(text: &str) -> Result<Self, String> {
        if !is_correct(text) {
            return Err(format!(
                "Malformed version number string {text} (RubyGems wants digits, then dot-separated \
                 letters and digits, then an optional `-` prerelease part)"
            ));
        }
        // `version = 0 if version =~ /\A\s*\Z/`, then `version.to_s.strip.gsub("-", ".pre.")`.
        // A correct version has no NUL or non-ASCII whitespace, so `strip` is a trim of `\s`.
        let stripped = text.trim_matches(|c: char| c.is_ascii() && is_ruby_space(c as u8));
        let version = if stripped.is_empty() {
            "0".to_owned()
        } else {
            stripped.replace('-', ".pre.")
        };
        let canonical = canonical_segments(&version);
        Ok(Self { version, canonical })
    }

    fn explain(&self) -> String {
        let mut out = format!("`{}`: canonical segments [", self.version);
        for (i, segment) in self.canonical.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            let _ = match segment {
                Segment::Number(digits) if digits.is_empty() => write!(out, "0"),
                Segment::Number(digits) => write!(out, "{digits}"),
                Segment::String(text) => write!(out, "{text:?}"),
            };
        }
        out.push(']');
        if self.is_prerelease() {
            out.push_str(", prerelease");
        }
        out
    }
}

impl Version {
    /// ref: Gem::Version#prerelease?: the version contains a letter.
    #[must_use]
    pub fn is_prerelease(&self) -> bool {
        self.version.bytes().any(|b| b.is_ascii_alphabetic())
    }
}

/// ref: Gem::Version#_segments (`@version.scan(/[0-9]+|[a-z]+/i)`), #_split_segments and
/// #canonical_segments: numbers up to the first string, then the rest, each without trailing
/// zeros.
fn canonical_segments(version: &str) -> Vec<Segment> {
    let bytes = version.as_bytes();
    let mut segments = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let start = at;
        let digits = bytes.get(at).is_some_and(u8::is_ascii_digit);
        let letters = bytes.get(at).is_some_and(u8::is_ascii_alphabetic);
        if !digits && !letters {
            at += 1;
            continue;
        }
        while bytes.get(at).is_some_and(|b| {
            if digits {
                b.is_ascii_digit()
            } else {
                b.is_ascii_alphabetic()
            }
        }) {
            at += 1;
        }
        let run = version.get(start..at).unwrap_or_default();
        segments.push(if digits {
            Segment::Number(run.trim_start_matches('0').into())
        } else {
            Segment::String(run.into())
        });
    }
    let string_start = segments
        .iter()
        .position(|segment| matches!(segment, Segment::String(_)))
        .unwrap_or(segments.len());
    let mut strings = segments.split_off(string_start);
    let mut numbers = segments;
    while numbers.last().is_some_and(Segment::is_zero) {
        numbers.pop();
    }
    while strings.last().is_some_and(Segment::is_zero) {
        strings.pop();
    }
    numbers.append(&mut strings);
    numbers
}

impl Ord for Version {
    /// ref: Gem::Version#<=>
    fn cmp(&self, other: &Self) -> Ordering {
        if self.version == other.version {
            return Ordering::Equal;
        }
        let len = self.canonical.len().max(other.canonical.len());
        for i in 0..len {
            // `lhs, rhs = lhsegments[i] || 0, rhsegments[i] || 0`
            let ordering = match (self.canonical.get(i), other.canonical.get(i)) {
                (Some(lhs), Some(rhs)) => lhs.cmp(rhs),
                (Some(lhs), None) => lhs.cmp_zero(),
                (None, Some(rhs)) => rhs.cmp_zero().reverse(),
                (None, None) => Ordering::Equal,
            };
            if ordering.is_ne() {
                return ordering;
            }
        }
        Ordering::Equal
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EcosystemVersion;

    fn v(text: &str) -> Version {
        Version::parse(text).unwrap()
    }

    fn cmp(a: &str, b: &str) -> Ordering {
        v(a).cmp(&v(b))
    }

    // ref: test_gem_version.rb test_initialize, test_initialize_invalid, test_empty_version,
    // test_class_correct
    #[test]
    fn validity() {
        for good in [
            "1.0",
            "1.0 ",
            " 1.0 ",
            "1.0\n",
            "\n1.0\n",
            "5.1",
            "",
            "   ",
            " ",
            "1-1",
            "1-a",
            "1--",
            "1.2.3-x.y",
            "1.0.a10",
            "\x0b1\x0c",
        ] {
            assert!(is_correct(good), "{good:?}");
        }
        for bad in [
            "junk",
            "1.0\n2.0",
            "1..2",
            "1.2 3.4",
            "2.3422222.222.222222222.22222.ads0as.dasd0.ddd2222.2.qd3e.",
            "an incorrect version",
            "1a",
            "1.",
            "1-",
            "1.0-a.",
            "v1.0",
            "\u{a0}1",
            "1\0",
        ] {
            assert!(!is_correct(bad), "{bad:?}");
            assert!(Version::parse(bad).is_err());
        }
        assert_eq!(v("").version, "0");
        assert_eq!(v("   ").version, "0");
    }

    // ref: test_gem_version.rb test_spaceship, test_semver, test_equals2, test_canonical_segments
    #[test]
    fn ordering() {
        assert_eq!(cmp("1.0", "1.0.0"), Ordering::Equal);
        assert_eq!(cmp("1.0", "1.0.a"), Ordering::Greater);
        assert_eq!(cmp("1.8.2", "0.0.0"), Ordering::Greater);
        assert_eq!(cmp("1.8.2", "1.8.2.a"), Ordering::Greater);
        assert_eq!(cmp("1.8.2.b", "1.8.2.a"), Ordering::Greater);
        assert_eq!(cmp("1.8.2.a", "1.8.2"), Ordering::Less);
        assert_eq!(cmp("1.8.2.a10", "1.8.2.a9"), Ordering::Greater);
        assert_eq!(cmp("", "0"), Ordering::Equal);
        assert_eq!(cmp("1.2.b1", "1.2.b.1"), Ordering::Equal);
        assert_eq!(cmp("1.2", "1.3"), Ordering::Less);
        for [low, high] in [
            ["1.0.0-alpha", "1.0.0-alpha.1"],
            ["1.0.0-alpha.1", "1.0.0-beta.2"],
            ["1.0.0-beta.2", "1.0.0-beta.11"],
            ["1.0.0-beta.11", "1.0.0-rc.1"],
            ["1.0.0-rc1", "1.0.0"],
            ["1.0.0-1", "1"],
        ] {
            assert_eq!(cmp(low, high), Ordering::Less, "{low} < {high}");
        }
        assert_eq!(cmp("1.A", "1.a"), Ordering::Less);
        assert_eq!(cmp("1.00", "1"), Ordering::Equal);
        assert_eq!(
            cmp(
                "1.99999999999999999999999999",
                "1.100000000000000000000000000"
            ),
            Ordering::Less
        );
    }

    #[test]
    fn canonical() {
        let segments = |text: &str| v(text).explain();
        assert_eq!(segments("1.0.0"), "`1.0.0`: canonical segments [1]");
        assert_eq!(
            segments("1.0.0.a.1.0"),
            "`1.0.0.a.1.0`: canonical segments [1, \"a\", 1], prerelease"
        );
        assert_eq!(
            segments("1.2.3-1"),
            "`1.2.3.pre.1`: canonical segments [1, 2, 3, \"pre\", 1], prerelease"
        );
        assert_eq!(segments(""), "`0`: canonical segments []");
    }
}
