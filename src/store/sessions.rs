//! Staff sessions, server-side: the cookie carries a random token, only its SHA-256 is
//! stored here, so logout and disabling an account revoke at once.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::users::{from_row, User, UserRow, USER_COLUMNS};
use super::StoreError;
use crate::db::schema::{sessions, users};
use crate::db::DbConn;

/// A live session with its account.
#[derive(Debug, Clone)]
pub struct Session {
    pub id_hash: String,
    pub csrf_token: String,
    pub expires_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub user: User,
}

/// Stores a new session.
pub fn create(
    conn: &mut DbConn,
    id_hash: &str,
    user_id: &str,
    csrf_token: &str,
    expires_at: NaiveDateTime,
) -> Result<(), StoreError> {
    let now = super::now();
    diesel::insert_into(sessions::table)
        .values((
            sessions::id_hash.eq(id_hash),
            sessions::user_id.eq(user_id),
            sessions::csrf_token.eq(csrf_token),
            sessions::created_at.eq(now),
            sessions::expires_at.eq(expires_at),
            sessions::last_seen_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// The session with this token hash and its account, whatever their state (the caller
/// checks expiry and `disabled`).
pub fn find(conn: &mut DbConn, id_hash: &str) -> Result<Option<Session>, StoreError> {
    let row: Option<((String, String, NaiveDateTime, NaiveDateTime), UserRow)> = sessions::table
        .inner_join(users::table)
        .filter(sessions::id_hash.eq(id_hash))
        .select(((sessions::id_hash, sessions::csrf_token, sessions::expires_at, sessions::last_seen_at), USER_COLUMNS))
        .first(conn)
        .optional()?;
    row.map(|((id_hash, csrf_token, expires_at, last_seen_at), user)| {
        Ok(Session { id_hash, csrf_token, expires_at, last_seen_at, user: from_row(user)? })
    })
    .transpose()
}

/// Records activity, which moves the idle deadline.
pub fn touch(conn: &mut DbConn, id_hash: &str, at: NaiveDateTime) -> Result<(), StoreError> {
    diesel::update(sessions::table.find(id_hash)).set(sessions::last_seen_at.eq(at)).execute(conn)?;
    Ok(())
}

/// Ends one session.
pub fn delete(conn: &mut DbConn, id_hash: &str) -> Result<(), StoreError> {
    diesel::delete(sessions::table.find(id_hash)).execute(conn)?;
    Ok(())
}

/// Ends every session of an account.
pub fn delete_for_user(conn: &mut DbConn, user_id: &str) -> Result<usize, StoreError> {
    Ok(diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id))).execute(conn)?)
}

/// Removes sessions past their absolute lifetime or idle since before `idle_since`.
pub fn delete_stale(conn: &mut DbConn, now: NaiveDateTime, idle_since: NaiveDateTime) -> Result<usize, StoreError> {
    Ok(diesel::delete(sessions::table.filter(sessions::expires_at.le(now).or(sessions::last_seen_at.lt(idle_since))))
        .execute(conn)?)
}
