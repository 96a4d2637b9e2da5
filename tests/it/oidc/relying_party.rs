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
