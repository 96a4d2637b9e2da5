//! One file per grant type.

pub mod authorization_code;
pub mod client_credentials;
pub mod refresh_token;
