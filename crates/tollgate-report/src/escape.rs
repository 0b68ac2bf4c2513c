//! Escaping for each syntax a report is written in. Package names, paths and summaries come from
//! images and advisory feeds, so every one of them is treated as hostile: no text from a report
//! reaches markup, Markdown or a URI unescaped.

use std::fmt::Write as _;

/// A character XML 1.0 does not allow in a document at all, not even as a character reference:
/// the C0 controls other than tab, newline and carriage return, and U+FFFE and U+FFFF.
///
/// ref: <https://www.w3.org/TR/xml/#charsets> (`Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] |
/// [#xE000-#xFFFD] | [#x10000-#x10FFFF]`)
fn forbidden_in_xml(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}')
}

/// Text for XML or HTML character data and quoted attribute values: the five characters markup
/// gives meaning to become references, and characters XML forbids become U+FFFD (a feed's stray
/// escape sequence must not make the whole report unreadable).
pub(crate) fn markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if forbidden_in_xml(c) => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// Text for an XML attribute value: as [`markup`], and tab, newline and carriage return as
/// references too, which attribute-value normalisation would otherwise turn into spaces.
///
/// ref: <https://www.w3.org/TR/xml/#AVNormalize>
pub(crate) fn xml_attribute(text: &str) -> String {
    markup(text)
        .replace('\t', "&#9;")
        .replace('\n', "&#10;")
        .replace('\r', "&#13;")
}

/// Text for Markdown (SARIF `help.markdown`, shown by GitHub): every ASCII punctuation character
/// is backslash-escaped, so a summary cannot add links, images, HTML or table cells, and line
/// breaks and controls become spaces, so it stays within its paragraph or table cell.
///
/// ref: <https://spec.commonmark.org/0.31.2/#backslash-escapes> ("Any ASCII punctuation
/// character may be backslash-escaped")
pub(crate) fn markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_punctuation() {
            out.push('\\');
            out.push(c);
        } else if c.is_control() {
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    out
}

/// Text for a SARIF plain-text message, where `[text](target)` is an embedded link: a backslash
/// and brackets are escaped, so that a package name cannot forge one.
///
/// ref: <https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/sarif-v2.1.0-errata01-os-complete.html>
/// §3.11.6, "Messages with embedded links"
pub(crate) fn sarif_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '[' | ']') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Text for a terminal: control characters (an escape sequence that would move the cursor,
/// clear the screen or retitle the window; a line break that would forge a table row) are shown
/// as their escapes (`\u{1b}`, `\n`) instead of acting, and so are the bidirectional overrides
/// and isolates, which would show a name other than the one that is there.
pub(crate) fn terminal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}') {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether `byte` may stand for itself in a URI path (RFC 3986 `pchar` and `/`), except `:`,
/// which would make a relative reference's first segment read as a scheme.
fn path_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric()
        || matches!(
            byte,
            b'-' | b'.'
                | b'_'
                | b'~'
                | b'!'
                | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b'@'
                | b'/'
        )
}

/// `text` as a URI path: every other byte of its UTF-8 percent-encoded.
///
/// ref: <https://www.rfc-editor.org/rfc/rfc3986#section-3.3>
pub(crate) fn uri_path(text: &str) -> String {
    percent_encode(text, path_byte)
}

/// `text` as one URI path segment (a `/` is encoded too).
pub(crate) fn uri_segment(text: &str) -> String {
    percent_encode(text, |byte| byte != b'/' && path_byte(byte))
}

fn percent_encode(text: &str, keep: impl Fn(u8) -> bool) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if keep(byte) {
            out.push(char::from(byte));
        } else {
            // Writing to a String cannot fail.
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_escapes_the_five_and_replaces_what_xml_forbids() {
        assert_eq!(
            markup("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(
            markup("a\u{1b}[31m\u{0}b\tc\n"),
            "a\u{fffd}[31m\u{fffd}b\tc\n"
        );
        assert_eq!(markup("ünï ✓ \u{10348}"), "ünï ✓ \u{10348}");
        assert_eq!(xml_attribute("a\tb\nc\rd"), "a&#9;b&#10;c&#13;d");
    }

    #[test]
    fn markdown_cannot_add_links_images_or_cells() {
        assert_eq!(
            markdown("![x](http://t/x.png) | <b>\nnext"),
            "\\!\\[x\\]\\(http\\:\\/\\/t\\/x\\.png\\) \\| \\<b\\> next"
        );
    }

    #[test]
    fn sarif_text_cannot_embed_links() {
        assert_eq!(sarif_text("[x](0) a\\b"), "\\[x\\](0) a\\\\b");
    }

    #[test]
    fn terminal_text_cannot_carry_escape_sequences() {
        assert_eq!(
            terminal("a\u{1b}[2Jb\nc\u{9b}d ü\u{202e}x"),
            "a\\u{1b}[2Jb\\nc\\u{9b}d ü\\u{202e}x"
        );
    }

    #[test]
    fn uri_paths_are_percent_encoded() {
        assert_eq!(uri_path("var/lib/dpkg/status"), "var/lib/dpkg/status");
        assert_eq!(
            uri_path("app/a b/c:d/ü?#%<>"),
            "app/a%20b/c%3Ad/%C3%BC%3F%23%25%3C%3E"
        );
        assert_eq!(uri_segment("GHSA/x y"), "GHSA%2Fx%20y");
    }
}
