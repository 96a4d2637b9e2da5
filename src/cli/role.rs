//! `tessera role create|list|update|delete --org ORG`

use super::exit::CliError;
use super::org::{org_error, org_error_for, with_state};
use super::output::print_json;
use crate::app::AppState;
use crate::config::Config;
use crate::domain::organization::Role;
use crate::organizations;
use clap::{Args, Subcommand};
use serde_json::json;

#[derive(Debug, Args)]
pub struct RoleArgs {
    /// Print JSON instead of text (errors too, on stderr).
    #[arg(long, global = true)]
    pub json: bool,
    /// The organization (id or slug).
    #[arg(long, global = true, default_value = "")]
    pub org: String,
    #[command(subcommand)]
    pub command: RoleCommand,
}

#[derive(Debug, Subcommand)]
pub enum RoleCommand {
    /// Create a custom role with permissions (like org:invoices:read).
    Create {
        #[arg(long)]
        key: String,
        #[arg(long)]
        name: String,
        #[arg(long = "permission")]
        permissions: Vec<String>,
    },
    /// List the organization's roles.
    List,
    /// Change a custom role; --permission replaces the whole list.
    Update {
        key: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long = "permission")]
        permissions: Option<Vec<String>>,
    },
    /// Delete a custom role nobody holds.
    Delete { key: String },
}

/// Roles as `--json` prints them.
pub fn roles_json(roles: &[Role]) -> serde_json::Value {
    json!(roles.iter().map(role_json).collect::<Vec<_>>())
}

fn role_json(role: &Role) -> serde_json::Value {
    json!({
        "key": role.key,
        "name": role.name,
        "permissions": role.permissions,
        "built_in": role.built_in,
    })
}

fn print_role(role: &Role, json: bool) {
    if json {
        print_json(&role_json(role));
    } else {
        println!(
            "{}  {}  {}",
            role.key,
            role.name,
            role.permissions.join(" ")
        );
    }
}

/// Runs a role command.
pub fn run(config: Config, args: RoleArgs) -> Result<(), CliError> {
    let json = args.json;
    let org = args.org.clone();
    if org.is_empty() {
        return Err(CliError::Usage("--org is required".into()));
    }
    with_state(config, async move |state: &AppState| {
        let org_id = organizations::find(state, &org)
            .await
            .map_err(|e| org_error(e, &org))?
            .id;
        run_command(state, args.command, &org, &org_id, json).await
    })
}

async fn run_command(
    state: &AppState,
    command: RoleCommand,
    org: &str,
    org_id: &str,
    json: bool,
) -> Result<(), CliError> {
    let org = org.to_string();
    let org_id = org_id.to_string();
    match command {
        RoleCommand::Create {
            key,
            name,
            permissions,
        } => {
            let role = organizations::create_role(state, &org, &key, &name, &permissions)
                .await
                .map_err(|e| org_error(e, &org))?;
            crate::audit::record(
                state,
                crate::audit::cli("organizationRole.created", "role", &key)
                    .organization(org_id.clone()),
            )
            .await;
            print_role(&role, json);
            Ok(())
        }
        RoleCommand::List => {
            let roles = organizations::roles(state, &org)
                .await
                .map_err(|e| org_error(e, &org))?;
            if json {
                print_json(&roles_json(&roles));
            } else {
                for role in &roles {
                    print_role(role, false);
                }
            }
            Ok(())
        }
        RoleCommand::Update {
            key,
            name,
            permissions,
        } => {
            let role = organizations::update_role(state, &org, &key, name, permissions)
                .await
                .map_err(|e| org_error_for(e, &org, &key))?;
            crate::audit::record(
                state,
                crate::audit::cli("organizationRole.updated", "role", &key)
                    .organization(org_id.clone()),
            )
            .await;
            print_role(&role, json);
            Ok(())
        }
        RoleCommand::Delete { key } => {
            organizations::delete_role(state, &org, &key)
                .await
                .map_err(|e| org_error_for(e, &org, &key))?;
            crate::audit::record(
                state,
                crate::audit::cli("organizationRole.deleted", "role", &key)
                    .organization(org_id.clone()),
            )
            .await;
            if json {
                print_json(&json!({ "deleted": key }));
            } else {
                println!("deleted role {key}");
            }
            Ok(())
        }
    }
}
