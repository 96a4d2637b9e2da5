//! SCIM 2.0. Directory connections here: a token (made by the CLI or the admin API) decides the
//! organization; a missing, wrong or revoked token gets 401 with the SCIM error body. Users and
//! filters in their own modules, through [`Directory`].

mod bulk;
mod discovery;
mod filters;
mod groups;
mod patch;
mod users;

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

        // A good token reaches the SCIM server; an unknown path is a SCIM 404.
        assert_eq!(scim(&server, "/Users", Some(&token)).0, 200);
        let (status, content_type, _) = scim(&server, "/Nothing", Some(&token));
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
        assert_eq!(scim(&server, "/Users", Some(api_token)).0, 200);
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

/// A directory connected to an organization: a SCIM client with its token.
pub struct Directory {
    pub base: String,
    pub token: String,
    client: Client,
}

/// An answer: status, headers, JSON body (null when empty).
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts an error answer with this status and `scimType`.
    pub fn assert_error(&self, status: u16, scim_type: Option<&str>) {
        assert_eq!(self.status, status, "{}", self.body);
        assert_eq!(
            self.body["schemas"],
            serde_json::json!(["urn:ietf:params:scim:api:messages:2.0:Error"])
        );
        assert_eq!(self.body["status"], status.to_string());
        assert_eq!(self.body["scimType"].as_str(), scim_type, "{}", self.body);
        assert_eq!(self.header("content-type"), Some("application/scim+json"));
    }
}

impl Directory {
    /// Creates the organization `slug` and a token for it.
    pub fn connect(server: &TestServer, slug: &str) -> Self {
        let cli = Cli::on(server.db.clone());
        let made = cli.run(&["org", "create", "--name", slug, "--slug", slug], None);
        assert_eq!(made.code, 0, "{}", made.stderr);
        Self::with_token(server, slug)
    }

    /// A new token for an existing organization.
    pub fn with_token(server: &TestServer, slug: &str) -> Self {
        let cli = Cli::on(server.db.clone());
        let made = cli.run(&["scim", "token", "create", "--org", slug, "--json"], None);
        assert_eq!(made.code, 0, "{}", made.stderr);
        Self {
            base: format!("{}/scim/v2", server.base_url),
            token: made.json()["secret"].as_str().expect("secret").to_string(),
            client: Client::new(),
        }
    }

    pub fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Answer {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request
                .header("content-type", "application/scim+json")
                .body(body.to_string());
        }
        let response = request.send().expect("request");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().expect("body");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
        };
        Answer {
            status,
            headers,
            body,
        }
    }

    pub fn raw(&self, method: &str, path: &str, body: &str) -> Answer {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let response = self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .header("content-type", "application/scim+json")
            .body(body.to_string())
            .send()
            .expect("request");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().expect("body");
        Answer {
            status,
            headers,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
        }
    }

    pub fn get(&self, path: &str) -> Answer {
        self.send("GET", path, None, &[])
    }

    pub fn post(&self, path: &str, body: &Value) -> Answer {
        self.send("POST", path, Some(body), &[])
    }

    /// Creates a User, asserting 201.
    pub fn create_user(&self, body: &Value) -> Value {
        let answer = self.post("/Users", body);
        assert_eq!(answer.status, 201, "{}", answer.body);
        answer.body
    }

    /// The `id`s of a list answer, in order.
    pub fn ids(answer: &Answer) -> Vec<String> {
        assert_eq!(answer.status, 200, "{}", answer.body);
        answer.body["Resources"]
            .as_array()
            .expect("Resources")
            .iter()
            .map(|r| r["id"].as_str().expect("id").to_string())
            .collect()
    }
}

/// Percent-encodes a query parameter's value.
pub fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
