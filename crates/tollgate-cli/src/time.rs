//! The one timestamp tollgate writes (a report's or an SBOM's creation time), and the clock.

use std::time::{SystemTime, UNIX_EPOCH};

/// Now, or `$SOURCE_DATE_EPOCH` when set (reproducible builds), as RFC 3339 UTC.
pub(crate) fn created_timestamp() -> String {
    let seconds = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|v| v.trim().parse::<i64>().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        });
    rfc3339(seconds)
}

/// Now, in seconds since the epoch (not `SOURCE_DATE_EPOCH`: ages are measured from now).
pub(crate) fn now_epoch_seconds() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Seconds since the epoch → `YYYY-MM-DDThh:mm:ssZ`.
fn rfc3339(seconds: i64) -> String {
    let time = seconds.rem_euclid(86_400);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        tollgate_match::Date::of_epoch_seconds(seconds),
        time / 3600,
        time % 3600 / 60,
        time % 60
    )
}

#[cfg(test)]
mod tests {
    use super::rfc3339;

    #[test]
    fn known_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_795_436_800), "2026-11-23T12:26:40Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
    }
}
