//! Changing a password from the account page: the current password is required (and wrong
//! guesses count against the account like failed sign-ins), the new one must pass the policy,
//! and every other session of the account ends.

use super::AccountError;
use super::sessions::ActiveSession;
use crate::app::AppState;
use crate::crypto::password_hasher::Verification;
use crate::domain::FieldError;
use crate::domain::sign_in_throttle::{self as throttle, Scope};
use crate::storage::{throttle_counters, users};

/// Sets a new password for the signed-in user, keeping only the current session.
pub async fn change(
    state: &AppState,
    active: &ActiveSession,
    current_password: &str,
    new_password: &str,
) -> Result<(), AccountError> {
    let now = state.clock.now();
    let user = &active.user;
    let key = throttle::key(Scope::Account, user.email.as_str());
    let (user_id, lookup_key) = (user.id.clone(), key.clone());
    let (stored, counters) = state
        .db
        .run(move |conn| {
            let hash = users::password_hash(conn, &user_id)?;
            let counters = throttle_counters::get_many(conn, &[lookup_key])?;
            Ok((hash, counters))
        })
        .await?;
    let counter = counters.first().map(|(_, c)| *c);
    if let Some(wait) = state.throttle.wait(counter.as_ref(), now) {
        return Err(FieldError::new(
            "current_password",
            format!(
                "Too many wrong passwords. Try again in {}.",
                human_wait(wait)
            ),
        )
        .into());
    }
    if stored.is_some() {
        let verification = state
            .hasher
            .verify(current_password, stored.as_deref())
            .await?;
        if verification == Verification::Mismatch {
            let policy = state.throttle.clone();
            state
                .db
                .run(move |conn| {
                    throttle_counters::update(conn, &key, |c| {
                        policy.after_failure(Scope::Account, c, now)
                    })
                })
                .await?;
            return Err(
                FieldError::new("current_password", "That is not your current password.").into(),
            );
        }
    }
    let mut context = user.context_words();
    context.push(&state.config.brand.product_name);
    state
        .password_policy
        .check("new_password", new_password, &context)?;
    if new_password == current_password {
        return Err(FieldError::new(
            "new_password",
            "Choose a password different from the current one.",
        )
        .into());
    }
    let hash = state.hasher.hash(new_password).await?;
    let user_id = user.id.clone();
    let keep = active.session.id.clone();
    state
        .db
        .run(move |conn| {
            crate::storage::write_transaction(conn, |c| {
                let ended = users::set_password(c, &user_id, &hash, Some(&keep), now)?;
                crate::webhooks::sessions_ended_in(c, now, &user_id, &ended, "password_changed")
            })
        })
        .await?;
    state
        .mailer
        .send_later(state.mail_context().password_changed(user.email.as_str()));
    Ok(())
}

/// "3 minutes", "45 seconds": for throttle messages.
pub fn human_wait(seconds: i64) -> String {
    if seconds >= 120 {
        format!("{} minutes", (seconds + 59) / 60)
    } else if seconds > 60 {
        "2 minutes".to_string()
    } else if seconds == 60 {
        "1 minute".to_string()
    } else {
        format!("{} seconds", seconds.max(1))
    }
}
