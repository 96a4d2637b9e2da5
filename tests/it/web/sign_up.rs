//! Sign-up: "check your email" for every address, a link that creates the account, no
//! enumeration, sign-up modes.

use crate::both_backends;
use crate::support::mail::{link_path, settled_mail, wait_for_mail};
use crate::support::{PASSWORD, TestServer};
use tessera::config::SignUpMode;

both_backends! {
    fn sign_up_link_creates_account_and_signs_in(backend) {
        let server = TestServer::start(backend);
        let browser = server.browser();
        let page = browser.submit("/sign-up", "/sign-up", &[
            ("name", "Ada Lovelace"), ("email", "Ada@Example.com"), ("password", PASSWORD),
        ]);
        page.assert_status(200).assert_contains("Check your email").assert_contains("ada@example.com");
        assert!(!browser.is_signed_in(), "no session before the link is used");

        let mail = &wait_for_mail(&server.mailbox(), "ada@example.com", 1)[0];
        assert!(mail.subject.contains("Confirm your email"), "{}", mail.subject);
        let link = link_path(mail, "/verify-email?token=");

        // Opening the link only shows a confirmation (mail scanners must not use it up).
        let confirm = browser.get(&link);
        confirm.assert_status(200).assert_contains("Confirm your email").assert_contains("ada@example.com");
        let token = confirm.input_value("token").expect("token field");
        let done = browser.post("/verify-email", &[("csrf_token", &confirm.csrf_token()), ("token", &token)]);
        assert_eq!(done.status, 303);
        assert_eq!(done.location(), "/account?notice=welcome");

        let account = browser.get("/account?notice=welcome");
        account.assert_status(200).assert_contains("Welcome!").assert_contains("ada@example.com").assert_contains("Verified");
        assert_eq!(account.input_value("name").as_deref(), Some("Ada Lovelace"));

        // The link was single-use.
        let again = server.browser();
        let reuse = again.post("/verify-email", &[("csrf_token", &again.get("/sign-in").csrf_token()), ("token", &token)]);
        reuse.assert_status(410).assert_contains("invalid or has expired");
        again.get(&link).assert_status(410);

        // The password chosen at sign-up works.
        let other = server.browser();
        assert_eq!(other.sign_in("ada@example.com", PASSWORD).status, 303);
    }
}

both_backends! {
    fn existing_address_gets_a_notice_and_the_same_page(backend) {
        let server = TestServer::start(backend);
        server.create_user("grace@example.com", PASSWORD);
        let browser = server.browser();
        let known = browser.submit("/sign-up", "/sign-up", &[("email", "grace@example.com"), ("password", "another fine passphrase")]);
        let unknown = browser.submit("/sign-up", "/sign-up", &[("email", "nobody@example.com"), ("password", "another fine passphrase")]);
        assert_eq!(known.status, unknown.status);
        assert_eq!(
            known.body.replace("grace@example.com", "X").replace(&known.csrf_token_or_empty(), ""),
            unknown.body.replace("nobody@example.com", "X").replace(&unknown.csrf_token_or_empty(), ""),
            "the page must not tell the two apart"
        );
        let mail = &wait_for_mail(&server.mailbox(), "grace@example.com", 1)[0];
        assert!(mail.subject.contains("already have"), "{}", mail.subject);
        assert!(!mail.text.contains("verify-email"), "no sign-up link for an existing account");
        // The original password still works; nothing was overwritten.
        assert_eq!(server.browser().sign_in("grace@example.com", PASSWORD).status, 303);
    }
}

both_backends! {
    fn sign_up_link_expires(backend) {
        let server = TestServer::start(backend);
        let browser = server.browser();
        browser.submit("/sign-up", "/sign-up", &[("email", "late@example.com"), ("password", PASSWORD)]).assert_status(200);
        let mail = &wait_for_mail(&server.mailbox(), "late@example.com", 1)[0];
        let link = link_path(mail, "/verify-email?token=");
        server.clock.advance(24 * 3600 + 1);
        browser.get(&link).assert_status(410).assert_contains("invalid or has expired");
        let token = link.split("token=").nth(1).expect("token").to_string();
        browser.post("/verify-email", &[("csrf_token", &browser.get("/sign-in").csrf_token()), ("token", &token)]).assert_status(410);
        assert_eq!(browser.sign_in("late@example.com", PASSWORD).status, 401, "no account was created");
    }
}

both_backends! {
    fn return_to_survives_sign_up(backend) {
        let server = TestServer::start(backend);
        let browser = server.browser();
        let form = browser.get("/sign-up?return_to=%2Faccount%3Ffrom%3Dapp");
        assert_eq!(form.input_value("return_to").as_deref(), Some("/account?from=app"));
        browser.post("/sign-up", &[("csrf_token", &form.csrf_token()), ("email", "ret@example.com"), ("password", PASSWORD), ("return_to", "/account?from=app")]).assert_status(200);
        let mail = &wait_for_mail(&server.mailbox(), "ret@example.com", 1)[0];
        let confirm = browser.get(&link_path(mail, "/verify-email?token="));
        let done = browser.post("/verify-email", &[("csrf_token", &confirm.csrf_token()), ("token", &confirm.input_value("token").expect("token"))]);
        assert_eq!(done.location(), "/account?from=app");
    }
}

both_backends! {
    fn closed_and_invite_only_modes_refuse_sign_up(backend) {
        for mode in [SignUpMode::Closed, SignUpMode::InviteOnly] {
            let server = TestServer::start_with(backend, |c| c.sign_up.mode = mode);
            let browser = server.browser();
            let page = browser.get("/sign-up");
            page.assert_status(200);
            assert!(!page.body.contains("name=\"password\""), "no form when sign-up is not open");
            assert!(!browser.get("/sign-in").body.contains("Create an account"));
            let token = browser.get("/sign-in").csrf_token();
            browser
                .post("/sign-up", &[("csrf_token", &token), ("email", "x@example.com"), ("password", PASSWORD)])
                .assert_status(403);
            assert!(settled_mail(&server.mailbox(), "x@example.com").is_empty(), "no mail in {mode:?} mode");
        }
    }
}

both_backends! {
    fn sign_up_email_clash_at_confirmation_offers_sign_in(backend) {
        let server = TestServer::start(backend);
        let browser = server.browser();
        browser.submit("/sign-up", "/sign-up", &[("email", "twice@example.com"), ("password", PASSWORD)]).assert_status(200);
        let mail = &wait_for_mail(&server.mailbox(), "twice@example.com", 1)[0];
        // Meanwhile an administrator creates the account.
        server.create_user("twice@example.com", "an admin chosen passphrase");
        let confirm = browser.get(&link_path(mail, "/verify-email?token="));
        let page = browser.post("/verify-email", &[("csrf_token", &confirm.csrf_token()), ("token", &confirm.input_value("token").expect("token"))]);
        page.assert_status(409).assert_contains("already has an account");
        assert!(!browser.is_signed_in());
    }
}

trait CsrfOrEmpty {
    fn csrf_token_or_empty(&self) -> String;
}

impl CsrfOrEmpty for crate::support::Page {
    fn csrf_token_or_empty(&self) -> String {
        self.input_value("csrf_token").unwrap_or_default()
    }
}
