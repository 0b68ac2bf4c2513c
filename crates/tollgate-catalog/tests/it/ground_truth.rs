//! The inventory of every shared image equals the ground truth the native tools produced
//! (dpkg-query, rpm, apk's database, pip list): no package missing, none extra, same versions
//! and source fields. See ../shared/images/README.md.

use std::collections::BTreeSet;
use std::path::Path;

use tollgate_catalog::{Ecosystem, Package, inventory};
use tollgate_oci::{Image, OpenOptions, Target};
use tollgate_test::shared_or_skip;

/// (ecosystem, name, version, source_name, source_version, arch, location), as in packages.tsv.
type Row = [String; 7];

fn expected(root: &Path, image: &str) -> BTreeSet<Row> {
    let text =
        fs_err::read_to_string(root.join("expected").join(image).join("packages.tsv")).unwrap();
    text.lines()
        .skip(1)
        .map(|line| {
            let cells: Vec<String> = line.split('\t').map(str::to_owned).collect();
            cells.try_into().unwrap()
        })
        .collect()
}

/// The ground truth's `location`: the database file, the status.d directory, or the
/// site-packages directory holding a dist-info.
fn location(package: &Package) -> String {
    let parent = |path: &str| {
        path.rsplit_once('/')
            .map_or(String::new(), |(p, _)| p.to_owned())
    };
    match package.ecosystem {
        // `<site>/x.dist-info/METADATA`, `<site>/x.egg-info/PKG-INFO`; a single-file
        // `<site>/x.egg-info` or a zipped `<site>/x.egg` sits directly in the site directory.
        Ecosystem::Pypi
            if package.path.ends_with("/METADATA") || package.path.ends_with("/PKG-INFO") =>
        {
            parent(&parent(&package.path))
        }
        Ecosystem::Pypi => parent(&package.path),
        Ecosystem::Deb if package.path.starts_with("/var/lib/dpkg/status.d/") => {
            parent(&package.path)
        }
        _ => package.path.clone(),
    }
}

fn row(package: &Package) -> Row {
    [
        package.ecosystem.to_string(),
        package.name.clone(),
        package.version.clone(),
        package.source_name.clone().unwrap_or_default(),
        package.source_version.clone().unwrap_or_default(),
        package.arch.clone().unwrap_or_default(),
        location(package),
    ]
}

fn check(root: &Path, image: &str, target: &str) {
    let image_handle =
        Image::open(&Target::parse(target).unwrap(), &OpenOptions::default()).unwrap();
    let inventory = inventory(&image_handle, None).unwrap();
    assert!(
        inventory.unknowns.is_empty(),
        "{image}: {:?}",
        inventory.unknowns
    );
    let found: BTreeSet<Row> = inventory.packages.iter().map(row).collect();
    let want = expected(root, image);
    let missing: Vec<_> = want.difference(&found).collect();
    let extra: Vec<_> = found.difference(&want).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{image}:\nmissing {missing:#?}\nextra {extra:#?}"
    );
    assert_eq!(
        found.len(),
        inventory.packages.len(),
        "{image}: duplicate packages"
    );
    for package in &inventory.packages {
        assert!(
            package
                .purl
                .starts_with(&format!("pkg:{}/", package.ecosystem)),
            "{package:?}"
        );
        assert!(package.layer.is_some(), "{package:?}");
    }
}

#[test]
fn every_shared_image_matches_its_ground_truth() {
    let root = shared_or_skip!("images");
    for image in tollgate_test::SHARED_OCI_IMAGES {
        check(
            &root,
            image,
            &format!("oci:{}:1.0", root.join(image).display()),
        );
    }
    check(
        &root,
        "debian-trixie-slim",
        &format!(
            "docker-archive:{}",
            root.join("debian-trixie-slim.tar.gz").display()
        ),
    );
}

#[test]
fn os_of_every_shared_image() {
    let root = shared_or_skip!("images");
    let cases = [
        ("debian-bookworm-app", "debian", "12"),
        ("distroless-bookworm", "debian", "12"),
        ("rpm-sqlite", "mariner", "2.0"),
        ("rpm-ndb", "sles", "15.3"),
        ("rpm-bdb", "rhel", "8.8"),
        ("alpine", "alpine", "3.4.2"),
        ("alpine-3.18", "alpine", "3.18.0"),
    ];
    for (image, family, version) in cases {
        let target = Target::parse(&format!("oci:{}", root.join(image).display())).unwrap();
        let image_handle = Image::open(&target, &OpenOptions::default()).unwrap();
        let os = inventory(&image_handle, None).unwrap().os.unwrap();
        assert_eq!(
            (os.family.as_str(), os.version.as_str()),
            (family, version),
            "{image}"
        );
    }
}

/// The files each OS package installed (dpkg's `info/*.list`, apk's `F:`/`R:`, rpm's file
/// list). In the Debian image they are the files in the image, apart from the documentation
/// the slim base deletes: a list read wrong (a directory prefix lost, another package's list)
/// would name paths that are not there. The apk and rpm images hold only their databases, so
/// there the lists are checked against what the packages are known to install.
#[test]
fn os_package_files_are_the_files_in_the_image() {
    let root = shared_or_skip!("images");
    let open = |image: &str| {
        let target = Target::parse(&format!("oci:{}:1.0", root.join(image).display())).unwrap();
        Image::open(&target, &OpenOptions::default()).unwrap()
    };
    let files_of = |inventory: &tollgate_catalog::Inventory, name: &str| -> Vec<String> {
        inventory
            .packages
            .iter()
            .find(|p| p.ecosystem.is_os() && p.name == name)
            .unwrap_or_else(|| panic!("no package {name}"))
            .files
            .clone()
    };

    let debian = open("debian-bookworm-app");
    let debian_inventory = inventory(&debian, None).unwrap();
    let view = debian.walk(&[], None).unwrap().view;
    let hops = debian.limits().max_symlink_hops;
    let debs: Vec<&Package> = debian_inventory
        .packages
        .iter()
        .filter(|p| p.ecosystem == Ecosystem::Deb)
        .collect();
    assert!(debs.iter().all(|p| !p.files.is_empty()));
    const DELETED_BY_SLIM: &[&str] = &[
        "/usr/share/doc/",
        "/usr/share/info/",
        "/usr/share/lintian/",
        "/usr/share/locale/",
        "/usr/share/man/",
    ];
    let listed: Vec<&String> = debs
        .iter()
        .flat_map(|p| &p.files)
        .filter(|path| !DELETED_BY_SLIM.iter().any(|doc| path.starts_with(doc)))
        .collect();
    let missing: Vec<&&String> = listed
        .iter()
        .filter(|path| view.resolve(path, hops).ok().flatten().is_none())
        .collect();
    assert!(listed.len() > 4000, "{}", listed.len());
    assert!(missing.len() <= 5, "{missing:?}");
    assert!(files_of(&debian_inventory, "bash").contains(&"/bin/bash".to_owned()));
    assert!(!files_of(&debian_inventory, "bash").contains(&"/bin".to_owned()));

    let alpine = inventory(&open("alpine-3.18"), None).unwrap();
    assert!(files_of(&alpine, "busybox").contains(&"/bin/busybox".to_owned()));
    let mariner = inventory(&open("rpm-sqlite"), None).unwrap();
    let bash = files_of(&mariner, "bash");
    assert!(bash.contains(&"/bin/bash".to_owned()), "{bash:?}");
    assert!(!bash.contains(&"/etc/profile.d".to_owned()), "{bash:?}");
}
