//! Budgets: how many times one subject (an address, a client address) may do something within a
//! window, counted in `throttle_counters`. Mail to one address is one budget (mail bombing through
//! the public forms); unauthenticated SAML requests from one client address are another (each
//! writes a row before anyone has signed in).

use crate::clock::UnixTime;
use crate::domain::sign_in_throttle::FailureCounter;

/// A budget of `max_per_window` uses per `window_seconds`, counted per subject under `label`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    pub label: &'static str,
    pub max_per_window: i64,
    pub window_seconds: i64,
}

impl Budget {
    /// The counter after one more use at `now`; the window opens at the first use.
    pub fn after_use(&self, previous: Option<&FailureCounter>, now: UnixTime) -> FailureCounter {
        match previous {
            Some(p) if now < p.last_failure_at + self.window_seconds => FailureCounter {
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

    /// True when the counter allows the use just counted.
    pub fn allows(&self, counter: &FailureCounter) -> bool {
        counter.failures <= self.max_per_window
    }

    /// The counter key of a subject (a digest: counters hold no addresses).
    pub fn key(&self, subject: &str) -> String {
        let digest = crate::crypto::SecretDigest::labelled(self.label, subject);
        format!("{}:{}", self.label, digest.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uses_per_window() {
        let budget = Budget {
            label: "t",
            max_per_window: 3,
            window_seconds: 60,
        };
        let mut c = None;
        let mut allowed = 0;
        for i in 0..6 {
            let next = budget.after_use(c.as_ref(), 100 + i);
            allowed += i64::from(budget.allows(&next));
            c = Some(next);
        }
        assert_eq!(allowed, 3);
        assert!(budget.allows(&budget.after_use(c.as_ref(), 160)));
        assert_ne!(budget.key("a"), budget.key("b"));
        assert!(budget.key("a").starts_with("t:"));
    }
}
