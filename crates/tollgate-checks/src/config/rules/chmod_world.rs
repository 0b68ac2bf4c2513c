//! TG-CFG-016: the build made files world-writable.

use std::sync::LazyLock;

use regex::Regex;
use tollgate_match::Severity;

use crate::Evidence;
use crate::config::{Context, Rule, history};

pub(super) const RULE: ChmodWorld = ChmodWorld;

pub(super) struct ChmodWorld;

/// `chmod [options] <mode>`; group 1 is the mode.
static CHMOD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\bchmod\s+(?:-\S+\s+)*([0-7]{3,4}|[ugoa]*[+=-][rwxXst]*(?:,[ugoa]*[+=-][rwxXst]*)*)(?:\s|$)")
        .expect("constant pattern")
});

/// Whether `mode` gives others write access: an octal mode with bit 0002 and without the
/// sticky bit (`chmod 1777` is how shared directories are made), or a symbolic clause for
/// `o` or `a` that adds or sets `w`.
fn world_writable(mode: &str) -> bool {
    if let Ok(octal) = u32::from_str_radix(mode, 8)
        && mode.bytes().all(|b| b.is_ascii_digit())
    {
        return octal & 0o002 != 0 && octal & 0o1000 == 0;
    }
    mode.split(',').any(|clause| {
        let Some(at) = clause.find(['+', '=']) else {
            return false;
        };
        let (who, how) = clause.split_at(at);
        (who.contains('o') || who.contains('a')) && how.contains('w')
    })
}

impl Rule for ChmodWorld {
    fn id(&self) -> &'static str {
        "TG-CFG-016"
    }

    fn severity(&self) -> Severity {
        Severity::Low
    }

    fn title(&self) -> &'static str {
        "Build made files world-writable (chmod 777)"
    }

    fn remedy(&self) -> &'static str {
        "Give write access only to the user that needs it (`chown` to that user, modes such as \
         0750/0640) instead of `chmod 777`; shared scratch directories take the sticky bit \
         (1777)."
    }

    /// History commands `chmod [-R] <mode>` whose mode gives others write access (777, 0666,
    /// a+rwx, o+w…) without the sticky bit.
    fn check(&self, context: &Context<'_>) -> Vec<Evidence> {
        history::matching(context, &[("chmod world-writable", &CHMOD)], |captures| {
            captures
                .get(1)
                .is_some_and(|mode| world_writable(mode.as_str()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes() {
        for mode in ["777", "0777", "666", "0757", "a+rwx", "o+w", "ugo+rwx", "u+x,o+w", "a=rwx"] {
            assert!(world_writable(mode), "{mode}");
        }
        for mode in ["755", "0644", "1777", "u+rwx", "g+w", "o-w", "+x", "a+rx", "go-w"] {
            assert!(!world_writable(mode), "{mode}");
        }
    }
}
