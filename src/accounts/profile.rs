//! Editing one's own profile from the account page.

use super::AccountError;
use crate::app::AppState;
use crate::domain::username::Username;
use crate::domain::{FieldError, User, profile};
use crate::storage::users;

/// The profile form as submitted.
#[derive(Debug, Default)]
pub struct ProfileInput<'a> {
    pub name: &'a str,
    pub given_name: &'a str,
    pub family_name: &'a str,
    pub username: &'a str,
    pub picture: &'a str,
    pub locale: &'a str,
}

/// Validates every field, then saves them together; returns the updated user.
pub async fn update(
    state: &AppState,
    user: &User,
    input: ProfileInput<'_>,
) -> Result<User, AccountError> {
    let mut updated = user.clone();
    updated.name = profile::parse_name("name", input.name)?;
    updated.given_name = profile::parse_name("given_name", input.given_name)?;
    updated.family_name = profile::parse_name("family_name", input.family_name)?;
    updated.username = match input.username.trim() {
        "" => None,
        value => Some(Username::parse(value)?.into_string()),
    };
    updated.picture = profile::parse_picture(input.picture)?;
    updated.locale = profile::parse_locale(input.locale)?;
    updated.updated_at = state.clock.now();
    let names_changed = updated.name != user.name
        || updated.given_name != user.given_name
        || updated.family_name != user.family_name;
    let saved = updated.clone();
    let refused = state
        .db
        .run(move |conn| {
            crate::storage::write_transaction(conn, |c| {
                // The directory that owns the account owns its names (accounts/directory.rs).
                if names_changed && let Some(org) = super::directory::owner_in(c, &saved)? {
                    return Ok(Some(org.name));
                }
                users::update(c, &saved)?;
                crate::webhooks::user_event_in(c, saved.updated_at, "user.updated", &saved)?;
                Ok(None)
            })
        })
        .await?;
    if let Some(org) = refused {
        // Shown above the form: the name fields are read-only, there is nothing to correct.
        return Err(AccountError::Invalid(FieldError::new(
            "form",
            format!("Your name comes from {org}'s directory; ask its administrators to change it."),
        )));
    }
    Ok(updated)
}
