//! Form bodies. Every field defaults to empty, so a missing field is reported by validation (or
//! as a CSRF failure) rather than as an unreadable body.

use serde::Deserialize;

/// Longest value any single text field may carry before validation even looks at it.
pub const MAX_FIELD_BYTES: usize = 4096;

/// The body size limit of every form.
pub const MAX_FORM_BYTES: usize = 16 * 1024;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CsrfOnly {
    pub csrf_token: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SignInForm {
    pub csrf_token: String,
    pub email: String,
    pub password: String,
    pub return_to: Option<String>,
    /// "Continue with SSO": sign in through the email domain's SAML connection.
    pub sso: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SignUpForm {
    pub csrf_token: String,
    pub email: String,
    pub name: String,
    pub password: String,
    pub return_to: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TokenForm {
    pub csrf_token: String,
    pub token: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct EmailForm {
    pub csrf_token: String,
    pub email: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ResetPasswordForm {
    pub csrf_token: String,
    pub token: String,
    pub password: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ProfileForm {
    pub csrf_token: String,
    pub name: String,
    pub given_name: String,
    pub family_name: String,
    pub username: String,
    pub picture: String,
    pub locale: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PasswordChangeForm {
    pub csrf_token: String,
    pub current_password: String,
    pub new_password: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReturnToQuery {
    pub return_to: Option<String>,
    pub notice: Option<String>,
    /// Show the sign-in form even when signed in (an app asked for `prompt=login`).
    pub login: Option<String>,
    /// Prefills the email field (`login_hint`).
    pub login_hint: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TokenQuery {
    pub token: String,
}

/// True when any field is longer than [`MAX_FIELD_BYTES`].
pub fn any_oversized(fields: &[&str]) -> bool {
    fields.iter().any(|f| f.len() > MAX_FIELD_BYTES)
}
