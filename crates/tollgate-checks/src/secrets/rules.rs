//! The secret rules: parsed from TOML once and compiled into one Aho-Corasick automaton over
//! every rule's keywords, a regex per rule, and the allow-lists; then the scan of one file's
//! bytes with them.

use std::ops::Range;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Input, MatchKind};
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use regex::bytes::{Captures, Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use tollgate_match::Severity;

use super::text;

/// The rules shipped with tollgate.
pub(crate) const BUILTIN_RULES: &str = include_str!("rules.toml");

/// A file is taken for binary when one of its first bytes is NUL.
const BINARY_PROBE: usize = 8 * 1024;
/// Secrets kept in one file before overlaps are settled (quadratic in this), all rules
/// together.
const MAX_CANDIDATES: usize = 1000;
/// Regex matches looked at in one file, all rules together, secrets or not: a hostile file
/// full of look-alikes costs bounded time after its keyword scan.
const MAX_EXAMINED: usize = 20_000;
/// Secrets reported for one file.
pub(crate) const MAX_MATCHES_PER_FILE: usize = 100;
/// Compiled size allowed for one regex (the largest built-in one needs far less).
const REGEX_SIZE_LIMIT: usize = 4 * 1024 * 1024;

/// The rules file.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    allow: AllowFile,
    rule: Vec<RuleFile>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct AllowFile {
    paths: Vec<String>,
    skip_extensions: Vec<String>,
    placeholders: Vec<String>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    id: String,
    title: String,
    severity: Severity,
    keywords: Vec<String>,
    regex: String,
    #[serde(default)]
    entropy: Option<f64>,
    #[serde(default)]
    min_length: Option<usize>,
    #[serde(default)]
    paths: Vec<String>,
    #[serde(default)]
    requires: Option<String>,
    #[serde(default)]
    allow_values: Vec<String>,
    #[serde(default)]
    allow_lines: Vec<String>,
    #[serde(default = "yes")]
    placeholders: bool,
    #[serde(default)]
    priority: i32,
}

fn yes() -> bool {
    true
}

/// Why a rules file was refused.
#[derive(Debug, thiserror::Error)]
#[error("secret rules: {0}")]
pub struct RulesError(String);

/// One secret rule.
#[derive(Debug)]
pub struct Rule {
    /// Stable id, e.g. `TG-SEC-001`.
    pub id: String,
    /// What it finds, e.g. `AWS access key id`.
    pub title: String,
    /// How bad a finding is unless a run re-rates it.
    pub severity: Severity,
    /// The keywords of its pre-filter, lower case.
    pub keywords: Vec<String>,
    patterns: Patterns,
    /// Compiled on first use: most files trigger few rules, and compiling every regex up front
    /// would cost a small scan more than the scan itself. `None` if compiling failed (the
    /// patterns were parsed when loaded; only a size limit can still refuse them).
    compiled: OnceLock<Option<Compiled>>,
    entropy: Option<f64>,
    min_length: usize,
    paths: Option<GlobSet>,
    placeholders: bool,
    priority: i32,
}

/// A rule's regular expressions, as written.
#[derive(Debug)]
struct Patterns {
    regex: String,
    requires: Option<String>,
    allow_values: Vec<String>,
    allow_lines: Vec<String>,
}

/// A rule's regular expressions, compiled.
#[derive(Debug)]
struct Compiled {
    regex: Regex,
    secret_group: SecretGroup,
    requires: Option<Regex>,
    allow_values: Option<RegexSet>,
    allow_lines: Option<RegexSet>,
}

#[derive(Debug, Clone, Copy)]
enum SecretGroup {
    Named(usize),
    Whole,
}

/// A compiled rule set.
#[derive(Debug)]
pub struct SecretRules {
    rules: Vec<Rule>,
    /// Keywords of the rules that run on every file.
    keywords: KeywordIndex,
    /// Keywords of the rules that run on some paths only (`.npmrc`...): searched only in the
    /// files of those paths, so that their common words (`auth`, `password`) cost nothing
    /// elsewhere.
    path_keywords: KeywordIndex,
    allow_paths: GlobSet,
    skip_extensions: Vec<String>,
    placeholder_patterns: Vec<String>,
    /// Compiled on first use, as the rules' own patterns.
    placeholders: OnceLock<Option<RegexSet>>,
}

/// A secret found in one file's bytes.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretMatch {
    /// The rule's id.
    pub rule: String,
    /// 1-based line where the match starts.
    pub line: u64,
    /// That line, with the secret redacted (and shortened around it when long).
    pub redacted: String,
}

/// A regex match that passed its rule's checks, before overlaps are settled.
struct Candidate {
    rule: usize,
    /// Where the line to report is found.
    at: usize,
    secret: Range<usize>,
}

impl SecretRules {
    /// Parse and compile a rules file.
    ///
    /// # Errors
    /// A malformed file, an invalid regex or glob, duplicate rule ids, a rule without keywords.
    pub(crate) fn from_toml(text: &str) -> Result<Self, RulesError> {
        let file: RulesFile = toml::from_str(text).map_err(|e| RulesError(e.to_string()))?;
        let mut rules = Vec::with_capacity(file.rule.len());
        let mut everywhere = Vec::new();
        let mut by_path = Vec::new();
        for (index, rule) in file.rule.into_iter().enumerate() {
            if rules.iter().any(|r: &Rule| r.id == rule.id) {
                return Err(RulesError(format!("duplicate rule id `{}`", rule.id)));
            }
            if rule.keywords.iter().all(|k| k.is_empty()) {
                // Without keywords a rule's regex would have to run on every file.
                return Err(RulesError(format!("rule `{}` has no keywords", rule.id)));
            }
            let keywords: Vec<String> = rule
                .keywords
                .iter()
                .filter(|k| !k.is_empty())
                .map(|k| k.to_ascii_lowercase())
                .collect();
            let table = if rule.paths.is_empty() {
                &mut everywhere
            } else {
                &mut by_path
            };
            table.extend(keywords.iter().map(|k| (k.clone(), index)));
            rules.push(compile_rule(rule, keywords)?);
        }
        for pattern in &file.allow.placeholders {
            validate_regex(pattern, "placeholders")?;
        }
        Ok(Self {
            rules,
            keywords: KeywordIndex::new(everywhere)?,
            path_keywords: KeywordIndex::new(by_path)?,
            allow_paths: globs(&file.allow.paths, "allow.paths")?,
            skip_extensions: file
                .allow
                .skip_extensions
                .iter()
                .map(|e| e.to_ascii_lowercase())
                .collect(),
            placeholder_patterns: file.allow.placeholders,
            placeholders: OnceLock::new(),
        })
    }

    fn placeholders(&self) -> Option<&RegexSet> {
        self.placeholders
            .get_or_init(|| {
                RegexSetBuilder::new(&self.placeholder_patterns)
                    .unicode(false)
                    .case_insensitive(true)
                    .size_limit(REGEX_SIZE_LIMIT)
                    .build()
                    .ok()
            })
            .as_ref()
    }

    /// The rules, in the order of the rules file.
    #[must_use]
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The rule with this id.
    #[must_use]
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|rule| rule.id == id)
    }

    /// Whether a file at `path` (absolute, as in the image) is read at all: not allow-listed
    /// (documentation, tests, examples) and not of a binary format by its name.
    #[must_use]
    pub fn wants(&self, path: &str) -> bool {
        !self.binary_name(path) && !self.allowed_path(path)
    }

    /// Whether `path` names a binary format (`.png`, `.jar`...).
    pub(crate) fn binary_name(&self, path: &str) -> bool {
        let name = path.as_bytes();
        self.skip_extensions.iter().any(|extension| {
            name.len() >= extension.len()
                && name[name.len() - extension.len()..].eq_ignore_ascii_case(extension.as_bytes())
        })
    }

    /// Whether `path` is on the allow-list (documentation, tests, examples).
    pub(crate) fn allowed_path(&self, path: &str) -> bool {
        self.allow_paths.is_match(path.trim_start_matches('/'))
    }

    /// The secrets in `content`, the bytes of the file at `path` (absolute): nothing for a path
    /// that [`Self::wants`] refuses or for binary content. At most a hundred per file, in the
    /// order of the file.
    #[must_use]
    pub fn scan(&self, path: &str, content: &[u8]) -> Vec<SecretMatch> {
        if !self.wants(path) || is_binary(content) {
            return Vec::new();
        }
        self.scan_text(path, content)
    }

    /// [`Self::scan`] for content already known to be wanted text.
    pub(crate) fn scan_text(&self, path: &str, content: &[u8]) -> Vec<SecretMatch> {
        let triggered = self.triggered(path, content);
        if triggered.is_empty() {
            return Vec::new();
        }
        let mut candidates = Vec::new();
        let mut budget = MAX_EXAMINED;
        for index in triggered {
            let Some(compiled) = self.rules[index].compiled() else {
                continue;
            };
            if compiled
                .requires
                .as_ref()
                .is_some_and(|r| !r.is_match(content))
            {
                continue;
            }
            self.candidates(index, content, &mut candidates, &mut budget);
            if candidates.len() >= MAX_CANDIDATES || budget == 0 {
                break;
            }
        }
        let kept = self.settle_overlaps(candidates);
        let mut lines = text::LineCounter::new(content);
        kept.into_iter()
            .take(MAX_MATCHES_PER_FILE)
            .map(|candidate| SecretMatch {
                rule: self.rules[candidate.rule].id.clone(),
                line: lines.line_of(candidate.at),
                redacted: text::redacted_line(content, candidate.at, candidate.secret),
            })
            .collect()
    }

    /// The rules whose keywords occur in `content` and whose paths (if any) take `path`.
    fn triggered(&self, path: &str, content: &[u8]) -> Vec<usize> {
        let relative = path.trim_start_matches('/');
        let path_rules: Vec<usize> = self
            .rules
            .iter()
            .enumerate()
            .filter(|(_, rule)| rule.paths.as_ref().is_some_and(|p| p.is_match(relative)))
            .map(|(index, _)| index)
            .collect();
        // Case-sensitive search over a lower-cased copy: Aho-Corasick's SIMD prefilter then
        // works, about three times as fast as its ASCII case-insensitive mode here.
        let lower = content.to_ascii_lowercase();
        let mut hit = vec![false; self.rules.len()];
        self.keywords.search(&lower, &mut hit);
        if !path_rules.is_empty() {
            self.path_keywords.search(&lower, &mut hit);
        }
        hit.iter()
            .enumerate()
            .filter(|&(index, &hit)| {
                hit && (self.rules[index].paths.is_none() || path_rules.contains(&index))
            })
            .map(|(index, _)| index)
            .collect()
    }

    /// Every match of rule `index` in `content` that passes the rule's checks.
    fn candidates(
        &self,
        index: usize,
        content: &[u8],
        out: &mut Vec<Candidate>,
        budget: &mut usize,
    ) {
        let rule = &self.rules[index];
        let Some(compiled) = rule.compiled() else {
            return;
        };
        let mut from = 0;
        while from <= content.len() && out.len() < MAX_CANDIDATES && *budget > 0 {
            let Some(captures) = compiled.regex.captures_at(content, from) else {
                break;
            };
            *budget -= 1;
            let Some(whole) = captures.get(0) else { break };
            let secret = compiled.secret_span(&captures);
            // Resume at the end of the secret, not of the match: a delimiter that ended this
            // match may start the next one (`AKIA… AKIA…`).
            from = secret.end.max(whole.start() + 1);
            // The report's line is where the match starts, past a leading delimiter that may
            // be the end of the previous line.
            let mut at = whole.start();
            while at < secret.start && matches!(content[at], b'\n' | b'\r') {
                at += 1;
            }
            if self.is_secret(rule, compiled, content, at, &content[secret.clone()]) {
                out.push(Candidate {
                    rule: index,
                    at,
                    secret,
                });
            }
        }
    }

    /// The checks after a regex match: length, entropy, placeholders, allow-lists.
    fn is_secret(
        &self,
        rule: &Rule,
        compiled: &Compiled,
        content: &[u8],
        at: usize,
        secret: &[u8],
    ) -> bool {
        if secret.len() < rule.min_length {
            return false;
        }
        if rule
            .entropy
            .is_some_and(|least| text::entropy(secret) < least)
        {
            return false;
        }
        if rule.placeholders && self.placeholders().is_some_and(|p| p.is_match(secret)) {
            return false;
        }
        if compiled
            .allow_values
            .as_ref()
            .is_some_and(|allow| allow.is_match(secret))
        {
            return false;
        }
        if let Some(allow) = &compiled.allow_lines
            && allow.is_match(&content[text::line_around(content, at).range])
        {
            return false;
        }
        true
    }

    /// Where rules found overlapping secrets, keep those of the highest priority; drop exact
    /// repeats. In the order of the file.
    fn settle_overlaps(&self, mut candidates: Vec<Candidate>) -> Vec<Candidate> {
        candidates.sort_by_key(|c| (c.secret.start, c.secret.end, c.rule));
        candidates.dedup_by(|a, b| a.rule == b.rule && a.secret == b.secret);
        let priority = |c: &Candidate| self.rules[c.rule].priority;
        // Candidates are at most MAX_CANDIDATES: quadratic is bounded.
        let beaten: Vec<bool> = candidates
            .iter()
            .map(|c| {
                candidates.iter().any(|other| {
                    priority(other) > priority(c)
                        && other.secret.start < c.secret.end
                        && c.secret.start < other.secret.end
                })
            })
            .collect();
        let mut kept: Vec<Candidate> = candidates
            .into_iter()
            .zip(beaten)
            .filter(|(_, beaten)| !beaten)
            .map(|(c, _)| c)
            .collect();
        kept.sort_by_key(|c| (c.at, c.rule));
        kept
    }
}

impl Rule {
    /// The rule's regexes, compiled now if this is their first use.
    fn compiled(&self) -> Option<&Compiled> {
        self.compiled
            .get_or_init(|| compile_patterns(&self.id, &self.patterns).ok())
            .as_ref()
    }
}

impl Compiled {
    fn secret_span(&self, captures: &Captures<'_>) -> Range<usize> {
        let group = match self.secret_group {
            SecretGroup::Named(index) => captures.get(index),
            SecretGroup::Whole => None,
        };
        group
            .or_else(|| captures.get(0))
            .map_or(0..0, |m| m.range())
    }
}

/// Whether content is binary: a NUL byte among its first 8 KiB (as git and grep decide).
#[must_use]
pub fn is_binary(content: &[u8]) -> bool {
    content[..content.len().min(BINARY_PROBE)].contains(&0)
}

/// An Aho-Corasick automaton over lower-case keywords, and the rules each one triggers.
#[derive(Debug)]
struct KeywordIndex {
    automaton: AhoCorasick,
    /// For each pattern, the rules it triggers.
    rules: Vec<Vec<usize>>,
    /// How many rules the patterns trigger in all.
    rule_count: usize,
}

impl KeywordIndex {
    /// The index of `(keyword, rule)` pairs.
    fn new(pairs: Vec<(String, usize)>) -> Result<Self, RulesError> {
        let mut patterns: Vec<(String, Vec<usize>)> = Vec::new();
        for (keyword, rule) in pairs {
            match patterns.iter_mut().find(|(p, _)| *p == keyword) {
                Some((_, rules)) => rules.push(rule),
                None => patterns.push((keyword, vec![rule])),
            }
        }
        let (patterns, rules) = keyword_table(patterns);
        let mut all: Vec<usize> = rules.iter().flatten().copied().collect();
        all.sort_unstable();
        all.dedup();
        let automaton = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostFirst)
            .build(&patterns)
            .map_err(|e| RulesError(format!("keywords: {e}")))?;
        Ok(Self {
            automaton,
            rules,
            rule_count: all.len(),
        })
    }

    /// Mark in `hit` the rules whose keywords occur in `lower` (lower-cased content).
    fn search(&self, lower: &[u8], hit: &mut [bool]) {
        let mut remaining = self.rule_count;
        let mut from = 0;
        while let Some(found) = self.automaton.find(Input::new(lower).range(from..)) {
            for &rule in &self.rules[found.pattern().as_usize()] {
                if let Some(seen) = hit.get_mut(rule)
                    && !*seen
                {
                    *seen = true;
                    remaining = remaining.saturating_sub(1);
                }
            }
            if remaining == 0 {
                break;
            }
            // Resume one byte after the start, not at the end: keywords that overlap this one
            // (`token://`: `token:` and `://`) must be seen too. Those starting at the same
            // byte are prefixes of this one, whose rules it carries (see `keyword_table`).
            from = found.start() + 1;
        }
    }
}

/// The keyword patterns, longest first, each with the rules of every keyword that is a prefix
/// of it. A leftmost-first search reports at each position the first pattern that matches
/// there, hence the longest; the keywords that also match at that position are its prefixes,
/// and their rules are triggered with it.
fn keyword_table(mut table: Vec<(String, Vec<usize>)>) -> (Vec<String>, Vec<Vec<usize>>) {
    table.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
    let closed: Vec<Vec<usize>> = table
        .iter()
        .map(|(pattern, _)| {
            let mut rules: Vec<usize> = table
                .iter()
                .filter(|(other, _)| pattern.starts_with(other.as_str()))
                .flat_map(|(_, rules)| rules.iter().copied())
                .collect();
            rules.sort_unstable();
            rules.dedup();
            rules
        })
        .collect();
    (table.into_iter().map(|(p, _)| p).collect(), closed)
}

fn compile_rule(rule: RuleFile, keywords: Vec<String>) -> Result<Rule, RulesError> {
    let what = |field: &str| format!("rule `{}` {field}", rule.id);
    validate_regex(&rule.regex, &what("regex"))?;
    for pattern in rule.requires.iter() {
        validate_regex(pattern, &what("requires"))?;
    }
    for pattern in &rule.allow_values {
        validate_regex(pattern, &what("allow_values"))?;
    }
    for pattern in &rule.allow_lines {
        validate_regex(pattern, &what("allow_lines"))?;
    }
    let paths = if rule.paths.is_empty() {
        None
    } else {
        Some(globs(&rule.paths, &what("paths"))?)
    };
    Ok(Rule {
        patterns: Patterns {
            regex: rule.regex,
            requires: rule.requires,
            allow_values: rule.allow_values,
            allow_lines: rule.allow_lines,
        },
        compiled: OnceLock::new(),
        entropy: rule.entropy,
        min_length: rule.min_length.unwrap_or(1),
        paths,
        placeholders: rule.placeholders,
        priority: rule.priority,
        id: rule.id,
        title: rule.title,
        severity: rule.severity,
        keywords,
    })
}

fn compile_patterns(id: &str, patterns: &Patterns) -> Result<Compiled, RulesError> {
    let what = |field: &str| format!("rule `{id}` {field}");
    let regex = compile_regex(&patterns.regex, &what("regex"))?;
    let secret_group = match regex.capture_names().position(|n| n == Some("secret")) {
        Some(index) => SecretGroup::Named(index),
        None if regex.captures_len() > 1 => SecretGroup::Named(1),
        None => SecretGroup::Whole,
    };
    Ok(Compiled {
        regex,
        secret_group,
        requires: patterns
            .requires
            .as_deref()
            .map(|r| compile_regex(r, &what("requires")))
            .transpose()?,
        allow_values: regex_set(&patterns.allow_values, &what("allow_values"))?,
        allow_lines: regex_set(&patterns.allow_lines, &what("allow_lines"))?,
    })
}

/// Parse (not compile) a pattern as [`compile_regex`] would read it, so that a malformed rules
/// file is refused when loaded although rules compile on first use.
fn validate_regex(pattern: &str, what: &str) -> Result<(), RulesError> {
    regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(pattern)
        .map(|_| ())
        .map_err(|e| RulesError(format!("{what}: {e}")))
}

fn compile_regex(pattern: &str, what: &str) -> Result<Regex, RulesError> {
    RegexBuilder::new(pattern)
        .unicode(false)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| RulesError(format!("{what}: {e}")))
}

fn regex_set(patterns: &[String], what: &str) -> Result<Option<RegexSet>, RulesError> {
    if patterns.is_empty() {
        return Ok(None);
    }
    RegexSetBuilder::new(patterns)
        .unicode(false)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map(Some)
        .map_err(|e| RulesError(format!("{what}: {e}")))
}

fn globs(patterns: &[String], what: &str) -> Result<GlobSet, RulesError> {
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        let glob = GlobBuilder::new(pattern.trim_start_matches('/'))
            .literal_separator(true)
            .build()
            .map_err(|e| RulesError(format!("{what}: {e}")))?;
        builder.add(glob);
    }
    builder
        .build()
        .map_err(|e| RulesError(format!("{what}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builtin() -> SecretRules {
        SecretRules::from_toml(BUILTIN_RULES).unwrap()
    }

    #[test]
    fn the_builtin_rules_compile_with_unique_ids_in_order() {
        let rules = builtin();
        let ids: Vec<&str> = rules.rules().iter().map(|r| r.id.as_str()).collect();
        let expected: Vec<String> = (1..=ids.len()).map(|n| format!("TG-SEC-{n:03}")).collect();
        assert_eq!(ids, expected);
        for rule in rules.rules() {
            assert!(
                !rule.title.is_empty() && !rule.keywords.is_empty(),
                "{}",
                rule.id
            );
            let compiled = rule.compiled().expect("every built-in rule compiles");
            assert!(
                matches!(compiled.secret_group, SecretGroup::Named(_)),
                "{} has a secret group",
                rule.id
            );
        }
        assert!(rules.placeholders().is_some(), "the placeholders compile");
    }

    #[test]
    fn a_rule_without_keywords_or_with_a_bad_regex_is_refused() {
        let base = "[allow]\npaths = []\nskip_extensions = []\nplaceholders = []\n";
        let no_keywords = format!(
            "{base}[[rule]]\nid = \"X\"\ntitle = \"x\"\nseverity = \"LOW\"\nkeywords = []\nregex = 'x'\n"
        );
        assert!(SecretRules::from_toml(&no_keywords).is_err());
        let bad_regex = format!(
            "{base}[[rule]]\nid = \"X\"\ntitle = \"x\"\nseverity = \"LOW\"\nkeywords = [\"x\"]\nregex = '(x'\n"
        );
        assert!(SecretRules::from_toml(&bad_regex).is_err());
        let unknown_field = format!(
            "{base}[[rule]]\nid = \"X\"\ntitle = \"x\"\nseverity = \"LOW\"\nkeywords = [\"x\"]\nregex = 'x'\nentropi = 3.0\n"
        );
        assert!(SecretRules::from_toml(&unknown_field).is_err());
    }

    #[test]
    fn keywords_gate_the_regex_and_paths_gate_the_rule() {
        let rules = builtin();
        // An npm token pattern, but the keyword `npm_` is absent: never looked at.
        assert!(rules.scan("/a", b"token: NPM-abc").is_empty());
        // The .npmrc rule runs on .npmrc files only.
        let npmrc = b"//registry.example.invalid/:_authToken=Zq8vR2mK4pLw9XtB3nYc\n";
        assert_eq!(rules.scan("/home/u/.npmrc", npmrc).len(), 1);
        assert!(rules.scan("/home/u/notes.txt", npmrc).is_empty());
    }

    #[test]
    fn overlapping_keywords_of_different_rules_all_count() {
        // `token:` (kubeconfig) and `://` (password in URL) overlap in `token://`.
        let rules = builtin();
        let found = rules.scan("/etc/app.conf", b"url=token://svc:Vq3xT9mLp2@db.internal\n");
        let ids: Vec<&str> = found.iter().map(|m| m.rule.as_str()).collect();
        assert_eq!(ids, ["TG-SEC-017"]);
        // A keyword that is a prefix of a longer one triggers its own rule too.
        let (patterns, table) = keyword_table(vec![
            ("ab".into(), vec![0]),
            ("abcd".into(), vec![1]),
            ("bc".into(), vec![2]),
        ]);
        assert_eq!(patterns, ["abcd", "ab", "bc"]);
        assert_eq!(table, [vec![0, 1], vec![0], vec![2]]);
    }

    #[test]
    fn adjacent_secrets_sharing_a_delimiter_are_both_found() {
        let rules = builtin();
        let content = b"AKIAQ3EGRZ7NWKT4VB5M AKIAX2HY6LMC4PQ8RS3T\n";
        let found = rules.scan("/etc/app.conf", content);
        assert_eq!(found.len(), 2, "{found:?}");
    }

    #[test]
    fn binary_content_and_allow_listed_paths_are_not_scanned() {
        let rules = builtin();
        let key = b"aws_access_key_id = AKIAQ3EGRZ7NWKT4VB5M\n";
        assert_eq!(rules.scan("/etc/app.conf", key).len(), 1);
        let mut binary = key.to_vec();
        binary.insert(3, 0);
        assert!(rules.scan("/etc/app.conf", &binary).is_empty());
        assert!(rules.scan("/usr/share/doc/app/README", key).is_empty());
        assert!(rules.scan("/srv/app/tests/conf.py", key).is_empty());
        assert!(rules.scan("/srv/app/conf.PNG", key).is_empty());
    }

    #[test]
    fn a_higher_priority_rule_hides_an_overlapping_lower_one() {
        let rules = builtin();
        // A GitHub token in a .env file: the token rule, not the generic .env rule.
        let env = b"GITHUB_TOKEN=ghp_R8kx2Qm7LwZ4nV9tYb3PcH6sJd1FgA5eUo0i\n";
        let found = rules.scan("/srv/app/.env", env);
        let ids: Vec<&str> = found.iter().map(|m| m.rule.as_str()).collect();
        assert_eq!(ids, ["TG-SEC-006"]);
    }

    #[test]
    fn random_mixes_of_secret_fragments_never_upset_the_scan() {
        const FRAGMENTS: &[&[u8]] = &[
            b"-----BEGIN RSA PRIVATE KEY-----",
            b"-----END RSA PRIVATE KEY-----",
            b"-----BEGIN PRIVATE KEY-----\\n",
            b"MIIEpAIBAAKCAQEA7",
            b"\n",
            b"\r\n",
            b"eyJhbGciOiJIUzI1NiJ9",
            b".",
            b"AKIAQ3EGRZ7NWKT4VB5M",
            b"aws_secret_access_key=",
            b"https://",
            b":",
            b"@",
            b"\"type\": \"service_account\"",
            b"\"private_key\": \"",
            b"kind: Config\n",
            b"token: ",
            b"xoxb-1234-",
            b"\xff\xfe\xc3",
            b"\x1b[0m",
            b"\xe2\x80\xa6",
        ];
        let rules = builtin();
        // xorshift: reproducible without a dependency.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..3000 {
            let mut content = Vec::new();
            for _ in 0..(next() % 40) {
                let pick = usize::try_from(next() % (FRAGMENTS.len() as u64 + 2)).unwrap();
                match FRAGMENTS.get(pick) {
                    Some(fragment) => content.extend_from_slice(fragment),
                    None => {
                        for _ in 0..(next() % 70) {
                            content.push(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=_-"
                                [usize::try_from(next() % 67).unwrap()]);
                        }
                    }
                }
            }
            for path in ["/a", "/srv/.env", "/root/.docker/config.json", "/x/.npmrc"] {
                for found in rules.scan(path, &content) {
                    assert!(found.line >= 1);
                    assert!(!found.redacted.contains('\x1b'));
                }
            }
        }
    }

    #[test]
    fn hostile_content_costs_bounded_output() {
        let rules = builtin();
        let mut content = Vec::new();
        for n in 0..5000u32 {
            content.extend_from_slice(format!("AKIAQ3EGRZ7NWKT4{n:04} ").as_bytes());
        }
        // One line of 100 KB: the redacted line is cut around the secret.
        let found = rules.scan("/x", &content);
        assert_eq!(found.len(), MAX_MATCHES_PER_FILE);
        assert!(found.iter().all(|m| m.redacted.len() < 400 && m.line == 1));
        // One long line of look-alikes that the checks reject: each match costs its own
        // neighbourhood, not the line (this would take hours if it were quadratic).
        let mut line = Vec::new();
        while line.len() < 4 * 1024 * 1024 {
            line.extend_from_slice(b"https://user:password@db.internal/ ");
        }
        assert!(rules.scan("/z", &line).is_empty());
        let mut line = Vec::new();
        for n in 0..200_000u32 {
            line.extend_from_slice(format!("https://u:Pq{n:06}z@db.internal/ ").as_bytes());
        }
        let found = rules.scan("/z", &line);
        assert_eq!(found.len(), MAX_MATCHES_PER_FILE);
        assert!(
            found
                .iter()
                .all(|m| m.redacted.ends_with('…') && m.redacted.len() < 300)
        );
        assert!(
            found[99].redacted.starts_with('…'),
            "{}",
            found[99].redacted
        );
        // Invalid UTF-8 and lone carriage returns do not upset redaction.
        let odd = b"\xff\xfe\rpassword: x\r\naws_secret_access_key=\xff";
        let _ = rules.scan("/y", odd);
    }
}
