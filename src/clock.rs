//! The service's one clock: every "now" and "today" in the code comes from here.
//!
//! `SIPAS_CLOCK_SHIFT_SECS` (a signed number of seconds, for tests and rehearsals only) runs the
//! clock that far off the real one. A shift rather than a fixed "now" keeps every process that
//! is given it on one clock (the tests start servers of their own). The test suite runs once
//! shifted to just after midnight in Hanoi, so a test that assumes a time of day fails in CI
//! at any hour, not only at night.

use std::sync::OnceLock;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, Utc};

/// The environment variable that shifts the clock.
pub const SHIFT_VAR: &str = "SIPAS_CLOCK_SHIFT_SECS";

static SHIFT: OnceLock<TimeDelta> = OnceLock::new();

fn parse_shift(value: &str) -> Result<TimeDelta, String> {
    value
        .trim()
        .parse::<i64>()
        .ok()
        .and_then(TimeDelta::try_seconds)
        .ok_or_else(|| format!("{SHIFT_VAR}={value:?} is not a whole number of seconds (e.g. -3600)"))
}

fn shift() -> TimeDelta {
    *SHIFT.get_or_init(|| match std::env::var(SHIFT_VAR) {
        Ok(value) if !value.trim().is_empty() => parse_shift(&value).unwrap_or_else(|e| {
            // `check_shift` refuses this before a command starts; a library caller keeps real time.
            tracing::warn!("{e}; using the real time");
            TimeDelta::zero()
        }),
        _ => TimeDelta::zero(),
    })
}

/// Refuses a `SIPAS_CLOCK_SHIFT_SECS` that is set but unreadable, naming the variable.
pub fn check_shift() -> Result<(), String> {
    match std::env::var(SHIFT_VAR) {
        Ok(value) if !value.trim().is_empty() => parse_shift(&value).map(|_| ()),
        _ => Ok(()),
    }
}

/// The current instant.
pub fn now() -> DateTime<Utc> {
    Utc::now() + shift()
}

/// The current instant in UTC without a zone, as both backends store timestamps.
pub fn now_naive() -> NaiveDateTime {
    now().naive_utc()
}

/// Today's date in Hanoi.
pub fn today() -> NaiveDate {
    crate::domain::hanoi_date(now())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shifts_are_whole_signed_seconds() {
        assert_eq!(parse_shift(" -3600 "), Ok(TimeDelta::hours(-1)));
        assert_eq!(parse_shift("86400"), Ok(TimeDelta::days(1)));
        let e = parse_shift("00:05").unwrap_err();
        assert!(e.contains(SHIFT_VAR) && e.contains("00:05"), "{e}");
    }
}
