//! `tessera audit list`: the audit log, newest first, with filters.

use super::exit::CliError;
use super::org::with_state;
use super::output::{print_json, timestamp};
use crate::app::AppState;
use crate::config::Config;
use crate::storage::audit_events::{AuditFilter, AuditRecord};
use clap::{Args, Subcommand};
use serde_json::json;

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Print JSON instead of text (errors too, on stderr).
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: AuditCommand,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// List events, newest first.
    List {
        /// An action (`user.sign_in`) or a prefix ending in a dot (`user.`).
        #[arg(long)]
        action: Option<String>,
        /// Who acted (a user or client id).
        #[arg(long)]
        actor: Option<String>,
        /// What it was done to (an id).
        #[arg(long)]
        target: Option<String>,
        /// An organization (id or slug).
        #[arg(long)]
        org: Option<String>,
        /// `success` or `failure`.
        #[arg(long)]
        outcome: Option<String>,
        /// Only events at or after this time (RFC 3339, or seconds since the epoch).
        #[arg(long)]
        since: Option<String>,
        /// Only events older than this event id (the last id of the previous page).
        #[arg(long)]
        before: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: i64,
    },
}

fn parse_time(text: &str) -> Result<i64, CliError> {
    if let Ok(seconds) = text.parse::<i64>() {
        return Ok(seconds);
    }
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.timestamp())
        .map_err(|_| CliError::Usage(format!("--since {text:?}: use RFC 3339 or epoch seconds")))
}

fn event_json(e: &AuditRecord) -> serde_json::Value {
    json!({
        "id": e.id,
        "occurred_at": e.occurred_at,
        "action": e.action,
        "outcome": e.outcome,
        "reason": e.reason,
        "actor": { "type": e.actor_type, "id": e.actor_id },
        "target": { "type": e.target_type, "id": e.target_id },
        "organization_id": e.organization_id,
        "ip": e.ip,
        "user_agent": e.user_agent,
        "details": serde_json::from_str::<serde_json::Value>(&e.details).unwrap_or_default(),
    })
}

/// Runs an audit command.
pub fn run(config: Config, args: AuditArgs) -> Result<(), CliError> {
    let json = args.json;
    with_state(config, async move |state: &AppState| match args.command {
        AuditCommand::List {
            action,
            actor,
            target,
            org,
            outcome,
            since,
            before,
            limit,
        } => {
            if !(1..=1000).contains(&limit) {
                return Err(CliError::Usage("--limit must be between 1 and 1000".into()));
            }
            if outcome
                .as_deref()
                .is_some_and(|o| o != "success" && o != "failure")
            {
                return Err(CliError::Usage("--outcome is success or failure".into()));
            }
            // A deleted organization's history stays reachable by its id.
            let organization_id = match org {
                Some(reference) => match crate::organizations::find(state, &reference).await {
                    Ok(found) => Some(found.id),
                    Err(crate::organizations::OrgError::NotFound(_)) => Some(reference),
                    Err(e) => return Err(super::org::org_error(e, &reference)),
                },
                None => None,
            };
            let filter = AuditFilter {
                action,
                actor_id: actor,
                target_id: target,
                organization_id,
                outcome,
                since: since.as_deref().map(parse_time).transpose()?,
                until: None,
                before,
                limit,
            };
            let events = crate::audit::list(state, filter).await?;
            if json {
                print_json(&json!(events.iter().map(event_json).collect::<Vec<_>>()));
            } else {
                for e in &events {
                    println!(
                        "{}  {:<32}  {:<24}  {:<10}  {}  {}",
                        timestamp(e.occurred_at),
                        e.action,
                        match &e.reason {
                            Some(reason) => format!("{} ({reason})", e.outcome),
                            None => e.outcome.clone(),
                        },
                        e.actor_type,
                        e.target_id.as_deref().unwrap_or("-"),
                        e.ip.as_deref().unwrap_or("-"),
                    );
                }
            }
            Ok(())
        }
    })
}
