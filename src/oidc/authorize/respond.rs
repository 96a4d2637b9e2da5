//! Answers to the client: the code or an error, in the query of the redirect URI (RFC 6749
//! §4.1.2) or as an auto-submitted form (OAuth 2.0 Form Post Response Mode), always with `state`
//! and `iss` (RFC 9207).

use super::checks::response_mode::ResponseMode;
use super::request::ReplyTo;
use crate::app::AppState;
use crate::oidc::error::OAuthError;
use actix_web::HttpResponse;
use actix_web::http::header;

/// Sends the code to the client.
pub fn code(state: &AppState, reply: &ReplyTo, code: &str) -> HttpResponse {
    send(state, reply, vec![("code", code.to_string())])
}

/// Sends an error to the client.
pub fn error(state: &AppState, reply: &ReplyTo, error: &OAuthError) -> HttpResponse {
    tracing::info!(error = error.code.as_str(), description = %error.description, "authorization refused");
    send(
        state,
        reply,
        vec![
            ("error", error.code.as_str().to_string()),
            ("error_description", error.description.clone()),
        ],
    )
}

fn send(
    state: &AppState,
    reply: &ReplyTo,
    mut fields: Vec<(&'static str, String)>,
) -> HttpResponse {
    if let Some(s) = &reply.state {
        fields.push(("state", s.clone()));
    }
    fields.push(("iss", state.config.issuer.clone()));
    match reply.mode {
        ResponseMode::Query => {
            let Ok(mut url) = url::Url::parse(&reply.redirect_uri) else {
                return HttpResponse::BadRequest().finish();
            };
            {
                let mut pairs = url.query_pairs_mut();
                for (name, value) in &fields {
                    pairs.append_pair(name, value);
                }
            }
            HttpResponse::SeeOther()
                .insert_header((header::LOCATION, url.to_string()))
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .finish()
        }
        ResponseMode::FormPost => crate::web::form_post::page(&reply.redirect_uri, &fields),
    }
}
