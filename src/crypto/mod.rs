//! Cryptographic building blocks: random secrets, digests of secrets, HMAC-signed values, the
//! server's secret key, and the bounded pool that runs argon2id.

pub mod master_key;
pub mod password_hasher;
pub mod random;
pub mod saml_keys;
pub mod secret_digest;
pub mod server_key;
pub mod signed_value;
pub mod signing_keys;

pub use password_hasher::{HashError, PasswordHasherPool, Verification};
pub use random::random_token;
pub use secret_digest::{SecretDigest, constant_time_eq};
pub use server_key::ServerKey;
