//! Test support: real databases (a SQLite file, a fresh PostgreSQL database), a real server on a
//! loopback port with a clock the test moves, and a small cookie-keeping HTTP client.

#![allow(dead_code)]

pub mod browser;
pub mod cli;
pub mod db;
pub mod http_sink;
pub mod mail;
pub mod oidc;
pub mod server;
pub mod smtp_sink;
pub mod tcp_proxy;
pub mod webdriver;

pub use browser::{Browser, Page};
pub use db::{Backend, TestDb};
pub use server::TestServer;

/// Declares a test that runs once per storage backend: `name::sqlite` and `name::postgres`.
/// PostgreSQL tests are skipped, loudly, only when the server is unreachable and
/// `TESSERA_REQUIRE_POSTGRES` is unset.
#[macro_export]
macro_rules! both_backends {
    ($(#[$meta:meta])* fn $name:ident($backend:ident) $body:block) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            fn run($backend: $crate::support::Backend) $body

            #[test]
            fn sqlite() {
                run($crate::support::Backend::Sqlite);
            }

            #[test]
            fn postgres() {
                if $crate::support::Backend::Postgres.available() {
                    run($crate::support::Backend::Postgres);
                }
            }
        }
    };
}

/// A strong password that passes the policy.
pub const PASSWORD: &str = "correct horse battery staple";
