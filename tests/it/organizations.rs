//! Organizations, roles and members through the real `tessera org|role|member` commands on both
//! backends: validation, uniqueness, the built-in roles, and the rule that an organization never
//! loses its last admin, also under concurrent changes.

use crate::both_backends;
use crate::support::cli::Cli;
use crate::support::{Backend, PASSWORD, TestServer};
use std::sync::Arc;

fn user(cli: &Cli, email: &str) {
    let run = cli.run(
        &[
            "user",
            "create",
            "--email",
            email,
            "--password-stdin",
            "--verified",
        ],
        Some(&format!("{PASSWORD}\n")),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
}

both_backends! {
    fn organizations_roles_and_members_through_the_cli(backend) {
        let cli = Cli::new(backend);
        user(&cli, "ada@example.com");
        user(&cli, "bob@example.com");
        let made = cli.run(&["org", "create", "--name", "Acme, Inc.", "--owner", "ada@example.com", "--json"], None);
        assert_eq!(made.code, 0, "{}", made.stderr);
        let org = made.json();
        assert_eq!(org["slug"], "acme-inc");
        assert_eq!(org["default_role"], "member");
        let shown = cli.run(&["org", "show", "acme-inc", "--json"], None).json();
        let keys: Vec<&str> = shown["roles"].as_array().expect("roles").iter().filter_map(|r| r["key"].as_str()).collect();
        assert_eq!(keys, ["admin", "member"]);
        assert_eq!(cli.run(&["org", "list", "--search", "acme", "--json"], None).json().as_array().map(Vec::len), Some(1));

        // Slugs are unique and checked.
        let clash = cli.run(&["org", "create", "--name", "Other", "--slug", "acme-inc", "--json"], None);
        assert_eq!(clash.code, 4, "{}", clash.stderr);
        assert_eq!(cli.run(&["org", "create", "--name", "Bad", "--slug", "Bad Slug"], None).code, 5);
        assert_eq!(cli.run(&["org", "create", "--name", " "], None).code, 5);
        assert_eq!(cli.run(&["org", "create", "--name", "Ghost owner", "--owner", "nobody@example.com"], None).code, 3);
        assert_eq!(cli.run(&["org", "list", "--json"], None).json().as_array().map(Vec::len), Some(1), "nothing half-written");

        // Roles.
        let role = cli.run(&["role", "create", "--org", "acme-inc", "--key", "billing", "--name", "Billing", "--permission", "org:invoices:read", "--permission", "org:invoices:write", "--json"], None);
        assert_eq!(role.code, 0, "{}", role.stderr);
        assert_eq!(role.json()["permissions"], serde_json::json!(["org:invoices:read", "org:invoices:write"]));
        assert_eq!(cli.run(&["role", "create", "--org", "acme-inc", "--key", "billing", "--name", "Again"], None).code, 4);
        assert_eq!(cli.run(&["role", "create", "--org", "acme-inc", "--key", "x", "--name", "X", "--permission", "Org:Bad"], None).code, 5);
        assert_eq!(cli.run(&["role", "update", "--org", "acme-inc", "admin", "--name", "Boss"], None).code, 5, "built-in roles are fixed");
        assert_eq!(cli.run(&["role", "delete", "--org", "acme-inc", "member"], None).code, 5);
        assert_eq!(cli.run(&["role", "list", "--org", "nope"], None).code, 3);
        assert_eq!(cli.run(&["role", "list"], None).code, 2, "--org is required");

        // Members.
        let added = cli.run(&["member", "add", "--org", "acme-inc", "bob@example.com", "--json"], None);
        assert_eq!(added.code, 0, "{}", added.stderr);
        assert_eq!(added.json()["role"], "member", "the default role");
        assert_eq!(cli.run(&["member", "add", "--org", "acme-inc", "bob@example.com"], None).code, 4, "already a member");
        assert_eq!(cli.run(&["member", "set-role", "--org", "acme-inc", "bob@example.com", "--role", "nope"], None).code, 5);
        assert_eq!(cli.run(&["member", "set-role", "--org", "acme-inc", "bob@example.com", "--role", "billing"], None).code, 0);
        assert_eq!(cli.run(&["role", "delete", "--org", "acme-inc", "billing"], None).code, 4, "a role in use stays");
        let members = cli.run(&["member", "list", "--org", "acme-inc", "--json"], None).json();
        assert_eq!(members.as_array().map(Vec::len), Some(2));
        assert_eq!(members[1]["email"], "bob@example.com");
        assert_eq!(members[1]["role"], "billing");

        // The last admin can be neither removed nor demoted...
        let removal = cli.run(&["member", "remove", "--org", "acme-inc", "ada@example.com", "--json"], None);
        assert_eq!(removal.code, 4);
        assert!(removal.error_json()["error"]["message"].as_str().unwrap_or_default().contains("last admin"));
        assert_eq!(cli.run(&["member", "set-role", "--org", "acme-inc", "ada@example.com", "--role", "member"], None).code, 4);
        // ...until there is another.
        assert_eq!(cli.run(&["member", "set-role", "--org", "acme-inc", "bob@example.com", "--role", "admin"], None).code, 0);
        assert_eq!(cli.run(&["member", "remove", "--org", "acme-inc", "ada@example.com"], None).code, 0);
        assert_eq!(cli.run(&["role", "delete", "--org", "acme-inc", "billing"], None).code, 0);

        // The default role must exist; it cannot be deleted while it is the default.
        assert_eq!(cli.run(&["org", "update", "acme-inc", "--default-role", "nope"], None).code, 5);
        assert_eq!(cli.run(&["role", "create", "--org", "acme-inc", "--key", "viewer", "--name", "Viewer"], None).code, 0);
        assert_eq!(cli.run(&["org", "update", "acme-inc", "--default-role", "viewer", "--slug", "acme"], None).code, 0);
        assert_eq!(cli.run(&["role", "delete", "--org", "acme", "viewer"], None).code, 4);

        assert_eq!(cli.run(&["org", "delete", "acme"], None).code, 0);
        assert_eq!(cli.run(&["org", "show", "acme"], None).code, 3);
    }
}

both_backends! {
    fn concurrent_demotions_keep_one_admin(backend) {
        let server = Arc::new(TestServer::start(backend));
        let ada = server.create_user("ada@example.com", PASSWORD);
        let bob = server.create_user("bob@example.com", PASSWORD);
        for round in 0..5 {
            let slug = format!("org-{round}");
            let org = server.block_on(tessera::organizations::create(&server.state, tessera::organizations::NewOrganization {
                name: slug.clone(), slug: Some(slug.clone()), owner: Some(ada.id.clone()), ..Default::default()
            })).expect("org");
            server.block_on(tessera::organizations::add_member(&server.state, &org.slug, &bob.id, Some("admin".into()))).expect("second admin");
            let handles: Vec<_> = [ada.id.clone(), bob.id.clone()].into_iter().map(|user| {
                let server = Arc::clone(&server);
                let slug = slug.clone();
                std::thread::spawn(move || {
                    server.block_on(tessera::organizations::set_member_role(&server.state, &slug, &user, "member"))
                })
            }).collect();
            let results: Vec<_> = handles.into_iter().map(|h| h.join().expect("thread")).collect();
            let ok = results.iter().filter(|r| r.is_ok()).count();
            let last_admin = results.iter().filter(|r| matches!(r, Err(tessera::organizations::OrgError::LastAdmin))).count();
            assert_eq!((ok, last_admin), (1, 1), "round {round}: {results:?}");
            let members = server.block_on(tessera::organizations::members(&server.state, &slug)).expect("members");
            assert_eq!(members.iter().filter(|(m, _)| m.role == "admin").count(), 1);
        }
    }
}

#[test]
fn organization_reference_accepts_id_or_slug() {
    let cli = Cli::new(Backend::Sqlite);
    let org = cli
        .run(&["org", "create", "--name", "Globex", "--json"], None)
        .json();
    let id = org["id"].as_str().expect("id");
    assert_eq!(
        cli.run(&["org", "show", id, "--json"], None).json()["slug"],
        "globex"
    );
}

both_backends! {
    fn the_only_admin_cannot_be_deleted_and_changes_are_audited_per_organization(backend) {
        let cli = Cli::new(backend);
        user(&cli, "ada@example.com");
        user(&cli, "bob@example.com");
        assert_eq!(cli.run(&["org", "create", "--name", "Acme", "--owner", "ada@example.com"], None).code, 0);
        let refused = cli.run(&["user", "delete", "ada@example.com", "--yes", "--json"], None);
        assert_eq!(refused.code, 4, "{}", refused.stderr);
        assert!(refused.error_json()["error"]["message"].as_str().unwrap_or_default().contains("only admin of acme"));
        assert_eq!(cli.run(&["member", "add", "--org", "acme", "bob@example.com", "--role", "admin"], None).code, 0);
        assert_eq!(cli.run(&["role", "create", "--org", "acme", "--key", "viewer", "--name", "Viewer"], None).code, 0);
        assert_eq!(cli.run(&["member", "remove", "--org", "acme", "bob@example.com"], None).code, 0);
        assert_eq!(cli.run(&["member", "add", "--org", "acme", "bob@example.com", "--role", "admin"], None).code, 0);
        assert_eq!(cli.run(&["user", "delete", "ada@example.com", "--yes"], None).code, 0, "another admin exists now");
        let events = cli.run(&["audit", "list", "--org", "acme", "--json"], None).json();
        let actions: Vec<&str> = events.as_array().expect("events").iter().filter_map(|e| e["action"].as_str()).collect();
        for expected in ["organization.created", "organizationMembership.created", "organizationRole.created", "organizationMembership.deleted"] {
            assert!(actions.contains(&expected), "{expected} in {actions:?}");
        }
        // A slug shaped like an organization id would make references ambiguous.
        let uuid_slug = cli.run(&["org", "create", "--name", "Sneaky", "--slug", "01930000-0000-7000-8000-000000000000"], None);
        assert_eq!(uuid_slug.code, 5);
    }
}

#[test]
fn search_wildcards_are_literal_and_not_found_names_the_missing_thing() {
    let cli = Cli::new(Backend::Sqlite);
    assert_eq!(
        cli.run(&["org", "create", "--name", "Growth 100%"], None)
            .code,
        0
    );
    assert_eq!(cli.run(&["org", "create", "--name", "Other"], None).code, 0);
    let found = cli
        .run(&["org", "list", "--search", "%", "--json"], None)
        .json();
    assert_eq!(found.as_array().map(Vec::len), Some(1), "{found}");
    assert_eq!(
        cli.run(&["org", "list", "--search", "_", "--json"], None)
            .json(),
        serde_json::json!([])
    );
    let missing = cli.run(
        &[
            "member",
            "add",
            "--org",
            "nosuch",
            "alice@example.com",
            "--json",
        ],
        None,
    );
    assert_eq!(missing.code, 3);
    assert!(
        missing.error_json()["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("\"nosuch\"")
    );
}

both_backends! {
    fn creating_an_organization_from_the_account_page_is_a_setting(backend) {
        let off = TestServer::start(backend);
        off.create_user("ada@example.com", PASSWORD);
        let browser = off.browser();
        browser.sign_in("ada@example.com", PASSWORD);
        assert!(!browser.get("/account").body.contains("Create an organization"));
        browser.submit("/account", "/account/organizations", &[("name", "Acme")]).assert_status(404);
        assert!(off.block_on(tessera::organizations::find(&off.state, "acme")).is_err());

        let on = TestServer::start_with(backend, |c| c.organizations.create_from_pages = true);
        on.create_user("bob@example.com", PASSWORD);
        let browser = on.browser();
        browser.sign_in("bob@example.com", PASSWORD);
        browser.get("/account").assert_contains("Create an organization");
        browser.post("/account/organizations", &[("name", "No token")]).assert_status(403);
        let bad = browser.submit("/account", "/account/organizations", &[("name", "Acme"), ("slug", "Not A Slug")]);
        bad.assert_status(400).assert_contains("Address name");
        browser.submit("/account", "/account/organizations", &[("name", "  ")]).assert_status(400);
        let made = browser.submit("/account", "/account/organizations", &[("name", "Acme")]);
        assert_eq!(made.location(), "/account?notice=organization-created");
        let clash = browser.submit("/account", "/account/organizations", &[("name", "Acme")]);
        clash.assert_status(400).assert_contains("already taken");
        let members = on.block_on(tessera::organizations::members(&on.state, "acme")).expect("members");
        assert_eq!(members.len(), 1);
        assert_eq!((members[0].1.as_str(), members[0].0.role.as_str()), ("bob@example.com", "admin"));
    }
}
