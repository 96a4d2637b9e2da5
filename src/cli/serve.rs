//! `tessera serve`

use super::exit::CliError;
use crate::app::AppState;
use crate::config::Loaded;
use crate::storage::{StorageError, migrations, users};
use std::time::Duration;

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on, such as 0.0.0.0:8080 (overrides config).
    #[arg(long, value_name = "ADDR")]
    pub bind: Option<String>,
    /// Public base URL (overrides config).
    #[arg(long, value_name = "URL")]
    pub issuer: Option<String>,
}

/// How long start-up waits for a database that is not reachable yet.
const DATABASE_WAIT: Duration = Duration::from_secs(30);

/// Migrates, then serves until SIGTERM or SIGINT.
pub fn run(loaded: Loaded) -> Result<(), CliError> {
    let started = std::time::Instant::now();
    let config = loaded.config;
    if let Some(file) = &loaded.file {
        tracing::info!(file = %file.display(), "configuration read");
    }
    let state = super::build_state(config)?;
    migrate_when_reachable(&state)?;
    let created = state
        .keys
        .ensure(&state.db, crate::clock::Clock::now(state.clock.as_ref()))
        .map_err(|e| CliError::Failed(format!("signing keys: {e}")))?;
    for kid in created {
        tracing::info!(%kid, "signing key created");
    }
    let listener = std::net::TcpListener::bind(&state.config.bind)
        .map_err(|e| CliError::Failed(format!("cannot listen on {}: {e}", state.config.bind)))?;
    let local = listener
        .local_addr()
        .map_err(|e| CliError::Failed(e.to_string()))?;
    let runtime = actix_web::rt::System::new();
    runtime.block_on(async move {
        let server = crate::server::serve(state.clone(), listener)
            .map_err(|e| CliError::Failed(e.to_string()))?;
        actix_web::rt::spawn(crate::server::sweep_forever(
            state.clone(),
            Duration::from_secs(600),
        ));
        announce(&state, local, started).await;
        server.await.map_err(|e| CliError::Failed(e.to_string()))
    })?;
    tracing::info!("stopped");
    Ok(())
}

fn migrate_when_reachable(state: &AppState) -> Result<(), CliError> {
    let deadline = std::time::Instant::now() + DATABASE_WAIT;
    loop {
        match migrations::run_pending(&state.db) {
            Ok(applied) => {
                for version in applied {
                    tracing::info!(%version, "migration applied");
                }
                return Ok(());
            }
            Err(StorageError::Unavailable(reason)) if std::time::Instant::now() < deadline => {
                tracing::warn!(%reason, "database not reachable yet; retrying");
                std::thread::sleep(Duration::from_secs(1));
            }
            Err(error) => return Err(error.into()),
        }
    }
}

async fn announce(state: &AppState, local: std::net::SocketAddr, started: std::time::Instant) {
    let config = &state.config;
    tracing::info!(
        issuer = %config.issuer,
        listening = %local,
        database = state.db.backend_name(),
        mode = if config.is_development() { "development" } else { "production" },
        ready_ms = started.elapsed().as_millis() as u64,
        "Tessera is ready"
    );
    eprintln!("Tessera listening on http://{local}");
    if !config.is_development() {
        return;
    }
    let count = state.db.run(users::count).await.unwrap_or(0);
    let issuer = config.issuer.trim_end_matches('/');
    eprintln!();
    eprintln!("  Tessera is running at {issuer}");
    eprintln!(
        "  Development mode: mail is written to {} and shown at {issuer}/dev/mail",
        config.data_dir.join("mail").display()
    );
    if count == 0 {
        eprintln!("  No users yet: create an account at {issuer}/sign-up, or run");
        eprintln!("    tessera user create --email you@example.com --password-stdin --verified");
    }
    eprintln!();
}
