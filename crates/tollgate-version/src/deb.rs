//! Debian versions, `[epoch:]upstream_version[-debian_revision]`, parsed and ordered as dpkg
//! 1.21 does (Debian 12's dpkg 1.21.22).
//!
//! Parsing follows `parseversion()` step by step, and what it calls an error is what this
//! refuses, with dpkg's own words as the reason:
//!
//! - Leading and trailing blanks (space and tab only) are ignored; a blank inside is
//!   "version string has embedded spaces".
//! - The epoch is whatever C's `strtol()` reads before the first `:`, so it may carry other
//!   leading white space (`\n`, `\r`, `\v`, `\f`) and a sign: `+1:2` is epoch 1, `-0:2`
//!   epoch 0. It must be a number ("epoch in version is empty" / "is not number"), not
//!   negative, and at most `INT_MAX` ("epoch in version is too big").
//! - Nothing after the colon, an empty revision after the last `-` (`1.0-`), and an empty
//!   upstream version (`-1`, `1:-1`) are errors.
//!
//! `parseversion()` then checks the syntax strictly ("version number does not start with
//! digit", "invalid character in version number", "... in revision number"), but reports those
//! as *warnings*: `dpkg --compare-versions` prints them and still compares, and only a
//! package's own control file turns them into errors. A scanner must order whatever version a
//! database holds, so those versions are valid here; the warning is kept and shown by
//! [`explain`](crate::EcosystemVersion::explain).
//!
//! Two deliberate limits: a NUL byte is refused (dpkg reads C strings and never sees past one),
//! and bytes of 128 and above order as they do where C's `char` is signed (amd64, i386: after
//! letters, before other punctuation); dpkg on arm64 (unsigned `char`) orders them after all
//! ASCII punctuation instead.
//!
//! Ordering is `dpkg_version_compare()`: epochs numerically, then upstream versions, then
//! revisions with `verrevcmp()`, where `~` sorts before everything (even the end), letters
//! before other characters, and digit runs compare as numbers of any length (leading zeros
//! ignored, no overflow). A missing revision equals `0`.
//!
//! ref: dpkg 1.21.x lib/dpkg/parsehelp.c `parseversion()`; lib/dpkg/version.c `order()`,
//! `verrevcmp()`, `dpkg_version_compare()`; src/main/enquiry.c `cmpversions()` (warnings are
//! printed, errors are fatal).

use std::cmp::Ordering;

/// The largest epoch: dpkg stores it in an `int`.
const INT_MAX: u64 = 2_147_483_647;

/// A Debian version: epoch, upstream version and revision, as `parseversion()` splits them.
#[derive(Clone, Debug)]
pub struct Version {
    epoch: u32,
    upstream: Box<str>,
    revision: Box<str>,
    /// The syntax warning dpkg prints for this version, if any.
    warning: Option<&'static str>,
}

impl Version {
    /// The epoch (0 when there is none).
    #[must_use]
    pub fn epoch(&self) -> u32 {
        self.epoch
    }

    /// The upstream version: after the epoch's colon, before the last hyphen.
    #[must_use]
    pub fn upstream(&self) -> &str {
        &self.upstream
    }

    /// The Debian revision: after the last hyphen, empty when there is none.
    #[must_use]
    pub fn revision(&self) -> &str {
        &self.revision
    }

    /// The syntax warning dpkg prints for this version (it still compares it), if any.
    #[must_use]
    pub fn warning(&self) -> Option<&'static str> {
        self.warning
    }
}

/// C's `isblank()`: what dpkg trims and calls an embedded space.
fn is_blank(byte: u8) -> bool {
    byte == b' ' || byte == b'\t'
}

/// What `strtol(text, &end, 10)` makes of the epoch text before the colon: `Ok(value)` when it
/// reads exactly up to the colon, else dpkg's error. Digits are compared, never accumulated
/// past `INT_MAX`, so any length is fine.
fn parse_epoch(text: &[u8]) -> Result<u32, &'static str> {
    // strtol skips isspace() (C locale: space, \t, \n, \v, \f, \r); the caller already
    // removed leading blanks, the others may still be there.
    let mut rest = text;
    while let [b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r', tail @ ..] = rest {
        rest = tail;
    }
    let negative = rest.first() == Some(&b'-');
    if let [b'+' | b'-', tail @ ..] = rest {
        rest = tail;
    }
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 {
        // No conversion: strtol leaves the end pointer at the start.
        return Err("epoch in version is empty");
    }
    if digits != rest.len() {
        return Err("epoch in version is not number");
    }
    let significant = rest
        .iter()
        .position(|&b| b != b'0')
        .map_or(&[][..], |at| &rest[at..]);
    if significant.is_empty() {
        // Zero, with or without a sign (`-0:1` is fine).
        return Ok(0);
    }
    if negative {
        // Also what strtol's LONG_MIN on underflow is: negative comes first in dpkg.
        return Err("epoch in version is negative");
    }
    if significant.len() > 10 {
        return Err("epoch in version is too big");
    }
    let value = significant
        .iter()
        .fold(0_u64, |value, &digit| value * 10 + u64::from(digit - b'0'));
    u32::try_from(value)
        .ok()
        .filter(|&value| u64::from(value) <= INT_MAX)
        .ok_or("epoch in version is too big")
}

/// `parseversion()`'s strict checks, which dpkg reports as warnings (the first one found).
fn syntax_warning(upstream: &[u8], revision: &[u8]) -> Option<&'static str> {
    if upstream
        .first()
        .is_some_and(|first| !first.is_ascii_digit())
    {
        return Some("version number does not start with digit");
    }
    if upstream
        .iter()
        .any(|&b| !b.is_ascii_alphanumeric() && !b".-+~:".contains(&b))
    {
        return Some("invalid character in version number");
    }
    if revision
        .iter()
        .any(|&b| !b.is_ascii_alphanumeric() && !b".+~".contains(&b))
    {
        return Some("invalid character in revision number");
    }
    None
}

/// dpkg's `order()`: the weight of one character outside a digit run; 0 is the end.
fn order(byte: u8) -> i32 {
    match byte {
        0 | b'0'..=b'9' => 0,
        b'A'..=b'Z' | b'a'..=b'z' => i32::from(byte),
        b'~' => -1,
        // `c + 256` with a signed `char` (amd64): 128..=255 becomes -128..=-1, plus 256.
        128..=255 => i32::from(byte),
        _ => i32::from(byte) + 256,
    }
}

/// The byte at `at`, or 0 (C's terminating NUL) past the end.
fn byte_at(text: &[u8], at: usize) -> u8 {
    text.get(at).copied().unwrap_or(0)
}

/// dpkg's `verrevcmp()`: alternating non-digit runs (compared character by character by
/// [`order`]) and digit runs (compared as numbers).
fn verrevcmp(a: &[u8], b: &[u8]) -> Ordering {
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        while (i < a.len() && !byte_at(a, i).is_ascii_digit())
            || (j < b.len() && !byte_at(b, j).is_ascii_digit())
        {
            let (ac, bc) = (order(byte_at(a, i)), order(byte_at(b, j)));
            if ac != bc {
                return ac.cmp(&bc);
            }
            // Equal weights are never 0 here (one side is a non-digit), so neither side is at
            // its end: both advance within bounds.
            i += 1;
            j += 1;
        }
        while byte_at(a, i) == b'0' {
            i += 1;
        }
        while byte_at(b, j) == b'0' {
            j += 1;
        }
        let mut first_diff = Ordering::Equal;
        while byte_at(a, i).is_ascii_digit() && byte_at(b, j).is_ascii_digit() {
            if first_diff == Ordering::Equal {
                first_diff = byte_at(a, i).cmp(&byte_at(b, j));
            }
            i += 1;
            j += 1;
        }
        // The longer number (after leading zeros) is the larger one.
        if byte_at(a, i).is_ascii_digit() {
            return Ordering::Greater;
        }
        if byte_at(b, j).is_ascii_digit() {
            return Ordering::Less;
        }
        if first_diff != Ordering::Equal {
            return first_diff;
        }
    }
    Ordering::Equal
}

impl crate::EcosystemVersion for Version {
    fn parse(text: &str) -> Result<Self, String> {
        let bytes = text.as_bytes();
        if bytes.contains(&0) {
            return Err(
                "contains a NUL byte (dpkg reads C strings and never sees past one)".into(),
            );
        }
        let start = bytes.iter().position(|&b| !is_blank(b));
        let Some(start) = start else {
            return Err("version string is empty".into());
        };
        let trimmed = &bytes[start..];
        let end = trimmed
            .iter()
            .position(|&b| is_blank(b))
            .unwrap_or(trimmed.len());
        if trimmed[end..].iter().any(|&b| !is_blank(b)) {
            return Err("version string has embedded spaces".into());
        }
        let mut rest = &trimmed[..end];
        let mut epoch = 0;
        if let Some(colon) = rest.iter().position(|&b| b == b':') {
            epoch = parse_epoch(&rest[..colon])?;
            rest = &rest[colon + 1..];
            if rest.is_empty() {
                return Err("nothing after colon in version number".into());
            }
        }
        let (upstream, revision) = match rest.iter().rposition(|&b| b == b'-') {
            Some(hyphen) => {
                let revision = &rest[hyphen + 1..];
                if revision.is_empty() {
                    return Err("revision number is empty".into());
                }
                (&rest[..hyphen], revision)
            }
            None => (rest, &[][..]),
        };
        if upstream.is_empty() {
            return Err("version number is empty".into());
        }
        let warning = syntax_warning(upstream, revision);
        // The parts are whole UTF-8 sequences: they were split at ASCII bytes.
        let upstream = String::from_utf8_lossy(upstream).into();
        let revision = String::from_utf8_lossy(revision).into();
        Ok(Self {
            epoch,
            upstream,
            revision,
            warning,
        })
    }

    fn explain(&self) -> String {
        let mut explained = format!("epoch {}, upstream {:?}, ", self.epoch, self.upstream);
        if self.revision.is_empty() {
            explained.push_str("no revision (orders as \"0\")");
        } else {
            explained.push_str(&format!("revision {:?}", self.revision));
        }
        if let Some(warning) = self.warning {
            explained.push_str(&format!(" (dpkg warns: {warning}, and compares it anyway)"));
        }
        explained
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| verrevcmp(self.upstream.as_bytes(), other.upstream.as_bytes()))
            .then_with(|| verrevcmp(self.revision.as_bytes(), other.revision.as_bytes()))
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

    #[test]
    fn orders_like_dpkg() {
        use Ordering::{Equal, Greater, Less};
        let cases = [
            ("1:2.36-9+deb12u4", "2.36-9+deb12u7", Greater),
            ("2.36-9+deb12u4", "2.36-9+deb12u7", Less),
            ("1.0~rc1", "1.0", Less),
            ("1.0~rc1", "1.0~rc1~", Greater),
            ("1.0", "1.0+b1", Less),
            ("1.0", "1.0a", Less),
            ("1.0a", "1.0+", Less),
            ("1.0", "1.0-0", Equal),
            ("1.0", "0:1.0", Equal),
            ("1.01", "1.1", Equal),
            ("1.000", "1.0", Equal),
            ("1.2", "1.10", Less),
            ("1.0~~", "1.0~~a", Less),
            ("1.0~", "1.0~a", Less),
            ("1.0~a", "1.0", Less),
            ("7.88.1-10+deb12u5", "7.88.1-10+deb12u12", Less),
            ("2:9.0.1378-2", "10:1", Less),
            (
                "1.99999999999999999999999",
                "1.99999999999999999999998",
                Greater,
            ),
            ("1.0000000000000000000000001", "1.1", Equal),
            ("3.0.11-1~deb12u2", "3.0.11-1", Less),
            ("1:2:3", "1:2:3", Equal),
            ("+1:2", "1:2", Equal),
            ("-0:2", "2", Equal),
            ("1.0-1-1", "1.0-1", Greater),
        ];
        for (a, b, expected) in cases {
            assert_eq!(cmp(a, b), expected, "{a} vs {b}");
            assert_eq!(cmp(b, a), expected.reverse(), "{b} vs {a}");
        }
    }

    #[test]
    fn splits_like_parseversion() {
        let version = v(" 1:2.36-9+deb12u4\t");
        assert_eq!(
            (version.epoch(), version.upstream(), version.revision()),
            (1, "2.36", "9+deb12u4")
        );
        assert_eq!(
            version.explain(),
            "epoch 1, upstream \"2.36\", revision \"9+deb12u4\""
        );
        let version = v("1:2-3:4-5");
        assert_eq!((version.upstream(), version.revision()), ("2-3:4", "5"));
        let version = v("\n7:1");
        assert_eq!(version.epoch(), 7);
        assert_eq!(v("2147483647:1").epoch(), 2_147_483_647);
        assert_eq!(v("000000000000000000001:1").epoch(), 1);
    }

    #[test]
    fn refuses_what_dpkg_calls_an_error() {
        let cases = [
            ("", "version string is empty"),
            (" \t ", "version string is empty"),
            ("1 0", "version string has embedded spaces"),
            ("1.0 a", "version string has embedded spaces"),
            (":1.0", "epoch in version is empty"),
            ("a:1.0", "epoch in version is empty"),
            ("+:1.0", "epoch in version is empty"),
            ("1a:1.0", "epoch in version is not number"),
            ("1-2:3", "epoch in version is not number"),
            ("-1:1.0", "epoch in version is negative"),
            ("-99999999999999999999999:1", "epoch in version is negative"),
            ("2147483648:1.0", "epoch in version is too big"),
            ("99999999999999999999999:1", "epoch in version is too big"),
            ("2:", "nothing after colon in version number"),
            ("1.0-", "revision number is empty"),
            ("-", "revision number is empty"),
            ("-1", "version number is empty"),
            ("2:-1", "version number is empty"),
            (
                "1.0\0",
                "contains a NUL byte (dpkg reads C strings and never sees past one)",
            ),
        ];
        for (text, reason) in cases {
            assert_eq!(Version::parse(text).unwrap_err(), reason, "{text:?}");
        }
    }

    #[test]
    fn accepts_with_dpkg_warnings() {
        let cases = [
            ("a", "version number does not start with digit"),
            ("~1", "version number does not start with digit"),
            ("1_0", "invalid character in version number"),
            ("1.0\u{e9}", "invalid character in version number"),
            ("1.0-1_0", "invalid character in revision number"),
            ("1:2-3:4", "invalid character in revision number"),
        ];
        for (text, warning) in cases {
            assert_eq!(v(text).warning(), Some(warning), "{text:?}");
            assert!(v(text).explain().contains(warning));
        }
        assert_eq!(v("1.0+dfsg~rc1-1~bpo12+1").warning(), None);
    }

    #[test]
    fn non_ascii_orders_as_signed_char() {
        // After letters, before ASCII punctuation (dpkg --compare-versions on amd64).
        assert_eq!(cmp("1.0\u{ff}", "1.0a"), Ordering::Greater);
        assert_eq!(cmp("1.0\u{ff}", "1.0+"), Ordering::Less);
    }
}
