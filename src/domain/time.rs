//! Calendar dates as Hanoi counts them (UTC+7 all year, no daylight saving).

use chrono::{DateTime, FixedOffset, NaiveDate, Offset as _, Utc};

const HANOI_OFFSET_SECS: i32 = 7 * 3600;

/// Hanoi's fixed offset from UTC.
pub fn hanoi_offset() -> FixedOffset {
    FixedOffset::east_opt(HANOI_OFFSET_SECS).unwrap_or_else(|| Utc.fix())
}

/// The Hanoi calendar date of an instant.
pub fn hanoi_date(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&hanoi_offset()).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn late_utc_evening_is_next_day_in_hanoi() {
        let t: DateTime<Utc> = "2026-03-14T18:30:00Z".parse().unwrap();
        assert_eq!(hanoi_date(t), NaiveDate::from_ymd_opt(2026, 3, 15).unwrap());
    }
}
