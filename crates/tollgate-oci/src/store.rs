//! Reading and writing the artifacts that sit beside an image: signatures under tags
//! (`sha256-<hex>.sig`), and referrers (OCI 1.1 manifests whose `subject` is the image). Two
//! places can hold them: a registry (distribution spec pushes; the referrers API, or the
//! referrers tag schema where the registry has no such API) and an OCI layout directory (blobs
//! and `index.json` entries, written atomically).
//!
//! ref: <https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#pushing-manifests>
//! ref: <https://github.com/opencontainers/distribution-spec/blob/v1.1.0/spec.md#listing-referrers>

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::image::media_type;
use crate::source::ImageSource;
use crate::source::registry::RegistrySource;
use crate::{Digest, Error, Limits, OpenOptions, Reference, Result, Target};

mod layout;
mod registry;

/// `org.opencontainers.image.ref.name`: a tag in a layout's `index.json`.
pub const REF_NAME_ANNOTATION: &str = "org.opencontainers.image.ref.name";

/// An OCI content descriptor, serialised in the field order go-containerregistry (cosign)
/// writes. Unknown fields are kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Descriptor {
    /// Media type.
    #[serde(rename = "mediaType")]
    pub media_type: String,
    /// Size in bytes.
    pub size: u64,
    /// `sha256:<hex>`.
    pub digest: String,
    /// Annotations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
    /// Other fields (`urls`, `artifactType`, ...), kept as they were.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Descriptor {
    /// A descriptor of `bytes`.
    #[must_use]
    pub fn of(media_type: &str, bytes: &[u8]) -> Self {
        Self {
            media_type: media_type.to_owned(),
            size: bytes.len() as u64,
            digest: Digest::sha256_of(bytes).to_string(),
            annotations: None,
            extra: Map::new(),
        }
    }

    /// `artifactType`, if set.
    #[must_use]
    pub fn artifact_type(&self) -> Option<&str> {
        self.extra.get("artifactType").and_then(Value::as_str)
    }

    /// One annotation.
    #[must_use]
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.annotations
            .as_ref()
            .and_then(|annotations| annotations.get(key))
            .map(String::as_str)
    }
}

/// An image index, as the referrers API and the referrers tag schema return it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Index {
    #[serde(rename = "schemaVersion")]
    schema_version: u32,
    #[serde(rename = "mediaType", default, skip_serializing_if = "Option::is_none")]
    media_type: Option<String>,
    #[serde(default)]
    manifests: Vec<Descriptor>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

impl Index {
    fn empty() -> Self {
        Self {
            schema_version: 2,
            media_type: Some(media_type::OCI_INDEX.to_owned()),
            manifests: Vec::new(),
            extra: Map::new(),
        }
    }

    fn parse(bytes: &[u8], what: &str) -> Result<Self> {
        serde_json::from_slice(bytes).map_err(|source| Error::parse(what.to_owned(), source))
    }

    fn to_bytes(&self) -> Result<Vec<u8>> {
        serde_json::to_vec(self).map_err(|source| Error::parse("an image index", source))
    }
}

/// A manifest read from the store, verified against the digest it was asked by (or computed).
#[derive(Debug, Clone)]
pub struct StoredManifest {
    /// The bytes, as stored.
    pub bytes: Vec<u8>,
    /// Their digest.
    pub digest: Digest,
    /// The media type the store declared, else the one in the manifest.
    pub media_type: String,
}

impl StoredManifest {
    fn new(bytes: Vec<u8>, digest: Digest, declared: Option<String>) -> Self {
        let media_type = declared.unwrap_or_else(|| {
            serde_json::from_slice::<Value>(&bytes)
                .ok()
                .and_then(|value| value.get("mediaType")?.as_str().map(str::to_owned))
                .unwrap_or_else(|| media_type::OCI_MANIFEST.to_owned())
        });
        Self {
            bytes,
            digest,
            media_type,
        }
    }
}

/// What a manifest push did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pushed {
    /// The manifest's digest.
    pub digest: Digest,
    /// The registry indexed the manifest's `subject` itself (it answered with `OCI-Subject`), so
    /// no referrers tag needs updating.
    pub subject_indexed: bool,
}

/// Where an image's signatures and referrers are read and written.
pub struct ArtifactStore {
    backend: Backend,
    limits: Limits,
}

enum Backend {
    Registry(Box<RegistrySource>),
    Layout(layout::LayoutDirectory),
}

impl ArtifactStore {
    /// Open the store of `target` for reading and writing: a registry repository or an OCI
    /// layout directory. Other transports (archives, `rootfs:`) cannot hold signatures.
    ///
    /// # Errors
    /// [`Error::InvalidTarget`] for other transports; the transport's errors.
    pub fn open(target: &Target, options: &OpenOptions) -> Result<Self> {
        let backend = match target {
            Target::Registry(reference) => Backend::Registry(Box::new(
                RegistrySource::new_for_push(reference.clone(), &options.registry)?,
            )),
            Target::OciLayout { path, reference } => {
                Backend::Layout(layout::LayoutDirectory::open(path, reference.clone())?)
            }
            Target::OciArchive { .. } | Target::DockerArchive { .. } | Target::Rootfs(_) => {
                return Err(Error::InvalidTarget {
                    input: target.to_string(),
                    reason: "signatures and attestations are kept in a registry (docker://) or an \
                         OCI layout directory (oci:); copy the image to one first, e.g. with \
                         `skopeo copy`"
                        .to_owned(),
                });
            }
        };
        Ok(Self {
            backend,
            limits: options.limits.clone(),
        })
    }

    /// A human name for messages, e.g. `registry ghcr.io`.
    #[must_use]
    pub fn describe(&self) -> String {
        match &self.backend {
            Backend::Registry(source) => source.describe(),
            Backend::Layout(layout) => layout.source().describe(),
        }
    }

    /// The registry reference, for a registry store.
    #[must_use]
    pub fn reference(&self) -> Option<&Reference> {
        match &self.backend {
            Backend::Registry(source) => Some(source.reference()),
            Backend::Layout(_) => None,
        }
    }

    /// The manifest or index the target names (what is signed).
    ///
    /// # Errors
    /// Not found, transport errors, a digest mismatch.
    pub fn resolve(&self) -> Result<StoredManifest> {
        let blob = match &self.backend {
            Backend::Registry(source) => source.root_manifest(&self.limits)?,
            Backend::Layout(layout) => layout.source().root_manifest(&self.limits)?,
        };
        Ok(StoredManifest::new(
            blob.bytes,
            blob.digest,
            blob.media_type,
        ))
    }

    /// The manifest a tag or digest names, or `None` when there is none.
    ///
    /// # Errors
    /// Transport errors, a digest mismatch, a manifest over the size limit.
    pub fn manifest(&self, reference: &str) -> Result<Option<StoredManifest>> {
        match &self.backend {
            Backend::Registry(source) => registry::manifest(source, reference, &self.limits),
            Backend::Layout(layout) => layout.manifest(reference, &self.limits),
        }
    }

    /// A blob, read in full up to `limit` bytes and verified against its digest.
    ///
    /// # Errors
    /// Not found, over the limit, a digest mismatch.
    pub fn blob(&self, digest: &Digest, limit: u64) -> Result<Vec<u8>> {
        let what = format!("blob {digest} of {}", self.describe());
        let reader = match &self.backend {
            Backend::Registry(source) => source.blob(digest)?,
            Backend::Layout(layout) => layout.source().blob(digest)?,
        };
        crate::digest::read_small_blob(reader, &what, Some(digest), limit).map_err(|error| {
            match error {
                Error::LimitExceeded {
                    what, limit, unit, ..
                } => Error::LimitExceeded {
                    what,
                    limit,
                    unit,
                    hint: "",
                },
                other => other,
            }
        })
    }

    /// Store a blob (nothing is sent when the store has it already).
    ///
    /// # Errors
    /// Transport or file errors.
    pub fn push_blob(&self, bytes: &[u8]) -> Result<Digest> {
        let digest = Digest::sha256_of(bytes);
        match &self.backend {
            Backend::Registry(source) => registry::push_blob(source, &digest, bytes)?,
            Backend::Layout(layout) => layout.put_blob(&digest, bytes)?,
        }
        Ok(digest)
    }

    /// Store a manifest by digest, and under `tag` when one is given (replacing what the tag
    /// named). Its blobs must be stored first.
    ///
    /// # Errors
    /// Transport or file errors; a registry that names other content than was sent.
    pub fn push_manifest(
        &self,
        bytes: &[u8],
        media_type: &str,
        tag: Option<&str>,
    ) -> Result<Pushed> {
        let digest = Digest::sha256_of(bytes);
        match &self.backend {
            Backend::Registry(source) => {
                registry::push_manifest(source, &digest, bytes, media_type, tag)
            }
            Backend::Layout(layout) => {
                layout.put_manifest(&digest, bytes, media_type, tag)?;
                Ok(Pushed {
                    digest,
                    subject_indexed: true,
                })
            }
        }
    }

    /// Store `manifest` (which has `subject` set to `subject`) as a referrer: pushed by digest,
    /// then listed where readers look for it. A registry without the referrers API gets the
    /// `sha256-<hex>` referrers tag updated (read, append, write: two writers at once can lose
    /// one entry, as with every client of that schema); a layout lists it in `index.json`.
    ///
    /// # Errors
    /// Transport or file errors; an existing referrers tag that is not an index.
    pub fn push_referrer(&self, manifest: &[u8], subject: &Digest) -> Result<Digest> {
        let descriptor = referrer_descriptor(manifest)?;
        let pushed = self.push_manifest(manifest, media_type::OCI_MANIFEST, None)?;
        match &self.backend {
            Backend::Registry(_) if pushed.subject_indexed => {}
            Backend::Registry(_) => {
                let tag = referrers_tag(subject);
                let mut index = match self.manifest(&tag)? {
                    Some(existing) => Index::parse(
                        &existing.bytes,
                        &format!("the referrers tag `{tag}` of {}", self.describe()),
                    )?,
                    None => Index::empty(),
                };
                if !index
                    .manifests
                    .iter()
                    .any(|entry| entry.digest == descriptor.digest)
                {
                    index.manifests.push(descriptor);
                    self.push_manifest(&index.to_bytes()?, media_type::OCI_INDEX, Some(&tag))?;
                }
            }
            Backend::Layout(layout) => layout.list_referrer(descriptor)?,
        }
        Ok(pushed.digest)
    }

    /// The referrers of `subject`: manifests whose `subject` names it.
    ///
    /// # Errors
    /// Transport or file errors; an answer that is not an index.
    pub fn referrers(&self, subject: &Digest) -> Result<Vec<Descriptor>> {
        match &self.backend {
            Backend::Registry(source) => {
                if let Some(index) = registry::referrers_api(source, subject, &self.limits)? {
                    return Ok(index.manifests);
                }
                let tag = referrers_tag(subject);
                match self.manifest(&tag)? {
                    Some(existing) => Ok(Index::parse(
                        &existing.bytes,
                        &format!("the referrers tag `{tag}` of {}", self.describe()),
                    )?
                    .manifests),
                    None => Ok(Vec::new()),
                }
            }
            Backend::Layout(layout) => layout.referrers(subject, &self.limits),
        }
    }
}

/// The referrers tag schema's tag for `subject`: `<alg>-<hex>`.
#[must_use]
pub fn referrers_tag(subject: &Digest) -> String {
    format!("{}-{}", subject.algorithm().name(), subject.hex())
}

/// The index entry for a referrer manifest: its descriptor with `artifactType` and
/// annotations copied from it, as the referrers API lists it.
fn referrer_descriptor(manifest: &[u8]) -> Result<Descriptor> {
    let parsed: Value = serde_json::from_slice(manifest)
        .map_err(|source| Error::parse("a referrer manifest", source))?;
    let mut descriptor = Descriptor::of(media_type::OCI_MANIFEST, manifest);
    let artifact_type = parsed
        .get("artifactType")
        .and_then(Value::as_str)
        .or_else(|| parsed.pointer("/config/mediaType").and_then(Value::as_str));
    if let Some(artifact_type) = artifact_type {
        descriptor
            .extra
            .insert("artifactType".to_owned(), Value::from(artifact_type));
    }
    descriptor.annotations = parsed
        .get("annotations")
        .and_then(|value| serde_json::from_value(value.clone()).ok());
    Ok(descriptor)
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::source::registry::tests::{Reply, Request, TestServer, source};

    fn registry_store(server: &TestServer) -> ArtifactStore {
        let mut registry = source(server, &crate::RegistryOptions::default());
        registry.set_push();
        ArtifactStore {
            backend: Backend::Registry(Box::new(registry)),
            limits: Limits::default(),
        }
    }

    const IMAGE: &[u8] = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":2,"digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"},"layers":[]}"#;

    /// A registry with the referrers API (as distribution 3, zot, Harbor 2.8+): a manifest
    /// with a subject is indexed by the registry, which says so with `OCI-Subject`; no
    /// referrers tag is written, and the API's answer is what `referrers` returns.
    #[test]
    fn registry_with_referrers_api_is_not_given_a_referrers_tag() {
        let image_digest = Digest::sha256_of(IMAGE);
        let stored: std::sync::Arc<Mutex<Vec<Vec<u8>>>> = std::sync::Arc::default();
        let server = {
            let stored = std::sync::Arc::clone(&stored);
            let image_digest = image_digest.clone();
            TestServer::start(move |request: &Request| {
                let path = request.path();
                match (request.method.as_str(), path) {
                    ("PUT", _) if path.starts_with("/v2/team/app/manifests/") => {
                        stored.lock().unwrap().push(request.body.clone());
                        Reply::new(201)
                            .header(
                                "Docker-Content-Digest",
                                &Digest::sha256_of(&request.body).to_string(),
                            )
                            .header("OCI-Subject", &image_digest.to_string())
                    }
                    ("GET", _) if path == format!("/v2/team/app/referrers/{image_digest}") => {
                        let stored = stored.lock().unwrap();
                        let manifests: Vec<Descriptor> = stored
                            .iter()
                            .map(|bytes| referrer_descriptor(bytes).unwrap())
                            .collect();
                        let index = Index {
                            manifests,
                            ..Index::empty()
                        };
                        Reply::new(200)
                            .header("Content-Type", media_type::OCI_INDEX)
                            .body(&index.to_bytes().unwrap())
                    }
                    ("GET", "/v2/") => Reply::new(200),
                    _ => Reply::new(404),
                }
            })
        };
        let store = registry_store(&server);
        let referrer = format!(
            r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/example","config":{{"mediaType":"application/vnd.oci.empty.v1+json","size":2,"digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"}},"layers":[],"subject":{{"mediaType":"application/vnd.oci.image.manifest.v1+json","size":{},"digest":"{image_digest}"}}}}"#,
            IMAGE.len()
        );
        let digest = store
            .push_referrer(referrer.as_bytes(), &image_digest)
            .unwrap();
        let listed = store.referrers(&image_digest).unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].digest, digest.to_string());
        assert_eq!(listed[0].artifact_type(), Some("application/example"));
        let tag_writes = server
            .requests()
            .into_iter()
            .filter(|request| request.method == "PUT" && request.path().contains("sha256-"))
            .count();
        assert_eq!(
            tag_writes, 0,
            "no referrers tag for a registry with the API"
        );
        let put = server
            .requests()
            .into_iter()
            .find(|request| request.method == "PUT")
            .unwrap();
        assert_eq!(
            put.header("content-type"),
            Some(media_type::OCI_MANIFEST),
            "the manifest is sent with its media type"
        );
    }

    /// A registry that stores other bytes than it was sent is refused.
    #[test]
    fn a_registry_that_rewrites_a_manifest_is_refused() {
        let server = TestServer::start(|request: &Request| match request.method.as_str() {
            "PUT" => Reply::new(201).header(
                "Docker-Content-Digest",
                &Digest::sha256_of(b"something else").to_string(),
            ),
            _ => Reply::new(200),
        });
        let store = registry_store(&server);
        let error = store
            .push_manifest(IMAGE, media_type::OCI_MANIFEST, Some("t"))
            .unwrap_err();
        assert!(matches!(error, Error::DigestMismatch { .. }), "{error}");
    }

    /// Token services are asked for push access, and an upload goes to the Location the
    /// registry gave, with the digest added to its query.
    #[test]
    fn blob_push_asks_for_push_scope_and_follows_the_upload_location() {
        let server = TestServer::start(|request: &Request| {
            let authorized = request.header("authorization") == Some("Bearer pushtoken");
            match (request.method.as_str(), request.path()) {
                (_, "/token") => {
                    if request
                        .target
                        .contains("scope=repository%3Ateam%2Fapp%3Apull%2Cpush")
                    {
                        Reply::new(200).body(br#"{"token":"pushtoken"}"#)
                    } else {
                        Reply::new(200).body(br#"{"token":"pulltoken"}"#)
                    }
                }
                (_, "/v2/") => Reply::new(200),
                _ if !authorized => Reply::new(401).header(
                    "WWW-Authenticate",
                    &format!(
                        r#"Bearer realm="http://{}/token",service="test""#,
                        request.header("host").unwrap_or_default()
                    ),
                ),
                ("HEAD", _) => Reply::new(404),
                ("POST", "/v2/team/app/blobs/uploads/") => {
                    Reply::new(202).header("Location", "/upload/session-1?state=abc")
                }
                ("PUT", "/upload/session-1") => Reply::new(201),
                _ => Reply::new(400),
            }
        });
        let store = registry_store(&server);
        let digest = store.push_blob(b"payload").unwrap();
        let upload = server.requests_to("/upload/session-1");
        assert_eq!(upload.len(), 1);
        assert_eq!(upload[0].body, b"payload");
        assert!(
            upload[0].target.contains("state=abc"),
            "{}",
            upload[0].target
        );
        assert!(
            upload[0]
                .target
                .contains(&format!("digest=sha256%3A{}", digest.hex())),
            "{}",
            upload[0].target
        );
    }

    #[test]
    fn referrers_tag_schema() {
        let digest: Digest = format!("sha256:{}", "ab".repeat(32)).parse().unwrap();
        assert_eq!(
            referrers_tag(&digest),
            format!("sha256-{}", "ab".repeat(32))
        );
    }

    #[test]
    fn referrer_descriptor_copies_artifact_type_and_annotations() {
        let manifest = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/vnd.dev.sigstore.bundle.v0.3+json","config":{"mediaType":"application/vnd.oci.empty.v1+json","size":2,"digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"},"layers":[],"annotations":{"dev.sigstore.bundle.content":"dsse-envelope"}}"#;
        let descriptor = referrer_descriptor(manifest).unwrap();
        assert_eq!(
            descriptor.artifact_type(),
            Some("application/vnd.dev.sigstore.bundle.v0.3+json")
        );
        assert_eq!(
            descriptor.annotation("dev.sigstore.bundle.content"),
            Some("dsse-envelope")
        );
        assert_eq!(descriptor.size, manifest.len() as u64);
        assert_eq!(descriptor.digest, Digest::sha256_of(manifest).to_string());
        // Without artifactType, the config media type stands in, as the referrers API does.
        let plain = br#"{"schemaVersion":2,"config":{"mediaType":"application/x-test","size":2,"digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"},"layers":[]}"#;
        assert_eq!(
            referrer_descriptor(plain).unwrap().artifact_type(),
            Some("application/x-test")
        );
        assert!(referrer_descriptor(b"not json").is_err());
    }

    #[test]
    fn descriptor_keeps_unknown_fields_and_field_order() {
        let text = r#"{"mediaType":"a/b","size":3,"digest":"sha256:00","annotations":{"k":"v"},"urls":["https://x"]}"#;
        let descriptor: Descriptor = serde_json::from_str(text).unwrap();
        assert_eq!(serde_json::to_string(&descriptor).unwrap(), text);
    }

    #[test]
    fn archives_cannot_hold_signatures() {
        let target = Target::parse("oci-archive:/nonexistent.tar").unwrap();
        let Err(error) = ArtifactStore::open(&target, &OpenOptions::default()) else {
            panic!("an archive must be refused")
        };
        assert!(
            error.to_string().contains("registry (docker://)"),
            "{error}"
        );
    }

    #[test]
    fn stored_manifest_media_type_falls_back_to_the_content() {
        let bytes = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#.to_vec();
        let digest = Digest::sha256_of(&bytes);
        assert_eq!(
            StoredManifest::new(bytes.clone(), digest.clone(), None).media_type,
            media_type::OCI_INDEX
        );
        assert_eq!(
            StoredManifest::new(bytes, digest, Some("x/y".to_owned())).media_type,
            "x/y"
        );
    }
}
