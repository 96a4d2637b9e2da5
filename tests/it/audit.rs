//! The audit log on both backends: security events from the hosted pages, the OAuth endpoints and
//! the CLI, with actor, target, address and reason; filters and paging; retention; no secrets.

use crate::both_backends;
use crate::support::cli::Cli;
use crate::support::oidc::{REDIRECT, code_for};
use crate::support::{PASSWORD, TestServer};

fn audit(cli: &Cli, filters: &[&str]) -> Vec<serde_json::Value> {
    let mut args = vec!["audit", "list", "--json"];
    args.extend_from_slice(filters);
    let run = cli.run(&args, None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.json().as_array().cloned().unwrap_or_default()
}

both_backends! {
    fn security_events_are_recorded_and_queryable(backend) {
        let server = TestServer::start(backend);
        let cli = Cli::on(server.db.clone());
        let user = server.create_user("ada@example.com", PASSWORD);
        let browser = server.browser();
        browser.sign_in("ada@example.com", "not the password at all");
        browser.sign_in("ada@example.com", PASSWORD);

        let sign_ins = audit(&cli, &["--action", "user.sign_in"]);
        assert_eq!(sign_ins.len(), 2, "{sign_ins:?}");
        assert_eq!(sign_ins[0]["outcome"], "success", "newest first");
        assert_eq!(sign_ins[0]["actor"]["id"], user.id.as_str());
        assert_eq!(sign_ins[0]["ip"], "127.0.0.1");
        assert!(sign_ins[0]["user_agent"].as_str().is_some_and(|ua| ua.contains("Firefox")));
        assert_eq!(sign_ins[1]["outcome"], "failure");
        assert_eq!(sign_ins[1]["reason"], "bad_credentials");
        assert_eq!(sign_ins[1]["details"]["email"], "ada@example.com");
        assert_eq!(audit(&cli, &["--outcome", "failure"]).len(), 1);

        // OAuth: consent is first-party here; a code reused revokes its grant, recorded.
        let client = server.client();
        let code = code_for(&browser, &server, &client, &[]);
        let exchange = [("grant_type", "authorization_code"), ("code", code.as_str()), ("redirect_uri", REDIRECT)];
        assert_eq!(server.token(&client, &exchange).0, 200);
        assert_eq!(server.token(&client, &exchange).0, 400);
        let revoked = audit(&cli, &["--action", "grant.revoked"]);
        assert_eq!(revoked[0]["reason"], "authorization_code_reuse");

        // The CLI's own changes, and never a secret.
        let made = cli.run(&["client", "create", "--name", "Audited", "--redirect-uri", "https://a.example/cb", "--json"], None).json();
        let secret = made["client_secret"].as_str().expect("secret").to_string();
        let created = audit(&cli, &["--action", "client.created"]);
        assert_eq!(created[0]["actor"]["type"], "cli");
        assert_eq!(created[0]["target"]["id"], made["client_id"]);
        let org = cli.run(&["org", "create", "--name", "Acme", "--owner", "ada@example.com", "--json"], None).json();
        assert_eq!(audit(&cli, &["--org", "acme"])[0]["organization_id"], org["id"]);
        browser.submit("/account", "/sign-out", &[]);
        assert_eq!(audit(&cli, &["--action", "session.ended"]).len(), 1);

        let everything = cli.run(&["audit", "list", "--json", "--limit", "1000"], None).stdout;
        assert!(!everything.contains(&secret), "no client secret in the audit log");
        assert!(!everything.contains(PASSWORD) && !everything.contains("not the password at all"), "no password either");

        // Paging with --before, and prefixes.
        let first = audit(&cli, &["--limit", "2"]);
        let next = audit(&cli, &["--limit", "2", "--before", first[1]["id"].as_str().expect("id")]);
        assert_eq!(next.len(), 2);
        assert!(next[0]["id"].as_str() < first[1]["id"].as_str());
        assert!(audit(&cli, &["--action", "user."]).iter().all(|e| e["action"].as_str().is_some_and(|a| a.starts_with("user."))));
        assert_eq!(cli.run(&["audit", "list", "--outcome", "maybe"], None).code, 2);
        assert_eq!(cli.run(&["audit", "list", "--since", "yesterday"], None).code, 2);
        // An organization that no longer exists is looked up by id: its history stays reachable.
        assert!(audit(&cli, &["--org", "nope"]).is_empty());
    }
}

#[test]
fn events_older_than_the_retention_are_swept() {
    let server = TestServer::start_with(crate::support::Backend::Sqlite, |c| {
        c.audit.retention_days = 30
    });
    server.create_user("ada@example.com", PASSWORD);
    server
        .browser()
        .sign_in("ada@example.com", "wrong password here");
    let cli = Cli::on(server.db.clone());
    assert_eq!(audit(&cli, &[]).len(), 1);
    server.clock.advance(31 * 24 * 3600);
    let counts = server
        .block_on(tessera::accounts::cleanup::sweep(&server.state))
        .expect("sweep");
    assert_eq!(counts.audit_events, 1);
    assert!(audit(&cli, &[]).is_empty());
}
