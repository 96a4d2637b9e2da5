//! Connections: one enum over both backends, a pool, and the bridge to the blocking thread pool.

use super::{StorageError, StorageResult};
use crate::config::{DatabaseConfig, DatabaseTarget};
use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::r2d2::R2D2Connection;
use diesel::sqlite::SqliteConnection;
use std::time::Duration;

/// A connection to whichever database is configured. Queries written against it compile once for
/// both backends; code that needs backend-specific SQL matches on the variant.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

impl DbConnection {
    /// Opens a connection of the right kind for `target`, never guessing from the URL's shape.
    pub fn open(target: &DatabaseTarget, sqlite_busy_timeout_ms: u32) -> StorageResult<Self> {
        match target {
            DatabaseTarget::Postgres(url) => PgConnection::establish(url)
                .map(DbConnection::Pg)
                .map_err(|e| StorageError::Unavailable(e.to_string())),
            DatabaseTarget::Sqlite(path) => {
                let path = path.to_string_lossy();
                let mut conn = SqliteConnection::establish(&path)
                    .map_err(|e| StorageError::Unavailable(e.to_string()))?;
                // WAL lets readers run beside the writer; foreign keys are off by default in
                // SQLite; the busy timeout makes writers wait for each other instead of failing.
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {sqlite_busy_timeout_ms};\
                     PRAGMA journal_mode = WAL;\
                     PRAGMA synchronous = NORMAL;\
                     PRAGMA foreign_keys = ON;"
                ))?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }

    /// `"sqlite"` or `"postgres"`, for logs and metrics.
    pub fn backend_name(&self) -> &'static str {
        match self {
            DbConnection::Pg(_) => "postgres",
            DbConnection::Sqlite(_) => "sqlite",
        }
    }
}

/// Makes pooled connections for one target.
#[derive(Debug, Clone)]
struct Manager {
    target: DatabaseTarget,
    busy_timeout_ms: u32,
}

impl diesel::r2d2::ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = StorageError;

    fn connect(&self) -> Result<DbConnection, StorageError> {
        DbConnection::open(&self.target, self.busy_timeout_ms)
    }

    /// Checked at every checkout. A PostgreSQL connection can die while idle (server restart,
    /// network), so it is pinged; a SQLite connection is a file handle that cannot, and a ping
    /// would only cost a statement per request.
    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), StorageError> {
        match conn {
            DbConnection::Sqlite(_) => Ok(()),
            DbConnection::Pg(_) => conn.ping().map_err(StorageError::from),
        }
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        conn.is_broken()
    }
}

/// The connection pool; cheap to clone.
#[derive(Clone)]
pub struct Db {
    pool: diesel::r2d2::Pool<Manager>,
    target: DatabaseTarget,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("backend", &self.backend_name())
            .finish()
    }
}

impl Db {
    /// Builds the pool. Connections are opened lazily, so a database that is down at this moment
    /// does not stop the caller; the first query reports it.
    pub fn new(target: DatabaseTarget, config: &DatabaseConfig) -> StorageResult<Self> {
        if let DatabaseTarget::Sqlite(path) = &target
            && let Some(parent) = path.parent()
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent)
                .map_err(|e| StorageError::Unavailable(format!("{}: {e}", parent.display())))?;
        }
        if let DatabaseTarget::Sqlite(path) = &target {
            create_private_file(path)
                .map_err(|e| StorageError::Unavailable(format!("{}: {e}", path.display())))?;
        }
        let manager = Manager {
            target: target.clone(),
            busy_timeout_ms: config.sqlite_busy_timeout_ms,
        };
        let pool = diesel::r2d2::Pool::builder()
            .max_size(config.pool_size)
            .min_idle(Some(0))
            .connection_timeout(Duration::from_secs(config.connect_timeout_seconds.max(1)))
            .test_on_check_out(true)
            .error_handler(Box::new(LogPoolErrors))
            .build_unchecked(manager);
        Ok(Self { pool, target })
    }

    /// `"sqlite"` or `"postgres"`.
    pub fn backend_name(&self) -> &'static str {
        match self.target {
            DatabaseTarget::Postgres(_) => "postgres",
            DatabaseTarget::Sqlite(_) => "sqlite",
        }
    }

    /// Runs storage work on a pooled connection, here and now; for the CLI and start-up.
    pub fn run_blocking<T>(
        &self,
        work: impl FnOnce(&mut DbConnection) -> StorageResult<T>,
    ) -> StorageResult<T> {
        let mut conn = self
            .pool
            .get()
            .map_err(|e| StorageError::Unavailable(e.to_string()))?;
        work(&mut conn)
    }

    /// Runs storage work on the blocking thread pool, so an HTTP worker never waits on the database.
    pub async fn run<T, F>(&self, work: F) -> StorageResult<T>
    where
        F: FnOnce(&mut DbConnection) -> StorageResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || db.run_blocking(work))
            .await
            .map_err(|e| StorageError::Query(format!("storage task failed: {e}")))?
    }
}

#[derive(Debug)]
struct LogPoolErrors;

impl diesel::r2d2::HandleError<StorageError> for LogPoolErrors {
    fn handle_error(&self, error: StorageError) {
        tracing::warn!(%error, "database connection failed");
    }
}

/// Creates an empty database file readable only by its owner (it holds password hashes); SQLite
/// gives its `-wal` and `-shm` files the same permissions. An existing file is left as it is.
fn create_private_file(path: &std::path::Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}
