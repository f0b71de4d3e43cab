//! When mail may go: quiet hours, the backoff after a failed try, the release hour of comment
//! alerts and the weeks digests cover. Pure functions of naive UTC times (as stored), read in
//! Hanoi time (UTC+7, no daylight saving).

use chrono::{Datelike as _, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike as _, Weekday};

const HANOI: Duration = Duration::hours(7);

fn to_hanoi(utc: NaiveDateTime) -> NaiveDateTime {
    utc + HANOI
}

fn from_hanoi(local: NaiveDateTime) -> NaiveDateTime {
    local - HANOI
}

/// A daily span of Hanoi time, e.g. `21:00-07:00` (it may wrap past midnight).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    start: NaiveTime,
    end: NaiveTime,
}

impl QuietHours {
    /// Parses `HH:MM-HH:MM`; the message says what is wrong.
    pub fn parse(s: &str) -> Result<QuietHours, String> {
        let bad = || format!("expected `HH:MM-HH:MM` in Hanoi time, e.g. `21:00-07:00`, got `{s}`");
        let (a, b) = s.trim().split_once('-').ok_or_else(bad)?;
        let time = |t: &str| NaiveTime::parse_from_str(t.trim(), "%H:%M").map_err(|_| bad());
        let (start, end) = (time(a)?, time(b)?);
        if start == end {
            return Err(format!("`{s}` is empty: the start and the end are the same"));
        }
        Ok(QuietHours { start, end })
    }

    fn contains(&self, t: NaiveTime) -> bool {
        if self.start < self.end {
            self.start <= t && t < self.end
        } else {
            t >= self.start || t < self.end
        }
    }

    /// `None` when `now` (UTC) is outside the quiet hours, else when they end (UTC).
    pub fn ends_after(&self, now: NaiveDateTime) -> Option<NaiveDateTime> {
        let local = to_hanoi(now);
        if !self.contains(local.time()) {
            return None;
        }
        let mut end = local.date().and_time(self.end);
        if end <= local {
            end += Duration::days(1);
        }
        Some(from_hanoi(end))
    }
}

/// The wait before try `attempts + 1` after `attempts` failed ones: `base`, doubled each time,
/// at most an hour.
pub fn backoff(base_secs: u32, attempts: i32) -> Duration {
    let doublings = u32::try_from(attempts.saturating_sub(1)).unwrap_or(0).min(20);
    let secs = u64::from(base_secs).saturating_mul(1u64 << doublings).min(3600);
    Duration::seconds(i64::try_from(secs).unwrap_or(3600))
}

/// When a low-rating alert raised at `now` goes out: at `hour` (Hanoi) on the next day, so that
/// every alert of a day leaves together and none tells when its citizen answered; `now` when
/// `hour` is `None`.
pub fn comment_alert_release(now: NaiveDateTime, hour: Option<u32>) -> NaiveDateTime {
    let Some(hour) = hour else { return now };
    let next_day = to_hanoi(now).date() + Duration::days(1);
    from_hanoi(next_day.and_time(NaiveTime::from_hms_opt(hour.min(23), 0, 0).unwrap_or(NaiveTime::MIN)))
}

/// The start of the day (Hanoi) of `now`, in UTC: what a comment alert records as its creation
/// time, for the same reason.
pub fn day_start(now: NaiveDateTime) -> NaiveDateTime {
    from_hanoi(to_hanoi(now).date().and_time(NaiveTime::MIN))
}

/// The Monday of the last complete week (Hanoi) whose digest is due at `now`: last week's from
/// Monday `hour` o'clock on, the week before's until then.
pub fn digest_week(now: NaiveDateTime, hour: u32) -> NaiveDate {
    let local = to_hanoi(now);
    let this_monday = local.date() - Duration::days(i64::from(local.weekday().num_days_from_monday()));
    let due = local.weekday() != Weekday::Mon || local.hour() >= hour;
    this_monday - Duration::weeks(if due { 1 } else { 2 })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn quiet_hours_wrap_midnight_in_hanoi_time() {
        let q = QuietHours::parse("21:00-07:00").unwrap();
        // 13:59 UTC = 20:59 Hanoi: not quiet; 14:00 UTC = 21:00: quiet until 00:00 UTC (07:00).
        assert_eq!(q.ends_after(utc("2026-11-20 13:59")), None);
        assert_eq!(q.ends_after(utc("2026-11-20 14:00")), Some(utc("2026-11-21 00:00")));
        assert_eq!(q.ends_after(utc("2026-11-20 23:30")), Some(utc("2026-11-21 00:00")));
        assert_eq!(q.ends_after(utc("2026-11-21 00:00")), None);
        let day = QuietHours::parse("12:00-13:30").unwrap();
        assert_eq!(day.ends_after(utc("2026-11-20 05:10")), Some(utc("2026-11-20 06:30")));
        assert!(QuietHours::parse("21-7").unwrap_err().contains("HH:MM-HH:MM"));
        assert!(QuietHours::parse("25:00-07:00").is_err());
        assert!(QuietHours::parse("07:00-07:00").unwrap_err().contains("empty"));
    }

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let secs: Vec<i64> = (1..=9).map(|a| backoff(30, a).num_seconds()).collect();
        assert_eq!(secs, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(backoff(30, 0).num_seconds(), 30);
        assert_eq!(backoff(3600, 500).num_seconds(), 3600);
    }

    #[test]
    fn comment_alerts_wait_for_the_next_mornings_release() {
        // 2026-11-20 16:30 UTC is 23:30 Hanoi on the 20th; released 07:00 Hanoi on the 21st.
        assert_eq!(comment_alert_release(utc("2026-11-20 16:30"), Some(7)), utc("2026-11-21 00:00"));
        // 2026-11-20 17:30 UTC is already 00:30 on the 21st: released on the 22nd.
        assert_eq!(comment_alert_release(utc("2026-11-20 17:30"), Some(7)), utc("2026-11-22 00:00"));
        assert_eq!(comment_alert_release(utc("2026-11-20 17:30"), None), utc("2026-11-20 17:30"));
        assert_eq!(day_start(utc("2026-11-20 17:30")), utc("2026-11-20 17:00"));
    }

    #[test]
    fn the_digest_covers_the_last_complete_week() {
        // Monday 2026-11-23, 06:59 Hanoi (= Sunday 23:59 UTC): still the week of 9 November.
        assert_eq!(digest_week(utc("2026-11-22 23:59"), 7), NaiveDate::from_ymd_opt(2026, 11, 9).unwrap());
        // 07:00 Hanoi on Monday: the week of 16 November.
        assert_eq!(digest_week(utc("2026-11-23 00:00"), 7), NaiveDate::from_ymd_opt(2026, 11, 16).unwrap());
        // Any later day of that week: the same.
        assert_eq!(digest_week(utc("2026-11-28 10:00"), 7), NaiveDate::from_ymd_opt(2026, 11, 16).unwrap());
    }
}
