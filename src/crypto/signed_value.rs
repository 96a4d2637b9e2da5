//! Values the server hands to a browser and must recognise later unchanged: `payload.signature`.

use super::ServerKey;

/// Appends an HMAC of `payload` for `purpose`. The payload must not contain `.`-free assumptions:
/// the signature is split off at the last dot.
pub fn seal(key: &ServerKey, purpose: &str, payload: &str) -> String {
    format!("{payload}.{}", key.sign(purpose, payload.as_bytes()))
}

/// The payload of a value made by [`seal`] with the same purpose, or `None` if it was altered.
pub fn open<'a>(key: &ServerKey, purpose: &str, sealed: &'a str) -> Option<&'a str> {
    let (payload, signature) = sealed.rsplit_once('.')?;
    key.verify(purpose, payload.as_bytes(), signature)
        .then_some(payload)
}
