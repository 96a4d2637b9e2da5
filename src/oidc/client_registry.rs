//! Registering, changing and removing clients: the operations the CLI (and later the admin API)
//! share. A client secret is 256 random bits, returned once and stored as a SHA-256 digest; a
//! slow hash would buy nothing for a secret this long and would cost on every token request.

use crate::app::AppState;
use crate::crypto::random::random_bytes;
use crate::crypto::{SecretDigest, random_token};
use crate::domain::FieldError;
use crate::domain::client::{AuthMethod, Client, Registration};
use crate::storage::{StorageError, clients};

/// Why a client operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("{0}")]
    Invalid(#[from] FieldError),
    #[error("no such client")]
    NotFound,
    #[error(transparent)]
    Storage(StorageError),
}

impl From<StorageError> for ClientError {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::NotFound => ClientError::NotFound,
            other => ClientError::Storage(other),
        }
    }
}

/// A client and, when one was just made, its secret (shown once).
#[derive(Debug)]
pub struct WithSecret {
    pub client: Client,
    pub secret: Option<String>,
}

/// 128 random bits in hex: public, unguessable, and safe to pass on a command line (a base64url
/// id may start with `-` and be read as an option).
fn new_client_id() -> String {
    crate::crypto::secret_digest::hex(&random_bytes::<16>())
}

fn longest_token_seconds(state: &AppState) -> i64 {
    state.config.signing_keys.keep_after_rotation_seconds
}

/// Checks a registration.
fn checked(state: &AppState, registration: Registration) -> Result<Registration, ClientError> {
    Ok(registration.check(longest_token_seconds(state))?)
}

/// Registers a client; confidential clients using a secret get one.
pub fn create(state: &AppState, registration: Registration) -> Result<WithSecret, ClientError> {
    let r = checked(state, registration)?;
    let now = state.clock.now();
    let secret = r.auth_method.uses_secret().then(random_token);
    let client = Client {
        id: new_client_id(),
        name: r.name,
        secret_digest: secret
            .as_deref()
            .map(|s| SecretDigest::of(s).as_str().to_string()),
        auth_method: r.auth_method,
        redirect_uris: r.redirect_uris,
        post_logout_redirect_uris: r.post_logout_redirect_uris,
        grant_types: r.grant_types,
        scopes: r.scopes,
        jwks_uri: r.jwks_uri,
        first_party: r.first_party,
        backchannel_logout_uri: r.backchannel_logout_uri,
        id_token_alg: r.id_token_alg,
        access_token_seconds: r.access_token_seconds,
        id_token_seconds: r.id_token_seconds,
        refresh_token_seconds: r.refresh_token_seconds,
        created_at: now,
        updated_at: now,
    };
    state
        .db
        .run_blocking(|conn| clients::insert(conn, &client))?;
    Ok(WithSecret { client, secret })
}

/// The registration a client has now (the starting point of an update).
pub fn registration_of(client: &Client) -> Registration {
    Registration {
        name: client.name.clone(),
        auth_method: client.auth_method,
        redirect_uris: client.redirect_uris.clone(),
        post_logout_redirect_uris: client.post_logout_redirect_uris.clone(),
        grant_types: client.grant_types.clone(),
        scopes: client.scopes.clone(),
        jwks_uri: client.jwks_uri.clone(),
        first_party: client.first_party,
        backchannel_logout_uri: client.backchannel_logout_uri.clone(),
        id_token_alg: client.id_token_alg,
        access_token_seconds: client.access_token_seconds,
        id_token_seconds: client.id_token_seconds,
        refresh_token_seconds: client.refresh_token_seconds,
    }
}

/// Replaces a client's settings. Moving to a secret-based method issues a secret; moving away
/// from one drops it.
pub fn update(
    state: &AppState,
    id: &str,
    change: impl FnOnce(&mut Registration),
) -> Result<WithSecret, ClientError> {
    let mut client = show(state, id)?;
    let mut registration = registration_of(&client);
    change(&mut registration);
    let r = checked(state, registration)?;
    let needs_secret = r.auth_method.uses_secret();
    let secret = (needs_secret && client.secret_digest.is_none()).then(random_token);
    if let Some(secret) = &secret {
        client.secret_digest = Some(SecretDigest::of(secret).as_str().to_string());
    }
    if !needs_secret {
        client.secret_digest = None;
    }
    client.name = r.name;
    client.auth_method = r.auth_method;
    client.redirect_uris = r.redirect_uris;
    client.post_logout_redirect_uris = r.post_logout_redirect_uris;
    client.grant_types = r.grant_types;
    client.scopes = r.scopes;
    client.jwks_uri = r.jwks_uri;
    client.first_party = r.first_party;
    client.backchannel_logout_uri = r.backchannel_logout_uri;
    client.id_token_alg = r.id_token_alg;
    client.access_token_seconds = r.access_token_seconds;
    client.id_token_seconds = r.id_token_seconds;
    client.refresh_token_seconds = r.refresh_token_seconds;
    client.updated_at = state.clock.now();
    state
        .db
        .run_blocking(|conn| clients::update(conn, &client))?;
    state.clients.forget(&client.id);
    Ok(WithSecret { client, secret })
}

/// Replaces the secret of a client that uses one; the old secret stops working at once.
pub fn rotate_secret(state: &AppState, id: &str) -> Result<WithSecret, ClientError> {
    let mut client = show(state, id)?;
    if !client.auth_method.uses_secret() {
        return Err(FieldError::new(
            "client",
            format!(
                "this client authenticates with {} and has no secret",
                client.auth_method.name()
            ),
        )
        .into());
    }
    let secret = random_token();
    client.secret_digest = Some(SecretDigest::of(&secret).as_str().to_string());
    client.updated_at = state.clock.now();
    state
        .db
        .run_blocking(|conn| clients::update(conn, &client))?;
    state.clients.forget(&client.id);
    Ok(WithSecret {
        client,
        secret: Some(secret),
    })
}

/// One client.
pub fn show(state: &AppState, id: &str) -> Result<Client, ClientError> {
    if id.is_empty() || id.len() > 100 {
        return Err(ClientError::NotFound);
    }
    state
        .db
        .run_blocking(|conn| clients::find(conn, id))?
        .ok_or(ClientError::NotFound)
}

/// Every client.
pub fn list(state: &AppState) -> Result<Vec<Client>, ClientError> {
    Ok(state.db.run_blocking(clients::all)?)
}

/// Deletes a client with everything issued to it.
pub fn delete(state: &AppState, id: &str) -> Result<(), ClientError> {
    if state.db.run_blocking(|conn| clients::delete(conn, id))? {
        state.clients.forget(id);
        Ok(())
    } else {
        Err(ClientError::NotFound)
    }
}

/// True when a presented secret is this client's (constant time on the digests).
pub fn secret_matches(client: &Client, presented: &str) -> bool {
    let Some(stored) = &client.secret_digest else {
        return false;
    };
    let presented = SecretDigest::of(presented);
    crate::crypto::constant_time_eq(stored.as_bytes(), presented.as_str().as_bytes())
}

/// The default auth method for a new client.
pub fn default_auth_method(public: bool) -> AuthMethod {
    if public {
        AuthMethod::None
    } else {
        AuthMethod::ClientSecretBasic
    }
}
