//! SHA-256 digests of high-entropy secrets (session ids, link tokens): what the database stores in
//! place of the secret, so a copy of the database does not hand out working secrets.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The hex SHA-256 digest of a secret, as stored and looked up.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SecretDigest(String);

impl SecretDigest {
    /// Digests a secret presented by a client or just generated.
    pub fn of(secret: &str) -> Self {
        Self(hex(&Sha256::digest(secret.as_bytes())))
    }

    /// The digest of raw bytes (a request's fingerprint).
    pub fn of_bytes(bytes: &[u8]) -> Self {
        Self(hex(&Sha256::digest(bytes)))
    }

    /// Digests with a purpose label, so one value can never stand in for another kind.
    pub fn labelled(label: &str, value: &str) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(label.as_bytes());
        hasher.update([0u8]);
        hasher.update(value.as_bytes());
        Self(hex(&hasher.finalize()))
    }

    /// The digest as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 0xf) as usize] as char);
    }
    out
}

/// Compares two byte strings in time that depends only on their lengths.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}
