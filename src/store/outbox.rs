//! The e-mail outbox: mails queued in the transaction of their event, claimed by a sender under
//! a lease, then settled as sent, failed or cancelled. Citizens' addresses stay on their
//! invitation and are erased once none of its mails is pending.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::{on_backend, StoreError};
use crate::db::schema::{agencies, invitations, mail_optouts, outbox, users};
use crate::db::DbConn;
use crate::email::Kind;

pub const QUEUED: &str = "queued";
pub const SENDING: &str = "sending";
pub const SENT: &str = "sent";
pub const FAILED: &str = "failed";
pub const CANCELLED: &str = "cancelled";
pub const STATES: [&str; 5] = [QUEUED, SENDING, SENT, FAILED, CANCELLED];

/// A mail to queue.
#[derive(Debug, Clone)]
pub struct NewMail {
    pub kind: Kind,
    pub user_id: Option<String>,
    pub invitation_id: Option<String>,
    pub recipient: Option<String>,
    pub payload: String,
    pub dedupe_key: Option<String>,
    pub not_before: NaiveDateTime,
    pub created_at: NaiveDateTime,
}

/// A stored mail.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = outbox)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Mail {
    pub id: String,
    pub kind: String,
    pub user_id: Option<String>,
    pub invitation_id: Option<String>,
    pub recipient: Option<String>,
    pub payload: String,
    pub dedupe_key: Option<String>,
    pub state: String,
    pub attempts: i32,
    pub not_before: NaiveDateTime,
    pub worker: Option<String>,
    pub lease_until: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub smtp_reply: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
}

/// Queues a mail unless one with the same `dedupe_key` exists; returns whether it was queued.
pub fn enqueue(conn: &mut DbConn, mail: &NewMail) -> Result<bool, StoreError> {
    let id = super::new_id();
    let row = (
        outbox::id.eq(&id),
        outbox::kind.eq(mail.kind.code()),
        outbox::user_id.eq(&mail.user_id),
        outbox::invitation_id.eq(&mail.invitation_id),
        outbox::recipient.eq(&mail.recipient),
        outbox::payload.eq(&mail.payload),
        outbox::dedupe_key.eq(&mail.dedupe_key),
        outbox::state.eq(QUEUED),
        outbox::attempts.eq(0),
        outbox::not_before.eq(mail.not_before),
        outbox::created_at.eq(mail.created_at),
        outbox::updated_at.eq(mail.created_at),
    );
    let n = on_backend!(conn, |c| diesel::insert_into(outbox::table).values(row).on_conflict_do_nothing().execute(c))?;
    Ok(n == 1)
}

pub fn get(conn: &mut DbConn, id: &str) -> Result<Option<Mail>, StoreError> {
    Ok(outbox::table.find(id).select(Mail::as_select()).first(conn).optional()?)
}

macro_rules! claimable {
    ($now:expr) => {
        outbox::state
            .eq(QUEUED)
            .and(outbox::not_before.le($now))
            .or(outbox::state.eq(SENDING).and(outbox::lease_until.assume_not_null().lt($now)))
    };
}

/// Takes the next due mail of one of `kinds` for `worker` until `now + lease`: the oldest queued
/// one, or one whose sender died (its lease ran out). `None` when nothing is due.
pub fn claim_next(
    conn: &mut DbConn,
    worker: &str,
    now: NaiveDateTime,
    lease: Duration,
    kinds: &[&str],
) -> Result<Option<Mail>, StoreError> {
    for _ in 0..16 {
        let candidate: Option<(String, i32)> = outbox::table
            .filter(claimable!(now))
            .filter(outbox::kind.eq_any(kinds))
            .order((outbox::not_before, outbox::id))
            .select((outbox::id, outbox::attempts))
            .first(conn)
            .optional()?;
        let Some((id, attempts)) = candidate else { return Ok(None) };
        // Conditional on the mail still being due: of two senders, one wins.
        let won = diesel::update(outbox::table.filter(outbox::id.eq(&id)).filter(claimable!(now)))
            .set((
                outbox::state.eq(SENDING),
                outbox::worker.eq(worker),
                outbox::lease_until.eq(now + lease),
                outbox::attempts.eq(attempts + 1),
                outbox::updated_at.eq(now),
            ))
            .execute(conn)?;
        if won == 1 {
            return get(conn, &id);
        }
    }
    Ok(None)
}

/// The mail as claimed by `worker` (a sender that lost its lease must not settle it).
macro_rules! held_by {
    ($id:expr, $worker:expr) => {
        outbox::table.filter(outbox::id.eq($id)).filter(outbox::worker.eq($worker)).filter(outbox::state.eq(SENDING))
    };
}

/// Records that the SMTP server accepted the mail. `false` when the row was no longer this
/// worker's: another sender took it over after the lease (the caller logs it).
pub fn mark_sent(
    conn: &mut DbConn,
    id: &str,
    worker: &str,
    reply: &str,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    conn.transaction(|conn| {
        let n = diesel::update(held_by!(id, worker))
            .set((
                outbox::state.eq(SENT),
                outbox::smtp_reply.eq(reply),
                outbox::last_error.eq(None::<String>),
                outbox::sent_at.eq(now),
                outbox::updated_at.eq(now),
                outbox::worker.eq(None::<String>),
                outbox::lease_until.eq(None::<NaiveDateTime>),
            ))
            .execute(conn)?;
        settle_citizen(conn, id)?;
        Ok(n == 1)
    })
}

/// Puts the mail back in the queue until `not_before`, with the reason of this try.
pub fn retry_later(
    conn: &mut DbConn,
    id: &str,
    worker: &str,
    error: &str,
    not_before: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    let n = diesel::update(held_by!(id, worker))
        .set((
            outbox::state.eq(QUEUED),
            outbox::last_error.eq(error),
            outbox::not_before.eq(not_before),
            outbox::updated_at.eq(now),
            outbox::worker.eq(None::<String>),
            outbox::lease_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Puts the mail back without counting the try (the sender is stopping, or the mail must wait
/// for another one, as a reminder for its invitation).
pub fn release(conn: &mut DbConn, id: &str, worker: &str, not_before: NaiveDateTime) -> Result<bool, StoreError> {
    let n = diesel::update(held_by!(id, worker))
        .set((
            outbox::state.eq(QUEUED),
            outbox::attempts.eq(outbox::attempts - 1),
            outbox::not_before.eq(not_before),
            outbox::worker.eq(None::<String>),
            outbox::lease_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Ends a claimed mail as `failed` (the server refused it, or it kept failing) or `cancelled`
/// (nothing to send any more: the survey was answered, the recipient unsubscribed …).
pub fn finish(
    conn: &mut DbConn,
    id: &str,
    worker: &str,
    state: &str,
    reason: &str,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    conn.transaction(|conn| {
        let n = diesel::update(held_by!(id, worker))
            .set((
                outbox::state.eq(state),
                outbox::last_error.eq(reason),
                outbox::updated_at.eq(now),
                outbox::worker.eq(None::<String>),
                outbox::lease_until.eq(None::<NaiveDateTime>),
            ))
            .execute(conn)?;
        if n == 1 {
            cancel_reminder_after_failure(conn, id, now)?;
            settle_citizen(conn, id)?;
        }
        Ok(n == 1)
    })
}

/// An invitation mail that could not be delivered takes its reminder with it: the same
/// address would only fail again.
fn cancel_reminder_after_failure(conn: &mut DbConn, id: &str, now: NaiveDateTime) -> Result<(), StoreError> {
    let row: Option<(String, String, Option<String>)> =
        outbox::table.find(id).select((outbox::kind, outbox::state, outbox::invitation_id)).first(conn).optional()?;
    if let Some((kind, state, Some(invitation))) = row {
        if kind == Kind::Invitation.code() && state == FAILED {
            diesel::update(
                outbox::table
                    .filter(outbox::invitation_id.eq(&invitation))
                    .filter(outbox::kind.eq(Kind::Reminder.code()))
                    .filter(outbox::state.eq(QUEUED)),
            )
            .set((
                outbox::state.eq(CANCELLED),
                outbox::last_error.eq("the invitation mail could not be delivered"),
                outbox::updated_at.eq(now),
            ))
            .execute(conn)?;
        }
    }
    Ok(())
}

/// Erases the citizen's address from the invitation of mail `id` once none of its mails is
/// queued or being sent any more: it was only ever kept for them.
fn settle_citizen(conn: &mut DbConn, id: &str) -> Result<(), StoreError> {
    let invitation: Option<Option<String>> =
        outbox::table.find(id).select(outbox::invitation_id).first(conn).optional()?;
    let Some(Some(invitation)) = invitation else { return Ok(()) };
    let pending: i64 = outbox::table
        .filter(outbox::invitation_id.eq(&invitation))
        .filter(outbox::state.eq_any([QUEUED, SENDING]))
        .count()
        .get_result(conn)?;
    if pending == 0 {
        diesel::update(invitations::table.find(&invitation))
            .set(invitations::email.eq(None::<String>))
            .execute(conn)?;
    }
    Ok(())
}

/// Erases every citizen address that no queued or sending mail needs any more, returning how
/// many. Normally an address goes when its last mail settles; this catches the rest (addresses
/// given while e-mail was off, mails cancelled by hand, an invitation answered meanwhile).
pub fn erase_unneeded_addresses(conn: &mut DbConn) -> Result<usize, StoreError> {
    let pending = outbox::table
        .filter(outbox::invitation_id.eq(invitations::id.nullable()))
        .filter(outbox::state.eq_any([QUEUED, SENDING]))
        .select(outbox::id);
    let ids: Vec<String> = invitations::table
        .filter(invitations::email.is_not_null())
        .filter(diesel::dsl::not(diesel::dsl::exists(pending)))
        .select(invitations::id)
        .limit(10_000)
        .load(conn)?;
    if ids.is_empty() {
        return Ok(0);
    }
    Ok(diesel::update(invitations::table.filter(invitations::id.eq_any(&ids)))
        .set(invitations::email.eq(None::<String>))
        .execute(conn)?)
}

/// The citizen mail's invitation: its scope, agency names, address (if not erased yet), state.
#[derive(Debug, Clone)]
pub struct InvitationForMail {
    pub invitation: super::invitations::Invitation,
    pub email: Option<String>,
    pub agency_vi: String,
    pub agency_en: String,
}

pub fn invitation_for_mail(conn: &mut DbConn, invitation_id: &str) -> Result<Option<InvitationForMail>, StoreError> {
    let row: Option<(super::invitations::Invitation, Option<String>, String, String)> = invitations::table
        .inner_join(agencies::table)
        .filter(invitations::id.eq(invitation_id))
        .select((super::invitations::Invitation::as_select(), invitations::email, agencies::name_vi, agencies::name_en))
        .first(conn)
        .optional()?;
    Ok(row.map(|(invitation, email, agency_vi, agency_en)| InvitationForMail {
        invitation,
        email,
        agency_vi,
        agency_en,
    }))
}

/// The state of another mail of the same invitation (a reminder waits for its invitation mail).
pub fn state_of(conn: &mut DbConn, invitation_id: &str, kind: Kind) -> Result<Option<String>, StoreError> {
    Ok(outbox::table
        .filter(outbox::invitation_id.eq(invitation_id))
        .filter(outbox::kind.eq(kind.code()))
        .select(outbox::state)
        .first(conn)
        .optional()?)
}

// Staff recipients ---------------------------------------------------------------------------

/// A staff account that receives mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub user_id: String,
    pub username: String,
    pub email: String,
}

/// Whether `user_id` may receive `kind` now: enabled, with an address, not opted out.
pub fn recipient(conn: &mut DbConn, user_id: &str, kind: Kind) -> Result<Option<Recipient>, StoreError> {
    let row: Option<(String, String, Option<String>, bool)> = users::table
        .find(user_id)
        .select((users::id, users::username, users::email, users::disabled))
        .first(conn)
        .optional()?;
    let Some((user_id, username, Some(email), false)) = row else { return Ok(None) };
    if opted_out(conn, &user_id, kind)? {
        return Ok(None);
    }
    Ok(Some(Recipient { user_id, username, email }))
}

fn opted_out(conn: &mut DbConn, user_id: &str, kind: Kind) -> Result<bool, StoreError> {
    let n: i64 = mail_optouts::table
        .filter(mail_optouts::user_id.eq(user_id))
        .filter(mail_optouts::kind.eq(kind.code()))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// The managers of `agency` (enabled, with an address, in any state of opt-out).
fn managers_of(conn: &mut DbConn, agency: &str) -> Result<Vec<Recipient>, StoreError> {
    let rows: Vec<(String, String, Option<String>)> = users::table
        .filter(users::role.eq(crate::auth::Role::AgencyManager.code()))
        .filter(users::agency_code.eq(agency))
        .filter(users::disabled.eq(false))
        .filter(users::email.is_not_null())
        .order(users::username)
        .select((users::id, users::username, users::email))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(user_id, username, email)| email.map(|email| Recipient { user_id, username, email }))
        .collect())
}

/// Who gets `kind` about `agency`: its own managers, or with `escalate` those of the nearest
/// agency above it that has any (a unit without a manager of its own is its parent's
/// business). Managers who turned `kind` off are left out, but still stop the escalation.
pub fn managers_for(conn: &mut DbConn, agency: &str, kind: Kind, escalate: bool) -> Result<Vec<Recipient>, StoreError> {
    let mut current = Some(agency.to_owned());
    for _ in 0..32 {
        let Some(code) = current else { break };
        let found = managers_of(conn, &code)?;
        if !found.is_empty() {
            let mut out = Vec::with_capacity(found.len());
            for r in found {
                if !opted_out(conn, &r.user_id, kind)? {
                    out.push(r);
                }
            }
            return Ok(out);
        }
        if !escalate {
            break;
        }
        current = agencies::table.find(&code).select(agencies::parent_code).first(conn).optional()?.flatten();
    }
    Ok(Vec::new())
}

/// The agencies that have at least one manager with an address.
pub fn agencies_with_managers(conn: &mut DbConn) -> Result<Vec<String>, StoreError> {
    let rows: Vec<Option<String>> = users::table
        .filter(users::role.eq(crate::auth::Role::AgencyManager.code()))
        .filter(users::disabled.eq(false))
        .filter(users::email.is_not_null())
        .select(users::agency_code)
        .distinct()
        .load(conn)?;
    let mut codes: Vec<String> = rows.into_iter().flatten().collect();
    codes.sort();
    Ok(codes)
}

/// The kinds `user_id` turned off.
pub fn optouts(conn: &mut DbConn, user_id: &str) -> Result<Vec<Kind>, StoreError> {
    let codes: Vec<String> =
        mail_optouts::table.filter(mail_optouts::user_id.eq(user_id)).select(mail_optouts::kind).load(conn)?;
    Ok(codes.iter().filter_map(|c| Kind::parse(c)).collect())
}

/// Turns `kind` on or off for `user_id`; returns whether anything changed. Turning a kind off
/// also cancels the account's queued mails of that kind.
pub fn set_optout(
    conn: &mut DbConn,
    user_id: &str,
    kind: Kind,
    off: bool,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    conn.transaction(|conn| {
        if off {
            let n = on_backend!(conn, |c| diesel::insert_into(mail_optouts::table)
                .values((
                    mail_optouts::user_id.eq(user_id),
                    mail_optouts::kind.eq(kind.code()),
                    mail_optouts::created_at.eq(now),
                ))
                .on_conflict_do_nothing()
                .execute(c))?;
            diesel::update(
                outbox::table
                    .filter(outbox::user_id.eq(user_id))
                    .filter(outbox::kind.eq(kind.code()))
                    .filter(outbox::state.eq(QUEUED)),
            )
            .set((outbox::state.eq(CANCELLED), outbox::last_error.eq("unsubscribed"), outbox::updated_at.eq(now)))
            .execute(conn)?;
            Ok(n == 1)
        } else {
            let n = diesel::delete(
                mail_optouts::table
                    .filter(mail_optouts::user_id.eq(user_id))
                    .filter(mail_optouts::kind.eq(kind.code())),
            )
            .execute(conn)?;
            Ok(n == 1)
        }
    })
}

/// Queues `kind` for every recipient in `to`, one row each, with `dedupe` (if any) suffixed by
/// the user id. Returns how many were queued.
pub fn enqueue_for(
    conn: &mut DbConn,
    to: &[Recipient],
    kind: Kind,
    payload: &str,
    dedupe: Option<&str>,
    not_before: NaiveDateTime,
    created_at: NaiveDateTime,
) -> Result<usize, StoreError> {
    let mut queued = 0;
    for r in to {
        let mail = NewMail {
            kind,
            user_id: Some(r.user_id.clone()),
            invitation_id: None,
            recipient: Some(r.email.clone()),
            payload: payload.to_owned(),
            dedupe_key: dedupe.map(|d| format!("{d}:{}", r.user_id)),
            not_before,
            created_at,
        };
        queued += usize::from(enqueue(conn, &mail)?);
    }
    Ok(queued)
}

/// Queues `kind` for the account named `username` if it may receive it (an export's owner is
/// a username, or an API key that gets no mail). Returns how many were queued (0 or 1).
pub fn enqueue_for_username(
    conn: &mut DbConn,
    username: &str,
    kind: Kind,
    payload: &str,
    dedupe: &str,
    now: NaiveDateTime,
) -> Result<usize, StoreError> {
    let id: Option<String> =
        users::table.filter(users::username.eq(username)).select(users::id).first(conn).optional()?;
    let Some(id) = id else { return Ok(0) };
    let Some(to) = recipient(conn, &id, kind)? else { return Ok(0) };
    enqueue_for(conn, &[to], kind, payload, Some(dedupe), now, now)
}

/// Queues a citizen's invitation mail now and, with `reminder_at`, its one reminder.
pub fn enqueue_citizen(
    conn: &mut DbConn,
    invitation_id: &str,
    now: NaiveDateTime,
    reminder_at: Option<NaiveDateTime>,
) -> Result<(), StoreError> {
    let mail = |kind: Kind, not_before| NewMail {
        kind,
        user_id: None,
        invitation_id: Some(invitation_id.to_owned()),
        recipient: None,
        payload: "{}".into(),
        dedupe_key: Some(format!("{kind}:{invitation_id}")),
        not_before,
        created_at: now,
    };
    enqueue(conn, &mail(Kind::Invitation, now))?;
    if let Some(at) = reminder_at {
        enqueue(conn, &mail(Kind::Reminder, at))?;
    }
    Ok(())
}

// The admin view -----------------------------------------------------------------------------

/// Mails per kind and state.
pub fn counts(conn: &mut DbConn) -> Result<Vec<(String, String, i64)>, StoreError> {
    Ok(outbox::table
        .group_by((outbox::kind, outbox::state))
        .select((outbox::kind, outbox::state, diesel::dsl::count_star()))
        .order((outbox::kind, outbox::state))
        .load(conn)?)
}

/// The latest mails in `state`, newest first.
pub fn latest(conn: &mut DbConn, state: &str, limit: i64) -> Result<Vec<Mail>, StoreError> {
    Ok(outbox::table
        .filter(outbox::state.eq(state))
        .order((outbox::updated_at.desc(), outbox::id))
        .limit(limit.max(0))
        .select(Mail::as_select())
        .load(conn)?)
}

/// Queues a failed or cancelled mail again, with fresh tries. `false` when it is not in one of
/// those states.
pub fn requeue(conn: &mut DbConn, id: &str, now: NaiveDateTime) -> Result<bool, StoreError> {
    let n = diesel::update(outbox::table.filter(outbox::id.eq(id)).filter(outbox::state.eq_any([FAILED, CANCELLED])))
        .set((outbox::state.eq(QUEUED), outbox::attempts.eq(0), outbox::not_before.eq(now), outbox::updated_at.eq(now)))
        .execute(conn)?;
    Ok(n == 1)
}

/// Cancels a queued (or failed) mail. `false` when it is being sent or already ended.
pub fn cancel(conn: &mut DbConn, id: &str, reason: &str, now: NaiveDateTime) -> Result<bool, StoreError> {
    conn.transaction(|conn| {
        let n = diesel::update(outbox::table.filter(outbox::id.eq(id)).filter(outbox::state.eq_any([QUEUED, FAILED])))
            .set((outbox::state.eq(CANCELLED), outbox::last_error.eq(reason), outbox::updated_at.eq(now)))
            .execute(conn)?;
        if n == 1 {
            settle_citizen(conn, id)?;
        }
        Ok(n == 1)
    })
}
