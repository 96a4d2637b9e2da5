//! The `consents` table: what each user allowed each client.

use super::schema::{clients, consents};
use super::{DbConnection, StorageResult};
use crate::clock::UnixTime;
use diesel::prelude::*;

/// The scopes the user allowed the client (canonical form), if any.
pub fn find(
    conn: &mut DbConnection,
    user_id: &str,
    client_id: &str,
) -> StorageResult<Option<String>> {
    Ok(consents::table
        .find((user_id, client_id))
        .select(consents::scope)
        .first(conn)
        .optional()?)
}

/// Records (or widens) a consent.
pub fn upsert(
    conn: &mut DbConnection,
    user_id: &str,
    client_id: &str,
    scope: &str,
    now: UnixTime,
) -> StorageResult<()> {
    super::write_transaction(conn, |c| {
        diesel::delete(consents::table.find((user_id, client_id))).execute(c)?;
        diesel::insert_into(consents::table)
            .values((
                consents::user_id.eq(user_id),
                consents::client_id.eq(client_id),
                consents::scope.eq(scope),
                consents::granted_at.eq(now),
            ))
            .execute(c)?;
        Ok(())
    })
}

/// Forgets a consent; false when there was none.
pub fn delete(conn: &mut DbConnection, user_id: &str, client_id: &str) -> StorageResult<bool> {
    Ok(diesel::delete(consents::table.find((user_id, client_id))).execute(conn)? > 0)
}

/// The user's consents with the client names: (client id, client name, scope, granted at).
pub fn list_for_user(
    conn: &mut DbConnection,
    user_id: &str,
) -> StorageResult<Vec<(String, String, String, i64)>> {
    Ok(consents::table
        .inner_join(clients::table)
        .filter(consents::user_id.eq(user_id))
        .order(consents::granted_at.desc())
        .select((
            consents::client_id,
            clients::name,
            consents::scope,
            consents::granted_at,
        ))
        .load(conn)?)
}
