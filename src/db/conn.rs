//! Connecting: backend chosen from the URL, a custom r2d2 manager, per-connection set-up.

use std::path::PathBuf;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::r2d2::{ManageConnection, Pool, PooledConnection, R2D2Connection};
use diesel::{Connection, ConnectionError, PgConnection, SqliteConnection};

/// One connection to whichever backend the URL named.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

/// Which database engine a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

/// Errors of this layer. `Unavailable` means "try again later" (HTTP 503).
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("invalid DATABASE_URL `{url}`: {reason}")]
    InvalidUrl { url: String, reason: String },
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("database migration failed: {0}")]
    Migration(String),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
}

/// A parsed `DATABASE_URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbTarget {
    Postgres(String),
    /// A file path, or `:memory:`.
    Sqlite(PathBuf),
}

impl DbTarget {
    /// Chooses the backend from the URL's scheme. Accepted: `postgres://…`,
    /// `postgresql://…`, `sqlite://PATH`, `sqlite:PATH`, or a plain file path.
    /// Anything else is refused, so a typo never becomes a new SQLite file.
    pub fn parse(url: &str) -> Result<DbTarget, DbError> {
        let invalid = |reason: &str| DbError::InvalidUrl { url: redact(url), reason: reason.to_owned() };
        let url = url.trim();
        if url.is_empty() {
            return Err(invalid("it is empty"));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DbTarget::Postgres(url.to_owned()));
        }
        if let Some(rest) = url.strip_prefix("sqlite:") {
            let path = rest.strip_prefix("//").unwrap_or(rest);
            if path.is_empty() {
                return Err(invalid("no SQLite file path after `sqlite:`"));
            }
            return Ok(DbTarget::Sqlite(PathBuf::from(path)));
        }
        if let Some((scheme, _)) = url.split_once(':') {
            let looks_like_scheme =
                !scheme.is_empty() && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
            if looks_like_scheme {
                let hint = match scheme.to_ascii_lowercase().as_str() {
                    "postgres" | "postgresql" => "a PostgreSQL URL must start with `postgres://`",
                    _ => "supported are `postgres://…`, `sqlite://PATH` or a plain file path",
                };
                return Err(invalid(hint));
            }
        }
        Ok(DbTarget::Sqlite(PathBuf::from(url)))
    }

    pub fn backend(&self) -> Backend {
        match self {
            DbTarget::Postgres(_) => Backend::Postgres,
            DbTarget::Sqlite(_) => Backend::Sqlite,
        }
    }
}

/// Hides a password in a URL before it reaches a log or an error message.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let userinfo = &url[s + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Why a pooled connection could not be made or used.
#[derive(Debug, thiserror::Error)]
pub enum ConnError {
    #[error(transparent)]
    Connect(#[from] ConnectionError),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
}

/// An r2d2 manager that connects to exactly the backend the URL named (diesel's own
/// manager tries each backend in turn and hides the real error).
pub struct Manager {
    target: DbTarget,
}

/// A pooled connection that remembers it failed, so the pool replaces it. (diesel only
/// notices broken transactions; a server that went away is found by a ping after an
/// error, which keeps the usual path free of a ping per checkout.)
pub struct PoolConn {
    conn: DbConn,
    broken: bool,
}

impl std::ops::Deref for PoolConn {
    type Target = DbConn;
    fn deref(&self) -> &DbConn {
        &self.conn
    }
}

impl std::ops::DerefMut for PoolConn {
    fn deref_mut(&mut self) -> &mut DbConn {
        &mut self.conn
    }
}

impl PoolConn {
    /// After a failed operation: marks the connection for replacement if it is dead.
    fn check_after_error(&mut self) {
        if self.conn.ping().is_err() {
            self.broken = true;
        }
    }
}

impl ManageConnection for Manager {
    type Connection = PoolConn;
    type Error = ConnError;

    fn connect(&self) -> Result<PoolConn, ConnError> {
        let conn = self.open()?;
        Ok(PoolConn { conn, broken: false })
    }

    fn is_valid(&self, conn: &mut PoolConn) -> Result<(), ConnError> {
        Ok(conn.conn.ping()?)
    }

    fn has_broken(&self, conn: &mut PoolConn) -> bool {
        conn.broken || std::thread::panicking() || conn.conn.is_broken()
    }
}

impl Manager {
    fn open(&self) -> Result<DbConn, ConnError> {
        match &self.target {
            DbTarget::Postgres(url) => Ok(DbConn::Postgresql(PgConnection::establish(url)?)),
            DbTarget::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(&path.to_string_lossy())?;
                // WAL lets readers run beside the single writer; busy_timeout makes writers
                // queue instead of failing; FULL keeps every accepted response on disk;
                // secure_delete zeroes what is deleted or overwritten (an erased e-mail address,
                // a converted dossier code) instead of leaving it in the file's free space.
                conn.batch_execute(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                     PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON;",
                )?;
                Ok(DbConn::Sqlite(conn))
            }
        }
    }
}

/// Pool sizing and time-outs.
#[derive(Debug, Clone)]
pub struct PoolOptions {
    pub max_size: u32,
    /// How long a request waits for a connection before it gets a 503.
    pub checkout_timeout: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        PoolOptions { max_size: 16, checkout_timeout: Duration::from_secs(3) }
    }
}

/// A cheap-to-clone handle to the pool.
#[derive(Clone)]
pub struct Db {
    pool: Pool<Manager>,
    backend: Backend,
    /// SQLite takes one writer at a time; queueing writers here, instead of letting them
    /// sleep in SQLite's busy handler, keeps write latency even under load.
    writer: Option<std::sync::Arc<std::sync::Mutex<()>>>,
}

impl Db {
    /// Builds the pool without connecting yet, so a server can start (and report
    /// "not ready") while the database is still down.
    pub fn new(url: &str, options: &PoolOptions) -> Result<Db, DbError> {
        let target = DbTarget::parse(url)?;
        if let DbTarget::Sqlite(path) = &target {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| DbError::InvalidUrl {
                    url: url.to_owned(),
                    reason: format!("cannot create directory {}: {e}", dir.display()),
                })?;
            }
        }
        let backend = target.backend();
        let max_size = match &target {
            // An in-memory database exists once per connection: keep exactly one.
            DbTarget::Sqlite(p) if p.as_os_str() == ":memory:" => 1,
            _ => options.max_size.max(1),
        };
        let pool = Pool::builder()
            .max_size(max_size)
            .min_idle(Some(0))
            .connection_timeout(options.checkout_timeout)
            // A dead connection is found after an error (see `PoolConn`), not by a ping
            // before every use: that ping was a fifth of the database round trips.
            .test_on_check_out(false)
            .build_unchecked(Manager { target });
        let writer = (backend == Backend::Sqlite).then(Default::default);
        Ok(Db { pool, backend, writer })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A connection for synchronous callers (CLI commands, start-up).
    pub fn get(&self) -> Result<PooledConnection<Manager>, DbError> {
        self.pool.get().map_err(|e| DbError::Unavailable(e.to_string()))
    }

    /// Runs blocking database work on tokio's blocking threads, off the async workers.
    pub async fn run<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        self.run_inner(None, f).await
    }

    /// Like [`Db::run`] for work that writes: on SQLite, one writer at a time.
    pub async fn run_write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        self.run_inner(self.writer.clone(), f).await
    }

    /// Runs `f` on this thread, for synchronous callers already off the async workers (the
    /// export worker); `write` takes SQLite's writer turn as [`Db::run_write`] does.
    pub fn run_blocking<T, E, F>(&self, write: bool, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E>,
        E: From<DbError>,
    {
        let writer = if write { self.writer.as_ref() } else { None };
        // A poisoned lock only means another writer panicked; the database is fine.
        let _turn = writer.map(|w| w.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
        let mut conn = self.pool.get().map_err(|e| E::from(DbError::Unavailable(e.to_string())))?;
        let result = f(&mut conn);
        if result.is_err() {
            conn.check_after_error();
        }
        result
    }

    async fn run_inner<T, E, F>(&self, writer: Option<std::sync::Arc<std::sync::Mutex<()>>>, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let db = Db { pool: self.pool.clone(), backend: self.backend, writer };
        let joined = tokio::task::spawn_blocking(move || db.run_blocking(true, f)).await;
        match joined {
            Ok(result) => result,
            Err(e) => Err(E::from(DbError::Unavailable(format!("database task failed: {e}")))),
        }
    }
}

/// Whether a query error means the server is gone rather than the query being wrong.
pub fn is_connection_lost(e: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    matches!(
        e,
        Error::DatabaseError(DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand, _)
            | Error::BrokenTransactionManager
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_from_scheme() {
        assert_eq!(DbTarget::parse("postgres://u@h/db").unwrap().backend(), Backend::Postgres);
        assert_eq!(DbTarget::parse("postgresql://u@h/db").unwrap().backend(), Backend::Postgres);
        assert_eq!(DbTarget::parse("sqlite://data/x.db").unwrap(), DbTarget::Sqlite("data/x.db".into()));
        assert_eq!(DbTarget::parse("sqlite:x.db").unwrap(), DbTarget::Sqlite("x.db".into()));
        assert_eq!(DbTarget::parse("sqlite:///tmp/x.db").unwrap(), DbTarget::Sqlite("/tmp/x.db".into()));
        assert_eq!(DbTarget::parse("data/sipas.db").unwrap(), DbTarget::Sqlite("data/sipas.db".into()));
    }

    #[test]
    fn bad_urls_are_refused_not_created() {
        for bad in ["", "postgres:x", "mysql://root@localhost/db", "sqlite:", "http://x"] {
            let err = DbTarget::parse(bad).unwrap_err();
            assert!(matches!(err, DbError::InvalidUrl { .. }), "{bad}: {err}");
        }
        let msg = DbTarget::parse("postgres:x").unwrap_err().to_string();
        assert!(msg.contains("must start with `postgres://`"), "{msg}");
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
    }
}
