//! `prompt` (OpenID Connect Core §3.1.2.1): `none`, `login`, `consent`, `select_account`;
//! `none` with any other value is an error.

use super::super::params::Params;
use crate::oidc::error::OAuthError;

/// The prompts asked for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Prompt {
    pub none: bool,
    pub login: bool,
    pub consent: bool,
    pub select_account: bool,
}

pub fn check(params: &Params) -> Result<Prompt, OAuthError> {
    let mut prompt = Prompt::default();
    let Some(text) = params.get("prompt") else {
        return Ok(prompt);
    };
    for value in text.split(' ').filter(|v| !v.is_empty()) {
        match value {
            "none" => prompt.none = true,
            "login" => prompt.login = true,
            "consent" => prompt.consent = true,
            "select_account" => prompt.select_account = true,
            _ => {
                return Err(OAuthError::invalid_request(
                    "prompt must be none, login, consent or select_account",
                ));
            }
        }
    }
    if prompt.none && (prompt.login || prompt.consent || prompt.select_account) {
        return Err(OAuthError::invalid_request(
            "prompt=none cannot be combined with other values",
        ));
    }
    Ok(prompt)
}
