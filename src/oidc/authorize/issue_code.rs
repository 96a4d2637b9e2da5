//! Issues an authorization code: 256 random bits, stored as a digest with everything the token
//! endpoint must check (client, redirect URI, PKCE challenge) and put in the ID token.

use super::request::AuthorizationRequest;
use crate::accounts::sessions::ActiveSession;
use crate::app::AppState;
use crate::crypto::{SecretDigest, random_token};
use crate::oidc::error::OAuthError;
use crate::storage::grants::{self, CodeRecord};

/// What the user authenticated with, as `amr` values (RFC 8176).
pub const PASSWORD_AMR: &str = "pwd";

/// The single authentication level Tessera offers so far.
pub const PASSWORD_ACR: &str = "urn:tessera:acr:password";

/// Stores a new code for this request and session; returns the code.
pub async fn issue(
    state: &AppState,
    request: &AuthorizationRequest,
    session: &ActiveSession,
    organization_id: Option<&str>,
) -> Result<String, OAuthError> {
    let now = state.clock.now();
    let code = random_token();
    let record = CodeRecord {
        digest: SecretDigest::of(&code).as_str().to_string(),
        client_id: request.client.id.clone(),
        user_id: session.user.id.clone(),
        session_id: session.session.id.clone(),
        redirect_uri: request.reply.redirect_uri.clone(),
        scope: request.scopes.to_text(),
        nonce: request.nonce.clone(),
        code_challenge: request.code_challenge.clone(),
        auth_time: session.session.created_at,
        acr: Some(PASSWORD_ACR.to_string()),
        amr: PASSWORD_AMR.to_string(),
        created_at: now,
        expires_at: now + state.config.oidc.authorization_code_seconds,
        consumed_at: None,
        grant_id: None,
        organization_id: organization_id.map(str::to_string),
    };
    state
        .db
        .run(move |conn| grants::insert_code(conn, &record))
        .await?;
    Ok(code)
}
