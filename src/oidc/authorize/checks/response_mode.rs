//! `response_mode`: `query` (the default for `code`) or `form_post`. An unknown mode is an error,
//! answered in the query.

use super::super::params::Params;
use crate::oidc::error::OAuthError;

/// How the response goes back to the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ResponseMode {
    Query,
    FormPost,
}

pub fn check(params: &Params) -> Result<ResponseMode, OAuthError> {
    match params.get("response_mode") {
        None | Some("query") => Ok(ResponseMode::Query),
        Some("form_post") => Ok(ResponseMode::FormPost),
        Some(_) => Err(OAuthError::invalid_request(
            "response_mode must be query or form_post",
        )),
    }
}
