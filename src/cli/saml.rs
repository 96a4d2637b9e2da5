//! `tessera saml connection add|list|show|update|delete --org ORG`: enterprise connections (an
//! organization's IdP signs its people in; Tessera is the SP).

use super::exit::CliError;
use super::org::{org_error, org_error_for, with_state};
use super::output::print_json;
use crate::app::AppState;
use crate::audit::{self, Actor, Event};
use crate::config::Config;
use crate::saml::connections::{self, AttributeNames, Connection, ConnectionSettings, IdpSource};
use clap::{Args, Subcommand};

#[derive(Debug, Args)]
pub struct SamlArgs {
    /// Print JSON instead of text (errors too, on stderr).
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: SamlCommand,
}

#[derive(Debug, Subcommand)]
pub enum SamlCommand {
    /// Enterprise connections: an organization's own IdP (Okta, Entra ID, ADFS, Google).
    Connection {
        /// The organization (id or slug).
        #[arg(long, global = true, default_value = "")]
        org: String,
        #[command(subcommand)]
        command: ConnectionCommand,
    },
}

/// Where the IdP's settings come from, and what to set.
#[derive(Debug, Args, Default)]
pub struct ConnectionOptions {
    /// IdP metadata from a URL (https).
    #[arg(long)]
    metadata_url: Option<String>,
    /// IdP metadata from a file.
    #[arg(long)]
    metadata_file: Option<std::path::PathBuf>,
    /// By hand: the IdP's entity id (with --sso-url and --cert-file).
    #[arg(long)]
    entity_id: Option<String>,
    /// By hand: the IdP's HTTP-Redirect single sign-on URL.
    #[arg(long)]
    sso_url: Option<String>,
    /// By hand: the IdP's signing certificate(s), PEM.
    #[arg(long)]
    cert_file: Option<std::path::PathBuf>,
    /// An email domain the connection serves (a verified domain of the organization); repeat
    /// for several. On update, replaces the list.
    #[arg(long = "domain")]
    domains: Vec<String>,
    /// On update: serve no domain.
    #[arg(long, conflicts_with = "domains")]
    no_domains: bool,
    #[arg(long)]
    name: Option<String>,
    /// Sign AuthnRequests (default: as the IdP's metadata asks).
    #[arg(long)]
    sign_requests: Option<bool>,
    /// Accept responses the IdP sends unasked (IdP-initiated sign-in); off by default.
    #[arg(long)]
    allow_idp_initiated: Option<bool>,
    /// Where IdP-initiated sign-ins land (a path on this server).
    #[arg(long)]
    default_target: Option<String>,
    /// People at the connection's domains must use it (no password sign-in).
    #[arg(long)]
    mandatory: Option<bool>,
    /// The assertion attribute holding the email (default: the common names).
    #[arg(long)]
    email_attribute: Option<String>,
    #[arg(long)]
    given_name_attribute: Option<String>,
    #[arg(long)]
    family_name_attribute: Option<String>,
    /// The assertion attribute listing the person's groups (for role mappings).
    #[arg(long)]
    groups_attribute: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ConnectionCommand {
    /// Connect an IdP; prints what its admin needs (entity id, ACS URL, metadata URL).
    Add(ConnectionOptions),
    /// The organization's connections.
    List,
    Show {
        id: String,
    },
    /// Change a connection (a new metadata source replaces its IdP settings).
    Update {
        id: String,
        #[command(flatten)]
        options: ConnectionOptions,
    },
    Delete {
        id: String,
    },
}

fn read_file(path: &std::path::Path, what: &str) -> Result<String, CliError> {
    std::fs::read_to_string(path)
        .map_err(|e| CliError::Usage(format!("cannot read the {what} {}: {e}", path.display())))
}

fn settings(options: ConnectionOptions, adding: bool) -> Result<ConnectionSettings, CliError> {
    let manual =
        options.entity_id.is_some() || options.sso_url.is_some() || options.cert_file.is_some();
    let sources = [
        options.metadata_url.is_some(),
        options.metadata_file.is_some(),
        manual,
    ]
    .iter()
    .filter(|s| **s)
    .count();
    if sources > 1 {
        return Err(CliError::Usage(
            "give one of --metadata-url, --metadata-file, or --entity-id with --sso-url and --cert-file".into(),
        ));
    }
    if adding && sources == 0 {
        return Err(CliError::Usage(
            "give --metadata-url, --metadata-file, or --entity-id with --sso-url and --cert-file"
                .into(),
        ));
    }
    let source = if let Some(url) = options.metadata_url {
        Some(IdpSource::MetadataUrl(url))
    } else if let Some(path) = &options.metadata_file {
        Some(IdpSource::MetadataXml(read_file(path, "metadata file")?))
    } else if manual {
        let (Some(entity_id), Some(sso_url), Some(cert)) =
            (options.entity_id, options.sso_url, options.cert_file)
        else {
            return Err(CliError::Usage(
                "--entity-id, --sso-url and --cert-file go together".into(),
            ));
        };
        Some(IdpSource::Manual {
            entity_id,
            sso_url,
            certificates_pem: read_file(&cert, "certificate file")?,
        })
    } else {
        None
    };
    let domains = if options.no_domains {
        Some(Vec::new())
    } else if options.domains.is_empty() {
        None
    } else {
        Some(options.domains)
    };
    Ok(ConnectionSettings {
        name: options.name,
        source,
        domains,
        sign_requests: options.sign_requests,
        allow_idp_initiated: options.allow_idp_initiated,
        default_target: options
            .default_target
            .map(|t| if t.is_empty() { None } else { Some(t) }),
        mandatory: options.mandatory,
        attributes: AttributeNames {
            email: options.email_attribute,
            given_name: options.given_name_attribute,
            family_name: options.family_name_attribute,
            groups: options.groups_attribute,
        },
    })
}

fn print(connection: &Connection, json: bool) {
    if json {
        print_json(&serde_json::to_value(connection).unwrap_or_default());
        return;
    }
    println!("{}  {}", connection.id, connection.name);
    println!("  IdP entity id:   {}", connection.idp_entity_id);
    println!("  IdP SSO URL:     {}", connection.sso_url);
    println!("  domains:         {}", connection.domains.join(", "));
    println!("  SP entity id:    {}", connection.sp_entity_id);
    println!("  ACS URL:         {}", connection.acs_url);
    println!("  SP metadata:     {}", connection.sp_metadata_url);
    println!("  sign-in link:    {}", connection.sign_in_url);
}

fn audited(state: &AppState, action: &'static str, connection: &Connection) {
    audit::record_blocking(
        state,
        Event::new(action, Actor::Cli)
            .target("saml_connection", connection.id.clone())
            .organization(connection.organization_id.clone()),
    );
}

/// Runs a saml command.
pub fn run(config: Config, args: SamlArgs) -> Result<(), CliError> {
    let json = args.json;
    let SamlCommand::Connection { org, command } = args.command;
    if org.is_empty() {
        return Err(CliError::Usage("--org is required".into()));
    }
    with_state(config, async move |state: &AppState| match command {
        ConnectionCommand::Add(options) => {
            let settings = settings(options, true)?;
            let connection = connections::add(state, &org, settings)
                .await
                .map_err(|e| org_error(e, &org))?;
            audited(state, "samlConnection.created", &connection);
            print(&connection, json);
            Ok(())
        }
        ConnectionCommand::List => {
            let all = connections::list(state, &org)
                .await
                .map_err(|e| org_error(e, &org))?;
            if json {
                print_json(&serde_json::to_value(&all).unwrap_or_default());
            } else {
                all.iter().for_each(|c| print(c, false));
            }
            Ok(())
        }
        ConnectionCommand::Show { id } => {
            let connection = connections::show(state, &org, &id)
                .await
                .map_err(|e| org_error_for(e, &org, &id))?;
            print(&connection, json);
            Ok(())
        }
        ConnectionCommand::Update { id, options } => {
            let settings = settings(options, false)?;
            let connection = connections::update(state, &org, &id, settings)
                .await
                .map_err(|e| org_error_for(e, &org, &id))?;
            audited(state, "samlConnection.updated", &connection);
            print(&connection, json);
            Ok(())
        }
        ConnectionCommand::Delete { id } => {
            let connection = connections::show(state, &org, &id)
                .await
                .map_err(|e| org_error_for(e, &org, &id))?;
            connections::delete(state, &org, &id)
                .await
                .map_err(|e| org_error_for(e, &org, &id))?;
            audited(state, "samlConnection.deleted", &connection);
            if json {
                print_json(&serde_json::json!({ "deleted": id }));
            } else {
                println!("deleted {id}");
            }
            Ok(())
        }
    })
}
