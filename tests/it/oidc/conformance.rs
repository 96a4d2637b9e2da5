//! One test per module of the OpenID Foundation's Basic OP and Config OP test plans, named after
//! it (`oidcc-server` → `oidcc_server`), each asserting what the module checks. The relying party
//! here is raw HTTP, so each step is visible; `relying_party.rs` repeats the main flows with the
//! `openidconnect` crate.

use crate::both_backends;
use crate::support::oidc::{
    REDIRECT, TestClient, authorize_path, client_params, code_for, follow, jwt_claims, jwt_header,
    pkce_pair, registration,
};
use crate::support::{Browser, PASSWORD, TestServer};

const EMAIL: &str = "ada@example.com";

fn signed_in(server: &TestServer) -> Browser {
    server.create_user(EMAIL, PASSWORD);
    let browser = server.browser();
    assert_eq!(browser.sign_in(EMAIL, PASSWORD).status, 303);
    browser
}

fn exchange(server: &TestServer, client: &TestClient, code: &str) -> (u16, serde_json::Value) {
    server.token(
        client,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
        ],
    )
}

fn base_params(client: &TestClient) -> Vec<(&str, &str)> {
    vec![
        ("client_id", client.id.as_str()),
        ("redirect_uri", REDIRECT),
        ("response_type", "code"),
        ("scope", "openid"),
        ("state", "xyz"),
    ]
}

both_backends! {
    fn oidcc_server(backend) {
        let server = TestServer::start(backend);
        let browser = signed_in(&server);
        let client = server.client();
        let code = code_for(&browser, &server, &client, &[]);
        let (status, body) = exchange(&server, &client, &code);
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["token_type"], "Bearer");
        assert_eq!(body["expires_in"], 600);
        let id_token = body["id_token"].as_str().expect("id_token");
        let claims = jwt_claims(id_token);
        assert_eq!(claims["iss"], server.base_url);
        assert_eq!(claims["aud"], client.id);
        assert_eq!(claims["azp"], client.id);
        assert_eq!(claims["nonce"], "n-0S6_WzA2Mj");
        assert_eq!(claims["amr"], serde_json::json!(["pwd"]));
        assert_eq!(claims["email"], EMAIL);
        for claim in ["sub", "exp", "iat", "auth_time", "sid", "at_hash", "acr"] {
            assert!(claims.get(claim).is_some(), "{claim} in {claims}");
        }
        assert_eq!(jwt_header(id_token)["alg"], "RS256");
        assert_eq!(jwt_header(id_token)["typ"], "JWT");
        // at_hash: left half of SHA-256 of the access token.
        let access = body["access_token"].as_str().expect("access_token");
        assert_eq!(claims["at_hash"], tessera::oidc::tokens::left_half_hash(tessera::crypto::signing_keys::SigningAlgorithm::Rs256, access));
        let at = jwt_claims(access);
        assert_eq!(jwt_header(access)["typ"], "at+jwt");
        assert_eq!(jwt_header(access)["alg"], "ES256");
        assert_eq!(at["client_id"], client.id);
        assert_eq!(at["sub"], claims["sub"]);
        assert!(at["jti"].is_string());
        assert!(body["refresh_token"].as_str().is_some_and(|t| t.len() >= 43));
    }
}

both_backends! {
    fn oidcc_codereuse(backend) {
        let server = TestServer::start(backend);
        let browser = signed_in(&server);
        let client = server.client();
        let code = code_for(&browser, &server, &client, &[]);
        let (status, first) = exchange(&server, &client, &code);
        assert_eq!(status, 200);
        let (status, second) = exchange(&server, &client, &code);
        assert_eq!(status, 400);
        assert_eq!(second["error"], "invalid_grant");
        // Every token issued from the code is revoked.
        let access = first["access_token"].as_str().expect("at");
        let userinfo = reqwest::blocking::Client::new()
            .get(format!("{}/userinfo", server.base_url))
            .bearer_auth(access)
            .send()
            .expect("userinfo");
        assert_eq!(userinfo.status().as_u16(), 401);
        let (status, refreshed) = server.token(&client, &[("grant_type", "refresh_token"), ("refresh_token", first["refresh_token"].as_str().expect("rt"))]);
        assert_eq!((status, refreshed["error"].as_str()), (400, Some("invalid_grant")));
    }
}

#[test]
fn oidcc_codereuse_30seconds() {
    let server = TestServer::start(crate::support::Backend::Sqlite);
    let browser = signed_in(&server);
    let client = server.client();
    let code = code_for(&browser, &server, &client, &[]);
    assert_eq!(exchange(&server, &client, &code).0, 200);
    server.clock.advance(30);
    let (status, body) = exchange(&server, &client, &code);
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
}

#[test]
fn authorization_codes_expire_after_60_seconds() {
    let server = TestServer::start(crate::support::Backend::Sqlite);
    let browser = signed_in(&server);
    let client = server.client();
    let code = code_for(&browser, &server, &client, &[]);
    server.clock.advance(61);
    let (status, body) = exchange(&server, &client, &code);
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
}

#[test]
fn oidcc_ensure_registered_redirect_uri() {
    let server = TestServer::start(crate::support::Backend::Sqlite);
    let browser = signed_in(&server);
    let client = server.client();
    for bad in [
        "https://app.example/callback/extra",
        "https://evil.example/callback",
        "https://app.example/callback?x=1",
        "https://app.example/CALLBACK",
    ] {
        let mut params = base_params(&client);
        params[1] = ("redirect_uri", bad);
        let page = browser.get(&authorize_path(&params));
        page.assert_status(400)
            .assert_contains("has not registered");
        assert!(
            page.header("location").is_none(),
            "never redirected to {bad}"
        );
    }
    let mut missing = base_params(&client);
    missing.remove(1);
    browser.get(&authorize_path(&missing)).assert_status(400);
    let unknown = authorize_path(&[
        ("client_id", "nope"),
        ("redirect_uri", REDIRECT),
        ("response_type", "code"),
        ("scope", "openid"),
    ]);
    browser
        .get(&unknown)
        .assert_status(400)
        .assert_contains("not registered");
}

#[test]
fn oidcc_response_type_missing() {
    let server = TestServer::start(crate::support::Backend::Sqlite);
    let browser = signed_in(&server);
    let client = server.client();
    let mut params = base_params(&client);
    params.retain(|(k, _)| *k != "response_type");
    let got = client_params(&browser.get(&authorize_path(&params)));
    assert_eq!(got["error"], "invalid_request");
    assert_eq!(got["state"], "xyz");
    assert_eq!(got["iss"], server.base_url);
    let mut token = base_params(&client);
    token[2] = ("response_type", "token");
    assert_eq!(
        client_params(&browser.get(&authorize_path(&token)))["error"],
        "unsupported_response_type"
    );
}

both_backends! {
    fn oidcc_prompt_none_not_logged_in(backend) {
        let server = TestServer::start(backend);
        let client = server.client();
        let browser = server.browser();
        let mut params = base_params(&client);
        params.push(("prompt", "none"));
        let got = client_params(&browser.get(&authorize_path(&params)));
        assert_eq!(got["error"], "login_required");
        assert_eq!(got["state"], "xyz");
    }
}

#[test]
fn oidcc_prompt_none_logged_in() {
    let server = TestServer::start(crate::support::Backend::Sqlite);
    let browser = signed_in(&server);
    let client = server.client();
    let code = code_for(&browser, &server, &client, &[("prompt", "none")]);
    assert_eq!(exchange(&server, &client, &code).0, 200);
}

#[test]
fn oidcc_prompt_login() {
    let server = TestServer::start(crate::support::Backend::Sqlite);
    let browser = signed_in(&server);
    let client = server.client();
    let first = code_for(&browser, &server, &client, &[]);
    let first_auth = jwt_claims(
        exchange(&server, &client, &first).1["id_token"]
            .as_str()
            .expect("id"),
    )["auth_time"]
        .clone();
    server.clock.advance(5);
    let mut params = base_params(&client);
    params.push(("prompt", "login"));
    let page = follow(
        &browser,
        &server.base_url,
        browser.get(&authorize_path(&params)),
    );
    page.assert_status(200).assert_contains("Sign in");
    let return_to = page.input_value("return_to").expect("return_to");
    let signed = browser.submit(
        &format!("/sign-in?login=1&return_to={}", urlencode(&return_to)),
        "/sign-in",
        &[
            ("email", EMAIL),
            ("password", PASSWORD),
            ("return_to", &return_to),
        ],
    );
    let got = client_params(&follow(&browser, &server.base_url, signed));
    let (_, body) = exchange(&server, &client, &got["code"]);
    let auth_time = jwt_claims(body["id_token"].as_str().expect("id"))["auth_time"].clone();
    assert!(
        auth_time.as_i64() > first_auth.as_i64(),
        "a fresh sign-in: {auth_time} > {first_auth}"
    );
}

both_backends! {
    fn oidcc_max_age_1(backend) {
        let server = TestServer::start(backend);
        let browser = signed_in(&server);
        let client = server.client();
        server.clock.advance(2);
        let mut params = base_params(&client);
        params.push(("max_age", "1"));
        let page = follow(&browser, &server.base_url, browser.get(&authorize_path(&params)));
        page.assert_status(200).assert_contains("Sign in");
        let mut none = base_params(&client);
        none.extend([("max_age", "1"), ("prompt", "none")]);
        assert_eq!(client_params(&browser.get(&authorize_path(&none)))["error"], "login_required");
    }
}

#[test]
fn oidcc_max_age_10000() {
    let server = TestServer::start(crate::support::Backend::Sqlite);
    let browser = signed_in(&server);
    let client = server.client();
    server.clock.advance(2);
    let code = code_for(&browser, &server, &client, &[("max_age", "10000")]);
    assert_eq!(exchange(&server, &client, &code).0, 200);
}

#[test]
fn oidcc_id_token_hint() {
    let server = TestServer::start(crate::support::Backend::Sqlite);
    let browser = signed_in(&server);
    let client = server.client();
    let code = code_for(&browser, &server, &client, &[]);
    let id_token = exchange(&server, &client, &code).1["id_token"]
        .as_str()
        .expect("id")
        .to_string();
    server.clock.advance(7200); // expired hints are still hints
    let code = code_for(
        &browser,
        &server,
        &client,
        &[("id_token_hint", &id_token), ("prompt", "none")],
    );
    assert_eq!(exchange(&server, &client, &code).0, 200);
    let mut forged = base_params(&client);
    let tampered = format!("{}x", &id_token[..id_token.len() - 1]);
    forged.push(("id_token_hint", &tampered));
    assert_eq!(
        client_params(&browser.get(&authorize_path(&forged)))["error"],
        "invalid_request"
    );
}

#[test]
fn oidcc_ensure_request_without_nonce_succeeds_for_code_flow() {
    let server = TestServer::start(crate::support::Backend::Sqlite);
    let browser = signed_in(&server);
    let client = server.client();
    let page = follow(
        &browser,
        &server.base_url,
        browser.get(&authorize_path(&base_params(&client))),
    );
    let code = client_params(&page)["code"].clone();
    let claims = jwt_claims(
        exchange(&server, &client, &code).1["id_token"]
            .as_str()
            .expect("id"),
    );
    assert!(claims.get("nonce").is_none());
}

#[test]
fn oidcc_ensure_request_with_unknown_parameter_succeeds() {
    let server = TestServer::start(crate::support::Backend::Sqlite);
    let browser = signed_in(&server);
    let client = server.client();
    let code = code_for(
        &browser,
        &server,
        &client,
        &[
            ("extra", "foobar"),
            ("ui_locales", "se"),
            ("claims_locales", "se"),
            ("acr_values", "1 2"),
            ("display", "page"),
            ("login_hint", EMAIL),
        ],
    );
    assert_eq!(exchange(&server, &client, &code).0, 200);
}

#[test]
fn oidcc_ensure_post_request_succeeds() {
    let server = TestServer::start(crate::support::Backend::Sqlite);
    let browser = signed_in(&server);
    let client = server.client();
    let params = base_params(&client);
    let page = follow(
        &browser,
        &server.base_url,
        browser.post("/authorize", &params),
    );
    assert!(client_params(&page).contains_key("code"));
}

#[test]
fn oidcc_unsigned_request_object_supported_correctly_or_rejected_as_unsupported() {
    let server = TestServer::start(crate::support::Backend::Sqlite);
    let browser = signed_in(&server);
    let client = server.client();
    let mut params = base_params(&client);
    params.push(("request", "eyJhbGciOiJub25lIn0.e30."));
    assert_eq!(
        client_params(&browser.get(&authorize_path(&params)))["error"],
        "request_not_supported"
    );
    let mut params = base_params(&client);
    params.push(("request_uri", "https://app.example/request.jwt"));
    assert_eq!(
        client_params(&browser.get(&authorize_path(&params)))["error"],
        "request_uri_not_supported"
    );
}

#[test]
fn oidcc_scope_profile_and_email() {
    let server = TestServer::start(crate::support::Backend::Sqlite);
    let browser = signed_in(&server);
    let client = server.client();
    let mut params = base_params(&client);
    params[3] = ("scope", "openid profile");
    let code = client_params(&follow(
        &browser,
        &server.base_url,
        browser.get(&authorize_path(&params)),
    ))["code"]
        .clone();
    let body = exchange(&server, &client, &code).1;
    let claims = jwt_claims(body["id_token"].as_str().expect("id"));
    assert!(claims.get("email").is_none(), "email needs the email scope");
    assert!(claims.get("updated_at").is_some());
    assert!(
        body.get("refresh_token").is_none(),
        "no offline_access, no refresh token"
    );
    let userinfo: serde_json::Value = reqwest::blocking::Client::new()
        .get(format!("{}/userinfo", server.base_url))
        .bearer_auth(body["access_token"].as_str().expect("at"))
        .send()
        .expect("userinfo")
        .json()
        .expect("json");
    assert_eq!(userinfo["sub"], claims["sub"]);
    assert!(userinfo.get("email").is_none());
}

#[test]
fn oidcc_refresh_token() {
    let server = TestServer::start(crate::support::Backend::Sqlite);
    let browser = signed_in(&server);
    let client = server.client();
    let code = code_for(&browser, &server, &client, &[]);
    let first = exchange(&server, &client, &code).1;
    let rt1 = first["refresh_token"].as_str().expect("rt").to_string();
    let (status, second) = server.token(
        &client,
        &[("grant_type", "refresh_token"), ("refresh_token", &rt1)],
    );
    assert_eq!(status, 200, "{second}");
    let rt2 = second["refresh_token"]
        .as_str()
        .expect("rotated")
        .to_string();
    assert_ne!(rt1, rt2);
    let id = jwt_claims(second["id_token"].as_str().expect("id"));
    assert_eq!(
        id["sub"],
        jwt_claims(first["id_token"].as_str().expect("id"))["sub"]
    );
    // Narrowing is allowed, widening is not.
    let (status, narrow) = server.token(
        &client,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &rt2),
            ("scope", "openid"),
        ],
    );
    assert_eq!(status, 200, "{narrow}");
    assert_eq!(narrow["scope"], "openid");
    let rt3 = narrow["refresh_token"].as_str().expect("rt3").to_string();
    let (status, wide) = server.token(
        &client,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &rt3),
            ("scope", "openid phone"),
        ],
    );
    assert_eq!(
        (status, wide["error"].as_str()),
        (400, Some("invalid_scope"))
    );
    // Reusing a rotated token revokes the whole grant, including the newest token.
    let (status, reuse) = server.token(
        &client,
        &[("grant_type", "refresh_token"), ("refresh_token", &rt1)],
    );
    assert_eq!(
        (status, reuse["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let (status, _) = server.token(
        &client,
        &[("grant_type", "refresh_token"), ("refresh_token", &rt3)],
    );
    assert_eq!(status, 400, "the grant is revoked");
    // Bound to its client.
    let other = server.client();
    let code = code_for(&browser, &server, &client, &[]);
    let fresh = exchange(&server, &client, &code).1;
    let (status, stolen) = server.token(
        &other,
        &[
            ("grant_type", "refresh_token"),
            (
                "refresh_token",
                fresh["refresh_token"].as_str().expect("rt"),
            ),
        ],
    );
    assert_eq!(
        (status, stolen["error"].as_str()),
        (400, Some("invalid_grant"))
    );
}

both_backends! {
    fn oidcc_ensure_request_with_valid_pkce_succeeds(backend) {
        let server = TestServer::start(backend);
        let browser = signed_in(&server);
        let mut public = registration("SPA");
        public.auth_method = tessera::domain::client::AuthMethod::None;
        let client = server.register(public);
        let (verifier, challenge) = pkce_pair();
        let code = code_for(&browser, &server, &client, &[("code_challenge", &challenge), ("code_challenge_method", "S256")]);
        let (status, body) = server.token(&client, &[("grant_type", "authorization_code"), ("code", &code), ("redirect_uri", REDIRECT), ("client_id", &client.id), ("code_verifier", "wrong-verifier-wrong-verifier-wrong-verifier-x")]);
        assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")));
        let code = code_for(&browser, &server, &client, &[("code_challenge", &challenge), ("code_challenge_method", "S256")]);
        let (status, body) = server.token(&client, &[("grant_type", "authorization_code"), ("code", &code), ("redirect_uri", REDIRECT), ("client_id", &client.id), ("code_verifier", &verifier)]);
        assert_eq!(status, 200, "{body}");
    }
}

#[test]
fn oidcc_discovery_endpoint_verification() {
    let server = TestServer::start(crate::support::Backend::Sqlite);
    let http = reqwest::blocking::Client::new();
    for path in [
        "/.well-known/openid-configuration",
        "/.well-known/oauth-authorization-server",
    ] {
        let response = http
            .get(format!("{}{path}", server.base_url))
            .send()
            .expect("discovery");
        assert_eq!(response.status().as_u16(), 200);
        assert_eq!(response.headers()["access-control-allow-origin"], "*");
        let doc: serde_json::Value = response.json().expect("json");
        assert_eq!(doc["issuer"], server.base_url);
        assert_eq!(doc["response_types_supported"], serde_json::json!(["code"]));
        assert_eq!(
            doc["code_challenge_methods_supported"],
            serde_json::json!(["S256"])
        );
        assert!(
            doc["scopes_supported"]
                .as_array()
                .expect("scopes")
                .contains(&"openid".into())
        );
        assert!(
            doc["id_token_signing_alg_values_supported"]
                .as_array()
                .expect("algs")
                .contains(&"RS256".into())
        );
        // Every advertised endpoint answers (not 404).
        for key in [
            "authorization_endpoint",
            "token_endpoint",
            "userinfo_endpoint",
            "jwks_uri",
        ] {
            let url = doc[key].as_str().expect(key);
            assert!(url.starts_with(&server.base_url), "{key}");
            let status = http.get(url).send().expect("endpoint").status().as_u16();
            assert_ne!(status, 404, "{key} {url}");
        }
    }
}

fn urlencode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}
