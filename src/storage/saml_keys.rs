//! The `saml_keys` table: this server's SAML signing (and decryption) keys.

use super::schema::saml_keys;
use super::{DbConnection, StorageResult};
use crate::clock::UnixTime;
use diesel::prelude::*;

/// A stored SAML key (its private half sealed by the master key).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = saml_keys)]
pub struct SamlKeyRow {
    pub id: String,
    pub private_key: String,
    pub certificate: String,
    pub created_at: UnixTime,
    pub signs_from: UnixTime,
    pub retired_at: Option<UnixTime>,
}

pub fn insert(conn: &mut DbConnection, row: &SamlKeyRow) -> StorageResult<()> {
    diesel::insert_into(saml_keys::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Every key not retired, newest first.
pub fn published(conn: &mut DbConnection) -> StorageResult<Vec<SamlKeyRow>> {
    Ok(saml_keys::table
        .filter(saml_keys::retired_at.is_null())
        .order((saml_keys::signs_from.desc(), saml_keys::id.desc()))
        .select(SamlKeyRow::as_select())
        .load(conn)?)
}

/// Every key, retired ones too, newest first.
pub fn all(conn: &mut DbConnection) -> StorageResult<Vec<SamlKeyRow>> {
    Ok(saml_keys::table
        .order((saml_keys::signs_from.desc(), saml_keys::id.desc()))
        .select(SamlKeyRow::as_select())
        .load(conn)?)
}

/// Takes a key out of metadata; false when there is no such published key.
pub fn retire(conn: &mut DbConnection, id: &str, now: UnixTime) -> StorageResult<bool> {
    Ok(diesel::update(
        saml_keys::table
            .filter(saml_keys::id.eq(id))
            .filter(saml_keys::retired_at.is_null()),
    )
    .set(saml_keys::retired_at.eq(Some(now)))
    .execute(conn)?
        == 1)
}
