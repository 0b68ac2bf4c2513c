//! An image built here, with real tools, and inventoried against the native tools' own listing:
//! the shared debian-bookworm-app plus a layer that pip-installs packages and uninstalls one
//! that a lower layer installed, and a layer that copies in an npm project installed by npm.
//! The truth is `dpkg-query -W` and `pip list --path` run inside the image, and `npm ls --all`.

use std::collections::BTreeSet;
use std::process::Command;

use tollgate_catalog::{Ecosystem, InventoryOptions, LayerCache, inventory, inventory_with};
use tollgate_oci::{Image, OpenOptions, Target};
use tollgate_test::buildah::{Buildah, run, work_dir};
use tollgate_test::{shared_or_skip, tool_or_skip};

#[test]
fn image_built_with_pip_and_npm_matches_native_tools() {
    let shared = shared_or_skip!("images/debian-bookworm-app");
    tool_or_skip!("buildah");
    tool_or_skip!("npm");
    let work = work_dir("built");
    let base = work.path().join("base");
    run(Command::new("cp").arg("-r").arg(&shared).arg(&base));
    run(Command::new("chmod").args(["-R", "u+w"]).arg(&base));
    let buildah = Buildah::new(work.path());
    let container = buildah.from(&format!("oci:{}:1.0", base.display()), "tollgate-built");

    // A pip layer: two new packages, and one from a lower layer removed (a whiteout).
    buildah.run(
        &container,
        "PYTHONDONTWRITEBYTECODE=1 python3 -m pip install --quiet --no-cache-dir --no-compile \
         --break-system-packages six==1.16.0 attrs==23.1.0 \
         && python3 -m pip uninstall --quiet --yes --break-system-packages chardet",
    );

    // An npm project installed on the host by npm itself, copied in as a Dockerfile COPY would.
    let project = work.path().join("app");
    fs_err::create_dir_all(&project).unwrap();
    fs_err::write(
        project.join("package.json"),
        r#"{"name":"built-app","version":"1.0.0","private":true,"dependencies":{"lodash":"4.17.20","minimist":"1.2.5","@babel/helper-plugin-utils":"7.22.5","debug":"4.3.4"}}"#,
    )
    .unwrap();
    run(Command::new("npm")
        .args([
            "install",
            "--ignore-scripts",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
        ])
        .current_dir(&project));
    let npm_ls: serde_json::Value = serde_json::from_str(&run(Command::new("npm")
        .args(["ls", "--all", "--json"])
        .current_dir(&project)))
    .unwrap();
    run(buildah
        .command()
        .args(["copy", "--quiet", &container])
        .arg(&project)
        .arg("/app"));

    let output = work.path().join("built");
    buildah.commit(&container, &output, "1.0");

    // The native tools' view, from inside the image.
    let dpkg: BTreeSet<(String, String)> = buildah
        .run(
            &container,
            "dpkg-query -W -f '${db:Status-Abbrev}\\t${Package}\\t${Version}\\n'",
        )
        .lines()
        .filter(|line| line.starts_with("ii"))
        .map(|line| {
            let cells: Vec<&str> = line.split('\t').collect();
            (cells[1].to_owned(), cells[2].to_owned())
        })
        .collect();
    let mut pip = BTreeSet::new();
    for directory in [
        "/usr/lib/python3/dist-packages",
        "/usr/local/lib/python3.11/dist-packages",
    ] {
        let listed: Vec<serde_json::Value> = serde_json::from_str(&buildah.run(
            &container,
            &format!("python3 -m pip list --format json --path {directory} 2>/dev/null"),
        ))
        .unwrap();
        pip.extend(listed.iter().map(|p| {
            (
                p["name"].as_str().unwrap().to_owned(),
                p["version"].as_str().unwrap().to_owned(),
            )
        }));
    }
    let mut npm = BTreeSet::new();
    collect_npm(&npm_ls["dependencies"], &mut npm);
    assert!(pip.contains(&("six".to_owned(), "1.16.0".to_owned())));
    assert!(
        !pip.iter().any(|(name, _)| name == "chardet"),
        "chardet was uninstalled"
    );
    assert!(npm.len() > 4, "{npm:?}");

    let image = Image::open(
        &Target::parse(&format!("oci:{}:1.0", output.display())).unwrap(),
        &OpenOptions::default(),
    )
    .unwrap();
    let inventory = inventory(&image, None).unwrap();
    assert!(inventory.unknowns.is_empty(), "{:?}", inventory.unknowns);
    let ours = |ecosystem: Ecosystem| -> BTreeSet<(String, String)> {
        inventory
            .packages
            .iter()
            .filter(|p| p.ecosystem == ecosystem)
            .map(|p| {
                let name = match &p.namespace {
                    Some(namespace) => format!("{namespace}/{}", p.name),
                    None => p.name.clone(),
                };
                (name, p.version.clone())
            })
            .collect()
    };
    assert_eq!(ours(Ecosystem::Deb), dpkg);
    assert_eq!(ours(Ecosystem::Pypi), pip);
    assert_eq!(ours(Ecosystem::Npm), npm);
    // `buildah commit` writes the container's changes as one new layer: the packages pip and
    // the copy added are attributed to it, those of the base to the base's layers; chardet is
    // gone though its files are still in a lower layer.
    let new_layer = image.layers.len() - 1;
    let six = inventory.packages.iter().find(|p| p.name == "six").unwrap();
    assert_eq!(six.layer_index, new_layer);
    let lodash = inventory
        .packages
        .iter()
        .find(|p| p.name == "lodash")
        .unwrap();
    assert_eq!(lodash.layer_index, new_layer);
    assert!(
        inventory
            .packages
            .iter()
            .filter(|p| p.ecosystem == Ecosystem::Deb)
            .all(|p| p.layer_index < new_layer)
    );

    // The layer cache across images: with the base image analysed, the built image reads only
    // its own new layer (the base layers are the same content, whatever buildah did to their
    // compression), and its inventory is the uncached one.
    let cache_root = tempfile::tempdir().unwrap();
    let base_image = Image::open(
        &Target::parse(&format!("oci:{}:1.0", base.display())).unwrap(),
        &OpenOptions::default(),
    )
    .unwrap();
    let cache = LayerCache::new(cache_root.path(), image.limits());
    let base_cached = inventory_with(
        &base_image,
        InventoryOptions {
            progress: None,
            cache: Some(&cache),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(base_cached, inventory_of(&base_image));
    let read = crate::cache::LayersRead::default();
    let built_cached = inventory_with(
        &image,
        InventoryOptions {
            progress: Some(&read),
            cache: Some(&cache),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(built_cached, inventory);
    assert_eq!(*read.0.lock().unwrap(), [new_layer]);
    assert!(cache.take_notices().is_empty());
    buildah.remove(&container);
}

fn inventory_of(image: &Image) -> tollgate_catalog::Inventory {
    inventory(image, None).unwrap()
}

/// `npm ls --all --json`: a tree of `dependencies` with `version`; deduplicated entries appear
/// once per place they are required from, which is what a set absorbs.
fn collect_npm(dependencies: &serde_json::Value, out: &mut BTreeSet<(String, String)>) {
    let Some(map) = dependencies.as_object() else {
        return;
    };
    for (name, entry) in map {
        if let Some(version) = entry["version"].as_str() {
            out.insert((name.clone(), version.to_owned()));
        }
        collect_npm(&entry["dependencies"], out);
    }
}
