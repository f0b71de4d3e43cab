//! How mails write dates, times, differences and sizes, per locale (numbers themselves come
//! from `domain::numbers`), and the inline PNG part.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

use crate::domain::numbers::{decimal, percent, NO_VALUE};
use crate::domain::{hanoi_offset, Locale};
use crate::email::InlineImage;

const EN_MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// "23/11/2026" (vi), "23 Nov 2026" (en).
pub fn date(d: NaiveDate, locale: Locale) -> String {
    match locale {
        Locale::Vi => d.format("%d/%m/%Y").to_string(),
        Locale::En => {
            use chrono::Datelike as _;
            let month = EN_MONTHS.get(d.month0() as usize).copied().unwrap_or_default();
            format!("{} {month} {}", d.day(), d.year())
        }
    }
}

/// A range of days: "17/11–23/11/2026" (vi; years on both sides when they differ),
/// "17 Nov – 23 Nov 2026" (en).
pub fn date_range(from: NaiveDate, to: NaiveDate, locale: Locale) -> String {
    use chrono::Datelike as _;
    let same_year = from.year() == to.year();
    match locale {
        Locale::Vi if same_year => format!("{}–{}", from.format("%d/%m"), date(to, locale)),
        Locale::Vi => format!("{}–{}", date(from, locale), date(to, locale)),
        Locale::En if same_year => {
            let month = EN_MONTHS.get(from.month0() as usize).copied().unwrap_or_default();
            format!("{} {month} – {}", from.day(), date(to, locale))
        }
        Locale::En => format!("{} – {}", date(from, locale), date(to, locale)),
    }
}

/// A UTC instant as the Hanoi date and time: "17:00 ngày 23/11/2026 (giờ Hà Nội)" (vi),
/// "23 Nov 2026, 17:00 (Hanoi time)" (en).
pub fn hanoi_date_time(t: NaiveDateTime, locale: Locale) -> String {
    let local = DateTime::<Utc>::from_naive_utc_and_offset(t, Utc).with_timezone(&hanoi_offset());
    let clock = local.format("%H:%M");
    match locale {
        Locale::Vi => format!("{clock} ngày {} (giờ Hà Nội)", date(local.date_naive(), locale)),
        Locale::En => format!("{}, {clock} (Hanoi time)", date(local.date_naive(), locale)),
    }
}

/// A percentage with one decimal, or "—".
pub fn pct(value: Option<f64>, locale: Locale) -> String {
    value.filter(|v| v.is_finite()).map_or_else(|| NO_VALUE.to_owned(), |v| percent(v, 1, locale))
}

/// A target: no decimals when whole ("85 %"), else one ("87,5 %").
pub fn target(value: f64, locale: Locale) -> String {
    percent(value, if value.fract() == 0.0 { 0 } else { 1 }, locale)
}

/// A difference in percentage points with its sign and an arrow: "▲ +2,3", "▼ −1,0", "= 0,0";
/// `None` when either side is missing.
pub fn delta(now: Option<f64>, before: Option<f64>, locale: Locale) -> Option<String> {
    let (now, before) = (now.filter(|v| v.is_finite())?, before.filter(|v| v.is_finite())?);
    let diff = now - before;
    let shown = decimal(diff.abs(), 1, locale);
    Some(if shown == decimal(0.0, 1, locale) {
        format!("= {shown}")
    } else if diff > 0.0 {
        format!("▲ +{shown}")
    } else {
        format!("▼ −{shown}")
    })
}

/// [`delta`] with its unit: "▲ +2,3 điểm" (vi), "▼ −1.0 points" (en); "—" when a side is missing.
pub fn change(now: Option<f64>, before: Option<f64>, locale: Locale) -> String {
    delta(now, before, locale).map_or_else(|| NO_VALUE.to_owned(), |d| format!("{d} {}", locale.pick("điểm", "points")))
}

/// A file size: "1,2 MB", "340 KB" (vi), "1.2 MB" (en).
pub fn size(bytes: u64, locale: Locale) -> String {
    let mb = bytes as f64 / 1_048_576.0;
    if mb >= 1.0 {
        format!("{} MB", decimal(mb, 1, locale))
    } else {
        format!("{} KB", decimal((bytes as f64 / 1024.0).ceil(), 0, locale))
    }
}

/// A PNG shown in the HTML as `<img src="cid:{content_id}">`.
pub fn png(content_id: &str, name: &str, bytes: Vec<u8>) -> InlineImage {
    InlineImage {
        content_id: content_id.to_owned(),
        name: name.to_owned(),
        content_type: "image/png".to_owned(),
        bytes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Locale::{En, Vi};

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn dates_and_times_in_both_languages() {
        assert_eq!(date(d("2026-11-03"), Vi), "03/11/2026");
        assert_eq!(date(d("2026-11-03"), En), "3 Nov 2026");
        assert_eq!(date_range(d("2026-11-17"), d("2026-11-23"), Vi), "17/11–23/11/2026");
        assert_eq!(date_range(d("2025-12-29"), d("2026-01-04"), Vi), "29/12/2025–04/01/2026");
        assert_eq!(date_range(d("2026-11-17"), d("2026-11-23"), En), "17 Nov – 23 Nov 2026");
        // 18:30 UTC is already the next day in Hanoi.
        let t = d("2026-03-14").and_hms_opt(18, 30, 0).unwrap();
        assert_eq!(hanoi_date_time(t, Vi), "01:30 ngày 15/03/2026 (giờ Hà Nội)");
        assert_eq!(hanoi_date_time(t, En), "15 Mar 2026, 01:30 (Hanoi time)");
    }

    #[test]
    fn changes_sizes_and_targets() {
        assert_eq!(change(Some(82.4), Some(80.1), Vi), "▲ +2,3 điểm");
        assert_eq!(change(Some(80.0), Some(81.0), En), "▼ −1.0 points");
        assert_eq!(change(Some(80.01), Some(80.0), Vi), "= 0,0 điểm");
        assert_eq!(change(None, Some(80.0), Vi), "—");
        assert_eq!(delta(Some(82.4), Some(80.1), Vi).as_deref(), Some("▲ +2,3"));
        assert_eq!(delta(Some(82.4), None, Vi), None);
        assert_eq!(size(1_300_000, Vi), "1,2 MB");
        assert_eq!(size(2_000, En), "2 KB");
        assert_eq!(target(85.0, Vi), "85 %");
        assert_eq!(target(87.5, Vi), "87,5 %");
        assert_eq!(pct(Some(82.44), Vi), "82,4 %");
        assert_eq!(pct(None, Vi), "—");
    }
}
