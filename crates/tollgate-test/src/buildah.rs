//! Real images built in tests with buildah: vfs storage under a test's own directory, chroot
//! isolation (no daemon, no user namespaces needed), the host's CA bundle mounted for a
//! TLS-intercepting proxy, and the host network.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Run `command`; panic with its output when it fails. Returns stdout.
pub fn run(command: &mut Command) -> String {
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{command:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// A buildah whose storage lives in one directory.
pub struct Buildah {
    root: PathBuf,
}

impl Buildah {
    /// Storage under `root` (removed with it).
    #[must_use]
    pub fn new(root: &Path) -> Self {
        Self {
            root: root.to_owned(),
        }
    }

    /// `buildah` with this storage.
    #[must_use]
    pub fn command(&self) -> Command {
        let mut command = Command::new("buildah");
        command
            .arg("--root")
            .arg(self.root.join("root"))
            .arg("--runroot")
            .arg(self.root.join("runroot"))
            .args(["--storage-driver", "vfs"]);
        command
    }

    /// A working container from an image (`oci:<dir>:<tag>`, no pulls), named `name`.
    pub fn from(&self, image: &str, name: &str) -> String {
        run(self
            .command()
            .args(["from", "--quiet", "--pull-never", "--name", name])
            .arg(image))
        .trim()
        .to_owned()
    }

    /// `sh -c script` in the container as root, with the host's CA bundle at /mnt/ca.crt (a
    /// TLS-intercepting proxy may sit between us and the package registries).
    pub fn run(&self, container: &str, script: &str) -> String {
        run(self
            .command()
            .args(["run", "--isolation", "chroot", "--user", "root"])
            .args([
                "-v",
                "/etc/ssl/certs/ca-certificates.crt:/mnt/ca.crt:ro",
                "-e",
                "PIP_CERT=/mnt/ca.crt",
            ])
            .args([container, "--", "sh", "-c", script]))
    }

    /// Commit the container as `oci:<layout>:<tag>`.
    pub fn commit(&self, container: &str, layout: &Path, tag: &str) {
        run(self
            .command()
            .args(["commit", "--quiet", container])
            .arg(format!("oci:{}:{tag}", layout.display())));
    }

    /// Remove the container.
    pub fn remove(&self, container: &str) {
        run(self.command().args(["rm", container]));
    }
}

/// A work directory whose path buildah accepts in an image name (lowercase, no leading-dot
/// component, so no random temp suffix).
#[must_use]
pub fn work_dir(purpose: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("tollgate-{purpose}-{}", std::process::id()))
        .rand_bytes(0)
        .tempdir()
        .unwrap()
}
