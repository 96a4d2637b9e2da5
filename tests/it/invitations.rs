//! Invitations on both backends: the mailed single-use link, joining as a new person (also when
//! sign-up is by invitation only) or as an existing user, a link opened in the wrong account,
//! expiry, revocation, reuse and a race between two tabs, and the `tessera invite` commands.

use crate::both_backends;
use crate::support::cli::Cli;
use crate::support::mail::{link_path, wait_for_mail};
use crate::support::{PASSWORD, TestServer};
use tessera::audit::Actor;
use tessera::config::SignUpMode;
use tessera::organizations::invitations::{self, InvitationError, LinkProblem};
use tessera::organizations::{self, NewOrganization};

fn org_with_admin(server: &TestServer) {
    server.create_user("ada@example.com", PASSWORD);
    server
        .block_on(organizations::create(
            &server.state,
            NewOrganization {
                name: "Acme".into(),
                owner: Some("ada@example.com".into()),
                ..Default::default()
            },
        ))
        .expect("org");
}

fn invite(server: &TestServer, email: &str, role: Option<&str>) -> String {
    server
        .block_on(invitations::invite(
            &server.state,
            "acme",
            email,
            role.map(str::to_string),
            Actor::Cli,
        ))
        .expect("invite");
    let mail = wait_for_mail(&server.mailbox(), &email.to_ascii_lowercase(), 1).remove(0);
    assert!(mail.subject.contains("Acme"), "{}", mail.subject);
    link_path(&mail, "/invitations/accept")
}

fn role_of(server: &TestServer, email: &str) -> Option<String> {
    server
        .block_on(organizations::members(&server.state, "acme"))
        .expect("members")
        .into_iter()
        .find(|(_, e)| e == email)
        .map(|(m, _)| m.role)
}

both_backends! {
    fn a_new_person_joins_by_creating_an_account_when_sign_up_is_invite_only(backend) {
        let server = TestServer::start_with(backend, |c| c.sign_up.mode = SignUpMode::InviteOnly);
        let sink = crate::support::http_sink::HttpSink::start(&[]);
        server
            .block_on(tessera::webhooks::endpoints::create(&server.state, tessera::webhooks::endpoints::EndpointInput {
                url: Some(format!("{}/hooks", sink.base)),
                event_types: Some(vec!["organizationInvitation.*".into()]),
                ..Default::default()
            }))
            .expect("endpoint");
        org_with_admin(&server);
        let browser = server.browser();
        browser.get("/sign-up").assert_contains("by invitation only");
        let link = invite(&server, "Carol@Example.com", Some("admin"));
        let page = browser.get(&link);
        page.assert_status(200).assert_contains("Create account and join").assert_contains("carol@example.com");
        let token = link.split("token=").nth(1).expect("token").to_string();

        // A weak password is refused and nothing is created or used up.
        let weak = browser.submit(&link, "/invitations/accept", &[("token", &token), ("name", "Carol"), ("password", "password")]);
        weak.assert_status(400).assert_contains("aria-invalid");
        assert!(role_of(&server, "carol@example.com").is_none());

        let done = browser.submit(&link, "/invitations/accept", &[("token", &token), ("name", "Carol"), ("password", PASSWORD)]);
        assert_eq!(done.location(), "/account?notice=joined");
        assert!(browser.is_signed_in());
        browser.get("/account?notice=joined").assert_contains("You joined the organization");
        assert_eq!(role_of(&server, "carol@example.com").as_deref(), Some("admin"));
        let carol = server.block_on(tessera::accounts::admin::find(&server.state, "carol@example.com")).expect("user");
        assert!(carol.email_verified, "the link proved the address");

        // The link worked once.
        let again = server.browser().get(&link);
        again.assert_status(410).assert_contains("already accepted");
        let listed = server.block_on(invitations::list(&server.state, "acme", tessera::storage::invitations::Listed::All, None, 10)).expect("list");
        assert_eq!(listed[0].state, "accepted");
        assert_eq!(listed[0].accepted_by.as_deref(), Some(carol.id.as_str()));
        let audit = server.block_on(tessera::audit::list(&server.state, tessera::storage::audit_events::AuditFilter {
            action: Some("organizationInvitation.".into()),
            limit: 10,
            ..Default::default()
        })).expect("audit");
        let actions: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["organizationInvitation.accepted", "organizationInvitation.created"]);
        let bodies = sink.wait_for(2);
        let types: Vec<String> = bodies.iter().map(|r| serde_json::from_str::<serde_json::Value>(&r.body).expect("json")["type"].as_str().unwrap_or_default().to_string()).collect();
        assert!(types.contains(&"organizationInvitation.created".to_string()) && types.contains(&"organizationInvitation.accepted".to_string()), "{types:?}");
        assert!(bodies.iter().all(|r| !r.body.contains(&token)), "the link never leaves in a webhook");
    }
}

both_backends! {
    fn an_existing_user_signs_in_then_joins_and_the_organization_becomes_active(backend) {
        let server = TestServer::start(backend);
        org_with_admin(&server);
        server.create_user("bob@example.com", PASSWORD);
        server.create_user("eve@example.com", PASSWORD);
        let link = invite(&server, "bob@example.com", None);

        let browser = server.browser();
        let page = browser.get(&link);
        page.assert_status(200).assert_contains("Sign in to accept");
        assert!(page.body.contains("login_hint=bob%40example.com"), "{}", page.body);

        // Someone else's session: the link is not theirs to use, and stays usable.
        let eve = server.browser();
        eve.sign_in("eve@example.com", PASSWORD);
        eve.get(&link).assert_status(403).assert_contains("This invitation is for");
        let token = link.split("token=").nth(1).expect("token").to_string();
        eve.submit("/account", "/invitations/accept", &[("token", &token)]).assert_status(403);
        assert!(role_of(&server, "eve@example.com").is_none());

        // A Join posted without a live session (it ended meanwhile) for an address that has an
        // account: sent to sign in, never offered a new account.
        let lapsed = browser.submit("/sign-in", "/invitations/accept", &[("token", &token)]);
        lapsed.assert_status(409).assert_contains("Sign in to accept");
        assert!(!lapsed.body.contains("Create account and join"));

        browser.sign_in("bob@example.com", PASSWORD);
        browser.get(&link).assert_status(200).assert_contains("Join Acme");
        let done = browser.submit(&link, "/invitations/accept", &[("token", &token)]);
        assert_eq!(done.location(), "/account?notice=joined");
        assert_eq!(role_of(&server, "bob@example.com").as_deref(), Some("member"), "the default role");
        let bob = server.block_on(tessera::accounts::admin::find(&server.state, "bob@example.com")).expect("bob");
        let sessions = server.block_on(tessera::accounts::sessions::list(&server.state, &bob.id)).expect("sessions");
        let acme = server.block_on(organizations::find(&server.state, "acme")).expect("acme");
        assert_eq!(sessions[0].active_organization_id.as_deref(), Some(acme.id.as_str()), "the joined organization is active");
    }
}

both_backends! {
    fn expired_revoked_replaced_and_unknown_links(backend) {
        let server = TestServer::start(backend);
        org_with_admin(&server);
        let first = invite(&server, "dan@example.com", None);
        // A second invitation to the same address replaces the first.
        server
            .block_on(invitations::invite(&server.state, "acme", "dan@example.com", None, Actor::Cli))
            .expect("again");
        let browser = server.browser();
        browser.get(&first).assert_status(410).assert_contains("withdrawn");

        let pending = server.block_on(invitations::list(&server.state, "acme", tessera::storage::invitations::Listed::Pending, None, 10)).expect("list");
        assert_eq!(pending.len(), 1);
        server.clock.advance(7 * 24 * 3600 + 1);
        let expired = server.block_on(invitations::list(&server.state, "acme", tessera::storage::invitations::Listed::Expired, None, 10)).expect("list");
        assert_eq!(expired.len(), 1);
        let second = wait_for_mail(&server.mailbox(), "dan@example.com", 2)
            .iter()
            .map(|m| link_path(m, "/invitations/accept"))
            .find(|l| *l != first)
            .expect("the second link");
        let token = second.split("token=").nth(1).expect("token").to_string();
        browser.get(&second).assert_status(410).assert_contains("expired");
        let post = browser.submit("/sign-in", "/invitations/accept", &[("token", &token), ("password", PASSWORD)]);
        post.assert_status(410).assert_contains("expired");
        assert!(server.block_on(tessera::accounts::admin::find(&server.state, "dan@example.com")).is_err(), "no account was made");

        // Unknown, malformed and oversized tokens; a form without its CSRF token.
        browser.get("/invitations/accept?token=nope").assert_status(404).assert_contains("not valid");
        browser.get("/invitations/accept").assert_status(404);
        let long = "x".repeat(5000);
        browser.get(&format!("/invitations/accept?token={long}")).assert_status(404);
        browser.post("/invitations/accept", &[("token", "nope")]).assert_status(403);

        // Revoking: the link stops working; revoking again is a conflict.
        invite(&server, "eli@example.com", None);
        let eli = server.block_on(invitations::list(&server.state, "acme", tessera::storage::invitations::Listed::Pending, None, 10)).expect("list").remove(0);
        let link = link_path(&wait_for_mail(&server.mailbox(), "eli@example.com", 1)[0], "/invitations/accept");
        server.block_on(invitations::revoke(&server.state, "acme", &eli.id, Actor::Cli)).expect("revoke");
        browser.get(&link).assert_status(410).assert_contains("withdrawn");
        assert!(matches!(
            server.block_on(invitations::revoke(&server.state, "acme", &eli.id, Actor::Cli)),
            Err(organizations::OrgError::Conflict(_))
        ));
    }
}

both_backends! {
    fn two_tabs_race_to_accept_and_one_wins(backend) {
        let server = TestServer::start(backend);
        org_with_admin(&server);
        let fay = server.create_user("fay@example.com", PASSWORD);
        let link = invite(&server, "fay@example.com", None);
        let token = link.split("token=").nth(1).expect("token").to_string();
        let results: Vec<_> = std::thread::scope(|scope| {
            let tabs: Vec<_> = (0..4)
                .map(|_| scope.spawn(|| server.block_on(invitations::accept(&server.state, &token, &fay, "no-session"))))
                .collect();
            tabs.into_iter().map(|t| t.join().expect("tab")).collect()
        });
        let wins = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(wins, 1, "{results:?}");
        assert!(results.iter().filter(|r| r.is_err()).all(|r| matches!(r, Err(InvitationError::Link(LinkProblem::Accepted)))), "{results:?}");
        assert_eq!(role_of(&server, "fay@example.com").as_deref(), Some("member"));
    }
}

both_backends! {
    fn invitations_are_refused_when_sign_up_is_closed_for_new_people(backend) {
        let server = TestServer::start_with(backend, |c| c.sign_up.mode = SignUpMode::Closed);
        org_with_admin(&server);
        let link = invite(&server, "gil@example.com", None);
        let browser = server.browser();
        browser.get(&link).assert_status(200).assert_contains("new accounts cannot be created here");
        let token = link.split("token=").nth(1).expect("token").to_string();
        browser.submit("/sign-in", "/invitations/accept", &[("token", &token), ("password", PASSWORD)]).assert_status(403);
        assert!(server.block_on(tessera::accounts::admin::find(&server.state, "gil@example.com")).is_err());
    }
}

both_backends! {
    fn invite_commands(backend) {
        let cli = Cli::new(backend);
        for email in ["ada@example.com", "bob@example.com"] {
            let run = cli.run(&["user", "create", "--email", email, "--password-stdin", "--verified"], Some(&format!("{PASSWORD}\n")));
            assert_eq!(run.code, 0, "{}", run.stderr);
        }
        assert_eq!(cli.run(&["org", "create", "--name", "Acme", "--owner", "ada@example.com"], None).code, 0);
        let made = cli.run(&["invite", "create", "--org", "acme", "--email", "new@example.com", "--json"], None);
        assert_eq!(made.code, 0, "{}", made.stderr);
        let made = made.json();
        assert_eq!(made["state"], "pending");
        assert_eq!(made["role"], "member");
        assert!(!made.to_string().contains("token"), "the link is mailed, not printed");

        // Bad input.
        assert_eq!(cli.run(&["invite", "create", "--org", "acme", "--email", "not-an-address"], None).code, 5);
        assert_eq!(cli.run(&["invite", "create", "--org", "acme", "--email", "x@example.com", "--role", "boss"], None).code, 5);
        assert_eq!(cli.run(&["invite", "create", "--org", "nope", "--email", "x@example.com"], None).code, 3);
        let member = cli.run(&["invite", "create", "--org", "acme", "--email", "ada@example.com", "--json"], None);
        assert_eq!(member.code, 4, "{}", member.stderr);
        assert_eq!(cli.run(&["invite", "list", "--org", "acme", "--state", "lost"], None).code, 5);
        assert_eq!(cli.run(&["invite", "list"], None).code, 2, "--org is required");
        assert_eq!(cli.run(&["invite", "revoke", "--org", "acme", "nope"], None).code, 3);

        // A role offered by a pending invitation cannot be deleted.
        assert_eq!(cli.run(&["role", "create", "--org", "acme", "--key", "billing", "--name", "Billing"], None).code, 0);
        assert_eq!(cli.run(&["invite", "create", "--org", "acme", "--email", "bill@example.com", "--role", "billing"], None).code, 0);
        let in_use = cli.run(&["role", "delete", "--org", "acme", "billing"], None);
        assert_eq!(in_use.code, 4, "{}", in_use.stderr);
        assert!(in_use.stderr.contains("pending invitation"), "{}", in_use.stderr);

        let id = made["id"].as_str().expect("id");
        let revoked = cli.run(&["invite", "revoke", "--org", "acme", id, "--json"], None);
        assert_eq!(revoked.code, 0, "{}", revoked.stderr);
        assert_eq!(revoked.json()["state"], "revoked");
        assert_eq!(cli.run(&["invite", "revoke", "--org", "acme", id], None).code, 4);
        let listed = cli.run(&["invite", "list", "--org", "acme", "--state", "revoked", "--json"], None).json();
        assert_eq!(listed.as_array().map(Vec::len), Some(1));
        assert_eq!(cli.run(&["invite", "list", "--org", "acme", "--state", "pending", "--json"], None).json().as_array().map(Vec::len), Some(1));
    }
}
