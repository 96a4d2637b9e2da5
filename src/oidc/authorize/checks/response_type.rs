//! `response_type` must be `code`: the authorization code flow is the only one (no implicit or
//! hybrid flows, per the OAuth 2.0 Security BCP, RFC 9700 §2.1.2).

use super::super::params::Params;
use crate::domain::client::{Client, GrantType};
use crate::oidc::error::{ErrorCode, OAuthError};

pub fn check(client: &Client, params: &Params) -> Result<(), OAuthError> {
    match params.get("response_type") {
        None => Err(OAuthError::invalid_request("response_type is required")),
        Some("code") if client.allows_grant(GrantType::AuthorizationCode) => Ok(()),
        Some("code") => Err(OAuthError::new(
            ErrorCode::UnauthorizedClient,
            "this client is not registered for the authorization_code grant",
        )),
        Some(_) => Err(OAuthError::new(
            ErrorCode::UnsupportedResponseType,
            "only response_type=code is supported",
        )),
    }
}
