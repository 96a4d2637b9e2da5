//! The consent page: which app asks for what. The decision is posted to `/authorize/consent`.

use super::page::PageContext;
use crate::accounts::sessions::ActiveSession;
use crate::app::AppState;
use crate::oidc::authorize::interaction::csp_source_of;
use crate::oidc::authorize::request::AuthorizationRequest;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

#[derive(Template)]
#[template(path = "consent.html")]
struct ConsentView {
    chrome: super::page::Chrome,
    client_name: String,
    email: String,
    scope_lines: Vec<String>,
    interaction: String,
    session_id: String,
    resume_path: String,
}

/// What a scope lets the app do, in words.
pub fn scope_description(scope: &str) -> Option<&'static str> {
    Some(match scope {
        "openid" => "Know who you are (your account identifier)",
        "profile" => "See your name, username, picture and language",
        "email" => "See your email address",
        "address" => "See your postal address",
        "phone" => "See your phone number",
        "offline_access" => "Stay connected when you are not using it",
        "organization" => "See which organization you act in, your role and permissions there",
        _ => return None,
    })
}

/// A scope in words: the OpenID ones described, any other (an API permission of the app's
/// operator) named as it is, so nothing is granted unseen.
pub fn scope_line(scope: &str) -> String {
    match scope_description(scope) {
        Some(text) => text.to_string(),
        None => format!("Use the permission \u{201c}{scope}\u{201d}"),
    }
}

/// The consent page for this request.
pub fn page(
    req: &HttpRequest,
    state: &AppState,
    request: &AuthorizationRequest,
    active: &ActiveSession,
    sealed_interaction: &str,
) -> HttpResponse {
    let page = PageContext::new(req, state, true);
    let view = ConsentView {
        chrome: page.chrome.clone(),
        client_name: request.client.name.clone(),
        email: active.user.email.as_str().to_string(),
        scope_lines: request.scopes.iter().map(scope_line).collect(),
        interaction: sealed_interaction.to_string(),
        session_id: active.session.id.clone(),
        resume_path: format!("/authorize/resume?i={sealed_interaction}"),
    };
    let mut response = page.respond(StatusCode::OK, view.render());
    if let Some(source) = csp_source_of(&request.reply.redirect_uri) {
        set_form_targets(&mut response, &source);
    }
    response
}

/// Lets this page's forms end in a redirect to `source` (`form-action` covers redirects).
pub fn set_form_targets(response: &mut HttpResponse, source: &str) {
    let policy = crate::http::security_headers::policy_with_form_target(source);
    if let Ok(value) = header::HeaderValue::from_str(&policy) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, value);
    }
}
