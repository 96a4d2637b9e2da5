//! What an operator does to accounts (the CLI now, the admin API later). The same rules as the
//! hosted pages: normalised email, username and profile checks, the password policy.

use super::AccountError;
use crate::app::AppState;
use crate::domain::user::parse_metadata;
use crate::domain::username::Username;
use crate::domain::{EmailAddress, FieldError, User, profile};
use crate::storage::users;

/// A new user as an operator describes it.
#[derive(Debug, Default)]
pub struct NewUserInput {
    pub email: String,
    pub username: Option<String>,
    pub name: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub password: Option<String>,
    pub verified: bool,
}

/// Changes to a user; `None` leaves a field alone, an empty string clears it.
#[derive(Debug, Default)]
pub struct UserChanges {
    pub email: Option<String>,
    pub verified: Option<bool>,
    pub username: Option<String>,
    pub name: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub picture: Option<String>,
    pub locale: Option<String>,
    pub public_metadata: Option<String>,
    pub private_metadata: Option<String>,
}

fn optional_username(input: Option<&str>) -> Result<Option<String>, FieldError> {
    match input.map(str::trim) {
        None | Some("") => Ok(None),
        Some(value) => Ok(Some(Username::parse(value)?.into_string())),
    }
}

fn optional_name(field: &'static str, input: Option<&str>) -> Result<Option<String>, FieldError> {
    input.map_or(Ok(None), |v| profile::parse_name(field, v))
}

/// Creates a user. With a password it must pass the policy; without one the user can only get in
/// through a password reset.
pub async fn create_user(state: &AppState, input: NewUserInput) -> Result<User, AccountError> {
    let now = state.clock.now();
    let user = User {
        username: optional_username(input.username.as_deref())?,
        name: optional_name("name", input.name.as_deref())?,
        given_name: optional_name("given_name", input.given_name.as_deref())?,
        family_name: optional_name("family_name", input.family_name.as_deref())?,
        has_password: input.password.is_some(),
        ..User::new(EmailAddress::parse(&input.email)?, input.verified, now)
    };
    let hash = match &input.password {
        Some(password) => {
            let mut context = user.context_words();
            context.push(&state.config.brand.product_name);
            state
                .password_policy
                .check("password", password, &context)?;
            Some(state.hasher.hash(password).await?)
        }
        None => None,
    };
    let stored = user.clone();
    let ttl = state.config.organizations.invitation_days * 24 * 3600;
    state
        .db
        .run(move |conn| {
            crate::storage::write_transaction(conn, |c| {
                users::insert(c, &stored, hash.as_deref())?;
                crate::webhooks::user_event_in(c, now, "user.created", &stored)?;
                if stored.email_verified {
                    crate::organizations::domains::address_verified_in(c, &stored, now, ttl)?;
                }
                Ok(())
            })
        })
        .await?;
    Ok(user)
}

/// Finds a user by id, email or username.
pub async fn find(state: &AppState, reference: &str) -> Result<User, AccountError> {
    let reference = reference.to_string();
    state
        .db
        .run(move |conn| users::find_by_reference(conn, &reference))
        .await?
        .ok_or(AccountError::NotFound)
}

/// A page of users (see `storage::users::list`).
pub async fn list(
    state: &AppState,
    search: Option<String>,
    after: Option<String>,
    limit: i64,
) -> Result<Vec<User>, AccountError> {
    Ok(state
        .db
        .run(move |conn| users::list(conn, search.as_deref(), after.as_deref(), limit))
        .await?)
}

/// Applies changes after validating all of them; nothing is written if one is invalid.
pub async fn update_user(
    state: &AppState,
    reference: &str,
    changes: UserChanges,
) -> Result<User, AccountError> {
    let mut user = find(state, reference).await?;
    let before = (user.email.clone(), user.email_verified);
    if let Some(email) = &changes.email {
        let email = EmailAddress::parse(email)?;
        if email != user.email {
            user.email = email;
            // A new address is unverified unless the operator says otherwise below.
            user.email_verified = false;
        }
    }
    if let Some(verified) = changes.verified {
        user.email_verified = verified;
    }
    if let Some(username) = &changes.username {
        user.username = optional_username(Some(username))?;
    }
    if let Some(name) = &changes.name {
        user.name = profile::parse_name("name", name)?;
    }
    if let Some(name) = &changes.given_name {
        user.given_name = profile::parse_name("given_name", name)?;
    }
    if let Some(name) = &changes.family_name {
        user.family_name = profile::parse_name("family_name", name)?;
    }
    if let Some(picture) = &changes.picture {
        user.picture = profile::parse_picture(picture)?;
    }
    if let Some(locale) = &changes.locale {
        user.locale = profile::parse_locale(locale)?;
    }
    if let Some(json) = &changes.public_metadata {
        user.public_metadata = parse_metadata("public_metadata", json)?;
    }
    if let Some(json) = &changes.private_metadata {
        user.private_metadata = parse_metadata("private_metadata", json)?;
    }
    let newly_verified = user.email_verified && (!before.1 || before.0 != user.email);
    user.updated_at = state.clock.now();
    let saved = user.clone();
    let ttl = state.config.organizations.invitation_days * 24 * 3600;
    state
        .db
        .run(move |conn| {
            crate::storage::write_transaction(conn, |c| {
                users::update(c, &saved)?;
                crate::webhooks::user_event_in(c, saved.updated_at, "user.updated", &saved)?;
                if newly_verified {
                    crate::organizations::domains::address_verified_in(
                        c,
                        &saved,
                        saved.updated_at,
                        ttl,
                    )?;
                }
                Ok(())
            })
        })
        .await?;
    Ok(user)
}

/// Disables (ending every session) or enables a user.
pub async fn set_disabled(
    state: &AppState,
    reference: &str,
    disabled: bool,
) -> Result<User, AccountError> {
    let mut user = find(state, reference).await?;
    let now = state.clock.now();
    user.disabled = disabled;
    user.updated_at = now;
    let changed = user.clone();
    state
        .db
        .run(move |conn| {
            crate::storage::write_transaction(conn, |c| {
                let ended = users::set_disabled(c, &changed.id, disabled, now)?;
                crate::webhooks::sessions_ended_in(c, now, &changed.id, &ended, "user_disabled")?;
                crate::webhooks::user_event_in(c, now, "user.updated", &changed)
            })
        })
        .await?;
    Ok(user)
}

/// Deletes a user and everything that hangs off it. Apps that asked for back-channel logout and
/// got tokens in one of the user's sessions are told now, once each (the grants the worker would
/// retry from go with the user). The only admin of an organization cannot be deleted: someone
/// else must be made admin first.
pub async fn delete_user(state: &AppState, reference: &str) -> Result<User, AccountError> {
    let user = find(state, reference).await?;
    let deleted = user.clone();
    let now = state.clock.now();
    let outcome = state
        .db
        .run(move |conn| {
            crate::storage::write_transaction(conn, |c| delete_user_in(c, &deleted, now))
        })
        .await?;
    let pending = outcome.map_err(|sole| {
        AccountError::Conflict(FieldError::new(
            "user",
            format!(
                "is the only admin of {}; make someone else admin first",
                sole.join(", ")
            ),
        ))
    })?;
    crate::oidc::backchannel::deliver_once(state, &pending).await;
    Ok(user)
}

/// Deletes a user inside the caller's transaction, with the webhooks that go with it (sessions
/// ended, memberships deleted, the user deleted). Refused, with the slugs, when the user is the
/// only admin of an organization. Gives the back-channel logouts to deliver once it commits.
pub fn delete_user_in(
    c: &mut crate::storage::DbConnection,
    user: &User,
    now: crate::clock::UnixTime,
) -> crate::storage::StorageResult<Result<Vec<crate::storage::grants::LogoutDue>, Vec<String>>> {
    let id = &user.id;
    let sole = crate::storage::organizations::sole_admin_of(c, id)?;
    if !sole.is_empty() {
        return Ok(Err(sole));
    }
    let pending = crate::storage::grants::pending_logouts_for_user(c, id)?;
    let memberships = crate::storage::organizations::of_user(c, id)?;
    let ended = crate::storage::sessions::delete_others(c, id, None)?;
    users::delete(c, id)?;
    crate::webhooks::sessions_ended_in(c, now, id, &ended, "user_deleted")?;
    for (_, membership) in &memberships {
        crate::webhooks::emit_in(
            c,
            now,
            "organizationMembership.deleted",
            crate::webhooks::membership_data(membership),
        )?;
    }
    crate::webhooks::user_event_in(c, now, "user.deleted", user)?;
    Ok(Ok(pending))
}

/// Sets a password (ending every session of the user).
pub async fn set_password(
    state: &AppState,
    reference: &str,
    password: &str,
) -> Result<User, AccountError> {
    let mut user = find(state, reference).await?;
    let mut context = user.context_words();
    context.push(&state.config.brand.product_name);
    state
        .password_policy
        .check("password", password, &context)?;
    let hash = state.hasher.hash(password).await?;
    let now = state.clock.now();
    let id = user.id.clone();
    state
        .db
        .run(move |conn| {
            crate::storage::write_transaction(conn, |c| {
                let ended = users::set_password(c, &id, &hash, None, now)?;
                crate::webhooks::sessions_ended_in(c, now, &id, &ended, "password_changed")
            })
        })
        .await?;
    user.has_password = true;
    Ok(user)
}
