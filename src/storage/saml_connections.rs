//! The `saml_connections` and `saml_connection_domains` tables: organizations' own IdPs.

use super::schema::{organization_domains, saml_connection_domains, saml_connections};
use super::{DbConnection, StorageResult};
use diesel::prelude::*;

/// A stored enterprise connection.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = saml_connections, treat_none_as_null = true)]
pub struct SamlConnectionRow {
    pub id: String,
    pub organization_id: String,
    pub name: String,
    pub idp_entity_id: String,
    pub sso_url: String,
    /// PEM certificates, concatenated.
    pub certificates: String,
    pub sign_requests: bool,
    pub allow_idp_initiated: bool,
    pub default_target: Option<String>,
    pub mandatory: bool,
    pub email_attribute: Option<String>,
    pub given_name_attribute: Option<String>,
    pub family_name_attribute: Option<String>,
    pub groups_attribute: Option<String>,
    pub metadata_url: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// The IdP's SingleLogoutService (HTTP-Redirect), when it has one.
    pub slo_url: Option<String>,
}

pub fn insert(conn: &mut DbConnection, row: &SamlConnectionRow) -> StorageResult<()> {
    diesel::insert_into(saml_connections::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Replaces every field of the connection (its id and organization stay).
pub fn update(conn: &mut DbConnection, row: &SamlConnectionRow) -> StorageResult<()> {
    diesel::update(saml_connections::table.find(&row.id))
        .set(row)
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: &str) -> StorageResult<Option<SamlConnectionRow>> {
    Ok(saml_connections::table
        .find(id)
        .select(SamlConnectionRow::as_select())
        .first(conn)
        .optional()?)
}

/// An organization's connections, oldest first.
pub fn list(
    conn: &mut DbConnection,
    organization_id: &str,
) -> StorageResult<Vec<SamlConnectionRow>> {
    Ok(saml_connections::table
        .filter(saml_connections::organization_id.eq(organization_id))
        .order(saml_connections::id.asc())
        .select(SamlConnectionRow::as_select())
        .load(conn)?)
}

pub fn delete(conn: &mut DbConnection, id: &str) -> StorageResult<bool> {
    Ok(diesel::delete(saml_connections::table.find(id)).execute(conn)? == 1)
}

/// The domains a connection serves, sorted.
pub fn domains(conn: &mut DbConnection, connection_id: &str) -> StorageResult<Vec<String>> {
    Ok(saml_connection_domains::table
        .filter(saml_connection_domains::connection_id.eq(connection_id))
        .order(saml_connection_domains::domain.asc())
        .select(saml_connection_domains::domain)
        .load(conn)?)
}

/// Replaces the domains a connection serves; a domain another connection serves is a conflict.
pub fn set_domains(
    conn: &mut DbConnection,
    connection_id: &str,
    domains: &[String],
) -> StorageResult<()> {
    diesel::delete(
        saml_connection_domains::table
            .filter(saml_connection_domains::connection_id.eq(connection_id)),
    )
    .execute(conn)?;
    for domain in domains {
        diesel::insert_into(saml_connection_domains::table)
            .values((
                saml_connection_domains::domain.eq(domain),
                saml_connection_domains::connection_id.eq(connection_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The connection serving an email domain, while the domain is still a verified domain of the
/// connection's organization.
pub fn for_domain(
    conn: &mut DbConnection,
    domain: &str,
) -> StorageResult<Option<SamlConnectionRow>> {
    Ok(saml_connection_domains::table
        .inner_join(saml_connections::table)
        .inner_join(
            organization_domains::table.on(organization_domains::domain
                .eq(saml_connection_domains::domain)
                .and(organization_domains::organization_id.eq(saml_connections::organization_id))
                .and(organization_domains::verified_at.is_not_null())),
        )
        .filter(saml_connection_domains::domain.eq(domain))
        .select(SamlConnectionRow::as_select())
        .first(conn)
        .optional()?)
}

/// Whether `domain` is served by the connection and verified by its organization now.
pub fn serves(conn: &mut DbConnection, connection_id: &str, domain: &str) -> StorageResult<bool> {
    Ok(for_domain(conn, domain)?.is_some_and(|c| c.id == connection_id))
}

/// Stops every connection serving `domain` (its organization gave up the claim).
pub fn forget_domain(conn: &mut DbConnection, domain: &str) -> StorageResult<()> {
    diesel::delete(
        saml_connection_domains::table.filter(saml_connection_domains::domain.eq(domain)),
    )
    .execute(conn)?;
    Ok(())
}
