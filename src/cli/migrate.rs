//! `tessera migrate`

use super::exit::CliError;
use crate::clock::SystemClock;
use crate::config::Config;
use std::sync::Arc;

/// Applies pending migrations and says which.
pub fn run(config: Config) -> Result<(), CliError> {
    let state = crate::app::AppState::build(config, Arc::new(SystemClock))
        .map_err(|e| CliError::Failed(e.to_string()))?;
    let applied = crate::storage::migrations::run_pending(&state.db)?;
    if applied.is_empty() {
        println!("database is up to date ({})", state.db.backend_name());
    } else {
        for version in applied {
            println!("applied {version}");
        }
    }
    Ok(())
}
