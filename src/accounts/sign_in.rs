//! Sign-in with email and password, throttled per client address, per account and per known
//! device (see `domain::sign_in_throttle`). An unknown email, a wrong password and an account
//! without a password take the same path and the same time: a full argon2 verification.

use super::device_cookie::{self, KnownDevice};
use super::sessions::{self, NewSession};
use super::{AccountError, ClientInfo};
use crate::app::AppState;
use crate::crypto::password_hasher::Verification;
use crate::domain::EmailAddress;
use crate::domain::User;
use crate::domain::sign_in_throttle::{self as throttle, Scope};
use crate::storage::{throttle_counters, users};

/// One sign-in attempt as submitted.
#[derive(Debug)]
pub struct SignInAttempt<'a> {
    pub email: &'a str,
    pub password: &'a str,
    pub client: &'a ClientInfo,
    /// The browser's device cookie, if any.
    pub device_cookie: Option<&'a str>,
    /// The browser's current session cookie, replaced by the new session.
    pub current_session: Option<&'a str>,
}

/// A successful sign-in.
#[derive(Debug)]
pub struct SignedIn {
    pub user: User,
    pub session: NewSession,
    /// A new device cookie to set, when the browser was not yet known for this account.
    pub device_cookie: Option<String>,
}

/// Why a sign-in failed, in the terms shown to the person.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// Unknown email or wrong password: one message for both.
    #[error("wrong email or password")]
    BadCredentials,
    /// The password was right but the account is disabled.
    #[error("account disabled")]
    Disabled,
    /// Too many failures; try again after this many seconds.
    #[error("too many attempts")]
    Throttled { retry_after: i64 },
    #[error(transparent)]
    Account(#[from] AccountError),
}

impl SignInError {
    /// The `outcome` label of the sign-in metric.
    pub fn outcome(&self) -> &'static str {
        match self {
            SignInError::BadCredentials => "bad_credentials",
            SignInError::Disabled => "disabled",
            SignInError::Throttled { .. } => "throttled",
            SignInError::Account(AccountError::Invalid(_)) => "invalid_input",
            SignInError::Account(AccountError::Overloaded) => "overloaded",
            SignInError::Account(_) => "error",
        }
    }
}

/// Checks the credentials and, when they hold, starts a session.
pub async fn sign_in(
    state: &AppState,
    attempt: SignInAttempt<'_>,
) -> Result<SignedIn, SignInError> {
    let email = EmailAddress::parse(attempt.email).map_err(AccountError::from)?;
    let now = state.clock.now();
    let ip_key = throttle::key(
        Scope::ClientAddress,
        &throttle::client_address_subject(attempt.client.ip),
    );
    let account_key = throttle::key(Scope::Account, email.as_str());
    let device = attempt
        .device_cookie
        .and_then(|value| device_cookie::open(&state.server_key, value));
    let device_key = device
        .as_ref()
        .map(|d| throttle::key(Scope::KnownDevice, &d.nonce));

    let mut keys = vec![ip_key.clone(), account_key.clone()];
    keys.extend(device_key.clone());
    let lookup_email = email.clone();
    let (counters, credential) = state
        .db
        .run(move |conn| {
            let counters = throttle_counters::get_many(conn, &keys)?;
            let credential = users::find_credential_by_email(conn, &lookup_email)?;
            Ok((counters, credential))
        })
        .await
        .map_err(AccountError::from)?;
    let counter = |key: &str| counters.iter().find(|(k, _)| k == key).map(|(_, c)| *c);

    // A device cookie only counts for the account it was issued to.
    let known_device: Option<&KnownDevice> = device
        .as_ref()
        .filter(|d| credential.as_ref().is_some_and(|c| c.user.id == d.user_id));
    let limiter_key = match (known_device, &device_key) {
        (Some(_), Some(key)) => key.clone(),
        _ => account_key,
    };
    let waits = [
        state.throttle.wait(counter(&ip_key).as_ref(), now),
        state.throttle.wait(counter(&limiter_key).as_ref(), now),
    ];
    if let Some(retry_after) = waits.into_iter().flatten().max() {
        return Err(SignInError::Throttled { retry_after });
    }

    let stored_hash = credential.as_ref().and_then(|c| c.password_hash.clone());
    let verification = state
        .hasher
        .verify(attempt.password, stored_hash.as_deref())
        .await
        .map_err(AccountError::from)?;

    let Some(credential) = credential.filter(|_| verification != Verification::Mismatch) else {
        let scope = if known_device.is_some() {
            Scope::KnownDevice
        } else {
            Scope::Account
        };
        record_failures(
            state,
            vec![(ip_key, Scope::ClientAddress), (limiter_key, scope)],
        )
        .await?;
        return Err(SignInError::BadCredentials);
    };
    if credential.user.disabled {
        return Err(SignInError::Disabled);
    }

    if verification == Verification::MatchNeedsRehash
        && let Some(old_hash) = stored_hash
    {
        upgrade_hash_later(state, &credential.user.id, attempt.password, old_hash);
    }
    // Only the counter this attempt was judged by is cleared: the owner signing in from a known
    // browser must not hand an attacker elsewhere a fresh set of guesses.
    let clear = counter(&limiter_key).map(|_| vec![limiter_key]);
    let session = sessions::start_with(
        state,
        &credential.user.id,
        attempt.client,
        attempt.current_session,
        move |conn| match clear {
            Some(keys) => throttle_counters::clear(conn, &keys),
            None => Ok(()),
        },
    )
    .await?;
    let device_cookie = match known_device {
        Some(_) => None,
        None => Some(device_cookie::issue(&state.server_key, &credential.user.id)),
    };
    Ok(SignedIn {
        user: credential.user,
        session,
        device_cookie,
    })
}

/// Counts one failure on each counter, in one database round trip.
async fn record_failures(
    state: &AppState,
    counters: Vec<(String, Scope)>,
) -> Result<(), SignInError> {
    let now = state.clock.now();
    let policy = state.throttle.clone();
    state
        .db
        .run(move |conn| {
            for (key, scope) in &counters {
                throttle_counters::update(conn, key, |current| {
                    policy.after_failure(*scope, current, now)
                })?;
            }
            Ok(())
        })
        .await
        .map_err(AccountError::from)?;
    Ok(())
}

/// Rehashes with the configured parameters in the background after a successful verification.
fn upgrade_hash_later(state: &AppState, user_id: &str, password: &str, old_hash: String) {
    let state = state.clone();
    let user_id = user_id.to_string();
    let password = password.to_string();
    tokio::spawn(async move {
        let Ok(new_hash) = state.hasher.hash(&password).await else {
            return;
        };
        let result = state
            .db
            .run(move |conn| users::upgrade_password_hash(conn, &user_id, &old_hash, &new_hash))
            .await;
        if let Err(error) = result {
            tracing::warn!(%error, "password hash upgrade failed");
        }
    });
}
