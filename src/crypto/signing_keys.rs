//! Token signing keys: one signing key per algorithm (RS256, the OpenID Connect default; ES256;
//! EdDSA with Ed25519), each with a `kid`. Private keys are stored encrypted under the
//! [`MasterKey`]; the public half is kept as a JWK. Rotation stops a key signing at once and keeps
//! it in the JWKS for `keep_after_rotation_seconds`, so tokens it signed still verify.
//!
//! Each server process caches the decrypted keys and re-reads them every `refresh_seconds`, so
//! several servers on one database converge on the same keys shortly after a rotation.

use super::master_key::{MasterKey, MasterKeyError};
use crate::clock::UnixTime;
use crate::config::SigningKeysConfig;
use crate::storage::signing_keys::{self, SigningKeyRow};
use crate::storage::{Db, DbConnection, StorageError};
use josekit::jwk::KeyPair;
use josekit::jwk::alg::ed::EdCurve;
use josekit::jws::{ES256, EdDSA, JwsSigner, JwsVerifier, RS256};
use std::sync::{Arc, RwLock};

/// The algorithms Tessera signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum SigningAlgorithm {
    #[value(name = "RS256")]
    Rs256,
    #[value(name = "ES256")]
    Es256,
    #[value(name = "EdDSA")]
    EdDsa,
}

impl SigningAlgorithm {
    /// Every algorithm, in the order keys are listed.
    pub const ALL: [SigningAlgorithm; 3] = [Self::Rs256, Self::Es256, Self::EdDsa];

    /// The JOSE name (`alg`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Rs256 => "RS256",
            Self::Es256 => "ES256",
            Self::EdDsa => "EdDSA",
        }
    }

    /// The algorithm with this JOSE name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.name() == name)
    }

    fn generate(self) -> Result<(Vec<u8>, josekit::jwk::Jwk), KeyError> {
        let jose = |e: josekit::JoseError| KeyError::Jose(e.to_string());
        Ok(match self {
            Self::Rs256 => {
                let pair = RS256.generate_key_pair(2048).map_err(jose)?;
                (pair.to_pem_private_key(), pair.to_jwk_public_key())
            }
            Self::Es256 => {
                let pair = ES256.generate_key_pair().map_err(jose)?;
                (pair.to_pem_private_key(), pair.to_jwk_public_key())
            }
            Self::EdDsa => {
                let pair = EdDSA.generate_key_pair(EdCurve::Ed25519).map_err(jose)?;
                (pair.to_pem_private_key(), pair.to_jwk_public_key())
            }
        })
    }

    fn signer(self, pem: &[u8]) -> Result<Box<dyn JwsSigner>, KeyError> {
        let jose = |e: josekit::JoseError| KeyError::Jose(e.to_string());
        Ok(match self {
            Self::Rs256 => Box::new(RS256.signer_from_pem(pem).map_err(jose)?),
            Self::Es256 => Box::new(ES256.signer_from_pem(pem).map_err(jose)?),
            Self::EdDsa => Box::new(EdDSA.signer_from_pem(pem).map_err(jose)?),
        })
    }

    /// A verifier for a public JWK of this algorithm.
    pub fn verifier(self, jwk: &josekit::jwk::Jwk) -> Result<Box<dyn JwsVerifier>, KeyError> {
        let jose = |e: josekit::JoseError| KeyError::Jose(e.to_string());
        Ok(match self {
            Self::Rs256 => Box::new(RS256.verifier_from_jwk(jwk).map_err(jose)?),
            Self::Es256 => Box::new(ES256.verifier_from_jwk(jwk).map_err(jose)?),
            Self::EdDsa => Box::new(EdDSA.verifier_from_jwk(jwk).map_err(jose)?),
        })
    }
}

/// Why a key operation failed.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    MasterKey(#[from] MasterKeyError),
    #[error("key material: {0}")]
    Jose(String),
    #[error("no key {0:?}, or it still signs (rotate it first)")]
    NotRetirable(String),
    #[error("no signing key for {0}")]
    NoSigningKey(&'static str),
    #[error("not a token signed by a published key")]
    BadSignature,
}

/// A published key, decrypted for signing when it still signs.
pub struct LoadedKey {
    pub kid: String,
    pub alg: SigningAlgorithm,
    /// The public JWK with `kid`, `alg` and `use`.
    pub public_jwk: serde_json::Map<String, serde_json::Value>,
    /// When it leaves the JWKS (`None` while it signs).
    pub published_until: Option<UnixTime>,
    signer: Option<Box<dyn JwsSigner>>,
    verifier: Box<dyn JwsVerifier>,
}

impl std::fmt::Debug for LoadedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .field("signing", &self.signer.is_some())
            .finish()
    }
}

impl LoadedKey {
    /// Signs `payload` as a compact JWS with this key's `kid`; `typ` as given (`JWT`, `at+jwt`).
    pub fn sign(&self, payload: &[u8], typ: &str) -> Result<String, KeyError> {
        let signer = self
            .signer
            .as_ref()
            .ok_or(KeyError::NoSigningKey(self.alg.name()))?;
        let mut header = josekit::jws::JwsHeader::new();
        header.set_token_type(typ);
        header.set_key_id(&self.kid);
        josekit::jws::serialize_compact(payload, &header, signer.as_ref())
            .map_err(|e| KeyError::Jose(e.to_string()))
    }

    /// True while this key signs new tokens.
    pub fn is_signing(&self) -> bool {
        self.signer.is_some()
    }
}

/// What `tessera keys list` shows of a key.
#[derive(Debug, Clone, serde::Serialize)]
pub struct KeyInfo {
    pub kid: String,
    pub alg: String,
    /// `signing`, `rotated` (still published) or `retired`.
    pub status: &'static str,
    pub created_at: UnixTime,
    pub signing_until: Option<UnixTime>,
    pub published_until: Option<UnixTime>,
}

#[derive(Default)]
struct Cache {
    loaded_at: Option<UnixTime>,
    keys: Arc<Vec<Arc<LoadedKey>>>,
}

/// The signing keys of this server, cached; cheap to clone.
#[derive(Clone)]
pub struct KeySet {
    master: MasterKey,
    config: SigningKeysConfig,
    cache: Arc<RwLock<Cache>>,
}

impl std::fmt::Debug for KeySet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeySet")
    }
}

fn new_row(
    master: &MasterKey,
    alg: SigningAlgorithm,
    now: UnixTime,
) -> Result<SigningKeyRow, KeyError> {
    let kid = uuid::Uuid::now_v7().simple().to_string();
    let (pem, jwk) = alg.generate()?;
    let mut public: serde_json::Map<String, serde_json::Value> = jwk.as_ref().clone();
    public.insert("kid".into(), kid.clone().into());
    public.insert("alg".into(), alg.name().into());
    public.insert("use".into(), "sig".into());
    Ok(SigningKeyRow {
        private_key: master.seal(&kid, &pem)?,
        public_jwk: serde_json::Value::Object(public).to_string(),
        kid,
        alg: alg.name().to_string(),
        created_at: now,
        signing_until: None,
        published_until: None,
    })
}

/// Serialises key creation across processes on PostgreSQL (SQLite's `BEGIN IMMEDIATE` already does).
fn lock_keys(conn: &mut DbConnection) -> Result<(), StorageError> {
    use diesel::RunQueryDsl;
    if let DbConnection::Pg(pg) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock(7465737366)").execute(pg)?;
    }
    Ok(())
}

impl KeySet {
    /// The master key, for other secrets kept sealed at rest (webhook signing secrets).
    pub fn master(&self) -> &MasterKey {
        &self.master
    }

    pub fn new(master: MasterKey, config: SigningKeysConfig) -> Self {
        Self {
            master,
            config,
            cache: Arc::new(RwLock::new(Cache::default())),
        }
    }

    /// Creates a signing key for every algorithm that has none (first start, or after an
    /// operator retired everything). Returns the new key ids.
    pub fn ensure(&self, db: &Db, now: UnixTime) -> Result<Vec<String>, KeyError> {
        let master = self.master.clone();
        let created = db.run_blocking(|conn| {
            crate::storage::write_transaction(conn, |c| {
                lock_keys(c)?;
                let present = signing_keys::signing_algorithms(c)?;
                let mut created = Vec::new();
                for alg in SigningAlgorithm::ALL {
                    if !present.iter().any(|p| p == alg.name()) {
                        let row = new_row(&master, alg, now)
                            .map_err(|e| StorageError::Query(e.to_string()))?;
                        signing_keys::insert(c, &row)?;
                        created.push(row.kid);
                    }
                }
                Ok::<_, StorageError>(created)
            })
        })?;
        self.invalidate();
        Ok(created)
    }

    /// Replaces the signing key of each algorithm: the new key signs from now on, the old one
    /// stays published for `keep_after_rotation_seconds`. Returns the new key ids.
    pub fn rotate(
        &self,
        db: &Db,
        algorithms: &[SigningAlgorithm],
        now: UnixTime,
    ) -> Result<Vec<String>, KeyError> {
        let master = self.master.clone();
        let keep_until = now + self.config.keep_after_rotation_seconds;
        let mut rows = Vec::new();
        for alg in algorithms {
            rows.push(new_row(&master, *alg, now)?);
        }
        let kids = rows.iter().map(|r| r.kid.clone()).collect();
        db.run_blocking(|conn| {
            crate::storage::write_transaction(conn, |c| {
                lock_keys(c)?;
                for row in &rows {
                    signing_keys::rotate_out(c, &row.alg, now, keep_until)?;
                    signing_keys::insert(c, row)?;
                }
                Ok::<_, StorageError>(())
            })
        })?;
        self.invalidate();
        Ok(kids)
    }

    /// Takes a rotated-out key out of the JWKS now (for a key that must no longer be trusted).
    pub fn retire(&self, db: &Db, kid: &str, now: UnixTime) -> Result<(), KeyError> {
        let result = db.run_blocking(|conn| signing_keys::retire(conn, kid, now));
        self.invalidate();
        match result {
            Err(StorageError::NotFound) => Err(KeyError::NotRetirable(kid.to_string())),
            other => Ok(other?),
        }
    }

    /// Every key with its status.
    pub fn list(db: &Db, now: UnixTime) -> Result<Vec<KeyInfo>, KeyError> {
        let rows = db.run_blocking(signing_keys::all)?;
        Ok(rows
            .into_iter()
            .map(|r| KeyInfo {
                status: match (r.signing_until, r.published_until) {
                    (None, _) => "signing",
                    (Some(_), Some(until)) if until <= now => "retired",
                    _ => "rotated",
                },
                kid: r.kid,
                alg: r.alg,
                created_at: r.created_at,
                signing_until: r.signing_until,
                published_until: r.published_until,
            })
            .collect())
    }

    fn invalidate(&self) {
        if let Ok(mut cache) = self.cache.write() {
            cache.loaded_at = None;
        }
    }

    /// The published keys, from the cache or (when it is older than `refresh_seconds`) the
    /// database. Runs on the blocking pool when it reads.
    pub async fn published(
        &self,
        db: &Db,
        now: UnixTime,
    ) -> Result<Arc<Vec<Arc<LoadedKey>>>, KeyError> {
        if let Ok(cache) = self.cache.read()
            && let Some(at) = cache.loaded_at
            && now >= at
            && now - at < self.config.refresh_seconds
        {
            return Ok(Arc::clone(&cache.keys));
        }
        let rows = db
            .run(move |conn| signing_keys::published(conn, now))
            .await?;
        let mut keys = Vec::with_capacity(rows.len());
        for row in rows {
            let Some(alg) = SigningAlgorithm::from_name(&row.alg) else {
                continue;
            };
            let public_jwk = match serde_json::from_str(&row.public_jwk) {
                Ok(serde_json::Value::Object(map)) => map,
                _ => continue,
            };
            let Ok(jwk) = josekit::jwk::Jwk::from_map(public_jwk.clone()) else {
                continue;
            };
            let verifier = alg.verifier(&jwk)?;
            let signer = if row.signing_until.is_none() {
                let pem = self.master.open(&row.kid, &row.private_key)?;
                Some(alg.signer(&pem)?)
            } else {
                None
            };
            keys.push(Arc::new(LoadedKey {
                kid: row.kid,
                alg,
                public_jwk,
                published_until: row.published_until,
                signer,
                verifier,
            }));
        }
        let keys = Arc::new(keys);
        if let Ok(mut cache) = self.cache.write() {
            cache.loaded_at = Some(now);
            cache.keys = Arc::clone(&keys);
        }
        Ok(keys)
    }

    /// The key that signs for `alg` now (the newest, should two processes have created one each).
    pub async fn signing_key(
        &self,
        db: &Db,
        alg: SigningAlgorithm,
        now: UnixTime,
    ) -> Result<Arc<LoadedKey>, KeyError> {
        self.published(db, now)
            .await?
            .iter()
            .find(|k| k.alg == alg && k.is_signing())
            .cloned()
            .ok_or(KeyError::NoSigningKey(alg.name()))
    }

    /// Checks a compact JWS against the published keys (by `kid`, with the key's own algorithm)
    /// and returns its header and payload. Claims are the caller's to check.
    pub async fn verify(
        &self,
        db: &Db,
        token: &str,
        now: UnixTime,
    ) -> Result<(josekit::jws::JwsHeader, Vec<u8>), KeyError> {
        if token.len() > 16 * 1024 || token.split('.').count() != 3 {
            return Err(KeyError::BadSignature);
        }
        let keys = self.published(db, now).await?;
        let verified = josekit::jws::deserialize_compact_with_selector(token, |header| {
            let kid = header.key_id().unwrap_or_default();
            Ok(keys
                .iter()
                .find(|k| k.kid == kid && k.published_until.is_none_or(|until| until > now))
                .filter(|k| header.algorithm() == Some(k.alg.name()))
                .map(|k| k.verifier.as_ref()))
        });
        match verified {
            Ok((payload, header)) => Ok((header, payload)),
            Err(_) => Err(KeyError::BadSignature),
        }
    }

    /// The JWK Set document: public members only.
    pub async fn jwks(&self, db: &Db, now: UnixTime) -> Result<serde_json::Value, KeyError> {
        let keys = self.published(db, now).await?;
        // A cached key whose time is up leaves at once, not at the next refresh.
        let public: Vec<serde_json::Value> = keys
            .iter()
            .filter(|k| k.published_until.is_none_or(|until| until > now))
            .map(|k| serde_json::Value::Object(k.public_jwk.clone()))
            .collect();
        Ok(serde_json::json!({ "keys": public }))
    }
}
