//! Satisfaction indices (PRODUCT §4), computed purely from answer counts: no HTTP, no database.
//!
//! - [`period`]: reporting periods (year, quarter, month, reform-report periods, custom ranges)
//!   and their buckets for trends.
//! - [`stats`]: the 95 % Wilson interval.
//! - [`engine`]: the `sipas-v1` computation of item, criterion, domain and overall figures for
//!   one group from [`GroupInput`] counts.
//!
//! Results are labelled "Chỉ số hài lòng (theo phương pháp SIPAS)": the official SIPAS is the
//! Ministry's household survey; ours is continuous and per service.

pub mod engine;
pub mod period;
pub mod stats;

pub use engine::{
    compute, weights, Figure, FigureOf, GroupInput, GroupResult, ItemCounts, ItemFigure, WeightOf, Weights,
};
pub use period::{Grouping, Period, PeriodError, PeriodKind, ReportSpan};
pub use stats::{rate_interval, wilson_interval, Z_95};

/// Below this many valid answers a figure is flagged `small_n` (PRODUCT §4: shown greyed,
/// excluded from rankings).
pub const DEFAULT_SMALL_N: u64 = 30;
