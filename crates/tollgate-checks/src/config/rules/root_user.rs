//! TG-CFG-001: the container's processes run as root.

use tollgate_match::Severity;

use crate::Evidence;
use crate::config::accounts::{numeric_id, split_user};
use crate::config::{Context, Rule, field_evidence};

pub(super) const RULE: RunsAsRoot = RunsAsRoot;

pub(super) struct RunsAsRoot;

impl Rule for RunsAsRoot {
    fn id(&self) -> &'static str {
        "TG-CFG-001"
    }

    fn severity(&self) -> Severity {
        Severity::High
    }

    fn title(&self) -> &'static str {
        "Container runs as root"
    }

    fn remedy(&self) -> &'static str {
        "Create an unprivileged user in the image and end the Dockerfile with `USER <uid>:<gid>` \
         (numeric ids, so that Kubernetes' runAsNonRoot can verify them); give that user only \
         the files it must write."
    }

    /// Root is: no USER (or an empty one), uid 0 with any group, or a name that the image's
    /// own `/etc/passwd` gives uid 0 (`root` itself when the image has no passwd entry for
    /// it). Without a config (a root filesystem) there is nothing to judge.
    fn check(&self, context: &Context<'_>) -> Vec<Evidence> {
        let Some(config) = &context.config else {
            return Vec::new();
        };
        let user = config.user.as_deref().unwrap_or_default();
        let (name, _) = split_user(user);
        let Some(name) = name else {
            let detail = if user.trim().is_empty() {
                "USER is not set: processes run as root (uid 0)".to_owned()
            } else {
                format!("USER {user:?} names only a group: processes run as root (uid 0)")
            };
            return vec![field_evidence("config.User", detail)];
        };
        if let Some(uid) = numeric_id(name) {
            return if uid == 0 {
                vec![field_evidence(
                    "config.User",
                    format!("USER {user:?}: uid 0 is root"),
                )]
            } else {
                Vec::new()
            };
        }
        let entry = context
            .passwd()
            .and_then(|entries| entries.into_iter().find(|entry| entry.name == name));
        match entry {
            Some(entry) if entry.uid == 0 => {
                let mut evidence = vec![field_evidence(
                    "config.User",
                    format!("USER {user:?}: `{name}` has uid 0 in the image's /etc/passwd"),
                )];
                if let Some(file) = context.files.get("/etc/passwd") {
                    evidence.push(context.file_evidence(
                        &file.path,
                        file.layer_index,
                        format!("{}:…:0:{}:…", entry.name, entry.gid),
                    ));
                }
                evidence
            }
            Some(_) => Vec::new(),
            None if name == "root" => vec![field_evidence(
                "config.User",
                format!("USER {user:?}"),
            )],
            // A name the image does not define: TG-CFG-002.
            None => Vec::new(),
        }
    }
}
