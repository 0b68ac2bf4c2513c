//! skopeo 1.18 (containers/image 5.34) from Debian trixie, run with `chroot` in a root that
//! `.ci/trixie-skopeo-root` builds with mmdebstrap: an independent implementation of sigstore
//! signing and verification (bookworm's skopeo 1.9 has sigstore signing patched out).
//!
//! chroot shares the host's network, so skopeo inside reaches a
//! [`LoopbackRegistry`](crate::registry::LoopbackRegistry) on 127.0.0.1 (over plain HTTP:
//! pass `--src-tls-verify=false` / `--dest-tls-verify=false`). It cannot see host paths: files
//! it should read are copied into a scratch directory inside the root with [`TrixieSkopeo::stage`]
//! and named by the path it sees there.
//!
//! ```no_run
//! use tollgate_test::trixie_skopeo::TrixieSkopeo;
//! # let host = "127.0.0.1:5000";
//! let Some(skopeo) = TrixieSkopeo::find() else { return };
//! skopeo.write_registries_d(host); // use-sigstore-attachments: true
//! let passphrase = skopeo.stage_bytes("passphrase", b"secret\n");
//! let prefix = skopeo.path_inside("key"); // key.private and key.pub
//! skopeo.skopeo_ok(&["generate-sigstore-key", "--output-prefix", &prefix, "--passphrase-file", &passphrase]);
//! skopeo.skopeo_ok(&[
//!     "copy", "--quiet", "--src-tls-verify=false", "--dest-tls-verify=false",
//!     "--sign-by-sigstore-private-key", &format!("{prefix}.private"),
//!     "--sign-passphrase-file", &passphrase,
//!     &format!("docker://{host}/alpine:1"), &format!("docker://{host}/alpine:signed"),
//! ]);
//! let policy = skopeo.write_policy(&TrixieSkopeo::sigstore_policy(
//!     host,
//!     &format!("{prefix}.pub"),
//!     serde_json::json!({ "type": "matchRepository" }),
//! ));
//! let out = skopeo.path_inside("out");
//! skopeo.skopeo_ok(&[
//!     "copy", "--quiet", "--policy", &policy, "--src-tls-verify=false",
//!     &format!("docker://{host}/alpine:signed"), &format!("dir:{out}"),
//! ]);
//! ```
//!
//! What containers/image needs (checked with skopeo 1.18.0):
//! - a registries.d entry `docker: {"<host>": {use-sigstore-attachments: true}}` for the
//!   registry, both to write sigstore signatures (without it: "writing sigstore attachments is
//!   disabled by configuration", after the image itself was already pushed) and to read them
//!   when verifying (without it: "A signature was required, but no signature exists");
//! - a policy that accepts the source image: the root's `/etc/containers/policy.json` accepts
//!   anything; verification passes `--policy` with a `sigstoreSigned` requirement
//!   ([`TrixieSkopeo::sigstore_policy`]).
//!
//! Under `CI=true` a missing root (or not running as root, which chroot needs) fails the test;
//! elsewhere [`TrixieSkopeo::find`] prints a notice and returns `None`.

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::in_ci;

/// Where `.ci/trixie-skopeo-root` builds the root unless `$TOLLGATE_TRIXIE_ROOT` says otherwise.
pub const DEFAULT_ROOT: &str = "/var/cache/tollgate/trixie-skopeo";
/// The variable naming another root.
pub const ROOT_VARIABLE: &str = "TOLLGATE_TRIXIE_ROOT";
/// `PATH` inside the root.
const PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// skopeo in the trixie root, with a scratch directory of its own inside the root (removed on
/// drop). Every command gets `--registries.d <scratch>/registries.d`, so only what
/// [`Self::write_registries_d`] wrote there applies.
pub struct TrixieSkopeo {
    root: PathBuf,
    scratch: tempfile::TempDir,
    /// Numbers the policies written.
    policies: Cell<usize>,
}

impl TrixieSkopeo {
    /// The root at `$TOLLGATE_TRIXIE_ROOT` or [`DEFAULT_ROOT`], with a fresh scratch directory
    /// under its `/tmp`; `None` (after a notice) when the root was not built or we are not root
    /// (chroot needs it), outside CI.
    ///
    /// # Panics
    /// Under `CI=true` when the root is missing or we are not root.
    #[must_use]
    pub fn find() -> Option<Self> {
        let root = std::env::var_os(ROOT_VARIABLE)
            .map_or_else(|| PathBuf::from(DEFAULT_ROOT), PathBuf::from);
        if !root.join("usr/bin/skopeo").is_file() {
            return skip(&format!(
                "the trixie skopeo root `{}` does not exist: `.ci/trixie-skopeo-root` builds it \
                 (as root; .ci/run does; ${ROOT_VARIABLE} names another place)",
                root.display()
            ));
        }
        if !running_as_root() {
            return skip("`chroot` into the trixie skopeo root needs root");
        }
        let scratch = tempfile::Builder::new()
            .prefix("tollgate-skopeo-")
            .tempdir_in(root.join("tmp"))
            .unwrap();
        for dir in ["registries.d", "tmp", "files"] {
            fs_err::create_dir(scratch.path().join(dir)).unwrap();
        }
        Some(Self {
            root,
            scratch,
            policies: Cell::new(0),
        })
    }

    /// The root on the host.
    #[must_use]
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The scratch directory on the host.
    #[must_use]
    pub fn scratch(&self) -> &Path {
        self.scratch.path()
    }

    /// Copy a file or directory (recursively; symlinks as symlinks) into the scratch
    /// directory, under its file name (replacing what was staged under that name), and return
    /// its path as skopeo sees it.
    ///
    /// # Panics
    /// On I/O errors, or when `host_path` has no file name.
    pub fn stage(&self, host_path: impl AsRef<Path>) -> String {
        let host_path = host_path.as_ref();
        let name = host_path
            .file_name()
            .unwrap_or_else(|| panic!("`{}` has no file name", host_path.display()));
        let target = self.scratch().join("files").join(name);
        remove_any(&target);
        copy_recursively(host_path, &target);
        self.inside(&target)
    }

    /// Write `bytes` into the scratch directory as `name` (a plain file name) and return its
    /// path as skopeo sees it.
    ///
    /// # Panics
    /// When `name` is not a plain file name, or on I/O errors.
    pub fn stage_bytes(&self, name: &str, bytes: impl AsRef<[u8]>) -> String {
        let target = self.scratch().join("files").join(plain_name(name));
        remove_any(&target);
        fs_err::write(&target, bytes).unwrap();
        self.inside(&target)
    }

    /// Where skopeo should write something named `name` (a plain file name) in the scratch
    /// directory, as skopeo sees it (nothing is created); [`Self::host_path`] maps it back.
    ///
    /// # Panics
    /// When `name` is not a plain file name.
    #[must_use]
    pub fn path_inside(&self, name: &str) -> String {
        self.inside(&self.scratch().join("files").join(plain_name(name)))
    }

    /// The host path of a path skopeo sees (absolute, inside the root).
    ///
    /// # Panics
    /// When `inside` is not absolute.
    #[must_use]
    pub fn host_path(&self, inside: &str) -> PathBuf {
        let relative = inside
            .strip_prefix('/')
            .unwrap_or_else(|| panic!("not an absolute path: `{inside}`"));
        self.root.join(relative)
    }

    /// Configure `host` (`127.0.0.1:<port>`) in the scratch `registries.d` with
    /// `use-sigstore-attachments: true`, which containers/image needs both to write and to read
    /// sigstore signatures there.
    ///
    /// # Panics
    /// On I/O errors.
    pub fn write_registries_d(&self, host: &str) {
        // A JSON string is a valid YAML scalar, which quotes the host safely.
        let key = serde_json::Value::from(host).to_string();
        let yaml = format!("docker:\n  {key}:\n    use-sigstore-attachments: true\n");
        let file = format!("{}.yaml", host.replace([':', '/'], "_"));
        fs_err::write(self.scratch().join("registries.d").join(file), yaml).unwrap();
    }

    /// Write a signature policy (`policy.json` format) into the scratch directory and return
    /// its path as skopeo sees it, for `--policy`.
    ///
    /// # Panics
    /// On I/O errors.
    pub fn write_policy(&self, policy: &serde_json::Value) -> String {
        let number = self.policies.get() + 1;
        self.policies.set(number);
        let target = self
            .scratch()
            .join("files")
            .join(format!("policy-{number}.json"));
        fs_err::write(&target, serde_json::to_vec_pretty(policy).unwrap()).unwrap();
        self.inside(&target)
    }

    /// A policy that rejects everything but images of the registry `host` (docker transport)
    /// with a sigstore signature by the public key at `key_path` (as skopeo sees it) whose
    /// identity `signed_identity` accepts (e.g. `{"type": "matchRepository"}`; containers/image's
    /// default is `matchRepoDigestOrExact`).
    #[must_use]
    pub fn sigstore_policy(
        host: &str,
        key_path: &str,
        signed_identity: serde_json::Value,
    ) -> serde_json::Value {
        serde_json::json!({
            "default": [{ "type": "reject" }],
            "transports": {
                "docker": {
                    host: [{
                        "type": "sigstoreSigned",
                        "keyPath": key_path,
                        "signedIdentity": signed_identity,
                    }]
                }
            }
        })
    }

    /// `chroot <root> skopeo --registries.d <scratch>/registries.d <args>` with a clean
    /// environment (`PATH`, and `HOME` and `TMPDIR` in the scratch directory) and no stdin.
    ///
    /// # Panics
    /// When `chroot` cannot be started.
    #[must_use]
    pub fn skopeo(&self, args: &[&str]) -> Output {
        self.command(args)
            .output()
            .unwrap_or_else(|error| panic!("cannot run `chroot`: {error}"))
    }

    /// [`Self::skopeo`], and its stdout.
    ///
    /// # Panics
    /// When skopeo fails (the command and its stderr are in the message).
    pub fn skopeo_ok(&self, args: &[&str]) -> String {
        let output = self.skopeo(args);
        assert!(
            output.status.success(),
            "`skopeo {}` (in {}) failed ({}):\n{}",
            args.join(" "),
            self.root.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }

    fn command(&self, args: &[&str]) -> Command {
        let scratch = self.inside(self.scratch());
        let mut command = Command::new("chroot");
        command
            .arg(&self.root)
            .args(["skopeo", "--registries.d"])
            .arg(format!("{scratch}/registries.d"))
            .args(args)
            .env_clear()
            .env("PATH", PATH)
            .env("HOME", &scratch)
            .env("TMPDIR", format!("{scratch}/tmp"))
            .stdin(Stdio::null());
        command
    }

    /// A host path under the root as skopeo sees it.
    fn inside(&self, host_path: &Path) -> String {
        let relative = host_path.strip_prefix(&self.root).unwrap();
        format!("/{}", relative.to_str().unwrap())
    }
}

impl std::fmt::Debug for TrixieSkopeo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrixieSkopeo")
            .field("root", &self.root)
            .field("scratch", &self.scratch.path())
            .finish_non_exhaustive()
    }
}

/// Panic under CI, otherwise print a notice; `None` either way.
fn skip<T>(problem: &str) -> Option<T> {
    if in_ci() {
        panic!("CI=true but {problem}");
    }
    eprintln!("notice: skipping, {problem}");
    None
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .stdin(Stdio::null())
        .output()
        .is_ok_and(|output| output.status.success() && output.stdout.trim_ascii() == b"0")
}

fn plain_name(name: &str) -> &str {
    assert!(
        !name.is_empty() && name != "." && name != ".." && !name.contains('/'),
        "not a plain file name: `{name}`"
    );
    name
}

fn remove_any(path: &Path) {
    match fs_err::symlink_metadata(path) {
        Ok(metadata) if metadata.is_dir() => fs_err::remove_dir_all(path).unwrap(),
        Ok(_) => fs_err::remove_file(path).unwrap(),
        Err(_) => {}
    }
}

fn copy_recursively(from: &Path, to: &Path) {
    let metadata = fs_err::symlink_metadata(from).unwrap();
    if metadata.is_symlink() {
        std::os::unix::fs::symlink(fs_err::read_link(from).unwrap(), to).unwrap();
    } else if metadata.is_dir() {
        fs_err::create_dir(to).unwrap();
        for entry in fs_err::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            copy_recursively(&entry.path(), &to.join(entry.file_name()));
        }
    } else {
        fs_err::copy(from, to).unwrap();
    }
}
