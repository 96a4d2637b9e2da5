//! `GET|POST /sign-up`

use super::forms::{ReturnToQuery, SignUpForm, any_oversized};
use super::page::{PageContext, see_other};
use super::views::{CheckEmailView, Errors, SignUpView};
use super::{PageError, csrf, return_to, session_cookie};
use crate::accounts::AccountError;
use crate::accounts::sign_up::{self, SignUpRequest};
use crate::app::AppState;
use crate::config::SignUpMode;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

fn closed_message(mode: SignUpMode) -> &'static str {
    match mode {
        SignUpMode::Open => "",
        SignUpMode::InviteOnly => {
            "New accounts are by invitation only. Ask an administrator for an invitation."
        }
        SignUpMode::Closed => "New accounts cannot be created here.",
    }
}

fn render(
    req: &HttpRequest,
    state: &AppState,
    status: StatusCode,
    form: Option<&SignUpForm>,
    return_to: Option<String>,
    errors: Errors,
) -> HttpResponse {
    let mode = state.config.sign_up.mode;
    let page = PageContext::new(req, state, false);
    let view = SignUpView {
        chrome: page.chrome.clone(),
        open: mode == SignUpMode::Open,
        closed_message: closed_message(mode),
        email: form.map(|f| f.email.trim().to_string()).unwrap_or_default(),
        name: form.map(|f| f.name.trim().to_string()).unwrap_or_default(),
        return_to,
        errors,
    };
    page.respond(status, view.render())
}

/// The sign-up form, or why sign-up is not open.
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<ReturnToQuery>,
) -> Result<HttpResponse, PageError> {
    let return_to = query.return_to.as_deref().and_then(return_to::local_path);
    if session_cookie::current_session(&req, &state)
        .await?
        .is_some()
    {
        return Ok(see_other(&return_to::destination(return_to.as_deref())));
    }
    Ok(render(
        &req,
        &state,
        StatusCode::OK,
        None,
        return_to,
        Errors::none(),
    ))
}

/// Validates and answers "check your email" whether or not the address has an account.
pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<SignUpForm>,
) -> Result<HttpResponse, PageError> {
    csrf::verify(&req, &state, &form.csrf_token)?;
    let return_to = form.return_to.as_deref().and_then(return_to::local_path);
    if state.config.sign_up.mode != SignUpMode::Open {
        return Ok(render(
            &req,
            &state,
            StatusCode::FORBIDDEN,
            None,
            return_to,
            Errors::none(),
        ));
    }
    if any_oversized(&[&form.email, &form.name, &form.password]) {
        let errors = Errors::one("form", "One of the fields is far too long.");
        return Ok(render(
            &req,
            &state,
            StatusCode::BAD_REQUEST,
            Some(&form),
            return_to,
            errors,
        ));
    }
    let request = SignUpRequest {
        email: &form.email,
        name: &form.name,
        password: &form.password,
        return_to: return_to.clone(),
    };
    match sign_up::start(&state, request).await {
        Ok(email) => {
            let page = PageContext::new(&req, &state, false);
            let view = CheckEmailView {
                chrome: page.chrome.clone(),
                email: email.to_string(),
                message: "To finish creating your account, open the link we just emailed you.",
            };
            Ok(page.respond(StatusCode::OK, view.render()))
        }
        Err(AccountError::Invalid(field) | AccountError::Conflict(field)) => Ok(render(
            &req,
            &state,
            StatusCode::BAD_REQUEST,
            Some(&form),
            return_to,
            field.into(),
        )),
        Err(other) => Err(other.into()),
    }
}
