//! One self-contained HTML page for people: what was scanned, the counts per severity (the
//! suppressed findings included), a table of findings per part of the image (as [`Group`]
//! divides it, worst first, severities in colour, each vulnerability linked to its advisory),
//! the suppressed findings with their reasons, the configuration findings with their evidence
//! and remedy, the secrets with the layer that holds each (and whether a later layer removed
//! its file), and what could not be checked.
//!
//! The page has no scripts and loads nothing: the styles are inline, and a Content Security
//! Policy forbids everything else, so that even a mistake in escaping could not run code or
//! reach the network. Every text from the report goes through [`escape::markup`].

use std::fmt::Write as _;
use std::io::Write;

use std::collections::BTreeMap;

use tollgate_checks::CheckFinding;
use tollgate_match::{Finding, Severity};

use crate::checks::{self, NOT_IN_FINAL_IMAGE};
use crate::group;
use crate::{ScanReport, cvss, escape, link};

/// The most pieces of evidence a configuration finding lists on the page.
const MAX_EVIDENCE: usize = 100;

/// The levels from the worst down.
const SEVERITIES: [Severity; 5] = [
    Severity::Critical,
    Severity::High,
    Severity::Medium,
    Severity::Low,
    Severity::Unknown,
];

/// No scripts, no external resources; inline styles only.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; form-action 'none'; base-uri 'none'";

const STYLE: &str = r"
:root { color-scheme: light dark; --fg: #1f2328; --bg: #ffffff; --muted: #59636e;
  --line: #d1d9e0; --head: #f6f8fa; --link: #0969da; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6edf3; --bg: #0d1117; --muted: #9198a1; --line: #3d444d; --head: #151b23;
    --link: #4493f8; }
}
* { box-sizing: border-box; }
body { margin: 2rem auto; max-width: 90rem; padding: 0 1rem; color: var(--fg);
  background: var(--bg); font: 14px/1.5 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; }
h1 { font-size: 1.6rem; margin: 0 0 .5rem; overflow-wrap: anywhere; }
h2 { font-size: 1.2rem; margin: 2rem 0 .5rem; overflow-wrap: anywhere; }
a { color: var(--link); }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: 0; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; overflow-wrap: anywhere; }
.counts { display: flex; flex-wrap: wrap; gap: .5rem; margin: 1.5rem 0; padding: 0; list-style: none; }
.counts li { min-width: 7.5rem; padding: .5rem .75rem; border: 1px solid var(--line); border-radius: 6px; }
.counts .n { display: block; font-size: 1.6rem; font-weight: 600; }
.counts .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
table { width: 100%; border-collapse: collapse; margin: .5rem 0 1rem; }
th, td { padding: .35rem .5rem; border-bottom: 1px solid var(--line); text-align: left;
  vertical-align: top; overflow-wrap: break-word; }
a.id { white-space: nowrap; }
th { background: var(--head); font-weight: 600; white-space: nowrap; }
.sev { display: inline-block; min-width: 5.5rem; padding: 0 .4rem; border-radius: 4px; color: #fff;
  font-size: 12px; font-weight: 600; text-align: center; }
.sev-CRITICAL { background: #8c1a22; }
.sev-HIGH { background: #d1242f; }
.sev-MEDIUM { background: #9a6700; }
.sev-LOW { background: #0969da; }
.sev-UNKNOWN { background: #6e7781; }
.sev-SUPPRESSED { background: #57606a; }
.counts li.sev-CRITICAL, .counts li.sev-HIGH, .counts li.sev-MEDIUM, .counts li.sev-LOW,
.counts li.sev-UNKNOWN, .counts li.sev-SUPPRESSED { color: #fff; border-color: transparent; }
.counts li[class^='sev-'] .label { color: #fff; opacity: .9; }
.muted, .also { color: var(--muted); }
.also { font-size: 12px; }
.none { color: var(--muted); font-style: italic; }
ul.notes { padding-left: 1.2rem; }
footer { margin-top: 3rem; color: var(--muted); font-size: 12px; }
";

/// Write the HTML page of `report`.
pub(crate) fn render(report: &ScanReport, out: &mut dyn Write) -> std::io::Result<()> {
    let mut html = String::new();
    let title = format!("tollgate: {}", report.target);
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <meta name=\"generator\" content=\"tollgate {}\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape::markup(&report.tollgate_version),
        escape::markup(&title),
    );
    header(report, &mut html);
    counts(report, &mut html);
    warnings(report, &mut html);
    findings(report, &mut html);
    suppressed(report, &mut html);
    configuration(report, &mut html);
    secrets(report, &mut html);
    not_checked(report, &mut html);
    let _ = write!(
        html,
        "<footer>Generated by tollgate {} at {}.</footer>\n</body>\n</html>\n",
        escape::markup(&report.tollgate_version),
        escape::markup(&report.created),
    );
    out.write_all(html.as_bytes())
}

/// The target and what it is: image, OS, DB.
fn header(report: &ScanReport, html: &mut String) {
    let _ = writeln!(
        html,
        "<header>\n<h1>{}</h1>\n<dl class=\"meta\">",
        escape::markup(&report.target)
    );
    let mut row = |label: &str, value: &str, class: &str| {
        let _ = writeln!(
            html,
            "<dt>{label}</dt><dd{class}>{}</dd>",
            escape::markup(value)
        );
    };
    let image = &report.image;
    if let Some(name) = &image.name {
        row("Image", name, "");
    }
    if !image.tags.is_empty() {
        row("Tags", &image.tags.join(", "), "");
    }
    if let Some(digest) = &image.manifest_digest {
        row("Manifest", &digest.to_string(), " class=\"mono\"");
    }
    if let Some(digest) = &image.config_digest {
        row("Config", &digest.to_string(), " class=\"mono\"");
    }
    if let Some(platform) = &image.platform {
        row("Platform", &platform.to_string(), "");
    }
    if let Some(os) = &report.os {
        let name = os
            .pretty_name
            .clone()
            .unwrap_or_else(|| format!("{} {}", os.family, os.version));
        row("OS", &name, "");
    }
    if let Some(db) = &report.db {
        row(
            "Vulnerability DB",
            &format!("{} (built {})", db.content_digest, db.built_at),
            " class=\"mono\"",
        );
    }
    row("Scanned", &report.created, "");
    html.push_str("</dl>\n</header>\n");
}

/// A box per severity, worst first, then the suppressed, fixable and package counts.
fn counts(report: &ScanReport, html: &mut String) {
    let summary = &report.summary;
    html.push_str("<section>\n<ul class=\"counts\" aria-label=\"Summary\">\n");
    let mut item = |class: &str, count: usize, label: &str| {
        let class = if class.is_empty() {
            String::new()
        } else {
            format!(" class=\"sev-{class}\"")
        };
        let _ = writeln!(
            html,
            "<li{class}><span class=\"n\">{count}</span><span class=\"label\">{label}</span></li>"
        );
    };
    for severity in SEVERITIES {
        let count = summary.by_severity.get(&severity).copied().unwrap_or(0);
        item(
            severity.as_str(),
            count,
            &severity.as_str().to_ascii_lowercase(),
        );
    }
    item("SUPPRESSED", summary.suppressed, "suppressed");
    item("", summary.fixable, "fixable");
    item("", summary.packages, "packages");
    html.push_str("</ul>\n</section>\n");
}

fn warnings(report: &ScanReport, html: &mut String) {
    if report.warnings.is_empty() {
        return;
    }
    html.push_str("<section>\n<h2>Warnings</h2>\n<ul class=\"notes\">\n");
    for warning in &report.warnings {
        let _ = writeln!(html, "<li>{}</li>", escape::markup(warning));
    }
    html.push_str("</ul>\n</section>\n");
}

/// A severity badge.
fn badge(severity: Severity) -> String {
    format!("<span class=\"sev sev-{0}\">{0}</span>", severity.as_str())
}

/// The vulnerability id linked to its advisory, and the other advisories that reported it.
fn vulnerability_cell(finding: &Finding) -> String {
    let id = &finding.vulnerability_id;
    let mut cell = format!(
        "<a class=\"id\" href=\"{}\" rel=\"noopener noreferrer\">{}</a>",
        escape::markup(&link::advisory_url(id)),
        escape::markup(id)
    );
    let others: Vec<String> = finding
        .advisory_ids
        .iter()
        .filter(|advisory| *advisory != id)
        .map(|advisory| {
            format!(
                "<a class=\"id\" href=\"{}\" rel=\"noopener noreferrer\">{}</a>",
                escape::markup(&link::advisory_url(advisory)),
                escape::markup(advisory)
            )
        })
        .collect();
    if !others.is_empty() {
        let _ = write!(
            cell,
            "<br><span class=\"also\">{}</span>",
            others.join(", ")
        );
    }
    cell
}

/// The title and the CVSS vectors.
fn title_cell(finding: &Finding) -> String {
    let mut cell = match finding.summary.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(summary) => escape::markup(summary),
        None => "<span class=\"none\">no title</span>".to_owned(),
    };
    for vector in &finding.cvss {
        let _ = write!(
            cell,
            "<br><span class=\"also mono\">{}</span>",
            escape::markup(&cvss::describe(vector))
        );
    }
    cell
}

fn fixed_cell(finding: &Finding) -> String {
    match &finding.fixed_version {
        Some(version) => format!("<span class=\"mono\">{}</span>", escape::markup(version)),
        None => "<span class=\"none\">no fix yet</span>".to_owned(),
    }
}

fn package_cell(finding: &Finding) -> String {
    let package = &finding.package;
    let mut cell = escape::markup(&package.name);
    if let Some(source) = package
        .source_name
        .as_deref()
        .filter(|s| *s != package.name)
    {
        let _ = write!(
            cell,
            "<br><span class=\"also\">source {}</span>",
            escape::markup(source)
        );
    }
    cell
}

/// A table of findings per group, worst first.
fn findings(report: &ScanReport, html: &mut String) {
    html.push_str("<section>\n<h2>Vulnerabilities</h2>\n");
    let groups = group::packages(report);
    let mut any = false;
    for (group, packages) in &groups {
        let mut findings: Vec<&Finding> = packages
            .values()
            .flat_map(|entry| entry.findings.iter().copied())
            .collect();
        if findings.is_empty() {
            continue;
        }
        any = true;
        findings.sort_by(|a, b| group::worst_first(a, b));
        let _ = writeln!(
            html,
            "<h3>{}</h3>\n<table>\n<thead><tr><th>Severity</th><th>Vulnerability</th><th>Package</th>\
             <th>Installed</th><th>Fixed in</th><th>Title</th></tr></thead>\n<tbody>",
            escape::markup(&group.label(report.os.as_ref()))
        );
        for finding in findings {
            let _ = writeln!(
                html,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"mono\">{}</td><td>{}</td><td>{}</td></tr>",
                badge(finding.severity),
                vulnerability_cell(finding),
                package_cell(finding),
                escape::markup(&finding.package.version),
                fixed_cell(finding),
                title_cell(finding),
            );
        }
        html.push_str("</tbody>\n</table>\n");
    }
    if !any {
        html.push_str("<p class=\"none\">No vulnerabilities found.</p>\n");
    }
    html.push_str("</section>\n");
}

/// The suppressed findings and why.
fn suppressed(report: &ScanReport, html: &mut String) {
    if report.suppressed.is_empty() {
        return;
    }
    let mut suppressed: Vec<_> = report.suppressed.iter().collect();
    suppressed.sort_by(|a, b| {
        group::worst_first(&a.finding, &b.finding)
            .then_with(|| a.reason.cmp(&b.reason))
            .then_with(|| a.source.cmp(&b.source))
    });
    html.push_str(
        "<section>\n<h2>Suppressed</h2>\n<table>\n<thead><tr><th>Severity</th><th>Vulnerability</th>\
         <th>Package</th><th>Installed</th><th>Fixed in</th><th>Reason</th><th>By</th></tr></thead>\n<tbody>\n",
    );
    for item in suppressed {
        let finding = &item.finding;
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"mono\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            badge(finding.severity),
            vulnerability_cell(finding),
            package_cell(finding),
            escape::markup(&finding.package.version),
            fixed_cell(finding),
            escape::markup(&item.reason),
            escape::markup(&item.source),
        );
    }
    html.push_str("</tbody>\n</table>\n</section>\n");
}

/// A box per severity, worst first, for the configuration findings or the secrets.
fn severity_counts(counts: &BTreeMap<Severity, usize>, label: &str, html: &mut String) {
    let _ = writeln!(
        html,
        "<ul class=\"counts\" aria-label=\"{}\">",
        escape::markup(label)
    );
    for severity in SEVERITIES {
        let _ = writeln!(
            html,
            "<li class=\"sev-{0}\"><span class=\"n\">{1}</span><span class=\"label\">{2}</span></li>",
            severity.as_str(),
            counts.get(&severity).copied().unwrap_or(0),
            severity.as_str().to_ascii_lowercase(),
        );
    }
    html.push_str("</ul>\n");
}

/// Every piece of evidence of a check (up to [`MAX_EVIDENCE`]), a line each: where, in code
/// type, then what was seen.
fn evidence_cell(check: &CheckFinding) -> String {
    let mut lines: Vec<String> = check
        .evidence
        .iter()
        .take(MAX_EVIDENCE)
        .map(|evidence| {
            // The field and the file in code type, the layer beside them, then what was seen.
            let mut parts: Vec<String> = [&evidence.field, &evidence.path]
                .into_iter()
                .flatten()
                .map(|place| format!("<code>{}</code>", escape::markup(place)))
                .collect();
            if let Some(layer) = checks::layer_text(evidence.layer_index, evidence.layer.as_ref()) {
                parts.push(format!(
                    "<span class=\"also\">{}</span>",
                    escape::markup(&layer)
                ));
            }
            if !evidence.detail.is_empty() {
                let detail = escape::markup(&evidence.detail);
                match parts.pop() {
                    Some(last) => parts.push(format!("{last}: {detail}")),
                    None => parts.push(detail),
                }
            }
            parts.join(" ")
        })
        .collect();
    if check.evidence.len() > MAX_EVIDENCE {
        lines.push(format!(
            "<span class=\"also\">and {} more (see the JSON report)</span>",
            check.evidence.len() - MAX_EVIDENCE
        ));
    }
    if lines.is_empty() {
        return "<span class=\"none\">none given</span>".to_owned();
    }
    lines.join("<br>")
}

/// The configuration findings, worst first.
fn configuration(report: &ScanReport, html: &mut String) {
    if report.checks.is_empty() {
        return;
    }
    html.push_str("<section>\n<h2>Configuration</h2>\n");
    severity_counts(
        &report.summary.checks_by_severity,
        "Configuration findings",
        html,
    );
    html.push_str(
        "<table>\n<thead><tr><th>Severity</th><th>Check</th><th>Title</th><th>Evidence</th>\
         <th>Remedy</th></tr></thead>\n<tbody>\n",
    );
    for check in checks::sorted_checks(report) {
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td class=\"mono\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            badge(check.severity),
            escape::markup(&check.id),
            escape::markup(&check.title),
            evidence_cell(check),
            escape::markup(&check.remedy),
        );
    }
    html.push_str("</tbody>\n</table>\n</section>\n");
}

/// The secrets, worst first, with their layers.
fn secrets(report: &ScanReport, html: &mut String) {
    if report.secrets.is_empty() {
        return;
    }
    html.push_str("<section>\n<h2>Secrets</h2>\n");
    severity_counts(&report.summary.secrets_by_severity, "Secrets", html);
    html.push_str(
        "<table>\n<thead><tr><th>Severity</th><th>Rule</th><th>File</th><th>Line</th>\
         <th>Layer</th><th>In the final image</th><th>Match (redacted)</th></tr></thead>\n<tbody>\n",
    );
    for secret in checks::sorted_secrets(report) {
        let layer =
            checks::layer_text(Some(secret.layer_index), secret.layer.as_ref()).unwrap_or_default();
        let in_final_image = if secret.in_final_image {
            "yes".to_owned()
        } else {
            format!(
                "no<br><span class=\"also\">{}</span>",
                escape::markup(NOT_IN_FINAL_IMAGE)
            )
        };
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td><span class=\"mono\">{}</span><br><span class=\"also\">{}</span></td>\
             <td><code>{}</code></td><td>{}</td><td class=\"mono\"{}>{}</td><td>{in_final_image}</td>\
             <td><code>{}</code></td></tr>",
            badge(secret.severity),
            escape::markup(&secret.rule_id),
            escape::markup(&secret.title),
            escape::markup(&secret.path),
            secret.line,
            secret
                .layer
                .as_ref()
                .map(|digest| format!(" title=\"{}\"", escape::markup(&digest.to_string())))
                .unwrap_or_default(),
            escape::markup(&layer),
            escape::markup(&secret.redacted),
        );
    }
    html.push_str("</tbody>\n</table>\n</section>\n");
}

/// Comparisons that failed, packages without advisory data, files that could not be read.
fn not_checked(report: &ScanReport, html: &mut String) {
    if report.diagnostics.is_empty() && report.not_covered.is_empty() && report.unknowns.is_empty()
    {
        return;
    }
    html.push_str("<section>\n<h2>Not checked</h2>\n<ul class=\"notes\">\n");
    for diagnostic in &report.diagnostics {
        let _ = writeln!(
            html,
            "<li>{} {} could not be compared with {}: {}</li>",
            escape::markup(&diagnostic.package.name),
            escape::markup(&diagnostic.package.version),
            escape::markup(&diagnostic.advisory_id),
            escape::markup(&diagnostic.reason),
        );
    }
    let mut reasons: std::collections::BTreeMap<&str, Vec<String>> =
        std::collections::BTreeMap::new();
    for item in &report.not_covered {
        reasons
            .entry(item.reason.as_str())
            .or_default()
            .push(format!("{} {}", item.package.name, item.package.version));
    }
    for (reason, mut packages) in reasons {
        packages.sort();
        let _ = writeln!(
            html,
            "<li>{} packages not checked: {} ({})</li>",
            packages.len(),
            escape::markup(reason),
            escape::markup(&packages.join(", ")),
        );
    }
    for unknown in &report.unknowns {
        let _ = writeln!(
            html,
            "<li>{} could not read <code>{}</code> (layer {}): {}</li>",
            escape::markup(&unknown.cataloger),
            escape::markup(&unknown.path),
            unknown.layer_index,
            escape::markup(&unknown.reason),
        );
    }
    html.push_str("</ul>\n</section>\n");
}

#[cfg(test)]
mod tests {
    use crate::Format;
    use crate::testing::{element_names, hostile, rendered};

    const ELEMENTS: [&str; 30] = [
        "!DOCTYPE", "html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "h3",
        "dl", "dt", "dd", "section", "ul", "li", "span", "table", "thead", "tbody", "tr", "th",
        "td", "a", "br", "code", "footer", "p", "main",
    ];

    #[test]
    fn hostile_text_stays_text() {
        let html = rendered(&hostile(), Format::Html);
        let names = element_names(&html);
        assert!(
            names.iter().all(|name| ELEMENTS.contains(&name.as_str())),
            "{names:?}"
        );
        assert!(!html.to_ascii_lowercase().contains("<script"));
        assert!(!html.contains(['\u{0}', '\u{1b}']));
        // Every link is to an advisory database, over HTTPS.
        for (at, _) in html.match_indices("href=") {
            let url = &html[at + 6..];
            assert!(
                [
                    "https://nvd.nist.gov/",
                    "https://github.com/advisories/",
                    "https://osv.dev/"
                ]
                .iter()
                .any(|prefix| url.starts_with(prefix)),
                "{}",
                &url[..40]
            );
        }
        assert!(html.contains("<td>demo&lt;script&gt;alert(1)&lt;/script&gt;]]&gt;"));
        // The configuration findings and secrets too: ids, evidence, remedies, matches.
        assert!(html.contains("<td class=\"mono\">TG-CFG-001&lt;script&gt;alert(1)"));
        assert!(html.contains("<code>config.User&lt;script&gt;alert(1)"));
        assert!(html.contains(
            "</code> <span class=\"also\">layer 0 (111111111111)</span>: setuid &lt;script&gt;"
        ));
        assert!(html.contains("<td>USER &lt;script&gt;alert(1)"));
        assert!(html.contains("<td><code>-----BEGIN &lt;script&gt;alert(1)&lt;/script&gt;]]&gt;&lt;![CDATA[&amp;amp;&quot;&#39;`"));
        assert!(html.contains("<td><code>/root/&lt;script&gt;"));
    }

    #[test]
    fn checks_and_secrets_have_sections() {
        let html = rendered(&hostile(), Format::Html);
        let configuration = html.find("<h2>Configuration</h2>").unwrap();
        let secrets = html.find("<h2>Secrets</h2>").unwrap();
        assert!(html.find("<h2>Vulnerabilities</h2>").unwrap() < configuration);
        assert!(configuration < secrets);
        assert!(html.contains("<ul class=\"counts\" aria-label=\"Secrets\">\n<li class=\"sev-CRITICAL\"><span class=\"n\">1</span>"));
        // Worst first, in colour; the removed file said so, its layer's digest at hand.
        assert!(
            html[secrets..]
                .contains("<tr><td><span class=\"sev sev-CRITICAL\">CRITICAL</span></td>")
        );
        assert!(
            html.contains("<td>no<br><span class=\"also\">deleted or replaced by a later layer")
        );
        assert!(html.contains(&format!(
            "<td class=\"mono\" title=\"sha256:{}\">layer 1 (222222222222)</td>",
            "2".repeat(64)
        )));
        let mut report = hostile();
        report.checks.clear();
        report.secrets.clear();
        let html = rendered(&report, Format::Html);
        assert!(!html.contains("<h2>Configuration</h2>") && !html.contains("<h2>Secrets</h2>"));
    }

    #[test]
    fn the_page_loads_nothing_and_runs_nothing() {
        let html = rendered(&hostile(), Format::Html);
        assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
        assert!(html.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline';"));
        for needle in [" src=", "<link", "url(", "@import"] {
            assert!(!html.contains(needle), "{needle}");
        }
        // No event handler attributes.
        for (at, _) in html.match_indices('<') {
            let tag = &html[at..at + html[at..].find('>').unwrap()];
            assert!(!tag.contains(" on"), "{tag}");
        }
    }

    #[test]
    fn counts_include_the_suppressed() {
        let html = rendered(&hostile(), Format::Html);
        assert!(html.contains("<li class=\"sev-CRITICAL\"><span class=\"n\">1</span><span class=\"label\">critical</span></li>"));
        assert!(html.contains("<li class=\"sev-SUPPRESSED\"><span class=\"n\">1</span><span class=\"label\">suppressed</span></li>"));
        assert!(html.contains("<h2>Suppressed</h2>"));
    }
}
