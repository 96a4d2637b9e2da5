//! The `tessera` command line: `serve`, `migrate` and `user ...`. Human output by default, `--json`
//! for scripts, and exit codes a script can rely on (see [`exit`]).

pub mod apikey;
pub mod audit;
pub mod client;
pub mod domain;
pub mod exit;
pub mod invite;
pub mod keys;
pub mod member;
pub mod migrate;
pub mod org;
pub mod output;
pub mod role;
pub mod saml;
pub mod scim;
pub mod serve;
pub mod user;
pub mod webhook;

use crate::config::{self, ConfigSources, LogFormat, flag_table};
use clap::{Parser, Subcommand};
use exit::{CliError, ExitCode};
use std::path::PathBuf;
use toml::Value;

/// Tessera: an identity provider in one binary.
#[derive(Debug, Parser)]
#[command(name = "tessera", version, about, propagate_version = true)]
pub struct Cli {
    /// Configuration file (default: ./tessera.toml when it exists).
    #[arg(long, global = true, env = "TESSERA_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Database URL: a SQLite path or `postgres://...` (overrides config).
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,
    /// Data directory (overrides config).
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Log line format.
    #[arg(long, global = true, value_enum)]
    pub log_format: Option<LogFormat>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (migrates the database first).
    Serve(serve::ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage users.
    User(Box<user::UserArgs>),
    /// Manage token signing keys.
    Keys(keys::KeysArgs),
    /// Manage OpenID Connect clients.
    Client(client::ClientArgs),
    /// Manage organizations.
    Org(org::OrgArgs),
    /// Manage an organization's roles.
    Role(role::RoleArgs),
    /// Manage an organization's members.
    Member(member::MemberArgs),
    /// Read the audit log.
    Audit(audit::AuditArgs),
    /// Manage SCIM directory connections.
    Scim(scim::ScimArgs),
    /// Manage SAML enterprise connections.
    Saml(saml::SamlArgs),
    /// Manage admin API keys.
    Apikey(apikey::ApiKeyArgs),
    /// Manage an organization's verified domains.
    Domain(domain::DomainArgs),
    /// Invite people to an organization.
    Invite(invite::InviteArgs),
    /// Manage webhook endpoints and their deliveries.
    Webhook(webhook::WebhookArgs),
}

impl Cli {
    /// The configuration layers, with this command line's flags on top.
    pub fn config_sources(&self) -> ConfigSources {
        let (bind, issuer) = match &self.command {
            Command::Serve(args) => (args.bind.clone(), args.issuer.clone()),
            _ => (None, None),
        };
        let log_format = self.log_format.map(|f| match f {
            LogFormat::Human => "human",
            LogFormat::Json => "json",
        });
        ConfigSources {
            file: self.config.clone(),
            env: std::env::vars().collect(),
            flags: flag_table(&[
                ("database_url", self.database_url.clone().map(Value::String)),
                (
                    "data_dir",
                    self.data_dir
                        .as_ref()
                        .map(|d| Value::String(d.display().to_string())),
                ),
                ("log_format", log_format.map(|f| Value::String(f.into()))),
                ("bind", bind.map(Value::String)),
                ("issuer", issuer.map(Value::String)),
            ]),
        }
    }
}

/// Runs the command line; the process exit code.
pub fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let json = match &cli.command {
        Command::User(args) => args.json,
        Command::Keys(args) => args.json,
        Command::Client(args) => args.json,
        Command::Org(args) => args.json,
        Command::Role(args) => args.json,
        Command::Member(args) => args.json,
        Command::Audit(args) => args.json,
        Command::Webhook(args) => args.json,
        Command::Invite(args) => args.json,
        Command::Domain(args) => args.json,
        Command::Apikey(args) => args.json,
        Command::Scim(args) => args.json,
        Command::Saml(args) => args.json,
        _ => false,
    };
    let result = run(cli);
    match result {
        Ok(()) => ExitCode::Success.into(),
        Err(error) => {
            output::print_error(&error, json);
            error.exit_code().into()
        }
    }
}

fn run(cli: Cli) -> Result<(), CliError> {
    let loaded = config::load(cli.config_sources()).map_err(CliError::Config)?;
    let is_serve = matches!(cli.command, Command::Serve(_));
    init_tracing(&loaded.config, is_serve);
    for warning in &loaded.warnings {
        tracing::warn!("{warning}");
    }
    match cli.command {
        Command::Serve(_) => serve::run(loaded),
        Command::Migrate => migrate::run(loaded.config),
        Command::User(args) => user::run(loaded.config, *args),
        Command::Keys(args) => keys::run(loaded.config, args),
        Command::Client(args) => client::run(loaded.config, args),
        Command::Org(args) => org::run(loaded.config, args),
        Command::Role(args) => role::run(loaded.config, args),
        Command::Member(args) => member::run(loaded.config, args),
        Command::Audit(args) => audit::run(loaded.config, args),
        Command::Webhook(args) => webhook::run(loaded.config, args),
        Command::Invite(args) => invite::run(loaded.config, args),
        Command::Domain(args) => domain::run(loaded.config, args),
        Command::Apikey(args) => apikey::run(loaded.config, args),
        Command::Scim(args) => scim::run(loaded.config, args),
        Command::Saml(args) => saml::run(loaded.config, args),
    }
}

/// Logs go to stderr: human-readable or JSON lines. Commands other than `serve` only log warnings.
fn init_tracing(config: &config::Config, serving: bool) {
    use tracing_subscriber::EnvFilter;
    let level = if serving {
        config.log_level.as_str()
    } else {
        "warn"
    };
    let filter = EnvFilter::try_from_env("TESSERA_LOG")
        .or_else(|_| EnvFilter::try_new(level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    let _ = match config.log_format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .try_init(),
        LogFormat::Human => builder.try_init(),
    };
}

/// The state every command works with, on the wall clock. A master key that is missing or
/// malformed is a configuration error (exit code 7).
pub fn build_state(config: config::Config) -> Result<crate::app::AppState, CliError> {
    use crate::app::{AppState, StartError};
    AppState::build(config, std::sync::Arc::new(crate::clock::SystemClock)).map_err(|e| match e {
        StartError::MasterKey(error) => {
            CliError::Config(config::ConfigError::Invalid(error.to_string()))
        }
        other => CliError::Failed(other.to_string()),
    })
}
