//! `max_age`: the most seconds since the user last signed in; a non-negative integer.

use super::super::params::Params;
use crate::oidc::error::OAuthError;

pub fn check(params: &Params) -> Result<Option<i64>, OAuthError> {
    let Some(text) = params.get("max_age") else {
        return Ok(None);
    };
    match text.parse::<i64>() {
        Ok(seconds) if (0..=10 * 365 * 24 * 3600).contains(&seconds) && !text.starts_with('+') => {
            Ok(Some(seconds))
        }
        _ => Err(OAuthError::invalid_request(
            "max_age must be a non-negative integer",
        )),
    }
}
