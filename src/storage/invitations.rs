//! The `organization_invitations` table. The link's secret is stored only as a digest; accepting
//! is one conditional update, so a link is used at most once even when two tabs race.

use super::schema::{organization_invitations as inv, organizations};
use super::{DbConnection, StorageResult};
use crate::clock::UnixTime;
use crate::crypto::SecretDigest;
use diesel::prelude::*;

pub const PENDING: &str = "pending";
pub const ACCEPTED: &str = "accepted";
pub const REVOKED: &str = "revoked";

/// A stored invitation.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = inv)]
pub struct InvitationRow {
    pub id: String,
    pub organization_id: String,
    pub email: String,
    pub role_key: String,
    pub token_digest: String,
    pub state: String,
    pub invited_by: Option<String>,
    pub accepted_by: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
    pub updated_at: i64,
}

pub fn insert(conn: &mut DbConnection, row: &InvitationRow) -> StorageResult<()> {
    diesel::insert_into(inv::table).values(row).execute(conn)?;
    Ok(())
}

/// Revokes the pending invitations of an address to an organization (a new one replaces them);
/// returns their ids.
pub fn revoke_pending_for(
    conn: &mut DbConnection,
    organization_id: &str,
    email: &str,
    now: UnixTime,
) -> StorageResult<Vec<String>> {
    let ids: Vec<String> = inv::table
        .filter(inv::organization_id.eq(organization_id))
        .filter(inv::email.eq(email))
        .filter(inv::state.eq(PENDING))
        .select(inv::id)
        .load(conn)?;
    if !ids.is_empty() {
        diesel::update(inv::table.filter(inv::id.eq_any(&ids)))
            .set((inv::state.eq(REVOKED), inv::updated_at.eq(now)))
            .execute(conn)?;
    }
    Ok(ids)
}

/// The invitation with this link digest, with its organization's name and slug.
pub fn find_by_token(
    conn: &mut DbConnection,
    digest: &SecretDigest,
) -> StorageResult<Option<(InvitationRow, String, String)>> {
    Ok(inv::table
        .inner_join(organizations::table)
        .filter(inv::token_digest.eq(digest.as_str()))
        .select((
            InvitationRow::as_select(),
            organizations::name,
            organizations::slug,
        ))
        .first(conn)
        .optional()?)
}

pub fn find(
    conn: &mut DbConnection,
    organization_id: &str,
    id: &str,
) -> StorageResult<Option<InvitationRow>> {
    Ok(inv::table
        .filter(inv::organization_id.eq(organization_id))
        .filter(inv::id.eq(id))
        .select(InvitationRow::as_select())
        .first(conn)
        .optional()?)
}

/// Marks a pending, unexpired invitation accepted by `user_id`; false when it was not (any more)
/// pending or has expired.
pub fn accept(
    conn: &mut DbConnection,
    id: &str,
    user_id: &str,
    now: UnixTime,
) -> StorageResult<bool> {
    let changed = diesel::update(
        inv::table
            .filter(inv::id.eq(id))
            .filter(inv::state.eq(PENDING))
            .filter(inv::expires_at.gt(now)),
    )
    .set((
        inv::state.eq(ACCEPTED),
        inv::accepted_by.eq(user_id),
        inv::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Whether the address was ever invited to the organization (in any state).
pub fn ever_invited(
    conn: &mut DbConnection,
    organization_id: &str,
    email: &str,
) -> StorageResult<bool> {
    use diesel::dsl::exists;
    Ok(diesel::select(exists(
        inv::table
            .filter(inv::organization_id.eq(organization_id))
            .filter(inv::email.eq(email)),
    ))
    .get_result(conn)?)
}

/// The usable invitations of an address, newest first, with each organization's name and slug.
pub fn pending_for_email(
    conn: &mut DbConnection,
    email: &str,
    now: UnixTime,
) -> StorageResult<Vec<(InvitationRow, String, String)>> {
    Ok(inv::table
        .inner_join(organizations::table)
        .filter(inv::email.eq(email))
        .filter(inv::state.eq(PENDING))
        .filter(inv::expires_at.gt(now))
        .order(inv::id.desc())
        .limit(100)
        .select((
            InvitationRow::as_select(),
            organizations::name,
            organizations::slug,
        ))
        .load(conn)?)
}

/// The invitation with this id, with its organization's slug.
pub fn find_by_id(
    conn: &mut DbConnection,
    id: &str,
) -> StorageResult<Option<(InvitationRow, String)>> {
    Ok(inv::table
        .inner_join(organizations::table)
        .filter(inv::id.eq(id))
        .select((InvitationRow::as_select(), organizations::slug))
        .first(conn)
        .optional()?)
}

/// How many pending invitations offer this role.
pub fn count_pending_with_role(
    conn: &mut DbConnection,
    organization_id: &str,
    role_key: &str,
) -> StorageResult<i64> {
    Ok(inv::table
        .filter(inv::organization_id.eq(organization_id))
        .filter(inv::role_key.eq(role_key))
        .filter(inv::state.eq(PENDING))
        .count()
        .get_result(conn)?)
}

/// Revokes a pending invitation; false when it was not pending.
pub fn revoke(conn: &mut DbConnection, id: &str, now: UnixTime) -> StorageResult<bool> {
    let changed = diesel::update(
        inv::table
            .filter(inv::id.eq(id))
            .filter(inv::state.eq(PENDING)),
    )
    .set((inv::state.eq(REVOKED), inv::updated_at.eq(now)))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Which invitations to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listed {
    All,
    /// Pending and not expired.
    Pending,
    /// Pending past their expiry.
    Expired,
    Accepted,
    Revoked,
}

/// An organization's invitations, newest first, before `before` (an id, for paging).
pub fn list(
    conn: &mut DbConnection,
    organization_id: &str,
    which: Listed,
    now: UnixTime,
    before: Option<&str>,
    limit: i64,
) -> StorageResult<Vec<InvitationRow>> {
    let mut query = inv::table
        .filter(inv::organization_id.eq(organization_id))
        .select(InvitationRow::as_select())
        .order(inv::id.desc())
        .limit(limit.clamp(1, 1000))
        .into_boxed();
    query = match which {
        Listed::All => query,
        Listed::Pending => query
            .filter(inv::state.eq(PENDING))
            .filter(inv::expires_at.gt(now)),
        Listed::Expired => query
            .filter(inv::state.eq(PENDING))
            .filter(inv::expires_at.le(now)),
        Listed::Accepted => query.filter(inv::state.eq(ACCEPTED)),
        Listed::Revoked => query.filter(inv::state.eq(REVOKED)),
    };
    if let Some(before) = before {
        query = query.filter(inv::id.lt(before.to_string()));
    }
    Ok(query.load(conn)?)
}
