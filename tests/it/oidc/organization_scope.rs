//! The `organization` scope: the active organization chosen by the client's `organization=`
//! parameter, the session, the only membership or a chooser page; `org_id`, `org_slug`,
//! `org_role`, `org_permissions` in the ID token, the access token and UserInfo, read afresh at
//! every refresh; the account page switches the active organization.

use crate::both_backends;
use crate::support::oidc::{
    REDIRECT, TestClient, authorize_path, client_params, code_for, follow, jwt_claims, registration,
};
use crate::support::{Backend, Browser, PASSWORD, TestServer};
use tessera::organizations::{self, NewOrganization};

fn org(server: &TestServer, slug: &str, owner: &str) -> String {
    server
        .block_on(organizations::create(
            &server.state,
            NewOrganization {
                name: slug.into(),
                slug: Some(slug.into()),
                owner: Some(owner.into()),
                ..Default::default()
            },
        ))
        .expect("organization")
        .id
}

fn setup(backend: Backend) -> (TestServer, Browser, TestClient) {
    let server = TestServer::start(backend);
    server.create_user("ada@example.com", PASSWORD);
    let browser = server.browser();
    browser.sign_in("ada@example.com", PASSWORD);
    let mut r = registration("B2B app");
    r.scopes.push("organization".into());
    let client = server.register(r);
    (server, browser, client)
}

fn exchange(server: &TestServer, client: &TestClient, code: &str) -> serde_json::Value {
    let (status, body) = server.token(
        client,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
        ],
    );
    assert_eq!(status, 200, "{body}");
    body
}

fn userinfo(server: &TestServer, access: &str) -> serde_json::Value {
    reqwest::blocking::Client::new()
        .get(format!("{}/userinfo", server.base_url))
        .bearer_auth(access)
        .send()
        .expect("userinfo")
        .json()
        .expect("json")
}

const SCOPE: &str = "openid email organization offline_access";

both_backends! {
    fn the_only_organization_is_used_and_its_claims_travel(backend) {
        let (server, browser, client) = setup(backend);
        let acme = org(&server, "acme", "ada@example.com");
        let body = exchange(&server, &client, &code_for(&browser, &server, &client, &[("scope", SCOPE)]));
        let id = jwt_claims(body["id_token"].as_str().expect("id"));
        assert_eq!(id["org_id"], acme);
        assert_eq!(id["org_slug"], "acme");
        assert_eq!(id["org_role"], "admin");
        assert_eq!(id["org_permissions"], serde_json::json!(["org:manage", "org:members:manage", "org:members:read"]));
        let access = body["access_token"].as_str().expect("at");
        assert_eq!(jwt_claims(access)["org_id"], acme);
        assert_eq!(userinfo(&server, access)["org_role"], "admin");

        // The role is read again at every refresh; removing the member ends the grants that act
        // in the organization.
        server.create_user("bob@example.com", PASSWORD);
        server.block_on(organizations::add_member(&server.state, "acme", "bob@example.com", Some("admin".into()))).expect("bob");
        server.block_on(organizations::set_member_role(&server.state, "acme", "ada@example.com", "member")).expect("demote");
        let (_, refreshed) = server.token(&client, &[("grant_type", "refresh_token"), ("refresh_token", body["refresh_token"].as_str().expect("rt"))]);
        assert_eq!(jwt_claims(refreshed["access_token"].as_str().expect("at"))["org_role"], "member");
        assert_eq!(userinfo(&server, access)["org_role"], "member", "userinfo reads the membership now");
        server.block_on(organizations::remove_member(&server.state, "acme", "ada@example.com")).expect("remove");
        let (status, again) = server.token(&client, &[("grant_type", "refresh_token"), ("refresh_token", refreshed["refresh_token"].as_str().expect("rt"))]);
        assert_eq!((status, again["error"].as_str()), (400, Some("invalid_grant")), "{again}");
        let response = reqwest::blocking::Client::new()
            .get(format!("{}/userinfo", server.base_url))
            .bearer_auth(access)
            .send()
            .expect("userinfo");
        assert_eq!(response.status(), 401, "the access token is no longer live");
    }
}

#[test]
fn several_organizations_are_chosen_on_a_page_then_remembered() {
    let (server, browser, client) = setup(Backend::Sqlite);
    let acme = org(&server, "acme", "ada@example.com");
    let globex = org(&server, "globex", "ada@example.com");
    let params = [
        ("client_id", client.id.as_str()),
        ("redirect_uri", REDIRECT),
        ("response_type", "code"),
        ("scope", SCOPE),
        ("state", "s"),
    ];
    // prompt=none cannot show the chooser.
    let mut none = params.to_vec();
    none.push(("prompt", "none"));
    assert_eq!(
        client_params(&browser.get(&authorize_path(&none)))["error"],
        "interaction_required"
    );

    let page = browser.get(&authorize_path(&params));
    page.assert_status(200)
        .assert_contains("Choose an organization")
        .assert_contains("globex");
    let interaction = page.input_value("interaction").expect("interaction");
    let session = page.input_value("session").expect("session");
    let token = page.csrf_token();
    browser
        .post(
            "/authorize/organization",
            &[
                ("interaction", &interaction),
                ("session", &session),
                ("organization", &globex),
            ],
        )
        .assert_status(403);
    browser
        .post(
            "/authorize/organization",
            &[
                ("csrf_token", &token),
                ("interaction", &interaction),
                ("session", &session),
                ("organization", "not-mine"),
            ],
        )
        .assert_status(400);
    let chosen = browser.post(
        "/authorize/organization",
        &[
            ("csrf_token", &token),
            ("interaction", &interaction),
            ("session", &session),
            ("organization", &globex),
        ],
    );
    let code = client_params(&chosen)["code"].clone();
    assert_eq!(
        jwt_claims(
            exchange(&server, &client, &code)["id_token"]
                .as_str()
                .expect("id")
        )["org_slug"],
        "globex"
    );

    // Remembered for the session: no chooser next time.
    let body = exchange(
        &server,
        &client,
        &code_for(&browser, &server, &client, &[("scope", SCOPE)]),
    );
    assert_eq!(
        jwt_claims(body["id_token"].as_str().expect("id"))["org_id"],
        globex
    );
    // The client may name one, for that request only: the active one stays.
    let body = exchange(
        &server,
        &client,
        &code_for(
            &browser,
            &server,
            &client,
            &[("scope", SCOPE), ("organization", "acme")],
        ),
    );
    assert_eq!(
        jwt_claims(body["id_token"].as_str().expect("id"))["org_id"],
        acme
    );
    let body = exchange(
        &server,
        &client,
        &code_for(&browser, &server, &client, &[("scope", SCOPE)]),
    );
    assert_eq!(
        jwt_claims(body["id_token"].as_str().expect("id"))["org_id"],
        globex
    );
    // Not a member: access_denied.
    let mut other = params.to_vec();
    other.push(("organization", "initech"));
    assert_eq!(
        client_params(&browser.get(&authorize_path(&other)))["error"],
        "access_denied"
    );

    // The account page lists both and switches.
    let account = browser.get("/account");
    account
        .assert_contains("Your organizations")
        .assert_contains("globex");
    let switched = browser.post(
        "/account/organization",
        &[
            ("csrf_token", &account.csrf_token()),
            ("organization", &globex),
        ],
    );
    assert_eq!(switched.location(), "/account?notice=organization-switched");
    let body = exchange(
        &server,
        &client,
        &code_for(&browser, &server, &client, &[("scope", SCOPE)]),
    );
    assert_eq!(
        jwt_claims(body["id_token"].as_str().expect("id"))["org_id"],
        globex
    );
    browser
        .post(
            "/account/organization",
            &[
                ("csrf_token", &account.csrf_token()),
                ("organization", "nope"),
            ],
        )
        .assert_status(404);
}

#[test]
fn without_membership_or_scope_there_are_no_organization_claims() {
    let (server, browser, client) = setup(Backend::Sqlite);
    let body = exchange(
        &server,
        &client,
        &code_for(&browser, &server, &client, &[("scope", SCOPE)]),
    );
    assert!(
        jwt_claims(body["id_token"].as_str().expect("id"))
            .get("org_id")
            .is_none()
    );
    org(&server, "acme", "ada@example.com");
    let body = exchange(
        &server,
        &client,
        &code_for(&browser, &server, &client, &[("scope", "openid")]),
    );
    assert!(
        jwt_claims(body["id_token"].as_str().expect("id"))
            .get("org_id")
            .is_none()
    );
    // A client not registered for the scope cannot ask for it.
    let plain = server.client();
    let page = follow(
        &browser,
        &server.base_url,
        browser.get(&authorize_path(&[
            ("client_id", &plain.id),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            ("scope", SCOPE),
            ("state", "s"),
        ])),
    );
    assert_eq!(client_params(&page)["error"], "invalid_scope");
}
