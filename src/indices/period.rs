//! Reporting periods as inclusive calendar-date ranges (Hanoi dates): years, quarters, months,
//! the city's cumulative reform-report periods and custom ranges (PRODUCT §4).

use std::fmt;

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize, Serializer};
use thiserror::Error;

use crate::domain::Locale;

/// The earliest date a period may start on.
pub const EARLIEST: (i32, u32, u32) = (2000, 1, 1);
/// The latest date a period may end on.
pub const LATEST: (i32, u32, u32) = (2100, 12, 31);
/// The longest span a period may cover, in months (10 years).
pub const MAX_SPAN_MONTHS: u32 = 120;

/// Why a period was refused. Messages are meant for API clients, in English.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PeriodError {
    #[error(
        "unknown period {0:?}: expected a year (2026), a quarter (2026-Q1 … 2026-Q4), a month \
         (2026-M01 … 2026-M12), a report period (2026-report-q1, 2026-report-6m, 2026-report-9m, \
         2026-report-year) or two dates (2026-01-01..2026-03-31)"
    )]
    Unknown(String),
    #[error("{0:?}: the quarter must be Q1, Q2, Q3 or Q4")]
    Quarter(String),
    #[error("{0:?}: the month must be M01 … M12 (two digits)")]
    Month(String),
    #[error("{0:?}: the report period must be report-q1, report-6m, report-9m or report-year")]
    Report(String),
    #[error("{0:?}: not a date (expected YYYY-MM-DD)")]
    Date(String),
    #[error("the period starts on {from}, after it ends on {to}")]
    Reversed { from: NaiveDate, to: NaiveDate },
    #[error("the period starts on {0}, before 2000-01-01")]
    TooEarly(NaiveDate),
    #[error("the period ends on {0}, after 2100-12-31")]
    TooLate(NaiveDate),
    #[error("the period from {from} to {to} is longer than 10 years")]
    TooLong { from: NaiveDate, to: NaiveDate },
}

/// The city's cumulative reform-report periods: all start on 15 December of the previous year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportSpan {
    /// To 14 March.
    Q1,
    /// To 14 June.
    SixMonths,
    /// To 14 September.
    NineMonths,
    /// To 14 December.
    Year,
}

impl ReportSpan {
    pub const ALL: [ReportSpan; 4] = [ReportSpan::Q1, ReportSpan::SixMonths, ReportSpan::NineMonths, ReportSpan::Year];

    /// The suffix after `report-` in a period code.
    pub fn code(self) -> &'static str {
        match self {
            ReportSpan::Q1 => "q1",
            ReportSpan::SixMonths => "6m",
            ReportSpan::NineMonths => "9m",
            ReportSpan::Year => "year",
        }
    }

    /// The month whose 14th day ends the period.
    fn end_month(self) -> u32 {
        match self {
            ReportSpan::Q1 => 3,
            ReportSpan::SixMonths => 6,
            ReportSpan::NineMonths => 9,
            ReportSpan::Year => 12,
        }
    }
}

/// What kind of period a [`Period`] is; decides its code and label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PeriodKind {
    Year(i32),
    Quarter {
        year: i32,
        quarter: u32,
    },
    Month {
        year: i32,
        month: u32,
    },
    Report {
        year: i32,
        span: ReportSpan,
    },
    /// Any other range, including the clipped first and last buckets of [`Period::buckets`].
    Custom,
}

/// How [`Period::buckets`] splits a range for trends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Grouping {
    Month,
    Quarter,
}

/// An inclusive range of calendar dates, checked to lie within 2000-01-01 … 2100-12-31 and to
/// span at most 10 years. Serialises as `{"code", "from", "to"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Period {
    kind: PeriodKind,
    from: NaiveDate,
    to: NaiveDate,
}

const EN_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn ymd(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

/// First and last day of a month.
fn month_range(year: i32, month: u32) -> Option<(NaiveDate, NaiveDate)> {
    let first = ymd(year, month, 1)?;
    let last = first.checked_add_months(Months::new(1))?.pred_opt()?;
    Some((first, last))
}

/// First and last day of a quarter (1–4).
fn quarter_range(year: i32, quarter: u32) -> Option<(NaiveDate, NaiveDate)> {
    let first = ymd(year, quarter * 3 - 2, 1)?;
    let last = first.checked_add_months(Months::new(3))?.pred_opt()?;
    Some((first, last))
}

/// A four-digit year.
fn parse_year(s: &str) -> Option<i32> {
    if s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

fn parse_date(s: &str) -> Result<NaiveDate, PeriodError> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| PeriodError::Date(s.trim().to_owned()))
}

impl Period {
    /// Builds a period after checking its bounds (shared by every constructor).
    fn checked(kind: PeriodKind, from: NaiveDate, to: NaiveDate) -> Result<Period, PeriodError> {
        if from > to {
            return Err(PeriodError::Reversed { from, to });
        }
        let (ey, em, ed) = EARLIEST;
        if ymd(ey, em, ed).is_some_and(|earliest| from < earliest) {
            return Err(PeriodError::TooEarly(from));
        }
        let (ly, lm, ld) = LATEST;
        if ymd(ly, lm, ld).is_some_and(|latest| to > latest) {
            return Err(PeriodError::TooLate(to));
        }
        match from.checked_add_months(Months::new(MAX_SPAN_MONTHS)) {
            Some(limit) if to < limit => Ok(Period { kind, from, to }),
            _ => Err(PeriodError::TooLong { from, to }),
        }
    }

    /// A custom inclusive range. Refuses `from > to`, dates before 2000-01-01 or after
    /// 2100-12-31, and spans longer than 10 years (2026-01-01..=2035-12-31 is the longest
    /// starting on 2026-01-01).
    pub fn custom(from: NaiveDate, to: NaiveDate) -> Result<Period, PeriodError> {
        Period::checked(PeriodKind::Custom, from, to)
    }

    /// The calendar year.
    pub fn year(year: i32) -> Result<Period, PeriodError> {
        let (from, to) =
            ymd(year, 1, 1).zip(ymd(year, 12, 31)).ok_or_else(|| PeriodError::Unknown(year.to_string()))?;
        Period::checked(PeriodKind::Year(year), from, to)
    }

    /// A calendar quarter (1–4).
    pub fn quarter(year: i32, quarter: u32) -> Result<Period, PeriodError> {
        let bad = || PeriodError::Quarter(format!("{year}-Q{quarter}"));
        if !(1..=4).contains(&quarter) {
            return Err(bad());
        }
        let (from, to) = quarter_range(year, quarter).ok_or_else(bad)?;
        Period::checked(PeriodKind::Quarter { year, quarter }, from, to)
    }

    /// A calendar month (1–12).
    pub fn month(year: i32, month: u32) -> Result<Period, PeriodError> {
        let (from, to) = month_range(year, month).ok_or_else(|| PeriodError::Month(format!("{year}-M{month:02}")))?;
        Period::checked(PeriodKind::Month { year, month }, from, to)
    }

    /// A reform-report period: 15 December of `year - 1` to the 14th of March, June,
    /// September or December of `year`.
    pub fn report(year: i32, span: ReportSpan) -> Result<Period, PeriodError> {
        let (from, to) = ymd(year - 1, 12, 15)
            .zip(ymd(year, span.end_month(), 14))
            .ok_or_else(|| PeriodError::Unknown(format!("{year}-report-{}", span.code())))?;
        Period::checked(PeriodKind::Report { year, span }, from, to)
    }

    /// Parses `2026`, `2026-Q1` … `2026-Q4`, `2026-M01` … `2026-M12`, `2026-report-q1`,
    /// `2026-report-6m`, `2026-report-9m`, `2026-report-year` or `2026-01-01..2026-03-31`
    /// (a custom range, as [`Period::code`] writes it). Letters may be in either case and
    /// surrounding spaces are ignored.
    pub fn parse(s: &str) -> Result<Period, PeriodError> {
        let original = s.trim();
        let lower = original.to_ascii_lowercase();
        if let Some((a, b)) = lower.split_once("..") {
            return Period::custom(parse_date(a)?, parse_date(b)?);
        }
        let unknown = || PeriodError::Unknown(original.to_owned());
        let (year, rest) = match lower.split_once('-') {
            Some((y, rest)) => (y, Some(rest)),
            None => (lower.as_str(), None),
        };
        let year = parse_year(year).ok_or_else(unknown)?;
        let Some(rest) = rest else {
            return Period::year(year);
        };
        if let Some(q) = rest.strip_prefix('q') {
            return match q {
                "1" | "2" | "3" | "4" => Period::quarter(year, q.parse().map_err(|_| unknown())?),
                _ => Err(PeriodError::Quarter(original.to_owned())),
            };
        }
        if let Some(m) = rest.strip_prefix('m') {
            let month = (m.len() == 2 && m.bytes().all(|b| b.is_ascii_digit()))
                .then(|| m.parse::<u32>().ok())
                .flatten()
                .filter(|m| (1..=12).contains(m))
                .ok_or_else(|| PeriodError::Month(original.to_owned()))?;
            return Period::month(year, month);
        }
        if let Some(r) = rest.strip_prefix("report-") {
            let span = ReportSpan::ALL
                .into_iter()
                .find(|s| s.code() == r)
                .ok_or_else(|| PeriodError::Report(original.to_owned()))?;
            return Period::report(year, span);
        }
        Err(unknown())
    }

    /// The first day, inclusive.
    pub fn from(&self) -> NaiveDate {
        self.from
    }

    /// The last day, inclusive.
    pub fn to(&self) -> NaiveDate {
        self.to
    }

    pub fn kind(&self) -> PeriodKind {
        self.kind
    }

    /// Whether a date lies in the period.
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.from <= date && date <= self.to
    }

    /// The canonical code, which [`Period::parse`] reads back: `2026`, `2026-Q1`, `2026-M03`,
    /// `2026-report-6m`, or `2026-01-10..2026-02-20` for a custom range.
    pub fn code(&self) -> String {
        match self.kind {
            PeriodKind::Year(y) => format!("{y}"),
            PeriodKind::Quarter { year, quarter } => format!("{year}-Q{quarter}"),
            PeriodKind::Month { year, month } => format!("{year}-M{month:02}"),
            PeriodKind::Report { year, span } => format!("{year}-report-{}", span.code()),
            PeriodKind::Custom => format!("{}..{}", self.from, self.to),
        }
    }

    /// A human label: "Quý 1/2026", "Tháng 3/2026", "Năm 2026",
    /// "Báo cáo 6 tháng 2026 (15/12/2025 – 14/06/2026)", "Từ 10/01/2026 đến 20/02/2026";
    /// in English "Q1 2026", "March 2026", "Year 2026", "6-month report 2026 (15 Dec 2025 –
    /// 14 Jun 2026)", "10 Jan 2026 – 20 Feb 2026".
    pub fn label(&self, locale: Locale) -> String {
        let vi_date = |d: NaiveDate| d.format("%d/%m/%Y").to_string();
        let en_date = |d: NaiveDate| d.format("%-d %b %Y").to_string();
        let (from, to) = (self.from, self.to);
        match (self.kind, locale) {
            (PeriodKind::Year(y), Locale::Vi) => format!("Năm {y}"),
            (PeriodKind::Year(y), Locale::En) => format!("Year {y}"),
            (PeriodKind::Quarter { year, quarter }, Locale::Vi) => format!("Quý {quarter}/{year}"),
            (PeriodKind::Quarter { year, quarter }, Locale::En) => format!("Q{quarter} {year}"),
            (PeriodKind::Month { year, month }, Locale::Vi) => format!("Tháng {month}/{year}"),
            (PeriodKind::Month { year, month }, Locale::En) => {
                let name = usize::try_from(month).ok().and_then(|m| EN_MONTHS.get(m.wrapping_sub(1))).unwrap_or(&"");
                format!("{name} {year}")
            }
            (PeriodKind::Report { year, span }, Locale::Vi) => {
                let name = match span {
                    ReportSpan::Q1 => "quý 1",
                    ReportSpan::SixMonths => "6 tháng",
                    ReportSpan::NineMonths => "9 tháng",
                    ReportSpan::Year => "năm",
                };
                format!("Báo cáo {name} {year} ({} – {})", vi_date(from), vi_date(to))
            }
            (PeriodKind::Report { year, span }, Locale::En) => {
                let name = match span {
                    ReportSpan::Q1 => "Q1 report",
                    ReportSpan::SixMonths => "6-month report",
                    ReportSpan::NineMonths => "9-month report",
                    ReportSpan::Year => "Annual report",
                };
                format!("{name} {year} ({} – {})", en_date(from), en_date(to))
            }
            (PeriodKind::Custom, Locale::Vi) => format!("Từ {} đến {}", vi_date(from), vi_date(to)),
            (PeriodKind::Custom, Locale::En) => format!("{} – {}", en_date(from), en_date(to)),
        }
    }

    /// Splits `from..=to` into consecutive calendar months or quarters, for trends. The first
    /// and last buckets are clipped to the range; a clipped bucket is a custom period (its label
    /// shows its exact dates), a whole one keeps its month or quarter label. The range itself
    /// is checked as by [`Period::custom`].
    pub fn buckets(from: NaiveDate, to: NaiveDate, grouping: Grouping) -> Result<Vec<Period>, PeriodError> {
        Ok(Period::custom(from, to)?.split(grouping))
    }

    /// This period split as by [`Period::buckets`].
    pub fn split(&self, grouping: Grouping) -> Vec<Period> {
        let mut out = Vec::new();
        let mut start = self.from;
        while start <= self.to {
            let (year, month) = (start.year(), start.month());
            let whole = match grouping {
                Grouping::Month => month_range(year, month).map(|r| (PeriodKind::Month { year, month }, r)),
                Grouping::Quarter => {
                    let quarter = (month - 1) / 3 + 1;
                    quarter_range(year, quarter).map(|r| (PeriodKind::Quarter { year, quarter }, r))
                }
            };
            let Some((kind, (first, last))) = whole else { break };
            let end = last.min(self.to);
            let kind = if start == first && end == last { kind } else { PeriodKind::Custom };
            out.push(Period { kind, from: start, to: end });
            match end.succ_opt() {
                Some(next) => start = next,
                None => break,
            }
        }
        out
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code())
    }
}

impl std::str::FromStr for Period {
    type Err = PeriodError;

    fn from_str(s: &str) -> Result<Period, PeriodError> {
        Period::parse(s)
    }
}

impl Serialize for Period {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Repr {
            code: String,
            from: NaiveDate,
            to: NaiveDate,
        }
        Repr { code: self.code(), from: self.from, to: self.to }.serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn range(code: &str) -> (NaiveDate, NaiveDate) {
        let p = Period::parse(code).unwrap_or_else(|e| panic!("{code}: {e}"));
        (p.from(), p.to())
    }

    #[test]
    fn named_periods_have_the_right_dates() {
        let cases = [
            ("2026", "2026-01-01", "2026-12-31"),
            ("2026-Q1", "2026-01-01", "2026-03-31"),
            ("2026-Q2", "2026-04-01", "2026-06-30"),
            ("2026-Q3", "2026-07-01", "2026-09-30"),
            ("2026-Q4", "2026-10-01", "2026-12-31"),
            ("2026-M01", "2026-01-01", "2026-01-31"),
            ("2026-M02", "2026-02-01", "2026-02-28"),
            ("2024-M02", "2024-02-01", "2024-02-29"),
            ("2000-M02", "2000-02-01", "2000-02-29"),
            ("2100-M02", "2100-02-01", "2100-02-28"),
            ("2026-M03", "2026-03-01", "2026-03-31"),
            ("2026-M04", "2026-04-01", "2026-04-30"),
            ("2026-M12", "2026-12-01", "2026-12-31"),
            ("2026-report-q1", "2025-12-15", "2026-03-14"),
            ("2026-report-6m", "2025-12-15", "2026-06-14"),
            ("2026-report-9m", "2025-12-15", "2026-09-14"),
            ("2026-report-year", "2025-12-15", "2026-12-14"),
            ("2026-01-10..2026-02-20", "2026-01-10", "2026-02-20"),
            (" 2026-q1 ", "2026-01-01", "2026-03-31"),
            ("2026-m03", "2026-03-01", "2026-03-31"),
            ("2026-REPORT-6M", "2025-12-15", "2026-06-14"),
        ];
        for (code, from, to) in cases {
            assert_eq!(range(code), (d(from), d(to)), "{code}");
        }
    }

    #[test]
    fn every_month_is_covered_once_in_a_year() {
        for year in [2024, 2025, 2026] {
            let mut next = d(&format!("{year}-01-01"));
            for m in 1..=12 {
                let p = Period::month(year, m).unwrap();
                assert_eq!(p.from(), next);
                next = p.to().succ_opt().unwrap();
            }
            assert_eq!(next, d(&format!("{}-01-01", year + 1)));
        }
    }

    #[test]
    fn codes_round_trip() {
        for code in ["2026", "2026-Q3", "2026-M03", "2026-report-q1", "2026-report-year", "2026-01-10..2026-02-20"] {
            let p = Period::parse(code).unwrap();
            assert_eq!(p.code(), code);
            assert_eq!(p.to_string(), code);
            assert_eq!(code.parse::<Period>().unwrap(), p);
        }
    }

    #[test]
    fn parse_errors_say_what_is_wrong() {
        let err = |s: &str| Period::parse(s).unwrap_err();
        assert_eq!(err("2026-Q5"), PeriodError::Quarter("2026-Q5".into()));
        assert_eq!(err("2026-Q0"), PeriodError::Quarter("2026-Q0".into()));
        assert_eq!(err("2026-Q"), PeriodError::Quarter("2026-Q".into()));
        assert_eq!(err("2026-M13"), PeriodError::Month("2026-M13".into()));
        assert_eq!(err("2026-M00"), PeriodError::Month("2026-M00".into()));
        assert_eq!(err("2026-M3"), PeriodError::Month("2026-M3".into()));
        assert_eq!(err("2026-report-h1"), PeriodError::Report("2026-report-h1".into()));
        assert_eq!(err("26-Q1"), PeriodError::Unknown("26-Q1".into()));
        assert_eq!(err(""), PeriodError::Unknown("".into()));
        assert_eq!(err("2026-03-14"), PeriodError::Unknown("2026-03-14".into()));
        assert_eq!(err("last year"), PeriodError::Unknown("last year".into()));
        assert_eq!(err("2026-02-30..2026-03-01"), PeriodError::Date("2026-02-30".into()));
        assert_eq!(err("1999"), PeriodError::TooEarly(d("1999-01-01")));
        assert_eq!(err("2000-report-q1"), PeriodError::TooEarly(d("1999-12-15")));
        assert_eq!(err("2101-M01"), PeriodError::TooLate(d("2101-01-31")));
        assert!(err("2026-Q5").to_string().contains("Q1, Q2, Q3 or Q4"), "{}", err("2026-Q5"));
        assert!(err("x").to_string().contains("2026-report-6m"), "{}", err("x"));
    }

    #[test]
    fn custom_ranges_are_checked() {
        assert_eq!(
            Period::custom(d("2026-03-02"), d("2026-03-01")).unwrap_err().to_string(),
            "the period starts on 2026-03-02, after it ends on 2026-03-01"
        );
        assert_eq!(
            Period::custom(d("1999-12-31"), d("2000-01-10")).unwrap_err().to_string(),
            "the period starts on 1999-12-31, before 2000-01-01"
        );
        assert_eq!(
            Period::custom(d("2100-06-01"), d("2101-01-01")).unwrap_err().to_string(),
            "the period ends on 2101-01-01, after 2100-12-31"
        );
        assert_eq!(
            Period::custom(d("2026-01-01"), d("2036-01-01")).unwrap_err().to_string(),
            "the period from 2026-01-01 to 2036-01-01 is longer than 10 years"
        );
        assert!(Period::custom(d("2026-01-01"), d("2035-12-31")).is_ok());
        assert!(Period::custom(d("2000-01-01"), d("2000-01-01")).is_ok());
        assert!(Period::custom(d("2100-12-31"), d("2100-12-31")).is_ok());
        assert!(Period::parse("2100").is_ok());
        assert!(Period::parse("2000").is_ok());
    }

    #[test]
    fn labels_in_both_languages() {
        let l = |code: &str, locale| Period::parse(code).unwrap().label(locale);
        assert_eq!(l("2026-Q1", Locale::Vi), "Quý 1/2026");
        assert_eq!(l("2026-M03", Locale::Vi), "Tháng 3/2026");
        assert_eq!(l("2026", Locale::Vi), "Năm 2026");
        assert_eq!(l("2026-report-6m", Locale::Vi), "Báo cáo 6 tháng 2026 (15/12/2025 – 14/06/2026)");
        assert_eq!(l("2026-report-q1", Locale::Vi), "Báo cáo quý 1 2026 (15/12/2025 – 14/03/2026)");
        assert_eq!(l("2026-01-10..2026-02-20", Locale::Vi), "Từ 10/01/2026 đến 20/02/2026");
        assert_eq!(l("2026-Q1", Locale::En), "Q1 2026");
        assert_eq!(l("2026-M03", Locale::En), "March 2026");
        assert_eq!(l("2026", Locale::En), "Year 2026");
        assert_eq!(l("2026-report-9m", Locale::En), "9-month report 2026 (15 Dec 2025 – 14 Sep 2026)");
        assert_eq!(l("2026-report-year", Locale::En), "Annual report 2026 (15 Dec 2025 – 14 Dec 2026)");
        assert_eq!(l("2026-01-10..2026-02-20", Locale::En), "10 Jan 2026 – 20 Feb 2026");
    }

    #[test]
    fn buckets_split_into_consecutive_months_and_quarters() {
        let months = Period::buckets(d("2026-01-01"), d("2026-03-31"), Grouping::Month).unwrap();
        let codes: Vec<String> = months.iter().map(Period::code).collect();
        assert_eq!(codes, ["2026-M01", "2026-M02", "2026-M03"]);

        // The report period is clipped at both ends: 15–31 Dec, then whole months, then 1–14 Jun.
        let report = Period::parse("2026-report-6m").unwrap();
        let months = report.split(Grouping::Month);
        let codes: Vec<String> = months.iter().map(Period::code).collect();
        assert_eq!(
            codes,
            [
                "2025-12-15..2025-12-31",
                "2026-M01",
                "2026-M02",
                "2026-M03",
                "2026-M04",
                "2026-M05",
                "2026-06-01..2026-06-14"
            ]
        );
        let quarters = report.split(Grouping::Quarter);
        let codes: Vec<String> = quarters.iter().map(Period::code).collect();
        assert_eq!(codes, ["2025-12-15..2025-12-31", "2026-Q1", "2026-04-01..2026-06-14"]);

        // Consecutive, gap-free and covering the range exactly.
        for buckets in [&months, &quarters] {
            assert_eq!(buckets.first().unwrap().from(), report.from());
            assert_eq!(buckets.last().unwrap().to(), report.to());
            for pair in buckets.windows(2) {
                assert_eq!(pair[0].to().succ_opt().unwrap(), pair[1].from());
            }
        }

        let one_day = Period::buckets(d("2024-02-29"), d("2024-02-29"), Grouping::Quarter).unwrap();
        assert_eq!(one_day.len(), 1);
        assert_eq!(one_day[0].code(), "2024-02-29..2024-02-29");
        let ten_years = Period::buckets(d("2026-01-01"), d("2035-12-31"), Grouping::Month).unwrap();
        assert_eq!(ten_years.len(), 120);
        assert!(Period::buckets(d("2026-02-01"), d("2026-01-01"), Grouping::Month).is_err());
    }

    #[test]
    fn serialises_code_and_dates() {
        let json = serde_json::to_value(Period::parse("2026-report-6m").unwrap()).unwrap();
        assert_eq!(json, serde_json::json!({"code": "2026-report-6m", "from": "2025-12-15", "to": "2026-06-14"}));
        assert_eq!(serde_json::to_value(Grouping::Quarter).unwrap(), "quarter");
    }
}
