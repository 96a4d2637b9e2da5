//! Databases for tests: a SQLite file in a temporary directory, or a new PostgreSQL database that is
//! dropped when the test ends.

use diesel::prelude::*;
use diesel::{Connection, PgConnection};
use std::sync::OnceLock;

/// Where PostgreSQL is; `TESSERA_TEST_POSTGRES_URL` overrides (a URL to a database the tests can
/// use to create and drop others).
pub fn postgres_admin_url() -> String {
    std::env::var("TESSERA_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string())
}

/// A storage backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// Whether tests can run on this backend; panics when PostgreSQL is required but unreachable.
    pub fn available(self) -> bool {
        match self {
            Backend::Sqlite => true,
            Backend::Postgres => {
                static REACHABLE: OnceLock<bool> = OnceLock::new();
                let reachable = *REACHABLE
                    .get_or_init(|| PgConnection::establish(&postgres_admin_url()).is_ok());
                if reachable {
                    return true;
                }
                if std::env::var_os("TESSERA_REQUIRE_POSTGRES").is_some() {
                    panic!(
                        "PostgreSQL is required (TESSERA_REQUIRE_POSTGRES) but {} is unreachable",
                        postgres_admin_url()
                    );
                }
                eprintln!(
                    "\n!!! SKIPPING a PostgreSQL test: {} is unreachable. Set TESSERA_REQUIRE_POSTGRES=1 to fail instead. !!!\n",
                    postgres_admin_url()
                );
                false
            }
        }
    }
}

/// A database for one test.
pub struct TestDb {
    pub backend: Backend,
    url: String,
    pg_name: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// A fresh, empty database.
    pub fn new(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = dir.path().join("tessera.db").display().to_string();
                Self {
                    backend,
                    url,
                    pg_name: None,
                    _dir: Some(dir),
                }
            }
            Backend::Postgres => {
                let name = format!("tessera_test_{}", uuid::Uuid::now_v7().simple());
                let mut admin =
                    PgConnection::establish(&postgres_admin_url()).expect("connect to PostgreSQL");
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut admin)
                    .expect("create database");
                let base = postgres_admin_url();
                let url = match base.rsplit_once('/') {
                    Some((server, _)) => format!("{server}/{name}"),
                    None => format!("{base}/{name}"),
                };
                Self {
                    backend,
                    url,
                    pg_name: Some(name),
                    _dir: None,
                }
            }
        }
    }

    /// The `database_url` for Tessera.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(name) = &self.pg_name
            && let Ok(mut admin) = PgConnection::establish(&postgres_admin_url())
        {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut admin);
        }
    }
}
