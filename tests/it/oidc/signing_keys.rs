//! Signing keys and the JWKS: RS256, ES256 and EdDSA keys with a `kid`, private keys encrypted at
//! rest, public members only in the JWKS, rotation that keeps old keys published until their
//! tokens have expired, retirement, and several servers on one database converging.

use crate::both_backends;
use crate::support::{Backend, TestDb, TestServer};
use std::sync::Arc;
use tessera::crypto::signing_keys::{KeySet, SigningAlgorithm};

fn jwks(server: &TestServer) -> Vec<serde_json::Value> {
    let page = server.browser().get("/.well-known/jwks.json");
    page.assert_status(200);
    assert_eq!(
        page.header("access-control-allow-origin").as_deref(),
        Some("*")
    );
    assert!(
        page.header("content-type")
            .unwrap_or_default()
            .starts_with("application/json")
    );
    let set: serde_json::Value = serde_json::from_str(&page.body).expect("JSON");
    set["keys"].as_array().expect("keys").clone()
}

fn kids(keys: &[serde_json::Value]) -> Vec<String> {
    keys.iter()
        .map(|k| k["kid"].as_str().expect("kid").to_string())
        .collect()
}

/// Signs with the server's current key for `alg` and verifies with the JWK the JWKS publishes.
fn assert_signs_and_verifies(server: &TestServer, alg: SigningAlgorithm) -> String {
    let now = tessera::clock::Clock::now(&server.clock);
    let key = server
        .block_on(server.state.keys.signing_key(&server.state.db, alg, now))
        .expect("signing key");
    let token = key.sign(br#"{"sub":"ada"}"#, "JWT").expect("sign");
    let published = jwks(server)
        .into_iter()
        .find(|k| k["kid"] == key.kid.as_str())
        .expect("published");
    let map = published.as_object().expect("object").clone();
    let jwk = josekit::jwk::Jwk::from_map(map).expect("jwk");
    let verifier = alg.verifier(&jwk).expect("verifier");
    let (payload, header) =
        josekit::jws::deserialize_compact(&token, verifier.as_ref()).expect("verifies");
    assert_eq!(payload, br#"{"sub":"ada"}"#);
    assert_eq!(header.key_id(), Some(key.kid.as_str()));
    key.kid.clone()
}

both_backends! {
    fn the_jwks_publishes_one_public_key_per_algorithm(backend) {
        let server = TestServer::start(backend);
        let keys = jwks(&server);
        let mut algs: Vec<&str> = keys.iter().map(|k| k["alg"].as_str().expect("alg")).collect();
        algs.sort_unstable();
        assert_eq!(algs, vec!["ES256", "EdDSA", "RS256"]);
        for key in &keys {
            assert_eq!(key["use"], "sig");
            for private in ["d", "p", "q", "dp", "dq", "qi", "oth", "k"] {
                assert!(key.get(private).is_none(), "private member {private} published: {key}");
            }
        }
        assert_eq!(keys.iter().find(|k| k["alg"] == "EdDSA").expect("eddsa")["crv"], "Ed25519");
        for alg in SigningAlgorithm::ALL {
            assert_signs_and_verifies(&server, alg);
        }
    }
}

both_backends! {
    fn private_keys_are_encrypted_at_rest_and_keys_survive_restarts(backend) {
        let db = Arc::new(TestDb::new(backend));
        let master = tessera::config::SecretString::new("11".repeat(32));
        let first = TestServer::start_on(db.clone(), |c| c.master_key = Some(master.clone()));
        let before = kids(&jwks(&first));
        let rows = first.state.db.run_blocking(tessera::storage::signing_keys::all).expect("rows");
        for row in &rows {
            assert!(row.private_key.starts_with("v1."), "sealed");
            assert!(!row.private_key.contains("PRIVATE KEY"), "no plaintext PEM at rest");
        }
        drop(first);
        let second = TestServer::start_on(db.clone(), |c| c.master_key = Some(master.clone()));
        assert_eq!(kids(&jwks(&second)), before, "same keys after a restart");
        drop(second);
        // Another master key cannot use them: the server says so instead of signing garbage.
        let wrong = TestServer::start_on(db, |c| c.master_key = Some(tessera::config::SecretString::new("22".repeat(32))));
        let page = wrong.browser().get("/.well-known/jwks.json");
        page.assert_status(503);
        assert_eq!(page.header("retry-after").as_deref(), Some("5"));
    }
}

both_backends! {
    fn rotation_keeps_old_keys_published_until_their_tokens_expire(backend) {
        let server = TestServer::start_with(backend, |c| c.signing_keys.keep_after_rotation_seconds = 3600);
        let old_es256 = assert_signs_and_verifies(&server, SigningAlgorithm::Es256);
        let now = tessera::clock::Clock::now(&server.clock);
        let created = server.state.keys.rotate(&server.state.db, &[SigningAlgorithm::Es256], now).expect("rotate");
        assert_eq!(created.len(), 1);
        let new_es256 = assert_signs_and_verifies(&server, SigningAlgorithm::Es256);
        assert_ne!(new_es256, old_es256, "the new key signs at once");
        let published = kids(&jwks(&server));
        assert_eq!(published.len(), 4);
        assert!(published.contains(&old_es256), "the old key still verifies its tokens");

        server.clock.advance(3599);
        assert!(kids(&jwks(&server)).contains(&old_es256));
        server.clock.advance(2);
        assert!(!kids(&jwks(&server)).contains(&old_es256), "gone once its tokens have expired");
        assert_eq!(jwks(&server).len(), 3);
    }
}

both_backends! {
    fn retiring_removes_a_rotated_key_now_but_never_a_signing_one(backend) {
        let server = TestServer::start(backend);
        let now = tessera::clock::Clock::now(&server.clock);
        let signing = assert_signs_and_verifies(&server, SigningAlgorithm::Rs256);
        assert!(server.state.keys.retire(&server.state.db, &signing, now).is_err(), "a signing key cannot be retired");
        assert!(server.state.keys.retire(&server.state.db, "no-such-kid", now).is_err());
        server.state.keys.rotate(&server.state.db, &[SigningAlgorithm::Rs256], now).expect("rotate");
        server.state.keys.retire(&server.state.db, &signing, now).expect("retire");
        assert!(!kids(&jwks(&server)).contains(&signing));
        let list = KeySet::list(&server.state.db, now).expect("list");
        let status = |kid: &str| list.iter().find(|k| k.kid == kid).map(|k| k.status);
        assert_eq!(status(&signing), Some("retired"));
    }
}

both_backends! {
    fn servers_sharing_a_database_converge_after_a_rotation(backend) {
        let db = Arc::new(TestDb::new(backend));
        let master = tessera::config::SecretString::new("33".repeat(32));
        let a = TestServer::start_on(db.clone(), |c| c.master_key = Some(master.clone()));
        let b = TestServer::start_on(db, |c| c.master_key = Some(master.clone()));
        assert_eq!(kids(&jwks(&a)), kids(&jwks(&b)), "one key set, not one per server");
        let now = tessera::clock::Clock::now(&a.clock);
        let created = a.state.keys.rotate(&a.state.db, &[SigningAlgorithm::EdDsa], now).expect("rotate");
        assert!(kids(&jwks(&a)).contains(&created[0]));
        // b reads the keys again within refresh_seconds (30 by default).
        b.clock.advance(31);
        assert!(kids(&jwks(&b)).contains(&created[0]));
        assert_eq!(assert_signs_and_verifies(&b, SigningAlgorithm::EdDsa), created[0]);
    }
}

#[test]
fn production_refuses_to_start_without_a_master_key() {
    let db = TestDb::new(Backend::Sqlite);
    let dir = tempfile::tempdir().expect("dir");
    let mut config = crate::support::server::test_config(&db, dir.path(), 1);
    config.issuer = "https://id.example.com".into();
    let error = tessera::app::AppState::build(config, Arc::new(tessera::clock::SystemClock))
        .expect_err("refused");
    assert!(error.to_string().contains("master_key"), "{error}");
}
