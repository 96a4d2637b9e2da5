//! PKCE (RFC 7636) with S256 only: `plain` is refused; a method without a challenge is refused;
//! public clients must send a challenge (RFC 9700 §2.1.1). The verifier is checked at the token
//! endpoint against the challenge kept with the code.

use super::super::params::Params;
use crate::domain::client::Client;
use crate::oidc::error::OAuthError;

/// True when `value` is 43 to 128 characters of `[A-Z a-z 0-9 - . _ ~]` (RFC 7636 §4.1, §4.2).
pub fn is_pkce_value(value: &str) -> bool {
    (43..=128).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// The S256 challenge to keep with the code, if one was sent.
pub fn check(client: &Client, params: &Params) -> Result<Option<String>, OAuthError> {
    let challenge = params.get("code_challenge");
    let method = params.get("code_challenge_method");
    match (challenge, method) {
        (None, Some(_)) => Err(OAuthError::invalid_request(
            "code_challenge_method was sent without code_challenge",
        )),
        (None, None) if client.is_public() => Err(OAuthError::invalid_request(
            "public clients must use PKCE: send code_challenge with code_challenge_method=S256",
        )),
        (None, None) => Ok(None),
        (Some(_), None | Some("plain")) => Err(OAuthError::invalid_request(
            "code_challenge_method must be S256 (plain is not allowed)",
        )),
        (Some(_), Some(m)) if m != "S256" => Err(OAuthError::invalid_request(
            "code_challenge_method must be S256",
        )),
        (Some(c), Some(_)) if c.len() != 43 || !is_pkce_value(c) => {
            Err(OAuthError::invalid_request(
                "code_challenge must be a base64url SHA-256 (43 characters)",
            ))
        }
        (Some(c), Some(_)) => Ok(Some(c.to_string())),
    }
}

/// True when `verifier` hashes to `challenge` (S256), compared in constant time.
pub fn verifier_matches(verifier: &str, challenge: &str) -> bool {
    use base64::Engine;
    use sha2::{Digest, Sha256};
    let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(Sha256::digest(verifier.as_bytes()));
    crate::crypto::constant_time_eq(computed.as_bytes(), challenge.as_bytes())
}

#[cfg(test)]
mod tests {
    #[test]
    fn rfc7636_appendix_b() {
        assert!(super::verifier_matches(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
        assert!(!super::verifier_matches(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXj",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
    }
}
