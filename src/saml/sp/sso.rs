//! `GET /saml/sp/{connection}/sso?return_to=...`: starts SP-initiated SSO. Stores the request
//! (its id is what the response's InResponseTo must name) with the pending flow (`return_to`,
//! where the browser goes once signed in: an authorization request, the account page), and
//! sends the browser to the IdP with a fresh RelayState. The same RelayState goes into a cookie,
//! so the response is only accepted in the browser that started the sign-in.

use super::super::connections::{acs_url, sp_entity_id};
use super::super::error::SamlError;
use super::acs::saml_error_page;
use super::authn_request::{AuthnRequest, redirect_query, with_query};
use crate::app::AppState;
use crate::crypto::{SecretDigest, random_token};
use crate::storage::saml_connections;
use crate::storage::saml_sign_ins::{self, SamlRequestRow};
use crate::web::return_to;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};

#[derive(Debug, serde::Deserialize)]
pub struct SsoQuery {
    pub return_to: Option<String>,
}

/// The cookie carrying the RelayState of the sign-in this browser started.
pub fn relay_cookie_name(state: &AppState) -> String {
    state.cookies.host_prefixed("tessera_saml")
}

/// Deletes the RelayState cookie (the sign-in it belonged to is over).
pub fn relay_cookie_removal(state: &AppState) -> Cookie<'static> {
    let mut cookie = relay_cookie(state, "", 0);
    cookie.make_removal();
    cookie
}

fn relay_cookie(state: &AppState, value: &str, max_age: i64) -> Cookie<'static> {
    // The response arrives by a cross-site POST from the IdP: over https the cookie must be
    // SameSite=None to come along (Secure, HttpOnly, `__Host-`); over plain http (development)
    // browsers refuse SameSite=None, and Lax still works when the IdP is on the same site.
    let same_site = if state.cookies.secure {
        SameSite::None
    } else {
        SameSite::Lax
    };
    Cookie::build(relay_cookie_name(state), value.to_string())
        .path("/")
        .http_only(true)
        .secure(state.cookies.secure)
        .same_site(same_site)
        .max_age(actix_web::cookie::time::Duration::seconds(max_age))
        .finish()
}

/// Starts the sign-in.
pub async fn start(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<SsoQuery>,
) -> HttpResponse {
    let target = query.return_to.as_deref().and_then(return_to::local_path);
    let client = crate::web::client_info(&req, &state).ip;
    let started = match super::super::request_budget(&state, client).await {
        Ok(()) => redirect(&state, path.into_inner(), target).await,
        Err(error) => Err(error),
    };
    match started {
        Ok((location, relay)) => HttpResponse::SeeOther()
            .insert_header((header::LOCATION, location))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .cookie(relay_cookie(
                &state,
                &relay,
                state.config.saml.request_lifetime_seconds,
            ))
            .finish(),
        Err(error) => {
            tracing::warn!(reason = error.reason(), %error, "SAML sign-in could not start");
            saml_error_page(&req, &state, &error)
        }
    }
}

/// The IdP URL to send the browser to, and the RelayState.
pub async fn redirect(
    state: &AppState,
    connection_id: String,
    return_to: Option<String>,
) -> Result<(String, String), SamlError> {
    let now = state.clock.now();
    let relay = random_token();
    let row = SamlRequestRow {
        id: super::super::new_id(),
        connection_id: connection_id.clone(),
        relay_digest: SecretDigest::of(&relay).as_str().to_string(),
        return_to,
        created_at: now,
        expires_at: now + state.config.saml.request_lifetime_seconds,
        used_at: None,
    };
    let lookup = connection_id.clone();
    let connection = state
        .db
        .run(move |conn| saml_connections::find(conn, &lookup))
        .await?
        .ok_or(SamlError::UnknownConnection)?;
    let key = match connection.sign_requests {
        true => Some(super::current_key(state).await?),
        false => None,
    };
    let request = AuthnRequest {
        id: &row.id,
        issue_instant: now,
        destination: &connection.sso_url,
        acs_url: &acs_url(state, &connection.id),
        issuer: &sp_entity_id(state, &connection.id),
    }
    .to_xml();
    let query = redirect_query("SAMLRequest", &request, Some(&relay), key.as_ref())?;
    state
        .db
        .run(move |conn| saml_sign_ins::insert_request(conn, &row))
        .await?;
    Ok((with_query(&connection.sso_url, &query), relay))
}
