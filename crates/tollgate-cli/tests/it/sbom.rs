//! `tollgate sbom`: formats, files written whole or not at all, reproducible output.

use crate::tollgate;

#[test]
fn sbom_example_table() {
    let output = tollgate(&["sbom", "oci:examples/images/alpine-3.18:1.0"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    insta::assert_snapshot!(String::from_utf8(output.stdout).unwrap());
}

#[test]
fn sbom_formats_are_complete_and_reproducible() {
    let work = tempfile::tempdir().unwrap();
    for (format, count_key) in [
        ("cyclonedx-json", "components"),
        ("spdx-json", "packages"),
        ("json", "packages"),
    ] {
        let first = work.path().join(format!("first.{format}"));
        let second = work.path().join(format!("second.{format}"));
        for path in [&first, &second] {
            let output = tollgate(&[
                "sbom",
                "-q",
                "-f",
                format,
                "-o",
                path.to_str().unwrap(),
                "examples/images/alpine-3.18",
            ]);
            assert!(
                output.status.success(),
                "{}",
                String::from_utf8_lossy(&output.stderr)
            );
            assert!(output.stdout.is_empty());
        }
        let bytes = fs_err::read(&first).unwrap();
        assert_eq!(
            bytes,
            fs_err::read(&second).unwrap(),
            "{format} output must be byte-identical"
        );
        let document: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        let listed = document[count_key].as_array().unwrap();
        // 15 apk packages; the SBOM formats also list the OS (and SPDX the image itself).
        let expected = match format {
            "cyclonedx-json" => 16,
            "spdx-json" => 17,
            _ => 15,
        };
        assert_eq!(listed.len(), expected, "{format}");
    }
    let json: serde_json::Value =
        serde_json::from_slice(&fs_err::read(work.path().join("first.json")).unwrap()).unwrap();
    assert_eq!(json["schema"], "tollgate.sbom/v1");
    assert_eq!(json["os"]["family"], "alpine");
    let musl = json["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "musl")
        .unwrap();
    assert_eq!(
        musl["purl"],
        "pkg:apk/alpine/musl@1.2.4-r0?arch=x86_64&distro=3.18.0"
    );
    assert_eq!(musl["path"], "/lib/apk/db/installed");
}

#[test]
fn failed_sbom_writes_no_file() {
    let work = tempfile::tempdir().unwrap();
    let target = work.path().join("out.json");
    let output = tollgate(&[
        "sbom",
        "-f",
        "json",
        "-o",
        target.to_str().unwrap(),
        "oci:examples/images/alpine-3.18:nope",
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(!target.exists());
    assert_eq!(
        fs_err::read_dir(work.path()).unwrap().count(),
        0,
        "no temporary file left behind"
    );
}
