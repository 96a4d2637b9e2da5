//! `tessera apikey create|list|revoke`: keys for the admin API.

use super::exit::CliError;
use super::org::with_state;
use super::output::{print_json, timestamp};
use crate::admin_api::keys::{self, ApiKey};
use crate::admin_api::problem::ApiError;
use crate::app::AppState;
use crate::config::Config;
use clap::{Args, Subcommand};
use serde_json::json;

#[derive(Debug, Args)]
pub struct ApiKeyArgs {
    /// Print JSON instead of text (errors too, on stderr).
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: ApiKeyCommand,
}

#[derive(Debug, Subcommand)]
pub enum ApiKeyCommand {
    /// Make a key; prints its secret once.
    Create {
        #[arg(long)]
        name: String,
        /// A scope (repeatable): admin, users:read, users:write, organizations:read,
        /// organizations:write, clients:read, clients:write, webhooks:read, webhooks:write,
        /// audit:read. None: admin.
        #[arg(long = "scope")]
        scopes: Vec<String>,
        /// The key stops working after this many days.
        #[arg(long)]
        expires_in_days: Option<i64>,
    },
    /// List the keys (never their secrets).
    List,
    /// Revoke a key at once.
    Revoke { id: String },
}

fn api_error(error: ApiError, key: &str) -> CliError {
    match error {
        ApiError::Invalid(field) => CliError::Invalid(field),
        ApiError::NotFound(what) => CliError::NotFound {
            what,
            key: key.to_string(),
        },
        ApiError::Conflict(message) => CliError::Conflict(message),
        ApiError::Unavailable => CliError::Unavailable,
        other => CliError::Failed(other.to_string()),
    }
}

fn key_json(k: &ApiKey) -> serde_json::Value {
    json!({
        "id": k.id,
        "name": k.name,
        "prefix": k.prefix,
        "scopes": k.scopes,
        "created_at": timestamp(k.created_at),
        "last_used_at": k.last_used_at.map(timestamp),
        "expires_at": k.expires_at.map(timestamp),
        "revoked_at": k.revoked_at.map(timestamp),
    })
}

fn show(k: &ApiKey) {
    let state = if k.revoked_at.is_some() {
        "revoked"
    } else if k.expires_at.is_some() {
        "expiring"
    } else {
        "active"
    };
    println!(
        "{}  {:<24}  {}…  {:<8}  {}",
        k.id,
        k.name,
        k.prefix,
        state,
        k.scopes.join(",")
    );
}

/// Runs an apikey command.
pub fn run(config: Config, args: ApiKeyArgs) -> Result<(), CliError> {
    let json = args.json;
    with_state(config, async move |state: &AppState| match args.command {
        ApiKeyCommand::Create {
            name,
            scopes,
            expires_in_days,
        } => {
            let (key, secret) = keys::create(state, &name, &scopes, expires_in_days)
                .await
                .map_err(|e| api_error(e, &name))?;
            crate::audit::record(
                state,
                crate::audit::cli("apiKey.created", "api_key", &key.id),
            )
            .await;
            if json {
                let mut value = key_json(&key);
                value["secret"] = json!(secret);
                print_json(&value);
            } else {
                show(&key);
                println!("secret: {secret}\n(shown once: store it now)");
            }
            Ok(())
        }
        ApiKeyCommand::List => {
            let all = keys::list(state).await.map_err(|e| api_error(e, ""))?;
            if json {
                print_json(&json!(all.iter().map(key_json).collect::<Vec<_>>()));
            } else {
                all.iter().for_each(show);
            }
            Ok(())
        }
        ApiKeyCommand::Revoke { id } => {
            let revoked = keys::revoke(state, &id)
                .await
                .map_err(|e| api_error(e, &id))?;
            crate::audit::record(state, crate::audit::cli("apiKey.revoked", "api_key", &id)).await;
            if json {
                print_json(&key_json(&revoked));
            } else {
                show(&revoked);
            }
            Ok(())
        }
    })
}
