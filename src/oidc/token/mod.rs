//! The token endpoint (`POST /token`, RFC 6749 §3.2): authenticates the client, then runs the
//! grant. Every answer is JSON with `Cache-Control: no-store`.

pub mod grants;
pub mod response;

use super::client_auth;
use super::cors;
use super::error::{ErrorCode, OAuthError};
use super::form::Form;
use crate::app::AppState;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};

/// `POST /token`
pub async fn token(req: HttpRequest, state: web::Data<AppState>, body: Bytes) -> HttpResponse {
    let form = match Form::parse(&req, &body) {
        Ok(form) => form,
        Err(error) => return cors::allow(error.json_response()),
    };
    let client = match client_auth::authenticate(&state, &req, &form).await {
        Ok(client) => client,
        Err(failure) => {
            tracing::info!(error = %failure.error, "token request: client authentication failed");
            return cors::allow(failure.response());
        }
    };
    let result = match form.get("grant_type") {
        Some("authorization_code") => {
            grants::authorization_code::exchange(&state, &client, &form).await
        }
        Some("refresh_token") => grants::refresh_token::refresh(&state, &client, &form).await,
        Some("client_credentials") => {
            grants::client_credentials::grant(&state, &client, &form).await
        }
        Some(_) => Err(OAuthError::new(
            ErrorCode::UnsupportedGrantType,
            "grant_type must be authorization_code, refresh_token or client_credentials",
        )),
        None => Err(OAuthError::invalid_request("grant_type is required")),
    };
    match result {
        Ok(issued) => issued.response(),
        Err(error) => {
            tracing::info!(client_id = %client.id, %error, "token request refused");
            cors::allow(error.json_response())
        }
    }
}
