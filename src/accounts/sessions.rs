//! Signed-in sessions: created at sign-in under a fresh 256-bit id, looked up by its digest,
//! kept alive by use, and ended by sign-out, revocation, a password change or disabling the user.

use super::{AccountError, ClientInfo};
use crate::app::AppState;
use crate::crypto::{SecretDigest, random_token};
use crate::domain::User;
use crate::domain::session::SessionLifetimes;
use crate::storage::sessions::{self, SessionRecord};
use crate::storage::{DbConnection, StorageResult, users};
use crate::webhooks;

/// A live session and its user.
#[derive(Debug, Clone)]
pub struct ActiveSession {
    pub session: SessionRecord,
    pub user: User,
}

/// A new session: the cookie value (shown to the browser once) and the stored record.
#[derive(Debug)]
pub struct NewSession {
    pub token: String,
    pub record: SessionRecord,
}

fn lifetimes(state: &AppState) -> SessionLifetimes {
    SessionLifetimes::from(&state.config.session)
}

/// Starts a session for the user. When the browser already had a session (`replacing`), its
/// cookie value is never carried across a sign-in (no session fixation): a session of another
/// user is deleted; the same user signing in again (a re-authentication an app asked for) keeps
/// the session's id, so apps signed in through it stay signed in, with a new cookie value and a
/// new sign-in time.
pub async fn start(
    state: &AppState,
    user_id: &str,
    client: &ClientInfo,
    replacing: Option<&str>,
) -> Result<NewSession, AccountError> {
    start_with(state, user_id, client, replacing, |_| Ok(())).await
}

/// [`start`], with more storage work done in the same transaction (one database round trip for
/// the whole sign-in).
pub async fn start_with(
    state: &AppState,
    user_id: &str,
    client: &ClientInfo,
    replacing: Option<&str>,
    also: impl FnOnce(&mut DbConnection) -> StorageResult<()> + Send + 'static,
) -> Result<NewSession, AccountError> {
    let now = state.clock.now();
    let token = random_token();
    let record = SessionRecord {
        id: uuid::Uuid::now_v7().to_string(),
        token_digest: SecretDigest::of(&token).as_str().to_string(),
        user_id: user_id.to_string(),
        created_at: now,
        last_seen_at: now,
        expires_at: lifetimes(state).expires_at(now),
        ip: Some(client.ip.to_string()),
        user_agent: client.short_user_agent(),
        active_organization_id: None,
    };
    let fresh = record.clone();
    let old = replacing.map(SecretDigest::of);
    let record = state
        .db
        .run(move |conn| {
            crate::storage::write_transaction(conn, |c| {
                also(c)?;
                let previous = match &old {
                    Some(old) => sessions::find_by_token(c, old)?,
                    None => None,
                };
                match previous {
                    Some(previous) if previous.user_id == fresh.user_id => {
                        let kept = SessionRecord {
                            id: previous.id,
                            active_organization_id: previous.active_organization_id,
                            ..fresh
                        };
                        sessions::reauthenticate(c, &kept)?;
                        Ok(kept)
                    }
                    _ => {
                        if let Some(old) = &old
                            && let Some(gone) = sessions::delete_by_token(c, old)?
                        {
                            webhooks::sessions_ended_in(
                                c,
                                now,
                                &gone.user_id,
                                &[gone.id],
                                "replaced",
                            )?;
                        }
                        sessions::insert(c, &fresh)?;
                        webhooks::session_created_in(c, now, &fresh)?;
                        Ok(fresh)
                    }
                }
            })
        })
        .await?;
    Ok(NewSession { token, record })
}

/// The live session for a cookie value, touching it when its last use is stale. Dead sessions
/// (idle or past their absolute end) and sessions of disabled users are not returned.
pub async fn resolve(state: &AppState, token: &str) -> Result<Option<ActiveSession>, AccountError> {
    if token.is_empty() || token.len() > 128 {
        return Ok(None);
    }
    let digest = SecretDigest::of(token);
    let now = state.clock.now();
    let lifetimes = lifetimes(state);
    let found = state
        .db
        .run(move |conn| {
            let Some(session) = sessions::find_by_token(conn, &digest)? else {
                return Ok(None);
            };
            if !lifetimes.is_alive(&session.times(), now) {
                sessions::delete_by_token(conn, &digest)?;
                return Ok(None);
            }
            let Some(user) = users::find_by_id(conn, &session.user_id)? else {
                return Ok(None);
            };
            let mut session = session;
            if lifetimes.needs_touch(&session.times(), now) {
                sessions::touch(conn, &session.id, now)?;
                session.last_seen_at = now;
            }
            Ok(Some(ActiveSession { session, user }))
        })
        .await?;
    Ok(found)
}

/// Ends the session with this cookie value.
pub async fn end(state: &AppState, token: &str) -> Result<(), AccountError> {
    let digest = SecretDigest::of(token);
    let now = state.clock.now();
    state
        .db
        .run(move |conn| {
            crate::storage::write_transaction(conn, |c| {
                if let Some(gone) = sessions::delete_by_token(c, &digest)? {
                    webhooks::sessions_ended_in(c, now, &gone.user_id, &[gone.id], "signed_out")?;
                }
                Ok(())
            })
        })
        .await?;
    Ok(())
}

/// The user's live sessions, most recent first.
pub async fn list(state: &AppState, user_id: &str) -> Result<Vec<SessionRecord>, AccountError> {
    let now = state.clock.now();
    let cutoff = lifetimes(state).idle_cutoff(now);
    let user_id = user_id.to_string();
    Ok(state
        .db
        .run(move |conn| sessions::list_alive_for_user(conn, &user_id, now, cutoff))
        .await?)
}

/// Ends one of the user's own sessions; `NotFound` when it is not theirs or is gone.
pub async fn revoke(state: &AppState, user_id: &str, session_id: &str) -> Result<(), AccountError> {
    let user_id = user_id.to_string();
    let session_id = session_id.to_string();
    let now = state.clock.now();
    let deleted = state
        .db
        .run(move |conn| {
            crate::storage::write_transaction(conn, |c| {
                let deleted = sessions::delete_for_user(c, &user_id, &session_id)?;
                if deleted {
                    webhooks::sessions_ended_in(c, now, &user_id, &[session_id], "revoked")?;
                }
                Ok(deleted)
            })
        })
        .await?;
    if deleted {
        Ok(())
    } else {
        Err(AccountError::NotFound)
    }
}

/// Ends every session of the user but `keep`; returns how many ended.
pub async fn revoke_others(
    state: &AppState,
    user_id: &str,
    keep: &str,
) -> Result<usize, AccountError> {
    let user_id = user_id.to_string();
    let keep = keep.to_string();
    let now = state.clock.now();
    Ok(state
        .db
        .run(move |conn| {
            crate::storage::write_transaction(conn, |c| {
                let ended = sessions::delete_others(c, &user_id, Some(&keep))?;
                webhooks::sessions_ended_in(c, now, &user_id, &ended, "revoked")?;
                Ok(ended.len())
            })
        })
        .await?)
}
