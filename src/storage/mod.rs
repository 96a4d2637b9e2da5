//! Storage: the only place with SQL. One diesel schema serves SQLite (the embedded default) and
//! PostgreSQL; each has its own migrations folder with the same changes numbered alike.
//!
//! Handlers never touch a connection directly: [`Db::run`] takes a pooled connection on the
//! blocking thread pool, so database work never blocks an HTTP worker, and maps every failure to a
//! [`StorageError`]. A database that is down gives [`StorageError::Unavailable`] (503 at the edge)
//! and the pool reconnects by itself once it is back.

pub mod api_keys;
pub mod audit_events;
pub mod clients;
pub mod connection;
pub mod consents;
pub mod domains;
pub mod grants;
pub mod invitations;
pub mod migrations;
pub mod one_time_tokens;
pub mod organizations;
pub mod saml_apps;
pub mod saml_connections;
pub mod saml_keys;
pub mod saml_sign_ins;
pub mod schema;
pub mod scim_group_roles;
pub mod scim_groups;
pub mod scim_query;
pub mod scim_tokens;
pub mod scim_users;
pub mod sessions;
pub mod signing_keys;
pub mod throttle_counters;
pub mod users;
pub mod webhooks;

pub use connection::{Db, DbConnection};

diesel::define_sql_function! {
    /// SQL `lower()`, so searches ignore case the same way on SQLite and PostgreSQL.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

diesel::define_sql_function! {
    /// SQL `lower()` of a nullable column.
    #[sql_name = "lower"]
    fn lower_nullable(
        x: diesel::sql_types::Nullable<diesel::sql_types::Text>,
    ) -> diesel::sql_types::Nullable<diesel::sql_types::Text>;
}

/// What can go wrong in storage, in the terms callers act on.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The database cannot be reached or a connection could not be had in time.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A unique constraint refused the write; `field` names what clashed (`email`, `username`).
    #[error("{field} already exists")]
    Conflict { field: &'static str },
    /// The row asked for does not exist.
    #[error("not found")]
    NotFound,
    /// Any other database error.
    #[error("database error: {0}")]
    Query(String),
}

impl From<diesel::result::Error> for StorageError {
    fn from(error: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match error {
            Error::NotFound => StorageError::NotFound,
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                let text = format!(
                    "{} {}",
                    info.message(),
                    info.constraint_name().unwrap_or("")
                );
                let field = if text.contains("username") {
                    "username"
                } else if text.contains("email") {
                    "email"
                } else {
                    "value"
                };
                StorageError::Conflict { field }
            }
            Error::DatabaseError(DatabaseErrorKind::ClosedConnection, info) => {
                StorageError::Unavailable(info.message().to_string())
            }
            Error::DatabaseError(DatabaseErrorKind::UnableToSendCommand, info) => {
                StorageError::Unavailable(info.message().to_string())
            }
            other => {
                let text = other.to_string();
                if looks_like_lost_connection(&text) {
                    StorageError::Unavailable(text)
                } else {
                    StorageError::Query(text)
                }
            }
        }
    }
}

fn looks_like_lost_connection(text: &str) -> bool {
    let text = text.to_ascii_lowercase();
    [
        "server closed the connection",
        "connection refused",
        "terminating connection",
        "no connection to the server",
        "could not connect",
        "connection reset",
        "broken pipe",
        "database is locked",
    ]
    .iter()
    .any(|needle| text.contains(needle))
}

/// `text` with the LIKE wildcards (`%`, `_`) and the escape character (`\`) escaped, for a
/// pattern used with `.escape('\\')`.
pub fn like_escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A result of storage work.
pub type StorageResult<T> = Result<T, StorageError>;

/// Runs `work` in a write transaction: `BEGIN IMMEDIATE` on SQLite, so that a read followed by a
/// write cannot fail to upgrade its lock when another connection writes meanwhile (the busy
/// timeout then applies); an ordinary transaction on PostgreSQL.
pub fn write_transaction<T, E, F>(conn: &mut DbConnection, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    use diesel::Connection;
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    match conn {
        DbConnection::Pg(_) => conn.transaction(work),
        DbConnection::Sqlite(inner) => {
            let depth = <AnsiTransactionManager as TransactionManager<diesel::SqliteConnection>>::transaction_manager_status_mut(inner)
                .transaction_depth();
            if !matches!(depth, Ok(None)) {
                // Already inside a transaction: nest as a savepoint.
                return conn.transaction(work);
            }
            AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")?;
            let result = work(conn);
            let DbConnection::Sqlite(inner) = conn else {
                return result;
            };
            match result {
                Ok(value) => {
                    <AnsiTransactionManager as TransactionManager<diesel::SqliteConnection>>::commit_transaction(inner)?;
                    Ok(value)
                }
                Err(error) => {
                    <AnsiTransactionManager as TransactionManager<diesel::SqliteConnection>>::rollback_transaction(inner)?;
                    Err(error)
                }
            }
        }
    }
}
