//! A user account as every part of Tessera sees it.

use super::EmailAddress;
use crate::clock::UnixTime;

/// A user account. `private_metadata` never leaves the admin surface; `public_metadata` may be
/// put into tokens by later protocols.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: String,
    pub email: EmailAddress,
    pub email_verified: bool,
    pub username: Option<String>,
    pub name: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub picture: Option<String>,
    pub locale: Option<String>,
    pub disabled: bool,
    pub has_password: bool,
    pub public_metadata: serde_json::Value,
    pub private_metadata: serde_json::Value,
    pub created_at: UnixTime,
    pub updated_at: UnixTime,
}

impl User {
    /// A new, enabled user with only an address: no names, no password, empty metadata.
    pub fn new(email: EmailAddress, email_verified: bool, now: UnixTime) -> Self {
        Self {
            id: new_user_id(),
            email,
            email_verified,
            username: None,
            name: None,
            given_name: None,
            family_name: None,
            picture: None,
            locale: None,
            disabled: false,
            has_password: false,
            public_metadata: serde_json::json!({}),
            private_metadata: serde_json::json!({}),
            created_at: now,
            updated_at: now,
        }
    }

    /// What the hosted pages call the person: display name, else given name, else email.
    pub fn display_name(&self) -> &str {
        self.name
            .as_deref()
            .or(self.given_name.as_deref())
            .unwrap_or(self.email.as_str())
    }

    /// Words a new password must not be (ASVS 6.2.11).
    pub fn context_words(&self) -> Vec<&str> {
        [
            Some(self.email.as_str()),
            self.username.as_deref(),
            self.name.as_deref(),
            self.given_name.as_deref(),
            self.family_name.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

/// A new, time-ordered user id.
pub fn new_user_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Checks that a metadata blob is a JSON object of bounded size.
pub fn parse_metadata(
    field: &'static str,
    input: &str,
) -> Result<serde_json::Value, super::FieldError> {
    const MAX: usize = 8 * 1024;
    if input.len() > MAX {
        return Err(super::FieldError::new(
            field,
            format!("Metadata is limited to {MAX} bytes."),
        ));
    }
    match serde_json::from_str::<serde_json::Value>(input) {
        Ok(value @ serde_json::Value::Object(_)) => Ok(value),
        Ok(_) => Err(super::FieldError::new(
            field,
            "Metadata must be a JSON object.",
        )),
        Err(e) => Err(super::FieldError::new(
            field,
            format!("Not valid JSON: {e}"),
        )),
    }
}
