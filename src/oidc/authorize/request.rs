//! A checked authorization request. [`validate`] runs the checks in order; the first two failures
//! cannot be sent to the client (unknown client, unregistered redirect URI), every later one is.

use super::checks::client::Unredirectable;
use super::checks::prompt::Prompt;
use super::checks::response_mode::ResponseMode;
use super::checks::{
    client, id_token_hint, lengths, max_age, pkce, prompt, redirect_uri, request_object,
    response_mode, response_type, scope,
};
use super::params::Params;
use crate::app::AppState;
use crate::domain::client::Client;
use crate::oidc::error::OAuthError;
use crate::oidc::scope::Scopes;

/// Where and how to answer the client; known once the first checks passed.
#[derive(Debug, Clone)]
pub struct ReplyTo {
    pub redirect_uri: String,
    pub mode: ResponseMode,
    pub state: Option<String>,
}

/// A request that passed every check.
#[derive(Debug, Clone)]
pub struct AuthorizationRequest {
    pub client: Client,
    pub reply: ReplyTo,
    pub scopes: Scopes,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub prompt: Prompt,
    pub max_age: Option<i64>,
    pub login_hint: Option<String>,
    /// The `sub` of the `id_token_hint`, when one was sent.
    pub hinted_subject: Option<String>,
    pub params: Params,
}

/// What went wrong, and whether it can go back to the client.
#[derive(Debug)]
pub enum Invalid {
    /// Show an error page; never redirect.
    Page(Unredirectable),
    /// Answer the client with this error.
    Client(Box<ReplyTo>, OAuthError),
}

/// Runs every check of an authorization request.
pub async fn validate(state: &AppState, params: Params) -> Result<AuthorizationRequest, Invalid> {
    let client = client::check(state, &params).await.map_err(Invalid::Page)?;
    let redirect_uri = redirect_uri::check(&client, &params).map_err(Invalid::Page)?;
    let mut reply = ReplyTo {
        redirect_uri,
        mode: ResponseMode::Query,
        state: params
            .get("state")
            .filter(|s| s.len() <= 2048)
            .map(str::to_string),
    };
    let fail = |reply: &ReplyTo, error: OAuthError| Invalid::Client(Box::new(reply.clone()), error);
    reply.mode = response_mode::check(&params).map_err(|e| fail(&reply, e))?;
    let checked = (|| {
        lengths::check(&params)?;
        request_object::check(&params)?;
        response_type::check(&client, &params)?;
        let scopes = scope::check(&client, &params)?;
        let code_challenge = pkce::check(&client, &params)?;
        let prompt = prompt::check(&params)?;
        let max_age = max_age::check(&params)?;
        Ok::<_, OAuthError>((scopes, code_challenge, prompt, max_age))
    })();
    let (scopes, code_challenge, prompt, max_age) = checked.map_err(|e| fail(&reply, e))?;
    let hinted_subject = id_token_hint::check(state, &client, &params)
        .await
        .map_err(|e| fail(&reply, e))?;
    Ok(AuthorizationRequest {
        reply,
        scopes,
        nonce: params.get("nonce").map(str::to_string),
        code_challenge,
        prompt,
        max_age,
        login_hint: params.get("login_hint").map(str::to_string),
        hinted_subject,
        client,
        params,
    })
}
