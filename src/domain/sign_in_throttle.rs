//! Throttling of failed sign-ins (ASVS 5.0 6.3.1), as pure decisions over stored counters.
//!
//! Three counters can apply to one attempt:
//! - the client address (an IPv6 /64 counts as one address): many failures block it for a window;
//! - the account, for browsers that have never signed in to it: after a few failures such browsers
//!   wait, the wait doubling with each further failure up to a cap;
//! - a known browser (it holds a device cookie from an earlier successful sign-in to the account):
//!   limited on its own, so an attacker's failures never lock the real owner out of their browser.
//!
//! Counters keyed by an email address exist whether or not the account does, so throttling never
//! tells an attacker which addresses have accounts.

use crate::clock::UnixTime;
use crate::config::ThrottleConfig;
use std::net::IpAddr;

/// What one counter holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureCounter {
    /// Failures since the counter last expired.
    pub failures: i64,
    /// When the last failure happened; the counter expires `window` after it.
    pub last_failure_at: UnixTime,
    /// Attempts are refused before this time (0 when not blocked).
    pub blocked_until: UnixTime,
}

/// Which kind of counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    ClientAddress,
    Account,
    KnownDevice,
}

/// A counter's storage key. The account and device parts are digests, never raw addresses.
pub fn key(scope: Scope, subject: &str) -> String {
    let prefix = match scope {
        Scope::ClientAddress => "ip",
        Scope::Account => "account",
        Scope::KnownDevice => "device",
    };
    let digest = crate::crypto::SecretDigest::labelled(prefix, subject);
    format!("{prefix}:{}", digest.as_str())
}

/// The address an IP counter is kept for: the address itself for IPv4, its /64 for IPv6, since
/// one IPv6 client usually controls a whole /64.
pub fn client_address_subject(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// The configured limits.
#[derive(Debug, Clone)]
pub struct ThrottlePolicy {
    config: ThrottleConfig,
}

impl ThrottlePolicy {
    /// The policy for a configuration.
    pub fn new(config: ThrottleConfig) -> Self {
        Self { config }
    }

    fn limit(&self, scope: Scope) -> i64 {
        match scope {
            Scope::ClientAddress => self.config.ip_max_failures,
            Scope::Account => self.config.account_max_failures,
            Scope::KnownDevice => self.config.device_max_failures,
        }
    }

    /// Seconds until an attempt under this counter is allowed again, or `None` if it is now.
    pub fn wait(&self, counter: Option<&FailureCounter>, now: UnixTime) -> Option<i64> {
        let counter = counter?;
        (counter.blocked_until > now).then(|| counter.blocked_until - now)
    }

    /// The counter after one more failure at `now`.
    pub fn after_failure(
        &self,
        scope: Scope,
        previous: Option<&FailureCounter>,
        now: UnixTime,
    ) -> FailureCounter {
        let window = self.config.window_seconds;
        let failures = match previous {
            Some(p) if now < p.last_failure_at + window => p.failures + 1,
            _ => 1,
        };
        let limit = self.limit(scope);
        let blocked_until = if failures < limit {
            0
        } else {
            match scope {
                Scope::ClientAddress => now + window,
                Scope::Account | Scope::KnownDevice => {
                    let doublings = (failures - limit).min(20) as u32;
                    let wait = self
                        .config
                        .base_lockout_seconds
                        .saturating_mul(1i64 << doublings)
                        .min(self.config.max_lockout_seconds);
                    now + wait
                }
            }
        };
        FailureCounter {
            failures,
            last_failure_at: now,
            blocked_until,
        }
    }

    /// How long counters are worth keeping after their last failure.
    pub fn retention_seconds(&self) -> i64 {
        self.config.window_seconds + self.config.max_lockout_seconds
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> ThrottlePolicy {
        ThrottlePolicy::new(ThrottleConfig::default())
    }

    #[test]
    fn account_waits_double_and_are_capped() {
        let p = policy();
        let mut c = None;
        let mut waits = Vec::new();
        for i in 0..12 {
            let next = p.after_failure(Scope::Account, c.as_ref(), 1000 + i);
            waits.push(p.wait(Some(&next), 1000 + i).unwrap_or(0));
            c = Some(next);
        }
        assert_eq!(&waits[..4], &[0, 0, 0, 0]);
        assert_eq!(&waits[4..9], &[30, 60, 120, 240, 480]);
        assert_eq!(waits[9], 900);
        assert_eq!(waits[11], 900, "never longer than max_lockout_seconds");
    }

    #[test]
    fn counters_expire_after_a_quiet_window() {
        let p = policy();
        let c = p.after_failure(Scope::Account, None, 0);
        let c = p.after_failure(Scope::Account, Some(&c), 10);
        assert_eq!(c.failures, 2);
        let c = p.after_failure(Scope::Account, Some(&c), 10 + 900);
        assert_eq!(c.failures, 1);
    }

    #[test]
    fn ipv6_counts_per_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1"
            .parse()
            .unwrap_or(IpAddr::from([0; 4]));
        let b: IpAddr = "2001:db8:1:2:bbbb::9"
            .parse()
            .unwrap_or(IpAddr::from([0; 4]));
        assert_eq!(client_address_subject(a), client_address_subject(b));
        assert_eq!(key(Scope::Account, "x").len(), "account:".len() + 64);
    }
}
