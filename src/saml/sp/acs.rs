//! `POST /saml/sp/{connection}/acs`: the assertion consumer service (HTTP-POST binding). The
//! response is decoded, verified (`verify.rs`), checked (`checks.rs`) and accepted
//! (`sign_in.rs`); then a session starts and the browser continues the flow that sent it to
//! the IdP. Every refusal is logged with its reason, audited as a failed sign-in, and shown as a
//! friendly page that names no detail an attacker could use.

use super::super::connections::{acs_url, attribute_names, certificates, sp_entity_id};
use super::super::error::SamlError;
use super::checks::{Expected, check};
use super::sign_in::{accept, person};
use super::sso::relay_cookie_name;
use super::verify::verify;
use crate::app::AppState;
use crate::audit::{self, Actor, Event};
use crate::crypto::constant_time_eq;
use crate::http::request_id::RequestId;
use crate::storage::saml_connections::{self, SamlConnectionRow};
use crate::web::page::PageContext;
use crate::web::views::ErrorView;
use crate::web::{client_info, return_to, session_cookie};
use actix_web::error::UrlencodedError;
use actix_web::http::header;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use askama::Template;
use base64::Engine;

/// The largest form the ACS reads (a SAMLResponse is base64, so a third above the decoded cap).
pub const MAX_FORM_BYTES: usize = 512 * 1024;

#[derive(Debug, serde::Deserialize)]
pub struct AcsForm {
    #[serde(rename = "SAMLResponse")]
    pub saml_response: String,
    #[serde(rename = "RelayState")]
    pub relay_state: Option<String>,
}

/// An unreadable or oversized ACS form: the friendly page, with the reason logged.
pub fn form_error(error: UrlencodedError, _req: &HttpRequest) -> actix_web::Error {
    tracing::warn!(%error, "SAML response form unreadable");
    match error {
        UrlencodedError::Overflow { .. } => crate::web::PageError::PayloadTooLarge.into(),
        _ => crate::web::PageError::BadRequest(
            "The sign-in response could not be read. Start signing in again.".into(),
        )
        .into(),
    }
}

/// The friendly page for a SAML error.
pub fn saml_error_page(req: &HttpRequest, state: &AppState, error: &SamlError) -> HttpResponse {
    let (title, message) = error.texts();
    let page = PageContext::new(req, state, false);
    let view = ErrorView {
        chrome: page.chrome.clone(),
        title,
        message,
        request_id: req.extensions().get::<RequestId>().map(|r| r.0.clone()),
    };
    page.respond(error.status(), view.render())
}

/// Receives a response.
pub async fn receive(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<AcsForm>,
) -> HttpResponse {
    let connection_id = path.into_inner();
    let form = form.into_inner();
    let client = client_info(&req, &state);
    let cookie_relay = req
        .cookie(&relay_cookie_name(&state))
        .map(|c| c.value().to_string());
    match consume(&state, &connection_id, form, cookie_relay).await {
        Ok(accepted) => {
            let current = session_cookie::session_token(&req, &state);
            let session = match crate::accounts::sessions::start(
                &state,
                &accepted.user.id,
                &client,
                current.as_deref(),
            )
            .await
            {
                Ok(session) => session,
                Err(error) => {
                    tracing::error!(%error, "session after SAML sign-in");
                    return saml_error_page(&req, &state, &SamlError::Internal(error.to_string()));
                }
            };
            let record = crate::storage::saml_sign_ins::SamlSpSessionRow {
                session_id: session.record.id.clone(),
                connection_id: connection_id.clone(),
                name_id: accepted.name_id.clone(),
                name_id_format: accepted.name_id_format.clone(),
                session_index: accepted.session_index.clone(),
                created_at: state.clock.now(),
            };
            if let Err(error) = state
                .db
                .run(move |conn| crate::storage::saml_sign_ins::remember_sp_session(conn, &record))
                .await
            {
                // Signed in all the same; only Single Logout will not know this session.
                tracing::warn!(%error, "SAML session not recorded for logout");
            }
            state.metrics.count_sign_in("success");
            tracing::info!(user_id = %accepted.user.id, connection = %connection_id, "signed in with SAML");
            HttpResponse::SeeOther()
                .insert_header((
                    header::LOCATION,
                    return_to::destination(accepted.return_to.as_deref()),
                ))
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .cookie(session_cookie::session_cookie(&state, &session.token))
                .cookie(super::sso::relay_cookie_removal(&state))
                .finish()
        }
        Err(error) => {
            tracing::warn!(reason = error.reason(), connection = %connection_id, %error, "SAML response refused");
            state.metrics.count_sign_in("saml_refused");
            let mut event = Event::new("user.sign_in", Actor::Saml(connection_id.clone()))
                .failed(error.reason())
                .from(&client)
                .detail("method", "saml")
                .detail("connection", connection_id.clone());
            if !matches!(error, SamlError::Storage(_)) {
                event = event.detail(
                    "error",
                    error.to_string().chars().take(200).collect::<String>(),
                );
            }
            audit::record(&state, event).await;
            saml_error_page(&req, &state, &error)
        }
    }
}

/// Decodes, verifies, checks and accepts.
async fn consume(
    state: &AppState,
    connection_id: &str,
    form: AcsForm,
    cookie_relay: Option<String>,
) -> Result<super::sign_in::Accepted, SamlError> {
    let compact: String = form
        .saml_response
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|_| SamlError::Malformed("SAMLResponse is not base64".into()))?;
    if bytes.len() > state.config.saml.max_response_bytes {
        return Err(SamlError::Malformed("SAMLResponse too large".into()));
    }
    let xml = String::from_utf8(bytes)
        .map_err(|_| SamlError::Malformed("SAMLResponse is not UTF-8".into()))?;
    let lookup = connection_id.to_string();
    let connection: SamlConnectionRow = state
        .db
        .run(move |conn| saml_connections::find(conn, &lookup))
        .await?
        .ok_or(SamlError::UnknownConnection)?;
    let pinned = certificates(&connection);
    // xmlsec is CPU work: off the HTTP worker. Our keys are opened only for an encrypted
    // assertion.
    let worker = state.clone();
    let verified = web::block(move || verify(&xml, &pinned, || super::decryption_keys(&worker)))
        .await
        .map_err(|e| SamlError::Internal(e.to_string()))??;
    let (sp_entity, acs) = (
        sp_entity_id(state, &connection.id),
        acs_url(state, &connection.id),
    );
    let checked = check(
        &verified,
        &Expected {
            idp_entity_id: &connection.idp_entity_id,
            sp_entity_id: &sp_entity,
            acs_url: &acs,
            now: state.clock.now(),
            skew: state.config.saml.clock_skew_seconds,
        },
    )?;
    // Over https the response must come back to the browser that left (the RelayState cookie);
    // see sso.rs for why plain http cannot carry it cross-site.
    if checked.in_response_to.is_some() && state.cookies.secure {
        let same = match (&cookie_relay, &form.relay_state) {
            (Some(cookie), Some(relay)) => constant_time_eq(cookie.as_bytes(), relay.as_bytes()),
            _ => false,
        };
        if !same {
            return Err(SamlError::RelayState);
        }
    }
    let person = person(&checked, &attribute_names(&connection))?;
    accept(state, connection, checked, form.relay_state, person).await
}
