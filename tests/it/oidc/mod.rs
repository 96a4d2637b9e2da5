//! OpenID Connect, one module per area.

mod clients;
mod signing_keys;
