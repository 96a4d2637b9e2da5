//! `private_key_jwt` client authentication (RFC 7523): keys fetched from the client's jwks_uri,
//! every claim checked, each `jti` accepted once, and a key rotation on the client side picked up.

use crate::both_backends;
use crate::support::TestServer;
use crate::support::http_sink::HttpSink;
use crate::support::oidc::registration;
use josekit::jws::{ES256, JwsHeader};
use std::sync::{Arc, Mutex};
use tessera::domain::client::{AuthMethod, GrantType};

struct ClientKey {
    pair: josekit::jwk::alg::ec::EcKeyPair,
    kid: String,
}

impl ClientKey {
    fn new(kid: &str) -> Self {
        Self {
            pair: ES256.generate_key_pair().expect("key"),
            kid: kid.into(),
        }
    }
    fn public(&self) -> serde_json::Value {
        let mut jwk = self.pair.to_jwk_public_key();
        jwk.set_key_id(&self.kid);
        jwk.set_algorithm("ES256");
        serde_json::Value::Object(jwk.as_ref().clone())
    }
    fn sign(&self, claims: &serde_json::Value) -> String {
        let mut header = JwsHeader::new();
        header.set_key_id(&self.kid);
        header.set_token_type("JWT");
        let signer = ES256
            .signer_from_jwk(&self.pair.to_jwk_private_key())
            .expect("signer");
        josekit::jws::serialize_compact(claims.to_string().as_bytes(), &header, &signer)
            .expect("sign")
    }
}

fn assertion_claims(server: &TestServer, client_id: &str, jti: &str) -> serde_json::Value {
    let now = tessera::clock::Clock::now(&server.clock);
    serde_json::json!({
        "iss": client_id, "sub": client_id, "aud": server.base_url,
        "jti": jti, "iat": now, "exp": now + 60,
    })
}

fn token_with(server: &TestServer, client_id: &str, assertion: &str) -> (u16, serde_json::Value) {
    let response = reqwest::blocking::Client::new()
        .post(format!("{}/token", server.base_url))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", assertion),
        ])
        .send()
        .expect("token");
    (
        response.status().as_u16(),
        response.json().unwrap_or_default(),
    )
}

both_backends! {
    fn private_key_jwt_authenticates_once_per_jti(backend) {
        let server = TestServer::start(backend);
        let key = ClientKey::new("k1");
        let jwks = Arc::new(Mutex::new(serde_json::json!({ "keys": [key.public()] }).to_string()));
        let sink = HttpSink::serving(&[], jwks.clone());
        let mut r = registration("Signed worker");
        r.auth_method = AuthMethod::PrivateKeyJwt;
        r.jwks_uri = Some(format!("{}/jwks.json", sink.base));
        r.grant_types = vec![GrantType::ClientCredentials];
        r.redirect_uris.clear();
        let client = server.register(r);
        assert!(client.secret.is_none(), "no secret for private_key_jwt");

        let good = key.sign(&assertion_claims(&server, &client.id, "jti-1"));
        let (status, body) = token_with(&server, &client.id, &good);
        assert_eq!(status, 200, "{body}");
        let (status, body) = token_with(&server, &client.id, &good);
        assert_eq!((status, body["error"].as_str()), (401, Some("invalid_client")), "replay");

        let stranger = ClientKey::new("k1");
        let mut cases: Vec<(&str, String)> = vec![
            ("another key", stranger.sign(&assertion_claims(&server, &client.id, "jti-2"))),
            ("alg none", format!("eyJhbGciOiJub25lIn0.{}.", base64url(&assertion_claims(&server, &client.id, "jti-3")))),
            ("not a JWT", "garbage".into()),
        ];
        let mut claims = assertion_claims(&server, &client.id, "jti-4");
        claims["aud"] = "https://elsewhere.example/token".into();
        cases.push(("wrong audience", key.sign(&claims)));
        let mut claims = assertion_claims(&server, &client.id, "jti-4b");
        claims["aud"] = format!("{}/token", server.base_url).into();
        cases.push(("token endpoint as audience", key.sign(&claims)));
        let mut claims = assertion_claims(&server, &client.id, "jti-4c");
        claims["aud"] = serde_json::json!([server.base_url, "https://other.example"]);
        cases.push(("several audiences", key.sign(&claims)));
        let mut claims = assertion_claims(&server, &client.id, "jti-5");
        claims["exp"] = (tessera::clock::Clock::now(&server.clock) - 120).into();
        cases.push(("expired", key.sign(&claims)));
        let mut claims = assertion_claims(&server, &client.id, "jti-6");
        claims["exp"] = (tessera::clock::Clock::now(&server.clock) + 3600).into();
        cases.push(("too long", key.sign(&claims)));
        let mut claims = assertion_claims(&server, &client.id, "jti-7");
        claims.as_object_mut().expect("object").remove("jti");
        cases.push(("no jti", key.sign(&claims)));
        let mut claims = assertion_claims(&server, &client.id, "jti-8");
        claims["sub"] = "someone".into();
        cases.push(("sub differs", key.sign(&claims)));
        for (case, assertion) in cases {
            let (status, body) = token_with(&server, &client.id, &assertion);
            assert_eq!((status, body["error"].as_str()), (401, Some("invalid_client")), "{case}: {body}");
        }

        // The client rotates its key: an unknown kid makes us refetch (once the cache is 30 s old).
        let rotated = ClientKey::new("k2");
        *jwks.lock().expect("jwks") = serde_json::json!({ "keys": [rotated.public()] }).to_string();
        server.clock.advance(31);
        let (status, body) = token_with(&server, &client.id, &rotated.sign(&assertion_claims(&server, &client.id, "jti-9")));
        assert_eq!(status, 200, "{body}");
    }
}

#[test]
fn a_secret_client_cannot_use_an_assertion() {
    let server = TestServer::start(crate::support::Backend::Sqlite);
    let key = ClientKey::new("k1");
    let mut r = registration("Secret worker");
    r.grant_types = vec![GrantType::ClientCredentials];
    r.redirect_uris.clear();
    let client = server.register(r);
    let (status, body) = token_with(
        &server,
        &client.id,
        &key.sign(&assertion_claims(&server, &client.id, "j")),
    );
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    let bad_type = reqwest::blocking::Client::new()
        .post(format!("{}/token", server.base_url))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_assertion_type", "urn:example:saml"),
            ("client_assertion", "x.y.z"),
        ])
        .send()
        .expect("token");
    assert_eq!(bad_type.status().as_u16(), 401);
}

fn base64url(value: &serde_json::Value) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string())
}
