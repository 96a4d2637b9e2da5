//! The one integration-test binary. Tests talk HTTP to real servers on loopback ports, on a real
//! SQLite file and a real PostgreSQL database (`both_backends!`), and drive the real CLI binary and
//! a real Chromium.

mod support;

mod admin_api;
mod audit;
mod browser;
mod cli;
mod config;
mod domains;
mod invitations;
mod oidc;
mod ops;
mod organizations;
mod saml;
mod scim;
mod storage;
mod web;
mod webhooks;
