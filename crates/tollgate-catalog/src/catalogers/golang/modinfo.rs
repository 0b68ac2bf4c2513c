//! The module information a Go binary carries (`runtime/debug.ParseBuildInfo`): one line per
//! fact, columns separated by tabs (`\t` below).
//!
//! ```text
//! path\tgithub.com/x/cmd/app
//! mod\tgithub.com/x/cmd\tv1.2.3\th1:…
//! dep\tgolang.org/x/text\tv0.14.0\th1:…
//! =>\tgolang.org/x/text\tv0.15.0\th1:…    (replaces the module on the line before)
//! build\t-ldflags="-X main.version=v1.2.3"
//! ```
//!
//! Parsed as Go parses it: a `mod` or `dep` line has 2 or 3 columns, a `=>` line exactly 3 and
//! follows a `mod` or `dep` line; a `build` line is `key=value`, where a key that is empty or
//! holds `=`, a space, a quote or a control character, and a value that holds a space, a quote or
//! a control character, must be a Go string literal. Any other line is ignored, and so is a final
//! line without its newline (as Go does).

// ref: https://pkg.go.dev/runtime/debug#ParseBuildInfo

/// A module as the build info names it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Module {
    /// Module path.
    pub(super) path: String,
    /// Version, `(devel)` for the main module of a build from a work tree.
    pub(super) version: String,
    /// The module that replaces it (`=>`).
    pub(super) replace: Option<Box<Module>>,
}

/// What the module information says.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct BuildInfo {
    /// The main module (empty path when there is no `mod` line).
    pub(super) main: Module,
    /// The dependencies, in order.
    pub(super) deps: Vec<Module>,
    /// `build` settings, in order.
    pub(super) settings: Vec<(String, String)>,
}

/// Which module a `=>` line would replace.
#[derive(Clone, Copy)]
enum Last {
    None,
    Main,
    Dep(usize),
}

/// Parse the module information; the error names the line.
pub(super) fn parse(text: &str) -> Result<BuildInfo, String> {
    let mut info = BuildInfo::default();
    let mut last = Last::None;
    let mut rest = text;
    let mut number = 1;
    while let Some((line, after)) = rest.split_once('\n') {
        rest = after;
        parse_line(line, &mut info, &mut last)
            .map_err(|reason| format!("line {number}: {reason}"))?;
        number += 1;
    }
    Ok(info)
}

fn parse_line(line: &str, info: &mut BuildInfo, last: &mut Last) -> Result<(), String> {
    if let Some(columns) = line.strip_prefix("mod\t") {
        info.main = module(columns)?;
        *last = Last::Main;
    } else if let Some(columns) = line.strip_prefix("dep\t") {
        info.deps.push(module(columns)?);
        *last = Last::Dep(info.deps.len() - 1);
    } else if let Some(columns) = line.strip_prefix("=>\t") {
        let columns: Vec<&str> = columns.split('\t').collect();
        let [path, version, _sum] = columns[..] else {
            return Err(format!(
                "expected 3 columns for replacement; got {}",
                columns.len()
            ));
        };
        let replaced = match *last {
            Last::None => return Err("replacement with no module on previous line".to_owned()),
            Last::Main => &mut info.main,
            Last::Dep(index) => &mut info.deps[index],
        };
        replaced.replace = Some(Box::new(Module {
            path: path.to_owned(),
            version: version.to_owned(),
            replace: None,
        }));
        *last = Last::None;
    } else if let Some(setting) = line.strip_prefix("build\t") {
        info.settings.push(build_setting(setting)?);
    }
    Ok(())
}

fn module(columns: &str) -> Result<Module, String> {
    let columns: Vec<&str> = columns.split('\t').collect();
    match columns[..] {
        [path, version] | [path, version, _] => Ok(Module {
            path: path.to_owned(),
            version: version.to_owned(),
            replace: None,
        }),
        _ => Err(format!("expected 2 or 3 columns; got {}", columns.len())),
    }
}

fn build_setting(setting: &str) -> Result<(String, String), String> {
    let (key, raw_value) = match setting.as_bytes().first() {
        None => return Err("build line missing '='".to_owned()),
        Some(b'=') => return Err("build line with missing key".to_owned()),
        Some(b'`' | b'"') => {
            let raw_key = quoted_prefix(setting)
                .ok_or_else(|| "invalid quoted key in build line".to_owned())?;
            let after = &setting[raw_key.len()..];
            let Some(c) = after.chars().next() else {
                return Err("build line missing '=' after quoted key".to_owned());
            };
            if c != '=' {
                return Err(format!("unexpected character after quoted key: {c:?}"));
            }
            (unquote(raw_key).unwrap_or_default(), &after[1..])
        }
        Some(_) => {
            let (key, value) = setting
                .split_once('=')
                .ok_or_else(|| "build line missing '=' after key".to_owned())?;
            if key.is_empty() || key.contains(['=', ' ', '\t', '\r', '\n', '"', '`']) {
                return Err(format!("unquoted key {key:?} must be quoted"));
            }
            (key.to_owned(), value)
        }
    };
    let value = match raw_value.as_bytes().first() {
        None => String::new(),
        Some(b'`' | b'"') => {
            unquote(raw_value).ok_or_else(|| "invalid quoted value in build line".to_owned())?
        }
        Some(_) => {
            if raw_value.contains([' ', '\t', '\r', '\n', '"', '`']) {
                return Err(format!("unquoted value {raw_value:?} must be quoted"));
            }
            raw_value.to_owned()
        }
    };
    Ok((key, value))
}

/// The Go string literal (`"…"` or `` `…` ``) that `text` starts with (`strconv.QuotedPrefix`).
pub(super) fn quoted_prefix(text: &str) -> Option<&str> {
    let bytes = text.as_bytes();
    match bytes.first()? {
        b'`' => {
            let end = text[1..].find('`')? + 2;
            Some(&text[..end])
        }
        b'"' => {
            let mut at = 1;
            loop {
                match *bytes.get(at)? {
                    b'"' => return Some(&text[..=at]),
                    b'\n' => return None,
                    _ => {
                        let (_, used) = unquote_char(&bytes[at..], b'"')?;
                        at += used;
                    }
                }
            }
        }
        _ => None,
    }
}

/// The value of a whole Go string literal (`strconv.Unquote` for `"…"` and `` `…` ``); bytes
/// that `\x` escapes make invalid UTF-8 are replaced.
pub(super) fn unquote(literal: &str) -> Option<String> {
    let bytes = literal.as_bytes();
    if bytes.len() < 2 {
        return None;
    }
    let quote = bytes[0];
    if bytes[bytes.len() - 1] != quote {
        return None;
    }
    let inner = &bytes[1..bytes.len() - 1];
    match quote {
        b'`' => {
            if inner.contains(&b'`') {
                return None;
            }
            let kept: Vec<u8> = inner.iter().copied().filter(|&b| b != b'\r').collect();
            Some(String::from_utf8_lossy(&kept).into_owned())
        }
        b'"' => {
            let mut out = Vec::with_capacity(inner.len());
            let mut at = 0;
            while at < inner.len() {
                if inner[at] == b'\n' {
                    return None;
                }
                let (decoded, used) = unquote_char(&inner[at..], b'"')?;
                out.extend_from_slice(&decoded);
                at += used;
            }
            Some(String::from_utf8_lossy(&out).into_owned())
        }
        _ => None,
    }
}

/// One character of a Go string literal body (`strconv.UnquoteChar`): its bytes and how many
/// bytes of input it used.
fn unquote_char(input: &[u8], quote: u8) -> Option<(Vec<u8>, usize)> {
    let first = *input.first()?;
    if first == quote {
        return None;
    }
    if first >= 0x80 {
        // A UTF-8 sequence (or one invalid byte) is taken as it is.
        let length = match first {
            0xc0..=0xdf => 2,
            0xe0..=0xef => 3,
            0xf0..=0xf7 => 4,
            _ => 1,
        };
        let length = length.min(input.len());
        return Some((input[..length].to_vec(), length));
    }
    if first != b'\\' {
        return Some((vec![first], 1));
    }
    let escape = *input.get(1)?;
    let simple = match escape {
        b'a' => Some(0x07),
        b'b' => Some(0x08),
        b'f' => Some(0x0c),
        b'n' => Some(b'\n'),
        b'r' => Some(b'\r'),
        b't' => Some(b'\t'),
        b'v' => Some(0x0b),
        b'\\' => Some(b'\\'),
        b'\'' | b'"' if escape == quote => Some(escape),
        _ => None,
    };
    if let Some(byte) = simple {
        return Some((vec![byte], 2));
    }
    match escape {
        b'x' => {
            let value = hex(input.get(2..4)?)?;
            Some((vec![u8::try_from(value).ok()?], 4))
        }
        b'u' | b'U' => {
            let digits = if escape == b'u' { 4 } else { 8 };
            let value = hex(input.get(2..2 + digits)?)?;
            let c = char::from_u32(value)?;
            Some((c.to_string().into_bytes(), 2 + digits))
        }
        b'0'..=b'7' => {
            let digits = input.get(1..4)?;
            let mut value: u32 = 0;
            for &d in digits {
                if !(b'0'..=b'7').contains(&d) {
                    return None;
                }
                value = value * 8 + u32::from(d - b'0');
            }
            Some((vec![u8::try_from(value).ok()?], 4))
        }
        _ => None,
    }
}

fn hex(digits: &[u8]) -> Option<u32> {
    let text = std::str::from_utf8(digits).ok()?;
    if !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(text, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module(path: &str, version: &str) -> Module {
        Module {
            path: path.to_owned(),
            version: version.to_owned(),
            replace: None,
        }
    }

    #[test]
    fn golang_modinfo_full() {
        let text = "path\tgithub.com/x/app\n\
                    mod\tgithub.com/x/app\t(devel)\t\n\
                    dep\tgithub.com/a/b\tv1.0.0\th1:abc=\n\
                    =>\tgithub.com/c/b\tv1.1.0\th1:def=\n\
                    dep\tgithub.com/d/e\tv0.1.0\n\
                    =>\t../local\t\t\n\
                    go\tgo1.22.1\n\
                    build\t-ldflags=\"-w -X main.version=v1.0.0\"\n\
                    build\tCGO_ENABLED=0\n\
                    build\tCGO_CFLAGS=\n\
                    build\t\"quoted key\"=`raw value`\n\
                    unknown line\n\
                    dep\tignored/without/newline\tv1";
        let info = parse(text).unwrap();
        assert_eq!(info.main, module("github.com/x/app", "(devel)"));
        assert_eq!(
            info.deps,
            vec![
                Module {
                    replace: Some(Box::new(module("github.com/c/b", "v1.1.0"))),
                    ..module("github.com/a/b", "v1.0.0")
                },
                Module {
                    replace: Some(Box::new(module("../local", ""))),
                    ..module("github.com/d/e", "v0.1.0")
                },
            ]
        );
        let settings: Vec<(&str, &str)> = info
            .settings
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            settings,
            [
                ("-ldflags", "-w -X main.version=v1.0.0"),
                ("CGO_ENABLED", "0"),
                ("CGO_CFLAGS", ""),
                ("quoted key", "raw value"),
            ]
        );
        assert_eq!(parse("").unwrap(), BuildInfo::default());
        // A replacement of the main module.
        let info = parse("mod\ta\tv1\n=>\tb\tv2\t\n").unwrap();
        assert_eq!(info.main.replace, Some(Box::new(module("b", "v2"))));
    }

    #[test]
    fn golang_modinfo_errors_name_the_line() {
        for (text, error) in [
            ("mod\ta\n", "line 1: expected 2 or 3 columns; got 1"),
            (
                "path\tx\ndep\ta\tb\tc\td\n",
                "line 2: expected 2 or 3 columns; got 4",
            ),
            (
                "=>\ta\tv1\t\n",
                "line 1: replacement with no module on previous line",
            ),
            (
                "dep\ta\tv1\n=>\tb\tv2\t\n=>\tc\tv3\t\n",
                "line 3: replacement with no module on previous line",
            ),
            (
                "dep\ta\tv1\n=>\tb\tv2\n",
                "line 2: expected 3 columns for replacement; got 2",
            ),
            ("build\t\n", "line 1: build line missing '='"),
            ("build\t=x\n", "line 1: build line with missing key"),
            ("build\tkey\n", "line 1: build line missing '=' after key"),
            (
                "build\tk y=1\n",
                "line 1: unquoted key \"k y\" must be quoted",
            ),
            (
                "build\tk=a b\n",
                "line 1: unquoted value \"a b\" must be quoted",
            ),
            ("build\t\"k\n", "line 1: invalid quoted key in build line"),
            (
                "build\t\"k\"\n",
                "line 1: build line missing '=' after quoted key",
            ),
            (
                "build\t\"k\"x\n",
                "line 1: unexpected character after quoted key: 'x'",
            ),
            (
                "build\tk=\"a\n",
                "line 1: invalid quoted value in build line",
            ),
            (
                "build\tk=\"\\q\"\n",
                "line 1: invalid quoted value in build line",
            ),
        ] {
            assert_eq!(parse(text).unwrap_err(), error, "{text:?}");
        }
    }

    #[test]
    fn golang_unquote_like_strconv() {
        assert_eq!(
            unquote(r#""a\tb\x41\101\u00e9\U0001F600\"\\""#).unwrap(),
            "a\tbAAé😀\"\\"
        );
        assert_eq!(unquote("`a\r\nb`").unwrap(), "a\nb");
        assert_eq!(unquote(r#""\xff""#).unwrap(), "\u{fffd}");
        for bad in [
            r#""a"#,
            r#"""#,
            r#""a"b""#,
            r#""\'""#,
            r#""\400""#,
            r#""\ud800""#,
            "`a`b`",
            "'a'",
            "\"a\nb\"",
        ] {
            assert_eq!(unquote(bad), None, "{bad:?}");
        }
        assert_eq!(quoted_prefix(r#""a\"b"=c"#), Some(r#""a\"b""#));
        assert_eq!(quoted_prefix("`a`=b"), Some("`a`"));
        assert_eq!(quoted_prefix("\"a"), None);
        assert_eq!(quoted_prefix("\"\\"), None);
        assert_eq!(quoted_prefix("\"é\"="), Some("\"é\""));
    }
}
