//! SPDX 2.3 JSON: the document describes the image package (purpose `CONTAINER`), which contains
//! the OS package (`OPERATING-SYSTEM`) and one package per installed package. What SPDX has no
//! field for (layer, path, source package) goes into `OTHER` annotations, `name: value`, as
//! Trivy does.
//!
//! ref: <https://spdx.github.io/spdx-spec/v2.3/>

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::{
    Decoded, Properties, Record, SbomError, SbomOptions, content_hash, content_uuid, decode_image,
    decode_package, expect_object, finish, get_array, get_str, image_display_name, image_id,
    image_properties, image_purl, os_family, os_id, package_properties, parse, property, shorten,
    spdx_expression, split_conjunction, unique_packages,
};
use crate::{ImageIdentity, Inventory, OsInfo, Package, Unknown};

const DOCUMENT: &str = "spdx";
const SPEC_VERSION: &str = "SPDX-2.3";
const READ_VERSIONS: &[&str] = &["SPDX-2.2", "SPDX-2.3"];
/// The base of document namespaces: `.invalid` never resolves (RFC 2606), and the namespace only
/// has to be unique, which the content hash after it makes it.
const NAMESPACE_BASE: &str = "https://tollgate.invalid/spdx";
const NOASSERTION: &str = "NOASSERTION";
const PURPOSE_CONTAINER: &str = "CONTAINER";
const PURPOSE_OS: &str = "OPERATING-SYSTEM";

/// Write `inventory` as an SPDX 2.3 JSON document.
#[must_use]
pub fn to_spdx(inventory: &Inventory, options: &SbomOptions) -> Value {
    let created = spdx_created(&options.created);
    let tool = if options.tool_version.is_empty() {
        "Tool: tollgate".to_owned()
    } else {
        format!("Tool: tollgate-{}", options.tool_version)
    };
    let annotations = |properties: Vec<(&'static str, String)>| -> Option<Value> {
        (!properties.is_empty()).then(|| {
            properties
                .into_iter()
                .map(|(name, value)| {
                    json!({
                        "annotationDate": created,
                        "annotationType": "OTHER",
                        "annotator": tool,
                        "comment": format!("{name}: {value}"),
                    })
                })
                .collect()
        })
    };

    let image = &inventory.image;
    let image_spdx_id = format!("SPDXRef-ContainerImage-{}", image_id(image));
    let mut image_package = base_package(&image_spdx_id, &image_display_name(image));
    if let Some(digest) = &image.manifest_digest {
        image_package.insert("versionInfo".into(), digest.to_string().into());
    }
    image_package.insert("primaryPackagePurpose".into(), PURPOSE_CONTAINER.into());
    if let Some(purl) = image_purl(image) {
        image_package.insert("externalRefs".into(), purl_reference(&purl));
    }
    if let Some(annotations) = annotations(image_properties(image)) {
        image_package.insert("annotations".into(), annotations);
    }
    let mut packages = vec![Value::Object(image_package)];
    let mut contained = Vec::new();

    if let Some(os) = &inventory.os {
        let spdx_id = format!("SPDXRef-OperatingSystem-{}", os_id(os));
        let mut package = base_package(&spdx_id, &os.family);
        if !os.version.is_empty() {
            package.insert("versionInfo".into(), os.version.clone().into());
        }
        if let Some(pretty_name) = &os.pretty_name {
            package.insert("description".into(), pretty_name.clone().into());
        }
        package.insert("primaryPackagePurpose".into(), PURPOSE_OS.into());
        let codename = os
            .codename
            .iter()
            .map(|codename| (property::OS_CODENAME, codename.clone()))
            .collect();
        if let Some(annotations) = annotations(codename) {
            package.insert("annotations".into(), annotations);
        }
        packages.push(package.into());
        contained.push(spdx_id);
    }

    let mut extracted = BTreeMap::new();
    for (id, package) in unique_packages(inventory) {
        let spdx_id = format!("SPDXRef-Package-{}-{id}", package.ecosystem);
        let mut entry = base_package(&spdx_id, &package.name);
        if !package.version.is_empty() {
            entry.insert("versionInfo".into(), package.version.clone().into());
        }
        if let Some(vendor) = package.vendor.as_ref().filter(|v| !v.is_empty()) {
            entry.insert("supplier".into(), format!("Organization: {vendor}").into());
        }
        entry.insert(
            "licenseDeclared".into(),
            declared_license(&package.licenses, &mut extracted).into(),
        );
        if !package.purl.is_empty() {
            entry.insert("externalRefs".into(), purl_reference(&package.purl));
        }
        entry.insert("sourceInfo".into(), source_info(package).into());
        if let Some(annotations) = annotations(package_properties(package)) {
            entry.insert("annotations".into(), annotations);
        }
        packages.push(entry.into());
        contained.push(spdx_id);
    }

    let mut relationships = vec![json!({
        "spdxElementId": "SPDXRef-DOCUMENT",
        "relationshipType": "DESCRIBES",
        "relatedSpdxElement": image_spdx_id,
    })];
    relationships.extend(contained.iter().map(|spdx_id| {
        json!({
            "spdxElementId": image_spdx_id,
            "relationshipType": "CONTAINS",
            "relatedSpdxElement": spdx_id,
        })
    }));

    let name = image_display_name(image);
    let mut document = Map::new();
    document.insert("spdxVersion".into(), SPEC_VERSION.into());
    document.insert("dataLicense".into(), "CC0-1.0".into());
    document.insert("SPDXID".into(), "SPDXRef-DOCUMENT".into());
    document.insert("name".into(), name.clone().into());
    document.insert(
        "creationInfo".into(),
        json!({ "created": created, "creators": [tool] }),
    );
    document.insert("packages".into(), packages.into());
    document.insert("relationships".into(), relationships.into());
    if !extracted.is_empty() {
        let infos: Vec<Value> = extracted
            .into_iter()
            .map(|(license_id, name)| {
                json!({ "licenseId": license_id, "extractedText": name, "name": name })
            })
            .collect();
        document.insert("hasExtractedLicensingInfos".into(), infos.into());
    }
    let uuid = content_uuid(&Value::Object(document.clone()).to_string());
    document.insert(
        "documentNamespace".into(),
        format!("{NAMESPACE_BASE}/{}-{uuid}", namespace_segment(&name)).into(),
    );
    document.into()
}

/// The fields every package has.
fn base_package(spdx_id: &str, name: &str) -> Map<String, Value> {
    let mut package = Map::new();
    package.insert("SPDXID".into(), spdx_id.into());
    package.insert("name".into(), name.into());
    package.insert("downloadLocation".into(), NOASSERTION.into());
    package.insert("filesAnalyzed".into(), false.into());
    package.insert("licenseConcluded".into(), NOASSERTION.into());
    package.insert("licenseDeclared".into(), NOASSERTION.into());
    package
}

fn purl_reference(purl: &str) -> Value {
    json!([{
        "referenceCategory": "PACKAGE-MANAGER",
        "referenceType": "purl",
        "referenceLocator": purl,
    }])
}

/// For people: which file of which layer the package was read from.
fn source_info(package: &Package) -> String {
    let mut text = format!("acquired package info from layer {}", package.layer_index);
    if let Some(layer) = &package.layer {
        text = format!("{text} ({layer})");
    }
    if !package.path.is_empty() {
        text = format!("{text}, file {}", package.path);
    }
    if !package.cataloger.is_empty() {
        text = format!("{text}, by the tollgate cataloger {}", package.cataloger);
    }
    text
}

/// SPDX wants `YYYY-MM-DDThh:mm:ssZ`: drop a fraction of a second and write UTC as `Z`.
fn spdx_created(created: &str) -> String {
    let (seconds, zone) = match created.find(['Z', 'z', '+']).or_else(|| {
        // A `-` offset comes after the time.
        created
            .rfind('-')
            .filter(|&index| created[..index].contains('T'))
    }) {
        Some(index) => created.split_at(index),
        None => (created, ""),
    };
    let seconds = seconds.split('.').next().unwrap_or(seconds);
    let zone = match zone {
        "z" | "+00:00" | "-00:00" => "Z",
        other => other,
    };
    format!("{seconds}{zone}")
}

/// A document name as one URL path segment.
fn namespace_segment(name: &str) -> String {
    let segment: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '-'
            }
        })
        .take(64)
        .collect();
    let segment = segment.trim_matches('-');
    if segment.is_empty() {
        "image".to_owned()
    } else {
        segment.to_owned()
    }
}

/// The declared licenses as one SPDX expression: each that is a valid expression as itself, each
/// that is not as a `LicenseRef-` (recorded in `extracted`), all joined with `AND`.
fn declared_license(licenses: &[String], extracted: &mut BTreeMap<String, String>) -> String {
    let mut parts: Vec<String> = Vec::new();
    for license in licenses.iter().filter(|l| !l.trim().is_empty()) {
        let part = spdx_expression(license).unwrap_or_else(|| license_ref(license, extracted));
        if !parts.contains(&part) {
            parts.push(part);
        }
    }
    match parts.as_slice() {
        [] => NOASSERTION.to_owned(),
        [single] => single.clone(),
        _ => parts
            .iter()
            .map(|part| {
                if part.contains(' ') {
                    format!("({part})")
                } else {
                    part.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(" AND "),
    }
}

/// `LicenseRef-<name>` when the name is made of the characters an id allows, else the name with
/// the others replaced and a hash of it appended, so that two names never share an id.
fn license_ref(name: &str, extracted: &mut BTreeMap<String, String>) -> String {
    let allowed = |c: char| c.is_ascii_alphanumeric() || c == '.' || c == '-';
    let id = if name.len() <= 64 && name.chars().all(allowed) {
        if name.starts_with("LicenseRef-") {
            name.to_owned()
        } else {
            format!("LicenseRef-{name}")
        }
    } else {
        let stem: String = name
            .chars()
            .map(|c| if allowed(c) { c } else { '-' })
            .take(64)
            .collect();
        let hash = &content_hash(&[name])[..8];
        match stem.trim_matches('-') {
            "" => format!("LicenseRef-{hash}"),
            stem => format!("LicenseRef-{stem}-{hash}"),
        }
    };
    extracted.insert(id.clone(), name.to_owned());
    id
}

/// Read an SPDX 2.2 or 2.3 JSON document (ours, Syft's, Trivy's) into an inventory.
///
/// # Errors
/// When the input is too large or not JSON, is not SPDX 2.2 or 2.3, has a value of the wrong type,
/// or has a package without a name or version.
pub fn from_spdx(json: &[u8]) -> Result<Inventory, SbomError> {
    decode(&parse(json, DOCUMENT)?)
}

pub(super) fn decode(document: &Value) -> Result<Inventory, SbomError> {
    expect_object(document, DOCUMENT, "$")?;
    let version =
        get_str(document, "spdxVersion", DOCUMENT, "$")?.ok_or_else(|| SbomError::Malformed {
            document: DOCUMENT,
            location: "$.spdxVersion".to_owned(),
            expected: "a string",
        })?;
    if !READ_VERSIONS.contains(&version) {
        return Err(SbomError::UnsupportedVersion {
            document: DOCUMENT,
            version: shorten(version),
            supported: "SPDX-2.2, SPDX-2.3",
        });
    }

    let mut license_names = BTreeMap::new();
    for (index, info) in get_array(document, "hasExtractedLicensingInfos", DOCUMENT, "$")?
        .iter()
        .enumerate()
    {
        let location = format!("hasExtractedLicensingInfos[{index}]");
        expect_object(info, DOCUMENT, &location)?;
        let id = get_str(info, "licenseId", DOCUMENT, &location)?;
        let name = get_str(info, "name", DOCUMENT, &location)?
            .filter(|n| !n.is_empty() && *n != NOASSERTION)
            .or(get_str(info, "extractedText", DOCUMENT, &location)?);
        if let (Some(id), Some(name)) = (id, name) {
            license_names.insert(id.to_owned(), name.to_owned());
        }
    }

    let mut described = Vec::new();
    for (index, relationship) in get_array(document, "relationships", DOCUMENT, "$")?
        .iter()
        .enumerate()
    {
        let location = format!("relationships[{index}]");
        expect_object(relationship, DOCUMENT, &location)?;
        let kind = get_str(relationship, "relationshipType", DOCUMENT, &location)?;
        let from = get_str(relationship, "spdxElementId", DOCUMENT, &location)?;
        if matches!(kind, Some("DESCRIBES" | "DESCRIBE")) && from == Some("SPDXRef-DOCUMENT") {
            described.extend(
                get_str(relationship, "relatedSpdxElement", DOCUMENT, &location)?
                    .map(str::to_owned),
            );
        }
    }
    for (index, id) in get_array(document, "documentDescribes", DOCUMENT, "$")?
        .iter()
        .enumerate()
    {
        match id {
            Value::String(id) => described.push(id.clone()),
            _ => {
                return Err(SbomError::Malformed {
                    document: DOCUMENT,
                    location: format!("documentDescribes[{index}]"),
                    expected: "a string",
                });
            }
        }
    }

    let mut images: Vec<(bool, ImageIdentity)> = Vec::new();
    let mut os = None;
    let mut packages = Vec::new();
    let mut unknowns: Vec<Unknown> = Vec::new();
    for (index, package) in get_array(document, "packages", DOCUMENT, "$")?
        .iter()
        .enumerate()
    {
        let location = format!("packages[{index}]");
        expect_object(package, DOCUMENT, &location)?;
        let spdx_id = get_str(package, "SPDXID", DOCUMENT, &location)?.unwrap_or_default();
        let purpose = get_str(package, "primaryPackagePurpose", DOCUMENT, &location)?;
        let properties = read_annotations(package, &location)?;
        let purl = read_purl(package, &location)?;
        let name = get_str(package, "name", DOCUMENT, &location)?;
        let version = get_str(package, "versionInfo", DOCUMENT, &location)?;
        let is_oci = purl.is_some_and(|p| p.starts_with("pkg:oci/"));
        if purpose == Some(PURPOSE_CONTAINER) || is_oci {
            let image = decode_image(name, version, purl, &properties, DOCUMENT, &location)?;
            images.push((described.iter().any(|d| d == spdx_id), image));
            continue;
        }
        if purpose == Some(PURPOSE_OS) || spdx_id.starts_with("SPDXRef-OperatingSystem") {
            if os.is_none()
                && let Some(name) = name.filter(|n| !n.is_empty())
            {
                os = Some(OsInfo {
                    family: os_family(name),
                    version: version.unwrap_or_default().to_owned(),
                    codename: properties
                        .first(&[property::OS_CODENAME])
                        .map(str::to_owned),
                    pretty_name: get_str(package, "description", DOCUMENT, &location)?
                        .map(str::to_owned),
                });
            }
            continue;
        }
        let id = purl.or(Some(spdx_id).filter(|id| !id.is_empty()));
        let record = Record {
            location: match id {
                Some(id) => format!("{location} (`{}`)", shorten(id)),
                None => location.clone(),
            },
            name: name.map(str::to_owned),
            version: version.map(str::to_owned),
            purl: purl.map(str::to_owned),
            licenses: read_licenses(package, &location, &license_names)?,
            vendor: get_str(package, "supplier", DOCUMENT, &location)?.and_then(actor_name),
            properties,
            source: get_str(package, "sourceInfo", DOCUMENT, &location)?.and_then(trivy_source),
        };
        match decode_package(record, DOCUMENT)? {
            Decoded::Package(package) => packages.push(*package),
            Decoded::Unknown(unknown) => unknowns.push(unknown),
            Decoded::Skip => {}
        }
    }

    // The image the document describes, else the first container in it.
    images.sort_by_key(|(is_described, _)| !is_described);
    let image = images.into_iter().next().map_or_else(
        || ImageIdentity {
            target: get_str(document, "name", DOCUMENT, "$")
                .ok()
                .flatten()
                .unwrap_or_default()
                .to_owned(),
            ..ImageIdentity::default()
        },
        |(_, image)| image,
    );
    Ok(finish(image, os, packages, unknowns))
}

/// Annotation comments and attribution texts of the form `name: value`.
fn read_annotations(package: &Value, location: &str) -> Result<Properties, SbomError> {
    let mut properties = Vec::new();
    for (index, annotation) in get_array(package, "annotations", DOCUMENT, location)?
        .iter()
        .enumerate()
    {
        let annotation_location = format!("{location}.annotations[{index}]");
        expect_object(annotation, DOCUMENT, &annotation_location)?;
        if let Some((name, value)) = get_str(annotation, "comment", DOCUMENT, &annotation_location)?
            .and_then(|comment| comment.split_once(": "))
        {
            properties.push((name.to_owned(), value.to_owned()));
        }
    }
    for (index, text) in get_array(package, "attributionTexts", DOCUMENT, location)?
        .iter()
        .enumerate()
    {
        let Value::String(text) = text else {
            return Err(SbomError::Malformed {
                document: DOCUMENT,
                location: format!("{location}.attributionTexts[{index}]"),
                expected: "a string",
            });
        };
        if let Some((name, value)) = text.split_once(": ") {
            properties.push((name.to_owned(), value.to_owned()));
        }
    }
    Ok(Properties(properties))
}

/// The locator of the first `purl` external reference.
fn read_purl<'a>(package: &'a Value, location: &str) -> Result<Option<&'a str>, SbomError> {
    for (index, reference) in get_array(package, "externalRefs", DOCUMENT, location)?
        .iter()
        .enumerate()
    {
        let reference_location = format!("{location}.externalRefs[{index}]");
        expect_object(reference, DOCUMENT, &reference_location)?;
        if get_str(reference, "referenceType", DOCUMENT, &reference_location)? == Some("purl") {
            return get_str(reference, "referenceLocator", DOCUMENT, &reference_location);
        }
    }
    Ok(None)
}

/// The declared license expression split at its top-level `AND`s, with each `LicenseRef-` that
/// stands alone replaced by the name the document gives it.
fn read_licenses(
    package: &Value,
    location: &str,
    license_names: &BTreeMap<String, String>,
) -> Result<Vec<String>, SbomError> {
    let declared = get_str(package, "licenseDeclared", DOCUMENT, location)?.unwrap_or_default();
    if declared.is_empty() || declared == NOASSERTION || declared == "NONE" {
        return Ok(Vec::new());
    }
    Ok(split_conjunction(declared)
        .into_iter()
        .map(|part| license_names.get(&part).cloned().unwrap_or(part))
        .collect())
}

/// `Organization: Name (mail)` → `Name (mail)`; `NOASSERTION` → nothing.
fn actor_name(actor: &str) -> Option<String> {
    let name = ["Organization: ", "Person: ", "Tool: "]
        .iter()
        .find_map(|prefix| actor.strip_prefix(prefix))
        .unwrap_or(actor)
        .trim();
    (!name.is_empty() && name != NOASSERTION).then(|| name.to_owned())
}

/// Trivy's `built package from: <name> <version>`.
fn trivy_source(source_info: &str) -> Option<(String, Option<String>)> {
    let mut words = source_info
        .strip_prefix("built package from: ")?
        .split_whitespace();
    let name = words.next()?.to_owned();
    Some((name, words.next().map(str::to_owned)))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{options, sample, sorted};
    use super::*;

    #[test]
    fn round_trip_keeps_the_packages() {
        let inventory = sample();
        let document = to_spdx(&inventory, &options());
        let decoded = from_spdx(document.to_string().as_bytes()).unwrap();
        assert_eq!(decoded.packages, sorted(&inventory));
        assert_eq!(decoded.image, inventory.image);
        assert_eq!(decoded.os, inventory.os);
        assert!(decoded.unknowns.is_empty());
    }

    #[test]
    fn output_is_deterministic_and_ids_are_spdx_idstrings() {
        let inventory = sample();
        let document = to_spdx(&inventory, &options());
        let mut shuffled = inventory.clone();
        shuffled.packages.reverse();
        assert_eq!(to_spdx(&shuffled, &options()), document);
        for package in document["packages"].as_array().unwrap() {
            let id = package["SPDXID"].as_str().unwrap();
            let idstring = id.strip_prefix("SPDXRef-").unwrap();
            assert!(
                idstring
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-'),
                "{id}"
            );
        }
        let namespace = document["documentNamespace"].as_str().unwrap();
        assert!(namespace.starts_with("https://tollgate.invalid/spdx/example.com-team-app-"));
    }

    #[test]
    fn licenses_unknown_to_spdx_become_license_refs() {
        let mut extracted = BTreeMap::new();
        let declared = declared_license(
            &[
                "GPL-2+".to_owned(),
                "mit OR Zlib".to_owned(),
                "Custom".to_owned(),
            ],
            &mut extracted,
        );
        let gpl = extracted
            .iter()
            .find(|(_, name)| *name == "GPL-2+")
            .map(|(id, _)| id.clone())
            .unwrap();
        assert!(gpl.starts_with("LicenseRef-GPL-2-"), "{gpl}");
        assert_eq!(
            declared,
            format!("{gpl} AND (MIT OR Zlib) AND LicenseRef-Custom")
        );
        assert_eq!(declared_license(&[], &mut extracted), "NOASSERTION");
        assert!(license_ref("!!!", &mut extracted).starts_with("LicenseRef-"));
    }

    #[test]
    fn created_in_spdx_form() {
        assert_eq!(spdx_created("2024-01-02T03:04:05Z"), "2024-01-02T03:04:05Z");
        assert_eq!(
            spdx_created("2024-01-02T03:04:05.123456Z"),
            "2024-01-02T03:04:05Z"
        );
        assert_eq!(
            spdx_created("2024-01-02T03:04:05+00:00"),
            "2024-01-02T03:04:05Z"
        );
        assert_eq!(
            spdx_created("2024-01-02T03:04:05.5-00:00"),
            "2024-01-02T03:04:05Z"
        );
    }

    #[test]
    fn reads_trivy_conventions() {
        let document = json!({
            "spdxVersion": "SPDX-2.2",
            "SPDXID": "SPDXRef-DOCUMENT",
            "name": "alpine:3.16",
            "packages": [
                { "SPDXID": "SPDXRef-OperatingSystem-bd17bf9010aa612c", "name": "alpine",
                  "versionInfo": "3.16.0" },
                { "SPDXID": "SPDXRef-Package-b7ebaf0233f1ef7b", "name": "musl", "versionInfo": "1.2.3-r0",
                  "licenseDeclared": "MIT",
                  "attributionTexts": ["LayerDigest: sha256:ec2b7437b21d0f1418749fb6b8930cc28b1786c3022bf8b71f3d051935f13cc9"],
                  "externalRefs": [{ "referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
                                     "referenceLocator": "pkg:apk/alpine/musl@1.2.3-r0?distro=3.16.0" }],
                  "sourceInfo": "built package from: musl 1.2.3-r0" },
                { "SPDXID": "SPDXRef-Package-2a53baa495b9ddaf", "name": "org.codehaus.mojo:child-project",
                  "versionInfo": "1.0", "licenseDeclared": "NONE",
                  "externalRefs": [{ "referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
                                     "referenceLocator": "pkg:maven/org.codehaus.mojo/child-project@1.0" }] },
                { "SPDXID": "SPDXRef-Application-1", "name": "Java", "versionInfo": "jar" }
            ],
            "relationships": []
        });
        let inventory = from_spdx(document.to_string().as_bytes()).unwrap();
        assert_eq!(inventory.image.target, "alpine:3.16");
        let os = inventory.os.unwrap();
        assert_eq!(
            (os.family.as_str(), os.version.as_str()),
            ("alpine", "3.16.0")
        );
        let [maven, musl] = inventory.packages.as_slice() else {
            panic!("{:#?}", inventory.packages);
        };
        assert_eq!(musl.licenses, ["MIT"]);
        assert_eq!(musl.source_name.as_deref(), Some("musl"));
        assert_eq!(musl.source_version.as_deref(), Some("1.2.3-r0"));
        assert!(musl.layer.is_some());
        assert_eq!(maven.name, "child-project");
        assert_eq!(maven.namespace.as_deref(), Some("org.codehaus.mojo"));
        assert!(maven.licenses.is_empty());
        assert!(inventory.unknowns.is_empty());
    }

    #[test]
    fn errors_name_what_and_where() {
        let decode = |document: Value| from_spdx(document.to_string().as_bytes()).unwrap_err();
        let error = decode(json!({ "spdxVersion": "SPDX-3.0" }));
        assert!(
            matches!(&error, SbomError::UnsupportedVersion { document: "spdx", version, .. } if version == "SPDX-3.0")
        );
        let error = decode(json!({ "spdxVersion": "SPDX-2.3", "packages": [
            { "SPDXID": "SPDXRef-x", "externalRefs": [{ "referenceType": "purl",
              "referenceLocator": "pkg:deb/debian/libc6?arch=amd64" }] }] }));
        assert!(
            matches!(&error, SbomError::MissingField { field: "version", location, .. }
            if location == "packages[0] (`pkg:deb/debian/libc6?arch=amd64`)")
        );
        let error = decode(json!({ "spdxVersion": "SPDX-2.3", "packages": [{ "name": ["x"] }] }));
        assert!(
            matches!(&error, SbomError::Malformed { location, .. } if location == "packages[0].name")
        );
        let error =
            decode(json!({ "spdxVersion": "SPDX-2.3", "packages": [{ "attributionTexts": [1] }] }));
        assert!(
            matches!(&error, SbomError::Malformed { location, .. } if location == "packages[0].attributionTexts[0]")
        );
        assert!(matches!(
            from_spdx(b"nope"),
            Err(SbomError::Json {
                document: "spdx",
                ..
            })
        ));
    }
}
