//! Forgotten passwords: the same answer for every address, a single-use expiring link, every
//! session ended, and a notice mailed to the owner.

use crate::both_backends;
use crate::support::mail::{link_path, settled_mail, wait_for_mail};
use crate::support::{PASSWORD, TestServer};

const NEW_PASSWORD: &str = "a brand new passphrase";

both_backends! {
    fn reset_sets_a_new_password_and_ends_every_session(backend) {
        let server = TestServer::start(backend);
        server.create_user("ada@example.com", PASSWORD);
        let old_session = server.browser();
        old_session.sign_in("ada@example.com", PASSWORD);

        let browser = server.browser();
        let page = browser.submit("/forgot-password", "/forgot-password", &[("email", "ADA@example.com")]);
        page.assert_status(200).assert_contains("Check your email").assert_contains("If an account uses this address");
        let mail = &wait_for_mail(&server.mailbox(), "ada@example.com", 1)[0];
        assert!(mail.subject.contains("Reset your"), "{}", mail.subject);
        let link = link_path(mail, "/reset-password?token=");

        let form = browser.get(&link);
        form.assert_status(200).assert_contains("Choose a new password");
        let token = form.input_value("token").expect("token");
        let done = browser.post("/reset-password", &[("csrf_token", &form.csrf_token()), ("token", &token), ("password", NEW_PASSWORD)]);
        assert_eq!(done.location(), "/sign-in?notice=password-reset");

        assert!(!old_session.is_signed_in(), "sessions from before the reset are gone");
        browser.sign_in("ada@example.com", PASSWORD).assert_status(401);
        assert_eq!(browser.sign_in("ada@example.com", NEW_PASSWORD).status, 303);

        // The link worked once.
        let again = server.browser();
        again.get(&link).assert_status(410);
        let token_form = again.get("/sign-in");
        again.post("/reset-password", &[("csrf_token", &token_form.csrf_token()), ("token", &token), ("password", "yet another passphrase")]).assert_status(410);

        let notices = wait_for_mail(&server.mailbox(), "ada@example.com", 2);
        assert!(notices.iter().any(|m| m.subject.contains("password was changed")), "owner is told");
    }
}

both_backends! {
    fn unknown_and_disabled_addresses_get_the_same_answer_and_no_mail(backend) {
        let server = TestServer::start(backend);
        let user = server.create_user("off@example.com", PASSWORD);
        server.block_on(tessera::accounts::admin::set_disabled(&server.state, &user.id, true)).expect("disable");
        let browser = server.browser();
        for email in ["nobody@example.com", "off@example.com"] {
            browser.submit("/forgot-password", "/forgot-password", &[("email", email)])
                .assert_status(200)
                .assert_contains("If an account uses this address");
            assert!(settled_mail(&server.mailbox(), email).is_empty(), "no mail to {email}");
        }
        browser.submit("/forgot-password", "/forgot-password", &[("email", "not an address")])
            .assert_status(400)
            .assert_contains("name@example.com");
    }
}

both_backends! {
    fn a_rejected_password_keeps_the_link_usable(backend) {
        let server = TestServer::start(backend);
        server.create_user("ada@example.com", PASSWORD);
        let browser = server.browser();
        browser.submit("/forgot-password", "/forgot-password", &[("email", "ada@example.com")]);
        let link = link_path(&wait_for_mail(&server.mailbox(), "ada@example.com", 1)[0], "/reset-password?token=");
        let form = browser.get(&link);
        let token = form.input_value("token").expect("token");
        for (weak, message) in [("short", "at least 8"), ("password1", "too common"), ("ada@example.com", "email address")] {
            browser.post("/reset-password", &[("csrf_token", &form.csrf_token()), ("token", &token), ("password", weak)])
                .assert_status(400)
                .assert_contains(message);
        }
        let done = browser.post("/reset-password", &[("csrf_token", &form.csrf_token()), ("token", &token), ("password", NEW_PASSWORD)]);
        assert_eq!(done.status, 303);
    }
}

both_backends! {
    fn reset_links_expire_and_a_new_one_replaces_the_old(backend) {
        let server = TestServer::start(backend);
        server.create_user("ada@example.com", PASSWORD);
        let browser = server.browser();
        browser.submit("/forgot-password", "/forgot-password", &[("email", "ada@example.com")]);
        let first = link_path(&wait_for_mail(&server.mailbox(), "ada@example.com", 1)[0], "/reset-password?token=");
        server.clock.advance(31 * 60);
        browser.get(&first).assert_status(410);

        browser.submit("/forgot-password", "/forgot-password", &[("email", "ada@example.com")]);
        browser.submit("/forgot-password", "/forgot-password", &[("email", "ada@example.com")]);
        let mails = wait_for_mail(&server.mailbox(), "ada@example.com", 3);
        let second = link_path(&mails[1], "/reset-password?token=");
        let third = link_path(&mails[2], "/reset-password?token=");
        let form = browser.get(&third);
        browser.post("/reset-password", &[("csrf_token", &form.csrf_token()), ("token", &form.input_value("token").expect("token")), ("password", NEW_PASSWORD)]);
        browser.get(&second).assert_status(410);
    }
}

both_backends! {
    fn reset_mail_to_one_address_is_rate_limited(backend) {
        let server = TestServer::start(backend);
        server.create_user("ada@example.com", PASSWORD);
        let browser = server.browser();
        for _ in 0..8 {
            browser.submit("/forgot-password", "/forgot-password", &[("email", "ada@example.com")]).assert_status(200);
        }
        assert_eq!(settled_mail(&server.mailbox(), "ada@example.com").len(), 5, "five an hour");
        server.clock.advance(3601);
        browser.submit("/forgot-password", "/forgot-password", &[("email", "ada@example.com")]);
        assert_eq!(settled_mail(&server.mailbox(), "ada@example.com").len(), 6);
    }
}
