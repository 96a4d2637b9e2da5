//! How many messages one address may be sent per hour: a bound on mail bombing through the public
//! sign-up and password-reset forms.

use crate::clock::UnixTime;
use crate::domain::sign_in_throttle::FailureCounter;

use super::budget::Budget;

/// Messages per address per window.
pub const MAX_PER_WINDOW: i64 = 5;
/// The window, in seconds.
pub const WINDOW_SECONDS: i64 = 3600;

/// The budget of mail to one address.
pub const MAIL: Budget = Budget {
    label: "mail",
    max_per_window: MAX_PER_WINDOW,
    window_seconds: WINDOW_SECONDS,
};

/// The counter after one more message at `now`; the message may go when `failures` (the count of
/// messages in the window) is at most [`MAX_PER_WINDOW`]. The window opens at the first message.
pub fn after_message(previous: Option<&FailureCounter>, now: UnixTime) -> FailureCounter {
    MAIL.after_use(previous, now)
}

/// True when the counter allows the message just counted.
pub fn allows(counter: &FailureCounter) -> bool {
    MAIL.allows(counter)
}

/// The counter key for an address.
pub fn key(email: &str) -> String {
    MAIL.key(email)
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
