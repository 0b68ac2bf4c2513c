//! TG-CFG-019: the image was built long ago.

use tollgate_match::Severity;

use crate::Evidence;
use crate::config::{Context, Date, Rule, field_evidence};

pub(super) const RULE: ImageAge = ImageAge;

pub(super) struct ImageAge;

/// Dates before Docker's first release (March 2013) are placeholders, not build times:
/// reproducible builds write 1970-01-01 (`SOURCE_DATE_EPOCH=0`, ko, Bazel, distroless).
const PLACEHOLDER_BEFORE: (i32, u32, u32) = (2013, 3, 1);

/// The first anniversary of `day` (29 February's is 1 March).
fn a_year_after(day: Date) -> Option<Date> {
    let year = day.year().checked_add(1)?;
    Date::new(year, day.month(), day.day()).or_else(|| Date::new(year, 3, 1))
}

/// Whole months from `from` to `to` (0 when `to` is not later).
fn months_between(from: Date, to: Date) -> i64 {
    let months = (i64::from(to.year()) - i64::from(from.year())) * 12
        + i64::from(to.month())
        - i64::from(from.month())
        - i64::from(to.day() < from.day());
    months.max(0)
}

impl Rule for ImageAge {
    fn id(&self) -> &'static str {
        "TG-CFG-019"
    }

    fn severity(&self) -> Severity {
        Severity::Low
    }

    fn title(&self) -> &'static str {
        "Image was built more than a year ago"
    }

    fn remedy(&self) -> &'static str {
        "Rebuild the image regularly (at least monthly, and whenever its base image is \
         updated) so that it picks up security fixes, and deploy the rebuilt image."
    }

    /// `today` is after the first anniversary of `created` (a year of security fixes missed
    /// by every package not rebuilt). Creation dates before March 2013 (reproducible builds'
    /// 1970-01-01) and unreadable ones are not judged.
    fn check(&self, context: &Context<'_>) -> Vec<Evidence> {
        let Some(created) = context
            .config
            .as_ref()
            .and_then(|config| config.created.as_deref())
        else {
            return Vec::new();
        };
        let (year, month, day) = PLACEHOLDER_BEFORE;
        let placeholder = |created: &Date| Date::new(year, month, day).is_none_or(|p| *created < p);
        let Some(built) = Date::parse(created).filter(|built| !placeholder(built)) else {
            return Vec::new();
        };
        if a_year_after(built).is_none_or(|anniversary| context.today <= anniversary) {
            return Vec::new();
        }
        vec![field_evidence(
            "created",
            format!(
                "created {built}, {} months before {}",
                months_between(built, context.today),
                context.today
            ),
        )]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> Date {
        Date::parse(text).unwrap()
    }

    #[test]
    fn anniversaries_and_months() {
        assert_eq!(a_year_after(date("2024-02-29")), Some(date("2025-03-01")));
        assert_eq!(a_year_after(date("2024-01-02")), Some(date("2025-01-02")));
        assert_eq!(months_between(date("2024-01-02"), date("2026-11-23")), 34);
        assert_eq!(months_between(date("2024-01-23"), date("2024-02-22")), 0);
        assert_eq!(months_between(date("2024-01-23"), date("2024-02-23")), 1);
        assert_eq!(months_between(date("2025-01-01"), date("2024-01-01")), 0);
    }
}
