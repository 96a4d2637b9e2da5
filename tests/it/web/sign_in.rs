//! Sign-in: one answer for unknown email and wrong password, disabled accounts, `return_to`,
//! a new session at every sign-in, hash upgrades.

use crate::both_backends;
use crate::support::{PASSWORD, TestServer};
use std::sync::Arc;

both_backends! {
    fn unknown_email_and_wrong_password_look_the_same(backend) {
        let server = TestServer::start(backend);
        server.create_user("ada@example.com", PASSWORD);
        let no_password = server.block_on(tessera::accounts::admin::create_user(&server.state, tessera::accounts::admin::NewUserInput {
            email: "nopass@example.com".into(), ..Default::default()
        })).expect("user");
        assert!(!no_password.has_password);
        let browser = server.browser();
        let wrong = browser.sign_in("ada@example.com", "not the password at all");
        let unknown = browser.sign_in("nobody@example.com", "not the password at all");
        let passwordless = browser.sign_in("nopass@example.com", "not the password at all");
        for page in [&wrong, &unknown, &passwordless] {
            page.assert_status(401).assert_contains("Wrong email or password.");
            assert!(page.header("retry-after").is_none());
        }
        assert!(!browser.is_signed_in());
    }
}

both_backends! {
    fn correct_password_signs_in_with_a_session_and_device_cookie(backend) {
        let server = TestServer::start(backend);
        server.create_user("ada@example.com", PASSWORD);
        let browser = server.browser();
        // Case and surrounding spaces of the address do not matter.
        let page = browser.sign_in("  ADA@example.COM ", PASSWORD);
        assert_eq!(page.status, 303);
        assert_eq!(page.location(), "/account");
        let session = page.set_cookies().into_iter().find(|c| c.starts_with("tessera_session=")).expect("session cookie");
        assert!(session.contains("HttpOnly") && session.contains("SameSite=Lax") && session.contains("Path=/"), "{session}");
        assert!(!session.contains("Domain"), "{session}");
        assert!(browser.cookie("tessera_device").is_some(), "device cookie set");
        browser.get("/account").assert_status(200).assert_contains("ada@example.com");
        // A signed-in browser skips the form.
        assert_eq!(browser.get("/sign-in").location(), "/account");
        assert_eq!(browser.get("/").location(), "/account");
    }
}

both_backends! {
    fn each_sign_in_gets_a_new_session_id(backend) {
        let server = TestServer::start(backend);
        server.create_user("ada@example.com", PASSWORD);
        let browser = server.browser();
        browser.sign_in("ada@example.com", PASSWORD);
        let first = browser.cookie("tessera_session").expect("first session");
        // Sign in again from the same browser (e.g. another client app asked for a fresh login).
        let token = browser.get("/sign-out").csrf_token();
        browser.set_cookie("tessera_session", &first);
        let page = browser.post("/sign-in", &[("csrf_token", &token), ("email", "ada@example.com"), ("password", PASSWORD)]);
        assert_eq!(page.status, 303);
        let second = browser.cookie("tessera_session").expect("second session");
        assert_ne!(first, second);
        // The replaced session is gone server-side.
        let replay = server.browser();
        replay.set_cookie("tessera_session", &first);
        assert!(!replay.is_signed_in());
        assert!(browser.is_signed_in());
    }
}

both_backends! {
    fn disabled_users_cannot_sign_in(backend) {
        let server = TestServer::start(backend);
        let user = server.create_user("ada@example.com", PASSWORD);
        server.block_on(tessera::accounts::admin::set_disabled(&server.state, &user.id, true)).expect("disable");
        let browser = server.browser();
        browser.sign_in("ada@example.com", PASSWORD).assert_status(403).assert_contains("disabled");
        // A wrong password for a disabled account says nothing more than for any account.
        browser.sign_in("ada@example.com", "wrong wrong wrong").assert_status(401).assert_contains("Wrong email or password.");
        assert!(!browser.is_signed_in());
    }
}

both_backends! {
    fn return_to_is_honoured_only_for_local_paths(backend) {
        let server = TestServer::start(backend);
        server.create_user("ada@example.com", PASSWORD);
        for (given, expected) in [
            ("/account?tab=sessions", "/account?tab=sessions"),
            ("https://evil.example/phish", "/account"),
            ("//evil.example/phish", "/account"),
            ("/\\evil.example", "/account"),
            ("javascript:alert(1)", "/account"),
        ] {
            let browser = server.browser();
            let form = browser.get(&format!("/sign-in?return_to={}", urlencode(given)));
            form.assert_status(200);
            let page = browser.post("/sign-in", &[("csrf_token", &form.csrf_token()), ("email", "ada@example.com"), ("password", PASSWORD), ("return_to", given)]);
            assert_eq!(page.status, 303, "{given}");
            assert_eq!(page.location(), expected, "{given}");
        }
    }
}

both_backends! {
    fn old_hash_parameters_are_upgraded_at_sign_in(backend) {
        let db = Arc::new(crate::support::TestDb::new(backend));
        let weak = TestServer::start_on(db.clone(), |c| { c.argon2.memory_kib = 8192; c.argon2.iterations = 1; });
        let user = weak.create_user("ada@example.com", PASSWORD);
        drop(weak);
        let server = TestServer::start_on(db, |_| {});
        let stored = || {
            let id = user.id.clone();
            server.block_on(server.state.db.run(move |c| tessera::storage::users::password_hash(c, &id))).expect("hash").expect("some")
        };
        assert!(stored().contains("m=8192,t=1,p=1"), "{}", stored());
        assert_eq!(server.browser().sign_in("ada@example.com", PASSWORD).status, 303);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while !stored().contains("m=19456,t=2,p=1") && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        assert!(stored().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{}", stored());
        assert_eq!(server.browser().sign_in("ada@example.com", PASSWORD).status, 303, "the upgraded hash verifies");
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
