//! Every form POST checks its CSRF token: missing, wrong or borrowed tokens get a friendly 403
//! and change nothing.

use crate::both_backends;
use crate::support::mail::settled_mail;
use crate::support::{PASSWORD, TestServer};

both_backends! {
    fn forms_without_a_valid_token_are_refused_and_change_nothing(backend) {
        let server = TestServer::start(backend);
        server.create_user("ada@example.com", PASSWORD);
        let victim = server.browser();
        victim.sign_in("ada@example.com", PASSWORD);
        let attacker = server.browser();
        let attacker_token = attacker.get("/sign-in").csrf_token();

        let forms: Vec<(&str, Vec<(&str, &str)>)> = vec![
            ("/sign-out", vec![]),
            ("/account/profile", vec![("name", "Pwned")]),
            ("/account/password", vec![("current_password", PASSWORD), ("new_password", "attacker chosen words")]),
            ("/account/sessions/revoke-others", vec![]),
            ("/account/verify-email", vec![]),
            ("/sign-up", vec![("email", "csrf@example.com"), ("password", PASSWORD)]),
            ("/forgot-password", vec![("email", "ada@example.com")]),
            ("/sign-in", vec![("email", "ada@example.com"), ("password", PASSWORD)]),
        ];
        for (path, fields) in &forms {
            for token in [None, Some(""), Some("forged-token"), Some(attacker_token.as_str())] {
                let mut all = fields.clone();
                if let Some(token) = token {
                    all.push(("csrf_token", token));
                }
                let page = victim.post(path, &all);
                page.assert_status(403).assert_contains("This form has expired");
                page.assert_contains("<title>");
            }
        }
        // No cookie at all (a cross-site request that carries none).
        let bare = server.browser();
        bare.post("/sign-in", &[("csrf_token", &attacker_token), ("email", "ada@example.com"), ("password", PASSWORD)]).assert_status(403);

        assert!(victim.is_signed_in(), "not signed out");
        let user = server.block_on(tessera::accounts::admin::find(&server.state, "ada@example.com")).expect("user");
        assert_eq!(user.name, None, "profile unchanged");
        assert_eq!(server.browser().sign_in("ada@example.com", PASSWORD).status, 303, "password unchanged");
        assert!(settled_mail(&server.mailbox(), "csrf@example.com").is_empty());
        assert!(settled_mail(&server.mailbox(), "ada@example.com").is_empty());
    }
}
