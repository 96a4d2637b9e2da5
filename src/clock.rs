//! The time source. Everything that depends on "now" takes it from a [`Clock`], so tests can
//! move time forward to reach expiry instead of sleeping.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// Seconds since the Unix epoch, UTC. Every stored time in Tessera has this unit.
pub type UnixTime = i64;

/// Where the current time comes from.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current time in seconds since the Unix epoch.
    fn now(&self) -> UnixTime;
}

/// The wall clock; the only place allowed to read it.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)]
    fn now(&self) -> UnixTime {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0)
    }
}

/// A clock that starts at the wall-clock time and moves only when told to; for tests.
#[derive(Debug, Clone)]
pub struct ManualClock {
    now: Arc<AtomicI64>,
}

impl ManualClock {
    /// A manual clock set to the current wall-clock time.
    pub fn starting_now() -> Self {
        Self::at(SystemClock.now())
    }

    /// A manual clock set to `now`.
    pub fn at(now: UnixTime) -> Self {
        Self {
            now: Arc::new(AtomicI64::new(now)),
        }
    }

    /// Moves the clock forward by `seconds`.
    pub fn advance(&self, seconds: i64) {
        self.now.fetch_add(seconds, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> UnixTime {
        self.now.load(Ordering::SeqCst)
    }
}
