//! Development mail: each message a text file in a folder, newest listed first.

use super::{MailError, OutgoingMail};
use std::path::{Path, PathBuf};

/// The folder development mail is written to.
#[derive(Debug, Clone)]
pub struct DevMailbox {
    dir: PathBuf,
}

/// A message read back from the folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMail {
    /// The file name without extension; safe to put in a URL.
    pub id: String,
    pub to: String,
    pub subject: String,
    pub text: String,
}

impl DevMailbox {
    pub fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Writes one message as `<nanos>-<random>.txt`: headers, a blank line, the body.
    pub fn store(&self, mail: &OutgoingMail) -> Result<(), MailError> {
        std::fs::create_dir_all(&self.dir).map_err(|e| MailError::Send(e.to_string()))?;
        let id = format!(
            "{:020}-{}",
            mail.created_at_nanos,
            &crate::crypto::random_token()[..8]
        );
        let body = format!(
            "To: {}\nSubject: {}\n\n{}",
            mail.to, mail.subject, mail.text
        );
        let path = self.dir.join(format!("{id}.txt"));
        let tmp = self.dir.join(format!(".{id}.tmp"));
        std::fs::write(&tmp, body).map_err(|e| MailError::Send(e.to_string()))?;
        std::fs::rename(&tmp, &path).map_err(|e| MailError::Send(e.to_string()))?;
        tracing::info!(to = %mail.to, subject = %mail.subject, file = %path.display(), "development mail written");
        Ok(())
    }

    /// Every stored message, newest first.
    pub fn list(&self) -> Vec<StoredMail> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .filter_map(|e| e.file_name().into_string().ok())
            .filter_map(|n| n.strip_suffix(".txt").map(str::to_string))
            .collect();
        names.sort_unstable_by(|a, b| b.cmp(a));
        names.into_iter().filter_map(|id| self.get(&id)).collect()
    }

    /// One message by id; ids that are not plain file names are refused.
    pub fn get(&self, id: &str) -> Option<StoredMail> {
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return None;
        }
        let text = std::fs::read_to_string(self.dir.join(format!("{id}.txt"))).ok()?;
        let (headers, body) = text.split_once("\n\n")?;
        let header = |name: &str| {
            headers
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .map(str::to_string)
                .unwrap_or_default()
        };
        Some(StoredMail {
            id: id.to_string(),
            to: header("To: "),
            subject: header("Subject: "),
            text: body.to_string(),
        })
    }
}
