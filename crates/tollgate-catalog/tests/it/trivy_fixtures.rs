//! Every case of ../shared/fixtures/trivy (real package-database files from Trivy's and
//! go-rpmdb's test suites) placed where it lives in an image, in an otherwise empty root
//! filesystem, and inventoried as a `rootfs:` target: the selectors must find it at its real
//! path, and the packages found must be the expected ones.
//!
//! The placement comes from the fixtures' README table (fixture → path in image), so a new case
//! there is a failing test here until its expectation is written down.

use std::collections::BTreeMap;
use std::path::Path;

use tollgate_catalog::{Inventory, inventory};
use tollgate_oci::{Image, OpenOptions, Target};
use tollgate_test::shared_or_skip;

/// (case, fixture path under fixtures/trivy, path in the image), from the README's table.
fn placements(readme: &str) -> Vec<(String, String, String)> {
    let mut rows = Vec::new();
    let mut case = String::new();
    for line in readme.lines().filter(|line| line.starts_with("| ")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let [_, name, fixture, in_image, ..] = cells[..] else {
            continue;
        };
        let (Some(fixture), Some(in_image)) = (unquote(fixture), unquote(in_image)) else {
            continue;
        };
        if !name.is_empty() {
            name.clone_into(&mut case);
        }
        rows.push((case.clone(), fixture.to_owned(), in_image.to_owned()));
    }
    rows
}

fn unquote(cell: &str) -> Option<&str> {
    cell.strip_prefix('`')?.strip_suffix('`')
}

fn copy_tree(from: &Path, to: &Path) {
    if from.is_dir() {
        fs_err::create_dir_all(to).unwrap();
        for entry in fs_err::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            copy_tree(&entry.path(), &to.join(entry.file_name()));
        }
    } else {
        fs_err::create_dir_all(to.parent().unwrap()).unwrap();
        fs_err::copy(from, to).unwrap();
    }
}

/// What one case yields: "ecosystem name@version" sorted, and the number of unknowns.
fn outcome(inventory: &Inventory) -> (Vec<String>, usize) {
    let mut found: Vec<String> = inventory
        .packages
        .iter()
        .map(|p| {
            let name = match &p.namespace {
                Some(namespace) => format!("{namespace}/{}", p.name),
                None => p.name.clone(),
            };
            format!("{} {name}@{}", p.ecosystem, p.version)
        })
        .collect();
    found.sort();
    (found, inventory.unknowns.len())
}

/// Per case: how many packages, a few of them that must be there, and how many unknowns (the
/// negative cases and the deliberately damaged ones are unknowns, never silently nothing).
struct Expected {
    count: usize,
    some: &'static [&'static str],
    unknowns: usize,
}

const fn expect(count: usize, some: &'static [&'static str], unknowns: usize) -> Expected {
    Expected {
        count,
        some,
        unknowns,
    }
}

fn expectations() -> BTreeMap<&'static str, Expected> {
    BTreeMap::from([
        (
            "apk/installed",
            expect(
                15,
                &[
                    "apk ada-libs@2.7.4-r0",
                    "apk libssl1.0@1.0.2h-r1",
                    "apk zlib@1.2.8-r2",
                ],
                0,
            ),
        ),
        (
            "apk/installed-usr-lib",
            expect(
                15,
                &[
                    "apk ada-libs@2.7.4-r0",
                    "apk libssl1.0@1.0.2h-r1",
                    "apk zlib@1.2.8-r2",
                ],
                0,
            ),
        ),
        (
            "cargo/happy",
            expect(
                12,
                &[
                    "cargo aho-corasick@0.7.20",
                    "cargo regex-syntax@0.6.29",
                    "cargo winapi@0.3.9",
                ],
                0,
            ),
        ),
        (
            "cargo/lock-mixed",
            expect(
                8,
                &[
                    "cargo idna@0.1.5",
                    "cargo percent-encoding@1.0.1",
                    "cargo url@1.7.2",
                ],
                0,
            ),
        ),
        (
            "cargo/lock-normal",
            expect(
                8,
                &[
                    "cargo idna@0.1.5",
                    "cargo percent-encoding@1.0.1",
                    "cargo url@1.7.2",
                ],
                0,
            ),
        ),
        (
            "cargo/lock-v3",
            expect(
                9,
                &[
                    "cargo aho-corasick@0.7.20",
                    "cargo memchr@2.5.0",
                    "cargo ucd-util@0.1.10",
                ],
                0,
            ),
        ),
        (
            "dpkg/corrupsed",
            expect(
                4,
                &[
                    "deb libgcc1@1:5.1.1-12ubuntu1",
                    "deb libpam-runtime@1.1.8-3.1ubuntu3",
                    "deb makedev@2.3.1-93ubuntu1",
                ],
                0,
            ),
        ),
        (
            "dpkg/digest",
            expect(2, &["deb sed@4.4-2", "deb tar@1.34+dfsg-1"], 0),
        ),
        ("dpkg/md5sums", expect(1, &["deb tar@1.29b-2"], 0)),
        ("dpkg/only-apt", expect(1, &["deb apt@1.6.3ubuntu0.1"], 0)),
        (
            "dpkg/status-d",
            expect(2, &["deb sed@4.4-2", "deb tar@1.34+dfsg-1"], 0),
        ),
        (
            "dpkg/third-party",
            expect(
                2,
                &[
                    "deb apt@1.6.3ubuntu0.1",
                    "deb docker-ce@5:20.10.7~3-0~debian-buster",
                ],
                0,
            ),
        ),
        (
            "dpkg/valid",
            expect(
                90,
                &[
                    "deb adduser@3.116ubuntu1",
                    "deb liblz4-1@0.0~r131-2ubuntu3",
                    "deb zlib1g@1:1.2.11.dfsg-0ubuntu2",
                ],
                0,
            ),
        ),
        (
            "gobinary/goexperiment",
            expect(1, &["golang stdlib@v1.22.1"], 0),
        ),
        (
            "gobinary/main-version-via-ldflags",
            expect(
                2,
                &[
                    "golang github.com/aquasecurity/test@v1.0.0",
                    "golang stdlib@v1.22.1",
                ],
                0,
            ),
        ),
        (
            "gobinary/test-elf",
            expect(
                5,
                &[
                    "golang github.com/aquasecurity/go-pep440-version@v0.0.0-20210121094942-22b2f8951d46",
                    "golang github.com/aquasecurity/test@",
                    "golang stdlib@v1.15.2",
                ],
                0,
            ),
        ),
        ("node-pkg/lodash", expect(1, &["npm lodash@5.0.0"], 0)),
        (
            "npm/happy",
            expect(
                8,
                &[
                    "npm @babel/parser@7.23.6",
                    "npm express@4.16.4",
                    "npm ms@2.1.1",
                ],
                0,
            ),
        ),
        (
            "npm/lock-v1",
            expect(
                29,
                &[
                    "npm @babel/helper-string-parser@7.19.4",
                    "npm media-typer@0.3.0",
                    "npm unpipe@1.0.0",
                ],
                0,
            ),
        ),
        (
            "npm/lock-v2",
            expect(
                29,
                &[
                    "npm @babel/helper-string-parser@7.19.4",
                    "npm media-typer@0.3.0",
                    "npm unpipe@1.0.0",
                ],
                0,
            ),
        ),
        (
            "npm/lock-v3",
            expect(
                29,
                &[
                    "npm @babel/helper-string-parser@7.19.4",
                    "npm media-typer@0.3.0",
                    "npm unpipe@1.0.0",
                ],
                0,
            ),
        ),
        (
            "npm/lock-v3-peer",
            expect(
                5,
                &[
                    "npm lodash@4.17.21",
                    "npm triple-beam@1.4.1",
                    "npm winston@3.17.0",
                ],
                0,
            ),
        ),
        (
            "npm/lock-v3-same-dev-and-non-dev",
            expect(1, &["npm minimist@0.0.8"], 0),
        ),
        (
            "npm/lock-v3-workspace",
            expect(
                5,
                &["npm debug@2.5.2", "npm ms@0.7.2", "npm nested_func@1.0.0"],
                0,
            ),
        ),
        ("npm/no-node-modules", expect(1, &["npm ms@2.1.1"], 0)),
        ("pnpm/happy", expect(1, &["npm ms@2.1.3"], 0)),
        ("pnpm/happy-v9", expect(1, &["npm vue-router@4.5.1"], 0)),
        (
            "pnpm/lock-v5",
            expect(
                3,
                &["npm asap@2.0.6", "npm jquery@3.6.0", "npm promise@8.1.0"],
                0,
            ),
        ),
        (
            "pnpm/lock-v6",
            expect(
                3,
                &["npm asap@2.0.6", "npm jquery@3.6.0", "npm promise@8.1.0"],
                0,
            ),
        ),
        (
            "pnpm/lock-v6-with-dev",
            expect(
                6,
                &[
                    "npm @babel/runtime@7.22.3",
                    "npm react@18.1.0",
                    "npm regenerator-runtime@0.13.11",
                ],
                0,
            ),
        ),
        (
            "pnpm/lock-v9",
            expect(
                18,
                &[
                    "npm @babel/helper-string-parser@7.24.1",
                    "npm is-negative@2.0.1",
                    "npm unpipe@1.0.0",
                ],
                0,
            ),
        ),
        (
            "pnpm/no-node-modules",
            expect(
                6,
                &[
                    "npm @babel/helper-string-parser@7.24.7",
                    "npm @babel/types@7.24.7",
                    "npm to-fast-properties@2.0.0",
                ],
                0,
            ),
        ),
        (
            "python-pkg/asyncssh-dist",
            expect(1, &["pypi asyncssh@2.14.2"], 0),
        ),
        (
            "python-pkg/classifier-license-dist",
            expect(1, &["pypi setuptools@51.3.3"], 0),
        ),
        (
            "python-pkg/classifier-license-egg",
            expect(1, &["pypi setuptools@51.3.3"], 0),
        ),
        (
            "python-pkg/distlib-dist",
            expect(1, &["pypi distlib@0.3.1"], 0),
        ),
        (
            "python-pkg/distlib-egg-info-file",
            expect(1, &["pypi distlib@0.3.1"], 0),
        ),
        ("python-pkg/egg-zip", expect(1, &["pypi kitchen@1.2.6"], 0)),
        (
            "python-pkg/egg-zip-with-license-file",
            expect(1, &["pypi sample_package@0.1"], 0),
        ),
        (
            "python-pkg/happy-dist",
            expect(1, &["pypi distlib@0.3.1"], 0),
        ),
        (
            "python-pkg/happy-egg",
            expect(1, &["pypi distlib@0.3.1"], 0),
        ),
        (
            "python-pkg/iniconfig-dist",
            expect(1, &["pypi iniconfig@2.0.0"], 0),
        ),
        (
            "python-pkg/license-file-dist",
            expect(1, &["pypi typing_extensions@4.4.0"], 0),
        ),
        (
            "python-pkg/networkx-dist",
            expect(1, &["pypi networkx@3.0"], 0),
        ),
        (
            "python-pkg/pyphen-dist",
            expect(1, &["pypi pyphen@0.14.0"], 0),
        ),
        (
            "python-pkg/setuptools-egg-info",
            expect(1, &["pypi setuptools@51.3.3"], 0),
        ),
        (
            "python-pkg/simple-dist",
            expect(1, &["pypi simple@0.1.0"], 0),
        ),
        (
            "python-pkg/unidecode-egg-info",
            expect(1, &["pypi Unidecode@0.4.1"], 0),
        ),
        ("python-pkg/zipp-dist", expect(1, &["pypi zipp@3.12.1"], 0)),
        (
            "rpm/libuuid-bdb",
            expect(1, &["rpm libuuid@2.32.1-42.el8_8"], 0),
        ),
        (
            "rpm/mariner-distroless-manifest",
            expect(
                4,
                &[
                    "rpm ca-certificates-base@1:3.0.0-8.azl3",
                    "rpm glibc@2.35-2.cm2",
                    "rpm mariner-release@2.0-12.cm2",
                ],
                0,
            ),
        ),
        (
            "rpm/mariner2-sqlite",
            expect(
                129,
                &[
                    "rpm audit-libs@3.0.6-1.cm2",
                    "rpm lua@5.3.5-11.cm2",
                    "rpm zstd@1.5.0-1.cm2",
                ],
                0,
            ),
        ),
        (
            "rpm/sle15-bci-ndb",
            expect(
                35,
                &[
                    "rpm bash@4.4-19.6.1",
                    "rpm libgpg-error0@1.29-1.8",
                    "rpm terminfo-base@6.1-5.9.1",
                ],
                0,
            ),
        ),
        (
            "rustbinary/test-elf",
            expect(
                2,
                &[
                    "cargo crate_with_features@0.1.0",
                    "cargo library_crate@0.1.0",
                ],
                0,
            ),
        ),
        (
            "yarn/alias",
            expect(
                7,
                &[
                    "npm @types/jsonstream@0.8.33",
                    "npm debug@4.3.4",
                    "npm undici-types@5.26.5",
                ],
                0,
            ),
        ),
        (
            "yarn/happy",
            expect(
                7,
                &[
                    "npm js-tokens@2.0.0",
                    "npm object-assign@4.1.1",
                    "npm scheduler@0.13.6",
                ],
                0,
            ),
        ),
        (
            "yarn/lock-v1",
            expect(
                18,
                &[
                    "npm @babel/helper-regex@7.4.4",
                    "npm promise@8.0.3",
                    "npm wide-align@1.1.3",
                ],
                0,
            ),
        ),
        (
            "yarn/lock-v2-berry",
            expect(
                16,
                &[
                    "npm @types/color-name@1.1.1",
                    "npm color-name@1.1.3",
                    "npm wrappy@1.0.2",
                ],
                0,
            ),
        ),
        (
            "yarn/monorepo",
            expect(
                11,
                &[
                    "npm is-number@6.0.0",
                    "npm loose-envify@1.4.0",
                    "npm scheduler@0.23.0",
                ],
                0,
            ),
        ),
        (
            "yarn/no-packagejson",
            expect(
                7,
                &[
                    "npm js-tokens@2.0.0",
                    "npm object-assign@4.1.1",
                    "npm scheduler@0.13.6",
                ],
                0,
            ),
        ),
        (
            "composer-vendor/happy",
            expect(
                2,
                &[
                    "composer pear/log@1.13.3",
                    "composer pear/pear_exception@v1.0.2",
                ],
                0,
            ),
        ),
        (
            "composer/with-dev",
            expect(1, &["composer psr/log@1.1.4"], 0),
        ),
        (
            "conda-meta/libgcc-mutex",
            expect(1, &["conda _libgcc_mutex@0.1"], 0),
        ),
        (
            "conda-meta/libgomp",
            expect(1, &["conda libgomp@11.2.0"], 0),
        ),
        ("conda-meta/pip", expect(1, &["conda pip@22.2.2"], 0)),
        (
            "dotnet-deps/datacollector",
            expect(1, &["nuget Newtonsoft.Json@9.0.1"], 0),
        ),
        (
            "dotnet-deps/happy",
            expect(1, &["nuget Newtonsoft.Json@13.0.1"], 0),
        ),
        (
            "dotnet-deps/multi-project",
            expect(1, &["nuget Newtonsoft.Json@13.0.3"], 0),
        ),
        (
            "dotnet-deps/self-contained",
            expect(
                3,
                &[
                    "nuget Microsoft.AspNetCore.App.Runtime.linux-x64@8.0.0",
                    "nuget Microsoft.NETCore.App.Runtime.linux-x64@8.0.0",
                    "nuget Newtonsoft.Json@13.0.1",
                ],
                0,
            ),
        ),
        (
            "dotnet-deps/without-runtime",
            expect(
                3,
                &[
                    "nuget JsonDiffPatch@2.0.61",
                    "nuget Libuv@1.9.1",
                    "nuget System.Collections.Immutable@1.3.0",
                ],
                0,
            ),
        ),
        ("gemspec/license", expect(1, &["gem async@1.25.0"], 0)),
        (
            "gemspec/multiple-licenses",
            expect(1, &["gem test-unit@3.3.7"], 0),
        ),
        ("gemspec/normal00", expect(1, &["gem rake@13.0.3"], 0)),
        ("gemspec/normal01", expect(1, &["gem async@1.25.0"], 0)),
        (
            "jar/duplicate-libraries",
            expect(
                5,
                &[
                    "maven com.fasterxml.jackson.core/jackson-databind@2.12.3",
                    "maven io.quarkus.gizmo/gizmo@1.1",
                    "maven log4j/log4j@1.2.17",
                ],
                0,
            ),
        ),
        (
            "jar/fat-jar",
            expect(
                5,
                &[
                    "maven com.google.guava/failureaccess@1.0.1",
                    "maven com.google.guava/listenablefuture@9999.0-empty-to-avoid-conflict-with-guava",
                    "maven org.apache.hadoop.thirdparty/hadoop-shaded-guava@1.1.0-SNAPSHOT",
                ],
                0,
            ),
        ),
        (
            "jar/gradle-war",
            expect(
                4,
                &[
                    "maven commons-dbcp/commons-dbcp@1.4",
                    "maven log4j/log4j@1.2.17",
                    "maven org.apache.commons/commons-compress@1.19",
                ],
                0,
            ),
        ),
        (
            "jar/maven-war",
            expect(
                8,
                &[
                    "maven com.cronutils/cron-utils@9.1.2",
                    "maven com.fasterxml.jackson.core/jackson-databind@2.9.10.6",
                    "maven org.slf4j/slf4j-api@1.7.30",
                ],
                0,
            ),
        ),
        (
            "jar/nested-jar",
            expect(
                3,
                &[
                    "maven test/nested2@0.0.2",
                    "maven test/nested3@0.0.3",
                    "maven test/nested@0.0.1",
                ],
                0,
            ),
        ),
        (
            "jar/par",
            expect(
                2,
                &[
                    "maven com.example/par-app@3.0.0",
                    "maven com.fasterxml.jackson.core/jackson-core@2.9.10",
                ],
                0,
            ),
        ),
        // Negative cases: a shell script named like a Go binary, an egg without metadata.
        ("gobinary/not-go-binary", expect(0, &[], 0)),
        ("python-pkg/no-req-files-egg", expect(0, &[], 0)),
    ])
}

#[test]
fn every_trivy_fixture_is_cataloged_at_its_image_path() {
    let root = shared_or_skip!("fixtures/trivy");
    let readme = fs_err::read_to_string(root.join("README.md")).unwrap();
    let mut cases: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for (case, fixture, in_image) in placements(&readme) {
        cases.entry(case).or_default().push((fixture, in_image));
    }
    assert!(cases.len() >= 80, "{} cases in the README", cases.len());

    let expectations = expectations();
    let mut report = Vec::new();
    let mut failures = Vec::new();
    for (case, files) in &cases {
        let rootfs = tempfile::tempdir().unwrap();
        for (fixture, in_image) in files {
            let fixture = fixture.trim_end_matches('/');
            let in_image = in_image.trim_start_matches('/').trim_end_matches('/');
            copy_tree(&root.join(fixture), &rootfs.path().join(in_image));
        }
        let target = Target::parse(&format!("rootfs:{}", rootfs.path().display())).unwrap();
        let image = Image::open(&target, &OpenOptions::default()).unwrap();
        let inventory = inventory(&image, None).unwrap();
        let (found, unknowns) = outcome(&inventory);
        report.push(format!(
            "{case}: {} packages, {unknowns} unknowns {found:?}",
            found.len()
        ));
        let Some(expected) = expectations.get(case.as_str()) else {
            failures.push(format!(
                "{case}: no expectation written; found {found:?}, {unknowns} unknowns {:?}",
                inventory.unknowns
            ));
            continue;
        };
        let missing: Vec<&&str> = expected
            .some
            .iter()
            .filter(|want| !found.iter().any(|f| f == *want))
            .collect();
        if found.len() != expected.count || unknowns != expected.unknowns || !missing.is_empty() {
            failures.push(format!(
                "{case}: {} packages (want {}), {unknowns} unknowns (want {}), missing {missing:?}; found {found:?}; unknowns {:?}",
                found.len(),
                expected.count,
                expected.unknowns,
                inventory.unknowns
            ));
        }
    }
    // The whole picture, shown with `--nocapture` when a case changes.
    #[allow(clippy::print_stderr)]
    {
        eprintln!("{}", report.join("\n"));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
