//! Behaviour a careful review asked for: re-authentication keeps other apps signed in, refusals
//! do not burn refresh tokens, codes die with their session, the hinted user must be the signed-in
//! one, freshness belongs to the browser, API scopes are shown on the consent page, introspection
//! is limited to the caller's own tokens, and POSTed requests reach the session.

use crate::support::http_sink::HttpSink;
use crate::support::oidc::{
    REDIRECT, TestClient, authorize_path, client_params, code_for, follow, jwt_claims, registration,
};
use crate::support::{Backend, Browser, PASSWORD, TestServer};

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

fn userinfo_status(server: &TestServer, access: &str) -> u16 {
    reqwest::blocking::Client::new()
        .get(format!("{}/userinfo", server.base_url))
        .bearer_auth(access)
        .send()
        .expect("userinfo")
        .status()
        .as_u16()
}

fn signed_in(server: &TestServer) -> Browser {
    server.create_user("ada@example.com", PASSWORD);
    let browser = server.browser();
    browser.sign_in("ada@example.com", PASSWORD);
    browser
}

fn sign_in_again(
    server: &TestServer,
    browser: &Browser,
    page: crate::support::Page,
) -> std::collections::BTreeMap<String, String> {
    let return_to = page.input_value("return_to").expect("sign-in hand-off");
    let signed = browser.post(
        "/sign-in",
        &[
            ("csrf_token", &page.csrf_token()),
            ("email", "ada@example.com"),
            ("password", PASSWORD),
            ("return_to", &return_to),
        ],
    );
    client_params(&follow(browser, &server.base_url, signed))
}

#[test]
fn re_authentication_for_one_app_keeps_the_others_signed_in() {
    let server = TestServer::start(Backend::Sqlite);
    let browser = signed_in(&server);
    let sink = HttpSink::start(&[]);
    let mut other = registration("Other app");
    other.backchannel_logout_uri = Some(format!("{}/bc", sink.base));
    let other = server.register(other);
    let app = server.client();
    let other_tokens = exchange(
        &server,
        &other,
        &code_for(&browser, &server, &other, &[("scope", "openid")]),
    );
    let sid = jwt_claims(other_tokens["id_token"].as_str().expect("id"))["sid"].clone();
    server.clock.advance(5);
    let page = follow(
        &browser,
        &server.base_url,
        browser.get(&authorize_path(&[
            ("client_id", &app.id),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            ("scope", "openid"),
            ("state", "s"),
            ("max_age", "0"),
        ])),
    );
    let got = sign_in_again(&server, &browser, page);
    let fresh = exchange(&server, &app, &got["code"]);
    assert_eq!(
        jwt_claims(fresh["id_token"].as_str().expect("id"))["sid"],
        sid,
        "the same session"
    );
    assert_eq!(
        userinfo_status(&server, other_tokens["access_token"].as_str().expect("at")),
        200
    );
    std::thread::sleep(std::time::Duration::from_millis(600));
    assert!(
        sink.received().is_empty(),
        "no logout token for a re-authentication"
    );
}

#[test]
fn a_refused_refresh_does_not_burn_the_token() {
    let server = TestServer::start(Backend::Sqlite);
    let browser = signed_in(&server);
    let client = server.client();
    let body = exchange(&server, &client, &code_for(&browser, &server, &client, &[]));
    let refresh = body["refresh_token"].as_str().expect("rt");
    let (status, wide) = server.token(
        &client,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh),
            ("scope", "openid phone"),
        ],
    );
    assert_eq!(
        (status, wide["error"].as_str()),
        (400, Some("invalid_scope"))
    );
    let (status, ok) = server.token(
        &client,
        &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
    );
    assert_eq!(status, 200, "{ok}");
}

#[test]
fn a_code_dies_with_its_session() {
    let server = TestServer::start(Backend::Sqlite);
    let browser = signed_in(&server);
    let client = server.client();
    let code = code_for(&browser, &server, &client, &[]);
    browser.submit("/account", "/sign-out", &[]);
    let (status, body) = server.token(
        &client,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
        ],
    );
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
}

#[test]
fn the_hinted_user_must_be_the_one_who_signs_in() {
    let server = TestServer::start(Backend::Sqlite);
    let browser = signed_in(&server);
    server.create_user("bob@example.com", PASSWORD);
    let client = server.client();
    let ada_hint =
        exchange(&server, &client, &code_for(&browser, &server, &client, &[]))["id_token"]
            .as_str()
            .expect("id")
            .to_string();
    browser.clear_cookies();
    let page = follow(
        &browser,
        &server.base_url,
        browser.get(&authorize_path(&[
            ("client_id", &client.id),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            ("scope", "openid"),
            ("state", "s"),
            ("id_token_hint", &ada_hint),
        ])),
    );
    let return_to = page.input_value("return_to").expect("sign-in");
    let signed = browser.post(
        "/sign-in",
        &[
            ("csrf_token", &page.csrf_token()),
            ("email", "bob@example.com"),
            ("password", PASSWORD),
            ("return_to", &return_to),
        ],
    );
    let got = client_params(&follow(&browser, &server.base_url, signed));
    assert_eq!(
        got.get("error").map(String::as_str),
        Some("login_required"),
        "{got:?}"
    );
}

#[test]
fn a_resume_link_opened_in_another_signed_in_browser_is_not_a_fresh_sign_in() {
    let server = TestServer::start(Backend::Sqlite);
    let victim = signed_in(&server);
    let client = server.client();
    server.clock.advance(5);
    let attacker = server.browser();
    let start = attacker.get(&authorize_path(&[
        ("client_id", &client.id),
        ("redirect_uri", REDIRECT),
        ("response_type", "code"),
        ("scope", "openid"),
        ("state", "s"),
        ("prompt", "login"),
    ]));
    let resume = start.location();
    let resume = url::Url::parse(&format!("http://x{resume}")).expect("url");
    let return_to = resume
        .query_pairs()
        .find(|(k, _)| k == "return_to")
        .map(|(_, v)| v.into_owned())
        .expect("return_to");
    let page = victim.get(&return_to);
    assert_eq!(page.status, 303);
    assert!(
        page.location().starts_with("/sign-in"),
        "asks to sign in: {}",
        page.location()
    );
}

#[test]
fn api_scopes_are_named_on_the_consent_page() {
    let server = TestServer::start(Backend::Sqlite);
    let browser = signed_in(&server);
    let mut r = registration("Payments");
    r.first_party = false;
    r.scopes.push("payments:write".into());
    let client = server.register(r);
    let page = browser.get(&authorize_path(&[
        ("client_id", &client.id),
        ("redirect_uri", REDIRECT),
        ("response_type", "code"),
        ("scope", "openid payments:write"),
        ("state", "s"),
    ]));
    page.assert_status(200).assert_contains("payments:write");
}

#[test]
fn introspection_shows_a_client_only_its_own_tokens_unless_first_party() {
    let server = TestServer::start(Backend::Sqlite);
    let browser = signed_in(&server);
    let app = server.client();
    let mut third = registration("Third party");
    third.first_party = false;
    let third = server.register(third);
    let access = exchange(&server, &app, &code_for(&browser, &server, &app, &[]))["access_token"]
        .as_str()
        .expect("at")
        .to_string();
    let introspect = |client: &TestClient| -> serde_json::Value {
        reqwest::blocking::Client::new()
            .post(format!("{}/introspect", server.base_url))
            .basic_auth(&client.id, client.secret.as_deref())
            .form(&[("token", access.as_str())])
            .send()
            .expect("introspect")
            .json()
            .expect("json")
    };
    assert_eq!(introspect(&third), serde_json::json!({"active": false}));
    assert_eq!(introspect(&app)["active"], true);
}

#[test]
fn posted_requests_reach_the_session() {
    let server = TestServer::start(Backend::Sqlite);
    let browser = signed_in(&server);
    let client = server.client();
    let posted = browser.post(
        "/authorize",
        &[
            ("client_id", &client.id),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            ("scope", "openid"),
            ("state", "s"),
            ("prompt", "none"),
        ],
    );
    assert_eq!(posted.status, 303);
    assert!(
        posted.location().starts_with("/authorize?"),
        "{}",
        posted.location()
    );
    let id_token =
        exchange(&server, &client, &code_for(&browser, &server, &client, &[]))["id_token"]
            .as_str()
            .expect("id")
            .to_string();
    let posted = browser.post(
        "/end-session",
        &[
            ("id_token_hint", &id_token),
            ("post_logout_redirect_uri", "https://app.example/signed-out"),
        ],
    );
    assert!(
        posted.location().starts_with("/end-session?"),
        "{}",
        posted.location()
    );
    let done = browser.get(&posted.location());
    assert_eq!(done.location(), "https://app.example/signed-out");
    assert!(!browser.is_signed_in());
}

#[test]
fn a_hint_from_another_session_asks_before_signing_out() {
    let server = TestServer::start(Backend::Sqlite);
    let browser = signed_in(&server);
    let client = server.client();
    let old = exchange(&server, &client, &code_for(&browser, &server, &client, &[]))["id_token"]
        .as_str()
        .expect("id")
        .to_string();
    browser.submit("/account", "/sign-out", &[]);
    browser.sign_in("ada@example.com", PASSWORD);
    let page = browser.get(&format!("/end-session?id_token_hint={old}"));
    page.assert_status(200).assert_contains("Sign out?");
    assert!(browser.is_signed_in());
}
