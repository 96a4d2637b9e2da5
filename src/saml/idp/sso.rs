//! The IdP's single sign-on: `GET|POST /saml/idp/sso` takes an AuthnRequest (HTTP-Redirect or
//! HTTP-POST), `GET /saml/idp/resume/{id}` answers it once the person has signed in on the hosted
//! page, and `GET /saml/idp/apps/{app}/start` is IdP-initiated sign-in to one app. The answer
//! goes only to an ACS URL registered for the app, by an auto-posting form.

use super::super::certificates::Certificate;
use super::super::error::SamlError;
use super::super::sp::acs::saml_error_page;
use super::binding::{self, Incoming};
use super::response::{self, Issue};
use crate::accounts::sessions::ActiveSession;
use crate::app::AppState;
use crate::audit::{self, Actor, Event};
use crate::storage::saml_apps::{self as store, SamlAppRow, SamlIdpRequestRow};
use crate::storage::{organizations, scim_groups};
use crate::web::{client_info, session_cookie};
use actix_web::{HttpRequest, HttpResponse, web};

/// The longest RelayState passed on (the binding allows 80 bytes; SPs send more).
const MAX_RELAY_STATE: usize = 1024;

#[derive(Debug, serde::Deserialize)]
pub struct PostForm {
    #[serde(rename = "SAMLRequest")]
    pub saml_request: String,
    #[serde(rename = "RelayState")]
    pub relay_state: Option<String>,
}

fn refuse(req: &HttpRequest, state: &AppState, error: SamlError) -> HttpResponse {
    tracing::warn!(reason = error.reason(), %error, "SAML request refused");
    saml_error_page(req, state, &error)
}

/// `GET /saml/idp/sso`
pub async fn redirect_binding(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let incoming = binding::from_redirect(req.query_string(), "SAMLRequest");
    receive(&req, &state, incoming).await
}

/// `POST /saml/idp/sso`
pub async fn post_binding(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<PostForm>,
) -> HttpResponse {
    let form = form.into_inner();
    let incoming = binding::from_post(&form.saml_request, form.relay_state);
    receive(&req, &state, incoming).await
}

/// Stores the request, then continues on a same-origin GET (`/saml/idp/resume/{id}`): a
/// request arriving by a cross-site POST carries no SameSite=Lax session cookie, so whether the
/// person is signed in is only known there.
async fn receive(
    req: &HttpRequest,
    state: &AppState,
    incoming: Result<Incoming, SamlError>,
) -> HttpResponse {
    // Counted before anything is read: every request costs parsing, and a good one a row.
    if let Err(error) = super::super::request_budget(state, client_info(req, state).ip).await {
        return refuse(req, state, error);
    }
    let incoming = match incoming {
        Ok(incoming) => incoming,
        Err(error) => return refuse(req, state, error),
    };
    match accept_request(state, incoming).await {
        Ok((pending, nonce)) => {
            let mut response =
                crate::web::page::see_other(&format!("/saml/idp/resume/{}", pending.id));
            let _ = response.add_cookie(&browser_cookie(state, &pending.id, &nonce));
            response
        }
        Err(error) => refuse(req, state, error),
    }
}

/// The cookie that ties a pending request to the browser that brought it (one per request, so
/// sign-ins in several tabs do not disturb each other). SameSite=Lax: it comes along on the
/// same-site GET to `/saml/idp/resume/{id}`.
fn browser_cookie(state: &AppState, id: &str, nonce: &str) -> actix_web::cookie::Cookie<'static> {
    actix_web::cookie::Cookie::build(browser_cookie_name(state, id), nonce.to_string())
        .path("/")
        .http_only(true)
        .secure(state.cookies.secure)
        .same_site(actix_web::cookie::SameSite::Lax)
        .max_age(actix_web::cookie::time::Duration::seconds(
            state.config.oidc.interaction_seconds,
        ))
        .finish()
}

fn browser_cookie_name(state: &AppState, id: &str) -> String {
    let short: String = id
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(12)
        .collect();
    state
        .cookies
        .host_prefixed(&format!("tessera_saml_{short}"))
}

/// An `xs:boolean` attribute.
fn flag(message: &binding::Message, name: &str) -> bool {
    matches!(message.attribute(name), Some("true" | "1"))
}

/// Checks an AuthnRequest and stores it as pending.
async fn accept_request(
    state: &AppState,
    incoming: Incoming,
) -> Result<(SamlIdpRequestRow, String), SamlError> {
    let message = binding::read(&incoming.xml)?;
    if message.root != "AuthnRequest" || message.attribute("Version") != Some("2.0") {
        return Err(SamlError::Malformed("not a SAML 2.0 AuthnRequest".into()));
    }
    let issuer = message
        .issuer
        .clone()
        .ok_or_else(|| SamlError::Malformed("the AuthnRequest has no Issuer".into()))?;
    let lookup = issuer.clone();
    let app = state
        .db
        .run(move |conn| store::find_by_entity_id(conn, &lookup))
        .await?
        .ok_or(SamlError::UnknownApp(issuer))?;
    let certificates = Certificate::all_from_pem(&app.certificates).unwrap_or_default();
    if app.requests_signed || (incoming.has_signature()? && !certificates.is_empty()) {
        incoming.verify(&certificates)?;
    }
    if let Some(destination) = message.attribute("Destination")
        && destination != state.url("/saml/idp/sso")
    {
        return Err(SamlError::Destination);
    }
    if message
        .attribute("ProtocolBinding")
        .is_some_and(|b| b != super::super::BINDING_POST)
    {
        return Err(SamlError::Malformed(
            "only the HTTP-POST binding answers".into(),
        ));
    }
    // Never send an assertion anywhere the app did not register.
    let acs_url = match message.attribute("AssertionConsumerServiceURL") {
        Some(url) if app.acs_list().contains(&url) => url.to_string(),
        Some(_) => return Err(SamlError::Recipient),
        None => app
            .acs_list()
            .first()
            .map(|s| s.to_string())
            .ok_or(SamlError::Recipient)?,
    };
    let request_id = message
        .attribute("ID")
        .filter(|id| !id.is_empty() && id.len() <= 256)
        .ok_or_else(|| SamlError::Malformed("the AuthnRequest has no ID".into()))?
        .to_string();
    let relay_state = incoming.relay_state.filter(|r| r.len() <= MAX_RELAY_STATE);
    let now = state.clock.now();
    let nonce = crate::crypto::random_token();
    let row = SamlIdpRequestRow {
        browser_digest: crate::crypto::SecretDigest::of(&nonce).as_str().to_string(),
        id: crate::crypto::random_token(),
        app_id: app.id.clone(),
        request_id: Some(request_id),
        acs_url,
        relay_state,
        force_authn: flag(&message, "ForceAuthn"),
        created_at: now,
        expires_at: now + state.config.oidc.interaction_seconds,
        is_passive: flag(&message, "IsPassive"),
    };
    let stored = row.clone();
    state
        .db
        .run(move |conn| store::insert_request(conn, &stored))
        .await?;
    Ok((row, nonce))
}

fn sign_in_redirect(return_to: &str, fresh: bool) -> HttpResponse {
    let mut location = format!(
        "/sign-in?return_to={}",
        url::form_urlencoded::byte_serialize(return_to.as_bytes()).collect::<String>()
    );
    if fresh {
        location.push_str("&login=1");
    }
    crate::web::page::see_other(&location)
}

async fn passive_failure(
    req: &HttpRequest,
    state: &AppState,
    pending: SamlIdpRequestRow,
) -> HttpResponse {
    let result = async {
        let (lookup, now) = (pending.id.clone(), state.clock.now());
        state
            .db
            .run(move |conn| store::take_request(conn, &lookup, now))
            .await?;
        let key = super::super::sp::current_key(state).await?;
        let (entity, acs, irt) = (
            super::entity_id(state),
            pending.acs_url.clone(),
            pending.request_id.clone(),
        );
        web::block(move || {
            response::failure(
                &entity,
                &acs,
                irt.as_deref(),
                "urn:oasis:names:tc:SAML:2.0:status:NoPassive",
                now,
                &key,
            )
        })
        .await
        .map_err(|e| SamlError::Internal(e.to_string()))?
    }
    .await;
    match result {
        Ok(xml) => post_form(&pending.acs_url, &xml, pending.relay_state.as_deref()),
        Err(error) => refuse(req, state, error),
    }
}

/// The auto-posting form to the ACS.
fn post_form(acs_url: &str, xml: &str, relay_state: Option<&str>) -> HttpResponse {
    use base64::Engine;
    let mut fields = vec![(
        "SAMLResponse",
        base64::engine::general_purpose::STANDARD.encode(xml),
    )];
    if let Some(relay) = relay_state {
        fields.push(("RelayState", relay.to_string()));
    }
    crate::web::form_post::page(acs_url, &fields)
}

/// `GET /saml/idp/resume/{id}`: after the sign-in page.
pub async fn resume(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> HttpResponse {
    let id = path.into_inner();
    let session = match session_cookie::current_session(&req, &state).await {
        Ok(session) => session,
        Err(_) => return refuse(&req, &state, SamlError::Internal("session lookup".into())),
    };
    let lookup = id.clone();
    let now = state.clock.now();
    let pending = match state
        .db
        .run(move |conn| store::find_request(conn, &lookup, now))
        .await
    {
        Ok(Some(pending)) => pending,
        Ok(None) => return refuse(&req, &state, SamlError::RequestUsed),
        Err(error) => return refuse(&req, &state, error.into()),
    };
    // Only the browser that brought the request may have it answered.
    let same_browser = req
        .cookie(&browser_cookie_name(&state, &id))
        .is_some_and(|c| {
            crate::crypto::constant_time_eq(
                crate::crypto::SecretDigest::of(c.value())
                    .as_str()
                    .as_bytes(),
                pending.browser_digest.as_bytes(),
            )
        });
    if !same_browser {
        return refuse(&req, &state, SamlError::RelayState);
    }
    let here = format!("/saml/idp/resume/{id}");
    // A fresh sign-in for ForceAuthn: newer than the request.
    let fresh =
        |s: &ActiveSession| !pending.force_authn || s.session.created_at > pending.created_at;
    match session {
        Some(session) if fresh(&session) => resume_with(&req, &state, &id, session).await,
        // IsPassive: no page may show; without a (fresh enough) session, NoPassive.
        _ if pending.is_passive => passive_failure(&req, &state, pending).await,
        Some(_) => sign_in_redirect(&here, true),
        None => sign_in_redirect(&here, pending.force_authn),
    }
}

async fn resume_with(
    req: &HttpRequest,
    state: &AppState,
    pending_id: &str,
    session: ActiveSession,
) -> HttpResponse {
    let lookup = pending_id.to_string();
    let now = state.clock.now();
    let taken = state
        .db
        .run(move |conn| store::take_request(conn, &lookup, now))
        .await;
    let pending = match taken {
        Ok(Some(p)) => p,
        Ok(None) => return refuse(req, state, SamlError::RequestUsed),
        Err(error) => return refuse(req, state, error.into()),
    };
    answer(
        req,
        state,
        &pending.app_id,
        Some(&pending.acs_url),
        pending.request_id.as_deref(),
        pending.relay_state.as_deref(),
        session,
    )
    .await
}

/// `GET /saml/idp/apps/{app}/start`: IdP-initiated sign-in (no request; the app's default ACS).
pub async fn start(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> HttpResponse {
    let app_id = path.into_inner();
    let session = match session_cookie::current_session(&req, &state).await {
        Ok(session) => session,
        Err(_) => return refuse(&req, &state, SamlError::Internal("session lookup".into())),
    };
    let Some(session) = session else {
        return sign_in_redirect(req.path(), false);
    };
    // The app's default ACS; no RelayState from the link: any site could send people here with
    // one, and SPs often treat it as a place to go.
    answer(&req, &state, &app_id, None, None, None, session).await
}

/// The attributes an app gets about a user.
fn attributes(
    conn: &mut crate::storage::DbConnection,
    app: &SamlAppRow,
    user: &crate::domain::User,
) -> Result<Vec<(String, Vec<String>)>, crate::storage::StorageError> {
    // An address nobody proved is not asserted (an SP matching accounts by email would hand
    // over the owner's account).
    let mut out = Vec::new();
    if user.email_verified {
        out.push(("email".to_string(), vec![user.email.as_str().to_string()]));
    }
    let mut push = |name: &str, value: &Option<String>| {
        if let Some(value) = value {
            out.push((name.to_string(), vec![value.clone()]));
        }
    };
    push("given_name", &user.given_name);
    push("family_name", &user.family_name);
    push("name", &user.name);
    if let Some(org_id) = &app.organization_id
        && let Some(membership) = organizations::membership(conn, org_id, &user.id)?
        && !membership.disabled
    {
        if let Some(org) = organizations::find(conn, org_id)? {
            out.push(("organization".into(), vec![org.slug]));
        }
        out.push(("role".into(), vec![membership.role]));
        let groups = scim_groups::group_names_of_account(conn, org_id, &user.id)?;
        if !groups.is_empty() {
            out.push(("groups".into(), groups));
        }
    }
    Ok(out)
}

/// Builds, records and posts the response (to `acs_url`, or the app's default ACS).
async fn answer(
    req: &HttpRequest,
    state: &AppState,
    app_id: &str,
    acs_url: Option<&str>,
    in_response_to: Option<&str>,
    relay_state: Option<&str>,
    session: ActiveSession,
) -> HttpResponse {
    match build_answer(state, app_id, acs_url, in_response_to, &session).await {
        Ok((xml, app, acs)) => {
            audit::record(
                state,
                Event::new(
                    "saml.assertion_issued",
                    Actor::User(session.user.id.clone()),
                )
                .target("saml_app", app.id.clone())
                .detail("entity_id", app.entity_id.clone())
                .from(&client_info(req, state)),
            )
            .await;
            post_form(&acs, &xml, relay_state)
        }
        Err(error) => refuse(req, state, error),
    }
}

/// The signed response for a signed-in person, recorded for Single Logout: the app and what it
/// may learn in one database call, signing off it (CPU work holds no connection), the record in
/// another.
async fn build_answer(
    state: &AppState,
    app_id: &str,
    acs_url: Option<&str>,
    in_response_to: Option<&str>,
    session: &ActiveSession,
) -> Result<(String, SamlAppRow, String), SamlError> {
    let now = state.clock.now();
    let (lookup, user) = (app_id.to_string(), session.user.clone());
    let (app, attributes) = state
        .db
        .run(move |conn| {
            let Some(app) = store::find(conn, &lookup)? else {
                return Ok(Err(SamlError::UnknownApp(lookup)));
            };
            // An app tied to an organization only serves its active members.
            if let Some(org_id) = &app.organization_id
                && organizations::membership(conn, org_id, &user.id)?.is_none_or(|m| m.disabled)
            {
                return Ok(Err(SamlError::Account(
                    "This app is only for members of its organization.".into(),
                )));
            }
            if app.name_id_format == "email" && !user.email_verified {
                return Ok(Err(SamlError::Account(
                    "This app signs you in by your email address: verify it on your account page first.".into(),
                )));
            }
            let attributes = attributes(conn, &app, &user)?;
            Ok(Ok((app, attributes)))
        })
        .await??;
    let acs = match acs_url {
        Some(acs) => acs.to_string(),
        None => app
            .acs_list()
            .first()
            .map(|s| s.to_string())
            .ok_or(SamlError::Recipient)?,
    };
    let (format, name_id) = response::name_id(&state.server_key, &app, &session.user);
    let index = response::session_index(&session.session.id);
    let key = super::super::sp::current_key(state).await?;
    let (entity, built_app, built_acs, irt, record) = (
        super::entity_id(state),
        app.clone(),
        acs.clone(),
        in_response_to.map(str::to_string),
        session.session.clone(),
    );
    let (built_name_id, built_index) = (name_id.clone(), index.clone());
    let xml = web::block(move || {
        response::build(
            &Issue {
                idp_entity_id: &entity,
                app: &built_app,
                acs_url: &built_acs,
                in_response_to: irt.as_deref(),
                name_id: (format, &built_name_id),
                session_index: &built_index,
                authn_instant: record.created_at,
                session_not_on_or_after: record.expires_at,
                attributes: &attributes,
                now,
            },
            &key,
        )
    })
    .await
    .map_err(|e| SamlError::Internal(e.to_string()))??;
    let (session_id, recorded_app) = (session.session.id.clone(), app.id.clone());
    state
        .db
        .run(move |conn| {
            store::remember_session(conn, &session_id, &recorded_app, &name_id, &index, now)
        })
        .await?;
    Ok((xml, app, acs))
}
