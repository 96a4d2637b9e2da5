//! Outgoing mail: SMTP through lettre when configured, otherwise (development) one text file per
//! message under `<data_dir>/mail`, which `/dev/mail` shows.
//!
//! Sending happens off the request path ([`Mailer::send_later`]), so a request that mails and one
//! that does not take the same time: no account enumeration through response timing.

mod messages;
mod outbox_dir;
mod smtp;

pub use messages::{MailContext, OutgoingMail};
pub use outbox_dir::{DevMailbox, StoredMail};

use crate::config::Config;

/// Why a message was not sent.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("mail configuration: {0}")]
    Config(String),
    #[error("sending mail failed: {0}")]
    Send(String),
}

/// Where mail goes.
#[derive(Clone)]
pub enum Mailer {
    Smtp(Box<smtp::SmtpMailer>),
    Directory(DevMailbox),
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Mailer::Smtp(_) => f.write_str("Mailer::Smtp"),
            Mailer::Directory(d) => write!(f, "Mailer::Directory({})", d.path().display()),
        }
    }
}

impl Mailer {
    /// SMTP when configured, else the data directory's mail folder.
    pub fn from_config(config: &Config) -> Result<Self, MailError> {
        match &config.smtp {
            Some(smtp) => Ok(Mailer::Smtp(Box::new(smtp::SmtpMailer::new(smtp)?))),
            None => Ok(Mailer::Directory(DevMailbox::new(
                config.data_dir.join("mail"),
            ))),
        }
    }

    /// Sends now and reports the outcome.
    pub async fn send(&self, mail: OutgoingMail) -> Result<(), MailError> {
        match self {
            Mailer::Smtp(smtp) => smtp.send(mail).await,
            Mailer::Directory(dir) => {
                let dir = dir.clone();
                tokio::task::spawn_blocking(move || dir.store(&mail))
                    .await
                    .map_err(|e| MailError::Send(e.to_string()))?
            }
        }
    }

    /// Sends in the background; failures are logged. The request does not wait.
    pub fn send_later(&self, mail: OutgoingMail) {
        let mailer = self.clone();
        tokio::spawn(async move {
            let subject = mail.subject.clone();
            if let Err(error) = mailer.send(mail).await {
                tracing::error!(%error, %subject, "mail not sent");
            }
        });
    }
}
