//! The admin API over HTTP on both backends: keys and scopes, problem details for every failure,
//! cursor pagination, validation, idempotency keys, the last-admin rule, invitations, the audit
//! log and webhook endpoints through the API, and an OpenAPI document whose every operation is
//! served.

use crate::both_backends;
use crate::support::{PASSWORD, TestServer};
use reqwest::blocking::{Client, Response};
use serde_json::{Value, json};
use std::collections::BTreeSet;

struct Api {
    base: String,
    key: String,
    http: Client,
}

fn key(server: &TestServer, scopes: &[&str]) -> String {
    let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
    server
        .block_on(tessera::admin_api::keys::create(
            &server.state,
            "test",
            &scopes,
            None,
        ))
        .expect("key")
        .1
}

impl Api {
    fn new(server: &TestServer, scopes: &[&str]) -> Self {
        Self {
            base: format!("{}/admin/v1", server.base_url),
            key: key(server, scopes),
            http: Client::new(),
        }
    }

    fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Response {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.key);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().expect("request")
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let response = self.send(method, path, body, &[]);
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let text = response.text().expect("body");
        if status >= 400 {
            assert_eq!(
                content_type, "application/problem+json",
                "{method} {path}: {text}"
            );
        }
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
        };
        if status >= 400 {
            assert_eq!(value["status"], status, "{value}");
            assert!(
                value["type"]
                    .as_str()
                    .is_some_and(|t| t.starts_with("urn:tessera:problem:")),
                "{value}"
            );
            assert!(
                value["title"].is_string() && value["detail"].is_string(),
                "{value}"
            );
        }
        (status, value)
    }
}

both_backends! {
    fn keys_and_scopes(backend) {
        let server = TestServer::start(backend);
        let http = Client::new();
        let url = format!("{}/admin/v1/users", server.base_url);
        for auth in [None, Some("Bearer nope"), Some("Bearer tsk_unknown"), Some("Basic dXNlcjpwYXNz"), Some("Bearer ")] {
            let mut request = http.get(&url);
            if let Some(auth) = auth {
                request = request.header("authorization", auth);
            }
            let response = request.send().expect("request");
            assert_eq!(response.status(), 401, "{auth:?}");
            assert!(response.headers().get("www-authenticate").is_some_and(|v| v.to_str().unwrap_or_default().starts_with("Bearer")));
            assert_eq!(response.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("application/problem+json"));
        }

        let reader = Api::new(&server, &["users:read"]);
        assert_eq!(reader.call("GET", "/users", None).0, 200);
        let response = reader.send("POST", "/users", Some(json!({"email": "x@example.com"})), &[]);
        assert_eq!(response.status(), 403);
        assert!(response.headers().get("www-authenticate").and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("insufficient_scope") && v.contains("users:write")));
        assert_eq!(reader.call("GET", "/organizations", None).0, 403);
        assert_eq!(reader.call("GET", "/audit-events", None).0, 403);

        let writer = Api::new(&server, &["users:write"]);
        assert_eq!(writer.call("GET", "/users", None).0, 200, "write includes read");
        let admin = Api::new(&server, &[]);
        for path in ["/users", "/organizations", "/audit-events", "/webhook-endpoints"] {
            assert_eq!(admin.call("GET", path, None).0, 200, "{path}");
        }

        // Revoked and expired keys stop at once.
        let keys = server.block_on(tessera::admin_api::keys::list(&server.state)).expect("keys");
        let reader_id = keys.iter().find(|k| k.scopes == ["users:read"]).expect("reader").id.clone();
        server.block_on(tessera::admin_api::keys::revoke(&server.state, &reader_id)).expect("revoke");
        assert_eq!(reader.call("GET", "/users", None).0, 401);
        let (_, expiring) = server
            .block_on(tessera::admin_api::keys::create(&server.state, "short", &[], Some(1)))
            .expect("key");
        let short = Api { key: expiring, ..Api::new(&server, &[]) };
        assert_eq!(short.call("GET", "/users", None).0, 200);
        server.clock.advance(24 * 3600 + 1);
        assert_eq!(short.call("GET", "/users", None).0, 401);

        // Unknown routes and methods are problems too.
        assert_eq!(admin.call("GET", "/nothing-here", None).0, 404);
        assert_eq!(admin.call("PUT", "/users", Some(json!({}))).0, 404);
    }
}

both_backends! {
    fn users_pages_filters_and_validation(backend) {
        let server = TestServer::start(backend);
        let api = Api::new(&server, &["users:write"]);
        let mut made = Vec::new();
        for i in 0..5 {
            let (status, user) = api.call("POST", "/users", Some(json!({"email": format!("U{i}@Example.com"), "name": format!("User {i}"), "email_verified": i % 2 == 0})));
            assert_eq!(status, 201, "{user}");
            assert_eq!(user["email"], format!("u{i}@example.com"));
            assert!(user.get("password_hash").is_none());
            made.push(user["id"].as_str().expect("id").to_string());
        }

        // Bad input: each a problem, nothing written.
        let (status, problem) = api.call("POST", "/users", Some(json!({"email": "nope"})));
        assert_eq!((status, problem["field"].as_str()), (422, Some("email")));
        let (status, problem) = api.call("POST", "/users", Some(json!({"email": "a@example.com", "password": "short"})));
        assert_eq!((status, problem["field"].as_str()), (422, Some("password")));
        assert_eq!(api.call("POST", "/users", Some(json!({"email": "a@example.com", "admin": true}))).0, 400, "unknown fields are refused");
        assert_eq!(api.call("POST", "/users", Some(json!({"email": 5}))).0, 400);
        let raw = api.http.post(format!("{}/users", api.base)).bearer_auth(&api.key).header("content-type", "application/json").body("{not json").send().expect("send");
        assert_eq!(raw.status(), 400);
        let big = api.http.post(format!("{}/users", api.base)).bearer_auth(&api.key).header("content-type", "application/json").body(format!("{{\"email\": \"{}\"}}", "a".repeat(100_000))).send().expect("send");
        assert_eq!(big.status(), 413);
        assert_eq!(big.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("application/problem+json"));
        assert_eq!(api.call("POST", "/users", Some(json!({"email": "u1@example.com"}))).0, 409);
        assert_eq!(api.call("GET", "/users?limit=0", None).0, 422);
        assert_eq!(api.call("GET", "/users?limit=201", None).0, 422);
        assert_eq!(api.call("GET", "/users?limit=abc", None).0, 400);
        assert_eq!(api.call("GET", "/users?cursor=%25%25%25", None).0, 422);
        assert_eq!(api.call("GET", "/users?colour=red", None).0, 400);
        // NUL never reaches the database (PostgreSQL refuses it in text).
        assert_eq!(api.call("GET", "/users?search=a%00b", None).0, 400);
        assert_eq!(api.call("GET", "/users/a%00b", None).0, 400);
        assert_eq!(api.call("POST", "/users", Some(json!({"email": "a@example.com", "name": "a\u{0}b"}))).0, 400);
        assert_eq!(api.call("GET", "/users?cursor=AA", None).0, 422, "a cursor hiding a NUL");

        // Pages of two, to the end, in order, each user once.
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor { Some(c) => format!("/users?limit=2&cursor={c}"), None => "/users?limit=2".into() };
            let (status, page) = api.call("GET", &path, None);
            assert_eq!(status, 200);
            seen.extend(page["data"].as_array().expect("data").iter().map(|u| u["id"].as_str().expect("id").to_string()));
            match page["next_cursor"].as_str() { Some(c) => cursor = Some(c.to_string()), None => break }
        }
        assert_eq!(seen, made);
        let (_, verified) = api.call("GET", "/users?email_verified=true", None);
        assert_eq!(verified["data"].as_array().map(Vec::len), Some(3));
        let (_, found) = api.call("GET", "/users?search=user%203", None);
        assert_eq!(found["data"][0]["email"], "u3@example.com");
        let (_, exact) = api.call("GET", "/users?email=U4@EXAMPLE.com", None);
        assert_eq!(exact["data"].as_array().map(Vec::len), Some(1));

        // Read, change, disable, delete.
        let id = &made[0];
        let (status, changed) = api.call("PATCH", &format!("/users/{id}"), Some(json!({"name": "Ada", "public_metadata": {"plan": "pro"}, "disabled": true})));
        assert_eq!(status, 200, "{changed}");
        assert_eq!(changed["name"], "Ada");
        assert_eq!(changed["public_metadata"]["plan"], "pro");
        assert_eq!(changed["disabled"], true);
        assert_eq!(api.call("PATCH", &format!("/users/{id}"), Some(json!({"public_metadata": [1]}))).0, 422);
        assert_eq!(api.call("GET", "/users/nobody", None).0, 404);
        assert_eq!(api.call("DELETE", &format!("/users/{id}"), None).0, 204);
        assert_eq!(api.call("GET", &format!("/users/{id}"), None).0, 404);
        assert_eq!(api.call("DELETE", &format!("/users/{id}"), None).0, 404);

        // Sessions: listed and revoked.
        server.create_user("live@example.com", PASSWORD);
        let browser = server.browser();
        browser.sign_in("live@example.com", PASSWORD);
        let (_, users) = api.call("GET", "/users?email=live@example.com", None);
        let live = users["data"][0]["id"].as_str().expect("id").to_string();
        let (_, sessions) = api.call("GET", &format!("/users/{live}/sessions"), None);
        let session = sessions["data"][0]["id"].as_str().expect("session").to_string();
        assert_eq!(api.call("DELETE", &format!("/users/{live}/sessions/{session}"), None).0, 204);
        assert!(!browser.is_signed_in());
        assert_eq!(api.call("DELETE", &format!("/users/{live}/sessions/{session}"), None).0, 404);
    }
}

both_backends! {
    fn idempotency_keys(backend) {
        let server = TestServer::start(backend);
        let api = Api::new(&server, &["users:write"]);
        let body = json!({"email": "once@example.com"});
        let first = api.send("POST", "/users", Some(body.clone()), &[("idempotency-key", "k-1")]);
        assert_eq!(first.status(), 201);
        let first: Value = first.json().expect("json");
        let again = api.send("POST", "/users", Some(body.clone()), &[("idempotency-key", "k-1")]);
        assert_eq!(again.status(), 201);
        assert_eq!(again.headers().get("idempotent-replayed").and_then(|v| v.to_str().ok()), Some("true"));
        let again: Value = again.json().expect("json");
        assert_eq!(again["id"], first["id"], "the same answer, no second user");
        let other = api.send("POST", "/users", Some(json!({"email": "other@example.com"})), &[("idempotency-key", "k-1")]);
        assert_eq!(other.status(), 422);
        let bad_key = api.send("POST", "/users", Some(body.clone()), &[("idempotency-key", "")]);
        assert_eq!(bad_key.status(), 400);
        // Without a key, a retry is a new request: the address is taken.
        assert_eq!(api.call("POST", "/users", Some(body.clone())).0, 409);
        // A refused request under a key is refused the same way on retry.
        let clash = api.send("POST", "/users", Some(body.clone()), &[("idempotency-key", "k-2")]);
        assert_eq!(clash.status(), 409);
        let clash = api.send("POST", "/users", Some(body), &[("idempotency-key", "k-2")]);
        assert_eq!(clash.status(), 409);
        assert_eq!(clash.headers().get("idempotent-replayed").and_then(|v| v.to_str().ok()), Some("true"));
        // Keys are per API key.
        let other_key = Api::new(&server, &["users:write"]);
        let fresh = other_key.send("POST", "/users", Some(json!({"email": "third@example.com"})), &[("idempotency-key", "k-1")]);
        assert_eq!(fresh.status(), 201);
        let (_, all) = api.call("GET", "/users", None);
        assert_eq!(all["data"].as_array().map(Vec::len), Some(2));
    }
}

both_backends! {
    fn organizations_members_roles_and_invitations(backend) {
        let server = TestServer::start(backend);
        server.create_user("ada@example.com", PASSWORD);
        server.create_user("bob@example.com", PASSWORD);
        let api = Api::new(&server, &["organizations:write"]);
        let (status, org) = api.call("POST", "/organizations", Some(json!({"name": "Acme", "owner": "ada@example.com"})));
        assert_eq!(status, 201, "{org}");
        assert_eq!(org["slug"], "acme");
        assert_eq!(api.call("POST", "/organizations", Some(json!({"name": "Acme"}))).0, 409);
        assert_eq!(api.call("POST", "/organizations", Some(json!({"name": "X", "slug": "Bad Slug"}))).0, 422);
        assert_eq!(api.call("GET", "/organizations/acme", None).1["id"], org["id"]);
        let (_, patched) = api.call("PATCH", "/organizations/acme", Some(json!({"name": "Acme Corp", "logo_url": "https://cdn.example.com/a.png"})));
        assert_eq!(patched["logo_url"], "https://cdn.example.com/a.png");
        let (_, cleared) = api.call("PATCH", "/organizations/acme", Some(json!({"logo_url": null})));
        assert_eq!(cleared["logo_url"], Value::Null);
        assert_eq!(cleared["name"], "Acme Corp");

        // Members and the last-admin rule.
        let (status, member) = api.call("POST", "/organizations/acme/memberships", Some(json!({"user": "bob@example.com"})));
        assert_eq!((status, member["role"].as_str()), (201, Some("member")));
        assert_eq!(api.call("POST", "/organizations/acme/memberships", Some(json!({"user": "bob@example.com"}))).0, 409);
        assert_eq!(api.call("POST", "/organizations/acme/memberships", Some(json!({"user": "nobody@example.com"}))).0, 404);
        let (_, members) = api.call("GET", "/organizations/acme/memberships?limit=1", None);
        assert_eq!(members["data"].as_array().map(Vec::len), Some(1));
        let cursor = members["next_cursor"].as_str().expect("a second page").to_string();
        let (_, rest) = api.call("GET", &format!("/organizations/acme/memberships?limit=1&cursor={cursor}"), None);
        assert_eq!(rest["data"].as_array().map(Vec::len), Some(1));
        assert!(rest["next_cursor"].is_null());
        let ada = members["data"][0]["user_id"].as_str().map(str::to_string).filter(|_| members["data"][0]["role"] == "admin")
            .or_else(|| rest["data"][0]["user_id"].as_str().map(str::to_string)).expect("ada");
        let (status, problem) = api.call("DELETE", &format!("/organizations/acme/memberships/{ada}"), None);
        assert_eq!(status, 409, "{problem}");
        assert!(problem["detail"].as_str().is_some_and(|d| d.contains("last admin")));
        assert_eq!(api.call("PATCH", &format!("/organizations/acme/memberships/{ada}"), Some(json!({"role": "member"}))).0, 409);
        assert_eq!(api.call("PATCH", "/organizations/acme/memberships/bob@example.com", Some(json!({"role": "admin"}))).0, 200);
        assert_eq!(api.call("PATCH", &format!("/organizations/acme/memberships/{ada}"), Some(json!({"role": "ghost"}))).0, 422);

        // Roles.
        let (status, role) = api.call("POST", "/organizations/acme/roles", Some(json!({"key": "billing", "name": "Billing", "permissions": ["org:invoices:read"]})));
        assert_eq!((status, role["built_in"].as_bool()), (201, Some(false)));
        let (_, role) = api.call("PATCH", "/organizations/acme/roles/billing", Some(json!({"permissions": []})));
        assert_eq!(role["permissions"], json!([]), "permissions can be cleared");
        assert_eq!(api.call("PATCH", "/organizations/acme/roles/admin", Some(json!({"name": "Boss"}))).0, 422);
        assert_eq!(api.call("DELETE", "/organizations/acme/roles/billing", None).0, 204);
        assert_eq!(api.call("GET", "/organizations/acme/roles", None).1["data"].as_array().map(Vec::len), Some(2));

        // Invitations.
        let (status, invitation) = api.call("POST", "/organizations/acme/invitations", Some(json!({"email": "new@example.com"})));
        assert_eq!(status, 201, "{invitation}");
        assert_eq!(invitation["state"], "pending");
        assert!(!invitation.to_string().contains("token"));
        crate::support::mail::wait_for_mail(&server.mailbox(), "new@example.com", 1);
        assert_eq!(api.call("POST", "/organizations/acme/invitations", Some(json!({"email": "bob@example.com"}))).0, 409);
        let id = invitation["id"].as_str().expect("id");
        let (_, listed) = api.call("GET", "/organizations/acme/invitations?state=pending", None);
        assert_eq!(listed["data"].as_array().map(Vec::len), Some(1));
        assert_eq!(api.call("GET", "/organizations/acme/invitations?state=lost", None).0, 422);
        assert_eq!(api.call("POST", &format!("/organizations/acme/invitations/{id}/revoke"), None).1["state"], "revoked");
        assert_eq!(api.call("POST", &format!("/organizations/acme/invitations/{id}/revoke"), None).0, 409);

        assert_eq!(api.call("DELETE", "/organizations/acme", None).0, 204);
        assert_eq!(api.call("GET", "/organizations/acme", None).0, 404);
    }
}

both_backends! {
    fn audit_log_and_webhook_endpoints(backend) {
        let server = TestServer::start(backend);
        let api = Api::new(&server, &[]);
        let (status, endpoint) = api.call("POST", "/webhook-endpoints", Some(json!({"url": "https://hooks.example.com/t", "event_types": ["user.*"]})));
        assert_eq!(status, 201, "{endpoint}");
        assert!(endpoint["secret"].as_str().is_some_and(|s| s.starts_with("whsec_")));
        let id = endpoint["id"].as_str().expect("id").to_string();
        let (_, listed) = api.call("GET", "/webhook-endpoints", None);
        assert!(listed["data"][0].get("secret").is_none(), "the secret is shown once");
        assert_eq!(api.call("POST", "/webhook-endpoints", Some(json!({"url": "http://hooks.example.com"}))).1["field"], "url");
        assert_eq!(api.call("POST", "/webhook-endpoints", Some(json!({"url": "https://h.example.com", "event_types": ["nope"]}))).0, 422);
        // A retried creation answers the same secret (kept sealed), and makes no second endpoint.
        let body = json!({"url": "https://hooks.example.com/retry"});
        let first: Value = api.send("POST", "/webhook-endpoints", Some(body.clone()), &[("idempotency-key", "hook-1")]).json().expect("json");
        let again = api.send("POST", "/webhook-endpoints", Some(body), &[("idempotency-key", "hook-1")]);
        assert_eq!(again.headers().get("idempotent-replayed").and_then(|v| v.to_str().ok()), Some("true"));
        let again: Value = again.json().expect("json");
        assert_eq!(again["secret"], first["secret"]);
        assert_eq!(api.call("GET", "/webhook-endpoints", None).1["data"].as_array().map(Vec::len), Some(2));
        let stored: Vec<String> = server.state.db.run_blocking(|c| {
            use diesel::prelude::*;
            use tessera::storage::schema::idempotency_keys::dsl::*;
            Ok(idempotency_keys.select(response_body).load::<Option<String>>(c).map_err(tessera::storage::StorageError::from)?.into_iter().flatten().collect())
        }).expect("rows");
        let secret = first["secret"].as_str().expect("secret");
        assert!(stored.iter().all(|b| !b.contains(&secret[6..])), "answers are kept sealed");
        let (_, rotated) = api.call("POST", &format!("/webhook-endpoints/{id}/rotate-secret"), None);
        assert_ne!(rotated["secret"], endpoint["secret"]);
        assert_eq!(api.call("PATCH", &format!("/webhook-endpoints/{id}"), Some(json!({"disabled": true}))).1["disabled"], true);
        assert_eq!(api.call("POST", "/users", Some(json!({"email": "hooked@example.com"}))).0, 201);
        let (status, deliveries) = api.call("GET", &format!("/webhook-endpoints/{id}/deliveries"), None);
        assert_eq!(status, 200);
        assert_eq!(deliveries["data"], json!([]), "a disabled endpoint gets nothing");
        assert_eq!(api.call("GET", &format!("/webhook-endpoints/{id}/deliveries?state=lost"), None).0, 422);
        assert_eq!(api.call("POST", "/webhook-deliveries/nope/redeliver", None).0, 404);
        assert_eq!(api.call("DELETE", &format!("/webhook-endpoints/{id}"), None).0, 204);
        assert_eq!(api.call("GET", &format!("/webhook-endpoints/{id}"), None).0, 404);

        // Every change above is in the audit log under the key's id.
        let keys = server.block_on(tessera::admin_api::keys::list(&server.state)).expect("keys");
        let key_id = &keys[0].id;
        let (_, events) = api.call("GET", &format!("/audit-events?actor_id={key_id}&limit=100"), None);
        let actions: BTreeSet<&str> = events["data"].as_array().expect("data").iter().filter_map(|e| e["action"].as_str()).collect();
        for action in ["webhook.created", "webhook.secret_rotated", "webhook.updated", "webhook.deleted", "user.created"] {
            assert!(actions.contains(action), "{action} in {actions:?}");
        }
        assert!(events["data"].as_array().expect("data").iter().all(|e| e["actor_type"] == "api_key"));
        let (_, page) = api.call("GET", "/audit-events?action=webhook.&limit=2", None);
        assert_eq!(page["data"].as_array().map(Vec::len), Some(2));
        let cursor = page["next_cursor"].as_str().expect("cursor");
        let (_, next) = api.call("GET", &format!("/audit-events?action=webhook.&limit=2&cursor={cursor}"), None);
        let next_id = next["data"][0]["id"].as_str().expect("a second page");
        let last_id = page["data"][1]["id"].as_str().expect("a full first page");
        assert!(next_id < last_id, "newest first, no overlap");
        assert_eq!(api.call("GET", "/audit-events?since=yesterday", None).0, 422);
        assert_eq!(api.call("GET", "/audit-events?outcome=maybe", None).0, 422);
        let (_, none) = api.call("GET", "/audit-events?since=2999-01-01T00:00:00Z", None);
        assert_eq!(none["data"], json!([]));
    }
}

#[test]
fn the_openapi_document_lists_only_what_is_served() {
    let server = TestServer::start(crate::support::Backend::Sqlite);
    let document: Value = Client::new()
        .get(format!("{}/admin/v1/openapi.json", server.base_url))
        .send()
        .expect("document")
        .json()
        .expect("json");
    assert!(
        document["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1")),
        "{}",
        document["openapi"]
    );
    assert!(document["components"]["securitySchemes"]["api_key"].is_object());
    let api = Api::new(&server, &[]);
    let audit_only = Api::new(&server, &["audit:read"]);
    let users_only = Api::new(&server, &["users:read"]);
    let paths = document["paths"].as_object().expect("paths");
    let mut operations = 0;
    for (path, item) in paths {
        for method in ["get", "post", "patch", "delete"] {
            let Some(operation) = item.get(method) else {
                continue;
            };
            operations += 1;
            // Every path template is a declared path parameter.
            let declared: BTreeSet<&str> = operation["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "path")
                .filter_map(|p| p["name"].as_str())
                .collect();
            let templated: BTreeSet<&str> = path
                .split('{')
                .skip(1)
                .filter_map(|p| p.split('}').next())
                .collect();
            assert_eq!(declared, templated, "{method} {path}");
            let concrete = path.trim_start_matches("/admin/v1").replace(['{', '}'], "");
            let body = (method == "post" || method == "patch").then(|| json!({}));
            let (status, answer) = api.call(&method.to_uppercase(), &concrete, body.clone());
            assert!(
                !(status == 404 && answer["detail"] == "no route matches"),
                "{method} {path} is documented but not served"
            );
            assert!(status < 500, "{method} {path}: {answer}");
            // A key without the documented scope is refused.
            let scope = operation["security"][0]["api_key"][0]
                .as_str()
                .expect("a scope");
            let outsider = if scope.starts_with("audit") {
                &users_only
            } else {
                &audit_only
            };
            let (status, answer) = outsider.call(&method.to_uppercase(), &concrete, body);
            assert_eq!(status, 403, "{method} {path} without {scope}: {answer}");
            assert!(
                answer["detail"].as_str().is_some_and(|d| d.contains(scope)),
                "{answer}"
            );
        }
    }
    assert_eq!(operations, 55, "every operation of the API is documented");
}

both_backends! {
    fn apikey_commands(backend) {
        let server = TestServer::start(backend);
        let cli = crate::support::cli::Cli::on(server.db.clone());
        let made = cli.run(&["apikey", "create", "--name", "CI deploys", "--scope", "users:read", "--json"], None);
        assert_eq!(made.code, 0, "{}", made.stderr);
        let made = made.json();
        let secret = made["secret"].as_str().expect("secret").to_string();
        assert!(secret.starts_with("tsk_") && secret.len() > 40);
        assert!(secret.starts_with(made["prefix"].as_str().expect("prefix")));
        assert_eq!(made["scopes"], json!(["users:read"]));
        let listed = cli.run(&["apikey", "list", "--json"], None);
        assert!(!listed.stdout.contains(&secret[10..]), "the secret is shown once");
        // The key works against the running server, within its scopes.
        let api = Api { key: secret, ..Api::new(&server, &[]) };
        assert_eq!(api.call("GET", "/users", None).0, 200);
        assert_eq!(api.call("GET", "/organizations", None).0, 403);
        assert_eq!(cli.run(&["apikey", "create", "--name", "x", "--scope", "root"], None).code, 5);
        assert_eq!(cli.run(&["apikey", "create", "--name", " "], None).code, 5);
        assert_eq!(cli.run(&["apikey", "create", "--name", "x", "--expires-in-days", "0"], None).code, 5);
        let id = made["id"].as_str().expect("id");
        let revoked = cli.run(&["apikey", "revoke", id, "--json"], None);
        assert_eq!(revoked.code, 0, "{}", revoked.stderr);
        assert!(revoked.json()["revoked_at"].is_string());
        assert_eq!(cli.run(&["apikey", "revoke", id], None).code, 4);
        assert_eq!(cli.run(&["apikey", "revoke", "nope"], None).code, 3);
        assert_eq!(api.call("GET", "/users", None).0, 401);
    }
}

both_backends! {
    fn clients_and_domains(backend) {
        let server = TestServer::start(backend);
        let api = Api::new(&server, &["clients:write", "organizations:write"]);
        let (status, client) = api.call("POST", "/clients", Some(json!({"name": "Web", "redirect_uris": ["https://app.example.com/cb"], "scopes": ["openid", "email"]})));
        assert_eq!(status, 201, "{client}");
        assert_eq!(client["token_endpoint_auth_method"], "client_secret_basic");
        let secret = client["client_secret"].as_str().expect("secret").to_string();
        let id = client["id"].as_str().expect("id").to_string();
        // The secret works at the token endpoint (client credentials need the grant: not given).
        let (_, listed) = api.call("GET", "/clients", None);
        assert!(!listed.to_string().contains(&secret), "the secret is shown once");
        assert_eq!(api.call("POST", "/clients", Some(json!({"name": "Bad", "redirect_uris": ["http://app.example.com/cb"]}))).0, 422);
        assert_eq!(api.call("POST", "/clients", Some(json!({"name": "Bad", "redirect_uris": ["https://a.example.com/cb"], "grant_types": ["password"]}))).0, 422);
        assert_eq!(api.call("POST", "/clients", Some(json!({"name": "Bad", "token_endpoint_auth_method": "magic"}))).0, 422);
        // A PATCH with one bad field changes nothing.
        assert_eq!(api.call("PATCH", &format!("/clients/{id}"), Some(json!({"name": "Renamed", "id_token_signed_response_alg": "HS256"}))).0, 422);
        assert_eq!(api.call("GET", &format!("/clients/{id}"), None).1["name"], "Web");
        let (_, changed) = api.call("PATCH", &format!("/clients/{id}"), Some(json!({"name": "Renamed", "access_token_seconds": 300})));
        assert_eq!((changed["name"].as_str(), changed["access_token_seconds"].as_i64()), (Some("Renamed"), Some(300)));
        let (_, cleared) = api.call("PATCH", &format!("/clients/{id}"), Some(json!({"access_token_seconds": null})));
        assert!(cleared["access_token_seconds"].is_null());
        let (_, rotated) = api.call("POST", &format!("/clients/{id}/rotate-secret"), None);
        assert!(rotated["client_secret"].as_str().is_some_and(|s| s != secret));
        assert_eq!(api.call("DELETE", &format!("/clients/{id}"), None).0, 204);
        assert_eq!(api.call("GET", &format!("/clients/{id}"), None).0, 404);

        // Domains of an organization.
        assert_eq!(api.call("POST", "/organizations", Some(json!({"name": "Acme"}))).0, 201);
        assert_eq!(api.call("POST", "/organizations/acme/domains", Some(json!({"domain": "gmail.com"}))).0, 422);
        let (status, domain) = api.call("POST", "/organizations/acme/domains", Some(json!({"domain": "acme.com", "enrollment_mode": "automatic_suggestion"})));
        assert_eq!(status, 201, "{domain}");
        assert_eq!(domain["verified"], false);
        assert_eq!(api.call("POST", "/organizations/acme/domains/acme.com/send-code", Some(json!({"email": "x@other.com"}))).0, 422);
        assert_eq!(api.call("POST", "/organizations/acme/domains/acme.com/send-code", Some(json!({"email": "it@acme.com"}))).0, 202);
        let mail = &crate::support::mail::wait_for_mail(&server.mailbox(), "it@acme.com", 1)[0];
        let code = mail.text.split_whitespace().find(|w| w.len() == 8 && w.chars().all(|c| c.is_ascii_digit())).expect("code").to_string();
        assert_eq!(api.call("POST", "/organizations/acme/domains/acme.com/verify", Some(json!({"code": "00000000x"}))).0, 422);
        let (status, verified) = api.call("POST", "/organizations/acme/domains/acme.com/verify", Some(json!({"code": code})));
        assert_eq!((status, verified["verified"].as_bool()), (200, Some(true)), "{verified}");
        assert_eq!(api.call("PATCH", "/organizations/acme/domains/acme.com", Some(json!({"enrollment_mode": "manual"}))).1["enrollment_mode"], "manual");
        assert_eq!(api.call("PATCH", "/organizations/acme/domains/acme.com", Some(json!({"enrollment_mode": "often"}))).0, 422);
        assert_eq!(api.call("GET", "/organizations/acme/domains", None).1["data"].as_array().map(Vec::len), Some(1));
        assert_eq!(api.call("DELETE", "/organizations/acme/domains/acme.com", None).0, 204);
        assert_eq!(api.call("DELETE", "/organizations/acme/domains/acme.com", None).0, 404);
        // Scopes hold here too.
        let reader = Api::new(&server, &["users:read"]);
        assert_eq!(reader.call("GET", "/clients", None).0, 403);
        assert_eq!(reader.call("GET", "/organizations/acme/domains", None).0, 403);
    }
}
