//! Satisfaction indices (PRODUCT §4), computed purely from answer counts: no HTTP, no database.
//!
//! - [`period`]: reporting periods (year, quarter, month, reform-report periods, custom ranges)
//!   and their buckets for trends.

pub mod period;

pub use period::{Grouping, Period, PeriodError, PeriodKind, ReportSpan};
