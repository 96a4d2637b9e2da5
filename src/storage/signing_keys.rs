//! The `signing_keys` table.

use super::schema::signing_keys;
use super::{DbConnection, StorageError, StorageResult};
use crate::clock::UnixTime;
use diesel::prelude::*;

/// A stored signing key (the private key still encrypted).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = signing_keys)]
pub struct SigningKeyRow {
    pub kid: String,
    pub alg: String,
    pub private_key: String,
    pub public_jwk: String,
    pub created_at: i64,
    pub signing_until: Option<i64>,
    pub published_until: Option<i64>,
}

/// Every key still published at `now` (signing or rotated out), newest first.
pub fn published(conn: &mut DbConnection, now: UnixTime) -> StorageResult<Vec<SigningKeyRow>> {
    Ok(signing_keys::table
        .filter(
            signing_keys::published_until
                .is_null()
                .or(signing_keys::published_until.gt(now)),
        )
        .order(signing_keys::created_at.desc())
        .select(SigningKeyRow::as_select())
        .load(conn)?)
}

/// Every key, newest first (for `tessera keys list`).
pub fn all(conn: &mut DbConnection) -> StorageResult<Vec<SigningKeyRow>> {
    Ok(signing_keys::table
        .order((signing_keys::created_at.desc(), signing_keys::kid.asc()))
        .select(SigningKeyRow::as_select())
        .load(conn)?)
}

/// The key with this id.
pub fn find(conn: &mut DbConnection, kid: &str) -> StorageResult<Option<SigningKeyRow>> {
    Ok(signing_keys::table
        .find(kid)
        .select(SigningKeyRow::as_select())
        .first(conn)
        .optional()?)
}

/// The algorithms that have a key signing now.
pub fn signing_algorithms(conn: &mut DbConnection) -> StorageResult<Vec<String>> {
    Ok(signing_keys::table
        .filter(signing_keys::signing_until.is_null())
        .select(signing_keys::alg)
        .load(conn)?)
}

/// Stores a new key.
pub fn insert(conn: &mut DbConnection, row: &SigningKeyRow) -> StorageResult<()> {
    diesel::insert_into(signing_keys::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Stops the signing keys of `alg` from signing at `now`, keeping them published until
/// `published_until`; returns how many were rotated out.
pub fn rotate_out(
    conn: &mut DbConnection,
    alg: &str,
    now: UnixTime,
    published_until: UnixTime,
) -> StorageResult<usize> {
    Ok(diesel::update(
        signing_keys::table
            .filter(signing_keys::alg.eq(alg))
            .filter(signing_keys::signing_until.is_null()),
    )
    .set((
        signing_keys::signing_until.eq(Some(now)),
        signing_keys::published_until.eq(Some(published_until)),
    ))
    .execute(conn)?)
}

/// Removes a rotated-out key from the JWKS now. A key that still signs cannot be retired.
pub fn retire(conn: &mut DbConnection, kid: &str, now: UnixTime) -> StorageResult<()> {
    let changed = diesel::update(
        signing_keys::table
            .find(kid)
            .filter(signing_keys::signing_until.is_not_null()),
    )
    .set(signing_keys::published_until.eq(Some(now)))
    .execute(conn)?;
    if changed == 0 {
        return Err(StorageError::NotFound);
    }
    Ok(())
}
