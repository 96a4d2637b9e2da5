//! Bounds on the free-text parameters that are kept with the request or echoed back.

use super::super::params::Params;
use crate::oidc::error::OAuthError;

const LIMITS: [(&str, usize); 7] = [
    ("state", 2048),
    ("nonce", 512),
    ("login_hint", 320),
    ("acr_values", 512),
    ("ui_locales", 256),
    ("id_token_hint", 8192),
    ("organization", 100),
];

pub fn check(params: &Params) -> Result<(), OAuthError> {
    if let Some(name) = params.duplicates.first() {
        return Err(OAuthError::invalid_request(format!(
            "{name} was sent more than once"
        )));
    }
    for (name, max) in LIMITS {
        if let Some(value) = params.get(name) {
            if value.len() > max {
                return Err(OAuthError::invalid_request(format!(
                    "{name} is longer than {max} characters"
                )));
            }
            if value.chars().any(char::is_control) {
                return Err(OAuthError::invalid_request(format!(
                    "{name} contains control characters"
                )));
            }
        }
    }
    Ok(())
}
