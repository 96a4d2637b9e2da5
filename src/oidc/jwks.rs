//! `GET /.well-known/jwks.json`: the public halves of every published signing key (RFC 7517),
//! open to any origin (single-page apps verify tokens with it).

use crate::app::AppState;
use actix_web::http::header;
use actix_web::{HttpResponse, web};

/// The JWK Set.
pub async fn jwks(state: web::Data<AppState>) -> HttpResponse {
    match state.keys.jwks(&state.db, state.clock.now()).await {
        Ok(set) => HttpResponse::Ok()
            .content_type("application/json")
            .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
            .insert_header((header::CACHE_CONTROL, "public, max-age=60"))
            .body(set.to_string()),
        Err(error) => {
            tracing::warn!(%error, "JWKS unavailable");
            HttpResponse::ServiceUnavailable()
                .content_type("application/json")
                .insert_header((header::RETRY_AFTER, "5"))
                .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
                .body(r#"{"error":"temporarily_unavailable"}"#)
        }
    }
}
