//! `tessera client create|list|show|update|delete|rotate-secret`

use super::exit::CliError;
use super::output::{print_json, timestamp};
use crate::config::Config;
use crate::crypto::signing_keys::SigningAlgorithm;
use crate::domain::client::{AuthMethod, Client, DEFAULT_SCOPES, GrantType, Registration};
use crate::oidc::client_registry::{self, ClientError, WithSecret};
use clap::{Args, Subcommand};
use serde_json::json;

#[derive(Debug, Args)]
pub struct ClientArgs {
    /// Print JSON instead of text (errors too, on stderr).
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: ClientCommand,
}

#[derive(Debug, Subcommand)]
pub enum ClientCommand {
    /// Register a client; prints its id and, for a confidential client, its secret (once).
    Create(Box<CreateArgs>),
    /// List clients.
    List,
    /// Show one client.
    Show { client_id: String },
    /// Change a client. A list option replaces the whole list (an empty value clears it); an
    /// empty value clears an optional field.
    Update(Box<UpdateArgs>),
    /// Delete a client and every consent, grant and token issued to it.
    Delete { client_id: String },
    /// Replace the client's secret; the old one stops working at once.
    RotateSecret { client_id: String },
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Shown to users on the consent page and the account page.
    #[arg(long)]
    name: String,
    /// Where authorization responses may be sent (repeatable); matched exactly.
    #[arg(long = "redirect-uri", value_name = "URI")]
    redirect_uris: Vec<String>,
    /// Where the browser may return after signing out (repeatable); matched exactly.
    #[arg(long = "post-logout-redirect-uri", value_name = "URI")]
    post_logout_redirect_uris: Vec<String>,
    /// A public client (browser or native app) without a secret; it must use PKCE.
    #[arg(long)]
    public: bool,
    /// Allowed grants (repeatable; default: authorization_code and refresh_token).
    #[arg(long = "grant-type", value_enum)]
    grant_types: Vec<GrantType>,
    /// Allowed scopes (repeatable; default: openid profile email offline_access).
    #[arg(long = "scope")]
    scopes: Vec<String>,
    /// How it authenticates at the token endpoint (default: client_secret_basic, or none with
    /// --public).
    #[arg(long, value_enum)]
    auth_method: Option<AuthMethod>,
    /// Where its public keys are, for private_key_jwt.
    #[arg(long)]
    jwks_uri: Option<String>,
    /// An app of the same operator: users are not asked for consent.
    #[arg(long)]
    first_party: bool,
    /// Receives a logout token when a user's session ends (Back-Channel Logout 1.0).
    #[arg(long)]
    backchannel_logout_uri: Option<String>,
    /// Algorithm of its ID tokens.
    #[arg(long, value_enum, default_value = "RS256")]
    id_token_alg: SigningAlgorithm,
    /// Access-token lifetime (default: oidc.access_token_seconds).
    #[arg(long)]
    access_token_seconds: Option<i64>,
    /// ID-token lifetime (default: oidc.id_token_seconds).
    #[arg(long)]
    id_token_seconds: Option<i64>,
    /// Absolute refresh-token lifetime (default: oidc.refresh_token_seconds).
    #[arg(long)]
    refresh_token_seconds: Option<i64>,
}

#[derive(Debug, Args)]
pub struct UpdateArgs {
    client_id: String,
    #[arg(long)]
    name: Option<String>,
    #[arg(long = "redirect-uri", value_name = "URI")]
    redirect_uris: Option<Vec<String>>,
    #[arg(long = "post-logout-redirect-uri", value_name = "URI")]
    post_logout_redirect_uris: Option<Vec<String>>,
    #[arg(long = "grant-type", value_enum)]
    grant_types: Option<Vec<GrantType>>,
    #[arg(long = "scope")]
    scopes: Option<Vec<String>>,
    #[arg(long, value_enum)]
    auth_method: Option<AuthMethod>,
    #[arg(long)]
    jwks_uri: Option<String>,
    #[arg(long)]
    first_party: Option<bool>,
    #[arg(long)]
    backchannel_logout_uri: Option<String>,
    #[arg(long, value_enum)]
    id_token_alg: Option<SigningAlgorithm>,
    /// 0 returns to the server default.
    #[arg(long)]
    access_token_seconds: Option<i64>,
    /// 0 returns to the server default.
    #[arg(long)]
    id_token_seconds: Option<i64>,
    /// 0 returns to the server default.
    #[arg(long)]
    refresh_token_seconds: Option<i64>,
}

fn client_error(error: ClientError, id: &str) -> CliError {
    match error {
        ClientError::Invalid(e) => CliError::Invalid(e),
        ClientError::NotFound => CliError::NotFound {
            what: "client",
            key: id.to_string(),
        },
        ClientError::Storage(crate::storage::StorageError::Unavailable(_)) => CliError::Unavailable,
        ClientError::Storage(e) => CliError::Failed(e.to_string()),
    }
}

/// Runs a client command.
pub fn run(config: Config, args: ClientArgs) -> Result<(), CliError> {
    let mut config = config;
    config.argon2.workers = Some(1);
    let state = super::build_state(config)?;
    crate::storage::migrations::run_pending(&state.db)?;
    match args.command {
        ClientCommand::Create(create) => {
            let registration = registration_from(*create)?;
            let made =
                client_registry::create(&state, registration).map_err(|e| client_error(e, ""))?;
            crate::audit::record_blocking(
                &state,
                crate::audit::cli("client.created", "client", &made.client.id),
            );
            print_with_secret(&made, args.json, &state.config.issuer);
        }
        ClientCommand::List => {
            let all = client_registry::list(&state).map_err(|e| client_error(e, ""))?;
            if args.json {
                print_json(&json!(all.iter().map(client_json).collect::<Vec<_>>()));
            } else {
                println!("{:<32}  {:<19}  {:<7}  NAME", "CLIENT ID", "AUTH", "TYPE");
                for c in &all {
                    let kind = if c.first_party { "1st" } else { "3rd" };
                    println!(
                        "{:<32}  {:<19}  {:<7}  {}",
                        c.id,
                        c.auth_method.name(),
                        kind,
                        c.name
                    );
                }
            }
        }
        ClientCommand::Show { client_id } => {
            let client = client_registry::show(&state, &client_id)
                .map_err(|e| client_error(e, &client_id))?;
            print_client(&client, args.json);
        }
        ClientCommand::Update(update) => {
            let id = update.client_id.clone();
            let made = client_registry::update(&state, &id, |r| apply_update(r, *update))
                .map_err(|e| client_error(e, &id))?;
            crate::audit::record_blocking(
                &state,
                crate::audit::cli("client.updated", "client", &id),
            );
            print_with_secret(&made, args.json, &state.config.issuer);
        }
        ClientCommand::Delete { client_id } => {
            client_registry::delete(&state, &client_id).map_err(|e| client_error(e, &client_id))?;
            crate::audit::record_blocking(
                &state,
                crate::audit::cli("client.deleted", "client", &client_id),
            );
            if args.json {
                print_json(&json!({ "deleted": client_id }));
            } else {
                println!("deleted client {client_id}");
            }
        }
        ClientCommand::RotateSecret { client_id } => {
            let made = client_registry::rotate_secret(&state, &client_id)
                .map_err(|e| client_error(e, &client_id))?;
            crate::audit::record_blocking(
                &state,
                crate::audit::cli("client.secret_rotated", "client", &client_id),
            );
            print_with_secret(&made, args.json, &state.config.issuer);
        }
    }
    Ok(())
}

fn registration_from(a: CreateArgs) -> Result<Registration, CliError> {
    let auth_method = match (a.public, a.auth_method) {
        (true, Some(m)) if m != AuthMethod::None => {
            return Err(CliError::Usage(
                "--public clients authenticate with none; drop --auth-method".into(),
            ));
        }
        (public, Some(m)) => {
            let _ = public;
            m
        }
        (public, None) => client_registry::default_auth_method(public),
    };
    let grant_types = if a.grant_types.is_empty() {
        vec![GrantType::AuthorizationCode, GrantType::RefreshToken]
    } else {
        a.grant_types
    };
    let scopes = if a.scopes.is_empty() {
        DEFAULT_SCOPES.iter().map(|s| s.to_string()).collect()
    } else {
        a.scopes
    };
    Ok(Registration {
        name: a.name,
        auth_method,
        redirect_uris: a.redirect_uris,
        post_logout_redirect_uris: a.post_logout_redirect_uris,
        grant_types,
        scopes,
        jwks_uri: a.jwks_uri,
        first_party: a.first_party,
        backchannel_logout_uri: a.backchannel_logout_uri,
        id_token_alg: a.id_token_alg,
        access_token_seconds: a.access_token_seconds,
        id_token_seconds: a.id_token_seconds,
        refresh_token_seconds: a.refresh_token_seconds,
    })
}

fn non_empty(list: Vec<String>) -> Vec<String> {
    list.into_iter().filter(|s| !s.is_empty()).collect()
}

fn optional(value: String) -> Option<String> {
    (!value.is_empty()).then_some(value)
}

fn seconds(value: i64) -> Option<i64> {
    (value != 0).then_some(value)
}

fn apply_update(r: &mut Registration, u: UpdateArgs) {
    if let Some(v) = u.name {
        r.name = v;
    }
    if let Some(v) = u.redirect_uris {
        r.redirect_uris = non_empty(v);
    }
    if let Some(v) = u.post_logout_redirect_uris {
        r.post_logout_redirect_uris = non_empty(v);
    }
    if let Some(v) = u.grant_types {
        r.grant_types = v;
    }
    if let Some(v) = u.scopes {
        r.scopes = non_empty(v);
    }
    if let Some(v) = u.auth_method {
        r.auth_method = v;
    }
    if let Some(v) = u.jwks_uri {
        r.jwks_uri = optional(v);
    }
    if let Some(v) = u.first_party {
        r.first_party = v;
    }
    if let Some(v) = u.backchannel_logout_uri {
        r.backchannel_logout_uri = optional(v);
    }
    if let Some(v) = u.id_token_alg {
        r.id_token_alg = v;
    }
    if let Some(v) = u.access_token_seconds {
        r.access_token_seconds = seconds(v);
    }
    if let Some(v) = u.id_token_seconds {
        r.id_token_seconds = seconds(v);
    }
    if let Some(v) = u.refresh_token_seconds {
        r.refresh_token_seconds = seconds(v);
    }
}

/// A client as `--json` prints it (never the secret's digest).
pub fn client_json(c: &Client) -> serde_json::Value {
    json!({
        "client_id": c.id,
        "name": c.name,
        "token_endpoint_auth_method": c.auth_method.name(),
        "public": c.is_public(),
        "has_secret": c.secret_digest.is_some(),
        "redirect_uris": c.redirect_uris,
        "post_logout_redirect_uris": c.post_logout_redirect_uris,
        "grant_types": c.grant_types.iter().map(|g| g.name()).collect::<Vec<_>>(),
        "scopes": c.scopes,
        "jwks_uri": c.jwks_uri,
        "first_party": c.first_party,
        "backchannel_logout_uri": c.backchannel_logout_uri,
        "id_token_signed_response_alg": c.id_token_alg.name(),
        "access_token_seconds": c.access_token_seconds,
        "id_token_seconds": c.id_token_seconds,
        "refresh_token_seconds": c.refresh_token_seconds,
        "created_at": c.created_at,
        "updated_at": c.updated_at,
    })
}

fn print_with_secret(made: &WithSecret, as_json: bool, issuer: &str) {
    if as_json {
        let mut value = client_json(&made.client);
        if let (Some(secret), Some(map)) = (&made.secret, value.as_object_mut()) {
            map.insert("client_secret".into(), json!(secret));
        }
        print_json(&value);
        return;
    }
    print_client(&made.client, false);
    println!("issuer:         {issuer}");
    if let Some(secret) = &made.secret {
        println!("client secret:  {secret}");
        println!(
            "                (shown only now; `tessera client rotate-secret` makes a new one)"
        );
    }
}

fn print_client(c: &Client, as_json: bool) {
    if as_json {
        print_json(&client_json(c));
        return;
    }
    let list = |v: &[String]| {
        if v.is_empty() {
            "-".to_string()
        } else {
            v.join(" ")
        }
    };
    let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    println!("client id:      {}", c.id);
    println!("name:           {}", c.name);
    println!("auth method:    {}", c.auth_method.name());
    println!(
        "consent:        {}",
        if c.first_party {
            "not asked (first party)"
        } else {
            "asked"
        }
    );
    println!("redirect URIs:  {}", list(&c.redirect_uris));
    println!("logout URIs:    {}", list(&c.post_logout_redirect_uris));
    println!(
        "grant types:    {}",
        c.grant_types
            .iter()
            .map(|g| g.name())
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!("scopes:         {}", list(&c.scopes));
    println!("jwks URI:       {}", dash(&c.jwks_uri));
    println!("back-channel:   {}", dash(&c.backchannel_logout_uri));
    println!("ID token alg:   {}", c.id_token_alg.name());
    println!("created:        {}", timestamp(c.created_at));
}
