//! The apps a person has let into their account (remembered consents) and taking that access
//! back: the consent is forgotten and every grant of the app for this person is revoked, so its
//! refresh tokens stop working and its access tokens fail at UserInfo and introspection.

use super::AccountError;
use crate::app::AppState;
use crate::storage::{consents, grants};

/// An app with access.
#[derive(Debug, Clone)]
pub struct AppAccess {
    pub client_id: String,
    pub client_name: String,
    pub scope: String,
    pub granted_at: i64,
}

/// The apps the user consented to, most recent first.
pub async fn list(state: &AppState, user_id: &str) -> Result<Vec<AppAccess>, AccountError> {
    let user_id = user_id.to_string();
    let rows = state
        .db
        .run(move |conn| consents::list_for_user(conn, &user_id))
        .await?;
    Ok(rows
        .into_iter()
        .map(|(client_id, client_name, scope, granted_at)| AppAccess {
            client_id,
            client_name,
            scope,
            granted_at,
        })
        .collect())
}

/// Takes an app's access away; `NotFound` when it had none.
pub async fn revoke(state: &AppState, user_id: &str, client_id: &str) -> Result<(), AccountError> {
    let user_id = user_id.to_string();
    let client = client_id.to_string();
    let client_id = client.clone();
    let now = state.clock.now();
    let had = state
        .db
        .run(move |conn| {
            crate::storage::write_transaction(conn, |c| {
                let had = consents::delete(c, &user_id, &client_id)?;
                let revoked = grants::revoke_user_client(c, &user_id, &client_id, now)?;
                Ok::<_, crate::storage::StorageError>(had || revoked > 0)
            })
        })
        .await?;
    if had {
        tracing::info!(client_id = %client, "app access revoked by the user");
        Ok(())
    } else {
        Err(AccountError::NotFound)
    }
}
