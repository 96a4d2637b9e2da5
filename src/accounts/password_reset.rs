//! Forgotten passwords. Asking for a reset always gets the same answer and takes the same time;
//! the link (single use, short-lived, stored as a digest) is mailed in the background only when
//! the account exists and is enabled. Using it sets the password, ends every session of the
//! account, invalidates the account's other reset links and tells the owner by mail.

use super::links::{self, LinkRequest};
use super::{AccountError, mail_budget_allows};
use crate::app::AppState;
use crate::crypto::SecretDigest;
use crate::domain::sign_in_throttle::{self as throttle, Scope};
use crate::domain::{EmailAddress, User};
use crate::storage::one_time_tokens::{self, Purpose};
use crate::storage::{throttle_counters, users};

/// Checks the address and mails a link in the background if it has an account.
pub async fn request(state: &AppState, email_input: &str) -> Result<EmailAddress, AccountError> {
    let email = EmailAddress::parse(email_input)?;
    let state = state.clone();
    let address = email.clone();
    tokio::spawn(async move {
        if let Err(error) = send_link(&state, address).await {
            tracing::error!(%error, "password reset mail not sent");
        }
    });
    Ok(email)
}

async fn send_link(state: &AppState, email: EmailAddress) -> Result<(), AccountError> {
    let address = email.clone();
    let user = state
        .db
        .run(move |conn| users::find_by_email(conn, &address))
        .await?;
    let Some(user) = user.filter(|u| !u.disabled) else {
        return Ok(());
    };
    if !mail_budget_allows(state, &email).await? {
        tracing::warn!(
            "password reset mail suppressed: too many messages to this address this hour"
        );
        return Ok(());
    }
    let ttl = state.config.links.password_reset_seconds;
    let token = links::issue(
        state,
        LinkRequest {
            purpose: Purpose::PasswordReset,
            user_id: Some(user.id.clone()),
            email: user.email.as_str().to_string(),
            payload: None,
            ttl_seconds: ttl,
        },
    )
    .await?;
    state
        .mailer
        .send(
            state
                .mail_context()
                .password_reset(user.email.as_str(), &token, ttl),
        )
        .await
        .map_err(|e| AccountError::Internal(e.to_string()))
}

/// True when the link can still be used (for showing the form).
pub async fn is_usable(state: &AppState, token: &str) -> Result<bool, AccountError> {
    let digest = SecretDigest::of(token);
    let now = state.clock.now();
    Ok(state
        .db
        .run(move |conn| one_time_tokens::peek(conn, &digest, Purpose::PasswordReset, now))
        .await?
        .is_some())
}

/// Sets the new password through the link. The password is checked before the link is used, so
/// a rejected password leaves the link usable.
pub async fn complete(
    state: &AppState,
    token: &str,
    new_password: &str,
) -> Result<(), AccountError> {
    let digest = SecretDigest::of(token);
    let now = state.clock.now();
    let lookup = digest.clone();
    let user = state
        .db
        .run(move |conn| {
            let Some(link) = one_time_tokens::peek(conn, &lookup, Purpose::PasswordReset, now)?
            else {
                return Ok(None);
            };
            users::find_by_id(conn, link.user_id.as_deref().unwrap_or_default())
        })
        .await?
        .filter(|u| !u.disabled)
        .ok_or(AccountError::LinkInvalid)?;

    let mut context = user.context_words();
    context.push(&state.config.brand.product_name);
    state
        .password_policy
        .check("password", new_password, &context)?;
    let hash = state.hasher.hash(new_password).await?;

    let user_id = user.id.clone();
    let account_key = throttle::key(Scope::Account, user.email.as_str());
    let was_unverified = !user.email_verified;
    let ttl = state.config.organizations.invitation_days * 24 * 3600;
    let verified = User {
        email_verified: true,
        updated_at: now,
        ..user.clone()
    };
    let changed = state
        .db
        .run(move |conn| {
            crate::storage::write_transaction(conn, |c| {
                let Some(link) = one_time_tokens::consume(c, &digest, Purpose::PasswordReset, now)?
                else {
                    return Ok(false);
                };
                if link.user_id.as_deref() != Some(user_id.as_str()) {
                    return Ok(false);
                }
                let ended = users::set_password(c, &user_id, &hash, None, now)?;
                crate::webhooks::sessions_ended_in(c, now, &user_id, &ended, "password_reset")?;
                users::mark_email_verified(c, &user_id, now)?;
                if was_unverified {
                    crate::webhooks::user_event_in(c, now, "user.updated", &verified)?;
                    crate::organizations::domains::address_verified_in(c, &verified, now, ttl)?;
                }
                crate::audit::record_in(
                    c,
                    crate::audit::Event::new(
                        "user.password_reset",
                        crate::audit::Actor::User(user_id.clone()),
                    )
                    .target("user", user_id.clone()),
                    now,
                )?;
                one_time_tokens::consume_all_for_user(c, &user_id, Purpose::PasswordReset, now)?;
                throttle_counters::clear(c, &[account_key])?;
                Ok::<_, crate::storage::StorageError>(true)
            })
        })
        .await?;
    if !changed {
        return Err(AccountError::LinkInvalid);
    }
    state
        .mailer
        .send_later(state.mail_context().password_changed(user.email.as_str()));
    Ok(())
}
