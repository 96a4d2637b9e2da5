//! Hostile and malformed input on every form: a clear message, the right status, nothing saved,
//! no mail sent.

use crate::both_backends;
use crate::support::mail::settled_mail;
use crate::support::{PASSWORD, TestServer};

both_backends! {
    fn sign_up_refuses_bad_addresses_and_passwords(backend) {
        let server = TestServer::start(backend);
        let browser = server.browser();
        let long_local = format!("{}@example.com", "a".repeat(65));
        let cases: Vec<(String, String, &str)> = vec![
            ("".into(), PASSWORD.into(), "Enter your email address."),
            ("not-an-email".into(), PASSWORD.into(), "name@example.com"),
            ("\u{430}dmin@example.com".into(), PASSWORD.into(), "ASCII"),
            ("admin@exa mple.com".into(), PASSWORD.into(), "not a valid domain"),
            (long_local, PASSWORD.into(), "not a valid address"),
            ("x@example.com".into(), "short".into(), "at least 8"),
            ("x@example.com".into(), "password123".into(), "too common"),
            ("x@example.com".into(), "x@example.com".into(), "email address"),
            ("x@example.com".into(), "Tessera1".into(), "product"),
            ("x@example.com".into(), "é".repeat(257), "at most 256"),
        ];
        for (email, password, message) in cases {
            let page = browser.submit("/sign-up", "/sign-up", &[("email", &email), ("password", &password), ("name", "<b>Bold</b>")]);
            page.assert_status(400).assert_contains(message);
            assert!(!page.body.contains("<b>Bold</b>"), "the echoed name is escaped");
            assert_eq!(page.input_value("password"), None, "passwords are never echoed");
        }
        assert!(server.mailbox().list().is_empty(), "no mail for rejected forms");
    }
}

both_backends! {
    fn oversized_fields_and_bodies_are_refused(backend) {
        let server = TestServer::start(backend);
        server.create_user("ada@example.com", PASSWORD);
        let browser = server.browser();
        let huge = "x".repeat(5000);
        browser.submit("/sign-in", "/sign-in", &[("email", &huge), ("password", PASSWORD)]).assert_status(400);
        browser.submit("/sign-up", "/sign-up", &[("email", "big@example.com"), ("password", PASSWORD), ("name", &huge)])
            .assert_status(400).assert_contains("far too long");
        // A body beyond the 16 KiB form limit gets the friendly 413 page.
        let token = browser.get("/sign-in").csrf_token();
        let body = format!("csrf_token={token}&email=ada%40example.com&password={}", "y".repeat(20_000));
        let page = browser.post_raw("/sign-in", "application/x-www-form-urlencoded", body.into_bytes());
        page.assert_status(413).assert_contains("larger than we accept");
        // A body that is not a form.
        browser.post_raw("/sign-in", "application/json", b"{\"email\":\"ada@example.com\"}".to_vec())
            .assert_status(400).assert_contains("could not be read");
        browser.post_raw("/sign-in", "application/x-www-form-urlencoded", vec![0xff, 0xfe, b'=', 0x80])
            .assert_status(403);
        assert!(settled_mail(&server.mailbox(), "big@example.com").is_empty());
    }
}

both_backends! {
    fn links_with_bad_tokens_get_the_friendly_page(backend) {
        let server = TestServer::start(backend);
        let browser = server.browser();
        let long = "A".repeat(500);
        for path in [
            "/verify-email".to_string(),
            "/verify-email?token=".to_string(),
            "/verify-email?token=nonsense".to_string(),
            format!("/verify-email?token={long}"),
            "/reset-password?token=%27%20OR%201%3D1--".to_string(),
            "/reset-password?token[]=x".to_string(),
        ] {
            let page = browser.get(&path);
            page.assert_status(410).assert_contains("This link is invalid or has expired");
        }
    }
}

both_backends! {
    fn unknown_paths_and_methods_get_the_friendly_page(backend) {
        let server = TestServer::start(backend);
        let browser = server.browser();
        browser.get("/no/such/page").assert_status(404).assert_contains("Page not found").assert_contains("Reference:");
        browser.get("/dev/mail/..%2F..%2Fsecret.key").assert_status(404);
        browser.get("/dev/mail/does-not-exist").assert_status(404);
        let page = browser.get("/%3Cscript%3Ealert(1)%3C/script%3E");
        page.assert_status(404);
        assert!(!page.body.contains("<script>alert"));
    }
}
