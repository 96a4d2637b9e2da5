//! Token revocation (`POST /revoke`, RFC 7009). A refresh token revokes its whole grant (and so
//! every access token of it, §2.1); an access token is remembered as revoked until it expires.
//! The answer is 200 whether or not the token was valid or the client's (§2.2), so nothing is
//! learned by probing.

use super::bearer;
use super::client_auth;
use super::cors;
use super::form::Form;
use crate::app::AppState;
use crate::crypto::SecretDigest;
use crate::storage::grants;
use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};

/// `POST /revoke`
pub async fn revoke(req: HttpRequest, state: web::Data<AppState>, body: Bytes) -> HttpResponse {
    let form = match Form::parse(&req, &body) {
        Ok(form) => form,
        Err(error) => return cors::allow(error.json_response()),
    };
    let client = match client_auth::authenticate(&state, &req, &form).await {
        Ok(client) => client,
        Err(failure) => return cors::allow(failure.response()),
    };
    let token = match form.require("token") {
        Ok(token) => token.to_string(),
        Err(error) => return cors::allow(error.json_response()),
    };
    let result = match form.get("token_type_hint") {
        Some("access_token") => match revoke_access(&state, &client.id, &token).await {
            Ok(false) => revoke_refresh(&state, &client.id, &token).await,
            other => other,
        },
        _ => match revoke_refresh(&state, &client.id, &token).await {
            Ok(false) => revoke_access(&state, &client.id, &token).await,
            other => other,
        },
    };
    match result {
        Ok(_) => cors::allow(
            HttpResponse::Ok()
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .finish(),
        ),
        Err(error) => cors::allow(error.json_response()),
    }
}

/// Revokes the grant of a refresh token issued to `client_id`; false when it is not one.
async fn revoke_refresh(
    state: &AppState,
    client_id: &str,
    token: &str,
) -> Result<bool, super::error::OAuthError> {
    if token.len() > 200 {
        return Ok(false);
    }
    let digest = SecretDigest::of(token).as_str().to_string();
    let client_id = client_id.to_string();
    let now = state.clock.now();
    Ok(state
        .db
        .run(move |conn| {
            let Some(refresh) = grants::find_refresh(conn, &digest)? else {
                return Ok(false);
            };
            let owner: Option<String> = grants::client_of_grant(conn, &refresh.grant_id)?;
            if owner.as_deref() == Some(client_id.as_str()) {
                grants::revoke_grant(conn, &refresh.grant_id, now)?;
                tracing::info!(grant_id = %refresh.grant_id, "grant revoked by its client");
                crate::audit::record_in(
                    conn,
                    crate::audit::Event::new(
                        "grant.revoked",
                        crate::audit::Actor::Client(client_id.clone()),
                    )
                    .target("grant", refresh.grant_id.clone())
                    .detail("via", "revocation_endpoint"),
                    now,
                )?;
            }
            Ok(true)
        })
        .await?)
}

/// Revokes an access token issued to `client_id`; false when it is not one of ours.
async fn revoke_access(
    state: &AppState,
    client_id: &str,
    token: &str,
) -> Result<bool, super::error::OAuthError> {
    let claims = match bearer::verify_signature(state, token).await {
        Ok(claims) => claims,
        Err(error) if error.code == super::error::ErrorCode::InvalidToken => return Ok(false),
        Err(error) => return Err(error),
    };
    if claims.client_id != client_id {
        return Ok(true);
    }
    state
        .db
        .run(move |conn| grants::revoke_access_token(conn, &claims.jti, claims.exp))
        .await?;
    Ok(true)
}
