//! CVSS vectors as the formats name them, and the one number that ranks a vulnerability.

use tollgate_match::{Cvss, Severity};

/// A CVSS version, as far as the formats tell them apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Version {
    V2,
    V30,
    V31,
    V40,
}

impl Version {
    /// The version of a vector: its own prefix (`CVSS:3.1/`) when it has one, else the version
    /// the advisory filed it under (OSV's `CVSS_V3` covers both 3.0 and 3.1; a 2.0 vector has no
    /// prefix). `None` for versions tollgate does not know.
    pub(crate) fn of(cvss: &Cvss) -> Option<Self> {
        let vector = cvss.vector.as_str();
        Some(if vector.starts_with("CVSS:4.0/") {
            Self::V40
        } else if vector.starts_with("CVSS:3.1/") {
            Self::V31
        } else if vector.starts_with("CVSS:3.0/") {
            Self::V30
        } else {
            match cvss.version.as_str() {
                "2" | "2.0" => Self::V2,
                "3" | "3.0" => Self::V30,
                "3.1" => Self::V31,
                "4" | "4.0" => Self::V40,
                _ => return None,
            }
        })
    }
}

/// A vector as people read it: the base score first when there is one (`9.8 CVSS:3.1/AV:N/...`),
/// and the version named when the vector does not carry it (a 2.0 vector).
pub(crate) fn describe(cvss: &Cvss) -> String {
    let vector = match Version::of(cvss) {
        Some(Version::V2) if !cvss.vector.starts_with("CVSS:") => {
            format!("CVSS v2 {}", cvss.vector)
        }
        _ => cvss.vector.clone(),
    };
    match cvss.score {
        Some(score) => format!("{score:.1} {vector}"),
        None => vector,
    }
}

/// GitHub's `security-severity`: the number code scanning ranks alerts by (9.0 and above
/// critical, 7.0 to 8.9 high, 4.0 to 6.9 medium, 0.1 to 3.9 low). The highest CVSS base score
/// when that score is of the finding's own severity level; otherwise (no scored vector, or a
/// severity taken from a feed's own rating) a fixed number inside the level's band, the ones
/// Trivy uses, so that GitHub never shows a level other than tollgate's.
///
/// ref: <https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning#reportingdescriptor-object>
pub(crate) fn security_severity<'a>(
    severity: Severity,
    vectors: impl IntoIterator<Item = &'a Cvss>,
) -> String {
    let highest = vectors
        .into_iter()
        .filter_map(|cvss| cvss.score)
        .reduce(f64::max);
    match highest {
        Some(score) if Severity::of_score(score) == severity => format!("{score:.1}"),
        _ => match severity {
            Severity::Critical => "9.5",
            Severity::High => "8.0",
            Severity::Medium => "5.5",
            Severity::Low => "2.0",
            Severity::Unknown => "0.0",
        }
        .to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cvss(version: &str, vector: &str, score: Option<f64>) -> Cvss {
        Cvss {
            version: version.to_owned(),
            vector: vector.to_owned(),
            score,
        }
    }

    #[test]
    fn versions_come_from_the_vector_first() {
        let v31 = cvss(
            "3",
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            Some(9.8),
        );
        assert_eq!(Version::of(&v31), Some(Version::V31));
        assert_eq!(
            Version::of(&cvss("2", "AV:N/AC:L/Au:N/C:P/I:P/A:P", None)),
            Some(Version::V2)
        );
        assert_eq!(
            Version::of(&cvss("4", "CVSS:4.0/AV:N", None)),
            Some(Version::V40)
        );
        assert_eq!(Version::of(&cvss("9", "x", None)), None);
    }

    #[test]
    fn descriptions_put_the_score_first() {
        let v31 = cvss(
            "3",
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            Some(9.8),
        );
        assert_eq!(
            describe(&v31),
            "9.8 CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
        );
        let v2 = cvss("2", "AV:N/AC:L/Au:N/C:P/I:P/A:P", None);
        assert_eq!(describe(&v2), "CVSS v2 AV:N/AC:L/Au:N/C:P/I:P/A:P");
    }

    #[test]
    fn security_severity_agrees_with_the_level() {
        let v31 = cvss(
            "3",
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            Some(9.8),
        );
        assert_eq!(security_severity(Severity::Critical, [&v31]), "9.8");
        // A severity raised by another advisory of the same vulnerability: the level wins.
        assert_eq!(security_severity(Severity::High, [&v31]), "8.0");
        assert_eq!(security_severity(Severity::Low, []), "2.0");
        assert_eq!(security_severity(Severity::Unknown, []), "0.0");
    }
}
