//! `tessera serve`

use super::exit::CliError;
use crate::app::AppState;
use crate::config::Loaded;
use crate::crypto::signing_keys::SigningAlgorithm;
use crate::domain::client::{AuthMethod, DEFAULT_SCOPES, GrantType, Registration};
use crate::oidc::client_registry::{self, WithSecret};
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
    if let Some(id) = state
        .saml_keys
        .ensure(&state.db, crate::clock::Clock::now(state.clock.as_ref()))
        .map_err(|e| CliError::Failed(format!("SAML keys: {e}")))?
    {
        tracing::info!(%id, "SAML key created");
    }
    let demo = demo_client(&state);
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
        actix_web::rt::spawn(crate::oidc::backchannel::deliver_forever(
            state.clone(),
            Duration::from_secs(1),
        ));
        actix_web::rt::spawn(crate::webhooks::worker::deliver_forever(
            state.clone(),
            Duration::from_secs(1),
        ));
        announce(&state, local, started, demo.as_ref()).await;
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

/// The name of the client development mode creates on first start.
pub const DEMO_CLIENT_NAME: &str = "Tessera demo app";

/// Where the demo client may be sent back to: a local app on port 3000 (Auth.js's callback path
/// and a plain one).
pub const DEMO_REDIRECT_URIS: [&str; 2] = [
    "http://localhost:3000/api/auth/callback/tessera",
    "http://localhost:3000/callback",
];

/// In development, a first-party demo client on first start (when there are no clients yet);
/// later starts find it again (its secret was shown only the first time).
fn demo_client(state: &AppState) -> Option<WithSecret> {
    if !state.config.is_development() || !state.config.oidc.dev_client {
        return None;
    }
    let existing = client_registry::list(state).ok()?;
    if let Some(client) = existing.iter().find(|c| c.name == DEMO_CLIENT_NAME) {
        return Some(WithSecret {
            client: client.clone(),
            secret: None,
        });
    }
    if !existing.is_empty() {
        return None;
    }
    let registration = Registration {
        name: DEMO_CLIENT_NAME.into(),
        auth_method: AuthMethod::ClientSecretBasic,
        redirect_uris: DEMO_REDIRECT_URIS.map(String::from).to_vec(),
        post_logout_redirect_uris: vec!["http://localhost:3000/".into()],
        grant_types: vec![GrantType::AuthorizationCode, GrantType::RefreshToken],
        scopes: DEFAULT_SCOPES.map(String::from).to_vec(),
        jwks_uri: None,
        first_party: true,
        backchannel_logout_uri: None,
        id_token_alg: SigningAlgorithm::Rs256,
        access_token_seconds: None,
        id_token_seconds: None,
        refresh_token_seconds: None,
    };
    match client_registry::create(state, registration) {
        Ok(made) => Some(made),
        Err(error) => {
            tracing::warn!(%error, "could not create the demo client");
            None
        }
    }
}

async fn announce(
    state: &AppState,
    local: std::net::SocketAddr,
    started: std::time::Instant,
    demo: Option<&WithSecret>,
) {
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
    if let Some(demo) = demo {
        eprintln!();
        eprintln!("  OpenID Connect demo client (point any OIDC library at it):");
        eprintln!("    issuer:         {issuer}");
        eprintln!("    client id:      {}", demo.client.id);
        match &demo.secret {
            Some(secret) => eprintln!("    client secret:  {secret}   (shown once)"),
            None => eprintln!(
                "    client secret:  shown at first start; `tessera client rotate-secret {}` makes a new one",
                demo.client.id
            ),
        }
        eprintln!(
            "    redirect URIs:  {}",
            demo.client.redirect_uris.join("  ")
        );
    }
    eprintln!();
}
