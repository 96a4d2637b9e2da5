//! Single Logout with an enterprise IdP (HTTP-Redirect binding, signed both ways):
//! - signing out of Tessera sends the IdP a LogoutRequest naming the NameID and SessionIndex the
//!   session was signed in with ([`outgoing`], used by the sign-out page), and the IdP's
//!   LogoutResponse comes back to `GET /saml/sp/{connection}/slo`;
//! - a LogoutRequest the IdP starts arrives at the same URL: the sessions it names end, and the
//!   IdP gets a signed LogoutResponse.
//!
//! Messages from the IdP must be signed with its pinned certificate.

use super::super::connections::{certificates, sp_entity_id};
use super::super::error::SamlError;
use super::super::idp::binding::{self, Incoming};
use super::super::{escape, instant, new_id};
use super::acs::saml_error_page;
use super::authn_request::{redirect_query, with_query};
use crate::app::AppState;
use crate::audit::{self, Actor, Event};
use crate::storage::saml_connections::{self, SamlConnectionRow};
use crate::storage::saml_sign_ins;
use actix_web::{HttpRequest, HttpResponse, web};

/// How long a LogoutRequest we send may be presented.
const LOGOUT_SECONDS: i64 = 600;

fn slo_url(state: &AppState, connection_id: &str) -> String {
    state.url(&format!("/saml/sp/{connection_id}/slo"))
}

/// The IdP URL (with a signed LogoutRequest) to send a signing-out browser to, when the session
/// was signed in through a connection whose IdP has a SingleLogoutService. Call it before the
/// session ends.
pub async fn outgoing(state: &AppState, session_id: &str) -> Result<Option<String>, SamlError> {
    let lookup = session_id.to_string();
    let found = state
        .db
        .run(move |conn| {
            let Some(signed_in) = saml_sign_ins::sp_session_of(conn, &lookup)? else {
                return Ok(None);
            };
            let connection = saml_connections::find(conn, &signed_in.connection_id)?;
            Ok(connection.map(|c| (signed_in, c)))
        })
        .await?;
    let Some((signed_in, connection)) = found else {
        return Ok(None);
    };
    let Some(destination) = connection.slo_url.clone() else {
        return Ok(None);
    };
    let now = state.clock.now();
    let format = signed_in
        .name_id_format
        .as_ref()
        .map(|f| format!(" Format=\"{}\"", escape(f)))
        .unwrap_or_default();
    let session_index = signed_in
        .session_index
        .as_ref()
        .map(|i| format!("<samlp:SessionIndex>{}</samlp:SessionIndex>", escape(i)))
        .unwrap_or_default();
    let xml = format!(
        concat!(
            "<samlp:LogoutRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ",
            "ID=\"{id}\" Version=\"2.0\" IssueInstant=\"{now}\" NotOnOrAfter=\"{until}\" Destination=\"{destination}\">",
            "<saml:Issuer>{issuer}</saml:Issuer><saml:NameID{format}>{name_id}</saml:NameID>{session_index}",
            "</samlp:LogoutRequest>"
        ),
        id = new_id(),
        now = instant(now),
        until = instant(now + LOGOUT_SECONDS),
        destination = escape(&destination),
        issuer = escape(&sp_entity_id(state, &connection.id)),
        format = format,
        name_id = escape(&signed_in.name_id),
        session_index = session_index,
    );
    let key = super::current_key(state).await?;
    let query = redirect_query("SAMLRequest", &xml, None, Some(&key))?;
    Ok(Some(with_query(&destination, &query)))
}

/// `GET /saml/sp/{connection}/slo`
pub async fn receive(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> HttpResponse {
    match handle(&state, &path.into_inner(), req.query_string()).await {
        Ok(response) => response,
        Err(error) => {
            tracing::warn!(reason = error.reason(), %error, "SAML logout message refused");
            saml_error_page(&req, &state, &error)
        }
    }
}

async fn handle(
    state: &AppState,
    connection_id: &str,
    query: &str,
) -> Result<HttpResponse, SamlError> {
    let lookup = connection_id.to_string();
    let connection = state
        .db
        .run(move |conn| saml_connections::find(conn, &lookup))
        .await?
        .ok_or(SamlError::UnknownConnection)?;
    let is_response = query.split('&').any(|p| p.starts_with("SAMLResponse="));
    let incoming = binding::from_redirect(
        query,
        if is_response {
            "SAMLResponse"
        } else {
            "SAMLRequest"
        },
    )?;
    incoming.verify(&certificates(&connection))?;
    let message = binding::read(&incoming.xml)?;
    if message.issuer.as_deref() != Some(connection.idp_entity_id.as_str()) {
        return Err(SamlError::Issuer);
    }
    binding::check_fresh(
        &message,
        &slo_url(state, &connection.id),
        state.clock.now(),
        state.config.saml.clock_skew_seconds,
    )?;
    match (is_response, message.root.as_str()) {
        (true, "LogoutResponse") => {
            if message.status.as_deref() != Some(super::super::STATUS_SUCCESS) {
                tracing::warn!(status = ?message.status, "the IdP did not complete the logout");
            }
            Ok(crate::web::page::see_other("/sign-in?notice=signed-out"))
        }
        (false, "LogoutRequest") => idp_logout(state, &connection, &incoming, &message).await,
        _ => Err(SamlError::Malformed("not a logout message".into())),
    }
}

/// The IdP signs the person out: their sessions from this connection end.
async fn idp_logout(
    state: &AppState,
    connection: &SamlConnectionRow,
    incoming: &Incoming,
    message: &binding::Message,
) -> Result<HttpResponse, SamlError> {
    let name_id = message
        .name_id
        .clone()
        .ok_or_else(|| SamlError::Subject("no NameID".into()))?;
    let (id, index) = (connection.id.clone(), message.session_index.clone());
    let sessions = state
        .db
        .run(move |conn| saml_sign_ins::sp_sessions_for(conn, &id, &name_id, index.as_deref()))
        .await?;
    for (session_id, user_id) in &sessions {
        let _ = crate::accounts::sessions::revoke(state, user_id, session_id).await;
        audit::record(
            state,
            Event::new("user.sign_out", Actor::Saml(connection.id.clone()))
                .target("session", session_id.clone())
                .detail("method", "saml_slo"),
        )
        .await;
    }
    let Some(destination) = connection.slo_url.clone() else {
        return Ok(crate::web::page::see_other("/sign-in?notice=signed-out"));
    };
    let location = super::super::logout_response::signed_url(
        state,
        &sp_entity_id(state, &connection.id),
        &destination,
        message.attribute("ID").unwrap_or_default(),
        incoming.relay_state.as_deref(),
    )
    .await?;
    Ok(crate::web::page::see_other(&location))
}
