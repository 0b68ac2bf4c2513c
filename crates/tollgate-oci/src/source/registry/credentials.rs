//! Registry credentials: `--creds user:pass` and the auth files that `docker login` and
//! `podman login` write.
//!
//! ref: <https://github.com/containers/image/blob/main/docs/containers-auth.json.5.md>
//! ref: <https://docs.docker.com/reference/cli/docker/login/#credential-stores>

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};

use crate::reference::DOCKER_HUB;
use crate::{Error, Result};

/// A user name and password (or token) for a registry.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The user name.
    pub username: String,
    /// The password or access token; never printed.
    pub password: String,
}

impl Credentials {
    /// Parse `user:password` as given to `--creds`. The password may itself contain `:`.
    pub fn parse(user_colon_pass: &str) -> Result<Self> {
        Self::split(user_colon_pass, "--creds")
    }

    fn split(text: &str, origin: &str) -> Result<Self> {
        let invalid = |reason: &str| Error::Credentials {
            origin: origin.to_owned(),
            reason: reason.to_owned(),
        };
        let (username, password) = text
            .split_once(':')
            .ok_or_else(|| invalid("expected `user:password`"))?;
        if username.is_empty() {
            return Err(invalid("the user name is empty (expected `user:password`)"));
        }
        Ok(Self {
            username: username.to_owned(),
            password: password.to_owned(),
        })
    }

    /// The value of an `Authorization: Basic …` header.
    pub(crate) fn basic_header(&self) -> String {
        let pair = format!("{}:{}", self.username, self.password);
        format!("Basic {}", STANDARD.encode(pair))
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// The parts of `auth.json` / `config.json` we read. Everything else (`credsStore`,
/// `credHelpers`, `HttpHeaders`, …) is ignored, whatever its shape.
#[derive(serde::Deserialize)]
struct AuthFile {
    #[serde(default)]
    auths: BTreeMap<String, AuthEntry>,
}

#[derive(serde::Deserialize)]
struct AuthEntry {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
}

/// The auth files to consult, in the order podman and skopeo use (first match wins), then
/// docker's. `env` reads an environment variable, so tests need not touch the process's.
pub(crate) fn auth_file_candidates(env: impl Fn(&str) -> Option<OsString>) -> Vec<PathBuf> {
    let var = |name: &str| {
        env(name)
            .filter(|value| !value.is_empty())
            .map(PathBuf::from)
    };
    let mut files = Vec::new();
    if let Some(file) = var("REGISTRY_AUTH_FILE") {
        files.push(file);
    }
    if let Some(runtime) = var("XDG_RUNTIME_DIR") {
        files.push(runtime.join("containers").join("auth.json"));
    }
    if let Some(config) = var("XDG_CONFIG_HOME") {
        files.push(config.join("containers").join("auth.json"));
    }
    if let Some(docker) = var("DOCKER_CONFIG") {
        files.push(docker.join("config.json"));
    }
    if let Some(home) = var("HOME").or_else(|| var("USERPROFILE")) {
        files.push(home.join(".docker").join("config.json"));
    }
    files
}

/// Find credentials for `registry`/`repository`: only in `explicit` when given (it must exist),
/// else in the first of `candidates` that has an entry (missing files are skipped).
pub(crate) fn lookup(
    registry: &str,
    repository: &str,
    explicit: Option<&Path>,
    candidates: &[PathBuf],
) -> Result<Option<Credentials>> {
    if let Some(path) = explicit {
        let bytes =
            fs_err::read(path).map_err(|source| Error::io("read the auth file", path, source))?;
        return lookup_in(&bytes, path, registry, repository);
    }
    for path in candidates {
        let bytes = match fs_err::read(path) {
            Ok(bytes) => bytes,
            Err(source) if source.kind() == std::io::ErrorKind::NotFound => continue,
            Err(source) => return Err(Error::io("read the auth file", path, source)),
        };
        if let Some(credentials) = lookup_in(&bytes, path, registry, repository)? {
            return Ok(Some(credentials));
        }
    }
    Ok(None)
}

/// Look `registry`/`repository` up in the content of one auth file.
fn lookup_in(
    bytes: &[u8],
    path: &Path,
    registry: &str,
    repository: &str,
) -> Result<Option<Credentials>> {
    let origin = path.display().to_string();
    let file: AuthFile = serde_json::from_slice(bytes).map_err(|error| Error::Credentials {
        origin: origin.clone(),
        reason: format!("not a valid auth file: {error}"),
    })?;
    let Some(key) = best_key(file.auths.keys().map(String::as_str), registry, repository) else {
        return Ok(None);
    };
    let Some(entry) = file.auths.get(key) else {
        return Ok(None);
    };
    let entry_origin = format!("{origin}` entry `{key}");
    decode_entry(entry, &entry_origin)
}

/// An entry with neither `auth` nor `username` is a placeholder for a credential helper, which
/// is out of scope: it counts as no credentials, not as an error.
fn decode_entry(entry: &AuthEntry, origin: &str) -> Result<Option<Credentials>> {
    if let Some(encoded) = entry
        .auth
        .as_deref()
        .map(str::trim)
        .filter(|auth| !auth.is_empty())
    {
        let decoded = STANDARD
            .decode(encoded)
            .or_else(|_| STANDARD_NO_PAD.decode(encoded))
            .map_err(|_| Error::Credentials {
                origin: origin.to_owned(),
                reason: "`auth` is not base64".to_owned(),
            })?;
        let text = String::from_utf8(decoded).map_err(|_| Error::Credentials {
            origin: origin.to_owned(),
            reason: "`auth` is not UTF-8 once decoded".to_owned(),
        })?;
        return Credentials::split(&text, origin).map(Some);
    }
    match (&entry.username, &entry.password) {
        (Some(username), Some(password)) if !username.is_empty() => Ok(Some(Credentials {
            username: username.clone(),
            password: password.clone(),
        })),
        _ => Ok(None),
    }
}

/// The most specific key that applies to `registry`/`repository`. Keys are `host[:port]`,
/// `host[:port]/namespace[/repo]` (podman) or a URL such as `https://index.docker.io/v1/`
/// (docker's legacy form, of which only the host counts).
fn best_key<'a>(
    keys: impl Iterator<Item = &'a str>,
    registry: &str,
    repository: &str,
) -> Option<&'a str> {
    let aliases = registry_aliases(registry);
    let mut best: Option<((usize, usize), &str)> = None;
    for key in keys {
        let (host, path) = normalize_key(key);
        let Some(alias_rank) = aliases
            .iter()
            .position(|alias| alias.eq_ignore_ascii_case(host))
        else {
            continue;
        };
        let specificity = if path.is_empty() {
            0
        } else if repository == path
            || repository
                .strip_prefix(path)
                .is_some_and(|rest| rest.starts_with('/'))
        {
            path.len()
        } else {
            continue;
        };
        // More specific wins; among equals, the alias listed first (docker's canonical key).
        let score = (specificity, usize::MAX - alias_rank);
        if best.is_none_or(|(best_score, _)| score > best_score) {
            best = Some((score, key));
        }
    }
    best.map(|(_, key)| key)
}

fn registry_aliases(registry: &str) -> Vec<&str> {
    if registry == DOCKER_HUB {
        vec!["index.docker.io", DOCKER_HUB, "registry-1.docker.io"]
    } else {
        vec![registry]
    }
}

/// Split a key into host and repository path (empty for the whole registry).
fn normalize_key(key: &str) -> (&str, &str) {
    let key = key.trim();
    if let Some(rest) = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
    {
        let host = rest.split('/').next().unwrap_or(rest);
        return (host, "");
    }
    match key.split_once('/') {
        Some((host, path)) => (host, path.trim_end_matches('/')),
        None => (key, ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credentials(username: &str, password: &str) -> Credentials {
        Credentials {
            username: username.to_owned(),
            password: password.to_owned(),
        }
    }

    fn encoded(pair: &str) -> String {
        STANDARD.encode(pair)
    }

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        fs_err::write(&path, text).unwrap();
        path
    }

    #[test]
    fn parse_creds() {
        assert_eq!(
            Credentials::parse("alice:s3cret").unwrap(),
            credentials("alice", "s3cret")
        );
        assert_eq!(
            Credentials::parse("bob:a:b:c").unwrap(),
            credentials("bob", "a:b:c")
        );
        assert_eq!(Credentials::parse("bob:").unwrap(), credentials("bob", ""));
        for bad in ["alice", ":pass", ""] {
            assert!(
                matches!(Credentials::parse(bad), Err(Error::Credentials { ref origin, .. }) if origin == "--creds"),
                "{bad:?} should be rejected"
            );
        }
    }

    #[test]
    fn debug_redacts_password() {
        let text = format!("{:?}", credentials("alice", "hunter2"));
        assert!(text.contains("alice"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("<redacted>"), "{text}");
    }

    #[test]
    fn basic_header() {
        assert_eq!(
            credentials("aladdin", "opensesame").basic_header(),
            "Basic YWxhZGRpbjpvcGVuc2VzYW1l"
        );
    }

    #[test]
    fn key_matching() {
        let keys = [
            "https://index.docker.io/v1/",
            "quay.io",
            "localhost:5000",
            "http://127.0.0.1:5000/v2/",
        ];
        let best =
            |registry: &str, repository: &str| best_key(keys.iter().copied(), registry, repository);
        assert_eq!(
            best("docker.io", "library/debian"),
            Some("https://index.docker.io/v1/")
        );
        assert_eq!(best("quay.io", "org/app"), Some("quay.io"));
        assert_eq!(best("localhost:5000", "app"), Some("localhost:5000"));
        assert_eq!(
            best("127.0.0.1:5000", "app"),
            Some("http://127.0.0.1:5000/v2/")
        );
        assert_eq!(best("localhost", "app"), None);
        assert_eq!(best("ghcr.io", "o/r"), None);

        for key in [
            "docker.io",
            "index.docker.io",
            "registry-1.docker.io",
            "https://index.docker.io/v1/",
        ] {
            assert_eq!(
                best_key([key].into_iter(), "docker.io", "library/debian"),
                Some(key)
            );
        }
        assert_eq!(
            best_key(
                ["https://index.docker.io/v1/"].into_iter(),
                "index.docker.io.evil",
                "a"
            ),
            None
        );
    }

    #[test]
    fn key_matching_prefers_most_specific_namespace() {
        let keys = [
            "quay.io",
            "quay.io/team",
            "quay.io/team/app",
            "quay.io/teamx",
        ];
        let best = |repository: &str| best_key(keys.iter().copied(), "quay.io", repository);
        assert_eq!(best("team/app"), Some("quay.io/team/app"));
        assert_eq!(best("team/other"), Some("quay.io/team"));
        assert_eq!(best("teamxy/app"), Some("quay.io"));
        assert_eq!(best("teamx/app"), Some("quay.io/teamx"));
        // Docker's canonical key wins over its aliases.
        let hub = [
            "docker.io",
            "https://index.docker.io/v1/",
            "registry-1.docker.io",
        ];
        assert_eq!(
            best_key(hub.into_iter(), "docker.io", "library/debian"),
            Some("https://index.docker.io/v1/")
        );
    }

    #[test]
    fn reads_docker_and_podman_files() {
        let dir = tempfile::tempdir().unwrap();
        let docker = write(
            dir.path(),
            "config.json",
            &format!(
                r#"{{
                    "auths": {{
                        "https://index.docker.io/v1/": {{"auth": "{}"}},
                        "ghcr.io": {{}},
                        "quay.io": {{"username": "robot", "password": "tok"}}
                    }},
                    "credsStore": "desktop",
                    "credHelpers": {{"gcr.io": "gcloud"}},
                    "HttpHeaders": {{"X-Meta": "1"}}
                }}"#,
                encoded("alice:pa:ss")
            ),
        );
        let found = |registry: &str, repository: &str| {
            lookup(registry, repository, Some(&docker), &[]).unwrap()
        };
        assert_eq!(
            found("docker.io", "library/debian"),
            Some(credentials("alice", "pa:ss"))
        );
        assert_eq!(
            found("quay.io", "org/app"),
            Some(credentials("robot", "tok"))
        );
        // A credential-helper placeholder is no credentials, not an error.
        assert_eq!(found("ghcr.io", "o/r"), None);
        assert_eq!(found("example.com", "o/r"), None);
    }

    #[test]
    fn first_file_with_an_entry_wins() {
        let dir = tempfile::tempdir().unwrap();
        let podman = write(
            dir.path(),
            "auth.json",
            &format!(
                r#"{{"auths": {{"localhost:5000": {{"auth": "{}"}}}}}}"#,
                encoded("p:1")
            ),
        );
        let docker = write(
            dir.path(),
            "config.json",
            &format!(
                r#"{{"auths": {{"localhost:5000": {{"auth": "{}"}}, "quay.io": {{"auth": "{}"}}}}}}"#,
                encoded("d:2"),
                encoded("d:3")
            ),
        );
        let missing = dir.path().join("missing.json");
        let candidates = [missing, podman, docker];
        assert_eq!(
            lookup("localhost:5000", "app", None, &candidates).unwrap(),
            Some(credentials("p", "1"))
        );
        assert_eq!(
            lookup("quay.io", "app", None, &candidates).unwrap(),
            Some(credentials("d", "3"))
        );
        assert_eq!(lookup("ghcr.io", "app", None, &candidates).unwrap(), None);
    }

    #[test]
    fn malformed_files_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let cases = [
            ("not-json.json", "{".to_owned()),
            ("auths-not-object.json", r#"{"auths": []}"#.to_owned()),
            (
                "bad-base64.json",
                r#"{"auths": {"quay.io": {"auth": "!!!"}}}"#.to_owned(),
            ),
            (
                "no-colon.json",
                format!(
                    r#"{{"auths": {{"quay.io": {{"auth": "{}"}}}}}}"#,
                    encoded("alice")
                ),
            ),
        ];
        for (name, text) in cases {
            let path = write(dir.path(), name, &text);
            let error = lookup("quay.io", "app", None, std::slice::from_ref(&path)).unwrap_err();
            match error {
                Error::Credentials { origin, .. } => {
                    assert!(origin.contains(name), "{name}: {origin}")
                }
                other => panic!("{name}: unexpected {other:?}"),
            }
        }
    }

    #[test]
    fn explicit_file_must_exist() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.json");
        assert!(matches!(
            lookup("quay.io", "app", Some(&missing), &[]),
            Err(Error::Io { ref path, .. }) if path == &missing
        ));
    }

    #[test]
    fn candidate_order() {
        let env = |name: &str| -> Option<OsString> {
            match name {
                "REGISTRY_AUTH_FILE" => Some("/a/auth.json".into()),
                "XDG_RUNTIME_DIR" => Some("/run/user/1".into()),
                "XDG_CONFIG_HOME" => Some(String::new().into()),
                "DOCKER_CONFIG" => Some("/d".into()),
                "HOME" => Some("/home/u".into()),
                _ => None,
            }
        };
        let expected: Vec<PathBuf> = [
            "/a/auth.json",
            "/run/user/1/containers/auth.json",
            "/d/config.json",
            "/home/u/.docker/config.json",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        assert_eq!(auth_file_candidates(env), expected);
    }
}
