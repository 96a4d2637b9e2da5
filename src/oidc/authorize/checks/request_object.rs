//! Request objects (OpenID Connect Core §6) are not supported: `request` and `request_uri` are
//! refused with their own error codes rather than silently ignored.

use super::super::params::Params;
use crate::oidc::error::{ErrorCode, OAuthError};

pub fn check(params: &Params) -> Result<(), OAuthError> {
    if params.get("request").is_some() {
        return Err(OAuthError::new(
            ErrorCode::RequestNotSupported,
            "request objects are not supported; send the parameters directly",
        ));
    }
    if params.get("request_uri").is_some() {
        return Err(OAuthError::new(
            ErrorCode::RequestUriNotSupported,
            "request_uri is not supported; send the parameters directly",
        ));
    }
    Ok(())
}
