//! Form bodies of the back-channel endpoints (token, revocation, introspection): parsed here so
//! that every failure is an OAuth JSON error, and a repeated parameter is refused (RFC 6749 §3.2).

use super::error::OAuthError;
use actix_web::HttpRequest;
use actix_web::http::header;
use std::collections::BTreeMap;

/// The parameters of a form body; empty values count as absent.
#[derive(Debug, Default)]
pub struct Form(BTreeMap<String, String>);

impl Form {
    /// Parses an `application/x-www-form-urlencoded` body of at most 64 KiB.
    pub fn parse(req: &HttpRequest, body: &[u8]) -> Result<Self, OAuthError> {
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let media = content_type.split(';').next().unwrap_or_default().trim();
        if !media.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
            return Err(OAuthError::invalid_request(
                "the body must be application/x-www-form-urlencoded",
            ));
        }
        if body.len() > 64 * 1024 {
            return Err(OAuthError::invalid_request("the body is too large"));
        }
        let mut map = BTreeMap::new();
        for (name, value) in url::form_urlencoded::parse(body) {
            if map.contains_key(name.as_ref()) {
                let printable = name.len() <= 40 && name.bytes().all(|b| b.is_ascii_graphic());
                return Err(OAuthError::invalid_request(if printable {
                    format!("{name} was sent more than once")
                } else {
                    "a parameter was sent more than once".to_string()
                }));
            }
            if !value.is_empty() {
                map.insert(name.into_owned(), value.into_owned());
            }
        }
        Ok(Self(map))
    }

    /// The value of a parameter.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// A required parameter.
    pub fn require(&self, name: &str) -> Result<&str, OAuthError> {
        self.get(name)
            .ok_or_else(|| OAuthError::invalid_request(format!("{name} is required")))
    }
}
