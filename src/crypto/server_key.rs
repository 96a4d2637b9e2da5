//! The server's secret key: the root of CSRF tokens and signed cookies. Configured, or generated
//! once into the data directory with 0600 permissions so every restart keeps it.

use crate::config::SecretString;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::path::Path;

/// Key material for HMACs, derived per purpose from one configured secret.
#[derive(Clone)]
pub struct ServerKey {
    root: [u8; 32],
}

impl std::fmt::Debug for ServerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerKey([redacted])")
    }
}

const KEY_FILE: &str = "secret.key";

impl ServerKey {
    /// Uses the configured secret, or reads (creating if needed) `<data_dir>/secret.key`.
    pub fn load_or_create(
        configured: Option<&SecretString>,
        data_dir: &Path,
    ) -> std::io::Result<(Self, KeySource)> {
        if let Some(secret) = configured {
            return Ok((Self::from_secret(secret.expose()), KeySource::Configured));
        }
        let path = data_dir.join(KEY_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok((Self::from_secret(text.trim()), KeySource::File)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let secret = super::random_token();
                write_private_file(&path, secret.as_bytes())?;
                Ok((Self::from_secret(&secret), KeySource::Generated))
            }
            Err(e) => Err(e),
        }
    }

    /// Derives the root key from a secret string of any length.
    pub fn from_secret(secret: &str) -> Self {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(b"tessera server key v1")
            .unwrap_or_else(|_| unreachable_hmac());
        mac.update(secret.as_bytes());
        let mut root = [0u8; 32];
        root.copy_from_slice(&mac.finalize().into_bytes());
        Self { root }
    }

    /// HMAC-SHA256 of `message` under a key derived for `purpose`, base64url.
    pub fn sign(&self, purpose: &str, message: &[u8]) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.root)
            .unwrap_or_else(|_| unreachable_hmac());
        mac.update(purpose.as_bytes());
        mac.update(&[0u8]);
        mac.update(message);
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }

    /// True when `signature` is [`ServerKey::sign`] of the message, compared in constant time.
    pub fn verify(&self, purpose: &str, message: &[u8], signature: &str) -> bool {
        let expected = self.sign(purpose, message);
        super::constant_time_eq(expected.as_bytes(), signature.as_bytes())
    }
}

/// HMAC accepts keys of any length, so construction cannot fail.
fn unreachable_hmac() -> Hmac<Sha256> {
    #[allow(clippy::unreachable)]
    {
        unreachable!("HMAC-SHA256 takes keys of any length")
    }
}

/// Where the key came from, for the start-up log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    Configured,
    File,
    Generated,
}

/// Writes a file readable only by its owner (0600 on Unix), failing if it exists.
pub fn write_private_file(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}
