//! OpenID Connect and OAuth 2.0: discovery, the JWKS, the authorization endpoint with its checks,
//! consent and sign-in hand-off, the token endpoint with its grants, and UserInfo. Errors are
//! [`error::OAuthError`], turned into their wire form once per endpoint.

pub mod authorize;
pub mod backchannel;
pub mod bearer;
pub mod claims;
pub mod client_assertion;
pub mod client_auth;
pub mod client_cache;
pub mod client_keys;
pub mod client_registry;
pub mod cors;
pub mod discovery;
pub mod end_session;
pub mod error;
pub mod form;
pub mod introspect;
pub mod jwks;
pub mod revoke;
pub mod scope;
pub mod token;
pub mod tokens;
pub mod userinfo;

use actix_web::web;

/// The moment grants and sessions are judged alive at, with this server's session idle timeout.
pub fn alive_at(state: &crate::app::AppState) -> crate::storage::grants::AliveAt {
    let now = state.clock.now();
    crate::storage::grants::AliveAt {
        now,
        idle_cutoff: crate::domain::session::SessionLifetimes::from(&state.config.session)
            .idle_cutoff(now),
    }
}

/// Any other method on a POST-only endpoint: 405 with `Allow`.
async fn post_only() -> actix_web::HttpResponse {
    let mut response = error::OAuthError::invalid_request("use POST").json_response();
    *response.status_mut() = actix_web::http::StatusCode::METHOD_NOT_ALLOWED;
    response.headers_mut().insert(
        actix_web::http::header::ALLOW,
        actix_web::http::header::HeaderValue::from_static("POST, OPTIONS"),
    );
    response
}

/// Registers the protocol routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    let options = || {
        web::route()
            .method(actix_web::http::Method::OPTIONS)
            .to(cors::preflight)
    };
    cfg.route("/.well-known/jwks.json", web::get().to(jwks::jwks))
        .route("/.well-known/jwks.json", options())
        .route(
            "/.well-known/openid-configuration",
            web::get().to(discovery::openid_configuration),
        )
        .route("/.well-known/openid-configuration", options())
        .route(
            "/.well-known/oauth-authorization-server",
            web::get().to(discovery::authorization_server),
        )
        .route("/.well-known/oauth-authorization-server", options())
        .route("/authorize", web::get().to(authorize::get))
        .route("/authorize", web::post().to(authorize::post))
        .route("/authorize/resume", web::get().to(authorize::resume))
        .route("/authorize/consent", web::post().to(authorize::consent))
        .route(
            "/authorize/organization",
            web::post().to(authorize::choose_organization),
        )
        .route("/token", web::post().to(token::token))
        .route("/token", options())
        .route("/token", web::route().to(post_only))
        .route("/revoke", web::post().to(revoke::revoke))
        .route("/revoke", options())
        .route("/revoke", web::route().to(post_only))
        .route("/introspect", web::post().to(introspect::introspect))
        .route("/introspect", web::route().to(post_only))
        .route("/end-session", web::get().to(end_session::get))
        .route("/end-session", web::post().to(end_session::post))
        .route("/end-session/confirm", web::post().to(end_session::confirm))
        .route("/userinfo", web::get().to(userinfo::get))
        .route("/userinfo", web::post().to(userinfo::post))
        .route("/userinfo", options());
}
