//! SCIM 2.0, first step: directory connections. A token (made by the CLI or the admin API) decides
//! the organization; a missing, wrong or revoked token gets 401 with the SCIM error body.

use crate::both_backends;
use crate::support::TestServer;
use crate::support::cli::Cli;
use reqwest::blocking::Client;
use serde_json::Value;

fn scim(server: &TestServer, path: &str, token: Option<&str>) -> (u16, String, Value) {
    let mut request = Client::new().get(format!("{}/scim/v2{path}", server.base_url));
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let response = request.send().expect("request");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body: Value = response.json().expect("a JSON body");
    if status >= 400 {
        assert_eq!(
            body["schemas"],
            serde_json::json!(["urn:ietf:params:scim:api:messages:2.0:Error"])
        );
        assert_eq!(
            body["status"],
            status.to_string(),
            "the status is a string (RFC 7644 §3.12)"
        );
        assert!(body["detail"].is_string());
    }
    (status, content_type, body)
}

both_backends! {
    fn tokens_decide_the_organization_and_bad_tokens_get_scim_errors(backend) {
        let server = TestServer::start(backend);
        let cli = Cli::on(server.db.clone());
        assert_eq!(cli.run(&["org", "create", "--name", "Acme"], None).code, 0);
        let made = cli.run(&["scim", "token", "create", "--org", "acme", "--name", "Okta", "--json"], None);
        assert_eq!(made.code, 0, "{}", made.stderr);
        let made = made.json();
        let token = made["secret"].as_str().expect("token").to_string();
        assert!(token.starts_with("tscim_") && token.len() > 40);
        assert!(made["base_url"].as_str().is_some_and(|u| u.ends_with("/scim/v2")));
        assert!(!cli.run(&["scim", "token", "list", "--org", "acme", "--json"], None).stdout.contains(&token[10..]), "shown once");

        for bad in [None, Some("nope"), Some("tscim_unknown"), Some("")] {
            let (status, content_type, _) = scim(&server, "/Users", bad);
            assert_eq!(status, 401, "{bad:?}");
            assert_eq!(content_type, "application/scim+json");
        }
        let response = Client::new().get(format!("{}/scim/v2/Users", server.base_url)).send().expect("request");
        assert!(response.headers().get("www-authenticate").and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("Bearer")));

        // A good token reaches the SCIM server, which serves no resource yet: a SCIM 404.
        let (status, content_type, _) = scim(&server, "/Users", Some(&token));
        assert_eq!((status, content_type.as_str()), (404, "application/scim+json"));

        // Revoked: refused at once.
        let id = made["id"].as_str().expect("id");
        assert_eq!(cli.run(&["scim", "token", "revoke", "--org", "acme", id], None).code, 0);
        assert_eq!(scim(&server, "/Users", Some(&token)).0, 401);
        assert_eq!(cli.run(&["scim", "token", "revoke", "--org", "acme", id], None).code, 4);
        assert_eq!(cli.run(&["scim", "token", "revoke", "--org", "acme", "nope"], None).code, 3);
        assert_eq!(cli.run(&["scim", "token", "create", "--org", "nope"], None).code, 3);
        assert_eq!(cli.run(&["scim", "token", "create", "--org", "acme", "--name", " "], None).code, 5);
        assert_eq!(cli.run(&["scim", "token", "list"], None).code, 2, "--org is required");

        // The admin API makes them too.
        let (_, key) = server
            .block_on(tessera::admin_api::keys::create(&server.state, "ops", &["organizations:write".to_string()], None))
            .expect("key");
        let response = Client::new()
            .post(format!("{}/admin/v1/organizations/acme/scim-tokens", server.base_url))
            .bearer_auth(&key)
            .json(&serde_json::json!({"name": "Entra ID"}))
            .send()
            .expect("request");
        assert_eq!(response.status(), 201);
        let created: Value = response.json().expect("json");
        let api_token = created["token"].as_str().expect("token");
        assert_eq!(scim(&server, "/Users", Some(api_token)).0, 404);
        let listed: Value = Client::new()
            .get(format!("{}/admin/v1/organizations/acme/scim-tokens", server.base_url))
            .bearer_auth(&key)
            .send()
            .expect("request")
            .json()
            .expect("json");
        assert_eq!(listed["data"].as_array().map(Vec::len), Some(2));
        assert!(!listed.to_string().contains(&api_token[10..]));
        let audit = cli.run(&["audit", "list", "--action", "scimToken.", "--json"], None).json();
        assert_eq!(audit.as_array().map(Vec::len), Some(3), "{audit}");
    }
}
