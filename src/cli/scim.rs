//! `tessera scim token create|list|revoke --org ORG`: directory connections.
//! `tessera scim group-role set|list|remove --org ORG`: which organization role the members of a
//! directory group get.

use super::exit::CliError;
use super::org::{org_error, org_error_for, with_state};
use super::output::{print_json, timestamp};
use crate::app::AppState;
use crate::audit::Actor;
use crate::config::Config;
use crate::scim::group_roles;
use crate::scim::tokens::{self, ScimToken};
use crate::storage::scim_group_roles::GroupRole;
use clap::{Args, Subcommand};
use serde_json::json;

#[derive(Debug, Args)]
pub struct ScimArgs {
    /// Print JSON instead of text (errors too, on stderr).
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: ScimCommand,
}

#[derive(Debug, Subcommand)]
pub enum ScimCommand {
    /// Bearer tokens of directory connections.
    Token {
        /// The organization (id or slug) the directory provisions.
        #[arg(long, global = true, default_value = "")]
        org: String,
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Map directory groups to organization roles.
    GroupRole {
        /// The organization (id or slug).
        #[arg(long, global = true, default_value = "")]
        org: String,
        #[command(subcommand)]
        command: GroupRoleCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum GroupRoleCommand {
    /// Members of the group get the role (the mapping with the lowest priority wins when a
    /// member is in several mapped groups; members in none get the default role).
    Set {
        /// The group's displayName, as the directory sends it (compared without case).
        #[arg(long)]
        group: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        priority: Option<i32>,
    },
    /// The mappings, the one that wins first.
    List,
    /// Remove a group's mapping (roles stay as they are until a group changes).
    Remove {
        #[arg(long)]
        group: String,
    },
}

fn mapping_json(m: &GroupRole) -> serde_json::Value {
    json!({
        "group": m.group_name,
        "role": m.role_key,
        "priority": m.priority,
        "created_at": timestamp(m.created_at),
    })
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Make a token (printed once) for a directory such as Okta or Entra ID.
    Create {
        #[arg(long)]
        name: Option<String>,
    },
    /// List the organization's tokens (never their secrets).
    List,
    /// Revoke a token: the directory's next request is refused.
    Revoke { id: String },
}

fn token_json(t: &ScimToken) -> serde_json::Value {
    json!({
        "id": t.id,
        "organization_id": t.organization_id,
        "name": t.name,
        "prefix": t.prefix,
        "created_at": timestamp(t.created_at),
        "last_used_at": t.last_used_at.map(timestamp),
        "revoked_at": t.revoked_at.map(timestamp),
    })
}

fn show(t: &ScimToken) {
    let state = if t.revoked_at.is_some() {
        "revoked"
    } else {
        "active"
    };
    println!("{}  {:<24}  {}…  {state}", t.id, t.name, t.prefix);
}

/// Runs a scim command.
pub fn run(config: Config, args: ScimArgs) -> Result<(), CliError> {
    let json = args.json;
    let (org, command) = match args.command {
        ScimCommand::Token { org, command } => (org, command),
        ScimCommand::GroupRole { org, command } => {
            if org.is_empty() {
                return Err(CliError::Usage("--org is required".into()));
            }
            return run_group_role(config, json, org, command);
        }
    };
    if org.is_empty() {
        return Err(CliError::Usage("--org is required".into()));
    }
    with_state(config, async move |state: &AppState| match command {
        TokenCommand::Create { name } => {
            let (token, secret) = tokens::create(state, &org, name.as_deref(), Actor::Cli)
                .await
                .map_err(|e| org_error(e, &org))?;
            if json {
                let mut value = token_json(&token);
                value["secret"] = json!(secret);
                value["base_url"] = json!(state.url("/scim/v2"));
                print_json(&value);
            } else {
                show(&token);
                println!(
                    "base URL: {}\ntoken: {secret}\n(shown once: store it now)",
                    state.url("/scim/v2")
                );
            }
            Ok(())
        }
        TokenCommand::List => {
            let all = tokens::list(state, &org)
                .await
                .map_err(|e| org_error(e, &org))?;
            if json {
                print_json(&json!(all.iter().map(token_json).collect::<Vec<_>>()));
            } else {
                all.iter().for_each(show);
            }
            Ok(())
        }
        TokenCommand::Revoke { id } => {
            let revoked = tokens::revoke(state, &org, &id, Actor::Cli)
                .await
                .map_err(|e| org_error_for(e, &org, &id))?;
            if json {
                print_json(&token_json(&revoked));
            } else {
                show(&revoked);
            }
            Ok(())
        }
    })
}

fn run_group_role(
    config: Config,
    json: bool,
    org: String,
    command: GroupRoleCommand,
) -> Result<(), CliError> {
    with_state(config, async move |state: &AppState| {
        match command {
            GroupRoleCommand::Set {
                group,
                role,
                priority,
            } => {
                let m = group_roles::set(state, &org, &group, &role, priority, Actor::Cli)
                    .await
                    .map_err(|e| org_error(e, &org))?;
                if json {
                    print_json(&mapping_json(&m));
                } else {
                    println!(
                        "{} → {} (priority {})",
                        m.group_name, m.role_key, m.priority
                    );
                }
            }
            GroupRoleCommand::List => {
                let all = group_roles::list(state, &org)
                    .await
                    .map_err(|e| org_error(e, &org))?;
                if json {
                    print_json(&json!(all.iter().map(mapping_json).collect::<Vec<_>>()));
                } else {
                    for m in &all {
                        println!("{:>5}  {} → {}", m.priority, m.group_name, m.role_key);
                    }
                }
            }
            GroupRoleCommand::Remove { group } => {
                group_roles::remove(state, &org, &group, Actor::Cli)
                    .await
                    .map_err(|e| org_error_for(e, &org, &group))?;
                if json {
                    print_json(&json!({"removed": group}));
                } else {
                    println!("removed the mapping of {group}");
                }
            }
        }
        Ok(())
    })
}
