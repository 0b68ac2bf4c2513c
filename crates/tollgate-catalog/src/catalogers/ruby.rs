//! Installed Ruby gems (`ruby-gemspec`), from the specifications RubyGems writes when it
//! installs a gem: `<gem home>/specifications/<name>-<version>[-<platform>].gemspec`, and
//! `specifications/default/` for the default gems that ship with Ruby
//! (`/usr/local/lib/ruby/gems/3.2.0/specifications/…`, `/var/lib/gems/2.7.0/specifications/…`,
//! Bundler's `/usr/local/bundle/specifications/…`).
//!
//! A specification is Ruby source (`Gem::Specification#to_ruby`):
//!
//! ```text
//! Gem::Specification.new do |s|
//!   s.name = "rake".freeze
//!   s.version = "13.0.3"
//!   s.licenses = ["MIT".freeze]
//! ```
//!
//! It is read without a Ruby interpreter, as Trivy reads it: the block variable comes from the
//! `Gem::Specification.new … |s|` line, and the statements `s.name = …`, `s.version = …`,
//! `s.license = …` and `s.licenses = …` that begin a line (or follow a `;`) are evaluated when
//! their value is a literal: a string (`"…"` with `String#dump`'s escapes, `'…'`, `%q{…}`,
//! which RubyGems 1.x wrote, `%Q{…}`), optionally `.freeze`d, `Gem::Version.new("…")`, an array
//! of strings or a `%w[…]` word list, or `nil`. A trailing comment or `if`/`unless` modifier is
//! ignored. The last assignment wins, as in Ruby; `license = x` and `licenses = x` both set the
//! licenses (`licenses = "MIT"` is `Array("MIT")` to RubyGems, so it is `["MIT"]` here, where
//! Trivy, matching `[…]` only, reports no license).
//!
//! What is an error (the file becomes an unknown): no `Gem::Specification.new` block, no name
//! or no version, a name or version that is not a literal (`s.version = Foo::VERSION`, string
//! interpolation: only a hand-written gemspec has those, and its value cannot be known here),
//! or one that RubyGems would reject (a name outside `[A-Za-z0-9._-]`, a version that does not
//! start with a digit). A license that is not a literal is left out rather than failing the
//! whole gem: licenses describe a package, the name and version identify it. The platform
//! (`s.platform = "x86_64-linux"`) is not part of the version, as Trivy and Syft report it.

// ref: https://guides.rubygems.org/specification-reference/
// ref: https://github.com/ruby/rubygems/blob/master/lib/rubygems/specification.rb (`to_ruby`)
// ref: https://github.com/aquasecurity/trivy/blob/main/pkg/dependency/parser/ruby/gemspec/parse.go

use std::io::Read;

use tollgate_oci::{Selector, VisitedFile};

use crate::cataloger::{CatalogError, Cataloger, excerpt};
use crate::{Ecosystem, Package};

const FORMAT: &str = "gemspec";
const SPEC_NEW: &str = "Gem::Specification.new";

/// Most bytes read from one specification. RubyGems writes a few KiB (the long description is
/// the largest part); a file past this is not a specification.
const MAX_SPEC_BYTES: u64 = 4 << 20;

pub(crate) struct RubyGemspec;

impl Cataloger for RubyGemspec {
    fn id(&self) -> &'static str {
        "ruby-gemspec"
    }

    fn version(&self) -> u32 {
        1
    }

    fn selectors(&self) -> &'static [Selector] {
        &[
            Selector::Glob("**/specifications/*.gemspec"),
            Selector::Glob("**/specifications/default/*.gemspec"),
        ]
    }

    fn catalog(
        &self,
        file: &VisitedFile<'_>,
        content: &mut dyn Read,
    ) -> Result<Vec<Package>, CatalogError> {
        let bytes = tollgate_oci::read_capped(content, file.buffer_limit.min(MAX_SPEC_BYTES))?;
        let text = String::from_utf8_lossy(&bytes);
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        Ok(vec![parse(text)?])
    }
}

/// The attributes read.
#[derive(Default)]
struct Spec {
    name: Option<String>,
    version: Option<String>,
    licenses: Vec<String>,
}

/// A literal value on the right of an assignment.
#[derive(Debug, PartialEq)]
enum Value {
    Nil,
    String(String),
    Version(String),
    Array(Vec<String>),
}

fn parse(text: &str) -> Result<Package, CatalogError> {
    let mut cursor = Cursor::new(text);
    // Everything before `Gem::Specification.new` (the encoding and stub comments) is skipped.
    let var = loop {
        if cursor.at_end() {
            return Err(CatalogError::malformed(
                FORMAT,
                format!("no `{SPEC_NEW} do |…|` block"),
            ));
        }
        let line = cursor.rest_of_line();
        if let Some(at) = line.find(SPEC_NEW) {
            let var = block_variable(&line[at + SPEC_NEW.len()..]).ok_or_else(|| {
                CatalogError::malformed(
                    FORMAT,
                    format!(
                        "line {}: `{SPEC_NEW}` has no block variable (`do |s|`)",
                        cursor.line
                    ),
                )
            })?;
            cursor.next_line();
            break var;
        }
        cursor.next_line();
    };
    let mut spec = Spec::default();
    while !cursor.at_end() {
        let statement_line = cursor.line;
        let line = cursor.rest_of_line();
        // Where the line ends, to go on from when a license cannot be evaluated.
        let line_end = cursor.at + line.len();
        let attribute = match assignment(line, var) {
            Some((attribute @ ("name" | "version" | "license" | "licenses"), value_at)) => {
                cursor.advance(value_at);
                attribute
            }
            _ => {
                cursor.next_line();
                continue;
            }
        };
        let value = cursor.value().and_then(|value| {
            cursor.end_of_statement()?;
            Ok(value)
        });
        match (attribute, value) {
            (_, Ok(value)) => assign(&mut spec, var, attribute, value, statement_line)?,
            ("license" | "licenses", Err(_)) => {
                // Left out (see the module docs). Statements on the lines an unclosed array
                // ran onto are read as usual.
                cursor.resume_after(line_end, statement_line);
            }
            (_, Err(reason)) => {
                return Err(CatalogError::malformed(
                    FORMAT,
                    format!("line {}: `{var}.{attribute}`: {reason}", cursor.line),
                ));
            }
        }
    }
    let Some(name) = spec.name else {
        return Err(CatalogError::malformed(
            FORMAT,
            format!("no `{var}.name` assignment"),
        ));
    };
    let Some(version) = spec.version else {
        return Err(CatalogError::malformed(
            FORMAT,
            format!("no `{var}.version` assignment"),
        ));
    };
    let mut package = Package::new(Ecosystem::Gem, name, version);
    package.licenses = spec.licenses;
    Ok(package)
}

/// Record `value` as `attribute`, checking names and versions as RubyGems would.
fn assign(
    spec: &mut Spec,
    var: &str,
    attribute: &str,
    value: Value,
    line: usize,
) -> Result<(), CatalogError> {
    let invalid = |what: &str| {
        CatalogError::malformed(FORMAT, format!("line {line}: `{var}.{attribute}` {what}"))
    };
    match (attribute, value) {
        ("name", Value::String(name)) => {
            if !is_gem_name(&name) {
                return Err(invalid(&format!(
                    "`{}` is not a gem name",
                    excerpt(name.as_bytes())
                )));
            }
            spec.name = Some(name);
        }
        ("version", Value::String(version) | Value::Version(version)) => {
            // `Gem::Version.new` strips surrounding whitespace.
            let version = version.trim();
            if !is_gem_version(version) {
                return Err(invalid(&format!(
                    "`{}` is not a gem version",
                    excerpt(version.as_bytes())
                )));
            }
            spec.version = Some(version.to_owned());
        }
        ("name" | "version", other) => {
            return Err(invalid(&format!("is {}, not a string", describe(&other))));
        }
        (_, Value::Nil) => spec.licenses.clear(),
        (_, Value::String(license) | Value::Version(license)) => {
            spec.licenses = non_empty(vec![license]);
        }
        (_, Value::Array(licenses)) => spec.licenses = non_empty(licenses),
    }
    Ok(())
}

fn non_empty(licenses: Vec<String>) -> Vec<String> {
    licenses
        .into_iter()
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect()
}

fn describe(value: &Value) -> &'static str {
    match value {
        Value::Nil => "`nil`",
        Value::String(_) => "a string",
        Value::Version(_) => "a `Gem::Version`",
        Value::Array(_) => "an array",
    }
}

/// RubyGems' `Specification::VALID_NAME_PATTERN`: `\A[a-zA-Z0-9\.\-\_]+\z`.
fn is_gem_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

/// The shape of RubyGems' `Gem::Version::ANCHORED_VERSION_PATTERN`
/// (`[0-9]+(\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?`), without its corner cases:
/// a digit first, then letters, digits, dots and dashes.
fn is_gem_version(version: &str) -> bool {
    version.starts_with(|c: char| c.is_ascii_digit())
        && version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
}

/// The block variable of `Gem::Specification.new do |s|` (or `{ |s|`), from the text after
/// `Gem::Specification.new` on its line.
fn block_variable(rest: &str) -> Option<&str> {
    rest.split_once('|')
        .and_then(|(_, after)| after.split_once('|'))
        .map(|(var, _)| var.trim())
        .filter(|var| is_identifier(var))
}

fn is_identifier(text: &str) -> bool {
    text.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `s.attribute = …` at the start of `line` (after indentation): the attribute and the offset
/// of the value. `s.a == b`, `s.a =~ b` and `s.a => b` are not assignments.
fn assignment<'a>(line: &'a str, var: &str) -> Option<(&'a str, usize)> {
    let indent = line.len() - line.trim_start().len();
    let after_var = line[indent..].strip_prefix(var)?.strip_prefix('.')?;
    let name_len = after_var
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(after_var.len());
    let (attribute, rest) = after_var.split_at(name_len);
    let spaces = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    let value = rest[spaces..].strip_prefix('=')?;
    if attribute.is_empty() || value.starts_with(['=', '~', '>']) {
        return None;
    }
    Some((attribute, line.len() - value.len()))
}

/// A position in the text, with its line number.
struct Cursor<'a> {
    text: &'a str,
    at: usize,
    line: usize,
}

impl<'a> Cursor<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            text,
            at: 0,
            line: 1,
        }
    }

    fn at_end(&self) -> bool {
        self.at >= self.text.len()
    }

    fn rest(&self) -> &'a str {
        &self.text[self.at..]
    }

    fn rest_of_line(&self) -> &'a str {
        let rest = self.rest();
        rest.find('\n').map_or(rest, |end| &rest[..end])
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.at += c.len_utf8();
        if c == '\n' {
            self.line += 1;
        }
        Some(c)
    }

    /// Move `bytes` forward within the current line.
    fn advance(&mut self, bytes: usize) {
        self.at = (self.at + bytes).min(self.text.len());
    }

    /// Move to the start of the next line.
    fn next_line(&mut self) {
        match self.rest().find('\n') {
            Some(end) => {
                self.at += end + 1;
                self.line += 1;
            }
            None => self.at = self.text.len(),
        }
    }

    /// Go on after `line_end`, the end of line `line`.
    fn resume_after(&mut self, line_end: usize, line: usize) {
        self.at = (line_end + 1).min(self.text.len());
        self.line = line + 1;
    }

    /// Skip spaces and tabs (not newlines).
    fn skip_blanks(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t' | '\r')) {
            self.bump();
        }
    }

    /// Skip whitespace, newlines and comments (inside an array).
    fn skip_space(&mut self) {
        loop {
            match self.peek() {
                Some(' ' | '\t' | '\r' | '\n') => {
                    self.bump();
                }
                Some('#') => {
                    while self.peek().is_some_and(|c| c != '\n') {
                        self.bump();
                    }
                }
                _ => return,
            }
        }
    }

    fn eat(&mut self, prefix: &str) -> bool {
        if self.rest().starts_with(prefix) {
            self.at += prefix.len();
            true
        } else {
            false
        }
    }

    /// The next few characters, for an error message.
    fn here(&self) -> String {
        let line = self.rest_of_line();
        if line.trim().is_empty() {
            "the end of the line".to_owned()
        } else {
            format!("`{}`", excerpt(line.trim_end().as_bytes()))
        }
    }

    /// A literal value (see the module docs).
    fn value(&mut self) -> Result<Value, String> {
        self.skip_blanks();
        let value = if self.eat("Gem::Version.new") {
            self.skip_blanks();
            let parenthesised = self.eat("(");
            self.skip_blanks();
            let version = self.string()?;
            self.skip_blanks();
            if parenthesised && !self.eat(")") {
                return Err(format!("expected `)` but found {}", self.here()));
            }
            Value::Version(version)
        } else if self.peek() == Some('[') {
            self.bump();
            self.array()?
        } else if self.eat("%w") || self.eat("%W") {
            Value::Array(
                self.delimited(false)?
                    .split_whitespace()
                    .map(str::to_owned)
                    .collect(),
            )
        } else if self.rest().starts_with("nil")
            && !self.rest()[3..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
        {
            self.at += 3;
            Value::Nil
        } else {
            Value::String(self.string()?)
        };
        self.eat(".freeze");
        Ok(value)
    }

    /// The elements of `[…]`, after the `[`: string literals separated by commas, across lines.
    fn array(&mut self) -> Result<Value, String> {
        let mut items = Vec::new();
        loop {
            self.skip_space();
            if self.eat("]") {
                return Ok(Value::Array(items));
            }
            items.push(self.string()?);
            self.skip_space();
            if self.eat("]") {
                return Ok(Value::Array(items));
            }
            if !self.eat(",") {
                return Err(format!(
                    "expected `,` or `]` in the array but found {}",
                    self.here()
                ));
            }
        }
    }

    /// A string literal, optionally `.freeze`d.
    fn string(&mut self) -> Result<String, String> {
        let text = match self.peek() {
            Some('"') => {
                self.bump();
                self.quoted('"', '"', true)?
            }
            Some('\'') => {
                self.bump();
                self.quoted('\'', '\'', false)?
            }
            Some('%') if self.eat("%q") => self.delimited(false)?,
            Some('%') if self.eat("%Q") || self.eat("%") => self.delimited(true)?,
            _ => {
                return Err(format!(
                    "expected a string literal but found {}",
                    self.here()
                ));
            }
        };
        self.eat(".freeze");
        Ok(text)
    }

    /// The body of `%q`/`%Q`/`%w` after the `%q`: the delimiter is the next character; brackets
    /// nest, as in Ruby.
    fn delimited(&mut self, double: bool) -> Result<String, String> {
        let (open, close) = match self.bump() {
            Some('{') => ('{', '}'),
            Some('(') => ('(', ')'),
            Some('[') => ('[', ']'),
            Some('<') => ('<', '>'),
            Some(c) if c.is_ascii_punctuation() => (c, c),
            _ => return Err("expected a `%q` delimiter".to_owned()),
        };
        self.quoted(open, close, double)
    }

    /// The body of a string up to its closing delimiter, unescaped. Only single-line bodies are
    /// read: the values read here never span lines, and refusing to look past the line keeps
    /// a file of unterminated strings linear.
    fn quoted(&mut self, open: char, close: char, double: bool) -> Result<String, String> {
        let mut out: Vec<u8> = Vec::new();
        let mut depth = 0_usize;
        let start_line = self.line;
        loop {
            let Some(c) = self.peek() else {
                return Err(format!("unterminated string on line {start_line}"));
            };
            if c == '\n' {
                return Err(format!("unterminated string on line {start_line}"));
            }
            self.bump();
            match c {
                '\\' if double => self.escape(&mut out)?,
                '\\' => match self.peek() {
                    Some(next) if next == '\\' || next == open || next == close => {
                        self.bump();
                        push_char(&mut out, next);
                    }
                    _ => out.push(b'\\'),
                },
                '#' if double && matches!(self.peek(), Some('{' | '@' | '$')) => {
                    return Err("string interpolation cannot be evaluated".to_owned());
                }
                c if c == close && depth == 0 => {
                    return Ok(String::from_utf8_lossy(&out).into_owned());
                }
                c if c == close => {
                    depth -= 1;
                    push_char(&mut out, c);
                }
                c if c == open && open != close => {
                    depth += 1;
                    push_char(&mut out, c);
                }
                c => push_char(&mut out, c),
            }
        }
    }

    /// A backslash escape of a double-quoted string, after the `\`: `String#dump`'s forms
    /// (`\"`, `\\`, `\n`, `\e`, `\#`, `\xNN`, `\u{…}`, `\uNNNN`) and octal; any other
    /// character stands for itself, as in Ruby.
    fn escape(&mut self, out: &mut Vec<u8>) -> Result<(), String> {
        let Some(c) = self.peek().filter(|&c| c != '\n') else {
            return Err("a `\\` at the end of the line".to_owned());
        };
        self.bump();
        let simple = match c {
            'n' => Some(b'\n'),
            't' => Some(b'\t'),
            'r' => Some(b'\r'),
            'e' => Some(0x1b),
            's' => Some(b' '),
            'a' => Some(0x07),
            'b' => Some(0x08),
            'f' => Some(0x0c),
            'v' => Some(0x0b),
            _ => None,
        };
        if let Some(byte) = simple {
            out.push(byte);
            return Ok(());
        }
        match c {
            'x' => {
                let digits = self.take_while(2, |c| c.is_ascii_hexdigit());
                let byte = u8::from_str_radix(digits, 16)
                    .map_err(|_| "`\\x` without hexadecimal digits".to_owned())?;
                out.push(byte);
            }
            'u' => {
                let code = if self.eat("{") {
                    let digits = self.take_while(6, |c| c.is_ascii_hexdigit());
                    if !self.eat("}") {
                        return Err("unterminated `\\u{…}` escape".to_owned());
                    }
                    digits
                } else {
                    self.take_while(4, |c| c.is_ascii_hexdigit())
                };
                let c = u32::from_str_radix(code, 16)
                    .ok()
                    .and_then(char::from_u32)
                    .ok_or_else(|| format!("`\\u{code}` is not a character"))?;
                push_char(out, c);
            }
            '0'..='7' => {
                let rest = self.take_while(2, |c| matches!(c, '0'..='7'));
                let value = u32::from_str_radix(&format!("{c}{rest}"), 8).unwrap_or(0);
                out.push(u8::try_from(value & 0xff).unwrap_or(0));
            }
            other => push_char(out, other),
        }
        Ok(())
    }

    /// Up to `max` characters that satisfy `accept`.
    fn take_while(&mut self, max: usize, accept: impl Fn(char) -> bool) -> &'a str {
        let start = self.at;
        for _ in 0..max {
            match self.peek() {
                Some(c) if accept(c) => {
                    self.bump();
                }
                _ => break,
            }
        }
        &self.text[start..self.at]
    }

    /// After a value: the end of the line, a comment, `;` (another statement follows on the
    /// same line) or an `if`/`unless` modifier (the rest of the line is not evaluated). Leaves
    /// the cursor where the next statement starts.
    fn end_of_statement(&mut self) -> Result<(), String> {
        self.skip_blanks();
        let rest = self.rest_of_line();
        if rest.is_empty()
            || rest.starts_with('#')
            || rest.starts_with("if ")
            || rest.starts_with("unless ")
        {
            self.next_line();
            return Ok(());
        }
        if self.eat(";") {
            return Ok(());
        }
        Err(format!("unexpected {} after the value", self.here()))
    }
}

fn push_char(out: &mut Vec<u8>, c: char) {
    let mut buffer = [0; 4];
    out.extend_from_slice(c.encode_utf8(&mut buffer).as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: u64 = 64 << 20;

    fn catalog_at(path: &str, bytes: &[u8]) -> Result<Vec<Package>, CatalogError> {
        crate::cataloger::testing::catalog(&RubyGemspec, path, bytes, LIMIT)
    }

    fn catalog(bytes: &[u8]) -> Result<Vec<Package>, CatalogError> {
        catalog_at("/usr/local/bundle/specifications/x-1.0.gemspec", bytes)
    }

    /// (name, version, licenses) of the one package.
    fn one(bytes: &[u8]) -> (String, String, Vec<String>) {
        let packages = catalog(bytes).unwrap();
        assert_eq!(packages.len(), 1);
        let p = &packages[0];
        assert_eq!(p.ecosystem, Ecosystem::Gem);
        (p.name.clone(), p.version.clone(), p.licenses.clone())
    }

    fn expect(name: &str, version: &str, licenses: &[&str]) -> (String, String, Vec<String>) {
        (
            name.to_owned(),
            version.to_owned(),
            licenses.iter().map(|l| (*l).to_owned()).collect(),
        )
    }

    fn spec(body: &str) -> Vec<u8> {
        format!("Gem::Specification.new do |s|\n{body}\nend\n").into_bytes()
    }

    fn malformed(result: Result<Vec<Package>, CatalogError>) -> String {
        crate::cataloger::testing::malformed_reason(result, FORMAT)
    }

    fn fixture(case: &str, file: &str) -> Option<Vec<u8>> {
        tollgate_test::shared(&format!("fixtures/trivy/gemspec/{case}/{file}"))
            .map(|path| fs_err::read(path).unwrap())
    }

    #[test]
    fn selectors_and_identity() {
        assert_eq!(RubyGemspec.id(), "ruby-gemspec");
        assert_eq!(RubyGemspec.version(), 1);
        assert_eq!(
            format!("{:?}", RubyGemspec.selectors()),
            r#"[Glob("**/specifications/*.gemspec"), Glob("**/specifications/default/*.gemspec")]"#
        );
    }

    /// Trivy's `parse_test.go` and `gemspec_test.go` expectations, one package per file.
    #[test]
    fn trivy_fixtures() {
        let cases = [
            (
                "normal00",
                "rake-13.0.3.gemspec",
                expect("rake", "13.0.3", &["MIT"]),
            ),
            // `spec.licenses = "MIT"`: Trivy reports no license (its fixture calls the line
            // invalid); RubyGems reads it as `["MIT"]` (see the module docs).
            (
                "normal01",
                "async-1.25.0.gemspec",
                expect("async", "1.25.0", &["MIT"]),
            ),
            (
                "license",
                "async-1.25.0.gemspec",
                expect("async", "1.25.0", &["MIT"]),
            ),
            (
                "multiple-licenses",
                "test-unit-3.3.7.gemspec",
                expect("test-unit", "3.3.7", &["Ruby", "BSDL", "PSFL"]),
            ),
        ];
        for (case, file, expected) in cases {
            let Some(bytes) = fixture(case, file) else {
                return;
            };
            assert_eq!(one(&bytes), expected, "{case}");
        }
    }

    #[test]
    fn purl() {
        let mut package = catalog(&spec("s.name = \"rack\"\ns.version = \"2.2.3\""))
            .unwrap()
            .remove(0);
        package.purl = crate::purl::purl(&package, None);
        assert_eq!(package.purl, "pkg:gem/rack@2.2.3");
    }

    #[test]
    fn literal_forms() {
        // RubyGems 1.x wrote `%q{}`; `Gem::Version.new`; single quotes; `.freeze` on arrays.
        assert_eq!(
            one(&spec(
                "  s.name = %q{actionpack}\n  s.version = Gem::Version.new(\"2.3.5\")\n  s.licenses = ['MIT'.freeze, %q<Ruby>].freeze"
            )),
            expect("actionpack", "2.3.5", &["MIT", "Ruby"])
        );
        assert_eq!(
            one(&spec(
                "s.name = 'x'; s.version = Gem::Version.new '1.0.0.pre' # c\ns.license = %Q(A(B)C)"
            )),
            expect("x", "1.0.0.pre", &["A(B)C"])
        );
        // A multi-line array, a word list, and `nil` clearing the licenses.
        assert_eq!(
            one(&spec(
                "s.name = \"y\"\ns.version = \"1\"\ns.licenses = [\n  \"MIT\", # first\n  \"Apache-2.0\",\n]\ns.name = \"z\""
            )),
            expect("z", "1", &["MIT", "Apache-2.0"])
        );
        assert_eq!(
            one(&spec(
                "s.name = \"y\"\ns.version = \"1\"\ns.licenses = %w[MIT BSD-2-Clause]"
            )),
            expect("y", "1", &["MIT", "BSD-2-Clause"])
        );
        assert_eq!(
            one(&spec(
                "s.licenses = [\"MIT\"]\ns.name = \"y\"\ns.version = \"1\"\ns.license = nil"
            )),
            expect("y", "1", &[])
        );
        // `String#dump` escapes.
        assert_eq!(
            one(&spec(
                r#"s.name = "a\x2Db\u005fc\u{2e}d\-e".freeze
s.version = "1.0"
s.license = "caf\u00E9 \"q\" \#{x} \\ \101""#
            )),
            expect("a-b_c.d-e", "1.0", &[r#"café "q" #{x} \ A"#])
        );
        // Modifiers and other attributes; `==` is not an assignment.
        assert_eq!(
            one(&spec(
                "s.name = \"n\" if s.respond_to? :name=\ns.version = \"2\"\ns.name == \"other\"\ns.names = \"other\"\ns.metadata = { \"a\" => \"b\" }"
            )),
            expect("n", "2", &[])
        );
        // Different block variable and a `{ |spec| … }` block.
        assert_eq!(
            one(b"Gem::Specification.new { |spec|\n spec.name = 'q'\n spec.version = '3'\n s.name = 'not-it'\n}"),
            expect("q", "3", &[])
        );
    }

    #[test]
    fn unevaluable_licenses_are_left_out() {
        assert_eq!(
            one(&spec(
                "s.name = \"a\"\ns.version = \"1\"\ns.licenses = LICENSES\ns.license = \"x#{y}\""
            )),
            expect("a", "1", &[])
        );
        // A license array that runs onto later lines and fails there does not hide the
        // statements on those lines.
        assert_eq!(
            one(&spec(
                "s.licenses = [\n\"MIT\",\ns.name = \"a\"\ns.version = \"1\""
            )),
            expect("a", "1", &[])
        );
    }

    #[test]
    fn malformed_specifications() {
        assert_eq!(
            malformed(catalog(b"")),
            "no `Gem::Specification.new do |…|` block"
        );
        assert_eq!(
            malformed(catalog(b"# x\nGem::Specification.new do\n")),
            "line 2: `Gem::Specification.new` has no block variable (`do |s|`)"
        );
        assert_eq!(
            malformed(catalog(&spec("s.version = \"1\""))),
            "no `s.name` assignment"
        );
        assert_eq!(
            malformed(catalog(&spec("s.name = \"a\""))),
            "no `s.version` assignment"
        );
        assert_eq!(
            malformed(catalog(&spec("s.name = \"a\"\ns.version = Foo::VERSION"))),
            "line 3: `s.version`: expected a string literal but found `Foo::VERSION`"
        );
        assert_eq!(
            malformed(catalog(&spec("s.name = \"a#{b}\""))),
            "line 2: `s.name`: string interpolation cannot be evaluated"
        );
        assert_eq!(
            malformed(catalog(&spec("s.name = \"a\" + suffix"))),
            "line 2: `s.name`: unexpected `+ suffix` after the value"
        );
        assert_eq!(
            malformed(catalog(&spec("s.name = \"a\ns.version = \"1\""))),
            "line 2: `s.name`: unterminated string on line 2"
        );
        assert_eq!(
            malformed(catalog(&spec("s.name = [\"a\"]"))),
            "line 2: `s.name` is an array, not a string"
        );
        assert_eq!(
            malformed(catalog(&spec("s.name = \"a b\""))),
            "line 2: `s.name` `a b` is not a gem name"
        );
        assert_eq!(
            malformed(catalog(&spec("s.name = \"a\"\ns.version = \"v1\""))),
            "line 3: `s.version` `v1` is not a gem version"
        );
        assert_eq!(
            malformed(catalog(&spec(
                "s.name = \"a\"\ns.version = Gem::Version.new(\"1\""
            ))),
            "line 3: `s.version`: expected `)` but found the end of the line"
        );
    }

    #[test]
    fn hostile_input() {
        // Garbage, a real binary, every byte value: errors, never a panic.
        assert_eq!(
            malformed(catalog(&[0xff; 1 << 20])),
            "no `Gem::Specification.new do |…|` block"
        );
        let every: Vec<u8> = (0..=255u8).cycle().take(1 << 16).collect();
        let _ = malformed(catalog(&every));
        let mut binary = spec("s.name = \"");
        binary.extend((0..=255u8).cycle().take(1 << 16));
        let _ = malformed(catalog(&binary));
        // Deep nesting is refused at the first inner bracket, without recursion.
        let deep = spec(&format!("s.name = {}", "[".repeat(1 << 20)));
        assert_eq!(
            malformed(catalog(&deep)),
            format!(
                "line 2: `s.name`: expected a string literal but found `{}…`",
                "[".repeat(60)
            )
        );
        // `%q{…}` brackets nest, counted without recursion.
        let nested = spec(&format!(
            "s.name = \"a\"\ns.version = \"1\"\ns.license = %q{{{}}}",
            "{".repeat(100_000) + &"}".repeat(100_000)
        ));
        assert_eq!(one(&nested).2[0].len(), 200_000);
        // Many unterminated strings and unclosed arrays stay linear (each stops at its line).
        let many = spec(&"s.license = \"x\ns.licenses = [\n".repeat(100_000));
        assert_eq!(malformed(catalog(&many)), "no `s.name` assignment");
        // Huge: past the cap it is a read error.
        let huge = vec![b' '; (MAX_SPEC_BYTES + 1) as usize];
        assert!(matches!(catalog(&huge), Err(CatalogError::Read(_))));
        let result = crate::cataloger::testing::catalog(
            &RubyGemspec,
            "/specifications/x.gemspec",
            &spec("s.name = \"a\"\ns.version = \"1\""),
            16,
        );
        assert!(matches!(result, Err(CatalogError::Read(_))), "{result:?}");
        // Truncated escapes.
        for body in [
            "s.name = \"a\\",
            "s.name = \"\\x\"",
            "s.name = \"\\u{110000}\"",
            "s.name = %q",
        ] {
            let _ = malformed(catalog(&spec(body)));
        }
    }

    #[test]
    fn default_gems_and_paths() {
        let Some(bytes) = fixture("normal01", "async-1.25.0.gemspec") else {
            return;
        };
        let packages = catalog_at(
            "/usr/lib/ruby/gems/2.7.0/specifications/default/async-1.25.0.gemspec",
            &bytes,
        )
        .unwrap();
        assert_eq!(packages[0].name, "async");
    }
}
