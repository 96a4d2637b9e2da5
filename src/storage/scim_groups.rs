//! The `scim_groups` and `scim_group_members` tables: a directory's groups in one organization
//! and which of its SCIM users belong to them.

use super::schema::{scim_group_members, scim_groups, scim_users};
use super::scim_query::{self, Operand, ResourceQuery};
use super::{DbConnection, StorageError, StorageResult};
use crate::clock::UnixTime;
use diesel::prelude::*;

/// A stored SCIM group (its members are rows of `scim_group_members`).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, QueryableByName, Selectable, Insertable)]
#[diesel(table_name = scim_groups)]
pub struct ScimGroupRow {
    pub id: String,
    pub organization_id: String,
    pub display_name: String,
    pub display_name_lower: String,
    pub external_id: Option<String>,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A member as a group shows it: the SCIM user's id and userName.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct Member {
    pub id: String,
    pub user_name: String,
}

/// A group one of the users belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct GroupOfUser {
    pub scim_user_id: String,
    pub group_id: String,
    pub display_name: String,
}

/// Lists longer than this are split over several statements (SQLite's bind limit).
const CHUNK: usize = 500;

fn display_name_conflict(error: diesel::result::Error) -> StorageError {
    match StorageError::from(error) {
        StorageError::Conflict { .. } => StorageError::Conflict {
            field: "displayName",
        },
        other => other,
    }
}

/// Stores a new group (without members).
pub fn insert(conn: &mut DbConnection, row: &ScimGroupRow) -> StorageResult<()> {
    diesel::insert_into(scim_groups::table)
        .values(row)
        .execute(conn)
        .map_err(display_name_conflict)?;
    Ok(())
}

/// Rewrites a group's attributes (the row's `id` and `organization_id` say which).
pub fn update(conn: &mut DbConnection, row: &ScimGroupRow) -> StorageResult<()> {
    let changed = diesel::update(
        scim_groups::table
            .filter(scim_groups::id.eq(&row.id))
            .filter(scim_groups::organization_id.eq(&row.organization_id)),
    )
    .set((
        scim_groups::display_name.eq(&row.display_name),
        scim_groups::display_name_lower.eq(&row.display_name_lower),
        scim_groups::external_id.eq(&row.external_id),
        scim_groups::version.eq(row.version),
        scim_groups::updated_at.eq(row.updated_at),
    ))
    .execute(conn)
    .map_err(display_name_conflict)?;
    if changed == 0 {
        return Err(StorageError::NotFound);
    }
    Ok(())
}

/// The group with this id in this organization.
pub fn find(
    conn: &mut DbConnection,
    organization_id: &str,
    id: &str,
) -> StorageResult<Option<ScimGroupRow>> {
    Ok(scim_groups::table
        .filter(scim_groups::organization_id.eq(organization_id))
        .filter(scim_groups::id.eq(id))
        .select(ScimGroupRow::as_select())
        .first(conn)
        .optional()?)
}

/// The id of the organization's group with this (lowered) display name.
pub fn id_by_display_name(
    conn: &mut DbConnection,
    organization_id: &str,
    display_name_lower: &str,
) -> StorageResult<Option<String>> {
    Ok(scim_groups::table
        .filter(scim_groups::organization_id.eq(organization_id))
        .filter(scim_groups::display_name_lower.eq(display_name_lower))
        .select(scim_groups::id)
        .first(conn)
        .optional()?)
}

/// Removes a group and its memberships.
pub fn delete(conn: &mut DbConnection, organization_id: &str, id: &str) -> StorageResult<bool> {
    diesel::delete(
        scim_group_members::table
            .filter(scim_group_members::scim_group_id.eq(id))
            .filter(scim_group_members::organization_id.eq(organization_id)),
    )
    .execute(conn)?;
    Ok(diesel::delete(
        scim_groups::table
            .filter(scim_groups::organization_id.eq(organization_id))
            .filter(scim_groups::id.eq(id)),
    )
    .execute(conn)?
        > 0)
}

/// A group's members, in the order they were added.
pub fn members(
    conn: &mut DbConnection,
    organization_id: &str,
    group_id: &str,
) -> StorageResult<Vec<Member>> {
    Ok(scim_group_members::table
        .inner_join(scim_users::table)
        .filter(scim_group_members::organization_id.eq(organization_id))
        .filter(scim_group_members::scim_group_id.eq(group_id))
        .order((
            scim_group_members::created_at.asc(),
            scim_group_members::scim_user_id.asc(),
        ))
        .select((scim_users::id, scim_users::user_name))
        .load(conn)?)
}

/// The members of these groups (group id, member), each group's in the order they were added.
pub fn members_of_groups(
    conn: &mut DbConnection,
    organization_id: &str,
    group_ids: &[String],
) -> StorageResult<Vec<(String, Member)>> {
    let mut out = Vec::new();
    for chunk in group_ids.chunks(CHUNK) {
        let rows: Vec<(String, String, String)> = scim_group_members::table
            .inner_join(scim_users::table)
            .filter(scim_group_members::organization_id.eq(organization_id))
            .filter(scim_group_members::scim_group_id.eq_any(chunk))
            .order((
                scim_group_members::scim_group_id.asc(),
                scim_group_members::created_at.asc(),
                scim_group_members::scim_user_id.asc(),
            ))
            .select((
                scim_group_members::scim_group_id,
                scim_users::id,
                scim_users::user_name,
            ))
            .load(conn)?;
        out.extend(
            rows.into_iter()
                .map(|(group, id, user_name)| (group, Member { id, user_name })),
        );
    }
    Ok(out)
}

/// Which of `ids` are SCIM users of the organization.
pub fn existing_users(
    conn: &mut DbConnection,
    organization_id: &str,
    ids: &[String],
) -> StorageResult<Vec<String>> {
    let mut found = Vec::new();
    for chunk in ids.chunks(CHUNK) {
        found.extend(
            scim_users::table
                .filter(scim_users::organization_id.eq(organization_id))
                .filter(scim_users::id.eq_any(chunk))
                .select(scim_users::id)
                .load::<String>(conn)?,
        );
    }
    Ok(found)
}

/// Adds members (each one a SCIM user of the organization, not yet a member).
pub fn add_members(
    conn: &mut DbConnection,
    organization_id: &str,
    group_id: &str,
    user_ids: &[String],
    now: UnixTime,
) -> StorageResult<()> {
    let rows = user_ids
        .iter()
        .map(|user_id| {
            vec![
                Operand::Text(group_id.to_string()),
                Operand::Text(user_id.clone()),
                Operand::Text(organization_id.to_string()),
                Operand::Int(now),
            ]
        })
        .collect();
    scim_query::insert_rows(
        conn,
        "scim_group_members",
        &[
            "scim_group_id",
            "scim_user_id",
            "organization_id",
            "created_at",
        ],
        rows,
    )
}

/// Removes members.
pub fn remove_members(
    conn: &mut DbConnection,
    organization_id: &str,
    group_id: &str,
    user_ids: &[String],
) -> StorageResult<()> {
    for chunk in user_ids.chunks(CHUNK) {
        diesel::delete(
            scim_group_members::table
                .filter(scim_group_members::organization_id.eq(organization_id))
                .filter(scim_group_members::scim_group_id.eq(group_id))
                .filter(scim_group_members::scim_user_id.eq_any(chunk)),
        )
        .execute(conn)?;
    }
    Ok(())
}

/// The groups of these SCIM users, by group name.
pub fn groups_of_users(
    conn: &mut DbConnection,
    organization_id: &str,
    user_ids: &[String],
) -> StorageResult<Vec<GroupOfUser>> {
    let mut out = Vec::new();
    for chunk in user_ids.chunks(CHUNK) {
        out.extend(
            scim_group_members::table
                .inner_join(scim_groups::table)
                .filter(scim_group_members::organization_id.eq(organization_id))
                .filter(scim_groups::organization_id.eq(organization_id))
                .filter(scim_group_members::scim_user_id.eq_any(chunk))
                .order((scim_groups::display_name_lower.asc(), scim_groups::id.asc()))
                .select((
                    scim_group_members::scim_user_id,
                    scim_groups::id,
                    scim_groups::display_name,
                ))
                .load::<GroupOfUser>(conn)?,
        );
    }
    Ok(out)
}

/// The ids of the groups a SCIM user belongs to.
pub fn group_ids_of_user(
    conn: &mut DbConnection,
    organization_id: &str,
    user_id: &str,
) -> StorageResult<Vec<String>> {
    Ok(scim_group_members::table
        .filter(scim_group_members::organization_id.eq(organization_id))
        .filter(scim_group_members::scim_user_id.eq(user_id))
        .select(scim_group_members::scim_group_id)
        .load(conn)?)
}

/// Marks SCIM users changed (their `groups` changed): a new version and modification time.
pub fn touch_users(
    conn: &mut DbConnection,
    organization_id: &str,
    ids: &[String],
    now: UnixTime,
) -> StorageResult<()> {
    for chunk in ids.chunks(CHUNK) {
        diesel::update(
            scim_users::table
                .filter(scim_users::organization_id.eq(organization_id))
                .filter(scim_users::id.eq_any(chunk)),
        )
        .set((
            scim_users::version.eq(scim_users::version + 1),
            scim_users::updated_at.eq(now),
        ))
        .execute(conn)?;
    }
    Ok(())
}

/// Marks groups changed (their members changed): a new version and modification time.
pub fn touch_groups(
    conn: &mut DbConnection,
    organization_id: &str,
    ids: &[String],
    now: UnixTime,
) -> StorageResult<()> {
    for chunk in ids.chunks(CHUNK) {
        diesel::update(
            scim_groups::table
                .filter(scim_groups::organization_id.eq(organization_id))
                .filter(scim_groups::id.eq_any(chunk)),
        )
        .set((
            scim_groups::version.eq(scim_groups::version + 1),
            scim_groups::updated_at.eq(now),
        ))
        .execute(conn)?;
    }
    Ok(())
}

/// One page of groups matching the query, and how many match in all.
pub fn query(
    conn: &mut DbConnection,
    q: &ResourceQuery,
) -> StorageResult<(Vec<ScimGroupRow>, i64)> {
    scim_query::page(
        conn,
        q,
        "r.id, r.organization_id, r.display_name, r.display_name_lower, r.external_id, \
         r.version, r.created_at, r.updated_at",
    )
}

/// The names of the directory groups an account belongs to in an organization (for the SAML
/// attribute statement).
pub fn group_names_of_account(
    conn: &mut DbConnection,
    organization_id: &str,
    user_id: &str,
) -> StorageResult<Vec<String>> {
    use super::schema::scim_users;
    Ok(scim_group_members::table
        .inner_join(scim_groups::table)
        .inner_join(scim_users::table)
        .filter(scim_group_members::organization_id.eq(organization_id))
        .filter(scim_groups::organization_id.eq(organization_id))
        .filter(scim_users::organization_id.eq(organization_id))
        .filter(scim_users::user_id.eq(user_id))
        .order(scim_groups::display_name_lower.asc())
        .select(scim_groups::display_name)
        .load(conn)?)
}
