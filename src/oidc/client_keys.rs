//! The public keys of `private_key_jwt` clients, fetched from their registered `jwks_uri` and
//! cached per client for five minutes. A key id the cache does not know triggers one refetch
//! (so a client can rotate its keys), at most every 30 seconds (so a stream of bogus key ids
//! cannot make us hammer the client).

use crate::app::AppState;
use crate::clock::UnixTime;
use josekit::jwk::JwkSet;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

const FRESH_SECONDS: i64 = 300;
const REFETCH_SECONDS: i64 = 30;
const MAX_JWKS_BYTES: usize = 64 * 1024;

#[derive(Clone)]
struct Entry {
    uri: String,
    fetched_at: UnixTime,
    keys: Arc<JwkSet>,
}

/// The per-process cache; cheap to clone.
#[derive(Clone, Default)]
pub struct ClientKeyCache {
    entries: Arc<Mutex<HashMap<String, Entry>>>,
}

impl std::fmt::Debug for ClientKeyCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientKeyCache")
    }
}

/// Why a client's keys could not be had.
#[derive(Debug, thiserror::Error)]
pub enum KeysError {
    #[error("the client's jwks_uri could not be fetched: {0}")]
    Fetch(String),
    #[error("the client's jwks_uri did not return a JWK Set")]
    Malformed,
}

impl ClientKeyCache {
    /// The client's key set; refetched when stale, or when `kid` is unknown and the last fetch is
    /// old enough.
    pub async fn keys(
        &self,
        state: &AppState,
        client_id: &str,
        uri: &str,
        kid: Option<&str>,
    ) -> Result<Arc<JwkSet>, KeysError> {
        let now = state.clock.now();
        let cached = self
            .entries
            .lock()
            .ok()
            .and_then(|map| map.get(client_id).cloned())
            .filter(|e| e.uri == uri);
        if let Some(entry) = &cached {
            let fresh = now - entry.fetched_at < FRESH_SECONDS;
            let knows_kid = kid.is_none_or(|k| !entry.keys.get(k).is_empty());
            let may_refetch = now - entry.fetched_at >= REFETCH_SECONDS;
            if fresh && (knows_kid || !may_refetch) {
                return Ok(Arc::clone(&entry.keys));
            }
        }
        let keys = Arc::new(fetch(&state.http, uri).await?);
        if let Ok(mut map) = self.entries.lock() {
            map.insert(
                client_id.to_string(),
                Entry {
                    uri: uri.to_string(),
                    fetched_at: now,
                    keys: Arc::clone(&keys),
                },
            );
        }
        Ok(keys)
    }
}

async fn fetch(http: &reqwest::Client, uri: &str) -> Result<JwkSet, KeysError> {
    let response = http
        .get(uri)
        .header("accept", "application/json")
        .send()
        .await
        .map_err(|e| KeysError::Fetch(e.to_string()))?;
    if !response.status().is_success() {
        return Err(KeysError::Fetch(format!("status {}", response.status())));
    }
    if response
        .content_length()
        .is_some_and(|len| len > MAX_JWKS_BYTES as u64)
    {
        return Err(KeysError::Malformed);
    }
    let body = response
        .bytes()
        .await
        .map_err(|e| KeysError::Fetch(e.to_string()))?;
    if body.len() > MAX_JWKS_BYTES {
        return Err(KeysError::Malformed);
    }
    JwkSet::from_bytes(&body).map_err(|_| KeysError::Malformed)
}
