//! `tessera org create|list|show|update|delete`, plus what `role` and `member` share: running an
//! organization operation and mapping its errors to exit codes.

use super::exit::CliError;
use super::output::{print_json, timestamp};
use crate::app::AppState;
use crate::config::Config;
use crate::domain::organization::Organization;
use crate::organizations::{self, NewOrganization, OrgError, OrganizationChanges};
use clap::{Args, Subcommand};
use serde_json::json;

#[derive(Debug, Args)]
pub struct OrgArgs {
    /// Print JSON instead of text (errors too, on stderr).
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: OrgCommand,
}

#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Create an organization (with the built-in roles admin and member).
    Create {
        #[arg(long)]
        name: String,
        /// Lowercase letters, digits and dashes (default: made from the name).
        #[arg(long)]
        slug: Option<String>,
        #[arg(long)]
        logo_url: Option<String>,
        /// A user (id, email or username) who becomes its first admin.
        #[arg(long)]
        owner: Option<String>,
    },
    /// List organizations.
    List {
        /// Only those whose name or slug contains this.
        #[arg(long)]
        search: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: i64,
    },
    /// Show one organization (by id or slug) with its roles.
    Show { org: String },
    /// Change an organization; an empty --logo-url removes the logo.
    Update {
        org: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        slug: Option<String>,
        #[arg(long)]
        logo_url: Option<String>,
        /// The role new members get.
        #[arg(long)]
        default_role: Option<String>,
    },
    /// Delete an organization with its roles and memberships.
    Delete { org: String },
}

/// Maps an organization error to the CLI's exit codes.
pub fn org_error(error: OrgError, reference: &str) -> CliError {
    org_error_for(error, reference, reference)
}

/// [`org_error`] for a command that names an organization and something in it (a user, a
/// role): "not found" names whichever was missing.
pub fn org_error_for(error: OrgError, org: &str, other: &str) -> CliError {
    let reference = match &error {
        OrgError::NotFound("organization") => org,
        _ => other,
    };
    match error {
        OrgError::Invalid(field) => CliError::Invalid(field),
        OrgError::Conflict(field) => CliError::Conflict(field.to_string()),
        OrgError::NotFound(what) => CliError::NotFound {
            what,
            key: reference.to_string(),
        },
        OrgError::LastAdmin => CliError::Conflict(error.to_string()),
        OrgError::Unavailable => CliError::Unavailable,
        OrgError::Internal(reason) => CliError::Failed(reason),
    }
}

/// Builds the state, migrates, and runs `work` on a small runtime.
pub fn with_state<F>(config: Config, work: F) -> Result<(), CliError>
where
    F: AsyncFnOnce(&AppState) -> Result<(), CliError>,
{
    let mut config = config;
    config.argon2.workers = Some(1);
    let state = super::build_state(config)?;
    crate::storage::migrations::run_pending(&state.db)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Failed(e.to_string()))?;
    runtime.block_on(work(&state))
}

/// An organization as `--json` prints it.
pub fn org_json(org: &Organization) -> serde_json::Value {
    json!({
        "id": org.id,
        "slug": org.slug,
        "name": org.name,
        "logo_url": org.logo_url,
        "default_role": org.default_role,
        "public_metadata": org.public_metadata,
        "private_metadata": org.private_metadata,
        "created_at": org.created_at,
        "updated_at": org.updated_at,
    })
}

fn print_org(org: &Organization, json: bool) {
    if json {
        print_json(&org_json(org));
    } else {
        println!("id:             {}", org.id);
        println!("slug:           {}", org.slug);
        println!("name:           {}", org.name);
        println!("logo:           {}", org.logo_url.as_deref().unwrap_or("-"));
        println!("default role:   {}", org.default_role);
        println!("created:        {}", timestamp(org.created_at));
    }
}

/// Runs an org command.
pub fn run(config: Config, args: OrgArgs) -> Result<(), CliError> {
    let json = args.json;
    with_state(config, async move |state: &AppState| match args.command {
        OrgCommand::Create {
            name,
            slug,
            logo_url,
            owner,
        } => {
            let reference = owner.clone().unwrap_or_default();
            let org = organizations::create(
                state,
                NewOrganization {
                    name,
                    slug,
                    logo_url,
                    owner,
                },
            )
            .await
            .map_err(|e| org_error(e, &reference))?;
            crate::audit::record(
                state,
                crate::audit::cli("organization.created", "organization", &org.id)
                    .organization(org.id.clone()),
            )
            .await;
            print_org(&org, json);
            Ok(())
        }
        OrgCommand::List { search, limit } => {
            let orgs = organizations::list(state, search, limit)
                .await
                .map_err(|e| org_error(e, ""))?;
            if json {
                print_json(&json!(orgs.iter().map(org_json).collect::<Vec<_>>()));
            } else {
                println!("{:<36}  {:<24}  NAME", "ID", "SLUG");
                for org in &orgs {
                    println!("{:<36}  {:<24}  {}", org.id, org.slug, org.name);
                }
            }
            Ok(())
        }
        OrgCommand::Show { org } => {
            let found = organizations::find(state, &org)
                .await
                .map_err(|e| org_error(e, &org))?;
            let roles = organizations::roles(state, &org)
                .await
                .map_err(|e| org_error(e, &org))?;
            if json {
                let mut value = org_json(&found);
                value["roles"] = super::role::roles_json(&roles);
                print_json(&value);
            } else {
                print_org(&found, false);
                for role in &roles {
                    println!(
                        "role:           {} ({})",
                        role.key,
                        role.permissions.join(" ")
                    );
                }
            }
            Ok(())
        }
        OrgCommand::Update {
            org,
            name,
            slug,
            logo_url,
            default_role,
        } => {
            let changes = OrganizationChanges {
                name,
                slug,
                logo_url: logo_url.map(|u| (!u.is_empty()).then_some(u)),
                default_role,
            };
            let updated = organizations::update(state, &org, changes)
                .await
                .map_err(|e| org_error(e, &org))?;
            crate::audit::record(
                state,
                crate::audit::cli("organization.updated", "organization", &updated.id)
                    .organization(updated.id.clone()),
            )
            .await;
            print_org(&updated, json);
            Ok(())
        }
        OrgCommand::Delete { org } => {
            let deleted = organizations::delete(state, &org)
                .await
                .map_err(|e| org_error(e, &org))?;
            crate::audit::record(
                state,
                crate::audit::cli("organization.deleted", "organization", &deleted.id)
                    .organization(deleted.id.clone()),
            )
            .await;
            if json {
                print_json(&json!({ "deleted": deleted.id }));
            } else {
                println!("deleted organization {} ({})", deleted.slug, deleted.id);
            }
            Ok(())
        }
    })
}
