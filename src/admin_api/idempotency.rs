//! Idempotency keys on POST (`Idempotency-Key` header): the first request with a key runs and
//! its answer is kept for 24 hours; the same key with the same request gets that answer again
//! (`Idempotent-Replayed: true`), with a different request 422, while the first still runs 409.
//! A failure on our side (5xx) forgets the key, so a retry runs again; a request whose process
//! died is taken over after a minute. Kept answers are sealed with the master key (some carry a
//! secret that is shown once).

use super::caller::Caller;
use super::problem::ApiError;
use crate::app::AppState;
use crate::crypto::SecretDigest;
use crate::storage::api_keys::{self as store, Begun};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use std::future::Future;

/// How long answers are kept.
pub const KEEP_SECONDS: i64 = 24 * 3600;

fn respond(status: StatusCode, body: String, replayed: bool) -> HttpResponse {
    let mut response = HttpResponse::build(status);
    response
        .insert_header(("cache-control", "no-store"))
        .content_type(if status.is_client_error() || status.is_server_error() {
            "application/problem+json"
        } else {
            "application/json"
        });
    if replayed {
        response.insert_header(("idempotent-replayed", "true"));
    }
    response.body(body)
}

/// Runs `work` under the request's idempotency key, if it has one.
pub async fn run<F, Fut>(
    state: &AppState,
    caller: &Caller,
    req: &HttpRequest,
    body: &[u8],
    work: F,
) -> Result<HttpResponse, ApiError>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<(StatusCode, serde_json::Value), ApiError>>,
{
    let Some(key) = req.headers().get("idempotency-key") else {
        let (status, value) = work().await?;
        return Ok(respond(status, value.to_string(), false));
    };
    let key = key
        .to_str()
        .ok()
        .filter(|k| !k.is_empty() && k.len() <= 255 && k.chars().all(|c| c.is_ascii_graphic()))
        .ok_or_else(|| {
            ApiError::BadRequest("Idempotency-Key must be 1 to 255 visible ASCII characters".into())
        })?
        .to_string();
    let mut fingerprint = format!("{} {}\n", req.method(), req.path()).into_bytes();
    fingerprint.extend_from_slice(body);
    let digest = SecretDigest::of_bytes(&fingerprint).as_str().to_string();
    let now = state.clock.now();
    let (key_id, stored_key) = (caller.key.id.clone(), key.clone());
    let begun = state
        .db
        .run(move |conn| store::begin(conn, &key_id, &stored_key, &digest, now))
        .await?;
    let context = format!("idempotency:{}:{key}", caller.key.id);
    match begun {
        Begun::Replay { status, body } => {
            // Answers may hold secrets shown once (a webhook's, a client's): they are kept sealed.
            let body = state
                .keys
                .master()
                .open(&context, &body)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| ApiError::Internal("a kept answer could not be opened".into()))?;
            let status = u16::try_from(status)
                .ok()
                .and_then(|s| StatusCode::from_u16(s).ok())
                .unwrap_or(StatusCode::OK);
            return Ok(respond(status, body, true));
        }
        Begun::InProgress => return Err(ApiError::IdempotencyInProgress),
        Begun::Mismatch => return Err(ApiError::IdempotencyMismatch),
        Begun::New => {}
    }
    let outcome = work().await;
    let key_id = caller.key.id.clone();
    let (status, text) = match &outcome {
        Ok((status, value)) => (*status, value.to_string()),
        Err(error) => (
            error.status_code(),
            serde_json::to_string(&error.problem()).unwrap_or_default(),
        ),
    };
    let keep = !status.is_server_error();
    let text = state
        .keys
        .master()
        .seal(&context, text.as_bytes())
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let saved = state
        .db
        .run(move |conn| {
            if keep {
                store::finish(conn, &key_id, &key, i32::from(status.as_u16()), &text)
            } else {
                store::forget(conn, &key_id, &key)
            }
        })
        .await;
    if let Err(error) = saved {
        tracing::warn!(%error, "idempotency answer not kept");
    }
    let (status, value) = outcome?;
    Ok(respond(status, value.to_string(), false))
}
