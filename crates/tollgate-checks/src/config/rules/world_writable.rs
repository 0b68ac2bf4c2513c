//! TG-CFG-007: world-writable files, and directories without the sticky bit.

use tollgate_match::Severity;
use tollgate_oci::FileKind;

use crate::Evidence;
use crate::config::{Context, Rule, capped};

pub(super) const RULE: WorldWritable = WorldWritable;

pub(super) struct WorldWritable;

impl Rule for WorldWritable {
    fn id(&self) -> &'static str {
        "TG-CFG-007"
    }

    fn severity(&self) -> Severity {
        Severity::Medium
    }

    fn title(&self) -> &'static str {
        "World-writable files or directories without the sticky bit"
    }

    fn remedy(&self) -> &'static str {
        "Remove write permission for others (`chmod o-w`), give the files to the user that must \
         write them, and give shared scratch directories the sticky bit (mode 1777, as /tmp) so \
         that users cannot replace each other's files."
    }

    /// Files and directories of the final filesystem with mode bit 0002; directories only
    /// without the sticky bit 01000. Symbolic links (always 0777) are not counted.
    fn check(&self, context: &Context<'_>) -> Vec<Evidence> {
        let evidence = context
            .filesystem()
            .world_writable
            .iter()
            .map(|file| {
                let mode = file.mode & 0o7777;
                let detail = if file.kind == FileKind::Directory {
                    format!("directory, mode {mode:04o}, without the sticky bit")
                } else {
                    format!("file, mode {mode:04o}")
                };
                context.file_evidence(&file.path, file.layer, detail)
            })
            .collect();
        capped(evidence)
    }
}
