//! Calendar dates as Hanoi counts them (UTC+7 all year, no daylight saving), and the
//! half-month spans the index totals are kept in.

use chrono::{DateTime, Datelike as _, Days, FixedOffset, NaiveDate, Offset as _, Utc};

const HANOI_OFFSET_SECS: i32 = 7 * 3600;

/// Hanoi's fixed offset from UTC.
pub fn hanoi_offset() -> FixedOffset {
    FixedOffset::east_opt(HANOI_OFFSET_SECS).unwrap_or_else(|| Utc.fix())
}

/// The Hanoi calendar date of an instant.
pub fn hanoi_date(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&hanoi_offset()).date_naive()
}

/// The first day of the half-month span holding `day`: the 1st for days 1–14, the 15th for
/// days 15 to the end of the month. Every calendar month, quarter and year, and every reform-
/// report period (15 December to a 14th), is a whole number of spans.
pub fn span_start(day: NaiveDate) -> NaiveDate {
    day.with_day(if day.day() < 15 { 1 } else { 15 }).unwrap_or(day)
}

/// The last day of the span that starts at `span_start(day)`.
pub fn span_end(day: NaiveDate) -> NaiveDate {
    if day.day() < 15 {
        day.with_day(14).unwrap_or(day)
    } else {
        let next_month = (day.with_day(1).unwrap_or(day)).checked_add_months(chrono::Months::new(1));
        next_month.and_then(|d| d.checked_sub_days(Days::new(1))).unwrap_or(day)
    }
}

/// `[from, to]` cut into the whole spans it contains (`Some((first span start, last span
/// end))`, or `None` when it contains none) and the days left over at each end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpanCover {
    pub spans: Option<(NaiveDate, NaiveDate)>,
    /// Days before the first whole span (or the whole range when there is none).
    pub head: Option<(NaiveDate, NaiveDate)>,
    /// Days after the last whole span.
    pub tail: Option<(NaiveDate, NaiveDate)>,
}

/// Cuts `[from, to]` (inclusive; `from <= to`) into whole spans and ragged ends.
pub fn span_cover(from: NaiveDate, to: NaiveDate) -> SpanCover {
    let first = if span_start(from) == from { Some(from) } else { span_end(from).succ_opt() };
    let last = if span_end(to) == to { Some(to) } else { span_start(to).pred_opt() };
    match (first, last) {
        (Some(first), Some(last)) if first <= last => SpanCover {
            spans: Some((first, last)),
            head: (from < first).then(|| (from, first.pred_opt().unwrap_or(first))),
            tail: (last < to).then(|| (last.succ_opt().unwrap_or(last), to)),
        },
        _ => SpanCover { spans: None, head: Some((from, to)), tail: None },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn spans_are_half_months() {
        assert_eq!(span_start(d("2026-02-14")), d("2026-02-01"));
        assert_eq!(span_start(d("2026-02-15")), d("2026-02-15"));
        assert_eq!(span_end(d("2026-02-03")), d("2026-02-14"));
        assert_eq!(span_end(d("2026-02-20")), d("2026-02-28"));
        assert_eq!(span_end(d("2028-02-15")), d("2028-02-29"));
        assert_eq!(span_end(d("2026-12-31")), d("2026-12-31"));
    }

    #[test]
    fn cover_of_aligned_ragged_and_short_ranges() {
        // A reform-report period is whole spans.
        let c = span_cover(d("2025-12-15"), d("2026-03-14"));
        assert_eq!(c, SpanCover { spans: Some((d("2025-12-15"), d("2026-03-14"))), head: None, tail: None });
        // Ragged at both ends.
        let c = span_cover(d("2026-01-10"), d("2026-03-20"));
        assert_eq!(c.spans, Some((d("2026-01-15"), d("2026-03-14"))));
        assert_eq!(c.head, Some((d("2026-01-10"), d("2026-01-14"))));
        assert_eq!(c.tail, Some((d("2026-03-15"), d("2026-03-20"))));
        // Inside one span: days only.
        let c = span_cover(d("2026-01-03"), d("2026-01-09"));
        assert_eq!(c, SpanCover { spans: None, head: Some((d("2026-01-03"), d("2026-01-09"))), tail: None });
        // Crossing a boundary without a whole span.
        let c = span_cover(d("2026-01-10"), d("2026-01-20"));
        assert_eq!(c, SpanCover { spans: None, head: Some((d("2026-01-10"), d("2026-01-20"))), tail: None });
        // One day that is a whole span's end only.
        let c = span_cover(d("2026-01-14"), d("2026-01-14"));
        assert_eq!(c.spans, None);
    }

    #[test]
    fn late_utc_evening_is_next_day_in_hanoi() {
        let t: DateTime<Utc> = "2026-03-14T18:30:00Z".parse().unwrap();
        assert_eq!(hanoi_date(t), NaiveDate::from_ymd_opt(2026, 3, 15).unwrap());
    }
}
