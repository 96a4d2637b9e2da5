//! The `organizations`, `organization_roles` and `memberships` tables.

use super::schema::{memberships, organization_roles, organizations, users};
use super::{DbConnection, StorageError, StorageResult};
use crate::clock::UnixTime;
use crate::domain::organization::{Membership, Organization, Role};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = organizations, treat_none_as_null = true)]
struct OrganizationRow {
    id: String,
    slug: String,
    name: String,
    logo_url: Option<String>,
    public_metadata: String,
    private_metadata: String,
    default_role: String,
    created_at: i64,
    updated_at: i64,
}

impl From<OrganizationRow> for Organization {
    fn from(r: OrganizationRow) -> Self {
        Organization {
            id: r.id,
            slug: r.slug,
            name: r.name,
            logo_url: r.logo_url,
            public_metadata: serde_json::from_str(&r.public_metadata).unwrap_or_default(),
            private_metadata: serde_json::from_str(&r.private_metadata).unwrap_or_default(),
            default_role: r.default_role,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

impl From<&Organization> for OrganizationRow {
    fn from(o: &Organization) -> Self {
        OrganizationRow {
            id: o.id.clone(),
            slug: o.slug.clone(),
            name: o.name.clone(),
            logo_url: o.logo_url.clone(),
            public_metadata: o.public_metadata.to_string(),
            private_metadata: o.private_metadata.to_string(),
            default_role: o.default_role.clone(),
            created_at: o.created_at,
            updated_at: o.updated_at,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = organization_roles)]
struct RoleRow {
    organization_id: String,
    role_key: String,
    name: String,
    permissions: String,
    built_in: bool,
    created_at: i64,
    updated_at: i64,
}

impl From<RoleRow> for Role {
    fn from(r: RoleRow) -> Self {
        Role {
            key: r.role_key,
            name: r.name,
            permissions: serde_json::from_str(&r.permissions).unwrap_or_default(),
            built_in: r.built_in,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = memberships)]
struct MembershipRow {
    organization_id: String,
    user_id: String,
    role_key: String,
    created_at: i64,
    updated_at: i64,
    disabled: bool,
}

impl From<MembershipRow> for Membership {
    fn from(r: MembershipRow) -> Self {
        Membership {
            organization_id: r.organization_id,
            user_id: r.user_id,
            role: r.role_key,
            disabled: r.disabled,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

fn slug_conflict(error: diesel::result::Error) -> StorageError {
    match StorageError::from(error) {
        StorageError::Conflict { .. } => StorageError::Conflict { field: "slug" },
        other => other,
    }
}

/// Stores a new organization.
pub fn insert(conn: &mut DbConnection, org: &Organization) -> StorageResult<()> {
    diesel::insert_into(organizations::table)
        .values(OrganizationRow::from(org))
        .execute(conn)
        .map_err(slug_conflict)?;
    Ok(())
}

/// Writes every field of an organization.
pub fn update(conn: &mut DbConnection, org: &Organization) -> StorageResult<()> {
    let changed = diesel::update(organizations::table.find(&org.id))
        .set(OrganizationRow::from(org))
        .execute(conn)
        .map_err(slug_conflict)?;
    if changed == 0 {
        return Err(StorageError::NotFound);
    }
    Ok(())
}

/// The organization with this id or slug.
pub fn find(conn: &mut DbConnection, reference: &str) -> StorageResult<Option<Organization>> {
    Ok(organizations::table
        .filter(
            organizations::id
                .eq(reference)
                .or(organizations::slug.eq(reference)),
        )
        .select(OrganizationRow::as_select())
        .first(conn)
        .optional()?
        .map(Organization::from))
}

/// Locks an organization's row until the transaction ends (PostgreSQL; SQLite's write
/// transactions already exclude each other), so rules about its members hold under concurrency.
pub fn lock(conn: &mut DbConnection, id: &str) -> StorageResult<()> {
    if let DbConnection::Pg(pg) = conn {
        organizations::table
            .find(id)
            .select(organizations::id)
            .for_update()
            .first::<String>(pg)
            .optional()?;
    }
    Ok(())
}

/// Organizations by name, after `after` (an id, for paging), optionally matching `search`.
pub fn list(
    conn: &mut DbConnection,
    search: Option<&str>,
    limit: i64,
) -> StorageResult<Vec<Organization>> {
    let mut query = organizations::table
        .select(OrganizationRow::as_select())
        .order((organizations::name.asc(), organizations::id.asc()))
        .limit(limit)
        .into_boxed();
    if let Some(text) = search {
        let pattern = format!("%{}%", super::like_escaped(&text.to_lowercase()));
        query = query.filter(
            super::lower(organizations::name)
                .like(pattern.clone())
                .escape('\\')
                .or(organizations::slug.like(pattern).escape('\\')),
        );
    }
    Ok(query
        .load(conn)?
        .into_iter()
        .map(Organization::from)
        .collect())
}

/// Deletes an organization with its roles and memberships.
pub fn delete(conn: &mut DbConnection, id: &str) -> StorageResult<bool> {
    Ok(diesel::delete(organizations::table.find(id)).execute(conn)? > 0)
}

/// Stores a role.
pub fn insert_role(
    conn: &mut DbConnection,
    org_id: &str,
    role: &Role,
    now: UnixTime,
) -> StorageResult<()> {
    diesel::insert_into(organization_roles::table)
        .values(RoleRow {
            organization_id: org_id.to_string(),
            role_key: role.key.clone(),
            name: role.name.clone(),
            permissions: serde_json::to_string(&role.permissions).unwrap_or_else(|_| "[]".into()),
            built_in: role.built_in,
            created_at: now,
            updated_at: now,
        })
        .execute(conn)
        .map_err(|e| match StorageError::from(e) {
            StorageError::Conflict { .. } => StorageError::Conflict { field: "key" },
            other => other,
        })?;
    Ok(())
}

/// Changes a role's name and permissions.
pub fn update_role(
    conn: &mut DbConnection,
    org_id: &str,
    role: &Role,
    now: UnixTime,
) -> StorageResult<()> {
    let changed = diesel::update(organization_roles::table.find((org_id, &role.key)))
        .set((
            organization_roles::name.eq(&role.name),
            organization_roles::permissions
                .eq(serde_json::to_string(&role.permissions).unwrap_or_else(|_| "[]".into())),
            organization_roles::updated_at.eq(now),
        ))
        .execute(conn)?;
    if changed == 0 {
        return Err(StorageError::NotFound);
    }
    Ok(())
}

/// The roles of an organization, by key.
pub fn roles(conn: &mut DbConnection, org_id: &str) -> StorageResult<Vec<Role>> {
    Ok(organization_roles::table
        .filter(organization_roles::organization_id.eq(org_id))
        .order(organization_roles::role_key.asc())
        .select(RoleRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Role::from)
        .collect())
}

/// One role.
pub fn role(conn: &mut DbConnection, org_id: &str, key: &str) -> StorageResult<Option<Role>> {
    Ok(organization_roles::table
        .find((org_id, key))
        .select(RoleRow::as_select())
        .first(conn)
        .optional()?
        .map(Role::from))
}

/// Deletes a role.
pub fn delete_role(conn: &mut DbConnection, org_id: &str, key: &str) -> StorageResult<bool> {
    Ok(diesel::delete(organization_roles::table.find((org_id, key))).execute(conn)? > 0)
}

/// How many members hold a role.
pub fn count_with_role(conn: &mut DbConnection, org_id: &str, key: &str) -> StorageResult<i64> {
    Ok(memberships::table
        .filter(memberships::organization_id.eq(org_id))
        .filter(memberships::role_key.eq(key))
        .count()
        .get_result(conn)?)
}

/// How many members hold a role in a membership that is not deactivated (a deactivated admin
/// cannot manage the organization, so it does not count for the last-admin rule).
pub fn count_active_with_role(
    conn: &mut DbConnection,
    org_id: &str,
    key: &str,
) -> StorageResult<i64> {
    Ok(memberships::table
        .filter(memberships::organization_id.eq(org_id))
        .filter(memberships::role_key.eq(key))
        .filter(memberships::disabled.eq(false))
        .count()
        .get_result(conn)?)
}

/// Stores a membership; `Conflict` when the user is already a member.
pub fn insert_membership(conn: &mut DbConnection, m: &Membership) -> StorageResult<()> {
    diesel::insert_into(memberships::table)
        .values(MembershipRow {
            organization_id: m.organization_id.clone(),
            user_id: m.user_id.clone(),
            role_key: m.role.clone(),
            created_at: m.created_at,
            updated_at: m.updated_at,
            disabled: m.disabled,
        })
        .execute(conn)
        .map_err(|e| match StorageError::from(e) {
            StorageError::Conflict { .. } => StorageError::Conflict { field: "member" },
            other => other,
        })?;
    Ok(())
}

/// A user's membership of an organization.
pub fn membership(
    conn: &mut DbConnection,
    org_id: &str,
    user_id: &str,
) -> StorageResult<Option<Membership>> {
    Ok(memberships::table
        .find((org_id, user_id))
        .select(MembershipRow::as_select())
        .first(conn)
        .optional()?
        .map(Membership::from))
}

/// Changes a member's role.
pub fn set_role(
    conn: &mut DbConnection,
    org_id: &str,
    user_id: &str,
    role: &str,
    now: UnixTime,
) -> StorageResult<()> {
    let changed = diesel::update(memberships::table.find((org_id, user_id)))
        .set((
            memberships::role_key.eq(role),
            memberships::updated_at.eq(now),
        ))
        .execute(conn)?;
    if changed == 0 {
        return Err(StorageError::NotFound);
    }
    Ok(())
}

/// Deactivates or reactivates a membership.
pub fn set_disabled(
    conn: &mut DbConnection,
    org_id: &str,
    user_id: &str,
    disabled: bool,
    now: UnixTime,
) -> StorageResult<()> {
    diesel::update(memberships::table.find((org_id, user_id)))
        .set((
            memberships::disabled.eq(disabled),
            memberships::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Removes a membership.
pub fn delete_membership(
    conn: &mut DbConnection,
    org_id: &str,
    user_id: &str,
) -> StorageResult<bool> {
    Ok(diesel::delete(memberships::table.find((org_id, user_id))).execute(conn)? > 0)
}

/// The slugs of the organizations whose only admin is this user (locking each on PostgreSQL, so
/// a concurrent change cannot slip between the check and the caller's write).
pub fn sole_admin_of(conn: &mut DbConnection, user_id: &str) -> StorageResult<Vec<String>> {
    // Lock every organization the user belongs to, in id order (no deadlock between two such
    // calls), before reading roles: a concurrent promotion or demotion then waits for us.
    let mut belongs: Vec<String> = memberships::table
        .filter(memberships::user_id.eq(user_id))
        .select(memberships::organization_id)
        .load(conn)?;
    belongs.sort();
    for org_id in &belongs {
        lock(conn, org_id)?;
    }
    let administered: Vec<String> = memberships::table
        .filter(memberships::user_id.eq(user_id))
        .filter(memberships::role_key.eq(crate::domain::organization::ADMIN_ROLE))
        .filter(memberships::disabled.eq(false))
        .select(memberships::organization_id)
        .load(conn)?;
    let mut sole = Vec::new();
    for org_id in administered {
        if count_active_with_role(conn, &org_id, crate::domain::organization::ADMIN_ROLE)? <= 1 {
            let slug: String = organizations::table
                .find(&org_id)
                .select(organizations::slug)
                .first(conn)?;
            sole.push(slug);
        }
    }
    Ok(sole)
}

/// The organizations a user belongs to, with the membership, by name.
pub fn of_user(
    conn: &mut DbConnection,
    user_id: &str,
) -> StorageResult<Vec<(Organization, Membership)>> {
    Ok(memberships::table
        .inner_join(organizations::table)
        .filter(memberships::user_id.eq(user_id))
        .order(organizations::name.asc())
        .select((OrganizationRow::as_select(), MembershipRow::as_select()))
        .load::<(OrganizationRow, MembershipRow)>(conn)?
        .into_iter()
        .map(|(o, m)| (Organization::from(o), Membership::from(m)))
        .collect())
}

/// A user's membership of an organization with the organization and the role's permissions.
pub fn membership_with_role(
    conn: &mut DbConnection,
    org_id: &str,
    user_id: &str,
) -> StorageResult<Option<(Organization, Membership, Role)>> {
    let Some(m) = membership(conn, org_id, user_id)? else {
        return Ok(None);
    };
    let Some(org) = organizations::table
        .find(org_id)
        .select(OrganizationRow::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let role = role(conn, org_id, &m.role)?.unwrap_or(Role {
        key: m.role.clone(),
        name: m.role.clone(),
        permissions: Vec::new(),
        built_in: false,
    });
    Ok(Some((Organization::from(org), m, role)))
}

/// The members of an organization with their email, by email.
pub fn members(conn: &mut DbConnection, org_id: &str) -> StorageResult<Vec<(Membership, String)>> {
    Ok(memberships::table
        .inner_join(users::table)
        .filter(memberships::organization_id.eq(org_id))
        .order(users::email.asc())
        .select((MembershipRow::as_select(), users::email))
        .load::<(MembershipRow, String)>(conn)?
        .into_iter()
        .map(|(m, email)| (Membership::from(m), email))
        .collect())
}

/// A page of organizations in id order after `after`, optionally matching `search`.
pub fn page(
    conn: &mut DbConnection,
    search: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> StorageResult<Vec<Organization>> {
    let mut query = organizations::table
        .select(OrganizationRow::as_select())
        .order(organizations::id.asc())
        .limit(limit)
        .into_boxed();
    if let Some(text) = search {
        let pattern = format!("%{}%", super::like_escaped(&text.to_lowercase()));
        query = query.filter(
            super::lower(organizations::name)
                .like(pattern.clone())
                .escape('\\')
                .or(organizations::slug.like(pattern).escape('\\')),
        );
    }
    if let Some(after) = after {
        query = query.filter(organizations::id.gt(after.to_string()));
    }
    Ok(query
        .load(conn)?
        .into_iter()
        .map(Organization::from)
        .collect())
}

/// A page of an organization's members in user-id order after `after`, with their addresses.
pub fn members_page(
    conn: &mut DbConnection,
    org_id: &str,
    after: Option<&str>,
    limit: i64,
) -> StorageResult<Vec<(Membership, String)>> {
    let mut query = memberships::table
        .inner_join(users::table)
        .filter(memberships::organization_id.eq(org_id))
        .order(memberships::user_id.asc())
        .limit(limit)
        .select((MembershipRow::as_select(), users::email))
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(memberships::user_id.gt(after.to_string()));
    }
    Ok(query
        .load::<(MembershipRow, String)>(conn)?
        .into_iter()
        .map(|(m, email)| (Membership::from(m), email))
        .collect())
}
