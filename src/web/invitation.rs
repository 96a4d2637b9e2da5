//! `GET|POST /invitations/accept`: the link from an invitation mail. GET shows what the link
//! offers: join (signed in as the invited address), sign in first (the address has an account),
//! create an account right here (it has none), or why the link cannot be used. POST does it.

use super::forms::{TokenQuery, any_oversized};
use super::page::{Chrome, PageContext, see_other};
use super::views::Errors;
use super::{PageError, client_info, csrf, session_cookie};
use crate::accounts::{AccountError, sessions};
use crate::app::AppState;
use crate::organizations::invitations::{self, InvitationError, LinkProblem, Opened};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

/// What the page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationMode {
    Join,
    WrongAccount,
    SignIn,
    SignUp,
    Closed,
    Problem,
}

#[derive(Template)]
#[template(path = "invitation.html")]
struct InvitationView<'a> {
    chrome: Chrome,
    mode: InvitationMode,
    title: &'a str,
    organization: &'a str,
    role: &'a str,
    email: &'a str,
    token: &'a str,
    name: &'a str,
    return_path: String,
    message: &'a str,
    errors: Errors,
}

/// The accept form: the link's secret, and for a new account a name and a password.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AcceptForm {
    pub csrf_token: String,
    pub token: String,
    pub name: String,
    pub password: String,
}

struct Screen<'a> {
    mode: InvitationMode,
    opened: Option<&'a Opened>,
    token: &'a str,
    name: &'a str,
    errors: Errors,
}

fn render(
    req: &HttpRequest,
    state: &AppState,
    signed_in: bool,
    status: StatusCode,
    screen: Screen<'_>,
) -> HttpResponse {
    let page = PageContext::new(req, state, signed_in);
    let (organization, role, email) = screen.opened.map_or(("", "", ""), |o| {
        (
            o.organization_name.as_str(),
            o.invitation.role.as_str(),
            o.invitation.email.as_str(),
        )
    });
    let title = match screen.mode {
        InvitationMode::Problem => "This invitation cannot be used",
        InvitationMode::WrongAccount => "Wrong account",
        _ => "Join an organization",
    };
    let view = InvitationView {
        chrome: page.chrome.clone(),
        mode: screen.mode,
        title,
        organization,
        role,
        email,
        token: screen.token,
        name: screen.name,
        return_path: format!(
            "/invitations/accept?token={}",
            url::form_urlencoded::byte_serialize(screen.token.as_bytes()).collect::<String>()
        ),
        message: "",
        errors: screen.errors,
    };
    page.respond(status, view.render())
}

fn problem_page(
    req: &HttpRequest,
    state: &AppState,
    signed_in: bool,
    problem: LinkProblem,
) -> HttpResponse {
    let (status, message) = match problem {
        LinkProblem::Unknown => (
            StatusCode::NOT_FOUND,
            "This invitation link is not valid. Check that you opened the whole link from the mail.",
        ),
        LinkProblem::Expired => (
            StatusCode::GONE,
            "This invitation has expired. Ask the person who invited you for a new one.",
        ),
        LinkProblem::Accepted => (
            StatusCode::GONE,
            "This invitation was already accepted. Sign in to use the organization.",
        ),
        LinkProblem::Revoked => (
            StatusCode::GONE,
            "This invitation was withdrawn. Ask the person who invited you if you still need access.",
        ),
    };
    let page = PageContext::new(req, state, signed_in);
    let view = InvitationView {
        chrome: page.chrome.clone(),
        mode: InvitationMode::Problem,
        title: "This invitation cannot be used",
        organization: "",
        role: "",
        email: "",
        token: "",
        name: "",
        return_path: String::new(),
        message,
        errors: Errors::none(),
    };
    page.respond(status, view.render())
}

/// The mode for someone who is not signed in.
fn signed_out_mode(state: &AppState, opened: &Opened) -> InvitationMode {
    if opened.account_exists {
        InvitationMode::SignIn
    } else if state.config.sign_up.mode == crate::config::SignUpMode::Closed {
        InvitationMode::Closed
    } else {
        InvitationMode::SignUp
    }
}

/// Shows what the link offers.
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, PageError> {
    let active = session_cookie::current_session(&req, &state).await?;
    let signed_in = active.is_some();
    let opened = match invitations::open(&state, &query.token).await {
        Ok(opened) => opened,
        Err(InvitationError::Link(problem)) => {
            return Ok(problem_page(&req, &state, signed_in, problem));
        }
        Err(other) => return Err(page_error(other)),
    };
    let mode = match &active {
        Some(a) if a.user.email.as_str() == opened.invitation.email => InvitationMode::Join,
        Some(_) => InvitationMode::WrongAccount,
        None => signed_out_mode(&state, &opened),
    };
    let status = if mode == InvitationMode::WrongAccount {
        StatusCode::FORBIDDEN
    } else {
        StatusCode::OK
    };
    let screen = Screen {
        mode,
        opened: Some(&opened),
        token: &query.token,
        name: "",
        errors: Errors::none(),
    };
    Ok(render(&req, &state, signed_in, status, screen))
}

fn page_error(error: InvitationError) -> PageError {
    match error {
        InvitationError::Account(e) => e.into(),
        InvitationError::Link(_) => PageError::LinkInvalid,
        InvitationError::WrongAccount { .. } => {
            PageError::BadRequest("This invitation is for another address.".into())
        }
        InvitationError::SignUpClosed => {
            PageError::BadRequest("New accounts cannot be created here.".into())
        }
    }
}

/// Accepts: as the signed-in user, or by creating the invited address's account.
pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<AcceptForm>,
) -> Result<HttpResponse, PageError> {
    csrf::verify(&req, &state, &form.csrf_token)?;
    if any_oversized(&[&form.token, &form.name, &form.password]) {
        return Err(PageError::BadRequest(
            "One of the fields is far too long.".into(),
        ));
    }
    let active = session_cookie::current_session(&req, &state).await?;
    if let Some(active) = active {
        return match invitations::accept(&state, &form.token, &active.user, &active.session.id)
            .await
        {
            Ok(_) => Ok(see_other("/account?notice=joined")),
            Err(InvitationError::Link(problem)) => Ok(problem_page(&req, &state, true, problem)),
            Err(InvitationError::WrongAccount { .. }) => {
                let opened = invitations::open(&state, &form.token).await.ok();
                let screen = Screen {
                    mode: InvitationMode::WrongAccount,
                    opened: opened.as_ref(),
                    token: &form.token,
                    name: "",
                    errors: Errors::none(),
                };
                Ok(render(&req, &state, true, StatusCode::FORBIDDEN, screen))
            }
            Err(other) => Err(page_error(other)),
        };
    }
    match invitations::sign_up_and_accept(&state, &form.token, &form.name, &form.password).await {
        Ok((user, accepted)) => {
            let client = client_info(&req, &state);
            let current = session_cookie::session_token(&req, &state);
            let session = sessions::start(&state, &user.id, &client, current.as_deref()).await?;
            let (session_id, org_id) = (
                session.record.id.clone(),
                accepted.membership.organization_id.clone(),
            );
            state
                .db
                .run(move |conn| {
                    crate::storage::sessions::set_active_organization(
                        conn,
                        &session_id,
                        Some(&org_id),
                    )
                })
                .await?;
            Ok(HttpResponse::SeeOther()
                .insert_header((header::LOCATION, "/account?notice=joined"))
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .cookie(session_cookie::session_cookie(&state, &session.token))
                .finish())
        }
        Err(InvitationError::Link(problem)) => Ok(problem_page(&req, &state, false, problem)),
        Err(InvitationError::Account(AccountError::Invalid(field))) => {
            let opened = invitations::open(&state, &form.token).await.ok();
            let mode = opened
                .as_ref()
                .map_or(InvitationMode::SignUp, |o| signed_out_mode(&state, o));
            let screen = Screen {
                mode,
                opened: opened.as_ref(),
                token: &form.token,
                name: form.name.trim(),
                errors: field.into(),
            };
            Ok(render(&req, &state, false, StatusCode::BAD_REQUEST, screen))
        }
        Err(InvitationError::Account(AccountError::Conflict(field))) => {
            let opened = invitations::open(&state, &form.token).await.ok();
            let screen = Screen {
                mode: InvitationMode::SignIn,
                opened: opened.as_ref(),
                token: &form.token,
                name: "",
                errors: Errors::one("form", field.message),
            };
            Ok(render(&req, &state, false, StatusCode::CONFLICT, screen))
        }
        Err(InvitationError::SignUpClosed) => {
            let opened = invitations::open(&state, &form.token).await.ok();
            let screen = Screen {
                mode: InvitationMode::Closed,
                opened: opened.as_ref(),
                token: &form.token,
                name: "",
                errors: Errors::none(),
            };
            Ok(render(&req, &state, false, StatusCode::FORBIDDEN, screen))
        }
        Err(other) => Err(page_error(other)),
    }
}
