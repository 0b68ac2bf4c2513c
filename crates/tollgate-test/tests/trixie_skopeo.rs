#![allow(clippy::print_stderr)] // skip notices when the root or a tool is missing outside CI
//! The trixie skopeo root (`.ci/trixie-skopeo-root`) works as the independent sigstore
//! implementation tollgate's tests need: skopeo 1.18 in it copies a staged OCI layout into a
//! loopback registry and signs it with a key pair of its own making (`generate-sigstore-key`,
//! cosign's encrypted key format), writes the signature as cosign does (a `sha256-<hex>.sig`
//! tag), and its policy check accepts the signed image, rejects an unsigned one, a signature by
//! another key, and a signed identity the policy does not match.

use serde_json::{Value, json};
use tollgate_test::registry::{LoopbackRegistry, REGISTRY_TOOL};
use tollgate_test::trixie_skopeo::TrixieSkopeo;
use tollgate_test::{shared_or_skip, tool_or_skip};

#[test]
fn trixie_skopeo_signs_and_verifies_sigstore_signatures_in_a_loopback_registry() {
    let Some(skopeo) = TrixieSkopeo::find() else {
        return;
    };
    tool_or_skip!(REGISTRY_TOOL);
    tool_or_skip!("skopeo"); // the host's, for LoopbackRegistry::push_with_skopeo
    let alpine = shared_or_skip!("images/alpine");

    let version = skopeo.skopeo_ok(&["--version"]);
    assert!(version.starts_with("skopeo version 1."), "{version}");

    let registry = LoopbackRegistry::start();
    let host = registry.host();
    let source = format!("oci:{}:1.0", alpine.display());
    let digest = registry.push_with_skopeo(&source, "alpine:1");
    // The same image in another repository, never signed: signatures are per repository.
    assert_eq!(registry.push_with_skopeo(&source, "unsigned:1"), digest);
    skopeo.write_registries_d(host);

    let passphrase = skopeo.stage_bytes("passphrase", "tollgate test\n");
    let signer = skopeo.path_inside("signer");
    let other = skopeo.path_inside("other");
    for prefix in [&signer, &other] {
        skopeo.skopeo_ok(&[
            "generate-sigstore-key",
            "--output-prefix",
            prefix,
            "--passphrase-file",
            &passphrase,
        ]);
    }
    let private_key =
        fs_err::read_to_string(skopeo.host_path(&format!("{signer}.private"))).unwrap();
    assert!(
        private_key.starts_with("-----BEGIN ENCRYPTED COSIGN PRIVATE KEY-----\n"),
        "{private_key}"
    );

    let docker = |reference: &str| format!("docker://{host}/{reference}");
    // Signed from the OCI layout, staged into the root (chroot cannot see host paths).
    let layout = skopeo.stage(&alpine);
    let digest_file = skopeo.path_inside("signed-digest");
    skopeo.skopeo_ok(&[
        "copy",
        "--quiet",
        "--dest-tls-verify=false",
        "--sign-by-sigstore-private-key",
        &format!("{signer}.private"),
        "--sign-passphrase-file",
        &passphrase,
        "--digestfile",
        &digest_file,
        &format!("oci:{layout}:1.0"),
        &docker("alpine:signed"),
    ]);
    let signed_digest = fs_err::read_to_string(skopeo.host_path(&digest_file)).unwrap();
    assert_eq!(
        signed_digest.trim(),
        digest,
        "the manifest was copied unchanged"
    );

    // cosign's layout: the tag `sha256-<hex>.sig` in the image's repository, an OCI manifest
    // whose one layer is the simple-signing payload, the signature in an annotation.
    let signature_tag = format!("sha256-{}.sig", digest.strip_prefix("sha256:").unwrap());
    let manifest: Value = serde_json::from_str(&skopeo.skopeo_ok(&[
        "inspect",
        "--raw",
        "--tls-verify=false",
        &docker(&format!("alpine:{signature_tag}")),
    ]))
    .unwrap();
    assert_eq!(
        manifest["mediaType"], "application/vnd.oci.image.manifest.v1+json",
        "{manifest:#}"
    );
    let layers = manifest["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 1, "{manifest:#}");
    let layer = &layers[0];
    assert_eq!(
        layer["mediaType"], "application/vnd.dev.cosign.simplesigning.v1+json",
        "{manifest:#}"
    );
    assert!(
        layer["annotations"]["dev.cosignproject.cosign/signature"].is_string(),
        "{manifest:#}"
    );
    let payload: Value = serde_json::from_slice(
        &fs_err::read(registry.blob_path(layer["digest"].as_str().unwrap())).unwrap(),
    )
    .unwrap();
    assert_eq!(
        payload["critical"],
        json!({
            "identity": { "docker-reference": format!("{host}/alpine:signed") },
            "image": { "docker-manifest-digest": digest },
            "type": "cosign container image signature",
        }),
        "{payload:#}"
    );

    // Verification: `skopeo copy --policy` checks the source against the policy.
    let copies = std::cell::Cell::new(0);
    let verify = |key_prefix: &str, signed_identity: Value, reference: &str| {
        let policy = skopeo.write_policy(&TrixieSkopeo::sigstore_policy(
            host,
            &format!("{key_prefix}.pub"),
            signed_identity,
        ));
        copies.set(copies.get() + 1);
        let out = skopeo.path_inside(&format!("copy-{}", copies.get()));
        let output = skopeo.skopeo(&[
            "copy",
            "--quiet",
            "--policy",
            &policy,
            "--src-tls-verify=false",
            &docker(reference),
            &format!("dir:{out}"),
        ]);
        if output.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&output.stderr).into_owned())
        }
    };
    let match_repository = || json!({ "type": "matchRepository" });
    let exact = || json!({ "type": "matchRepoDigestOrExact" });

    verify(&signer, match_repository(), "alpine:signed").unwrap();
    verify(&signer, exact(), "alpine:signed").unwrap();
    // alpine:1 is the same manifest, so it carries the signature too, but for another tag.
    verify(&signer, match_repository(), "alpine:1").unwrap();
    let error = verify(&signer, exact(), "alpine:1").unwrap_err();
    assert!(
        error.contains(&format!(
            r#"Signature for identity \"{host}/alpine:signed\" is not accepted"#
        )),
        "{error}"
    );
    let error = verify(&signer, match_repository(), "unsigned:1").unwrap_err();
    assert!(
        error.contains("A signature was required, but no signature exists"),
        "{error}"
    );
    let error = verify(&other, match_repository(), "alpine:signed").unwrap_err();
    assert!(
        error.contains("cryptographic signature verification failed"),
        "{error}"
    );
}
