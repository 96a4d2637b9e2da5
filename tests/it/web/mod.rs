//! The hosted pages over HTTP.

mod account;
mod bad_input;
mod csrf;
mod password_reset;
mod security_headers;
mod sessions;
mod sign_in;
mod sign_up;
mod throttling;
