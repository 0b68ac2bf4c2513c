//! TG-CFG-005: compilers, debuggers or network tools ship in the image.

use tollgate_match::Severity;

use crate::Evidence;
use crate::config::tools::{find_programs, versioned};
use crate::config::{Context, Rule, capped};

pub(super) const RULE: DebugTools = DebugTools;

pub(super) struct DebugTools;

/// Tools that turn code execution into more: compilers and build tools (compile an exploit
/// on the spot), debuggers and tracers (read other processes' memory and secrets), raw network
/// tools (reverse shells, sniffing).
const TOOLS: &[&str] = &[
    "cc", "c++", "tcc", "make", "gmake", "gdb", "gdbserver", "lldb", "strace", "ltrace",
    "tcpdump", "nc", "netcat", "ncat", "socat", "nmap",
];

fn wanted(name: &str) -> bool {
    TOOLS.contains(&name)
        || ["gcc", "g++", "clang", "clang++"]
            .iter()
            .any(|stem| versioned(name, stem))
}

impl Rule for DebugTools {
    fn id(&self) -> &'static str {
        "TG-CFG-005"
    }

    fn severity(&self) -> Severity {
        Severity::Medium
    }

    fn title(&self) -> &'static str {
        "Compiler, debugger or network tool present"
    }

    fn remedy(&self) -> &'static str {
        "Remove unnecessary tools: compile in a build stage and copy only the result into the \
         final image; leave gcc/clang/make, gdb/strace/ltrace and nc/socat/tcpdump out of \
         production images and attach them only when debugging (ephemeral containers)."
    }

    /// Every executable named gcc, cc, g++, clang (with version suffixes), tcc, make, gdb,
    /// gdbserver, lldb, strace, ltrace, tcpdump, nc/netcat/ncat, socat or nmap in the program
    /// directories, symbolic links followed inside the image (busybox's `nc` applet too).
    fn check(&self, context: &Context<'_>) -> Vec<Evidence> {
        capped(find_programs(context, wanted))
    }
}
