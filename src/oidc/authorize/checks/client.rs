//! `client_id` must name a registered client. Failing this, nothing may be redirected anywhere:
//! the user sees an error page.

use super::super::params::Params;
use crate::app::AppState;
use crate::domain::client::Client;

/// Why the request cannot even be answered to the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unredirectable {
    /// The client id is missing, sent twice or unknown.
    UnknownClient,
    /// The redirect URI is missing, sent twice or not registered for the client.
    BadRedirectUri,
    /// The database is away.
    Unavailable,
}

/// The registered client named by `client_id`.
pub async fn check(state: &AppState, params: &Params) -> Result<Client, Unredirectable> {
    if params.is_duplicate("client_id") {
        return Err(Unredirectable::UnknownClient);
    }
    let Some(id) = params.get("client_id").filter(|id| id.len() <= 100) else {
        return Err(Unredirectable::UnknownClient);
    };
    match state.clients.get(state, id).await {
        Ok(Some(client)) => Ok((*client).clone()),
        Ok(None) => Err(Unredirectable::UnknownClient),
        Err(crate::storage::StorageError::Unavailable(_)) => Err(Unredirectable::Unavailable),
        Err(error) => {
            tracing::error!(%error, "client lookup failed");
            Err(Unredirectable::Unavailable)
        }
    }
}
