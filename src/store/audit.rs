//! The audit log (PRODUCT §5): who viewed comments or exported data, when, and what scope.
//! Rows are only ever added; nothing here updates or deletes them.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::StoreError;
use crate::db::schema::audit_log;
use crate::db::DbConn;

/// `action` of a staff view of comments.
pub const VIEW_COMMENTS: &str = "view_comments";
/// `action` of an export of responses or indices.
pub const EXPORT: &str = "export";

/// The `actor` of a request made with an API key (a staff member is their username).
pub fn api_key_actor(key_id: &str) -> String {
    format!("api-key:{key_id}")
}

/// An entry to record; its id and time are set by [`record`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditEntry {
    /// A username, or [`api_key_actor`] of the key.
    pub actor: String,
    /// What was done: [`VIEW_COMMENTS`], [`EXPORT`], …
    pub action: String,
    /// The scope as compact text: agencies, period and filters.
    pub target: String,
    /// Anything else worth keeping, e.g. how many rows were shown.
    pub detail: Option<String>,
}

/// A recorded entry.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct AuditEntry {
    pub id: String,
    /// UTC.
    pub at: NaiveDateTime,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub detail: Option<String>,
}

/// Records `entry` now (UTC). Run it inside the transaction of the read it records, so that
/// the read fails when the entry cannot be written.
pub fn record(conn: &mut DbConn, entry: &NewAuditEntry) -> Result<(), StoreError> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::id.eq(super::new_id()),
            audit_log::at.eq(super::now()),
            audit_log::actor.eq(&entry.actor),
            audit_log::action.eq(&entry.action),
            audit_log::target.eq(&entry.target),
            audit_log::detail.eq(&entry.detail),
        ))
        .execute(conn)?;
    Ok(())
}

/// The latest `limit` entries, newest first (entries of the same instant by id, so the order
/// is stable). A negative `limit` gives none.
pub fn recent(conn: &mut DbConn, limit: i64) -> Result<Vec<AuditEntry>, StoreError> {
    Ok(audit_log::table
        .select(AuditEntry::as_select())
        .order((audit_log::at.desc(), audit_log::id))
        .limit(limit.max(0))
        .load(conn)?)
}
