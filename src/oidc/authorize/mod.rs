//! The authorization endpoint (`GET|POST /authorize`, RFC 6749 §4.1.1, OpenID Connect Core
//! §3.1.2): checks the request, sends the browser to sign in or consent when needed, and answers
//! the client with a code or an error. `/authorize/resume` continues a request after sign-in;
//! `POST /authorize/consent` records the user's decision.

pub mod checks;
pub mod decision;
pub mod interaction;
pub mod issue_code;
pub mod organization;
pub mod params;
pub mod request;
pub mod respond;

use self::checks::client::Unredirectable;
use self::decision::Next;
use self::interaction::Interaction;
use self::organization::Choice;
use self::params::Params;
use self::request::{AuthorizationRequest, Invalid};
use crate::accounts::sessions::ActiveSession;
use crate::app::AppState;
use crate::oidc::error::{ErrorCode, OAuthError};
use crate::oidc::scope::Scopes;
use crate::storage::consents;
use crate::web::{PageError, csrf, session_cookie};
use actix_web::{HttpRequest, HttpResponse, web};

/// `GET /authorize`
pub async fn get(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    start(&req, &state, Params::from_pairs(query.into_inner())).await
}

/// `POST /authorize` (form-encoded, same parameters). The browser arrives here by a form posted
/// from the client's site, which does not carry Tessera's `SameSite=Lax` session cookie; the
/// request is answered with a redirect to the same request as a GET, which does.
pub async fn post(form: web::Form<Vec<(String, String)>>) -> HttpResponse {
    same_request_as_get("/authorize", form.into_inner())
}

/// A 303 to `path` with the form's parameters as the query.
pub fn same_request_as_get(path: &str, pairs: Vec<(String, String)>) -> HttpResponse {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    crate::web::page::see_other(&format!("{path}?{query}"))
}

async fn start(
    req: &HttpRequest,
    state: &AppState,
    params: Params,
) -> Result<HttpResponse, PageError> {
    let request = match request::validate(state, params).await {
        Ok(request) => request,
        Err(invalid) => return refuse(state, invalid),
    };
    let session = session_cookie::current_session(req, state).await?;
    let mut kept = request.params.clone();
    kept.remove("id_token_hint");
    let interaction = Interaction {
        params: kept,
        started_at: state.clock.now(),
        prior_session: session
            .as_ref()
            .map(|s| interaction::session_marker(&s.session)),
        hinted_subject: request.hinted_subject.clone(),
    };
    proceed(req, state, request, interaction, session, false).await
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ResumeQuery {
    i: String,
}

/// `GET /authorize/resume?i=...`: back from the sign-in page.
pub async fn resume(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<ResumeQuery>,
) -> Result<HttpResponse, PageError> {
    let (request, interaction) = reopen(&state, &query.i).await?;
    let request = match request {
        Ok(request) => request,
        Err(invalid) => return refuse(&state, invalid),
    };
    let session = session_cookie::current_session(&req, &state).await?;
    proceed(&req, &state, request, interaction, session, false).await
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct OrganizationForm {
    csrf_token: String,
    interaction: String,
    session: String,
    organization: String,
}

/// `POST /authorize/organization`: the organization the user chose on the chooser page.
pub async fn choose_organization(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<OrganizationForm>,
) -> Result<HttpResponse, PageError> {
    let (request, interaction, active) = match answer_to(
        &req,
        &state,
        &form.csrf_token,
        &form.interaction,
        &form.session,
    )
    .await?
    {
        Ok(parts) => parts,
        Err(response) => return Ok(response),
    };
    if form.organization.len() > 100
        || !organization::switch(&state, &active, &form.organization).await?
    {
        return Err(PageError::BadRequest(
            "You are not a member of that organization.".into(),
        ));
    }
    // Continue with the session as it is now (its active organization just changed).
    let session = session_cookie::current_session(&req, &state).await?;
    proceed(&req, &state, request, interaction, session, false).await
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ConsentForm {
    csrf_token: String,
    interaction: String,
    session: String,
    decision: String,
}

/// `POST /authorize/consent`: the user's answer on the consent page.
pub async fn consent(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<ConsentForm>,
) -> Result<HttpResponse, PageError> {
    let (request, interaction, active) = match answer_to(
        &req,
        &state,
        &form.csrf_token,
        &form.interaction,
        &form.session,
    )
    .await?
    {
        Ok(parts) => parts,
        Err(response) => return Ok(response),
    };
    if form.decision != "allow" {
        let denied = OAuthError::new(ErrorCode::AccessDenied, "the user declined");
        return Ok(respond::error(&state, &request.reply, &denied));
    }
    let user_id = active.user.id.clone();
    let client_id = request.client.id.clone();
    let now = state.clock.now();
    let requested = request.scopes.clone();
    state
        .db
        .run(move |conn| {
            let before = consents::find(conn, &user_id, &client_id)?
                .map(|s| Scopes::from_stored(&s))
                .unwrap_or_default();
            consents::upsert(
                conn,
                &user_id,
                &client_id,
                &before.union(&requested).to_text(),
                now,
            )
        })
        .await?;
    tracing::info!(client_id = %request.client.id, "consent granted");
    crate::audit::record(
        &state,
        crate::audit::Event::new(
            "consent.granted",
            crate::audit::Actor::User(active.user.id.clone()),
        )
        .target("client", request.client.id.clone())
        .detail("scope", request.scopes.to_text())
        .from(&crate::web::client_info(&req, &state)),
    )
    .await;
    proceed(&req, &state, request, interaction, Some(active), true).await
}

/// What a form posted from one of the flow's pages (consent, organization chooser) answers: the
/// CSRF token checked, the sealed request reopened and checked again, and the session the page
/// was shown in. The answer counts only for that session (not one signed in elsewhere since);
/// otherwise the browser resumes the request from the start.
async fn answer_to(
    req: &HttpRequest,
    state: &AppState,
    csrf_token: &str,
    sealed: &str,
    session_id: &str,
) -> Result<Result<(AuthorizationRequest, Interaction, ActiveSession), HttpResponse>, PageError> {
    csrf::verify(req, state, csrf_token)?;
    let (request, interaction) = reopen(state, sealed).await?;
    let request = match request {
        Ok(request) => request,
        Err(invalid) => return refuse(state, invalid).map(Err),
    };
    let session = session_cookie::current_session(req, state).await?;
    match session.filter(|s| s.session.id == session_id) {
        Some(active) => Ok(Ok((request, interaction, active))),
        None => Ok(Err(crate::web::page::see_other(
            &interaction.resume_path(state),
        ))),
    }
}

async fn reopen(
    state: &AppState,
    sealed: &str,
) -> Result<(Result<AuthorizationRequest, Invalid>, Interaction), PageError> {
    let interaction = Interaction::open(state, sealed).ok_or_else(|| {
        PageError::BadRequest(
            "This sign-in request has expired or was changed. Go back to the application and start again."
                .into(),
        )
    })?;
    let mut request = request::validate(state, interaction.params.clone()).await;
    if let Ok(request) = &mut request {
        request.hinted_subject = interaction.hinted_subject.clone();
    }
    Ok((request, interaction))
}

async fn proceed(
    req: &HttpRequest,
    state: &AppState,
    request: AuthorizationRequest,
    interaction: Interaction,
    session: Option<ActiveSession>,
    consent_given: bool,
) -> Result<HttpResponse, PageError> {
    let remembered = match (&session, request.client.first_party) {
        (Some(active), false) => {
            let user_id = active.user.id.clone();
            let client_id = request.client.id.clone();
            state
                .db
                .run(move |conn| consents::find(conn, &user_id, &client_id))
                .await?
                .map(|s| Scopes::from_stored(&s))
        }
        _ => None,
    };
    let now = state.clock.now();
    let next = decision::decide(
        &request,
        &interaction,
        session.as_ref(),
        remembered.as_ref(),
        consent_given,
        now,
    );
    match (next, session) {
        (Next::SignIn { force }, _) => {
            let mut url = url::form_urlencoded::Serializer::new(String::new());
            url.append_pair("return_to", &interaction.resume_path(state));
            if force {
                url.append_pair("login", "1");
            }
            if let Some(hint) = &request.login_hint {
                url.append_pair("login_hint", hint);
            }
            Ok(crate::web::page::see_other(&format!(
                "/sign-in?{}",
                url.finish()
            )))
        }
        (next @ (Next::Consent | Next::Issue), Some(active)) => {
            // The organization is settled before consent, so the consent covers it.
            let chosen = organization::choose(state, &request, &active).await?;
            let organization_id = match chosen {
                Choice::NotAsked | Choice::NoMembership => None,
                Choice::Use(id) => Some(id),
                Choice::Refuse(error) => return Ok(respond::error(state, &request.reply, &error)),
                Choice::Ask(_) if request.prompt.none => {
                    let error = OAuthError::new(
                        ErrorCode::InteractionRequired,
                        "the user must choose an organization",
                    );
                    return Ok(respond::error(state, &request.reply, &error));
                }
                Choice::Ask(orgs) => {
                    return Ok(crate::web::choose_organization::page(
                        req,
                        state,
                        &request,
                        &active,
                        &orgs,
                        &interaction.seal(state),
                    ));
                }
            };
            if matches!(next, Next::Consent) {
                return Ok(crate::web::consent::page(
                    req,
                    state,
                    &request,
                    &active,
                    &interaction.seal(state),
                ));
            }
            match issue_code::issue(state, &request, &active, organization_id.as_deref()).await {
                Ok(code) => Ok(respond::code(state, &request.reply, &code)),
                Err(error) => Ok(respond::error(state, &request.reply, &error)),
            }
        }
        (Next::Fail(error), _) => Ok(respond::error(state, &request.reply, &error)),
        (_, None) => Ok(respond::error(
            state,
            &request.reply,
            &OAuthError::server_error(),
        )),
    }
}

fn refuse(state: &AppState, invalid: Invalid) -> Result<HttpResponse, PageError> {
    match invalid {
        Invalid::Client(reply, error) => Ok(respond::error(state, &reply, &error)),
        Invalid::Page(Unredirectable::UnknownClient) => Err(PageError::BadRequest(
            "The application that sent you here is not registered (unknown client_id), so we cannot send you back to it."
                .into(),
        )),
        Invalid::Page(Unredirectable::BadRedirectUri) => Err(PageError::BadRequest(
            "The application that sent you here asked us to send you to an address it has not registered (redirect_uri). For your safety we will not send you there."
                .into(),
        )),
        Invalid::Page(Unredirectable::Unavailable) => Err(PageError::Unavailable),
    }
}
