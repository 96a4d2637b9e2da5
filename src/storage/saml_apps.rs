//! The `saml_apps`, `saml_idp_requests` and `saml_app_sessions` tables: service providers that
//! use Tessera as their IdP, their requests waiting for a sign-in, and the sessions they got.

use super::schema::{saml_app_sessions, saml_apps, saml_idp_requests};
use super::{DbConnection, StorageResult};
use crate::clock::UnixTime;
use diesel::prelude::*;

/// A registered service provider.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = saml_apps, treat_none_as_null = true)]
pub struct SamlAppRow {
    pub id: String,
    pub name: String,
    pub entity_id: String,
    /// Newline-separated; the first is the default.
    pub acs_urls: String,
    pub slo_url: Option<String>,
    pub certificates: String,
    pub requests_signed: bool,
    pub encrypt_assertions: bool,
    /// `email`, `persistent` or `transient`.
    pub name_id_format: String,
    pub organization_id: Option<String>,
    pub metadata_url: Option<String>,
    pub created_at: UnixTime,
    pub updated_at: UnixTime,
}

impl SamlAppRow {
    pub fn acs_list(&self) -> Vec<&str> {
        self.acs_urls.lines().filter(|l| !l.is_empty()).collect()
    }
}

pub fn insert(conn: &mut DbConnection, row: &SamlAppRow) -> StorageResult<()> {
    diesel::insert_into(saml_apps::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn update(conn: &mut DbConnection, row: &SamlAppRow) -> StorageResult<()> {
    diesel::update(saml_apps::table.find(&row.id))
        .set(row)
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: &str) -> StorageResult<Option<SamlAppRow>> {
    Ok(saml_apps::table
        .find(id)
        .select(SamlAppRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_by_entity_id(
    conn: &mut DbConnection,
    entity_id: &str,
) -> StorageResult<Option<SamlAppRow>> {
    Ok(saml_apps::table
        .filter(saml_apps::entity_id.eq(entity_id))
        .select(SamlAppRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn list(conn: &mut DbConnection) -> StorageResult<Vec<SamlAppRow>> {
    Ok(saml_apps::table
        .order(saml_apps::id.asc())
        .select(SamlAppRow::as_select())
        .load(conn)?)
}

/// Deletes the apps tied to an organization (it is being deleted).
pub fn delete_for_organization(
    conn: &mut DbConnection,
    organization_id: &str,
) -> StorageResult<usize> {
    Ok(
        diesel::delete(saml_apps::table.filter(saml_apps::organization_id.eq(organization_id)))
            .execute(conn)?,
    )
}

pub fn delete(conn: &mut DbConnection, id: &str) -> StorageResult<bool> {
    Ok(diesel::delete(saml_apps::table.find(id)).execute(conn)? == 1)
}

/// A request waiting for a sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = saml_idp_requests)]
pub struct SamlIdpRequestRow {
    pub id: String,
    pub app_id: String,
    pub request_id: Option<String>,
    pub acs_url: String,
    pub relay_state: Option<String>,
    pub force_authn: bool,
    pub created_at: UnixTime,
    pub expires_at: UnixTime,
    pub is_passive: bool,
    /// Digest of the nonce in the cookie of the browser that brought the request.
    pub browser_digest: String,
}

pub fn insert_request(conn: &mut DbConnection, row: &SamlIdpRequestRow) -> StorageResult<()> {
    diesel::insert_into(saml_idp_requests::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Takes a live waiting request (deleting it: one response per request).
pub fn take_request(
    conn: &mut DbConnection,
    id: &str,
    now: UnixTime,
) -> StorageResult<Option<SamlIdpRequestRow>> {
    let row = saml_idp_requests::table
        .find(id)
        .filter(saml_idp_requests::expires_at.gt(now))
        .select(SamlIdpRequestRow::as_select())
        .first(conn)
        .optional()?;
    if row.is_some() {
        let deleted = diesel::delete(saml_idp_requests::table.find(id)).execute(conn)?;
        if deleted != 1 {
            return Ok(None);
        }
    }
    Ok(row)
}

/// Peeks at a waiting request without using it.
pub fn find_request(
    conn: &mut DbConnection,
    id: &str,
    now: UnixTime,
) -> StorageResult<Option<SamlIdpRequestRow>> {
    Ok(saml_idp_requests::table
        .find(id)
        .filter(saml_idp_requests::expires_at.gt(now))
        .select(SamlIdpRequestRow::as_select())
        .first(conn)
        .optional()?)
}

/// Records (or refreshes) that a session signed in to an app.
pub fn remember_session(
    conn: &mut DbConnection,
    session_id: &str,
    app_id: &str,
    name_id: &str,
    session_index: &str,
    now: UnixTime,
) -> StorageResult<()> {
    diesel::delete(
        saml_app_sessions::table
            .filter(saml_app_sessions::session_id.eq(session_id))
            .filter(saml_app_sessions::app_id.eq(app_id)),
    )
    .execute(conn)?;
    diesel::insert_into(saml_app_sessions::table)
        .values((
            saml_app_sessions::session_id.eq(session_id),
            saml_app_sessions::app_id.eq(app_id),
            saml_app_sessions::name_id.eq(name_id),
            saml_app_sessions::session_index.eq(session_index),
            saml_app_sessions::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// The sessions (id, user id) an app's NameID (and SessionIndex, when given) belongs to.
pub fn sessions_of(
    conn: &mut DbConnection,
    app_id: &str,
    name_id: &str,
    session_index: Option<&str>,
) -> StorageResult<Vec<(String, String)>> {
    use super::schema::sessions;
    let mut query = saml_app_sessions::table
        .inner_join(sessions::table.on(sessions::id.eq(saml_app_sessions::session_id)))
        .filter(saml_app_sessions::app_id.eq(app_id))
        .filter(saml_app_sessions::name_id.eq(name_id))
        .select((saml_app_sessions::session_id, sessions::user_id))
        .into_boxed();
    if let Some(index) = session_index {
        query = query.filter(saml_app_sessions::session_index.eq(index.to_string()));
    }
    Ok(query.load(conn)?)
}

pub fn sweep(conn: &mut DbConnection, now: UnixTime) -> StorageResult<usize> {
    Ok(
        diesel::delete(saml_idp_requests::table.filter(saml_idp_requests::expires_at.le(now)))
            .execute(conn)?,
    )
}
