//! The `audit_events` table: inserted, listed with filters, deleted past retention. Never updated.

use super::schema::audit_events;
use super::{DbConnection, StorageResult};
use crate::clock::UnixTime;
use diesel::prelude::*;

/// A stored audit event.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = audit_events)]
pub struct AuditRecord {
    pub id: String,
    pub occurred_at: i64,
    pub action: String,
    pub outcome: String,
    pub reason: Option<String>,
    pub actor_type: String,
    pub actor_id: Option<String>,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub organization_id: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub details: String,
}

/// What to list.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// An exact action, or a prefix ending in `.` (`user.`).
    pub action: Option<String>,
    pub actor_id: Option<String>,
    pub target_id: Option<String>,
    pub organization_id: Option<String>,
    pub outcome: Option<String>,
    pub since: Option<UnixTime>,
    pub until: Option<UnixTime>,
    /// Only events older than this event id (the cursor of the previous page).
    pub before: Option<String>,
    pub limit: i64,
}

pub fn insert(conn: &mut DbConnection, record: &AuditRecord) -> StorageResult<()> {
    diesel::insert_into(audit_events::table)
        .values(record)
        .execute(conn)?;
    Ok(())
}

/// Events matching the filter, newest first (ids are time-ordered UUIDv7).
pub fn list(conn: &mut DbConnection, filter: &AuditFilter) -> StorageResult<Vec<AuditRecord>> {
    let mut query = audit_events::table
        .select(AuditRecord::as_select())
        .order(audit_events::id.desc())
        .limit(filter.limit.clamp(1, 1000))
        .into_boxed();
    if let Some(action) = &filter.action {
        if let Some(prefix) = action.strip_suffix('.') {
            let pattern = format!("{}.%", super::like_escaped(prefix));
            query = query.filter(audit_events::action.like(pattern).escape('\\'));
        } else {
            query = query.filter(audit_events::action.eq(action.clone()));
        }
    }
    if let Some(actor) = &filter.actor_id {
        query = query.filter(audit_events::actor_id.eq(actor.clone()));
    }
    if let Some(target) = &filter.target_id {
        query = query.filter(audit_events::target_id.eq(target.clone()));
    }
    if let Some(org) = &filter.organization_id {
        query = query.filter(audit_events::organization_id.eq(org.clone()));
    }
    if let Some(outcome) = &filter.outcome {
        query = query.filter(audit_events::outcome.eq(outcome.clone()));
    }
    if let Some(since) = filter.since {
        query = query.filter(audit_events::occurred_at.ge(since));
    }
    if let Some(until) = filter.until {
        query = query.filter(audit_events::occurred_at.lt(until));
    }
    if let Some(before) = &filter.before {
        query = query.filter(audit_events::id.lt(before.clone()));
    }
    Ok(query.load(conn)?)
}

/// Deletes events older than `cutoff`; returns how many.
pub fn delete_older_than(conn: &mut DbConnection, cutoff: UnixTime) -> StorageResult<usize> {
    Ok(
        diesel::delete(audit_events::table.filter(audit_events::occurred_at.lt(cutoff)))
            .execute(conn)?,
    )
}
