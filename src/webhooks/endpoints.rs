//! Webhook endpoints and their delivery log: the operations the CLI and the admin API share.
//! The signing secret is shown once, when made, and kept sealed with the master key.

use super::signature;
use crate::app::AppState;
use crate::domain::FieldError;
use crate::storage::StorageError;
use crate::storage::webhooks::{self as store, AttemptRow, DeliveryRow, EndpointRow};

/// Why a webhook operation failed.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("{0}")]
    Invalid(FieldError),
    #[error("no {0} matches")]
    NotFound(&'static str),
    #[error("a worker is sending it right now; try again in a minute")]
    Busy,
    #[error("the database is unavailable")]
    Unavailable,
    #[error("{0}")]
    Internal(String),
}

impl From<FieldError> for WebhookError {
    fn from(error: FieldError) -> Self {
        WebhookError::Invalid(error)
    }
}

impl From<StorageError> for WebhookError {
    fn from(error: StorageError) -> Self {
        match error {
            StorageError::Unavailable(_) => WebhookError::Unavailable,
            StorageError::NotFound => WebhookError::NotFound("record"),
            other => WebhookError::Internal(other.to_string()),
        }
    }
}

/// An endpoint as shown (never its secret).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Endpoint {
    pub id: String,
    pub url: String,
    pub description: String,
    /// Empty: every event.
    pub event_types: Vec<String>,
    pub disabled: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

impl From<EndpointRow> for Endpoint {
    fn from(row: EndpointRow) -> Self {
        Self {
            event_types: super::parse_filter(&row.event_types).unwrap_or_default(),
            id: row.id,
            url: row.url,
            description: row.description,
            disabled: row.disabled,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// What to register or change; `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub struct EndpointInput {
    pub url: Option<String>,
    pub description: Option<String>,
    /// `Some(vec![])` means every event.
    pub event_types: Option<Vec<String>>,
    pub disabled: Option<bool>,
}

fn check_url(url: &str) -> Result<String, FieldError> {
    let checked = crate::domain::client::check_server_uri("url", url.trim())?;
    if url::Url::parse(&checked).is_ok_and(|u| !u.username().is_empty() || u.password().is_some()) {
        return Err(FieldError::new(
            "url",
            "must not carry a user name or password; the signature authenticates Tessera",
        ));
    }
    Ok(checked)
}

fn check_description(text: &str) -> Result<String, FieldError> {
    let text = text.trim();
    if text.chars().count() > 200 || text.chars().any(char::is_control) {
        return Err(FieldError::new(
            "description",
            "must be at most 200 characters without control characters",
        ));
    }
    Ok(text.to_string())
}

/// Checks an event filter: known event types, or a known family as `family.*`.
pub fn check_event_types(types: &[String]) -> Result<Vec<String>, FieldError> {
    let mut checked: Vec<String> = Vec::new();
    for t in types {
        let t = t.trim();
        let known = match t.strip_suffix(".*") {
            Some(family) => super::EVENT_TYPES
                .iter()
                .any(|e| e.split('.').next() == Some(family)),
            None => super::EVENT_TYPES.contains(&t),
        };
        if !known {
            return Err(FieldError::new(
                "event",
                format!(
                    "{t:?} is not an event type; known: {}, or a family such as user.*",
                    super::EVENT_TYPES.join(", ")
                ),
            ));
        }
        if !checked.iter().any(|c| c == t) {
            checked.push(t.to_string());
        }
    }
    Ok(checked)
}

fn seal(state: &AppState, endpoint_id: &str, secret: &str) -> Result<String, WebhookError> {
    state
        .keys
        .master()
        .seal(&format!("webhook:{endpoint_id}"), secret.as_bytes())
        .map_err(|e| WebhookError::Internal(e.to_string()))
}

/// The signing key of an endpoint, opened from its sealed secret.
pub fn signing_key(state: &AppState, row: &EndpointRow) -> Result<Vec<u8>, WebhookError> {
    let secret = state
        .keys
        .master()
        .open(&format!("webhook:{}", row.id), &row.sealed_secret)
        .map_err(|e| WebhookError::Internal(format!("endpoint secret: {e}")))?;
    String::from_utf8(secret)
        .ok()
        .as_deref()
        .and_then(signature::secret_key)
        .ok_or_else(|| WebhookError::Internal("endpoint secret is malformed".into()))
}

/// Registers an endpoint; returns it with its signing secret (shown once).
pub async fn create(
    state: &AppState,
    input: EndpointInput,
) -> Result<(Endpoint, String), WebhookError> {
    let url = check_url(input.url.as_deref().unwrap_or_default())?;
    let description = check_description(input.description.as_deref().unwrap_or_default())?;
    let event_types = check_event_types(&input.event_types.unwrap_or_default())?;
    let now = state.clock.now();
    let id = format!("ep_{}", uuid::Uuid::now_v7().simple());
    let secret = signature::new_secret();
    let row = EndpointRow {
        sealed_secret: seal(state, &id, &secret)?,
        id,
        url,
        description,
        event_types: serde_json::json!(event_types).to_string(),
        disabled: input.disabled.unwrap_or(false),
        created_at: now,
        updated_at: now,
    };
    let stored = row.clone();
    state
        .db
        .run(move |conn| store::insert_endpoint(conn, &stored))
        .await?;
    Ok((row.into(), secret))
}

async fn find_row(state: &AppState, id: &str) -> Result<EndpointRow, WebhookError> {
    if id.is_empty() || id.len() > 100 {
        return Err(WebhookError::NotFound("webhook endpoint"));
    }
    let id = id.to_string();
    state
        .db
        .run(move |conn| store::find_endpoint(conn, &id))
        .await?
        .ok_or(WebhookError::NotFound("webhook endpoint"))
}

/// One endpoint.
pub async fn find(state: &AppState, id: &str) -> Result<Endpoint, WebhookError> {
    Ok(find_row(state, id).await?.into())
}

/// Every endpoint, oldest first.
pub async fn list(state: &AppState) -> Result<Vec<Endpoint>, WebhookError> {
    let rows = state.db.run(store::endpoints).await?;
    Ok(rows.into_iter().map(Endpoint::from).collect())
}

/// Changes an endpoint.
pub async fn update(
    state: &AppState,
    id: &str,
    input: EndpointInput,
) -> Result<Endpoint, WebhookError> {
    let mut row = find_row(state, id).await?;
    if let Some(url) = &input.url {
        row.url = check_url(url)?;
    }
    if let Some(description) = &input.description {
        row.description = check_description(description)?;
    }
    if let Some(types) = &input.event_types {
        row.event_types = serde_json::json!(check_event_types(types)?).to_string();
    }
    if let Some(disabled) = input.disabled {
        row.disabled = disabled;
    }
    row.updated_at = state.clock.now();
    let stored = row.clone();
    state
        .db
        .run(move |conn| store::update_endpoint(conn, &stored))
        .await?;
    Ok(row.into())
}

/// Gives an endpoint a new signing secret (shown once); the old one stops at once.
pub async fn rotate_secret(state: &AppState, id: &str) -> Result<String, WebhookError> {
    let row = find_row(state, id).await?;
    let secret = signature::new_secret();
    let sealed = seal(state, &row.id, &secret)?;
    let now = state.clock.now();
    state
        .db
        .run(move |conn| store::set_secret(conn, &row.id, &sealed, now))
        .await?;
    Ok(secret)
}

/// Deletes an endpoint with its pending deliveries and log.
pub async fn delete(state: &AppState, id: &str) -> Result<Endpoint, WebhookError> {
    let row = find_row(state, id).await?;
    let key = row.id.clone();
    state
        .db
        .run(move |conn| store::delete_endpoint(conn, &key))
        .await?;
    Ok(row.into())
}

/// A delivery as shown, with its event type.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Delivery {
    pub id: String,
    pub message_id: String,
    pub endpoint_id: String,
    pub event_type: String,
    pub state: String,
    pub attempts: i64,
    pub next_attempt_at: Option<i64>,
    pub give_up_at: i64,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Delivery {
    fn from_row(row: DeliveryRow, event_type: String) -> Self {
        Self {
            next_attempt_at: (row.state == store::PENDING).then_some(row.next_attempt_at),
            id: row.id,
            message_id: row.message_id,
            endpoint_id: row.endpoint_id,
            event_type,
            state: row.state,
            attempts: row.attempts,
            give_up_at: row.give_up_at,
            last_status: row.last_status,
            last_error: row.last_error,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// The deliveries of an endpoint, newest first; `state` narrows them, `before` pages.
pub async fn deliveries(
    state: &AppState,
    endpoint_id: &str,
    only: Option<String>,
    before: Option<String>,
    limit: i64,
) -> Result<Vec<Delivery>, WebhookError> {
    if let Some(s) = &only
        && ![store::PENDING, store::DELIVERED, store::FAILED].contains(&s.as_str())
    {
        return Err(FieldError::new("state", "must be pending, delivered or failed").into());
    }
    let endpoint = find_row(state, endpoint_id).await?;
    let rows = state
        .db
        .run(move |conn| {
            store::deliveries(
                conn,
                &endpoint.id,
                only.as_deref(),
                before.as_deref(),
                limit,
            )
        })
        .await?;
    Ok(rows
        .into_iter()
        .map(|(row, event_type)| Delivery::from_row(row, event_type))
        .collect())
}

/// The tries of one delivery, oldest first.
pub async fn attempts(
    state: &AppState,
    delivery_id: &str,
) -> Result<Vec<AttemptRow>, WebhookError> {
    let id = delivery_id.to_string();
    state
        .db
        .run(move |conn| {
            if store::find_delivery(conn, &id)?.is_none() {
                return Ok(None);
            }
            store::attempts(conn, &id).map(Some)
        })
        .await?
        .ok_or(WebhookError::NotFound("delivery"))
}

/// Sends a delivery again now (delivered, failed or pending), with a fresh retry window.
pub async fn redeliver(state: &AppState, delivery_id: &str) -> Result<(), WebhookError> {
    if delivery_id.is_empty() || delivery_id.len() > 100 {
        return Err(WebhookError::NotFound("delivery"));
    }
    let id = delivery_id.to_string();
    let now = state.clock.now();
    let outcome = state
        .db
        .run(move |conn| store::redeliver(conn, &id, now, now + super::RETRY_WINDOW_SECONDS))
        .await?;
    match outcome {
        store::Redelivery::Scheduled => Ok(()),
        store::Redelivery::Busy => Err(WebhookError::Busy),
        store::Redelivery::NotFound => Err(WebhookError::NotFound("delivery")),
    }
}
