//! `tessera saml connection add|list|show|update|delete --org ORG`: enterprise connections (an
//! organization's IdP signs its people in; Tessera is the SP).
//! `tessera saml app add|list|show|update|delete`: SAML apps (Tessera is their IdP).

use super::exit::CliError;
use super::org::{org_error, org_error_for, with_state};
use super::output::print_json;
use crate::app::AppState;
use crate::audit::{self, Actor, Event};
use crate::config::Config;
use crate::saml::connections::{self, AttributeNames, Connection, ConnectionSettings, IdpSource};
use crate::saml::idp::apps::{self, App, AppSettings, SpSource};
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
    /// SAML apps: service providers that use Tessera as their IdP.
    App {
        #[command(subcommand)]
        command: AppCommand,
    },
}

/// Where the SP's settings come from, and what to set.
#[derive(Debug, Args, Default)]
pub struct AppOptions {
    /// SP metadata from a URL (https).
    #[arg(long)]
    metadata_url: Option<String>,
    /// SP metadata from a file.
    #[arg(long)]
    metadata_file: Option<std::path::PathBuf>,
    /// By hand: the SP's entity id (with --acs-url).
    #[arg(long)]
    entity_id: Option<String>,
    /// By hand: the SP's assertion consumer service URL (HTTP-POST).
    #[arg(long)]
    acs_url: Option<String>,
    /// The SP's certificate(s), PEM: verifies its signed requests, encrypts assertions to it.
    #[arg(long)]
    cert_file: Option<std::path::PathBuf>,
    /// The SP's SingleLogoutService URL (HTTP-Redirect); empty clears it.
    #[arg(long)]
    slo_url: Option<String>,
    #[arg(long)]
    name: Option<String>,
    /// email (default), persistent (stable per app, opaque) or transient.
    #[arg(long)]
    name_id_format: Option<String>,
    /// Require signed AuthnRequests (default: as the SP's metadata says).
    #[arg(long)]
    requests_signed: Option<bool>,
    /// Encrypt assertions to the SP's certificate (AES-256-GCM, RSA-OAEP).
    #[arg(long)]
    encrypt_assertions: Option<bool>,
    /// The organization whose role and groups the assertion carries (and whose members only
    /// may use the app); empty detaches it.
    #[arg(long)]
    org: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum AppCommand {
    /// Register a service provider; prints what its admin needs (IdP metadata URL).
    Add(AppOptions),
    List,
    Show {
        id: String,
    },
    /// Change an app (a new metadata source replaces its entity id, ACS and SLO URLs).
    Update {
        id: String,
        #[command(flatten)]
        options: AppOptions,
    },
    Delete {
        id: String,
    },
}

fn app_settings(options: AppOptions, adding: bool) -> Result<AppSettings, CliError> {
    let manual = options.entity_id.is_some() || options.acs_url.is_some();
    let sources = [
        options.metadata_url.is_some(),
        options.metadata_file.is_some(),
        manual,
    ]
    .iter()
    .filter(|s| **s)
    .count();
    if sources > 1 || (adding && sources == 0) {
        return Err(CliError::Usage(
            "give one of --metadata-url, --metadata-file, or --entity-id with --acs-url".into(),
        ));
    }
    let source = if let Some(url) = options.metadata_url {
        Some(SpSource::MetadataUrl(url))
    } else if let Some(path) = &options.metadata_file {
        Some(SpSource::MetadataXml(read_file(path, "metadata file")?))
    } else if manual {
        let (Some(entity_id), Some(acs_url)) = (options.entity_id, options.acs_url) else {
            return Err(CliError::Usage(
                "--entity-id and --acs-url go together".into(),
            ));
        };
        Some(SpSource::Manual { entity_id, acs_url })
    } else {
        None
    };
    Ok(AppSettings {
        name: options.name,
        source,
        certificates_pem: options
            .cert_file
            .map(|path| read_file(&path, "certificate file"))
            .transpose()?,
        slo_url: options
            .slo_url
            .map(|u| if u.is_empty() { None } else { Some(u) }),
        requests_signed: options.requests_signed,
        encrypt_assertions: options.encrypt_assertions,
        name_id_format: options.name_id_format,
        organization: options
            .org
            .map(|o| if o.is_empty() { None } else { Some(o) }),
    })
}

fn print_app(app: &App, json: bool) {
    if json {
        print_json(&serde_json::to_value(app).unwrap_or_default());
        return;
    }
    println!("{}  {}", app.id, app.name);
    println!("  SP entity id:    {}", app.entity_id);
    println!("  ACS URLs:        {}", app.acs_urls.join(", "));
    println!("  NameID format:   {}", app.name_id_format);
    println!("  IdP metadata:    {}", app.idp_metadata_url);
    println!("  IdP SSO URL:     {}", app.sso_url);
    println!("  sign-in link:    {}", app.start_url);
}

fn run_app(config: Config, json: bool, command: AppCommand) -> Result<(), CliError> {
    let audited = |state: &AppState, action: &'static str, app: &App| {
        audit::record_blocking(
            state,
            Event::new(action, Actor::Cli).target("saml_app", app.id.clone()),
        );
    };
    with_state(config, async move |state: &AppState| {
        match command {
            AppCommand::Add(options) => {
                let app = apps::add(state, app_settings(options, true)?)
                    .await
                    .map_err(|e| org_error(e, ""))?;
                audited(state, "samlApp.created", &app);
                print_app(&app, json);
            }
            AppCommand::List => {
                let all = apps::list(state).await.map_err(|e| org_error(e, ""))?;
                if json {
                    print_json(&serde_json::to_value(&all).unwrap_or_default());
                } else {
                    all.iter().for_each(|a| print_app(a, false));
                }
            }
            AppCommand::Show { id } => {
                let app = apps::show(state, &id)
                    .await
                    .map_err(|e| org_error(e, &id))?;
                print_app(&app, json);
            }
            AppCommand::Update { id, options } => {
                let app = apps::update(state, &id, app_settings(options, false)?)
                    .await
                    .map_err(|e| org_error(e, &id))?;
                audited(state, "samlApp.updated", &app);
                print_app(&app, json);
            }
            AppCommand::Delete { id } => {
                let app = apps::delete(state, &id)
                    .await
                    .map_err(|e| org_error(e, &id))?;
                audited(state, "samlApp.deleted", &app);
                if json {
                    print_json(&serde_json::json!({ "deleted": id }));
                } else {
                    println!("deleted {id}");
                }
            }
        }
        Ok(())
    })
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
    let (org, command) = match args.command {
        SamlCommand::Connection { org, command } => (org, command),
        SamlCommand::App { command } => return run_app(config, json, command),
    };
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
