//! Minting tokens: ID tokens (OpenID Connect Core §2) and JWT access tokens (RFC 9068), signed
//! with the current key of the client's or the server's algorithm.

use super::claims;
use super::error::OAuthError;
use super::scope::Scopes;
use crate::app::AppState;
use crate::clock::UnixTime;
use crate::crypto::signing_keys::SigningAlgorithm;
use crate::domain::User;
use crate::domain::client::Client;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};
use sha2::Digest;

/// The signing algorithm of access tokens.
pub fn access_token_alg(state: &AppState) -> SigningAlgorithm {
    SigningAlgorithm::from_name(&state.config.oidc.access_token_alg)
        .unwrap_or(SigningAlgorithm::Es256)
}

/// The access-token lifetime for a client.
pub fn access_token_seconds(state: &AppState, client: &Client) -> i64 {
    client
        .access_token_seconds
        .unwrap_or(state.config.oidc.access_token_seconds)
}

/// A minted access token.
#[derive(Debug)]
pub struct AccessToken {
    pub token: String,
    pub expires_in: i64,
}

/// What an access token is about.
pub struct AccessTokenFor<'a> {
    /// The user id, or the client id for client_credentials.
    pub subject: &'a str,
    pub client: &'a Client,
    pub scopes: &'a Scopes,
    /// The grant it hangs on (none for client_credentials).
    pub grant_id: Option<&'a str>,
    pub auth_time: Option<UnixTime>,
    pub organization: Option<&'a super::claims::OrganizationClaims>,
}

/// Signs an RFC 9068 access token (`typ: at+jwt`).
pub async fn access_token(
    state: &AppState,
    of: AccessTokenFor<'_>,
) -> Result<AccessToken, OAuthError> {
    let now = state.clock.now();
    let lifetime = access_token_seconds(state, of.client);
    let mut claims = json!({
        "iss": state.config.issuer,
        "sub": of.subject,
        "aud": of.client.id,
        "client_id": of.client.id,
        "scope": of.scopes.to_text(),
        "jti": uuid::Uuid::now_v7().simple().to_string(),
        "iat": now,
        "exp": now + lifetime,
    });
    if let Some(grant) = of.grant_id {
        claims["gid"] = grant.into();
    }
    if let Some(auth_time) = of.auth_time {
        claims["auth_time"] = auth_time.into();
    }
    if let (Some(org), Some(map)) = (of.organization, claims.as_object_mut()) {
        org.put(map);
    }
    let key = state
        .keys
        .signing_key(&state.db, access_token_alg(state), now)
        .await?;
    let token = key.sign(claims.to_string().as_bytes(), "at+jwt")?;
    Ok(AccessToken {
        token,
        expires_in: lifetime,
    })
}

/// What an ID token says about the sign-in.
pub struct IdTokenFor<'a> {
    pub user: &'a User,
    pub client: &'a Client,
    pub scopes: &'a Scopes,
    pub nonce: Option<&'a str>,
    pub auth_time: UnixTime,
    pub acr: Option<&'a str>,
    pub amr: &'a str,
    pub session_id: &'a str,
    pub access_token: Option<&'a str>,
    pub organization: Option<&'a super::claims::OrganizationClaims>,
}

/// Signs an ID token with the client's algorithm.
pub async fn id_token(state: &AppState, of: IdTokenFor<'_>) -> Result<String, OAuthError> {
    let now = state.clock.now();
    let lifetime = of
        .client
        .id_token_seconds
        .unwrap_or(state.config.oidc.id_token_seconds);
    let mut claims: Map<String, Value> = claims::for_scopes(of.user, of.scopes);
    let mut put = |name: &str, value: Value| {
        claims.insert(name.into(), value);
    };
    put("iss", state.config.issuer.clone().into());
    put("aud", of.client.id.clone().into());
    put("azp", of.client.id.clone().into());
    put("iat", now.into());
    put("exp", (now + lifetime).into());
    put("auth_time", of.auth_time.into());
    put("sid", of.session_id.into());
    put("amr", json!(of.amr.split(' ').collect::<Vec<_>>()));
    if let Some(acr) = of.acr {
        put("acr", acr.into());
    }
    if let Some(nonce) = of.nonce {
        put("nonce", nonce.into());
    }
    let alg = of.client.id_token_alg;
    if let Some(access_token) = of.access_token {
        put("at_hash", left_half_hash(alg, access_token).into());
    }
    if let Some(org) = of.organization {
        org.put(&mut claims);
    }
    let key = state.keys.signing_key(&state.db, alg, now).await?;
    Ok(key.sign(Value::Object(claims).to_string().as_bytes(), "JWT")?)
}

/// `at_hash`: the left half of the hash of the token, with the hash of the signing algorithm
/// (SHA-256 for RS256 and ES256, SHA-512 for Ed25519), base64url.
pub fn left_half_hash(alg: SigningAlgorithm, value: &str) -> String {
    let digest: Vec<u8> = match alg {
        SigningAlgorithm::Rs256 | SigningAlgorithm::Es256 => {
            sha2::Sha256::digest(value.as_bytes()).to_vec()
        }
        SigningAlgorithm::EdDsa => sha2::Sha512::digest(value.as_bytes()).to_vec(),
    };
    URL_SAFE_NO_PAD.encode(&digest[..digest.len() / 2])
}

/// What a user's token response is about: the sign-in a grant records.
pub struct UserTokensFor<'a> {
    pub user: &'a User,
    pub client: &'a Client,
    pub scopes: &'a Scopes,
    pub grant_id: &'a str,
    pub session_id: &'a str,
    pub auth_time: UnixTime,
    pub acr: Option<&'a str>,
    pub amr: &'a str,
    /// Only in the ID token of a code exchange.
    pub nonce: Option<&'a str>,
    pub organization: Option<&'a super::claims::OrganizationClaims>,
}

/// The access token and, with `openid`, the ID token (its `at_hash` over that access token) of
/// a grant: what the code exchange and every refresh answer.
pub async fn user_tokens(
    state: &AppState,
    of: UserTokensFor<'_>,
) -> Result<(AccessToken, Option<String>), OAuthError> {
    let access = access_token(
        state,
        AccessTokenFor {
            subject: &of.user.id,
            client: of.client,
            scopes: of.scopes,
            grant_id: Some(of.grant_id),
            auth_time: Some(of.auth_time),
            organization: of.organization,
        },
    )
    .await?;
    if !of.scopes.contains("openid") {
        return Ok((access, None));
    }
    let id = id_token(
        state,
        IdTokenFor {
            user: of.user,
            client: of.client,
            scopes: of.scopes,
            nonce: of.nonce,
            auth_time: of.auth_time,
            acr: of.acr,
            amr: of.amr,
            session_id: of.session_id,
            access_token: Some(&access.token),
            organization: of.organization,
        },
    )
    .await?;
    Ok((access, Some(id)))
}
