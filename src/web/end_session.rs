//! The pages of RP-initiated logout: the confirmation asked when the request cannot prove who
//! sent it, and the signed-out page.

use super::page::{Chrome, PageContext};
use crate::accounts::sessions::ActiveSession;
use crate::app::AppState;
use crate::oidc::authorize::interaction::csp_source_of;
use crate::oidc::end_session::LogoutRequest;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

#[derive(Template)]
#[template(path = "end_session.html")]
struct ConfirmView {
    chrome: Chrome,
    client_name: Option<String>,
    email: String,
    sealed: String,
}

#[derive(Template)]
#[template(path = "signed_out.html")]
struct SignedOutView {
    chrome: Chrome,
}

/// "Sign out?" with the sealed request in the form.
pub fn confirm_page(
    req: &HttpRequest,
    state: &AppState,
    request: &LogoutRequest,
    active: &ActiveSession,
    sealed: &str,
) -> HttpResponse {
    let page = PageContext::new(req, state, true);
    let view = ConfirmView {
        chrome: page.chrome.clone(),
        client_name: request.client_name.clone(),
        email: active.user.email.as_str().to_string(),
        sealed: sealed.to_string(),
    };
    let mut response = page.respond(StatusCode::OK, view.render());
    if let Some(source) = request.redirect.as_deref().and_then(csp_source_of) {
        super::consent::set_form_targets(&mut response, &source);
    }
    response
}

/// "You are signed out" (no form on it, so no CSRF cookie is needed).
pub fn signed_out_page(state: &AppState) -> HttpResponse {
    let brand = &state.config.brand;
    let view = SignedOutView {
        chrome: Chrome {
            product_name: brand.product_name.clone(),
            logo_url: brand.logo_url.clone(),
            css_href: state.asset_hrefs.stylesheet.clone(),
            brand_css_href: state.asset_hrefs.brand.clone(),
            csrf_token: String::new(),
            signed_in: false,
        },
    };
    match view.render() {
        Ok(body) => {
            let mut response = HttpResponse::Ok()
                .content_type("text/html; charset=utf-8")
                .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
                .body(body);
            response.extensions_mut().insert(super::page::RenderedPage);
            response
        }
        Err(_) => HttpResponse::InternalServerError().finish(),
    }
}
