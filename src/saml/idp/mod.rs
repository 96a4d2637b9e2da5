//! Tessera as the IdP of SAML-only applications ("SAML apps"): `apps.rs` registers them,
//! `metadata.rs` serves the IdP metadata, `binding.rs` reads requests from the HTTP-Redirect and
//! HTTP-POST bindings (and checks their signatures), `sso.rs` answers AuthnRequests (after the
//! hosted sign-in when needed) and starts IdP-initiated sign-ins, `response.rs` builds the
//! signed (optionally encrypted) Response, `slo.rs` is Single Logout.

pub mod apps;
pub mod binding;
pub mod metadata;
pub mod response;
pub mod slo;
pub mod sso;

use crate::app::AppState;

/// The IdP's entity id (also its metadata URL).
pub fn entity_id(state: &AppState) -> String {
    state.url("/saml/idp/metadata")
}
