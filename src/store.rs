//! Storage: diesel queries grouped by aggregate. Synchronous functions taking a
//! `&mut DbConn`; callers in async code go through [`crate::db::Db::run`]. No actix here.

pub mod agencies;
pub mod aggregates;
pub mod api_keys;
pub mod audit;
pub mod bulk;
pub mod comments;
pub mod export_rows;
pub mod exports;
pub mod index_counts;
pub mod invitations;
pub mod outbox;
pub mod privacy;
pub mod responses;
pub mod sessions;
pub mod sql;
pub mod surveys;
pub mod users;

use crate::db::DbError;

/// Errors of the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("database query failed: {0}")]
    Query(#[from] diesel::result::Error),
    /// A rule of the data was broken; the message says which (shown to the operator).
    #[error("{0}")]
    Rejected(String),
}

impl StoreError {
    /// Whether the database itself is unreachable, so the caller should answer 503.
    pub fn is_unavailable(&self) -> bool {
        match self {
            StoreError::Db(DbError::Unavailable(_)) => true,
            StoreError::Db(DbError::Query(e)) | StoreError::Query(e) => crate::db::is_connection_lost(e),
            _ => false,
        }
    }
}

/// Runs the same diesel query on whichever backend the connection is: for statements
/// that diesel's `MultiBackend` cannot express (batch inserts, `ON CONFLICT`).
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConn::Postgresql($c) => $body,
            $crate::db::DbConn::Sqlite($c) => $body,
        }
    };
}
pub(crate) use on_backend;

/// The current time in UTC, without a zone (both backends store naive UTC timestamps).
pub fn now() -> chrono::NaiveDateTime {
    crate::clock::now_naive()
}

/// A fresh random id (UUID v4, hyphenated), stored as text on both backends.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}
