//! TG-CFG-006: setuid or setgid files.

use tollgate_match::Severity;

use crate::Evidence;
use crate::config::{Context, Rule, capped};

pub(super) const RULE: SetidFiles = SetidFiles;

pub(super) struct SetidFiles;

impl Rule for SetidFiles {
    fn id(&self) -> &'static str {
        "TG-CFG-006"
    }

    fn severity(&self) -> Severity {
        Severity::Medium
    }

    fn title(&self) -> &'static str {
        "Setuid or setgid files"
    }

    fn remedy(&self) -> &'static str {
        "Remove the setuid/setgid bits the application does not need (`chmod a-s` on them in the \
         last build step, or delete su, mount, passwd and the like), and run with \
         `no-new-privileges` (allowPrivilegeEscalation: false) so that no binary can raise a \
         non-root user's privileges."
    }

    /// Regular files (and hard links to them) of the final filesystem with mode bit 04000 or
    /// 02000.
    fn check(&self, context: &Context<'_>) -> Vec<Evidence> {
        let evidence = context
            .filesystem()
            .setid
            .iter()
            .map(|file| {
                let mode = file.mode & 0o7777;
                let bits = match (mode & 0o4000 != 0, mode & 0o2000 != 0) {
                    (true, true) => "setuid and setgid",
                    (true, false) => "setuid",
                    _ => "setgid",
                };
                context.file_evidence(&file.path, file.layer, format!("{bits}, mode {mode:04o}"))
            })
            .collect();
        capped(evidence)
    }
}
