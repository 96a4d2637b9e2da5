//! The messages Tessera sends, rendered from `templates/mail/*.txt`.

use askama::Template;

/// A rendered message ready to send.
#[derive(Debug, Clone)]
pub struct OutgoingMail {
    pub to: String,
    pub subject: String,
    pub text: String,
    /// Orders development mail; not a header.
    pub created_at_nanos: u128,
}

/// What every message needs to know about the sender.
#[derive(Debug, Clone)]
pub struct MailContext {
    pub product_name: String,
    pub issuer: String,
    /// Set by the caller from its clock; orders development mail.
    pub now_nanos: u128,
}

#[derive(Template)]
#[template(path = "mail/sign_up.txt")]
struct SignUpMail<'a> {
    product: &'a str,
    link: &'a str,
    hours: i64,
}

#[derive(Template)]
#[template(path = "mail/account_exists.txt")]
struct AccountExistsMail<'a> {
    product: &'a str,
    sign_in: &'a str,
    reset: &'a str,
}

#[derive(Template)]
#[template(path = "mail/verify_email.txt")]
struct VerifyEmailMail<'a> {
    product: &'a str,
    link: &'a str,
    hours: i64,
}

#[derive(Template)]
#[template(path = "mail/password_reset.txt")]
struct PasswordResetMail<'a> {
    product: &'a str,
    link: &'a str,
    minutes: i64,
}

#[derive(Template)]
#[template(path = "mail/invitation.txt")]
struct InvitationMail<'a> {
    product: &'a str,
    organization: &'a str,
    role: &'a str,
    link: &'a str,
    days: i64,
}

#[derive(Template)]
#[template(path = "mail/domain_code.txt")]
struct DomainCodeMail<'a> {
    product: &'a str,
    organization: &'a str,
    domain: &'a str,
    code: &'a str,
    minutes: i64,
}

#[derive(Template)]
#[template(path = "mail/password_changed.txt")]
struct PasswordChangedMail<'a> {
    product: &'a str,
    reset: &'a str,
}

impl MailContext {
    fn mail(&self, to: &str, subject: String, text: Result<String, askama::Error>) -> OutgoingMail {
        OutgoingMail {
            to: to.to_string(),
            subject,
            text: text.unwrap_or_else(|e| format!("(message could not be rendered: {e})")),
            created_at_nanos: self.now_nanos,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.issuer.trim_end_matches('/'), path)
    }

    /// The link that completes a sign-up.
    pub fn sign_up(&self, to: &str, token: &str, ttl_seconds: i64) -> OutgoingMail {
        let link = self.url(&format!("/verify-email?token={token}"));
        let text = SignUpMail {
            product: &self.product_name,
            link: &link,
            hours: (ttl_seconds / 3600).max(1),
        }
        .render();
        self.mail(
            to,
            format!("Confirm your email for {}", self.product_name),
            text,
        )
    }

    /// Sent instead of a sign-up link when the address already has an account.
    pub fn account_exists(&self, to: &str) -> OutgoingMail {
        let text = AccountExistsMail {
            product: &self.product_name,
            sign_in: &self.url("/sign-in"),
            reset: &self.url("/forgot-password"),
        }
        .render();
        self.mail(
            to,
            format!("You already have a {} account", self.product_name),
            text,
        )
    }

    /// The link that verifies an existing account's address.
    pub fn verify_email(&self, to: &str, token: &str, ttl_seconds: i64) -> OutgoingMail {
        let link = self.url(&format!("/verify-email?token={token}"));
        let text = VerifyEmailMail {
            product: &self.product_name,
            link: &link,
            hours: (ttl_seconds / 3600).max(1),
        }
        .render();
        self.mail(
            to,
            format!("Verify your email for {}", self.product_name),
            text,
        )
    }

    /// The link that sets a new password.
    pub fn password_reset(&self, to: &str, token: &str, ttl_seconds: i64) -> OutgoingMail {
        let link = self.url(&format!("/reset-password?token={token}"));
        let text = PasswordResetMail {
            product: &self.product_name,
            link: &link,
            minutes: (ttl_seconds / 60).max(1),
        }
        .render();
        self.mail(
            to,
            format!("Reset your {} password", self.product_name),
            text,
        )
    }

    /// An invitation to join an organization.
    pub fn invitation(
        &self,
        to: &str,
        organization: &str,
        role: &str,
        token: &str,
        ttl_seconds: i64,
    ) -> OutgoingMail {
        let link = self.url(&format!("/invitations/accept?token={token}"));
        let text = InvitationMail {
            product: &self.product_name,
            organization,
            role,
            link: &link,
            days: (ttl_seconds / 86400).max(1),
        }
        .render();
        self.mail(
            to,
            format!("Join {organization} on {}", self.product_name),
            text,
        )
    }

    /// The code that proves an organization's claim on a domain.
    pub fn domain_code(
        &self,
        to: &str,
        organization: &str,
        domain: &str,
        code: &str,
        ttl_seconds: i64,
    ) -> OutgoingMail {
        let text = DomainCodeMail {
            product: &self.product_name,
            organization,
            domain,
            code,
            minutes: (ttl_seconds / 60).max(1),
        }
        .render();
        self.mail(
            to,
            format!("Verification code for {domain} on {}", self.product_name),
            text,
        )
    }

    /// Tells the owner that their password changed (ASVS 6.3.7).
    pub fn password_changed(&self, to: &str) -> OutgoingMail {
        let text = PasswordChangedMail {
            product: &self.product_name,
            reset: &self.url("/forgot-password"),
        }
        .render();
        self.mail(
            to,
            format!("Your {} password was changed", self.product_name),
            text,
        )
    }
}
