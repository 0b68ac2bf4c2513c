//! Pulling from a registry over the distribution spec (`docker://<ref>`): manifests read in full
//! (bounded, verified), blobs streamed to the caller, which verifies them.
//!
//! ref: <https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#pulling-manifests>
//! ref: <https://distribution.github.io/distribution/spec/auth/token/>

use std::io::Read;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, Once, PoisonError};
use std::time::Duration;

use reqwest::blocking::{Client, Response};
use reqwest::header::{
    ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue, LOCATION, RETRY_AFTER,
    WWW_AUTHENTICATE,
};
use reqwest::{StatusCode, Url};

use crate::digest::read_small_blob;
use crate::source::{ImageSource, ManifestBlob};
use crate::{Digest, Error, Limits, Reference, Result};

mod auth;
mod credentials;

pub use self::credentials::Credentials;

/// Options for talking to registries.
#[derive(Clone, Debug, Default)]
pub struct RegistryOptions {
    /// `--creds user:pass`, overrides any file.
    pub credentials: Option<Credentials>,
    /// Allow plain HTTP (and fall back to it) for non-loopback registries.
    pub insecure: bool,
    /// Explicit auth file (else `$REGISTRY_AUTH_FILE`, then
    /// `${XDG_RUNTIME_DIR}/containers/auth.json`, then `$XDG_CONFIG_HOME/containers/auth.json`,
    /// then `$DOCKER_CONFIG/config.json`, then `~/.docker/config.json`).
    pub auth_file: Option<PathBuf>,
}

/// Every manifest and index type we can read; a registry converts or refuses the others.
const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.index.v1+json, \
    application/vnd.oci.image.manifest.v1+json, \
    application/vnd.docker.distribution.manifest.list.v2+json, \
    application/vnd.docker.distribution.manifest.v2+json";
const USER_AGENT: &str = concat!("tollgate/", env!("CARGO_PKG_VERSION"));
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// Applies to each wait (response headers, each read of the body), not to the whole transfer,
/// so a multi-gigabyte layer on a slow link still completes while a stalled one does not hang.
const READ_TIMEOUT: Duration = Duration::from_secs(120);
const MAX_RETRIES: u32 = 4;
const BACKOFF: Duration = Duration::from_millis(200);
const MAX_RETRY_AFTER: Duration = Duration::from_secs(10);
const MAX_REDIRECTS: usize = 10;
/// Token responses and tag lists are small; a larger one is hostile or broken.
const MAX_SMALL_BODY: u64 = 1024 * 1024;
/// Error bodies are read only for a one-line detail.
const MAX_ERROR_BODY: u64 = 64 * 1024;
const MAX_DETAIL_CHARS: usize = 200;
const MAX_TAGS_SHOWN: usize = 10;

/// How the client behaves, apart from the user's options; tests shorten the backoff, bypass
/// proxies and keep the developer's own auth files out.
struct Settings {
    backoff: Duration,
    use_proxy: bool,
    auth_files: Vec<PathBuf>,
}

impl Settings {
    fn from_environment() -> Self {
        Self {
            backoff: BACKOFF,
            use_proxy: true,
            auth_files: credentials::auth_file_candidates(|name| std::env::var_os(name)),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scheme {
    Https,
    Http,
}

impl Scheme {
    fn as_str(self) -> &'static str {
        match self {
            Self::Https => "https",
            Self::Http => "http",
        }
    }
}

/// One request to send: the body (content type and bytes) is kept so that it can be sent again
/// after a challenge, a redirect or a retry.
pub(crate) struct Outgoing {
    pub(crate) method: reqwest::Method,
    pub(crate) url: Url,
    pub(crate) accept: Option<&'static str>,
    pub(crate) body: Option<(String, Vec<u8>)>,
}

/// An image in a registry.
pub(crate) struct RegistrySource {
    reference: Reference,
    client: Client,
    /// `host[:port]` to connect to (`registry-1.docker.io` for Docker Hub).
    host: String,
    /// Loopback registries and `--insecure` may fall back to plain HTTP.
    allow_http: bool,
    insecure: bool,
    credentials: Option<Credentials>,
    backoff: Duration,
    /// Chosen on the first request and kept, as docker does.
    scheme: Mutex<Option<Scheme>>,
    /// The `Authorization` value that answered the last challenge, reused until rejected.
    authorization: Mutex<Option<HeaderValue>>,
    /// Ask token services for push access too (signing writes to the repository).
    push: bool,
}

impl RegistrySource {
    pub(crate) fn new(reference: Reference, options: &RegistryOptions) -> Result<Self> {
        Self::with_settings(reference, options, Settings::from_environment())
    }

    fn with_settings(
        reference: Reference,
        options: &RegistryOptions,
        settings: Settings,
    ) -> Result<Self> {
        let host = reference.api_host().to_owned();
        let credentials = match &options.credentials {
            Some(credentials) => Some(credentials.clone()),
            None => credentials::lookup(
                reference.registry(),
                reference.repository(),
                options.auth_file.as_deref(),
                &settings.auth_files,
            )?,
        };
        let allow_http = options.insecure || host_is_loopback(&host);
        Ok(Self {
            client: build_client(&settings, &host)?,
            host,
            allow_http,
            insecure: options.insecure,
            credentials,
            backoff: settings.backoff,
            scheme: Mutex::new(None),
            authorization: Mutex::new(None),
            push: false,
            reference,
        })
    }

    /// A client that may also write to the repository: bearer tokens are asked for with
    /// `pull,push` scope.
    pub(crate) fn new_for_push(reference: Reference, options: &RegistryOptions) -> Result<Self> {
        let mut source = Self::new(reference, options)?;
        source.push = true;
        Ok(source)
    }

    #[cfg(test)]
    pub(crate) fn set_push(&mut self) {
        self.push = true;
    }

    pub(crate) fn reference(&self) -> &Reference {
        &self.reference
    }

    fn registry(&self) -> String {
        self.reference.registry().to_owned()
    }

    /// GET a manifest by tag or digest, bounded and verified.
    fn fetch_manifest(
        &self,
        manifest_reference: &str,
        display: &str,
        expected: Option<&Digest>,
        limits: &Limits,
    ) -> Result<ManifestBlob> {
        self.manifest_if_present(manifest_reference, display, expected, limits)?
            .ok_or_else(|| Error::ReferenceNotFound {
                reference: display.to_owned(),
                source_name: self.describe(),
                available: self.available_tags(),
            })
    }

    /// GET a manifest by tag or digest, bounded and verified; `None` when the registry says it
    /// does not exist (signature tags usually do not).
    pub(crate) fn manifest_if_present(
        &self,
        manifest_reference: &str,
        display: &str,
        expected: Option<&Digest>,
        limits: &Limits,
    ) -> Result<Option<ManifestBlob>> {
        let path = format!(
            "/v2/{}/manifests/{manifest_reference}",
            self.reference.repository()
        );
        let response = self.fetch(&path, Some(MANIFEST_ACCEPT))?;
        let status = response.status();
        if status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !status.is_success() {
            return Err(status_error(response));
        }
        let what = format!("manifest `{display}`");
        let limit = limits.max_manifest_bytes;
        if response
            .content_length()
            .is_some_and(|length| length > limit)
        {
            return Err(Error::LimitExceeded {
                what,
                limit,
                unit: "bytes",
                hint: " (raise it with --max-manifest-size)",
            });
        }
        let media_type = content_type(&response);
        let sent_digest = content_digest(&response);
        let bytes = read_small_blob(response, &what, expected, limit)?;
        // A registry that names other content than it sends is broken or lying: either way the
        // digest we would report for the image would not be the one it serves by that name.
        if let Some(sent) = sent_digest {
            let actual = sent.same_algorithm_of(&bytes);
            if actual != sent {
                return Err(Error::DigestMismatch {
                    what: format!("{what} (the registry's Docker-Content-Digest)"),
                    expected: sent,
                    actual,
                });
            }
        }
        let digest = expected
            .cloned()
            .unwrap_or_else(|| Digest::sha256_of(&bytes));
        Ok(Some(ManifestBlob {
            bytes,
            digest,
            media_type,
        }))
    }

    /// The first tags of the repository, for a "not found" message; best effort, as the
    /// message is already an error.
    fn available_tags(&self) -> String {
        #[derive(serde::Deserialize)]
        struct TagList {
            #[serde(default)]
            tags: Option<Vec<String>>,
        }
        let path = format!("/v2/{}/tags/list?n=100", self.reference.repository());
        let Ok(response) = self.fetch(&path, None) else {
            return "unknown".to_owned();
        };
        if response.status() == StatusCode::NOT_FOUND {
            return "none, the repository does not exist".to_owned();
        }
        if !response.status().is_success() {
            return "unknown".to_owned();
        }
        let url = response.url().clone();
        let Ok(body) = read_bounded(response, &url, MAX_SMALL_BODY) else {
            return "unknown".to_owned();
        };
        let Ok(list) = serde_json::from_slice::<TagList>(&body) else {
            return "unknown".to_owned();
        };
        let tags = list.tags.unwrap_or_default();
        if tags.is_empty() {
            return "no tags".to_owned();
        }
        let mut shown: Vec<String> = tags
            .iter()
            .take(MAX_TAGS_SHOWN)
            .map(|tag| sanitize(tag, 128))
            .collect();
        if tags.len() > MAX_TAGS_SHOWN {
            shown.push("…".to_owned());
        }
        shown.join(", ")
    }

    /// GET `path` (which starts with `/v2/`) on the registry.
    fn fetch(&self, path: &str, accept: Option<&'static str>) -> Result<Response> {
        let url = self.url(path)?;
        self.send(&Outgoing {
            method: reqwest::Method::GET,
            url,
            accept,
            body: None,
        })
    }

    /// The URL of `path` (which starts with `/v2/`) on the registry, with the chosen scheme.
    pub(crate) fn url(&self, path: &str) -> Result<Url> {
        let scheme = self.scheme()?;
        let text = format!("{}://{}{path}", scheme.as_str(), self.host);
        Url::parse(&text).map_err(|source| Error::Http {
            url: text.clone(),
            source: Box::new(source),
        })
    }

    /// Send one request to the registry. Answers one authentication challenge, and follows
    /// redirects by hand so that credentials go only to the registry's own origin, never to
    /// the blob storage it redirects to.
    pub(crate) fn send(&self, outgoing: &Outgoing) -> Result<Response> {
        let origin = self.url("/v2/")?.origin();
        let start = &outgoing.url;
        if start.origin() != origin {
            self.check_scheme(start)?;
        }
        let mut authenticated = false;
        'challenge: loop {
            let mut url = start.clone();
            for _ in 0..=MAX_REDIRECTS {
                let own_origin = url.origin() == origin;
                let mut headers = HeaderMap::new();
                if let Some(accept) = outgoing.accept {
                    headers.insert(ACCEPT, HeaderValue::from_static(accept));
                }
                if let Some((content_type, _)) = &outgoing.body {
                    let value = HeaderValue::from_str(content_type).map_err(|_| Error::Http {
                        url: redacted(&url),
                        source: format!(
                            "the media type `{}` is not a valid header value",
                            sanitize(content_type, 100)
                        )
                        .into(),
                    })?;
                    headers.insert(CONTENT_TYPE, value);
                }
                if own_origin && let Some(authorization) = lock(&self.authorization).clone() {
                    headers.insert(AUTHORIZATION, authorization);
                }
                let body = outgoing.body.as_ref().map(|(_, bytes)| bytes.as_slice());
                let response = self.exchange(&outgoing.method, &url, &headers, body)?;
                let status = response.status();
                if status.is_redirection()
                    && let Some(location) = response.headers().get(LOCATION)
                {
                    url = self.redirect_target(&url, location)?;
                    continue;
                }
                if status == StatusCode::UNAUTHORIZED && own_origin {
                    if authenticated {
                        return Err(self.rejected());
                    }
                    let values = response.headers().get_all(WWW_AUTHENTICATE);
                    let challenges = auth::parse_challenges(
                        values.iter().filter_map(|value| value.to_str().ok()),
                    );
                    self.authenticate(&challenges)?;
                    authenticated = true;
                    continue 'challenge;
                }
                return Ok(response);
            }
            return Err(Error::Http {
                url: redacted(start),
                source: format!("more than {MAX_REDIRECTS} redirects").into(),
            });
        }
    }

    /// The scheme to use, decided once. Loopback and `--insecure` registries try HTTPS first and
    /// fall back to plain HTTP when the TLS connection fails, as docker does; but not when the
    /// server speaks TLS with an untrusted certificate, since its plain-HTTP port would only
    /// answer "400 client sent an HTTP request to an HTTPS server".
    fn scheme(&self) -> Result<Scheme> {
        let mut scheme = lock(&self.scheme);
        if let Some(chosen) = *scheme {
            return Ok(chosen);
        }
        let chosen = if self.allow_http {
            self.probe()?
        } else {
            Scheme::Https
        };
        *scheme = Some(chosen);
        Ok(chosen)
    }

    fn probe(&self) -> Result<Scheme> {
        let https = format!("https://{}/v2/", self.host);
        let http = format!("http://{}/v2/", self.host);
        let mut attempt = 0;
        loop {
            // Any answer, even 401 or 404, shows that the scheme works.
            let https_error = match self.client.get(&https).send() {
                Ok(_) => return Ok(Scheme::Https),
                Err(error) if is_certificate_failure(&error) => {
                    return Err(Error::Http {
                        url: https,
                        source: Box::new(error.without_url()),
                    });
                }
                Err(error) => error,
            };
            match self.client.get(&http).send() {
                Ok(_) => return Ok(Scheme::Http),
                Err(error) if attempt < MAX_RETRIES && is_transient(&error) => {}
                // Report the HTTPS failure: it is the scheme we prefer, and its error (say, a
                // certificate problem) is the one the user can act on.
                Err(_) => {
                    return Err(Error::Http {
                        url: https,
                        source: Box::new(https_error.without_url()),
                    });
                }
            }
            std::thread::sleep(self.backoff(attempt));
            attempt += 1;
        }
    }

    /// One request, retried on connection failures, 429 and 5xx with exponential backoff.
    fn exchange(
        &self,
        method: &reqwest::Method,
        url: &Url,
        headers: &HeaderMap,
        body: Option<&[u8]>,
    ) -> Result<Response> {
        let mut attempt = 0;
        loop {
            let mut request = self
                .client
                .request(method.clone(), url.clone())
                .headers(headers.clone());
            if let Some(body) = body {
                request = request.body(body.to_vec());
            }
            match request.send() {
                Ok(response) if attempt < MAX_RETRIES && is_retryable(response.status()) => {
                    let wait =
                        retry_after(response.headers()).unwrap_or_else(|| self.backoff(attempt));
                    drop(response);
                    std::thread::sleep(wait);
                }
                Ok(response) => return Ok(response),
                Err(error) if attempt < MAX_RETRIES && is_transient(&error) => {
                    std::thread::sleep(self.backoff(attempt));
                }
                Err(error) => {
                    return Err(Error::Http {
                        url: redacted(url),
                        source: Box::new(error.without_url()),
                    });
                }
            }
            attempt += 1;
        }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        self.backoff.saturating_mul(1 << attempt.min(16))
    }

    fn redirect_target(&self, from: &Url, location: &HeaderValue) -> Result<Url> {
        let invalid = |reason: String| Error::Http {
            url: redacted(from),
            source: reason.into(),
        };
        let location = location
            .to_str()
            .map_err(|_| invalid("the redirect location is not ASCII".to_owned()))?;
        let next = from.join(location).map_err(|error| {
            invalid(format!(
                "invalid redirect location `{}`: {error}",
                sanitize(location, 200)
            ))
        })?;
        self.check_scheme(&next)?;
        Ok(next)
    }

    /// Plain HTTP elsewhere than loopback needs `--insecure`, wherever the URL came from
    /// (a redirect, a token realm).
    fn check_scheme(&self, url: &Url) -> Result<()> {
        match url.scheme() {
            "https" => Ok(()),
            "http" if self.insecure || url_is_loopback(url) => Ok(()),
            "http" => Err(Error::InsecureNotAllowed {
                registry: host_and_port(url),
            }),
            other => Err(Error::Http {
                url: sanitize(&redacted(url), 200),
                source: format!("unsupported URL scheme `{}`", sanitize(other, 20)).into(),
            }),
        }
    }

    /// Answer a challenge: fetch a bearer token, or use basic credentials.
    fn authenticate(&self, challenges: &[auth::Challenge]) -> Result<()> {
        let Some(challenge) = auth::preferred(challenges) else {
            return Err(Error::Auth {
                registry: self.registry(),
                reason:
                    "the registry answered 401 without a challenge we support (Bearer or Basic)"
                        .to_owned(),
            });
        };
        let value = if challenge.scheme == "bearer" {
            format!("Bearer {}", self.bearer_token(challenge)?)
        } else {
            match &self.credentials {
                Some(credentials) => credentials.basic_header(),
                None => {
                    return Err(Error::Auth {
                        registry: self.registry(),
                        reason: format!(
                            "the registry requires credentials: pass --creds user:password or run `docker login {}`",
                            self.registry()
                        ),
                    });
                }
            }
        };
        let mut value = HeaderValue::from_str(&value).map_err(|_| Error::Auth {
            registry: self.registry(),
            reason: "the token contains characters not allowed in an HTTP header".to_owned(),
        })?;
        value.set_sensitive(true);
        *lock(&self.authorization) = Some(value);
        Ok(())
    }

    fn bearer_token(&self, challenge: &auth::Challenge) -> Result<String> {
        let realm = challenge.param("realm").unwrap_or_default();
        let mut url = Url::parse(realm).map_err(|_| Error::Auth {
            registry: self.registry(),
            reason: format!("the token realm `{}` is not a URL", sanitize(realm, 200)),
        })?;
        self.check_scheme(&url)?;
        {
            let mut query = url.query_pairs_mut();
            if let Some(service) = challenge.param("service") {
                query.append_pair("service", service);
            }
            let actions = if self.push { "pull,push" } else { "pull" };
            query.append_pair(
                "scope",
                &format!("repository:{}:{actions}", self.reference.repository()),
            );
        }
        let mut headers = HeaderMap::new();
        if let Some(credentials) = &self.credentials {
            let mut value = HeaderValue::from_str(&credentials.basic_header()).map_err(|_| {
                Error::Credentials {
                    origin: "the credentials".to_owned(),
                    reason: "they contain characters not allowed in an HTTP header".to_owned(),
                }
            })?;
            value.set_sensitive(true);
            headers.insert(AUTHORIZATION, value);
        }
        let response = self.exchange(&reqwest::Method::GET, &url, &headers, None)?;
        let status = response.status();
        if matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) {
            let realm = sanitize(realm, 200);
            let reason = match &self.credentials {
                Some(credentials) => format!(
                    "credentials rejected for user `{}` by the token service `{realm}`: check --creds or run `docker login {}`",
                    sanitize(&credentials.username, 100),
                    self.registry()
                ),
                None => format!(
                    "the token service `{realm}` refused anonymous access: pass --creds user:password or run `docker login {}`",
                    self.registry()
                ),
            };
            return Err(Error::Auth {
                registry: self.registry(),
                reason,
            });
        }
        if !status.is_success() {
            return Err(status_error(response));
        }
        let body = read_bounded(response, &url, MAX_SMALL_BODY)?;
        auth::token_from_response(&body).ok_or_else(|| Error::Auth {
            registry: self.registry(),
            reason: format!("the token service `{}` sent no token", sanitize(realm, 200)),
        })
    }

    /// The registry said 401 again after we authenticated.
    fn rejected(&self) -> Error {
        let reason = match &self.credentials {
            Some(credentials) => format!(
                "credentials rejected for user `{}` (or no {} access to `{}`): check --creds or run `docker login {}`",
                sanitize(&credentials.username, 100),
                if self.push { "push" } else { "pull" },
                self.reference.repository(),
                self.registry()
            ),
            None => format!(
                "anonymous access to `{}` was denied (it may be private or not exist): pass --creds user:password or run `docker login {}`",
                self.reference.repository(),
                self.registry()
            ),
        };
        Error::Auth {
            registry: self.registry(),
            reason,
        }
    }
}

impl ImageSource for RegistrySource {
    fn describe(&self) -> String {
        format!("registry {}", self.reference.registry())
    }

    fn root_manifest(&self, limits: &Limits) -> Result<ManifestBlob> {
        self.fetch_manifest(
            &self.reference.manifest_reference(),
            &self.reference.to_string(),
            self.reference.digest(),
            limits,
        )
    }

    fn manifest(&self, digest: &Digest, limits: &Limits) -> Result<ManifestBlob> {
        let display = format!("{}@{digest}", self.reference.name());
        self.fetch_manifest(&digest.to_string(), &display, Some(digest), limits)
    }

    fn blob(&self, digest: &Digest) -> Result<Box<dyn Read + Send + '_>> {
        let path = format!("/v2/{}/blobs/{digest}", self.reference.repository());
        let response = self.fetch(&path, None)?;
        let status = response.status();
        if status == StatusCode::NOT_FOUND {
            return Err(Error::BlobNotFound {
                digest: digest.clone(),
                source_name: self.describe(),
            });
        }
        if !status.is_success() {
            return Err(status_error(response));
        }
        Ok(Box::new(response))
    }
}

fn build_client(settings: &Settings, host: &str) -> Result<Client> {
    static CRYPTO_PROVIDER: Once = Once::new();
    // reqwest is built without a rustls provider so that only ring is compiled in; it needs a
    // process default. Another part of the process may have installed one already: keep it.
    CRYPTO_PROVIDER.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
    let mut builder = Client::builder()
        .user_agent(USER_AGENT)
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(READ_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none());
    if !settings.use_proxy {
        builder = builder.no_proxy();
    }
    builder.build().map_err(|source| Error::Http {
        url: format!("https://{host}/v2/"),
        source: Box::new(source),
    })
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn is_retryable(status: StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 500 | 502 | 503 | 504)
}

/// Connection failures that may pass; a TLS failure (a bad certificate) will not.
fn is_transient(error: &reqwest::Error) -> bool {
    (error.is_connect() || error.is_timeout() || error.is_request()) && !is_tls_failure(error)
}

fn is_tls_failure(error: &reqwest::Error) -> bool {
    tls_error(error).is_some()
}

/// The server speaks TLS, but its certificate is not trusted: plain HTTP cannot help then.
fn is_certificate_failure(error: &reqwest::Error) -> bool {
    matches!(tls_error(error), Some(rustls::Error::InvalidCertificate(_)))
}

fn tls_error(error: &reqwest::Error) -> Option<&rustls::Error> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = source {
        if let Some(tls) = current.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        // `io::Error::source` skips the error it wraps (hyper wraps rustls's error in two
        // layers of them), so step into it by hand.
        source = match current
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
        {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => current.source(),
        };
    }
    None
}

/// `Retry-After` in seconds, capped; the HTTP-date form falls back to our own backoff.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let seconds: u64 = headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(seconds).min(MAX_RETRY_AFTER))
}

/// Read a small body in full, failing past `limit`.
pub(crate) fn read_bounded(response: Response, url: &Url, limit: u64) -> Result<Vec<u8>> {
    let mut body = Vec::new();
    response
        .take(limit + 1)
        .read_to_end(&mut body)
        .map_err(|source| Error::Http {
            url: redacted(url),
            source: Box::new(source),
        })?;
    if body.len() as u64 > limit {
        return Err(Error::LimitExceeded {
            what: format!("response from `{}`", redacted(url)),
            limit,
            unit: "bytes",
            hint: "",
        });
    }
    Ok(body)
}

/// A non-success status as an error, with the first entry of the distribution error envelope
/// (`{"errors":[{"code":…,"message":…}]}`) as detail when the body has one.
pub(crate) fn status_error(response: Response) -> Error {
    #[derive(serde::Deserialize)]
    struct Envelope {
        #[serde(default)]
        errors: Vec<Entry>,
    }
    #[derive(serde::Deserialize)]
    struct Entry {
        #[serde(default)]
        code: Option<String>,
        #[serde(default)]
        message: Option<String>,
    }
    let url = redacted(response.url());
    let status = response.status().as_u16();
    let mut body = Vec::new();
    // The body only adds detail to an error we already have, so a failed read is not reported.
    let _ = response.take(MAX_ERROR_BODY).read_to_end(&mut body);
    let detail = serde_json::from_slice::<Envelope>(&body)
        .ok()
        .and_then(|envelope| envelope.errors.into_iter().next())
        .map(|entry| {
            let parts: Vec<String> = [entry.code, entry.message]
                .into_iter()
                .flatten()
                .map(|part| sanitize(&part, MAX_DETAIL_CHARS))
                .filter(|part| !part.is_empty())
                .collect();
            parts.join(": ")
        })
        .filter(|detail| !detail.is_empty())
        .map(|detail| format!(": {detail}"))
        .unwrap_or_default();
    Error::RegistryStatus {
        url,
        status,
        detail,
    }
}

/// The media type of a response, without parameters.
pub(crate) fn content_type(response: &Response) -> Option<String> {
    response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .map(str::trim)
        .filter(|value| !value.is_empty())
        .map(str::to_owned)
}

/// The `Docker-Content-Digest` a registry names, if it is a valid digest.
pub(crate) fn content_digest(response: &Response) -> Option<Digest> {
    response
        .headers()
        .get("docker-content-digest")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<Digest>().ok())
}

/// A URL for a message, without its query: a redirect to blob storage carries a signature
/// there that must not end up in logs.
fn redacted(url: &Url) -> String {
    let mut url = url.clone();
    url.set_query(None);
    url.set_fragment(None);
    url.to_string()
}

/// Text from the network made safe for a one-line message: no control characters, bounded.
pub(crate) fn sanitize(text: &str, max_chars: usize) -> String {
    let mut clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(max_chars)
        .collect();
    if text.chars().count() > max_chars {
        clean.push('…');
    }
    clean.trim().to_owned()
}

fn host_is_loopback(host: &str) -> bool {
    Url::parse(&format!("http://{host}/")).is_ok_and(|url| url_is_loopback(&url))
}

fn url_is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let address = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || address
            .parse::<IpAddr>()
            .is_ok_and(|address| address.is_loopback())
}

fn host_and_port(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::io::{BufRead, BufReader, Write};
    use std::net::{SocketAddr, TcpListener, TcpStream};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::thread::JoinHandle;
    use std::time::Instant;

    use super::*;

    const MANIFEST: &[u8] =
        br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}"#;
    const MANIFEST_PATH: &str = "/v2/team/app/manifests/1.0";

    /// One request as the test server saw it; header names are lowercase.
    #[derive(Clone, Debug)]
    pub(crate) struct Request {
        pub(crate) method: String,
        pub(crate) target: String,
        pub(crate) headers: Vec<(String, String)>,
        pub(crate) body: Vec<u8>,
    }

    impl Request {
        pub(crate) fn header(&self, name: &str) -> Option<&str> {
            self.headers
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.as_str())
        }

        pub(crate) fn path(&self) -> &str {
            self.target.split('?').next().unwrap_or_default()
        }
    }

    pub(crate) struct Reply {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        /// Without Content-Length the body is delimited by closing the connection.
        content_length: bool,
    }

    impl Reply {
        pub(crate) fn new(status: u16) -> Self {
            Self {
                status,
                headers: Vec::new(),
                body: Vec::new(),
                content_length: true,
            }
        }

        pub(crate) fn header(mut self, name: &str, value: &str) -> Self {
            self.headers.push((name.to_owned(), value.to_owned()));
            self
        }

        pub(crate) fn body(mut self, body: &[u8]) -> Self {
            self.body = body.to_vec();
            self
        }

        pub(crate) fn manifest(body: &[u8]) -> Self {
            Self::new(200)
                .header(
                    "Content-Type",
                    "application/vnd.oci.image.manifest.v1+json; charset=utf-8",
                )
                .header(
                    "Docker-Content-Digest",
                    &Digest::sha256_of(body).to_string(),
                )
                .body(body)
        }
    }

    type Handler = dyn Fn(&Request) -> Reply + Send + Sync;

    /// A minimal HTTP/1.1 server on 127.0.0.1 that answers with `handler` and records every
    /// request. It speaks no TLS: a TLS hello is answered by closing the connection, which is
    /// what makes the client fall back to plain HTTP.
    pub(crate) struct TestServer {
        address: SocketAddr,
        requests: Arc<Mutex<Vec<Request>>>,
        stop: Arc<AtomicBool>,
        thread: Option<JoinHandle<()>>,
    }

    impl TestServer {
        pub(crate) fn start(handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> Self {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let address = listener.local_addr().unwrap();
            let requests = Arc::new(Mutex::new(Vec::new()));
            let stop = Arc::new(AtomicBool::new(false));
            let handler: Arc<Handler> = Arc::new(handler);
            let thread = {
                let requests = Arc::clone(&requests);
                let stop = Arc::clone(&stop);
                std::thread::spawn(move || {
                    for stream in listener.incoming() {
                        if stop.load(Ordering::SeqCst) {
                            break;
                        }
                        let Ok(stream) = stream else { continue };
                        let handler = Arc::clone(&handler);
                        let requests = Arc::clone(&requests);
                        std::thread::spawn(move || serve(stream, &*handler, &requests));
                    }
                })
            };
            Self {
                address,
                requests,
                stop,
                thread: Some(thread),
            }
        }

        pub(crate) fn host(&self) -> String {
            self.address.to_string()
        }

        fn url(&self, path: &str) -> String {
            format!("http://{}{path}", self.address)
        }

        pub(crate) fn requests(&self) -> Vec<Request> {
            lock(&self.requests).clone()
        }

        pub(crate) fn requests_to(&self, path: &str) -> Vec<Request> {
            self.requests()
                .into_iter()
                .filter(|request| request.path() == path)
                .collect()
        }
    }

    impl Drop for TestServer {
        fn drop(&mut self) {
            self.stop.store(true, Ordering::SeqCst);
            // Wake the accept loop so that it sees the flag.
            let _ = TcpStream::connect(self.address);
            if let Some(thread) = self.thread.take() {
                let _ = thread.join();
            }
        }
    }

    fn serve(stream: TcpStream, handler: &Handler, requests: &Mutex<Vec<Request>>) {
        // Connections end when the client closes them or after this idle time.
        let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
        let Ok(write_half) = stream.try_clone() else {
            return;
        };
        let mut writer = write_half;
        let mut reader = BufReader::new(stream);
        loop {
            match reader.fill_buf() {
                Ok(buffer) if buffer.first().is_some_and(u8::is_ascii_uppercase) => {}
                // End of stream, timeout, or a TLS hello.
                _ => return,
            }
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
                return;
            }
            let mut words = request_line.split(' ');
            let method = words.next().unwrap_or_default().to_owned();
            let target = words.next().unwrap_or_default().to_owned();
            let mut headers = Vec::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                let line = line.trim_end();
                if line.is_empty() {
                    break;
                }
                if let Some((name, value)) = line.split_once(':') {
                    headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
                }
            }
            let length = headers
                .iter()
                .find(|(name, _)| name == "content-length")
                .and_then(|(_, value)| value.parse::<usize>().ok())
                .unwrap_or(0);
            let mut body = vec![0; length];
            if std::io::Read::read_exact(&mut reader, &mut body).is_err() {
                return;
            }
            let request = Request {
                method,
                target,
                headers,
                body,
            };
            lock(requests).push(request.clone());
            let reply = handler(&request);
            let mut head = format!("HTTP/1.1 {} Test\r\n", reply.status);
            for (name, value) in &reply.headers {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            if reply.content_length {
                head.push_str(&format!("Content-Length: {}\r\n", reply.body.len()));
            } else {
                head.push_str("Connection: close\r\n");
            }
            head.push_str("\r\n");
            if writer.write_all(head.as_bytes()).is_err() || writer.write_all(&reply.body).is_err()
            {
                return;
            }
            let _ = writer.flush();
            if !reply.content_length {
                return;
            }
        }
    }

    fn test_settings() -> Settings {
        Settings {
            backoff: Duration::from_millis(5),
            use_proxy: false,
            auth_files: Vec::new(),
        }
    }

    pub(crate) fn source_for(reference: &str, options: &RegistryOptions) -> RegistrySource {
        RegistrySource::with_settings(reference.parse().unwrap(), options, test_settings()).unwrap()
    }

    pub(crate) fn source(server: &TestServer, options: &RegistryOptions) -> RegistrySource {
        source_for(&format!("{}/team/app:1.0", server.host()), options)
    }

    fn with_credentials(username: &str, password: &str) -> RegistryOptions {
        RegistryOptions {
            credentials: Some(Credentials {
                username: username.to_owned(),
                password: password.to_owned(),
            }),
            ..RegistryOptions::default()
        }
    }

    fn digest_of(text: &str) -> Digest {
        Digest::sha256_of(text.as_bytes())
    }

    #[test]
    fn pulls_a_manifest_over_plain_http_on_loopback() {
        let server = TestServer::start(|request| match request.path() {
            MANIFEST_PATH => Reply::manifest(MANIFEST),
            _ => Reply::new(200),
        });
        let source = source(&server, &RegistryOptions::default());
        let blob = source.root_manifest(&Limits::default()).unwrap();
        assert_eq!(blob.bytes, MANIFEST);
        assert_eq!(blob.digest, Digest::sha256_of(MANIFEST));
        assert_eq!(
            blob.media_type.as_deref(),
            Some("application/vnd.oci.image.manifest.v1+json")
        );
        assert_eq!(source.describe(), format!("registry {}", server.host()));
        assert_eq!(*lock(&source.scheme), Some(Scheme::Http));

        let requests = server.requests();
        assert_eq!(requests[0].path(), "/v2/", "the scheme is probed first");
        let manifest = &server.requests_to(MANIFEST_PATH)[0];
        let accept = manifest.header("accept").unwrap();
        for media_type in [
            "application/vnd.oci.image.index.v1+json",
            "application/vnd.oci.image.manifest.v1+json",
            "application/vnd.docker.distribution.manifest.list.v2+json",
            "application/vnd.docker.distribution.manifest.v2+json",
        ] {
            assert!(accept.contains(media_type), "{accept}");
        }
        assert_eq!(manifest.header("user-agent"), Some(USER_AGENT));
        assert_eq!(manifest.header("authorization"), None);

        // The scheme is kept: no second probe.
        source.root_manifest(&Limits::default()).unwrap();
        assert_eq!(server.requests_to("/v2/").len(), 1);
    }

    #[test]
    fn manifest_by_digest_is_verified() {
        let server = TestServer::start(|_| Reply::manifest(MANIFEST));
        let source = source(&server, &RegistryOptions::default());
        let good = Digest::sha256_of(MANIFEST);
        assert_eq!(
            source.manifest(&good, &Limits::default()).unwrap().digest,
            good
        );
        assert_eq!(
            server.requests().last().unwrap().path(),
            format!("/v2/team/app/manifests/{good}")
        );

        let wrong = digest_of("something else");
        match source.manifest(&wrong, &Limits::default()) {
            Err(Error::DigestMismatch {
                expected, actual, ..
            }) => {
                assert_eq!(expected, wrong);
                assert_eq!(actual, good);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn wrong_docker_content_digest_is_a_mismatch() {
        let claimed = digest_of("another manifest");
        let header = claimed.to_string();
        let server = TestServer::start(move |_| {
            Reply::new(200)
                .header("Docker-Content-Digest", &header)
                .body(MANIFEST)
        });
        let source = source(&server, &RegistryOptions::default());
        match source.root_manifest(&Limits::default()) {
            Err(Error::DigestMismatch {
                what,
                expected,
                actual,
            }) => {
                assert_eq!(expected, claimed);
                assert_eq!(actual, Digest::sha256_of(MANIFEST));
                assert!(what.contains("Docker-Content-Digest"), "{what}");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn oversized_manifest_is_refused() {
        let big = vec![b' '; 2048];
        let limits = Limits {
            max_manifest_bytes: 1024,
            ..Limits::default()
        };
        for declared in [true, false] {
            let body = big.clone();
            let server = TestServer::start(move |_| Reply {
                content_length: declared,
                ..Reply::new(200).body(&body)
            });
            let source = source(&server, &RegistryOptions::default());
            match source.root_manifest(&limits) {
                Err(Error::LimitExceeded { limit, .. }) => assert_eq!(limit, 1024),
                other => panic!("content length declared: {declared}: unexpected {other:?}"),
            }
        }
    }

    #[test]
    fn retries_503_then_succeeds() {
        let calls = AtomicUsize::new(0);
        let server = TestServer::start(move |request| {
            if request.path() != MANIFEST_PATH {
                return Reply::new(200);
            }
            if calls.fetch_add(1, Ordering::SeqCst) < 2 {
                Reply::new(503)
            } else {
                Reply::manifest(MANIFEST)
            }
        });
        let source = source(&server, &RegistryOptions::default());
        assert_eq!(
            source.root_manifest(&Limits::default()).unwrap().bytes,
            MANIFEST
        );
        assert_eq!(server.requests_to(MANIFEST_PATH).len(), 3);
    }

    #[test]
    fn gives_up_after_four_retries() {
        let server = TestServer::start(|request| match request.path() {
            MANIFEST_PATH => Reply::new(502),
            _ => Reply::new(200),
        });
        let source = source(&server, &RegistryOptions::default());
        match source.root_manifest(&Limits::default()) {
            Err(Error::RegistryStatus { status, url, .. }) => {
                assert_eq!(status, 502);
                assert_eq!(url, server.url(MANIFEST_PATH));
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(server.requests_to(MANIFEST_PATH).len(), 5);
    }

    #[test]
    fn honours_retry_after_on_429() {
        let calls = AtomicUsize::new(0);
        let server = TestServer::start(move |request| {
            if request.path() != MANIFEST_PATH {
                return Reply::new(200);
            }
            if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                Reply::new(429).header("Retry-After", "1")
            } else {
                Reply::manifest(MANIFEST)
            }
        });
        let source = source(&server, &RegistryOptions::default());
        let started = Instant::now();
        source.root_manifest(&Limits::default()).unwrap();
        // The test backoff is 5ms, so only Retry-After explains a wait of a second.
        assert!(
            started.elapsed() >= Duration::from_millis(950),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(server.requests_to(MANIFEST_PATH).len(), 2);
    }

    #[test]
    fn client_errors_are_not_retried_and_carry_the_envelope() {
        let server = TestServer::start(|request| {
            match request.path() {
            MANIFEST_PATH => Reply::new(403)
                .header("Content-Type", "application/json")
                .body(br#"{"errors":[{"code":"DENIED","message":"requested access to the resource is denied\n","detail":null}]}"#),
            _ => Reply::new(200),
        }
        });
        let source = source(&server, &RegistryOptions::default());
        match source.root_manifest(&Limits::default()) {
            Err(Error::RegistryStatus { status, detail, .. }) => {
                assert_eq!(status, 403);
                assert_eq!(
                    detail,
                    ": DENIED: requested access to the resource is denied"
                );
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(server.requests_to(MANIFEST_PATH).len(), 1);
    }

    #[test]
    fn manifest_not_found_lists_tags() {
        let server = TestServer::start(|request| match request.path() {
            "/v2/team/app/tags/list" => {
                Reply::new(200).body(br#"{"name":"team/app","tags":["0.9","latest"]}"#)
            }
            "/v2/" => Reply::new(200),
            _ => Reply::new(404)
                .body(br#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}"#),
        });
        let source = source(&server, &RegistryOptions::default());
        match source.root_manifest(&Limits::default()) {
            Err(Error::ReferenceNotFound {
                reference,
                source_name,
                available,
            }) => {
                assert_eq!(reference, format!("{}/team/app:1.0", server.host()));
                assert_eq!(source_name, format!("registry {}", server.host()));
                assert_eq!(available, "0.9, latest");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn blob_not_found() {
        let server = TestServer::start(|request| match request.path() {
            "/v2/" => Reply::new(200),
            _ => Reply::new(404),
        });
        let source = source(&server, &RegistryOptions::default());
        let digest = digest_of("layer");
        match source.blob(&digest) {
            Err(Error::BlobNotFound {
                digest: missing,
                source_name,
            }) => {
                assert_eq!(missing, digest);
                assert_eq!(source_name, format!("registry {}", server.host()));
            }
            Err(other) => panic!("unexpected {other:?}"),
            Ok(_) => panic!("a missing blob was found"),
        }
    }

    /// A registry with token auth: `/token` hands out `good-token` (to `alice:pw` when
    /// `require_login`), and everything under `/v2/team/` needs it.
    fn token_registry(require_login: bool, accept_token: bool) -> TestServer {
        let realm: Arc<Mutex<String>> = Arc::new(Mutex::new(String::new()));
        let server_realm = Arc::clone(&realm);
        let server = TestServer::start(move |request| {
            let challenge = format!(
                r#"Bearer realm="{}",service="test-registry",scope="repository:team/app:pull""#,
                lock(&server_realm)
            );
            match request.path() {
                "/token" => {
                    let alice = Credentials {
                        username: "alice".to_owned(),
                        password: "pw".to_owned(),
                    }
                    .basic_header();
                    if require_login && request.header("authorization") != Some(alice.as_str()) {
                        return Reply::new(401);
                    }
                    Reply::new(200).body(br#"{"token":"good-token","expires_in":300}"#)
                }
                "/v2/" => Reply::new(401).header("WWW-Authenticate", &challenge),
                path if path.starts_with("/v2/team/") => {
                    if accept_token && request.header("authorization") == Some("Bearer good-token")
                    {
                        if path == MANIFEST_PATH {
                            Reply::manifest(MANIFEST)
                        } else {
                            Reply::new(200).body(b"layer bytes")
                        }
                    } else {
                        Reply::new(401)
                            .header("WWW-Authenticate", &challenge)
                            .body(br#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}"#)
                    }
                }
                _ => Reply::new(404),
            }
        });
        *lock(&realm) = server.url("/token");
        server
    }

    #[test]
    fn bearer_challenge_flow() {
        let server = token_registry(true, true);
        let source = source(&server, &with_credentials("alice", "pw"));
        assert_eq!(
            source.root_manifest(&Limits::default()).unwrap().bytes,
            MANIFEST
        );

        let tokens = server.requests_to("/token");
        assert_eq!(tokens.len(), 1);
        let query = &tokens[0].target;
        assert!(query.contains("service=test-registry"), "{query}");
        assert!(
            query.contains("scope=repository%3Ateam%2Fapp%3Apull"),
            "{query}"
        );

        // The token is cached for later requests.
        let mut blob = String::new();
        source
            .blob(&digest_of("layer bytes"))
            .unwrap()
            .read_to_string(&mut blob)
            .unwrap();
        assert_eq!(blob, "layer bytes");
        assert_eq!(server.requests_to("/token").len(), 1);
        let blob_requests =
            server.requests_to(&format!("/v2/team/app/blobs/{}", digest_of("layer bytes")));
        assert_eq!(blob_requests.len(), 1, "no new challenge for the blob");
        assert_eq!(
            blob_requests[0].header("authorization"),
            Some("Bearer good-token")
        );
    }

    #[test]
    fn anonymous_bearer_token() {
        let server = token_registry(false, true);
        let source = source(&server, &RegistryOptions::default());
        source.root_manifest(&Limits::default()).unwrap();
        assert_eq!(
            server.requests_to("/token")[0].header("authorization"),
            None
        );
    }

    #[test]
    fn second_401_means_credentials_rejected() {
        let server = token_registry(true, false);
        let source = source(&server, &with_credentials("alice", "pw"));
        match source.root_manifest(&Limits::default()) {
            Err(Error::Auth { registry, reason }) => {
                assert_eq!(registry, server.host());
                assert!(reason.contains("credentials rejected"), "{reason}");
                assert!(reason.contains("alice"), "{reason}");
            }
            other => panic!("unexpected {other:?}"),
        }
        // One challenge answered, no loop.
        assert_eq!(server.requests_to("/token").len(), 1);
        assert_eq!(server.requests_to(MANIFEST_PATH).len(), 2);
    }

    #[test]
    fn token_service_rejecting_credentials() {
        let server = token_registry(true, true);
        let source = source(&server, &with_credentials("alice", "wrong"));
        match source.root_manifest(&Limits::default()) {
            Err(Error::Auth { reason, .. }) => {
                assert!(reason.contains("credentials rejected"), "{reason}")
            }
            other => panic!("unexpected {other:?}"),
        }
        let anonymous = source_for(
            &format!("{}/team/app:1.0", server.host()),
            &RegistryOptions::default(),
        );
        match anonymous.root_manifest(&Limits::default()) {
            Err(Error::Auth { reason, .. }) => assert!(reason.contains("--creds"), "{reason}"),
            other => panic!("unexpected {other:?}"),
        }
    }

    fn basic_registry() -> TestServer {
        TestServer::start(|request| {
            let alice = Credentials {
                username: "alice".to_owned(),
                password: "pw".to_owned(),
            }
            .basic_header();
            if request.header("authorization") == Some(alice.as_str()) {
                Reply::manifest(MANIFEST)
            } else {
                Reply::new(401).header("WWW-Authenticate", r#"Basic realm="Registry Realm""#)
            }
        })
    }

    #[test]
    fn basic_challenge() {
        let server = basic_registry();
        let source = source(&server, &with_credentials("alice", "pw"));
        assert_eq!(
            source.root_manifest(&Limits::default()).unwrap().bytes,
            MANIFEST
        );

        let anonymous = source_for(
            &format!("{}/team/app:1.0", server.host()),
            &RegistryOptions::default(),
        );
        match anonymous.root_manifest(&Limits::default()) {
            Err(Error::Auth { registry, reason }) => {
                assert_eq!(registry, server.host());
                assert!(
                    reason.contains("--creds") && reason.contains("docker login"),
                    "{reason}"
                );
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn credentials_come_from_the_auth_file() {
        let server = basic_registry();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("auth.json");
        let text = format!(
            r#"{{"auths": {{"http://{}/v2/": {{"username": "alice", "password": "pw"}}}}}}"#,
            server.host()
        );
        fs_err::write(&file, text).unwrap();
        let options = RegistryOptions {
            auth_file: Some(file),
            ..RegistryOptions::default()
        };
        let source = source(&server, &options);
        assert_eq!(
            source.root_manifest(&Limits::default()).unwrap().bytes,
            MANIFEST
        );
    }

    #[test]
    fn redirects_drop_authorization_on_another_origin() {
        let storage = TestServer::start(|_| Reply::new(200).body(b"from storage"));
        let storage_url = storage.url("/bucket/layer?signature=x");
        let own_url: Arc<Mutex<String>> = Arc::new(Mutex::new(String::new()));
        let server_url = Arc::clone(&own_url);
        let server = TestServer::start(move |request| {
            let authorized = request.header("authorization") == Some("Bearer good-token");
            match request.path() {
                "/token" => Reply::new(200).body(br#"{"access_token":"good-token"}"#),
                path if path.starts_with("/v2/team/") && !authorized => {
                    let challenge =
                        format!(r#"Bearer realm="{}/token",service="s""#, lock(&server_url));
                    Reply::new(401).header("WWW-Authenticate", &challenge)
                }
                // First a redirect on the same origin, then one to the storage.
                path if path.contains("/blobs/") => {
                    Reply::new(307).header("Location", "/v2/team/app/moved")
                }
                "/v2/team/app/moved" => Reply::new(302).header("Location", &storage_url),
                _ => Reply::new(200),
            }
        });
        *lock(&own_url) = server.url("");
        let source = source(&server, &RegistryOptions::default());
        let mut body = String::new();
        source
            .blob(&digest_of("from storage"))
            .unwrap()
            .read_to_string(&mut body)
            .unwrap();
        assert_eq!(body, "from storage");

        let moved = server.requests_to("/v2/team/app/moved");
        assert_eq!(moved.len(), 1);
        assert_eq!(
            moved[0].header("authorization"),
            Some("Bearer good-token"),
            "same origin keeps it"
        );
        let fetched = storage.requests_to("/bucket/layer");
        assert_eq!(fetched.len(), 1);
        assert_eq!(fetched[0].target, "/bucket/layer?signature=x");
        assert_eq!(
            fetched[0].header("authorization"),
            None,
            "another origin must not get it"
        );
    }

    #[test]
    fn errors_from_storage_do_not_show_the_signature() {
        let storage = TestServer::start(|_| {
            Reply::new(403).body(b"<Error><Code>AccessDenied</Code></Error>")
        });
        let signed = storage.url("/bucket/layer?X-Amz-Signature=secret");
        let server = TestServer::start(move |request| match request.path() {
            "/v2/" => Reply::new(200),
            _ => Reply::new(307).header("Location", &signed),
        });
        let source = source(&server, &RegistryOptions::default());
        match source.blob(&digest_of("x")) {
            Err(Error::RegistryStatus {
                url,
                status,
                detail,
            }) => {
                assert_eq!(status, 403);
                assert_eq!(url, storage.url("/bucket/layer"));
                assert_eq!(detail, "");
            }
            Err(other) => panic!("unexpected {other:?}"),
            Ok(_) => panic!("a 403 from storage succeeded"),
        }
    }

    #[test]
    fn redirect_to_plain_http_elsewhere_is_refused() {
        let server = TestServer::start(|request| match request.path() {
            "/v2/" => Reply::new(200),
            _ => Reply::new(302).header("Location", "http://storage.example.invalid/layer"),
        });
        let source = source(&server, &RegistryOptions::default());
        match source.blob(&digest_of("x")) {
            Err(Error::InsecureNotAllowed { registry }) => {
                assert_eq!(registry, "storage.example.invalid")
            }
            Err(other) => panic!("unexpected {other:?}"),
            Ok(_) => panic!("followed a redirect to plain HTTP"),
        }
    }

    #[test]
    fn plain_http_token_realm_elsewhere_is_refused() {
        let server = TestServer::start(|request| match request.path() {
            "/v2/" => Reply::new(200),
            _ => Reply::new(401).header(
                "WWW-Authenticate",
                r#"Bearer realm="http://auth.example.invalid/token""#,
            ),
        });
        let source = source(&server, &with_credentials("alice", "pw"));
        match source.root_manifest(&Limits::default()) {
            Err(Error::InsecureNotAllowed { registry }) => {
                assert_eq!(registry, "auth.example.invalid")
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn redirect_loops_end() {
        let server = TestServer::start(|request| match request.path() {
            "/v2/" => Reply::new(200),
            _ => Reply::new(302).header("Location", "/v2/team/app/blobs/again"),
        });
        let source = source(&server, &RegistryOptions::default());
        match source.blob(&digest_of("x")) {
            Err(Error::Http { source, .. }) => {
                assert!(source.to_string().contains("redirects"), "{source}")
            }
            Err(other) => panic!("unexpected {other:?}"),
            Ok(_) => panic!("a redirect loop succeeded"),
        }
        assert_eq!(
            server.requests_to("/v2/team/app/blobs/again").len(),
            MAX_REDIRECTS
        );
    }

    #[test]
    fn unreachable_registry_is_an_http_error() {
        let address = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        // The listener is closed again, so connections are refused.
        let source = source_for(
            &format!("{address}/team/app:1.0"),
            &RegistryOptions::default(),
        );
        match source.root_manifest(&Limits::default()) {
            Err(Error::Http { url, .. }) => assert_eq!(url, format!("https://{address}/v2/")),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn plain_http_only_for_loopback_or_insecure() {
        for host in [
            "localhost",
            "localhost:5000",
            "127.0.0.1",
            "127.1.2.3:80",
            "[::1]:5000",
            "LOCALHOST",
        ] {
            assert!(host_is_loopback(host), "{host}");
        }
        for host in [
            "registry-1.docker.io",
            "10.0.0.1:5000",
            "[::2]",
            "localhost.example.com",
            "128.0.0.1",
        ] {
            assert!(!host_is_loopback(host), "{host}");
        }
        let hub = source_for("debian:12", &RegistryOptions::default());
        assert!(!hub.allow_http);
        assert_eq!(hub.host, "registry-1.docker.io");
        assert_eq!(
            hub.scheme().unwrap(),
            Scheme::Https,
            "no probe, no plain HTTP"
        );
        assert_eq!(hub.describe(), "registry docker.io");
        let insecure = RegistryOptions {
            insecure: true,
            ..RegistryOptions::default()
        };
        assert!(source_for("registry.internal:5000/app", &insecure).allow_http);
    }

    #[test]
    fn retry_after_parsing() {
        let mut headers = HeaderMap::new();
        assert_eq!(retry_after(&headers), None);
        headers.insert(RETRY_AFTER, HeaderValue::from_static("3"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(3)));
        headers.insert(RETRY_AFTER, HeaderValue::from_static("3600"));
        assert_eq!(retry_after(&headers), Some(MAX_RETRY_AFTER));
        headers.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&headers), None);
    }

    #[test]
    fn sanitize_network_text() {
        assert_eq!(sanitize("a\nb\u{1b}[31m", 100), "a b [31m");
        assert_eq!(sanitize("abcdef", 3), "abc…");
    }
}
