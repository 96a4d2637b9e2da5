//! Migrations, embedded in the binary: `migrations/sqlite` and `migrations/postgres`.

use super::{Db, DbConnection, StorageError, StorageResult};
use diesel::RunQueryDsl;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// An arbitrary, fixed key for the PostgreSQL advisory lock held while migrating.
const MIGRATION_LOCK: i64 = 7_465_737_365;

fn pending<C: MigrationHarness<B>, B: diesel::backend::Backend>(
    conn: &mut C,
    source: EmbeddedMigrations,
) -> StorageResult<Vec<String>> {
    conn.run_pending_migrations(source)
        .map(|applied| applied.into_iter().map(|v| v.to_string()).collect())
        .map_err(|e| StorageError::Query(format!("migration failed: {e}")))
}

/// Applies every pending migration; returns the versions applied.
pub fn run_pending(db: &Db) -> StorageResult<Vec<String>> {
    db.run_blocking(|conn| match conn {
        DbConnection::Sqlite(c) => pending(c, SQLITE),
        DbConnection::Pg(c) => {
            // Two servers starting at once must not both migrate: hold a session lock.
            diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK})")).execute(c)?;
            let result = pending(c, POSTGRES);
            diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})")).execute(c)?;
            result
        }
    })
}
