//! The `clients` table. Lists are stored as JSON arrays; the secret only as its digest.

use super::schema::clients;
use super::{DbConnection, StorageError, StorageResult};
use crate::crypto::signing_keys::SigningAlgorithm;
use crate::domain::client::{AuthMethod, Client, GrantType};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = clients, treat_none_as_null = true)]
struct ClientRow {
    id: String,
    name: String,
    secret_digest: Option<String>,
    auth_method: String,
    redirect_uris: String,
    post_logout_redirect_uris: String,
    grant_types: String,
    scopes: String,
    jwks_uri: Option<String>,
    first_party: bool,
    backchannel_logout_uri: Option<String>,
    id_token_alg: String,
    access_token_seconds: Option<i64>,
    id_token_seconds: Option<i64>,
    refresh_token_seconds: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

fn to_json(items: &[String]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".into())
}

fn from_json(text: &str) -> StorageResult<Vec<String>> {
    serde_json::from_str(text).map_err(|e| StorageError::Query(format!("bad JSON list: {e}")))
}

impl From<&Client> for ClientRow {
    fn from(c: &Client) -> Self {
        Self {
            id: c.id.clone(),
            name: c.name.clone(),
            secret_digest: c.secret_digest.clone(),
            auth_method: c.auth_method.name().into(),
            redirect_uris: to_json(&c.redirect_uris),
            post_logout_redirect_uris: to_json(&c.post_logout_redirect_uris),
            grant_types: to_json(
                &c.grant_types
                    .iter()
                    .map(|g| g.name().to_string())
                    .collect::<Vec<_>>(),
            ),
            scopes: to_json(&c.scopes),
            jwks_uri: c.jwks_uri.clone(),
            first_party: c.first_party,
            backchannel_logout_uri: c.backchannel_logout_uri.clone(),
            id_token_alg: c.id_token_alg.name().into(),
            access_token_seconds: c.access_token_seconds,
            id_token_seconds: c.id_token_seconds,
            refresh_token_seconds: c.refresh_token_seconds,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

impl TryFrom<ClientRow> for Client {
    type Error = StorageError;

    fn try_from(r: ClientRow) -> StorageResult<Self> {
        let bad = |what: &str| StorageError::Query(format!("client {}: bad {what}", r.id));
        let grant_types = from_json(&r.grant_types)?
            .iter()
            .map(|g| GrantType::from_name(g).ok_or_else(|| bad("grant type")))
            .collect::<StorageResult<Vec<_>>>()?;
        Ok(Client {
            auth_method: AuthMethod::from_name(&r.auth_method).ok_or_else(|| bad("auth method"))?,
            id_token_alg: SigningAlgorithm::from_name(&r.id_token_alg)
                .ok_or_else(|| bad("algorithm"))?,
            redirect_uris: from_json(&r.redirect_uris)?,
            post_logout_redirect_uris: from_json(&r.post_logout_redirect_uris)?,
            scopes: from_json(&r.scopes)?,
            grant_types,
            id: r.id,
            name: r.name,
            secret_digest: r.secret_digest,
            jwks_uri: r.jwks_uri,
            first_party: r.first_party,
            backchannel_logout_uri: r.backchannel_logout_uri,
            access_token_seconds: r.access_token_seconds,
            id_token_seconds: r.id_token_seconds,
            refresh_token_seconds: r.refresh_token_seconds,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

/// Stores a new client.
pub fn insert(conn: &mut DbConnection, client: &Client) -> StorageResult<()> {
    diesel::insert_into(clients::table)
        .values(ClientRow::from(client))
        .execute(conn)?;
    Ok(())
}

/// Writes every field of an existing client; `NotFound` when it is gone.
pub fn update(conn: &mut DbConnection, client: &Client) -> StorageResult<()> {
    let changed = diesel::update(clients::table.find(&client.id))
        .set(ClientRow::from(client))
        .execute(conn)?;
    if changed == 0 {
        return Err(StorageError::NotFound);
    }
    Ok(())
}

/// The client with this id.
pub fn find(conn: &mut DbConnection, id: &str) -> StorageResult<Option<Client>> {
    clients::table
        .find(id)
        .select(ClientRow::as_select())
        .first(conn)
        .optional()?
        .map(Client::try_from)
        .transpose()
}

/// Every client, by name.
pub fn all(conn: &mut DbConnection) -> StorageResult<Vec<Client>> {
    clients::table
        .order((clients::name.asc(), clients::id.asc()))
        .select(ClientRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Client::try_from)
        .collect()
}

/// The clients with these ids.
pub fn many(conn: &mut DbConnection, ids: &[String]) -> StorageResult<Vec<Client>> {
    clients::table
        .filter(clients::id.eq_any(ids))
        .select(ClientRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Client::try_from)
        .collect()
}

/// Deletes a client (its consents, grants, codes and refresh tokens go with it).
pub fn delete(conn: &mut DbConnection, id: &str) -> StorageResult<bool> {
    Ok(diesel::delete(clients::table.find(id)).execute(conn)? > 0)
}
