//! The main module's version stamped with `go build -ldflags "-X <package>.version=v1.2.3"`,
//! read from the `-ldflags` build setting exactly as Trivy reads it, so that a binary built from a
//! work tree (main module version `(devel)`) still gets the version its release process set.
//!
//! Trivy splits the setting into words as `mattn/go-shellwords` does, parses them with `spf13/pflag`
//! (unknown flags ignored, `-X` a repeatable `key=value` map, `-h` a boolean), and keeps the `-X`
//! values whose key ends in `.version` or `.ver` (any case) and whose value is a semantic version
//! with or without its `v`. Those are ranked: keys under `<module>/cmd/`, then keys whose last
//! package is `main`, `common`, `version` or `cmd`, then the rest. The first rank that has any
//! wins if it has exactly one; two in the best rank give no version.

// ref: https://github.com/aquasecurity/trivy/blob/main/pkg/dependency/parser/golang/binary/parse.go
// ref: https://pkg.go.dev/golang.org/x/mod/semver

use std::collections::BTreeMap;

/// The version the `-ldflags` setting (the first one) stamps on `module`, or "".
pub(super) fn version(module: &str, settings: &[(String, String)]) -> String {
    let Some((_, ldflags)) = settings.iter().find(|(key, _)| key == "-ldflags") else {
        return String::new();
    };
    shell_words(ldflags)
        .and_then(|words| x_flags(&words))
        .map(|flags| choose(module, &flags))
        .unwrap_or_default()
}

/// Pick the version among the `-X` flags (see the module docs).
fn choose(module: &str, flags: &BTreeMap<String, String>) -> String {
    let mut ranks: [Vec<&str>; 3] = Default::default();
    let cmd = format!("{module}/cmd/");
    for (key, value) in flags {
        let key = key.trim_start_matches('\'');
        let value = value.trim_end_matches('\'');
        let lower = key.to_lowercase();
        if !(lower.ends_with(".version") || lower.ends_with(".ver")) {
            continue;
        }
        if !(is_semver(value) || is_semver(&format!("v{value}"))) {
            continue;
        }
        let rank = if key.starts_with(&cmd) {
            0
        } else if matches!(
            version_prefix(key).as_str(),
            "main" | "common" | "version" | "cmd"
        ) {
            1
        } else {
            2
        };
        ranks[rank].push(value);
    }
    match ranks.iter().find(|rank| !rank.is_empty()) {
        Some(rank) if rank.len() == 1 => rank[0].to_owned(),
        _ => String::new(),
    }
}

/// The package of a `-X` key, lowercased: `github.com/x/y/pkg/Version.version` → `version`.
fn version_prefix(key: &str) -> String {
    let last = match key.rfind('/') {
        Some(at) if at > 0 => &key[at + 1..],
        _ => key,
    };
    last.split('.').next().unwrap_or_default().to_lowercase()
}

/// Whether `version` is valid for `golang.org/x/mod/semver` (`v1`, `v1.2` and `v1.2.3[-pre][+build]`).
fn is_semver(version: &str) -> bool {
    fn number(text: &str) -> Option<&str> {
        let digits = text.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || (digits > 1 && text.starts_with('0')) {
            return None;
        }
        Some(&text[digits..])
    }
    fn identifiers(text: &str, numeric_rule: bool) -> bool {
        text.split('.').all(|part| {
            !part.is_empty()
                && part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !(numeric_rule
                    && part.len() > 1
                    && part.starts_with('0')
                    && part.bytes().all(|b| b.is_ascii_digit()))
        })
    }
    let Some(rest) = version.strip_prefix('v').and_then(number) else {
        return false;
    };
    if rest.is_empty() {
        return true;
    }
    let Some(rest) = rest.strip_prefix('.').and_then(number) else {
        return false;
    };
    if rest.is_empty() {
        return true;
    }
    let Some(rest) = rest.strip_prefix('.').and_then(number) else {
        return false;
    };
    let (rest, build) = match rest.split_once('+') {
        Some((rest, build)) => (rest, Some(build)),
        None => (rest, None),
    };
    let prerelease_ok = match rest.strip_prefix('-') {
        Some(prerelease) => identifiers(prerelease, true),
        None => rest.is_empty(),
    };
    prerelease_ok && build.is_none_or(|build| identifiers(build, false))
}

/// The `-X` flags of `args` as `spf13/pflag` gives them to Trivy; `None` where pflag fails (and
/// Trivy then finds no version).
fn x_flags(args: &[String]) -> Option<BTreeMap<String, String>> {
    let mut flags = BTreeMap::new();
    let mut next = 0;
    while next < args.len() {
        let arg = &args[next];
        next += 1;
        if arg.len() < 2 || !arg.starts_with('-') {
            continue;
        }
        if arg == "--" {
            break;
        }
        if let Some(long) = arg.strip_prefix("--") {
            if long.starts_with(['-', '=']) {
                return None;
            }
            match long.split_once('=') {
                Some(("help", value)) => {
                    parse_bool(value)?;
                }
                // An unknown `--flag=value`, or `--help`: nothing more is consumed.
                Some(_) => {}
                None if long == "help" => {}
                None => skip_unknown_value(args, &mut next),
            }
            continue;
        }
        let mut shorthands = &arg[1..];
        if shorthands.starts_with("test.") {
            continue;
        }
        // pflag hands every shorthand the same remaining arguments; the last one decides what
        // is consumed.
        let mut consumed = 0;
        while let Some(c) = shorthands.chars().next() {
            let has_value = shorthands.len() > 2 && shorthands.as_bytes()[1] == b'=';
            consumed = 0;
            match c {
                'X' => {
                    let value = if has_value {
                        &shorthands[2..]
                    } else if shorthands.len() > 1 {
                        &shorthands[1..]
                    } else if let Some(value) = args.get(next) {
                        consumed = 1;
                        value.as_str()
                    } else {
                        return None;
                    };
                    set_string_to_string(&mut flags, value)?;
                    shorthands = "";
                }
                'h' if has_value => {
                    parse_bool(&shorthands[2..])?;
                    shorthands = "";
                }
                _ if has_value => shorthands = "",
                _ => {
                    if c != 'h' && args.get(next).is_some_and(|a| !a.starts_with('-')) {
                        consumed = 1;
                    }
                    shorthands = &shorthands[c.len_utf8()..];
                }
            }
        }
        next += consumed;
    }
    Some(flags)
}

/// An unknown flag without `=value` takes the next argument as its value unless it is a flag.
fn skip_unknown_value(args: &[String], next: &mut usize) {
    if args.get(*next).is_some_and(|a| !a.starts_with('-')) {
        *next += 1;
    }
}

/// `strconv.ParseBool`.
fn parse_bool(value: &str) -> Option<bool> {
    match value {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

/// pflag's `StringToString` `Set`: `k=v`, or with more than one `=`, a CSV record of `k=v`.
fn set_string_to_string(flags: &mut BTreeMap<String, String>, value: &str) -> Option<()> {
    let pairs = match value.matches('=').count() {
        0 => return None,
        1 => vec![value.trim_matches('"').to_owned()],
        _ => csv_record(value)?,
    };
    for pair in pairs {
        let (key, value) = pair.split_once('=')?;
        flags.insert(key.to_owned(), value.to_owned());
    }
    Some(())
}

/// The first record of `text` as `encoding/csv` reads it (comma-separated, `"`-quoted fields).
fn csv_record(text: &str) -> Option<Vec<String>> {
    let line = text
        .split('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line))
        .find(|line| !line.is_empty())?;
    let mut fields = Vec::new();
    let mut rest = line;
    loop {
        if let Some(quoted) = rest.strip_prefix('"') {
            let mut field = String::new();
            let mut chars = quoted.char_indices();
            let after = loop {
                let (at, c) = chars.next()?;
                if c != '"' {
                    field.push(c);
                } else if quoted[at + 1..].starts_with('"') {
                    field.push('"');
                    chars.next();
                } else {
                    break &quoted[at + 1..];
                }
            };
            fields.push(field);
            match after.strip_prefix(',') {
                Some(next) => rest = next,
                None if after.is_empty() => return Some(fields),
                None => return None,
            }
        } else {
            let (field, next) = match rest.split_once(',') {
                Some((field, next)) => (field, Some(next)),
                None => (rest, None),
            };
            if field.contains('"') {
                return None;
            }
            fields.push(field.to_owned());
            match next {
                Some(next) => rest = next,
                None => return Some(fields),
            }
        }
    }
}

/// Split a command line into words as `mattn/go-shellwords` does by default: blanks separate
/// words; quotes group; a backslash escapes the next character (not inside single quotes);
/// an unquoted `;`, `&`, `|`, `<` or `>` ends the line. `None` for an unterminated quote or
/// escape, or an unquoted `(` that does not follow `$`.
fn shell_words(line: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut has_word = false;
    let (mut escaped, mut single, mut double, mut back, mut dollar) =
        (false, false, false, false, false);
    for c in line.chars() {
        if escaped {
            word.push(c);
            escaped = false;
            has_word = true;
            continue;
        }
        if c == '\\' {
            if single {
                word.push(c);
            } else {
                escaped = true;
            }
            continue;
        }
        if matches!(c, ' ' | '\t' | '\r' | '\n') {
            if single || double || back || dollar {
                word.push(c);
            } else if has_word {
                words.push(std::mem::take(&mut word));
                has_word = false;
            }
            continue;
        }
        match c {
            '`' if !single && !double && !dollar => back = !back,
            ')' if !single && !double && !back => dollar = !dollar,
            '(' if !single && !double && !back => {
                if !dollar && word.ends_with('$') {
                    dollar = true;
                    word.push(c);
                    continue;
                }
                return None;
            }
            '"' if !single && !dollar => {
                if double {
                    has_word = true;
                }
                double = !double;
                continue;
            }
            '\'' if !double && !dollar => {
                if single {
                    has_word = true;
                }
                single = !single;
                continue;
            }
            ';' | '&' | '|' | '<' | '>' if !(single || double || back || dollar) => break,
            _ => {}
        }
        has_word = true;
        word.push(c);
    }
    if escaped || single || double || back || dollar {
        return None;
    }
    if has_word {
        words.push(word);
    }
    Some(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(list: &[&str]) -> Vec<String> {
        list.iter().map(|w| (*w).to_owned()).collect()
    }

    fn from_flags(module: &str, list: &[&str]) -> String {
        x_flags(&words(list))
            .map(|flags| choose(module, &flags))
            .unwrap_or_default()
    }

    /// Trivy's `TestParser_ParseLDFlags` cases, exactly.
    #[test]
    fn golang_ldflags_trivy_cases() {
        let trivy = "github.com/aquasecurity/trivy";
        for (case, module, flags, want) in [
            (
                "with version suffix",
                trivy,
                &[
                    "-s",
                    "-w",
                    "-X=foo=bar",
                    "-X='github.com/aquasecurity/trivy/pkg/version/app.ver=v0.50.1'",
                ][..],
                "v0.50.1",
            ),
            (
                "with version suffix titlecased",
                trivy,
                &[
                    "-s",
                    "-w",
                    "-X=foo=bar",
                    "-X='github.com/aquasecurity/trivy/pkg/version.Version=v0.50.1'",
                ],
                "v0.50.1",
            ),
            (
                "with ver suffix titlecased",
                trivy,
                &[
                    "-s",
                    "-w",
                    "-X=foo=bar",
                    "-X='github.com/aquasecurity/trivy/pkg/version.Ver=v0.50.1'",
                ],
                "v0.50.1",
            ),
            (
                "with double quoted flag",
                trivy,
                &[
                    "-s",
                    "-w",
                    "-X=foo=bar",
                    "-X=\"github.com/aquasecurity/trivy/pkg/version.Ver=0.50.1\"",
                ],
                "0.50.1",
            ),
            (
                "with semver version without v prefix",
                trivy,
                &[
                    "-s",
                    "-w",
                    "-X=foo=bar",
                    "-X='github.com/aquasecurity/trivy/pkg/version.Ver=0.50.1'",
                ],
                "0.50.1",
            ),
            (
                "with cmd + default prefix flags",
                trivy,
                &[
                    "-X='github.com/aquasecurity/trivy/cmd/Any.Ver=0.50.0'",
                    "-X='github.com/aquasecurity/trivy/pkg/version.Ver=0.50.1'",
                ],
                "0.50.0",
            ),
            (
                "with cmd flag",
                trivy,
                &["-X='github.com/aquasecurity/trivy/cmd/Any.Ver=0.50.0'"],
                "0.50.0",
            ),
            (
                "with cmd + other flags",
                trivy,
                &[
                    "-X='github.com/aquasecurity/trivy/cmd/Any.Ver=0.50.0'",
                    "-X='github.com/aquasecurity/trivy/pkg/Any.Ver=0.50.1'",
                ],
                "0.50.0",
            ),
            (
                "with default prefix flag",
                trivy,
                &["-X='github.com/aquasecurity/trivy/pkg/Common.Ver=0.50.1'"],
                "0.50.1",
            ),
            (
                "with default prefix + other flags",
                trivy,
                &[
                    "-X='github.com/aquasecurity/trivy/pkg/Any.Ver=0.50.0'",
                    "-X='github.com/aquasecurity/trivy/pkg/Common.Ver=0.50.1'",
                ],
                "0.50.1",
            ),
            (
                "with other flag",
                trivy,
                &["-X='github.com/aquasecurity/trivy/pkg/Any.Ver=0.50.1'"],
                "0.50.1",
            ),
            (
                "with 2 flags using default prefixes",
                trivy,
                &[
                    "-X='github.com/aquasecurity/trivy/pkg/Common.Ver=0.50.0'",
                    "-X='github.com/aquasecurity/trivy/pkg/Main.Ver=0.50.1'",
                ],
                "",
            ),
            (
                "with two other flags",
                trivy,
                &[
                    "-X='github.com/aquasecurity/trivy/pkg/Any.Ver=0.50.1'",
                    "-X='github.com/aquasecurity/trivy/pkg/Any-pref.Ver=0.50.0'",
                ],
                "",
            ),
            (
                "with version with extra prefix",
                "github.com/argoproj/argo-cd/v2",
                &[
                    "-s",
                    "-w",
                    "-X='github.com/argoproj/argo-cd/v2/common.kubectlVersion=v0.26.11'",
                ],
                "",
            ),
            ("with no flags", "github.com/aquasecurity/test", &[], ""),
        ] {
            assert_eq!(from_flags(module, flags), want, "{case}");
        }
    }

    #[test]
    fn golang_ldflags_from_the_build_setting() {
        let settings = |value: &str| vec![("-ldflags".to_owned(), value.to_owned())];
        let module = "github.com/aquasecurity/test";
        assert_eq!(
            version(module, &settings("-w -X main.version=v1.0.0")),
            "v1.0.0"
        );
        assert_eq!(
            version(
                module,
                &settings("-s -w -X 'main.Version=1.2.3-rc.1+build.5'")
            ),
            "1.2.3-rc.1+build.5"
        );
        assert_eq!(version(module, &settings("-X \"main.version=v2\"")), "v2");
        assert_eq!(version(module, &settings("-Xmain.version=v3.1")), "v3.1");
        // The value of an unknown flag is skipped, a flag after it is not.
        assert_eq!(
            version(
                module,
                &settings("-extldflags -static -X main.version=v1.0.0")
            ),
            "v1.0.0"
        );
        assert_eq!(
            version(
                module,
                &settings("-linkmode external -X main.version=v1.0.0")
            ),
            "v1.0.0"
        );
        assert_eq!(
            version(module, &settings("--unknown value -X main.version=v1.0.0")),
            "v1.0.0"
        );
        // Not versions: not semver, wrong key, `-X` without a value, a broken line.
        for bad in [
            "-X main.version=latest",
            "-X main.version=v01.2.3",
            "-X main.version=v1.2-pre",
            "-X main.revision=v1.0.0",
            "-X main.version",
            "-X",
            "-X 'main.version=v1.0.0",
            "-X main.version=(v1)",
            "-h=maybe -X main.version=v1.0.0",
            "---bad -X main.version=v1.0.0",
        ] {
            assert_eq!(version(module, &settings(bad)), "", "{bad}");
        }
        // Several pairs in one `-X` (CSV), and the last of a repeated key wins.
        assert_eq!(
            version(module, &settings("-X a=b,main.version=v1.0.0 -X x.y=1=2")),
            "v1.0.0"
        );
        assert_eq!(
            version(
                module,
                &settings("-X main.version=v1.0.0 -X main.version=v2.0.0")
            ),
            "v2.0.0"
        );
        // Only the first -ldflags setting, and none at all.
        let two = vec![
            ("-ldflags".to_owned(), "-s".to_owned()),
            ("-ldflags".to_owned(), "-X main.version=v1.0.0".to_owned()),
        ];
        assert_eq!(version(module, &two), "");
        assert_eq!(version(module, &[]), "");
    }

    #[test]
    fn golang_semver_like_x_mod() {
        for good in [
            "v1",
            "v1.2",
            "v1.2.3",
            "v0.0.0-20210121094942-22b2f8951d46",
            "v1.2.3-rc.1+build.5",
            "v1.2.3+incompatible",
            "v1.2.3-0a",
        ] {
            assert!(is_semver(good), "{good}");
        }
        for bad in [
            "",
            "1.2.3",
            "v",
            "v1.",
            "v01",
            "v1.02",
            "v1.2.3.4",
            "v1.2-pre",
            "v1.2.3-",
            "v1.2.3-01",
            "v1.2.3-a..b",
            "v1.2.3+",
            "v1.2.3+a_b",
            "v1.2.3 ",
        ] {
            assert!(!is_semver(bad), "{bad}");
        }
    }

    #[test]
    fn golang_shell_words_like_go_shellwords() {
        assert_eq!(
            shell_words("-w  -X 'a=b c' \"d\\\"e\" f\\ g").unwrap(),
            words(&["-w", "-X", "a=b c", "d\"e", "f g"])
        );
        assert_eq!(shell_words("'' a").unwrap(), words(&["", "a"]));
        assert_eq!(shell_words("a ; b").unwrap(), words(&["a"]));
        assert_eq!(shell_words("a $(b c)").unwrap(), words(&["a", "$(b c)"]));
        assert_eq!(shell_words("").unwrap(), Vec::<String>::new());
        for bad in ["'a", "\"a", "a\\", "(a)", "`a"] {
            assert_eq!(shell_words(bad), None, "{bad}");
        }
        assert_eq!(
            csv_record("\"a,b\",c=d,\"e\"\"f\"").unwrap(),
            words(&["a,b", "c=d", "e\"f"])
        );
        assert_eq!(csv_record("a\"b=c,d=e"), None);
        assert_eq!(csv_record("\"a\"b,c"), None);
    }
}
