//! Invitations: minted once per agency + dossier (kept as a keyed hash), looked up by token
//! hash. Answering one never changes its row: the submit leaves a used tag elsewhere
//! (`used_tokens`), and [`is_answered`] asks for it.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::aggregates::totals::CellKey;
use super::{on_backend, StoreError};
use crate::db::schema::{invitations, used_tokens};
use crate::db::DbConn;

/// An invitation to insert. The caller draws `id` and derives `token_hash` from it.
#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = invitations)]
pub struct NewInvitation {
    pub id: String,
    pub token_hash: String,
    pub agency_code: String,
    pub dossier_hash: String,
    pub field: String,
    pub procedure_code: Option<String>,
    pub channel: String,
    pub handled_on: NaiveDate,
    pub survey_id: String,
    pub survey_version: i32,
    pub locale: String,
    pub email: Option<String>,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

/// The scope a dossier system reports with an invitation request.
#[derive(Debug, Clone)]
pub struct DossierScope {
    pub agency_code: String,
    pub dossier_code: String,
    pub field: String,
    pub procedure_code: Option<String>,
    pub channel: String,
    pub handled_on: NaiveDate,
}

impl NewInvitation {
    /// Draws a fresh id and derives the token hash from it with `secret`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        secret: &[u8],
        scope: DossierScope,
        survey: (&str, i32),
        locale: &str,
        email: Option<String>,
        now: NaiveDateTime,
        ttl_days: u32,
    ) -> NewInvitation {
        NewInvitation::with_id(super::new_id(), secret, scope, survey, locale, email, now, ttl_days)
    }

    /// Like [`NewInvitation::new`] with a given id (the synthetic-data generator draws its
    /// ids from a seeded generator, so that a seed always gives the same data).
    #[allow(clippy::too_many_arguments)]
    pub fn with_id(
        id: String,
        secret: &[u8],
        scope: DossierScope,
        survey: (&str, i32),
        locale: &str,
        email: Option<String>,
        now: NaiveDateTime,
        ttl_days: u32,
    ) -> NewInvitation {
        NewInvitation {
            token_hash: crate::domain::InvitationToken::derive(secret, &id).hash().0,
            id,
            agency_code: scope.agency_code,
            dossier_hash: crate::domain::token::dossier_hash(secret, &scope.dossier_code),
            field: scope.field,
            procedure_code: scope.procedure_code,
            channel: scope.channel,
            handled_on: scope.handled_on,
            survey_id: survey.0.to_owned(),
            survey_version: survey.1,
            locale: locale.to_owned(),
            email,
            created_at: now,
            expires_at: now + chrono::Duration::days(i64::from(ttl_days)),
        }
    }
}

/// A stored invitation.
#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = invitations, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Invitation {
    pub id: String,
    pub agency_code: String,
    pub field: String,
    pub procedure_code: Option<String>,
    pub channel: String,
    pub handled_on: NaiveDate,
    pub survey_id: String,
    pub survey_version: i32,
    pub locale: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

/// Where an invitation stands for a citizen at time `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationState {
    Open,
    Answered,
    Expired,
}

impl Invitation {
    /// `answered` comes from [`is_answered`] (or the lookup that asked it alongside).
    pub fn state(&self, now: NaiveDateTime, answered: bool) -> InvitationState {
        if answered {
            InvitationState::Answered
        } else if now >= self.expires_at {
            InvitationState::Expired
        } else {
            InvitationState::Open
        }
    }
}

/// When e-mail is on: the citizen's invitation mail goes at once, the reminder at `reminder_at`.
#[derive(Debug, Clone, Copy)]
pub struct MailPlan {
    pub reminder_at: Option<NaiveDateTime>,
}

/// Inserts the invitation unless one exists for the same agency and dossier; returns the
/// stored one and whether it was created now. Safe under concurrent calls.
/// A new invitation is counted in the invitation counters (the response-rate denominator) in
/// the same transaction, and with `mail` and an address its mails are queued there too.
pub fn create_or_get(
    conn: &mut DbConn,
    new: &NewInvitation,
    mail: Option<MailPlan>,
) -> Result<(Invitation, bool), StoreError> {
    conn.transaction(|conn| {
        let inserted = on_backend!(conn, |c| diesel::insert_into(invitations::table)
            .values(new)
            .on_conflict((invitations::agency_code, invitations::dossier_hash))
            .do_nothing()
            .execute(c))?;
        if inserted == 1 {
            super::aggregates::totals::add_invitation(
                conn,
                CellKey {
                    survey_id: new.survey_id.clone(),
                    date: new.handled_on,
                    survey_version: new.survey_version,
                    agency_code: new.agency_code.clone(),
                    field: new.field.clone(),
                    channel: new.channel.clone(),
                },
            )?;
            if let (Some(plan), Some(_)) = (mail, &new.email) {
                super::outbox::enqueue_citizen(conn, &new.id, new.created_at, plan.reminder_at)?;
            }
        }
        let stored = invitations::table
            .filter(invitations::agency_code.eq(&new.agency_code).and(invitations::dossier_hash.eq(&new.dossier_hash)))
            .select(Invitation::as_select())
            .first(conn)?;
        Ok((stored, inserted == 1))
    })
}

/// The invitation whose token hashes to `token_hash`.
pub fn find_by_token_hash(conn: &mut DbConn, token_hash: &str) -> Result<Option<Invitation>, StoreError> {
    Ok(invitations::table
        .filter(invitations::token_hash.eq(token_hash))
        .select(Invitation::as_select())
        .first(conn)
        .optional()?)
}

/// The invitation whose token hashes to `token_hash`, with its agency's names (vi, en) and
/// whether the link's `used_tag` is recorded, in one query: this is on every citizen request.
pub fn find_with_agency(
    conn: &mut DbConn,
    token_hash: &str,
    used_tag: &str,
) -> Result<Option<(Invitation, String, String, bool)>, StoreError> {
    use crate::db::schema::agencies;
    let answered = diesel::dsl::exists(used_tokens::table.filter(used_tokens::tag.eq(used_tag)));
    Ok(invitations::table
        .inner_join(agencies::table)
        .filter(invitations::token_hash.eq(token_hash))
        .select((Invitation::as_select(), agencies::name_vi, agencies::name_en, answered))
        .first(conn)
        .optional()?)
}

/// Whether the link whose [`crate::domain::InvitationToken::used_tag`] is `used_tag` was answered.
pub fn is_answered(conn: &mut DbConn, used_tag: &str) -> Result<bool, StoreError> {
    Ok(diesel::select(diesel::dsl::exists(used_tokens::table.filter(used_tokens::tag.eq(used_tag))))
        .get_result(conn)?)
}

/// The invitation of `agency_code` minted for `dossier_code` (support look-ups: "did this
/// citizen get a link?"), found through the keyed hash of the code.
pub fn find_by_dossier(
    conn: &mut DbConn,
    secret: &[u8],
    agency_code: &str,
    dossier_code: &str,
) -> Result<Option<Invitation>, StoreError> {
    let hash = crate::domain::token::dossier_hash(secret, dossier_code);
    Ok(invitations::table
        .filter(invitations::agency_code.eq(agency_code).and(invitations::dossier_hash.eq(hash)))
        .select(Invitation::as_select())
        .first(conn)
        .optional()?)
}

/// How many invitations exist (used by tests and the demo).
pub fn count(conn: &mut DbConn) -> Result<i64, StoreError> {
    Ok(invitations::table.count().get_result(conn)?)
}
