//! Embedded migrations: twin folders, one per backend, with the same migration names.

use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use super::{DbConn, DbError};

const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");
const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// Applies every pending migration; returns how many ran.
pub fn run_pending(conn: &mut DbConn) -> Result<usize, DbError> {
    let applied = match conn {
        DbConn::Postgresql(c) => c.run_pending_migrations(POSTGRES).map(|v| v.len()),
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE).map(|v| v.len()),
    };
    applied.map_err(|e| DbError::Migration(e.to_string()))
}

/// Reverts every applied migration (tests and `sipas migrate --revert-all`).
pub fn revert_all(conn: &mut DbConn) -> Result<usize, DbError> {
    let reverted = match conn {
        DbConn::Postgresql(c) => c.revert_all_migrations(POSTGRES).map(|v| v.len()),
        DbConn::Sqlite(c) => c.revert_all_migrations(SQLITE).map(|v| v.len()),
    };
    reverted.map_err(|e| DbError::Migration(e.to_string()))
}

/// Reverts the newest applied migration (tests of a data conversion, and operators rolling
/// one release back).
pub fn revert_last(conn: &mut DbConn) -> Result<(), DbError> {
    let reverted = match conn {
        DbConn::Postgresql(c) => c.revert_last_migration(POSTGRES).map(|_| ()),
        DbConn::Sqlite(c) => c.revert_last_migration(SQLITE).map(|_| ()),
    };
    reverted.map_err(|e| DbError::Migration(e.to_string()))
}
