//! The half-month totals (`answer_totals`, `response_totals`, `invitation_totals`), the
//! agency-level answer totals (`agency_answer_totals`, `agency_answer_days`) and the daily
//! invitation counters: rolling the daily counters up into spans, upserting, loading
//! and rebuilding them. See the `totals` migration.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Integer, Text};
use diesel::upsert::excluded;

use super::{AnswerKey, SliceKey};
use crate::db::DbConn;
use crate::domain::time::span_start;
use crate::store::{on_backend, StoreError};

/// A scope × date cell without a procedure: a span (its first day) or a day.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CellKey {
    pub survey_id: String,
    /// The span's first day (totals) or the day (daily invitation counters).
    pub date: NaiveDate,
    pub survey_version: i32,
    pub agency_code: String,
    pub field: String,
    pub channel: String,
}

/// Answers per value of one item in one cell: "not applicable", then 1 to 5.
pub type ValueCounts = [i64; 6];

impl CellKey {
    fn of_span(slice: &SliceKey) -> CellKey {
        CellKey {
            survey_id: slice.survey_id.clone(),
            date: span_start(slice.day),
            survey_version: slice.survey_version,
            agency_code: slice.agency_code.clone(),
            field: slice.field.clone(),
            channel: slice.channel.clone(),
        }
    }

    /// The same cell at its span (for daily keys).
    pub fn to_span(&self) -> CellKey {
        CellKey { date: span_start(self.date), ..self.clone() }
    }
}

impl std::fmt::Display for CellKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "survey={} v{} date={} agency={} field={} channel={}",
            self.survey_id, self.survey_version, self.date, self.agency_code, self.field, self.channel
        )
    }
}

/// Rolls daily answer counters up into the wide rows of `table`. Values outside 0–5 (none
/// today) are not part of the totals, which hold what the indices read.
pub fn roll_up_answers(
    daily: &BTreeMap<AnswerKey, i64>,
    table: AnswerTable,
) -> BTreeMap<(CellKey, String), ValueCounts> {
    let mut out: BTreeMap<(CellKey, String), ValueCounts> = BTreeMap::new();
    for (key, &count) in daily {
        let Some(slot) = usize::try_from(key.value).ok().filter(|&v| v <= 5) else { continue };
        out.entry((table.cell(&key.slice), key.item_id.clone())).or_default()[slot] += count;
    }
    out
}

/// Rolls daily response counters up into span totals.
pub fn roll_up_responses(daily: &BTreeMap<SliceKey, i64>) -> BTreeMap<CellKey, i64> {
    let mut out = BTreeMap::new();
    for (key, &count) in daily {
        *out.entry(CellKey::of_span(key)).or_insert(0) += count;
    }
    out
}

/// Rolls daily cells up into their spans.
pub fn roll_up_days(daily: &BTreeMap<CellKey, i64>) -> BTreeMap<CellKey, i64> {
    let mut out = BTreeMap::new();
    for (key, &count) in daily {
        *out.entry(key.to_span()).or_insert(0) += count;
    }
    out
}

/// Rows per upsert statement (13 parameters each).
const CHUNK: usize = 1000;

/// The wide answer tables: one row per cell × item, a column per answer value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerTable {
    /// `answer_totals`: per span, field and channel.
    Totals,
    /// `agency_answer_totals`: per span, over every field and channel.
    AgencyTotals,
    /// `agency_answer_days`: per day, over every field and channel.
    AgencyDays,
}

impl AnswerTable {
    pub const ALL: [AnswerTable; 3] = [AnswerTable::Totals, AnswerTable::AgencyTotals, AnswerTable::AgencyDays];

    pub fn name(self) -> &'static str {
        match self {
            AnswerTable::Totals => "answer_totals",
            AnswerTable::AgencyTotals => "agency_answer_totals",
            AnswerTable::AgencyDays => "agency_answer_days",
        }
    }

    /// The cell of a daily counter's slice in this table (`field`/`channel` `''` when the
    /// table has none).
    fn cell(self, slice: &SliceKey) -> CellKey {
        let mut cell = CellKey::of_span(slice);
        match self {
            AnswerTable::Totals => {}
            AnswerTable::AgencyTotals => (cell.field, cell.channel) = (String::new(), String::new()),
            AnswerTable::AgencyDays => {
                (cell.field, cell.channel) = (String::new(), String::new());
                cell.date = slice.day;
            }
        }
        cell
    }

    /// The SELECT list naming this table's columns as [`load_answers`] reads them.
    fn columns(self) -> &'static str {
        match self {
            AnswerTable::Totals => "survey_id, survey_version, agency_code, field, channel, span_start AS date",
            AnswerTable::AgencyTotals => {
                "survey_id, survey_version, agency_code, '' AS field, '' AS channel, span_start AS date"
            }
            AnswerTable::AgencyDays => {
                "survey_id, survey_version, agency_code, '' AS field, '' AS channel, day AS date"
            }
        }
    }
}

macro_rules! add_answer_rows {
    ($conn:expr, $sums:expr, $t:ident, $date:ident $(, $extra:ident)*) => {{
        use crate::db::schema::$t as t;
        let sums: Vec<_> = $sums.iter().collect();
        for chunk in sums.chunks(CHUNK) {
            let rows: Vec<_> = chunk
                .iter()
                .map(|((k, item), n)| {
                    (
                        (
                            t::survey_id.eq(&k.survey_id),
                            t::$date.eq(k.date),
                            t::survey_version.eq(k.survey_version),
                            t::agency_code.eq(&k.agency_code),
                            $(t::$extra.eq(&k.$extra),)*
                            t::item_id.eq(item),
                        ),
                        (t::n_na.eq(n[0]), t::n1.eq(n[1]), t::n2.eq(n[2]), t::n3.eq(n[3]), t::n4.eq(n[4]), t::n5.eq(n[5])),
                    )
                })
                .collect();
            on_backend!($conn, |c| diesel::insert_into(t::table)
                .values(&rows)
                .on_conflict((t::survey_id, t::$date, t::survey_version, t::agency_code, $(t::$extra,)* t::item_id))
                .do_update()
                .set((
                    t::n_na.eq(t::n_na + excluded(t::n_na)),
                    t::n1.eq(t::n1 + excluded(t::n1)),
                    t::n2.eq(t::n2 + excluded(t::n2)),
                    t::n3.eq(t::n3 + excluded(t::n3)),
                    t::n4.eq(t::n4 + excluded(t::n4)),
                    t::n5.eq(t::n5 + excluded(t::n5)),
                ))
                .execute(c))?;
        }
    }};
}

/// Adds `sums` (rolled up for `table`) to `table`, in key order (the folders' lock order).
pub fn add_answers(
    conn: &mut DbConn,
    table: AnswerTable,
    sums: &BTreeMap<(CellKey, String), ValueCounts>,
) -> Result<(), StoreError> {
    match table {
        AnswerTable::Totals => add_answer_rows!(conn, sums, answer_totals, span_start, field, channel),
        AnswerTable::AgencyTotals => add_answer_rows!(conn, sums, agency_answer_totals, span_start),
        AnswerTable::AgencyDays => add_answer_rows!(conn, sums, agency_answer_days, day),
    }
    Ok(())
}

/// The cell tables that hold one count per key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellTable {
    ResponseTotals,
    InvitationCounts,
    InvitationTotals,
}

impl CellTable {
    pub fn name(self) -> &'static str {
        match self {
            CellTable::ResponseTotals => "response_totals",
            CellTable::InvitationCounts => "invitation_counts",
            CellTable::InvitationTotals => "invitation_totals",
        }
    }

    fn date_column(self) -> &'static str {
        match self {
            CellTable::InvitationCounts => "day",
            _ => "span_start",
        }
    }
}

macro_rules! add_cells {
    ($conn:expr, $sums:expr, $t:ident, $date:ident) => {{
        use crate::db::schema::$t as t;
        let sums: Vec<_> = $sums.iter().collect();
        for chunk in sums.chunks(CHUNK) {
            let rows: Vec<_> = chunk
                .iter()
                .map(|(k, n)| {
                    (
                        t::survey_id.eq(&k.survey_id),
                        t::$date.eq(k.date),
                        t::survey_version.eq(k.survey_version),
                        t::agency_code.eq(&k.agency_code),
                        t::field.eq(&k.field),
                        t::channel.eq(&k.channel),
                        t::count.eq(**n),
                    )
                })
                .collect();
            on_backend!($conn, |c| diesel::insert_into(t::table)
                .values(&rows)
                .on_conflict((t::survey_id, t::$date, t::survey_version, t::agency_code, t::field, t::channel))
                .do_update()
                .set(t::count.eq(t::count + excluded(t::count)))
                .execute(c))?;
        }
    }};
}

/// Adds `sums` to one of the cell tables, in key order.
pub fn add_cells(conn: &mut DbConn, table: CellTable, sums: &BTreeMap<CellKey, i64>) -> Result<(), StoreError> {
    match table {
        CellTable::ResponseTotals => add_cells!(conn, sums, response_totals, span_start),
        CellTable::InvitationCounts => add_cells!(conn, sums, invitation_counts, day),
        CellTable::InvitationTotals => add_cells!(conn, sums, invitation_totals, span_start),
    }
    Ok(())
}

#[derive(QueryableByName)]
struct CellRow {
    #[diesel(sql_type = Text)]
    survey_id: String,
    #[diesel(sql_type = Date)]
    date: NaiveDate,
    #[diesel(sql_type = Integer)]
    survey_version: i32,
    #[diesel(sql_type = Text)]
    agency_code: String,
    #[diesel(sql_type = Text)]
    field: String,
    #[diesel(sql_type = Text)]
    channel: String,
    #[diesel(sql_type = BigInt)]
    count: i64,
}

impl CellRow {
    fn split(self) -> (CellKey, i64) {
        let key = CellKey {
            survey_id: self.survey_id,
            date: self.date,
            survey_version: self.survey_version,
            agency_code: self.agency_code,
            field: self.field,
            channel: self.channel,
        };
        (key, self.count)
    }
}

/// The six value columns of a wide answer row, `expr(value, column)` each, named `n_na, n1, …,
/// n5`: the one place the long-to-wide pivot is spelled out in SQL.
pub(crate) fn value_columns(expr: impl Fn(i32, &str) -> String) -> String {
    ["n_na", "n1", "n2", "n3", "n4", "n5"]
        .iter()
        .zip(0..)
        .map(|(column, value)| format!("{} AS {column}", expr(value, column)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The SUM of the counts of one answer value in the long daily counters.
pub(crate) fn sum_of_value(value: i32) -> String {
    format!("SUM(CASE WHEN value = {value} THEN count ELSE 0 END)")
}

/// The value columns of a wide answer row, as every query of them names them.
#[derive(QueryableByName)]
pub(crate) struct WideCounts {
    #[diesel(sql_type = BigInt)]
    n_na: i64,
    #[diesel(sql_type = BigInt)]
    n1: i64,
    #[diesel(sql_type = BigInt)]
    n2: i64,
    #[diesel(sql_type = BigInt)]
    n3: i64,
    #[diesel(sql_type = BigInt)]
    n4: i64,
    #[diesel(sql_type = BigInt)]
    n5: i64,
}

impl WideCounts {
    pub(crate) fn values(&self) -> ValueCounts {
        [self.n_na, self.n1, self.n2, self.n3, self.n4, self.n5]
    }
}

#[derive(QueryableByName)]
struct TotalRow {
    #[diesel(embed)]
    cell: CellRow,
    #[diesel(sql_type = Text)]
    item_id: String,
    #[diesel(embed)]
    counts: WideCounts,
}

const CELL_COLUMNS: &str = "survey_id, survey_version, agency_code, field, channel";

fn load_cells_sql(conn: &mut DbConn, sql: &str) -> Result<BTreeMap<CellKey, i64>, StoreError> {
    let rows: Vec<CellRow> = diesel::sql_query(sql).load(conn)?;
    let mut out = BTreeMap::new();
    for (k, n) in rows.into_iter().map(CellRow::split) {
        *out.entry(k).or_insert(0) += n;
    }
    Ok(out)
}

/// Every row of a cell table.
pub fn load_cells(conn: &mut DbConn, table: CellTable) -> Result<BTreeMap<CellKey, i64>, StoreError> {
    let sql = format!("SELECT {CELL_COLUMNS}, {} AS date, count FROM {}", table.date_column(), table.name());
    load_cells_sql(conn, &sql)
}

/// Every row of an answer table.
pub fn load_answers(
    conn: &mut DbConn,
    table: AnswerTable,
) -> Result<BTreeMap<(CellKey, String), ValueCounts>, StoreError> {
    let rows: Vec<TotalRow> = diesel::sql_query(format!(
        "SELECT {}, CAST(0 AS BIGINT) AS count, item_id, n_na, n1, n2, n3, n4, n5 FROM {}",
        table.columns(),
        table.name()
    ))
    .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let (key, _) = r.cell.split();
            ((key, r.item_id), r.counts.values())
        })
        .collect())
}

/// Invitations per cell and handled day, recomputed from the invitations themselves.
pub fn raw_invitations(conn: &mut DbConn) -> Result<BTreeMap<CellKey, i64>, StoreError> {
    load_cells_sql(
        conn,
        &format!(
            "SELECT {CELL_COLUMNS}, handled_on AS date, COUNT(*) AS count FROM invitations \
             GROUP BY {CELL_COLUMNS}, handled_on"
        ),
    )
}

/// Counts one new invitation in the daily and the span counters.
pub fn add_invitation(conn: &mut DbConn, cell: CellKey) -> Result<(), StoreError> {
    let span = cell.to_span();
    add_cells(conn, CellTable::InvitationCounts, &BTreeMap::from([(cell, 1)]))?;
    add_cells(conn, CellTable::InvitationTotals, &BTreeMap::from([(span, 1)]))
}

/// The span of the date column `column`, in the backend's SQL.
fn span_sql(conn: &DbConn, column: &str) -> String {
    match conn {
        DbConn::Postgresql(_) => format!(
            "CASE WHEN EXTRACT(DAY FROM {column}) < 15 THEN CAST(date_trunc('month', {column}) AS DATE) \
             ELSE CAST(date_trunc('month', {column}) AS DATE) + 14 END"
        ),
        DbConn::Sqlite(_) => format!(
            "CASE WHEN CAST(strftime('%d', {column}) AS INTEGER) < 15 THEN date({column}, 'start of month') \
             ELSE date({column}, 'start of month', '+14 days') END"
        ),
    }
}

/// Rewrites every total from the daily counters (which [`super::rebuild`] has just rewritten)
/// and the invitations; returns the rows written.
pub fn rebuild(conn: &mut DbConn) -> Result<usize, StoreError> {
    for table in [
        "answer_totals",
        "agency_answer_totals",
        "agency_answer_days",
        "response_totals",
        "invitation_counts",
        "invitation_totals",
    ] {
        diesel::sql_query(format!("DELETE FROM {table}")).execute(conn)?;
    }
    let span = span_sql(conn, "day");
    let from_days = value_columns(|v, _| sum_of_value(v));
    let mut rows = diesel::sql_query(format!(
        "INSERT INTO answer_totals ({CELL_COLUMNS}, span_start, item_id, n_na, n1, n2, n3, n4, n5) \
         SELECT {CELL_COLUMNS}, {span}, item_id, {from_days} FROM answer_counts \
         WHERE value BETWEEN 0 AND 5 GROUP BY {CELL_COLUMNS}, {span}, item_id"
    ))
    .execute(conn)?;
    rows += diesel::sql_query(format!(
        "INSERT INTO agency_answer_totals (survey_id, span_start, survey_version, agency_code, item_id, \
         n_na, n1, n2, n3, n4, n5) \
         SELECT survey_id, span_start, survey_version, agency_code, item_id, {} FROM answer_totals \
         GROUP BY survey_id, span_start, survey_version, agency_code, item_id",
        value_columns(|_, column| format!("SUM({column})"))
    ))
    .execute(conn)?;
    rows += diesel::sql_query(format!(
        "INSERT INTO agency_answer_days (survey_id, day, survey_version, agency_code, item_id, \
         n_na, n1, n2, n3, n4, n5) \
         SELECT survey_id, day, survey_version, agency_code, item_id, {from_days} FROM answer_counts \
         WHERE value BETWEEN 0 AND 5 GROUP BY survey_id, day, survey_version, agency_code, item_id"
    ))
    .execute(conn)?;
    rows += diesel::sql_query(format!(
        "INSERT INTO response_totals ({CELL_COLUMNS}, span_start, count) \
         SELECT {CELL_COLUMNS}, {span}, SUM(count) FROM response_counts GROUP BY {CELL_COLUMNS}, {span}"
    ))
    .execute(conn)?;
    rows += diesel::sql_query(format!(
        "INSERT INTO invitation_counts ({CELL_COLUMNS}, day, count) \
         SELECT {CELL_COLUMNS}, handled_on, COUNT(*) FROM invitations GROUP BY {CELL_COLUMNS}, handled_on"
    ))
    .execute(conn)?;
    rows += diesel::sql_query(format!(
        "INSERT INTO invitation_totals ({CELL_COLUMNS}, span_start, count) \
         SELECT {CELL_COLUMNS}, {span}, SUM(count) FROM invitation_counts GROUP BY {CELL_COLUMNS}, {span}"
    ))
    .execute(conn)?;
    Ok(rows)
}
