//! Registered clients, cached in each server process for `oidc.client_cache_seconds` (5 by
//! default; 0 turns the cache off), so the token endpoint does not read the database for the
//! client on every request. A change made in this process (the admin operations) takes effect at
//! once; one made by another process (the CLI, another server) within the time-to-live: until then
//! a rotated secret or a deleted client still works there. Unknown client ids are never cached.

use crate::app::AppState;
use crate::clock::UnixTime;
use crate::domain::client::Client;
use crate::storage::{StorageError, clients};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// Most clients kept; beyond it the cache starts over (a registry this large is unusual).
const MAX_ENTRIES: usize = 10_000;

/// Cached clients by id, with when each was read.
type Entries = HashMap<String, (UnixTime, Arc<Client>)>;

/// The per-process cache; cheap to clone.
#[derive(Clone)]
pub struct ClientCache {
    ttl: i64,
    entries: Arc<RwLock<Entries>>,
}

impl std::fmt::Debug for ClientCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCache")
            .field("ttl", &self.ttl)
            .finish()
    }
}

impl ClientCache {
    pub fn new(ttl_seconds: i64) -> Self {
        Self {
            ttl: ttl_seconds,
            entries: Arc::default(),
        }
    }

    /// The client with this id, from the cache when fresh.
    pub async fn get(
        &self,
        state: &AppState,
        id: &str,
    ) -> Result<Option<Arc<Client>>, StorageError> {
        if id.is_empty() || id.len() > 100 {
            return Ok(None);
        }
        let now = state.clock.now();
        if self.ttl > 0
            && let Ok(map) = self.entries.read()
            && let Some((at, client)) = map.get(id)
            && (0..self.ttl).contains(&(now - at))
        {
            return Ok(Some(Arc::clone(client)));
        }
        let key = id.to_string();
        let found = state.db.run(move |conn| clients::find(conn, &key)).await?;
        let Some(client) = found.map(Arc::new) else {
            self.forget(id);
            return Ok(None);
        };
        if self.ttl > 0
            && let Ok(mut map) = self.entries.write()
        {
            if map.len() >= MAX_ENTRIES {
                map.clear();
            }
            map.insert(id.to_string(), (now, Arc::clone(&client)));
        }
        Ok(Some(client))
    }

    /// Drops a client from the cache (after this process changed or deleted it).
    pub fn forget(&self, id: &str) {
        if let Ok(mut map) = self.entries.write() {
            map.remove(id);
        }
    }
}
