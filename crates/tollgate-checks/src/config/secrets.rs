//! Secrets in the config: variables and labels named like secrets, token formats, and
//! passwords in build commands; with the values redacted for output.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use regex::Regex;

/// What replaces a secret in output.
pub(crate) const MASK: &str = "****";

/// Known token formats, recognised whatever the name they are stored under.
/// (what, pattern; the secret is the whole match, or group 1 when there is one)
const TOKEN_FORMATS: &[(&str, &str)] = &[
    // ref: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids
    (
        "AWS access key id",
        r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b",
    ),
    // ref: https://github.blog/2021-04-05-behind-githubs-new-authentication-token-formats/
    (
        "GitHub token",
        r"\b(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{22,247})\b",
    ),
    // ref: https://docs.gitlab.com/ee/security/tokens/#token-prefixes
    ("GitLab token", r"\bglpat-[A-Za-z0-9_-]{20,}"),
    ("Slack token", r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
    ("Stripe secret key", r"\b[rs]k_live_[A-Za-z0-9]{20,}"),
    ("npm token", r"\bnpm_[A-Za-z0-9]{36}\b"),
    ("PyPI token", r"\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}"),
    ("private key", r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----"),
    // `scheme://user:password@host`: the password is redacted.
    (
        "password in URL",
        r#"\b[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@'"]+:([^@\s/'"]+)@"#,
    ),
];

/// In commands: `NAME=value` (ENV, ARG values in `|1 NAME=value /bin/sh -c …`, exports),
/// secret flags (`--password x`, `--token=x`, openssl's `-passin pass:x`) and curl's
/// `-u user:password`. In assignments group 1 names and group 2 is the value; in the others
/// group 1 is the secret.
static ASSIGNMENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?:^|[\s;&|('"])([A-Za-z_][A-Za-z0-9_.-]*)=("[^"]*"|'[^']*'|[^\s"';&|)]+)"#)
        .expect("constant pattern")
});
static SECRET_FLAG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?:^|\s)(?:--(?:password|passwd|token|api-key|apikey|secret|access-key|secret-key|client-secret|auth-token)(?:=|\s+)|-pass(?:in|out)?\s+pass:)("[^"]*"|'[^']*'|[^\s"';&|)-][^\s"';&|)]*)"#,
    )
    .expect("constant pattern")
});
static CURL_USER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?:^|\s)(?:-u|--user)(?:\s+|=)?["']?[^\s:"'-][^\s:"']*:([^\s"']+)"#)
        .expect("constant pattern")
});
static TOKENS: LazyLock<Vec<(&'static str, Regex)>> = LazyLock::new(|| {
    TOKEN_FORMATS
        .iter()
        .map(|(what, pattern)| (*what, Regex::new(pattern).expect("constant pattern")))
        .collect()
});

/// Words that make a name a secret's when a word of the name ends with them (`PGPASSWORD`,
/// `DB_PASSWORD`, `GITHUB_TOKEN`, `CLIENT_SECRET`).
const SECRET_WORD_ENDINGS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "PASSPHRASE",
    "SECRET",
    "TOKEN",
    "APIKEY",
    "ACCESSKEY",
    "SECRETKEY",
    "PRIVATEKEY",
    "CREDENTIALS",
];
/// Whole words that do the same (`DB_PASS`, `MYSQL_PWD`).
const SECRET_WORDS: &[&str] = &["PASS", "PWD", "SECRETS"];
/// Pairs of words that do the same (`API_KEY`, `AWS_SECRET_ACCESS_KEY`).
const SECRET_PAIRS: &[(&str, &str)] = &[
    ("API", "KEY"),
    ("ACCESS", "KEY"),
    ("SECRET", "KEY"),
    ("PRIVATE", "KEY"),
    ("ENCRYPTION", "KEY"),
    ("SIGNING", "KEY"),
    ("MASTER", "KEY"),
    ("AUTH", "KEY"),
];
/// A last word that makes the name about a secret rather than the secret itself
/// (`POSTGRES_PASSWORD_FILE`, `TOKEN_URL`, `AWS_ACCESS_KEY_ID`).
const NOT_THE_SECRET: &[&str] = &[
    "FILE",
    "PATH",
    "DIR",
    "LOCATION",
    "URL",
    "URI",
    "ENDPOINT",
    "HOST",
    "PORT",
    "NAME",
    "ID",
    "TYPE",
    "LENGTH",
    "TTL",
    "TIMEOUT",
    "EXPIRY",
    "EXPIRES",
    "ENABLED",
    "DISABLED",
    "REQUIRED",
    "POLICY",
    "HEADER",
    "VERSION",
    "MODE",
    "METHOD",
    "FORMAT",
    "ALGORITHM",
    "SIZE",
    "MIN",
    "MAX",
    "PROVIDER",
    "STORE",
];
/// Values that are switches, not secrets.
const NOT_SECRET_VALUES: &[&str] = &[
    "true", "false", "yes", "no", "on", "off", "none", "null", "nil", "disabled", "enabled",
];

/// Whether `name` (a variable, label key or flag) names a secret.
pub(crate) fn secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    if matches!(upper.as_str(), "PWD" | "OLDPWD") {
        return false;
    }
    let words: Vec<&str> = upper
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let Some(last) = words.last() else {
        return false;
    };
    if NOT_THE_SECRET.contains(last) {
        return false;
    }
    words.iter().any(|word| {
        SECRET_WORDS.contains(word) || SECRET_WORD_ENDINGS.iter().any(|end| word.ends_with(end))
    }) || words
        .windows(2)
        .any(|pair| SECRET_PAIRS.contains(&(pair[0], pair[1])))
}

/// Whether `value` could be a secret at all: not empty, not a reference to one (`$VAR`,
/// `${VAR}`, `$(cat /run/secrets/x)`), not a path, not a switch.
fn could_be_secret(value: &str) -> bool {
    let value = value.trim_matches(|c| c == '"' || c == '\'');
    !value.is_empty()
        && !value.starts_with('$')
        && !value.starts_with('/')
        && !NOT_SECRET_VALUES.contains(&value.to_ascii_lowercase().as_str())
        && value != "stdin"
}

/// Text with its secrets masked, and what they were.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Redacted {
    pub(crate) text: String,
    pub(crate) kinds: BTreeSet<&'static str>,
}

/// Mask the secrets of free text (a build command, a value): token formats, secret-named
/// assignments, secret flags and curl credentials.
pub(crate) fn redact(text: &str) -> Redacted {
    let mut spans: Vec<(usize, usize, &'static str)> = Vec::new();
    for (what, regex) in TOKENS.iter() {
        for captures in regex.captures_iter(text) {
            let secret = captures.get(1).or_else(|| captures.get(0));
            if let Some(secret) = secret
                && could_be_secret(secret.as_str())
            {
                spans.push((secret.start(), secret.end(), what));
            }
        }
    }
    for captures in ASSIGNMENT.captures_iter(text) {
        if let (Some(name), Some(value)) = (captures.get(1), captures.get(2))
            && secret_name(name.as_str())
            && could_be_secret(value.as_str())
        {
            spans.push((value.start(), value.end(), "secret-named variable"));
        }
    }
    for captures in SECRET_FLAG.captures_iter(text) {
        if let Some(value) = captures.get(1)
            && could_be_secret(value.as_str())
        {
            spans.push((value.start(), value.end(), "secret on the command line"));
        }
    }
    for captures in CURL_USER.captures_iter(text) {
        if let Some(password) = captures.get(1)
            && could_be_secret(password.as_str())
        {
            spans.push((
                password.start(),
                password.end(),
                "credentials on the command line",
            ));
        }
    }
    spans.sort_unstable();
    let mut redacted = Redacted::default();
    let mut at = 0;
    for (start, end, what) in spans {
        redacted.kinds.insert(what);
        if start >= at {
            redacted.text.push_str(&text[at..start]);
            redacted.text.push_str(MASK);
            at = end;
        } else if end > at {
            // Overlapping spans: extend the mask already written.
            at = end;
        }
    }
    redacted.text.push_str(&text[at..]);
    redacted
}

/// Whether the config entry `name=value` (an ENV variable or a label) holds a secret: what
/// kinds, and the value as it can be shown.
pub(crate) fn secret_entry(name: &str, value: &str) -> Option<(BTreeSet<&'static str>, String)> {
    let mut found = redact(value);
    if secret_name(name) && could_be_secret(value) {
        found.kinds.insert("secret-named variable");
        found.text = MASK.to_owned();
    }
    (!found.kinds.is_empty()).then_some((found.kinds, found.text))
}

/// At most `max` characters of `text` around byte offset `at`, with `…` where cut.
pub(crate) fn excerpt(text: &str, at: usize, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let floor = |mut i: usize| {
        i = i.min(text.len());
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let start = floor(at.saturating_sub(max / 3));
    let end = floor(start.saturating_add(max));
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    out.push_str(&text[start..end]);
    if end < text.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names() {
        for name in [
            "PASSWORD",
            "DB_PASSWORD",
            "MYSQL_ROOT_PASSWORD",
            "PGPASSWORD",
            "db_pass",
            "GITHUB_TOKEN",
            "NPM_TOKEN",
            "API_KEY",
            "apikey",
            "AWS_SECRET_ACCESS_KEY",
            "SECRET_KEY_BASE",
            "CLIENT_SECRET",
            "com.example.deploy-token",
            "SSH_PRIVATE_KEY",
            "MYSQL_PWD",
        ] {
            assert!(secret_name(name), "{name}");
        }
        for name in [
            "PATH",
            "PWD",
            "OLDPWD",
            "GPG_KEY",
            "POSTGRES_PASSWORD_FILE",
            "AWS_ACCESS_KEY_ID",
            "TOKEN_URL",
            "TOKENIZERS_PARALLELISM",
            "PASSENGER_VERSION",
            "PYTHON_SHA256",
            "org.opencontainers.image.source",
            "KEYCLOAK_VERSION",
            "",
        ] {
            assert!(!secret_name(name), "{name}");
        }
    }

    #[test]
    fn redacts_build_commands() {
        let cases = [
            (
                "|2 DB_PASSWORD=hunter2 DEBIAN_FRONTEND=noninteractive /bin/sh -c make",
                "|2 DB_PASSWORD=**** DEBIAN_FRONTEND=noninteractive /bin/sh -c make",
            ),
            (
                "/bin/sh -c #(nop)  ENV API_KEY=\"abc def\"",
                "/bin/sh -c #(nop)  ENV API_KEY=****",
            ),
            (
                "RUN mysql --password=s3cret -e 'select 1' && login --token tok123",
                "RUN mysql --password=**** -e 'select 1' && login --token ****",
            ),
            (
                "RUN curl -u deploy:pa55 https://example.com/x -o x",
                "RUN curl -u deploy:**** https://example.com/x -o x",
            ),
            (
                "RUN git clone https://user:ghs_notreallyatoken@github.com/o/r",
                "RUN git clone https://user:****@github.com/o/r",
            ),
            (
                "RUN export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE; aws s3 ls",
                "RUN export AWS_ACCESS_KEY_ID=****; aws s3 ls",
            ),
            (
                "RUN openssl rsa -passin pass:topsecret -in k.pem",
                "RUN openssl rsa -passin pass:**** -in k.pem",
            ),
        ];
        for (command, expected) in cases {
            let redacted = redact(command);
            assert_eq!(redacted.text, expected);
            assert!(!redacted.kinds.is_empty(), "{command}");
        }
    }

    #[test]
    fn leaves_references_and_ordinary_commands_alone() {
        for command in [
            "/bin/sh -c #(nop) ADD file:7f65f8 in / ",
            "|1 DEBIAN_FRONTEND=noninteractive /bin/sh -c apt-get update",
            "RUN echo $DB_PASSWORD | docker login --password-stdin",
            "RUN --mount=type=secret,id=npm NPM_TOKEN=$(cat /run/secrets/npm) npm ci",
            "ENV POSTGRES_PASSWORD_FILE=/run/secrets/pg",
            "RUN curl -u \"$USER:$PASS\" https://x",
            "ENV TOKENIZERS_PARALLELISM=false",
            "RUN useradd -u 10001 -m app",
            "RUN git clone https://github.com/o/r",
            "ENV PASSWORD=",
        ] {
            let redacted = redact(command);
            assert_eq!(redacted.text, command);
            assert!(redacted.kinds.is_empty(), "{command}: {:?}", redacted.kinds);
        }
    }

    #[test]
    fn config_entries() {
        let (kinds, shown) = secret_entry("DB_PASSWORD", "hunter2").unwrap();
        assert_eq!(shown, MASK);
        assert!(kinds.contains("secret-named variable"));
        let (kinds, shown) =
            secret_entry("REPO", "https://bot:x0x0@git.example.com/r.git").unwrap();
        assert_eq!(shown, "https://bot:****@git.example.com/r.git");
        assert!(kinds.contains("password in URL"));
        assert!(secret_entry("GITHUB_TOKEN", "").is_none());
        assert!(secret_entry("SSL_CERT_FILE", "/etc/ssl/certs/ca-certificates.crt").is_none());
        assert!(secret_entry("PATH", "/usr/bin:/bin").is_none());
    }

    #[test]
    fn excerpts_cut_at_character_boundaries() {
        let text = "é".repeat(50);
        let cut = excerpt(&text, 60, 10);
        assert!(cut.starts_with('…') && cut.ends_with('…'));
        assert_eq!(excerpt("short", 0, 10), "short");
    }
}
