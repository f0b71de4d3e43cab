//! Staff accounts. Usernames are kept lowercase; passwords only as argon2id PHC strings
//! (hashed by the caller, see `auth::password`).

use diesel::prelude::*;

use super::StoreError;
use crate::auth::Role;
use crate::db::schema::{sessions, users};
use crate::db::DbConn;

/// A stored account.
#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    pub username: String,
    pub password_hash: String,
    pub role: Role,
    /// The agency subtree of the agency roles.
    pub agency_code: Option<String>,
    pub disabled: bool,
}

pub(crate) type UserRow = (String, String, String, String, Option<String>, bool);

pub(crate) const USER_COLUMNS: (
    users::id,
    users::username,
    users::password_hash,
    users::role,
    users::agency_code,
    users::disabled,
) = (users::id, users::username, users::password_hash, users::role, users::agency_code, users::disabled);

pub(crate) fn from_row(
    (id, username, password_hash, role, agency_code, disabled): UserRow,
) -> Result<User, StoreError> {
    let role =
        Role::parse(&role).ok_or_else(|| StoreError::Rejected(format!("user {username}: unknown role `{role}`")))?;
    Ok(User { id, username, password_hash, role, agency_code, disabled })
}

/// The canonical form of a username: trimmed and lowercase.
pub fn normalize(username: &str) -> String {
    username.trim().to_lowercase()
}

/// Checks a (normalized) username: 3–64 characters from `a-z 0-9 . _ -`.
pub fn check_username(username: &str) -> Result<(), String> {
    let ok_chars = username.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if (3..=64).contains(&username.len()) && ok_chars {
        Ok(())
    } else {
        Err(format!(
            "--username: `{username}` is not a valid username (3–64 characters: letters a–z, digits, `.`, `_`, `-`)"
        ))
    }
}

/// Creates an account; refuses a taken username. Returns the new id.
pub fn create(
    conn: &mut DbConn,
    username: &str,
    password_hash: &str,
    role: Role,
    agency_code: Option<&str>,
) -> Result<String, StoreError> {
    let username = normalize(username);
    if find_by_username(conn, &username)?.is_some() {
        return Err(StoreError::Rejected(format!("--username: the username `{username}` is already taken")));
    }
    let id = super::new_id();
    let now = super::now();
    diesel::insert_into(users::table)
        .values((
            users::id.eq(&id),
            users::username.eq(&username),
            users::password_hash.eq(password_hash),
            users::role.eq(role.code()),
            users::agency_code.eq(agency_code),
            users::disabled.eq(false),
            users::created_at.eq(now),
            users::password_changed_at.eq(now),
        ))
        .execute(conn)?;
    Ok(id)
}

/// The account with this username (any letter case), if any.
pub fn find_by_username(conn: &mut DbConn, username: &str) -> Result<Option<User>, StoreError> {
    let row: Option<UserRow> =
        users::table.filter(users::username.eq(normalize(username))).select(USER_COLUMNS).first(conn).optional()?;
    row.map(from_row).transpose()
}

/// The account's e-mail address, if it has one.
pub fn email_of(conn: &mut DbConn, user_id: &str) -> Result<Option<String>, StoreError> {
    Ok(users::table.find(user_id).select(users::email).first::<Option<String>>(conn).optional()?.flatten())
}

/// Sets or removes the account's e-mail address (checked by the caller); returns whether the
/// account exists.
pub fn set_email(conn: &mut DbConn, username: &str, email: Option<&str>) -> Result<bool, StoreError> {
    let n = diesel::update(users::table.filter(users::username.eq(normalize(username))))
        .set(users::email.eq(email))
        .execute(conn)?;
    Ok(n == 1)
}

/// Changes the role and agency binding; returns whether the account exists.
pub fn set_role(conn: &mut DbConn, username: &str, role: Role, agency_code: Option<&str>) -> Result<bool, StoreError> {
    let n = diesel::update(users::table.filter(users::username.eq(normalize(username))))
        .set((users::role.eq(role.code()), users::agency_code.eq(agency_code)))
        .execute(conn)?;
    Ok(n == 1)
}

/// Disables an account and ends its sessions at once; returns whether it exists.
pub fn disable(conn: &mut DbConn, username: &str) -> Result<bool, StoreError> {
    let username = normalize(username);
    conn.transaction(|conn| {
        let Some(id) =
            users::table.filter(users::username.eq(&username)).select(users::id).first::<String>(conn).optional()?
        else {
            return Ok(false);
        };
        diesel::update(users::table.find(&id)).set(users::disabled.eq(true)).execute(conn)?;
        diesel::delete(sessions::table.filter(sessions::user_id.eq(&id))).execute(conn)?;
        Ok(true)
    })
}

/// Stores a new password hash, records when it changed and ends every session of the
/// account (the caller starts a fresh one for the browser that asked).
pub fn set_password(conn: &mut DbConn, user_id: &str, password_hash: &str) -> Result<(), StoreError> {
    conn.transaction(|conn| {
        diesel::update(users::table.find(user_id))
            .set((users::password_hash.eq(password_hash), users::password_changed_at.eq(super::now())))
            .execute(conn)?;
        diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id))).execute(conn)?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert_eq!(normalize("  Nguyen.An "), "nguyen.an");
        assert!(check_username("nguyen.an").is_ok());
        assert!(check_username("an").is_err());
        assert!(check_username("nguyễn").unwrap_err().contains("--username"));
    }
}
