//! High-entropy random values.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use rand::rngs::OsRng;

/// 256 random bits from the operating system, base64url without padding (43 characters).
pub fn random_token() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<32>())
}

/// `N` random bytes from the operating system.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    OsRng.fill_bytes(&mut bytes);
    bytes
}

/// A bearer secret with a recognisable prefix (`tsk_`, `tscim_`: secret scanners find leaks),
/// with what is kept of it: the first characters, shown to tell secrets apart, and the digest.
pub fn prefixed_secret(prefix: &str) -> (String, String, super::SecretDigest) {
    let secret = format!("{prefix}{}", random_token());
    let shown = secret.chars().take(prefix.len() + 6).collect();
    let digest = super::SecretDigest::of(&secret);
    (secret, shown, digest)
}
