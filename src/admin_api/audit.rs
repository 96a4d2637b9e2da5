//! `/admin/v1/audit-events`: the audit log, newest first, with filters.

use super::caller::Caller;
use super::problem::{ApiError, Problem};
use super::{PageQuery, page, time};
use crate::app::AppState;
use crate::domain::FieldError;
use crate::storage::audit_events::{AuditFilter, AuditRecord};
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

/// An audit event.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEventOut {
    pub id: String,
    pub occurred_at: String,
    pub action: String,
    /// success or failure.
    pub outcome: String,
    pub reason: Option<String>,
    /// user, anonymous, client, cli, api_key or system.
    pub actor_type: String,
    pub actor_id: Option<String>,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub organization_id: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub details: Value,
}

impl From<AuditRecord> for AuditEventOut {
    fn from(r: AuditRecord) -> Self {
        Self {
            details: serde_json::from_str(&r.details).unwrap_or(Value::Null),
            id: r.id,
            occurred_at: time(r.occurred_at),
            action: r.action,
            outcome: r.outcome,
            reason: r.reason,
            actor_type: r.actor_type,
            actor_id: r.actor_id,
            target_type: r.target_type,
            target_id: r.target_id,
            organization_id: r.organization_id,
            ip: r.ip,
            user_agent: r.user_agent,
        }
    }
}

/// A page of audit events.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEventPage {
    pub data: Vec<AuditEventOut>,
    pub next_cursor: Option<String>,
}

/// Filters of the audit log.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default, deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// An exact action, or a prefix ending in `.` (`user.`).
    pub action: Option<String>,
    pub actor_id: Option<String>,
    pub target_id: Option<String>,
    /// An organization's id.
    pub organization_id: Option<String>,
    /// success or failure.
    pub outcome: Option<String>,
    /// Events at or after this time (RFC 3339).
    pub since: Option<String>,
    /// Events before this time (RFC 3339).
    pub until: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

fn parse_time(field: &'static str, text: &str) -> Result<i64, ApiError> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.timestamp())
        .map_err(|_| FieldError::new(field, "must be an RFC 3339 time").into())
}

fn short(field: &'static str, value: &Option<String>) -> Result<Option<String>, ApiError> {
    match value {
        Some(v) if v.len() > 200 => Err(FieldError::new(field, "is too long").into()),
        other => Ok(other.clone()),
    }
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/audit-events", web::get().to(list));
}

/// List audit events, newest first.
#[utoipa::path(get, path = "/admin/v1/audit-events", tag = "audit", params(AuditQuery),
    responses((status = 200, body = AuditEventPage), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json"), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 503, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = ["audit:read"])))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require("audit:read")?;
    let (size, position) = PageQuery::of(query.limit, &query.cursor)?;
    if let Some(outcome) = &query.outcome
        && outcome != "success"
        && outcome != "failure"
    {
        return Err(FieldError::new("outcome", "must be success or failure").into());
    }
    let filter = AuditFilter {
        action: short("action", &query.action)?,
        actor_id: short("actor_id", &query.actor_id)?,
        target_id: short("target_id", &query.target_id)?,
        organization_id: short("organization_id", &query.organization_id)?,
        outcome: query.outcome.clone(),
        since: query
            .since
            .as_deref()
            .map(|t| parse_time("since", t))
            .transpose()?,
        until: query
            .until
            .as_deref()
            .map(|t| parse_time("until", t))
            .transpose()?,
        before: position,
        limit: size + 1,
    };
    let rows = crate::audit::list(&state, filter).await?;
    let (data, next_cursor) = page(rows, size, |r| r.id.clone(), AuditEventOut::from);
    Ok(HttpResponse::Ok().json(AuditEventPage { data, next_cursor }))
}
