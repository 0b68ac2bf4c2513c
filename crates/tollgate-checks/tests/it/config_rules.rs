//! Each configuration rule on root filesystems written for it (read through `rootfs:`, so the
//! final filesystem is a real merged view with real modes and links) and configs given as the
//! JSON an image would carry.

use tollgate_checks::config::{Date, check_image, rule_remedy, rules};
use tollgate_checks::{CheckFinding, RuleOverrides};
use tollgate_match::Severity;

use crate::config_support::{Rootfs, finding, ids, paths, today};

const PASSWD: &str = "root:x:0:0:root:/root:/bin/bash\n\
                      daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n\
                      toor:x:0:0:another root:/root:/bin/sh\n\
                      app:x:1000:1000::/home/app:/bin/sh\n";
const GROUP: &str = "root:x:0:\napp:x:1000:\n";

fn with_user(user: &str) -> String {
    format!(r#"{{"config": {{"User": {user:?}}}}}"#)
}

/// The findings of `rootfs` with `config`, on [`today`].
fn check(rootfs: &Rootfs, config: &str) -> Vec<CheckFinding> {
    rootfs.scan().findings_with(Some(config), today())
}

fn details(findings: &[CheckFinding], id: &str) -> Vec<String> {
    finding(findings, id).map_or_else(Vec::new, |f| {
        f.evidence.iter().map(|e| e.detail.clone()).collect()
    })
}

#[test]
fn root_is_an_empty_user_uid_zero_or_a_name_with_uid_zero() {
    let rootfs = Rootfs::new();
    rootfs
        .file("/etc/passwd", PASSWD, 0o644)
        .file("/etc/group", GROUP, 0o644);
    let scanned = rootfs.scan();
    for user in [
        "",
        "root",
        "0",
        "0:0",
        "root:root",
        "0:1000",
        "toor",
        "toor:app",
        ":app",
    ] {
        let config = with_user(user);
        let findings = scanned.findings_with(Some(&config), today());
        assert!(finding(&findings, "TG-CFG-001").is_some(), "USER {user:?}");
        assert!(finding(&findings, "TG-CFG-002").is_none(), "USER {user:?}");
    }
    let no_user = scanned.findings_with(Some(r#"{"config": {}}"#), today());
    assert_eq!(
        details(&no_user, "TG-CFG-001"),
        ["USER is not set: processes run as root (uid 0)"]
    );
    // A name is resolved through the image's own /etc/passwd, which is named as evidence.
    let toor = scanned.findings_with(Some(&with_user("toor")), today());
    let evidence = &finding(&toor, "TG-CFG-001").unwrap().evidence;
    assert_eq!(
        evidence[0].detail,
        "USER \"toor\": `toor` has uid 0 in the image's /etc/passwd"
    );
    assert_eq!(evidence[1].path.as_deref(), Some("/etc/passwd"));
    assert_eq!(evidence[1].layer_index, Some(0));

    for user in [
        "app",
        "1000",
        "1000:1000",
        "app:app",
        "65532:65532",
        "1000:0",
    ] {
        let findings = scanned.findings_with(Some(&with_user(user)), today());
        assert!(finding(&findings, "TG-CFG-001").is_none(), "USER {user:?}");
        assert!(finding(&findings, "TG-CFG-002").is_none(), "USER {user:?}");
    }
    // Without a config (a root filesystem) there is no USER to judge.
    let findings = scanned.findings_with(None, today());
    assert!(finding(&findings, "TG-CFG-001").is_none());
}

#[test]
fn passwd_behind_a_symbolic_link_is_read_where_the_link_leads_inside_the_image() {
    let rootfs = Rootfs::new();
    // `..` past the root stays at the root, as in a chroot.
    rootfs
        .file("/usr/share/base/passwd", "svc:x:0:0::/:/bin/sh\n", 0o644)
        .link("/etc/passwd", "../../../../../usr/share/base/passwd");
    let findings = check(&rootfs, &with_user("svc"));
    let evidence = &finding(&findings, "TG-CFG-001").unwrap().evidence;
    assert_eq!(evidence[1].path.as_deref(), Some("/usr/share/base/passwd"));
}

#[test]
fn a_user_or_group_the_image_does_not_define_is_reported_apart() {
    let rootfs = Rootfs::new();
    rootfs
        .file("/etc/passwd", PASSWD, 0o644)
        .file("/etc/group", GROUP, 0o644);
    let findings = check(&rootfs, &with_user("ghost:nogroup"));
    assert!(finding(&findings, "TG-CFG-001").is_none());
    let unknown = finding(&findings, "TG-CFG-002").unwrap();
    assert_eq!(unknown.severity, Severity::Low);
    assert_eq!(
        details(&findings, "TG-CFG-002"),
        [
            "USER \"ghost:nogroup\": no user `ghost` in /etc/passwd",
            "USER \"ghost:nogroup\": no group `nogroup` in /etc/group"
        ]
    );
    // Numeric ids need no entry; a name needs a passwd file.
    let empty = Rootfs::new();
    empty.dir("/etc", 0o755);
    assert!(finding(&check(&empty, &with_user("4242:4242")), "TG-CFG-002").is_none());
    assert_eq!(
        details(&check(&empty, &with_user("app")), "TG-CFG-002"),
        ["USER \"app\": the image has no /etc/passwd to find `app` in"]
    );
}

/// A small Alpine-like system: busybox and its applets, apk, and tools.
fn tools_rootfs() -> Rootfs {
    let rootfs = Rootfs::new();
    rootfs
        .file("/bin/busybox", "\x7fELF busybox", 0o755)
        .link("/bin/sh", "/bin/busybox")
        .link("/bin/ash", "busybox")
        .link("/usr/bin/nc", "../../bin/busybox")
        .file("/sbin/apk", "\x7fELF apk", 0o755)
        .file("/usr/bin/gcc-12", "\x7fELF gcc", 0o755)
        .link("/usr/bin/gcc", "gcc-12")
        .file("/usr/bin/strace", "\x7fELF strace", 0o755)
        .file("/usr/local/bin/pip3.11", "#!/usr/bin/python3\n", 0o755)
        // Not programs: not executable, a directory, a link to nothing, outside PATH.
        .file("/usr/bin/zsh", "not executable", 0o644)
        .dir("/usr/share/doc/bash", 0o755)
        .link("/usr/bin/ksh", "/nonexistent/ksh")
        .file("/opt/tools/bash", "\x7fELF bash", 0o755);
    for applet in 0..25 {
        rootfs.link(&format!("/usr/bin/applet{applet}"), "/bin/busybox");
    }
    rootfs
}

#[test]
fn shells_package_managers_and_tools_are_found_through_their_links() {
    let rootfs = tools_rootfs();
    let findings = check(&rootfs, r#"{"config": {"User": "1000"}}"#);
    assert_eq!(
        paths(&findings, "TG-CFG-003"),
        [(
            "/bin/busybox".to_owned(),
            "busybox (run as ash, sh); a multi-call binary: 29 program names lead to it".to_owned()
        )]
    );
    assert_eq!(
        paths(&findings, "TG-CFG-004"),
        [
            ("/sbin/apk".to_owned(), "apk".to_owned()),
            ("/usr/local/bin/pip3.11".to_owned(), "pip3.11".to_owned())
        ]
    );
    assert_eq!(
        paths(&findings, "TG-CFG-005"),
        [
            (
                "/bin/busybox".to_owned(),
                "busybox (run as nc); a multi-call binary: 29 program names lead to it".to_owned()
            ),
            (
                "/usr/bin/gcc-12".to_owned(),
                "gcc-12 (run as gcc)".to_owned()
            ),
            ("/usr/bin/strace".to_owned(), "strace".to_owned())
        ]
    );
    assert_eq!(
        finding(&findings, "TG-CFG-005").unwrap().severity,
        Severity::Medium
    );

    // A directory on the config's PATH is searched too.
    let with_path = check(
        &rootfs,
        r#"{"config": {"User": "1000", "Env": ["PATH=/opt/tools:/usr/bin"]}}"#,
    );
    let shells: Vec<String> = paths(&with_path, "TG-CFG-003")
        .into_iter()
        .map(|(path, _)| path)
        .collect();
    assert_eq!(shells, ["/bin/busybox", "/opt/tools/bash"]);
}

#[test]
fn merged_usr_names_lead_to_one_file() {
    let rootfs = Rootfs::new();
    rootfs
        .file("/usr/bin/dash", "\x7fELF dash", 0o755)
        .link("/usr/bin/sh", "dash")
        .link("/bin", "usr/bin")
        .link("/sbin", "usr/sbin")
        .file("/usr/bin/dpkg", "\x7fELF dpkg", 0o755);
    let findings = check(&rootfs, &with_user("1000"));
    assert_eq!(
        paths(&findings, "TG-CFG-003"),
        [("/usr/bin/dash".to_owned(), "dash (run as sh)".to_owned())]
    );
    assert_eq!(
        paths(&findings, "TG-CFG-004"),
        [("/usr/bin/dpkg".to_owned(), "dpkg".to_owned())]
    );
}

#[test]
fn setuid_and_setgid_files_but_not_directories() {
    let rootfs = Rootfs::new();
    rootfs
        .file("/usr/bin/su", "su", 0o4755)
        .file("/usr/bin/wall", "wall", 0o2755)
        .file("/usr/bin/both", "both", 0o6755)
        .file("/usr/bin/plain", "plain", 0o755)
        .dir("/var/mail", 0o2775);
    let findings = check(&rootfs, &with_user("1000"));
    assert_eq!(
        paths(&findings, "TG-CFG-006"),
        [
            (
                "/usr/bin/both".to_owned(),
                "setuid and setgid, mode 6755".to_owned()
            ),
            ("/usr/bin/su".to_owned(), "setuid, mode 4755".to_owned()),
            ("/usr/bin/wall".to_owned(), "setgid, mode 2755".to_owned()),
        ]
    );
    let evidence = &finding(&findings, "TG-CFG-006").unwrap().evidence[0];
    // A root filesystem is one layer without a digest.
    assert_eq!(
        (evidence.layer_index, evidence.layer.as_ref()),
        (Some(0), None)
    );
}

#[test]
fn world_writable_paths_except_sticky_directories_and_links() {
    let rootfs = Rootfs::new();
    rootfs
        .dir("/tmp", 0o1777)
        .dir("/data", 0o777)
        .dir("/srv/drop", 0o733)
        .file("/var/log/app.log", "", 0o666)
        .file("/etc/app.conf", "", 0o644)
        .link("/etc/alias", "app.conf");
    let findings = check(&rootfs, &with_user("1000"));
    assert_eq!(
        paths(&findings, "TG-CFG-007"),
        [
            (
                "/data".to_owned(),
                "directory, mode 0777, without the sticky bit".to_owned()
            ),
            (
                "/srv/drop".to_owned(),
                "directory, mode 0733, without the sticky bit".to_owned()
            ),
            ("/var/log/app.log".to_owned(), "file, mode 0666".to_owned()),
        ]
    );
}

#[test]
fn many_files_are_listed_up_to_a_cap() {
    let rootfs = Rootfs::new();
    for i in 0..130 {
        rootfs.file(&format!("/shared/f{i:03}"), "", 0o666);
    }
    let findings = check(&rootfs, &with_user("1000"));
    let evidence = &finding(&findings, "TG-CFG-007").unwrap().evidence;
    assert_eq!(evidence.len(), 100);
    assert_eq!(evidence[99].detail, "… and 31 more");
}

#[test]
fn healthcheck_absent_or_disabled() {
    let rootfs = Rootfs::new();
    let scanned = rootfs.scan();
    let run = |config: &str| scanned.findings_with(Some(config), today());
    assert_eq!(
        details(&run(r#"{"config": {}}"#), "TG-CFG-008"),
        ["config.Healthcheck is absent"]
    );
    assert_eq!(
        details(
            &run(r#"{"config": {"Healthcheck": {"Test": ["NONE"]}}}"#),
            "TG-CFG-008"
        ),
        ["HEALTHCHECK NONE disables the healthcheck"]
    );
    let checked = run(
        r#"{"config": {"Healthcheck": {"Test": ["CMD", "/app", "--health"], "Interval": 30000000000}}}"#,
    );
    assert!(finding(&checked, "TG-CFG-008").is_none());
    // No config, nothing to say.
    assert!(finding(&scanned.findings_with(None, today()), "TG-CFG-008").is_none());
}

#[test]
fn sensitive_exposed_ports() {
    let rootfs = Rootfs::new();
    let findings = check(
        &rootfs,
        r#"{"config": {"ExposedPorts": {"22/tcp": {}, "8080/tcp": {}, "6000-6500/tcp": {}, "53/udp": {}}}}"#,
    );
    assert_eq!(
        details(&findings, "TG-CFG-009"),
        [
            "22/tcp: 22 is SSH, a remote shell: containers are entered with exec, not sshd",
            "6000-6500/tcp: 6379 is Redis, no authentication by default; commands can write files",
        ]
    );
    let quiet = check(
        &rootfs,
        r#"{"config": {"ExposedPorts": {"8080/tcp": {}, "5432/tcp": {}}}}"#,
    );
    assert!(finding(&quiet, "TG-CFG-009").is_none());
}

#[test]
fn secrets_in_env_and_labels_are_reported_redacted() {
    let rootfs = Rootfs::new();
    let findings = check(
        &rootfs,
        r#"{"config": {
            "Env": [
                "PATH=/usr/bin",
                "DB_PASSWORD=hunter2",
                "POSTGRES_PASSWORD_FILE=/run/secrets/pg",
                "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE",
                "TOKENIZERS_PARALLELISM=false",
                "REPO=https://bot:s3cr3t@git.example.com/r.git",
                "GITHUB_TOKEN="
            ],
            "Labels": {
                "org.opencontainers.image.source": "https://github.com/o/r",
                "deploy.token": "glpat-abcdefghijklmnopqrst"
            }
        }}"#,
    );
    assert_eq!(
        details(&findings, "TG-CFG-010"),
        [
            "DB_PASSWORD=**** (secret-named variable)",
            "AWS_ACCESS_KEY_ID=**** (AWS access key id)",
            "REPO=https://bot:****@git.example.com/r.git (password in URL)",
        ]
    );
    assert_eq!(
        details(&findings, "TG-CFG-011"),
        ["deploy.token=**** (GitLab token, secret-named variable)"]
    );
    let json = serde_json::to_string(&findings).unwrap();
    for secret in ["hunter2", "AKIAIOSFODNN7EXAMPLE", "s3cr3t", "glpat-abc"] {
        assert!(!json.contains(secret), "{secret} leaked: {json}");
    }
    assert_eq!(
        finding(&findings, "TG-CFG-010").unwrap().severity,
        Severity::High
    );
}

fn with_history(commands: &[&str]) -> String {
    let history: Vec<serde_json::Value> = commands
        .iter()
        .enumerate()
        .map(|(i, command)| serde_json::json!({"created_by": command, "empty_layer": i % 2 == 1}))
        .collect();
    serde_json::json!({"config": {"User": "1000"}, "history": history}).to_string()
}

#[test]
fn build_history_secrets_downloads_and_permissions() {
    let rootfs = Rootfs::new();
    let findings = check(
        &rootfs,
        &with_history(&[
            "/bin/sh -c #(nop) ADD file:7f65f8 in / ",
            "|1 NPM_TOKEN=npm_abcdefghijklmnopqrstuvwxyz0123456789 /bin/sh -c npm ci",
            "/bin/sh -c #(nop) ADD https://example.com/tool.tgz /opt/",
            "ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/pinned.tgz /opt/ # buildkit",
            "RUN /bin/sh -c curl -fsSL https://get.example.com | sh",
            "RUN /bin/sh -c wget --no-check-certificate -qO- https://x.example/i.sh | sudo -E bash -s",
            "RUN /bin/sh -c chmod -R 777 /app && chmod 1777 /scratch",
            "RUN /bin/sh -c apk add --allow-untrusted /tmp/x.apk && curl -k https://x/y -o y",
            "RUN /bin/sh -c echo $TOKEN | docker login --password-stdin && curl -fsSLO https://x/y",
        ]),
    );
    let secrets = finding(&findings, "TG-CFG-012").unwrap();
    assert_eq!(secrets.evidence.len(), 1);
    assert_eq!(
        secrets.evidence[0].field.as_deref(),
        Some("history[1].created_by")
    );
    assert_eq!(
        secrets.evidence[0].detail,
        "|1 NPM_TOKEN=**** /bin/sh -c npm ci (npm token, secret-named variable)"
    );
    // An empty-layer entry names no layer; entry 0 made layer 0, entry 2 layer 1.
    assert_eq!(secrets.evidence[0].layer_index, None);

    let fields = |id: &str| -> Vec<String> {
        finding(&findings, id).map_or_else(Vec::new, |f| {
            f.evidence.iter().filter_map(|e| e.field.clone()).collect()
        })
    };
    assert_eq!(fields("TG-CFG-013"), ["history[2].created_by"]);
    assert_eq!(
        finding(&findings, "TG-CFG-013").unwrap().evidence[0].layer_index,
        Some(1)
    );
    assert_eq!(
        fields("TG-CFG-014"),
        ["history[4].created_by", "history[5].created_by"]
    );
    assert_eq!(
        fields("TG-CFG-015"),
        ["history[5].created_by", "history[7].created_by"]
    );
    assert_eq!(
        details(&findings, "TG-CFG-015")[1],
        "RUN /bin/sh -c apk add --allow-untrusted /tmp/x.apk && curl -k https://x/y -o y \
         (curl -k/--insecure, apk --allow-untrusted)"
    );
    assert_eq!(fields("TG-CFG-016"), ["history[6].created_by"]);
    assert!(
        !serde_json::to_string(&findings)
            .unwrap()
            .contains("npm_abcdef")
    );
}

#[test]
fn ordinary_history_has_nothing_to_say() {
    let rootfs = Rootfs::new();
    let findings = check(
        &rootfs,
        &with_history(&[
            "/bin/sh -c #(nop) ADD file:7f65f8 in / ",
            "|1 DEBIAN_FRONTEND=noninteractive /bin/sh -c apt-get update && apt-get install -y curl",
            "RUN /bin/sh -c curl -fsSLo /tmp/x.sh https://x/x.sh && sha256sum -c x.sha && sh /tmp/x.sh",
            "RUN /bin/sh -c chmod 0755 /app && chmod u+x /app/run && chmod o-w /data",
            "ENV POSTGRES_PASSWORD_FILE=/run/secrets/pg",
            "COPY --chmod=644 . /app # buildkit",
        ]),
    );
    for id in [
        "TG-CFG-012",
        "TG-CFG-013",
        "TG-CFG-014",
        "TG-CFG-015",
        "TG-CFG-016",
    ] {
        assert!(finding(&findings, id).is_none(), "{id}: {findings:?}");
    }
}

fn os_release(id: &str, version_id: &str, pretty: &str) -> String {
    format!("ID={id}\nVERSION_ID=\"{version_id}\"\nPRETTY_NAME=\"{pretty}\"\n")
}

#[test]
fn end_of_life_and_long_term_support_are_judged_on_the_given_day() {
    let alpine = Rootfs::new();
    alpine
        .file(
            "/usr/lib/os-release",
            &os_release("alpine", "3.18.0", "Alpine Linux v3.18"),
            0o644,
        )
        .link("/etc/os-release", "../usr/lib/os-release")
        .file("/etc/alpine-release", "3.18.0\n", 0o644);
    let scanned = alpine.scan();
    let on = |y, m, d| scanned.findings_with(Some("{}"), Date::new(y, m, d).unwrap());
    assert!(finding(&on(2025, 5, 9), "TG-CFG-017").is_none());
    let eol = on(2025, 5, 10);
    let evidence = &finding(&eol, "TG-CFG-017").unwrap().evidence[0];
    assert_eq!(evidence.path.as_deref(), Some("/usr/lib/os-release"));
    assert_eq!(
        evidence.detail,
        "Alpine 3.18: security support ended 2025-05-09 (source: https://alpinelinux.org/releases/)"
    );

    let debian = Rootfs::new();
    debian.file(
        "/etc/os-release",
        &os_release("debian", "12", "Debian GNU/Linux 12 (bookworm)"),
        0o644,
    );
    let scanned = debian.scan();
    let on = |y, m, d| {
        let findings = scanned.findings_with(Some("{}"), Date::new(y, m, d).unwrap());
        ids(&findings)
            .into_iter()
            .filter(|id| ["TG-CFG-017", "TG-CFG-018"].contains(id))
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    assert_eq!(on(2026, 6, 10), Vec::<String>::new());
    assert_eq!(on(2026, 6, 11), ["TG-CFG-018"]);
    assert_eq!(on(2028, 6, 30), ["TG-CFG-018"]);
    assert_eq!(on(2028, 7, 1), ["TG-CFG-017"]);

    // Older than anything in the table of its family.
    let old = Rootfs::new();
    old.file(
        "/etc/os-release",
        &os_release("debian", "6", "Debian GNU/Linux 6.0 (squeeze)"),
        0o644,
    );
    let findings = old.scan().findings_with(Some("{}"), today());
    assert!(details(&findings, "TG-CFG-017")[0].starts_with(
        "debian 6 is older than Debian 7 (wheezy), whose security support ended 2018-05-31"
    ));
}

#[test]
fn image_age_from_created_but_not_from_placeholder_dates() {
    let rootfs = Rootfs::new();
    let scanned = rootfs.scan();
    let created = |date: &str| {
        let config = format!(r#"{{"created": "{date}", "config": {{}}}}"#);
        details(&scanned.findings_with(Some(&config), today()), "TG-CFG-019")
    };
    assert_eq!(
        created("2024-01-02T03:04:05Z"),
        ["created 2024-01-02, 34 months before 2026-11-23"]
    );
    assert!(created("2025-11-23T00:00:00Z").is_empty());
    assert_eq!(created("2025-11-22T23:59:59Z").len(), 1);
    // Reproducible builds (distroless, ko, Bazel) write the epoch; a bad date says nothing.
    assert!(created("1970-01-01T00:00:00Z").is_empty());
    assert!(created("not a date").is_empty());
    // Built "after" today (a clock ahead): not old.
    assert!(created("2027-01-01T00:00:00Z").is_empty());
}

fn dpkg_status(packages: usize) -> String {
    (0..packages)
        .map(|i| {
            format!(
                "Package: pkg{i}\nStatus: install ok installed\nVersion: 1.0-{i}\nArchitecture: amd64\n\n"
            )
        })
        .collect()
}

#[test]
fn a_minimal_base_hint_above_forty_os_packages() {
    let rootfs = Rootfs::new();
    rootfs
        .file(
            "/etc/os-release",
            &os_release("debian", "13", "Debian GNU/Linux 13 (trixie)"),
            0o644,
        )
        .file("/var/lib/dpkg/status", &dpkg_status(41), 0o644);
    let findings = check(&rootfs, "{}");
    let detail = &details(&findings, "TG-CFG-020")[0];
    assert!(
        detail.starts_with("Debian GNU/Linux 13 (trixie): 41 deb OS packages, 0.0 MiB in 2 files"),
        "{detail}"
    );
    let small = Rootfs::new();
    small.file("/var/lib/dpkg/status", &dpkg_status(40), 0o644);
    assert!(finding(&check(&small, "{}"), "TG-CFG-020").is_none());
}

#[test]
fn rules_are_disabled_and_re_rated_per_run_and_findings_sorted() {
    let rootfs = tools_rootfs();
    let scanned = rootfs.scan();
    let mut context = scanned.context(today());
    context.config = Some(
        tollgate_checks::config::ImageConfig::from_json(br#"{"config": {"User": "root"}}"#)
            .unwrap(),
    );
    let all = check_image(&context, &RuleOverrides::default());
    // The root filesystem has no /etc/passwd, so `USER root` cannot be resolved either
    // (runc refuses a non-numeric user without a passwd entry): TG-CFG-002 too.
    assert_eq!(
        ids(&all),
        [
            "TG-CFG-001",
            "TG-CFG-005",
            "TG-CFG-002",
            "TG-CFG-003",
            "TG-CFG-004",
            "TG-CFG-008"
        ]
    );
    let mut overrides = RuleOverrides::default();
    overrides.disabled.insert("TG-CFG-001".to_owned());
    overrides
        .severity
        .insert("TG-CFG-003".to_owned(), Severity::Critical);
    let chosen = check_image(&context, &overrides);
    assert_eq!(
        ids(&chosen),
        [
            "TG-CFG-003",
            "TG-CFG-005",
            "TG-CFG-002",
            "TG-CFG-004",
            "TG-CFG-008"
        ]
    );
    assert_eq!(chosen[0].severity, Severity::Critical);
    assert_eq!(chosen[0].remedy, rule_remedy("TG-CFG-003").unwrap());
    // Every rule can be disabled.
    let none = RuleOverrides {
        disabled: rules().map(|(id, _, _)| id.to_owned()).collect(),
        ..RuleOverrides::default()
    };
    assert!(check_image(&context, &none).is_empty());
}

#[test]
fn the_rule_list_for_documentation() {
    let listed: Vec<(&str, Severity)> = rules().map(|(id, severity, _)| (id, severity)).collect();
    assert_eq!(
        listed,
        [
            ("TG-CFG-001", Severity::High),
            ("TG-CFG-002", Severity::Low),
            ("TG-CFG-003", Severity::Low),
            ("TG-CFG-004", Severity::Low),
            ("TG-CFG-005", Severity::Medium),
            ("TG-CFG-006", Severity::Medium),
            ("TG-CFG-007", Severity::Medium),
            ("TG-CFG-008", Severity::Low),
            ("TG-CFG-009", Severity::Medium),
            ("TG-CFG-010", Severity::High),
            ("TG-CFG-011", Severity::High),
            ("TG-CFG-012", Severity::High),
            ("TG-CFG-013", Severity::Medium),
            ("TG-CFG-014", Severity::Medium),
            ("TG-CFG-015", Severity::Medium),
            ("TG-CFG-016", Severity::Low),
            ("TG-CFG-017", Severity::High),
            ("TG-CFG-018", Severity::Low),
            ("TG-CFG-019", Severity::Low),
            ("TG-CFG-020", Severity::Low),
        ]
    );
}
