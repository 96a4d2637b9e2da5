//! `grant_type=refresh_token` (RFC 6749 §6): every use rotates the token; presenting a rotated
//! token again means it leaked, so the whole grant is revoked (RFC 9700 §4.14.2). The grant's
//! lifetime is absolute; the scope may only narrow, and only for the new access token.

use super::super::response::Issued;
use crate::app::AppState;
use crate::crypto::{SecretDigest, random_token};
use crate::domain::client::{Client, GrantType};
use crate::oidc::claims::OrganizationClaims;
use crate::oidc::error::{ErrorCode, OAuthError};
use crate::oidc::form::Form;
use crate::oidc::scope::Scopes;
use crate::oidc::tokens::{self, UserTokensFor};
use crate::storage::grants::{self, GrantRecord, RefreshRecord};
use crate::storage::{StorageError, users};

enum Outcome {
    Rotated {
        grant: Box<GrantRecord>,
        refresh: String,
        user: Box<crate::domain::User>,
        organization: Option<OrganizationClaims>,
    },
    Refused(OAuthError),
}

fn reuse(
    conn: &mut crate::storage::DbConnection,
    grant_id: &str,
    now: i64,
) -> Result<Outcome, StorageError> {
    grants::revoke_grant(conn, grant_id, now)?;
    tracing::warn!(%grant_id, "a rotated refresh token was used again; grant revoked");
    crate::audit::record_in(
        conn,
        crate::audit::Event::new("grant.revoked", crate::audit::Actor::System)
            .failed("refresh_token_reuse")
            .target("grant", grant_id),
        now,
    )?;
    Ok(Outcome::Refused(OAuthError::invalid_grant(
        "the refresh token was already used; every token of this grant is revoked",
    )))
}

/// Trades a refresh token for new tokens.
pub async fn refresh(state: &AppState, client: &Client, form: &Form) -> Result<Issued, OAuthError> {
    if !client.allows_grant(GrantType::RefreshToken) {
        return Err(OAuthError::new(
            ErrorCode::UnauthorizedClient,
            "this client may not use the refresh_token grant",
        ));
    }
    let presented = form.require("refresh_token")?;
    let narrowed = form.get("scope").map(Scopes::parse).transpose()?;
    let digest = SecretDigest::of(presented).as_str().to_string();
    let at = crate::oidc::alive_at(state);
    let now = at.now;
    let client_id = client.id.clone();
    let requested = narrowed.clone();
    let outcome = state
        .db
        .run(move |conn| {
            crate::storage::write_transaction(conn, |c| {
                let refuse = |e: OAuthError| Ok(Outcome::Refused(e));
                let Some(token) = grants::find_refresh(c, &digest)? else {
                    return refuse(OAuthError::invalid_grant("the refresh token is invalid"));
                };
                let Some(grant) = grants::find_alive_grant(c, &token.grant_id, at)? else {
                    return refuse(OAuthError::invalid_grant(
                        "the refresh token is no longer valid",
                    ));
                };
                if grant.client_id != client_id {
                    return refuse(OAuthError::invalid_grant(
                        "the refresh token belongs to another client",
                    ));
                }
                // Reuse first: a rotated token presented again revokes the grant, whatever else
                // the request says.
                if token.rotated_at.is_some() {
                    return reuse(c, &grant.id, now);
                }
                // Every other refusal leaves the token usable (nothing is written before them).
                if token.expires_at <= now {
                    return refuse(OAuthError::invalid_grant("the refresh token has expired"));
                }
                if let Some(narrowed) = &requested
                    && !narrowed.is_subset(&Scopes::from_stored(&token.scope))
                {
                    return refuse(OAuthError::invalid_scope(
                        "the scope may only narrow what was granted",
                    ));
                }
                let Some(user) = users::find_by_id(c, &grant.user_id)? else {
                    return refuse(OAuthError::invalid_grant("the user no longer exists"));
                };
                if !grants::rotate_refresh(c, &digest, now)? {
                    // Another request rotated it between our read and this write.
                    return reuse(c, &grant.id, now);
                }
                let next = random_token();
                grants::insert_refresh(
                    c,
                    &RefreshRecord {
                        digest: SecretDigest::of(&next).as_str().to_string(),
                        grant_id: grant.id.clone(),
                        scope: token.scope.clone(),
                        created_at: now,
                        expires_at: token.expires_at,
                        rotated_at: None,
                    },
                )?;
                let organization = match &grant.organization_id {
                    Some(org) if Scopes::from_stored(&grant.scope).contains("organization") => {
                        OrganizationClaims::read(c, org, &grant.user_id)?
                    }
                    _ => None,
                };
                Ok::<_, StorageError>(Outcome::Rotated {
                    grant: Box::new(grant),
                    refresh: next,
                    user: Box::new(user),
                    organization,
                })
            })
        })
        .await?;
    let (grant, refresh, user, organization) = match outcome {
        Outcome::Refused(error) => return Err(error),
        Outcome::Rotated {
            grant,
            refresh,
            user,
            organization,
        } => (grant, refresh, user, organization),
    };
    // Narrowed away from `organization`: no organization claims.
    let organization =
        organization.filter(|_| narrowed.as_ref().is_none_or(|n| n.contains("organization")));
    let scopes = narrowed.unwrap_or_else(|| Scopes::from_stored(&grant.scope));
    let (access, id_token) = tokens::user_tokens(
        state,
        UserTokensFor {
            user: &user,
            client,
            scopes: &scopes,
            grant_id: &grant.id,
            session_id: &grant.session_id,
            auth_time: grant.auth_time,
            acr: grant.acr.as_deref(),
            amr: &grant.amr,
            nonce: None,
            organization: organization.as_ref(),
        },
    )
    .await?;
    Ok(Issued {
        access_token: access.token,
        expires_in: access.expires_in,
        scope: scopes.to_text(),
        refresh_token: Some(refresh),
        id_token,
    })
}
