//! Webhooks, after the Standard Webhooks specification. A change that others may want to hear
//! about calls [`emit_in`] inside its own transaction: the event is stored in the outbox with one
//! delivery per endpoint that wants it, and commits or rolls back with the change. The worker
//! (`worker.rs`) sends due deliveries, signs each try (`signature.rs`), retries with backoff for
//! up to a day and logs every try. Endpoints are managed in `endpoints.rs`.

pub mod endpoints;
pub mod signature;
pub mod worker;

use crate::clock::UnixTime;
use crate::storage::webhooks::{self as store, DeliveryRow, MessageRow, PENDING};
use crate::storage::{DbConnection, StorageResult};
use serde_json::{Value, json};

/// Every event type Tessera sends.
pub const EVENT_TYPES: &[&str] = &[
    "user.created",
    "user.updated",
    "user.deleted",
    "session.created",
    "session.ended",
    "organization.created",
    "organization.updated",
    "organization.deleted",
    "organizationMembership.created",
    "organizationMembership.updated",
    "organizationMembership.deleted",
    "organizationInvitation.created",
    "organizationInvitation.accepted",
    "organizationInvitation.revoked",
];

/// How long a delivery is retried before it is given up.
pub const RETRY_WINDOW_SECONDS: i64 = 24 * 3600;

/// Whether an endpoint's filter (exact types or `family.*`; empty for all) takes this event type;
/// an unreadable filter takes nothing.
pub fn wants(filter: Option<&[String]>, event_type: &str) -> bool {
    let Some(filter) = filter else {
        return false;
    };
    filter.is_empty()
        || filter.iter().any(|f| match f.strip_suffix(".*") {
            Some(family) => event_type
                .strip_prefix(family)
                .is_some_and(|rest| rest.starts_with('.')),
            None => f == event_type,
        })
}

/// The event types of a filter as stored (a JSON array); `None` when unreadable.
pub fn parse_filter(stored: &str) -> Option<Vec<String>> {
    serde_json::from_str(stored).ok()
}

/// Writes an event to the outbox for every enabled endpoint that wants it, inside the caller's
/// transaction. Nothing is stored when no endpoint wants it. A failure fails the change.
pub fn emit_in(
    conn: &mut DbConnection,
    now: UnixTime,
    event_type: &'static str,
    data: Value,
) -> StorageResult<()> {
    let targets: Vec<String> = store::enabled_endpoints(conn)?
        .into_iter()
        .filter(|e| wants(parse_filter(&e.event_types).as_deref(), event_type))
        .map(|e| e.id)
        .collect();
    if targets.is_empty() {
        return Ok(());
    }
    let message = MessageRow {
        id: format!("msg_{}", uuid::Uuid::now_v7().simple()),
        event_type: event_type.to_string(),
        body: json!({
            "type": event_type,
            "timestamp": timestamp(now),
            "data": data,
        })
        .to_string(),
        created_at: now,
    };
    let deliveries: Vec<DeliveryRow> = targets
        .into_iter()
        .map(|endpoint_id| DeliveryRow {
            id: uuid::Uuid::now_v7().to_string(),
            message_id: message.id.clone(),
            endpoint_id,
            state: PENDING.into(),
            attempts: 0,
            next_attempt_at: now,
            held_until: 0,
            claim_token: None,
            give_up_at: now + RETRY_WINDOW_SECONDS,
            last_status: None,
            last_error: None,
            created_at: now,
            updated_at: now,
        })
        .collect();
    store::insert_message(conn, &message, &deliveries)
}

/// RFC 3339 in UTC, as the payload's `timestamp`.
pub fn timestamp(at: UnixTime) -> String {
    chrono::DateTime::from_timestamp(at, 0)
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// The `data` of `user.*` events: the public profile, never a secret.
pub fn user_data(user: &crate::domain::user::User) -> Value {
    json!({
        "id": user.id,
        "email": user.email.as_str(),
        "email_verified": user.email_verified,
        "username": user.username,
        "name": user.name,
        "given_name": user.given_name,
        "family_name": user.family_name,
        "picture": user.picture,
        "locale": user.locale,
        "public_metadata": user.public_metadata,
        "disabled": user.disabled,
        "created_at": timestamp(user.created_at),
        "updated_at": timestamp(user.updated_at),
    })
}

/// Emits `user.created`, `user.updated` or `user.deleted` for this user.
pub fn user_event_in(
    conn: &mut DbConnection,
    now: UnixTime,
    event_type: &'static str,
    user: &crate::domain::user::User,
) -> StorageResult<()> {
    emit_in(conn, now, event_type, user_data(user))
}

/// Emits `session.created`.
pub fn session_created_in(
    conn: &mut DbConnection,
    now: UnixTime,
    session: &crate::storage::sessions::SessionRecord,
) -> StorageResult<()> {
    emit_in(
        conn,
        now,
        "session.created",
        json!({
            "id": session.id,
            "user_id": session.user_id,
            "created_at": timestamp(session.created_at),
            "expires_at": timestamp(session.expires_at),
        }),
    )
}

/// Emits `session.ended` for each of these sessions of a user, with why they ended
/// (`signed_out`, `revoked`, `password_changed`, `password_reset`, `user_disabled`,
/// `user_deleted`, `replaced`).
pub fn sessions_ended_in(
    conn: &mut DbConnection,
    now: UnixTime,
    user_id: &str,
    session_ids: &[String],
    reason: &str,
) -> StorageResult<()> {
    for id in session_ids {
        emit_in(
            conn,
            now,
            "session.ended",
            json!({
                "id": id,
                "user_id": user_id,
                "reason": reason,
                "ended_at": timestamp(now),
            }),
        )?;
    }
    Ok(())
}

/// The `data` of `organization.*` events.
pub fn organization_data(org: &crate::domain::organization::Organization) -> Value {
    json!({
        "id": org.id,
        "slug": org.slug,
        "name": org.name,
        "logo_url": org.logo_url,
        "public_metadata": org.public_metadata,
        "default_role": org.default_role,
        "created_at": timestamp(org.created_at),
        "updated_at": timestamp(org.updated_at),
    })
}

/// The `data` of `organizationInvitation.*` events (never the link).
pub fn invitation_data(i: &crate::storage::invitations::InvitationRow) -> Value {
    json!({
        "id": i.id,
        "organization_id": i.organization_id,
        "email": i.email,
        "role": i.role_key,
        "state": i.state,
        "invited_by": i.invited_by,
        "accepted_by": i.accepted_by,
        "created_at": timestamp(i.created_at),
        "expires_at": timestamp(i.expires_at),
    })
}

/// The `data` of `organizationMembership.*` events.
pub fn membership_data(m: &crate::domain::organization::Membership) -> Value {
    json!({
        "organization_id": m.organization_id,
        "user_id": m.user_id,
        "role": m.role,
        "disabled": m.disabled,
        "created_at": timestamp(m.created_at),
        "updated_at": timestamp(m.updated_at),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_take_exact_types_and_families() {
        let all: Vec<String> = vec![];
        assert!(wants(Some(&all), "user.created"));
        let some = vec!["user.created".to_string(), "organization.*".to_string()];
        assert!(wants(Some(&some), "user.created"));
        assert!(!wants(Some(&some), "user.deleted"));
        assert!(wants(Some(&some), "organization.deleted"));
        assert!(!wants(Some(&some), "organizationMembership.created"));
        assert!(!wants(parse_filter("not json").as_deref(), "user.created"));
    }
}
