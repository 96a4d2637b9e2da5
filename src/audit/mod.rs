//! The audit log: who did what to what, when, from where, and whether it worked. Events are
//! appended (never changed) and removed only by the retention sweep (`audit.retention_days`).
//! An event names people and things by id and carries a short reason; it never carries a secret,
//! a token or a password. Recording never fails the operation it records: a write that fails is
//! logged instead.

use crate::accounts::ClientInfo;
use crate::app::AppState;
use crate::storage::DbConnection;
use crate::storage::audit_events::{self, AuditFilter, AuditRecord};

/// Who acted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A signed-in user (their id).
    User(String),
    /// Someone not signed in (a failed sign-in, a sign-up).
    Anonymous,
    /// An OAuth client (its id).
    Client(String),
    /// An operator at the command line.
    Cli,
    /// An admin API key (its id).
    ApiKey(String),
    /// A directory over SCIM (its token's id).
    Directory(String),
    /// Tessera itself (a sweep, a detected token reuse).
    System,
    /// An organization's IdP over a SAML connection (the connection's id).
    Saml(String),
}

impl Actor {
    fn parts(&self) -> (&'static str, Option<String>) {
        match self {
            Actor::User(id) => ("user", Some(id.clone())),
            Actor::Anonymous => ("anonymous", None),
            Actor::Client(id) => ("client", Some(id.clone())),
            Actor::Cli => ("cli", None),
            Actor::ApiKey(id) => ("api_key", Some(id.clone())),
            Actor::Directory(id) => ("scim_token", Some(id.clone())),
            Actor::System => ("system", None),
            Actor::Saml(id) => ("saml_connection", Some(id.clone())),
        }
    }
}

/// One event, built fluently: `Event::new("user.signed_in", actor).target("user", id)`.
#[derive(Debug, Clone)]
pub struct Event {
    action: &'static str,
    actor: Actor,
    failure: Option<String>,
    target: Option<(&'static str, String)>,
    organization_id: Option<String>,
    client: Option<ClientInfo>,
    details: serde_json::Map<String, serde_json::Value>,
}

impl Event {
    /// An event that succeeded.
    pub fn new(action: &'static str, actor: Actor) -> Self {
        Self {
            action,
            actor,
            failure: None,
            target: None,
            organization_id: None,
            client: None,
            details: serde_json::Map::new(),
        }
    }

    /// Marks it failed, with a short machine-readable reason (`bad_credentials`).
    pub fn failed(mut self, reason: &str) -> Self {
        self.failure = Some(reason.chars().take(100).collect());
        self
    }

    pub fn target(mut self, kind: &'static str, id: impl Into<String>) -> Self {
        self.target = Some((kind, id.into()));
        self
    }

    pub fn organization(mut self, id: impl Into<String>) -> Self {
        self.organization_id = Some(id.into());
        self
    }

    /// Where the request came from (address and user agent).
    pub fn from(mut self, client: &ClientInfo) -> Self {
        self.client = Some(client.clone());
        self
    }

    /// A detail worth keeping (never a secret).
    pub fn detail(mut self, key: &str, value: impl Into<serde_json::Value>) -> Self {
        self.details.insert(key.into(), value.into());
        self
    }

    fn into_record(self, now: i64) -> AuditRecord {
        let (actor_type, actor_id) = self.actor.parts();
        let (target_type, target_id) = match self.target {
            Some((kind, id)) => (Some(kind.to_string()), Some(id)),
            None => (None, None),
        };
        AuditRecord {
            id: uuid::Uuid::now_v7().to_string(),
            occurred_at: now,
            action: self.action.to_string(),
            outcome: if self.failure.is_some() {
                "failure".into()
            } else {
                "success".into()
            },
            reason: self.failure,
            actor_type: actor_type.into(),
            actor_id,
            target_type,
            target_id,
            organization_id: self.organization_id,
            ip: self.client.as_ref().map(|c| c.ip.to_string()),
            user_agent: self.client.as_ref().and_then(|c| c.short_user_agent()),
            details: serde_json::Value::Object(self.details).to_string(),
        }
    }
}

/// Appends an event; a failure to write is logged, never returned.
pub async fn record(state: &AppState, event: Event) {
    let action = event.action;
    let record = event.into_record(state.clock.now());
    if let Err(error) = state
        .db
        .run(move |conn| audit_events::insert(conn, &record))
        .await
    {
        tracing::error!(%error, action, "could not write an audit event");
    }
}

/// [`record`] from code that is not async (the CLI's synchronous commands).
pub fn record_blocking(state: &AppState, event: Event) {
    let action = event.action;
    let record = event.into_record(state.clock.now());
    if let Err(error) = state
        .db
        .run_blocking(|conn| audit_events::insert(conn, &record))
    {
        tracing::error!(%error, action, "could not write an audit event");
    }
}

/// An operator's change at the command line.
pub fn cli(action: &'static str, target_kind: &'static str, target_id: &str) -> Event {
    Event::new(action, Actor::Cli).target(target_kind, target_id)
}

/// Appends an event inside a caller's transaction (it commits or rolls back with the change). A
/// failed write is undone alone (a savepoint) and logged; the change goes on.
pub fn record_in(
    conn: &mut DbConnection,
    event: Event,
    now: i64,
) -> crate::storage::StorageResult<()> {
    let action = event.action;
    let record = event.into_record(now);
    let written = crate::storage::write_transaction(conn, |c| audit_events::insert(c, &record));
    if let Err(error) = written {
        tracing::error!(%error, action, "could not write an audit event");
    }
    Ok(())
}

/// Events matching a filter, newest first.
pub async fn list(
    state: &AppState,
    filter: AuditFilter,
) -> Result<Vec<AuditRecord>, crate::storage::StorageError> {
    state
        .db
        .run(move |conn| audit_events::list(conn, &filter))
        .await
}

/// Deletes events past the retention period; returns how many.
pub async fn sweep(state: &AppState) -> Result<usize, crate::storage::StorageError> {
    let cutoff = state.clock.now() - state.config.audit.retention_days * 24 * 3600;
    state
        .db
        .run(move |conn| audit_events::delete_older_than(conn, cutoff))
        .await
}
