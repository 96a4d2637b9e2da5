//! `tessera keys list|rotate|retire`

use super::exit::CliError;
use super::output::print_json;
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::crypto::signing_keys::{KeyError, KeySet, SigningAlgorithm};
use clap::{Args, Subcommand};

#[derive(Debug, Args)]
pub struct KeysArgs {
    /// Print JSON instead of text (errors too, on stderr).
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: KeysCommand,
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// List every key: signing, rotated (still in the JWKS) or retired.
    List,
    /// Replace the signing key of each algorithm (all by default); old keys stay in the JWKS
    /// until the tokens they signed have expired.
    Rotate {
        /// Only these algorithms.
        #[arg(long = "alg", value_enum)]
        algorithms: Vec<SigningAlgorithm>,
    },
    /// Take a rotated key out of the JWKS now (tokens it signed stop verifying).
    Retire { kid: String },
    /// SAML keys (certificates in SAML metadata): list, rotate, retire.
    #[command(subcommand)]
    Saml(SamlKeysCommand),
}

#[derive(Debug, Subcommand)]
pub enum SamlKeysCommand {
    /// Every SAML key: signing, next (published, signing later), previous, retired.
    List,
    /// Add the next key: in metadata at once, signing after `saml.key_publish_ahead_seconds`
    /// (so partners refreshing metadata know it first), or now with --now.
    Rotate {
        #[arg(long)]
        now: bool,
    },
    /// Take a key out of metadata (not the one signing now).
    Retire { id: String },
}

fn saml_key_error(error: crate::crypto::saml_keys::SamlKeyError) -> CliError {
    use crate::crypto::saml_keys::SamlKeyError;
    match error {
        SamlKeyError::NotRetirable(id) => CliError::NotFound {
            what: "retirable SAML key",
            key: id,
        },
        SamlKeyError::Storage(crate::storage::StorageError::Unavailable(_)) => {
            CliError::Unavailable
        }
        other => CliError::Failed(other.to_string()),
    }
}

fn run_saml(
    state: &crate::app::AppState,
    json: bool,
    command: SamlKeysCommand,
    now: i64,
) -> Result<(), CliError> {
    let keys = &state.saml_keys;
    keys.ensure(&state.db, now).map_err(saml_key_error)?;
    match command {
        SamlKeysCommand::List => {
            let all = keys.list(&state.db, now).map_err(saml_key_error)?;
            if json {
                print_json(&serde_json::to_value(&all).unwrap_or_default());
            } else {
                println!(
                    "{:<32}  {:<8}  {:<25}  SHA-256",
                    "ID", "STATUS", "SIGNS FROM"
                );
                for key in all {
                    let from = chrono::DateTime::from_timestamp(key.signs_from, 0)
                        .map(|d| d.to_rfc3339())
                        .unwrap_or_default();
                    println!(
                        "{:<32}  {:<8}  {:<25}  {}",
                        key.id, key.status, from, key.fingerprint
                    );
                }
            }
        }
        SamlKeysCommand::Rotate { now: immediately } => {
            let key = keys
                .rotate(&state.db, now, immediately)
                .map_err(saml_key_error)?;
            crate::audit::record_blocking(
                state,
                crate::audit::cli("samlKey.rotated", "saml_key", &key.id),
            );
            if json {
                print_json(&serde_json::to_value(&key).unwrap_or_default());
            } else {
                let from = chrono::DateTime::from_timestamp(key.signs_from, 0)
                    .map(|d| d.to_rfc3339())
                    .unwrap_or_default();
                println!("{} is published now and signs from {from}", key.id);
            }
        }
        SamlKeysCommand::Retire { id } => {
            keys.retire(&state.db, &id, now).map_err(saml_key_error)?;
            crate::audit::record_blocking(
                state,
                crate::audit::cli("samlKey.retired", "saml_key", &id),
            );
            if json {
                print_json(&serde_json::json!({ "retired": id }));
            } else {
                println!("retired {id}: it is no longer in SAML metadata");
            }
        }
    }
    Ok(())
}

fn key_error(error: KeyError) -> CliError {
    match error {
        KeyError::NotRetirable(kid) => CliError::NotFound {
            what: "rotated key",
            key: kid,
        },
        KeyError::Storage(crate::storage::StorageError::Unavailable(_)) => CliError::Unavailable,
        other => CliError::Failed(other.to_string()),
    }
}

/// Runs a keys command.
pub fn run(config: Config, args: KeysArgs) -> Result<(), CliError> {
    let mut config = config;
    config.argon2.workers = Some(1);
    let state = super::build_state(config)?;
    crate::storage::migrations::run_pending(&state.db)?;
    let now = SystemClock.now();
    state.keys.ensure(&state.db, now).map_err(key_error)?;
    match args.command {
        KeysCommand::Saml(command) => run_saml(&state, args.json, command, now)?,
        KeysCommand::List => {
            let keys = KeySet::list(&state.db, now).map_err(key_error)?;
            if args.json {
                print_json(&serde_json::to_value(&keys).unwrap_or_default());
            } else {
                println!(
                    "{:<32}  {:<6}  {:<8}  {:<25}",
                    "KID", "ALG", "STATUS", "IN JWKS UNTIL"
                );
                for key in keys {
                    let until = match (key.status, key.published_until) {
                        ("signing", _) => "-".to_string(),
                        (_, Some(t)) => chrono::DateTime::from_timestamp(t, 0)
                            .map(|d| d.to_rfc3339())
                            .unwrap_or_default(),
                        _ => "-".to_string(),
                    };
                    println!(
                        "{:<32}  {:<6}  {:<8}  {:<25}",
                        key.kid, key.alg, key.status, until
                    );
                }
            }
        }
        KeysCommand::Rotate { algorithms } => {
            let algorithms = if algorithms.is_empty() {
                SigningAlgorithm::ALL.to_vec()
            } else {
                algorithms
            };
            let kids = state
                .keys
                .rotate(&state.db, &algorithms, now)
                .map_err(key_error)?;
            for kid in &kids {
                crate::audit::record_blocking(&state, crate::audit::cli("key.rotated", "key", kid));
            }
            if args.json {
                print_json(&serde_json::json!({ "created": kids }));
            } else {
                for (alg, kid) in algorithms.iter().zip(&kids) {
                    println!("{} now signs with {kid}", alg.name());
                }
            }
        }
        KeysCommand::Retire { kid } => {
            state.keys.retire(&state.db, &kid, now).map_err(key_error)?;
            crate::audit::record_blocking(&state, crate::audit::cli("key.retired", "key", &kid));
            if args.json {
                print_json(&serde_json::json!({ "retired": kid }));
            } else {
                println!("retired {kid}: it is no longer in the JWKS");
            }
        }
    }
    Ok(())
}
