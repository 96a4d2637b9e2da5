//! RP-Initiated Logout 1.0 (one test per module of the OpenID Foundation's RP-Initiated Logout OP
//! plan, named after it) and Back-Channel Logout 1.0 (signed logout tokens, retries).

use crate::both_backends;
use crate::support::http_sink::HttpSink;
use crate::support::oidc::{REDIRECT, TestClient, code_for, jwt_claims, jwt_header, registration};
use crate::support::{Browser, PASSWORD, TestServer};

const SIGNED_OUT: &str = "https://app.example/signed-out";

fn signed_in_with_id_token(server: &TestServer, client: &TestClient) -> (Browser, String) {
    server.create_user("ada@example.com", PASSWORD);
    let browser = server.browser();
    browser.sign_in("ada@example.com", PASSWORD);
    let code = code_for(&browser, server, client, &[]);
    let (_, body) = server.token(
        client,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
        ],
    );
    (
        browser,
        body["id_token"].as_str().expect("id token").to_string(),
    )
}

fn end_session(params: &[(&str, &str)]) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish();
    format!("/end-session?{query}")
}

both_backends! {
    fn oidcc_rp_initiated_logout(backend) {
        let server = TestServer::start(backend);
        let client = server.client();
        let (browser, id_token) = signed_in_with_id_token(&server, &client);
        let page = browser.get(&end_session(&[("id_token_hint", &id_token), ("post_logout_redirect_uri", SIGNED_OUT), ("state", "bye")]));
        assert_eq!(page.status, 303);
        assert_eq!(page.location(), format!("{SIGNED_OUT}?state=bye"));
        assert!(!browser.is_signed_in());
    }
}

#[test]
fn oidcc_rp_initiated_logout_bad_post_logout_redirect_uri() {
    let server = TestServer::start(crate::support::Backend::Sqlite);
    let client = server.client();
    let (browser, id_token) = signed_in_with_id_token(&server, &client);
    for bad in [
        "https://evil.example/",
        "https://app.example/signed-out/x",
        "https://app.example/SIGNED-OUT",
    ] {
        let page = browser.get(&end_session(&[
            ("id_token_hint", &id_token),
            ("post_logout_redirect_uri", bad),
            ("state", "s"),
        ]));
        page.assert_status(400)
            .assert_contains("has not registered");
        assert!(page.header("location").is_none());
    }
    assert!(browser.is_signed_in(), "nothing happened");
}

#[test]
fn oidcc_rp_initiated_logout_query_added_to_post_logout_redirect_uri() {
    let server = TestServer::start(crate::support::Backend::Sqlite);
    let client = server.client();
    let (browser, id_token) = signed_in_with_id_token(&server, &client);
    let page = browser.get(&end_session(&[
        ("id_token_hint", &id_token),
        ("post_logout_redirect_uri", &format!("{SIGNED_OUT}?foo=bar")),
    ]));
    page.assert_status(400);
}

#[test]
fn oidcc_rp_initiated_logout_modified_id_token_hint() {
    let server = TestServer::start(crate::support::Backend::Sqlite);
    let client = server.client();
    let (browser, id_token) = signed_in_with_id_token(&server, &client);
    let mut parts: Vec<String> = id_token.split('.').map(str::to_string).collect();
    let mut claims = jwt_claims(&id_token);
    claims["sub"] = "someone-else".into();
    use base64::Engine;
    parts[1] = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(claims.to_string());
    let page = browser.get(&end_session(&[
        ("id_token_hint", &parts.join(".")),
        ("post_logout_redirect_uri", SIGNED_OUT),
    ]));
    page.assert_status(400).assert_contains("did not issue");
    assert!(browser.is_signed_in());
}

#[test]
fn oidcc_rp_initiated_logout_no_id_token_hint() {
    let server = TestServer::start(crate::support::Backend::Sqlite);
    let client = server.client();
    let (browser, _) = signed_in_with_id_token(&server, &client);
    // Without a hint the user confirms; then the registered URI of the named client is used.
    let page = browser.get(&end_session(&[
        ("client_id", &client.id),
        ("post_logout_redirect_uri", SIGNED_OUT),
        ("state", "s2"),
    ]));
    page.assert_status(200)
        .assert_contains("Test app asked to sign you out");
    let csp = page.header("content-security-policy").expect("csp");
    assert!(
        csp.contains("form-action 'self' https://app.example"),
        "{csp}"
    );
    assert!(browser.is_signed_in(), "not before the user confirms");
    let sealed = page.input_value("request").expect("sealed");
    let token = page.csrf_token();
    browser
        .post(
            "/end-session/confirm",
            &[("request", &sealed), ("decision", "sign-out")],
        )
        .assert_status(403);
    let stay = browser.post(
        "/end-session/confirm",
        &[
            ("csrf_token", &token),
            ("request", &sealed),
            ("decision", "stay"),
        ],
    );
    assert_eq!(stay.location(), "/account");
    assert!(browser.is_signed_in());
    browser
        .post(
            "/end-session/confirm",
            &[
                ("csrf_token", &token),
                ("request", &format!("{sealed}x")),
                ("decision", "sign-out"),
            ],
        )
        .assert_status(400);
    let done = browser.post(
        "/end-session/confirm",
        &[
            ("csrf_token", &token),
            ("request", &sealed),
            ("decision", "sign-out"),
        ],
    );
    assert_eq!(done.location(), format!("{SIGNED_OUT}?state=s2"));
    assert!(!browser.is_signed_in());
}

#[test]
fn oidcc_rp_initiated_logout_no_params() {
    let server = TestServer::start(crate::support::Backend::Sqlite);
    let client = server.client();
    let (browser, _) = signed_in_with_id_token(&server, &client);
    let page = browser.get("/end-session");
    page.assert_status(200).assert_contains("Sign out?");
    let done = browser.post(
        "/end-session/confirm",
        &[
            ("csrf_token", &page.csrf_token()),
            ("request", &page.input_value("request").expect("r")),
            ("decision", "sign-out"),
        ],
    );
    done.assert_status(200)
        .assert_contains("You are signed out");
    assert!(!browser.is_signed_in());
}

#[test]
fn oidcc_rp_initiated_logout_no_post_logout_redirect_uri() {
    let server = TestServer::start(crate::support::Backend::Sqlite);
    let client = server.client();
    let (browser, id_token) = signed_in_with_id_token(&server, &client);
    let page = browser.get(&end_session(&[
        ("id_token_hint", &id_token),
        ("state", "s"),
    ]));
    page.assert_status(200)
        .assert_contains("You are signed out");
    assert!(!browser.is_signed_in());
}

#[test]
fn oidcc_rp_initiated_logout_only_state() {
    let server = TestServer::start(crate::support::Backend::Sqlite);
    let client = server.client();
    let (browser, _) = signed_in_with_id_token(&server, &client);
    let page = browser.get(&end_session(&[("state", "only")]));
    page.assert_status(200).assert_contains("Sign out?");
    assert!(page.header("location").is_none());
}

#[test]
fn oidcc_rp_initiated_logout_no_state() {
    let server = TestServer::start(crate::support::Backend::Sqlite);
    let client = server.client();
    let (browser, id_token) = signed_in_with_id_token(&server, &client);
    let page = browser.get(&end_session(&[
        ("id_token_hint", &id_token),
        ("post_logout_redirect_uri", SIGNED_OUT),
    ]));
    assert_eq!(page.location(), SIGNED_OUT);
}

#[test]
fn logout_with_a_hint_for_another_client_and_client_id_is_refused() {
    let server = TestServer::start(crate::support::Backend::Sqlite);
    let client = server.client();
    let other = server.client();
    let (browser, id_token) = signed_in_with_id_token(&server, &client);
    browser
        .get(&end_session(&[
            ("id_token_hint", &id_token),
            ("client_id", &other.id),
        ]))
        .assert_status(400);
    // Already signed out: the registered redirect still works.
    browser.clear_cookies();
    let page = browser.get(&end_session(&[
        ("id_token_hint", &id_token),
        ("post_logout_redirect_uri", SIGNED_OUT),
    ]));
    assert_eq!(page.location(), SIGNED_OUT);
}

both_backends! {
    fn backchannel_logout_delivers_a_signed_logout_token(backend) {
        let server = TestServer::start(backend);
        let sink = HttpSink::start(&[]);
        let mut r = registration("Back end app");
        r.backchannel_logout_uri = Some(format!("{}/backchannel", sink.base));
        let client = server.register(r);
        let plain = server.client();
        let (browser, id_token) = signed_in_with_id_token(&server, &client);
        let code = code_for(&browser, &server, &plain, &[]);
        assert_eq!(server.token(&plain, &[("grant_type", "authorization_code"), ("code", &code), ("redirect_uri", REDIRECT)]).0, 200);
        let sid = jwt_claims(&id_token)["sid"].clone();
        browser.submit("/account", "/sign-out", &[]);
        let got = sink.wait_for(1);
        assert_eq!(got[0].line, "POST /backchannel HTTP/1.1");
        let token = url::form_urlencoded::parse(got[0].body.as_bytes())
            .find(|(k, _)| k == "logout_token")
            .map(|(_, v)| v.into_owned())
            .expect("logout_token");
        assert_eq!(jwt_header(&token)["typ"], "logout+jwt");
        let claims = jwt_claims(&token);
        assert_eq!(claims["iss"], server.base_url);
        assert_eq!(claims["aud"], client.id);
        assert_eq!(claims["sid"], sid);
        assert_eq!(claims["sub"], jwt_claims(&id_token)["sub"]);
        assert!(claims["events"]["http://schemas.openid.net/event/backchannel-logout"].is_object());
        assert!(claims.get("nonce").is_none(), "a logout token never carries a nonce");
        // The signature verifies with our keys (as an RP would, through the JWKS).
        assert!(server.block_on(server.state.keys.verify(&server.state.db, &token, tessera::clock::Clock::now(&server.clock))).is_ok());
        std::thread::sleep(std::time::Duration::from_millis(600));
        assert_eq!(sink.received().len(), 1, "delivered once, and only to the client that asked");
    }
}

#[test]
fn backchannel_logout_is_retried_until_the_client_accepts() {
    let server = TestServer::start(crate::support::Backend::Sqlite);
    let sink = HttpSink::start(&[500, 503]);
    let mut r = registration("Flaky app");
    r.backchannel_logout_uri = Some(format!("{}/bc", sink.base));
    let client = server.register(r);
    let (browser, _) = signed_in_with_id_token(&server, &client);
    browser.submit("/account", "/sign-out", &[]);
    sink.wait_for(1);
    server.clock.advance(6);
    sink.wait_for(2);
    server.clock.advance(31);
    sink.wait_for(3);
    server.clock.advance(3600);
    std::thread::sleep(std::time::Duration::from_millis(600));
    assert_eq!(
        sink.received().len(),
        3,
        "accepted on the third try, then never again"
    );
}

#[test]
fn deleting_a_user_tells_the_apps_that_asked_for_back_channel_logout() {
    let server = TestServer::start(crate::support::Backend::Sqlite);
    let sink = HttpSink::start(&[]);
    let mut r = registration("Back end app");
    r.backchannel_logout_uri = Some(format!("{}/bc", sink.base));
    let client = server.register(r);
    let (_browser, id_token) = signed_in_with_id_token(&server, &client);
    let sub = jwt_claims(&id_token)["sub"]
        .as_str()
        .expect("sub")
        .to_string();
    server
        .block_on(tessera::accounts::admin::delete_user(&server.state, &sub))
        .expect("delete");
    let got = sink.wait_for(1);
    let token = url::form_urlencoded::parse(got[0].body.as_bytes())
        .find(|(k, _)| k == "logout_token")
        .map(|(_, v)| v.into_owned())
        .expect("logout_token");
    assert_eq!(jwt_claims(&token)["sub"], sub);
}
