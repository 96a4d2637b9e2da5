//! OpenID Connect and OAuth 2.0. This step: the JWK Set of the token signing keys.

pub mod client_registry;
pub mod jwks;

use actix_web::web;

/// Registers the protocol routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/.well-known/jwks.json", web::get().to(jwks::jwks));
}
