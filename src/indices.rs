//! Satisfaction indices (PRODUCT §4), computed purely from answer counts: no HTTP, no database.
//!
//! - [`period`]: reporting periods (year, quarter, month, reform-report periods, custom ranges)
//!   and their buckets for trends.
//! - [`stats`]: the 95 % Wilson interval.

pub mod period;
pub mod stats;

pub use period::{Grouping, Period, PeriodError, PeriodKind, ReportSpan};
pub use stats::wilson_interval;
