//! Matching patterns in the build history's commands, shown with their secrets redacted.

use regex::Regex;

use super::context::Context;
use super::secrets::{excerpt, redact};
use crate::Evidence;

/// Evidence for every history entry whose command (secrets redacted first) matches one of
/// `patterns` (what it means, the pattern) and passes `accept`: one piece per entry, naming
/// what matched and showing the command around the first match.
pub(crate) fn matching(
    context: &Context<'_>,
    patterns: &[(&'static str, &Regex)],
    accept: impl Fn(&regex::Captures<'_>) -> bool,
) -> Vec<Evidence> {
    let Some(config) = &context.config else {
        return Vec::new();
    };
    let mut evidence = Vec::new();
    for (position, entry) in config.history.iter().enumerate() {
        let command = redact(&entry.created_by).text;
        let mut what = Vec::new();
        let mut first = None;
        for (meaning, regex) in patterns {
            for captures in regex.captures_iter(&command) {
                if !accept(&captures) {
                    continue;
                }
                if let Some(whole) = captures.get(0) {
                    first = Some(first.map_or(whole.start(), |at: usize| at.min(whole.start())));
                }
                if !what.contains(meaning) {
                    what.push(*meaning);
                }
            }
        }
        if let Some(at) = first {
            evidence.push(context.history_evidence(
                position,
                entry,
                format!("{} ({})", excerpt(&command, at, 240), what.join(", ")),
            ));
        }
    }
    evidence
}
