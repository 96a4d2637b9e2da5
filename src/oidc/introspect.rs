//! Token introspection (`POST /introspect`, RFC 7662) for confidential clients: a client sees its
//! own tokens, a first-party client (a resource server) any token. An access or refresh token is `active` only while it would be accepted: signed by
//! us or stored, not expired, not revoked, its grant alive and its user not disabled. Anything else
//! is `{"active": false}` with nothing more.

use super::bearer;
use super::client_auth;
use super::error::OAuthError;
use super::form::Form;
use crate::app::AppState;
use crate::crypto::SecretDigest;
use crate::storage::grants;
use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

/// `POST /introspect`
pub async fn introspect(req: HttpRequest, state: web::Data<AppState>, body: Bytes) -> HttpResponse {
    let form = match Form::parse(&req, &body) {
        Ok(form) => form,
        Err(error) => return error.json_response(),
    };
    let client = match client_auth::authenticate(&state, &req, &form).await {
        Ok(client) => client,
        Err(failure) => return failure.response(),
    };
    if client.is_public() {
        return client_auth::AuthFailure::from(OAuthError::invalid_client(
            "public clients cannot introspect tokens",
        ))
        .response();
    }
    let token = match form.require("token") {
        Ok(token) => token.to_string(),
        Err(error) => return error.json_response(),
    };
    let answer = match form.get("token_type_hint") {
        Some("refresh_token") => match refresh_info(&state, &token).await {
            Ok(None) => access_info(&state, &token).await,
            other => other,
        },
        _ => match access_info(&state, &token).await {
            Ok(None) => refresh_info(&state, &token).await,
            other => other,
        },
    };
    // A client learns about its own tokens; a first-party client (a resource server of the
    // operator) about any token (RFC 7662 §4: the caller must be allowed to see the token).
    let answer = answer.map(|info| {
        info.filter(|i| client.first_party || i["client_id"].as_str() == Some(client.id.as_str()))
    });
    match answer {
        Ok(info) => HttpResponse::Ok()
            .content_type("application/json")
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(
                info.unwrap_or_else(|| json!({ "active": false }))
                    .to_string(),
            ),
        Err(error) => error.json_response(),
    }
}

async fn access_info(state: &AppState, token: &str) -> Result<Option<Value>, OAuthError> {
    let Some(live) = bearer::live(state, token).await? else {
        return Ok(None);
    };
    let c = &live.claims;
    let mut info = json!({
        "active": true,
        "token_type": "Bearer",
        "scope": c.scope,
        "client_id": c.client_id,
        "sub": c.sub,
        "aud": c.client_id,
        "iss": c.iss,
        "jti": c.jti,
        "iat": c.iat,
        "exp": c.exp,
    });
    if let Some(user) = &live.user
        && let Some(username) = &user.username
    {
        info["username"] = username.clone().into();
    }
    if let (Some(org), Some(map)) = (&live.organization, info.as_object_mut()) {
        org.put(map);
    }
    Ok(Some(info))
}

async fn refresh_info(state: &AppState, token: &str) -> Result<Option<Value>, OAuthError> {
    if token.len() > 200 {
        return Ok(None);
    }
    let digest = SecretDigest::of(token).as_str().to_string();
    let at = super::alive_at(state);
    let now = at.now;
    let issuer = state.config.issuer.clone();
    Ok(state
        .db
        .run(move |conn| {
            let Some(refresh) = grants::find_refresh(conn, &digest)? else {
                return Ok(None);
            };
            if refresh.rotated_at.is_some() || refresh.expires_at <= now {
                return Ok(None);
            }
            let Some(grant) = grants::find_alive_grant(conn, &refresh.grant_id, at)? else {
                return Ok(None);
            };
            Ok(Some(json!({
                "active": true,
                "token_type": "refresh_token",
                "scope": refresh.scope,
                "client_id": grant.client_id,
                "sub": grant.user_id,
                "iss": issuer,
                "iat": refresh.created_at,
                "exp": refresh.expires_at,
            })))
        })
        .await?)
}
