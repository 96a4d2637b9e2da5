//! Sign-up without account enumeration: the form always answers "check your email". A new address
//! gets a link that creates the account when used; an address that already has an account gets a
//! note saying so instead. Both cost the same argon2 hash, and the mail goes out in the background,
//! so neither the page nor its timing tells the two apart.

use super::links::{self, LinkRequest};
use super::{AccountError, mail_budget_allows};
use crate::app::AppState;
use crate::config::SignUpMode;
use crate::domain::{EmailAddress, FieldError, profile};
use crate::storage::one_time_tokens::Purpose;
use crate::storage::users;
use serde::{Deserialize, Serialize};

/// The sign-up form as submitted.
#[derive(Debug)]
pub struct SignUpRequest<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub password: &'a str,
    /// Where to go after the link is used (already checked to be a local path).
    pub return_to: Option<String>,
}

/// What the sign-up link carries until it is used.
#[derive(Debug, Serialize, Deserialize)]
pub struct PendingSignUp {
    pub password_hash: String,
    pub name: Option<String>,
    pub return_to: Option<String>,
}

/// Validates the form, hashes the password and sends the right mail in the background. Returns
/// the address the mail goes to.
pub async fn start(
    state: &AppState,
    request: SignUpRequest<'_>,
) -> Result<EmailAddress, AccountError> {
    if state.config.sign_up.mode != SignUpMode::Open {
        return Err(FieldError::new("email", "Sign-up is not open on this server.").into());
    }
    let email = EmailAddress::parse(request.email)?;
    let name = profile::parse_name("name", request.name)?;
    let product = state.config.brand.product_name.as_str();
    let mut context = vec![email.as_str(), product];
    context.extend(name.as_deref());
    state
        .password_policy
        .check("password", request.password, &context)?;
    let password_hash = state.hasher.hash(request.password).await?;

    let pending = PendingSignUp {
        password_hash,
        name,
        return_to: request.return_to,
    };
    let state = state.clone();
    let to = email.clone();
    tokio::spawn(async move {
        if let Err(error) = send_sign_up_mail(&state, to, pending).await {
            tracing::error!(%error, "sign-up mail not sent");
        }
    });
    Ok(email)
}

async fn send_sign_up_mail(
    state: &AppState,
    email: EmailAddress,
    pending: PendingSignUp,
) -> Result<(), AccountError> {
    if !mail_budget_allows(state, &email).await? {
        tracing::warn!("sign-up mail suppressed: too many messages to this address this hour");
        return Ok(());
    }
    let address = email.clone();
    let exists = state
        .db
        .run(move |conn| Ok(users::find_by_email(conn, &address)?.is_some()))
        .await?;
    let context = state.mail_context();
    let mail = if exists {
        context.account_exists(email.as_str())
    } else {
        let ttl = state.config.links.email_verification_seconds;
        let payload =
            serde_json::to_string(&pending).map_err(|e| AccountError::Internal(e.to_string()))?;
        let token = links::issue(
            state,
            LinkRequest {
                purpose: Purpose::SignUp,
                user_id: None,
                email: email.as_str().to_string(),
                payload: Some(payload),
                ttl_seconds: ttl,
            },
        )
        .await?;
        context.sign_up(email.as_str(), &token, ttl)
    };
    state
        .mailer
        .send(mail)
        .await
        .map_err(|e| AccountError::Internal(e.to_string()))
}
