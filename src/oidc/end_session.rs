//! RP-Initiated Logout 1.0 (`GET|POST /end-session`). The `post_logout_redirect_uri` must be
//! registered for the client, matched exactly, or the user sees an error page and is never
//! redirected. With a valid `id_token_hint` for the signed-in user the session ends at once;
//! otherwise the user confirms first (a page cannot be used to sign anyone out by surprise).
//! Back-channel logout follows from the ended session (`backchannel.rs`).

use super::authorize::checks::id_token_hint::{HintClaims, hint_claims};
use crate::accounts::sessions;
use crate::app::AppState;
use crate::crypto::signed_value;
use crate::domain::client::Client;
use crate::storage::clients;
use crate::web::{PageError, csrf, session_cookie};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use std::collections::BTreeMap;

const PURPOSE: &str = "end-session";

/// A checked logout request: where to send the browser afterwards, if anywhere.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct LogoutRequest {
    /// The registered post-logout redirect URI.
    pub redirect: Option<String>,
    pub state: Option<String>,
    pub client_name: Option<String>,
    /// When the request was made (sealed requests expire).
    pub at: i64,
}

fn bad(message: &str) -> PageError {
    PageError::BadRequest(message.into())
}

fn params_of(pairs: Vec<(String, String)>) -> Result<BTreeMap<String, String>, PageError> {
    let mut map = BTreeMap::new();
    for (name, value) in pairs {
        if map.contains_key(&name) {
            return Err(bad("The sign-out request repeats a parameter."));
        }
        if !value.is_empty() {
            map.insert(name, value);
        }
    }
    Ok(map)
}

/// `GET /end-session`
pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    handle(&req, &state, params_of(query.into_inner())?).await
}

/// `POST /end-session` (form-encoded, same parameters): redirected to the same request as a GET,
/// because a form posted from the client's site does not carry the `SameSite=Lax` session cookie.
pub async fn post(body: Bytes) -> Result<HttpResponse, PageError> {
    if body.len() > 16 * 1024 {
        return Err(PageError::PayloadTooLarge);
    }
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    params_of(pairs.clone())?;
    Ok(super::authorize::same_request_as_get("/end-session", pairs))
}

async fn handle(
    req: &HttpRequest,
    state: &AppState,
    params: BTreeMap<String, String>,
) -> Result<HttpResponse, PageError> {
    let get = |name: &str| params.get(name).map(String::as_str);
    if get("state").is_some_and(|s| s.len() > 2048) {
        return Err(bad("The sign-out request is malformed."));
    }
    let hint: Option<HintClaims> = match get("id_token_hint") {
        Some(token) => Some(hint_claims(state, token).await.ok_or_else(|| {
            bad("The application sent a sign-out request with an ID token we did not issue, so we did not act on it.")
        })?),
        None => None,
    };
    let client_id = match (get("client_id"), &hint) {
        (Some(id), Some(h)) if !h.aud.iter().any(|a| a == id) => {
            return Err(bad(
                "The sign-out request names two different applications.",
            ));
        }
        (Some(id), _) => Some(id.to_string()),
        (None, Some(h)) if h.aud.len() == 1 => Some(h.aud[0].clone()),
        _ => None,
    };
    let client = match client_id.filter(|id| id.len() <= 100) {
        Some(id) => state.db.run(move |conn| clients::find(conn, &id)).await?,
        None => None,
    };
    let redirect = match get("post_logout_redirect_uri") {
        None => None,
        Some(uri) => match &client {
            Some(c) if c.allows_post_logout_redirect(uri) => Some(uri.to_string()),
            _ => {
                return Err(bad(
                    "The application asked us to send you to an address it has not registered after signing out (post_logout_redirect_uri). For your safety we will not send you there.",
                ));
            }
        },
    };
    let request = LogoutRequest {
        redirect,
        state: get("state").map(str::to_string),
        client_name: client.as_ref().map(|c: &Client| c.name.clone()),
        at: state.clock.now(),
    };
    let Some(active) = session_cookie::current_session(req, state).await? else {
        return Ok(leave(state, &request));
    };
    // Without confirmation only for a hint from this very session (its `sid`): any older ID token
    // of the user, held by any app, would otherwise sign them out with a mere link.
    if hint.as_ref().is_some_and(|h| {
        h.sub == active.user.id && h.sid.as_deref() == Some(active.session.id.as_str())
    }) {
        let token = session_cookie::session_token(req, state);
        return sign_out_and_leave(state, &request, token).await;
    }
    let sealed = signed_value::seal(&state.server_key, PURPOSE, &base64_json(&request));
    Ok(crate::web::end_session::confirm_page(
        req, state, &request, &active, &sealed,
    ))
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ConfirmForm {
    csrf_token: String,
    request: String,
    decision: String,
}

/// `POST /end-session/confirm`: the user's answer on the confirmation page.
pub async fn confirm(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<ConfirmForm>,
) -> Result<HttpResponse, PageError> {
    csrf::verify(&req, &state, &form.csrf_token)?;
    let request = open(&state, &form.request).ok_or_else(|| {
        bad("This sign-out request has expired. Go back to the application and try again.")
    })?;
    if form.decision != "sign-out" {
        return Ok(crate::web::page::see_other("/account"));
    }
    let token = session_cookie::session_token(&req, &state);
    sign_out_and_leave(&state, &request, token).await
}

fn base64_json(request: &LogoutRequest) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(serde_json::to_vec(request).unwrap_or_default())
}

fn open(state: &AppState, sealed: &str) -> Option<LogoutRequest> {
    use base64::Engine;
    if sealed.len() > 8192 {
        return None;
    }
    let payload = signed_value::open(&state.server_key, PURPOSE, sealed)?;
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    let request: LogoutRequest = serde_json::from_slice(&json).ok()?;
    let age = state.clock.now() - request.at;
    (0..=state.config.oidc.interaction_seconds)
        .contains(&age)
        .then_some(request)
}

/// Ends the browser's session, clears its cookie, and leaves.
async fn sign_out_and_leave(
    state: &AppState,
    request: &LogoutRequest,
    token: Option<String>,
) -> Result<HttpResponse, PageError> {
    if let Some(token) = token {
        sessions::end(state, &token).await?;
        tracing::info!("signed out at the request of an application");
    }
    let mut response = leave(state, request);
    let _ = response.add_removal_cookie(&session_cookie::clear_session_cookie(state));
    Ok(response)
}

/// Back to the client with `state`, or the signed-out page.
fn leave(state: &AppState, request: &LogoutRequest) -> HttpResponse {
    let target = request
        .redirect
        .as_deref()
        .and_then(|uri| url::Url::parse(uri).ok());
    match target {
        Some(mut url) => {
            if let Some(s) = &request.state {
                url.query_pairs_mut().append_pair("state", s);
            }
            crate::web::page::see_other(url.as_str())
        }
        None => crate::web::end_session::signed_out_page(state),
    }
}
