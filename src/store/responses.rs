//! Responses: the one write a citizen makes. Stored with the invitation's scope and the
//! date only; nothing in a response points back to its invitation or token.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::invitations::{Invitation, InvitationState};
use super::{on_backend, StoreError};
use crate::db::schema::{answer_counts, answers, invitations, response_counts, responses};
use crate::db::DbConn;

/// A validated response ready to store.
#[derive(Debug, Clone)]
pub struct NewResponse {
    pub submitted_on: NaiveDate,
    pub locale: String,
    pub comment: Option<String>,
    pub profile: ProfileColumns,
    /// Item id and value; `None` means "not applicable".
    pub answers: Vec<(String, Option<i32>)>,
}

/// The optional respondent profile, one column each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileColumns {
    pub respondent: Option<String>,
    pub gender: Option<String>,
    pub age_group: Option<String>,
    pub education: Option<String>,
    pub occupation: Option<String>,
}

/// What became of a submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubmitOutcome {
    Stored,
    AlreadyAnswered,
    Expired,
    Unknown,
}

/// Stores a response for `invitation` (found by its token hash just before) in one
/// transaction. The invitation is claimed first with a conditional update, so of two
/// simultaneous submits exactly one stores and the other sees `AlreadyAnswered`; a failure
/// leaves nothing behind. The scope copied into the response comes from `invitation`,
/// whose scope columns never change.
pub fn submit(
    conn: &mut DbConn,
    token_hash: &str,
    invitation: &Invitation,
    now: NaiveDateTime,
    response: &NewResponse,
) -> Result<SubmitOutcome, StoreError> {
    conn.transaction(|conn| {
        let claimed = diesel::update(
            invitations::table.filter(
                invitations::token_hash
                    .eq(token_hash)
                    .and(invitations::answered.eq(false))
                    .and(invitations::expires_at.gt(now)),
            ),
        )
        .set(invitations::answered.eq(true))
        .execute(conn)?;
        if claimed == 0 {
            let found: Option<Invitation> = invitations::table
                .filter(invitations::token_hash.eq(token_hash))
                .select(Invitation::as_select())
                .first(conn)
                .optional()?;
            return Ok(match found.map(|i| i.state(now)) {
                None => SubmitOutcome::Unknown,
                Some(InvitationState::Answered) => SubmitOutcome::AlreadyAnswered,
                // A claim that failed on an open invitation can only mean it expired meanwhile.
                Some(InvitationState::Expired | InvitationState::Open) => SubmitOutcome::Expired,
            });
        }
        let scope = invitation;
        let id = super::new_id();
        let p = &response.profile;
        diesel::insert_into(responses::table)
            .values((
                responses::id.eq(&id),
                responses::survey_id.eq(&scope.survey_id),
                responses::survey_version.eq(scope.survey_version),
                responses::agency_code.eq(&scope.agency_code),
                responses::field.eq(&scope.field),
                responses::procedure_code.eq(&scope.procedure_code),
                responses::channel.eq(&scope.channel),
                responses::submitted_on.eq(response.submitted_on),
                responses::locale.eq(&response.locale),
                responses::comment.eq(&response.comment),
                responses::respondent.eq(&p.respondent),
                responses::gender.eq(&p.gender),
                responses::age_group.eq(&p.age_group),
                responses::education.eq(&p.education),
                responses::occupation.eq(&p.occupation),
            ))
            .execute(conn)?;
        let rows: Vec<_> = response
            .answers
            .iter()
            .map(|(item, value)| (answers::response_id.eq(&id), answers::item_id.eq(item), answers::value.eq(*value)))
            .collect();
        if !rows.is_empty() {
            on_backend!(conn, |c| diesel::insert_into(answers::table).values(&rows).execute(c))?;
        }
        count_response(conn, scope, response, shard_of(conn, &id))?;
        Ok(SubmitOutcome::Stored)
    })
}

/// Adds one response and its answers to the counters (`response_counts`, `answer_counts`):
/// two upserts, run last in the submit transaction so the counter rows, which every submit of
/// the same scope and day shares, stay locked only until the commit. `shard` spreads those
/// rows (see [`shard_of`]). Rows go in key order, so concurrent submits lock them in the same
/// order and cannot deadlock. Key conventions as in the `answer_counts` migration: no
/// procedure code is `''`, "not applicable" is `0`.
fn count_response(conn: &mut DbConn, scope: &Invitation, response: &NewResponse, shard: i32) -> Result<(), StoreError> {
    use diesel::upsert::excluded;
    let procedure = scope.procedure_code.as_deref().unwrap_or("");
    let day = response.submitted_on;
    on_backend!(conn, |c| {
        diesel::insert_into(response_counts::table)
            .values((
                response_counts::survey_id.eq(&scope.survey_id),
                response_counts::day.eq(day),
                response_counts::survey_version.eq(scope.survey_version),
                response_counts::agency_code.eq(&scope.agency_code),
                response_counts::field.eq(&scope.field),
                response_counts::procedure_code.eq(procedure),
                response_counts::channel.eq(&scope.channel),
                response_counts::shard.eq(shard),
                response_counts::count.eq(1_i64),
            ))
            .on_conflict((
                response_counts::survey_id,
                response_counts::day,
                response_counts::survey_version,
                response_counts::agency_code,
                response_counts::field,
                response_counts::procedure_code,
                response_counts::channel,
                response_counts::shard,
            ))
            .do_update()
            .set(response_counts::count.eq(response_counts::count + excluded(response_counts::count)))
            .execute(c)
    })?;
    let mut keys: Vec<(&str, i32)> =
        response.answers.iter().map(|(item, value)| (item.as_str(), value.unwrap_or(0))).collect();
    if keys.is_empty() {
        return Ok(());
    }
    keys.sort_unstable();
    let rows: Vec<_> = keys
        .iter()
        .map(|(item, value)| {
            (
                answer_counts::survey_id.eq(&scope.survey_id),
                answer_counts::day.eq(day),
                answer_counts::survey_version.eq(scope.survey_version),
                answer_counts::agency_code.eq(&scope.agency_code),
                answer_counts::field.eq(&scope.field),
                answer_counts::procedure_code.eq(procedure),
                answer_counts::channel.eq(&scope.channel),
                answer_counts::item_id.eq(*item),
                answer_counts::value.eq(*value),
                answer_counts::shard.eq(shard),
                answer_counts::count.eq(1_i64),
            )
        })
        .collect();
    on_backend!(conn, |c| {
        diesel::insert_into(answer_counts::table)
            .values(&rows)
            .on_conflict((
                answer_counts::survey_id,
                answer_counts::day,
                answer_counts::survey_version,
                answer_counts::agency_code,
                answer_counts::field,
                answer_counts::procedure_code,
                answer_counts::channel,
                answer_counts::item_id,
                answer_counts::value,
                answer_counts::shard,
            ))
            .do_update()
            .set(answer_counts::count.eq(answer_counts::count + excluded(answer_counts::count)))
            .execute(c)
    })?;
    Ok(())
}

/// Counter rows per key on PostgreSQL (a power of two).
const SHARDS: u32 = 16;

/// Which counter shard a response adds to. On PostgreSQL, many submits of one scope and day
/// run at once, and a single counter row would make them wait for each other's commits (the
/// row lock is held until then). So the response id, random, picks one of [`SHARDS`] rows.
/// Measured with `benches/submit.rs` (raw submit, 32 threads, one scope, fsync off, shared
/// 2 cores): 558 tx/s with one row per key, 1,392 with 16 shards, 1,548 with 256; 3,253
/// without counters at all. SQLite runs one writer at a time, so
/// there is nothing to spread and every count stays in shard 0.
fn shard_of(conn: &DbConn, response_id: &str) -> i32 {
    match conn {
        DbConn::Postgresql(_) => {
            let byte = response_id.get(..2).and_then(|h| u32::from_str_radix(h, 16).ok()).unwrap_or(0);
            i32::try_from(byte % SHARDS).unwrap_or(0)
        }
        DbConn::Sqlite(_) => 0,
    }
}

/// A stored response with its answers (for tests and exports).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub agency_code: String,
    pub field: String,
    pub channel: String,
    pub survey_id: String,
    pub survey_version: i32,
    pub submitted_on: NaiveDate,
    pub comment: Option<String>,
    pub answers: Vec<(String, Option<i32>)>,
}

/// Every response, oldest date first, answers sorted by item id.
pub fn all(conn: &mut DbConn) -> Result<Vec<StoredResponse>, StoreError> {
    type Row = (String, String, String, String, String, i32, NaiveDate, Option<String>);
    let rows: Vec<Row> = responses::table
        .select((
            responses::id,
            responses::agency_code,
            responses::field,
            responses::channel,
            responses::survey_id,
            responses::survey_version,
            responses::submitted_on,
            responses::comment,
        ))
        .order((responses::submitted_on, responses::id))
        .load(conn)?;
    let mut out = Vec::with_capacity(rows.len());
    for (id, agency_code, field, channel, survey_id, survey_version, submitted_on, comment) in rows {
        let answers = answers::table
            .filter(answers::response_id.eq(&id))
            .select((answers::item_id, answers::value))
            .order(answers::item_id)
            .load(conn)?;
        out.push(StoredResponse {
            agency_code,
            field,
            channel,
            survey_id,
            survey_version,
            submitted_on,
            comment,
            answers,
        });
    }
    Ok(out)
}

/// Counts of stored responses and answers (for tests: "nothing partial was stored").
pub fn counts(conn: &mut DbConn) -> Result<(i64, i64), StoreError> {
    let r = responses::table.count().get_result(conn)?;
    let a = answers::table.count().get_result(conn)?;
    Ok((r, a))
}
