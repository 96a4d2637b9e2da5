//! Removal of rows nobody can use any more: dead sessions, expired links, stale counters, ended
//! grants with their codes and refresh tokens, and revoked or used token ids past their expiry.

use super::AccountError;
use crate::app::AppState;
use crate::domain::mail_budget;
use crate::domain::session::SessionLifetimes;
use crate::storage::{grants, one_time_tokens, sessions, throttle_counters};

/// How many rows a sweep removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SweepCounts {
    pub sessions: usize,
    pub links: usize,
    pub counters: usize,
    pub tokens: usize,
    pub audit_events: usize,
    pub webhook_messages: usize,
    pub idempotency_keys: usize,
    /// SAML requests and remembered assertion ids past their time.
    pub saml: usize,
}

/// One sweep.
pub async fn sweep(state: &AppState) -> Result<SweepCounts, AccountError> {
    let now = state.clock.now();
    let idle_cutoff = SessionLifetimes::from(&state.config.session).idle_cutoff(now);
    // Used links are kept a day past expiry (so "already used" can still be told apart in logs).
    let link_cutoff = now - 24 * 3600;
    let counter_cutoff = now
        - state
            .throttle
            .retention_seconds()
            .max(mail_budget::WINDOW_SECONDS);
    let audit_events = crate::audit::sweep(state).await?;
    let webhook_cutoff = now - state.config.webhooks.retention_days * 24 * 3600;
    Ok(state
        .db
        .run(move |conn| {
            Ok(SweepCounts {
                audit_events,
                idempotency_keys: crate::storage::api_keys::delete_idempotency_before(
                    conn,
                    now - crate::admin_api::idempotency::KEEP_SECONDS,
                )?,
                webhook_messages: crate::storage::webhooks::delete_messages_before(
                    conn,
                    webhook_cutoff,
                )?,
                sessions: sessions::delete_dead(conn, now, idle_cutoff)?,
                links: one_time_tokens::delete_expired(conn, link_cutoff)?,
                counters: throttle_counters::delete_stale(conn, counter_cutoff, now)?,
                tokens: grants::delete_dead(conn, now)?,
                saml: crate::storage::saml_sign_ins::sweep(conn, now)?
                    + crate::storage::saml_apps::sweep(conn, now)?,
            })
        })
        .await?)
}
