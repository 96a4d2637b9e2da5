//! The `scim_tokens` table: one bearer token per directory connection, bound to an organization.

use super::schema::scim_tokens;
use super::{DbConnection, StorageResult};
use crate::clock::UnixTime;
use crate::crypto::SecretDigest;
use diesel::prelude::*;

/// A stored SCIM token (its secret only as a digest).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = scim_tokens)]
pub struct ScimTokenRow {
    pub id: String,
    pub organization_id: String,
    pub name: String,
    pub prefix: String,
    pub secret_digest: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

pub fn insert(conn: &mut DbConnection, row: &ScimTokenRow) -> StorageResult<()> {
    diesel::insert_into(scim_tokens::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// The live (not revoked) token with this digest.
pub fn find_live(
    conn: &mut DbConnection,
    digest: &SecretDigest,
) -> StorageResult<Option<ScimTokenRow>> {
    Ok(scim_tokens::table
        .filter(scim_tokens::secret_digest.eq(digest.as_str()))
        .filter(scim_tokens::revoked_at.is_null())
        .select(ScimTokenRow::as_select())
        .first(conn)
        .optional()?)
}

/// An organization's tokens, oldest first.
pub fn list(conn: &mut DbConnection, organization_id: &str) -> StorageResult<Vec<ScimTokenRow>> {
    Ok(scim_tokens::table
        .filter(scim_tokens::organization_id.eq(organization_id))
        .order(scim_tokens::id.asc())
        .select(ScimTokenRow::as_select())
        .load(conn)?)
}

pub fn find(
    conn: &mut DbConnection,
    organization_id: &str,
    id: &str,
) -> StorageResult<Option<ScimTokenRow>> {
    Ok(scim_tokens::table
        .filter(scim_tokens::organization_id.eq(organization_id))
        .filter(scim_tokens::id.eq(id))
        .select(ScimTokenRow::as_select())
        .first(conn)
        .optional()?)
}

/// Revokes a token; false when it was already revoked.
pub fn revoke(conn: &mut DbConnection, id: &str, now: UnixTime) -> StorageResult<bool> {
    Ok(diesel::update(
        scim_tokens::table
            .filter(scim_tokens::id.eq(id))
            .filter(scim_tokens::revoked_at.is_null()),
    )
    .set(scim_tokens::revoked_at.eq(Some(now)))
    .execute(conn)?
        == 1)
}

/// Records a use (callers do it at most once a minute).
pub fn touch(conn: &mut DbConnection, id: &str, now: UnixTime) -> StorageResult<()> {
    diesel::update(scim_tokens::table.find(id))
        .set(scim_tokens::last_used_at.eq(Some(now)))
        .execute(conn)?;
    Ok(())
}
