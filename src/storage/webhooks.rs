//! The webhook tables: endpoints, the outbox of messages, one delivery per (message, endpoint),
//! and the log of attempts. Deliveries are claimed by a worker for a while (`held_until`); on
//! PostgreSQL the claim takes row locks with `SKIP LOCKED`, so several server processes never
//! pick the same delivery; on SQLite `BEGIN IMMEDIATE` already lets one writer at a time claim.

use super::schema::{webhook_attempts, webhook_deliveries, webhook_endpoints, webhook_messages};
use super::{DbConnection, StorageResult};
use crate::clock::UnixTime;
use diesel::prelude::*;

/// A registered endpoint. The signing secret is sealed with the master key.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_endpoints)]
pub struct EndpointRow {
    pub id: String,
    pub url: String,
    pub description: String,
    /// A JSON array of event types; empty means every event.
    pub event_types: String,
    pub sealed_secret: String,
    pub disabled: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

/// An event as sent: the body is signed and sent unchanged on every try.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_messages)]
pub struct MessageRow {
    pub id: String,
    pub event_type: String,
    pub body: String,
    pub created_at: i64,
}

/// The state of a delivery.
pub const PENDING: &str = "pending";
pub const DELIVERED: &str = "delivered";
pub const FAILED: &str = "failed";

/// One message on its way to one endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_deliveries)]
pub struct DeliveryRow {
    pub id: String,
    pub message_id: String,
    pub endpoint_id: String,
    pub state: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub held_until: i64,
    /// Set by each claim; only the holder of the latest claim may move the delivery on.
    pub claim_token: Option<String>,
    pub give_up_at: i64,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// One try at a delivery.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_attempts)]
pub struct AttemptRow {
    pub id: String,
    pub delivery_id: String,
    pub attempted_at: i64,
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub response_excerpt: Option<String>,
    pub duration_ms: i64,
}

pub fn insert_endpoint(conn: &mut DbConnection, row: &EndpointRow) -> StorageResult<()> {
    diesel::insert_into(webhook_endpoints::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Saves an endpoint's settings (never its secret: see [`set_secret`]).
pub fn update_endpoint(conn: &mut DbConnection, row: &EndpointRow) -> StorageResult<()> {
    diesel::update(webhook_endpoints::table.find(&row.id))
        .set((
            webhook_endpoints::url.eq(&row.url),
            webhook_endpoints::description.eq(&row.description),
            webhook_endpoints::event_types.eq(&row.event_types),
            webhook_endpoints::disabled.eq(row.disabled),
            webhook_endpoints::updated_at.eq(row.updated_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Replaces an endpoint's sealed secret.
pub fn set_secret(
    conn: &mut DbConnection,
    id: &str,
    sealed_secret: &str,
    now: UnixTime,
) -> StorageResult<()> {
    diesel::update(webhook_endpoints::table.find(id))
        .set((
            webhook_endpoints::sealed_secret.eq(sealed_secret),
            webhook_endpoints::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn find_endpoint(conn: &mut DbConnection, id: &str) -> StorageResult<Option<EndpointRow>> {
    Ok(webhook_endpoints::table
        .find(id)
        .select(EndpointRow::as_select())
        .first(conn)
        .optional()?)
}

/// Every endpoint, oldest first.
pub fn endpoints(conn: &mut DbConnection) -> StorageResult<Vec<EndpointRow>> {
    Ok(webhook_endpoints::table
        .select(EndpointRow::as_select())
        .order((
            webhook_endpoints::created_at.asc(),
            webhook_endpoints::id.asc(),
        ))
        .load(conn)?)
}

/// The endpoints that receive events now.
pub fn enabled_endpoints(conn: &mut DbConnection) -> StorageResult<Vec<EndpointRow>> {
    Ok(webhook_endpoints::table
        .filter(webhook_endpoints::disabled.eq(false))
        .select(EndpointRow::as_select())
        .load(conn)?)
}

/// Deletes an endpoint with its deliveries and their log; false when there was none.
pub fn delete_endpoint(conn: &mut DbConnection, id: &str) -> StorageResult<bool> {
    Ok(diesel::delete(webhook_endpoints::table.find(id)).execute(conn)? == 1)
}

/// Stores a message and a delivery of it to each endpoint.
pub fn insert_message(
    conn: &mut DbConnection,
    message: &MessageRow,
    deliveries: &[DeliveryRow],
) -> StorageResult<()> {
    diesel::insert_into(webhook_messages::table)
        .values(message)
        .execute(conn)?;
    for delivery in deliveries {
        diesel::insert_into(webhook_deliveries::table)
            .values(delivery)
            .execute(conn)?;
    }
    Ok(())
}

/// A claimed delivery with what is needed to send it.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub delivery: DeliveryRow,
    pub message: MessageRow,
    pub endpoint: EndpointRow,
}

/// Claims up to `limit` due deliveries to enabled endpoints until `now + hold_seconds`, so no
/// other worker takes them meanwhile, under a fresh `claim_token`. A worker that dies
/// mid-delivery leaves its claim to run out; the delivery is then due again (at least once,
/// never lost). Deliveries to a disabled endpoint wait, pending, until it is enabled again.
pub fn claim_due(
    conn: &mut DbConnection,
    now: UnixTime,
    hold_seconds: i64,
    limit: i64,
    claim_token: &str,
) -> StorageResult<Vec<Claimed>> {
    super::write_transaction(conn, |c| {
        let enabled = webhook_endpoints::table
            .filter(webhook_endpoints::disabled.eq(false))
            .select(webhook_endpoints::id);
        let due = webhook_deliveries::table
            .filter(webhook_deliveries::state.eq(PENDING))
            .filter(webhook_deliveries::next_attempt_at.le(now))
            .filter(webhook_deliveries::held_until.le(now))
            .filter(webhook_deliveries::endpoint_id.eq_any(enabled))
            .order(webhook_deliveries::next_attempt_at.asc())
            .limit(limit)
            .select(webhook_deliveries::id);
        let ids: Vec<String> = match c {
            DbConnection::Pg(pg) => due.for_update().skip_locked().load(pg)?,
            DbConnection::Sqlite(lite) => due.load(lite)?,
        };
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        diesel::update(webhook_deliveries::table.filter(webhook_deliveries::id.eq_any(&ids)))
            .set((
                webhook_deliveries::held_until.eq(now + hold_seconds),
                webhook_deliveries::claim_token.eq(claim_token),
            ))
            .execute(c)?;
        let rows: Vec<(DeliveryRow, MessageRow, EndpointRow)> = webhook_deliveries::table
            .inner_join(webhook_messages::table)
            .inner_join(webhook_endpoints::table)
            .filter(webhook_deliveries::id.eq_any(&ids))
            .order(webhook_deliveries::next_attempt_at.asc())
            .select((
                DeliveryRow::as_select(),
                MessageRow::as_select(),
                EndpointRow::as_select(),
            ))
            .load(c)?;
        Ok(rows
            .into_iter()
            .map(|(delivery, message, endpoint)| Claimed {
                delivery,
                message,
                endpoint,
            })
            .collect())
    })
}

/// What became of a try.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub attempt: AttemptRow,
    /// `delivered`, `failed` (gave up) or `pending` (try again at `next_attempt_at`).
    pub state: &'static str,
    pub next_attempt_at: UnixTime,
}

/// Logs a try and, when the claim is still this worker's, moves the delivery on and releases
/// it. A claim that ran out and was taken by another worker (or reset by a redelivery) is left
/// to its new holder; the try is logged all the same. Returns whether the delivery moved on.
pub fn finish_attempt(
    conn: &mut DbConnection,
    outcome: &Outcome,
    claim_token: &str,
) -> StorageResult<bool> {
    super::write_transaction(conn, |c| {
        diesel::insert_into(webhook_attempts::table)
            .values(&outcome.attempt)
            .execute(c)?;
        let moved = diesel::update(
            webhook_deliveries::table
                .filter(webhook_deliveries::id.eq(&outcome.attempt.delivery_id))
                .filter(webhook_deliveries::claim_token.eq(claim_token)),
        )
        .set((
            webhook_deliveries::state.eq(outcome.state),
            webhook_deliveries::attempts.eq(webhook_deliveries::attempts + 1),
            webhook_deliveries::next_attempt_at.eq(outcome.next_attempt_at),
            webhook_deliveries::held_until.eq(0),
            webhook_deliveries::claim_token.eq(None::<String>),
            webhook_deliveries::last_status.eq(outcome.attempt.status_code),
            webhook_deliveries::last_error.eq(&outcome.attempt.error),
            webhook_deliveries::updated_at.eq(outcome.attempt.attempted_at),
        ))
        .execute(c)?;
        Ok(moved == 1)
    })
}

/// Deliveries of an endpoint with their message's type, newest first, optionally in one state
/// and before a delivery id (the cursor of the previous page).
pub fn deliveries(
    conn: &mut DbConnection,
    endpoint_id: &str,
    state: Option<&str>,
    before: Option<&str>,
    limit: i64,
) -> StorageResult<Vec<(DeliveryRow, String)>> {
    let mut query = webhook_deliveries::table
        .inner_join(webhook_messages::table)
        .filter(webhook_deliveries::endpoint_id.eq(endpoint_id))
        .order(webhook_deliveries::id.desc())
        .limit(limit.clamp(1, 1000))
        .select((DeliveryRow::as_select(), webhook_messages::event_type))
        .into_boxed();
    if let Some(state) = state {
        query = query.filter(webhook_deliveries::state.eq(state.to_string()));
    }
    if let Some(before) = before {
        query = query.filter(webhook_deliveries::id.lt(before.to_string()));
    }
    Ok(query.load(conn)?)
}

pub fn find_delivery(conn: &mut DbConnection, id: &str) -> StorageResult<Option<DeliveryRow>> {
    Ok(webhook_deliveries::table
        .find(id)
        .select(DeliveryRow::as_select())
        .first(conn)
        .optional()?)
}

/// The tries of a delivery, oldest first.
pub fn attempts(conn: &mut DbConnection, delivery_id: &str) -> StorageResult<Vec<AttemptRow>> {
    Ok(webhook_attempts::table
        .filter(webhook_attempts::delivery_id.eq(delivery_id))
        .order(webhook_attempts::id.asc())
        .select(AttemptRow::as_select())
        .load(conn)?)
}

/// What a redelivery found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redelivery {
    Scheduled,
    /// A worker is sending it right now.
    Busy,
    NotFound,
}

/// Makes a delivery due now again, with a fresh retry window and backoff (its log stays);
/// refused while a worker holds it.
pub fn redeliver(
    conn: &mut DbConnection,
    id: &str,
    now: UnixTime,
    give_up_at: UnixTime,
) -> StorageResult<Redelivery> {
    super::write_transaction(conn, |c| {
        let Some(found) = find_delivery(c, id)? else {
            return Ok(Redelivery::NotFound);
        };
        if found.held_until > now {
            return Ok(Redelivery::Busy);
        }
        let changed = diesel::update(
            webhook_deliveries::table
                .filter(webhook_deliveries::id.eq(id))
                .filter(webhook_deliveries::held_until.le(now)),
        )
        .set((
            webhook_deliveries::state.eq(PENDING),
            webhook_deliveries::attempts.eq(0),
            webhook_deliveries::next_attempt_at.eq(now),
            webhook_deliveries::give_up_at.eq(give_up_at),
            webhook_deliveries::claim_token.eq(None::<String>),
            webhook_deliveries::updated_at.eq(now),
        ))
        .execute(c)?;
        // A worker may have claimed it between the read and the update.
        Ok(if changed == 1 {
            Redelivery::Scheduled
        } else {
            Redelivery::Busy
        })
    })
}

/// Deletes messages older than `cutoff` that nothing is still trying to deliver; returns how many.
pub fn delete_messages_before(conn: &mut DbConnection, cutoff: UnixTime) -> StorageResult<usize> {
    use diesel::dsl::{exists, not};
    Ok(diesel::delete(
        webhook_messages::table
            .filter(webhook_messages::created_at.lt(cutoff))
            .filter(not(exists(
                webhook_deliveries::table
                    .filter(webhook_deliveries::message_id.eq(webhook_messages::id))
                    .filter(webhook_deliveries::state.eq(PENDING)),
            ))),
    )
    .execute(conn)?)
}
