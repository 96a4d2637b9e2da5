//! The `sessions` table. A session is stored under the SHA-256 digest of its cookie value; the
//! `id` is a separate public handle used to list and revoke sessions.

use super::schema::{sessions, users};
use super::{DbConnection, StorageResult};
use crate::clock::UnixTime;
use crate::crypto::SecretDigest;
use crate::domain::session::SessionTimes;
use diesel::prelude::*;

/// A stored session.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = sessions)]
pub struct SessionRecord {
    pub id: String,
    pub token_digest: String,
    pub user_id: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// The organization this session acts in, when the user chose one.
    pub active_organization_id: Option<String>,
}

impl SessionRecord {
    /// The times that decide whether it is alive.
    pub fn times(&self) -> SessionTimes {
        SessionTimes {
            created_at: self.created_at,
            last_seen_at: self.last_seen_at,
            expires_at: self.expires_at,
        }
    }
}

/// Stores a new session.
pub fn insert(conn: &mut DbConnection, session: &SessionRecord) -> StorageResult<()> {
    diesel::insert_into(sessions::table)
        .values(session)
        .execute(conn)?;
    Ok(())
}

/// Sets the organization a session acts in.
pub fn set_active_organization(
    conn: &mut DbConnection,
    id: &str,
    organization_id: Option<&str>,
) -> StorageResult<()> {
    diesel::update(sessions::table.find(id))
        .set(sessions::active_organization_id.eq(organization_id))
        .execute(conn)?;
    Ok(())
}

/// A re-authentication in an existing session: a new cookie digest and sign-in time, the same id.
pub fn reauthenticate(conn: &mut DbConnection, session: &SessionRecord) -> StorageResult<()> {
    diesel::update(sessions::table.find(&session.id))
        .set((
            sessions::token_digest.eq(&session.token_digest),
            sessions::created_at.eq(session.created_at),
            sessions::last_seen_at.eq(session.last_seen_at),
            sessions::expires_at.eq(session.expires_at),
            sessions::ip.eq(&session.ip),
            sessions::user_agent.eq(&session.user_agent),
        ))
        .execute(conn)?;
    Ok(())
}

/// The session with this cookie digest, if its user is not disabled; liveness is the caller's
/// decision (it depends on the configured lifetimes).
pub fn find_by_token(
    conn: &mut DbConnection,
    digest: &SecretDigest,
) -> StorageResult<Option<SessionRecord>> {
    Ok(sessions::table
        .inner_join(users::table)
        .filter(sessions::token_digest.eq(digest.as_str()))
        .filter(users::disabled.eq(false))
        .select(SessionRecord::as_select())
        .first(conn)
        .optional()?)
}

/// Records activity.
pub fn touch(conn: &mut DbConnection, id: &str, now: UnixTime) -> StorageResult<()> {
    diesel::update(sessions::table.find(id))
        .set(sessions::last_seen_at.eq(now))
        .execute(conn)?;
    Ok(())
}

/// The user's sessions that are still alive, most recently used first.
pub fn list_alive_for_user(
    conn: &mut DbConnection,
    user_id: &str,
    now: UnixTime,
    idle_cutoff: UnixTime,
) -> StorageResult<Vec<SessionRecord>> {
    Ok(sessions::table
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::expires_at.gt(now))
        .filter(sessions::last_seen_at.gt(idle_cutoff))
        .order(sessions::last_seen_at.desc())
        .select(SessionRecord::as_select())
        .load(conn)?)
}

/// Deletes one of the user's sessions; false when the user has no session with that id.
pub fn delete_for_user(conn: &mut DbConnection, user_id: &str, id: &str) -> StorageResult<bool> {
    let deleted = diesel::delete(
        sessions::table
            .filter(sessions::id.eq(id))
            .filter(sessions::user_id.eq(user_id)),
    )
    .execute(conn)?;
    Ok(deleted > 0)
}

/// Deletes every session of the user except `keep` (none when `keep` is `None`); returns the ids
/// of the sessions it ended.
pub fn delete_others(
    conn: &mut DbConnection,
    user_id: &str,
    keep: Option<&str>,
) -> StorageResult<Vec<String>> {
    let query = sessions::table
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::id.ne(keep.unwrap_or_default()))
        .select(sessions::id);
    // On PostgreSQL the rows are locked first, so a concurrent sign-out of one of them either
    // waits for this deletion or has already removed it from the list: each ending is counted
    // (and announced) once.
    let ids: Vec<String> = match conn {
        DbConnection::Pg(pg) => query.for_update().load(pg)?,
        DbConnection::Sqlite(lite) => query.load(lite)?,
    };
    if !ids.is_empty() {
        diesel::delete(sessions::table.filter(sessions::id.eq_any(&ids))).execute(conn)?;
    }
    Ok(ids)
}

/// Deletes the user's sessions whose active organization is `organization_id`; returns their ids.
pub fn delete_in_organization(
    conn: &mut DbConnection,
    user_id: &str,
    organization_id: &str,
) -> StorageResult<Vec<String>> {
    let ids: Vec<String> = sessions::table
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::active_organization_id.eq(organization_id))
        .select(sessions::id)
        .load(conn)?;
    if !ids.is_empty() {
        diesel::delete(sessions::table.filter(sessions::id.eq_any(&ids))).execute(conn)?;
    }
    Ok(ids)
}

/// Deletes every session of the user.
pub fn delete_all_for_user(conn: &mut DbConnection, user_id: &str) -> StorageResult<usize> {
    Ok(diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id))).execute(conn)?)
}

/// Deletes the session with this cookie digest (sign-out); returns it when there was one.
pub fn delete_by_token(
    conn: &mut DbConnection,
    digest: &SecretDigest,
) -> StorageResult<Option<SessionRecord>> {
    let Some(found) = find_by_token(conn, digest)? else {
        return Ok(None);
    };
    // Only the deletion that removed the row reports it (a concurrent one sees 0 rows).
    let deleted = diesel::delete(sessions::table.find(&found.id)).execute(conn)?;
    Ok((deleted == 1).then_some(found))
}

/// Deletes sessions past their absolute end or idle for longer than the timeout.
pub fn delete_dead(
    conn: &mut DbConnection,
    now: UnixTime,
    idle_cutoff: UnixTime,
) -> StorageResult<usize> {
    Ok(diesel::delete(
        sessions::table.filter(
            sessions::expires_at
                .le(now)
                .or(sessions::last_seen_at.le(idle_cutoff)),
        ),
    )
    .execute(conn)?)
}
