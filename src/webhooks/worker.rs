//! The delivery worker: claims due deliveries from the outbox, signs and POSTs each, and records
//! the try. A 2xx answer delivers; anything else (another status, a timeout, a refused
//! connection) is tried again after a growing wait, until the delivery's retry window (a day)
//! closes. Every try of a message carries the same `webhook-id`, so a receiver can drop
//! duplicates: delivery is at least once, and a crash mid-delivery only means one more try.

use super::endpoints::signing_key;
use super::signature;
use crate::app::AppState;
use crate::storage::StorageError;
use crate::storage::webhooks::{self as store, AttemptRow, Claimed, Outcome};
use std::time::Duration;

/// Waits before the next try, by tries made so far; the last repeats until the window closes.
pub const BACKOFF_SECONDS: [i64; 10] = [5, 30, 120, 600, 1800, 3600, 7200, 14400, 21600, 28800];

/// How long a claimed delivery is held before another worker may take it (longer than a try).
const HOLD_SECONDS: i64 = 60;

/// How many deliveries one round claims.
const BATCH: i64 = 50;

/// How much of a receiver's answer the log keeps.
const EXCERPT_BYTES: usize = 1024;

/// The wait after `tries` failed tries.
pub fn backoff(tries: i64) -> i64 {
    let index = usize::try_from(tries.saturating_sub(1)).unwrap_or(0);
    BACKOFF_SECONDS[index.min(BACKOFF_SECONDS.len() - 1)]
}

/// Runs rounds forever; a round that finds a full batch goes again at once.
pub async fn deliver_forever(state: AppState, every: Duration) {
    let mut interval = tokio::time::interval(every);
    loop {
        interval.tick().await;
        loop {
            match deliver_due(&state).await {
                Ok(n) if n as i64 >= BATCH => continue,
                Ok(_) => break,
                Err(error) => {
                    tracing::warn!(%error, "webhook round failed");
                    break;
                }
            }
        }
    }
}

/// Claims and tries every due delivery once, in parallel; returns how many were tried.
pub async fn deliver_due(state: &AppState) -> Result<usize, StorageError> {
    let now = state.clock.now();
    let token = uuid::Uuid::now_v7().simple().to_string();
    let claim = token.clone();
    let claimed = state
        .db
        .run(move |conn| store::claim_due(conn, now, HOLD_SECONDS, BATCH, &claim))
        .await?;
    let count = claimed.len();
    let mut tries = tokio::task::JoinSet::new();
    for item in claimed {
        let state = state.clone();
        let token = token.clone();
        tries.spawn(async move {
            let outcome = try_once(&state, &item).await;
            let delivery = item.delivery.id.clone();
            match state
                .db
                .run(move |conn| store::finish_attempt(conn, &outcome, &token))
                .await
            {
                Ok(true) => {}
                Ok(false) => {
                    tracing::warn!(%delivery, "webhook claim ran out before the try ended; left to its new holder")
                }
                // The claim runs out and the delivery is tried again.
                Err(error) => tracing::warn!(%error, %delivery, "webhook try not recorded"),
            }
        });
    }
    while tries.join_next().await.is_some() {}
    Ok(count)
}

/// What one POST answered.
struct Answer {
    status: Option<u16>,
    error: Option<String>,
    excerpt: Option<String>,
}

async fn post(state: &AppState, item: &Claimed, key: &[u8]) -> Answer {
    let timestamp = state.clock.now();
    let message = &item.message;
    let sent = state
        .http
        .post(&item.endpoint.url)
        .header("content-type", "application/json")
        .header("webhook-id", &message.id)
        .header("webhook-timestamp", timestamp.to_string())
        .header(
            "webhook-signature",
            signature::sign(key, &message.id, timestamp, &message.body),
        )
        .body(message.body.clone())
        .send()
        .await;
    match sent {
        Ok(mut response) => {
            let status = response.status().as_u16();
            let mut body = Vec::new();
            while body.len() < EXCERPT_BYTES {
                match response.chunk().await {
                    Ok(Some(chunk)) => body.extend_from_slice(&chunk),
                    _ => break,
                }
            }
            body.truncate(EXCERPT_BYTES);
            let excerpt = String::from_utf8_lossy(&body).into_owned();
            Answer {
                status: Some(status),
                error: (!(200..300).contains(&status)).then(|| format!("status {status}")),
                excerpt: (!excerpt.is_empty()).then_some(excerpt),
            }
        }
        Err(error) => Answer {
            status: None,
            error: Some(describe(error)),
            excerpt: None,
        },
    }
}

fn describe(error: reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    // Without the URL: endpoint paths and queries often carry secrets.
    let error = error.without_url();
    format!("{kind}: {error}")
}

async fn try_once(state: &AppState, item: &Claimed) -> Outcome {
    let started = std::time::Instant::now();
    let answer = match signing_key(state, &item.endpoint) {
        Ok(key) => post(state, item, &key).await,
        Err(error) => Answer {
            status: None,
            error: Some(error.to_string()),
            excerpt: None,
        },
    };
    let now = state.clock.now();
    let delivery = &item.delivery;
    let tries = delivery.attempts + 1;
    let delivered = answer.error.is_none();
    let (outcome_state, next_attempt_at) = if delivered {
        (store::DELIVERED, now)
    } else if now >= delivery.give_up_at {
        (store::FAILED, now)
    } else {
        (
            store::PENDING,
            (now + backoff(tries)).min(delivery.give_up_at),
        )
    };
    match outcome_state {
        store::DELIVERED => {
            tracing::debug!(delivery = %delivery.id, message = %item.message.id, "webhook delivered")
        }
        _ => tracing::warn!(
            delivery = %delivery.id,
            endpoint = %item.endpoint.id,
            error = answer.error.as_deref().unwrap_or_default(),
            state = outcome_state,
            "webhook try failed"
        ),
    }
    Outcome {
        attempt: AttemptRow {
            id: uuid::Uuid::now_v7().to_string(),
            delivery_id: delivery.id.clone(),
            attempted_at: now,
            status_code: answer.status.map(i32::from),
            error: answer.error.map(|e| e.chars().take(500).collect()),
            response_excerpt: answer.excerpt,
            duration_ms: i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX),
        },
        state: outcome_state,
        next_attempt_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_stays_at_the_last_wait() {
        assert_eq!(backoff(1), 5);
        assert_eq!(backoff(2), 30);
        assert_eq!(backoff(10), 28800);
        assert_eq!(backoff(50), 28800);
        let total: i64 = (1..=10).map(backoff).sum();
        assert!(total < super::super::RETRY_WINDOW_SECONDS);
    }
}
