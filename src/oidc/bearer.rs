//! Checking an access token we issued (RFC 9068 §4): our signature, `typ: at+jwt`, our issuer,
//! not expired, then against the database: not revoked, its grant alive (the user not disabled,
//! the session or offline grant not ended), or for client tokens, the client still registered.

use super::claims::OrganizationClaims;
use super::error::OAuthError;
use super::scope::Scopes;
use crate::app::AppState;
use crate::domain::User;
use crate::storage::grants;
use serde::Deserialize;

/// Access tokens whose signature and claims were already checked, by the digest of the token,
/// kept until they expire (at most 10,000; beyond that expired ones are dropped, then all). A hit
/// skips the signature check only: the key that signed it must still be published, and the
/// database checks (revocation, grant, user) run on every request.
#[derive(Debug, Clone, Default)]
pub struct VerifiedTokens {
    entries: std::sync::Arc<
        std::sync::RwLock<std::collections::HashMap<String, (String, AccessClaims)>>,
    >,
}

const MAX_VERIFIED: usize = 10_000;

impl VerifiedTokens {
    fn get(&self, digest: &str) -> Option<(String, AccessClaims)> {
        self.entries.read().ok()?.get(digest).cloned()
    }

    fn put(&self, digest: String, kid: String, claims: AccessClaims, now: i64) {
        if let Ok(mut map) = self.entries.write() {
            if map.len() >= MAX_VERIFIED {
                map.retain(|_, (_, c)| c.exp > now);
                if map.len() >= MAX_VERIFIED {
                    map.clear();
                }
            }
            map.insert(digest, (kid, claims));
        }
    }
}

/// The claims of a valid access token.
#[derive(Debug, Clone, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    pub sub: String,
    pub client_id: String,
    #[serde(default)]
    pub scope: String,
    pub jti: String,
    pub iat: i64,
    pub exp: i64,
    #[serde(default)]
    pub gid: Option<String>,
    #[serde(default)]
    pub auth_time: Option<i64>,
    #[serde(default)]
    pub org_id: Option<String>,
}

impl AccessClaims {
    pub fn scopes(&self) -> Scopes {
        Scopes::from_stored(&self.scope)
    }
}

/// A live access token and, for a user's token, the user.
#[derive(Debug)]
pub struct LiveToken {
    pub claims: AccessClaims,
    pub user: Option<User>,
    /// The organization claims, when the token was granted `organization` for one the user
    /// still belongs to.
    pub organization: Option<OrganizationClaims>,
}

/// Checks the signature and claims only (no database).
pub async fn verify_signature(state: &AppState, token: &str) -> Result<AccessClaims, OAuthError> {
    let invalid = || OAuthError::invalid_token("the access token is invalid");
    let now = state.clock.now();
    if token.len() > 16 * 1024 {
        return Err(invalid());
    }
    let digest = crate::crypto::SecretDigest::of(token).as_str().to_string();
    if let Some((kid, claims)) = state.verified_tokens.get(&digest) {
        let published = state.keys.published(&state.db, now).await?;
        let still_published = published
            .iter()
            .any(|k| k.kid == kid && k.published_until.is_none_or(|until| until > now));
        if !still_published {
            return Err(invalid());
        }
        if claims.exp <= now {
            return Err(OAuthError::invalid_token("the access token has expired"));
        }
        return Ok(claims);
    }
    let (header, payload) =
        state
            .keys
            .verify(&state.db, token, now)
            .await
            .map_err(|e| match e {
                crate::crypto::signing_keys::KeyError::Storage(s) => OAuthError::from(s),
                _ => invalid(),
            })?;
    if header.token_type() != Some("at+jwt") {
        return Err(invalid());
    }
    let claims: AccessClaims = serde_json::from_slice(&payload).map_err(|_| invalid())?;
    if claims.iss != state.config.issuer {
        return Err(invalid());
    }
    if claims.exp <= now {
        return Err(OAuthError::invalid_token("the access token has expired"));
    }
    let kid = header.key_id().unwrap_or_default().to_string();
    state.verified_tokens.put(digest, kid, claims.clone(), now);
    Ok(claims)
}

/// Checks an access token fully; `Ok(None)` when it verified but is no longer live.
pub async fn live(state: &AppState, token: &str) -> Result<Option<LiveToken>, OAuthError> {
    let claims = match verify_signature(state, token).await {
        Ok(claims) => claims,
        Err(e) if e.code == super::error::ErrorCode::InvalidToken => return Ok(None),
        Err(e) => return Err(e),
    };
    let at = super::alive_at(state);
    let check = claims.clone();
    let found = state
        .db
        .run(move |conn| match &check.gid {
            Some(gid) => {
                let Some(user) = grants::user_of_live_token(
                    conn,
                    gid,
                    &check.sub,
                    &check.client_id,
                    &check.jti,
                    at,
                )?
                else {
                    return Ok(None);
                };
                let organization = match &check.org_id {
                    Some(org) if check.scopes().contains("organization") => {
                        OrganizationClaims::read(conn, org, &user.id)?
                    }
                    _ => None,
                };
                Ok(Some((Some(user), organization)))
            }
            None => Ok(
                grants::client_token_live(conn, &check.client_id, &check.jti)?
                    .then_some((None, None)),
            ),
        })
        .await?;
    Ok(found.map(|(user, organization)| LiveToken {
        claims,
        user,
        organization,
    }))
}

/// The description of the error for a request that carries no token at all (answered with a
/// bare challenge, RFC 6750 §3.1).
pub const NO_TOKEN: &str = "an access token is required";

/// The bearer token of a request: the `Authorization: Bearer` header, or (for POST forms) the
/// `access_token` field; never both (RFC 6750 §2).
pub fn token_from(
    req: &actix_web::HttpRequest,
    form_token: Option<&str>,
) -> Result<String, OAuthError> {
    match (crate::http::bearer_header(req), form_token) {
        (Some(_), Some(_)) => Err(OAuthError::invalid_request(
            "send the access token in one place only",
        )),
        (Some(token), None) => Ok(token),
        (None, Some(token)) => Ok(token.to_string()),
        _ => Err(OAuthError::invalid_request(NO_TOKEN)),
    }
}
