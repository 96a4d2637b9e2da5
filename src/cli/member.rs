//! `tessera member add|list|set-role|remove --org ORG`

use super::exit::CliError;
use super::org::{org_error, org_error_for, with_state};
use super::output::print_json;
use crate::app::AppState;
use crate::config::Config;
use crate::domain::organization::Membership;
use crate::organizations;
use clap::{Args, Subcommand};
use serde_json::json;

#[derive(Debug, Args)]
pub struct MemberArgs {
    /// Print JSON instead of text (errors too, on stderr).
    #[arg(long, global = true)]
    pub json: bool,
    /// The organization (id or slug).
    #[arg(long, global = true, default_value = "")]
    pub org: String,
    #[command(subcommand)]
    pub command: MemberCommand,
}

#[derive(Debug, Subcommand)]
pub enum MemberCommand {
    /// Add a user (id, email or username) with a role (default: the organization's default role).
    Add {
        user: String,
        #[arg(long)]
        role: Option<String>,
    },
    /// List the members.
    List,
    /// Give a member another role (the last admin keeps theirs).
    SetRole {
        user: String,
        #[arg(long)]
        role: String,
    },
    /// Remove a member (not the last admin).
    Remove { user: String },
}

fn membership_json(m: &Membership, email: Option<&str>) -> serde_json::Value {
    json!({
        "organization_id": m.organization_id,
        "user_id": m.user_id,
        "email": email,
        "role": m.role,
        "created_at": m.created_at,
        "updated_at": m.updated_at,
    })
}

/// Runs a member command.
pub fn run(config: Config, args: MemberArgs) -> Result<(), CliError> {
    let json = args.json;
    let org = args.org.clone();
    if org.is_empty() {
        return Err(CliError::Usage("--org is required".into()));
    }
    let show = move |m: &Membership| {
        if json {
            print_json(&membership_json(m, None));
        } else {
            println!("{} is {} of {}", m.user_id, m.role, m.organization_id);
        }
    };
    with_state(config, async move |state: &AppState| match args.command {
        MemberCommand::Add { user, role } => {
            let m = organizations::add_member(state, &org, &user, role)
                .await
                .map_err(|e| org_error_for(e, &org, &user))?;
            crate::audit::record(
                state,
                crate::audit::cli("organizationMembership.created", "user", &m.user_id)
                    .organization(m.organization_id.clone())
                    .detail("role", m.role.clone()),
            )
            .await;
            show(&m);
            Ok(())
        }
        MemberCommand::List => {
            let members = organizations::members(state, &org)
                .await
                .map_err(|e| org_error(e, &org))?;
            if json {
                print_json(&json!(
                    members
                        .iter()
                        .map(|(m, email)| membership_json(m, Some(email)))
                        .collect::<Vec<_>>()
                ));
            } else {
                for (m, email) in &members {
                    println!("{:<36}  {:<32}  {}", m.user_id, email, m.role);
                }
            }
            Ok(())
        }
        MemberCommand::SetRole { user, role } => {
            let m = organizations::set_member_role(state, &org, &user, &role)
                .await
                .map_err(|e| org_error_for(e, &org, &user))?;
            crate::audit::record(
                state,
                crate::audit::cli("organizationMembership.updated", "user", &m.user_id)
                    .organization(m.organization_id.clone())
                    .detail("role", m.role.clone()),
            )
            .await;
            show(&m);
            Ok(())
        }
        MemberCommand::Remove { user } => {
            let removed = organizations::remove_member(state, &org, &user)
                .await
                .map_err(|e| org_error_for(e, &org, &user))?;
            crate::audit::record(
                state,
                crate::audit::cli("organizationMembership.deleted", "user", &removed.user_id)
                    .organization(removed.organization_id.clone()),
            )
            .await;
            if json {
                print_json(&json!({ "removed": user }));
            } else {
                println!("removed {user}");
            }
            Ok(())
        }
    })
}
