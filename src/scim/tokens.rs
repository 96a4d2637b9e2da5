//! SCIM tokens: one per directory connection, made by an operator (`tessera scim token create`
//! or the admin API), shown once, kept as a digest. The token decides the organization every
//! SCIM request acts in.

use super::error::ScimError;
use crate::app::AppState;
use crate::audit::{self, Actor, Event};
use crate::crypto::SecretDigest;
use crate::domain::FieldError;
use crate::organizations::{self, OrgError};
use crate::storage::scim_tokens::{self as store, ScimTokenRow};

/// The prefix of every SCIM token, so a leaked one is recognisable.
pub const TOKEN_PREFIX: &str = "tscim_";

/// A token as shown (never its secret).
#[derive(Debug, Clone, serde::Serialize)]
pub struct ScimToken {
    pub id: String,
    pub organization_id: String,
    pub name: String,
    pub prefix: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl From<ScimTokenRow> for ScimToken {
    fn from(row: ScimTokenRow) -> Self {
        Self {
            id: row.id,
            organization_id: row.organization_id,
            name: row.name,
            prefix: row.prefix,
            created_at: row.created_at,
            last_used_at: row.last_used_at,
            revoked_at: row.revoked_at,
        }
    }
}

/// Makes a token for an organization; returns it with its secret (shown once).
pub async fn create(
    state: &AppState,
    org: &str,
    name: Option<&str>,
    actor: Actor,
) -> Result<(ScimToken, String), OrgError> {
    let name = name.unwrap_or("Directory").trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(FieldError::new("name", "must be 1 to 100 printable characters").into());
    }
    let org = organizations::find(state, org).await?;
    let now = state.clock.now();
    let (secret, shown, digest) = crate::crypto::random::prefixed_secret(TOKEN_PREFIX);
    let row = ScimTokenRow {
        id: uuid::Uuid::now_v7().to_string(),
        organization_id: org.id.clone(),
        name: name.to_string(),
        prefix: shown,
        secret_digest: digest.as_str().to_string(),
        created_at: now,
        last_used_at: None,
        revoked_at: None,
    };
    let stored = row.clone();
    state
        .db
        .run(move |conn| {
            crate::storage::write_transaction(conn, |c| {
                store::insert(c, &stored)?;
                audit::record_in(
                    c,
                    Event::new("scimToken.created", actor)
                        .target("scim_token", stored.id.clone())
                        .organization(stored.organization_id.clone()),
                    now,
                )
            })
        })
        .await?;
    Ok((row.into(), secret))
}

/// An organization's tokens.
pub async fn list(state: &AppState, org: &str) -> Result<Vec<ScimToken>, OrgError> {
    let org = organizations::find(state, org).await?;
    Ok(state
        .db
        .run(move |conn| store::list(conn, &org.id))
        .await?
        .into_iter()
        .map(ScimToken::from)
        .collect())
}

/// Revokes a token: the directory's next request is refused.
pub async fn revoke(
    state: &AppState,
    org: &str,
    id: &str,
    actor: Actor,
) -> Result<ScimToken, OrgError> {
    let org = organizations::find(state, org).await?;
    if id.is_empty() || id.len() > 100 {
        return Err(OrgError::NotFound("SCIM token"));
    }
    let id = id.to_string();
    let now = state.clock.now();
    let row = state
        .db
        .run(move |conn| {
            crate::storage::write_transaction(conn, |c| {
                let Some(row) = store::find(c, &org.id, &id)? else {
                    return Ok(Err(OrgError::NotFound("SCIM token")));
                };
                if !store::revoke(c, &row.id, now)? {
                    return Ok(Err(OrgError::Conflict(FieldError::new(
                        "token",
                        "is already revoked",
                    ))));
                }
                audit::record_in(
                    c,
                    Event::new("scimToken.revoked", actor)
                        .target("scim_token", row.id.clone())
                        .organization(row.organization_id.clone()),
                    now,
                )?;
                Ok::<_, crate::storage::StorageError>(Ok(row))
            })
        })
        .await??;
    Ok(ScimToken {
        revoked_at: Some(now),
        ..row.into()
    })
}

/// The organization a presented token acts for; notes its use once a minute.
pub async fn authenticate(state: &AppState, secret: &str) -> Result<ScimTokenRow, ScimError> {
    if !secret.starts_with(TOKEN_PREFIX) || secret.len() > 200 {
        return Err(ScimError::Unauthorized);
    }
    let digest = SecretDigest::of(secret);
    let now = state.clock.now();
    state
        .db
        .run(move |conn| {
            let row = store::find_live(conn, &digest)?;
            if let Some(row) = &row
                && row.last_used_at.is_none_or(|t| now - t >= 60)
            {
                store::touch(conn, &row.id, now)?;
            }
            Ok(row)
        })
        .await?
        .ok_or(ScimError::Unauthorized)
}
