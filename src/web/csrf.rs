//! CSRF protection for every form: a signed double-submit token. The browser holds a random nonce
//! in an HttpOnly, SameSite=Lax cookie (`__Host-` prefixed over https, so no subdomain can plant
//! one); each form carries an HMAC of that nonce under the server key. A POST is accepted only when
//! the form's token is the HMAC of the cookie it arrived with, compared in constant time.

use crate::app::AppState;
use crate::crypto::random_token;
use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite};

const PURPOSE: &str = "csrf";

fn nonce_of(req: &HttpRequest, state: &AppState) -> Option<String> {
    req.cookie(&state.cookies.csrf)
        .map(|c| c.value().to_string())
        .filter(|v| {
            v.len() == 43
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
}

/// The token for this browser's forms, and a cookie to set when it had no nonce yet.
pub fn token_for(req: &HttpRequest, state: &AppState) -> (String, Option<Cookie<'static>>) {
    match nonce_of(req, state) {
        Some(nonce) => (state.server_key.sign(PURPOSE, nonce.as_bytes()), None),
        None => {
            let nonce = random_token();
            let token = state.server_key.sign(PURPOSE, nonce.as_bytes());
            let cookie = Cookie::build(state.cookies.csrf.clone(), nonce)
                .path("/")
                .http_only(true)
                .secure(state.cookies.secure)
                .same_site(SameSite::Lax)
                .finish();
            (token, Some(cookie))
        }
    }
}

/// Accepts the submitted token only if it matches the browser's nonce cookie.
pub fn verify(
    req: &HttpRequest,
    state: &AppState,
    submitted: &str,
) -> Result<(), super::PageError> {
    let Some(nonce) = nonce_of(req, state) else {
        tracing::info!("form rejected: no CSRF cookie");
        return Err(super::PageError::Csrf);
    };
    if state
        .server_key
        .verify(PURPOSE, nonce.as_bytes(), submitted)
    {
        Ok(())
    } else {
        tracing::info!("form rejected: CSRF token mismatch");
        Err(super::PageError::Csrf)
    }
}
