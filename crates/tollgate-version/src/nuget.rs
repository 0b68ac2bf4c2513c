//! NuGet versions, as NuGet.Versioning's `NuGetVersion.TryParse` reads them and
//! `VersionComparer.Default` orders them.
//!
//! ref: NuGet/NuGet.Client src/NuGet.Core/NuGet.Versioning/NuGetVersionFactory.cs (TryParse and
//! TryGetNormalizedVersion with its `ParseSection`: the current parser; older releases used
//! `System.Version.TryParse` and then a simpler section parser, which accepted `1..2` and `1.`),
//! SemanticVersionFactory.cs (ParseSections, IsValidPart) and VersionComparer.cs (Compare,
//! CompareReleaseLabels, CompareRelease).
//!
//! Validity (`TryParse`):
//! - the text is trimmed of Unicode whitespace (`String.Trim`, `char.IsWhiteSpace`: the same set
//!   as Rust's `char::is_whitespace`);
//! - it is split at the first `-` or `+` into the version part, the release labels (up to the
//!   next `+`, split at `.`) and the metadata;
//! - the version part has 1 to 4 dot-separated ASCII numbers, each at most `int.MaxValue`,
//!   leading zeros allowed, whitespace allowed around each number but not inside it, and no
//!   trailing dot (`1.`, `1..2`, `1.2.3.4.5`, `-1` and `1 2` are refused);
//! - each release label is a non-empty run of `[0-9A-Za-z-]` and, if all digits, has no leading
//!   zero; metadata parts are non-empty runs of `[0-9A-Za-z-]`, leading zeros allowed.
//!
//! Ordering (`VersionComparer.Default`, which `NuGetVersion.CompareTo` uses): major, minor,
//! patch, revision numerically (missing parts are 0, so `1.0` = `1.0.0` = `1.0.0.0`); then a
//! version with release labels is lower than one without; labels compare one by one, a shorter
//! list first when it is a prefix; a label is numeric when `int.TryParse` accepts it (so `-1` is
//! numeric, and `2147483648` is not), numeric labels compare numerically and before the others,
//! which compare ordinally ignoring case. Metadata is ignored.
//!
//! No oracle runs here (there is no .NET in Debian): the differential test checks NuGet.Client's
//! own test vectors, committed in `tests/data/nuget-vectors.tsv`.

use std::cmp::Ordering;

/// A NuGet version.
#[derive(Clone, Debug)]
pub struct Version {
    /// Major, minor, patch (`Build`) and revision, each 0 to `int.MaxValue`.
    numbers: [i32; 4],
    /// The release labels, `None` for a release.
    labels: Option<Vec<Label>>,
    /// The build metadata (ignored when comparing).
    metadata: Option<String>,
}

/// A release label and, when `int.TryParse` reads it, its value.
#[derive(Clone, Debug)]
struct Label {
    text: Box<str>,
    number: Option<i32>,
}

/// `int.TryParse(label)` with `NumberStyles.Integer` and the invariant (or en-US) culture: an
/// optional `-` (labels cannot hold `+` or whitespace), then ASCII digits, in range.
fn int_try_parse(label: &str) -> Option<i32> {
    let (negative, digits) = match label.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, label),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut value: i64 = 0;
    for b in digits.bytes() {
        value = value * 10 + i64::from(b - b'0');
        // Past any i32 magnitude: stop before the i64 could overflow.
        if value > 1 << 31 {
            return None;
        }
    }
    i32::try_from(if negative { -value } else { value }).ok()
}

/// ref: SemanticVersion.IsLetterOrDigitOrDash
fn is_label_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-'
}

/// ref: SemanticVersion.IsValidPart
fn is_valid_part(part: &str, allow_leading_zeros: bool) -> bool {
    if part.is_empty() {
        return false;
    }
    // 0 is fine, but 00 is not; 0A is alphanumeric.
    if !allow_leading_zeros
        && part.len() > 1
        && part.starts_with('0')
        && part.bytes().all(|b| b.is_ascii_digit())
    {
        return false;
    }
    part.chars().all(is_label_char)
}

/// The three sections of a version string (ref: SemanticVersion.ParseSections, ported as is,
/// including its treatment of a `-` or `+` as the very last character, which stays in the
/// section it ends and so makes it invalid).
struct Sections<'a> {
    version: Option<&'a str>,
    labels: Option<&'a str>,
    metadata: Option<&'a str>,
}

fn parse_sections(value: &str) -> Sections<'_> {
    let mut sections = Sections {
        version: None,
        labels: None,
        metadata: None,
    };
    let mut dash_pos: Option<usize> = None;
    let mut plus_pos: Option<usize> = None;
    for (i, c) in value.char_indices() {
        let after = i + c.len_utf8();
        let end = after == value.len();
        match (dash_pos, plus_pos) {
            (None, _) => {
                if end || c == '-' || c == '+' {
                    let end_pos = if end { after } else { i };
                    sections.version = value.get(..end_pos);
                    dash_pos = Some(i);
                    if c == '+' {
                        plus_pos = Some(i);
                    }
                }
            }
            (Some(dash), None) => {
                if end || c == '+' {
                    let end_pos = if end { after } else { i };
                    // `dash` is an ASCII `-` or `+`: one byte.
                    sections.labels = value.get(dash + 1..end_pos);
                    plus_pos = Some(i);
                }
            }
            (Some(_), Some(plus)) => {
                if end {
                    sections.metadata = value.get(plus + 1..after);
                }
            }
        }
    }
    sections
}

/// One number of the version part, from byte `start`: the end of the section (past its `.`)
/// and the value, or `None` when the section is invalid.
///
/// ref: NuGetVersion.TryGetNormalizedVersion.ParseSection
fn parse_section(s: &str, start: usize) -> Option<(usize, i32)> {
    if start == s.len() {
        // An absent section is 0.
        return Some((start, 0));
    }
    let next = |at: usize| s.get(at..).and_then(|rest| rest.chars().next());
    let mut end = start;
    // Leading whitespace, then a digit.
    while let Some(c) = next(end) {
        if !c.is_whitespace() {
            if c.is_ascii_digit() {
                break;
            }
            return None;
        }
        end += c.len_utf8();
    }
    let mut done = false;
    let mut digit_found = false;
    let mut value: i64 = 0;
    while let Some(c) = next(end) {
        if c.is_ascii_digit() {
            digit_found = true;
            value = value * 10 + i64::from(c as u8 - b'0');
            if value > i64::from(i32::MAX) {
                return None;
            }
            end += 1;
        } else if c == '.' {
            end += 1;
            // The version string ended with `.`.
            if end == s.len() {
                return None;
            }
            done = true;
            break;
        } else if c.is_whitespace() {
            break;
        } else {
            return None;
        }
    }
    if !digit_found {
        return None;
    }
    if end == s.len() {
        done = true;
    }
    if !done {
        // Trailing whitespace, then the end or a `.`.
        while let Some(c) = next(end) {
            if !c.is_whitespace() {
                if c == '.' {
                    end += 1;
                    if end == s.len() {
                        return None;
                    }
                    break;
                }
                return None;
            }
            end += c.len_utf8();
        }
    }
    // At most int.MaxValue, checked above.
    Some((end, i32::try_from(value).ok()?))
}

/// ref: NuGetVersion.TryGetNormalizedVersion
fn parse_numbers(s: &str) -> Option<[i32; 4]> {
    if s.chars().all(char::is_whitespace) {
        return None;
    }
    let (end, major) = parse_section(s, 0)?;
    let (end, minor) = parse_section(s, end)?;
    let (end, patch) = parse_section(s, end)?;
    let (end, revision) = parse_section(s, end)?;
    (end == s.len()).then_some([major, minor, patch, revision])
}

impl crate::EcosystemVersion for Version {
    /// ref: NuGetVersion.TryParse
    fn parse(text: &str) -> Result<Self, String> {
        let sections = parse_sections(text.trim());
        let Some(version) = sections.version.filter(|version| !version.is_empty()) else {
            return Err("empty: NuGet wants 1 to 4 dot-separated numbers".to_owned());
        };
        let numbers = parse_numbers(version).ok_or_else(|| {
            format!(
                "`{version}` is not 1 to 4 dot-separated numbers (each at most 2147483647, no \
                 empty part, no trailing dot)"
            )
        })?;
        let labels = match sections.labels {
            None => None,
            Some(labels) => Some(
                labels
                    .split('.')
                    .map(|label| {
                        if is_valid_part(label, false) {
                            Ok(Label {
                                text: label.into(),
                                number: int_try_parse(label),
                            })
                        } else {
                            Err(format!(
                                "release label `{label}` is not a non-empty run of [0-9A-Za-z-] \
                                 (without leading zeros if numeric)"
                            ))
                        }
                    })
                    .collect::<Result<Vec<_>, _>>()?,
            ),
        };
        if let Some(metadata) = sections.metadata
            && !metadata.split('.').all(|part| is_valid_part(part, true))
        {
            return Err(format!(
                "metadata `{metadata}` is not dot-separated non-empty runs of [0-9A-Za-z-]"
            ));
        }
        Ok(Self {
            numbers,
            labels,
            metadata: sections.metadata.map(str::to_owned),
        })
    }

    fn explain(&self) -> String {
        let [major, minor, patch, revision] = self.numbers;
        let mut out = format!("{major}.{minor}.{patch}.{revision}");
        match &self.labels {
            None => out.push_str(", release"),
            Some(labels) => {
                out.push_str(", prerelease labels [");
                for (i, label) in labels.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    match label.number {
                        Some(number) => out.push_str(&format!("{number} (numeric)")),
                        None => out.push_str(&format!("{:?}", label.text)),
                    }
                }
                out.push(']');
            }
        }
        if let Some(metadata) = &self.metadata {
            out.push_str(&format!(", metadata `{metadata}` (ignored)"));
        }
        out
    }
}

/// ref: VersionComparer.CompareRelease
fn compare_label(a: &Label, b: &Label) -> Ordering {
    match (a.number, b.number) {
        (Some(a), Some(b)) => a.cmp(&b),
        // Numeric labels come before alpha labels.
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        // StringComparer.OrdinalIgnoreCase: upper-cased UTF-16 units (labels are ASCII).
        (None, None) => a
            .text
            .bytes()
            .map(|b| b.to_ascii_uppercase())
            .cmp(b.text.bytes().map(|b| b.to_ascii_uppercase())),
    }
}

impl Ord for Version {
    /// ref: VersionComparer.Compare with VersionComparison.Default
    fn cmp(&self, other: &Self) -> Ordering {
        self.numbers
            .cmp(&other.numbers)
            .then_with(|| match (&self.labels, &other.labels) {
                (None, None) => Ordering::Equal,
                // A prerelease is lower than the release.
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                // ref: CompareReleaseLabels: label by label, then the longer list is greater.
                (Some(a), Some(b)) => a
                    .iter()
                    .zip(b)
                    .map(|(a, b)| compare_label(a, b))
                    .find(|ordering| ordering.is_ne())
                    .unwrap_or_else(|| a.len().cmp(&b.len())),
            })
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
        Version::parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}"))
    }

    // ref: NuGetVersionTest.ParseThrowsIfStringIsNotAValidSemVer (some)
    #[test]
    fn invalid() {
        for bad in [
            "",
            "         ",
            "1beta",
            "1.2..",
            "1.2.3.4.5",
            "1.4.7-",
            "1.4.7-*",
            "1.4.7+*",
            "1.4.7-AA.01^",
            "1.2147483648",
            "10000000000000000000",
            "1..2",
            "-1.1.1.1",
            "1.",
            "1     1.1.1.1",
            " .1.1.1",
            "1 .",
            "   1 9",
            "1.0.0-01",
            "1.0.0+",
            "1.0.0+a..b",
            "1.0.0-a+b+c",
            "\u{ff11}.0",
        ] {
            assert!(Version::parse(bad).is_err(), "{bad:?}");
        }
    }

    // ref: NuGetVersionTest.TryParseHandlesValidVersionPatterns and friends
    #[test]
    fn valid() {
        for (text, numbers) in [
            ("   19.   19.   19.   19", [19, 19, 19, 19]),
            ("19   .19   ", [19, 19, 0, 0]),
            ("01.1.1.1", [1, 1, 1, 1]),
            ("1.1.1.2147483647", [1, 1, 1, 2147483647]),
            ("1.022-Beta", [1, 22, 0, 0]),
            ("\u{3000}1.\u{2003}2\u{a0}", [1, 2, 0, 0]),
        ] {
            assert_eq!(v(text).numbers, numbers, "{text:?}");
        }
        assert!(Version::parse("0.1.2--B2.-.C.-A0-").is_ok());
        assert!(Version::parse("0.1.2----+----").is_ok());
    }

    // ref: VersionComparerTests, NuGetVersionTest.SemVerLessThanAndGreaterThanOperatorsWorks,
    // SemVerEqualsOperatorWorks
    #[test]
    fn ordering() {
        for (a, b) in [
            ("1.0", "1.0.0.0"),
            ("1.6.2-BeTa", "1.6.02-beta"),
            ("1.0.0.0+beta.2", "1.0.0.0+beta.1"),
            ("1.0.0-BETA.X.y.5.77.0+AA", "1.0.0-beta.x.y.5.77.0+aa"),
            ("1.0.0--1", "1.0.0--01"),
        ] {
            assert_eq!(v(a).cmp(&v(b)), Ordering::Equal, "{a} == {b}");
        }
        for (low, high) in [
            ("1.999.9999", "2.1.1"),
            ("1.0.0-BETA", "1.0.0-beta2"),
            ("1.0.0-beta+AA", "1.0.0+aa"),
            ("1.0.0-BETA", "1.0.0-beta.1+AA"),
            ("1.0.0-BETA.X.y.5.79.0+AA", "1.0.0-beta.x.y.5.790.0+abc"),
            ("1.4.5.6", "1.4.5.60"),
            ("1.01-RC-1", "1.01"),
            ("1.2.3-999999", "1.2.3-Z"),
            ("1.2.3-A.999999", "1.2.3-A.56-2"),
            ("1.2.3--2", "1.2.3-0"),
            ("1.2.3-2147483647", "1.2.3-2147483648"),
        ] {
            assert_eq!(v(low).cmp(&v(high)), Ordering::Less, "{low} < {high}");
        }
    }

    #[test]
    fn labels_as_int_try_parse_reads_them() {
        assert_eq!(int_try_parse("-0"), Some(0));
        assert_eq!(int_try_parse("-2147483648"), Some(i32::MIN));
        assert_eq!(int_try_parse("2147483648"), None);
        assert_eq!(int_try_parse("-"), None);
        assert_eq!(int_try_parse("1-"), None);
        assert_eq!(int_try_parse(&"9".repeat(100)), None);
    }
}
