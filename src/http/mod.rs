//! HTTP plumbing shared by every route: security headers, request ids, metrics, the client's
//! address behind trusted proxies, health endpoints.

pub mod client_ip;
pub mod health;
pub mod metrics;
pub mod request_id;
pub mod security_headers;
