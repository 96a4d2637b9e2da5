//! `tessera migrate`

use super::exit::CliError;
use crate::config::Config;

/// Applies pending migrations and says which.
pub fn run(config: Config) -> Result<(), CliError> {
    let state = super::build_state(config)?;
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
