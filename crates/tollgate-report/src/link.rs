//! Where people read about a vulnerability: the advisory database that owns its id.

use crate::escape;

/// The database an id belongs to, and the page of that id in it: NVD for CVEs, GitHub's
/// advisory database for GHSAs, and osv.dev, which mirrors every other feed tollgate reads
/// (PyPA, Go, RustSec, Debian, Alpine...), for the rest.
pub(crate) fn advisory(id: &str) -> (&'static str, String) {
    // The id comes from a feed: percent-encode it so it stays one path segment of our URL.
    let segment = escape::uri_segment(id);
    if id.starts_with("CVE-") {
        ("NVD", format!("https://nvd.nist.gov/vuln/detail/{segment}"))
    } else if id.starts_with("GHSA-") {
        ("GitHub", format!("https://github.com/advisories/{segment}"))
    } else {
        ("OSV", format!("https://osv.dev/vulnerability/{segment}"))
    }
}

/// The page of an advisory id.
pub(crate) fn advisory_url(id: &str) -> String {
    advisory(id).1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_link_to_their_database() {
        assert_eq!(
            advisory("CVE-2021-44228"),
            (
                "NVD",
                "https://nvd.nist.gov/vuln/detail/CVE-2021-44228".to_owned()
            )
        );
        assert_eq!(
            advisory_url("GHSA-jfh8-c2jp-5v3q"),
            "https://github.com/advisories/GHSA-jfh8-c2jp-5v3q"
        );
        assert_eq!(
            advisory_url("PYSEC-2021-108"),
            "https://osv.dev/vulnerability/PYSEC-2021-108"
        );
        assert_eq!(
            advisory_url("X/../\"><script>"),
            "https://osv.dev/vulnerability/X%2F..%2F%22%3E%3Cscript%3E"
        );
    }
}
