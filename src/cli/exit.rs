//! Exit codes. Scripts can rely on these:
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | unexpected error |
//! | 2 | bad command line (unknown flag, missing argument) |
//! | 3 | not found (no such user) |
//! | 4 | conflict (email or username taken) |
//! | 5 | invalid input (bad email, weak password, malformed JSON...) |
//! | 6 | database unavailable |
//! | 7 | configuration error |

use crate::accounts::AccountError;
use crate::config::ConfigError;
use crate::domain::FieldError;

/// The process exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    Success = 0,
    Failure = 1,
    Usage = 2,
    NotFound = 3,
    Conflict = 4,
    Invalid = 5,
    Unavailable = 6,
    Config = 7,
}

impl From<ExitCode> for std::process::ExitCode {
    fn from(code: ExitCode) -> Self {
        std::process::ExitCode::from(code as u8)
    }
}

/// A failed command.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Config(ConfigError),
    #[error("{0}")]
    Invalid(FieldError),
    /// The change clashes with what exists (the message says what).
    #[error("{0}")]
    Conflict(String),
    #[error("no {what} matches {key:?}")]
    NotFound { what: &'static str, key: String },
    #[error("the database is unavailable")]
    Unavailable,
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Failed(String),
}

impl CliError {
    /// The exit code of this error.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            CliError::Config(_) => ExitCode::Config,
            CliError::Invalid(_) => ExitCode::Invalid,
            CliError::Conflict(_) => ExitCode::Conflict,
            CliError::NotFound { .. } => ExitCode::NotFound,
            CliError::Unavailable => ExitCode::Unavailable,
            CliError::Usage(_) => ExitCode::Usage,
            CliError::Failed(_) => ExitCode::Failure,
        }
    }

    /// The stable machine-readable code in `--json` errors.
    pub fn code(&self) -> &'static str {
        match self {
            CliError::Config(_) => "config",
            CliError::Invalid(_) => "invalid",
            CliError::Conflict(_) => "conflict",
            CliError::NotFound { .. } => "not_found",
            CliError::Unavailable => "unavailable",
            CliError::Usage(_) => "usage",
            CliError::Failed(_) => "failed",
        }
    }

    /// Maps an account error for a command that named `reference`.
    pub fn from_account(error: AccountError, reference: &str) -> Self {
        match error {
            AccountError::Conflict(field)
                if field.field == "email" || field.field == "username" =>
            {
                CliError::Conflict(format!(
                    "{} is already used by another account",
                    field.field
                ))
            }
            AccountError::Conflict(field) => CliError::Conflict(field.to_string()),
            AccountError::Invalid(field) => CliError::Invalid(field),
            AccountError::NotFound => CliError::NotFound {
                what: "user",
                key: reference.to_string(),
            },
            AccountError::Unavailable => CliError::Unavailable,
            AccountError::LinkInvalid => CliError::Failed(error.to_string()),
            AccountError::Overloaded | AccountError::Internal(_) => {
                CliError::Failed(error.to_string())
            }
        }
    }
}

impl From<crate::storage::StorageError> for CliError {
    fn from(error: crate::storage::StorageError) -> Self {
        match error {
            crate::storage::StorageError::Unavailable(reason) => {
                tracing::error!(%reason, "database unavailable");
                CliError::Unavailable
            }
            other => CliError::Failed(other.to_string()),
        }
    }
}
