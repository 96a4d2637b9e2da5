//! `grant_type=authorization_code` (RFC 6749 §4.1.3, RFC 7636 §4.6): the code is single-use,
//! bound to the client, the redirect URI and the PKCE challenge. A second use revokes every token
//! issued from the first (RFC 6749 §4.1.2, RFC 9700 §4.5).

use super::super::response::Issued;
use crate::app::AppState;
use crate::crypto::{SecretDigest, random_token};
use crate::domain::client::{Client, GrantType};
use crate::oidc::authorize::checks::pkce;
use crate::oidc::claims::OrganizationClaims;
use crate::oidc::error::{ErrorCode, OAuthError};
use crate::oidc::form::Form;
use crate::oidc::scope::Scopes;
use crate::oidc::tokens::{self, UserTokensFor};
use crate::storage::grants::{self, CodeRecord, GrantRecord, RefreshRecord};
use crate::storage::{StorageError, users};

enum Outcome {
    Granted {
        code: Box<CodeRecord>,
        grant_id: String,
        refresh: Option<String>,
        user: Box<crate::domain::User>,
        organization: Option<OrganizationClaims>,
    },
    Refused(OAuthError),
}

/// Exchanges a code for tokens.
pub async fn exchange(
    state: &AppState,
    client: &Client,
    form: &Form,
) -> Result<Issued, OAuthError> {
    if !client.allows_grant(GrantType::AuthorizationCode) {
        return Err(OAuthError::new(
            ErrorCode::UnauthorizedClient,
            "this client may not use the authorization_code grant",
        ));
    }
    let code = form.require("code")?;
    let redirect_uri = form.require("redirect_uri")?.to_string();
    let verifier = form.get("code_verifier").map(str::to_string);
    if let Some(v) = &verifier
        && !pkce::is_pkce_value(v)
    {
        return Err(OAuthError::invalid_grant("code_verifier is malformed"));
    }
    let digest = SecretDigest::of(code).as_str().to_string();
    let at = crate::oidc::alive_at(state);
    let now = at.now;
    let client_id = client.id.clone();
    let refresh_allowed = client.allows_grant(GrantType::RefreshToken);
    let logout_state = if client.backchannel_logout_uri.is_some() {
        "pending"
    } else {
        "none"
    };
    let refresh_seconds = client
        .refresh_token_seconds
        .unwrap_or(state.config.oidc.refresh_token_seconds);
    let outcome = state
        .db
        .run(move |conn| {
            crate::storage::write_transaction(conn, |c| {
                let refuse = |text: &str| Ok(Outcome::Refused(OAuthError::invalid_grant(text)));
                let Some(code) = grants::find_code(c, &digest)? else {
                    return refuse("the code is invalid");
                };
                if code.client_id != client_id {
                    return refuse("the code was issued to another client");
                }
                if code.consumed_at.is_some() {
                    if let Some(grant_id) = &code.grant_id {
                        grants::revoke_grant(c, grant_id, now)?;
                        crate::audit::record_in(
                            c,
                            crate::audit::Event::new("grant.revoked", crate::audit::Actor::System)
                                .failed("authorization_code_reuse")
                                .target("grant", grant_id.clone()),
                            now,
                        )?;
                    }
                    return refuse("the code was already used; the tokens issued with it are revoked");
                }
                if code.expires_at <= now {
                    return refuse("the code has expired");
                }
                if code.redirect_uri != redirect_uri {
                    return refuse("redirect_uri differs from the authorization request");
                }
                match (&code.code_challenge, &verifier) {
                    (Some(challenge), Some(v)) if pkce::verifier_matches(v, challenge) => {}
                    (Some(_), Some(_)) => return refuse("code_verifier does not match the code_challenge"),
                    (Some(_), None) => return refuse("code_verifier is required"),
                    (None, Some(_)) => {
                        return refuse("code_verifier sent, but the authorization request had no code_challenge");
                    }
                    (None, None) => {}
                }
                let Some(user) = users::find_by_id(c, &code.user_id)? else {
                    return refuse("the user no longer exists");
                };
                if user.disabled {
                    return refuse("the user is disabled");
                }
                // The browser session the code came from must still be alive: a sign-out, a
                // revoked session or a password change since then voids the code.
                let Some(session_end) = grants::session_alive_until(c, &code.session_id, at)? else {
                    return refuse("the session the code was issued in has ended");
                };
                let grant_id = uuid::Uuid::now_v7().to_string();
                if !grants::consume_code(c, &digest, now, &grant_id)? {
                    // A concurrent exchange won (PostgreSQL, READ COMMITTED): revoke what it got.
                    if let Some(winner) = grants::find_code(c, &digest)?.and_then(|w| w.grant_id) {
                        grants::revoke_grant(c, &winner, now)?;
                    }
                    return refuse("the code was already used; the tokens issued with it are revoked");
                }
                let scopes = Scopes::from_stored(&code.scope);
                let offline = scopes.contains("offline_access") && refresh_allowed;
                // A grant without offline access ends with its session.
                let grant_end = if offline {
                    now + refresh_seconds
                } else {
                    session_end
                };
                grants::insert_grant(
                    c,
                    &GrantRecord {
                        id: grant_id.clone(),
                        user_id: code.user_id.clone(),
                        client_id: code.client_id.clone(),
                        session_id: code.session_id.clone(),
                        offline,
                        scope: code.scope.clone(),
                        auth_time: code.auth_time,
                        acr: code.acr.clone(),
                        amr: code.amr.clone(),
                        created_at: now,
                        expires_at: grant_end,
                        revoked_at: None,
                        logout_state: logout_state.to_string(),
                        organization_id: code.organization_id.clone(),
                    },
                )?;
                let refresh = if offline {
                    let token = random_token();
                    grants::insert_refresh(
                        c,
                        &RefreshRecord {
                            digest: SecretDigest::of(&token).as_str().to_string(),
                            grant_id: grant_id.clone(),
                            scope: code.scope.clone(),
                            created_at: now,
                            expires_at: now + refresh_seconds,
                            rotated_at: None,
                        },
                    )?;
                    Some(token)
                } else {
                    None
                };
                let organization = match &code.organization_id {
                    Some(org) if scopes.contains("organization") => {
                        OrganizationClaims::read(c, org, &code.user_id)?
                    }
                    _ => None,
                };
                Ok::<_, StorageError>(Outcome::Granted {
                    code: Box::new(code),
                    grant_id,
                    refresh,
                    user: Box::new(user),
                    organization,
                })
            })
        })
        .await?;
    let (code, grant_id, refresh, user, organization) = match outcome {
        Outcome::Refused(error) => return Err(error),
        Outcome::Granted {
            code,
            grant_id,
            refresh,
            user,
            organization,
        } => (code, grant_id, refresh, user, organization),
    };
    let scopes = Scopes::from_stored(&code.scope);
    let (access, id_token) = tokens::user_tokens(
        state,
        UserTokensFor {
            user: &user,
            client,
            scopes: &scopes,
            grant_id: &grant_id,
            session_id: &code.session_id,
            auth_time: code.auth_time,
            acr: code.acr.as_deref(),
            amr: &code.amr,
            nonce: code.nonce.as_deref(),
            organization: organization.as_ref(),
        },
    )
    .await?;
    tracing::info!(client_id = %client.id, grant_id, "authorization code exchanged");
    Ok(Issued {
        access_token: access.token,
        expires_in: access.expires_in,
        scope: scopes.to_text(),
        refresh_token: refresh,
        id_token,
    })
}
