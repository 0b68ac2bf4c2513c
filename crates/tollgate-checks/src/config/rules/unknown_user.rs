//! TG-CFG-002: USER names an account the image does not define.

use tollgate_match::Severity;

use crate::Evidence;
use crate::config::accounts::{numeric_id, split_user};
use crate::config::{Context, Rule, field_evidence};

pub(super) const RULE: UnknownUser = UnknownUser;

pub(super) struct UnknownUser;

impl Rule for UnknownUser {
    fn id(&self) -> &'static str {
        "TG-CFG-002"
    }

    fn severity(&self) -> Severity {
        Severity::Low
    }

    fn title(&self) -> &'static str {
        "USER names a user or group the image does not define"
    }

    fn remedy(&self) -> &'static str {
        "Create the user and group in the image (useradd/groupadd, or lines in /etc/passwd and \
         /etc/group), or give numeric ids in USER: runtimes refuse to start a container whose \
         USER names an account they cannot find in the image."
    }

    /// A non-numeric user missing from the final `/etc/passwd` (or with no passwd file at
    /// all), and a non-numeric group missing from `/etc/group`. Numeric ids need no entry.
    fn check(&self, context: &Context<'_>) -> Vec<Evidence> {
        let Some(config) = &context.config else {
            return Vec::new();
        };
        let user = config.user.as_deref().unwrap_or_default();
        let (name, group) = split_user(user);
        let mut evidence = Vec::new();
        if let Some(name) = name.filter(|name| numeric_id(name).is_none()) {
            match context.passwd() {
                None => evidence.push(field_evidence(
                    "config.User",
                    format!("USER {user:?}: the image has no /etc/passwd to find `{name}` in"),
                )),
                Some(entries) if !entries.iter().any(|entry| entry.name == name) => {
                    evidence.push(field_evidence(
                        "config.User",
                        format!("USER {user:?}: no user `{name}` in /etc/passwd"),
                    ));
                }
                Some(_) => {}
            }
        }
        if let Some(group) = group.filter(|group| numeric_id(group).is_none()) {
            match context.groups() {
                None => evidence.push(field_evidence(
                    "config.User",
                    format!("USER {user:?}: the image has no /etc/group to find `{group}` in"),
                )),
                Some(entries) if !entries.iter().any(|entry| entry.name == group) => {
                    evidence.push(field_evidence(
                        "config.User",
                        format!("USER {user:?}: no group `{group}` in /etc/group"),
                    ));
                }
                Some(_) => {}
            }
        }
        evidence
    }
}
