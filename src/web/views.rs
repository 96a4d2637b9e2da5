//! The askama view structs, one per template.

use super::page::Chrome;
use crate::domain::{FieldError, User};
use crate::mail::StoredMail;
use askama::Template;

/// Field errors of a submitted form; `form` is the key of an error about the whole form.
#[derive(Debug, Default, Clone)]
pub struct Errors(Vec<FieldError>);

impl Errors {
    /// No errors.
    pub fn none() -> Self {
        Self::default()
    }

    /// One error.
    pub fn one(field: &'static str, message: impl Into<String>) -> Self {
        Self(vec![FieldError::new(field, message)])
    }

    /// The message for a field, if it has one.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

impl From<FieldError> for Errors {
    fn from(error: FieldError) -> Self {
        Self(vec![error])
    }
}

#[derive(Template)]
#[template(path = "sign_in.html")]
pub struct SignInView {
    pub chrome: Chrome,
    pub email: String,
    pub return_to: Option<String>,
    pub errors: Errors,
    pub notice: Option<&'static str>,
    pub sign_up_open: bool,
}

/// A hand-off to an organization's IdP (single sign-on, single logout): a page that moves on by
/// itself rather than a redirect, because a redirect answering a form would leave the origin
/// inside the form submission, which the form page's CSP `form-action 'self'` forbids.
#[derive(Template)]
#[template(path = "handoff.html")]
pub struct HandoffView {
    pub chrome: Chrome,
    pub title: &'static str,
    pub message: String,
    pub target: String,
    pub link_text: String,
}

#[derive(Template)]
#[template(path = "sign_up.html")]
pub struct SignUpView {
    pub chrome: Chrome,
    pub open: bool,
    pub closed_message: &'static str,
    pub email: String,
    pub name: String,
    pub return_to: Option<String>,
    pub errors: Errors,
}

#[derive(Template)]
#[template(path = "check_email.html")]
pub struct CheckEmailView {
    pub chrome: Chrome,
    pub email: String,
    pub message: &'static str,
}

#[derive(Template)]
#[template(path = "verify_email.html")]
pub struct VerifyEmailView {
    pub chrome: Chrome,
    pub email: String,
    pub token: String,
}

#[derive(Template)]
#[template(path = "forgot_password.html")]
pub struct ForgotPasswordView {
    pub chrome: Chrome,
    pub email: String,
    pub errors: Errors,
}

#[derive(Template)]
#[template(path = "reset_password.html")]
pub struct ResetPasswordView {
    pub chrome: Chrome,
    pub token: String,
    pub errors: Errors,
}

#[derive(Template)]
#[template(path = "sign_out.html")]
pub struct SignOutView {
    pub chrome: Chrome,
}

/// The profile form's values (as stored, or as submitted when re-shown with errors).
#[derive(Debug, Default, Clone)]
pub struct ProfileFormValues {
    pub name: String,
    pub given_name: String,
    pub family_name: String,
    pub username: String,
    pub picture: String,
    pub locale: String,
}

impl From<&User> for ProfileFormValues {
    fn from(user: &User) -> Self {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        Self {
            name: text(&user.name),
            given_name: text(&user.given_name),
            family_name: text(&user.family_name),
            username: text(&user.username),
            picture: text(&user.picture),
            locale: text(&user.locale),
        }
    }
}

/// One line of the session list.
#[derive(Debug, Clone)]
pub struct SessionLine {
    pub id: String,
    pub current: bool,
    pub device: String,
    pub ip: String,
    pub created: String,
    pub last_seen: String,
}

/// A line of the "your organizations" list.
#[derive(Debug, Clone)]
pub struct OrgLine {
    pub id: String,
    pub name: String,
    pub slug: String,
    pub role: String,
    pub active: bool,
}

/// An organization the user can join from the account page.
pub struct OfferLine {
    /// `invitation` (its id) or `organization` (a suggestion: the organization's id).
    pub field: &'static str,
    pub id: String,
    pub name: String,
    pub role: Option<String>,
}

/// A line of the "apps with access" list.
#[derive(Debug, Clone)]
pub struct AppLine {
    pub client_id: String,
    pub name: String,
    pub access: Vec<String>,
    pub since: String,
}

#[derive(Template)]
#[template(path = "account.html")]
pub struct AccountView {
    pub chrome: Chrome,
    pub user: User,
    pub form: ProfileFormValues,
    pub sessions: Vec<SessionLine>,
    pub apps: Vec<AppLine>,
    pub orgs: Vec<OrgLine>,
    /// Invitations to the user's verified address, and organizations that suggest themselves.
    pub offers: Vec<OfferLine>,
    /// Whether the "create an organization" form is shown (`organizations.create_from_pages`).
    pub can_create_org: bool,
    /// The organization whose directory owns the account's names and email, if any.
    pub managed_by: Option<String>,
    pub errors: Errors,
    pub notice: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorView {
    pub chrome: Chrome,
    pub title: &'static str,
    pub message: String,
    pub request_id: Option<String>,
}

#[derive(Template)]
#[template(path = "dev_mail.html")]
pub struct DevMailListView {
    pub chrome: Chrome,
    pub mails: Vec<StoredMail>,
}

/// A run of a mail body: plain text, or a link to make clickable.
#[derive(Debug, Clone)]
pub struct MailPart {
    pub text: String,
    pub is_link: bool,
}

#[derive(Template)]
#[template(path = "dev_mail_message.html")]
pub struct DevMailView {
    pub chrome: Chrome,
    pub mail: StoredMail,
    pub parts: Vec<MailPart>,
}
