//! CycloneDX 1.6 JSON: the image is `metadata.component` (type `container`), the OS an
//! `operating-system` component, and every package a `library` component whose `bom-ref` is its
//! content id.
//!
//! ref: <https://cyclonedx.org/docs/1.6/json/>

use serde_json::{Map, Value, json};

use super::{
    Decoded, Properties, Record, SbomError, SbomOptions, content_uuid, decode_image,
    decode_package, expect_object, finish, get_array, get_str, image_display_name, image_id,
    image_properties, image_purl, os_family, os_id, package_properties, parse, property,
    spdx_expression, spdx_license_id, unique_packages,
};
use crate::{ImageIdentity, Inventory, OsInfo, Package};

const DOCUMENT: &str = "cyclonedx";
const SPEC_VERSION: &str = "1.6";
/// Versions the reader takes: the fields it reads are the same in all of them.
const READ_VERSIONS: &[&str] = &["1.2", "1.3", "1.4", "1.5", "1.6", "1.7"];

/// Write `inventory` as a CycloneDX 1.6 JSON document.
#[must_use]
pub fn to_cyclonedx(inventory: &Inventory, options: &SbomOptions) -> Value {
    let image_ref = image_id(&inventory.image);
    let mut components = Vec::new();
    let mut refs = Vec::new();
    if let Some(os) = &inventory.os {
        let id = os_id(os);
        components.push(os_component(os, &id));
        refs.push(id);
    }
    for (id, package) in unique_packages(inventory) {
        components.push(package_component(package, &id));
        refs.push(id);
    }
    refs.sort();
    refs.dedup();

    let mut tool = Map::new();
    tool.insert("type".into(), "application".into());
    tool.insert("name".into(), "tollgate".into());
    if !options.tool_version.is_empty() {
        tool.insert("version".into(), options.tool_version.clone().into());
    }
    let mut metadata = Map::new();
    if !options.created.is_empty() {
        metadata.insert("timestamp".into(), options.created.clone().into());
    }
    metadata.insert("tools".into(), json!({ "components": [tool] }));
    metadata.insert(
        "component".into(),
        image_component(&inventory.image, &image_ref),
    );

    let mut document = json!({
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": SPEC_VERSION,
        "version": 1,
        "metadata": metadata,
        "components": components,
        "dependencies": [{ "ref": image_ref, "dependsOn": refs }],
    });
    let serial = format!("urn:uuid:{}", content_uuid(&document.to_string()));
    if let Some(object) = document.as_object_mut() {
        object.insert("serialNumber".into(), serial.into());
    }
    document
}

/// `[{name, value}]`, or `None` when there are none.
fn properties_value(properties: Vec<(&'static str, String)>) -> Option<Value> {
    (!properties.is_empty()).then(|| {
        properties
            .into_iter()
            .map(|(name, value)| json!({ "name": name, "value": value }))
            .collect()
    })
}

fn image_component(image: &ImageIdentity, id: &str) -> Value {
    let mut component = Map::new();
    component.insert("bom-ref".into(), id.into());
    component.insert("type".into(), "container".into());
    component.insert("name".into(), image_display_name(image).into());
    if let Some(digest) = &image.manifest_digest {
        component.insert("version".into(), digest.to_string().into());
    }
    if let Some(purl) = image_purl(image) {
        component.insert("purl".into(), purl.into());
    }
    if let Some(properties) = properties_value(image_properties(image)) {
        component.insert("properties".into(), properties);
    }
    component.into()
}

fn os_component(os: &OsInfo, id: &str) -> Value {
    let mut component = Map::new();
    component.insert("bom-ref".into(), id.into());
    component.insert("type".into(), "operating-system".into());
    component.insert("name".into(), os.family.clone().into());
    if !os.version.is_empty() {
        component.insert("version".into(), os.version.clone().into());
    }
    if let Some(pretty_name) = &os.pretty_name {
        component.insert("description".into(), pretty_name.clone().into());
    }
    let codename = os
        .codename
        .iter()
        .map(|codename| (property::OS_CODENAME, codename.clone()))
        .collect();
    if let Some(properties) = properties_value(codename) {
        component.insert("properties".into(), properties);
    }
    component.into()
}

fn package_component(package: &Package, id: &str) -> Value {
    let mut component = Map::new();
    component.insert("bom-ref".into(), id.into());
    component.insert("type".into(), "library".into());
    if let Some(namespace) = package.namespace.as_ref().filter(|n| !n.is_empty()) {
        component.insert("group".into(), namespace.clone().into());
    }
    component.insert("name".into(), package.name.clone().into());
    if !package.version.is_empty() {
        component.insert("version".into(), package.version.clone().into());
    }
    if let Some(vendor) = package.vendor.as_ref().filter(|v| !v.is_empty()) {
        component.insert("publisher".into(), vendor.clone().into());
    }
    if let Some(licenses) = licenses(&package.licenses) {
        component.insert("licenses".into(), licenses);
    }
    if !package.purl.is_empty() {
        component.insert("purl".into(), package.purl.clone().into());
    }
    if let Some(properties) = properties_value(package_properties(package)) {
        component.insert("properties".into(), properties);
    }
    component.into()
}

/// One compound SPDX expression as `[{expression}]`; otherwise one entry per license, by SPDX id
/// when it is a known one and by name when not (the schema allows no mix of the two forms).
fn licenses(declared: &[String]) -> Option<Value> {
    if let [single] = declared
        && let Some(expression) = spdx_expression(single)
        && spdx_license_id(&expression).is_none()
    {
        return Some(json!([{ "expression": expression }]));
    }
    let mut entries: Vec<Value> = Vec::new();
    for license in declared.iter().filter(|l| !l.trim().is_empty()) {
        let entry = match spdx_license_id(license.trim()) {
            Some(id) => json!({ "license": { "id": id } }),
            None => json!({ "license": { "name": license } }),
        };
        if !entries.contains(&entry) {
            entries.push(entry);
        }
    }
    (!entries.is_empty()).then_some(Value::Array(entries))
}

/// Read a CycloneDX JSON document (ours, Syft's, Trivy's) into an inventory.
///
/// # Errors
/// When the input is too large or not JSON, is not CycloneDX 1.2 to 1.7, has a value of the wrong
/// type, or has a package without a name or version.
pub fn from_cyclonedx(json: &[u8]) -> Result<Inventory, SbomError> {
    decode(&parse(json, DOCUMENT)?)
}

pub(super) fn decode(document: &Value) -> Result<Inventory, SbomError> {
    expect_object(document, DOCUMENT, "$")?;
    match get_str(document, "bomFormat", DOCUMENT, "$")? {
        Some("CycloneDX") => {}
        other => {
            return Err(SbomError::WrongFormat {
                expected: DOCUMENT,
                field: "bomFormat",
                actual: other.unwrap_or_default().to_owned(),
            });
        }
    }
    let version =
        get_str(document, "specVersion", DOCUMENT, "$")?.ok_or_else(|| SbomError::Malformed {
            document: DOCUMENT,
            location: "$.specVersion".to_owned(),
            expected: "a string",
        })?;
    if !READ_VERSIONS.contains(&version) {
        return Err(SbomError::UnsupportedVersion {
            document: DOCUMENT,
            version: super::shorten(version),
            supported: "1.2 to 1.7",
        });
    }

    let image = match document.get("metadata") {
        None | Some(Value::Null) => ImageIdentity::default(),
        Some(metadata) => {
            expect_object(metadata, DOCUMENT, "metadata")?;
            match metadata.get("component") {
                None | Some(Value::Null) => ImageIdentity::default(),
                Some(component) => {
                    let location = "metadata.component";
                    expect_object(component, DOCUMENT, location)?;
                    decode_image(
                        get_str(component, "name", DOCUMENT, location)?,
                        get_str(component, "version", DOCUMENT, location)?,
                        get_str(component, "purl", DOCUMENT, location)?,
                        &read_properties(component, location)?,
                        DOCUMENT,
                        location,
                    )?
                }
            }
        }
    };

    let mut walk = Walk::default();
    walk.components(document, "$", "components")?;
    Ok(finish(image, walk.os, walk.packages, walk.unknowns))
}

/// What the walk over (nested) components found.
#[derive(Default)]
struct Walk {
    os: Option<OsInfo>,
    packages: Vec<Package>,
    unknowns: Vec<crate::Unknown>,
}

impl Walk {
    fn components(
        &mut self,
        parent: &Value,
        parent_location: &str,
        key: &str,
    ) -> Result<(), SbomError> {
        let prefix = if parent_location == "$" {
            String::new()
        } else {
            format!("{parent_location}.")
        };
        for (index, component) in get_array(parent, key, DOCUMENT, parent_location)?
            .iter()
            .enumerate()
        {
            let location = format!("{prefix}{key}[{index}]");
            expect_object(component, DOCUMENT, &location)?;
            let kind = get_str(component, "type", DOCUMENT, &location)?.unwrap_or_default();
            match kind {
                "operating-system" => {
                    if self.os.is_none() {
                        self.os = decode_os(component, &location)?;
                    }
                }
                "container" | "file" => {}
                _ => {
                    let record = read_record(component, &location)?;
                    match decode_package(record, DOCUMENT)? {
                        Decoded::Package(package) => self.packages.push(*package),
                        Decoded::Unknown(unknown) => self.unknowns.push(unknown),
                        Decoded::Skip => {}
                    }
                }
            }
            // serde_json refuses nesting deeper than 128, which bounds this recursion.
            self.components(component, &location, "components")?;
        }
        Ok(())
    }
}

fn read_properties(component: &Value, location: &str) -> Result<Properties, SbomError> {
    let mut properties = Vec::new();
    for (index, item) in get_array(component, "properties", DOCUMENT, location)?
        .iter()
        .enumerate()
    {
        let item_location = format!("{location}.properties[{index}]");
        expect_object(item, DOCUMENT, &item_location)?;
        if let (Some(name), Some(value)) = (
            get_str(item, "name", DOCUMENT, &item_location)?,
            get_str(item, "value", DOCUMENT, &item_location)?,
        ) {
            properties.push((name.to_owned(), value.to_owned()));
        }
    }
    Ok(Properties(properties))
}

fn read_record(component: &Value, location: &str) -> Result<Record, SbomError> {
    let purl = get_str(component, "purl", DOCUMENT, location)?;
    let bom_ref = get_str(component, "bom-ref", DOCUMENT, location)?;
    let mut licenses = Vec::new();
    for (index, choice) in get_array(component, "licenses", DOCUMENT, location)?
        .iter()
        .enumerate()
    {
        let choice_location = format!("{location}.licenses[{index}]");
        expect_object(choice, DOCUMENT, &choice_location)?;
        if let Some(expression) = get_str(choice, "expression", DOCUMENT, &choice_location)? {
            licenses.push(expression.to_owned());
        } else if let Some(license) = choice.get("license") {
            let license_location = format!("{choice_location}.license");
            expect_object(license, DOCUMENT, &license_location)?;
            let id = get_str(license, "id", DOCUMENT, &license_location)?;
            let name = get_str(license, "name", DOCUMENT, &license_location)?;
            licenses.extend(id.or(name).map(str::to_owned));
        }
    }
    let supplier = match component.get("supplier") {
        Some(supplier @ Value::Object(_)) => {
            get_str(supplier, "name", DOCUMENT, &format!("{location}.supplier"))?
        }
        _ => None,
    };
    let vendor = get_str(component, "publisher", DOCUMENT, location)?.or(supplier);
    let id = purl
        .or(bom_ref)
        .map(|id| format!(" (`{}`)", super::shorten(id)));
    Ok(Record {
        location: format!("{location}{}", id.unwrap_or_default()),
        name: get_str(component, "name", DOCUMENT, location)?.map(str::to_owned),
        version: get_str(component, "version", DOCUMENT, location)?.map(str::to_owned),
        purl: purl.map(str::to_owned),
        licenses,
        vendor: vendor.filter(|v| !v.is_empty()).map(str::to_owned),
        properties: read_properties(component, location)?,
        source: None,
    })
}

fn decode_os(component: &Value, location: &str) -> Result<Option<OsInfo>, SbomError> {
    let Some(name) = get_str(component, "name", DOCUMENT, location)?.filter(|n| !n.is_empty())
    else {
        return Ok(None);
    };
    let properties = read_properties(component, location)?;
    Ok(Some(OsInfo {
        family: os_family(name),
        version: get_str(component, "version", DOCUMENT, location)?
            .unwrap_or_default()
            .to_owned(),
        codename: properties
            .first(&[property::OS_CODENAME, "syft:distro:versionCodename"])
            .map(str::to_owned),
        pretty_name: get_str(component, "description", DOCUMENT, location)?
            .or_else(|| properties.first(&["syft:distro:prettyName"]))
            .map(str::to_owned),
    }))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{options, sample, sorted};
    use super::*;

    #[test]
    fn round_trip_keeps_the_packages() {
        let inventory = sample();
        let document = to_cyclonedx(&inventory, &options());
        let decoded = from_cyclonedx(document.to_string().as_bytes()).unwrap();
        assert_eq!(decoded.packages, sorted(&inventory));
        assert_eq!(decoded.image, inventory.image);
        assert_eq!(decoded.os, inventory.os);
        assert!(decoded.unknowns.is_empty());
    }

    #[test]
    fn output_is_deterministic() {
        let inventory = sample();
        let first = to_cyclonedx(&inventory, &options());
        let mut shuffled = inventory.clone();
        shuffled.packages.reverse();
        assert_eq!(to_cyclonedx(&shuffled, &options()), first);
        let serial = first["serialNumber"].as_str().unwrap();
        assert!(serial.starts_with("urn:uuid:"));
        let later = SbomOptions {
            created: "2025-01-01T00:00:00Z".to_owned(),
            ..options()
        };
        assert_ne!(
            to_cyclonedx(&inventory, &later)["serialNumber"],
            first["serialNumber"]
        );
    }

    #[test]
    fn licenses_by_id_name_or_expression() {
        let license =
            |list: &[&str]| licenses(&list.iter().map(|l| (*l).to_owned()).collect::<Vec<_>>());
        assert_eq!(license(&[]), None);
        assert_eq!(
            license(&["mit"]),
            Some(json!([{ "license": { "id": "MIT" } }]))
        );
        assert_eq!(
            license(&["MIT OR Apache-2.0"]),
            Some(json!([{ "expression": "MIT OR Apache-2.0" }]))
        );
        assert_eq!(
            license(&["GPL-2+", "LGPL-2.1+", "MIT OR Zlib"]),
            Some(json!([
                { "license": { "name": "GPL-2+" } },
                { "license": { "id": "LGPL-2.1+" } },
                { "license": { "name": "MIT OR Zlib" } },
            ]))
        );
    }

    #[test]
    fn reads_syft_and_trivy_conventions() {
        let document = json!({
            "bomFormat": "CycloneDX",
            "specVersion": "1.5",
            "metadata": { "component": {
                "type": "container",
                "name": "alpine:3.18",
                "purl": "pkg:oci/alpine@sha256:21a3deaa0d32a8057914f36584b5288d2e5ecc984380bc0118285c70fa8c9300?repository_url=index.docker.io%2Flibrary%2Falpine&arch=amd64"
            }},
            "components": [
                { "type": "library", "name": "musl", "version": "1.2.4-r0",
                  "purl": "pkg:apk/alpine/musl@1.2.4-r0?arch=x86_64&distro=alpine-3.18.0",
                  "publisher": "Natanael Copa <ncopa@alpinelinux.org>",
                  "licenses": [{ "license": { "id": "MIT" } }],
                  "properties": [
                    { "name": "syft:package:foundBy", "value": "apk-db-cataloger" },
                    { "name": "syft:location:0:layerID", "value": "sha256:6e979814685894533edce205944110ac8c7b69b88376de25280e57c935fc65eb" },
                    { "name": "syft:location:0:path", "value": "/lib/apk/db/installed" }
                  ] },
                { "type": "library", "name": "org.apache.logging.log4j:log4j-core", "version": "2.14.1",
                  "purl": "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
                  "properties": [
                    { "name": "aquasecurity:trivy:LayerDigest", "value": "sha256:ec2b7437b21d0f1418749fb6b8930cc28b1786c3022bf8b71f3d051935f13cc9" },
                    { "name": "aquasecurity:trivy:FilePath", "value": "app/log4j-core-2.14.1.jar" }
                  ] },
                { "type": "library", "name": "openssl-libs", "version": "1.1.1k-5.el8",
                  "purl": "pkg:rpm/redhat/openssl-libs@1.1.1k-5.el8?arch=x86_64&epoch=1&distro=rhel-8.8",
                  "properties": [
                    { "name": "aquasecurity:trivy:SrcName", "value": "openssl" },
                    { "name": "aquasecurity:trivy:SrcVersion", "value": "1.1.1k" },
                    { "name": "aquasecurity:trivy:SrcRelease", "value": "5.el8" },
                    { "name": "aquasecurity:trivy:SrcEpoch", "value": "1" }
                  ] },
                { "type": "library", "name": "actions/checkout", "version": "v4",
                  "purl": "pkg:github/actions/checkout@v4" },
                { "type": "library", "name": "broken", "purl": "pkg:" },
                { "type": "application", "name": "usr/lib/python3/dist-packages" },
                { "type": "operating-system", "name": "alpine", "version": "3.18.0",
                  "description": "Alpine Linux v3.18" }
            ]
        });
        let inventory = from_cyclonedx(document.to_string().as_bytes()).unwrap();
        assert_eq!(
            inventory.image.name.as_deref(),
            Some("index.docker.io/library/alpine")
        );
        assert_eq!(inventory.image.target, "alpine:3.18");
        assert_eq!(
            inventory.image.manifest_digest.unwrap().to_string(),
            "sha256:21a3deaa0d32a8057914f36584b5288d2e5ecc984380bc0118285c70fa8c9300"
        );
        let os = inventory.os.unwrap();
        assert_eq!(
            (os.family.as_str(), os.version.as_str()),
            ("alpine", "3.18.0")
        );
        assert_eq!(os.pretty_name.as_deref(), Some("Alpine Linux v3.18"));

        let [log4j, musl, openssl] = inventory.packages.as_slice() else {
            panic!("{:#?}", inventory.packages);
        };
        assert_eq!(
            (musl.name.as_str(), musl.version.as_str()),
            ("musl", "1.2.4-r0")
        );
        assert_eq!(musl.source_name.as_deref(), Some("musl"));
        assert_eq!(musl.arch.as_deref(), Some("x86_64"));
        assert_eq!(musl.path, "/lib/apk/db/installed");
        assert_eq!(musl.cataloger, "apk-db-cataloger");
        assert_eq!(musl.licenses, ["MIT"]);
        assert_eq!(
            musl.vendor.as_deref(),
            Some("Natanael Copa <ncopa@alpinelinux.org>")
        );
        assert!(musl.layer.is_some());

        assert_eq!(openssl.version, "1:1.1.1k-5.el8");
        assert_eq!(openssl.epoch.as_deref(), Some("1"));
        assert_eq!(openssl.source_name.as_deref(), Some("openssl"));
        assert_eq!(openssl.source_version.as_deref(), Some("1:1.1.1k-5.el8"));
        assert_eq!(openssl.cataloger, "cyclonedx");

        assert_eq!(log4j.name, "log4j-core");
        assert_eq!(log4j.namespace.as_deref(), Some("org.apache.logging.log4j"));
        assert_eq!(log4j.path, "app/log4j-core-2.14.1.jar");

        assert_eq!(inventory.unknowns.len(), 2, "{:#?}", inventory.unknowns);
        assert!(
            inventory
                .unknowns
                .iter()
                .any(|u| u.path.starts_with("components[3]")
                    && u.reason.starts_with("unsupported package type `github`"))
        );
        assert!(
            inventory
                .unknowns
                .iter()
                .any(|u| u.path.starts_with("components[4]")
                    && u.reason.starts_with("malformed purl"))
        );
    }

    #[test]
    fn errors_name_what_and_where() {
        let decode = |document: Value| from_cyclonedx(document.to_string().as_bytes()).unwrap_err();

        let error = decode(json!({ "bomFormat": "CycloneDX", "specVersion": "2.0" }));
        assert!(
            matches!(&error, SbomError::UnsupportedVersion { document: "cyclonedx", version, .. } if version == "2.0")
        );
        assert_eq!(
            error.to_string(),
            "unsupported cyclonedx version `2.0` (supported: 1.2 to 1.7)"
        );

        let error = decode(json!({ "bomFormat": "SPDX", "specVersion": "1.6" }));
        assert!(
            matches!(&error, SbomError::WrongFormat { field: "bomFormat", actual, .. } if actual == "SPDX")
        );

        let error = decode(json!({ "bomFormat": "CycloneDX", "specVersion": "1.6",
            "components": [{ "type": "library", "name": "x", "purl": "pkg:npm/x" }] }));
        assert!(
            matches!(&error, SbomError::MissingField { field: "version", location, .. }
            if location == "components[0] (`pkg:npm/x`)")
        );
        assert_eq!(
            error.to_string(),
            "cyclonedx package `components[0] (`pkg:npm/x`)` has no version"
        );

        let error = decode(json!({ "bomFormat": "CycloneDX", "specVersion": "1.6",
            "components": [{ "type": "library", "components": [{ "purl": 7 }] }] }));
        assert!(
            matches!(&error, SbomError::Malformed { location, expected: "a string", .. }
            if location == "components[0].components[0].purl")
        );

        let error =
            decode(json!({ "bomFormat": "CycloneDX", "specVersion": "1.6", "components": {} }));
        assert!(
            matches!(&error, SbomError::Malformed { location, expected: "an array", .. } if location == "$.components")
        );

        let error = decode(json!({ "bomFormat": "CycloneDX", "specVersion": "1.6",
            "components": [{ "type": "library", "name": "x", "version": "1", "purl": "pkg:npm/x@1",
                "properties": [{ "name": "tollgate:layer:digest", "value": "md5:x" }] }] }));
        assert!(
            matches!(&error, SbomError::InvalidField { field, value, .. }
            if field == "layer digest" && value == "md5:x")
        );

        assert!(matches!(
            from_cyclonedx(b"[1, 2"),
            Err(SbomError::Json {
                document: "cyclonedx",
                ..
            })
        ));
        assert!(matches!(
            from_cyclonedx(b"[]"),
            Err(SbomError::Malformed {
                expected: "an object",
                ..
            })
        ));
    }
}
