//! Tessera's configuration: the typed settings and their defaults.
//!
//! Layers, each overriding the one before: built-in defaults (this file), `tessera.toml`, `TESSERA_*`
//! environment variables (nested keys joined by `__`, a `_FILE` suffix reads the value from a file),
//! then command-line flags. [`load`] does the merging; unknown keys produce warnings.

mod load;
mod secret;

pub use load::{ConfigError, ConfigSources, Loaded, flag_table, load};
pub use secret::SecretString;

use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use url::Url;

/// Every setting of a Tessera server.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct Config {
    /// The public base URL of this server, as users and clients reach it.
    pub issuer: String,
    /// The address the HTTP server listens on.
    pub bind: String,
    /// `sqlite://path`, a plain path, or `postgres://...`; defaults to `<data_dir>/tessera.db`.
    pub database_url: Option<String>,
    /// Where the embedded database, generated secrets and development mail live.
    pub data_dir: PathBuf,
    /// `development` or `production`; defaults to development when the issuer is http on loopback.
    pub mode: Option<Mode>,
    /// `human` or `json` log lines.
    pub log_format: LogFormat,
    /// A `tracing` filter, such as `info` or `tessera=debug,actix_web=info`.
    pub log_level: String,
    /// HTTP worker threads; defaults to the number of CPUs.
    pub http_workers: Option<usize>,
    /// Seconds to finish in-flight requests after SIGTERM.
    pub shutdown_timeout_seconds: u64,
    /// Key for CSRF tokens and signed cookies; generated into the data dir when absent.
    pub secret_key: Option<SecretString>,
    /// Proxies whose `X-Forwarded-For` is believed (IP addresses or CIDR ranges).
    pub trusted_proxies: Vec<String>,
    /// 32 bytes (base64url or hex) that encrypt private signing keys in the database. Required in
    /// production; development generates one into the data dir.
    pub master_key: Option<SecretString>,
    pub signing_keys: SigningKeysConfig,
    pub oidc: OidcConfig,
    pub audit: AuditConfig,
    pub webhooks: WebhookConfig,
    pub organizations: OrganizationConfig,
    pub saml: SamlConfig,
    pub database: DatabaseConfig,
    pub argon2: Argon2Config,
    pub session: SessionConfig,
    pub sign_up: SignUpConfig,
    pub sign_in_throttle: ThrottleConfig,
    pub links: LinkConfig,
    pub brand: BrandConfig,
    pub smtp: Option<SmtpConfig>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            issuer: "http://localhost:8080".into(),
            bind: "127.0.0.1:8080".into(),
            database_url: None,
            data_dir: PathBuf::from("./data"),
            mode: None,
            log_format: LogFormat::Human,
            log_level: "info".into(),
            http_workers: None,
            shutdown_timeout_seconds: 30,
            secret_key: None,
            trusted_proxies: Vec::new(),
            master_key: None,
            signing_keys: SigningKeysConfig::default(),
            oidc: OidcConfig::default(),
            audit: AuditConfig::default(),
            webhooks: WebhookConfig::default(),
            organizations: OrganizationConfig::default(),
            saml: SamlConfig::default(),
            database: DatabaseConfig::default(),
            argon2: Argon2Config::default(),
            session: SessionConfig::default(),
            sign_up: SignUpConfig::default(),
            sign_in_throttle: ThrottleConfig::default(),
            links: LinkConfig::default(),
            brand: BrandConfig::default(),
            smtp: None,
        }
    }
}

/// Whether development conveniences (file mail, `/dev/mail`, plain-http cookies) are on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Development,
    Production,
}

/// The shape of log lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Human,
    Json,
}

/// Connection pool settings.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct DatabaseConfig {
    /// Connections kept in the pool.
    pub pool_size: u32,
    /// How long a request waits for a connection before the server answers 503.
    pub connect_timeout_seconds: u64,
    /// How long SQLite waits for a lock held by another connection or process.
    pub sqlite_busy_timeout_ms: u32,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            pool_size: 10,
            connect_timeout_seconds: 5,
            sqlite_busy_timeout_ms: 5000,
        }
    }
}

/// Token signing keys.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct SigningKeysConfig {
    /// How long a rotated key stays in the JWKS: at least the longest lifetime of any token it
    /// may have signed.
    pub keep_after_rotation_seconds: i64,
    /// How often a server re-reads the keys (so servers sharing a database see a rotation).
    pub refresh_seconds: i64,
}

impl Default for SigningKeysConfig {
    fn default() -> Self {
        Self {
            keep_after_rotation_seconds: 24 * 3600,
            refresh_seconds: 30,
        }
    }
}

/// The audit log.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct AuditConfig {
    /// How long events are kept.
    pub retention_days: i64,
}

impl Default for AuditConfig {
    fn default() -> Self {
        Self {
            retention_days: 365,
        }
    }
}

/// Organizations.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct OrganizationConfig {
    /// How long an invitation link works.
    pub invitation_days: i64,
    /// Whether signed-in users may create organizations from their account page (they become
    /// its admin).
    pub create_from_pages: bool,
}

impl Default for OrganizationConfig {
    fn default() -> Self {
        Self {
            invitation_days: 7,
            create_from_pages: false,
        }
    }
}

/// SAML 2.0 (enterprise connections and SAML apps).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct SamlConfig {
    /// Clock difference tolerated against an IdP's NotBefore and NotOnOrAfter.
    pub clock_skew_seconds: i64,
    /// How long an AuthnRequest waits for its response.
    pub request_lifetime_seconds: i64,
    /// How long a rotated-in SAML key is published in metadata before it signs.
    pub key_publish_ahead_seconds: i64,
    /// The largest SAMLResponse accepted, in bytes once decoded.
    pub max_response_bytes: usize,
    /// SAML sign-ins one client address may start per 10 minutes (each stores a request before
    /// anyone has signed in). Generous: a company's people may share one address.
    pub requests_per_client: i64,
}

impl Default for SamlConfig {
    fn default() -> Self {
        Self {
            clock_skew_seconds: 120,
            request_lifetime_seconds: 600,
            key_publish_ahead_seconds: 7 * 24 * 3600,
            max_response_bytes: 256 * 1024,
            requests_per_client: 1000,
        }
    }
}

/// Webhooks.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct WebhookConfig {
    /// How long sent (or given-up) messages and their delivery log are kept.
    pub retention_days: i64,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        Self { retention_days: 30 }
    }
}

/// OpenID Connect defaults; clients may override the token lifetimes.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct OidcConfig {
    /// Lifetime of an authorization code (single use).
    pub authorization_code_seconds: i64,
    /// Lifetime of an access token (a JWT, RFC 9068).
    pub access_token_seconds: i64,
    /// Lifetime of an ID token.
    pub id_token_seconds: i64,
    /// Absolute lifetime of a refresh token's grant; rotation does not extend it.
    pub refresh_token_seconds: i64,
    /// How long a sign-in page may take before the authorization request must start again.
    pub interaction_seconds: i64,
    /// Algorithm of access tokens: `ES256` (default), `RS256` or `EdDSA`.
    pub access_token_alg: String,
    /// Create a demo client on first start in development mode.
    pub dev_client: bool,
    /// How long each server process keeps a registered client in memory (0: never). A change
    /// made by another process (the CLI) takes up to this long to be seen.
    pub client_cache_seconds: i64,
}

impl Default for OidcConfig {
    fn default() -> Self {
        Self {
            authorization_code_seconds: 60,
            access_token_seconds: 600,
            id_token_seconds: 3600,
            refresh_token_seconds: 30 * 24 * 3600,
            interaction_seconds: 30 * 60,
            access_token_alg: "ES256".into(),
            dev_client: true,
            client_cache_seconds: 5,
        }
    }
}

/// Password hashing: argon2id parameters and the bounded pool that runs it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct Argon2Config {
    /// Memory per hash in KiB (OWASP: 19456).
    pub memory_kib: u32,
    /// Passes over memory (OWASP: 2).
    pub iterations: u32,
    /// Lanes (OWASP: 1).
    pub parallelism: u32,
    /// Threads that hash; defaults to the number of CPUs.
    pub workers: Option<usize>,
    /// Hashes allowed to wait for a thread; beyond this the server answers 503 with Retry-After.
    pub queue_capacity: usize,
}

impl Default for Argon2Config {
    fn default() -> Self {
        Self {
            memory_kib: 19456,
            iterations: 2,
            parallelism: 1,
            workers: None,
            queue_capacity: 64,
        }
    }
}

/// Lifetimes of a signed-in session.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct SessionConfig {
    /// A session unused for this long ends.
    pub idle_timeout_seconds: i64,
    /// A session ends this long after sign-in, however active.
    pub absolute_lifetime_seconds: i64,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            idle_timeout_seconds: 3 * 24 * 3600,
            absolute_lifetime_seconds: 30 * 24 * 3600,
        }
    }
}

/// Who may create an account from the hosted pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SignUpMode {
    Open,
    InviteOnly,
    Closed,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct SignUpConfig {
    pub mode: SignUpMode,
}

impl Default for SignUpConfig {
    fn default() -> Self {
        Self {
            mode: SignUpMode::Open,
        }
    }
}

/// Limits on failed sign-ins (ASVS 5.0 6.3.1): per client address, and per account for browsers
/// that have not signed in to it before. A browser that has holds a device cookie and is limited
/// on its own, so an attacker cannot lock its owner out.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct ThrottleConfig {
    /// Window over which failures are counted.
    pub window_seconds: i64,
    /// Failures from one client address (an IPv6 /64) before it is blocked for the window.
    pub ip_max_failures: i64,
    /// Failures on one account from unknown browsers before those browsers wait.
    pub account_max_failures: i64,
    /// Failures from one known browser (device cookie) before it waits too.
    pub device_max_failures: i64,
    /// First wait after the limit; doubles with each further failure.
    pub base_lockout_seconds: i64,
    /// The longest wait an account can be put in.
    pub max_lockout_seconds: i64,
}

impl Default for ThrottleConfig {
    fn default() -> Self {
        Self {
            window_seconds: 900,
            ip_max_failures: 50,
            account_max_failures: 5,
            device_max_failures: 10,
            base_lockout_seconds: 30,
            max_lockout_seconds: 900,
        }
    }
}

/// Lifetimes of the links Tessera mails.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct LinkConfig {
    pub email_verification_seconds: i64,
    pub password_reset_seconds: i64,
}

impl Default for LinkConfig {
    fn default() -> Self {
        Self {
            email_verification_seconds: 24 * 3600,
            password_reset_seconds: 30 * 60,
        }
    }
}

/// How the hosted pages look.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct BrandConfig {
    pub product_name: String,
    /// An https (or same-server) URL of a logo image.
    pub logo_url: Option<String>,
    /// `#rrggbb`.
    pub primary_color: String,
}

impl Default for BrandConfig {
    fn default() -> Self {
        Self {
            product_name: "Tessera".into(),
            logo_url: None,
            primary_color: "#4f46e5".into(),
        }
    }
}

/// How mail leaves the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Implicit TLS (usually port 465).
    Tls,
    /// STARTTLS required (usually port 587).
    Starttls,
    /// Plain text; only for a relay on the same host.
    None,
}

#[derive(Debug, Clone, Deserialize, Serialize)]

pub struct SmtpConfig {
    pub host: String,
    #[serde(default = "default_smtp_port")]
    pub port: u16,
    #[serde(default = "default_smtp_tls")]
    pub tls: SmtpTls,
    pub username: Option<String>,
    pub password: Option<SecretString>,
    /// The From header, such as `Acme <no-reply@acme.example>`.
    pub from: String,
    #[serde(default = "default_smtp_timeout")]
    pub timeout_seconds: u64,
}

fn default_smtp_port() -> u16 {
    587
}
fn default_smtp_tls() -> SmtpTls {
    SmtpTls::Starttls
}
fn default_smtp_timeout() -> u64 {
    10
}

/// The database a URL names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseTarget {
    /// A SQLite file at this path.
    Sqlite(PathBuf),
    /// A PostgreSQL connection string.
    Postgres(String),
}

impl Config {
    /// The database the configuration points at.
    pub fn database_target(&self) -> DatabaseTarget {
        match self.database_url.as_deref() {
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                DatabaseTarget::Postgres(url.to_string())
            }
            Some(url) => {
                let path = url
                    .strip_prefix("sqlite://")
                    .or_else(|| url.strip_prefix("sqlite:"))
                    .unwrap_or(url);
                DatabaseTarget::Sqlite(PathBuf::from(path))
            }
            None => DatabaseTarget::Sqlite(self.data_dir.join("tessera.db")),
        }
    }

    /// The issuer parsed; [`Config::validate`] guarantees it parses.
    pub fn issuer_url(&self) -> Result<Url, ConfigError> {
        Url::parse(&self.issuer).map_err(|e| ConfigError::Invalid(format!("issuer: {e}")))
    }

    /// True when the issuer is served over https (cookies get `Secure` and `__Host-`).
    pub fn is_https(&self) -> bool {
        self.issuer.starts_with("https://")
    }

    /// Development conveniences are on unless the mode says production.
    pub fn is_development(&self) -> bool {
        match self.mode {
            Some(mode) => mode == Mode::Development,
            None => !self.is_https(),
        }
    }

    /// Checks what serde cannot: URLs, ranges and combinations.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let issuer = self.issuer_url()?;
        match issuer.scheme() {
            "https" => {}
            "http" if is_loopback_host(&issuer) => {}
            "http" => {
                return Err(ConfigError::Invalid(
                    "issuer: http is only allowed for localhost; use https".into(),
                ));
            }
            other => return Err(ConfigError::Invalid(format!("issuer: scheme {other}"))),
        }
        if issuer.query().is_some() || issuer.fragment().is_some() {
            return Err(ConfigError::Invalid(
                "issuer: must not have a query or fragment".into(),
            ));
        }
        let a = &self.argon2;
        if a.memory_kib < 8 * a.parallelism.max(1) || a.iterations == 0 || a.parallelism == 0 {
            return Err(ConfigError::Invalid(
                "argon2: parameters out of range".into(),
            ));
        }
        if self.mode == Some(Mode::Production) && a.memory_kib < 19456 {
            tracing::warn!(
                memory_kib = a.memory_kib,
                "argon2.memory_kib is below the OWASP minimum of 19456"
            );
        }
        if a.queue_capacity == 0 {
            return Err(ConfigError::Invalid(
                "argon2.queue_capacity must be > 0".into(),
            ));
        }
        let s = &self.session;
        if s.idle_timeout_seconds <= 0 || s.absolute_lifetime_seconds < s.idle_timeout_seconds {
            return Err(ConfigError::Invalid(
                "session: idle_timeout_seconds must be > 0 and <= absolute_lifetime_seconds".into(),
            ));
        }
        if !is_hex_color(&self.brand.primary_color) {
            return Err(ConfigError::Invalid(
                "brand.primary_color must look like #4f46e5".into(),
            ));
        }
        if let Some(logo) = &self.brand.logo_url {
            let ok =
                logo.starts_with("https://") || logo.starts_with('/') && !logo.starts_with("//");
            if !ok
                || logo
                    .chars()
                    .any(|c| c.is_control() || c == '"' || c == '\'')
            {
                return Err(ConfigError::Invalid(
                    "brand.logo_url must be an https URL or a path on this server".into(),
                ));
            }
        }
        if self.database.pool_size == 0 {
            return Err(ConfigError::Invalid(
                "database.pool_size must be > 0".into(),
            ));
        }
        if self.signing_keys.keep_after_rotation_seconds < 0
            || self.signing_keys.refresh_seconds <= 0
        {
            return Err(ConfigError::Invalid(
                "signing_keys: values out of range".into(),
            ));
        }
        if !(1..=36_500).contains(&self.audit.retention_days) {
            return Err(ConfigError::Invalid(
                "audit.retention_days must be 1 to 36500".into(),
            ));
        }
        if self.saml.requests_per_client < 1 || self.saml.clock_skew_seconds < 0 {
            return Err(ConfigError::Invalid(
                "saml.requests_per_client must be at least 1 and saml.clock_skew_seconds not negative".into(),
            ));
        }
        if !(1..=90).contains(&self.organizations.invitation_days) {
            return Err(ConfigError::Invalid(
                "organizations.invitation_days must be 1 to 90".into(),
            ));
        }
        if !(2..=3650).contains(&self.webhooks.retention_days) {
            return Err(ConfigError::Invalid(
                "webhooks.retention_days must be 2 to 3650 (longer than the day of retries)".into(),
            ));
        }
        let o = &self.oidc;
        if !(10..=600).contains(&o.authorization_code_seconds)
            || o.access_token_seconds < 30
            || o.id_token_seconds < 30
            || o.refresh_token_seconds < 60
            || o.interaction_seconds < 60
            || !(0..=300).contains(&o.client_cache_seconds)
        {
            return Err(ConfigError::Invalid(
                "oidc: values out of range (authorization_code_seconds 10 to 600, \
                 token lifetimes at least 30, client_cache_seconds 0 to 300)"
                    .into(),
            ));
        }
        let longest = o.access_token_seconds.max(o.id_token_seconds);
        if self.signing_keys.keep_after_rotation_seconds < longest {
            return Err(ConfigError::Invalid(format!(
                "signing_keys.keep_after_rotation_seconds ({}) must be at least the longest \
                 token lifetime ({longest}), or rotated keys leave the JWKS before their tokens expire",
                self.signing_keys.keep_after_rotation_seconds
            )));
        }
        if crate::crypto::signing_keys::SigningAlgorithm::from_name(&o.access_token_alg).is_none() {
            return Err(ConfigError::Invalid(
                "oidc.access_token_alg must be ES256, RS256 or EdDSA".into(),
            ));
        }
        let t = &self.sign_in_throttle;
        if t.window_seconds <= 0
            || t.ip_max_failures <= 0
            || t.account_max_failures <= 0
            || t.device_max_failures <= 0
            || t.base_lockout_seconds <= 0
            || t.max_lockout_seconds < t.base_lockout_seconds
        {
            return Err(ConfigError::Invalid(
                "sign_in_throttle: values out of range".into(),
            ));
        }
        for proxy in &self.trusted_proxies {
            crate::http::client_ip::IpRange::parse(proxy)
                .map_err(|e| ConfigError::Invalid(format!("trusted_proxies: {e}")))?;
        }
        Ok(())
    }
}

fn is_loopback_host(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

fn is_hex_color(value: &str) -> bool {
    value.len() == 7 && value.starts_with('#') && value[1..].chars().all(|c| c.is_ascii_hexdigit())
}
