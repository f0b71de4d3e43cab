//! Aggregates: the counters `answer_counts` and `response_counts`, so that indices read
//! groups, never raw answers. A submit only stores its response, unfolded; [`fold_pending`]
//! (run in the background by the server, and by `sipas verify-aggregates`) adds unfolded
//! responses to the counters in batches, off the request path. Here too: recomputing the
//! counters from the folded responses to check them ([`verify`]) or rewriting them from all
//! responses ([`rebuild`], for operators after a restore).
//!
//! Key conventions (see the `answer_counts` migration): a response without a procedure code
//! counts under `procedure_code = ''`, a "not applicable" answer under `value = 0`. A counter
//! may be split over several `shard` rows; its value is their sum, and everything here reads
//! sums per key (the shard is a storage detail, never part of a [`Difference`]). Folds and
//! rebuilds write shard 0 only (a fold writes each key once per batch: nothing to spread).

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Integer, Text};

use super::{on_backend, StoreError};
use crate::db::{Backend, DbConn};

pub mod totals;

use totals::{AnswerTable, CellKey, CellTable};

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
    /// A row of `response_totals`, `invitation_counts` or `invitation_totals`.
    Cell(&'static str, CellKey),
    /// One value column (0 = `n_na`, 1..5) of a row of a wide answer table.
    AnswerTotal(&'static str, CellKey, String, usize),
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
            CounterKey::Cell(table, k) => write!(f, "{table} {k}")?,
            CounterKey::AnswerTotal(table, k, item, value) => {
                let column = if *value == 0 { "n_na".to_owned() } else { format!("n{value}") };
                write!(f, "{table} {k} item={item} {column}")?
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

/// The recomputation over the responses `r` that `filter` (an SQL condition) keeps, in SQL
/// both backends run. The key conventions live here (COALESCE).
fn raw_responses(filter: &str) -> String {
    format!(
        "SELECT r.survey_id AS survey_id, r.submitted_on AS day, \
         r.survey_version AS survey_version, r.agency_code AS agency_code, r.field AS field, \
         COALESCE(r.procedure_code, '') AS procedure_code, r.channel AS channel, COUNT(*) AS count \
         FROM responses r WHERE {filter} \
         GROUP BY r.survey_id, r.submitted_on, r.survey_version, r.agency_code, r.field, \
         COALESCE(r.procedure_code, ''), r.channel"
    )
}

fn raw_answers(filter: &str) -> String {
    format!(
        "SELECT r.survey_id AS survey_id, r.submitted_on AS day, \
         r.survey_version AS survey_version, r.agency_code AS agency_code, r.field AS field, \
         COALESCE(r.procedure_code, '') AS procedure_code, r.channel AS channel, \
         a.item_id AS item_id, COALESCE(a.value, 0) AS value, COUNT(*) AS count \
         FROM responses r JOIN answers a ON a.response_id = r.id WHERE {filter} \
         GROUP BY r.survey_id, r.submitted_on, r.survey_version, r.agency_code, r.field, \
         COALESCE(r.procedure_code, ''), r.channel, a.item_id, COALESCE(a.value, 0)"
    )
}

/// Responses the counters include.
const FOLDED: &str = "r.folded";
/// Every response.
const ALL: &str = "1 = 1";

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

/// Recomputes both counter tables from the raw answers of the *folded* responses and returns
/// every counter that differs, response counters first, each in key order. Empty means the
/// aggregates match. Responses not folded yet are pending, not differences: they are in no
/// counter by design (see [`fold_pending`]). Reads one consistent snapshot (a fold adds to the
/// counters and marks its responses in one transaction), so it is correct while submits and
/// folds go on.
pub fn verify(conn: &mut DbConn) -> Result<Vec<Difference>, StoreError> {
    let backend = backend_of(conn);
    conn.transaction(|conn| {
        if backend == Backend::Postgres {
            // One snapshot for all four reads (the default gives one per statement).
            diesel::sql_query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY").execute(conn)?;
        }
        let mut out = Vec::new();
        let expected_responses = load_slices(conn, &raw_responses(FOLDED))?;
        let stored = response_counters(conn)?;
        out.extend(compare(expected_responses.clone(), stored).into_iter().map(|(k, e, s)| Difference {
            key: CounterKey::Response(k),
            expected: e,
            stored: s,
        }));
        let expected_answers = load_answers(conn, &raw_answers(FOLDED))?;
        let stored = answer_counters(conn)?;
        out.extend(compare(expected_answers.clone(), stored).into_iter().map(|(k, e, s)| Difference {
            key: CounterKey::Answer(k),
            expected: e,
            stored: s,
        }));
        // The totals against the raw answers rolled up in Rust: independent of the SQL that
        // the folder and `rebuild` use to write them.
        let cells = |table: CellTable, expected, stored| {
            compare(expected, stored).into_iter().map(move |(k, e, s)| Difference {
                key: CounterKey::Cell(table.name(), k),
                expected: e,
                stored: s,
            })
        };
        let stored = totals::load_cells(conn, CellTable::ResponseTotals)?;
        out.extend(cells(CellTable::ResponseTotals, totals::roll_up_responses(&expected_responses), stored));
        let invitations = totals::raw_invitations(conn)?;
        let stored = totals::load_cells(conn, CellTable::InvitationCounts)?;
        out.extend(cells(CellTable::InvitationCounts, invitations.clone(), stored));
        let stored = totals::load_cells(conn, CellTable::InvitationTotals)?;
        out.extend(cells(CellTable::InvitationTotals, totals::roll_up_days(&invitations), stored));
        let flatten = |m: BTreeMap<(CellKey, String), totals::ValueCounts>| {
            m.into_iter()
                .flat_map(|((cell, item), n)| (0..6).map(move |v| ((cell.clone(), item.clone(), v), n[v])))
                .collect::<BTreeMap<_, _>>()
        };
        for table in AnswerTable::ALL {
            let expected = flatten(totals::roll_up_answers(&expected_answers, table));
            let stored = flatten(totals::load_answers(conn, table)?);
            out.extend(compare(expected, stored).into_iter().map(|((cell, item, v), e, s)| Difference {
                key: CounterKey::AnswerTotal(table.name(), cell, item, v),
                expected: e,
                stored: s,
            }));
        }
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

/// Rewrites the counter and total tables from the raw answers of every response (and the
/// invitations) and marks every response folded, in one transaction, one row per key (shard
/// 0); returns the rows written (answer counters, every other counter and total). On PostgreSQL the counter tables are locked against
/// writes first (a folder takes its lock on them before anything else, so the two cannot
/// deadlock), then one snapshot is read: a response submitted meanwhile is neither counted nor
/// marked, and the next fold counts it.
pub fn rebuild(conn: &mut DbConn) -> Result<(usize, usize), StoreError> {
    let backend = backend_of(conn);
    conn.transaction(|conn| {
        if backend == Backend::Postgres {
            diesel::sql_query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ").execute(conn)?;
            diesel::sql_query(
                "LOCK TABLE answer_counts, response_counts, answer_totals, agency_answer_totals, agency_answer_days, \
                 response_totals IN EXCLUSIVE MODE",
            )
            .execute(conn)?;
        }
        diesel::sql_query("DELETE FROM answer_counts").execute(conn)?;
        diesel::sql_query("DELETE FROM response_counts").execute(conn)?;
        let answers = diesel::sql_query(format!(
            "INSERT INTO answer_counts ({KEY_COLUMNS}, item_id, value, count) {}",
            raw_answers(ALL)
        ))
        .execute(conn)?;
        let responses =
            diesel::sql_query(format!("INSERT INTO response_counts ({KEY_COLUMNS}, count) {}", raw_responses(ALL)))
                .execute(conn)?;
        diesel::sql_query("UPDATE responses SET folded = TRUE WHERE NOT folded").execute(conn)?;
        let totals = totals::rebuild(conn)?;
        Ok((answers, responses + totals))
    })
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = Text)]
    id: String,
}

/// Responses per fold transaction, for the background folder and `sipas verify-aggregates`.
/// Small batches keep each fold short, so the submits waiting behind it (SQLite has one
/// writer) see no latency spike; at ~1,500 responses/s a 200 ms tick needs one batch.
pub const FOLD_BATCH: usize = 500;

/// Rows per counter upsert (11 parameters each, well below either backend's limit).
const UPSERT_CHUNK: usize = 1000;

/// Adds up to `limit` unfolded responses to the counters and marks them folded, in one
/// transaction; returns how many were folded (fewer than `limit` means none is left, unless
/// another folder holds some). Call it until it returns 0 to fold everything.
///
/// The batch is claimed first with `UPDATE … SET folded = TRUE … RETURNING id`; on PostgreSQL
/// its subquery locks `FOR UPDATE SKIP LOCKED`, so several folders (instances) take disjoint
/// batches and never count a response twice. On SQLite the claim is the transaction's first
/// statement, a write, so the one writer lock is taken at once. The batch's answers are then
/// grouped in SQL and the sums upserted (`count = count + excluded.count`, shard 0) in key
/// order, answer counters before response counters: two folders lock counter rows in the same
/// order and cannot deadlock. On PostgreSQL the counter tables are locked (ROW EXCLUSIVE, which
/// folders share) before the claim, the same order as [`rebuild`].
pub fn fold_pending(conn: &mut DbConn, limit: usize) -> Result<usize, StoreError> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    conn.transaction(|conn| {
        let ids: Vec<String> = match conn {
            DbConn::Postgresql(c) => {
                diesel::sql_query(
                    "LOCK TABLE answer_counts, response_counts, answer_totals, agency_answer_totals, agency_answer_days, \
                     response_totals IN ROW EXCLUSIVE MODE",
                )
                .execute(c)?;
                diesel::sql_query(
                    "UPDATE responses SET folded = TRUE WHERE id IN (SELECT id FROM responses WHERE NOT folded \
                     ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED) RETURNING id",
                )
                .bind::<BigInt, _>(limit)
                .load::<Id>(c)?
            }
            DbConn::Sqlite(c) => diesel::sql_query(
                "UPDATE responses SET folded = TRUE WHERE id IN (SELECT id FROM responses WHERE NOT folded \
                 ORDER BY id LIMIT ?) RETURNING id",
            )
            .bind::<BigInt, _>(limit)
            .load::<Id>(c)?,
        }
        .into_iter()
        .map(|r| r.id)
        .collect();
        if ids.is_empty() {
            return Ok(0);
        }
        let (slices, answers) = batch_sums(conn, &ids)?;
        upsert_answers(conn, &answers)?;
        upsert_responses(conn, &slices)?;
        for table in AnswerTable::ALL {
            totals::add_answers(conn, table, &totals::roll_up_answers(&answers, table))?;
        }
        totals::add_cells(conn, CellTable::ResponseTotals, &totals::roll_up_responses(&slices))?;
        Ok(ids.len())
    })
}

// The batch query groups answers by response columns too.
diesel::allow_columns_to_appear_in_same_group_by_clause!(
    crate::db::schema::responses::survey_id,
    crate::db::schema::responses::submitted_on,
    crate::db::schema::responses::survey_version,
    crate::db::schema::responses::agency_code,
    crate::db::schema::responses::field,
    crate::db::schema::responses::procedure_code,
    crate::db::schema::responses::channel,
    crate::db::schema::answers::item_id,
    crate::db::schema::answers::value,
);

type SliceTuple = (String, NaiveDate, i32, String, String, Option<String>, String);

fn slice_key(t: SliceTuple) -> SliceKey {
    let (survey_id, day, survey_version, agency_code, field, procedure_code, channel) = t;
    SliceKey {
        survey_id,
        day,
        survey_version,
        agency_code,
        field,
        procedure_code: procedure_code.unwrap_or_default(),
        channel,
    }
}

/// A batch's response counts and answer counts, each in key order.
type BatchSums = (BTreeMap<SliceKey, i64>, BTreeMap<AnswerKey, i64>);

/// The counts of the responses `ids`, grouped in SQL, keyed by the counter conventions.
fn batch_sums(conn: &mut DbConn, ids: &[String]) -> Result<BatchSums, StoreError> {
    use crate::db::schema::{answers, responses};
    use diesel::dsl::count_star;
    let slice_columns = (
        responses::survey_id,
        responses::submitted_on,
        responses::survey_version,
        responses::agency_code,
        responses::field,
        responses::procedure_code,
        responses::channel,
    );
    let rows: Vec<(SliceTuple, i64)> = on_backend!(conn, |c| responses::table
        .filter(responses::id.eq_any(ids))
        .group_by(slice_columns)
        .select((slice_columns, count_star()))
        .load(c))?;
    let mut slices = BTreeMap::new();
    for (t, n) in rows {
        *slices.entry(slice_key(t)).or_insert(0) += n;
    }
    let rows: Vec<(SliceTuple, String, Option<i32>, i64)> = on_backend!(conn, |c| answers::table
        .inner_join(responses::table)
        .filter(answers::response_id.eq_any(ids))
        .group_by((slice_columns, answers::item_id, answers::value))
        .select((slice_columns, answers::item_id, answers::value, count_star()))
        .load(c))?;
    let mut answer_sums = BTreeMap::new();
    for (t, item_id, value, n) in rows {
        let key = AnswerKey { slice: slice_key(t), item_id, value: value.unwrap_or(0) };
        *answer_sums.entry(key).or_insert(0) += n;
    }
    Ok((slices, answer_sums))
}

fn upsert_answers(conn: &mut DbConn, sums: &BTreeMap<AnswerKey, i64>) -> Result<(), StoreError> {
    use crate::db::schema::answer_counts as ac;
    use diesel::upsert::excluded;
    let sums: Vec<_> = sums.iter().collect();
    for chunk in sums.chunks(UPSERT_CHUNK) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|(k, n)| {
                (
                    ac::survey_id.eq(&k.slice.survey_id),
                    ac::day.eq(k.slice.day),
                    ac::survey_version.eq(k.slice.survey_version),
                    ac::agency_code.eq(&k.slice.agency_code),
                    ac::field.eq(&k.slice.field),
                    ac::procedure_code.eq(&k.slice.procedure_code),
                    ac::channel.eq(&k.slice.channel),
                    ac::item_id.eq(&k.item_id),
                    ac::value.eq(k.value),
                    ac::shard.eq(0),
                    ac::count.eq(**n),
                )
            })
            .collect();
        on_backend!(conn, |c| diesel::insert_into(ac::table)
            .values(&rows)
            .on_conflict((
                ac::survey_id,
                ac::day,
                ac::survey_version,
                ac::agency_code,
                ac::field,
                ac::procedure_code,
                ac::channel,
                ac::item_id,
                ac::value,
                ac::shard,
            ))
            .do_update()
            .set(ac::count.eq(ac::count + excluded(ac::count)))
            .execute(c))?;
    }
    Ok(())
}

fn upsert_responses(conn: &mut DbConn, sums: &BTreeMap<SliceKey, i64>) -> Result<(), StoreError> {
    use crate::db::schema::response_counts as rc;
    use diesel::upsert::excluded;
    let sums: Vec<_> = sums.iter().collect();
    for chunk in sums.chunks(UPSERT_CHUNK) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|(k, n)| {
                (
                    rc::survey_id.eq(&k.survey_id),
                    rc::day.eq(k.day),
                    rc::survey_version.eq(k.survey_version),
                    rc::agency_code.eq(&k.agency_code),
                    rc::field.eq(&k.field),
                    rc::procedure_code.eq(&k.procedure_code),
                    rc::channel.eq(&k.channel),
                    rc::shard.eq(0),
                    rc::count.eq(**n),
                )
            })
            .collect();
        on_backend!(conn, |c| diesel::insert_into(rc::table)
            .values(&rows)
            .on_conflict((
                rc::survey_id,
                rc::day,
                rc::survey_version,
                rc::agency_code,
                rc::field,
                rc::procedure_code,
                rc::channel,
                rc::shard,
            ))
            .do_update()
            .set(rc::count.eq(rc::count + excluded(rc::count)))
            .execute(c))?;
    }
    Ok(())
}

fn backend_of(conn: &DbConn) -> Backend {
    match conn {
        DbConn::Postgresql(_) => Backend::Postgres,
        DbConn::Sqlite(_) => Backend::Sqlite,
    }
}
