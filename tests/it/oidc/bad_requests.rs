//! Every parameter an attacker controls, sent wrong: the exact OAuth error code, `state` echoed,
//! no panic, nothing issued.

use crate::support::oidc::{REDIRECT, TestClient, authorize_path, client_params, registration};
use crate::support::{Backend, PASSWORD, TestServer};

fn setup() -> (TestServer, crate::support::Browser, TestClient) {
    let server = TestServer::start(Backend::Sqlite);
    server.create_user("ada@example.com", PASSWORD);
    let browser = server.browser();
    browser.sign_in("ada@example.com", PASSWORD);
    let client = server.client();
    (server, browser, client)
}

#[test]
fn authorization_request_errors_go_back_to_the_client_with_state() {
    let (_server, browser, client) = setup();
    let long = "x".repeat(3000);
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (
            vec![("response_type", "code token")],
            "unsupported_response_type",
        ),
        (
            vec![("response_type", "id_token")],
            "unsupported_response_type",
        ),
        (vec![("scope", "openid admin")], "invalid_scope"),
        (vec![("scope", "openid phone")], "invalid_scope"),
        (vec![("scope", "open\"id")], "invalid_scope"),
        (vec![("response_mode", "fragment")], "invalid_request"),
        (vec![("code_challenge_method", "S256")], "invalid_request"),
        (
            vec![
                (
                    "code_challenge",
                    "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
                ),
                ("code_challenge_method", "plain"),
            ],
            "invalid_request",
        ),
        (
            vec![(
                "code_challenge",
                "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            )],
            "invalid_request",
        ),
        (
            vec![
                ("code_challenge", "short"),
                ("code_challenge_method", "S256"),
            ],
            "invalid_request",
        ),
        (vec![("prompt", "none login")], "invalid_request"),
        (vec![("prompt", "sometimes")], "invalid_request"),
        (vec![("max_age", "-1")], "invalid_request"),
        (vec![("max_age", "soon")], "invalid_request"),
        (vec![("nonce", &long)], "invalid_request"),
        (vec![("id_token_hint", "not.a.jwt")], "invalid_request"),
        (vec![("login_hint", "a\u{7}b")], "invalid_request"),
        (vec![("organization", &long)], "invalid_request"),
    ];
    for (changes, expected) in cases {
        let mut params: Vec<(&str, &str)> = vec![
            ("client_id", client.id.as_str()),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            ("scope", "openid"),
            ("state", "s1"),
        ];
        for (name, value) in &changes {
            params.retain(|(k, _)| k != name);
            params.push((name, value));
        }
        let page = browser.get(&authorize_path(&params));
        let got = client_params(&page);
        assert_eq!(
            got.get("error").map(String::as_str),
            Some(expected),
            "{changes:?}: {got:?}"
        );
        assert_eq!(
            got.get("state").map(String::as_str),
            Some("s1"),
            "{changes:?}"
        );
        assert!(!got.contains_key("code"));
    }
    // A parameter sent twice.
    let twice = format!(
        "/authorize?client_id={}&redirect_uri={}&response_type=code&scope=openid&scope=email&state=s1",
        client.id,
        url::form_urlencoded::byte_serialize(REDIRECT.as_bytes()).collect::<String>()
    );
    assert_eq!(
        client_params(&browser.get(&twice))["error"],
        "invalid_request"
    );
    let twice_client = format!(
        "/authorize?client_id={0}&client_id={0}&redirect_uri={1}",
        client.id, REDIRECT
    );
    browser.get(&twice_client).assert_status(400);
}

#[test]
fn public_clients_must_use_pkce() {
    let server = TestServer::start(Backend::Sqlite);
    server.create_user("ada@example.com", PASSWORD);
    let browser = server.browser();
    browser.sign_in("ada@example.com", PASSWORD);
    let mut public = registration("SPA");
    public.auth_method = tessera::domain::client::AuthMethod::None;
    let client = server.register(public);
    let params = [
        ("client_id", client.id.as_str()),
        ("redirect_uri", REDIRECT),
        ("response_type", "code"),
        ("scope", "openid"),
        ("state", "s"),
    ];
    let got = client_params(&browser.get(&authorize_path(&params)));
    assert_eq!(got["error"], "invalid_request");
    assert!(got["error_description"].contains("PKCE"));
}

#[test]
fn token_endpoint_errors() {
    let (server, _browser, client) = setup();
    let wrong_secret = TestClient {
        id: client.id.clone(),
        secret: Some("wrong".into()),
    };
    let http = reqwest::blocking::Client::new();
    let url = format!("{}/token", server.base_url);

    let response = http
        .post(&url)
        .basic_auth(&client.id, Some("wrong"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .expect("post");
    assert_eq!(response.status().as_u16(), 401);
    assert!(
        response.headers()["www-authenticate"]
            .to_str()
            .expect("header")
            .starts_with("Basic")
    );
    assert_eq!(
        response.json::<serde_json::Value>().expect("json")["error"],
        "invalid_client"
    );
    let (status, body) = server.token(
        &wrong_secret,
        &[
            ("grant_type", "authorization_code"),
            ("code", "x"),
            ("redirect_uri", REDIRECT),
        ],
    );
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );

    type Case<'a> = (&'a [(&'a str, &'a str)], u16, &'a str);
    let cases: &[Case] = &[
        (&[], 400, "invalid_request"),
        (
            &[
                ("grant_type", "password"),
                ("username", "a"),
                ("password", "b"),
            ],
            400,
            "unsupported_grant_type",
        ),
        (&[("grant_type", "implicit")], 400, "unsupported_grant_type"),
        (
            &[("grant_type", "authorization_code")],
            400,
            "invalid_request",
        ),
        (
            &[
                ("grant_type", "authorization_code"),
                ("code", "nope"),
                ("redirect_uri", REDIRECT),
            ],
            400,
            "invalid_grant",
        ),
        (
            &[("grant_type", "authorization_code"), ("code", "nope")],
            400,
            "invalid_request",
        ),
        (
            &[("grant_type", "refresh_token"), ("refresh_token", "nope")],
            400,
            "invalid_grant",
        ),
        (
            &[("grant_type", "client_credentials")],
            400,
            "unauthorized_client",
        ),
    ];
    for (fields, status, error) in cases {
        let (got_status, body) = server.token(&client, fields);
        assert_eq!(
            (got_status, body["error"].as_str()),
            (*status, Some(*error)),
            "{fields:?}: {body}"
        );
    }
    // Not a form, two auth methods, a repeated parameter.
    let json = http
        .post(&url)
        .basic_auth(&client.id, client.secret.as_deref())
        .json(&serde_json::json!({"grant_type": "client_credentials"}))
        .send()
        .expect("post");
    assert_eq!(json.status().as_u16(), 400);
    let both = http
        .post(&url)
        .basic_auth(&client.id, client.secret.as_deref())
        .form(&[
            ("grant_type", "client_credentials"),
            (
                "client_secret",
                client.secret.as_deref().unwrap_or_default(),
            ),
        ])
        .send()
        .expect("post");
    assert_eq!(
        both.json::<serde_json::Value>().expect("json")["error"],
        "invalid_request"
    );
    let repeated = http
        .post(&url)
        .basic_auth(&client.id, client.secret.as_deref())
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials&grant_type=refresh_token")
        .send()
        .expect("post");
    assert_eq!(
        repeated.json::<serde_json::Value>().expect("json")["error"],
        "invalid_request"
    );
    // A confidential client cannot pose as public.
    let (status, body) = server.token(
        &TestClient {
            id: client.id.clone(),
            secret: None,
        },
        &[
            ("grant_type", "authorization_code"),
            ("code", "x"),
            ("redirect_uri", REDIRECT),
            ("client_id", &client.id),
        ],
    );
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
}

#[test]
fn userinfo_refuses_bad_tokens_with_a_bearer_challenge() {
    let (server, _browser, _client) = setup();
    let http = reqwest::blocking::Client::new();
    let url = format!("{}/userinfo", server.base_url);
    let none = http.get(&url).send().expect("get");
    assert_eq!(none.status().as_u16(), 401);
    assert_eq!(
        none.headers()["www-authenticate"],
        "Bearer realm=\"tessera\""
    );
    for token in ["garbage", "a.b.c", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."] {
        let response = http.get(&url).bearer_auth(token).send().expect("get");
        assert_eq!(response.status().as_u16(), 401, "{token}");
        let challenge = response.headers()["www-authenticate"]
            .to_str()
            .expect("h")
            .to_string();
        assert!(challenge.contains("error=\"invalid_token\""), "{challenge}");
    }
}
