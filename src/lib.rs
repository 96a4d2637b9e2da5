//! Tessera: an identity provider in one binary.
//!
//! The module map (see `docs/ARCHITECTURE.md` for how a request flows through it):
//!
//! - [`config`]: layered configuration (defaults, `tessera.toml`, `TESSERA_*`, CLI flags).
//! - [`app`]: [`app::AppState`], the one value every handler receives; there is no global state.
//! - [`clock`]: the time source; code asks the clock, tests move it.
//! - [`domain`]: rules every protocol shares: users, passwords, sessions, throttling.
//! - [`crypto`]: randomness, digests of secrets, HMAC-signed values, the password-hashing pool.
//! - [`storage`]: diesel schema and queries for SQLite and PostgreSQL; the only place with SQL.
//! - [`mail`]: outgoing mail over SMTP or, in development, to files.
//! - [`http`]: plumbing shared by every route: security headers, request ids, metrics, health.
//! - [`web`]: the hosted pages (sign-in, sign-up, account...), HTML only through `templates/`.
//! - [`oidc`], [`scim`], [`saml`]: the protocols: OpenID Connect and OAuth 2.0, SCIM 2.0
//!   provisioning, SAML 2.0 (enterprise connections as SP, SAML apps as IdP).
//! - [`server`]: assembles the actix-web application from the pieces above.
//! - [`cli`]: the `tessera` command line.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::todo)]
#![deny(clippy::unimplemented, clippy::dbg_macro)]
#![forbid(unsafe_code)]

pub mod accounts;
pub mod admin_api;
pub mod app;
pub mod audit;
pub mod cli;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod domain;
pub mod http;
pub mod mail;
pub mod oidc;
pub mod organizations;
pub mod saml;
pub mod scim;
pub mod server;
pub mod storage;
pub mod web;
pub mod webhooks;
