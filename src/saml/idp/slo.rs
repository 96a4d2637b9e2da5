//! `GET|POST /saml/idp/slo`: Single Logout started by a SAML app. Its LogoutRequest (signed with
//! the app's registered certificate, as the profile requires on the front channel) names the
//! NameID and SessionIndex the app was given; those sessions end (with the usual session-ended
//! events, so OIDC apps get their back-channel logout), and the app gets a signed LogoutResponse
//! at its SingleLogoutService by the HTTP-Redirect binding.

use super::super::certificates::Certificate;
use super::super::error::SamlError;
use super::super::sp::acs::saml_error_page;
use super::binding::{self, Incoming};
use super::sso::PostForm;
use crate::app::AppState;
use crate::audit::{self, Actor, Event};
use crate::storage::saml_apps as store;
use crate::web::session_cookie;
use actix_web::{HttpRequest, HttpResponse, web};

/// `GET /saml/idp/slo`
pub async fn redirect_binding(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let incoming = binding::from_redirect(req.query_string(), "SAMLRequest");
    receive(&req, &state, incoming).await
}

/// `POST /saml/idp/slo`
pub async fn post_binding(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<PostForm>,
) -> HttpResponse {
    let form = form.into_inner();
    let incoming = binding::from_post(&form.saml_request, form.relay_state);
    receive(&req, &state, incoming).await
}

fn refuse(req: &HttpRequest, state: &AppState, error: SamlError) -> HttpResponse {
    tracing::warn!(reason = error.reason(), %error, "SAML logout refused");
    saml_error_page(req, state, &error)
}

async fn receive(
    req: &HttpRequest,
    state: &AppState,
    incoming: Result<Incoming, SamlError>,
) -> HttpResponse {
    match async { logout(state, &incoming?).await }.await {
        Ok(response) => response,
        Err(error) => refuse(req, state, error),
    }
}

async fn logout(state: &AppState, incoming: &Incoming) -> Result<HttpResponse, SamlError> {
    let message = binding::read(&incoming.xml)?;
    if message.root != "LogoutRequest" || message.attribute("Version") != Some("2.0") {
        return Err(SamlError::Malformed("not a SAML 2.0 LogoutRequest".into()));
    }
    let issuer = message
        .issuer
        .clone()
        .ok_or_else(|| SamlError::Malformed("the LogoutRequest has no Issuer".into()))?;
    let lookup = issuer.clone();
    let app = state
        .db
        .run(move |conn| store::find_by_entity_id(conn, &lookup))
        .await?
        .ok_or(SamlError::UnknownApp(issuer))?;
    incoming.verify(&Certificate::all_from_pem(&app.certificates).unwrap_or_default())?;
    let now = state.clock.now();
    binding::check_fresh(
        &message,
        &state.url("/saml/idp/slo"),
        now,
        state.config.saml.clock_skew_seconds,
    )?;
    let name_id = message
        .name_id
        .clone()
        .ok_or_else(|| SamlError::Subject("no NameID".into()))?;
    let request_id = message.attribute("ID").unwrap_or_default().to_string();
    let (app_id, index) = (app.id.clone(), message.session_index.clone());
    let sessions = state
        .db
        .run(move |conn| store::sessions_of(conn, &app_id, &name_id, index.as_deref()))
        .await?;
    for (session_id, user_id) in &sessions {
        // Already gone is fine: the person is signed out either way.
        let _ = crate::accounts::sessions::revoke(state, user_id, session_id).await;
        audit::record(
            state,
            Event::new("user.sign_out", Actor::User(user_id.clone()))
                .target("session", session_id.clone())
                .detail("method", "saml_slo")
                .detail("saml_app", app.id.clone()),
        )
        .await;
    }
    let mut clear = session_cookie::clear_session_cookie(state);
    clear.set_path("/");
    let Some(slo_url) = app.slo_url.clone() else {
        let mut done = crate::web::page::see_other("/sign-in?notice=signed-out");
        let _ = done.add_cookie(&clear);
        return Ok(done);
    };
    let location = super::super::logout_response::signed_url(
        state,
        &super::entity_id(state),
        &slo_url,
        &request_id,
        incoming.relay_state.as_deref(),
    )
    .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, location))
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .cookie(clear)
        .finish())
}
