//! The successful token response (RFC 6749 §5.1, OpenID Connect Core §3.1.3.3).

use crate::oidc::cors;
use actix_web::HttpResponse;
use actix_web::http::header;
use serde_json::{Value, json};

/// What a grant issued.
#[derive(Debug, Default)]
pub struct Issued {
    pub access_token: String,
    pub expires_in: i64,
    pub scope: String,
    pub refresh_token: Option<String>,
    pub id_token: Option<String>,
}

impl Issued {
    /// The JSON response, never cached, open to any origin.
    pub fn response(&self) -> HttpResponse {
        let mut body = json!({
            "access_token": self.access_token,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "scope": self.scope,
        });
        if let Some(refresh) = &self.refresh_token {
            body["refresh_token"] = Value::from(refresh.as_str());
        }
        if let Some(id_token) = &self.id_token {
            body["id_token"] = Value::from(id_token.as_str());
        }
        cors::allow(
            HttpResponse::Ok()
                .content_type("application/json")
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .insert_header((header::PRAGMA, "no-cache"))
                .body(body.to_string()),
        )
    }
}
