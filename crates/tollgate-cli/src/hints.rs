//! `hint:` lines for errors people can act on.

use tollgate_oci::Error;

pub(crate) fn for_error(error: &anyhow::Error) -> Vec<String> {
    let Some(error) = error.chain().find_map(|e| e.downcast_ref::<Error>()) else {
        return Vec::new();
    };
    let hint = match error {
        Error::DigestMismatch { .. } | Error::SizeMismatch { .. } => {
            "the content does not match its digest: the image is corrupt or was tampered with; do not use it"
        }
        Error::LimitExceeded { .. } => {
            "if the image is legitimate, raise the limit with the option named above"
        }
        Error::AbsolutePath { .. } | Error::PathEscape { .. } | Error::HardlinkEscape { .. } => {
            "no image builder writes such entries: treat this image as malicious"
        }
        Error::Auth { .. } => {
            "pass --creds user:password, or log in with `docker login` / `podman login`"
        }
        Error::InsecureNotAllowed { .. } => "pass --insecure to allow plain HTTP to this registry",
        Error::NoMatchingPlatform { .. } => {
            "choose one of the available platforms with --platform os/arch[/variant]"
        }
        Error::ReferenceNotFound { .. } => {
            "name one of the available references after the path, e.g. oci:<dir>:<tag>"
        }
        Error::InvalidTarget { .. } => {
            "targets look like oci:<dir>[:tag], oci-archive:<file>, docker-archive:<file>, docker://<ref>, rootfs:<dir>"
        }
        _ => return Vec::new(),
    };
    vec![hint.to_owned()]
}
