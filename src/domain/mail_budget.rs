//! How many messages one address may be sent per hour: a bound on mail bombing through the public
//! sign-up and password-reset forms.

use crate::clock::UnixTime;
use crate::domain::sign_in_throttle::FailureCounter;

/// Messages per address per window.
pub const MAX_PER_WINDOW: i64 = 5;
/// The window, in seconds.
pub const WINDOW_SECONDS: i64 = 3600;

/// The counter after one more message at `now`; the message may go when `failures` (the count of
/// messages in the window) is at most [`MAX_PER_WINDOW`]. The window opens at the first message.
pub fn after_message(previous: Option<&FailureCounter>, now: UnixTime) -> FailureCounter {
    match previous {
        Some(p) if now < p.last_failure_at + WINDOW_SECONDS => FailureCounter {
            failures: p.failures + 1,
            ..*p
        },
        _ => FailureCounter {
            failures: 1,
            last_failure_at: now,
            blocked_until: 0,
        },
    }
}

/// True when the counter allows the message just counted.
pub fn allows(counter: &FailureCounter) -> bool {
    counter.failures <= MAX_PER_WINDOW
}

/// The counter key for an address.
pub fn key(email: &str) -> String {
    let digest = crate::crypto::SecretDigest::labelled("mail", email);
    format!("mail:{}", digest.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_per_hour() {
        let mut c = None;
        let mut allowed = 0;
        for i in 0..8 {
            let next = after_message(c.as_ref(), 100 + i);
            allowed += i64::from(allows(&next));
            c = Some(next);
        }
        assert_eq!(allowed, MAX_PER_WINDOW);
        let later = after_message(c.as_ref(), 100 + WINDOW_SECONDS);
        assert!(allows(&later));
    }
}
