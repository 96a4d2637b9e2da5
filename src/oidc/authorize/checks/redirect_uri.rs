//! `redirect_uri` is required (OpenID Connect Core §3.1.2.1) and must match a registered URI
//! exactly; only the port of a loopback URI may differ (RFC 8252 §7.3). Failing this, the user
//! sees an error page and nothing is redirected.

use super::super::params::Params;
use super::client::Unredirectable;
use crate::domain::client::Client;

/// The redirect URI to answer to: the one the client sent, once it matched a registered one.
pub fn check(client: &Client, params: &Params) -> Result<String, Unredirectable> {
    if params.is_duplicate("redirect_uri") {
        return Err(Unredirectable::BadRedirectUri);
    }
    let requested = params
        .get("redirect_uri")
        .ok_or(Unredirectable::BadRedirectUri)?;
    client
        .matching_redirect_uri(requested)
        .map(|_| requested.to_string())
        .ok_or(Unredirectable::BadRedirectUri)
}
