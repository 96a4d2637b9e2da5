//! Grants and what hangs on them: authorization codes, refresh tokens, revoked access-token ids.
//! Codes and refresh tokens are looked up by the SHA-256 digest of their value.

use super::schema::{
    authorization_codes, grants, refresh_tokens, revoked_access_tokens, sessions,
    used_client_assertions, users,
};
use super::{DbConnection, StorageResult};
use crate::clock::UnixTime;
use diesel::prelude::*;

/// A stored grant: one sign-in of a user into a client.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = grants)]
pub struct GrantRecord {
    pub id: String,
    pub user_id: String,
    pub client_id: String,
    pub session_id: String,
    pub offline: bool,
    pub scope: String,
    pub auth_time: i64,
    pub acr: Option<String>,
    pub amr: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
    /// `pending` when the client wants a back-channel logout token once the session ends.
    pub logout_state: String,
    /// The organization the grant acts in (the `organization` scope).
    pub organization_id: Option<String>,
}

/// A back-channel logout waiting to be delivered: one client, one ended session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogoutDue {
    pub client_id: String,
    pub session_id: String,
    pub user_id: String,
    pub attempts: i64,
}

/// Rows of (client, session, user, attempts) as deliveries, one per client and session.
fn one_per_client_and_session(rows: Vec<(String, String, String, i64)>) -> Vec<LogoutDue> {
    let mut due: Vec<LogoutDue> = Vec::new();
    for (client_id, session_id, user_id, attempts) in rows {
        if !due
            .iter()
            .any(|d| d.client_id == client_id && d.session_id == session_id)
        {
            due.push(LogoutDue {
                client_id,
                session_id,
                user_id,
                attempts,
            });
        }
    }
    due
}

/// Grants whose back-channel logout is due: pending, its next try reached, and the session
/// gone, past its end or idle too long. One entry per client and session.
pub fn logout_due(
    conn: &mut DbConnection,
    at: AliveAt,
    limit: i64,
) -> StorageResult<Vec<LogoutDue>> {
    use diesel::dsl::{exists, not};
    let now = at.now;
    let rows: Vec<(String, String, String, i64)> = grants::table
        .filter(grants::logout_state.eq("pending"))
        .filter(
            grants::logout_next_at
                .is_null()
                .or(grants::logout_next_at.le(now)),
        )
        .filter(not(exists(
            sessions::table
                .filter(sessions::id.eq(grants::session_id))
                .filter(sessions::expires_at.gt(now))
                .filter(sessions::last_seen_at.gt(at.idle_cutoff)),
        )))
        .order(grants::created_at.asc())
        .limit(limit)
        .select((
            grants::client_id,
            grants::session_id,
            grants::user_id,
            grants::logout_attempts,
        ))
        .load(conn)?;
    Ok(one_per_client_and_session(rows))
}

/// Every (client, session) of the user still waiting for a back-channel logout, whatever the
/// state of the session (the user is about to be deleted).
pub fn pending_logouts_for_user(
    conn: &mut DbConnection,
    user_id: &str,
) -> StorageResult<Vec<LogoutDue>> {
    let rows: Vec<(String, String, String, i64)> = grants::table
        .filter(grants::user_id.eq(user_id))
        .filter(grants::logout_state.eq("pending"))
        .select((
            grants::client_id,
            grants::session_id,
            grants::user_id,
            grants::logout_attempts,
        ))
        .load(conn)?;
    Ok(one_per_client_and_session(rows))
}

/// Claims a due delivery for `hold_seconds` (so another server process skips it); false when
/// another process claimed it first.
pub fn claim_logout(
    conn: &mut DbConnection,
    due: &LogoutDue,
    now: UnixTime,
    hold_seconds: i64,
) -> StorageResult<bool> {
    let changed = diesel::update(
        grants::table
            .filter(grants::client_id.eq(&due.client_id))
            .filter(grants::session_id.eq(&due.session_id))
            .filter(grants::logout_state.eq("pending"))
            .filter(
                grants::logout_next_at
                    .is_null()
                    .or(grants::logout_next_at.le(now)),
            ),
    )
    .set(grants::logout_next_at.eq(now + hold_seconds))
    .execute(conn)?;
    Ok(changed > 0)
}

/// Records the outcome of a delivery: `done`, or another try at `retry_at`, or `failed`.
pub fn finish_logout(
    conn: &mut DbConnection,
    due: &LogoutDue,
    state: &str,
    retry_at: Option<UnixTime>,
) -> StorageResult<()> {
    diesel::update(
        grants::table
            .filter(grants::client_id.eq(&due.client_id))
            .filter(grants::session_id.eq(&due.session_id))
            .filter(grants::logout_state.eq("pending")),
    )
    .set((
        grants::logout_state.eq(state),
        grants::logout_attempts.eq(due.attempts + 1),
        grants::logout_next_at.eq(retry_at),
    ))
    .execute(conn)?;
    Ok(())
}

/// When liveness is judged: now, and the latest a session may have been used and still be alive
/// (its idle timeout).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AliveAt {
    pub now: UnixTime,
    pub idle_cutoff: UnixTime,
}

/// A stored authorization code.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = authorization_codes)]
pub struct CodeRecord {
    pub digest: String,
    pub client_id: String,
    pub user_id: String,
    pub session_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub auth_time: i64,
    pub acr: Option<String>,
    pub amr: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub consumed_at: Option<i64>,
    pub grant_id: Option<String>,
    /// The organization the code was issued for (the `organization` scope).
    pub organization_id: Option<String>,
}

/// A stored refresh token.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshRecord {
    pub digest: String,
    pub grant_id: String,
    pub scope: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub rotated_at: Option<i64>,
}

pub fn insert_code(conn: &mut DbConnection, code: &CodeRecord) -> StorageResult<()> {
    diesel::insert_into(authorization_codes::table)
        .values(code)
        .execute(conn)?;
    Ok(())
}

pub fn find_code(conn: &mut DbConnection, digest: &str) -> StorageResult<Option<CodeRecord>> {
    Ok(authorization_codes::table
        .find(digest)
        .select(CodeRecord::as_select())
        .first(conn)
        .optional()?)
}

/// Marks a code used, only if it was not: false when another request used it first.
pub fn consume_code(
    conn: &mut DbConnection,
    digest: &str,
    now: UnixTime,
    grant_id: &str,
) -> StorageResult<bool> {
    let changed = diesel::update(
        authorization_codes::table
            .find(digest)
            .filter(authorization_codes::consumed_at.is_null()),
    )
    .set((
        authorization_codes::consumed_at.eq(now),
        authorization_codes::grant_id.eq(grant_id),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

pub fn insert_grant(conn: &mut DbConnection, grant: &GrantRecord) -> StorageResult<()> {
    diesel::insert_into(grants::table)
        .values(grant)
        .execute(conn)?;
    Ok(())
}

/// The grant if it is alive: not revoked, not past its end, its user not disabled, and (unless
/// it is an offline grant) the browser session it came from still alive.
pub fn find_alive_grant(
    conn: &mut DbConnection,
    id: &str,
    at: AliveAt,
) -> StorageResult<Option<GrantRecord>> {
    let now = at.now;
    let Some(grant) = grants::table
        .inner_join(users::table)
        .filter(grants::id.eq(id))
        .filter(grants::revoked_at.is_null())
        .filter(grants::expires_at.gt(now))
        .filter(users::disabled.eq(false))
        .select(GrantRecord::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    if grant.offline || session_alive(conn, &grant.session_id, at)? {
        Ok(Some(grant))
    } else {
        Ok(None)
    }
}

/// The user behind a live access token, in one query: its grant alive (not revoked, before its
/// end, and its session alive unless it is an offline grant), bound to this user and client, the
/// user not disabled, and the token's `jti` not revoked.
pub fn user_of_live_token(
    conn: &mut DbConnection,
    grant_id: &str,
    user_id: &str,
    client_id: &str,
    jti: &str,
    at: AliveAt,
) -> StorageResult<Option<crate::domain::User>> {
    use diesel::dsl::{exists, not};
    let now = at.now;
    let session_alive = exists(
        sessions::table
            .filter(sessions::id.eq(grants::session_id))
            .filter(sessions::expires_at.gt(now))
            .filter(sessions::last_seen_at.gt(at.idle_cutoff)),
    );
    let revoked = exists(revoked_access_tokens::table.filter(revoked_access_tokens::jti.eq(jti)));
    Ok(grants::table
        .inner_join(users::table)
        .filter(grants::id.eq(grant_id))
        .filter(grants::user_id.eq(user_id))
        .filter(grants::client_id.eq(client_id))
        .filter(grants::revoked_at.is_null())
        .filter(grants::expires_at.gt(now))
        .filter(users::disabled.eq(false))
        .filter(grants::offline.or(session_alive))
        .filter(not(revoked))
        .select(super::users::UserRow::as_select())
        .first(conn)
        .optional()?
        .map(super::users::UserRow::into_user))
}

/// True when a client token is live: its client still registered and its `jti` not revoked.
pub fn client_token_live(
    conn: &mut DbConnection,
    client_id: &str,
    jti: &str,
) -> StorageResult<bool> {
    use diesel::dsl::{exists, not};
    let revoked = exists(revoked_access_tokens::table.filter(revoked_access_tokens::jti.eq(jti)));
    let found: Option<String> = super::schema::clients::table
        .filter(super::schema::clients::id.eq(client_id))
        .filter(not(revoked))
        .select(super::schema::clients::id)
        .first(conn)
        .optional()?;
    Ok(found.is_some())
}

/// The absolute end of a session that is alive (exists, before its end, used within its idle
/// timeout).
pub fn session_alive_until(
    conn: &mut DbConnection,
    id: &str,
    at: AliveAt,
) -> StorageResult<Option<UnixTime>> {
    Ok(sessions::table
        .filter(sessions::id.eq(id))
        .filter(sessions::expires_at.gt(at.now))
        .filter(sessions::last_seen_at.gt(at.idle_cutoff))
        .select(sessions::expires_at)
        .first(conn)
        .optional()?)
}

/// True while the session is alive (see [`session_alive_until`]).
pub fn session_alive(conn: &mut DbConnection, id: &str, at: AliveAt) -> StorageResult<bool> {
    let found: Option<String> = sessions::table
        .filter(sessions::id.eq(id))
        .filter(sessions::expires_at.gt(at.now))
        .filter(sessions::last_seen_at.gt(at.idle_cutoff))
        .select(sessions::id)
        .first(conn)
        .optional()?;
    Ok(found.is_some())
}

/// The client a grant belongs to.
pub fn client_of_grant(conn: &mut DbConnection, id: &str) -> StorageResult<Option<String>> {
    Ok(grants::table
        .find(id)
        .select(grants::client_id)
        .first(conn)
        .optional()?)
}

/// Revokes a grant (its refresh tokens stop working; access tokens are checked against it).
pub fn revoke_grant(conn: &mut DbConnection, id: &str, now: UnixTime) -> StorageResult<bool> {
    let changed = diesel::update(grants::table.find(id).filter(grants::revoked_at.is_null()))
        .set(grants::revoked_at.eq(now))
        .execute(conn)?;
    diesel::delete(refresh_tokens::table.filter(refresh_tokens::grant_id.eq(id))).execute(conn)?;
    Ok(changed > 0)
}

/// Revokes every grant of a user to a client; returns how many.
pub fn revoke_user_client(
    conn: &mut DbConnection,
    user_id: &str,
    client_id: &str,
    now: UnixTime,
) -> StorageResult<usize> {
    let ids: Vec<String> = grants::table
        .filter(grants::user_id.eq(user_id))
        .filter(grants::client_id.eq(client_id))
        .filter(grants::revoked_at.is_null())
        .select(grants::id)
        .load(conn)?;
    for id in &ids {
        revoke_grant(conn, id, now)?;
    }
    Ok(ids.len())
}

/// Revokes the grants that act in an organization: those of one member (removed from it), or
/// of everyone (the organization is deleted); returns how many. Their refresh tokens die and
/// their access tokens stop passing the live check (UserInfo, introspection).
pub fn revoke_in_organization(
    conn: &mut DbConnection,
    organization_id: &str,
    user_id: Option<&str>,
    now: UnixTime,
) -> StorageResult<usize> {
    let mut query = grants::table
        .filter(grants::organization_id.eq(organization_id))
        .filter(grants::revoked_at.is_null())
        .select(grants::id)
        .into_boxed();
    if let Some(user_id) = user_id {
        query = query.filter(grants::user_id.eq(user_id.to_string()));
    }
    let ids: Vec<String> = query.load(conn)?;
    for id in &ids {
        revoke_grant(conn, id, now)?;
    }
    Ok(ids.len())
}

/// Revokes every grant of a user (password change, disabling); returns how many.
pub fn revoke_all_for_user(
    conn: &mut DbConnection,
    user_id: &str,
    now: UnixTime,
) -> StorageResult<usize> {
    let ids: Vec<String> = grants::table
        .filter(grants::user_id.eq(user_id))
        .filter(grants::revoked_at.is_null())
        .select(grants::id)
        .load(conn)?;
    for id in &ids {
        revoke_grant(conn, id, now)?;
    }
    Ok(ids.len())
}

pub fn insert_refresh(conn: &mut DbConnection, token: &RefreshRecord) -> StorageResult<()> {
    diesel::insert_into(refresh_tokens::table)
        .values(token)
        .execute(conn)?;
    Ok(())
}

pub fn find_refresh(conn: &mut DbConnection, digest: &str) -> StorageResult<Option<RefreshRecord>> {
    Ok(refresh_tokens::table
        .find(digest)
        .select(RefreshRecord::as_select())
        .first(conn)
        .optional()?)
}

/// Marks a refresh token used, only if it was not: false when it had already been rotated.
pub fn rotate_refresh(conn: &mut DbConnection, digest: &str, now: UnixTime) -> StorageResult<bool> {
    let changed = diesel::update(
        refresh_tokens::table
            .find(digest)
            .filter(refresh_tokens::rotated_at.is_null()),
    )
    .set(refresh_tokens::rotated_at.eq(now))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Remembers a revoked access token until it would have expired anyway.
pub fn revoke_access_token(
    conn: &mut DbConnection,
    jti: &str,
    expires_at: UnixTime,
) -> StorageResult<()> {
    if access_token_revoked(conn, jti)? {
        return Ok(());
    }
    let inserted = diesel::insert_into(revoked_access_tokens::table)
        .values((
            revoked_access_tokens::jti.eq(jti),
            revoked_access_tokens::expires_at.eq(expires_at),
        ))
        .execute(conn);
    match inserted.map_err(super::StorageError::from) {
        Ok(_) | Err(super::StorageError::Conflict { .. }) => Ok(()),
        Err(e) => Err(e),
    }
}

pub fn access_token_revoked(conn: &mut DbConnection, jti: &str) -> StorageResult<bool> {
    let found: Option<String> = revoked_access_tokens::table
        .find(jti)
        .select(revoked_access_tokens::jti)
        .first(conn)
        .optional()?;
    Ok(found.is_some())
}

/// Records a used client-assertion id; false when it was already recorded (a replay).
pub fn remember_assertion(
    conn: &mut DbConnection,
    key: &str,
    expires_at: UnixTime,
) -> StorageResult<bool> {
    let inserted = diesel::insert_into(used_client_assertions::table)
        .values((
            used_client_assertions::key.eq(key),
            used_client_assertions::expires_at.eq(expires_at),
        ))
        .execute(conn);
    match inserted.map_err(super::StorageError::from) {
        Ok(_) => Ok(true),
        Err(super::StorageError::Conflict { .. }) => Ok(false),
        Err(e) => Err(e),
    }
}

/// The grants of a user that are alive, newest first.
pub fn alive_for_user(
    conn: &mut DbConnection,
    user_id: &str,
    now: UnixTime,
) -> StorageResult<Vec<GrantRecord>> {
    Ok(grants::table
        .filter(grants::user_id.eq(user_id))
        .filter(grants::revoked_at.is_null())
        .filter(grants::expires_at.gt(now))
        .order(grants::created_at.desc())
        .select(GrantRecord::as_select())
        .load(conn)?)
}

/// The grants that came from one browser session (for back-channel logout).
pub fn for_session(conn: &mut DbConnection, session_id: &str) -> StorageResult<Vec<GrantRecord>> {
    Ok(grants::table
        .filter(grants::session_id.eq(session_id))
        .select(GrantRecord::as_select())
        .load(conn)?)
}

/// Deletes what can never be used again: expired codes, grants past their end (with their
/// refresh tokens), and revoked access-token ids past their expiry.
pub fn delete_dead(conn: &mut DbConnection, now: UnixTime) -> StorageResult<usize> {
    let codes = diesel::delete(
        authorization_codes::table.filter(authorization_codes::expires_at.le(now - 3600)),
    )
    .execute(conn)?;
    // A grant whose back-channel logout is still pending stays until it is delivered or given up.
    let grants = diesel::delete(
        grants::table
            .filter(grants::expires_at.le(now))
            .filter(grants::logout_state.ne("pending")),
    )
    .execute(conn)?;
    let revoked = diesel::delete(
        revoked_access_tokens::table.filter(revoked_access_tokens::expires_at.le(now)),
    )
    .execute(conn)?;
    let assertions = diesel::delete(
        used_client_assertions::table.filter(used_client_assertions::expires_at.le(now)),
    )
    .execute(conn)?;
    Ok(codes + grants + revoked + assertions)
}
