//! One file per check of an authorization request, run in this order by
//! [`super::request::validate`]. The first two decide whether errors may be redirected at all.

pub mod client;
pub mod id_token_hint;
pub mod lengths;
pub mod max_age;
pub mod pkce;
pub mod prompt;
pub mod redirect_uri;
pub mod request_object;
pub mod response_mode;
pub mod response_type;
pub mod scope;
