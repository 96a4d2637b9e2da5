//! `tessera invite create|list|revoke --org ORG`

use super::exit::CliError;
use super::org::{org_error, with_state};
use super::output::{print_json, timestamp};
use crate::app::AppState;
use crate::audit::Actor;
use crate::config::Config;
use crate::organizations::invitations::{self, Invitation};
use clap::{Args, Subcommand};
use serde_json::json;

#[derive(Debug, Args)]
pub struct InviteArgs {
    /// Print JSON instead of text (errors too, on stderr).
    #[arg(long, global = true)]
    pub json: bool,
    /// The organization (id or slug).
    #[arg(long, global = true, default_value = "")]
    pub org: String,
    #[command(subcommand)]
    pub command: InviteCommand,
}

#[derive(Debug, Subcommand)]
pub enum InviteCommand {
    /// Invite an email address (mails a single-use link; a pending invitation to the same
    /// address is replaced).
    Create {
        #[arg(long)]
        email: String,
        /// The role on joining (default: the organization's default role).
        #[arg(long)]
        role: Option<String>,
    },
    /// List invitations, newest first.
    List {
        /// pending, expired, accepted, revoked or all.
        #[arg(long, default_value = "all")]
        state: String,
        /// Only invitations older than this one (the next page).
        #[arg(long)]
        before: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: i64,
    },
    /// Revoke an invitation: its link stops working.
    Revoke { invitation: String },
}

fn invitation_json(i: &Invitation) -> serde_json::Value {
    json!({
        "id": i.id,
        "organization_id": i.organization_id,
        "email": i.email,
        "role": i.role,
        "state": i.state,
        "invited_by": i.invited_by,
        "accepted_by": i.accepted_by,
        "created_at": timestamp(i.created_at),
        "expires_at": timestamp(i.expires_at),
    })
}

fn show(i: &Invitation, json: bool) {
    if json {
        print_json(&invitation_json(i));
    } else {
        println!(
            "{}  {:<32}  {:<10}  {:<8}  expires {}",
            i.id,
            i.email,
            i.role,
            i.state,
            timestamp(i.expires_at)
        );
    }
}

/// Runs an invite command.
pub fn run(config: Config, args: InviteArgs) -> Result<(), CliError> {
    let json = args.json;
    let org = args.org.clone();
    if org.is_empty() {
        return Err(CliError::Usage("--org is required".into()));
    }
    with_state(config, async move |state: &AppState| match args.command {
        InviteCommand::Create { email, role } => {
            let invited = invitations::invite(state, &org, &email, role, Actor::Cli)
                .await
                .map_err(|e| org_error(e, &org))?;
            show(&invited.invitation, json);
            if invited.mailed {
                Ok(())
            } else {
                Err(CliError::Failed(format!(
                    "invitation {} was made but its mail could not be sent (see the log); \
                     fix the mail settings and invite again",
                    invited.invitation.id
                )))
            }
        }
        InviteCommand::List {
            state: which,
            before,
            limit,
        } => {
            let which = invitations::parse_listed(&which).map_err(CliError::Invalid)?;
            let list = invitations::list(state, &org, which, before, limit)
                .await
                .map_err(|e| org_error(e, &org))?;
            if json {
                print_json(&json!(list.iter().map(invitation_json).collect::<Vec<_>>()));
            } else {
                for i in &list {
                    show(i, false);
                }
            }
            Ok(())
        }
        InviteCommand::Revoke { invitation } => {
            let revoked = invitations::revoke(state, &org, &invitation, Actor::Cli)
                .await
                .map_err(|e| super::org::org_error_for(e, &org, &invitation))?;
            show(&revoked, json);
            Ok(())
        }
    })
}
