//! OpenID Connect, one module per area.

mod bad_requests;
mod client_credentials;
mod clients;
mod conformance;
mod conformance_claims;
mod consent;
mod dev_client;
mod hardening;
mod logout;
mod organization_scope;
mod private_key_jwt;
mod relying_party;
mod revocation;
mod signing_keys;
