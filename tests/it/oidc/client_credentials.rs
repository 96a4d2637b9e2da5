//! The client_credentials grant: a token about the client itself, only API scopes it registered.

use crate::both_backends;
use crate::support::TestServer;
use crate::support::oidc::{jwt_claims, registration};
use tessera::domain::client::GrantType;

both_backends! {
    fn client_credentials_issues_a_client_token(backend) {
        let server = TestServer::start(backend);
        let mut r = registration("Billing worker");
        r.grant_types = vec![GrantType::ClientCredentials];
        r.redirect_uris.clear();
        r.scopes = vec!["invoices:read".into(), "invoices:write".into()];
        let client = server.register(r);
        let (status, body) = server.token(&client, &[("grant_type", "client_credentials"), ("scope", "invoices:read")]);
        assert_eq!(status, 200, "{body}");
        assert!(body.get("refresh_token").is_none() && body.get("id_token").is_none());
        let claims = jwt_claims(body["access_token"].as_str().expect("at"));
        assert_eq!(claims["sub"], client.id);
        assert_eq!(claims["scope"], "invoices:read");
        assert!(claims.get("gid").is_none());
        for (scope, error) in [("invoices:delete", "invalid_scope"), ("openid", "invalid_scope")] {
            let (status, body) = server.token(&client, &[("grant_type", "client_credentials"), ("scope", scope)]);
            assert_eq!((status, body["error"].as_str()), (400, Some(error)), "{scope}");
        }
        // Client tokens carry no user: userinfo refuses them.
        let response = reqwest::blocking::Client::new()
            .get(format!("{}/userinfo", server.base_url))
            .bearer_auth(body_token(&server, &client))
            .send()
            .expect("userinfo");
        assert_eq!(response.status().as_u16(), 403);
        // client_secret_post works when registered.
        let mut post = registration("Poster");
        post.auth_method = tessera::domain::client::AuthMethod::ClientSecretPost;
        post.grant_types = vec![GrantType::ClientCredentials];
        post.redirect_uris.clear();
        let poster = server.register(post);
        let secret = poster.secret.clone().expect("secret");
        let anonymous = crate::support::oidc::TestClient { id: poster.id.clone(), secret: None };
        let (status, body) = server.token(&anonymous, &[("grant_type", "client_credentials"), ("client_id", &poster.id), ("client_secret", &secret)]);
        assert_eq!(status, 200, "{body}");
        // ...and Basic is then refused for it.
        let (status, body) = server.token(&poster, &[("grant_type", "client_credentials")]);
        assert_eq!((status, body["error"].as_str()), (401, Some("invalid_client")));
    }
}

fn body_token(server: &TestServer, client: &crate::support::oidc::TestClient) -> String {
    let (_, body) = server.token(client, &[("grant_type", "client_credentials")]);
    body["access_token"].as_str().expect("at").to_string()
}
