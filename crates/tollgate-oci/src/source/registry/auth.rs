//! `WWW-Authenticate` challenges and the bearer-token exchange of the distribution spec.
//!
//! ref: <https://www.rfc-editor.org/rfc/rfc9110#section-11.6.1> (challenge grammar)
//! ref: <https://distribution.github.io/distribution/spec/auth/token/> (token flow)

use std::collections::BTreeMap;

/// One authentication challenge, e.g. `Bearer realm="…",service="…"`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Challenge {
    /// The scheme, lowercased: `bearer`, `basic`, …
    pub(crate) scheme: String,
    /// Parameters with lowercased names and unquoted values.
    pub(crate) params: BTreeMap<String, String>,
}

impl Challenge {
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }
}

/// Parse every challenge in the values of the `WWW-Authenticate` headers of one response.
/// Malformed parts are skipped rather than failing: the caller reports "no usable challenge".
pub(crate) fn parse_challenges<'a>(values: impl IntoIterator<Item = &'a str>) -> Vec<Challenge> {
    let mut challenges = Vec::new();
    for value in values {
        Parser {
            input: value.as_bytes(),
            position: 0,
        }
        .challenges(&mut challenges);
    }
    challenges
}

/// Pick the challenge to answer: bearer if offered (it is scoped), else basic.
pub(crate) fn preferred(challenges: &[Challenge]) -> Option<&Challenge> {
    challenges
        .iter()
        .find(|challenge| challenge.scheme == "bearer" && challenge.param("realm").is_some())
        .or_else(|| {
            challenges
                .iter()
                .find(|challenge| challenge.scheme == "basic")
        })
}

struct Parser<'a> {
    input: &'a [u8],
    position: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.input.get(self.position).copied()
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.position += 1;
        }
    }

    fn skip_separators(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b',')) {
            self.position += 1;
        }
    }

    /// A `token` (RFC 9110 tchar), possibly empty.
    fn token(&mut self) -> &str {
        let start = self.position;
        while let Some(byte) = self.peek() {
            let tchar = byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte);
            if !tchar {
                break;
            }
            self.position += 1;
        }
        std::str::from_utf8(&self.input[start..self.position]).unwrap_or_default()
    }

    /// An unquoted value: everything up to the next separator. Laxer than the grammar's token
    /// so that unquoted URLs (`realm=<https://host:5000/token>`) survive.
    fn bare_value(&mut self) -> String {
        let start = self.position;
        while let Some(byte) = self.peek() {
            if matches!(byte, b',' | b' ' | b'\t') {
                break;
            }
            self.position += 1;
        }
        String::from_utf8_lossy(&self.input[start..self.position]).into_owned()
    }

    /// A quoted string, with backslash escapes; the opening quote is current.
    fn quoted(&mut self) -> String {
        self.position += 1;
        let mut value = Vec::new();
        while let Some(byte) = self.peek() {
            self.position += 1;
            match byte {
                b'"' => break,
                b'\\' => {
                    if let Some(escaped) = self.peek() {
                        value.push(escaped);
                        self.position += 1;
                    }
                }
                _ => value.push(byte),
            }
        }
        String::from_utf8_lossy(&value).into_owned()
    }

    fn challenges(&mut self, out: &mut Vec<Challenge>) {
        loop {
            self.skip_separators();
            if self.peek().is_none() {
                return;
            }
            let scheme = self.token().to_ascii_lowercase();
            if scheme.is_empty() {
                // Not a challenge: skip one byte so that garbage cannot stall the loop.
                self.position += 1;
                continue;
            }
            let mut challenge = Challenge {
                scheme,
                params: BTreeMap::new(),
            };
            self.params(&mut challenge.params);
            out.push(challenge);
        }
    }

    /// `name=value` pairs separated by commas, until the next challenge's scheme (a token not
    /// followed by `=`) or the end.
    fn params(&mut self, params: &mut BTreeMap<String, String>) {
        loop {
            self.skip_separators();
            let start = self.position;
            let name = self.token().to_ascii_lowercase();
            self.skip_whitespace();
            if name.is_empty() || self.peek() != Some(b'=') {
                self.position = start;
                return;
            }
            self.position += 1;
            self.skip_whitespace();
            let value = if self.peek() == Some(b'"') {
                self.quoted()
            } else {
                self.bare_value()
            };
            params.insert(name, value);
        }
    }
}

/// The token from a token-endpoint response: `token`, or OAuth2's `access_token`.
pub(crate) fn token_from_response(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct TokenResponse {
        #[serde(default)]
        token: Option<String>,
        #[serde(default)]
        access_token: Option<String>,
    }
    let response: TokenResponse = serde_json::from_slice(body).ok()?;
    response
        .token
        .filter(|token| !token.is_empty())
        .or(response.access_token)
        .filter(|token| !token.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn challenge(scheme: &str, params: &[(&str, &str)]) -> Challenge {
        Challenge {
            scheme: scheme.to_owned(),
            params: params
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    #[test]
    fn docker_hub() {
        let header = r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/debian:pull""#;
        assert_eq!(
            parse_challenges([header]),
            [challenge(
                "bearer",
                &[
                    ("realm", "https://auth.docker.io/token"),
                    ("service", "registry.docker.io"),
                    ("scope", "repository:library/debian:pull"),
                ]
            )]
        );
    }

    #[test]
    fn ghcr_and_quay() {
        let ghcr = r#"Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:user/image:pull""#;
        let parsed = parse_challenges([ghcr]);
        assert_eq!(parsed[0].param("realm"), Some("https://ghcr.io/token"));
        assert_eq!(parsed[0].param("scope"), Some("repository:user/image:pull"));
        let quay = r#"Bearer realm="https://quay.io/v2/auth",service="quay.io""#;
        assert_eq!(
            parse_challenges([quay]),
            [challenge(
                "bearer",
                &[("realm", "https://quay.io/v2/auth"), ("service", "quay.io")]
            )]
        );
    }

    #[test]
    fn distribution_registry() {
        // htpasswd auth of distribution/distribution.
        assert_eq!(
            parse_challenges([r#"Basic realm="Registry Realm""#]),
            [challenge("basic", &[("realm", "Registry Realm")])]
        );
        // Token auth with an error after a token lacked scope.
        let header = r#"Bearer realm="https://auth.example.com/token",service="Docker registry",scope="repository:samalba/my-app:pull,push",error="insufficient_scope""#;
        let parsed = parse_challenges([header]);
        assert_eq!(parsed.len(), 1);
        assert_eq!(
            parsed[0].param("scope"),
            Some("repository:samalba/my-app:pull,push")
        );
        assert_eq!(parsed[0].param("service"), Some("Docker registry"));
        assert_eq!(parsed[0].param("error"), Some("insufficient_scope"));
    }

    #[test]
    fn ecr_style_basic_with_service() {
        let header = r#"Basic realm="https://123.dkr.ecr.us-east-1.amazonaws.com/",service="ecr.amazonaws.com""#;
        let parsed = parse_challenges([header]);
        assert_eq!(parsed[0].scheme, "basic");
        assert_eq!(parsed[0].param("service"), Some("ecr.amazonaws.com"));
    }

    #[test]
    fn several_challenges_and_odd_spacing() {
        let header = r#"Basic realm="a, b", BEARER  Realm = "https://t/x?a=1" , service=reg:443 , scope="repo:a:pull""#;
        let parsed = parse_challenges([header, "Negotiate", r#"Basic realm="esc\"aped""#]);
        assert_eq!(
            parsed,
            [
                challenge("basic", &[("realm", "a, b")]),
                challenge(
                    "bearer",
                    &[
                        ("realm", "https://t/x?a=1"),
                        ("service", "reg:443"),
                        ("scope", "repo:a:pull")
                    ]
                ),
                challenge("negotiate", &[]),
                challenge("basic", &[("realm", "esc\"aped")]),
            ]
        );
        assert_eq!(
            preferred(&parsed).map(|c| c.scheme.as_str()),
            Some("bearer")
        );
    }

    #[test]
    fn garbage_does_not_panic() {
        for header in [
            "",
            ",,,",
            "=",
            "\"",
            "Bearer realm=\"unterminated",
            "Bearer =x",
            "é",
            "Bearer realm",
        ] {
            let _ = parse_challenges([header]);
        }
        assert_eq!(preferred(&parse_challenges(["Bearer service=x"])), None);
        assert_eq!(
            parse_challenges(["Bearer realm=\"unterminated"]),
            [challenge("bearer", &[("realm", "unterminated")])]
        );
    }

    #[test]
    fn token_responses() {
        assert_eq!(
            token_from_response(br#"{"token":"a","expires_in":300}"#).as_deref(),
            Some("a")
        );
        assert_eq!(
            token_from_response(br#"{"access_token":"b"}"#).as_deref(),
            Some("b")
        );
        assert_eq!(
            token_from_response(br#"{"token":"","access_token":"c"}"#).as_deref(),
            Some("c")
        );
        assert_eq!(token_from_response(br#"{"token":null}"#), None);
        assert_eq!(token_from_response(b"not json"), None);
        assert_eq!(token_from_response(br#"{"token":5}"#), None);
    }
}
