//! The user's claims released for the granted scopes (OpenID Connect Core §5.4), for the ID token
//! and UserInfo. Only claims Tessera holds are listed; an unset claim is left out, never `null`.

use super::scope::Scopes;
use crate::domain::User;
use serde_json::{Map, Value};

/// Every claim Tessera can release, for discovery's `claims_supported`.
pub const SUPPORTED: [&str; 20] = [
    "sub",
    "iss",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "acr",
    "amr",
    "azp",
    "sid",
    "name",
    "given_name",
    "family_name",
    "preferred_username",
    "picture",
    "locale",
    "updated_at",
    "email",
    "email_verified",
];

/// `sub` plus the claims of the scopes in `scopes`.
pub fn for_scopes(user: &User, scopes: &Scopes) -> Map<String, Value> {
    let mut claims = Map::new();
    claims.insert("sub".into(), user.id.clone().into());
    let mut put = |name: &str, value: &Option<String>| {
        if let Some(v) = value {
            claims.insert(name.into(), v.clone().into());
        }
    };
    if scopes.contains("profile") {
        put("name", &user.name);
        put("given_name", &user.given_name);
        put("family_name", &user.family_name);
        put("preferred_username", &user.username);
        put("picture", &user.picture);
        put("locale", &user.locale);
        claims.insert("updated_at".into(), user.updated_at.into());
    }
    if scopes.contains("email") {
        claims.insert("email".into(), user.email.as_str().into());
        claims.insert("email_verified".into(), user.email_verified.into());
    }
    claims
}
