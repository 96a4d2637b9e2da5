//! OpenID Connect, one module per area.

mod signing_keys;
