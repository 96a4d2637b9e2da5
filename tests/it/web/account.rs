//! The account page: profile, password change, email verification.

use crate::both_backends;
use crate::support::mail::{link_path, wait_for_mail};
use crate::support::{PASSWORD, TestServer};

both_backends! {
    fn profile_changes_are_saved_and_rendered_escaped(backend) {
        let server = TestServer::start(backend);
        server.create_user("ada@example.com", PASSWORD);
        let browser = server.browser();
        browser.sign_in("ada@example.com", PASSWORD);
        let form = browser.get("/account");
        let script = "<script>alert('x')</script> & \"quotes\"";
        let sql = "Robert'); DROP TABLE users;--";
        let done = browser.post("/account/profile", &[
            ("csrf_token", &form.csrf_token()), ("name", script), ("given_name", sql), ("family_name", "Lovelace"),
            ("username", "Ada.L"), ("picture", "https://example.com/ada.png"), ("locale", "en_gb"),
        ]);
        assert_eq!(done.location(), "/account?notice=profile-saved");
        let page = browser.get("/account?notice=profile-saved");
        page.assert_contains("Your profile was saved.");
        assert!(!page.body.contains("<script>alert"), "markup is escaped");
        assert!(page.body.contains("&#60;script&#62;") || page.body.contains("&lt;script&gt;"), "{}", page.body);
        assert_eq!(page.input_value("name").as_deref(), Some(script));
        assert_eq!(page.input_value("given_name").as_deref(), Some(sql));
        assert_eq!(page.input_value("username").as_deref(), Some("ada.l"));
        assert_eq!(page.input_value("locale").as_deref(), Some("en-GB"));
        let user = server.block_on(tessera::accounts::admin::find(&server.state, "ada.l")).expect("by username");
        assert_eq!(user.given_name.as_deref(), Some(sql), "stored literally");
    }
}

both_backends! {
    fn invalid_profile_changes_change_nothing(backend) {
        let server = TestServer::start(backend);
        server.create_user("ada@example.com", PASSWORD);
        server.create_user("grace@example.com", PASSWORD);
        let grace = server.browser();
        grace.sign_in("grace@example.com", PASSWORD);
        let form = grace.get("/account");
        grace.post("/account/profile", &[("csrf_token", &form.csrf_token()), ("username", "taken")]);
        let browser = server.browser();
        browser.sign_in("ada@example.com", PASSWORD);
        let form = browser.get("/account");
        for (field, value, message) in [
            ("username", "taken", "That username is taken."),
            ("username", "\u{430}da", "Use only letters"),
            ("name", &"x".repeat(101), "at most 100"),
            ("name", "Ada\u{202E}evil", "text-direction"),
            ("picture", "javascript:alert(1)", "https://"),
            ("picture", "http://example.com/a.png", "https://"),
            ("locale", "not a locale!", "language tag"),
        ] {
            let mut fields = vec![("csrf_token", form.csrf_token()), (field, value.to_string())];
            if field != "name" {
                fields.push(("name", "Changed".to_string()));
            }
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let page = browser.post("/account/profile", &fields);
            page.assert_status(400).assert_contains(message);
        }
        let user = server.block_on(tessera::accounts::admin::find(&server.state, "ada@example.com")).expect("user");
        assert_eq!(user.name, None, "nothing saved by a rejected form");
        assert_eq!(user.username, None);
    }
}

both_backends! {
    fn password_change_needs_the_current_password_and_ends_other_sessions(backend) {
        let server = TestServer::start(backend);
        server.create_user("ada@example.com", PASSWORD);
        let other = server.browser();
        other.sign_in("ada@example.com", PASSWORD);
        let browser = server.browser();
        browser.sign_in("ada@example.com", PASSWORD);
        let form = browser.get("/account");
        form.assert_contains("autocomplete=\"current-password\"").assert_contains("autocomplete=\"new-password\"");
        let change = |current: &str, new: &str| {
            browser.post("/account/password", &[("csrf_token", &form.csrf_token()), ("current_password", current), ("new_password", new)])
        };
        change("wrong password here", "a brand new passphrase").assert_status(400).assert_contains("not your current password");
        change(PASSWORD, "short").assert_status(400).assert_contains("at least 8");
        change(PASSWORD, "iloveyou123").assert_status(400).assert_contains("too common");
        change(PASSWORD, PASSWORD).assert_status(400).assert_contains("different");
        assert!(other.is_signed_in(), "failed attempts change nothing");

        let done = change(PASSWORD, "a brand new passphrase");
        assert_eq!(done.location(), "/account?notice=password-changed");
        assert!(browser.is_signed_in(), "the current session stays");
        assert!(!other.is_signed_in(), "other sessions end");
        let mails = wait_for_mail(&server.mailbox(), "ada@example.com", 1);
        assert!(mails[0].subject.contains("password was changed"));
        assert_eq!(server.browser().sign_in("ada@example.com", "a brand new passphrase").status, 303);
    }
}

both_backends! {
    fn unverified_users_can_verify_their_address(backend) {
        let server = TestServer::start(backend);
        server.block_on(tessera::accounts::admin::create_user(&server.state, tessera::accounts::admin::NewUserInput {
            email: "new@example.com".into(), password: Some(PASSWORD.into()), verified: false, ..Default::default()
        })).expect("user");
        let browser = server.browser();
        browser.sign_in("new@example.com", PASSWORD);
        let page = browser.get("/account");
        page.assert_contains("Not verified");
        let sent = browser.post("/account/verify-email", &[("csrf_token", &page.csrf_token())]);
        assert_eq!(sent.location(), "/account?notice=verification-sent");
        let mail = &wait_for_mail(&server.mailbox(), "new@example.com", 1)[0];
        let confirm = browser.get(&link_path(mail, "/verify-email?token="));
        let done = browser.post("/verify-email", &[("csrf_token", &confirm.csrf_token()), ("token", &confirm.input_value("token").expect("token"))]);
        assert_eq!(done.location(), "/account?notice=email-verified");
        browser.get("/account").assert_contains("Verified");
    }
}

both_backends! {
    fn the_account_page_needs_a_session(backend) {
        let server = TestServer::start(backend);
        let browser = server.browser();
        let page = browser.get("/account");
        assert_eq!(page.location(), "/sign-in?return_to=%2Faccount");
        // A made-up session cookie is no session.
        browser.set_cookie("tessera_session", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
        assert_eq!(browser.get("/account").status, 303);
        let token = browser.get("/sign-in").csrf_token();
        for path in ["/account/profile", "/account/password", "/account/sessions/revoke-others"] {
            assert_eq!(browser.post(path, &[("csrf_token", &token)]).status, 303, "{path}");
        }
    }
}
