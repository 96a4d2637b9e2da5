//! The stylesheet, compiled into the binary, and the brand stylesheet made from configuration
//! (the CSP forbids inline styles, so the brand colour arrives as a stylesheet of its own).

use crate::app::AppState;
use actix_web::http::header;
use actix_web::{HttpResponse, web};
use sha2::{Digest, Sha256};

const STYLESHEET: &str = include_str!("../../static/tessera.css");

fn short_hash(text: &str) -> String {
    crate::crypto::secret_digest::hex(&Sha256::digest(text.as_bytes()))[..12].to_string()
}

/// The versioned URLs of both stylesheets, computed once at start-up (not per page).
#[derive(Debug, Clone)]
pub struct AssetHrefs {
    pub stylesheet: String,
    pub brand: String,
}

impl AssetHrefs {
    /// The URLs for this brand colour.
    pub fn new(primary_color: &str) -> Self {
        Self {
            stylesheet: stylesheet_href(),
            brand: brand_href(primary_color),
        }
    }
}

/// The stylesheet URL, versioned by content so it can be cached forever.
pub fn stylesheet_href() -> String {
    format!("/static/tessera.css?v={}", short_hash(STYLESHEET))
}

/// The brand stylesheet URL, versioned by the colour.
pub fn brand_href(color: &str) -> String {
    format!("/brand.css?v={}", short_hash(color))
}

/// `GET /static/tessera.css`
pub async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .body(STYLESHEET)
}

/// `GET /brand.css`: the primary colour (validated as `#rrggbb` at start-up).
pub async fn brand_stylesheet(state: web::Data<AppState>) -> HttpResponse {
    let color = &state.config.brand.primary_color;
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .body(format!(":root {{ --brand: {color}; }}\n"))
}
