//! The `api_keys` and `idempotency_keys` tables.

use super::schema::{api_keys, idempotency_keys};
use super::{DbConnection, StorageResult};
use crate::clock::UnixTime;
use crate::crypto::SecretDigest;
use diesel::prelude::*;

/// A stored admin API key (its secret only as a digest).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = api_keys)]
pub struct ApiKeyRow {
    pub id: String,
    pub name: String,
    pub prefix: String,
    pub secret_digest: String,
    /// A JSON array of scopes.
    pub scopes: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

pub fn insert(conn: &mut DbConnection, row: &ApiKeyRow) -> StorageResult<()> {
    diesel::insert_into(api_keys::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// The key with this secret digest, whatever its state.
pub fn find_by_digest(
    conn: &mut DbConnection,
    digest: &SecretDigest,
) -> StorageResult<Option<ApiKeyRow>> {
    Ok(api_keys::table
        .filter(api_keys::secret_digest.eq(digest.as_str()))
        .select(ApiKeyRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn find(conn: &mut DbConnection, id: &str) -> StorageResult<Option<ApiKeyRow>> {
    Ok(api_keys::table
        .find(id)
        .select(ApiKeyRow::as_select())
        .first(conn)
        .optional()?)
}

/// Every key, oldest first.
pub fn list(conn: &mut DbConnection) -> StorageResult<Vec<ApiKeyRow>> {
    Ok(api_keys::table
        .order(api_keys::id.asc())
        .select(ApiKeyRow::as_select())
        .load(conn)?)
}

/// Revokes a key; false when it was already revoked or does not exist.
pub fn revoke(conn: &mut DbConnection, id: &str, now: UnixTime) -> StorageResult<bool> {
    Ok(diesel::update(
        api_keys::table
            .filter(api_keys::id.eq(id))
            .filter(api_keys::revoked_at.is_null()),
    )
    .set(api_keys::revoked_at.eq(Some(now)))
    .execute(conn)?
        == 1)
}

/// Records a use (callers do it at most once a minute).
pub fn touch(conn: &mut DbConnection, id: &str, now: UnixTime) -> StorageResult<()> {
    diesel::update(api_keys::table.find(id))
        .set(api_keys::last_used_at.eq(Some(now)))
        .execute(conn)?;
    Ok(())
}

/// After this long, a request that began under a key and never finished is taken over.
pub const ABANDONED_AFTER_SECONDS: i64 = 60;

/// What an idempotency key found when a request began.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Begun {
    /// First use: the request runs.
    New,
    /// Seen with the same request: its answer, to send again.
    Replay { status: i32, body: String },
    /// Seen with the same request, still running.
    InProgress,
    /// Seen with a different request.
    Mismatch,
}

/// Starts a request under an idempotency key (inserting the key when new).
pub fn begin(
    conn: &mut DbConnection,
    api_key_id: &str,
    key: &str,
    request_digest: &str,
    now: UnixTime,
) -> StorageResult<Begun> {
    super::write_transaction(conn, |c| {
        let found: Option<(String, Option<i32>, Option<String>, i64)> = idempotency_keys::table
            .find((api_key_id, key))
            .select((
                idempotency_keys::request_digest,
                idempotency_keys::status,
                idempotency_keys::response_body,
                idempotency_keys::created_at,
            ))
            .first(c)
            .optional()?;
        Ok(match found {
            None => {
                diesel::insert_into(idempotency_keys::table)
                    .values((
                        idempotency_keys::api_key_id.eq(api_key_id),
                        idempotency_keys::idempotency_key.eq(key),
                        idempotency_keys::request_digest.eq(request_digest),
                        idempotency_keys::created_at.eq(now),
                    ))
                    .execute(c)?;
                Begun::New
            }
            Some((digest, _, _, _)) if digest != request_digest => Begun::Mismatch,
            Some((_, Some(status), Some(body), _)) => Begun::Replay { status, body },
            // A request that started long ago and never finished (its process died): take over.
            Some((_, None, _, started)) if started <= now - ABANDONED_AFTER_SECONDS => {
                diesel::update(idempotency_keys::table.find((api_key_id, key)))
                    .set(idempotency_keys::created_at.eq(now))
                    .execute(c)?;
                Begun::New
            }
            Some(_) => Begun::InProgress,
        })
    })
}

/// Keeps the answer of a finished request.
pub fn finish(
    conn: &mut DbConnection,
    api_key_id: &str,
    key: &str,
    status: i32,
    body: &str,
) -> StorageResult<()> {
    diesel::update(idempotency_keys::table.find((api_key_id, key)))
        .set((
            idempotency_keys::status.eq(Some(status)),
            idempotency_keys::response_body.eq(Some(body)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Forgets a key whose request failed on our side, so a retry runs again.
pub fn forget(conn: &mut DbConnection, api_key_id: &str, key: &str) -> StorageResult<()> {
    diesel::delete(idempotency_keys::table.find((api_key_id, key))).execute(conn)?;
    Ok(())
}

/// Deletes idempotency keys older than `cutoff`.
pub fn delete_idempotency_before(
    conn: &mut DbConnection,
    cutoff: UnixTime,
) -> StorageResult<usize> {
    Ok(
        diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.lt(cutoff)))
            .execute(conn)?,
    )
}
