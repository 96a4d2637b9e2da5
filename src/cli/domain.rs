//! `tessera domain add|list|send-code|verify|set-mode|remove --org ORG`

use super::exit::CliError;
use super::org::{org_error, org_error_for, with_state};
use super::output::{print_json, timestamp};
use crate::app::AppState;
use crate::audit::Actor;
use crate::config::Config;
use crate::domain::organization_domain::EnrollmentMode;
use crate::organizations::domains::{self, Domain};
use clap::{Args, Subcommand};
use serde_json::json;

#[derive(Debug, Args)]
pub struct DomainArgs {
    /// Print JSON instead of text (errors too, on stderr).
    #[arg(long, global = true)]
    pub json: bool,
    /// The organization (id or slug).
    #[arg(long, global = true, default_value = "")]
    pub org: String,
    #[command(subcommand)]
    pub command: DomainCommand,
}

#[derive(Debug, Subcommand)]
pub enum DomainCommand {
    /// Claim a domain (public mail providers cannot be claimed).
    Add {
        domain: String,
        /// manual, automatic_invitation or automatic_suggestion.
        #[arg(long, default_value = "manual")]
        mode: String,
    },
    /// List the organization's domains.
    List,
    /// Mail a verification code to an address at the domain.
    SendCode {
        domain: String,
        #[arg(long)]
        email: String,
    },
    /// Verify the domain with the code from the mail.
    Verify {
        domain: String,
        #[arg(long)]
        code: String,
    },
    /// Change what happens for people with an address at the domain.
    SetMode {
        domain: String,
        #[arg(long)]
        mode: String,
    },
    /// Remove a domain claim.
    Remove { domain: String },
}

fn domain_json(d: &Domain) -> serde_json::Value {
    json!({
        "id": d.id,
        "organization_id": d.organization_id,
        "domain": d.domain,
        "enrollment_mode": d.enrollment_mode,
        "verified": d.verified,
        "verified_at": d.verified_at.map(timestamp),
        "verification_email": d.verification_email,
        "created_at": timestamp(d.created_at),
    })
}

fn show(d: &Domain, json: bool) {
    if json {
        print_json(&domain_json(d));
    } else {
        let state = if d.verified { "verified" } else { "unverified" };
        println!("{:<40}  {:<10}  {}", d.domain, state, d.enrollment_mode);
    }
}

/// Runs a domain command.
pub fn run(config: Config, args: DomainArgs) -> Result<(), CliError> {
    let json = args.json;
    let org = args.org.clone();
    if org.is_empty() {
        return Err(CliError::Usage("--org is required".into()));
    }
    let mode = |text: &str| EnrollmentMode::parse(text).map_err(CliError::Invalid);
    with_state(config, async move |state: &AppState| match args.command {
        DomainCommand::Add { domain, mode: m } => {
            let made = domains::add(state, &org, &domain, mode(&m)?, Actor::Cli)
                .await
                .map_err(|e| org_error_for(e, &org, &domain))?;
            show(&made, json);
            Ok(())
        }
        DomainCommand::List => {
            let all = domains::list(state, &org)
                .await
                .map_err(|e| org_error(e, &org))?;
            if json {
                print_json(&json!(all.iter().map(domain_json).collect::<Vec<_>>()));
            } else {
                for d in &all {
                    show(d, false);
                }
            }
            Ok(())
        }
        DomainCommand::SendCode { domain, email } => {
            domains::send_code(state, &org, &domain, &email, Actor::Cli)
                .await
                .map_err(|e| org_error_for(e, &org, &domain))?;
            if json {
                print_json(&json!({ "sent_to": email }));
            } else {
                println!("a code is on its way to {email}");
            }
            Ok(())
        }
        DomainCommand::Verify { domain, code } => {
            let verified = domains::verify(state, &org, &domain, &code, Actor::Cli)
                .await
                .map_err(|e| org_error_for(e, &org, &domain))?;
            show(&verified, json);
            Ok(())
        }
        DomainCommand::SetMode { domain, mode: m } => {
            let changed = domains::set_mode(state, &org, &domain, mode(&m)?, Actor::Cli)
                .await
                .map_err(|e| org_error_for(e, &org, &domain))?;
            show(&changed, json);
            Ok(())
        }
        DomainCommand::Remove { domain } => {
            let removed = domains::remove(state, &org, &domain, Actor::Cli)
                .await
                .map_err(|e| org_error_for(e, &org, &domain))?;
            if json {
                print_json(&json!({ "removed": removed.domain }));
            } else {
                println!("removed {}", removed.domain);
            }
            Ok(())
        }
    })
}
