//! The database: PostgreSQL or SQLite behind one diesel `MultiConnection`, an r2d2 pool,
//! the embedded migrations of both backends, and the schema.
//!
//! Queries live in [`crate::store`]; this module only knows how to connect and migrate.

mod conn;
mod migrate;
pub mod schema;

pub use conn::{is_connection_lost, redact, Backend, Db, DbConn, DbError, DbTarget, PoolConn, PoolOptions};
pub use migrate::{revert_all, revert_last, run_pending};
