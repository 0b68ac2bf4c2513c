//! Alpine package versions, ordered and validated as apk-tools does:
//! `digit{.digit}...{letter}{_suf{#}}...{~hash}{-r#}`.
//!
//! A version is a sequence of tokens, each allowed only after certain others: the initial
//! number, `.number`s, one lowercase letter, any number of suffixes (`_alpha`, `_beta`, `_pre`,
//! `_rc`, `_cvs`, `_svn`, `_git`, `_hg`, `_p`, each with an optional number), one commit hash
//! (`~` and lowercase hex digits), and one revision (`-r` and digits). Anything else is
//! invalid (`apk_version_validate()`): `1.0-1`, `1.0_foo`, `1.0a1`, `1.0-r`, `v1.0`, `""`.
//!
//! Two versions are compared token by token while the tokens are of the same kind: numbers as
//! numbers, except that a `.number` with a leading zero on either side is compared as text (the
//! Gentoo rule: `1.01 < 1.1`, `8.2.0015 < 8.2.002`); letters, suffixes (in the order above) and
//! hashes (as text) likewise. At the first point the kinds differ, a pre-release suffix
//! (`_alpha`..`_rc`) is older than anything; otherwise the side whose next token comes *later*
//! in the grammar (the end being last) is older: `1.0 < 1.0.1`, `1.0 < 1.0_p1`, `1.0_rc1 < 1.0`,
//! `1.0-r1 > 1.0`, `1.0a < 1.0.1`.
//!
//! Numbers are compared exactly, whatever their length. apk-tools reads them into a
//! fixed-width integer that silently wraps (`apk_blob_pull_uint()`), so for numbers past that
//! width apk's answer is an accident of truncation that differs between its releases; they
//! agree with this below 2^32.
//!
//! Which apk-tools: this follows the rewritten tokenizer (`token_first()`, `token_next()`,
//! `token_cmp()`) with the `~hash` token, as in apk-tools 3.0. The 2.x releases up to 2.12 used
//! the older `get_token()` scanner, which had no `~hash`, accepted a number right after the
//! letter (`6.6.2p1`, refused here as by apk-tools 3), refused numbers of 18 digits or more, and
//! ordered leading zeros after a dot differently (`1.0010 > 1.002` there, `<` here).
//!
//! ref: apk-tools src/version.c (`suffix_value()`, `token_cmp()`, `token_first()`,
//! `token_next()`, `apk_version_validate()`, `apk_version_compare_fuzzy()`), src/ctype.c
//! (`APK_CTYPE_VERSION_SUFFIX` = `a-z`, `APK_CTYPE_HEXDIGIT` = `0-9a-f`), src/blob.c
//! (`apk_blob_sort()`); test vectors: test/unit/version.data.

use std::cmp::Ordering;

/// The kinds of token, in the order the grammar allows them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Token {
    InitialDigit,
    Digit,
    Letter,
    Suffix,
    SuffixNo,
    CommitHash,
    RevisionNo,
    End,
    Invalid,
}

/// The suffixes, in apk's order: pre-releases, then `None` (the pivot), then post-releases.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Suffix {
    Invalid,
    Alpha,
    Beta,
    Pre,
    Rc,
    None,
    Cvs,
    Svn,
    Git,
    Hg,
    P,
}

/// `suffix_value()`: the suffix must be exactly one of the names.
fn suffix_value(name: &[u8]) -> Suffix {
    match name {
        b"alpha" => Suffix::Alpha,
        b"beta" => Suffix::Beta,
        b"pre" => Suffix::Pre,
        b"rc" => Suffix::Rc,
        b"cvs" => Suffix::Cvs,
        b"svn" => Suffix::Svn,
        b"git" => Suffix::Git,
        b"hg" => Suffix::Hg,
        b"p" => Suffix::P,
        _ => Suffix::Invalid,
    }
}

/// `struct token_state`: the current token and the text still to read.
#[derive(Clone, Copy, Debug)]
struct State<'a> {
    token: Token,
    suffix: Suffix,
    value: &'a [u8],
    rest: &'a [u8],
}

impl<'a> State<'a> {
    /// `token_first()`: the initial number.
    fn first(text: &'a [u8]) -> Self {
        let mut state = State {
            token: Token::InitialDigit,
            suffix: Suffix::Invalid,
            value: &[],
            rest: text,
        };
        state.parse_digits();
        state
    }

    /// `token_parse_digits()`: a run of digits, which must not be empty.
    fn parse_digits(&mut self) {
        let len = self.rest.iter().take_while(|b| b.is_ascii_digit()).count();
        let (value, rest) = self.rest.split_at(len);
        self.value = value;
        self.rest = rest;
        if value.is_empty() {
            self.token = Token::Invalid;
        }
    }

    /// `apk_blob_spn()`: take the leading bytes that `keep` accepts as the value.
    fn take_value(&mut self, keep: impl Fn(u8) -> bool) {
        let len = self.rest.iter().take_while(|&&b| keep(b)).count();
        let (value, rest) = self.rest.split_at(len);
        self.value = value;
        self.rest = rest;
    }

    /// `token_next()`: the next token, checking that it may follow the current one.
    fn next(&mut self) {
        let Some(&first) = self.rest.first() else {
            self.token = Token::End;
            return;
        };
        let token = self.token;
        match first {
            b'a'..=b'z' if token <= Token::Digit => {
                self.value = &self.rest[..1];
                self.rest = &self.rest[1..];
                self.token = Token::Letter;
            }
            b'.' | b'0'..=b'9' => {
                if first == b'.' {
                    if token > Token::Digit {
                        self.token = Token::Invalid;
                        return;
                    }
                    self.rest = &self.rest[1..];
                }
                self.token = match token {
                    Token::InitialDigit | Token::Digit => Token::Digit,
                    Token::Suffix => Token::SuffixNo,
                    _ => {
                        self.token = Token::Invalid;
                        return;
                    }
                };
                self.parse_digits();
            }
            b'_' if token <= Token::SuffixNo => {
                self.rest = &self.rest[1..];
                self.take_value(|b| b.is_ascii_lowercase());
                self.suffix = suffix_value(self.value);
                self.token = if self.suffix == Suffix::Invalid {
                    Token::Invalid
                } else {
                    Token::Suffix
                };
            }
            b'~' if token < Token::CommitHash => {
                self.rest = &self.rest[1..];
                self.take_value(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
                self.token = if self.value.is_empty() {
                    Token::Invalid
                } else {
                    Token::CommitHash
                };
            }
            b'-' if token < Token::RevisionNo => match self.rest.strip_prefix(b"-r") {
                Some(rest) => {
                    self.rest = rest;
                    self.token = Token::RevisionNo;
                    self.parse_digits();
                }
                None => self.token = Token::Invalid,
            },
            _ => self.token = Token::Invalid,
        }
    }
}

/// Two digit strings as the numbers they spell, of any length.
fn compare_numbers(a: &[u8], b: &[u8]) -> Ordering {
    let significant = |digits: &'_ [u8]| -> usize {
        digits
            .iter()
            .position(|&b| b != b'0')
            .unwrap_or(digits.len())
    };
    let (a, b) = (&a[significant(a)..], &b[significant(b)..]);
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// `token_cmp()`, for two tokens of the same kind.
fn token_cmp(a: &State<'_>, b: &State<'_>) -> Ordering {
    match a.token {
        // A leading zero on either side: compared as text (`apk_blob_sort()`).
        Token::Digit if a.value.first() == Some(&b'0') || b.value.first() == Some(&b'0') => {
            a.value.cmp(b.value)
        }
        Token::Digit | Token::InitialDigit | Token::SuffixNo | Token::RevisionNo => {
            compare_numbers(a.value, b.value)
        }
        Token::Letter => a.value.first().cmp(&b.value.first()),
        Token::Suffix => a.suffix.cmp(&b.suffix),
        Token::CommitHash | Token::End | Token::Invalid => a.value.cmp(b.value),
    }
}

/// `apk_version_compare_fuzzy()`: with `fuzzy`, `b` matches every version it is a prefix of
/// (the `~` dependency operator). Defined for any text, as apk's is; valid versions are
/// totally ordered by it.
fn compare(a: &[u8], b: &[u8], fuzzy: bool) -> Ordering {
    let (mut ta, mut tb) = (State::first(a), State::first(b));
    while ta.token == tb.token && ta.token < Token::End {
        let order = token_cmp(&ta, &tb);
        if order != Ordering::Equal {
            return order;
        }
        ta.next();
        tb.next();
    }
    if ta.token == tb.token || (tb.token == Token::End && fuzzy) {
        return Ordering::Equal;
    }
    // The kinds differ: a pre-release suffix is older than anything, otherwise the side that
    // goes on with a later kind of token (or ends) is older.
    if ta.token == Token::Suffix && ta.suffix < Suffix::None {
        return Ordering::Less;
    }
    if tb.token == Token::Suffix && tb.suffix < Suffix::None {
        return Ordering::Greater;
    }
    tb.token.cmp(&ta.token)
}

/// `apk_version_validate()`'s walk: the state after the last token (`End` when valid).
fn last_token(text: &[u8]) -> State<'_> {
    let mut state = State::first(text);
    while state.token < Token::End {
        state.next();
    }
    state
}

/// `apk_version_validate()` (the tests' name for it; [`Version::parse`] reports where it stops).
#[cfg(test)]
fn validate(text: &[u8]) -> bool {
    last_token(text).token == Token::End
}

/// A valid Alpine package version.
#[derive(Clone, Debug)]
pub struct Version(Box<str>);

impl crate::EcosystemVersion for Version {
    fn parse(text: &str) -> Result<Self, String> {
        let state = last_token(text.as_bytes());
        if state.token == Token::End {
            return Ok(Self(text.into()));
        }
        // Tokens end at ASCII bytes, so what is left starts at a character boundary.
        let rest = text
            .get(text.len() - state.rest.len()..)
            .unwrap_or_default();
        let rest: String = rest.chars().take(12).collect();
        Err(format!(
            "not digit{{.digit}}...{{letter}}{{_suf{{#}}}}...{{~hash}}{{-r#}}: apk_version_validate() stops at {rest:?}"
        ))
    }

    fn explain(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        let mut state = State::first(self.0.as_bytes());
        let mut numbers = String::new();
        while state.token < Token::End {
            let value = String::from_utf8_lossy(state.value);
            match state.token {
                Token::InitialDigit => numbers.push_str(&value),
                Token::Digit => {
                    numbers.push('.');
                    numbers.push_str(&value);
                }
                Token::Letter => parts.push(format!("letter {value}")),
                Token::Suffix => parts.push(format!(
                    "suffix _{value} ({})",
                    if state.suffix < Suffix::None {
                        "pre-release"
                    } else {
                        "post-release"
                    }
                )),
                Token::SuffixNo => {
                    if let Some(suffix) = parts.last_mut() {
                        suffix.push_str(&format!(" number {value}"));
                    }
                }
                Token::CommitHash => parts.push(format!("commit hash ~{value}")),
                Token::RevisionNo => parts.push(format!("revision r{value}")),
                Token::End | Token::Invalid => {}
            }
            state.next();
        }
        parts.insert(0, format!("numbers {numbers}"));
        if !parts.iter().any(|part| part.starts_with("revision")) {
            parts.push("no revision (older than -r0)".to_owned());
        }
        parts.join(", ")
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        compare(self.0.as_bytes(), other.0.as_bytes(), false)
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
    fn orders_like_apk() {
        use Ordering::{Equal, Greater, Less};
        let cases = [
            ("1.1.1k-r0", "1.1.1k_p1-r0", Less),
            ("1.1.1c-r0", "1.1.1d-r0", Less),
            ("1.0_rc1", "1.0", Less),
            ("1.0", "1.0_p1", Less),
            ("1.0", "1.0-r0", Less),
            ("1.0-r1", "1.0-r0", Greater),
            ("1.0", "1.0.1", Less),
            ("1.0a", "1.0.1", Less),
            ("1.0_alpha", "1.0_beta", Less),
            ("1.0_alpha_pre2", "1.0_alpha", Less),
            ("1.01", "1.1", Less),
            ("8.2.0015", "8.2.002", Less),
            ("01.0", "1.0", Equal),
            ("1.0-r01", "1.0-r1", Equal),
            ("1.0~1234", "1.0~2345", Less),
            ("1.0~1234-r1", "1.0~1234-r0", Greater),
            ("1.0~abc", "1.0", Greater),
            ("1.0~abc", "1.0-r0", Greater),
            (
                "1.99999999999999999999999",
                "1.99999999999999999999998",
                Greater,
            ),
            ("4294967296", "0", Greater),
        ];
        for (a, b, expected) in cases {
            assert_eq!(v(a).cmp(&v(b)), expected, "{a} vs {b}");
            assert_eq!(v(b).cmp(&v(a)), expected.reverse(), "{b} vs {a}");
        }
    }

    #[test]
    fn validates_like_apk() {
        for valid in [
            "0",
            "1.2",
            "0.1_pre2~1234abcd",
            "1.0_git20240101_pre1-r3",
            "2.12r-r4",
        ] {
            assert!(Version::parse(valid).is_ok(), "{valid}");
        }
        for invalid in [
            "", "v1", "1.0-1", "1.0-r", "1.0_", "1.0_foo", "1.0a1", "1.0~", "1.0~ABC", "1.0\0",
            " 1.0",
        ] {
            assert!(Version::parse(invalid).is_err(), "{invalid:?}");
        }
        assert_eq!(
            v("1.1.1k_p1-r0").explain(),
            "numbers 1.1.1, letter k, suffix _p (post-release) number 1, revision r0"
        );
        assert_eq!(
            v("2.0_rc3~ab12").explain(),
            "numbers 2.0, suffix _rc (pre-release) number 3, commit hash ~ab12, no revision (older than -r0)"
        );
    }

    /// The apk_version_match() mask of an operator, as `apk_version_result_mask_blob()`.
    fn op_accepts(op: &str, order: Ordering) -> Option<bool> {
        let mut mask = (false, false, false); // less, equal, greater
        for c in op.chars() {
            match c {
                '<' => mask.0 = true,
                '=' | '~' => mask.1 = true,
                '>' => mask.2 = true,
                _ => return None,
            }
        }
        Some(match order {
            Ordering::Less => mask.0,
            Ordering::Equal => mask.1,
            Ordering::Greater => mask.2,
        })
    }

    /// apk-tools' own test vectors, read as its unit test (test/unit/version_test.c) does:
    /// `ver`, `!ver` (validity), `a op b`, `a !op b` (comparison, fuzzy for `~`).
    #[test]
    fn apk_tools_test_vectors() {
        let data = include_str!("../tests/data/apk-tools-version.data");
        let mut checked = 0;
        for line in data.lines() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let words: Vec<&str> = line.split(' ').collect();
            let ok = match words[..] {
                [a, op, b] => {
                    let (invert, op) = op.strip_prefix('!').map_or((false, op), |op| (true, op));
                    let order = compare(a.as_bytes(), b.as_bytes(), op.contains('~'));
                    op_accepts(op, order).unwrap() != invert
                }
                [version] => {
                    let (invert, version) = version
                        .strip_prefix('!')
                        .map_or((false, version), |version| (true, version));
                    validate(version.as_bytes()) != invert
                }
                _ => panic!("unreadable line {line:?}"),
            };
            assert!(ok, "apk-tools test vector fails: {line}");
            checked += 1;
        }
        assert_eq!(checked, 785, "apk-tools test vectors read");
    }
}
