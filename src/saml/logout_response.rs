//! The LogoutResponse both sides send (IdP to a SAML app, SP to an enterprise IdP): success,
//! signed, by the HTTP-Redirect binding to the partner's SingleLogoutService.

use super::error::SamlError;
use super::sp::authn_request::{redirect_query, with_query};
use super::{escape, instant, new_id};
use crate::app::AppState;

/// The URL (the partner's SLO URL with the signed message) that answers the LogoutRequest
/// `in_response_to` on behalf of `issuer`.
pub async fn signed_url(
    state: &AppState,
    issuer: &str,
    destination: &str,
    in_response_to: &str,
    relay_state: Option<&str>,
) -> Result<String, SamlError> {
    let xml = format!(
        concat!(
            "<samlp:LogoutResponse xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ",
            "ID=\"{id}\" Version=\"2.0\" IssueInstant=\"{now}\" Destination=\"{destination}\" InResponseTo=\"{irt}\">",
            "<saml:Issuer>{issuer}</saml:Issuer>",
            "<samlp:Status><samlp:StatusCode Value=\"urn:oasis:names:tc:SAML:2.0:status:Success\"/></samlp:Status>",
            "</samlp:LogoutResponse>"
        ),
        id = new_id(),
        now = instant(state.clock.now()),
        destination = escape(destination),
        irt = escape(in_response_to),
        issuer = escape(issuer),
    );
    let key = super::sp::current_key(state).await?;
    let query = redirect_query("SAMLResponse", &xml, relay_state, Some(&key))?;
    Ok(with_query(destination, &query))
}
