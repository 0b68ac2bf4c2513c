//! TG-CFG-015: the build turned off TLS or signature verification.

use std::sync::LazyLock;

use regex::Regex;
use tollgate_match::Severity;

use crate::Evidence;
use crate::config::{Context, Rule, history};

pub(super) const RULE: InsecureTransfer = InsecureTransfer;

pub(super) struct InsecureTransfer;

/// (what it turns off, pattern).
const PATTERNS: &[(&str, &str)] = &[
    ("wget --no-check-certificate", r"--no-check-certificate\b"),
    (
        "curl -k/--insecure",
        r"\bcurl\b[^|;&\n]*\s(?:--insecure\b|-[A-Za-z]*k[A-Za-z]*(?:\s|$))",
    ),
    (
        "TLS verification turned off",
        r"--(?:insecure-skip-tls-verify|skip-tls-verify|tls-verify=false|disable-tls-verification)\b",
    ),
    ("pip --trusted-host", r"--trusted-host\b"),
    (
        "git without certificate checks",
        r"(?i)GIT_SSL_NO_VERIFY=(?:1|true)\b|http\.sslverify(?:=|\s+)false\b",
    ),
    ("npm strict-ssl off", r"(?i)strict-ssl(?:=|\s+)false\b"),
    (
        "Node.js TLS verification off",
        r"NODE_TLS_REJECT_UNAUTHORIZED=0\b",
    ),
    ("Python HTTPS verification off", r"PYTHONHTTPSVERIFY=0\b"),
    ("apk --allow-untrusted", r"--allow-untrusted\b"),
    (
        "apt without signature checks",
        r#"--allow-unauthenticated\b|--allow-insecure-repositories\b|\[trusted=yes\]|AllowUnauthenticated\s*"?(?:true|1)"#,
    ),
    (
        "rpm packages without signature checks",
        r"--nogpgcheck\b|\bgpgcheck\s*=\s*0\b|--nosignature\b|--no-gpg-checks\b",
    ),
];

static REGEXES: LazyLock<Vec<(&'static str, Regex)>> = LazyLock::new(|| {
    PATTERNS
        .iter()
        .map(|(what, pattern)| (*what, Regex::new(pattern).expect("constant pattern")))
        .collect()
});

impl Rule for InsecureTransfer {
    fn id(&self) -> &'static str {
        "TG-CFG-015"
    }

    fn severity(&self) -> Severity {
        Severity::Medium
    }

    fn title(&self) -> &'static str {
        "Build downloaded without TLS or signature verification"
    }

    fn remedy(&self) -> &'static str {
        "Keep certificate and signature checks on: add the needed CA certificate to the build \
         instead of `curl -k`/`--no-check-certificate`/`--trusted-host`, and import the \
         repository's signing key instead of `--allow-untrusted`, `[trusted=yes]` or \
         `--nogpgcheck`."
    }

    /// History commands with wget `--no-check-certificate`, curl `-k`/`--insecure`,
    /// `--insecure-skip-tls-verify`, pip `--trusted-host`, `GIT_SSL_NO_VERIFY`/`http.sslVerify
    /// false`, npm `strict-ssl false`, `NODE_TLS_REJECT_UNAUTHORIZED=0`,
    /// `PYTHONHTTPSVERIFY=0`, apk `--allow-untrusted`, apt `--allow-unauthenticated`/
    /// `[trusted=yes]`, and `--nogpgcheck`/`gpgcheck=0`/`--nosignature`.
    fn check(&self, context: &Context<'_>) -> Vec<Evidence> {
        let patterns: Vec<(&'static str, &Regex)> =
            REGEXES.iter().map(|(what, regex)| (*what, regex)).collect();
        history::matching(context, &patterns, |_| true)
    }
}
