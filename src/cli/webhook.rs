//! `tessera webhook add|list|show|update|delete|rotate-secret|deliveries|attempts|redeliver`

use super::exit::CliError;
use super::org::with_state;
use super::output::{print_json, timestamp};
use crate::app::AppState;
use crate::config::Config;
use crate::webhooks::endpoints::{self, Endpoint, EndpointInput, WebhookError};
use clap::{Args, Subcommand};
use serde_json::json;

#[derive(Debug, Args)]
pub struct WebhookArgs {
    /// Print JSON instead of text (errors too, on stderr).
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: WebhookCommand,
}

#[derive(Debug, Subcommand)]
pub enum WebhookCommand {
    /// Register an endpoint; prints its signing secret once.
    Add {
        /// Where events are POSTed (https; http only on a loopback host).
        #[arg(long)]
        url: String,
        /// An event type to send (repeatable; `user.*` for a family; none: every event).
        #[arg(long = "event")]
        events: Vec<String>,
        #[arg(long, default_value = "")]
        description: String,
    },
    /// List the endpoints.
    List,
    /// Show one endpoint.
    Show { endpoint: String },
    /// Change an endpoint.
    Update {
        endpoint: String,
        #[arg(long)]
        url: Option<String>,
        /// Replaces the event filter (repeatable).
        #[arg(long = "event")]
        events: Vec<String>,
        /// Send every event type again.
        #[arg(long, conflicts_with = "events")]
        all_events: bool,
        #[arg(long)]
        description: Option<String>,
        #[arg(long, conflicts_with = "enable")]
        disable: bool,
        #[arg(long)]
        enable: bool,
    },
    /// Delete an endpoint with its delivery log.
    Delete { endpoint: String },
    /// Give an endpoint a new signing secret (printed once); the old one stops at once.
    RotateSecret { endpoint: String },
    /// The deliveries to an endpoint, newest first.
    Deliveries {
        endpoint: String,
        /// pending, delivered or failed.
        #[arg(long)]
        state: Option<String>,
        /// Only deliveries older than this delivery id (the next page).
        #[arg(long)]
        before: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// The tries of one delivery, with the receiver's answers.
    Attempts { delivery: String },
    /// Send a delivery again now.
    Redeliver { delivery: String },
}

fn webhook_error(error: WebhookError, key: &str) -> CliError {
    match error {
        WebhookError::Invalid(field) => CliError::Invalid(field),
        WebhookError::NotFound(what) => CliError::NotFound {
            what,
            key: key.to_string(),
        },
        WebhookError::Busy => CliError::Conflict(error.to_string()),
        WebhookError::Unavailable => CliError::Unavailable,
        WebhookError::Internal(reason) => CliError::Failed(reason),
    }
}

fn endpoint_json(e: &Endpoint) -> serde_json::Value {
    json!({
        "id": e.id,
        "url": e.url,
        "description": e.description,
        "event_types": e.event_types,
        "disabled": e.disabled,
        "created_at": timestamp(e.created_at),
        "updated_at": timestamp(e.updated_at),
    })
}

fn show(e: &Endpoint, json: bool) {
    if json {
        print_json(&endpoint_json(e));
        return;
    }
    let events = if e.event_types.is_empty() {
        "every event".to_string()
    } else {
        e.event_types.join(", ")
    };
    let state = if e.disabled { " (disabled)" } else { "" };
    println!("{}  {}{state}\n  events: {events}", e.id, e.url);
    if !e.description.is_empty() {
        println!("  {}", e.description);
    }
}

fn audit(action: &'static str, id: &str) -> crate::audit::Event {
    let kind = if action == "webhook.redelivered" {
        "webhook_delivery"
    } else {
        "webhook_endpoint"
    };
    crate::audit::cli(action, kind, id)
}

/// Runs a webhook command.
pub fn run(config: Config, args: WebhookArgs) -> Result<(), CliError> {
    let json = args.json;
    with_state(config, async move |state: &AppState| match args.command {
        WebhookCommand::Add {
            url,
            events,
            description,
        } => {
            let input = EndpointInput {
                url: Some(url),
                description: Some(description),
                event_types: Some(events),
                disabled: None,
            };
            let (endpoint, secret) = endpoints::create(state, input)
                .await
                .map_err(|e| webhook_error(e, ""))?;
            crate::audit::record(state, audit("webhook.created", &endpoint.id)).await;
            if json {
                let mut value = endpoint_json(&endpoint);
                value["secret"] = json!(secret);
                print_json(&value);
            } else {
                show(&endpoint, false);
                println!("  secret: {secret}\n  (shown once: store it now)");
            }
            Ok(())
        }
        WebhookCommand::List => {
            let all = endpoints::list(state)
                .await
                .map_err(|e| webhook_error(e, ""))?;
            if json {
                print_json(&json!(all.iter().map(endpoint_json).collect::<Vec<_>>()));
            } else {
                for e in &all {
                    show(e, false);
                }
            }
            Ok(())
        }
        WebhookCommand::Show { endpoint } => {
            let found = endpoints::find(state, &endpoint)
                .await
                .map_err(|e| webhook_error(e, &endpoint))?;
            show(&found, json);
            Ok(())
        }
        WebhookCommand::Update {
            endpoint,
            url,
            events,
            all_events,
            description,
            disable,
            enable,
        } => {
            let input = EndpointInput {
                url,
                description,
                event_types: if all_events {
                    Some(Vec::new())
                } else if events.is_empty() {
                    None
                } else {
                    Some(events)
                },
                disabled: if disable {
                    Some(true)
                } else if enable {
                    Some(false)
                } else {
                    None
                },
            };
            let updated = endpoints::update(state, &endpoint, input)
                .await
                .map_err(|e| webhook_error(e, &endpoint))?;
            crate::audit::record(state, audit("webhook.updated", &updated.id)).await;
            show(&updated, json);
            Ok(())
        }
        WebhookCommand::Delete { endpoint } => {
            let deleted = endpoints::delete(state, &endpoint)
                .await
                .map_err(|e| webhook_error(e, &endpoint))?;
            crate::audit::record(state, audit("webhook.deleted", &deleted.id)).await;
            if json {
                print_json(&json!({ "deleted": deleted.id }));
            } else {
                println!("deleted {}", deleted.id);
            }
            Ok(())
        }
        WebhookCommand::RotateSecret { endpoint } => {
            let secret = endpoints::rotate_secret(state, &endpoint)
                .await
                .map_err(|e| webhook_error(e, &endpoint))?;
            crate::audit::record(state, audit("webhook.secret_rotated", &endpoint)).await;
            if json {
                print_json(&json!({ "id": endpoint, "secret": secret }));
            } else {
                println!("secret: {secret}\n(shown once: store it now)");
            }
            Ok(())
        }
        WebhookCommand::Deliveries {
            endpoint,
            state: only,
            before,
            limit,
        } => {
            let list = endpoints::deliveries(state, &endpoint, only, before, limit)
                .await
                .map_err(|e| webhook_error(e, &endpoint))?;
            if json {
                print_json(&json!(list));
            } else {
                for d in &list {
                    let last = d
                        .last_error
                        .as_deref()
                        .map(|e| format!("  ({e})"))
                        .unwrap_or_default();
                    println!(
                        "{}  {:<9}  {:<32}  tries {}  {}{last}",
                        d.id,
                        d.state,
                        d.event_type,
                        d.attempts,
                        timestamp(d.created_at)
                    );
                }
            }
            Ok(())
        }
        WebhookCommand::Attempts { delivery } => {
            let tries = endpoints::attempts(state, &delivery)
                .await
                .map_err(|e| webhook_error(e, &delivery))?;
            if json {
                print_json(&json!(
                    tries
                        .iter()
                        .map(|a| json!({
                            "attempted_at": timestamp(a.attempted_at),
                            "status_code": a.status_code,
                            "error": a.error,
                            "response_excerpt": a.response_excerpt,
                            "duration_ms": a.duration_ms,
                        }))
                        .collect::<Vec<_>>()
                ));
            } else {
                for a in &tries {
                    let status = a
                        .status_code
                        .map_or_else(|| "-".to_string(), |s| s.to_string());
                    println!(
                        "{}  status {status}  {} ms  {}",
                        timestamp(a.attempted_at),
                        a.duration_ms,
                        a.error.as_deref().unwrap_or("delivered")
                    );
                }
            }
            Ok(())
        }
        WebhookCommand::Redeliver { delivery } => {
            endpoints::redeliver(state, &delivery)
                .await
                .map_err(|e| webhook_error(e, &delivery))?;
            crate::audit::record(state, audit("webhook.redelivered", &delivery)).await;
            if json {
                print_json(&json!({ "redelivering": delivery }));
            } else {
                println!("{delivery} will be sent again");
            }
            Ok(())
        }
    })
}
