//! `AppState`: everything a handler or command needs, built once and passed in. There is no
//! global state; tests build their own with their own clock.

use crate::clock::Clock;
use crate::config::Config;
use crate::crypto::master_key::{MasterKey, MasterKeyError};
use crate::crypto::server_key::KeySource;
use crate::crypto::signing_keys::KeySet;
use crate::crypto::{PasswordHasherPool, ServerKey};
use crate::domain::password::PasswordPolicy;
use crate::domain::sign_in_throttle::ThrottlePolicy;
use crate::http::client_ip::TrustedProxies;
use crate::http::metrics::Metrics;
use crate::mail::{MailContext, Mailer};
use crate::storage::Db;
use crate::web::static_assets::AssetHrefs;
use std::sync::Arc;

/// The shared state of a running server or CLI command; cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub hasher: PasswordHasherPool,
    pub mailer: Mailer,
    pub server_key: ServerKey,
    pub password_policy: Arc<PasswordPolicy>,
    pub throttle: ThrottlePolicy,
    pub metrics: Arc<Metrics>,
    pub cookies: CookieNames,
    pub trusted_proxies: TrustedProxies,
    pub keys: KeySet,
    /// The SAML signing and decryption keys.
    pub saml_keys: crate::crypto::saml_keys::SamlKeys,
    pub asset_hrefs: AssetHrefs,
    /// Outgoing HTTP (client JWKS, back-channel logout): short timeouts, no redirects.
    pub http: reqwest::Client,
    /// The public keys of `private_key_jwt` clients.
    pub client_keys: crate::oidc::client_keys::ClientKeyCache,
    /// Registered clients, cached briefly.
    pub clients: crate::oidc::client_cache::ClientCache,
    /// Access tokens whose signature was already checked.
    pub verified_tokens: crate::oidc::bearer::VerifiedTokens,
}

/// Why the state could not be built.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("data directory {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("secret key: {0}")]
    SecretKey(std::io::Error),
    #[error(transparent)]
    Storage(#[from] crate::storage::StorageError),
    #[error(transparent)]
    Hashing(#[from] crate::crypto::HashError),
    #[error(transparent)]
    Mail(#[from] crate::mail::MailError),
    #[error(transparent)]
    MasterKey(#[from] MasterKeyError),
}

impl AppState {
    /// Creates the data directory and secret key if needed, opens the pool and starts the hashing
    /// threads. Does not touch the database; run migrations separately.
    pub fn build(config: Config, clock: Arc<dyn Clock>) -> Result<Self, StartError> {
        create_private_dir(&config.data_dir).map_err(|source| StartError::DataDir {
            path: config.data_dir.display().to_string(),
            source,
        })?;
        let (server_key, source) =
            ServerKey::load_or_create(config.secret_key.as_ref(), &config.data_dir)
                .map_err(StartError::SecretKey)?;
        if source == KeySource::Generated {
            tracing::info!(
                path = %config.data_dir.join("secret.key").display(),
                "generated a new secret key (mode 0600)"
            );
        }
        let master = MasterKey::load_or_create(
            config.master_key.as_ref(),
            &config.data_dir,
            config.is_development(),
        )?;
        let saml_keys = crate::crypto::saml_keys::SamlKeys::new(
            master.clone(),
            &config.issuer,
            config.saml.key_publish_ahead_seconds,
        );
        let keys = KeySet::new(master, config.signing_keys.clone());
        let db = Db::new(config.database_target(), &config.database)?;
        let hasher = PasswordHasherPool::start(&config.argon2)?;
        let mailer = Mailer::from_config(&config)?;
        let cookies = CookieNames::for_config(&config);
        let config_proxies = config.trusted_proxies.clone();
        let config_color = config.brand.primary_color.clone();
        let client_cache_seconds = config.oidc.client_cache_seconds;
        Ok(Self {
            throttle: ThrottlePolicy::new(config.sign_in_throttle.clone()),
            config: Arc::new(config),
            db,
            clock,
            hasher,
            mailer,
            server_key,
            password_policy: Arc::new(PasswordPolicy::new()),
            metrics: Arc::new(Metrics::default()),
            cookies,
            trusted_proxies: TrustedProxies::new(&config_proxies),
            keys,
            saml_keys,
            asset_hrefs: AssetHrefs::new(&config_color),
            http: crate::oidc::backchannel::http_client(),
            client_keys: Default::default(),
            clients: crate::oidc::client_cache::ClientCache::new(client_cache_seconds),
            verified_tokens: Default::default(),
        })
    }

    /// What outgoing mail needs to know about this server.
    pub fn mail_context(&self) -> MailContext {
        MailContext {
            product_name: self.config.brand.product_name.clone(),
            issuer: self.config.issuer.clone(),
            now_nanos: (self.clock.now().max(0) as u128) * 1_000_000_000
                + u128::from(self.metrics.next_sequence()),
        }
    }

    /// An absolute URL on this server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.config.issuer.trim_end_matches('/'), path)
    }
}

/// Cookie names and whether they are `Secure`. Over https every cookie is `__Host-` prefixed (so
/// no subdomain can set or shadow it) and `Secure`; over http on localhost (development only) the
/// prefix is impossible, as browsers refuse `__Host-` cookies without `Secure`.
#[derive(Debug, Clone)]
pub struct CookieNames {
    pub session: String,
    pub csrf: String,
    pub device: String,
    pub secure: bool,
}

impl CookieNames {
    /// `name` with the `__Host-` prefix over https (for cookies made per flow, like SAML's).
    pub fn host_prefixed(&self, name: &str) -> String {
        let prefix = if self.secure { "__Host-" } else { "" };
        format!("{prefix}{name}")
    }

    pub fn for_config(config: &Config) -> Self {
        let secure = config.is_https();
        let prefix = if secure { "__Host-" } else { "" };
        Self {
            session: format!("{prefix}tessera_session"),
            csrf: format!("{prefix}tessera_csrf"),
            device: format!("{prefix}tessera_device"),
            secure,
        }
    }
}

fn create_private_dir(path: &std::path::Path) -> std::io::Result<()> {
    if path.exists() {
        return Ok(());
    }
    std::fs::create_dir_all(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}
