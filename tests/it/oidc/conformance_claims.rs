//! More modules of the Basic and Config OP plans, named after them: UserInfo in its three forms,
//! scopes and their claims, parameters that must be accepted, redirect URIs with a query, client
//! authentication by post, RS256 ID tokens, key rotation, and CORS where SPAs need it.

use crate::support::oidc::{
    REDIRECT, TestClient, authorize_path, client_params, code_for, follow, jwt_claims, jwt_header,
    registration,
};
use crate::support::{Backend, Browser, PASSWORD, TestServer};

fn setup_with(
    change: impl FnOnce(&mut tessera::domain::client::Registration),
) -> (TestServer, Browser, TestClient) {
    let server = TestServer::start(Backend::Sqlite);
    server.create_user("ada@example.com", PASSWORD);
    let browser = server.browser();
    browser.sign_in("ada@example.com", PASSWORD);
    let mut r = registration("Conformance");
    change(&mut r);
    let client = server.register(r);
    (server, browser, client)
}

fn setup() -> (TestServer, Browser, TestClient) {
    setup_with(|_| {})
}

fn tokens(
    server: &TestServer,
    browser: &Browser,
    client: &TestClient,
    extra: &[(&str, &str)],
) -> serde_json::Value {
    let code = code_for(browser, server, client, extra);
    let (status, body) = server.token(
        client,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
        ],
    );
    assert_eq!(status, 200, "{body}");
    body
}

fn http() -> reqwest::blocking::Client {
    reqwest::blocking::Client::new()
}

#[test]
fn oidcc_userinfo_get() {
    let (server, browser, client) = setup();
    let body = tokens(&server, &browser, &client, &[]);
    let info: serde_json::Value = http()
        .get(format!("{}/userinfo", server.base_url))
        .bearer_auth(body["access_token"].as_str().expect("at"))
        .send()
        .expect("get")
        .json()
        .expect("json");
    assert_eq!(
        info["sub"],
        jwt_claims(body["id_token"].as_str().expect("id"))["sub"]
    );
    assert_eq!(info["email"], "ada@example.com");
    assert_eq!(info["email_verified"], true);
}

#[test]
fn oidcc_userinfo_post_header() {
    let (server, browser, client) = setup();
    let body = tokens(&server, &browser, &client, &[]);
    let response = http()
        .post(format!("{}/userinfo", server.base_url))
        .bearer_auth(body["access_token"].as_str().expect("at"))
        .send()
        .expect("post");
    assert_eq!(response.status().as_u16(), 200);
}

#[test]
fn oidcc_userinfo_post_body() {
    let (server, browser, client) = setup();
    let body = tokens(&server, &browser, &client, &[]);
    let access = body["access_token"].as_str().expect("at");
    let response = http()
        .post(format!("{}/userinfo", server.base_url))
        .form(&[("access_token", access)])
        .send()
        .expect("post");
    assert_eq!(response.status().as_u16(), 200);
    // Both places at once is refused (RFC 6750 §2).
    let both = http()
        .post(format!("{}/userinfo", server.base_url))
        .bearer_auth(access)
        .form(&[("access_token", access)])
        .send()
        .expect("post");
    assert_eq!(both.status().as_u16(), 400);
}

#[test]
fn oidcc_scope_email() {
    let (server, browser, client) = setup();
    let claims = jwt_claims(
        tokens(&server, &browser, &client, &[("scope", "openid email")])["id_token"]
            .as_str()
            .expect("id"),
    );
    assert_eq!(claims["email"], "ada@example.com");
    assert!(claims.get("name").is_none() && claims.get("updated_at").is_none());
}

#[test]
fn oidcc_scope_address_phone_and_all() {
    let (server, browser, client) = setup_with(|r| {
        r.scopes
            .extend(["address".to_string(), "phone".to_string()])
    });
    for scope in [
        "openid address",
        "openid phone",
        "openid profile email address phone",
    ] {
        let body = tokens(&server, &browser, &client, &[("scope", scope)]);
        assert_eq!(
            body["scope"],
            tessera::oidc::scope::Scopes::parse(scope)
                .expect("scope")
                .to_text()
        );
    }
}

#[test]
fn oidcc_ensure_other_scope_order_succeeds() {
    let (server, browser, client) = setup();
    let body = tokens(&server, &browser, &client, &[("scope", "email openid")]);
    assert!(body["id_token"].is_string());
}

#[test]
fn oidcc_display_page_and_popup() {
    let (server, browser, client) = setup();
    for display in ["page", "popup"] {
        tokens(&server, &browser, &client, &[("display", display)]);
    }
}

#[test]
fn oidcc_login_hint_ui_locales_claims_locales_acr_values() {
    let (server, browser, client) = setup();
    for (name, value) in [
        ("login_hint", "ada@example.com"),
        ("ui_locales", "se"),
        ("claims_locales", "se"),
        ("acr_values", "1 2"),
    ] {
        tokens(&server, &browser, &client, &[(name, value)]);
    }
}

#[test]
fn oidcc_server_client_secret_post() {
    let (server, browser, client) =
        setup_with(|r| r.auth_method = tessera::domain::client::AuthMethod::ClientSecretPost);
    let code = code_for(&browser, &server, &client, &[]);
    let secret = client.secret.clone().expect("secret");
    let bare = TestClient {
        id: client.id.clone(),
        secret: None,
    };
    let (status, body) = server.token(
        &bare,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("client_id", &client.id),
            ("client_secret", &secret),
        ],
    );
    assert_eq!(status, 200, "{body}");
}

#[test]
fn oidcc_redirect_uri_query_ok_mismatch_and_added() {
    let with_query = "https://app.example/callback?foo=bar";
    let (server, browser, client) = setup_with(|r| r.redirect_uris = vec![with_query.to_string()]);
    let params = |uri: &str| {
        authorize_path(&[
            ("client_id", &client.id),
            ("redirect_uri", uri),
            ("response_type", "code"),
            ("scope", "openid"),
            ("state", "q"),
        ])
    };
    let ok = follow(&browser, &server.base_url, browser.get(&params(with_query)));
    let location = ok.location();
    assert!(
        location.starts_with("https://app.example/callback?foo=bar&code="),
        "the registered query is kept: {location}"
    );
    browser
        .get(&params("https://app.example/callback?foo=baz"))
        .assert_status(400);
    browser
        .get(&params("https://app.example/callback?foo=bar&extra=1"))
        .assert_status(400);
    browser
        .get(&params("https://app.example/callback"))
        .assert_status(400);
}

#[test]
fn oidcc_ensure_redirect_uri_in_authorization_request() {
    let (_server, browser, client) = setup();
    let page = browser.get(&authorize_path(&[
        ("client_id", &client.id),
        ("response_type", "code"),
        ("scope", "openid"),
    ]));
    page.assert_status(400);
    assert!(page.header("location").is_none());
}

#[test]
fn oidcc_idtoken_rs256_es256_and_eddsa() {
    for alg in tessera::crypto::signing_keys::SigningAlgorithm::ALL {
        let (server, browser, client) = setup_with(|r| r.id_token_alg = alg);
        let body = tokens(&server, &browser, &client, &[]);
        let id_token = body["id_token"].as_str().expect("id");
        assert_eq!(jwt_header(id_token)["alg"], alg.name());
        assert_eq!(
            jwt_claims(id_token)["at_hash"],
            tessera::oidc::tokens::left_half_hash(alg, body["access_token"].as_str().expect("at"))
        );
        assert!(
            server
                .block_on(server.state.keys.verify(
                    &server.state.db,
                    id_token,
                    tessera::clock::Clock::now(&server.clock)
                ))
                .is_ok()
        );
    }
}

#[test]
fn oidcc_server_rotate_keys() {
    let (server, browser, client) = setup();
    let before = tokens(&server, &browser, &client, &[]);
    let old_kid = jwt_header(before["id_token"].as_str().expect("id"))["kid"].clone();
    server
        .state
        .keys
        .rotate(
            &server.state.db,
            &tessera::crypto::signing_keys::SigningAlgorithm::ALL,
            tessera::clock::Clock::now(&server.clock),
        )
        .expect("rotate");
    let after = tokens(&server, &browser, &client, &[]);
    let new_kid = jwt_header(after["id_token"].as_str().expect("id"))["kid"].clone();
    assert_ne!(old_kid, new_kid);
    let jwks: serde_json::Value = http()
        .get(format!("{}/.well-known/jwks.json", server.base_url))
        .send()
        .expect("jwks")
        .json()
        .expect("json");
    let kids: Vec<&serde_json::Value> = jwks["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .map(|k| &k["kid"])
        .collect();
    assert!(
        kids.contains(&&old_kid) && kids.contains(&&new_kid),
        "both keys are published"
    );
    // Access tokens signed by the rotated key still work until they expire.
    let response = http()
        .get(format!("{}/userinfo", server.base_url))
        .bearer_auth(before["access_token"].as_str().expect("at"))
        .send()
        .expect("userinfo");
    assert_eq!(response.status().as_u16(), 200);
}

#[test]
fn cors_is_open_where_spas_call_and_closed_on_authorize() {
    let (server, browser, client) = setup();
    for path in [
        "/token",
        "/userinfo",
        "/revoke",
        "/.well-known/openid-configuration",
        "/.well-known/jwks.json",
    ] {
        let preflight = http()
            .request(
                reqwest::Method::OPTIONS,
                format!("{}{path}", server.base_url),
            )
            .header("Origin", "https://spa.example")
            .header("Access-Control-Request-Method", "POST")
            .header(
                "Access-Control-Request-Headers",
                "authorization, content-type",
            )
            .send()
            .expect("preflight");
        assert_eq!(preflight.status().as_u16(), 204, "{path}");
        assert_eq!(
            preflight.headers()["access-control-allow-origin"],
            "*",
            "{path}"
        );
    }
    let token = server.token(&client, &[("grant_type", "bogus")]);
    assert_eq!(token.0, 400);
    let page = browser.get(&authorize_path(&[
        ("client_id", &client.id),
        ("redirect_uri", REDIRECT),
        ("response_type", "code"),
        ("scope", "openid"),
    ]));
    assert!(page.header("access-control-allow-origin").is_none());
    assert!(client_params(&follow(&browser, &server.base_url, page)).contains_key("code"));
}

#[test]
fn oidcc_claims_essential() {
    // The claims parameter is not supported (discovery says so) and is ignored, as OpenID Connect
    // Core §5.5 allows; the request succeeds with the claims of the scopes.
    let (server, browser, client) = setup();
    let claims = r#"{"userinfo":{"name":{"essential":true}}}"#;
    let body = tokens(&server, &browser, &client, &[("claims", claims)]);
    assert!(body["id_token"].is_string());
}

#[test]
fn oidcc_idtoken_unsigned_is_not_offered() {
    let server = TestServer::start(Backend::Sqlite);
    let doc: serde_json::Value = http()
        .get(format!(
            "{}/.well-known/openid-configuration",
            server.base_url
        ))
        .send()
        .expect("discovery")
        .json()
        .expect("json");
    let algs = doc["id_token_signing_alg_values_supported"]
        .as_array()
        .expect("algs");
    assert!(
        !algs.contains(&"none".into()),
        "unsigned ID tokens are never issued"
    );
}
