//! Editing one's own profile from the account page.

use super::AccountError;
use crate::app::AppState;
use crate::domain::username::Username;
use crate::domain::{User, profile};
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
    let saved = updated.clone();
    state
        .db
        .run(move |conn| {
            crate::storage::write_transaction(conn, |c| {
                users::update(c, &saved)?;
                crate::webhooks::user_event_in(c, saved.updated_at, "user.updated", &saved)
            })
        })
        .await?;
    Ok(updated)
}
