//! `GET|POST /verify-email`: the link from a sign-up or verification mail. GET only shows a
//! confirmation button; the POST uses the link.

use super::forms::{TokenForm, TokenQuery};
use super::page::{PageContext, see_other};
use super::views::{Errors, SignInView, VerifyEmailView};
use super::{PageError, client_info, csrf, return_to, session_cookie};
use crate::accounts::{AccountError, email_verification, sessions};
use crate::app::AppState;
use crate::config::SignUpMode;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

fn plausible(token: &str) -> bool {
    !token.is_empty() && token.len() <= 128
}

/// Shows the confirmation button for a usable link.
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, PageError> {
    if !plausible(&query.token) {
        return Err(PageError::LinkInvalid);
    }
    let email = email_verification::peek(&state, &query.token)
        .await?
        .ok_or(PageError::LinkInvalid)?;
    let page = PageContext::new(&req, &state, false);
    let view = VerifyEmailView {
        chrome: page.chrome.clone(),
        email,
        token: query.token.clone(),
    };
    Ok(page.respond(StatusCode::OK, view.render()))
}

/// Uses the link. A sign-up link creates the account and signs the person in.
pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<TokenForm>,
) -> Result<HttpResponse, PageError> {
    csrf::verify(&req, &state, &form.csrf_token)?;
    if !plausible(&form.token) {
        return Err(PageError::LinkInvalid);
    }
    let confirmed = match email_verification::confirm(&state, &form.token).await {
        Ok(confirmed) => confirmed,
        Err(AccountError::Invalid(field) | AccountError::Conflict(field)) => {
            // The address got an account meanwhile: offer to sign in.
            let page = PageContext::new(&req, &state, false);
            let view = SignInView {
                chrome: page.chrome.clone(),
                email: String::new(),
                return_to: None,
                errors: Errors::one("form", field.message),
                notice: None,
                sign_up_open: state.config.sign_up.mode == SignUpMode::Open,
            };
            return Ok(page.respond(StatusCode::CONFLICT, view.render()));
        }
        Err(other) => return Err(other.into()),
    };
    if !confirmed.created {
        let signed_in = session_cookie::current_session(&req, &state)
            .await?
            .is_some();
        let target = if signed_in {
            "/account?notice=email-verified"
        } else {
            "/sign-in?notice=email-verified"
        };
        return Ok(see_other(target));
    }
    tracing::info!(user_id = %confirmed.user.id, "account created");
    let client = client_info(&req, &state);
    crate::audit::record(
        &state,
        crate::audit::Event::new(
            "user.signed_up",
            crate::audit::Actor::User(confirmed.user.id.clone()),
        )
        .target("user", confirmed.user.id.clone())
        .from(&client),
    )
    .await;
    let current = session_cookie::session_token(&req, &state);
    let session = sessions::start(&state, &confirmed.user.id, &client, current.as_deref()).await?;
    let target = match confirmed
        .return_to
        .as_deref()
        .and_then(return_to::local_path)
    {
        Some(path) => path,
        None => "/account?notice=welcome".to_string(),
    };
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, target))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .cookie(session_cookie::session_cookie(&state, &session.token))
        .finish())
}
