//! `/account`: profile, email verification, password change, and the person's own sessions.

use super::forms::{CsrfOnly, PasswordChangeForm, ProfileForm, ReturnToQuery, any_oversized};
use super::page::{PageContext, see_other};
use super::views::{
    AccountView, AppLine, Errors, OfferLine, OrgLine, ProfileFormValues, SessionLine,
};
use super::{PageError, csrf, notices, session_cookie};
use crate::accounts::profile::{self, ProfileInput};
use crate::accounts::sessions::{self, ActiveSession};
use crate::accounts::{AccountError, email_verification, password_change};
use crate::app::AppState;
use crate::storage::sessions::SessionRecord;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

/// The session of a request that needs one, or the redirect to sign in.
async fn require_session(
    req: &HttpRequest,
    state: &AppState,
) -> Result<Result<ActiveSession, HttpResponse>, PageError> {
    match session_cookie::current_session(req, state).await? {
        Some(active) => Ok(Ok(active)),
        None => {
            let had_cookie = session_cookie::session_token(req, state).is_some();
            let notice = if had_cookie {
                "&notice=session-expired"
            } else {
                ""
            };
            let mut response = see_other(&format!("/sign-in?return_to=%2Faccount{notice}"));
            if had_cookie {
                let _ = response.add_removal_cookie(&session_cookie::clear_session_cookie(state));
            }
            Ok(Err(response))
        }
    }
}

macro_rules! signed_in {
    ($req:expr, $state:expr) => {
        match require_session(&$req, &$state).await? {
            Ok(active) => active,
            Err(redirect) => return Ok(redirect),
        }
    };
}

fn format_time(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

/// "Firefox on Linux" from a user agent, or the start of it.
fn describe_device(user_agent: Option<&str>) -> String {
    let Some(ua) = user_agent.filter(|u| !u.is_empty()) else {
        return "Unknown device".to_string();
    };
    let browser = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
        ("curl/", "curl"),
    ]
    .iter()
    .find(|(needle, _)| ua.contains(needle))
    .map(|(_, name)| *name);
    let os = [
        ("Android", "Android"),
        ("iPhone", "iOS"),
        ("iPad", "iPadOS"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("CrOS", "ChromeOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(needle, _)| ua.contains(needle))
    .map(|(_, name)| *name);
    match (browser, os) {
        (Some(b), Some(o)) => format!("{b} on {o}"),
        (Some(b), None) => b.to_string(),
        (None, Some(o)) => format!("Browser on {o}"),
        (None, None) => ua.chars().take(60).collect(),
    }
}

fn session_lines(records: Vec<SessionRecord>, current_id: &str) -> Vec<SessionLine> {
    records
        .into_iter()
        .map(|s| SessionLine {
            current: s.id == current_id,
            device: describe_device(s.user_agent.as_deref()),
            ip: s.ip.clone().unwrap_or_default(),
            created: format_time(s.created_at),
            last_seen: format_time(s.last_seen_at),
            id: s.id,
        })
        .collect()
}

async fn render(
    req: &HttpRequest,
    state: &AppState,
    active: &ActiveSession,
    status: StatusCode,
    form: Option<ProfileFormValues>,
    errors: Errors,
    notice: Option<&'static str>,
) -> Result<HttpResponse, PageError> {
    let records = sessions::list(state, &active.user.id).await?;
    let apps = crate::accounts::apps::list(state, &active.user.id)
        .await?
        .into_iter()
        .map(|a| AppLine {
            access: crate::oidc::scope::Scopes::from_stored(&a.scope)
                .iter()
                .map(super::consent::scope_line)
                .collect(),
            since: format_time(a.granted_at),
            name: a.client_name,
            client_id: a.client_id,
        })
        .collect();
    let active_org = active.session.active_organization_id.clone();
    let orgs = crate::organizations::of_user(state, &active.user.id)
        .await
        .map_err(|e| PageError::Internal(e.to_string()))?
        .into_iter()
        .map(|(org, membership)| OrgLine {
            active: active_org.as_deref() == Some(org.id.as_str()),
            id: org.id,
            name: org.name,
            slug: org.slug,
            role: membership.role,
        })
        .collect();
    let mut offers: Vec<OfferLine> =
        crate::organizations::invitations::pending_for(state, &active.user)
            .await
            .map_err(|e| PageError::Internal(e.to_string()))?
            .into_iter()
            .map(|(invitation, org_name)| OfferLine {
                field: "invitation",
                id: invitation.id,
                name: org_name,
                role: Some(invitation.role),
            })
            .collect();
    offers.extend(
        crate::organizations::domains::suggestions_for(state, &active.user)
            .await
            .map_err(org_page_error)?
            .into_iter()
            .map(|(id, name, _)| OfferLine {
                field: "organization",
                id,
                name,
                role: None,
            }),
    );
    let managed_by = crate::accounts::directory::owner(state, &active.user)
        .await?
        .map(|org| org.name);
    let page = PageContext::new(req, state, true);
    let view = AccountView {
        managed_by,
        chrome: page.chrome.clone(),
        form: form.unwrap_or_else(|| ProfileFormValues::from(&active.user)),
        sessions: session_lines(records, &active.session.id),
        apps,
        orgs,
        offers,
        can_create_org: state.config.organizations.create_from_pages,
        user: active.user.clone(),
        errors,
        notice,
    };
    Ok(page.respond(status, view.render()))
}

/// The account page again, with an error next to a field.
async fn form_error(
    req: &HttpRequest,
    state: &AppState,
    active: &ActiveSession,
    status: StatusCode,
    field: crate::domain::FieldError,
) -> Result<HttpResponse, PageError> {
    render(req, state, active, status, None, field.into(), None).await
}

/// `GET /account`
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<ReturnToQuery>,
) -> Result<HttpResponse, PageError> {
    let active = signed_in!(req, state);
    let notice = notices::text(query.notice.as_deref());
    render(
        &req,
        &state,
        &active,
        StatusCode::OK,
        None,
        Errors::none(),
        notice,
    )
    .await
}

/// `POST /account/profile`
pub async fn save_profile(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<ProfileForm>,
) -> Result<HttpResponse, PageError> {
    csrf::verify(&req, &state, &form.csrf_token)?;
    let active = signed_in!(req, state);
    let submitted = ProfileFormValues {
        name: form.name.clone(),
        given_name: form.given_name.clone(),
        family_name: form.family_name.clone(),
        username: form.username.clone(),
        picture: form.picture.clone(),
        locale: form.locale.clone(),
    };
    if any_oversized(&[
        &form.name,
        &form.given_name,
        &form.family_name,
        &form.username,
        &form.picture,
        &form.locale,
    ]) {
        let errors = Errors::one("form", "One of the fields is far too long.");
        return render(
            &req,
            &state,
            &active,
            StatusCode::BAD_REQUEST,
            Some(submitted),
            errors,
            None,
        )
        .await;
    }
    let input = ProfileInput {
        name: &form.name,
        given_name: &form.given_name,
        family_name: &form.family_name,
        username: &form.username,
        picture: &form.picture,
        locale: &form.locale,
    };
    match profile::update(&state, &active.user, input).await {
        Ok(_) => Ok(see_other("/account?notice=profile-saved")),
        Err(AccountError::Invalid(field) | AccountError::Conflict(field)) => {
            render(
                &req,
                &state,
                &active,
                StatusCode::BAD_REQUEST,
                Some(submitted),
                field.into(),
                None,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

/// `POST /account/password`
pub async fn change_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<PasswordChangeForm>,
) -> Result<HttpResponse, PageError> {
    csrf::verify(&req, &state, &form.csrf_token)?;
    let active = signed_in!(req, state);
    if any_oversized(&[&form.current_password, &form.new_password]) {
        let errors = Errors::one("new_password", "That password is far too long.");
        return render(
            &req,
            &state,
            &active,
            StatusCode::BAD_REQUEST,
            None,
            errors,
            None,
        )
        .await;
    }
    match password_change::change(&state, &active, &form.current_password, &form.new_password).await
    {
        Ok(()) => {
            audit(&req, &state, &active, "user.password_changed", None).await;
            Ok(see_other("/account?notice=password-changed"))
        }
        Err(AccountError::Invalid(field) | AccountError::Conflict(field)) => {
            form_error(&req, &state, &active, StatusCode::BAD_REQUEST, field).await
        }
        Err(other) => Err(other.into()),
    }
}

/// `POST /account/verify-email`
pub async fn send_verification(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, PageError> {
    csrf::verify(&req, &state, &form.csrf_token)?;
    let active = signed_in!(req, state);
    match email_verification::send(&state, &active.user).await {
        Ok(()) => Ok(see_other("/account?notice=verification-sent")),
        Err(AccountError::Invalid(field) | AccountError::Conflict(field)) => {
            form_error(&req, &state, &active, StatusCode::TOO_MANY_REQUESTS, field).await
        }
        Err(other) => Err(other.into()),
    }
}

/// `POST /account/sessions/{id}/revoke`: only the person's own sessions can be named.
pub async fn revoke_session(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, PageError> {
    csrf::verify(&req, &state, &form.csrf_token)?;
    let active = signed_in!(req, state);
    let id = path.into_inner();
    if id.len() > 64 {
        return Err(PageError::NotFound);
    }
    sessions::revoke(&state, &active.user.id, &id).await?;
    audit(
        &req,
        &state,
        &active,
        "session.revoked",
        Some(("session", id.clone())),
    )
    .await;
    if id == active.session.id {
        let mut response = see_other("/sign-in?notice=signed-out");
        let _ = response.add_removal_cookie(&session_cookie::clear_session_cookie(&state));
        return Ok(response);
    }
    Ok(see_other("/account?notice=session-revoked"))
}

/// `POST /account/sessions/revoke-others`
pub async fn revoke_other_sessions(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, PageError> {
    csrf::verify(&req, &state, &form.csrf_token)?;
    let active = signed_in!(req, state);
    sessions::revoke_others(&state, &active.user.id, &active.session.id).await?;
    audit(&req, &state, &active, "session.revoked_others", None).await;
    Ok(see_other("/account?notice=sessions-revoked"))
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct OrganizationForm {
    csrf_token: String,
    organization: String,
}

/// `POST /account/organization`: makes one of the user's organizations the active one.
pub async fn switch_organization(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<OrganizationForm>,
) -> Result<HttpResponse, PageError> {
    csrf::verify(&req, &state, &form.csrf_token)?;
    let active = signed_in!(req, state);
    if form.organization.len() > 100
        || !crate::oidc::authorize::organization::switch(&state, &active, &form.organization)
            .await?
    {
        return Err(PageError::NotFound);
    }
    Ok(see_other("/account?notice=organization-switched"))
}

/// What `POST /account/organizations/join` names: an invitation or a suggesting organization.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct JoinForm {
    csrf_token: String,
    invitation: String,
    organization: String,
}

/// `POST /account/organizations/join`: accepts an invitation to the user's verified address, or
/// joins an organization that suggests itself; either becomes the active organization.
pub async fn join_organization(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<JoinForm>,
) -> Result<HttpResponse, PageError> {
    use crate::organizations::invitations::InvitationError;
    csrf::verify(&req, &state, &form.csrf_token)?;
    let active = signed_in!(req, state);
    let joined = if !form.invitation.is_empty() {
        match crate::organizations::invitations::accept_by_id(
            &state,
            &form.invitation,
            &active.user,
            &active.session.id,
        )
        .await
        {
            Ok(_) => true,
            Err(InvitationError::Account(e)) => return Err(e.into()),
            Err(_) => false,
        }
    } else if !form.organization.is_empty() && form.organization.len() <= 100 {
        match crate::organizations::domains::join_suggested(
            &state,
            &form.organization,
            &active.user,
            &active.session.id,
        )
        .await
        {
            Ok(_) => true,
            Err(crate::organizations::OrgError::NotFound(_)) => false,
            // A second click while the first joined: the membership is there.
            Err(crate::organizations::OrgError::Conflict(_)) => true,
            Err(e) => return Err(org_page_error(e)),
        }
    } else {
        false
    };
    if joined {
        Ok(see_other("/account?notice=joined"))
    } else {
        Err(PageError::NotFound)
    }
}

/// The "create an organization" form.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct CreateOrganizationForm {
    csrf_token: String,
    name: String,
    slug: String,
}

/// `POST /account/organizations`: a signed-in user creates an organization and becomes its
/// admin (when `organizations.create_from_pages` allows); it becomes the active one.
pub async fn create_organization(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<CreateOrganizationForm>,
) -> Result<HttpResponse, PageError> {
    use crate::organizations::OrgError;
    csrf::verify(&req, &state, &form.csrf_token)?;
    let active = signed_in!(req, state);
    if !state.config.organizations.create_from_pages {
        return Err(PageError::NotFound);
    }
    if super::forms::any_oversized(&[&form.name, &form.slug]) {
        return Err(PageError::BadRequest(
            "One of the fields is far too long.".into(),
        ));
    }
    let input = crate::organizations::NewOrganization {
        name: form.name.clone(),
        slug: Some(form.slug.trim().to_string()).filter(|s| !s.is_empty()),
        logo_url: None,
        owner: Some(active.user.id.clone()),
    };
    match crate::organizations::create(&state, input).await {
        Ok(org) => {
            crate::audit::record(
                &state,
                crate::audit::Event::new(
                    "organization.created",
                    crate::audit::Actor::User(active.user.id.clone()),
                )
                .target("organization", org.id.clone())
                .organization(org.id.clone())
                .from(&super::client_info(&req, &state)),
            )
            .await;
            let (session, org_id) = (active.session.id.clone(), org.id.clone());
            state
                .db
                .run(move |conn| {
                    crate::storage::sessions::set_active_organization(conn, &session, Some(&org_id))
                })
                .await?;
            Ok(see_other("/account?notice=organization-created"))
        }
        Err(OrgError::Invalid(field) | OrgError::Conflict(field)) => {
            let message = match field.field {
                "slug" => format!("Address name: {}", field.message),
                _ => format!("Organization name: {}", field.message),
            };
            let field = crate::domain::FieldError::new("organization", message);
            form_error(&req, &state, &active, StatusCode::BAD_REQUEST, field).await
        }
        Err(other) => Err(org_page_error(other)),
    }
}

fn org_page_error(error: crate::organizations::OrgError) -> PageError {
    use crate::organizations::OrgError;
    match error {
        OrgError::Unavailable => PageError::Unavailable,
        OrgError::NotFound(_) => PageError::NotFound,
        other => PageError::Internal(other.to_string()),
    }
}

/// `POST /account/apps/{client_id}/revoke`: takes an app's access away.
pub async fn revoke_app(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, PageError> {
    csrf::verify(&req, &state, &form.csrf_token)?;
    let active = signed_in!(req, state);
    let client_id = path.into_inner();
    if client_id.len() > 100 {
        return Err(PageError::NotFound);
    }
    crate::accounts::apps::revoke(&state, &active.user.id, &client_id).await?;
    audit(
        &req,
        &state,
        &active,
        "consent.revoked",
        Some(("client", client_id)),
    )
    .await;
    Ok(see_other("/account?notice=app-revoked"))
}

/// Records what the person did on their account page.
async fn audit(
    req: &HttpRequest,
    state: &AppState,
    active: &ActiveSession,
    action: &'static str,
    target: Option<(&'static str, String)>,
) {
    let mut event =
        crate::audit::Event::new(action, crate::audit::Actor::User(active.user.id.clone()))
            .from(&super::client_info(req, state));
    event = match target {
        Some((kind, id)) => event.target(kind, id),
        None => event.target("user", active.user.id.clone()),
    };
    crate::audit::record(state, event).await;
}

#[cfg(test)]
mod tests {
    use super::describe_device;

    #[test]
    fn devices() {
        let ff = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
        assert_eq!(describe_device(Some(ff)), "Firefox on Linux");
        assert_eq!(describe_device(None), "Unknown device");
    }
}
