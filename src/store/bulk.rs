//! Bulk writes of generated data (see `crate::synthetic`): invitations, responses and answers
//! in multi-row INSERTs, one transaction per call. Citizen submits never come here; they go
//! through [`super::responses::submit`] one at a time.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::invitations::NewInvitation;
use super::responses::NewResponse;
use super::StoreError;
use crate::db::schema::{answers, invitations, responses, used_tokens};
use crate::db::DbConn;

/// Bind parameters per statement: SQLite's limit (PostgreSQL allows 65,535).
const MAX_BIND_PARAMS: usize = 32_766;

/// An invitation to insert; an answered one with its link's used tag
/// ([`crate::domain::InvitationToken::used_tag`]), as a submit would leave it.
#[derive(Debug, Clone)]
pub struct BulkInvitation {
    pub invitation: NewInvitation,
    pub used_tag: Option<String>,
}

/// A response to insert with its scope (copied from its invitation, as a submit does) and
/// its answers. Stored unfolded: the caller rebuilds or folds the counters afterwards.
#[derive(Debug, Clone)]
pub struct BulkResponse {
    pub id: String,
    pub survey_id: String,
    pub survey_version: i32,
    pub agency_code: String,
    pub field: String,
    pub procedure_code: Option<String>,
    pub channel: String,
    pub response: NewResponse,
}

/// What one [`insert`] wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Inserted {
    pub invitations: usize,
    pub responses: usize,
    pub answers: usize,
}

// `treat_none_as_default_value = false`: a `None` is bound as NULL. With the default (DEFAULT),
// diesel cannot put several rows in one SQLite statement and inserts them one by one.
#[derive(Insertable)]
#[diesel(table_name = invitations, treat_none_as_default_value = false)]
struct InvitationRow<'a> {
    id: &'a str,
    token_hash: &'a str,
    agency_code: &'a str,
    dossier_hash: &'a str,
    field: &'a str,
    procedure_code: Option<&'a str>,
    channel: &'a str,
    handled_on: NaiveDate,
    survey_id: &'a str,
    survey_version: i32,
    locale: &'a str,
    email: Option<&'a str>,
    created_at: NaiveDateTime,
    expires_at: NaiveDateTime,
}
const INVITATION_COLUMNS: usize = 14;

#[derive(Insertable)]
#[diesel(table_name = used_tokens)]
struct UsedRow<'a> {
    tag: &'a str,
}
const USED_COLUMNS: usize = 1;

#[derive(Insertable)]
#[diesel(table_name = responses, treat_none_as_default_value = false)]
struct ResponseRow<'a> {
    id: &'a str,
    survey_id: &'a str,
    survey_version: i32,
    agency_code: &'a str,
    field: &'a str,
    procedure_code: Option<&'a str>,
    channel: &'a str,
    submitted_on: NaiveDate,
    locale: &'a str,
    comment: Option<&'a str>,
    respondent: Option<&'a str>,
    gender: Option<&'a str>,
    age_group: Option<&'a str>,
    education: Option<&'a str>,
    occupation: Option<&'a str>,
    folded: bool,
}
const RESPONSE_COLUMNS: usize = 16;

#[derive(Insertable)]
#[diesel(table_name = answers, treat_none_as_default_value = false)]
struct AnswerRow<'a> {
    response_id: &'a str,
    item_id: &'a str,
    value: Option<i32>,
}
const ANSWER_COLUMNS: usize = 3;

/// The largest SQLite page cache a bulk load asks for, in KiB.
pub const MAX_CACHE_KIB: i64 = 256 * 1024;
/// SQLite's default page cache, in KiB, restored by [`end`].
const DEFAULT_CACHE_KIB: i64 = 2_000;

/// Prepares a connection for a bulk load: on SQLite a page cache of `cache_kib` (at least the
/// default, at most [`MAX_CACHE_KIB`]), so that the token-hash index, which takes inserts all
/// over it, and a later counter rebuild's sort stay in memory; nothing on PostgreSQL. The
/// memory is taken only as the cache fills, but the process may keep it afterwards: size it
/// to the load. Call [`end`] afterwards, whatever happened.
pub fn begin(conn: &mut DbConn, cache_kib: i64) -> Result<(), StoreError> {
    set_cache(conn, cache_kib.clamp(DEFAULT_CACHE_KIB, MAX_CACHE_KIB))
}

/// Returns the connection to its usual settings after [`begin`].
pub fn end(conn: &mut DbConn) -> Result<(), StoreError> {
    set_cache(conn, DEFAULT_CACHE_KIB)
}

fn set_cache(conn: &mut DbConn, kib: i64) -> Result<(), StoreError> {
    if let DbConn::Sqlite(c) = conn {
        diesel::sql_query(format!("PRAGMA cache_size = -{kib}")).execute(c)?;
    }
    Ok(())
}

/// Writes `rows` into `table`: a binary COPY on PostgreSQL (several times faster than INSERTs
/// there), INSERTs of at most [`MAX_BIND_PARAMS`] parameters each on SQLite. (A macro: the
/// trait bounds of a generic function over both paths would be longer than the code.)
macro_rules! write_rows {
    ($conn:expr, $table:expr, $rows:expr, $columns:expr) => {{
        let rows = $rows;
        if !rows.is_empty() {
            match $conn {
                DbConn::Postgresql(c) => {
                    diesel::copy_from($table).from_insertable(rows).execute(c)?;
                }
                DbConn::Sqlite(c) => {
                    for chunk in rows.chunks(MAX_BIND_PARAMS / $columns) {
                        diesel::insert_into($table).values(chunk).execute(c)?;
                    }
                }
            }
        }
    }};
}

/// Inserts the invitations, then the responses and their answers, in one transaction:
/// on PostgreSQL with one `COPY … FROM STDIN (FORMAT binary)` per table, on SQLite with
/// multi-row INSERTs of as many rows as the bind-parameter limit allows. Responses are stored
/// unfolded, exactly as a submit stores them.
pub fn insert(
    conn: &mut DbConn,
    invitations: &[BulkInvitation],
    responses: &[BulkResponse],
) -> Result<Inserted, StoreError> {
    conn.transaction(|conn| {
        let rows: Vec<InvitationRow<'_>> = invitations
            .iter()
            .map(|b| {
                let i = &b.invitation;
                InvitationRow {
                    id: &i.id,
                    token_hash: &i.token_hash,
                    agency_code: &i.agency_code,
                    dossier_hash: &i.dossier_hash,
                    field: &i.field,
                    procedure_code: i.procedure_code.as_deref(),
                    channel: &i.channel,
                    handled_on: i.handled_on,
                    survey_id: &i.survey_id,
                    survey_version: i.survey_version,
                    locale: &i.locale,
                    email: i.email.as_deref(),
                    created_at: i.created_at,
                    expires_at: i.expires_at,
                }
            })
            .collect();
        write_rows!(conn, invitations::table, rows.as_slice(), INVITATION_COLUMNS);
        let rows: Vec<UsedRow<'_>> =
            invitations.iter().filter_map(|b| b.used_tag.as_deref()).map(|tag| UsedRow { tag }).collect();
        // One column is more than diesel's COPY takes; plain multi-row INSERTs on both backends.
        for chunk in rows.chunks(MAX_BIND_PARAMS / USED_COLUMNS) {
            super::on_backend!(conn, |c| diesel::insert_into(used_tokens::table).values(chunk).execute(c))?;
        }

        let rows: Vec<ResponseRow<'_>> = responses
            .iter()
            .map(|r| {
                let p = &r.response.profile;
                ResponseRow {
                    id: &r.id,
                    survey_id: &r.survey_id,
                    survey_version: r.survey_version,
                    agency_code: &r.agency_code,
                    field: &r.field,
                    procedure_code: r.procedure_code.as_deref(),
                    channel: &r.channel,
                    submitted_on: r.response.submitted_on,
                    locale: &r.response.locale,
                    comment: r.response.comment.as_deref(),
                    respondent: p.respondent.as_deref(),
                    gender: p.gender.as_deref(),
                    age_group: p.age_group.as_deref(),
                    education: p.education.as_deref(),
                    occupation: p.occupation.as_deref(),
                    folded: false,
                }
            })
            .collect();
        write_rows!(conn, responses::table, rows.as_slice(), RESPONSE_COLUMNS);

        let rows: Vec<AnswerRow<'_>> = responses
            .iter()
            .flat_map(|r| {
                r.response.answers.iter().map(|(item, value)| AnswerRow {
                    response_id: &r.id,
                    item_id: item,
                    value: *value,
                })
            })
            .collect();
        write_rows!(conn, answers::table, rows.as_slice(), ANSWER_COLUMNS);
        Ok(Inserted { invitations: invitations.len(), responses: responses.len(), answers: rows.len() })
    })
}
