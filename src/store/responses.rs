//! Responses: the one write a citizen makes. Stored with the invitation's scope and the
//! date only; nothing in a response, nor anything written in its transaction, points back to
//! its invitation or token.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::invitations::Invitation;
use super::{on_backend, StoreError};
use crate::db::schema::{answers, responses, used_tokens};
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

impl NewResponse {
    /// The rows to store for answers validated against their survey, given on `submitted_on`.
    pub fn from_valid(valid: crate::surveys::ValidAnswers, locale: &str, submitted_on: NaiveDate) -> NewResponse {
        let p = valid.profile;
        NewResponse {
            submitted_on,
            locale: locale.to_owned(),
            comment: valid.comment,
            profile: ProfileColumns {
                respondent: p.respondent,
                gender: p.gender,
                age_group: p.age_group,
                education: p.education,
                occupation: p.occupation,
            },
            answers: valid.answers.into_iter().map(|a| (a.item_id, a.value)).collect(),
        }
    }
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

/// The mail side of a submit, when e-mail is on.
#[derive(Debug, Clone)]
pub struct SubmitMail {
    /// A low rating with a comment: the alert's payload, queued for the agency's managers (or
    /// the nearest ones above it), held until `not_before` and dated `created_at` (a day start).
    pub alert: Option<(String, NaiveDateTime, NaiveDateTime)>,
}

/// What became of a submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubmitOutcome {
    Stored,
    AlreadyAnswered,
    Expired,
}

/// Stores a response for `invitation` (found by its token hash just before) in one
/// transaction. The link's `used_tag` is inserted first under its primary key, so of two
/// simultaneous submits exactly one stores and the other sees `AlreadyAnswered`; a failure
/// leaves nothing behind. The transaction writes nothing that names the invitation: not its
/// row (on PostgreSQL an update would share the response's `xmin`), not its mails. The reminder
/// and the address erasure learn of the answer at send time ([`super::invitations::is_answered`]).
/// The scope copied into the response comes from `invitation`, whose scope columns never
/// change. The counters are not touched: the response is stored unfolded and
/// [`super::aggregates::fold_pending`] counts it later, off the request path. With `mail`, a
/// low-rating alert for the agency's managers is queued in the same transaction.
pub fn submit(
    conn: &mut DbConn,
    used_tag: &str,
    invitation: &Invitation,
    now: NaiveDateTime,
    response: &NewResponse,
    mail: Option<&SubmitMail>,
) -> Result<SubmitOutcome, StoreError> {
    if now >= invitation.expires_at {
        return Ok(SubmitOutcome::Expired);
    }
    conn.transaction(|conn| {
        let claimed = on_backend!(conn, |c| diesel::insert_into(used_tokens::table)
            .values(used_tokens::tag.eq(used_tag))
            .on_conflict_do_nothing()
            .execute(c))?;
        if claimed == 0 {
            return Ok(SubmitOutcome::AlreadyAnswered);
        }
        let id = super::new_id();
        let p = &response.profile;
        diesel::insert_into(responses::table)
            .values((
                responses::id.eq(&id),
                responses::survey_id.eq(&invitation.survey_id),
                responses::survey_version.eq(invitation.survey_version),
                responses::agency_code.eq(&invitation.agency_code),
                responses::field.eq(&invitation.field),
                responses::procedure_code.eq(&invitation.procedure_code),
                responses::channel.eq(&invitation.channel),
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
        if let Some((payload, not_before, created_at)) = mail.and_then(|m| m.alert.as_ref()) {
            use crate::email::Kind;
            let to = super::outbox::managers_for(conn, &invitation.agency_code, Kind::CommentAlert, true)?;
            super::outbox::enqueue_for(conn, &to, Kind::CommentAlert, payload, None, *not_before, *created_at)?;
        }
        Ok(SubmitOutcome::Stored)
    })
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

/// Whether any response is stored (cheap on a large table: stops at the first row).
pub fn any(conn: &mut DbConn) -> Result<bool, StoreError> {
    Ok(diesel::select(diesel::dsl::exists(responses::table.select(responses::id))).get_result(conn)?)
}
