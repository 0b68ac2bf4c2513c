//! `tollgate sign` / `tollgate verify` against containers/image, an independent implementation
//! of cosign's signature layout: skopeo 1.18 (Debian trixie, in a chroot; see
//! [`tollgate_test::trixie_skopeo`]) signs and verifies images in a real `docker-registry` on
//! 127.0.0.1, with keys made by `tollgate key generate` (cosign's encrypted format, which
//! containers/image reads).
//!
//! What these tests establish:
//! - skopeo's signatures verify with `tollgate verify` (the `legacy` `.sig` layout, the signed
//!   reference `HOST/REPO:TAG`), and not with another key;
//! - tollgate's signatures satisfy containers/image's `sigstoreSigned` policy, with
//!   `matchRepository` and with its default `matchRepoDigestOrExact`; a policy naming another
//!   key, or an image without signatures, is rejected;
//! - containers/image reads only the legacy `sha256-<hex>.sig` tag: a signature stored only as a
//!   Sigstore bundle referrer (`--signature-format bundle`) does not satisfy it;
//! - signatures by both tools coexist in one `.sig` manifest (tollgate appends a layer);
//! - Ed25519 keys work in both directions, as ECDSA P-256 (the default) does.
//!
//! Each test starts its own registry and its own skopeo scratch directory.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use tollgate_test::registry::{LoopbackRegistry, REGISTRY_TOOL};
use tollgate_test::trixie_skopeo::TrixieSkopeo;
use tollgate_test::{shared_or_skip, tool_or_skip};

use crate::tollgate_with_env;

/// The password of every key these tests generate (and skopeo's passphrase file, whose one
/// trailing newline containers/image strips).
const PASSWORD: &str = "tollgate interop";

/// A registry holding the shared alpine image, skopeo in the trixie root configured for it,
/// and a directory for keys.
struct Interop {
    skopeo: TrixieSkopeo,
    registry: LoopbackRegistry,
    /// The shared `alpine` OCI layout.
    alpine: PathBuf,
    keys: tempfile::TempDir,
    /// Counts `dir:` destinations of policy checks.
    copies: std::cell::Cell<usize>,
}

/// An [`Interop`] with a fresh registry, or return from the test (skipped) outside CI when
/// the trixie root, `docker-registry`, the host's skopeo (which pushes) or the shared images
/// are missing; under `CI=true` they fail it.
macro_rules! interop_or_skip {
    () => {{
        let Some(skopeo) = TrixieSkopeo::find() else {
            return;
        };
        tool_or_skip!(REGISTRY_TOOL);
        tool_or_skip!("skopeo");
        let images = shared_or_skip!("images");
        Interop::start(skopeo, &images)
    }};
}

impl Interop {
    fn start(skopeo: TrixieSkopeo, images: &Path) -> Self {
        let registry = LoopbackRegistry::start();
        skopeo.write_registries_d(registry.host());
        Self {
            skopeo,
            registry,
            alpine: images.join("alpine"),
            keys: tempfile::tempdir().unwrap(),
            copies: std::cell::Cell::new(0),
        }
    }

    fn host(&self) -> &str {
        self.registry.host()
    }

    /// `docker://HOST/<reference>`.
    fn docker(&self, reference: &str) -> String {
        self.registry.target(reference)
    }

    /// Push the shared alpine image as `repo:tag` (with the host's skopeo, digests preserved);
    /// its manifest digest.
    fn push_alpine(&self, repo_and_tag: &str) -> String {
        let source = format!("oci:{}:1.0", self.alpine.display());
        self.registry
            .push_with_skopeo_args(&source, repo_and_tag, &["--preserve-digests"])
    }

    /// `tollgate key generate [--algorithm A]` into the key directory (no algorithm: the
    /// default, ECDSA P-256): the prefix (`<prefix>.key`, `.pub`).
    fn generate_key(&self, name: &str, algorithm: Option<&str>) -> PathBuf {
        let prefix = self.keys.path().join(name);
        let mut args = vec![
            "key",
            "generate",
            "--output-key-prefix",
            prefix.to_str().unwrap(),
        ];
        if let Some(algorithm) = algorithm {
            args.extend(["--algorithm", algorithm]);
        }
        let output = tollgate_with_env(&args, &[("TOLLGATE_PASSWORD", PASSWORD)]);
        assert_success("tollgate key generate", &output);
        prefix
    }

    /// `skopeo copy` from `docker://HOST/<from>` to `docker://HOST/<to>`, signing with the
    /// (tollgate-generated) private key `<prefix>.key`, staged into the root.
    fn skopeo_sign_copy(&self, key_prefix: &Path, from: &str, to: &str) {
        let key = self.skopeo.stage(with_extension(key_prefix, "key"));
        let passphrase = self
            .skopeo
            .stage_bytes("passphrase", format!("{PASSWORD}\n"));
        self.skopeo.skopeo_ok(&[
            "copy",
            "--quiet",
            "--src-tls-verify=false",
            "--dest-tls-verify=false",
            "--sign-by-sigstore-private-key",
            &key,
            "--sign-passphrase-file",
            &passphrase,
            &self.docker(from),
            &self.docker(to),
        ]);
    }

    /// containers/image's policy check: `skopeo copy --policy` of `docker://HOST/<reference>`
    /// into a `dir:`, with a `sigstoreSigned` requirement for the public key `<prefix>.pub`
    /// (staged) and `signed_identity` (`None`: omitted, containers/image's default
    /// `matchRepoDigestOrExact`). Its stderr when rejected.
    fn skopeo_verify(
        &self,
        key_prefix: &Path,
        signed_identity: Option<Value>,
        reference: &str,
    ) -> Result<(), String> {
        let key = self.skopeo.stage(with_extension(key_prefix, "pub"));
        let mut policy = TrixieSkopeo::sigstore_policy(self.host(), &key, Value::Null);
        let requirement = &mut policy["transports"]["docker"][self.host()][0];
        match signed_identity {
            Some(identity) => requirement["signedIdentity"] = identity,
            None => {
                requirement
                    .as_object_mut()
                    .unwrap()
                    .remove("signedIdentity");
            }
        }
        let policy = self.skopeo.write_policy(&policy);
        self.copies.set(self.copies.get() + 1);
        let out = self
            .skopeo
            .path_inside(&format!("copy-{}", self.copies.get()));
        let output = self.skopeo.skopeo(&[
            "copy",
            "--quiet",
            "--policy",
            &policy,
            "--src-tls-verify=false",
            &self.docker(reference),
            &format!("dir:{out}"),
        ]);
        if output.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&output.stderr).into_owned())
        }
    }

    /// `tollgate sign docker://HOST/<reference> --key <prefix>.key [extra]`.
    fn tollgate_sign(&self, key_prefix: &Path, reference: &str, extra: &[&str]) -> String {
        let key = with_extension(key_prefix, "key");
        let target = self.docker(reference);
        let mut args = vec!["sign", &target, "--key", key.to_str().unwrap()];
        args.extend_from_slice(extra);
        let output = tollgate_with_env(&args, &[("TOLLGATE_PASSWORD", PASSWORD)]);
        assert_success("tollgate sign", &output);
        String::from_utf8(output.stdout).unwrap()
    }

    /// `tollgate verify docker://HOST/<reference> --key <prefix>.pub ... [extra]`.
    fn tollgate_verify(
        &self,
        key_prefixes: &[&Path],
        reference: &str,
        extra: &[&str],
    ) -> std::process::Output {
        let target = self.docker(reference);
        let keys: Vec<String> = key_prefixes
            .iter()
            .map(|prefix| with_extension(prefix, "pub").to_str().unwrap().to_owned())
            .collect();
        let mut args = vec!["verify", target.as_str()];
        for key in &keys {
            args.extend(["--key", key.as_str()]);
        }
        args.extend_from_slice(extra);
        tollgate_with_env(&args, &[])
    }

    /// The `sha256-<hex>.sig` manifest of `digest` in `repo`, as the registry serves it.
    fn signature_manifest(&self, repo: &str, digest: &str) -> Value {
        let tag = format!("sha256-{}.sig", digest.strip_prefix("sha256:").unwrap());
        let raw = self.skopeo.skopeo_ok(&[
            "inspect",
            "--raw",
            "--tls-verify=false",
            &self.docker(&format!("{repo}:{tag}")),
        ]);
        serde_json::from_str(&raw).unwrap()
    }

    /// The simple-signing payload of a `.sig` layer, from the registry's storage.
    fn payload(&self, layer: &Value) -> Value {
        let blob = self.registry.blob_path(layer["digest"].as_str().unwrap());
        serde_json::from_slice(&fs_err::read(blob).unwrap()).unwrap()
    }
}

fn with_extension(prefix: &Path, extension: &str) -> PathBuf {
    let mut path = prefix.as_os_str().to_owned();
    path.push(".");
    path.push(extension);
    PathBuf::from(path)
}

fn assert_success(what: &str, output: &std::process::Output) {
    assert!(
        output.status.success(),
        "`{what}` failed ({}):\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn match_repository() -> Option<Value> {
    Some(json!({ "type": "matchRepository" }))
}

/// skopeo signs (`--sign-by-sigstore-private-key`, a tollgate-generated key), tollgate
/// verifies.
#[test]
fn tollgate_verifies_what_skopeo_signed() {
    let interop = interop_or_skip!();
    let host = interop.host().to_owned();
    let digest = interop.push_alpine("alpine:1.0");
    let key = interop.generate_key("k", None);
    let other = interop.generate_key("other", None);
    // The default algorithm: an ECDSA P-256 SubjectPublicKeyInfo.
    let public = fs_err::read_to_string(with_extension(&key, "pub")).unwrap();
    assert!(
        public.contains("\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE"),
        "{public}"
    );
    interop.skopeo_sign_copy(&key, "alpine:1.0", "alpine:signed");

    // What containers/image wrote: one simple-signing layer under the `.sig` tag.
    let manifest = interop.signature_manifest("alpine", &digest);
    let layers = manifest["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 1, "{manifest:#}");
    assert_eq!(
        interop.payload(&layers[0])["critical"]["identity"]["docker-reference"],
        format!("{host}/alpine:signed"),
        "{manifest:#}"
    );

    let output = interop.tollgate_verify(&[&key], "alpine:signed", &[]);
    assert_success("tollgate verify", &output);
    let table = stdout(&output);
    assert!(table.contains(&format!("Verified {digest}")), "{table}");
    assert!(
        table.contains(&format!("repository {host}/alpine")),
        "{table}"
    );
    let row = table
        .lines()
        .find(|line| line.trim_start().starts_with("legacy"))
        .unwrap_or_else(|| panic!("no `legacy` row:\n{table}"));
    assert!(row.contains(&format!("{host}/alpine:signed")), "{table}");

    // The same image by digest, and by the exact signed reference.
    let by_digest = interop.tollgate_verify(&[&key], &format!("alpine@{digest}"), &[]);
    assert_success("tollgate verify by digest", &by_digest);
    let exact = format!("{host}/alpine:signed");
    let output = interop.tollgate_verify(&[&key], "alpine:signed", &["--identity", &exact]);
    assert_success("tollgate verify --identity", &output);

    // Another key does not verify it; the reason is in stderr.
    let output = interop.tollgate_verify(&[&other], "alpine:signed", &[]);
    assert!(!output.status.success(), "{}", stdout(&output));
    let error = stderr(&output);
    assert!(
        error.contains("0 of the required 1 key(s) signed this image")
            && error.contains(&format!(
                "`sha256-{}.sig` layer 0",
                digest.strip_prefix("sha256:").unwrap()
            ))
            && error.contains("signature verification failed"),
        "{error}"
    );

    // JSON names the digest skopeo signed.
    let output = interop.tollgate_verify(&[&key], "alpine:signed", &["-f", "json"]);
    assert_success("tollgate verify -f json", &output);
    let document: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(document["digest"], digest, "{document:#}");
    let signatures = document["signatures"].as_array().unwrap();
    assert_eq!(signatures.len(), 1, "{document:#}");
    assert_eq!(signatures[0]["layout"], "legacy", "{document:#}");
    assert_eq!(
        signatures[0]["docker_manifest_digest"], digest,
        "{document:#}"
    );
    assert_eq!(
        signatures[0]["docker_reference"],
        format!("{host}/alpine:signed"),
        "{document:#}"
    );
}

/// tollgate signs (both layouts by default), containers/image's policy accepts it; another
/// key, an unsigned image, and a bundle-only signature are rejected.
#[test]
fn skopeo_accepts_what_tollgate_signed() {
    let interop = interop_or_skip!();
    let host = interop.host().to_owned();
    let digest = interop.push_alpine("app:1.0");
    assert_eq!(interop.push_alpine("unsigned:1.0"), digest);
    assert_eq!(interop.push_alpine("bundled:1.0"), digest);
    let key = interop.generate_key("k", None);
    let other = interop.generate_key("other", None);

    let signed = interop.tollgate_sign(&key, "app:1.0", &[]);
    let tag = format!("sha256-{}.sig", digest.strip_prefix("sha256:").unwrap());
    assert!(signed.contains(&format!("legacy  {tag}")), "{signed}");
    assert!(signed.contains("bundle"), "{signed}");

    // The payload names HOST/app:1.0, as containers/image would have written it.
    let manifest = interop.signature_manifest("app", &digest);
    let layers = manifest["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 1, "{manifest:#}");
    assert_eq!(
        interop.payload(&layers[0])["critical"],
        json!({
            "identity": { "docker-reference": format!("{host}/app:1.0") },
            "image": { "docker-manifest-digest": digest },
            "type": "cosign container image signature",
        }),
        "{manifest:#}"
    );

    interop
        .skopeo_verify(&key, match_repository(), "app:1.0")
        .unwrap();
    interop.skopeo_verify(&key, None, "app:1.0").unwrap();
    // By digest, matchRepoDigestOrExact accepts any signed reference in the repository.
    interop
        .skopeo_verify(&key, None, &format!("app@{digest}"))
        .unwrap();

    let error = interop
        .skopeo_verify(&other, match_repository(), "app:1.0")
        .unwrap_err();
    assert!(
        error.contains("cryptographic signature verification failed"),
        "{error}"
    );

    let error = interop
        .skopeo_verify(&key, match_repository(), "unsigned:1.0")
        .unwrap_err();
    assert!(
        error.contains("A signature was required, but no signature exists"),
        "{error}"
    );

    // containers/image reads the legacy `.sig` tag only: a Sigstore bundle referrer alone is
    // invisible to it, so images meant for podman/CRI-O need the legacy layout (the default
    // `both` writes it).
    let signed = interop.tollgate_sign(&key, "bundled:1.0", &["--signature-format", "bundle"]);
    assert!(!signed.contains("legacy"), "{signed}");
    let error = interop
        .skopeo_verify(&key, match_repository(), "bundled:1.0")
        .unwrap_err();
    assert!(
        error.contains("A signature was required, but no signature exists"),
        "{error}"
    );
    // ... while tollgate accepts it.
    let output = interop.tollgate_verify(&[&key], "bundled:1.0", &[]);
    assert_success("tollgate verify (bundle only)", &output);
    assert!(stdout(&output).contains("bundle"), "{}", stdout(&output));
}

/// skopeo's and tollgate's signatures of one image share its `.sig` manifest, and both tools
/// still read both.
#[test]
fn signatures_by_both_tools_coexist() {
    let interop = interop_or_skip!();
    let host = interop.host().to_owned();
    let digest = interop.push_alpine("alpine:1.0");
    let key = interop.generate_key("k", None);
    let second = interop.generate_key("k2", None);
    interop.skopeo_sign_copy(&key, "alpine:1.0", "alpine:signed");
    let before = interop.signature_manifest("alpine", &digest);
    assert_eq!(before["layers"].as_array().unwrap().len(), 1, "{before:#}");

    interop.tollgate_sign(&second, "alpine:signed", &[]);
    let after = interop.signature_manifest("alpine", &digest);
    let layers = after["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 2, "tollgate appends: {after:#}");
    assert_eq!(
        layers[0], before["layers"][0],
        "skopeo's layer is kept: {after:#}"
    );
    for layer in layers {
        assert_eq!(
            interop.payload(layer)["critical"]["identity"]["docker-reference"],
            format!("{host}/alpine:signed"),
            "{after:#}"
        );
    }

    let output = interop.tollgate_verify(&[&key, &second], "alpine:signed", &["--threshold", "2"]);
    assert_success("tollgate verify --threshold 2", &output);
    let table = stdout(&output);
    assert!(table.contains("signed by at least 2 of 2"), "{table}");

    // containers/image accepts an image when any of its signatures satisfies the policy.
    interop
        .skopeo_verify(&key, match_repository(), "alpine:signed")
        .unwrap();
    interop.skopeo_verify(&key, None, "alpine:signed").unwrap();
    interop
        .skopeo_verify(&second, match_repository(), "alpine:signed")
        .unwrap();
}

/// Ed25519 keys from `tollgate key generate --algorithm ed25519`: skopeo signs with one and
/// tollgate verifies, and the other way round.
#[test]
fn ed25519_keys_work_both_ways() {
    let interop = interop_or_skip!();
    let host = interop.host().to_owned();
    let digest = interop.push_alpine("alpine:1.0");
    assert_eq!(interop.push_alpine("app:1.0"), digest);
    let key = interop.generate_key("ed", Some("ed25519"));
    // An Ed25519 SubjectPublicKeyInfo (OID 1.3.101.112), not P-256.
    let public = fs_err::read_to_string(with_extension(&key, "pub")).unwrap();
    assert!(public.contains("\nMCowBQYDK2VwAyEA"), "{public}");

    interop.skopeo_sign_copy(&key, "alpine:1.0", "alpine:signed");
    let output = interop.tollgate_verify(&[&key], "alpine:signed", &["-f", "json"]);
    assert_success("tollgate verify (Ed25519, signed by skopeo)", &output);
    let document: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        document["signatures"][0]["docker_reference"],
        format!("{host}/alpine:signed"),
        "{document:#}"
    );

    interop.tollgate_sign(&key, "app:1.0", &["--signature-format", "legacy"]);
    interop.skopeo_verify(&key, None, "app:1.0").unwrap();
}

/// A key pair made by containers/image (`skopeo generate-sigstore-key`: `ENCRYPTED COSIGN
/// PRIVATE KEY` and its published `.pub`): tollgate decrypts the private key, signs with it,
/// and both skopeo and tollgate verify that signature against skopeo's `.pub`, so the key
/// tollgate decrypted is the one whose public half skopeo published.
#[test]
fn tollgate_signs_with_a_key_skopeo_generated() {
    let interop = interop_or_skip!();
    interop.push_alpine("app:1.0");
    let passphrase = interop
        .skopeo
        .stage_bytes("generate-passphrase", format!("{PASSWORD}\n"));
    let inside = interop.skopeo.path_inside("skopeo-key");
    interop.skopeo.skopeo_ok(&[
        "generate-sigstore-key",
        "--output-prefix",
        &inside,
        "--passphrase-file",
        &passphrase,
    ]);
    let private =
        fs_err::read_to_string(interop.skopeo.host_path(&format!("{inside}.private"))).unwrap();
    assert!(
        private.starts_with("-----BEGIN ENCRYPTED COSIGN PRIVATE KEY-----"),
        "{private}"
    );
    // Under tollgate's names: <prefix>.key and <prefix>.pub.
    let prefix = interop.keys.path().join("made-by-skopeo");
    fs_err::write(with_extension(&prefix, "key"), &private).unwrap();
    fs_err::copy(
        interop.skopeo.host_path(&format!("{inside}.pub")),
        with_extension(&prefix, "pub"),
    )
    .unwrap();

    interop.tollgate_sign(&prefix, "app:1.0", &[]);
    let output = interop.tollgate_verify(&[&prefix], "app:1.0", &[]);
    assert_success("tollgate verify (skopeo's key pair)", &output);
    interop.skopeo_verify(&prefix, None, "app:1.0").unwrap();
    // The wrong password is refused with one line naming the key file.
    let key = with_extension(&prefix, "key");
    let wrong = tollgate_with_env(
        &[
            "sign",
            &interop.docker("app:1.0"),
            "--key",
            key.to_str().unwrap(),
        ],
        &[("TOLLGATE_PASSWORD", "not the password")],
    );
    assert_eq!(wrong.status.code(), Some(1));
    assert!(
        stderr(&wrong).contains("made-by-skopeo.key"),
        "{}",
        stderr(&wrong)
    );
}
