//! Consent for third-party clients: asked once per scope set, remembered, asked again with
//! `prompt=consent` or for new scopes, `consent_required` under `prompt=none`, `access_denied`
//! when the user declines. Also the form_post response mode and its CSP.

use crate::both_backends;
use crate::support::oidc::{REDIRECT, authorize_path, client_params, follow, registration};
use crate::support::{PASSWORD, TestServer};

fn third_party(server: &TestServer) -> crate::support::oidc::TestClient {
    let mut r = registration("Photo Printer");
    r.first_party = false;
    server.register(r)
}

both_backends! {
    fn consent_is_asked_remembered_and_can_be_declined(backend) {
        let server = TestServer::start(backend);
        server.create_user("ada@example.com", PASSWORD);
        let browser = server.browser();
        browser.sign_in("ada@example.com", PASSWORD);
        let client = third_party(&server);
        let params = |scope: &'static str, extra: Option<(&'static str, &'static str)>| {
            let mut p = vec![("client_id", client.id.clone()), ("redirect_uri", REDIRECT.to_string()), ("response_type", "code".to_string()), ("scope", scope.to_string()), ("state", "s".to_string())];
            if let Some((k, v)) = extra { p.push((k, v.to_string())); }
            let pairs: Vec<(&str, &str)> = p.iter().map(|(k, v)| (*k, v.as_str())).collect();
            authorize_path(&pairs)
        };
        // prompt=none cannot show the page.
        let none = browser.get(&params("openid email", Some(("prompt", "none"))));
        assert_eq!(client_params(&none)["error"], "consent_required");

        let page = browser.get(&params("openid email", None));
        page.assert_status(200).assert_contains("Photo Printer").assert_contains("See your email address");
        let csp = page.header("content-security-policy").expect("csp");
        assert!(csp.contains("form-action 'self' https://app.example"), "{csp}");
        let interaction = page.input_value("interaction").expect("interaction");
        let session = page.input_value("session").expect("session");
        let token = page.csrf_token();

        // Without the CSRF token nothing happens.
        browser.post("/authorize/consent", &[("interaction", &interaction), ("session", &session), ("decision", "allow")]).assert_status(403);
        // Declining answers access_denied.
        let denied = browser.post("/authorize/consent", &[("csrf_token", &token), ("interaction", &interaction), ("session", &session), ("decision", "deny")]);
        assert_eq!(client_params(&denied)["error"], "access_denied");
        // A tampered interaction is refused with a page.
        browser.post("/authorize/consent", &[("csrf_token", &token), ("interaction", &format!("{interaction}x")), ("session", &session), ("decision", "allow")]).assert_status(400);
        // Allowing issues the code.
        let allowed = browser.post("/authorize/consent", &[("csrf_token", &token), ("interaction", &interaction), ("session", &session), ("decision", "allow")]);
        assert!(client_params(&allowed).contains_key("code"));

        // Remembered: the same or fewer scopes go straight through, even with prompt=none.
        assert!(client_params(&browser.get(&params("openid", Some(("prompt", "none"))))).contains_key("code"));
        // New scopes or prompt=consent ask again.
        browser.get(&params("openid email profile", None)).assert_status(200).assert_contains("See your name");
        browser.get(&params("openid", Some(("prompt", "consent")))).assert_status(200).assert_contains("Photo Printer");
    }
}

#[test]
fn consent_counts_only_for_the_session_it_was_asked_in() {
    let server = TestServer::start(crate::support::Backend::Sqlite);
    server.create_user("ada@example.com", PASSWORD);
    let browser = server.browser();
    browser.sign_in("ada@example.com", PASSWORD);
    let client = third_party(&server);
    let path = authorize_path(&[
        ("client_id", &client.id),
        ("redirect_uri", REDIRECT),
        ("response_type", "code"),
        ("scope", "openid"),
        ("state", "s"),
    ]);
    let page = browser.get(&path);
    let interaction = page.input_value("interaction").expect("interaction");
    let token = page.csrf_token();
    let other = browser.post(
        "/authorize/consent",
        &[
            ("csrf_token", &token),
            ("interaction", &interaction),
            ("session", "someone-elses"),
            ("decision", "allow"),
        ],
    );
    assert_eq!(other.status, 303);
    assert!(
        other.location().starts_with("/authorize/resume"),
        "{}",
        other.location()
    );
}

#[test]
fn form_post_response_mode() {
    let server = TestServer::start(crate::support::Backend::Sqlite);
    server.create_user("ada@example.com", PASSWORD);
    let browser = server.browser();
    browser.sign_in("ada@example.com", PASSWORD);
    let client = server.client();
    let path = authorize_path(&[
        ("client_id", &client.id),
        ("redirect_uri", REDIRECT),
        ("response_type", "code"),
        ("scope", "openid"),
        ("state", "s<>\""),
        ("response_mode", "form_post"),
    ]);
    let page = follow(&browser, &server.base_url, browser.get(&path));
    page.assert_status(200)
        .assert_contains("action=\"https://app.example/callback\"");
    assert!(page.input_value("code").is_some_and(|c| c.len() == 43));
    assert_eq!(page.input_value("state").as_deref(), Some("s<>\""));
    let csp = page.header("content-security-policy").expect("csp");
    assert!(
        csp.contains("form-action https://app.example") && csp.contains("script-src 'self'"),
        "{csp}"
    );
    browser.get("/static/form-post.js").assert_status(200);
}

#[test]
fn sign_in_hand_off_resumes_the_request() {
    let server = TestServer::start(crate::support::Backend::Sqlite);
    server.create_user("ada@example.com", PASSWORD);
    let browser = server.browser();
    let client = server.client();
    let path = authorize_path(&[
        ("client_id", &client.id),
        ("redirect_uri", REDIRECT),
        ("response_type", "code"),
        ("scope", "openid"),
        ("state", "s"),
        ("login_hint", "ada@example.com"),
    ]);
    let page = follow(&browser, &server.base_url, browser.get(&path));
    page.assert_status(200).assert_contains("Sign in");
    assert_eq!(
        page.input_value("email").as_deref(),
        Some("ada@example.com"),
        "login_hint prefills"
    );
    let csp = page.header("content-security-policy").expect("csp");
    assert!(
        csp.contains("form-action 'self' https://app.example"),
        "{csp}"
    );
    let return_to = page.input_value("return_to").expect("return_to");
    let token = page.csrf_token();
    let signed = browser.post(
        "/sign-in",
        &[
            ("csrf_token", &token),
            ("email", "ada@example.com"),
            ("password", PASSWORD),
            ("return_to", &return_to),
        ],
    );
    let got = client_params(&follow(&browser, &server.base_url, signed));
    assert!(got.contains_key("code"));
    // The hand-off expires.
    server.clock.advance(31 * 60);
    browser
        .get(&return_to)
        .assert_status(400)
        .assert_contains("expired");
}
