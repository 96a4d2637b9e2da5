//! When a signed-in session is alive: an idle timeout and an absolute lifetime (ASVS 5.0 V7.3).

use crate::clock::UnixTime;
use crate::config::SessionConfig;

/// How often `last_seen_at` is written, at most: activity is tracked without a write per request.
pub const TOUCH_INTERVAL_SECONDS: i64 = 60;

/// The lifetimes of sessions.
#[derive(Debug, Clone, Copy)]
pub struct SessionLifetimes {
    pub idle: i64,
    pub absolute: i64,
}

impl From<&SessionConfig> for SessionLifetimes {
    fn from(c: &SessionConfig) -> Self {
        Self {
            idle: c.idle_timeout_seconds,
            absolute: c.absolute_lifetime_seconds,
        }
    }
}

/// The times that decide a session's life.
#[derive(Debug, Clone, Copy)]
pub struct SessionTimes {
    pub created_at: UnixTime,
    pub last_seen_at: UnixTime,
    pub expires_at: UnixTime,
}

impl SessionLifetimes {
    /// The absolute end of a session that starts now.
    pub fn expires_at(&self, now: UnixTime) -> UnixTime {
        now + self.absolute
    }

    /// True while neither the idle timeout nor the absolute lifetime has passed.
    pub fn is_alive(&self, t: &SessionTimes, now: UnixTime) -> bool {
        now < t.expires_at && now < t.last_seen_at + self.idle
    }

    /// True when `last_seen_at` is stale enough to be worth a write.
    pub fn needs_touch(&self, t: &SessionTimes, now: UnixTime) -> bool {
        now - t.last_seen_at >= TOUCH_INTERVAL_SECONDS
    }

    /// The earliest `last_seen_at` a live session can have at `now`.
    pub fn idle_cutoff(&self, now: UnixTime) -> UnixTime {
        now - self.idle
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_and_absolute_expiry() {
        let l = SessionLifetimes {
            idle: 100,
            absolute: 1000,
        };
        let t = SessionTimes {
            created_at: 0,
            last_seen_at: 0,
            expires_at: l.expires_at(0),
        };
        assert!(l.is_alive(&t, 99));
        assert!(!l.is_alive(&t, 100));
        let t = SessionTimes {
            last_seen_at: 950,
            ..t
        };
        assert!(l.is_alive(&t, 999));
        assert!(!l.is_alive(&t, 1000));
    }
}
