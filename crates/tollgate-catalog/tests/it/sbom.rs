//! The SBOM writers against golden files and the real validators (cyclonedx-python-lib's strict
//! JSON validator, spdx-tools' full document validation), and the readers against Syft.
//!
//! The validators are Python packages: `pip install cyclonedx-python-lib spdx-tools jsonschema`.
//! Without them these tests fail under `CI=true` and skip with a notice otherwise.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use tollgate_catalog::sbom::{self, SbomOptions};
use tollgate_catalog::{Ecosystem, ImageIdentity, Inventory, OsInfo, Package, inventory};
use tollgate_oci::{Digest, Image, OpenOptions, Platform, Target};
use tollgate_test::{shared_or_skip, tool_or_skip};

fn digest(hex_digit: char) -> Digest {
    format!("sha256:{}", hex_digit.to_string().repeat(64))
        .parse()
        .unwrap()
}

/// A small inventory: a deb with its distro and source, pypi, maven with a namespace, scoped npm.
fn small_inventory() -> Inventory {
    Inventory {
        image: ImageIdentity {
            target: "docker://example.com/team/app:1.0".to_owned(),
            name: Some("example.com/team/app".to_owned()),
            tags: vec!["1.0".to_owned()],
            manifest_digest: Some(digest('3')),
            config_digest: Some(digest('4')),
            platform: Some(Platform::new("linux", "amd64", None)),
        },
        os: Some(OsInfo {
            family: "debian".to_owned(),
            version: "12".to_owned(),
            codename: Some("bookworm".to_owned()),
            pretty_name: Some("Debian GNU/Linux 12 (bookworm)".to_owned()),
        }),
        packages: vec![
            Package {
                purl: "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12&upstream=glibc"
                    .to_owned(),
                source_name: Some("glibc".to_owned()),
                source_version: Some("2.36-9+deb12u4".to_owned()),
                arch: Some("amd64".to_owned()),
                licenses: vec!["GPL-2+".to_owned(), "LGPL-2.1+".to_owned()],
                vendor: Some("GNU Libc Maintainers <debian-glibc@lists.debian.org>".to_owned()),
                layer: Some(digest('1')),
                path: "/var/lib/dpkg/status".to_owned(),
                cataloger: "dpkg-db".to_owned(),
                ..Package::new(Ecosystem::Deb, "libc6", "2.36-9+deb12u4")
            },
            Package {
                purl: "pkg:pypi/jinja2@3.1.2".to_owned(),
                licenses: vec!["BSD-3-Clause".to_owned()],
                layer: Some(digest('2')),
                layer_index: 1,
                path: "/usr/lib/python3/dist-packages/Jinja2-3.1.2.dist-info/METADATA".to_owned(),
                cataloger: "python-installed".to_owned(),
                ..Package::new(Ecosystem::Pypi, "Jinja2", "3.1.2")
            },
            Package {
                purl: "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1".to_owned(),
                namespace: Some("org.apache.logging.log4j".to_owned()),
                licenses: vec!["Apache-2.0".to_owned()],
                layer: Some(digest('2')),
                layer_index: 1,
                path: "/app/lib/log4j-core-2.14.1.jar".to_owned(),
                cataloger: "java-archive".to_owned(),
                ..Package::new(Ecosystem::Maven, "log4j-core", "2.14.1")
            },
            Package {
                purl: "pkg:npm/%40babel/core@7.24.0".to_owned(),
                namespace: Some("@babel".to_owned()),
                licenses: vec!["MIT OR Apache-2.0".to_owned()],
                layer: Some(digest('2')),
                layer_index: 1,
                path: "/app/node_modules/@babel/core/package.json".to_owned(),
                cataloger: "npm-package".to_owned(),
                ..Package::new(Ecosystem::Npm, "core", "7.24.0")
            },
        ],
        unknowns: Vec::new(),
    }
}

fn options() -> SbomOptions {
    SbomOptions {
        created: "2024-01-02T03:04:05Z".to_owned(),
        tool_version: "0.1.0".to_owned(),
    }
}

#[test]
fn cyclonedx_golden() {
    insta::assert_json_snapshot!(
        "cyclonedx",
        sbom::to_cyclonedx(&small_inventory(), &options())
    );
}

#[test]
fn spdx_golden() {
    insta::assert_json_snapshot!("spdx", sbom::to_spdx(&small_inventory(), &options()));
}

/// Validate SPDX files with spdx-tools: parse, then the full document validation (ids, license
/// expressions and `LicenseRef-`s, relationships, purls).
const SPDX_VALIDATOR: &str = r#"
import sys
from spdx_tools.spdx.parser.parse_anything import parse_file
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

failed = False
for path in sys.argv[1:]:
    for message in validate_full_spdx_document(parse_file(path)):
        failed = True
        print(f"{path}: {message.validation_message} ({message.context})")
sys.exit(1 if failed else 0)
"#;

/// Write both SBOMs of each inventory into `dir`, returning (cyclonedx files, spdx files).
fn write_sboms(dir: &Path, inventories: &[(&str, Inventory)]) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let mut cyclonedx = Vec::new();
    let mut spdx = Vec::new();
    for (name, inventory) in inventories {
        let path = dir.join(format!("{name}.cdx.json"));
        fs_err::write(&path, sbom::to_cyclonedx(inventory, &options()).to_string()).unwrap();
        cyclonedx.push(path);
        let path = dir.join(format!("{name}.spdx.json"));
        fs_err::write(&path, sbom::to_spdx(inventory, &options()).to_string()).unwrap();
        spdx.push(path);
    }
    (cyclonedx, spdx)
}

/// The inventories of the shared images, as the catalogers make them.
fn shared_inventories(root: &Path) -> Vec<(&'static str, Inventory)> {
    tollgate_test::SHARED_OCI_IMAGES
        .iter()
        .map(|name| {
            let target = Target::parse(&format!("oci:{}:1.0", root.join(name).display())).unwrap();
            let image = Image::open(&target, &OpenOptions::default()).unwrap();
            (*name, inventory(&image, None).unwrap())
        })
        .collect()
}

#[test]
fn cyclonedx_passes_the_cyclonedx_validator() {
    if !tollgate_test::python::module("cyclonedx.validation.json") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (files, _) = write_sboms(dir.path(), &[("small", small_inventory())]);
    tollgate_test::python::validate(tollgate_test::python::CYCLONEDX_1_6_VALIDATOR, &files);
}

#[test]
fn spdx_passes_the_spdx_validator() {
    if !tollgate_test::python::module("spdx_tools.spdx.validation.document_validator") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (_, files) = write_sboms(dir.path(), &[("small", small_inventory())]);
    tollgate_test::python::validate(SPDX_VALIDATOR, &files);
}

/// Packages compared without their licenses, which the readers give back normalised (SPDX ids in
/// canonical case; an SPDX `AND` of several as separate entries), and without their installed
/// files, which the SBOMs do not list (a component per package, as Syft and Trivy write them;
/// the file lists are in `--format json`).
fn without_licenses(packages: &[Package]) -> Vec<Package> {
    packages
        .iter()
        .map(|package| Package {
            licenses: Vec::new(),
            files: Vec::new(),
            ..package.clone()
        })
        .collect()
}

#[test]
fn shared_images_pass_the_validators_and_round_trip() {
    let root = shared_or_skip!("images");
    let cyclonedx_validator = tollgate_test::python::module("cyclonedx.validation.json");
    let spdx_validator =
        tollgate_test::python::module("spdx_tools.spdx.validation.document_validator");
    let inventories = shared_inventories(&root);
    let dir = tempfile::tempdir().unwrap();
    let (cyclonedx_files, spdx_files) = write_sboms(dir.path(), &inventories);

    for (name, inventory) in &inventories {
        for (format, file) in [("cyclonedx", ".cdx.json"), ("spdx", ".spdx.json")] {
            let bytes = fs_err::read(dir.path().join(format!("{name}{file}"))).unwrap();
            let decoded = match format {
                "cyclonedx" => sbom::from_cyclonedx(&bytes).unwrap(),
                _ => sbom::from_spdx(&bytes).unwrap(),
            };
            let (decoded_packages, packages) = (
                without_licenses(&decoded.packages),
                without_licenses(&inventory.packages),
            );
            assert_eq!(decoded_packages.len(), packages.len(), "{name} {format}");
            for (decoded, package) in decoded_packages.iter().zip(&packages) {
                assert_eq!(decoded, package, "{name} {format}");
            }
            let licensed =
                |packages: &[Package]| packages.iter().filter(|p| !p.licenses.is_empty()).count();
            assert_eq!(
                licensed(&decoded.packages),
                licensed(&inventory.packages),
                "{name} {format}"
            );
            assert_eq!(decoded.os, inventory.os, "{name} {format}");
            assert_eq!(decoded.image, inventory.image, "{name} {format}");
            assert!(
                decoded.unknowns.is_empty(),
                "{name} {format}: {:?}",
                decoded.unknowns
            );
            assert_eq!(
                sbom::detect_and_decode(&bytes).unwrap().packages,
                decoded.packages
            );
        }
    }
    if cyclonedx_validator {
        tollgate_test::python::validate(
            tollgate_test::python::CYCLONEDX_1_6_VALIDATOR,
            &cyclonedx_files,
        );
    }
    if spdx_validator {
        tollgate_test::python::validate(SPDX_VALIDATOR, &spdx_files);
    }
}

/// (ecosystem, name, version, source_name, source_version, arch) of packages.tsv.
type Row = [String; 6];

fn ground_truth(root: &Path, image: &str) -> BTreeSet<Row> {
    let text =
        fs_err::read_to_string(root.join("expected").join(image).join("packages.tsv")).unwrap();
    text.lines()
        .skip(1)
        .map(|line| {
            let cells: Vec<String> = line.split('\t').take(6).map(str::to_owned).collect();
            cells.try_into().unwrap()
        })
        .collect()
}

fn row(package: &Package) -> Row {
    [
        package.ecosystem.to_string(),
        package.name.clone(),
        package.version.clone(),
        package.source_name.clone().unwrap_or_default(),
        package.source_version.clone().unwrap_or_default(),
        package.arch.clone().unwrap_or_default(),
    ]
}

fn syft(layout: &Path, format: &str) -> Vec<u8> {
    let output = Command::new("syft")
        .args(["scan", "-q", "-o", format])
        .arg(format!("oci-dir:{}", layout.display()))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "syft {format} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

#[test]
fn syft_sboms_decode_to_the_ground_truth() {
    tool_or_skip!("syft");
    let root = shared_or_skip!("images");
    let layout = root.join("alpine-3.18");
    let want = ground_truth(&root, "alpine-3.18");
    assert_eq!(want.len(), 15);

    let cyclonedx = sbom::from_cyclonedx(&syft(&layout, "cyclonedx-json")).unwrap();
    let spdx = sbom::from_spdx(&syft(&layout, "spdx-json")).unwrap();
    for (format, decoded) in [("cyclonedx", &cyclonedx), ("spdx", &spdx)] {
        let found: Vec<Row> = decoded.packages.iter().map(row).collect();
        assert_eq!(found.len(), 15, "{format}: {found:#?}");
        assert_eq!(found.into_iter().collect::<BTreeSet<_>>(), want, "{format}");
        assert!(
            decoded.unknowns.is_empty(),
            "{format}: {:?}",
            decoded.unknowns
        );
        let os = decoded.os.as_ref().unwrap();
        assert_eq!(
            (os.family.as_str(), os.version.as_str()),
            ("alpine", "3.18.0"),
            "{format}"
        );
        assert_eq!(
            decoded
                .image
                .manifest_digest
                .as_ref()
                .map(ToString::to_string)
                .as_deref(),
            Some("sha256:410a7e9728d3fa2477f5009d8e9f56bd41dadcf7b742f5cda742d9636925756d"),
            "{format}"
        );
        for package in &decoded.packages {
            assert!(package.purl.starts_with("pkg:apk/alpine/"), "{package:?}");
            assert!(!package.licenses.is_empty(), "{package:?}");
        }
    }
    // Only Syft's CycloneDX carries the layer and the file.
    let diff_id = "sha256:6e979814685894533edce205944110ac8c7b69b88376de25280e57c935fc65eb";
    for package in &cyclonedx.packages {
        assert_eq!(package.path, "/lib/apk/db/installed", "{package:?}");
        assert_eq!(
            package.layer.as_ref().map(ToString::to_string).as_deref(),
            Some(diff_id)
        );
        assert_eq!(package.cataloger, "apk-db-cataloger");
    }
}
