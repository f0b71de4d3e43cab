//! The counts an index query needs, per group, over a date range: answers per item and
//! value, responses and invitations. Whole half-month spans come from the totals, ragged ends
//! from the daily counters, so the rows read grow with groups and spans, not with responses.
//! Two slices the totals do not hold take slower paths: a procedure filter reads the daily
//! counters for the whole range (and invitations themselves), and a respondent-profile filter
//! reads the raw answers (with no response rate: non-respondents have no profile).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::aggregates::totals::{sum_of_value, value_columns, WideCounts};
use super::sql::{code_list, load_sql, Bind, Sql};
use super::StoreError;
use crate::db::DbConn;
use crate::domain::time::span_cover;

/// What the groups are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupColumn {
    /// One group, keyed `""`.
    Nothing,
    /// Per agency (its own responses; the caller rolls subtrees up).
    Agency,
    Field,
    Channel,
}

impl GroupColumn {
    fn column(self) -> Option<&'static str> {
        match self {
            GroupColumn::Nothing => None,
            GroupColumn::Agency => Some("agency_code"),
            GroupColumn::Field => Some("field"),
            GroupColumn::Channel => Some("channel"),
        }
    }
}

/// The respondent-profile columns a query may filter on.
pub const PROFILE_COLUMNS: [&str; 5] = ["respondent", "gender", "age_group", "education", "occupation"];

/// One count query. Dates are inclusive (`from <= to`).
#[derive(Debug, Clone)]
pub struct CountQuery<'a> {
    pub survey_id: &'a str,
    pub survey_version: i32,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// `None`: every agency. `Some`: exactly these (the caller expands subtrees).
    pub agencies: Option<&'a [String]>,
    pub field: Option<&'a str>,
    pub channel: Option<&'a str>,
    pub procedure: Option<&'a str>,
    /// `(column of PROFILE_COLUMNS, value)` pairs, all of which must match.
    pub profile: &'a [(&'static str, String)],
    pub group: GroupColumn,
}

/// The counts of one group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupCounts {
    /// Item id → answers "not applicable", 1, 2, 3, 4, 5.
    pub answers: BTreeMap<String, [u64; 6]>,
    pub responses: u64,
    /// `None` under a profile filter.
    pub invitations: Option<u64>,
}

#[derive(QueryableByName)]
struct AnswerRow {
    #[diesel(sql_type = Text)]
    grp: String,
    #[diesel(sql_type = Text)]
    item_id: String,
    #[diesel(embed)]
    counts: WideCounts,
}

#[derive(QueryableByName)]
struct CountRow {
    #[diesel(sql_type = Text)]
    grp: String,
    #[diesel(sql_type = BigInt)]
    count: i64,
}

/// First and last day, inclusive.
type Range = (NaiveDate, NaiveDate);

/// Which table shape a statement reads.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Source {
    /// `*_totals`, by `span_start`.
    Spans,
    /// The daily counters, by `day`.
    Days,
    /// `responses r` (joined to `answers a` for answers), by `r.submitted_on`.
    Raw,
    /// `invitations`, by `handled_on` (for procedure slices).
    RawInvitations,
}

/// Appends ` WHERE …` for `q` over the dates `range` of `source`. One range per statement: a
/// single `BETWEEN` on the key's date column is a range scan of the primary key, where an `OR`
/// of two would make SQLite scan the whole table.
fn filters(sql: &mut Sql, q: &CountQuery<'_>, source: Source, range: Range) -> Result<(), StoreError> {
    let p = if source == Source::Raw { "r." } else { "" };
    let date = match source {
        Source::Spans => "span_start",
        Source::Days => "day",
        Source::Raw => "r.submitted_on",
        Source::RawInvitations => "handled_on",
    };
    sql.push(&format!(" WHERE {p}survey_id = ")).bind(Bind::Text(q.survey_id.to_owned()));
    sql.push(&format!(" AND {p}survey_version = ")).bind(Bind::Int(q.survey_version));
    sql.push(&format!(" AND {date} BETWEEN ")).bind(Bind::Date(range.0)).push(" AND ").bind(Bind::Date(range.1));
    if let Some(codes) = q.agencies {
        if codes.is_empty() {
            sql.push(" AND 1 = 0");
        } else {
            sql.push(&format!(" AND {p}agency_code IN {}", code_list(codes)?));
        }
    }
    if let Some(f) = q.field {
        sql.push(&format!(" AND {p}field = ")).bind(Bind::Text(f.to_owned()));
    }
    if let Some(c) = q.channel {
        sql.push(&format!(" AND {p}channel = ")).bind(Bind::Text(c.to_owned()));
    }
    if let Some(code) = q.procedure {
        sql.push(&format!(" AND {p}procedure_code = ")).bind(Bind::Text(code.to_owned()));
    }
    for (column, value) in q.profile {
        if !PROFILE_COLUMNS.contains(column) {
            return Err(StoreError::Rejected(format!("not a profile column: {column}")));
        }
        sql.push(&format!(" AND r.{column} = ")).bind(Bind::Text(value.clone()));
    }
    Ok(())
}

/// `SELECT <group> AS grp` and the matching `GROUP BY` tail (with `extra` grouped too).
fn group_sql(q: &CountQuery<'_>, prefix: &str, extra: &str) -> (String, String) {
    match q.group.column() {
        Some(c) => (format!("{prefix}{c} AS grp"), format!(" GROUP BY {prefix}{c}{extra}")),
        None if extra.is_empty() => ("'' AS grp".to_owned(), String::new()),
        None => ("'' AS grp".to_owned(), format!(" GROUP BY {}", extra.trim_start_matches(", "))),
    }
}

/// The answers of `q` over `range` from `source`. `agency_level` reads the agency-level tables
/// (summed over fields and channels), which suffice when nothing asks for a field or channel.
fn answers_sql(
    conn: &DbConn,
    q: &CountQuery<'_>,
    source: Source,
    range: Range,
    agency_level: bool,
) -> Result<Sql, StoreError> {
    let mut sql = Sql::new(conn);
    let sum = |e: &str| format!("CAST(COALESCE({e}, 0) AS BIGINT)");
    let wide = match (source, agency_level) {
        (Source::Spans, false) => Some("answer_totals"),
        (Source::Spans, true) => Some("agency_answer_totals"),
        (Source::Days, true) => Some("agency_answer_days"),
        _ => None,
    };
    match (source, wide) {
        (Source::Raw | Source::RawInvitations, _) => {
            let (select, group_by) = group_sql(q, "r.", ", a.item_id");
            let values = value_columns(|v, _| match v {
                0 => sum("SUM(CASE WHEN a.value IS NULL THEN 1 ELSE 0 END)"),
                v => sum(&format!("SUM(CASE WHEN a.value = {v} THEN 1 ELSE 0 END)")),
            });
            sql.push(&format!(
                "SELECT {select}, a.item_id AS item_id, {values} FROM responses r JOIN answers a ON a.response_id = r.id"
            ));
            filters(&mut sql, q, Source::Raw, range)?;
            sql.push(&group_by);
        }
        (_, Some(table)) => {
            let (select, group_by) = group_sql(q, "", ", item_id");
            let values = value_columns(|_, column| sum(&format!("SUM({column})")));
            sql.push(&format!("SELECT {select}, item_id, {values} FROM {table}"));
            filters(&mut sql, q, source, range)?;
            sql.push(&group_by);
        }
        (_, None) => {
            let (select, group_by) = group_sql(q, "", ", item_id");
            let values = value_columns(|v, _| sum(&sum_of_value(v)));
            sql.push(&format!("SELECT {select}, item_id, {values} FROM answer_counts"));
            filters(&mut sql, q, source, range)?;
            sql.push(" AND value BETWEEN 0 AND 5").push(&group_by);
        }
    }
    Ok(sql)
}

fn count_sql(conn: &DbConn, q: &CountQuery<'_>, table: &str, source: Source, range: Range) -> Result<Sql, StoreError> {
    let mut sql = Sql::new(conn);
    let prefix = if source == Source::Raw { "r." } else { "" };
    let (select, group_by) = group_sql(q, prefix, "");
    let count = match source {
        Source::Spans | Source::Days => "CAST(COALESCE(SUM(count), 0) AS BIGINT)",
        Source::Raw | Source::RawInvitations => "CAST(COUNT(*) AS BIGINT)",
    };
    sql.push(&format!("SELECT {select}, {count} AS count FROM {table}"));
    filters(&mut sql, q, source, range)?;
    sql.push(&group_by);
    Ok(sql)
}

/// The counts per group for `q`. Groups with nothing in the range are absent.
pub fn load(conn: &mut DbConn, q: &CountQuery<'_>) -> Result<BTreeMap<String, GroupCounts>, StoreError> {
    if q.from > q.to {
        return Err(StoreError::Rejected(format!("the range {} to {} is reversed", q.from, q.to)));
    }
    let mut out: BTreeMap<String, GroupCounts> = BTreeMap::new();
    let whole = (q.from, q.to);
    // (source, dates) of each read for answers and responses, then for invitations.
    let mut reads: Vec<(Source, Range)> = Vec::new();
    let mut invitation_reads: Vec<(Source, Range)> = Vec::new();
    if !q.profile.is_empty() {
        reads.push((Source::Raw, whole));
    } else if q.procedure.is_some() {
        reads.push((Source::Days, whole));
        invitation_reads.push((Source::RawInvitations, whole));
    } else {
        let cover = span_cover(q.from, q.to);
        // Ragged ends of a field or channel slice read the long daily counters.
        reads.extend(cover.spans.map(|r| (Source::Spans, r)));
        reads.extend(cover.head.into_iter().chain(cover.tail).map(|r| (Source::Days, r)));
        invitation_reads = reads.clone();
    }
    let agency_level = q.field.is_none()
        && q.channel.is_none()
        && q.procedure.is_none()
        && q.profile.is_empty()
        && matches!(q.group, GroupColumn::Nothing | GroupColumn::Agency);
    for &(source, range) in &reads {
        let sql = answers_sql(conn, q, source, range, agency_level)?;
        for row in load_sql!(conn, &sql, AnswerRow)? {
            let n = row.counts.values();
            if n.iter().all(|&c| c == 0) {
                continue;
            }
            let slot = out.entry(row.grp).or_default().answers.entry(row.item_id).or_default();
            for (s, c) in slot.iter_mut().zip(n) {
                *s += u64::try_from(c).unwrap_or(0);
            }
        }
        let table = match source {
            Source::Spans => "response_totals",
            Source::Days => "response_counts",
            Source::Raw | Source::RawInvitations => "responses r",
        };
        let sql = count_sql(conn, q, table, source, range)?;
        for row in load_sql!(conn, &sql, CountRow)? {
            if row.count > 0 {
                out.entry(row.grp).or_default().responses += u64::try_from(row.count).unwrap_or(0);
            }
        }
    }
    let with_rate = q.profile.is_empty();
    for &(source, range) in &invitation_reads {
        let table = match source {
            Source::Spans => "invitation_totals",
            Source::Days => "invitation_counts",
            Source::Raw | Source::RawInvitations => "invitations",
        };
        let sql = count_sql(conn, q, table, source, range)?;
        for row in load_sql!(conn, &sql, CountRow)? {
            if row.count > 0 {
                *out.entry(row.grp).or_default().invitations.get_or_insert(0) += u64::try_from(row.count).unwrap_or(0);
            }
        }
    }
    for counts in out.values_mut() {
        if with_rate && counts.invitations.is_none() {
            counts.invitations = Some(0);
        }
    }
    Ok(out)
}
