//! A real registry (distribution v2, Debian's `docker-registry`) on a free loopback port, with
//! its storage in a temporary directory and, optionally, htpasswd basic authentication; images
//! are pushed into it with `skopeo copy`.
//!
//! ```no_run
//! use tollgate_test::registry::LoopbackRegistry;
//! // In a test, first: tool_or_skip!("docker-registry"); tool_or_skip!("skopeo");
//! let registry = LoopbackRegistry::start();
//! let digest = registry.push_with_skopeo("oci:../shared/images/alpine:1.0", "alpine:1.0");
//! let target = format!("docker://{}/alpine:1.0", registry.host());
//! # let _ = (digest, target);
//! ```
//!
//! The registry runs under a small `sh` watchdog that holds the read end of a pipe whose write
//! end only this process has: when the [`LoopbackRegistry`] is dropped (also while a failing test
//! unwinds) or the test process dies in any way, the pipe closes and the watchdog kills the
//! registry, so no registry outlives its test. (Only its temporary directory is left behind
//! when the test process is killed outright.)

use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// How long the registry may take to come up.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(20);
/// How often a port collision is retried with a new port.
const PORT_ATTEMPTS: usize = 5;
/// The registry binary (Debian package `docker-registry`).
pub const REGISTRY_TOOL: &str = "docker-registry";

/// Runs `docker-registry serve` in the background and, once the pipe on its stdin closes, kills
/// it. `$0` is the registry binary and `$1` its config; the registry's own exit status is the
/// script's, so that a failed start (say, the port was taken) shows as an exited child.
const WATCHDOG: &str = r#"exec 3<&0
"$0" serve "$1" </dev/null &
pid=$!
{ cat <&3 >/dev/null; kill -KILL "$pid" 2>/dev/null; } &
exec 3<&-
wait "$pid""#;

/// A `docker-registry` listening on `127.0.0.1:<free port>`, killed on drop.
pub struct LoopbackRegistry {
    /// Declared first: dropped (the registry killed) before its directory is removed.
    process: Watchdog,
    host: String,
    credentials: Option<(String, String)>,
    dir: tempfile::TempDir,
}

impl LoopbackRegistry {
    /// An anonymous registry: anyone may push and pull.
    ///
    /// # Panics
    /// When `docker-registry` cannot be started or does not answer within 20 s (its log is in
    /// the message).
    #[must_use]
    pub fn start() -> Self {
        Self::launch(None, &mut free_port)
    }

    /// A registry that requires HTTP basic authentication as `user`/`password` for every
    /// request (htpasswd with bcrypt, generated with `htpasswd -Bbn`).
    ///
    /// # Panics
    /// When `htpasswd` or `docker-registry` fail, or the registry does not answer within 20 s.
    #[must_use]
    pub fn with_basic_auth(user: &str, password: &str) -> Self {
        Self::launch(Some((user.to_owned(), password.to_owned())), &mut free_port)
    }

    fn launch(credentials: Option<(String, String)>, pick_port: &mut dyn FnMut() -> u16) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("tollgate-registry-")
            .tempdir()
            .unwrap();
        let storage = dir.path().join("storage");
        // A repository of this registry's own (a `_layers` directory is what makes one for the
        // catalog): only this registry lists it, so the readiness probe cannot mistake another
        // registry that holds the port (say, another test's) for this one.
        static STARTED: AtomicUsize = AtomicUsize::new(0);
        let marker = format!(
            "tollgate-loopback-{}-{}",
            std::process::id(),
            STARTED.fetch_add(1, Ordering::Relaxed)
        );
        fs_err::create_dir_all(
            storage
                .join("docker/registry/v2/repositories")
                .join(&marker)
                .join("_layers"),
        )
        .unwrap();
        let htpasswd = credentials.as_ref().map(|(user, password)| {
            let output = Command::new("htpasswd")
                .args(["-Bbn", user, password])
                .stdin(Stdio::null())
                .output()
                .unwrap_or_else(|error| panic!("cannot run `htpasswd`: {error}"));
            assert!(
                output.status.success(),
                "`htpasswd -Bbn` failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            let path = dir.path().join("htpasswd");
            fs_err::write(&path, &output.stdout).unwrap();
            path
        });
        let config = dir.path().join("config.yml");
        let log = dir.path().join("registry.log");
        let mut collisions = Vec::new();
        let probe = Probe {
            marker,
            authorization: credentials.as_ref().map(|(user, password)| {
                format!("Basic {}", STANDARD.encode(format!("{user}:{password}")))
            }),
        };
        for _ in 0..PORT_ATTEMPTS {
            let port = pick_port();
            let host = format!("127.0.0.1:{port}");
            fs_err::write(&config, config_yaml(&storage, port, htpasswd.as_deref())).unwrap();
            let mut process = Watchdog::spawn(&config, &log);
            match process.wait_until_ready(&host, &probe, &log) {
                Ok(()) => {
                    return Self {
                        process,
                        host,
                        credentials,
                        dir,
                    };
                }
                Err(Startup::Exited(text)) if text.contains("address already in use") => {
                    collisions.push(text);
                }
                Err(Startup::Exited(text)) => {
                    panic!("{REGISTRY_TOOL} exited before it answered on {host}; its log:\n{text}")
                }
                Err(Startup::TimedOut(text)) => panic!(
                    "{REGISTRY_TOOL} did not answer GET /v2/_catalog on {host} within {STARTUP_TIMEOUT:?}; its log:\n{text}"
                ),
            }
        }
        panic!(
            "{REGISTRY_TOOL} could not bind a free port in {PORT_ATTEMPTS} attempts:\n{}",
            collisions.join("\n")
        );
    }

    /// `127.0.0.1:<port>`.
    #[must_use]
    pub fn host(&self) -> &str {
        &self.host
    }

    /// `docker://127.0.0.1:<port>/<repo_and_reference>`, a target for `Target::parse`.
    #[must_use]
    pub fn target(&self, repo_and_reference: &str) -> String {
        format!("docker://{}/{repo_and_reference}", self.host)
    }

    /// `user:password` when the registry requires authentication.
    #[must_use]
    pub fn credentials(&self) -> Option<String> {
        self.credentials
            .as_ref()
            .map(|(user, password)| format!("{user}:{password}"))
    }

    /// Write a docker `config.json` into `dir` whose `auths` entry for this registry holds its
    /// credentials base64-encoded (as `docker login` writes it), and return its path.
    ///
    /// # Panics
    /// When the registry has no credentials.
    #[must_use]
    pub fn write_docker_config(&self, dir: &Path) -> PathBuf {
        let credentials = self
            .credentials()
            .expect("write_docker_config needs a registry with basic auth");
        let auth = STANDARD.encode(credentials);
        let config = serde_json::json!({ "auths": { self.host.as_str(): { "auth": auth } } });
        let path = dir.join("config.json");
        fs_err::write(&path, serde_json::to_vec_pretty(&config).unwrap()).unwrap();
        path
    }

    /// The registry's storage root (`rootdirectory` of the filesystem driver).
    #[must_use]
    pub fn storage_dir(&self) -> PathBuf {
        self.dir.path().join("storage")
    }

    /// Where the registry keeps the content of a blob (`sha256:<hex>`): overwrite it to make
    /// the registry serve wrong content.
    ///
    /// # Panics
    /// When `digest` is not `sha256:<hex>`.
    #[must_use]
    pub fn blob_path(&self, digest: &str) -> PathBuf {
        let hex = digest
            .strip_prefix("sha256:")
            .filter(|hex| hex.len() == 64)
            .unwrap_or_else(|| panic!("not a sha256 digest: `{digest}`"));
        self.storage_dir()
            .join("docker/registry/v2/blobs/sha256")
            .join(&hex[..2])
            .join(hex)
            .join("data")
    }

    /// What the registry logged so far (warnings and errors).
    #[must_use]
    pub fn log(&self) -> String {
        fs_err::read_to_string(self.dir.path().join("registry.log")).unwrap_or_default()
    }

    /// `skopeo copy <source> docker://<host>/<repo_and_tag>` (with the registry's credentials,
    /// if any) and the digest of the manifest (or index) written, as skopeo reports it.
    ///
    /// # Panics
    /// When skopeo fails (its stderr and the registry's log are in the message).
    pub fn push_with_skopeo(&self, source: &str, repo_and_tag: &str) -> String {
        self.push_with_skopeo_args(source, repo_and_tag, &[])
    }

    /// [`Self::push_with_skopeo`] with more `skopeo copy` options, e.g. `--all` or
    /// `--preserve-digests`.
    ///
    /// # Panics
    /// When skopeo fails.
    pub fn push_with_skopeo_args(
        &self,
        source: &str,
        repo_and_tag: &str,
        extra: &[&str],
    ) -> String {
        let scratch = tempfile::tempdir().unwrap();
        let digest_file = scratch.path().join("digest");
        let mut command = Command::new("skopeo");
        command
            .args([
                "--insecure-policy",
                "copy",
                "--quiet",
                "--dest-tls-verify=false",
            ])
            .arg("--digestfile")
            .arg(&digest_file)
            .args(extra);
        if let Some(credentials) = self.credentials() {
            command.arg("--dest-creds").arg(credentials);
        } else {
            command.arg("--dest-no-creds");
        }
        // skopeo keeps layers it copies in its temporary directory.
        command
            .env("TMPDIR", scratch.path())
            .arg(source)
            .arg(self.target(repo_and_tag))
            .stdin(Stdio::null());
        let output = command
            .output()
            .unwrap_or_else(|error| panic!("cannot run `skopeo`: {error}"));
        assert!(
            output.status.success(),
            "`{command:?}` failed:\n{}\nregistry log:\n{}",
            String::from_utf8_lossy(&output.stderr),
            self.log()
        );
        let digest = fs_err::read_to_string(&digest_file).unwrap();
        digest.trim().to_owned()
    }
}

impl std::fmt::Debug for LoopbackRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoopbackRegistry")
            .field("host", &self.host)
            .field("auth", &self.credentials.is_some())
            .field("dir", &self.dir.path())
            .field("pid", &self.process.child.id())
            .finish_non_exhaustive()
    }
}

/// `sh` running the registry under [`WATCHDOG`]; its stdin is the lifeline.
struct Watchdog {
    child: Child,
    /// Closing it makes the watchdog kill the registry.
    lifeline: Option<ChildStdin>,
}

impl Watchdog {
    fn spawn(config: &Path, log: &Path) -> Self {
        let log = fs_err::File::create(log).unwrap();
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(WATCHDOG)
            .arg(REGISTRY_TOOL)
            .arg(config)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::from(log.into_file()));
        // distribution reads `REGISTRY_<SECTION>_<KEY>` variables as overrides of the config
        // (and podman's `REGISTRY_AUTH_FILE` would be one of them).
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("REGISTRY_") {
                command.env_remove(name);
            }
        }
        let mut child = command
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start `sh` for {REGISTRY_TOOL}: {error}"));
        let lifeline = child.stdin.take();
        Self { child, lifeline }
    }

    fn wait_until_ready(&mut self, host: &str, probe: &Probe, log: &Path) -> Result<(), Startup> {
        let read_log = || fs_err::read_to_string(log).unwrap_or_default();
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        loop {
            if let Ok(Some(_)) = self.child.try_wait() {
                return Err(Startup::Exited(read_log()));
            }
            if probe.answers(host) {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(Startup::TimedOut(read_log()));
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        // Closing the pipe makes the watchdog kill the registry, whose exit ends the script.
        drop(self.lifeline.take());
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

enum Startup {
    Exited(String),
    TimedOut(String),
}

/// A port that was free a moment ago; the registry may still lose it to another process, which
/// [`LoopbackRegistry::start`] notices and retries.
fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn config_yaml(storage: &Path, port: u16, htpasswd: Option<&Path>) -> String {
    // JSON strings are valid YAML scalars, which quotes the paths safely.
    let quote = |path: &Path| serde_json::Value::from(path.to_str().unwrap()).to_string();
    let mut config = format!(
        "version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: {storage}
  redirect:
    disable: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:{port}
  secret: tollgate-loopback-registry
",
        storage = quote(storage),
    );
    if let Some(path) = htpasswd {
        config.push_str(&format!(
            "auth:\n  htpasswd:\n    realm: tollgate-test\n    path: {}\n",
            quote(path)
        ));
    }
    config
}

/// How to recognise the registry we started.
struct Probe {
    /// The repository only it lists.
    marker: String,
    /// `Basic …` when it requires credentials.
    authorization: Option<String>,
}

impl Probe {
    /// Whether our registry answers on `host`: `GET /v2/_catalog` (which needs the whole
    /// `/v2/` API up) lists our marker repository.
    fn answers(&self, host: &str) -> bool {
        let Ok(address) = host.parse() else {
            return false;
        };
        let Ok(mut stream) = TcpStream::connect_timeout(&address, Duration::from_millis(500))
        else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
        let _ = stream.set_write_timeout(Some(Duration::from_secs(2)));
        let mut request = format!("GET /v2/_catalog HTTP/1.0\r\nHost: {host}\r\n");
        if let Some(authorization) = &self.authorization {
            request.push_str(&format!("Authorization: {authorization}\r\n"));
        }
        request.push_str("Connection: close\r\n\r\n");
        if stream.write_all(request.as_bytes()).is_err() {
            return false;
        }
        let mut response = Vec::new();
        let _ = stream.take(64 * 1024).read_to_end(&mut response);
        let response = String::from_utf8_lossy(&response);
        // Go's net/http answers an HTTP/1.0 request in HTTP/1.0.
        let status = response
            .strip_prefix("HTTP/1.")
            .and_then(|rest| rest.get(2..5));
        status == Some("200")
            && response
                .to_ascii_lowercase()
                .contains("docker-distribution-api-version: registry/2.0")
            && response.contains(&format!("\"{}\"", self.marker))
    }
}

/// Decompress a gzip'ed file (say, a `docker save` archive, which skopeo reads only
/// uncompressed) into `dir`, as `<file name without .gz>`.
///
/// # Panics
/// On I/O or gzip errors.
#[must_use]
pub fn gunzip_into(file: &Path, dir: &Path) -> PathBuf {
    let name = file.file_name().unwrap().to_string_lossy();
    let out = dir.join(name.strip_suffix(".gz").unwrap_or(&name));
    let mut decoder = flate2::read::MultiGzDecoder::new(fs_err::File::open(file).unwrap());
    let mut writer = std::io::BufWriter::new(fs_err::File::create(&out).unwrap());
    std::io::copy(&mut decoder, &mut writer).unwrap();
    writer.flush().unwrap();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn port(registry: &LoopbackRegistry) -> u16 {
        registry.host().rsplit(':').next().unwrap().parse().unwrap()
    }

    #[test]
    fn a_port_held_by_another_registry_is_not_mistaken_for_ours() {
        if !crate::require_tool(REGISTRY_TOOL) {
            return;
        }
        let first = LoopbackRegistry::start();
        // The second is offered the first one's port: its registry cannot bind it, and the
        // first registry, which answers there, does not list the second one's marker.
        let mut offered = vec![port(&first)];
        let second =
            LoopbackRegistry::launch(None, &mut || offered.pop().unwrap_or_else(free_port));
        assert_ne!(second.host(), first.host());
        assert!(offered.is_empty(), "the taken port was not tried");
    }

    #[test]
    fn drop_stops_the_registry() {
        if !crate::require_tool(REGISTRY_TOOL) {
            return;
        }
        let registry = LoopbackRegistry::start();
        let host = registry.host().to_owned();
        let storage = registry.storage_dir();
        assert!(TcpStream::connect(&host).is_ok());
        drop(registry);
        assert!(TcpStream::connect(&host).is_err(), "{host} still answers");
        assert!(!storage.exists());
    }
}
