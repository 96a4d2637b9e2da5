//! Reading the mail a test server wrote to its data directory (development mail).

use std::time::{Duration, Instant};
use tessera::mail::{DevMailbox, StoredMail};

/// Waits up to five seconds for `count` messages to `to` and returns them, oldest first.
pub fn wait_for_mail(mailbox: &DevMailbox, to: &str, count: usize) -> Vec<StoredMail> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let mut found: Vec<StoredMail> =
            mailbox.list().into_iter().filter(|m| m.to == to).collect();
        if found.len() >= count || Instant::now() > deadline {
            found.reverse();
            assert!(
                found.len() >= count,
                "expected {count} mail(s) to {to}, found {}",
                found.len()
            );
            return found;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Gives background senders time to finish, then returns every message to `to`.
pub fn settled_mail(mailbox: &DevMailbox, to: &str) -> Vec<StoredMail> {
    std::thread::sleep(Duration::from_millis(400));
    let mut found: Vec<StoredMail> = mailbox.list().into_iter().filter(|m| m.to == to).collect();
    found.reverse();
    found
}

/// The first link in a message that contains `path`, as a path with query.
pub fn link_path(mail: &StoredMail, path: &str) -> String {
    let url = mail
        .text
        .split_whitespace()
        .find(|w| w.contains(path))
        .unwrap_or_else(|| panic!("no {path} link in {:?}", mail.text));
    let start = url.find(path).expect("path in link");
    url[start..].to_string()
}
