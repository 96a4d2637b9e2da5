//! Account operations: what the hosted pages and the CLI do to users and sessions, composed from
//! `domain` rules, `storage` and `crypto`. No HTTP types here: the web edge and the CLI map
//! [`AccountError`] to a page or an exit code.

pub mod admin;
pub mod apps;
pub mod cleanup;
pub mod device_cookie;
pub mod directory;
pub mod email_verification;
pub mod links;
pub mod password_change;
pub mod password_reset;
pub mod profile;
pub mod sessions;
pub mod sign_in;
pub mod sign_up;

use crate::crypto::HashError;
use crate::domain::FieldError;
use crate::storage::StorageError;

/// Why an account operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// An input was rejected; the message is for the person who typed it.
    #[error(transparent)]
    Invalid(#[from] FieldError),
    /// A unique value (email, username) belongs to another account.
    #[error("{0}")]
    Conflict(FieldError),
    /// The link is unknown, used or expired.
    #[error("this link is invalid or has expired")]
    LinkInvalid,
    /// The user (named by the CLI or a session) does not exist.
    #[error("no such user")]
    NotFound,
    /// Too much work queued; answer 503 with `Retry-After`.
    #[error("the server is busy")]
    Overloaded,
    /// The database cannot be reached; answer 503.
    #[error("the database is unavailable")]
    Unavailable,
    /// Anything else; logged, shown as a generic error.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StorageError> for AccountError {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::Unavailable(reason) => {
                tracing::warn!(%reason, "database unavailable");
                AccountError::Unavailable
            }
            StorageError::NotFound => AccountError::NotFound,
            StorageError::Conflict { field } => AccountError::Conflict(FieldError::new(
                field,
                match field {
                    "username" => "That username is taken.",
                    "email" => "That email address belongs to another account.",
                    _ => "That value is already in use.",
                },
            )),
            StorageError::Query(reason) => AccountError::Internal(reason),
        }
    }
}

impl From<HashError> for AccountError {
    fn from(error: HashError) -> Self {
        match error {
            HashError::Overloaded => AccountError::Overloaded,
            HashError::Unavailable => AccountError::Unavailable,
            HashError::Failed(reason) => AccountError::Internal(reason),
        }
    }
}

/// Where a request came from, for session records and throttling.
#[derive(Debug, Clone)]
pub struct ClientInfo {
    pub ip: std::net::IpAddr,
    pub user_agent: Option<String>,
}

impl ClientInfo {
    /// The user agent cut to a length worth storing.
    pub fn short_user_agent(&self) -> Option<String> {
        self.user_agent
            .as_deref()
            .map(|ua| ua.chars().filter(|c| !c.is_control()).take(256).collect())
    }
}

/// Counts one message to `email` against its hourly budget; false when the budget is spent.
pub(crate) async fn mail_budget_allows(
    state: &crate::app::AppState,
    email: &crate::domain::EmailAddress,
) -> Result<bool, AccountError> {
    budget_allows(state, crate::domain::mail_budget::MAIL, email.as_str()).await
}

/// Counts one use by `subject` against `budget`; false when the budget is spent.
pub async fn budget_allows(
    state: &crate::app::AppState,
    budget: crate::domain::budget::Budget,
    subject: &str,
) -> Result<bool, AccountError> {
    let key = budget.key(subject);
    let now = state.clock.now();
    let counter = state
        .db
        .run(move |conn| {
            crate::storage::throttle_counters::update(conn, &key, |c| budget.after_use(c, now))
        })
        .await?;
    Ok(budget.allows(&counter))
}
