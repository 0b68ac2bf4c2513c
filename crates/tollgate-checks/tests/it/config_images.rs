//! The configuration rules on the shared images (../shared/images, README there): what each
//! image is documented to be, and what its config and files show (`tollgate inspect`), is what
//! the rules report. Dates are judged on 2026-11-23 ([`today`]).

use std::path::Path;

use tollgate_catalog::LayerCache;
use tollgate_checks::CheckFinding;
use tollgate_oci::Limits;
use tollgate_test::shared_or_skip;

use crate::config_support::{Scanned, finding, ids, paths, today};

fn oci(root: &Path, name: &str) -> String {
    format!("oci:{}:1.0", root.join(name).display())
}

/// Every piece of file evidence names the layer, by index and by the digest of that layer.
fn assert_layers_named(scanned: &Scanned, findings: &[CheckFinding]) {
    for finding in findings {
        for evidence in &finding.evidence {
            if let Some(index) = evidence.layer_index {
                assert_eq!(
                    evidence.layer.as_ref(),
                    Some(&scanned.image.layers[index].digest),
                    "{}: {evidence:?}",
                    finding.id
                );
            }
        }
    }
}

/// The setuid/setgid programs of Debian's minbase (login, passwd, mount, util-linux).
const DEBIAN_SETID: &[(&str, &str)] = &[
    ("/usr/bin/chage", "setgid, mode 2755"),
    ("/usr/bin/chfn", "setuid, mode 4755"),
    ("/usr/bin/chsh", "setuid, mode 4755"),
    ("/usr/bin/expiry", "setgid, mode 2755"),
    ("/usr/bin/gpasswd", "setuid, mode 4755"),
    ("/usr/bin/mount", "setuid, mode 4755"),
    ("/usr/bin/newgrp", "setuid, mode 4755"),
    ("/usr/bin/passwd", "setuid, mode 4755"),
    ("/usr/bin/su", "setuid, mode 4755"),
    ("/usr/bin/umount", "setuid, mode 4755"),
    ("/usr/sbin/unix_chkpwd", "setgid, mode 2755"),
];

fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

#[test]
fn debian_trixie_slim_runs_as_root_with_a_shell_and_apt() {
    let root = shared_or_skip!("images");
    let scanned = Scanned::open(&format!(
        "docker-archive:{}",
        root.join("debian-trixie-slim.tar.gz").display()
    ));
    let findings = scanned.findings();
    // No USER (README: "no USER (root)"); trixie is supported until 2028/2030.
    assert_eq!(
        ids(&findings),
        [
            "TG-CFG-001",
            "TG-CFG-006",
            "TG-CFG-003",
            "TG-CFG-004",
            "TG-CFG-008",
            "TG-CFG-020"
        ]
    );
    let root_user = finding(&findings, "TG-CFG-001").unwrap();
    assert_eq!(root_user.evidence[0].field.as_deref(), Some("config.User"));
    assert_eq!(
        root_user.evidence[0].detail,
        "USER is not set: processes run as root (uid 0)"
    );
    // Merged /usr: /bin/sh is /usr/bin/sh -> dash; rbash -> bash.
    assert_eq!(
        paths(&findings, "TG-CFG-003"),
        owned(&[
            ("/usr/bin/bash", "bash (run as rbash)"),
            ("/usr/bin/dash", "dash (run as sh)")
        ])
    );
    assert_eq!(
        paths(&findings, "TG-CFG-004"),
        owned(&[
            ("/usr/bin/apt", "apt"),
            ("/usr/bin/apt-get", "apt-get"),
            ("/usr/bin/dpkg", "dpkg")
        ])
    );
    assert_eq!(paths(&findings, "TG-CFG-006"), owned(DEBIAN_SETID));
    let minimal = &finding(&findings, "TG-CFG-020").unwrap().evidence[0].detail;
    assert!(
        minimal.starts_with("Debian GNU/Linux 13 (trixie): 79 deb OS packages"),
        "{minimal}"
    );
    assert_layers_named(&scanned, &findings);
}

#[test]
fn distroless_passes_the_root_shell_and_package_manager_rules() {
    let root = shared_or_skip!("images");
    let scanned = Scanned::open(&oci(&root, "distroless-bookworm"));
    let context = scanned.context(today());
    // The truth of its config: USER 65532:65532, the `nonroot` user of its own /etc/passwd.
    let config = context.config.as_ref().unwrap();
    assert_eq!(config.user.as_deref(), Some("65532:65532"));
    let nonroot = context
        .passwd()
        .unwrap()
        .into_iter()
        .find(|entry| entry.name == "nonroot")
        .unwrap();
    assert_eq!((nonroot.uid, nonroot.gid), (65532, 65532));
    assert_eq!(context.files["/etc/passwd"].path, "/etc/passwd");

    let findings = scanned.findings();
    // Bookworm's regular security support ended on 2026-06-10; Debian LTS runs to 2028-06-30.
    assert_eq!(ids(&findings), ["TG-CFG-008", "TG-CFG-018"]);
    let lts = &finding(&findings, "TG-CFG-018").unwrap().evidence[0];
    // /etc/os-release -> ../usr/lib/os-release, resolved inside the image.
    assert_eq!(lts.path.as_deref(), Some("/usr/lib/os-release"));
    assert!(
        lts.detail.starts_with(
            "Debian 12 (bookworm): regular security support ended 2026-06-10; \
             long-term support until 2028-06-30"
        ),
        "{}",
        lts.detail
    );
    assert_layers_named(&scanned, &findings);
}

#[test]
fn debian_bookworm_app_runs_as_its_user_and_ships_pip_from_its_second_layer() {
    let root = shared_or_skip!("images");
    let scanned = Scanned::open(&oci(&root, "debian-bookworm-app"));
    let findings = scanned.findings();
    // USER 10001 is `app` (layer 3's /etc/passwd): neither root nor unknown. Its history has no
    // secret, no piped download, no disabled verification and no chmod 777.
    assert_eq!(
        ids(&findings),
        [
            "TG-CFG-006",
            "TG-CFG-003",
            "TG-CFG-004",
            "TG-CFG-008",
            "TG-CFG-018",
            "TG-CFG-020"
        ]
    );
    let context = scanned.context(today());
    assert_eq!(context.files["/etc/passwd"].layer_index, 3);
    assert!(
        context
            .passwd()
            .unwrap()
            .iter()
            .any(|entry| entry.name == "app" && entry.uid == 10001)
    );
    // pip came with python3-pip in layer 1 (`RUN apt-get install … python3-pip`).
    let managers = finding(&findings, "TG-CFG-004").unwrap();
    let where_: Vec<(&str, Option<usize>)> = managers
        .evidence
        .iter()
        .map(|e| (e.path.as_deref().unwrap(), e.layer_index))
        .collect();
    assert_eq!(
        where_,
        [
            ("/usr/bin/apt", Some(0)),
            ("/usr/bin/apt-get", Some(0)),
            ("/usr/bin/dpkg", Some(0)),
            ("/usr/bin/pip", Some(1)),
            ("/usr/bin/pip3", Some(1)),
            ("/usr/bin/pip3.11", Some(1)),
        ]
    );
    assert_eq!(paths(&findings, "TG-CFG-006"), owned(DEBIAN_SETID));
    assert_layers_named(&scanned, &findings);
}

#[test]
fn rpm_and_alpine_images_run_as_root_on_their_releases() {
    let root = shared_or_skip!("images");
    // (image, findings, the end-of-life detail's start). They hold a package database and
    // release files only: no programs, no setuid files, no USER.
    let cases: [(&str, &[&str], Option<&str>); 5] = [
        (
            "rpm-sqlite",
            &["TG-CFG-001", "TG-CFG-017", "TG-CFG-008", "TG-CFG-020"],
            Some("CBL-Mariner 2.0: security support ended 2025-07-31"),
        ),
        (
            "rpm-ndb",
            &["TG-CFG-001", "TG-CFG-017", "TG-CFG-008"],
            Some("SUSE Linux Enterprise Server 15 SP3: security support ended 2022-12-31"),
        ),
        // RHEL 8 is maintained until 2029-05-31.
        ("rpm-bdb", &["TG-CFG-001", "TG-CFG-008"], None),
        (
            "alpine",
            &["TG-CFG-001", "TG-CFG-017", "TG-CFG-008"],
            Some("Alpine 3.4: security support ended 2018-05-01"),
        ),
        (
            "alpine-3.18",
            &["TG-CFG-001", "TG-CFG-017", "TG-CFG-008"],
            Some("Alpine 3.18: security support ended 2025-05-09"),
        ),
    ];
    for (image, expected, eol) in cases {
        let scanned = Scanned::open(&oci(&root, image));
        let findings = scanned.findings();
        assert_eq!(ids(&findings), expected, "{image}");
        if let Some(eol) = eol {
            let detail = &finding(&findings, "TG-CFG-017").unwrap().evidence[0].detail;
            assert!(detail.starts_with(eol), "{image}: {detail}");
        }
        // rpm-sqlite: 129 packages in CBL-Mariner's rpmdb.
        if image == "rpm-sqlite" {
            let detail = &finding(&findings, "TG-CFG-020").unwrap().evidence[0].detail;
            assert!(detail.contains(": 129 rpm OS packages"), "{detail}");
        }
        assert_layers_named(&scanned, &findings);
    }
}

#[test]
fn findings_are_the_same_when_the_config_files_come_from_the_layer_cache() {
    let root = shared_or_skip!("images");
    let cache_dir = tempfile::tempdir().unwrap();
    let cache = LayerCache::new(cache_dir.path(), &Limits::default());
    let target = oci(&root, "debian-bookworm-app");
    let uncached = Scanned::open(&target);
    let cold = Scanned::open_with(&target, Some(&cache), None);
    let read = crate::LayersRead::default();
    let warm = Scanned::open_with(&target, Some(&cache), Some(&read));
    assert_eq!(
        *read.0.lock().unwrap(),
        Vec::<usize>::new(),
        "a warm pass reads no layer"
    );
    assert_eq!(warm.context(today()).files, uncached.context(today()).files);
    assert_eq!(warm.context(today()).files.len(), 2);
    assert_eq!(warm.findings(), uncached.findings());
    assert_eq!(cold.findings(), uncached.findings());
}
