//! Failed sign-ins are throttled per account and per client address, in the database (so the
//! limits hold across server processes), without letting an attacker lock the owner out of a
//! browser they have signed in from before (ASVS 5.0 6.3.1).

use crate::both_backends;
use crate::support::{PASSWORD, TestDb, TestServer};
use std::sync::Arc;

const WRONG: &str = "definitely not it";

both_backends! {
    fn an_account_waits_after_five_failures_and_the_wait_grows_but_is_capped(backend) {
        let server = TestServer::start(backend);
        server.create_user("ada@example.com", PASSWORD);
        let attacker = server.browser();
        for _ in 0..5 {
            attacker.sign_in("ada@example.com", WRONG).assert_status(401);
        }
        let blocked = attacker.sign_in("ada@example.com", PASSWORD);
        blocked.assert_status(429).assert_contains("Too many failed attempts");
        assert_eq!(blocked.header("retry-after").as_deref(), Some("30"));
        // Any browser the account was never used in waits too, even with the right password.
        server.browser().sign_in("ada@example.com", PASSWORD).assert_status(429);

        server.clock.advance(31);
        attacker.sign_in("ada@example.com", WRONG).assert_status(401);
        let longer = attacker.sign_in("ada@example.com", WRONG);
        longer.assert_status(429);
        assert_eq!(longer.header("retry-after").as_deref(), Some("60"));
        // Keep failing as soon as allowed: the wait doubles up to the cap, never beyond.
        server.clock.advance(60);
        let mut waits = Vec::new();
        for _ in 0..12 {
            let page = attacker.sign_in("ada@example.com", WRONG);
            if page.status == 429 {
                let wait: i64 = page.header("retry-after").and_then(|v| v.parse().ok()).unwrap_or(0);
                waits.push(wait);
                server.clock.advance(wait);
            }
        }
        assert_eq!(waits.iter().max(), Some(&900), "{waits:?}");
        assert!(waits.windows(2).take(2).all(|w| w[1] == 2 * w[0]), "{waits:?}");

        // Unknown addresses are throttled the same way, so throttling reveals nothing.
        for _ in 0..5 {
            attacker.sign_in("ghost@example.com", WRONG).assert_status(401);
        }
        attacker.sign_in("ghost@example.com", WRONG).assert_status(429);
    }
}

both_backends! {
    fn the_owner_signs_in_from_a_known_browser_during_an_attack(backend) {
        let server = TestServer::start(backend);
        server.create_user("ada@example.com", PASSWORD);
        let owner = server.browser();
        owner.sign_in("ada@example.com", PASSWORD);
        let sign_out = owner.get("/sign-out");
        owner.post("/sign-out", &[("csrf_token", &sign_out.csrf_token())]);
        assert!(owner.cookie("tessera_device").is_some(), "the device cookie outlives the session");

        let attacker = server.browser();
        for _ in 0..8 {
            attacker.sign_in("ada@example.com", WRONG);
        }
        attacker.sign_in("ada@example.com", PASSWORD).assert_status(429);
        // The owner's browser is not locked out.
        assert_eq!(owner.sign_in("ada@example.com", PASSWORD).status, 303);
        // A forged device cookie does not help the attacker.
        let device = owner.cookie("tessera_device").expect("device");
        attacker.set_cookie("tessera_device", &format!("{}x", device));
        attacker.sign_in("ada@example.com", PASSWORD).assert_status(429);
        // A device cookie of another account does not help either.
        server.create_user("eve@example.com", PASSWORD);
        let eve = server.browser();
        eve.sign_in("eve@example.com", PASSWORD);
        attacker.set_cookie("tessera_device", &eve.cookie("tessera_device").expect("eve device"));
        attacker.sign_in("ada@example.com", PASSWORD).assert_status(429);
    }
}

both_backends! {
    fn a_stolen_device_cookie_is_limited_on_its_own(backend) {
        let server = TestServer::start(backend);
        server.create_user("ada@example.com", PASSWORD);
        let owner = server.browser();
        owner.sign_in("ada@example.com", PASSWORD);
        let thief = server.browser();
        thief.set_cookie("tessera_device", &owner.cookie("tessera_device").expect("device"));
        for _ in 0..10 {
            thief.sign_in("ada@example.com", WRONG).assert_status(401);
        }
        thief.sign_in("ada@example.com", PASSWORD).assert_status(429);
    }
}

both_backends! {
    fn one_client_address_is_blocked_after_many_failures_on_any_accounts(backend) {
        let server = TestServer::start_with(backend, |c| c.sign_in_throttle.ip_max_failures = 6);
        server.create_user("ada@example.com", PASSWORD);
        let attacker = server.browser();
        for i in 0..6 {
            attacker.sign_in(&format!("user{i}@example.com"), WRONG).assert_status(401);
        }
        let blocked = attacker.sign_in("ada@example.com", PASSWORD);
        blocked.assert_status(429);
        assert_eq!(blocked.header("retry-after").as_deref(), Some("900"));
        server.clock.advance(901);
        assert_eq!(attacker.sign_in("ada@example.com", PASSWORD).status, 303);
    }
}

both_backends! {
    fn limits_hold_across_server_processes(backend) {
        let db = Arc::new(TestDb::new(backend));
        let first = TestServer::start_on(db.clone(), |_| {});
        let second = TestServer::start_on(db, |_| {});
        first.create_user("ada@example.com", PASSWORD);
        for i in 0..5 {
            let server = if i % 2 == 0 { &first } else { &second };
            server.browser().sign_in("ada@example.com", WRONG).assert_status(401);
        }
        second.browser().sign_in("ada@example.com", PASSWORD).assert_status(429);
        first.browser().sign_in("ada@example.com", PASSWORD).assert_status(429);
    }
}

both_backends! {
    fn a_successful_sign_in_or_reset_clears_the_account_counter(backend) {
        let server = TestServer::start(backend);
        server.create_user("ada@example.com", PASSWORD);
        let browser = server.browser();
        for _ in 0..4 {
            browser.sign_in("ada@example.com", WRONG);
        }
        assert_eq!(browser.sign_in("ada@example.com", PASSWORD).status, 303);
        let other = server.browser();
        for _ in 0..4 {
            other.sign_in("ada@example.com", WRONG).assert_status(401);
        }
        other.sign_in("ada@example.com", WRONG).assert_status(401);
        other.sign_in("ada@example.com", WRONG).assert_status(429);
    }
}
