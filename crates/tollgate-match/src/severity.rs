//! Severity: from the CVSS vectors when there are any (the highest base score), else the
//! feed's own rating (GitHub's `database_specific.severity`, the Debian tracker's urgency).

use std::str::FromStr;

use tollgate_vulndb::{Advisory, Affected};

use crate::finding::Cvss;

/// The levels of Trivy and Grype, in order.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "UPPERCASE")]
pub enum Severity {
    /// No rating anywhere.
    #[default]
    Unknown,
    /// CVSS 0.1-3.9; Debian `low`, `unimportant`.
    Low,
    /// CVSS 4.0-6.9; GitHub `MODERATE`.
    Medium,
    /// CVSS 7.0-8.9.
    High,
    /// CVSS 9.0-10.0.
    Critical,
}

impl Severity {
    /// The level of a CVSS base score.
    #[must_use]
    pub fn of_score(score: f64) -> Self {
        match score {
            s if s >= 9.0 => Self::Critical,
            s if s >= 7.0 => Self::High,
            s if s >= 4.0 => Self::Medium,
            s if s > 0.0 => Self::Low,
            _ => Self::Unknown,
        }
    }

    /// A feed's word for a level.
    #[must_use]
    pub fn of_rating(rating: &str) -> Option<Self> {
        // The tracker marks urgencies it is unsure of with `*` or `**`.
        let rating = rating.trim_end_matches('*').trim().to_ascii_lowercase();
        Some(match rating.as_str() {
            "critical" => Self::Critical,
            "high" | "important" => Self::High,
            "medium" | "moderate" => Self::Medium,
            "low" | "unimportant" | "negligible" => Self::Low,
            _ => return None,
        })
    }

    /// The name used in reports.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unknown => "UNKNOWN",
            Self::Low => "LOW",
            Self::Medium => "MEDIUM",
            Self::High => "HIGH",
            Self::Critical => "CRITICAL",
        }
    }
}

impl FromStr for Severity {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.eq_ignore_ascii_case("unknown") {
            return Ok(Self::Unknown);
        }
        Self::of_rating(text).ok_or_else(|| {
            format!("unknown severity `{text}`: use UNKNOWN, LOW, MEDIUM, HIGH or CRITICAL")
        })
    }
}

/// The CVSS vectors of an advisory and of its matched entry, scored where the version is
/// supported (3.0, 3.1, 4.0; a v2 vector is kept without a score).
pub(crate) fn vectors(advisory: &Advisory, affected: Option<&Affected>) -> Vec<Cvss> {
    let mut out: Vec<Cvss> = Vec::new();
    for severity in advisory
        .severity
        .iter()
        .chain(affected.into_iter().flat_map(|a| &a.severity))
    {
        if !severity.kind.starts_with("CVSS_") || out.iter().any(|c| c.vector == severity.score) {
            continue;
        }
        let score = cvss::Cvss::from_str(&severity.score)
            .ok()
            .map(|v| v.score());
        out.push(Cvss {
            version: severity.kind.trim_start_matches("CVSS_V").to_owned(),
            vector: severity.score.clone(),
            score,
        });
    }
    out
}

/// The severity of a finding.
pub(crate) fn severity_of(
    advisory: &Advisory,
    affected: Option<&Affected>,
    cvss: &[Cvss],
) -> Severity {
    if let Some(score) = cvss.iter().filter_map(|c| c.score).reduce(f64::max) {
        return Severity::of_score(score);
    }
    let rating = |value: Option<&serde_json::Value>, key: &str| {
        value
            .and_then(|v| v.get(key))
            .and_then(serde_json::Value::as_str)
            .and_then(Severity::of_rating)
    };
    rating(advisory.database_specific.as_ref(), "severity")
        .or_else(|| {
            rating(
                affected.and_then(|a| a.ecosystem_specific.as_ref()),
                "urgency",
            )
        })
        .or_else(|| {
            rating(
                affected.and_then(|a| a.ecosystem_specific.as_ref()),
                "severity",
            )
        })
        .or_else(|| {
            rating(
                affected.and_then(|a| a.database_specific.as_ref()),
                "severity",
            )
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use tollgate_vulndb::Severity as Vector;

    use super::*;

    #[test]
    fn the_highest_cvss_score_decides() {
        let advisory = Advisory {
            severity: vec![
                Vector {
                    kind: "CVSS_V3".into(),
                    score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".into(),
                },
                Vector {
                    kind: "CVSS_V2".into(),
                    score: "AV:N/AC:L/Au:N/C:P/I:P/A:P".into(),
                },
            ],
            database_specific: Some(serde_json::json!({"severity": "LOW"})),
            ..Advisory::default()
        };
        let cvss = vectors(&advisory, None);
        assert_eq!(cvss[0].score, Some(9.8));
        assert_eq!(cvss[1].score, None);
        assert_eq!(severity_of(&advisory, None, &cvss), Severity::Critical);
    }

    #[test]
    fn without_cvss_the_feed_rating_decides() {
        let advisory = Advisory {
            database_specific: Some(serde_json::json!({"severity": "MODERATE"})),
            ..Advisory::default()
        };
        assert_eq!(severity_of(&advisory, None, &[]), Severity::Medium);
        let debian = Affected {
            ecosystem_specific: Some(serde_json::json!({"urgency": "low**"})),
            ..Affected::default()
        };
        assert_eq!(
            severity_of(&Advisory::default(), Some(&debian), &[]),
            Severity::Low
        );
        assert_eq!(
            severity_of(&Advisory::default(), None, &[]),
            Severity::Unknown
        );
        assert_eq!("high".parse::<Severity>().unwrap(), Severity::High);
        assert!("severe".parse::<Severity>().is_err());
    }
}
