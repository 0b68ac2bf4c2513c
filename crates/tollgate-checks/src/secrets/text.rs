//! Byte-level helpers of the secret scan: Shannon entropy, line numbers, and the redacted line
//! a finding shows.

use std::ops::Range;

/// Leading characters of a secret left visible (fewer for short secrets): enough to recognise
/// the kind of token (`ghp_`, `AKIA`), too few to use it.
const KEEP: usize = 4;
/// Most `*` standing for one secret: a 3 KB key body need not become 3 KB of stars.
const MAX_STARS: usize = 32;
/// Context kept on each side of the secret when the line is long (minified code, JSON).
const CONTEXT: usize = 60;

/// Shannon entropy of `bytes`, in bits per byte (0 for a repeated byte, 8 at most).
pub(crate) fn entropy(bytes: &[u8]) -> f64 {
    if bytes.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &byte in bytes {
        counts[usize::from(byte)] += 1;
    }
    #[allow(clippy::cast_precision_loss)] // lengths are far below 2^52
    let total = bytes.len() as f64;
    counts
        .iter()
        .filter(|&&count| count > 0)
        .map(|&count| {
            let p = f64::from(count) / total;
            -p * p.log2()
        })
        .sum()
}

/// Bytes looked at on each side of a match to find its line: a hostile file made of one long
/// line must not make each of its matches cost the whole file.
const LINE_WINDOW: usize = 1024;

/// The line holding byte `at` (without its line break), cut to [`LINE_WINDOW`] bytes on each
/// side of `at`.
pub(crate) struct Line {
    pub(crate) range: Range<usize>,
    /// More of the line precedes `range`.
    pub(crate) cut_before: bool,
    /// More of the line follows `range`.
    pub(crate) cut_after: bool,
}

pub(crate) fn line_around(content: &[u8], at: usize) -> Line {
    let at = at.min(content.len());
    let floor = at.saturating_sub(LINE_WINDOW);
    let ceiling = at.saturating_add(LINE_WINDOW).min(content.len());
    let (start, cut_before) = match content[floor..at].iter().rposition(|&b| b == b'\n') {
        Some(i) => (floor + i + 1, false),
        None => (floor, floor > 0),
    };
    let (end, cut_after) = match content[at..ceiling].iter().position(|&b| b == b'\n') {
        Some(i) => (at + i, false),
        None => (ceiling, ceiling < content.len()),
    };
    Line {
        range: start..end,
        cut_before,
        cut_after,
    }
}

/// Line numbers of increasing offsets, counting each stretch of the file once.
pub(crate) struct LineCounter<'a> {
    content: &'a [u8],
    offset: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    pub(crate) fn new(content: &'a [u8]) -> Self {
        Self {
            content,
            offset: 0,
            line: 1,
        }
    }

    /// The 1-based line of byte `at`; offsets smaller than the last one asked restart the count.
    pub(crate) fn line_of(&mut self, at: usize) -> u64 {
        let at = at.min(self.content.len());
        if at < self.offset {
            self.offset = 0;
            self.line = 1;
        }
        let breaks = self.content[self.offset..at]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.line += breaks as u64;
        self.offset = at;
        self.line
    }
}

/// The line holding byte `at`, with the part of `secret` on it replaced by `*` (its first
/// characters kept), cut to some context around the secret when long, as printable text.
pub(crate) fn redacted_line(content: &[u8], at: usize, secret: Range<usize>) -> String {
    let Line {
        range: line,
        cut_before,
        cut_after,
    } = line_around(content, at);
    let bytes = &content[line.clone()];
    let clip = |offset: usize| offset.clamp(line.start, line.end) - line.start;
    let (start, end) = (clip(secret.start), clip(secret.end));
    let keep = if secret.start >= line.start {
        KEEP.min(secret.len() / 4).min(end - start)
    } else {
        0
    };
    let stars = (end - start - keep).min(MAX_STARS);

    let from = start.saturating_sub(CONTEXT);
    let to = end.saturating_add(CONTEXT).min(bytes.len());
    let mut out = String::new();
    if from > 0 || cut_before {
        out.push('…');
    }
    push_printable(&mut out, &bytes[from..start + keep]);
    out.extend(std::iter::repeat_n('*', stars));
    push_printable(&mut out, &bytes[end..to]);
    if to < bytes.len() || cut_after {
        out.push('…');
    }
    out.trim_end().to_owned()
}

/// Append `bytes` as text: invalid UTF-8 and control characters (but tabs) become U+FFFD, so a
/// report never carries escape sequences from a hostile file.
fn push_printable(out: &mut String, bytes: &[u8]) {
    for c in String::from_utf8_lossy(bytes).chars() {
        if c.is_control() && c != '\t' {
            if c != '\r' {
                out.push('\u{FFFD}');
            }
        } else {
            out.push(c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_of_known_strings() {
        assert!(entropy(b"").abs() < f64::EPSILON);
        assert!(entropy(b"aaaaaaaa").abs() < f64::EPSILON);
        assert!((entropy(b"abab") - 1.0).abs() < 1e-9);
        assert!((entropy(b"0123456789abcdef") - 4.0).abs() < 1e-9);
    }

    #[test]
    fn lines_are_counted_from_one_in_any_order() {
        let content = b"a\nb\n\nc";
        let mut lines = LineCounter::new(content);
        assert_eq!(lines.line_of(0), 1);
        assert_eq!(lines.line_of(2), 2);
        assert_eq!(lines.line_of(5), 4);
        assert_eq!(lines.line_of(1), 1);
        assert_eq!(lines.line_of(99), 4);
    }

    #[test]
    fn the_secret_is_starred_and_long_lines_cut() {
        let content = b"first\nexport TOKEN=ghp_abcdefghijklmnop # note\r\nlast";
        let at = 6;
        let start = 19;
        let secret = start..start + 20;
        assert_eq!(
            redacted_line(content, at, secret),
            "export TOKEN=ghp_**************** # note"
        );
        let mut long = vec![b'a'; 500];
        long.extend_from_slice(b"=SECRETVALUE=");
        long.extend(vec![b'b'; 500]);
        let shown = redacted_line(&long, 0, 501..512);
        assert!(shown.starts_with('…') && shown.ends_with('…'), "{shown}");
        assert!(shown.contains("=SE*********="), "{shown}");
        assert!(shown.chars().count() < 2 * CONTEXT + 20);
    }

    #[test]
    fn a_secret_starting_on_a_later_line_leaves_the_line_as_is() {
        let content = b"-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n";
        assert_eq!(
            redacted_line(content, 0, 32..48),
            "-----BEGIN RSA PRIVATE KEY-----"
        );
    }

    #[test]
    fn control_characters_do_not_reach_the_report() {
        let content = b"x=\x1b[31mAKIA\xff";
        let shown = redacted_line(content, 0, 8..13);
        assert!(!shown.contains('\x1b'), "{shown}");
    }
}
