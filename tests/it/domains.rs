//! Verified domains on both backends: claiming (public providers refused), proving the claim with
//! a mailed code (wrong, too many, expired), one organization per verified domain, and the
//! enrollment modes: automatic invitations for existing and new users, and one-click suggestions
//! on the account page that nobody else can use.

use crate::both_backends;
use crate::support::cli::Cli;
use crate::support::mail::wait_for_mail;
use crate::support::{PASSWORD, TestServer};
use tessera::audit::Actor;
use tessera::domain::organization_domain::EnrollmentMode;
use tessera::mail::DevMailbox;
use tessera::organizations::{self, NewOrganization, domains};

fn code_in(text: &str) -> String {
    text.split_whitespace()
        .find(|w| w.len() == 8 && w.chars().all(|c| c.is_ascii_digit()))
        .expect("a code in the mail")
        .to_string()
}

both_backends! {
    fn domain_commands(backend) {
        let cli = Cli::new(backend);
        assert_eq!(cli.run(&["org", "create", "--name", "Acme"], None).code, 0);
        assert_eq!(cli.run(&["org", "create", "--name", "Rival"], None).code, 0);
        for public in ["gmail.com", "GMAIL.COM", "mail.yahoo.com", "proton.me", "privaterelay.appleid.com", "evil.github.io", "co.uk"] {
            let run = cli.run(&["domain", "add", "--org", "acme", public, "--json"], None);
            assert_eq!(run.code, 5, "{public}: {}", run.stderr);
            assert!(run.stderr.contains("public mail provider"), "{}", run.stderr);
        }
        for bad in ["not a domain", "acme", "10.1.2.3", "https://acme.com"] {
            assert_eq!(cli.run(&["domain", "add", "--org", "acme", bad], None).code, 5, "{bad}");
        }
        assert_eq!(cli.run(&["domain", "add", "--org", "acme", "acme.com", "--mode", "sometimes"], None).code, 5);
        let added = cli.run(&["domain", "add", "--org", "acme", "Acme.COM", "--json"], None);
        assert_eq!(added.code, 0, "{}", added.stderr);
        assert_eq!(added.json()["domain"], "acme.com");
        assert_eq!(added.json()["verified"], false);
        assert_eq!(cli.run(&["domain", "add", "--org", "acme", "acme.com"], None).code, 4);
        // Another organization may claim it too until someone verifies it.
        assert_eq!(cli.run(&["domain", "add", "--org", "rival", "acme.com"], None).code, 0);

        assert_eq!(cli.run(&["domain", "send-code", "--org", "acme", "acme.com", "--email", "it@elsewhere.com"], None).code, 5);
        assert_eq!(cli.run(&["domain", "send-code", "--org", "acme", "acme.com", "--email", "it@sub.acme.com"], None).code, 5);
        assert_eq!(cli.run(&["domain", "send-code", "--org", "acme", "other.com", "--email", "it@other.com"], None).code, 3);
        assert_eq!(cli.run(&["domain", "verify", "--org", "acme", "acme.com", "--code", "12345678"], None).code, 5, "no code sent yet");
        let sent = cli.run(&["domain", "send-code", "--org", "acme", "acme.com", "--email", "it@acme.com"], None);
        assert_eq!(sent.code, 0, "{}", sent.stderr);
        let mailbox = DevMailbox::new(cli.data.path().join("mail"));
        let mail = &wait_for_mail(&mailbox, "it@acme.com", 1)[0];
        assert!(mail.text.contains("\"Acme\""), "the mail names who claims the domain");
        let code = code_in(&mail.text);
        let wrong = if code == "00000000" { "11111111" } else { "00000000" };
        for _ in 0..5 {
            let run = cli.run(&["domain", "verify", "--org", "acme", "acme.com", "--code", wrong, "--json"], None);
            assert_eq!(run.code, 5);
            assert!(run.stderr.contains("wrong"), "{}", run.stderr);
        }
        let locked = cli.run(&["domain", "verify", "--org", "acme", "acme.com", "--code", &code], None);
        assert_eq!(locked.code, 5, "five wrong codes end the code");
        assert!(locked.stderr.contains("too many"), "{}", locked.stderr);

        assert_eq!(cli.run(&["domain", "send-code", "--org", "acme", "acme.com", "--email", "it@acme.com"], None).code, 0);
        // (Two CLI runs in one second may order their mail either way: take the new code.)
        let first = code;
        let code = wait_for_mail(&mailbox, "it@acme.com", 2)
            .iter()
            .map(|m| code_in(&m.text))
            .find(|c| *c != first)
            .expect("a new code");
        let verified = cli.run(&["domain", "verify", "--org", "acme", "acme.com", "--code", &code, "--json"], None);
        assert_eq!(verified.code, 0, "{}", verified.stderr);
        assert_eq!(verified.json()["verified"], true);
        assert_eq!(cli.run(&["domain", "verify", "--org", "acme", "acme.com", "--code", &code], None).code, 4);

        // The rival's claim can no longer be proven (no code is even sent), nor a new claim made.
        let refused = cli.run(&["domain", "send-code", "--org", "rival", "acme.com", "--email", "ceo@acme.com"], None);
        assert_eq!(refused.code, 4, "{}", refused.stderr);
        assert!(refused.stderr.contains("another organization"), "{}", refused.stderr);
        let refused = cli.run(&["domain", "verify", "--org", "rival", "acme.com", "--code", &code], None);
        assert_eq!(refused.code, 5, "{}", refused.stderr);
        assert_eq!(cli.run(&["org", "create", "--name", "Third"], None).code, 0);
        assert_eq!(cli.run(&["domain", "add", "--org", "third", "acme.com"], None).code, 4);

        let moded = cli.run(&["domain", "set-mode", "--org", "acme", "acme.com", "--mode", "automatic_suggestion", "--json"], None);
        assert_eq!(moded.json()["enrollment_mode"], "automatic_suggestion");
        let listed = cli.run(&["domain", "list", "--org", "acme", "--json"], None).json();
        assert_eq!(listed.as_array().map(Vec::len), Some(1));
        assert!(!listed.to_string().contains(&code), "the code is never shown");
        assert_eq!(cli.run(&["domain", "remove", "--org", "acme", "acme.com"], None).code, 0);
        assert_eq!(cli.run(&["domain", "remove", "--org", "acme", "acme.com"], None).code, 3);
        let audit = cli.run(&["audit", "list", "--action", "organizationDomain.", "--json"], None).json();
        assert!(audit.as_array().is_some_and(|a| a.len() >= 6), "{audit}");
    }
}

fn verified_domain(server: &TestServer, mode: EnrollmentMode) {
    let state = &server.state;
    server
        .block_on(organizations::create(
            state,
            NewOrganization {
                name: "Acme".into(),
                ..Default::default()
            },
        ))
        .expect("org");
    server
        .block_on(domains::add(state, "acme", "acme.com", mode, Actor::Cli))
        .expect("add");
    server
        .block_on(domains::send_code(
            state,
            "acme",
            "acme.com",
            "it@acme.com",
            Actor::Cli,
        ))
        .expect("send");
    let code = code_in(&wait_for_mail(&server.mailbox(), "it@acme.com", 1)[0].text);
    let verified = server
        .block_on(domains::verify(
            state,
            "acme",
            "acme.com",
            &code,
            Actor::Cli,
        ))
        .expect("verify");
    assert!(verified.verified);
}

fn member_role(server: &TestServer, email: &str) -> Option<String> {
    server
        .block_on(organizations::members(&server.state, "acme"))
        .expect("members")
        .into_iter()
        .find(|(_, e)| e == email)
        .map(|(m, _)| m.role)
}

both_backends! {
    fn automatic_invitations_reach_existing_and_new_users(backend) {
        let server = TestServer::start(backend);
        server.create_user("old@acme.com", PASSWORD);
        server.create_user("outsider@other.com", PASSWORD);
        server
            .block_on(tessera::accounts::admin::create_user(&server.state, tessera::accounts::admin::NewUserInput {
                email: "unverified@acme.com".into(),
                password: Some(PASSWORD.into()),
                verified: false,
                ..Default::default()
            }))
            .expect("unverified user");
        verified_domain(&server, EnrollmentMode::AutomaticInvitation);
        // The existing user with a verified address got a mailed invitation; the others nothing.
        let mail = wait_for_mail(&server.mailbox(), "old@acme.com", 1);
        assert!(mail[0].text.contains("/invitations/accept?token="));
        let pending = server
            .block_on(tessera::organizations::invitations::list(&server.state, "acme", tessera::storage::invitations::Listed::Pending, None, 10))
            .expect("list");
        let emails: Vec<&str> = pending.iter().map(|i| i.email.as_str()).collect();
        assert_eq!(emails, ["old@acme.com"]);

        // A new account at the domain is invited when its address is verified; it joins from
        // the account page.
        server.create_user("new@acme.com", PASSWORD);
        let browser = server.browser();
        browser.sign_in("new@acme.com", PASSWORD);
        let account = browser.get("/account");
        account.assert_contains("Organizations you can join").assert_contains("Invited as member");
        let invitation = account.input_value("invitation").expect("an invitation form");
        let joined = browser.submit("/account", "/account/organizations/join", &[("invitation", &invitation)]);
        assert_eq!(joined.location(), "/account?notice=joined");
        assert_eq!(member_role(&server, "new@acme.com").as_deref(), Some("member"));
        assert!(!browser.get("/account").body.contains("Organizations you can join"));

        // Someone else cannot use that invitation (or any) by id.
        let outsider = server.browser();
        outsider.sign_in("outsider@other.com", PASSWORD);
        let old_invitation = pending[0].id.clone();
        outsider.submit("/account", "/account/organizations/join", &[("invitation", &old_invitation)]).assert_status(404);
        outsider.submit("/account", "/account/organizations/join", &[("invitation", "x")]).assert_status(404);
        assert!(member_role(&server, "outsider@other.com").is_none());

        // An address verified later is invited then (once; re-verifying does not repeat it).
        server
            .block_on(tessera::accounts::admin::update_user(&server.state, "unverified@acme.com", tessera::accounts::admin::UserChanges {
                verified: Some(true),
                ..Default::default()
            }))
            .expect("verify");
        let pending = server
            .block_on(tessera::organizations::invitations::list(&server.state, "acme", tessera::storage::invitations::Listed::Pending, None, 10))
            .expect("list");
        assert!(pending.iter().any(|i| i.email == "unverified@acme.com"));
        // Turning the mode on again does not invite anyone twice.
        server.block_on(domains::set_mode(&server.state, "acme", "acme.com", EnrollmentMode::AutomaticInvitation, Actor::Cli)).expect("mode");
        let all = server
            .block_on(tessera::organizations::invitations::list(&server.state, "acme", tessera::storage::invitations::Listed::All, None, 100))
            .expect("list");
        assert_eq!(all.len(), 3, "{all:?}");
    }
}

both_backends! {
    fn suggestions_offer_one_click_joining_to_verified_addresses_only(backend) {
        let server = TestServer::start(backend);
        verified_domain(&server, EnrollmentMode::AutomaticSuggestion);
        let acme = server.block_on(organizations::find(&server.state, "acme")).expect("acme");
        server.create_user("sam@acme.com", PASSWORD);
        server.create_user("ola@other.com", PASSWORD);
        server
            .block_on(tessera::accounts::admin::create_user(&server.state, tessera::accounts::admin::NewUserInput {
                email: "unv@acme.com".into(),
                password: Some(PASSWORD.into()),
                verified: false,
                ..Default::default()
            }))
            .expect("unverified user");

        for (email, offered) in [("ola@other.com", false), ("unv@acme.com", false)] {
            let browser = server.browser();
            browser.sign_in(email, PASSWORD);
            assert_eq!(browser.get("/account").body.contains("For people at your email domain"), offered);
            browser.submit("/account", "/account/organizations/join", &[("organization", &acme.id)]).assert_status(404);
            assert!(member_role(&server, email).is_none(), "{email}");
        }

        // Even with admin as the default role, joining through a domain never makes an admin.
        server
            .block_on(organizations::update(&server.state, "acme", organizations::OrganizationChanges {
                default_role: Some("admin".into()),
                ..Default::default()
            }))
            .expect("default role");
        let sam = server.browser();
        sam.sign_in("sam@acme.com", PASSWORD);
        let account = sam.get("/account");
        account.assert_contains("For people at your email domain");
        assert_eq!(account.input_value("organization").as_deref(), Some(acme.id.as_str()));
        let joined = sam.submit("/account", "/account/organizations/join", &[("organization", &acme.id)]);
        assert_eq!(joined.location(), "/account?notice=joined");
        assert_eq!(member_role(&server, "sam@acme.com").as_deref(), Some("member"));
        // Joining twice is not possible; the offer is gone.
        sam.submit("/account", "/account/organizations/join", &[("organization", &acme.id)]).assert_status(404);
        // No invitations are made in this mode.
        let all = server
            .block_on(tessera::organizations::invitations::list(&server.state, "acme", tessera::storage::invitations::Listed::All, None, 100))
            .expect("list");
        assert!(all.is_empty());
    }
}

both_backends! {
    fn codes_expire(backend) {
        let server = TestServer::start(backend);
        let state = &server.state;
        server.block_on(organizations::create(state, NewOrganization { name: "Acme".into(), ..Default::default() })).expect("org");
        server.block_on(domains::add(state, "acme", "acme.com", EnrollmentMode::Manual, Actor::Cli)).expect("add");
        server.block_on(domains::send_code(state, "acme", "acme.com", "it@acme.com", Actor::Cli)).expect("send");
        let code = code_in(&wait_for_mail(&server.mailbox(), "it@acme.com", 1)[0].text);
        server.clock.advance(3601);
        let expired = server.block_on(domains::verify(state, "acme", "acme.com", &code, Actor::Cli));
        assert!(matches!(&expired, Err(organizations::OrgError::Invalid(f)) if f.message.contains("expired")), "{expired:?}");
        let long = "9".repeat(100);
        assert!(server.block_on(domains::verify(state, "acme", "acme.com", &long, Actor::Cli)).is_err());
    }
}
