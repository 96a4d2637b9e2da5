//! `scope` is required; every scope must be allowed for the client. `offline_access`
//! is dropped when the client cannot use refresh tokens (OpenID Connect Core §11).

use super::super::params::Params;
use crate::domain::client::{Client, GrantType};
use crate::oidc::error::OAuthError;
use crate::oidc::scope::Scopes;

pub fn check(client: &Client, params: &Params) -> Result<Scopes, OAuthError> {
    let Some(text) = params.get("scope") else {
        return Err(OAuthError::invalid_scope("scope is required"));
    };
    let mut scopes = Scopes::parse(text)?;
    if scopes.is_empty() {
        return Err(OAuthError::invalid_scope("scope is required"));
    }
    for scope in scopes.iter() {
        if !client.allows_scope(scope) {
            return Err(OAuthError::invalid_scope(format!(
                "this client may not ask for {scope}"
            )));
        }
    }
    if !client.allows_grant(GrantType::RefreshToken) {
        scopes.remove("offline_access");
    }
    Ok(scopes)
}
