//! `id_token_hint`: an ID token this server issued to this client (expired ones are fine, OpenID
//! Connect Core §3.1.2.1). It names the user the client expects; a mismatch forces sign-in, or
//! `login_required` with `prompt=none`.

use super::super::params::Params;
use crate::app::AppState;
use crate::domain::client::Client;
use crate::oidc::error::OAuthError;

/// The `sub` of a valid hint, if one was sent.
pub async fn check(
    state: &AppState,
    client: &Client,
    params: &Params,
) -> Result<Option<String>, OAuthError> {
    let Some(hint) = params.get("id_token_hint") else {
        return Ok(None);
    };
    subject_of(state, hint, Some(&client.id))
        .await
        .map(Some)
        .ok_or_else(|| {
            OAuthError::invalid_request("id_token_hint is not an ID token we issued to this client")
        })
}

/// What an ID token we issued says about whom and for which clients.
#[derive(Debug, Clone)]
pub struct HintClaims {
    pub sub: String,
    pub aud: Vec<String>,
    /// The session the token was issued in.
    pub sid: Option<String>,
}

/// The claims of an ID token signed by one of our published keys and issued by us; its expiry is
/// not checked (a hint may be old).
pub async fn hint_claims(state: &AppState, token: &str) -> Option<HintClaims> {
    let (header, payload) = state
        .keys
        .verify(&state.db, token, state.clock.now())
        .await
        .ok()?;
    if header.token_type().is_some_and(|t| t != "JWT") {
        return None;
    }
    let claims: serde_json::Value = serde_json::from_slice(&payload).ok()?;
    if claims["iss"].as_str() != Some(state.config.issuer.as_str()) {
        return None;
    }
    let aud = match &claims["aud"] {
        serde_json::Value::String(a) => vec![a.clone()],
        serde_json::Value::Array(list) => list
            .iter()
            .filter_map(|a| a.as_str().map(str::to_string))
            .collect(),
        _ => return None,
    };
    Some(HintClaims {
        sub: claims["sub"].as_str()?.to_string(),
        aud,
        sid: claims["sid"].as_str().map(str::to_string),
    })
}

/// The subject of an ID token we issued, to `client_id` when given.
pub async fn subject_of(state: &AppState, token: &str, client_id: Option<&str>) -> Option<String> {
    let claims = hint_claims(state, token).await?;
    if let Some(client_id) = client_id
        && !claims.aud.iter().any(|a| a == client_id)
    {
        return None;
    }
    Some(claims.sub)
}
