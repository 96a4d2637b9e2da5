//! Admin API keys: made by an operator (`tessera apikey create`), shown once, kept as a digest,
//! each with the scopes it may use. A `write` scope includes its `read`; `admin` includes all.

use super::problem::ApiError;
use crate::app::AppState;
use crate::crypto::SecretDigest;
use crate::domain::FieldError;
use crate::storage::api_keys::{self as store, ApiKeyRow};

/// Every scope a key can hold.
pub const SCOPES: &[&str] = &[
    "admin",
    "users:read",
    "users:write",
    "organizations:read",
    "organizations:write",
    "webhooks:read",
    "webhooks:write",
    "clients:read",
    "clients:write",
    "audit:read",
];

/// The prefix of every key, so leaked keys are recognisable (secret scanners).
pub const KEY_PREFIX: &str = "tsk_";

/// A key as shown (never its secret).
#[derive(Debug, Clone, serde::Serialize)]
pub struct ApiKey {
    pub id: String,
    pub name: String,
    /// The first characters of the secret, to tell keys apart.
    pub prefix: String,
    pub scopes: Vec<String>,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl From<ApiKeyRow> for ApiKey {
    fn from(row: ApiKeyRow) -> Self {
        Self {
            scopes: serde_json::from_str(&row.scopes).unwrap_or_default(),
            id: row.id,
            name: row.name,
            prefix: row.prefix,
            created_at: row.created_at,
            last_used_at: row.last_used_at,
            expires_at: row.expires_at,
            revoked_at: row.revoked_at,
        }
    }
}

impl ApiKey {
    /// Whether the key may use `scope`.
    pub fn allows(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| {
            s == "admin"
                || s == scope
                || scope
                    .strip_suffix(":read")
                    .is_some_and(|area| *s == format!("{area}:write"))
        })
    }
}

/// Checks a key's scopes (none given: `admin`).
pub fn check_scopes(scopes: &[String]) -> Result<Vec<String>, FieldError> {
    if scopes.is_empty() {
        return Ok(vec!["admin".into()]);
    }
    let mut checked: Vec<String> = Vec::new();
    for scope in scopes {
        if !SCOPES.contains(&scope.as_str()) {
            return Err(FieldError::new(
                "scope",
                format!("{scope:?} is not a scope; known: {}", SCOPES.join(", ")),
            ));
        }
        if !checked.contains(scope) {
            checked.push(scope.clone());
        }
    }
    Ok(checked)
}

/// Makes a key; returns it with its secret (shown once).
pub async fn create(
    state: &AppState,
    name: &str,
    scopes: &[String],
    expires_in_days: Option<i64>,
) -> Result<(ApiKey, String), ApiError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(FieldError::new("name", "must be 1 to 100 printable characters").into());
    }
    let scopes = check_scopes(scopes)?;
    if let Some(days) = expires_in_days
        && !(1..=3650).contains(&days)
    {
        return Err(FieldError::new("expires-in-days", "must be 1 to 3650").into());
    }
    let now = state.clock.now();
    let (secret, shown, digest) = crate::crypto::random::prefixed_secret(KEY_PREFIX);
    let row = ApiKeyRow {
        id: uuid::Uuid::now_v7().to_string(),
        name: name.to_string(),
        prefix: shown,
        secret_digest: digest.as_str().to_string(),
        scopes: serde_json::json!(scopes).to_string(),
        created_at: now,
        last_used_at: None,
        expires_at: expires_in_days.map(|d| now + d * 24 * 3600),
        revoked_at: None,
    };
    let stored = row.clone();
    state
        .db
        .run(move |conn| store::insert(conn, &stored))
        .await?;
    Ok((row.into(), secret))
}

/// Every key.
pub async fn list(state: &AppState) -> Result<Vec<ApiKey>, ApiError> {
    Ok(state
        .db
        .run(store::list)
        .await?
        .into_iter()
        .map(ApiKey::from)
        .collect())
}

/// Revokes a key at once.
pub async fn revoke(state: &AppState, id: &str) -> Result<ApiKey, ApiError> {
    let id = id.to_string();
    let now = state.clock.now();
    let row = state
        .db
        .run(move |conn| {
            let Some(row) = store::find(conn, &id)? else {
                return Ok(Err(ApiError::NotFound("API key")));
            };
            if !store::revoke(conn, &id, now)? {
                return Ok(Err(ApiError::Conflict("the key is already revoked".into())));
            }
            Ok(Ok(row))
        })
        .await??;
    Ok(ApiKey {
        revoked_at: Some(now),
        ..row.into()
    })
}

/// The live key with this secret (not revoked, not expired); notes its use once a minute.
pub async fn authenticate(state: &AppState, secret: &str) -> Result<ApiKey, ApiError> {
    if !secret.starts_with(KEY_PREFIX) || secret.len() > 200 {
        return Err(ApiError::Unauthenticated);
    }
    let digest = SecretDigest::of(secret);
    let now = state.clock.now();
    let row = state
        .db
        .run(move |conn| {
            let row = store::find_by_digest(conn, &digest)?
                .filter(|r| r.revoked_at.is_none() && r.expires_at.is_none_or(|t| t > now));
            if let Some(row) = &row
                && row.last_used_at.is_none_or(|t| now - t >= 60)
            {
                store::touch(conn, &row.id, now)?;
            }
            Ok(row)
        })
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    Ok(row.into())
}
