//! `GET|POST /sign-in`

use super::forms::{ReturnToQuery, SignInForm, any_oversized};
use super::page::{PageContext, see_other};
use super::views::{Errors, SignInView};
use super::{PageError, client_info, csrf, notices, return_to, session_cookie};
use crate::accounts::AccountError;
use crate::accounts::password_change::human_wait;
use crate::accounts::sign_in::{SignInAttempt, SignInError, sign_in};
use crate::app::AppState;
use crate::config::SignUpMode;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

fn view(
    req: &HttpRequest,
    state: &AppState,
    email: String,
    return_to: Option<String>,
    errors: Errors,
    notice: Option<&'static str>,
) -> (PageContext, SignInView) {
    let page = PageContext::new(req, state, false);
    let view = SignInView {
        chrome: page.chrome.clone(),
        email,
        return_to,
        errors,
        notice,
        sign_up_open: state.config.sign_up.mode == SignUpMode::Open,
    };
    (page, view)
}

/// The sign-in form; a signed-in browser goes straight on.
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<ReturnToQuery>,
) -> Result<HttpResponse, PageError> {
    let return_to = query.return_to.as_deref().and_then(return_to::local_path);
    // `login=1` (an app asked for a fresh sign-in) shows the form even to a signed-in browser.
    if query.login.is_none()
        && session_cookie::current_session(&req, &state)
            .await?
            .is_some()
    {
        return Ok(see_other(&return_to::destination(return_to.as_deref())));
    }
    let notice = notices::text(query.notice.as_deref());
    let email = query
        .login_hint
        .as_deref()
        .filter(|hint| hint.len() <= 320 && hint.contains('@'))
        .unwrap_or_default()
        .to_string();
    let target = return_to.clone();
    let (page, view) = view(&req, &state, email, return_to, Errors::none(), notice);
    Ok(with_form_target(
        &state,
        target.as_deref(),
        page.respond(StatusCode::OK, view.render()),
    ))
}

/// When the sign-in resumes an authorization request, its form ends in a redirect to the client;
/// the page's `form-action` must allow that origin.
fn with_form_target(
    state: &AppState,
    return_to: Option<&str>,
    mut response: HttpResponse,
) -> HttpResponse {
    if let Some(source) = return_to.and_then(|path| {
        crate::oidc::authorize::interaction::form_target_for_return_to(state, path)
    }) {
        super::consent::set_form_targets(&mut response, &source);
    }
    response
}

/// Checks the credentials; on success sets the session (and device) cookie and redirects.
pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<SignInForm>,
) -> Result<HttpResponse, PageError> {
    csrf::verify(&req, &state, &form.csrf_token)?;
    let return_to = form.return_to.as_deref().and_then(return_to::local_path);
    if any_oversized(&[&form.email, &form.password]) {
        let errors = Errors::one("form", "Wrong email or password.");
        let (page, view) = view(&req, &state, String::new(), return_to, errors, None);
        return Ok(page.respond(StatusCode::BAD_REQUEST, view.render()));
    }
    // Home-realm discovery: an address at a domain with a SAML connection goes to its IdP when
    // the person asks for SSO, sends no password, or the connection is mandatory.
    if let Ok(email) = crate::domain::EmailAddress::parse(&form.email) {
        let domain = email.domain().to_string();
        let connection = state
            .db
            .run(move |conn| crate::storage::saml_connections::for_domain(conn, &domain))
            .await
            .map_err(crate::accounts::AccountError::from)?;
        match connection {
            Some(c) if c.mandatory || form.sso.is_some() || form.password.is_empty() => {
                let mut target = format!("/saml/sp/{}/sso", c.id);
                if let Some(path) = &return_to {
                    target.push_str("?return_to=");
                    target.extend(url::form_urlencoded::byte_serialize(path.as_bytes()));
                }
                let org_id = c.organization_id.clone();
                let organization = state
                    .db
                    .run(move |conn| crate::storage::organizations::find(conn, &org_id))
                    .await
                    .map_err(crate::accounts::AccountError::from)?
                    .map(|o| o.name)
                    .unwrap_or_else(|| c.name.clone());
                let page = PageContext::new(&req, &state, false);
                let view = super::views::HandoffView {
                    chrome: page.chrome.clone(),
                    title: "Continue with single sign-on",
                    message: "Your organization signs you in with its own identity provider."
                        .into(),
                    target,
                    link_text: format!("Continue to {organization}"),
                };
                return Ok(page.respond(StatusCode::OK, view.render()));
            }
            None if form.sso.is_some() => {
                let errors = Errors::one(
                    "form",
                    "Single sign-on is not set up for this email domain. Sign in with your password.",
                );
                let email = form.email.trim().to_string();
                let (page, view) = view(&req, &state, email, return_to, errors, None);
                return Ok(page.respond(StatusCode::BAD_REQUEST, view.render()));
            }
            _ => {}
        }
    } else if form.sso.is_some() {
        let errors = Errors::one("email", "Enter your work email address.");
        let (page, view) = view(
            &req,
            &state,
            form.email.trim().to_string(),
            return_to,
            errors,
            None,
        );
        return Ok(page.respond(StatusCode::BAD_REQUEST, view.render()));
    }
    let client = client_info(&req, &state);
    let device = req
        .cookie(&state.cookies.device)
        .map(|c| c.value().to_string());
    let current = session_cookie::session_token(&req, &state);
    let result = sign_in(
        &state,
        SignInAttempt {
            email: &form.email,
            password: &form.password,
            client: &client,
            device_cookie: device.as_deref(),
            current_session: current.as_deref(),
        },
    )
    .await;
    let outcome = match &result {
        Ok(_) => "success",
        Err(e) => e.outcome(),
    };
    state.metrics.count_sign_in(outcome);
    let error = match result {
        Ok(signed_in) => {
            tracing::info!(user_id = %signed_in.user.id, "signed in");
            crate::audit::record(
                &state,
                crate::audit::Event::new(
                    "user.sign_in",
                    crate::audit::Actor::User(signed_in.user.id.clone()),
                )
                .target("user", signed_in.user.id.clone())
                .from(&client),
            )
            .await;
            let mut response = HttpResponse::SeeOther();
            response
                .insert_header((
                    header::LOCATION,
                    return_to::destination(return_to.as_deref()),
                ))
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .cookie(session_cookie::session_cookie(
                    &state,
                    &signed_in.session.token,
                ));
            if let Some(device) = &signed_in.device_cookie {
                response.cookie(session_cookie::device_cookie(&state, device));
            }
            return Ok(response.finish());
        }
        Err(error) => error,
    };
    tracing::info!(outcome, "sign-in failed");
    // The attempted address, only when it is one: people type passwords into the email box, and
    // the audit log never holds a secret.
    let mut event = crate::audit::Event::new("user.sign_in", crate::audit::Actor::Anonymous)
        .failed(outcome)
        .from(&client);
    if let Ok(email) = crate::domain::EmailAddress::parse(&form.email) {
        event = event.detail("email", email.as_str());
    }
    crate::audit::record(&state, event).await;
    let (status, message, retry_after) = match error {
        SignInError::BadCredentials => (
            StatusCode::UNAUTHORIZED,
            "Wrong email or password.".to_string(),
            None,
        ),
        SignInError::Disabled => (
            StatusCode::FORBIDDEN,
            "This account is disabled. Contact your administrator.".to_string(),
            None,
        ),
        SignInError::Throttled { retry_after } => (
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "Too many failed attempts. Try again in {}, or reset your password.",
                human_wait(retry_after)
            ),
            Some(retry_after),
        ),
        SignInError::Account(AccountError::Invalid(field) | AccountError::Conflict(field)) => {
            let email = form.email.trim().to_string();
            let target = return_to.clone();
            let (page, view) = view(&req, &state, email, return_to, field.into(), None);
            return Ok(with_form_target(
                &state,
                target.as_deref(),
                page.respond(StatusCode::BAD_REQUEST, view.render()),
            ));
        }
        SignInError::Account(other) => return Err(other.into()),
    };
    let email = form.email.trim().to_string();
    let target = return_to.clone();
    let (page, view) = view(
        &req,
        &state,
        email,
        return_to,
        Errors::one("form", message),
        None,
    );
    let mut response = with_form_target(
        &state,
        target.as_deref(),
        page.respond(status, view.render()),
    );
    if let Some(seconds) = retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, super::page::retry_after_value(seconds));
    }
    Ok(response)
}
