//! This server's SAML keys: RSA keys with self-signed certificates, used to sign (AuthnRequests
//! now, Responses when Tessera is the IdP) and to decrypt assertions sent to it. Private keys are
//! sealed under the [`MasterKey`] like token signing keys.
//!
//! Rotation is announced before use: a new key is published in metadata at once and signs only
//! from `signs_from` (`saml.key_publish_ahead_seconds` later), so partners who refresh metadata
//! know it in time. Older keys stay published (assertions may still be encrypted to them) until
//! retired.

use super::master_key::{MasterKey, MasterKeyError};
use crate::clock::UnixTime;
use crate::storage::saml_keys::{self, SamlKeyRow};
use crate::storage::{Db, DbConnection, StorageError};
use openssl::asn1::{Asn1Integer, Asn1Time};
use openssl::bn::{BigNum, MsbOption};
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::x509::{X509, X509NameBuilder};

/// RSA modulus size of new keys (2048 bits: what every SAML partner accepts).
const RSA_BITS: u32 = 2048;
/// Lifetime of a generated certificate; SAML partners pin it, its dates are not what is trusted.
const CERTIFICATE_DAYS: u32 = 3650;

/// Why a SAML key operation failed.
#[derive(Debug, thiserror::Error)]
pub enum SamlKeyError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    MasterKey(#[from] MasterKeyError),
    #[error("key material: {0}")]
    Crypto(String),
    #[error("no published SAML key {0:?} that is not the signing one")]
    NotRetirable(String),
    #[error("no SAML key signs yet")]
    NoSigningKey,
}

impl From<openssl::error::ErrorStack> for SamlKeyError {
    fn from(error: openssl::error::ErrorStack) -> Self {
        SamlKeyError::Crypto(error.to_string())
    }
}

/// A key that signs (and decrypts): the private key and its certificate.
pub struct SamlKey {
    pub id: String,
    pub private_key: PKey<Private>,
    /// The certificate, DER.
    pub certificate: Vec<u8>,
}

impl std::fmt::Debug for SamlKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SamlKey").field("id", &self.id).finish()
    }
}

impl SamlKey {
    /// The private key, DER (PKCS#1 for RSA), as xmlsec takes it.
    pub fn private_der(&self) -> Result<Vec<u8>, SamlKeyError> {
        Ok(self.private_key.private_key_to_der()?)
    }

    /// The certificate, base64 DER, as metadata and KeyInfo carry it.
    pub fn certificate_base64(&self) -> String {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(&self.certificate)
    }
}

/// What `tessera keys list` shows of a SAML key.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SamlKeyInfo {
    pub id: String,
    /// `signing`, `next` (published, signs from `signs_from`), `previous` (published, no longer
    /// signs) or `retired`.
    pub status: &'static str,
    pub created_at: UnixTime,
    pub signs_from: UnixTime,
    pub retired_at: Option<UnixTime>,
    /// SHA-256 fingerprint of the certificate, as IdP consoles show it.
    pub fingerprint: String,
}

/// Creates a key and its self-signed certificate (subject: the issuer's host).
fn new_row(
    master: &MasterKey,
    issuer_host: &str,
    now: UnixTime,
    signs_from: UnixTime,
) -> Result<SamlKeyRow, SamlKeyError> {
    let id = uuid::Uuid::now_v7().simple().to_string();
    let key = PKey::from_rsa(Rsa::generate(RSA_BITS)?)?;
    let mut name = X509NameBuilder::new()?;
    name.append_entry_by_text("CN", issuer_host)?;
    name.append_entry_by_text("O", "Tessera SAML")?;
    let name = name.build();
    let mut serial = BigNum::new()?;
    serial.rand(127, MsbOption::MAYBE_ZERO, false)?;
    let mut builder = X509::builder()?;
    builder.set_version(2)?;
    let serial = Asn1Integer::from_bn(&serial)?;
    builder.set_serial_number(&serial)?;
    builder.set_subject_name(&name)?;
    builder.set_issuer_name(&name)?;
    builder.set_pubkey(&key)?;
    let not_before = Asn1Time::from_unix(now)?;
    let not_after = Asn1Time::days_from_now(CERTIFICATE_DAYS)?;
    builder.set_not_before(&not_before)?;
    builder.set_not_after(&not_after)?;
    builder.sign(&key, MessageDigest::sha256())?;
    let certificate = builder.build().to_pem()?;
    let pem = key.private_key_to_pem_pkcs8()?;
    Ok(SamlKeyRow {
        private_key: master.seal(&format!("saml:{id}"), &pem)?,
        certificate: String::from_utf8_lossy(&certificate).into_owned(),
        id,
        created_at: now,
        signs_from,
        retired_at: None,
    })
}

/// The key that signs at `now`: the newest whose `signs_from` has passed.
fn signing_row(rows: &[SamlKeyRow], now: UnixTime) -> Option<&SamlKeyRow> {
    rows.iter()
        .filter(|r| r.retired_at.is_none() && r.signs_from <= now)
        .max_by_key(|r| (r.signs_from, r.id.clone()))
}

fn lock_keys(conn: &mut DbConnection) -> Result<(), StorageError> {
    use diesel::RunQueryDsl;
    if let DbConnection::Pg(pg) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock(7465737367)").execute(pg)?;
    }
    Ok(())
}

/// The SAML keys of this server.
#[derive(Clone)]
pub struct SamlKeys {
    master: MasterKey,
    issuer_host: String,
    publish_ahead: i64,
    /// Set once a signing key is known to exist (keys are only retired, never the signing one).
    ready: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl std::fmt::Debug for SamlKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SamlKeys")
    }
}

impl SamlKeys {
    pub fn new(master: MasterKey, issuer: &str, publish_ahead: i64) -> Self {
        let issuer_host = url::Url::parse(issuer)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_else(|| "tessera".to_string());
        Self {
            master,
            issuer_host,
            publish_ahead,
            ready: Default::default(),
        }
    }

    /// True once [`SamlKeys::ensure`] has succeeded in this process.
    pub fn is_ready(&self) -> bool {
        self.ready.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Creates a key signing from now when none signs (first start). Returns its id.
    pub fn ensure(&self, db: &Db, now: UnixTime) -> Result<Option<String>, SamlKeyError> {
        let existing = db.run_blocking(saml_keys::published)?;
        if signing_row(&existing, now).is_some() {
            self.ready.store(true, std::sync::atomic::Ordering::Release);
            return Ok(None);
        }
        let row = new_row(&self.master, &self.issuer_host, now, now)?;
        let created = db.run_blocking(|conn| {
            crate::storage::write_transaction(conn, |c| {
                lock_keys(c)?;
                if signing_row(&saml_keys::published(c)?, now).is_some() {
                    return Ok::<_, StorageError>(None);
                }
                saml_keys::insert(c, &row)?;
                Ok(Some(row.id.clone()))
            })
        })?;
        self.ready.store(true, std::sync::atomic::Ordering::Release);
        Ok(created)
    }

    /// Adds the next key: published now, signing from `now + key_publish_ahead_seconds`, or at
    /// once with `immediately` (when the current key must stop signing now).
    pub fn rotate(
        &self,
        db: &Db,
        now: UnixTime,
        immediately: bool,
    ) -> Result<SamlKeyInfo, SamlKeyError> {
        let signs_from = if immediately {
            now
        } else {
            now + self.publish_ahead
        };
        let row = new_row(&self.master, &self.issuer_host, now, signs_from)?;
        db.run_blocking(|conn| {
            crate::storage::write_transaction(conn, |c| {
                lock_keys(c)?;
                saml_keys::insert(c, &row)
            })
        })?;
        Ok(info(&row, "next"))
    }

    /// Takes a key out of metadata; the key signing now cannot be retired.
    pub fn retire(&self, db: &Db, id: &str, now: UnixTime) -> Result<(), SamlKeyError> {
        let retired = db.run_blocking(|conn| {
            crate::storage::write_transaction(conn, |c| {
                lock_keys(c)?;
                let rows = saml_keys::published(c)?;
                if signing_row(&rows, now).is_some_and(|r| r.id == id) {
                    return Ok::<_, StorageError>(false);
                }
                saml_keys::retire(c, id, now)
            })
        })?;
        if retired {
            Ok(())
        } else {
            Err(SamlKeyError::NotRetirable(id.to_string()))
        }
    }

    /// Every key with its status, newest first.
    pub fn list(&self, db: &Db, now: UnixTime) -> Result<Vec<SamlKeyInfo>, SamlKeyError> {
        let rows = db.run_blocking(saml_keys::all)?;
        let signing = signing_row(&rows, now).map(|r| r.id.clone());
        Ok(rows
            .iter()
            .map(|r| {
                let status = if r.retired_at.is_some() {
                    "retired"
                } else if Some(&r.id) == signing.as_ref() {
                    "signing"
                } else if r.signs_from > now {
                    "next"
                } else {
                    "previous"
                };
                info(r, status)
            })
            .collect())
    }

    /// The key that signs at `now`.
    pub fn signing(&self, conn: &mut DbConnection, now: UnixTime) -> Result<SamlKey, SamlKeyError> {
        let rows = saml_keys::published(conn)?;
        let row = signing_row(&rows, now).ok_or(SamlKeyError::NoSigningKey)?;
        self.open(row)
    }

    /// Every published key (for decryption: an IdP encrypts to any certificate in metadata),
    /// the signing one first.
    pub fn published(
        &self,
        conn: &mut DbConnection,
        now: UnixTime,
    ) -> Result<Vec<SamlKey>, SamlKeyError> {
        let mut rows = saml_keys::published(conn)?;
        let signing = signing_row(&rows, now).map(|r| r.id.clone());
        rows.sort_by_key(|r| Some(&r.id) != signing.as_ref());
        rows.iter().map(|r| self.open(r)).collect()
    }

    /// The certificates of every published key (base64 DER), for metadata.
    pub fn certificates(conn: &mut DbConnection) -> Result<Vec<String>, SamlKeyError> {
        saml_keys::published(conn)?
            .iter()
            .map(|r| {
                use base64::Engine;
                let der = X509::from_pem(r.certificate.as_bytes())?.to_der()?;
                Ok(base64::engine::general_purpose::STANDARD.encode(der))
            })
            .collect()
    }

    fn open(&self, row: &SamlKeyRow) -> Result<SamlKey, SamlKeyError> {
        let pem = self
            .master
            .open(&format!("saml:{}", row.id), &row.private_key)?;
        Ok(SamlKey {
            id: row.id.clone(),
            private_key: PKey::private_key_from_pem(&pem)?,
            certificate: X509::from_pem(row.certificate.as_bytes())?.to_der()?,
        })
    }
}

fn info(row: &SamlKeyRow, status: &'static str) -> SamlKeyInfo {
    let fingerprint = X509::from_pem(row.certificate.as_bytes())
        .and_then(|c| c.digest(MessageDigest::sha256()))
        .map(|d| {
            d.iter()
                .map(|b| format!("{b:02X}"))
                .collect::<Vec<_>>()
                .join(":")
        })
        .unwrap_or_default();
    SamlKeyInfo {
        id: row.id.clone(),
        status,
        created_at: row.created_at,
        signs_from: row.signs_from,
        retired_at: row.retired_at,
        fingerprint,
    }
}
