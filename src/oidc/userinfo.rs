//! The UserInfo endpoint (`GET|POST /userinfo`, OpenID Connect Core §5.3): the claims of the
//! granted scopes for the user of a live access token that includes `openid`. Errors follow
//! RFC 6750 §3 with a `WWW-Authenticate: Bearer` challenge.

use super::bearer;
use super::claims;
use super::cors;
use super::error::{ErrorCode, OAuthError};
use super::form::Form;
use crate::app::AppState;
use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};

/// `GET /userinfo`
pub async fn get(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    answer(&state, bearer::token_from(&req, None)).await
}

/// `POST /userinfo` (the token in the header or as the `access_token` form field).
pub async fn post(req: HttpRequest, state: web::Data<AppState>, body: Bytes) -> HttpResponse {
    let has_body = !body.is_empty();
    let token = if has_body {
        match Form::parse(&req, &body) {
            Ok(form) => bearer::token_from(&req, form.get("access_token")),
            Err(error) => Err(error),
        }
    } else {
        bearer::token_from(&req, None)
    };
    answer(&state, token).await
}

async fn answer(state: &AppState, token: Result<String, OAuthError>) -> HttpResponse {
    let result = match token {
        Ok(token) => claims_for(state, &token).await,
        Err(error) => Err(error),
    };
    match result {
        Ok(body) => cors::allow(
            HttpResponse::Ok()
                .content_type("application/json")
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .body(body.to_string()),
        ),
        Err(error) => cors::allow(challenge(&error)),
    }
}

async fn claims_for(state: &AppState, token: &str) -> Result<serde_json::Value, OAuthError> {
    let Some(live) = bearer::live(state, token).await? else {
        return Err(OAuthError::invalid_token(
            "the access token is invalid, expired or revoked",
        ));
    };
    let scopes = live.claims.scopes();
    let Some(user) = live.user.filter(|_| scopes.contains("openid")) else {
        return Err(OAuthError::new(
            ErrorCode::InsufficientScope,
            "the access token was not granted the openid scope",
        ));
    };
    let mut released = claims::for_scopes(&user, &scopes);
    if let Some(org) = &live.organization {
        org.put(&mut released);
    }
    Ok(serde_json::Value::Object(released))
}

/// A bearer-token error (RFC 6750 §3): the challenge carries the error code; a request without
/// any token gets a bare challenge.
pub fn challenge(error: &OAuthError) -> HttpResponse {
    let status = match error.code {
        ErrorCode::InvalidRequest => actix_web::http::StatusCode::BAD_REQUEST,
        ErrorCode::InsufficientScope => actix_web::http::StatusCode::FORBIDDEN,
        ErrorCode::InvalidToken => actix_web::http::StatusCode::UNAUTHORIZED,
        _ => error.status(),
    };
    let bare = error.description == bearer::NO_TOKEN;
    let value = if bare {
        "Bearer realm=\"tessera\"".to_string()
    } else {
        format!(
            "Bearer realm=\"tessera\", error=\"{}\", error_description=\"{}\"",
            error.code.as_str(),
            error
                .description
                .chars()
                .map(|c| if c == '"' || c == '\\' || !(' '..='~').contains(&c) {
                    '\''
                } else {
                    c
                })
                .collect::<String>()
        )
    };
    let status = if bare {
        actix_web::http::StatusCode::UNAUTHORIZED
    } else {
        status
    };
    HttpResponse::build(status)
        .content_type("application/json")
        .insert_header((header::WWW_AUTHENTICATE, value))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(error.body().to_string())
}
