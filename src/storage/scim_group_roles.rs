//! The `scim_group_roles` table: which organization role members of a directory group get.

use super::schema::scim_group_roles;
use super::{DbConnection, StorageResult};
use crate::clock::UnixTime;
use diesel::prelude::*;

/// One mapping: members of the group named `group_name` get `role_key` (the lowest `priority`
/// wins when several of a member's groups are mapped).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = scim_group_roles)]
pub struct GroupRole {
    pub organization_id: String,
    pub group_name_lower: String,
    pub group_name: String,
    pub role_key: String,
    pub priority: i32,
    pub created_at: UnixTime,
}

/// Adds or replaces the mapping of a group name.
pub fn set(conn: &mut DbConnection, mapping: &GroupRole) -> StorageResult<()> {
    remove(conn, &mapping.organization_id, &mapping.group_name_lower)?;
    diesel::insert_into(scim_group_roles::table)
        .values(mapping)
        .execute(conn)?;
    Ok(())
}

/// Removes the mapping of a (lowered) group name; false when there was none.
pub fn remove(
    conn: &mut DbConnection,
    organization_id: &str,
    group_name_lower: &str,
) -> StorageResult<bool> {
    Ok(diesel::delete(
        scim_group_roles::table
            .filter(scim_group_roles::organization_id.eq(organization_id))
            .filter(scim_group_roles::group_name_lower.eq(group_name_lower)),
    )
    .execute(conn)?
        > 0)
}

/// The organization's mappings, the one that wins first.
pub fn list(conn: &mut DbConnection, organization_id: &str) -> StorageResult<Vec<GroupRole>> {
    Ok(scim_group_roles::table
        .filter(scim_group_roles::organization_id.eq(organization_id))
        .order((
            scim_group_roles::priority.asc(),
            scim_group_roles::group_name_lower.asc(),
        ))
        .select(GroupRole::as_select())
        .load(conn)?)
}
