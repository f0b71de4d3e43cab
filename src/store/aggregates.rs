//! Aggregates: the counters `answer_counts` and `response_counts`, which
//! [`super::responses::submit`] keeps up to date in the submit transaction so that indices
//! read groups, never raw answers. Here: recomputing them from `responses`/`answers` to
//! check them ([`verify`]) or to rewrite them ([`rebuild`], for operators after a restore).
//!
//! Key conventions (see the `answer_counts` migration): a response without a procedure code
//! counts under `procedure_code = ''`, a "not applicable" answer under `value = 0`. A counter
//! may be split over several `shard` rows; its value is their sum, and everything here reads
//! sums per key (the shard is a storage detail, never part of a [`Difference`]).

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Integer, Text};

use super::StoreError;
use crate::db::{Backend, DbConn};

/// The scope and day of a `response_counts` row (also the first part of an answer key).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SliceKey {
    pub survey_id: String,
    pub day: NaiveDate,
    pub survey_version: i32,
    pub agency_code: String,
    pub field: String,
    /// `''` when the responses had none.
    pub procedure_code: String,
    pub channel: String,
}

/// The key of an `answer_counts` row.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AnswerKey {
    pub slice: SliceKey,
    pub item_id: String,
    /// `0` means "not applicable".
    pub value: i32,
}

/// Which counter differs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum CounterKey {
    Response(SliceKey),
    Answer(AnswerKey),
}

/// A counter whose stored value is not what the raw answers give (0 = no row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub key: CounterKey,
    /// Recomputed from `responses`/`answers`.
    pub expected: i64,
    /// In the counter table.
    pub stored: i64,
}

impl fmt::Display for SliceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "survey={} v{} day={} agency={} field={} procedure={} channel={}",
            self.survey_id,
            self.survey_version,
            self.day,
            self.agency_code,
            self.field,
            if self.procedure_code.is_empty() { "-" } else { &self.procedure_code },
            self.channel
        )
    }
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.key {
            CounterKey::Response(k) => write!(f, "response_counts {k}")?,
            CounterKey::Answer(k) => {
                let value = if k.value == 0 { "na".to_owned() } else { k.value.to_string() };
                write!(f, "answer_counts {} item={} value={value}", k.slice, k.item_id)?
            }
        }
        write!(f, ": expected {}, stored {}", self.expected, self.stored)
    }
}

/// One row of either counter table, or of its recomputation (item and value only for answers).
#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = Text)]
    survey_id: String,
    #[diesel(sql_type = Date)]
    day: NaiveDate,
    #[diesel(sql_type = Integer)]
    survey_version: i32,
    #[diesel(sql_type = Text)]
    agency_code: String,
    #[diesel(sql_type = Text)]
    field: String,
    #[diesel(sql_type = Text)]
    procedure_code: String,
    #[diesel(sql_type = Text)]
    channel: String,
    #[diesel(sql_type = BigInt)]
    count: i64,
}

#[derive(QueryableByName)]
struct AnswerRow {
    #[diesel(embed)]
    slice: Row,
    #[diesel(sql_type = Text)]
    item_id: String,
    #[diesel(sql_type = Integer)]
    value: i32,
}

impl Row {
    fn split(self) -> (SliceKey, i64) {
        let key = SliceKey {
            survey_id: self.survey_id,
            day: self.day,
            survey_version: self.survey_version,
            agency_code: self.agency_code,
            field: self.field,
            procedure_code: self.procedure_code,
            channel: self.channel,
        };
        (key, self.count)
    }
}

impl AnswerRow {
    fn split(self) -> (AnswerKey, i64) {
        let (slice, count) = self.slice.split();
        (AnswerKey { slice, item_id: self.item_id, value: self.value }, count)
    }
}

const KEY_COLUMNS: &str = "survey_id, day, survey_version, agency_code, field, procedure_code, channel";

/// The recomputation, in SQL both backends run. The key conventions live here (COALESCE).
const RAW_RESPONSES: &str = "SELECT r.survey_id AS survey_id, r.submitted_on AS day, \
     r.survey_version AS survey_version, r.agency_code AS agency_code, r.field AS field, \
     COALESCE(r.procedure_code, '') AS procedure_code, r.channel AS channel, COUNT(*) AS count \
     FROM responses r \
     GROUP BY r.survey_id, r.submitted_on, r.survey_version, r.agency_code, r.field, \
     COALESCE(r.procedure_code, ''), r.channel";

const RAW_ANSWERS: &str = "SELECT r.survey_id AS survey_id, r.submitted_on AS day, \
     r.survey_version AS survey_version, r.agency_code AS agency_code, r.field AS field, \
     COALESCE(r.procedure_code, '') AS procedure_code, r.channel AS channel, \
     a.item_id AS item_id, COALESCE(a.value, 0) AS value, COUNT(*) AS count \
     FROM responses r JOIN answers a ON a.response_id = r.id \
     GROUP BY r.survey_id, r.submitted_on, r.survey_version, r.agency_code, r.field, \
     COALESCE(r.procedure_code, ''), r.channel, a.item_id, COALESCE(a.value, 0)";

/// Every stored response counter (summed over its shards).
pub fn response_counters(conn: &mut DbConn) -> Result<BTreeMap<SliceKey, i64>, StoreError> {
    let sql = format!(
        "SELECT {KEY_COLUMNS}, CAST(SUM(count) AS BIGINT) AS count FROM response_counts GROUP BY {KEY_COLUMNS}"
    );
    load_slices(conn, &sql)
}

/// Every stored answer counter (summed over its shards).
pub fn answer_counters(conn: &mut DbConn) -> Result<BTreeMap<AnswerKey, i64>, StoreError> {
    let sql = format!(
        "SELECT {KEY_COLUMNS}, item_id, value, CAST(SUM(count) AS BIGINT) AS count FROM answer_counts \
         GROUP BY {KEY_COLUMNS}, item_id, value"
    );
    load_answers(conn, &sql)
}

fn load_slices(conn: &mut DbConn, sql: &str) -> Result<BTreeMap<SliceKey, i64>, StoreError> {
    let rows: Vec<Row> = diesel::sql_query(sql).load(conn)?;
    Ok(rows.into_iter().map(Row::split).collect())
}

fn load_answers(conn: &mut DbConn, sql: &str) -> Result<BTreeMap<AnswerKey, i64>, StoreError> {
    let rows: Vec<AnswerRow> = diesel::sql_query(sql).load(conn)?;
    Ok(rows.into_iter().map(AnswerRow::split).collect())
}

/// Recomputes both counter tables from the raw answers and returns every counter that
/// differs, response counters first, each in key order. Empty means the aggregates match.
/// Reads one consistent snapshot (a submit writes its response and its counters in one
/// transaction), so it is correct while submits go on.
pub fn verify(conn: &mut DbConn) -> Result<Vec<Difference>, StoreError> {
    let backend = backend_of(conn);
    conn.transaction(|conn| {
        if backend == Backend::Postgres {
            // One snapshot for all four reads (the default gives one per statement).
            diesel::sql_query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY").execute(conn)?;
        }
        let mut out = Vec::new();
        let expected = load_slices(conn, RAW_RESPONSES)?;
        let stored = response_counters(conn)?;
        out.extend(compare(expected, stored).into_iter().map(|(k, e, s)| Difference {
            key: CounterKey::Response(k),
            expected: e,
            stored: s,
        }));
        let expected = load_answers(conn, RAW_ANSWERS)?;
        let stored = answer_counters(conn)?;
        out.extend(compare(expected, stored).into_iter().map(|(k, e, s)| Difference {
            key: CounterKey::Answer(k),
            expected: e,
            stored: s,
        }));
        Ok(out)
    })
}

/// (key, expected, stored) for every key whose counts differ; a missing row counts 0.
fn compare<K: Ord>(expected: BTreeMap<K, i64>, mut stored: BTreeMap<K, i64>) -> Vec<(K, i64, i64)> {
    let mut out = Vec::new();
    for (key, e) in expected {
        let s = stored.remove(&key).unwrap_or(0);
        if s != e {
            out.push((key, e, s));
        }
    }
    // Stored rows the raw answers know nothing of (0 is "no row" too, so not a difference).
    out.extend(stored.into_iter().filter(|(_, s)| *s != 0).map(|(k, s)| (k, 0, s)));
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Rewrites both counter tables from the raw answers in one transaction, one row per key
/// (shard 0); returns the rows written (answer counters, response counters). On PostgreSQL the counter tables are locked
/// against writes first, so a submit running meanwhile adds its count after the rebuild,
/// never into the rows being replaced.
pub fn rebuild(conn: &mut DbConn) -> Result<(usize, usize), StoreError> {
    let backend = backend_of(conn);
    conn.transaction(|conn| {
        if backend == Backend::Postgres {
            diesel::sql_query("LOCK TABLE answer_counts, response_counts IN EXCLUSIVE MODE").execute(conn)?;
        }
        diesel::sql_query("DELETE FROM answer_counts").execute(conn)?;
        diesel::sql_query("DELETE FROM response_counts").execute(conn)?;
        let answers = diesel::sql_query(format!(
            "INSERT INTO answer_counts ({KEY_COLUMNS}, item_id, value, count) {RAW_ANSWERS}"
        ))
        .execute(conn)?;
        let responses =
            diesel::sql_query(format!("INSERT INTO response_counts ({KEY_COLUMNS}, count) {RAW_RESPONSES}"))
                .execute(conn)?;
        Ok((answers, responses))
    })
}

fn backend_of(conn: &DbConn) -> Backend {
    match conn {
        DbConn::Postgresql(_) => Backend::Postgres,
        DbConn::Sqlite(_) => Backend::Sqlite,
    }
}
