//! The organization chooser shown during an authorization request with the `organization` scope
//! when the user belongs to several and none is active. Each choice posts to
//! `/authorize/organization`.

use super::page::{Chrome, PageContext};
use crate::accounts::sessions::ActiveSession;
use crate::app::AppState;
use crate::domain::organization::Organization;
use crate::oidc::authorize::interaction::csp_source_of;
use crate::oidc::authorize::request::AuthorizationRequest;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

#[derive(Template)]
#[template(path = "choose_organization.html")]
struct ChooseView<'a> {
    chrome: Chrome,
    client_name: &'a str,
    orgs: &'a [Organization],
    interaction: &'a str,
    session_id: &'a str,
}

/// The chooser page.
pub fn page(
    req: &HttpRequest,
    state: &AppState,
    request: &AuthorizationRequest,
    active: &ActiveSession,
    orgs: &[Organization],
    sealed_interaction: &str,
) -> HttpResponse {
    let page = PageContext::new(req, state, true);
    let view = ChooseView {
        chrome: page.chrome.clone(),
        client_name: &request.client.name,
        orgs,
        interaction: sealed_interaction,
        session_id: &active.session.id,
    };
    let mut response = page.respond(StatusCode::OK, view.render());
    if let Some(source) = csp_source_of(&request.reply.redirect_uri) {
        super::consent::set_form_targets(&mut response, &source);
    }
    response
}
