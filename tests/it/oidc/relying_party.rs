//! The `openidconnect` crate as the relying party, unchanged, over real HTTP on both backends:
//! discovery, the code flow with PKCE and nonce, ID-token verification against the JWKS
//! (signature, issuer, audience, expiry, nonce, at_hash), UserInfo, refresh with rotation, and a
//! signing-key rotation while tokens are live.

use crate::both_backends;
use crate::support::oidc::{REDIRECT, client_params, follow};
use crate::support::{PASSWORD, TestServer};
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreProviderMetadata, CoreUserInfoClaims,
};
use openidconnect::{
    AccessTokenHash, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, JsonWebKey,
    Nonce, OAuth2TokenResponse, PkceCodeChallenge, RedirectUrl, Scope, TokenResponse,
};

both_backends! {
    fn openidconnect_crate_signs_in_refreshes_and_survives_key_rotation(backend) {
        let server = TestServer::start(backend);
        server.create_user("ada@example.com", PASSWORD);
        let registered = server.client();
        let http = reqwest::blocking::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("http");
        let metadata = CoreProviderMetadata::discover(&IssuerUrl::new(server.base_url.clone()).expect("issuer"), &http)
            .expect("discovery");
        let client = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(registered.id.clone()),
            registered.secret.clone().map(ClientSecret::new),
        )
        .set_redirect_uri(RedirectUrl::new(REDIRECT.into()).expect("redirect"));

        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, csrf, nonce) = client
            .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
            .add_scope(Scope::new("email".into()))
            .add_scope(Scope::new("profile".into()))
            .add_scope(Scope::new("offline_access".into()))
            .set_pkce_challenge(challenge)
            .url();
        let browser = server.browser();
        let page = follow(&browser, &server.base_url, browser.get(url.as_str()));
        let return_to = page.input_value("return_to").expect("sign-in hand-off");
        let signed = browser.post("/sign-in", &[("csrf_token", &page.csrf_token()), ("email", "ada@example.com"), ("password", PASSWORD), ("return_to", &return_to)]);
        let got = client_params(&follow(&browser, &server.base_url, signed));
        assert_eq!(&got["state"], csrf.secret());

        let tokens = client
            .exchange_code(AuthorizationCode::new(got["code"].clone()))
            .expect("token endpoint")
            .set_pkce_verifier(verifier)
            .request(&http)
            .expect("code exchange");
        let id_token = tokens.id_token().expect("id token");
        let verifier = client.id_token_verifier();
        let claims = id_token.claims(&verifier, &nonce).expect("valid ID token");
        assert_eq!(claims.email().map(|e| e.as_str()), Some("ada@example.com"));
        let expected_hash = AccessTokenHash::from_token(
            tokens.access_token(),
            id_token.signing_alg().expect("alg"),
            id_token.signing_key(&verifier).expect("key"),
        )
        .expect("hash");
        assert_eq!(claims.access_token_hash(), Some(&expected_hash));

        let userinfo: CoreUserInfoClaims = client
            .user_info(tokens.access_token().clone(), None)
            .expect("userinfo endpoint")
            .request(&http)
            .expect("userinfo");
        assert_eq!(userinfo.subject(), claims.subject());

        // Rotate every signing key: tokens already issued keep verifying (the old keys stay in
        // the JWKS), new tokens are signed by the new keys.
        tessera::crypto::signing_keys::KeySet::rotate(
            &server.state.keys,
            &server.state.db,
            &tessera::crypto::signing_keys::SigningAlgorithm::ALL,
            tessera::clock::Clock::now(&server.clock),
        )
        .expect("rotate");
        let metadata = CoreProviderMetadata::discover(&IssuerUrl::new(server.base_url.clone()).expect("issuer"), &http)
            .expect("rediscovery");
        let client = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(registered.id.clone()),
            registered.secret.clone().map(ClientSecret::new),
        )
        .set_redirect_uri(RedirectUrl::new(REDIRECT.into()).expect("redirect"));
        id_token.claims(&client.id_token_verifier(), &nonce).expect("old token still verifies");

        let refreshed = client
            .exchange_refresh_token(tokens.refresh_token().expect("refresh token"))
            .expect("token endpoint")
            .request(&http)
            .expect("refresh");
        assert_ne!(refreshed.refresh_token().map(|t| t.secret()), tokens.refresh_token().map(|t| t.secret()));
        let new_id = refreshed.id_token().expect("new id token");
        assert_ne!(new_id.signing_key(&client.id_token_verifier()).ok().and_then(|k| k.key_id().cloned()),
                   id_token.signing_key(&client.id_token_verifier()).ok().and_then(|k| k.key_id().cloned()),
                   "new tokens use the new key");
        new_id
            .claims(&client.id_token_verifier(), |_: Option<&Nonce>| Ok(()))
            .expect("refreshed ID token verifies");
        // The rotated refresh token is dead now.
        let reuse = client
            .exchange_refresh_token(tokens.refresh_token().expect("refresh token"))
            .expect("token endpoint")
            .request(&http);
        assert!(reuse.is_err());
    }
}

both_backends! {
    fn openidconnect_crate_client_credentials_introspection_revocation_and_logout(backend) {
        use openidconnect::core::CoreTokenIntrospectionResponse;
        use openidconnect::{EndSessionUrl, IntrospectionUrl, LogoutRequest, PostLogoutRedirectUrl, TokenIntrospectionResponse};
        let server = TestServer::start(backend);
        server.create_user("ada@example.com", PASSWORD);
        let http = reqwest::blocking::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("http");
        let discovered = CoreProviderMetadata::discover(&IssuerUrl::new(server.base_url.clone()).expect("issuer"), &http)
            .expect("discovery");

        // client_credentials, as the crate sends it.
        let mut worker = crate::support::oidc::registration("Worker");
        worker.grant_types = vec![tessera::domain::client::GrantType::ClientCredentials];
        worker.redirect_uris.clear();
        worker.scopes = vec!["reports:read".into()];
        let worker = server.register(worker);
        let worker_client = CoreClient::from_provider_metadata(
            discovered.clone(),
            ClientId::new(worker.id.clone()),
            worker.secret.clone().map(ClientSecret::new),
        );
        let granted = worker_client
            .exchange_client_credentials()
            .expect("token endpoint")
            .add_scope(Scope::new("reports:read".into()))
            .request(&http)
            .expect("client credentials");
        assert_eq!(granted.scopes().map(|s| s.len()), Some(1));

        // Introspection of the worker's token by the app (a confidential client).
        let app = server.client();
        let app_client = CoreClient::from_provider_metadata(
            discovered.clone(),
            ClientId::new(app.id.clone()),
            app.secret.clone().map(ClientSecret::new),
        )
        .set_redirect_uri(RedirectUrl::new(REDIRECT.into()).expect("redirect"))
        .set_introspection_url(IntrospectionUrl::new(format!("{}/introspect", server.base_url)).expect("url"));
        let info: CoreTokenIntrospectionResponse = app_client
            .introspect(granted.access_token())
            .request(&http)
            .expect("introspection");
        assert!(info.active());
        assert_eq!(info.client_id().map(|c| c.as_str()), Some(worker.id.as_str()));

        // Revocation. The crate refuses to send it to a non-https URL (RFC 7009 §2), and test
        // servers are plain http on loopback, so this request is made by hand.
        let revoked = http
            .post(format!("{}/revoke", server.base_url))
            .basic_auth(&worker.id, worker.secret.as_deref())
            .form(&[("token", granted.access_token().secret().as_str())])
            .send()
            .expect("revoke");
        assert_eq!(revoked.status().as_u16(), 200);
        let info: CoreTokenIntrospectionResponse = app_client
            .introspect(granted.access_token())
            .request(&http)
            .expect("introspection");
        assert!(!info.active());

        // RP-initiated logout with the URL the crate builds.
        let browser = server.browser();
        browser.sign_in("ada@example.com", PASSWORD);
        let code = crate::support::oidc::code_for(&browser, &server, &app, &[]);
        let tokens = app_client
            .exchange_code(AuthorizationCode::new(code))
            .expect("token endpoint")
            .request(&http)
            .expect("code exchange");
        let end_session = discovered_end_session(&server);
        let logout = LogoutRequest::from(EndSessionUrl::new(end_session).expect("url"))
            .set_id_token_hint(tokens.id_token().expect("id token"))
            .set_post_logout_redirect_uri(PostLogoutRedirectUrl::new("https://app.example/signed-out".into()).expect("url"))
            .set_state(CsrfToken::new("bye".into()))
            .http_get_url();
        let page = browser.get(logout.as_str());
        assert_eq!(page.location(), "https://app.example/signed-out?state=bye");
        assert!(!browser.is_signed_in());
    }
}

/// The `end_session_endpoint` from discovery (not among the crate's core metadata fields).
fn discovered_end_session(server: &TestServer) -> String {
    let doc: serde_json::Value = reqwest::blocking::get(format!(
        "{}/.well-known/openid-configuration",
        server.base_url
    ))
    .expect("discovery")
    .json()
    .expect("json");
    doc["end_session_endpoint"]
        .as_str()
        .expect("end_session_endpoint")
        .to_string()
}
