//! `GET|POST /sign-out`. Signing out is a POST with a CSRF token (a link or image cannot sign
//! anyone out); GET shows the button.

use super::forms::CsrfOnly;
use super::page::{PageContext, see_other};
use super::views::SignOutView;
use super::{PageError, csrf, session_cookie};
use crate::accounts::sessions;
use crate::app::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

/// The sign-out button, or sign-in when there is nothing to sign out of.
pub async fn show(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, PageError> {
    if session_cookie::current_session(&req, &state)
        .await?
        .is_none()
    {
        return Ok(see_other("/sign-in"));
    }
    let page = PageContext::new(&req, &state, true);
    let view = SignOutView {
        chrome: page.chrome.clone(),
    };
    Ok(page.respond(StatusCode::OK, view.render()))
}

/// Deletes the session server-side and the cookie client-side.
pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, PageError> {
    csrf::verify(&req, &state, &form.csrf_token)?;
    let mut idp_logout = None;
    if let Some(token) = session_cookie::session_token(&req, &state) {
        let active = session_cookie::current_session(&req, &state).await?;
        // Signed in through an organization's IdP: sign out there too (asked before the
        // session, and what it knows of the IdP's session, ends).
        if let Some(active) = &active {
            idp_logout = crate::saml::sp::logout::outgoing(&state, &active.session.id)
                .await
                .unwrap_or_else(|error| {
                    tracing::warn!(%error, "no SAML logout for this session");
                    None
                });
        }
        sessions::end(&state, &token).await?;
        tracing::info!("signed out");
        if let Some(active) = active {
            crate::audit::record(
                &state,
                crate::audit::Event::new(
                    "session.ended",
                    crate::audit::Actor::User(active.user.id.clone()),
                )
                .target("session", active.session.id.clone())
                .from(&super::client_info(&req, &state)),
            )
            .await;
        }
    }
    let mut response = match idp_logout {
        Some(target) => {
            let page = PageContext::new(&req, &state, false);
            let view = super::views::HandoffView {
                chrome: page.chrome.clone(),
                title: "Signing you out",
                message: format!(
                    "You are signed out of {}. Now signing you out of your organization's identity provider.",
                    state.config.brand.product_name
                ),
                target,
                link_text: "Continue".into(),
            };
            page.respond(StatusCode::OK, view.render())
        }
        None => see_other("/sign-in?notice=signed-out"),
    };
    let _ = response.add_removal_cookie(&session_cookie::clear_session_cookie(&state));
    Ok(response)
}
