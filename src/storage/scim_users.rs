//! The `scim_users` and `scim_user_values` tables: a directory's users, one per member of an
//! organization, and the values filters search.

use super::schema::{scim_user_values, scim_users};
use super::scim_query::{self, Operand, ResourceQuery};
use super::{DbConnection, StorageError, StorageResult};
use diesel::prelude::*;

/// A stored SCIM user.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, QueryableByName, Selectable, Insertable)]
#[diesel(table_name = scim_users)]
pub struct ScimUserRow {
    pub id: String,
    pub organization_id: String,
    pub user_id: String,
    pub user_name: String,
    pub user_name_lower: String,
    pub external_id: Option<String>,
    pub active: bool,
    /// Whether the directory created the Tessera account (rather than linking an existing one).
    pub created_user: bool,
    /// The resource's JSON (see `scim::user_resource`).
    pub resource: String,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
    /// Whether SCIM created the membership (its role then follows group mappings).
    pub created_membership: bool,
}

/// One searchable value.
#[derive(Debug, Clone, PartialEq, Eq, Insertable)]
#[diesel(table_name = scim_user_values)]
pub struct ValueRow {
    pub scim_user_id: String,
    pub organization_id: String,
    pub attr: String,
    pub sub: String,
    pub elem: i32,
    pub in_primary: bool,
    pub value: String,
    pub value_lower: String,
}

fn user_name_conflict(error: diesel::result::Error) -> StorageError {
    match StorageError::from(error) {
        StorageError::Conflict { .. } => StorageError::Conflict { field: "userName" },
        other => other,
    }
}

/// Stores a new user and its values.
pub fn insert(
    conn: &mut DbConnection,
    row: &ScimUserRow,
    values: &[ValueRow],
) -> StorageResult<()> {
    diesel::insert_into(scim_users::table)
        .values(row)
        .execute(conn)
        .map_err(user_name_conflict)?;
    insert_values(conn, values)
}

fn insert_values(conn: &mut DbConnection, values: &[ValueRow]) -> StorageResult<()> {
    // One multi-row statement (a User has a dozen values: one round trip instead of twelve).
    let rows = values
        .iter()
        .map(|v| {
            vec![
                Operand::Text(v.scim_user_id.clone()),
                Operand::Text(v.organization_id.clone()),
                Operand::Text(v.attr.clone()),
                Operand::Text(v.sub.clone()),
                Operand::Int(i64::from(v.elem)),
                Operand::Bool(v.in_primary),
                Operand::Text(v.value.clone()),
                Operand::Text(v.value_lower.clone()),
            ]
        })
        .collect();
    scim_query::insert_rows(
        conn,
        "scim_user_values",
        &[
            "scim_user_id",
            "organization_id",
            "attr",
            "sub",
            "elem",
            "in_primary",
            "value",
            "value_lower",
        ],
        rows,
    )
}

/// Replaces a user's stored form and values (the row's `id` and `organization_id` say which).
pub fn replace(
    conn: &mut DbConnection,
    row: &ScimUserRow,
    values: &[ValueRow],
) -> StorageResult<()> {
    let changed = diesel::update(
        scim_users::table
            .filter(scim_users::id.eq(&row.id))
            .filter(scim_users::organization_id.eq(&row.organization_id)),
    )
    .set((
        scim_users::user_name.eq(&row.user_name),
        scim_users::user_name_lower.eq(&row.user_name_lower),
        scim_users::external_id.eq(&row.external_id),
        scim_users::active.eq(row.active),
        scim_users::resource.eq(&row.resource),
        scim_users::version.eq(row.version),
        scim_users::updated_at.eq(row.updated_at),
    ))
    .execute(conn)
    .map_err(user_name_conflict)?;
    if changed == 0 {
        return Err(StorageError::NotFound);
    }
    diesel::delete(scim_user_values::table.filter(scim_user_values::scim_user_id.eq(&row.id)))
        .execute(conn)?;
    insert_values(conn, values)
}

/// The user with this id in this organization.
pub fn find(
    conn: &mut DbConnection,
    organization_id: &str,
    id: &str,
) -> StorageResult<Option<ScimUserRow>> {
    Ok(scim_users::table
        .filter(scim_users::organization_id.eq(organization_id))
        .filter(scim_users::id.eq(id))
        .select(ScimUserRow::as_select())
        .first(conn)
        .optional()?)
}

/// The organization's SCIM user for this Tessera user.
pub fn find_by_user(
    conn: &mut DbConnection,
    organization_id: &str,
    user_id: &str,
) -> StorageResult<Option<ScimUserRow>> {
    Ok(scim_users::table
        .filter(scim_users::organization_id.eq(organization_id))
        .filter(scim_users::user_id.eq(user_id))
        .select(ScimUserRow::as_select())
        .first(conn)
        .optional()?)
}

/// The id of the organization's user with this (lowered) user name.
pub fn id_by_user_name(
    conn: &mut DbConnection,
    organization_id: &str,
    user_name_lower: &str,
) -> StorageResult<Option<String>> {
    Ok(scim_users::table
        .filter(scim_users::organization_id.eq(organization_id))
        .filter(scim_users::user_name_lower.eq(user_name_lower))
        .select(scim_users::id)
        .first(conn)
        .optional()?)
}

/// Every organization's SCIM user for this Tessera user.
pub fn for_user(conn: &mut DbConnection, user_id: &str) -> StorageResult<Vec<ScimUserRow>> {
    Ok(scim_users::table
        .filter(scim_users::user_id.eq(user_id))
        .order(scim_users::created_at.asc())
        .select(ScimUserRow::as_select())
        .load(conn)?)
}

/// Whether any organization's directory holds this Tessera user.
pub fn any_for_user(conn: &mut DbConnection, user_id: &str) -> StorageResult<bool> {
    Ok(diesel::select(diesel::dsl::exists(
        scim_users::table.filter(scim_users::user_id.eq(user_id)),
    ))
    .get_result(conn)?)
}

/// Removes a user (its values go with it).
pub fn delete(conn: &mut DbConnection, organization_id: &str, id: &str) -> StorageResult<bool> {
    diesel::delete(scim_user_values::table.filter(scim_user_values::scim_user_id.eq(id)))
        .execute(conn)?;
    Ok(diesel::delete(
        scim_users::table
            .filter(scim_users::organization_id.eq(organization_id))
            .filter(scim_users::id.eq(id)),
    )
    .execute(conn)?
        > 0)
}

/// One page of users matching the query, and how many match in all.
pub fn query(conn: &mut DbConnection, q: &ResourceQuery) -> StorageResult<(Vec<ScimUserRow>, i64)> {
    scim_query::page(
        conn,
        q,
        "r.id, r.organization_id, r.user_id, r.user_name, r.user_name_lower, r.external_id, \
         r.active, r.created_user, r.resource, r.version, r.created_at, r.updated_at, \
         r.created_membership",
    )
}

/// The (SCIM id, Tessera user id) of the organization's SCIM users whose membership SCIM
/// created: those of `ids`, or all.
pub fn accounts_of(
    conn: &mut DbConnection,
    organization_id: &str,
    ids: Option<&[String]>,
) -> StorageResult<Vec<(String, String)>> {
    let base = || {
        scim_users::table
            .filter(scim_users::organization_id.eq(organization_id))
            .filter(scim_users::created_membership.eq(true))
            .select((scim_users::id, scim_users::user_id))
            .order(scim_users::id.asc())
    };
    let Some(ids) = ids else {
        return Ok(base().load(conn)?);
    };
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        out.extend(
            base()
                .filter(scim_users::id.eq_any(chunk))
                .load::<(String, String)>(conn)?,
        );
    }
    Ok(out)
}
