//! RPM versions, `[epoch:]version[-release]`, split and ordered as rpm 4.18 does.
//!
//! Splitting is rpm's `parseEVR()` (what `rpm.ver()` and dependency ranges use): the epoch is
//! the run of ASCII digits at the start when a `:` follows it (an empty one, `:1.0`, is `0`);
//! the release is what follows the last `-` after that; the version is what lies between. So a
//! "non-numeric epoch" cannot exist in a string: `a:1.0` is version `a:1.0` with no epoch,
//! which is what rpm itself makes of it.
//!
//! Ordering is `rpm.labelCompare((e, v, r), (e, v, r))` on those parts, the same as
//! `rpmverCmp()`: epochs (missing = `"0"`), versions and releases are each compared with
//! `rpmvercmp()`, and a missing release is older than any release (`1.0 < 1.0-1`).
//! `rpmvercmp()` drops every character that is not an ASCII letter, digit, `~` or `^`, then
//! walks both strings: `~` sorts before everything (even the end), `^` after the end but before
//! anything else, digit runs are compared as numbers of any length (leading zeros dropped, no
//! overflow), letter runs as bytes, and a number is newer than letters. Epochs are compared the
//! same way, as digit strings, so `99999999999999999999:1` is fine and `01:1 == 1:1`.
//!
//! Invalid: rpm is permissive, and refuses only what has no version part. `rpmverParse()`
//! (python's `rpm.ver()`) refuses the empty string; `rpmverNew()`, which builds a version from
//! an `(epoch, version, release)` tuple and is what python's `labelCompare()` uses, also
//! refuses an empty version (`1:`, `-1`, `:`, `1:-2`), with "invalid version". Those are
//! invalid here, as are strings with a NUL byte, which rpm (C strings) cannot be given.
//! Anything else is valid: any characters, any epoch digits, an empty release (`1.0-`).
//!
//! ref: rpm 4.18 rpmio/rpmvercmp.c `rpmvercmp()`; lib/rpmver.c `parseEVR()`, `rpmverParse()`,
//! `rpmverNew()`, `rpmverCmp()`, `compare_values()`; python/header-py.c `labelCompare()`.

use std::cmp::Ordering;

/// An RPM version: `parseEVR()`'s epoch, version and release.
#[derive(Clone, Debug)]
pub struct Version {
    /// Digits only (`parseEVR()` turns an empty one, `:1.0`, into `"0"`), or none.
    epoch: Option<Box<str>>,
    version: Box<str>,
    release: Option<Box<str>>,
}

impl Version {
    /// The epoch as written (`None` when there is none; rpm then compares it as `0`).
    #[must_use]
    pub fn epoch(&self) -> Option<&str> {
        self.epoch.as_deref()
    }

    /// The version part.
    #[must_use]
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The release, when there is a `-`.
    #[must_use]
    pub fn release(&self) -> Option<&str> {
        self.release.as_deref()
    }
}

/// The byte at `at`, or 0 (C's terminating NUL) past the end.
fn byte_at(text: &[u8], at: usize) -> u8 {
    text.get(at).copied().unwrap_or(0)
}

/// `rpmvercmp()`: the segmented comparison of one version or release string.
#[must_use]
pub fn rpmvercmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a == b {
        return Ordering::Equal;
    }
    let (mut i, mut j) = (0, 0);
    let separator = |byte: u8| !byte.is_ascii_alphanumeric() && byte != b'~' && byte != b'^';
    while i < a.len() || j < b.len() {
        while i < a.len() && separator(byte_at(a, i)) {
            i += 1;
        }
        while j < b.len() && separator(byte_at(b, j)) {
            j += 1;
        }
        let (one, two) = (byte_at(a, i), byte_at(b, j));
        // The tilde sorts before everything else, the end included.
        if one == b'~' || two == b'~' {
            if one != b'~' {
                return Ordering::Greater;
            }
            if two != b'~' {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        // The caret is like the tilde, except that the end sorts before it.
        if one == b'^' || two == b'^' {
            if i >= a.len() {
                return Ordering::Less;
            }
            if j >= b.len() {
                return Ordering::Greater;
            }
            if one != b'^' {
                return Ordering::Greater;
            }
            if two != b'^' {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        if i >= a.len() || j >= b.len() {
            break;
        }
        // One segment of the type `a` has here; `b`'s run of that type may be empty.
        let numeric = one.is_ascii_digit();
        let same_type = |byte: u8| {
            if numeric {
                byte.is_ascii_digit()
            } else {
                byte.is_ascii_alphabetic()
            }
        };
        let (start_i, start_j) = (i, j);
        while i < a.len() && same_type(byte_at(a, i)) {
            i += 1;
        }
        while j < b.len() && same_type(byte_at(b, j)) {
            j += 1;
        }
        let (mut one, mut two) = (&a[start_i..i], &b[start_j..j]);
        if one.is_empty() {
            // rpm: "this cannot happen" (`a` is at a letter or digit), and answers -1.
            return Ordering::Less;
        }
        // Different types: a number is newer than letters.
        if two.is_empty() {
            return if numeric {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }
        if numeric {
            while let [b'0', rest @ ..] = one {
                one = rest;
            }
            while let [b'0', rest @ ..] = two {
                two = rest;
            }
            // The number with more digits is larger: any length, no overflow.
            match one.len().cmp(&two.len()) {
                Ordering::Equal => {}
                unequal => return unequal,
            }
        }
        match one.cmp(two) {
            Ordering::Equal => {}
            unequal => return unequal,
        }
    }
    // Equal segments; whichever still has characters left is newer.
    match (i >= a.len(), j >= b.len()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        (false, _) => Ordering::Greater,
    }
}

/// `compare_values()`: a missing part is older than any present one.
fn compare_values(a: Option<&str>, b: Option<&str>) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (Some(_), None) => Ordering::Greater,
        (None, Some(_)) => Ordering::Less,
        (Some(a), Some(b)) => rpmvercmp(a, b),
    }
}

impl crate::EcosystemVersion for Version {
    fn parse(text: &str) -> Result<Self, String> {
        if text.is_empty() {
            return Err("empty (rpm's rpmverParse() refuses it: \"invalid version\")".into());
        }
        if text.contains('\0') {
            return Err("contains a NUL byte (rpm reads C strings and never sees past one)".into());
        }
        let digits = text.bytes().take_while(u8::is_ascii_digit).count();
        // The release starts after the last hyphen that is not inside the leading digits.
        let hyphen = text[digits..].rfind('-').map(|at| digits + at);
        let (epoch, version_start) = if text[digits..].starts_with(':') {
            let epoch = if digits == 0 { "0" } else { &text[..digits] };
            (Some(epoch.into()), digits + 1)
        } else {
            (None, 0)
        };
        let (version, release) = match hyphen {
            Some(hyphen) => (
                &text[version_start..hyphen],
                Some(text[hyphen + 1..].into()),
            ),
            None => (&text[version_start..], None),
        };
        if version.is_empty() {
            return Err(
                "no version between epoch and release (rpm's rpmverNew() and labelCompare() refuse it: \"invalid version\")"
                    .into(),
            );
        }
        Ok(Self {
            epoch,
            version: version.into(),
            release,
        })
    }

    fn explain(&self) -> String {
        let epoch = match self.epoch.as_deref() {
            Some(epoch) => format!("epoch {epoch:?}"),
            None => "no epoch (compared as \"0\")".to_owned(),
        };
        let release = match self.release.as_deref() {
            Some(release) => format!("release {release:?}"),
            None => "no release (older than any release)".to_owned(),
        };
        format!("{epoch}, version {:?}, {release}", self.version)
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        // labelCompare() compares a missing epoch as "0".
        let (a, b) = (self.epoch.as_deref(), other.epoch.as_deref());
        rpmvercmp(a.unwrap_or("0"), b.unwrap_or("0"))
            .then_with(|| rpmvercmp(&self.version, &other.version))
            .then_with(|| compare_values(self.release.as_deref(), other.release.as_deref()))
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

    #[test]
    fn rpmvercmp_like_rpm() {
        use Ordering::{Equal, Greater, Less};
        // From rpm's own tests (tests/rpmvercmp.at) and the caret/tilde rules.
        let cases = [
            ("1.0", "1.0", Equal),
            ("1.0", "2.0", Less),
            ("2.0.1", "2.0", Greater),
            ("2.0.1a", "2.0.1", Greater),
            ("5.5p1", "5.5p2", Less),
            ("5.5p10", "5.5p1", Greater),
            ("10xyz", "10.1xyz", Less),
            ("xyz10", "xyz10.1", Less),
            ("xyz.4", "8", Less),
            ("5.5p1", "5.5.p1", Equal),
            ("1.0aa", "1.0a", Greater),
            ("10.0001", "10.1", Equal),
            ("10.0001", "10.0039", Less),
            ("4.999.9", "5.0", Less),
            ("20101121", "20101122", Less),
            ("2_0", "2_0", Equal),
            ("2.0", "2_0", Equal),
            ("a", "a", Equal),
            ("a+", "a_", Equal),
            ("+", "_", Equal),
            ("1.0~rc1", "1.0", Less),
            ("1.0~rc1", "1.0~rc2", Less),
            ("1.0~rc1~git123", "1.0~rc1", Less),
            ("1.0^", "1.0", Greater),
            ("1.0^git1", "1.0", Greater),
            ("1.0^git1", "1.01", Less),
            ("1.0^20160101", "1.0.1", Less),
            ("1.0^20160101^git1", "1.0^20160101", Greater),
            ("1.0~rc1^git1", "1.0~rc1", Greater),
            ("1.0^git1~pre", "1.0^git1", Less),
            ("1.0", "1.0.", Equal),
            (
                "99999999999999999999999",
                "99999999999999999999998",
                Greater,
            ),
        ];
        for (a, b, expected) in cases {
            assert_eq!(rpmvercmp(a, b), expected, "{a} vs {b}");
            assert_eq!(rpmvercmp(b, a), expected.reverse(), "{b} vs {a}");
        }
    }

    #[test]
    fn splits_like_parse_evr() {
        let split = |text: &str| {
            let version = v(text);
            (
                version.epoch().map(str::to_owned),
                version.version().to_owned(),
                version.release().map(str::to_owned),
            )
        };
        let some = |text: &str| Some(text.to_owned());
        assert_eq!(
            split("1:2.36-9.el8"),
            (some("1"), "2.36".into(), some("9.el8"))
        );
        assert_eq!(split("2.36"), (None, "2.36".into(), None));
        assert_eq!(split(":1.0"), (some("0"), "1.0".into(), None));
        assert_eq!(split("a:1.0"), (None, "a:1.0".into(), None));
        assert_eq!(split("1-2-3"), (None, "1-2".into(), some("3")));
        assert_eq!(split("1.0-"), (None, "1.0".into(), some("")));
        assert_eq!(split("12-3:4"), (None, "12".into(), some("3:4")));
        for invalid in ["", "1\0", "1:", "-1", ":", "-", "1:-2", ":-"] {
            assert!(Version::parse(invalid).is_err(), "{invalid:?}");
        }
        assert_eq!(
            v("1:2.36-9").explain(),
            "epoch \"1\", version \"2.36\", release \"9\""
        );
    }

    #[test]
    fn orders_like_label_compare() {
        use Ordering::{Equal, Greater, Less};
        let cases = [
            ("1:1.0-1", "2.0-1", Greater),
            ("0:1.0-1", "1.0-1", Equal),
            (":1.0-1", "1.0-1", Equal),
            ("01:1.0", "1:1.0", Equal),
            ("99999999999999999999:1", "1:1", Greater),
            ("1.0", "1.0-1", Less),
            ("1.0-", "1.0", Greater),
            ("1.0-", "1.0-0", Less),
            ("1.0^", "1.0", Greater),
            ("1.0~rc", "1.0", Less),
            ("2.35-2.cm2", "2.35-10.cm2", Less),
            ("1:3.0.0-8.azl3", "3.0.0-9.azl3", Greater),
        ];
        for (a, b, expected) in cases {
            assert_eq!(v(a).cmp(&v(b)), expected, "{a} vs {b}");
            assert_eq!(v(b).cmp(&v(a)), expected.reverse(), "{b} vs {a}");
        }
    }
}
