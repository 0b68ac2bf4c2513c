//! Calendar dates and RFC 3339 timestamps, without a date library: rules need only "is this
//! date past?" and "which of two statements is later?", and the civil-date arithmetic for that
//! is a dozen lines (Howard Hinnant's algorithms,
//! <https://howardhinnant.github.io/date_algorithms.html>).

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

/// A calendar date (proleptic Gregorian, years 1 to 9999): the day a scan runs and the day an
/// ignore entry expires (the first day it no longer applies).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    // Field order matters: the derived ordering is year, then month, then day.
    year: i32,
    month: u8,
    day: u8,
}

impl Date {
    /// The date `year-month-day`, or `None` when there is no such day (`2025-02-29`).
    #[must_use]
    pub fn new(year: i32, month: u32, day: u32) -> Option<Self> {
        if !(1..=9999).contains(&year) || !(1..=12).contains(&month) || day == 0 {
            return None;
        }
        if day > days_in_month(year, month) {
            return None;
        }
        Some(Self {
            year,
            month: u8::try_from(month).ok()?,
            day: u8::try_from(day).ok()?,
        })
    }

    /// Today in UTC, by the system clock.
    #[must_use]
    pub fn today_utc() -> Self {
        // A clock before 1970 is broken; treat it as the epoch rather than fail a scan.
        let seconds = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        Self::of_epoch_seconds(seconds)
    }

    /// Parse `YYYY-MM-DD`, or an RFC 3339 timestamp (`2025-01-31T12:00:00Z`,
    /// `2025-01-31T20:00:00-05:00`), which names the UTC date of that instant.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if text.len() == 10 {
            let (year, month, day) = parse_ymd(text)?;
            return Self::new(year, month, day);
        }
        let instant = Instant::parse_rfc3339(text)?;
        Some(Self::of_epoch_seconds(instant.seconds))
    }

    /// The year.
    #[must_use]
    pub fn year(self) -> i32 {
        self.year
    }

    /// The month, 1 to 12.
    #[must_use]
    pub fn month(self) -> u32 {
        u32::from(self.month)
    }

    /// The day of the month, 1 to 31.
    #[must_use]
    pub fn day(self) -> u32 {
        u32::from(self.day)
    }

    /// The UTC date of an instant given in seconds since the Unix epoch (clamped to years
    /// 1-9999).
    #[must_use]
    pub fn of_epoch_seconds(seconds: i64) -> Self {
        let (year, month, day) = civil_from_days(seconds.div_euclid(86_400));
        // Out-of-range instants clamp to the ends of the supported range.
        let year = i32::try_from(year).unwrap_or(if year < 0 { 1 } else { 9999 });
        Self::new(year, month, day).unwrap_or(if year < 1 {
            Self {
                year: 1,
                month: 1,
                day: 1,
            }
        } else {
            Self {
                year: 9999,
                month: 12,
                day: 31,
            }
        })
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// An instant: seconds since the Unix epoch (UTC) and nanoseconds. Ordered, so statements can
/// be sorted by when they were made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Instant {
    seconds: i64,
    nanos: u32,
}

impl Instant {
    /// `YYYY-MM-DDThh:mm:ss[.fraction](Z|±hh:mm)`; `t`, `z` and a space in place of `T` are
    /// accepted as RFC 3339 allows.
    pub(super) fn parse_rfc3339(text: &str) -> Option<Self> {
        let text = text.trim();
        if !text.is_ascii() || text.len() < 20 {
            return None;
        }
        let (year, month, day) = parse_ymd(&text[..10])?;
        Date::new(year, month, day)?;
        if !matches!(text.as_bytes()[10], b'T' | b't' | b' ') {
            return None;
        }
        let time = &text[11..];
        let (hour, minute, second) = (
            two_digits(time.get(0..2)?)?,
            two_digits(time.get(3..5)?)?,
            two_digits(time.get(6..8)?)?,
        );
        if time.get(2..3)? != ":" || time.get(5..6)? != ":" {
            return None;
        }
        // 60 is a leap second.
        if hour > 23 || minute > 59 || second > 60 {
            return None;
        }
        let mut rest = &time[8..];
        let mut nanos = 0u32;
        if let Some(fraction) = rest.strip_prefix('.') {
            let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return None;
            }
            // Nanosecond precision is all an ordering needs; finer digits are dropped.
            for (i, b) in fraction.bytes().take(digits).enumerate() {
                if i < 9 {
                    nanos = nanos * 10 + u32::from(b - b'0');
                }
            }
            for _ in digits..9 {
                nanos *= 10;
            }
            rest = &fraction[digits..];
        }
        let offset_seconds = match rest {
            "Z" | "z" => 0,
            _ => {
                let sign = match rest.as_bytes().first()? {
                    b'+' => 1,
                    b'-' => -1,
                    _ => return None,
                };
                if rest.len() != 6 || rest.get(3..4)? != ":" {
                    return None;
                }
                let (h, m) = (two_digits(&rest[1..3])?, two_digits(&rest[4..6])?);
                if h > 23 || m > 59 {
                    return None;
                }
                sign * (i64::from(h) * 3600 + i64::from(m) * 60)
            }
        };
        let days = days_from_civil(i64::from(year), month, day);
        let seconds =
            days * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second)
                - offset_seconds;
        Some(Self { seconds, nanos })
    }
}

/// `YYYY-MM-DD` → its numbers (range checks are the caller's).
fn parse_ymd(text: &str) -> Option<(i32, u32, u32)> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let year = text[..4].bytes().try_fold(0i32, |acc, b| {
        b.is_ascii_digit().then(|| acc * 10 + i32::from(b - b'0'))
    })?;
    Some((year, two_digits(&text[5..7])?, two_digits(&text[8..10])?))
}

fn two_digits(text: &str) -> Option<u32> {
    let bytes = text.as_bytes();
    if bytes.len() != 2 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(u32::from(bytes[0] - b'0') * 10 + u32::from(bytes[1] - b'0'))
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a civil date.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let (month, day) = (i64::from(month), i64::from(day));
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let day_of_year = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The civil date of a count of days since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    // day is 1..=31 and month 1..=12 by construction.
    (
        year,
        u32::try_from(month).unwrap_or(1),
        u32::try_from(day).unwrap_or(1),
    )
}

#[cfg(test)]
mod tests {
    use super::{Date, Instant, civil_from_days, days_from_civil};

    #[test]
    fn dates_parse_and_validate() {
        assert_eq!(Date::parse("2025-01-31"), Date::new(2025, 1, 31));
        assert_eq!(Date::parse("2024-02-29"), Date::new(2024, 2, 29));
        for bad in [
            "2025-02-29",
            "2100-02-29",
            "2025-13-01",
            "2025-00-10",
            "2025-1-31",
            "31/01/2025",
            "",
            "2025-01-3x",
        ] {
            assert_eq!(Date::parse(bad), None, "{bad}");
        }
        assert_eq!(
            Date::parse("2000-02-29").map(|d| d.to_string()).as_deref(),
            Some("2000-02-29")
        );
    }

    #[test]
    fn rfc3339_names_the_utc_date() {
        assert_eq!(Date::parse("2025-01-31T12:00:00Z"), Date::new(2025, 1, 31));
        // 20:00 at UTC-5 is 01:00 the next day in UTC.
        assert_eq!(
            Date::parse("2025-01-31T20:00:00-05:00"),
            Date::new(2025, 2, 1)
        );
        assert_eq!(
            Date::parse("2025-01-01T00:30:00+01:00"),
            Date::new(2024, 12, 31)
        );
        assert_eq!(
            Date::parse("2025-01-31 12:00:00.5z"),
            Date::new(2025, 1, 31)
        );
        for bad in [
            "2025-01-31T12:00:00",
            "2025-01-31T24:00:00Z",
            "2025-01-31T12:00Z",
            "2025-01-31T12:00:00+0500",
            "2025-01-31T12:00:00.Z",
        ] {
            assert_eq!(Date::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn instants_order_across_offsets_and_fractions() {
        let parse = |t: &str| Instant::parse_rfc3339(t).unwrap_or_else(|| panic!("{t}"));
        // The OpenVEX spec's own timestamps.
        let a = parse("2023-01-16T19:07:16.853479631-06:00");
        let b = parse("2023-01-17T01:07:16.853479632Z");
        assert!(a < b);
        assert_eq!(
            parse("2023-01-08T18:02:03-06:00"),
            parse("2023-01-09T00:02:03Z")
        );
        assert!(parse("2023-01-09T00:02:03.1Z") > parse("2023-01-09T00:02:03.09Z"));
    }

    #[test]
    fn civil_round_trip() {
        // Day counts from Python's `(date(y, m, d) - date(1970, 1, 1)).days`.
        for (y, m, d, days) in [
            (1970, 1, 1, 0),
            (2000, 2, 29, 11_016),
            (1969, 12, 31, -1),
            (2026, 11, 23, 20_780),
            (1, 1, 1, -719_162),
            (9999, 12, 31, 2_932_896),
        ] {
            assert_eq!(days_from_civil(y, m, d), days, "{y}-{m}-{d}");
            assert_eq!(civil_from_days(days), (y, m, d), "{days}");
        }
    }

    #[test]
    fn every_supported_day_round_trips_and_follows_the_previous_one() {
        let mut expected = days_from_civil(1, 1, 1);
        for year in 1..=9999 {
            for month in 1..=12 {
                for day in 1..=super::days_in_month(i32::try_from(year).unwrap(), month) {
                    let days = days_from_civil(year, month, day);
                    assert_eq!(days, expected, "{year}-{month}-{day}");
                    assert_eq!(civil_from_days(days), (year, month, day));
                    expected += 1;
                }
            }
        }
    }
}
