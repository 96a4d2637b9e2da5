//! Sessions: stored server-side under a digest, idle and absolute expiry, sign-out, listing and
//! revoking one's own sessions, and sessions ended by disabling a user or changing a password.

use crate::both_backends;
use crate::support::{PASSWORD, TestServer};
use tessera::crypto::SecretDigest;

both_backends! {
    fn sessions_are_stored_as_digests(backend) {
        let server = TestServer::start(backend);
        let user = server.create_user("ada@example.com", PASSWORD);
        let browser = server.browser();
        browser.sign_in("ada@example.com", PASSWORD);
        let token = browser.cookie("tessera_session").expect("cookie");
        assert_eq!(token.len(), 43, "256 random bits, base64url");
        let id = user.id.clone();
        let now = tessera::clock::Clock::now(&server.clock);
        let stored = server.block_on(server.state.db.run(move |c| tessera::storage::sessions::list_alive_for_user(c, &id, now, 0))).expect("list");
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].token_digest, SecretDigest::of(&token).as_str());
        assert_ne!(stored[0].token_digest, token);
    }
}

both_backends! {
    fn idle_sessions_end(backend) {
        let server = TestServer::start_with(backend, |c| {
            c.session.idle_timeout_seconds = 600;
            c.session.absolute_lifetime_seconds = 3600;
        });
        server.create_user("ada@example.com", PASSWORD);
        let browser = server.browser();
        browser.sign_in("ada@example.com", PASSWORD);
        server.clock.advance(590);
        assert!(browser.is_signed_in(), "still within the idle timeout");
        server.clock.advance(590);
        assert!(browser.is_signed_in(), "use kept it alive");
        server.clock.advance(601);
        let page = browser.get("/account");
        assert_eq!(page.status, 303);
        assert_eq!(page.location(), "/sign-in?return_to=%2Faccount&notice=session-expired");
        browser.get(&page.location()).assert_contains("Your session ended");
    }
}

both_backends! {
    fn sessions_end_at_their_absolute_lifetime_however_active(backend) {
        let server = TestServer::start_with(backend, |c| {
            c.session.idle_timeout_seconds = 600;
            c.session.absolute_lifetime_seconds = 1800;
        });
        server.create_user("ada@example.com", PASSWORD);
        let browser = server.browser();
        browser.sign_in("ada@example.com", PASSWORD);
        for _ in 0..5 {
            server.clock.advance(350);
            assert!(browser.is_signed_in());
        }
        server.clock.advance(100);
        assert!(!browser.is_signed_in(), "1850 s after sign-in");
    }
}

both_backends! {
    fn sign_out_deletes_the_session_server_side(backend) {
        let server = TestServer::start(backend);
        server.create_user("ada@example.com", PASSWORD);
        let browser = server.browser();
        browser.sign_in("ada@example.com", PASSWORD);
        let token = browser.cookie("tessera_session").expect("cookie");
        let form = browser.get("/sign-out");
        form.assert_status(200).assert_contains("Do you want to sign out");
        let page = browser.post("/sign-out", &[("csrf_token", &form.csrf_token())]);
        assert_eq!(page.location(), "/sign-in?notice=signed-out");
        assert!(browser.cookie("tessera_session").is_none(), "cookie removed");
        browser.get("/sign-in?notice=signed-out").assert_contains("You are signed out.");
        // Replaying the old cookie does not work: the session is gone, not just forgotten.
        let replay = server.browser();
        replay.set_cookie("tessera_session", &token);
        assert!(!replay.is_signed_in());
    }
}

both_backends! {
    fn users_list_and_revoke_their_own_sessions(backend) {
        let server = TestServer::start(backend);
        server.create_user("ada@example.com", PASSWORD);
        server.create_user("eve@example.com", PASSWORD);
        let laptop = server.browser();
        let mut phone = server.browser();
        phone.user_agent = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1".into();
        let tablet = server.browser();
        for b in [&laptop, &phone, &tablet] {
            assert_eq!(b.sign_in("ada@example.com", PASSWORD).status, 303);
        }
        let eve = server.browser();
        eve.sign_in("eve@example.com", PASSWORD);

        let page = laptop.get("/account");
        page.assert_contains("Firefox on Linux").assert_contains("Safari on iOS").assert_contains("This device");
        assert_eq!(page.body.matches("/revoke\"").count(), 2, "the two other sessions can be revoked");

        // Eve cannot revoke Ada's sessions, even knowing their ids.
        let ada_ids = session_ids(&page.body);
        let eve_form = eve.get("/account");
        for id in &ada_ids {
            eve.post(&format!("/account/sessions/{id}/revoke"), &[("csrf_token", &eve_form.csrf_token())]).assert_status(404);
        }
        assert!(phone.is_signed_in() && tablet.is_signed_in());

        // Ada revokes the phone from the laptop.
        let phone_id = phone_session_id(&page.body);
        let done = laptop.post(&format!("/account/sessions/{phone_id}/revoke"), &[("csrf_token", &page.csrf_token())]);
        assert_eq!(done.location(), "/account?notice=session-revoked");
        assert!(!phone.is_signed_in());
        assert!(laptop.is_signed_in() && tablet.is_signed_in());

        // And then every other session.
        let page = laptop.get("/account");
        laptop.post("/account/sessions/revoke-others", &[("csrf_token", &page.csrf_token())]);
        assert!(!tablet.is_signed_in());
        assert!(laptop.is_signed_in());
        assert!(eve.is_signed_in(), "other users are untouched");
    }
}

both_backends! {
    fn disabling_a_user_ends_their_sessions(backend) {
        let server = TestServer::start(backend);
        let user = server.create_user("ada@example.com", PASSWORD);
        let browser = server.browser();
        browser.sign_in("ada@example.com", PASSWORD);
        server.block_on(tessera::accounts::admin::set_disabled(&server.state, &user.id, true)).expect("disable");
        assert!(!browser.is_signed_in());
        server.block_on(tessera::accounts::admin::set_disabled(&server.state, &user.id, false)).expect("enable");
        assert!(!browser.is_signed_in(), "enabling does not bring sessions back");
        assert_eq!(browser.sign_in("ada@example.com", PASSWORD).status, 303);
    }
}

/// The ids in revoke forms, in page order.
pub fn session_ids(body: &str) -> Vec<String> {
    body.match_indices("/account/sessions/")
        .filter_map(|(at, _)| {
            let rest = &body[at + "/account/sessions/".len()..];
            let id = rest.split('/').next()?;
            (rest[id.len()..].starts_with("/revoke\"")).then(|| id.to_string())
        })
        .collect()
}

fn phone_session_id(body: &str) -> String {
    let at = body.find("Safari on iOS").expect("phone listed");
    session_ids(&body[at..])
        .into_iter()
        .next()
        .expect("phone revoke form")
}
