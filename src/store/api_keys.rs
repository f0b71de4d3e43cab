//! API keys for machine clients. A key is shown once at creation; only its SHA-256 is
//! stored (keys carry 256 random bits, so a slow password hash would add nothing).

use diesel::prelude::*;

use super::StoreError;
use crate::db::schema::api_keys;
use crate::db::DbConn;
use crate::domain::token::{random_secret, sha256_hex};

/// What a key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Mint invitations (the dossier system).
    Invitations,
    /// Read indices and exports.
    Read,
}

impl Scope {
    pub fn code(self) -> &'static str {
        match self {
            Scope::Invitations => "invitations",
            Scope::Read => "read",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        match s {
            "invitations" => Some(Scope::Invitations),
            "read" => Some(Scope::Read),
            _ => None,
        }
    }
}

/// A stored, active key.
#[derive(Debug, Clone)]
pub struct ApiKey {
    pub id: String,
    pub name: String,
    pub scope: Scope,
    /// When set, the key only acts on this agency's subtree.
    pub agency_code: Option<String>,
}

/// Prefix that makes keys recognisable in logs and secret scanners.
const PREFIX: &str = "sipas_";

fn hash_key(key: &str) -> String {
    sha256_hex(key)
}

/// Creates a key and returns it in clear text together with its id.
pub fn create(
    conn: &mut DbConn,
    name: &str,
    scope: Scope,
    agency_code: Option<&str>,
) -> Result<(String, String), StoreError> {
    let secret = random_secret().map_err(|e| StoreError::Rejected(format!("no randomness available: {e}")))?;
    let key = format!("{PREFIX}{secret}");
    let id = super::new_id();
    diesel::insert_into(api_keys::table)
        .values((
            api_keys::id.eq(&id),
            api_keys::name.eq(name),
            api_keys::key_hash.eq(hash_key(&key)),
            api_keys::scope.eq(scope.code()),
            api_keys::agency_code.eq(agency_code),
            api_keys::created_at.eq(super::now()),
        ))
        .execute(conn)?;
    Ok((id, key))
}

/// The active key matching `key`, if any.
pub fn authenticate(conn: &mut DbConn, key: &str) -> Result<Option<ApiKey>, StoreError> {
    if !key.starts_with(PREFIX) || key.len() > 128 {
        return Ok(None);
    }
    let row: Option<(String, String, String, Option<String>)> = api_keys::table
        .filter(api_keys::key_hash.eq(hash_key(key)).and(api_keys::revoked_at.is_null()))
        .select((api_keys::id, api_keys::name, api_keys::scope, api_keys::agency_code))
        .first(conn)
        .optional()?;
    Ok(row.and_then(|(id, name, scope, agency_code)| {
        Some(ApiKey { id, name, scope: Scope::parse(&scope)?, agency_code })
    }))
}

/// Revokes a key by id; returns whether one was active.
pub fn revoke(conn: &mut DbConn, id: &str) -> Result<bool, StoreError> {
    let n = diesel::update(api_keys::table.find(id).filter(api_keys::revoked_at.is_null()))
        .set(api_keys::revoked_at.eq(super::now()))
        .execute(conn)?;
    Ok(n == 1)
}
