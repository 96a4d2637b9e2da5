//! `GET|POST /forgot-password` and `GET|POST /reset-password`.

use super::forms::{EmailForm, ResetPasswordForm, TokenQuery, any_oversized};
use super::page::{PageContext, see_other};
use super::views::{CheckEmailView, Errors, ForgotPasswordView, ResetPasswordView};
use super::{PageError, csrf};
use crate::accounts::{AccountError, password_reset};
use crate::app::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

fn request_form(
    req: &HttpRequest,
    state: &AppState,
    status: StatusCode,
    email: String,
    errors: Errors,
) -> HttpResponse {
    let page = PageContext::new(req, state, false);
    let view = ForgotPasswordView {
        chrome: page.chrome.clone(),
        email,
        errors,
    };
    page.respond(status, view.render())
}

/// The "forgot your password" form.
pub async fn show_request(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    request_form(&req, &state, StatusCode::OK, String::new(), Errors::none())
}

/// Always answers "check your email" for a well-formed address.
pub async fn submit_request(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<EmailForm>,
) -> Result<HttpResponse, PageError> {
    csrf::verify(&req, &state, &form.csrf_token)?;
    if any_oversized(&[&form.email]) {
        let errors = Errors::one("email", "That email address is too long.");
        return Ok(request_form(
            &req,
            &state,
            StatusCode::BAD_REQUEST,
            String::new(),
            errors,
        ));
    }
    match password_reset::request(&state, &form.email).await {
        Ok(email) => {
            let page = PageContext::new(&req, &state, false);
            let view = CheckEmailView {
                chrome: page.chrome.clone(),
                email: email.to_string(),
                message: "If an account uses this address, we sent it a link to choose a new password.",
            };
            Ok(page.respond(StatusCode::OK, view.render()))
        }
        Err(AccountError::Invalid(field) | AccountError::Conflict(field)) => Ok(request_form(
            &req,
            &state,
            StatusCode::BAD_REQUEST,
            form.email.trim().to_string(),
            field.into(),
        )),
        Err(other) => Err(other.into()),
    }
}

fn reset_form(
    req: &HttpRequest,
    state: &AppState,
    status: StatusCode,
    token: String,
    errors: Errors,
) -> HttpResponse {
    let page = PageContext::new(req, state, false);
    let view = ResetPasswordView {
        chrome: page.chrome.clone(),
        token,
        errors,
    };
    page.respond(status, view.render())
}

fn plausible(token: &str) -> bool {
    !token.is_empty() && token.len() <= 128
}

/// The new-password form for a usable link.
pub async fn show_reset(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, PageError> {
    if !plausible(&query.token) || !password_reset::is_usable(&state, &query.token).await? {
        return Err(PageError::LinkInvalid);
    }
    Ok(reset_form(
        &req,
        &state,
        StatusCode::OK,
        query.token.clone(),
        Errors::none(),
    ))
}

/// Sets the new password; every session of the account ends, so the person signs in again.
pub async fn submit_reset(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<ResetPasswordForm>,
) -> Result<HttpResponse, PageError> {
    csrf::verify(&req, &state, &form.csrf_token)?;
    if !plausible(&form.token) {
        return Err(PageError::LinkInvalid);
    }
    if any_oversized(&[&form.password]) {
        let errors = Errors::one("password", "That password is far too long.");
        return Ok(reset_form(
            &req,
            &state,
            StatusCode::BAD_REQUEST,
            form.token.clone(),
            errors,
        ));
    }
    match password_reset::complete(&state, &form.token, &form.password).await {
        Ok(()) => {
            let mut response = see_other("/sign-in?notice=password-reset");
            let _ =
                response.add_removal_cookie(&super::session_cookie::clear_session_cookie(&state));
            Ok(response)
        }
        Err(AccountError::Invalid(field) | AccountError::Conflict(field)) => Ok(reset_form(
            &req,
            &state,
            StatusCode::BAD_REQUEST,
            form.token.clone(),
            field.into(),
        )),
        Err(other) => Err(other.into()),
    }
}
