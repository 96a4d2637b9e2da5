//! Driving the OpenID Connect endpoints as a client would: registering clients, walking a
//! browser through `/authorize` until it is sent back to the client, and calling `/token`.

use super::browser::{Browser, Page};
use super::server::TestServer;
use base64::Engine;
use std::collections::BTreeMap;
use tessera::crypto::signing_keys::SigningAlgorithm;
use tessera::domain::client::{AuthMethod, GrantType, Registration};

/// The redirect URI test clients register.
pub const REDIRECT: &str = "https://app.example/callback";

/// A registered client and its secret.
#[derive(Debug, Clone)]
pub struct TestClient {
    pub id: String,
    pub secret: Option<String>,
}

/// A registration with the usual defaults, to adjust before creating.
pub fn registration(name: &str) -> Registration {
    Registration {
        name: name.into(),
        auth_method: AuthMethod::ClientSecretBasic,
        redirect_uris: vec![REDIRECT.into()],
        post_logout_redirect_uris: vec!["https://app.example/signed-out".into()],
        grant_types: vec![GrantType::AuthorizationCode, GrantType::RefreshToken],
        scopes: ["openid", "profile", "email", "offline_access"]
            .map(String::from)
            .to_vec(),
        jwks_uri: None,
        first_party: true,
        backchannel_logout_uri: None,
        id_token_alg: SigningAlgorithm::Rs256,
        access_token_seconds: None,
        id_token_seconds: None,
        refresh_token_seconds: None,
    }
}

impl TestServer {
    /// Registers a client.
    pub fn register(&self, registration: Registration) -> TestClient {
        let made = tessera::oidc::client_registry::create(&self.state, registration)
            .expect("register client");
        TestClient {
            id: made.client.id,
            secret: made.secret,
        }
    }

    /// A first-party confidential client with the defaults.
    pub fn client(&self) -> TestClient {
        self.register(registration("Test app"))
    }

    /// POSTs a form to `/token` with HTTP Basic client authentication (when the client has a
    /// secret) and returns status and JSON body.
    pub fn token(&self, client: &TestClient, fields: &[(&str, &str)]) -> (u16, serde_json::Value) {
        let http = reqwest::blocking::Client::new();
        let mut request = http.post(format!("{}/token", self.base_url)).form(fields);
        if let Some(secret) = &client.secret {
            request = request.basic_auth(&client.id, Some(secret));
        }
        let response = request.send().expect("token request");
        let status = response.status().as_u16();
        assert_eq!(
            response
                .headers()
                .get("cache-control")
                .and_then(|v| v.to_str().ok()),
            Some("no-store"),
            "every token response is no-store"
        );
        (status, response.json().unwrap_or_default())
    }
}

/// The query string of an authorization request.
pub fn authorize_path(params: &[(&str, &str)]) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish();
    format!("/authorize?{query}")
}

/// Where a flow ended: the parameters sent to the client's redirect URI.
pub fn client_params(page: &Page) -> BTreeMap<String, String> {
    let location = page.location();
    assert!(
        location.starts_with(REDIRECT)
            || location.starts_with("http://127.0.0.1") && !location.contains("/authorize"),
        "expected a redirect to the client, got {} {location}\n{}",
        page.status,
        page.body
    );
    let url = url::Url::parse(&location).expect("absolute redirect");
    url.query_pairs().into_owned().collect()
}

/// Follows Tessera's own redirects (sign-in hand-off, resume) until the browser is sent to the
/// client or shown a page.
pub fn follow(browser: &Browser, base: &str, mut page: Page) -> Page {
    for _ in 0..10 {
        if page.status != 303 && page.status != 302 {
            return page;
        }
        let location = page.location();
        if location.starts_with('/') {
            page = browser.get(&location);
        } else if let Some(path) = location.strip_prefix(base) {
            page = browser.get(path);
        } else {
            return page;
        }
    }
    panic!("too many redirects");
}

/// A PKCE verifier and its S256 challenge.
pub fn pkce_pair() -> (String, String) {
    use sha2::Digest;
    let verifier = tessera::crypto::random_token();
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

/// Runs a whole code flow for a signed-in browser and returns the code; `extra` adds or replaces
/// parameters.
pub fn code_for(
    browser: &Browser,
    server: &TestServer,
    client: &TestClient,
    extra: &[(&str, &str)],
) -> String {
    let mut params = vec![
        ("client_id", client.id.as_str()),
        ("redirect_uri", REDIRECT),
        ("response_type", "code"),
        ("scope", "openid profile email offline_access"),
        ("state", "st"),
        ("nonce", "n-0S6_WzA2Mj"),
    ];
    for (name, value) in extra {
        params.retain(|(k, _)| k != name);
        params.push((name, value));
    }
    let page = follow(
        browser,
        &server.base_url,
        browser.get(&authorize_path(&params)),
    );
    let got = client_params(&page);
    assert_eq!(got.get("state").map(String::as_str), Some("st"), "{got:?}");
    got.get("code")
        .cloned()
        .unwrap_or_else(|| panic!("no code: {got:?}"))
}

/// Decodes the claims of a JWT without checking it (tests check signatures separately).
pub fn jwt_claims(token: &str) -> serde_json::Value {
    let payload = token.split('.').nth(1).expect("JWT payload");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url");
    serde_json::from_slice(&bytes).expect("JSON claims")
}

/// Decodes the header of a JWT.
pub fn jwt_header(token: &str) -> serde_json::Value {
    let header = token.split('.').next().expect("JWT header");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header)
        .expect("base64url");
    serde_json::from_slice(&bytes).expect("JSON header")
}
