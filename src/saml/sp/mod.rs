//! Tessera as the service provider of an organization's IdP (enterprise connections).

pub mod acs;
pub mod authn_request;
pub mod checks;
pub mod decrypt;
pub mod logout;
pub mod metadata;
pub mod sign_in;
pub mod sso;
pub mod verify;

use super::error::SamlError;
use crate::app::AppState;
use crate::crypto::saml_keys::{SamlKey, SamlKeyError};

impl From<SamlKeyError> for SamlError {
    fn from(error: SamlKeyError) -> Self {
        match error {
            SamlKeyError::Storage(e) => SamlError::Storage(e),
            other => SamlError::Internal(other.to_string()),
        }
    }
}

/// Makes sure a SAML key signs (the first SAML request of a new server creates one).
pub async fn ensure_keys(state: &AppState) -> Result<(), SamlError> {
    if state.saml_keys.is_ready() {
        return Ok(());
    }
    let state = state.clone();
    tokio::task::spawn_blocking(move || state.saml_keys.ensure(&state.db, state.clock.now()))
        .await
        .map_err(|e| SamlError::Internal(e.to_string()))??;
    Ok(())
}

/// The key that signs now (created on first use). Callers sign with it outside the database
/// call: signing is CPU work and must not hold a pooled connection.
pub async fn current_key(state: &AppState) -> Result<SamlKey, SamlError> {
    ensure_keys(state).await?;
    let worker = state.clone();
    state
        .db
        .run(move |conn| {
            Ok(worker
                .saml_keys
                .signing(conn, worker.clock.now())
                .map_err(SamlError::from))
        })
        .await?
}

/// Every published key, for decryption (blocking: called from the verification thread, and
/// only when a response is encrypted).
pub fn decryption_keys(state: &AppState) -> Result<Vec<SamlKey>, SamlError> {
    let now = state.clock.now();
    Ok(state
        .db
        .run_blocking(|conn| Ok(state.saml_keys.published(conn, now)))??)
}
