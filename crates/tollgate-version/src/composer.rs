//! Composer versions: normalised as composer/semver's `VersionParser::normalize` does, ordered
//! as its `Comparator` orders normalised versions (PHP's `version_compare`, with dev branches
//! apart).
//!
//! ref: composer/semver src/VersionParser.php (`normalize`, `normalizeBranch`,
//! `expandStability`), src/Comparator.php and src/Constraint/Constraint.php (`versionCompare`,
//! `matchSpecific`), 3.3.2 as packaged by Debian (php-composer-semver, the oracle of the
//! differential tests); php-src ext/standard/versioning.c (`php_canonicalize_version`,
//! `compare_special_version_forms`, `php_version_compare`).
//!
//! **What `compare` means here.** Composer never orders two raw strings: an installed package
//! carries its normalised version (`version_normalized` in `installed.json` and
//! `composer.lock`), and constraints are normalised by `VersionParser` before they are matched.
//! So tollgate normalises both sides and orders the normalised forms as `Comparator` does
//! (`Comparator::lessThan` etc. on the normalised strings): `1.0` = `1.0.0` = `v1.0.0.0`.
//! (`Comparator` on raw strings would call `1.0` < `1.0.0`, which Composer itself never does.)
//!
//! **Validity** is `normalize` not throwing: optional `v`, 1 to 4 numbers (the first of at most
//! 5 digits), padded to 4; an optional stability suffix (`stable`, `beta`/`b`, `RC`,
//! `alpha`/`a`, `patch`/`pl`/`p`, with optional numbers) and an optional `dev` suffix, each
//! optionally preceded by `.`, `_` or `-`; or a date version (`20100102`, `2010-01-02-10-20-30`,
//! up to 6 two-digit groups after a 4-digit year); or a numbered branch (`1.x-dev`, `2.0.*-dev`:
//! `x` becomes 9999999); or a named branch (`dev-master`; `master`, `trunk` and `default` alone
//! become `dev-…`). Surrounding whitespace, build metadata (`+…`), an ` as …` alias and an
//! `@stability` flag are stripped first. Everything else (`1.0.0-SNAPSHOT`, `1.*`, `feature-foo`,
//! five numbers, the empty string) is refused.
//!
//! **Ordering.** Numbered versions compare with `version_compare`: each string is canonicalised
//! (`-`, `_`, `+` and any non-alphanumeric become `.`, and a `.` is inserted between digits and
//! letters), then compared part by part: numbers numerically (saturating at `i64::MAX`, like
//! `strtol`), words by their special form, found by prefix and case-sensitively: `dev` < `alpha`
//! = `a…` < `beta` = `b…` < `RC` = `rc` < a number < `pl` = `p…`, and any other word lower than
//! all of them (so Composer's normalised `-stable` suffix, kept only when written in capitals,
//! sorts below `-dev`). When one version runs out of parts, the other is greater if its next
//! part is a number or a `p…` word, smaller otherwise (`1.0.0.0` > `1.0.0.0-beta`, but
//! `1.0.0.0` < `1.0.0.0-patch1`). Two normalised versions with different text can be equal
//! (`01.0.0.0` = `1.0.0.0`).
//!
//! Dev branches (`dev-…`) are lower than every numbered version (`Comparator` calls
//! `version_compare`, whose first part `dev` ranks below any number), and equal only to the
//! same branch (`Constraint::versionCompare`: two branches are equal iff identical, and neither
//! lower nor greater than the other otherwise). For a total order tollgate ranks different
//! branches by their bytes; Composer itself leaves them unordered.

use std::cmp::Ordering;

/// A Composer version: its normalised form.
#[derive(Clone, Debug)]
pub struct Version {
    normalized: String,
    /// `php_canonicalize_version(normalized)`, or `None` for a dev branch.
    canonical: Option<Vec<u8>>,
}

/// PHP's `trim` default characters: " \t\n\r\0\x0B".
fn is_php_trim(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\0' | '\x0B')
}

/// PCRE's `\s` without the `u` flag: space, `\t`, `\n`, `\v`, `\f`, `\r`.
fn is_pcre_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r')
}

/// PCRE's `$` (no `m` or `D` flag): at the end, or before a final newline.
fn is_dollar(b: &[u8], at: usize) -> bool {
    at == b.len() || (at + 1 == b.len() && b.get(at) == Some(&b'\n'))
}

/// Whether `b[at..]` starts with `word`, ASCII case-insensitively (the `i` flag).
fn starts_with_ci(b: &[u8], at: usize, word: &str) -> bool {
    b.get(at..at + word.len())
        .is_some_and(|found| found.eq_ignore_ascii_case(word.as_bytes()))
}

fn is_digit_at(b: &[u8], at: usize) -> bool {
    b.get(at).is_some_and(u8::is_ascii_digit)
}

/// The end of the run of ASCII digits starting at `at`.
fn digits_end(b: &[u8], at: usize) -> usize {
    let mut end = at;
    while is_digit_at(b, end) {
        end += 1;
    }
    end
}

fn text(b: &[u8], range: std::ops::Range<usize>) -> &str {
    // Every range here starts and ends next to ASCII characters (or the ends of the string), so
    // it is on character boundaries of the UTF-8 input.
    b.get(range)
        .and_then(|bytes| std::str::from_utf8(bytes).ok())
        .unwrap_or_default()
}

/// What `$modifierRegex . '$'` captured.
#[derive(Default)]
struct Modifier {
    /// `(stable|beta|b|RC|alpha|a|patch|pl|p)`, as written.
    stability: Option<std::ops::Range<usize>>,
    /// `((?:[.-]?\d+)*+)`
    numbers: Option<std::ops::Range<usize>>,
    /// `([.-]?dev)`
    dev: bool,
}

/// ref: VersionParser::$modifierRegex =
/// '[._-]?(?:(stable|beta|b|RC|alpha|a|patch|pl|p)((?:[.-]?\d+)*+)?)?([.-]?dev)?', followed by
/// `$`, case-insensitively. Alternatives are tried in PCRE's order (greedy options taken first,
/// alternatives left to right), so the captures are the ones PHP gets.
fn match_modifier(b: &[u8], at: usize) -> Option<Modifier> {
    const STABILITIES: [&str; 9] = [
        "stable", "beta", "b", "RC", "alpha", "a", "patch", "pl", "p",
    ];
    let separated = matches!(b.get(at), Some(b'.' | b'_' | b'-'));
    let starts: &[usize] = if separated { &[at + 1, at] } else { &[at] };
    for &start in starts {
        for word in STABILITIES {
            if !starts_with_ci(b, start, word) {
                continue;
            }
            let after_word = start + word.len();
            // (?:[.-]?\d+)*+ is possessive: as many as possible, never given back.
            let mut after_numbers = after_word;
            loop {
                if matches!(b.get(after_numbers), Some(b'.' | b'-'))
                    && is_digit_at(b, after_numbers + 1)
                {
                    after_numbers = digits_end(b, after_numbers + 1);
                } else if is_digit_at(b, after_numbers) {
                    after_numbers = digits_end(b, after_numbers);
                } else {
                    break;
                }
            }
            for numbers_end in [after_numbers, after_word] {
                if let Some(dev) = match_dev(b, numbers_end) {
                    return Some(Modifier {
                        stability: Some(start..after_word),
                        numbers: Some(after_word..numbers_end),
                        dev,
                    });
                }
            }
        }
        if let Some(dev) = match_dev(b, start) {
            return Some(Modifier {
                dev,
                ..Modifier::default()
            });
        }
    }
    None
}

/// `([.-]?dev)?$` at `at`: `Some(true)` with the dev suffix, `Some(false)` without.
fn match_dev(b: &[u8], at: usize) -> Option<bool> {
    let separated = matches!(b.get(at), Some(b'.' | b'-'));
    let starts: &[usize] = if separated { &[at + 1, at] } else { &[at] };
    for &start in starts {
        if starts_with_ci(b, start, "dev") && is_dollar(b, start + 3) {
            return Some(true);
        }
    }
    is_dollar(b, at).then_some(false)
}

/// ref: VersionParser::expandStability
fn expand_stability(stability: &str) -> String {
    let lower = stability.to_ascii_lowercase();
    match lower.as_str() {
        "a" => "alpha".to_owned(),
        "b" => "beta".to_owned(),
        "p" | "pl" => "patch".to_owned(),
        "rc" => "RC".to_owned(),
        _ => lower,
    }
}

/// The tail of `normalize` once a classical or date version matched: the stability and dev
/// suffixes.
fn add_modifiers(b: &[u8], mut version: String, modifier: &Modifier) -> String {
    if let Some(stability) = modifier.stability.clone() {
        let stability = text(b, stability);
        // `if ('stable' === $matches[$index]) return $version;`: case-sensitive, and the dev
        // suffix is dropped too.
        if stability == "stable" {
            return version;
        }
        version.push('-');
        version.push_str(&expand_stability(stability));
        if let Some(numbers) = modifier.numbers.clone() {
            version.push_str(text(b, numbers).trim_start_matches(['.', '-']));
        }
    }
    if modifier.dev {
        version.push_str("-dev");
    }
    version
}

/// ref: '{^v?(\d{1,5})(\.\d++)?(\.\d++)?(\.\d++)?' . $modifierRegex . '$}i'
///
/// Deterministic: the first number must be the whole run of digits (a shorter match would leave
/// a digit, which nothing after it accepts), and each `.digits` group is taken when present
/// (skipping one would leave `.digit` for the modifier, which cannot start with it).
fn match_classical(b: &[u8]) -> Option<String> {
    let start = usize::from(matches!(b.first(), Some(b'v' | b'V')));
    let major_end = digits_end(b, start);
    if major_end == start || major_end - start > 5 {
        return None;
    }
    let mut version = text(b, start..major_end).to_owned();
    let mut at = major_end;
    let mut groups = 0;
    while groups < 3 && b.get(at) == Some(&b'.') && is_digit_at(b, at + 1) {
        let end = digits_end(b, at + 1);
        version.push_str(text(b, at..end));
        at = end;
        groups += 1;
    }
    let modifier = match_modifier(b, at)?;
    for _ in groups..3 {
        version.push_str(".0");
    }
    Some(add_modifiers(b, version, &modifier))
}

/// ref: '{^v?(\d{4}(?:[.:-]?\d{2}){1,6}(?:[.:-]?\d{1,3})?)' . $modifierRegex . '$}i', then
/// `preg_replace('{\D}', '.', $matches[1])`. Searched in PCRE's order: most repetitions first,
/// the optional tail taken (longest first) before skipped.
///
/// composer/semver 3.4 allows two tail groups (`(?:[.:-]?\d{1,3}){0,2}`), so `20100102.1.0` and
/// `20230131.0.0` (CalVer as major) normalise there; 3.3.2, the reference here, refuses them.
fn match_date(b: &[u8]) -> Option<String> {
    let start = usize::from(matches!(b.first(), Some(b'v' | b'V')));
    if digits_end(b, start) < start + 4 {
        return None;
    }
    let is_separator = |at: usize| matches!(b.get(at), Some(b'.' | b':' | b'-'));
    // Each (?:[.:-]?\d{2}) matches in at most one way.
    let mut ends = Vec::new();
    let mut at = start + 4;
    while ends.len() < 6 {
        let digits_at = if is_separator(at) { at + 1 } else { at };
        if is_digit_at(b, digits_at) && is_digit_at(b, digits_at + 1) {
            at = digits_at + 2;
            ends.push(at);
        } else {
            break;
        }
    }
    for &after in ends.iter().rev() {
        let digits_at = if is_separator(after) {
            after + 1
        } else {
            after
        };
        let available = digits_end(b, digits_at) - digits_at;
        let mut tails: Vec<usize> = (1..=available.min(3))
            .rev()
            .map(|n| digits_at + n)
            .collect();
        tails.push(after);
        for end in tails {
            if let Some(modifier) = match_modifier(b, end) {
                let date: String = text(b, start..end)
                    .chars()
                    .map(|c| if c.is_ascii_digit() { c } else { '.' })
                    .collect();
                return Some(add_modifiers(b, date, &modifier));
            }
        }
    }
    None
}

/// ref: preg_match('{(.*?)[.-]?dev$}i', $version, $match): `$match[1]`.
///
/// The match must end at a `$` position, so only a few candidates exist; the leftmost start
/// that reaches one without crossing a newline (`.` does not match `\n`) wins, then the
/// shortest `(.*?)` from there.
fn match_dev_branch(b: &[u8]) -> Option<&str> {
    let mut dollars = vec![b.len()];
    if b.last() == Some(&b'\n') {
        dollars.push(b.len() - 1);
    }
    // (where `(.*?)` ends, where the match ends)
    let mut candidates: Vec<usize> = Vec::new();
    for &dollar in &dollars {
        let Some(dev_at) = dollar.checked_sub(3) else {
            continue;
        };
        if !starts_with_ci(b, dev_at, "dev") {
            continue;
        }
        candidates.push(dev_at);
        if let Some(separator_at) = dev_at.checked_sub(1)
            && matches!(b.get(separator_at), Some(b'.' | b'-'))
        {
            candidates.push(separator_at);
        }
    }
    candidates.sort_unstable();
    // The leftmost start: just after the last newline before some candidate.
    let start_for = |end: usize| {
        b.get(..end)
            .and_then(|before| before.iter().rposition(|&c| c == b'\n'))
            .map_or(0, |newline| newline + 1)
    };
    let start = candidates.iter().map(|&end| start_for(end)).min()?;
    let end = candidates
        .iter()
        .copied()
        .find(|&end| end >= start && start_for(end) <= start)?;
    b.get(start..end)
        .and_then(|name| std::str::from_utf8(name).ok())
}

/// ref: VersionParser::normalizeBranch, when it yields a numbered branch
/// (`'{^v?(\d++)(\.(?:\d++|[xX*]))?(\.(?:\d++|[xX*]))?(\.(?:\d++|[xX*]))?$}i'`); `None` when it
/// would yield `dev-` + name, which `normalize` then refuses.
fn normalize_numbered_branch(name: &str) -> Option<String> {
    let name = name.trim_matches(is_php_trim);
    let b = name.as_bytes();
    let start = usize::from(matches!(b.first(), Some(b'v' | b'V')));
    let mut at = digits_end(b, start);
    if at == start {
        return None;
    }
    let mut version = text(b, start..at).to_owned();
    let mut groups = 0;
    while groups < 3 && b.get(at) == Some(&b'.') {
        if is_digit_at(b, at + 1) {
            let end = digits_end(b, at + 1);
            version.push_str(text(b, at..end));
            at = end;
        } else if matches!(b.get(at + 1), Some(b'x' | b'X' | b'*')) {
            version.push_str(".x");
            at += 2;
        } else {
            break;
        }
        groups += 1;
    }
    if !is_dollar(b, at) {
        return None;
    }
    for _ in groups..3 {
        version.push_str(".x");
    }
    Some(version.replace('x', "9999999") + "-dev")
}

/// `VersionParser::normalize`: the normalised version, or why Composer refuses it.
///
/// # Errors
/// When `normalize` throws `UnexpectedValueException`.
pub fn normalize(input: &str) -> Result<String, String> {
    let invalid = || {
        Err(format!(
            "Invalid version string \"{}\"",
            input.trim_matches(is_php_trim)
        ))
    };
    let mut version = input.trim_matches(is_php_trim);

    // strip off aliasing: '{^([^,\s]++) ++as ++([^,\s]++)$}'
    {
        let b = version.as_bytes();
        let source_end = b
            .iter()
            .position(|&c| c == b',' || is_pcre_space(c))
            .unwrap_or(b.len());
        let mut at = source_end;
        while b.get(at) == Some(&b' ') {
            at += 1;
        }
        if source_end > 0 && at > source_end && b.get(at..at + 2) == Some(b"as") {
            let mut target = at + 2;
            let spaces = target;
            while b.get(target) == Some(&b' ') {
                target += 1;
            }
            let target_start = target;
            while b
                .get(target)
                .is_some_and(|&c| c != b',' && !is_pcre_space(c))
            {
                target += 1;
            }
            if target_start > spaces && target > target_start && is_dollar(b, target) {
                version = text(b, 0..source_end);
            }
        }
    }

    // strip off stability flag: '{@(?:stable|RC|beta|alpha|dev)$}i'
    {
        let b = version.as_bytes();
        let flag = b.iter().enumerate().find_map(|(at, &c)| {
            if c != b'@' {
                return None;
            }
            ["stable", "RC", "beta", "alpha", "dev"]
                .into_iter()
                .find(|word| starts_with_ci(b, at + 1, word) && is_dollar(b, at + 1 + word.len()))
                .map(|word| 1 + word.len())
        });
        if let Some(flag_len) = flag {
            // substr($version, 0, strlen($version) - strlen($match[0]))
            version = text(b, 0..b.len().saturating_sub(flag_len));
        }
    }

    // normalize master/trunk/default branches to dev-name for BC with 1.x
    let owned;
    if matches!(version, "master" | "trunk" | "default") {
        owned = format!("dev-{version}");
        version = &owned;
    }

    // if requirement is branch-like, use full name
    if version
        .get(..4)
        .is_some_and(|prefix| prefix.eq_ignore_ascii_case("dev-"))
    {
        return Ok(format!("dev-{}", version.get(4..).unwrap_or_default()));
    }

    // strip off build metadata: '{^([^,\s+]++)\+[^\s]++$}'
    {
        let b = version.as_bytes();
        let source_end = b
            .iter()
            .position(|&c| c == b',' || c == b'+' || is_pcre_space(c))
            .unwrap_or(b.len());
        if source_end > 0 && b.get(source_end) == Some(&b'+') {
            let mut end = source_end + 1;
            while b.get(end).is_some_and(|&c| !is_pcre_space(c)) {
                end += 1;
            }
            if end > source_end + 1 && is_dollar(b, end) {
                version = text(b, 0..source_end);
            }
        }
    }

    let b = version.as_bytes();
    if let Some(normalized) = match_classical(b).or_else(|| match_date(b)) {
        return Ok(normalized);
    }

    // match dev branches: a branch ending with -dev is only valid if it is numeric
    if let Some(normalized) = match_dev_branch(b).and_then(normalize_numbered_branch) {
        return Ok(normalized);
    }
    invalid()
}

/// `php_canonicalize_version`, on bytes with C-locale `isdigit`/`isalnum`.
fn canonicalize(version: &[u8]) -> Vec<u8> {
    let Some((&first, rest)) = version.split_first() else {
        return Vec::new();
    };
    let is_dig = |c: u8| c.is_ascii_digit();
    let is_ndig = |c: u8| !c.is_ascii_digit() && c != b'.';
    let mut out = Vec::with_capacity(version.len() * 2);
    out.push(first);
    let mut lp = first;
    for &c in rest {
        let lq = out.last().copied().unwrap_or_default();
        if matches!(c, b'-' | b'_' | b'+') {
            if lq != b'.' {
                out.push(b'.');
            }
        } else if (is_ndig(lp) && is_dig(c)) || (is_dig(lp) && is_ndig(c)) {
            if lq != b'.' {
                out.push(b'.');
            }
            out.push(c);
        } else if !c.is_ascii_alphanumeric() {
            if lq != b'.' {
                out.push(b'.');
            }
        } else {
            out.push(c);
        }
        lp = c;
    }
    out
}

/// `compare_special_version_forms`' rank of a word, found by prefix, case-sensitively.
fn special_form(form: &[u8]) -> i8 {
    const FORMS: [(&[u8], i8); 10] = [
        (b"dev", 0),
        (b"alpha", 1),
        (b"a", 1),
        (b"beta", 2),
        (b"b", 2),
        (b"RC", 3),
        (b"rc", 3),
        (b"#", 4),
        (b"pl", 5),
        (b"p", 5),
    ];
    FORMS
        .iter()
        .find(|(name, _)| form.starts_with(name))
        .map_or(-1, |&(_, order)| order)
}

/// `strtol(part, NULL, 10)` on a run of digits: saturates at `LONG_MAX`.
fn strtol(part: &[u8]) -> i64 {
    part.iter()
        .take_while(|c| c.is_ascii_digit())
        .fold(0_i64, |value, &c| {
            value.saturating_mul(10).saturating_add(i64::from(c - b'0'))
        })
}

/// `php_version_compare(orig_ver1, orig_ver2)`.
///
/// The C function calls itself for the tail (`php_version_compare(p1, "#N#")`); that call is a
/// loop here. It cannot spin: each round works on a strictly shorter first string.
fn version_compare(orig1: &[u8], orig2: &[u8]) -> Ordering {
    let (mut orig1, mut orig2) = (orig1.to_vec(), orig2.to_vec());
    loop {
        if orig1.is_empty() || orig2.is_empty() {
            return (!orig1.is_empty()).cmp(&!orig2.is_empty());
        }
        let prepare = |orig: &[u8]| {
            if orig.first() == Some(&b'#') {
                orig.to_vec()
            } else {
                canonicalize(orig)
            }
        };
        match compare_canonical(&prepare(&orig1), &prepare(&orig2)) {
            Tail::Done(ordering) => return ordering,
            Tail::Left(rest) => {
                orig1 = rest;
                orig2 = b"#N#".to_vec();
            }
            Tail::Right(rest) => {
                orig1 = b"#N#".to_vec();
                orig2 = rest;
            }
        }
    }
}

/// The outcome of the part-by-part loop: an answer, or the tail to compare with `#N#`.
enum Tail {
    Done(Ordering),
    Left(Vec<u8>),
    Right(Vec<u8>),
}

/// The loop of `php_version_compare` on two prepared (canonical or `#`-verbatim) strings.
fn compare_canonical(ver1: &[u8], ver2: &[u8]) -> Tail {
    let part = |ver: &[u8], start: usize| -> (usize, Option<usize>) {
        let dot = ver
            .get(start..)
            .and_then(|rest| rest.iter().position(|&c| c == b'.'))
            .map(|offset| start + offset);
        (dot.unwrap_or(ver.len()), dot)
    };
    let (mut p1, mut p2) = (0, 0);
    // `n1`, `n2`: whether a `.` followed the last part (initially the string itself: non-NULL).
    let (mut n1, mut n2) = (Some(0), Some(0));
    let mut compare = Ordering::Equal;
    while p1 < ver1.len() && p2 < ver2.len() && n1.is_some() && n2.is_some() {
        let (end1, dot1) = part(ver1, p1);
        let (end2, dot2) = part(ver2, p2);
        n1 = dot1;
        n2 = dot2;
        let part1 = ver1.get(p1..end1).unwrap_or_default();
        let part2 = ver2.get(p2..end2).unwrap_or_default();
        let digit1 = part1.first().is_some_and(u8::is_ascii_digit);
        let digit2 = part2.first().is_some_and(u8::is_ascii_digit);
        compare = match (digit1, digit2) {
            (true, true) => strtol(part1).cmp(&strtol(part2)),
            (false, false) => special_form(part1).cmp(&special_form(part2)),
            (true, false) => special_form(b"#N#").cmp(&special_form(part2)),
            (false, true) => special_form(part1).cmp(&special_form(b"#N#")),
        };
        if compare.is_ne() {
            break;
        }
        if let Some(dot) = n1 {
            p1 = dot + 1;
        }
        if let Some(dot) = n2 {
            p2 = dot + 1;
        }
    }
    if compare.is_eq() {
        if n1.is_some() {
            if ver1.get(p1).is_some_and(u8::is_ascii_digit) {
                return Tail::Done(Ordering::Greater);
            }
            return Tail::Left(ver1.get(p1..).unwrap_or_default().to_vec());
        } else if n2.is_some() {
            if ver2.get(p2).is_some_and(u8::is_ascii_digit) {
                return Tail::Done(Ordering::Less);
            }
            return Tail::Right(ver2.get(p2..).unwrap_or_default().to_vec());
        }
    }
    Tail::Done(compare)
}

impl Version {
    /// The normalised version (`VersionParser::normalize`).
    #[must_use]
    pub fn normalized(&self) -> &str {
        &self.normalized
    }

    /// Whether this is a named dev branch (`dev-…`).
    #[must_use]
    pub fn is_branch(&self) -> bool {
        self.canonical.is_none()
    }
}

impl crate::EcosystemVersion for Version {
    fn parse(text: &str) -> Result<Self, String> {
        let normalized = normalize(text)?;
        // ref: Constraint::versionCompare: `$aIsBranch = strpos($a, 'dev-') === 0`
        let canonical =
            (!normalized.starts_with("dev-")).then(|| canonicalize(normalized.as_bytes()));
        Ok(Self {
            normalized,
            canonical,
        })
    }

    fn explain(&self) -> String {
        match &self.canonical {
            None => format!(
                "dev branch `{}`: equal only to itself, lower than every numbered version",
                self.normalized
            ),
            Some(canonical) => format!(
                "normalised `{}`, compared by version_compare as `{}`",
                self.normalized,
                String::from_utf8_lossy(canonical)
            ),
        }
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        match (&self.canonical, &other.canonical) {
            // Composer: equal iff identical, otherwise unordered; tollgate: by bytes.
            (None, None) => self.normalized.cmp(&other.normalized),
            (None, Some(_)) => Ordering::Less,
            (Some(_), None) => Ordering::Greater,
            (Some(a), Some(b)) => match compare_canonical(a, b) {
                Tail::Done(ordering) => ordering,
                Tail::Left(rest) => version_compare(&rest, b"#N#"),
                Tail::Right(rest) => version_compare(b"#N#", &rest),
            },
        }
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

    // ref: VersionParserTest::successfulNormalizedVersions (those 3.3.2 accepts)
    #[test]
    fn normalizes() {
        for (input, expected) in [
            ("1.0.0", "1.0.0.0"),
            ("1.2.3.4", "1.2.3.4"),
            ("1.0.0RC1dev", "1.0.0.0-RC1-dev"),
            ("1.0.0-rC15-dev", "1.0.0.0-RC15-dev"),
            ("1.0.0.RC.15-dev", "1.0.0.0-RC15-dev"),
            ("1.0.0-rc1", "1.0.0.0-RC1"),
            ("1.0.0.pl3-dev", "1.0.0.0-patch3-dev"),
            ("1.0-dev", "1.0.0.0-dev"),
            ("0", "0.0.0.0"),
            ("10.4.13-beta", "10.4.13.0-beta"),
            ("10.4.13beta2", "10.4.13.0-beta2"),
            ("10.4.13beta.2", "10.4.13.0-beta2"),
            ("v1.13.11-beta.0", "1.13.11.0-beta0"),
            ("1.13.11.0-beta0", "1.13.11.0-beta0"),
            ("10.4.13-b", "10.4.13.0-beta"),
            ("10.4.13-b5", "10.4.13.0-beta5"),
            ("v1.0.0", "1.0.0.0"),
            ("2010.01", "2010.01.0.0"),
            ("2010.01.02", "2010.01.02.0"),
            ("2010.1.555", "2010.1.555.0"),
            ("v20100102", "20100102"),
            ("20100102", "20100102"),
            ("20100102.0", "20100102.0"),
            ("123456", "123456"),
            ("2010-01-02-10-20-30.5", "2010.01.02.10.20.30.5"),
            ("2010-01-02", "2010.01.02"),
            ("20100102-203040", "20100102.203040"),
            ("20100102.x-dev", "20100102.9999999.9999999.9999999-dev"),
            ("20100102203040-10", "20100102203040.10"),
            ("20100102-203040-p1", "20100102.203040-patch1"),
            ("201903.0-p2", "201903.0-patch2"),
            ("dev-master", "dev-master"),
            ("master", "dev-master"),
            ("1.x-dev", "1.9999999.9999999.9999999-dev"),
            ("DEV-FOOBAR", "dev-FOOBAR"),
            ("dev-feature+issue-1", "dev-feature+issue-1"),
            ("dev-master as 1.0.0", "dev-master"),
            (
                "dev-load-varnish-only-when-used@dev as ^2.0@dev",
                "dev-load-varnish-only-when-used",
            ),
            ("1.0.0+foo@dev", "1.0.0.0"),
            ("1.0.0-beta.5+foo", "1.0.0.0-beta5"),
            ("1.0.0-alpha-2.1-3+foo", "1.0.0.0-alpha2.1-3"),
            ("1.0.0+foo as 2.0", "1.0.0.0"),
            ("00.01.03.04", "00.01.03.04"),
            ("0700", "0700.0.0.0"),
            ("041.x-dev", "041.9999999.9999999.9999999-dev"),
            ("dev-foo bar", "dev-foo bar"),
            (" 1.0.0", "1.0.0.0"),
            ("1.0-stable-dev", "1.0.0.0"),
            ("1.0-Stable", "1.0.0.0-stable"),
            ("1.0.", "1.0.0.0"),
            ("1.0 -dev", "1.0.9999999.9999999-dev"),
        ] {
            assert_eq!(normalize(input).as_deref(), Ok(expected), "{input:?}");
        }
    }

    // ref: VersionParserTest::failingNormalizedVersions
    #[test]
    fn refuses() {
        for input in [
            "",
            "a",
            "1.0.0-meh",
            "1.0.0.0.0",
            "feature-foo",
            "1.0.0+foo bar",
            "1.0.1-SNAPSHOT",
            "1.0.0<1.0.5-dev",
            "1.0.0-dev<1.0.5-dev",
            "foo bar-dev",
            "1.0 .2",
            " as ",
            " as 1.2",
            "^",
            "~1",
            "1.*",
            "20100102.0.3.4",
            "dev",
            "-dev",
            // 3.4 allows two trailing date groups; 3.3.2 one.
            "20100102.1.0",
            "20230131.0.0",
            "2010-01-02-10-20-30.0.3",
        ] {
            assert!(
                normalize(input).is_err(),
                "{input:?}: {:?}",
                normalize(input)
            );
        }
    }

    fn cmp(a: &str, b: &str) -> Ordering {
        Version::parse(a).unwrap().cmp(&Version::parse(b).unwrap())
    }

    // ref: ComparatorTest (on normalised versions)
    #[test]
    fn compares() {
        assert_eq!(cmp("1.25.0", "1.24.0"), Ordering::Greater);
        assert_eq!(cmp("1.25.0", "1.25.0"), Ordering::Equal);
        assert_eq!(cmp("1.26.0", "dev-foo"), Ordering::Greater);
        assert_eq!(cmp("1.0.0", "1.2-dev"), Ordering::Less);
        assert_eq!(cmp("1.25.0-beta2.1", "1.25.0-b.3"), Ordering::Less);
        assert_eq!(cmp("1.25.0-b2.1", "1.25.0beta.3"), Ordering::Less);
        assert_eq!(cmp("1.25.0-b-2.1", "1.25.0-rc"), Ordering::Less);
        assert_eq!(cmp("1.25.0-beta2.1", "1.25.0-b.2.1"), Ordering::Equal);
        assert_eq!(cmp("1.25.0beta2.1", "1.25.0-b2.1"), Ordering::Equal);
        assert_eq!(cmp("1.0", "1.0.0"), Ordering::Equal);
        assert_eq!(cmp("01.0", "1.0.0"), Ordering::Equal);
        assert_eq!(cmp("1.0.0-dev", "1.0.0-alpha"), Ordering::Less);
        assert_eq!(cmp("1.0.0-RC1", "1.0.0"), Ordering::Less);
        assert_eq!(cmp("1.0.0", "1.0.0-p1"), Ordering::Less);
        assert_eq!(cmp("1.0.0-Stable", "1.0.0-dev"), Ordering::Less);
        assert_eq!(cmp("dev-foo", "dev-foo"), Ordering::Equal);
        assert_ne!(cmp("dev-foo", "dev-bar"), Ordering::Equal);
    }

    #[test]
    fn php_version_compare() {
        let vc = |a: &str, b: &str| version_compare(a.as_bytes(), b.as_bytes());
        assert_eq!(vc("1.0", "1.0.0"), Ordering::Less);
        assert_eq!(vc("1.0rc1", "1.0"), Ordering::Less);
        assert_eq!(vc("1.0pl1", "1.0"), Ordering::Greater);
        assert_eq!(vc("1.0-dev", "1.0-alpha"), Ordering::Less);
        assert_eq!(vc("1.0a", "1.0alpha"), Ordering::Equal);
        assert_eq!(vc("", "1"), Ordering::Less);
        assert_eq!(vc("", ""), Ordering::Equal);
        assert_eq!(vc("1.0.", "1.0"), Ordering::Less);
        assert_eq!(
            vc("99999999999999999999", "99999999999999999998"),
            Ordering::Equal
        );
        assert_eq!(canonicalize(b"1.0rc1-dev_x+y"), b"1.0.rc.1.dev.x.y");
    }
}
