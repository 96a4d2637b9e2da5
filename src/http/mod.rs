//! HTTP plumbing shared by every route: security headers, request ids, metrics, the client's
//! address behind trusted proxies, health endpoints.

pub mod client_ip;
pub mod health;
pub mod metrics;
pub mod request_id;
pub mod security_headers;

/// The token of an `Authorization: Bearer <token>` header (the scheme in any case), trimmed;
/// `None` without one or when it is empty.
pub fn bearer_header(req: &actix_web::HttpRequest) -> Option<String> {
    let header = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = header.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_string())
}
