//! What SAML sign-ins keep: AuthnRequests awaiting their response (`saml_requests`), assertion
//! ids already accepted (`saml_seen_assertions`, the replay cache) and which account an IdP
//! subject is (`saml_identities`).

use super::schema::{saml_identities, saml_requests, saml_seen_assertions, saml_sp_sessions};
use super::{DbConnection, StorageError, StorageResult};
use crate::clock::UnixTime;
use diesel::prelude::*;

/// An AuthnRequest sent to an IdP.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = saml_requests)]
pub struct SamlRequestRow {
    pub id: String,
    pub connection_id: String,
    pub relay_digest: String,
    pub return_to: Option<String>,
    pub created_at: UnixTime,
    pub expires_at: UnixTime,
    pub used_at: Option<UnixTime>,
}

pub fn insert_request(conn: &mut DbConnection, row: &SamlRequestRow) -> StorageResult<()> {
    diesel::insert_into(saml_requests::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// The request with this id, used or not.
pub fn find_request(conn: &mut DbConnection, id: &str) -> StorageResult<Option<SamlRequestRow>> {
    Ok(saml_requests::table
        .find(id)
        .select(SamlRequestRow::as_select())
        .first(conn)
        .optional()?)
}

/// Marks a live request used; false when it was used already or has expired (one answer per
/// request, even when two arrive at once).
pub fn use_request(conn: &mut DbConnection, id: &str, now: UnixTime) -> StorageResult<bool> {
    Ok(diesel::update(
        saml_requests::table
            .filter(saml_requests::id.eq(id))
            .filter(saml_requests::used_at.is_null())
            .filter(saml_requests::expires_at.gt(now)),
    )
    .set(saml_requests::used_at.eq(Some(now)))
    .execute(conn)?
        == 1)
}

/// Records an accepted assertion id; false when it was seen before (a replay).
pub fn remember_assertion(
    conn: &mut DbConnection,
    connection_id: &str,
    assertion_id: &str,
    expires_at: UnixTime,
) -> StorageResult<bool> {
    let inserted = diesel::insert_into(saml_seen_assertions::table)
        .values((
            saml_seen_assertions::connection_id.eq(connection_id),
            saml_seen_assertions::assertion_id.eq(assertion_id),
            saml_seen_assertions::expires_at.eq(expires_at),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(true),
        Err(e) => match StorageError::from(e) {
            StorageError::Conflict { .. } => Ok(false),
            other => Err(other),
        },
    }
}

/// Which account an IdP subject signs in as.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = saml_identities)]
pub struct SamlIdentityRow {
    pub connection_id: String,
    pub name_id: String,
    pub user_id: String,
    pub created_membership: bool,
    pub created_at: UnixTime,
    pub last_sign_in_at: UnixTime,
}

pub fn find_identity(
    conn: &mut DbConnection,
    connection_id: &str,
    name_id: &str,
) -> StorageResult<Option<SamlIdentityRow>> {
    Ok(saml_identities::table
        .find((connection_id, name_id))
        .select(SamlIdentityRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn insert_identity(conn: &mut DbConnection, row: &SamlIdentityRow) -> StorageResult<()> {
    diesel::insert_into(saml_identities::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn touch_identity(
    conn: &mut DbConnection,
    connection_id: &str,
    name_id: &str,
    now: UnixTime,
) -> StorageResult<()> {
    diesel::update(saml_identities::table.find((connection_id, name_id)))
        .set(saml_identities::last_sign_in_at.eq(now))
        .execute(conn)?;
    Ok(())
}

/// Deletes requests and remembered assertions past their time; returns how many rows went.
pub fn sweep(conn: &mut DbConnection, now: UnixTime) -> StorageResult<usize> {
    let requests = diesel::delete(saml_requests::table.filter(saml_requests::expires_at.le(now)))
        .execute(conn)?;
    let seen = diesel::delete(
        saml_seen_assertions::table.filter(saml_seen_assertions::expires_at.le(now)),
    )
    .execute(conn)?;
    Ok(requests + seen)
}

/// How a session was signed in through a connection (for Single Logout).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = saml_sp_sessions)]
pub struct SamlSpSessionRow {
    pub session_id: String,
    pub connection_id: String,
    pub name_id: String,
    pub name_id_format: Option<String>,
    pub session_index: Option<String>,
    pub created_at: UnixTime,
}

/// Records (or replaces) how a session was signed in through a connection.
pub fn remember_sp_session(conn: &mut DbConnection, row: &SamlSpSessionRow) -> StorageResult<()> {
    diesel::delete(
        saml_sp_sessions::table
            .filter(saml_sp_sessions::session_id.eq(&row.session_id))
            .filter(saml_sp_sessions::connection_id.eq(&row.connection_id)),
    )
    .execute(conn)?;
    diesel::insert_into(saml_sp_sessions::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// The SAML sign-in of a session, if it had one (the newest).
pub fn sp_session_of(
    conn: &mut DbConnection,
    session_id: &str,
) -> StorageResult<Option<SamlSpSessionRow>> {
    Ok(saml_sp_sessions::table
        .filter(saml_sp_sessions::session_id.eq(session_id))
        .order(saml_sp_sessions::created_at.desc())
        .select(SamlSpSessionRow::as_select())
        .first(conn)
        .optional()?)
}

/// The sessions (id, user id) signed in through a connection as `name_id` (and SessionIndex,
/// when given).
pub fn sp_sessions_for(
    conn: &mut DbConnection,
    connection_id: &str,
    name_id: &str,
    session_index: Option<&str>,
) -> StorageResult<Vec<(String, String)>> {
    use super::schema::sessions;
    let mut query = saml_sp_sessions::table
        .inner_join(sessions::table.on(sessions::id.eq(saml_sp_sessions::session_id)))
        .filter(saml_sp_sessions::connection_id.eq(connection_id))
        .filter(saml_sp_sessions::name_id.eq(name_id))
        .select((saml_sp_sessions::session_id, sessions::user_id))
        .into_boxed();
    if let Some(index) = session_index {
        query = query.filter(saml_sp_sessions::session_index.eq(index.to_string()));
    }
    Ok(query.load(conn)?)
}
