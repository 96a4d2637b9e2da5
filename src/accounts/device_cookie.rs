//! The known-device cookie (OWASP "device cookies"): after a successful sign-in, the browser gets
//! a signed cookie naming the account. Failed sign-ins from that browser count against the cookie,
//! not the account, so an attacker elsewhere cannot lock the owner out.

use crate::crypto::{ServerKey, random_token, signed_value};

const PURPOSE: &str = "device-cookie";

/// How long a browser stays known.
pub const LIFETIME_SECONDS: i64 = 365 * 24 * 3600;

/// A verified device cookie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownDevice {
    pub user_id: String,
    /// A random id of this browser, the key of its own failure counter.
    pub nonce: String,
}

/// A fresh cookie value for the user.
pub fn issue(key: &ServerKey, user_id: &str) -> String {
    signed_value::seal(key, PURPOSE, &format!("{}~{}", random_token(), user_id))
}

/// The device the cookie names, if the signature holds.
pub fn open(key: &ServerKey, value: &str) -> Option<KnownDevice> {
    let payload = signed_value::open(key, PURPOSE, value)?;
    let (nonce, user_id) = payload.split_once('~')?;
    Some(KnownDevice {
        user_id: user_id.to_string(),
        nonce: nonce.to_string(),
    })
}
