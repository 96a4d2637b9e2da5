//! The session and device cookies, and finding the signed-in user of a request.

use super::PageError;
use crate::accounts::sessions::{self, ActiveSession};
use crate::app::AppState;
use actix_web::HttpRequest;
use actix_web::cookie::time::Duration;
use actix_web::cookie::{Cookie, SameSite};

/// The session cookie for a new session: HttpOnly, SameSite=Lax (it must come along when a client
/// app sends the browser here), `Secure` and `__Host-` over https, lasting as long as the session
/// can.
pub fn session_cookie(state: &AppState, token: &str) -> Cookie<'static> {
    Cookie::build(state.cookies.session.clone(), token.to_string())
        .path("/")
        .http_only(true)
        .secure(state.cookies.secure)
        .same_site(SameSite::Lax)
        .max_age(Duration::seconds(
            state.config.session.absolute_lifetime_seconds,
        ))
        .finish()
}

/// A cookie that deletes the session cookie.
pub fn clear_session_cookie(state: &AppState) -> Cookie<'static> {
    let mut cookie = session_cookie(state, "");
    cookie.make_removal();
    cookie
}

/// The device cookie that marks this browser as known for an account.
pub fn device_cookie(state: &AppState, value: &str) -> Cookie<'static> {
    Cookie::build(state.cookies.device.clone(), value.to_string())
        .path("/")
        .http_only(true)
        .secure(state.cookies.secure)
        .same_site(SameSite::Strict)
        .max_age(Duration::seconds(
            crate::accounts::device_cookie::LIFETIME_SECONDS,
        ))
        .finish()
}

/// The raw session cookie value of the request, if any.
pub fn session_token(req: &HttpRequest, state: &AppState) -> Option<String> {
    req.cookie(&state.cookies.session)
        .map(|c| c.value().to_string())
        .filter(|v| !v.is_empty())
}

/// The signed-in session of the request, if it has a live one.
pub async fn current_session(
    req: &HttpRequest,
    state: &AppState,
) -> Result<Option<ActiveSession>, PageError> {
    let Some(token) = session_token(req, state) else {
        return Ok(None);
    };
    Ok(sessions::resolve(state, &token).await?)
}
