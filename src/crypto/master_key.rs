//! The master key: 32 bytes that encrypt private signing keys at rest with AES-256-GCM. Configured
//! (`master_key`, or `TESSERA_MASTER_KEY_FILE`), or in development generated once into the data
//! directory with 0600 permissions.

use super::secret_digest::hex;
use crate::config::SecretString;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openssl::symm::{Cipher, decrypt_aead, encrypt_aead};
use std::path::Path;

const KEY_FILE: &str = "master.key";
const FORMAT: &str = "v1";

/// Why the master key is unusable or a value does not decrypt.
#[derive(Debug, thiserror::Error)]
pub enum MasterKeyError {
    #[error("master_key must be 32 bytes, written as 64 hex digits or 43 base64url characters")]
    Malformed,
    #[error(
        "no master_key: production needs one (set master_key or TESSERA_MASTER_KEY_FILE; \
         generate with: openssl rand -hex 32)"
    )]
    Missing,
    #[error("master key file {0}: {1}")]
    Io(String, std::io::Error),
    #[error("a private key does not decrypt with this master key (wrong key, or altered data)")]
    Decrypt,
    #[error("encryption failed: {0}")]
    Encrypt(String),
}

/// The key itself.
#[derive(Clone)]
pub struct MasterKey([u8; 32]);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey([redacted])")
    }
}

impl MasterKey {
    /// Parses 64 hex digits or 43 base64url characters.
    pub fn parse(text: &str) -> Result<Self, MasterKeyError> {
        let text = text.trim();
        let bytes = if text.len() == 64 && text.chars().all(|c| c.is_ascii_hexdigit()) {
            (0..32)
                .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16))
                .collect::<Result<Vec<u8>, _>>()
                .map_err(|_| MasterKeyError::Malformed)?
        } else {
            URL_SAFE_NO_PAD
                .decode(text)
                .map_err(|_| MasterKeyError::Malformed)?
        };
        let array: [u8; 32] = bytes.try_into().map_err(|_| MasterKeyError::Malformed)?;
        Ok(Self(array))
    }

    /// The configured key; otherwise, in development only, `<data_dir>/master.key` (created).
    pub fn load_or_create(
        configured: Option<&SecretString>,
        data_dir: &Path,
        development: bool,
    ) -> Result<Self, MasterKeyError> {
        if let Some(secret) = configured {
            return Self::parse(secret.expose());
        }
        let path = data_dir.join(KEY_FILE);
        let shown = path.display().to_string();
        match std::fs::read_to_string(&path) {
            Ok(text) => Self::parse(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && development => {
                let key = super::random::random_bytes::<32>();
                super::server_key::write_private_file(&path, hex(&key).as_bytes())
                    .map_err(|e| MasterKeyError::Io(shown, e))?;
                tracing::info!(path = %path.display(), "generated a development master key (mode 0600)");
                Ok(Self(key))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(MasterKeyError::Missing),
            Err(e) => Err(MasterKeyError::Io(shown, e)),
        }
    }

    /// Encrypts `plaintext`, binding it to `context` (the key id), as `v1.<nonce>.<ciphertext+tag>`.
    pub fn seal(&self, context: &str, plaintext: &[u8]) -> Result<String, MasterKeyError> {
        let nonce = super::random::random_bytes::<12>();
        let mut tag = [0u8; 16];
        let mut ciphertext = encrypt_aead(
            Cipher::aes_256_gcm(),
            &self.0,
            Some(&nonce),
            context.as_bytes(),
            plaintext,
            &mut tag,
        )
        .map_err(|e| MasterKeyError::Encrypt(e.to_string()))?;
        ciphertext.extend_from_slice(&tag);
        Ok(format!(
            "{FORMAT}.{}.{}",
            URL_SAFE_NO_PAD.encode(nonce),
            URL_SAFE_NO_PAD.encode(ciphertext)
        ))
    }

    /// Decrypts what [`MasterKey::seal`] made with the same context.
    pub fn open(&self, context: &str, sealed: &str) -> Result<Vec<u8>, MasterKeyError> {
        let mut parts = sealed.split('.');
        let (Some(FORMAT), Some(nonce), Some(body), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(MasterKeyError::Decrypt);
        };
        let nonce = URL_SAFE_NO_PAD
            .decode(nonce)
            .map_err(|_| MasterKeyError::Decrypt)?;
        let body = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| MasterKeyError::Decrypt)?;
        if nonce.len() != 12 || body.len() < 16 {
            return Err(MasterKeyError::Decrypt);
        }
        let (ciphertext, tag) = body.split_at(body.len() - 16);
        decrypt_aead(
            Cipher::aes_256_gcm(),
            &self.0,
            Some(&nonce),
            context.as_bytes(),
            ciphertext,
            tag,
        )
        .map_err(|_| MasterKeyError::Decrypt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_and_open() {
        let key = MasterKey([7u8; 32]);
        let sealed = key.seal("kid-1", b"secret pem").unwrap_or_default();
        assert!(!sealed.contains("secret"));
        assert_eq!(
            key.open("kid-1", &sealed).ok(),
            Some(b"secret pem".to_vec())
        );
        assert!(key.open("kid-2", &sealed).is_err(), "bound to its key id");
        assert!(
            MasterKey([8u8; 32]).open("kid-1", &sealed).is_err(),
            "wrong master key"
        );
        let mut altered = sealed.clone();
        altered.push('A');
        assert!(key.open("kid-1", &altered).is_err());
        assert!(MasterKey::parse(&"ab".repeat(32)).is_ok());
        assert!(MasterKey::parse("short").is_err());
    }
}
