//! The registry side of [`super::ArtifactStore`]: blob and manifest pushes, manifests by tag
//! that may not exist, and the referrers API.

use reqwest::header::LOCATION;
use reqwest::{Method, StatusCode, Url};

use super::{Index, Pushed, StoredManifest};
use crate::image::media_type;
use crate::source::ImageSource as _;
use crate::source::registry::{
    Outgoing, RegistrySource, content_digest, content_type, read_bounded, sanitize, status_error,
};
use crate::{Digest, Error, Limits, Result};

const OCTET_STREAM: &str = "application/octet-stream";

/// A manifest by tag or digest; `None` when the registry says it does not exist.
pub(super) fn manifest(
    source: &RegistrySource,
    reference: &str,
    limits: &Limits,
) -> Result<Option<StoredManifest>> {
    let expected: Option<Digest> = reference.parse().ok().filter(|_| reference.contains(':'));
    let display = format!("{}:{reference}", source.reference().name());
    Ok(source
        .manifest_if_present(reference, &display, expected.as_ref(), limits)?
        .map(|blob| StoredManifest::new(blob.bytes, blob.digest, blob.media_type)))
}

/// Upload a blob unless the registry has it: `POST` an upload session, then one `PUT` of the
/// whole blob with its digest (the monolithic upload every registry supports).
pub(super) fn push_blob(source: &RegistrySource, digest: &Digest, bytes: &[u8]) -> Result<()> {
    let repository = source.reference().repository();
    let blob_url = source.url(&format!("/v2/{repository}/blobs/{digest}"))?;
    let head = source.send(&Outgoing {
        method: Method::HEAD,
        url: blob_url,
        accept: None,
        body: None,
    })?;
    if head.status().is_success() {
        return Ok(());
    }
    let start = source.send(&Outgoing {
        method: Method::POST,
        url: source.url(&format!("/v2/{repository}/blobs/uploads/"))?,
        accept: None,
        body: Some((OCTET_STREAM.to_owned(), Vec::new())),
    })?;
    if start.status() != StatusCode::ACCEPTED {
        return Err(status_error(start));
    }
    let location = start
        .headers()
        .get(LOCATION)
        .and_then(|value| value.to_str().ok())
        .ok_or_else(|| Error::Http {
            url: start.url().to_string(),
            source: "the registry started an upload without a Location".into(),
        })?;
    let mut upload = start.url().join(location).map_err(|error| Error::Http {
        url: start.url().to_string(),
        source: format!(
            "invalid upload location `{}`: {error}",
            sanitize(location, 200)
        )
        .into(),
    })?;
    upload
        .query_pairs_mut()
        .append_pair("digest", &digest.to_string());
    let done = source.send(&Outgoing {
        method: Method::PUT,
        url: upload,
        accept: None,
        body: Some((OCTET_STREAM.to_owned(), bytes.to_vec())),
    })?;
    if !done.status().is_success() {
        return Err(status_error(done));
    }
    Ok(())
}

/// `PUT` a manifest under `tag`, or under its digest.
pub(super) fn push_manifest(
    source: &RegistrySource,
    digest: &Digest,
    bytes: &[u8],
    media_type: &str,
    tag: Option<&str>,
) -> Result<Pushed> {
    let reference = tag.map_or_else(|| digest.to_string(), str::to_owned);
    let path = format!(
        "/v2/{}/manifests/{reference}",
        source.reference().repository()
    );
    let response = source.send(&Outgoing {
        method: Method::PUT,
        url: source.url(&path)?,
        accept: None,
        body: Some((media_type.to_owned(), bytes.to_vec())),
    })?;
    if !response.status().is_success() {
        return Err(status_error(response));
    }
    // A registry that stores other bytes than it was sent (some rewrite manifests) would
    // leave signatures pointing at content that does not exist under that digest.
    if let Some(stored) = content_digest(&response)
        && stored != *digest
    {
        return Err(Error::DigestMismatch {
            what: format!("manifest pushed to {} as `{reference}`", source.describe()),
            expected: digest.clone(),
            actual: stored,
        });
    }
    Ok(Pushed {
        digest: digest.clone(),
        subject_indexed: response.headers().contains_key("oci-subject"),
    })
}

/// The referrers API's answer, or `None` when the registry has no such API (404).
pub(super) fn referrers_api(
    source: &RegistrySource,
    subject: &Digest,
    limits: &Limits,
) -> Result<Option<Index>> {
    let path = format!(
        "/v2/{}/referrers/{subject}",
        source.reference().repository()
    );
    let url: Url = source.url(&path)?;
    let response = source.send(&Outgoing {
        method: Method::GET,
        url: url.clone(),
        accept: Some(media_type::OCI_INDEX),
        body: None,
    })?;
    let status = response.status();
    // The spec's fallback signal is 404; registries that predate the API also answer 400 or
    // 405 for a path they do not route.
    if matches!(
        status,
        StatusCode::NOT_FOUND | StatusCode::BAD_REQUEST | StatusCode::METHOD_NOT_ALLOWED
    ) {
        return Ok(None);
    }
    if !status.is_success() {
        return Err(status_error(response));
    }
    let is_index = content_type(&response).as_deref() == Some(media_type::OCI_INDEX);
    let body = read_bounded(response, &url, limits.max_manifest_bytes)?;
    if !is_index {
        return Ok(None);
    }
    Index::parse(
        &body,
        &format!("the referrers of {subject} in {}", source.describe()),
    )
    .map(Some)
}
