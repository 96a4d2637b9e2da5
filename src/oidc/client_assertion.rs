//! `private_key_jwt` (RFC 7523 §2.2 and §3, OpenID Connect Core §9): the client signs a short JWT
//! with its private key. Checked here: the algorithm (RS256, ES256 or EdDSA; never `none` or an
//! HMAC), the signature against the client's registered JWKS, `iss` = `sub` = the client,
//! `aud` naming this server's issuer and nothing else, `exp` in the near future, and `jti` used only once (kept in the
//! database until the assertion expires, so replay is refused across server processes).

use super::error::OAuthError;
use crate::app::AppState;
use crate::crypto::SecretDigest;
use crate::crypto::signing_keys::SigningAlgorithm;
use crate::domain::client::Client;
use crate::storage::grants;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

/// The `client_assertion_type` of a JWT assertion.
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// The longest an assertion may live, and the clock skew allowed.
const MAX_LIFETIME: i64 = 300;
const SKEW: i64 = 30;

fn refused(description: &str) -> OAuthError {
    OAuthError::invalid_client(description)
}

/// The client id an assertion claims to come from (`iss`, read before any check).
pub fn claimed_client(assertion: &str) -> Option<String> {
    let payload = assertion.split('.').nth(1)?;
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
    claims["iss"].as_str().map(str::to_string)
}

/// Checks an assertion from `client`.
pub async fn verify(state: &AppState, client: &Client, assertion: &str) -> Result<(), OAuthError> {
    if assertion.len() > 8192 {
        return Err(refused("the client assertion is too large"));
    }
    let Some(uri) = client.jwks_uri.as_deref() else {
        return Err(refused("the client has no registered keys"));
    };
    let header = assertion
        .split('.')
        .next()
        .and_then(|h| URL_SAFE_NO_PAD.decode(h).ok())
        .and_then(|h| serde_json::from_slice::<Value>(&h).ok())
        .ok_or_else(|| refused("the client assertion is not a JWT"))?;
    let alg = header["alg"]
        .as_str()
        .and_then(SigningAlgorithm::from_name)
        .ok_or_else(|| refused("the client assertion must be signed with RS256, ES256 or EdDSA"))?;
    let kid = header["kid"].as_str();
    let keys = state
        .client_keys
        .keys(state, &client.id, uri, kid)
        .await
        .map_err(|e| {
            tracing::warn!(client_id = %client.id, error = %e, "client keys unavailable");
            refused("the client's keys could not be fetched")
        })?;
    let candidates = match kid {
        Some(kid) => keys.get(kid),
        None => keys.keys(),
    };
    let payload = candidates
        .into_iter()
        .filter(|jwk| jwk.algorithm().is_none_or(|a| a == alg.name()))
        .filter_map(|jwk| alg.verifier(jwk).ok())
        .find_map(|verifier| {
            josekit::jws::deserialize_compact(assertion, verifier.as_ref())
                .ok()
                .map(|(payload, _)| payload)
        })
        .ok_or_else(|| refused("the client assertion's signature does not verify"))?;
    let claims: Value = serde_json::from_slice(&payload)
        .map_err(|_| refused("the client assertion is malformed"))?;
    check_claims(state, client, &claims)?;
    let jti = claims["jti"].as_str().unwrap_or_default();
    let key = SecretDigest::labelled(&client.id, jti).as_str().to_string();
    let expires_at = claims["exp"].as_i64().unwrap_or_default() + SKEW;
    let fresh = state
        .db
        .run(move |conn| grants::remember_assertion(conn, &key, expires_at))
        .await?;
    if !fresh {
        return Err(refused("the client assertion was already used (jti)"));
    }
    Ok(())
}

fn check_claims(state: &AppState, client: &Client, claims: &Value) -> Result<(), OAuthError> {
    let now = state.clock.now();
    if claims["iss"].as_str() != Some(client.id.as_str())
        || claims["sub"].as_str() != Some(client.id.as_str())
    {
        return Err(refused(
            "iss and sub of the client assertion must be the client_id",
        ));
    }
    // Only this server's issuer identifier, alone: an assertion made for another server (or for
    // several) cannot be replayed here (the 2025 private_key_jwt audience disclosure).
    let issuer = state.config.issuer.as_str();
    let aud_ok = match &claims["aud"] {
        Value::String(a) => a == issuer,
        Value::Array(list) => list.len() == 1 && list[0].as_str() == Some(issuer),
        _ => false,
    };
    if !aud_ok {
        return Err(refused(
            "aud of the client assertion must be the issuer identifier, alone",
        ));
    }
    let Some(exp) = claims["exp"].as_i64() else {
        return Err(refused("the client assertion needs exp"));
    };
    if exp + SKEW <= now {
        return Err(refused("the client assertion has expired"));
    }
    if exp > now + MAX_LIFETIME + SKEW {
        return Err(refused(
            "the client assertion lives too long (at most 5 minutes)",
        ));
    }
    if claims["nbf"].as_i64().is_some_and(|nbf| nbf > now + SKEW)
        || claims["iat"].as_i64().is_some_and(|iat| iat > now + SKEW)
    {
        return Err(refused("the client assertion is not valid yet"));
    }
    match claims["jti"].as_str() {
        Some(jti) if !jti.is_empty() && jti.len() <= 256 => Ok(()),
        _ => Err(refused("the client assertion needs a jti")),
    }
}
