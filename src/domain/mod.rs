//! The rules every protocol shares: what a valid email, username, profile and password are, what a
//! user and a session are, and how failed sign-ins are throttled. Pure logic: no I/O, `now` is
//! passed in.

pub mod budget;
pub mod client;
pub mod email;
pub mod field_error;
pub mod mail_budget;
pub mod organization;
pub mod organization_domain;
pub mod password;
pub mod profile;
pub mod session;
pub mod sign_in_throttle;
pub mod user;
pub mod username;

pub use email::EmailAddress;
pub use field_error::FieldError;
pub use user::User;
