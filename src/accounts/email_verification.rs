//! Email links that prove control of an address: the sign-up link (creates the account) and the
//! verification link of an existing account. Opening a link shows a confirmation page; only the
//! confirming POST consumes it, so mail scanners that fetch links do not use them up.

use super::links::{self, LinkRequest};
use super::sign_up::PendingSignUp;
use super::{AccountError, mail_budget_allows};
use crate::app::AppState;
use crate::crypto::SecretDigest;
use crate::domain::{EmailAddress, FieldError, User};
use crate::storage::one_time_tokens::{self, Purpose};
use crate::storage::users;

/// What a used link did.
#[derive(Debug)]
pub struct Confirmed {
    pub user: User,
    /// True when the link created the account (a sign-up).
    pub created: bool,
    /// Where the person was going when they signed up.
    pub return_to: Option<String>,
}

/// The address a link is for, if it is still usable (for the confirmation page).
pub async fn peek(state: &AppState, token: &str) -> Result<Option<String>, AccountError> {
    let digest = SecretDigest::of(token);
    let now = state.clock.now();
    Ok(state
        .db
        .run(move |conn| {
            for purpose in [Purpose::SignUp, Purpose::VerifyEmail] {
                if let Some(t) = one_time_tokens::peek(conn, &digest, purpose, now)? {
                    return Ok(Some(t.email));
                }
            }
            Ok(None)
        })
        .await?)
}

/// Uses a link: creates the account of a sign-up, or marks an address verified. All in one
/// transaction: a link that fails to create its account stays usable.
pub async fn confirm(state: &AppState, token: &str) -> Result<Confirmed, AccountError> {
    let digest = SecretDigest::of(token);
    let now = state.clock.now();
    let ttl = state.config.organizations.invitation_days * 24 * 3600;
    state
        .db
        .run(move |conn| {
            crate::storage::write_transaction(conn, |c| {
                if let Some(link) = one_time_tokens::consume(c, &digest, Purpose::SignUp, now)? {
                    return create_signed_up_user(c, link, now, ttl);
                }
                let Some(link) = one_time_tokens::consume(c, &digest, Purpose::VerifyEmail, now)?
                else {
                    return Ok(Err(AccountError::LinkInvalid));
                };
                let user_id = link.user_id.unwrap_or_default();
                let Some(mut user) = users::find_by_id(c, &user_id)? else {
                    return Ok(Err(AccountError::LinkInvalid));
                };
                // The link proves control of the address it was sent to, not of a newer one.
                if user.email.as_str() != link.email {
                    return Ok(Err(AccountError::LinkInvalid));
                }
                users::mark_email_verified(c, &user.id, now)?;
                user.email_verified = true;
                user.updated_at = now;
                crate::webhooks::user_event_in(c, now, "user.updated", &user)?;
                crate::organizations::domains::address_verified_in(c, &user, now, ttl)?;
                Ok(Ok(Confirmed {
                    user,
                    created: false,
                    return_to: None,
                }))
            })
        })
        .await?
}

fn create_signed_up_user(
    conn: &mut crate::storage::DbConnection,
    link: one_time_tokens::OneTimeToken,
    now: i64,
    invitation_ttl: i64,
) -> Result<Result<Confirmed, AccountError>, crate::storage::StorageError> {
    let pending: Option<PendingSignUp> = link
        .payload
        .as_deref()
        .and_then(|p| serde_json::from_str(p).ok());
    let Some(pending) = pending else {
        return Ok(Err(AccountError::LinkInvalid));
    };
    let email = EmailAddress::from_trusted(link.email);
    if users::find_by_email(conn, &email)?.is_some() {
        return Ok(Err(FieldError::new(
            "email",
            "This address already has an account. Sign in instead.",
        )
        .into()));
    }
    let user = User {
        name: pending.name,
        has_password: true,
        ..User::new(email, true, now)
    };
    users::insert(conn, &user, Some(&pending.password_hash))?;
    crate::webhooks::user_event_in(conn, now, "user.created", &user)?;
    crate::organizations::domains::address_verified_in(conn, &user, now, invitation_ttl)?;
    Ok(Ok(Confirmed {
        user,
        created: true,
        return_to: pending.return_to,
    }))
}

/// Mails a verification link to a signed-in user whose address is not verified yet.
pub async fn send(state: &AppState, user: &User) -> Result<(), AccountError> {
    if user.email_verified {
        return Ok(());
    }
    if !mail_budget_allows(state, &user.email).await? {
        return Err(FieldError::new(
            "email",
            "Too many messages were sent to this address. Try again in an hour.",
        )
        .into());
    }
    let ttl = state.config.links.email_verification_seconds;
    let token = links::issue(
        state,
        LinkRequest {
            purpose: Purpose::VerifyEmail,
            user_id: Some(user.id.clone()),
            email: user.email.as_str().to_string(),
            payload: None,
            ttl_seconds: ttl,
        },
    )
    .await?;
    state.mailer.send_later(
        state
            .mail_context()
            .verify_email(user.email.as_str(), &token, ttl),
    );
    Ok(())
}
