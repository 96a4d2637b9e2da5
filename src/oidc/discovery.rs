//! Discovery: `/.well-known/openid-configuration` (OpenID Connect Discovery 1.0) and
//! `/.well-known/oauth-authorization-server` (RFC 8414). Lists exactly what works; an endpoint or
//! value appears here only once it is implemented and tested.

use super::claims;
use super::cors;
use crate::app::AppState;
use crate::crypto::signing_keys::SigningAlgorithm;
use crate::domain::client::{AuthMethod, GrantType, KNOWN_SCOPES};
use actix_web::http::header;
use actix_web::{HttpResponse, web};
use serde_json::json;

/// The metadata document.
pub fn document(state: &AppState) -> serde_json::Value {
    let url = |path: &str| state.url(path);
    let algs: Vec<&str> = SigningAlgorithm::ALL.iter().map(|a| a.name()).collect();
    json!({
        "issuer": state.config.issuer,
        "authorization_endpoint": url("/authorize"),
        "token_endpoint": url("/token"),
        "userinfo_endpoint": url("/userinfo"),
        "jwks_uri": url("/.well-known/jwks.json"),
        "revocation_endpoint": url("/revoke"),
        "revocation_endpoint_auth_methods_supported": AuthMethod::ALL.iter().map(|m| m.name()).collect::<Vec<_>>(),
        "revocation_endpoint_auth_signing_alg_values_supported": algs,
        "end_session_endpoint": url("/end-session"),
        "backchannel_logout_supported": true,
        "backchannel_logout_session_supported": true,
        "frontchannel_logout_supported": false,
        "introspection_endpoint": url("/introspect"),
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "private_key_jwt"],
        "introspection_endpoint_auth_signing_alg_values_supported": algs,
        "scopes_supported": KNOWN_SCOPES,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "form_post"],
        "grant_types_supported": GrantType::ALL.iter().map(|g| g.name()).collect::<Vec<_>>(),
        "code_challenge_methods_supported": ["S256"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": algs,
        "userinfo_signing_alg_values_supported": ["none"],
        "token_endpoint_auth_methods_supported": AuthMethod::ALL.iter().map(|m| m.name()).collect::<Vec<_>>(),
        "token_endpoint_auth_signing_alg_values_supported": algs,
        "claims_supported": claims::SUPPORTED,
        "claim_types_supported": ["normal"],
        "claims_parameter_supported": false,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        "require_request_uri_registration": false,
        "prompt_values_supported": ["none", "login", "consent", "select_account"],
        "acr_values_supported": [super::authorize::issue_code::PASSWORD_ACR],
        "authorization_response_iss_parameter_supported": true,
        "ui_locales_supported": ["en"],
        "claims_locales_supported": ["en"],
        "display_values_supported": ["page"],
    })
}

fn respond(state: &AppState) -> HttpResponse {
    cors::allow(
        HttpResponse::Ok()
            .content_type("application/json")
            .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
            .body(document(state).to_string()),
    )
}

/// `GET /.well-known/openid-configuration`
pub async fn openid_configuration(state: web::Data<AppState>) -> HttpResponse {
    respond(&state)
}

/// `GET /.well-known/oauth-authorization-server` (same document, RFC 8414 §3).
pub async fn authorization_server(state: web::Data<AppState>) -> HttpResponse {
    respond(&state)
}
