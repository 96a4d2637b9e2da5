//! The `organization_domains` table, and the lookups enrollment needs: the verified domain of an
//! address, and the users with verified addresses at a domain who are not members yet.

use super::schema::{memberships, organization_domains as dom, organizations, users};
use super::{DbConnection, StorageResult};
use crate::clock::UnixTime;
use diesel::prelude::*;

/// A claimed domain.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = dom)]
pub struct DomainRow {
    pub id: String,
    pub organization_id: String,
    pub domain: String,
    pub enrollment_mode: String,
    pub verified_at: Option<i64>,
    pub verification_email: Option<String>,
    pub code_mac: Option<String>,
    pub code_expires_at: Option<i64>,
    pub code_attempts: i64,
    /// Wrong codes over the claim's life (a new code does not reset it).
    pub wrong_codes_total: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

pub fn insert(conn: &mut DbConnection, row: &DomainRow) -> StorageResult<()> {
    diesel::insert_into(dom::table).values(row).execute(conn)?;
    Ok(())
}

pub fn find(
    conn: &mut DbConnection,
    organization_id: &str,
    domain: &str,
) -> StorageResult<Option<DomainRow>> {
    Ok(dom::table
        .filter(dom::organization_id.eq(organization_id))
        .filter(dom::domain.eq(domain))
        .select(DomainRow::as_select())
        .first(conn)
        .optional()?)
}

/// An organization's domains, by name.
pub fn list(conn: &mut DbConnection, organization_id: &str) -> StorageResult<Vec<DomainRow>> {
    Ok(dom::table
        .filter(dom::organization_id.eq(organization_id))
        .order(dom::domain.asc())
        .select(DomainRow::as_select())
        .load(conn)?)
}

pub fn delete(conn: &mut DbConnection, id: &str) -> StorageResult<()> {
    diesel::delete(dom::table.find(id)).execute(conn)?;
    Ok(())
}

pub fn set_mode(conn: &mut DbConnection, id: &str, mode: &str, now: UnixTime) -> StorageResult<()> {
    diesel::update(dom::table.find(id))
        .set((dom::enrollment_mode.eq(mode), dom::updated_at.eq(now)))
        .execute(conn)?;
    Ok(())
}

/// Stores a new code (its MAC) for an address, resetting the count of wrong tries.
pub fn set_code(
    conn: &mut DbConnection,
    id: &str,
    email: &str,
    code_mac: &str,
    expires_at: UnixTime,
    now: UnixTime,
) -> StorageResult<()> {
    diesel::update(dom::table.find(id))
        .set((
            dom::verification_email.eq(email),
            dom::code_mac.eq(code_mac),
            dom::code_expires_at.eq(expires_at),
            dom::code_attempts.eq(0),
            dom::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Counts a wrong code.
pub fn count_wrong_code(conn: &mut DbConnection, id: &str) -> StorageResult<()> {
    diesel::update(dom::table.find(id))
        .set((
            dom::code_attempts.eq(dom::code_attempts + 1),
            dom::wrong_codes_total.eq(dom::wrong_codes_total + 1),
        ))
        .execute(conn)?;
    Ok(())
}

/// Serialises claims on one domain: on PostgreSQL, locks every claim row of the domain (SQLite's
/// single writer already serialises), so two organizations verifying at once cannot both pass
/// the "not verified elsewhere" check.
pub fn lock_domain(conn: &mut DbConnection, domain: &str) -> StorageResult<()> {
    if let DbConnection::Pg(pg) = conn {
        dom::table
            .filter(dom::domain.eq(domain))
            .select(dom::id)
            .for_update()
            .load::<String>(pg)?;
    }
    Ok(())
}

/// Marks a domain verified and forgets its code. A domain another organization verified first
/// fails with a conflict (a unique index over verified domains).
pub fn mark_verified(conn: &mut DbConnection, id: &str, now: UnixTime) -> StorageResult<()> {
    diesel::update(dom::table.find(id))
        .set((
            dom::verified_at.eq(Some(now)),
            dom::code_mac.eq(None::<String>),
            dom::code_expires_at.eq(None::<i64>),
            dom::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// The verified claim on a domain, if any organization holds one.
pub fn verified(conn: &mut DbConnection, domain: &str) -> StorageResult<Option<DomainRow>> {
    Ok(dom::table
        .filter(dom::domain.eq(domain))
        .filter(dom::verified_at.is_not_null())
        .select(DomainRow::as_select())
        .first(conn)
        .optional()?)
}

/// Organizations offering themselves (`automatic_suggestion`) to people at `domain` that this
/// user does not belong to: (id, name, slug).
pub fn suggestions(
    conn: &mut DbConnection,
    domain: &str,
    user_id: &str,
) -> StorageResult<Vec<(String, String, String)>> {
    use diesel::dsl::{exists, not};
    Ok(dom::table
        .inner_join(organizations::table)
        .filter(dom::domain.eq(domain))
        .filter(dom::verified_at.is_not_null())
        .filter(dom::enrollment_mode.eq("automatic_suggestion"))
        .filter(not(exists(
            memberships::table
                .filter(memberships::organization_id.eq(dom::organization_id))
                .filter(memberships::user_id.eq(user_id)),
        )))
        .select((organizations::id, organizations::name, organizations::slug))
        .load(conn)?)
}

/// Users with a verified address at `domain` who are not members of the organization, up to
/// `limit`: (id, email).
pub fn users_to_enroll(
    conn: &mut DbConnection,
    organization_id: &str,
    domain: &str,
    limit: i64,
) -> StorageResult<Vec<(String, String)>> {
    use super::schema::organization_invitations as inv;
    use diesel::dsl::{exists, not};
    let pattern = format!("%@{}", super::like_escaped(domain));
    Ok(users::table
        .filter(users::email.like(pattern).escape('\\'))
        .filter(users::email_verified.eq(true))
        .filter(users::disabled.eq(false))
        .filter(not(exists(
            memberships::table
                .filter(memberships::organization_id.eq(organization_id))
                .filter(memberships::user_id.eq(users::id)),
        )))
        .filter(not(exists(
            inv::table
                .filter(inv::organization_id.eq(organization_id))
                .filter(inv::email.eq(users::email)),
        )))
        .order(users::id.asc())
        .limit(limit)
        .select((users::id, users::email))
        .load(conn)?)
}
