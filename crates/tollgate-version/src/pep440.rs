//! Python versions (PEP 440) exactly as `packaging.version.Version` reads and orders them.
//!
//! The reference is a regular expression (`VERSION_PATTERN`) plus a sort key (`_cmpkey`); this
//! module walks the same grammar by hand, in the same order the regular expression tries its
//! alternatives, and compares the same key. Numbers are Python integers, so of any size: they
//! are kept as digit strings when they do not fit in a `u64` and compared by length, never
//! parsed into something that could overflow.
//!
//! The reference is packaging 26, which matches the pattern's letters as ASCII only
//! (`(?a:...)`); earlier releases compiled it with Unicode case folding and so also accepted
//! a few non-ASCII look-alikes (`1.0.poſt1`, a Kelvin sign in a local version). Those are
//! refused here, as packaging 26 refuses them.
//!
//! One difference, deliberately: Python's `int()` refuses more than 4300 digits with a
//! `ValueError` (not `InvalidVersion`); such a version is accepted here and ordered as the
//! number it spells.
//!
//! ref: <https://github.com/pypa/packaging/blob/26.3/src/packaging/version.py>
//! (`VERSION_PATTERN`, `Version.__init__`, `_parse_letter_version`, `_parse_local_version`,
//! `_cmpkey`, `Version.__str__`), and PEP 440 itself.

use std::cmp::Ordering;
use std::fmt;

/// A non-negative integer of any size, as a Python `int` holds it.
#[derive(Clone, Debug)]
enum Num {
    /// Every value up to `u64::MAX`: the common case, compared without allocation.
    Small(u64),
    /// A larger value: its decimal digits without leading zeros (so longer means larger).
    Big(Box<str>),
}

/// The implicit number of `1.0a` (`int(number or 0)` in `_parse_letter_version`) and the
/// neutral element of the sort key's absent parts.
static ZERO: Num = Num::Small(0);

impl Num {
    /// The value of a run of ASCII digits (leading zeros allowed, as `int()` allows them).
    fn from_digits(digits: &str) -> Self {
        let significant = digits.trim_start_matches('0');
        match significant.parse::<u64>() {
            Ok(value) => Self::Small(value),
            // Empty after trimming: the digits were all zeros (or there were none: the implicit 0).
            Err(_) if significant.is_empty() => Self::Small(0),
            // Only digits reach here, so the error is an overflow: keep the digits.
            Err(_) => Self::Big(significant.into()),
        }
    }

    fn is_zero(&self) -> bool {
        matches!(self, Self::Small(0))
    }
}

impl Ord for Num {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Self::Small(a), Self::Small(b)) => a.cmp(b),
            // A big one is above u64::MAX, so above every small one.
            (Self::Small(_), Self::Big(_)) => Ordering::Less,
            (Self::Big(_), Self::Small(_)) => Ordering::Greater,
            // No leading zeros: more digits is larger; as many digits compare as text.
            (Self::Big(a), Self::Big(b)) => a.len().cmp(&b.len()).then_with(|| a.cmp(b)),
        }
    }
}

impl PartialOrd for Num {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Num {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Num {}

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Small(value) => write!(f, "{value}"),
            Self::Big(digits) => f.write_str(digits),
        }
    }
}

/// The pre-release phases after normalisation (`alpha`→`a`, `beta`→`b`, `c`/`pre`/`preview`→`rc`),
/// in the order `_PRE_RANK` gives them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Phase {
    Alpha,
    Beta,
    ReleaseCandidate,
}

impl Phase {
    fn letter(self) -> &'static str {
        match self {
            Self::Alpha => "a",
            Self::Beta => "b",
            Self::ReleaseCandidate => "rc",
        }
    }
}

/// One segment of a local version (`+ubuntu.1`): digits are numbers, anything else lower-cased
/// text (`part.lower() if not part.isdigit() else int(part)`).
#[derive(Clone, Debug)]
enum LocalSegment {
    Text(Box<str>),
    Number(Num),
}

impl Ord for LocalSegment {
    // `_cmpkey` turns text into `(-1, text)` and numbers into `(n, "")`: text sorts before every
    // number, text against text is lexical, numbers against numbers numeric.
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Self::Text(a), Self::Text(b)) => a.cmp(b),
            (Self::Text(_), Self::Number(_)) => Ordering::Less,
            (Self::Number(_), Self::Text(_)) => Ordering::Greater,
            (Self::Number(a), Self::Number(b)) => a.cmp(b),
        }
    }
}

impl PartialOrd for LocalSegment {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for LocalSegment {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for LocalSegment {}

impl fmt::Display for LocalSegment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Text(text) => f.write_str(text),
            Self::Number(number) => number.fmt(f),
        }
    }
}

/// A PEP 440 version, as `packaging.version.Version` holds it after normalisation.
#[derive(Clone, Debug)]
pub struct Version {
    epoch: Num,
    /// As written (`1.0.0` keeps its zeros, for [`Version::normalized`]).
    release: Vec<Num>,
    /// How many leading release numbers take part in ordering: trailing zeros are dropped, so
    /// `1.0 == 1.0.0` (`_cmpkey` strips them the same way).
    significant_release: usize,
    pre: Option<(Phase, Num)>,
    post: Option<Num>,
    dev: Option<Num>,
    local: Option<Vec<LocalSegment>>,
}

impl Version {
    /// The normalised form, as `str(packaging.version.Version(text))` prints it.
    #[must_use]
    pub fn normalized(&self) -> String {
        let mut out = String::new();
        if !self.epoch.is_zero() {
            out.push_str(&format!("{}!", self.epoch));
        }
        out.push_str(&join(&self.release));
        if let Some((phase, number)) = &self.pre {
            out.push_str(&format!("{}{number}", phase.letter()));
        }
        if let Some(number) = &self.post {
            out.push_str(&format!(".post{number}"));
        }
        if let Some(number) = &self.dev {
            out.push_str(&format!(".dev{number}"));
        }
        if let Some(local) = &self.local {
            out.push('+');
            out.push_str(&join(local));
        }
        out
    }

    fn significant_release(&self) -> &[Num] {
        self.release
            .get(..self.significant_release)
            .unwrap_or(&self.release)
    }

    /// The `(pre_rank, pre_n, post_rank, post_n, dev_rank, dev_n)` part of `_cmpkey`: a dev
    /// release without pre or post sorts before every pre-release (rank -1), no pre-release
    /// after every one (rank 3); no post before a post; no dev after a dev.
    fn suffix_key(&self) -> (i8, &Num, u8, &Num, u8, &Num) {
        let (pre_rank, pre_number) = match (&self.pre, &self.post, &self.dev) {
            (None, None, Some(_)) => (-1, &ZERO),
            (None, _, _) => (3, &ZERO),
            (Some((phase, number)), _, _) => (*phase as i8, number),
        };
        let (post_rank, post_number) = self.post.as_ref().map_or((0, &ZERO), |n| (1, n));
        let (dev_rank, dev_number) = self.dev.as_ref().map_or((1, &ZERO), |n| (0, n));
        (
            pre_rank,
            pre_number,
            post_rank,
            post_number,
            dev_rank,
            dev_number,
        )
    }
}

fn join<T: fmt::Display>(items: &[T]) -> String {
    let mut out = String::new();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        out.push_str(&item.to_string());
    }
    out
}

impl Ord for Version {
    // ref: `_cmpkey`: (epoch, release without trailing zeros, suffix) and then the local
    // version, where no local version sorts first (a 3-tuple before a 4-tuple).
    fn cmp(&self, other: &Self) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| self.significant_release().cmp(other.significant_release()))
            .then_with(|| self.suffix_key().cmp(&other.suffix_key()))
            .then_with(|| self.local.cmp(&other.local))
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

/// What Python's `\s` matches in a `str` pattern (`str.isspace()`): the ASCII whitespace, the
/// information separators U+001C..U+001F (which Rust's `char::is_whitespace` leaves out) and
/// the Unicode spaces. The pattern is wrapped in `\s*` on both sides.
fn is_python_space(c: char) -> bool {
    matches!(
        c,
        '\t'..='\r'
            | '\u{1c}'..='\u{20}'
            | '\u{85}'
            | '\u{a0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200a}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202f}'
            | '\u{205f}'
            | '\u{3000}'
    )
}

/// A position in the (trimmed) text; only ASCII is ever consumed, so positions stay on char
/// boundaries.
struct Cursor<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn peek_second(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos + 1).copied()
    }

    fn rest(&self) -> &'a str {
        self.text.get(self.pos..).unwrap_or("")
    }

    fn eat(&mut self, byte: u8) -> bool {
        if self.peek() == Some(byte) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// `[._-]?`
    fn eat_separator(&mut self) {
        if matches!(self.peek(), Some(b'.' | b'_' | b'-')) {
            self.pos += 1;
        }
    }

    /// `[0-9]*`
    fn digits(&mut self) -> &'a str {
        let rest = self.rest();
        let len = rest.bytes().take_while(u8::is_ascii_digit).count();
        self.pos += len;
        rest.get(..len).unwrap_or("")
    }

    /// The first of `words` (tried in order, as a regex alternation tries them) that the text
    /// continues with, ignoring ASCII case (`re.IGNORECASE` inside `(?a:...)`).
    fn eat_word<T: Copy>(&mut self, words: &[(&str, T)]) -> Option<T> {
        let rest = self.rest().as_bytes();
        for (word, value) in words {
            if rest
                .get(..word.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(word.as_bytes()))
            {
                self.pos += word.len();
                return Some(*value);
            }
        }
        None
    }
}

const PRE_WORDS: &[(&str, Phase)] = &[
    ("alpha", Phase::Alpha),
    ("a", Phase::Alpha),
    ("beta", Phase::Beta),
    ("b", Phase::Beta),
    ("preview", Phase::ReleaseCandidate),
    ("pre", Phase::ReleaseCandidate),
    ("c", Phase::ReleaseCandidate),
    ("rc", Phase::ReleaseCandidate),
];

const POST_WORDS: &[(&str, ())] = &[("post", ()), ("rev", ()), ("r", ())];

const DEV_WORDS: &[(&str, ())] = &[("dev", ())];

impl crate::EcosystemVersion for Version {
    // ref: VERSION_PATTERN, matched with `re.VERBOSE | re.IGNORECASE` as
    // `\s*` VERSION_PATTERN `\s*` by `fullmatch`. Every optional part is possessive (`?+`,
    // `*+`) in packaging 26 on Python 3.11.5+ and greedy before; the two accept the same
    // strings with the same groups (no part can give back text that a later part would
    // accept), and this walk is the possessive reading: each part takes what it can, once.
    fn parse(text: &str) -> Result<Self, String> {
        let trimmed = text.trim_matches(is_python_space);
        let mut cursor = Cursor {
            text: trimmed,
            pos: 0,
        };

        // `v?+`: outside the `(?a:...)` groups, but only `v` and `V` match `v` ignoring case.
        if !cursor.eat(b'v') {
            cursor.eat(b'V');
        }

        // `(?:(?P<epoch>[0-9]+)!)?+ (?P<release>[0-9]+(?:\.[0-9]+)*+)`
        let mut first = cursor.digits();
        let mut epoch = Num::Small(0);
        if !first.is_empty() && cursor.eat(b'!') {
            epoch = Num::from_digits(first);
            first = cursor.digits();
        }
        if first.is_empty() {
            return Err(
                "a version starts with a release number (after an optional `v` and `N!` epoch)"
                    .to_owned(),
            );
        }
        // Most releases have up to four numbers: one allocation for them.
        let mut release = Vec::with_capacity(4);
        release.push(Num::from_digits(first));
        while cursor.peek() == Some(b'.')
            && cursor.peek_second().is_some_and(|b| b.is_ascii_digit())
        {
            cursor.pos += 1;
            release.push(Num::from_digits(cursor.digits()));
        }

        // `(?P<pre>[._-]?+ (?P<pre_l>alpha|a|beta|b|preview|pre|c|rc) [._-]?+ (?P<pre_n>[0-9]+)?)?+`
        let before_pre = cursor.pos;
        cursor.eat_separator();
        let pre = match cursor.eat_word(PRE_WORDS) {
            Some(phase) => {
                cursor.eat_separator();
                Some((phase, Num::from_digits(cursor.digits())))
            }
            None => {
                cursor.pos = before_pre;
                None
            }
        };

        // `(?P<post>(?:-(?P<post_n1>[0-9]+)) | (?:[._-]? (?P<post_l>post|rev|r) [._-]? (?P<post_n2>[0-9]+)?))?+`:
        // a bare `-N` is the implicit post-release (`1.0-1`).
        let before_post = cursor.pos;
        let post = if cursor.peek() == Some(b'-')
            && cursor.peek_second().is_some_and(|b| b.is_ascii_digit())
        {
            cursor.pos += 1;
            Some(Num::from_digits(cursor.digits()))
        } else {
            cursor.eat_separator();
            if cursor.eat_word(POST_WORDS).is_some() {
                cursor.eat_separator();
                Some(Num::from_digits(cursor.digits()))
            } else {
                cursor.pos = before_post;
                None
            }
        };

        // `(?P<dev>[._-]?+ (?P<dev_l>dev) [._-]?+ (?P<dev_n>[0-9]+)?)?+`
        let before_dev = cursor.pos;
        cursor.eat_separator();
        let dev = if cursor.eat_word(DEV_WORDS).is_some() {
            cursor.eat_separator();
            Some(Num::from_digits(cursor.digits()))
        } else {
            cursor.pos = before_dev;
            None
        };

        // `(?:\+(?P<local>[a-z0-9]+(?:[._-][a-z0-9]+)*+))?+`, and then the end: a `+` not
        // followed by a whole local version leaves text the full match cannot take.
        let local = if cursor.eat(b'+') {
            Some(parse_local(cursor.rest())?)
        } else if cursor.rest().is_empty() {
            None
        } else {
            return Err(format!(
                "unexpected `{}` after `{}`",
                cursor.rest(),
                trimmed.get(..cursor.pos).unwrap_or(trimmed)
            ));
        };

        let significant_release = release
            .iter()
            .rposition(|number| !number.is_zero())
            .map_or(0, |last| last + 1);
        Ok(Self {
            epoch,
            release,
            significant_release,
            pre,
            post,
            dev,
            local,
        })
    }

    fn explain(&self) -> String {
        let mut parts = vec![
            format!("epoch {}", self.epoch),
            format!("release {}", join(&self.release)),
        ];
        if self.significant_release != self.release.len() {
            let significant = self.significant_release();
            parts.push(format!(
                "compared as {} (trailing zeros ignored)",
                if significant.is_empty() {
                    "0".to_owned()
                } else {
                    join(significant)
                }
            ));
        }
        match &self.pre {
            Some((phase, number)) => parts.push(format!("pre-release {}{number}", phase.letter())),
            None if self.post.is_none() && self.dev.is_some() => {
                parts.push("dev-only: before every pre-release of this release".to_owned());
            }
            None => {}
        }
        if let Some(number) = &self.post {
            parts.push(format!("post-release {number}"));
        }
        if let Some(number) = &self.dev {
            parts.push(format!("dev release {number}"));
        }
        if let Some(local) = &self.local {
            parts.push(format!(
                "local {} (text before numbers, numbers numeric)",
                join(local)
            ));
        }
        format!("{} ({})", self.normalized(), parts.join(", "))
    }
}

/// `[a-z0-9]+(?:[._-][a-z0-9]+)*` over the whole of `text`, split at the separators into
/// lower-cased text and numbers (ref: `_parse_local_version`).
fn parse_local(text: &str) -> Result<Vec<LocalSegment>, String> {
    let mut segments = Vec::new();
    for part in text.split(['.', '_', '-']) {
        if part.is_empty() {
            return Err(format!("empty segment in local version `+{text}`"));
        }
        if let Some(bad) = part.chars().find(|c| !c.is_ascii_alphanumeric()) {
            return Err(format!(
                "`{bad}` in local version `+{text}` (only letters, digits and . _ -)"
            ));
        }
        segments.push(if part.bytes().all(|b| b.is_ascii_digit()) {
            LocalSegment::Number(Num::from_digits(part))
        } else {
            LocalSegment::Text(part.to_ascii_lowercase().into())
        });
    }
    Ok(segments)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EcosystemVersion;

    fn v(text: &str) -> Version {
        Version::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn assert_increasing(list: &[&str]) {
        for pair in list.windows(2) {
            assert!(v(pair[0]) < v(pair[1]), "{} < {}", pair[0], pair[1]);
        }
        crate::order_tests::assert_in_order(list, v);
    }

    #[test]
    fn pep440_summary_ordering() {
        // PEP 440, "Summary of permitted suffixes and relative ordering".
        assert_increasing(&[
            "1.dev0",
            "1.0.dev456",
            "1.0a1",
            "1.0a2.dev456",
            "1.0a12.dev456",
            "1.0a12",
            "1.0b1.dev456",
            "1.0b2",
            "1.0b2.post345.dev456",
            "1.0b2.post345",
            "1.0rc1.dev456",
            "1.0rc1",
            "1.0",
            "1.0+abc.5",
            "1.0+abc.7",
            "1.0+5",
            "1.0.post456.dev34",
            "1.0.post456",
            "1.0.15",
            "1.1.dev1",
        ]);
    }

    #[test]
    fn packaging_test_suite_ordering() {
        // packaging's tests/test_version.py VERSIONS (the implicit-epoch half, then epoch 1).
        assert_increasing(&[
            "1.0.dev456",
            "1.0a1",
            "1.0a2.dev456",
            "1.0a12.dev456",
            "1.0a12",
            "1.0b1.dev456",
            "1.0b2",
            "1.0b2.post345.dev456",
            "1.0b2.post345",
            "1.0b2-346",
            "1.0c1.dev456",
            "1.0c1",
            "1.0rc2",
            "1.0c3",
            "1.0",
            "1.0.post456.dev34",
            "1.0.post456",
            "1.1.dev1",
            "1.2+123abc",
            "1.2+123abc456",
            "1.2+abc",
            "1.2+abc123",
            "1.2+abc123def",
            "1.2+1234.abc",
            "1.2+123456",
            "1.2.r32+123456",
            "1.2.rev33+123456",
            "1!1.0.dev456",
            "1!1.0a1",
            "1!1.0",
            "1!1.2.rev33+123456",
        ]);
    }

    #[test]
    fn normalisation() {
        for (text, normal) in [
            ("1.0", "1.0"),
            ("v1.0", "1.0"),
            ("V1.0", "1.0"),
            ("  1.0\n", "1.0"),
            ("\u{1c}1.0\u{3000}", "1.0"),
            ("1.0ALPHA1", "1.0a1"),
            ("1.0-beta.2", "1.0b2"),
            ("1.0c1", "1.0rc1"),
            ("1.0pre1", "1.0rc1"),
            ("1.0preview_1", "1.0rc1"),
            ("1.0-1", "1.0.post1"),
            ("1.0r", "1.0.post0"),
            ("1.0-rev_2", "1.0.post2"),
            ("1.0.DEV", "1.0.dev0"),
            ("1.0a.", "1.0a0"),
            ("1.0.dev.+abc", "1.0.dev0+abc"),
            ("01.002", "1.2"),
            ("0!1.0", "1.0"),
            ("2!1.0", "2!1.0"),
            ("1.0+Ubuntu-1_007", "1.0+ubuntu.1.7"),
            ("1.0a1-1", "1.0a1.post1"),
            ("1.0a--1", "1.0a0.post1"),
            (
                "99999999999999999999999999.0",
                "99999999999999999999999999.0",
            ),
        ] {
            assert_eq!(v(text).normalized(), normal, "{text:?}");
        }
    }

    #[test]
    fn invalid() {
        for text in [
            "",
            "   ",
            "1.0-foo-bar",
            "1.0-",
            "1.0.",
            ".1",
            "1..0",
            "1.0+",
            "1.0+abc..1",
            "1.0+abc_",
            "1.0+ab\u{212a}",
            "vv1.0",
            "1!",
            "1!!2",
            "1.0a1a2",
            "1.0.post1.post2",
            "1.0.dev1.dev2",
            "1.0\u{feff}",
            "french toast",
            "1.0.poſt1",
        ] {
            assert!(Version::parse(text).is_err(), "{text:?} should be invalid");
        }
    }

    #[test]
    fn equalities() {
        for (a, b) in [
            ("1.0", "1.0.0"),
            ("1", "1.0.0.0"),
            ("0", "0.0"),
            ("1.0+abc.007", "1.0+ABC.7"),
            ("1.0-1", "1.0.post1"),
            ("1.0a", "1.0a0"),
            ("0!1.0", "1.0"),
            ("00000000000000000000000000001", "1"),
        ] {
            assert_eq!(v(a), v(b), "{a} == {b}");
        }
        assert!(v("1.0+1") > v("1.0+zzz"));
        assert!(v("1.0+abc") > v("1.0"));
        assert!(v("1.0+abc.1") > v("1.0+abc"));
        assert!(v("18446744073709551616") > v("18446744073709551615"));
        assert!(v("1.0.post18446744073709551616") > v("1.0.post18446744073709551615"));
        assert!(v("123456789012345678901234567890") > v("99999999999999999999999999999"));
    }

    #[test]
    fn explain_shows_parts() {
        let text = v("1!2.0.0rc1.post2.dev3+Ubuntu.1").explain();
        assert!(
            text.starts_with("1!2.0.0rc1.post2.dev3+ubuntu.1 ("),
            "{text}"
        );
        assert!(text.contains("compared as 2"), "{text}");
        assert!(text.contains("local ubuntu.1"), "{text}");
    }
}
