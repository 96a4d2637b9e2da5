//! `grant_type=client_credentials` (RFC 6749 §4.4): a confidential client acting for itself. The
//! access token's subject is the client; its scope is what was asked for, within what the client
//! registered (OpenID scopes mean nothing without a user and are refused).

use super::super::response::Issued;
use crate::app::AppState;
use crate::domain::client::{Client, GrantType};
use crate::oidc::error::{ErrorCode, OAuthError};
use crate::oidc::form::Form;
use crate::oidc::scope::Scopes;
use crate::oidc::tokens::{self, AccessTokenFor};

const USER_SCOPES: [&str; 7] = [
    "openid",
    "profile",
    "email",
    "address",
    "phone",
    "offline_access",
    "organization",
];

/// Issues an access token to the client itself.
pub async fn grant(state: &AppState, client: &Client, form: &Form) -> Result<Issued, OAuthError> {
    if client.is_public() || !client.allows_grant(GrantType::ClientCredentials) {
        return Err(OAuthError::new(
            ErrorCode::UnauthorizedClient,
            "this client may not use the client_credentials grant",
        ));
    }
    let scopes = match form.get("scope") {
        Some(text) => Scopes::parse(text)?,
        None => Scopes::default(),
    };
    for scope in scopes.iter() {
        if USER_SCOPES.contains(&scope) {
            return Err(OAuthError::invalid_scope(format!(
                "{scope} needs a user; it cannot be granted to a client alone"
            )));
        }
        if !client.allows_scope(scope) {
            return Err(OAuthError::invalid_scope(format!(
                "this client may not ask for {scope}"
            )));
        }
    }
    let access = tokens::access_token(
        state,
        AccessTokenFor {
            subject: &client.id,
            client,
            scopes: &scopes,
            grant_id: None,
            auth_time: None,
            organization: None,
        },
    )
    .await?;
    Ok(Issued {
        access_token: access.token,
        expires_in: access.expires_in,
        scope: scopes.to_text(),
        refresh_token: None,
        id_token: None,
    })
}
