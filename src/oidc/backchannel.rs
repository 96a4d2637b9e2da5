//! Back-Channel Logout 1.0: when a browser session ends (sign-out, RP-initiated logout, a revoked
//! session, a password change, disabling), every client that registered a
//! `backchannel_logout_uri` and got tokens in that session receives a signed logout token.
//!
//! Deliveries are driven from the database, not from the code path that ended the session: a
//! worker looks for pending grants whose session is gone, claims each (client, session) pair for a
//! while (so several server processes do not send it together), POSTs the token, and records
//! `done` or the next try. A crash between ending the session and delivering loses nothing.

use super::error::OAuthError;
use crate::app::AppState;
use crate::storage::clients;
use crate::storage::grants::{self, LogoutDue};
use serde_json::json;
use std::time::Duration;

/// The event that marks a logout token (§2.4).
pub const LOGOUT_EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

/// Waits before the next try, by attempts made so far; after the last, delivery gives up.
const BACKOFF_SECONDS: [i64; 5] = [5, 30, 120, 600, 3600];

/// How long a claimed delivery is held before another process may try it.
const HOLD_SECONDS: i64 = 60;

/// Signs a logout token for a client and session.
pub async fn logout_token(
    state: &AppState,
    client: &crate::domain::client::Client,
    user_id: &str,
    session_id: &str,
) -> Result<String, OAuthError> {
    let now = state.clock.now();
    let claims = json!({
        "iss": state.config.issuer,
        "aud": client.id,
        "iat": now,
        "exp": now + 120,
        "jti": uuid::Uuid::now_v7().simple().to_string(),
        "sub": user_id,
        "sid": session_id,
        "events": { LOGOUT_EVENT: {} },
    });
    let key = state
        .keys
        .signing_key(&state.db, client.id_token_alg, now)
        .await?;
    Ok(key.sign(claims.to_string().as_bytes(), "logout+jwt")?)
}

/// Delivers every due logout once; returns how many were delivered.
pub async fn deliver_due(state: &AppState, http: &reqwest::Client) -> Result<usize, OAuthError> {
    let at = super::alive_at(state);
    let now = at.now;
    let due = state
        .db
        .run(move |conn| grants::logout_due(conn, at, 50))
        .await?;
    let mut delivered = 0;
    for item in due {
        let claim = item.clone();
        let claimed = state
            .db
            .run(move |conn| grants::claim_logout(conn, &claim, now, HOLD_SECONDS))
            .await?;
        if claimed && deliver_one(state, http, &item).await? {
            delivered += 1;
        }
    }
    Ok(delivered)
}

/// Delivers these logouts once each, without retries (their grants are gone, as when a user is
/// deleted); failures are logged.
pub async fn deliver_once(state: &AppState, items: &[LogoutDue]) {
    for item in items {
        if let Err(error) = deliver_one(state, &state.http, item).await {
            tracing::warn!(%error, client_id = %item.client_id, "back-channel logout failed");
        }
    }
}

async fn deliver_one(
    state: &AppState,
    http: &reqwest::Client,
    item: &LogoutDue,
) -> Result<bool, OAuthError> {
    let id = item.client_id.clone();
    let client = state.db.run(move |conn| clients::find(conn, &id)).await?;
    let Some(client) = client else {
        return Ok(false);
    };
    let Some(uri) = client.backchannel_logout_uri.clone() else {
        record(state, item, "done", None).await?;
        return Ok(false);
    };
    let token = logout_token(state, &client, &item.user_id, &item.session_id).await?;
    // The next try is timed from this one's start, not from whenever the answer came back.
    let started = state.clock.now();
    let sent = http
        .post(&uri)
        .form(&[("logout_token", token)])
        .send()
        .await;
    let ok = matches!(&sent, Ok(response) if response.status().is_success());
    if ok {
        tracing::info!(client_id = %client.id, session_id = %item.session_id, "back-channel logout delivered");
        record(state, item, "done", None).await?;
        return Ok(true);
    }
    let reason = match sent {
        Ok(response) => format!("status {}", response.status()),
        Err(error) => error.to_string(),
    };
    let attempt = usize::try_from(item.attempts).unwrap_or(usize::MAX);
    match BACKOFF_SECONDS.get(attempt) {
        Some(wait) => {
            tracing::warn!(client_id = %client.id, %reason, retry_in = wait, "back-channel logout failed; will retry");
            record(state, item, "pending", Some(started + wait)).await?;
        }
        None => {
            tracing::warn!(client_id = %client.id, %reason, "back-channel logout failed; giving up");
            record(state, item, "failed", None).await?;
        }
    }
    Ok(false)
}

async fn record(
    state: &AppState,
    item: &LogoutDue,
    outcome: &'static str,
    retry_at: Option<i64>,
) -> Result<(), OAuthError> {
    let item = item.clone();
    state
        .db
        .run(move |conn| grants::finish_logout(conn, &item, outcome, retry_at))
        .await?;
    Ok(())
}

/// The HTTP client for calls to clients: short timeouts, no redirects.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .connect_timeout(Duration::from_secs(3))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent("Tessera")
        .build()
        .unwrap_or_default()
}

/// Runs deliveries every `every` until the process stops.
pub async fn deliver_forever(state: AppState, every: Duration) {
    let http = state.http.clone();
    let mut interval = tokio::time::interval(every);
    loop {
        interval.tick().await;
        if let Err(error) = deliver_due(&state, &http).await {
            tracing::warn!(%error, "back-channel logout round failed");
        }
    }
}
