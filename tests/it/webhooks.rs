//! Webhooks end to end on both backends: a real local receiver checks every signature (with its
//! own HMAC code, not Tessera's), fails the first tries, and still sees every event once the
//! server comes back from a restart; two server processes never send the same delivery twice;
//! a failed change writes no event; the retry window closes and a manual redelivery reopens it.

use crate::both_backends;
use crate::support::cli::Cli;
use crate::support::http_sink::{HttpSink, Received};
use crate::support::{Backend, PASSWORD, TestDb, TestServer};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tessera::config::SecretString;
use tessera::webhooks::endpoints::{self, EndpointInput};

fn master() -> SecretString {
    SecretString::new("5e".repeat(32))
}

fn start(db: &Arc<TestDb>) -> TestServer {
    TestServer::start_on(db.clone(), |c| c.master_key = Some(master()))
}

fn add_endpoint(server: &TestServer, url: &str, events: &[&str]) -> (String, String) {
    let (endpoint, secret) = server
        .block_on(endpoints::create(
            &server.state,
            EndpointInput {
                url: Some(url.to_string()),
                event_types: Some(events.iter().map(|e| e.to_string()).collect()),
                ..Default::default()
            },
        ))
        .expect("endpoint");
    (endpoint.id, secret)
}

/// Checks a request the way a receiver following the Standard Webhooks specification does.
fn verify(request: &Received, secret: &str) -> serde_json::Value {
    let id = request.header("webhook-id").expect("webhook-id");
    let timestamp = request
        .header("webhook-timestamp")
        .expect("webhook-timestamp");
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").expect("whsec_ prefix"))
        .expect("base64 secret");
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key).expect("key");
    mac.update(format!("{id}.{timestamp}.{}", request.body).as_bytes());
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    let signatures = request
        .header("webhook-signature")
        .expect("webhook-signature");
    assert!(
        signatures.split(' ').any(|s| s == expected),
        "bad signature {signatures} for {id}"
    );
    assert_eq!(
        request.header("content-type"),
        Some("application/json"),
        "{id}"
    );
    let body: serde_json::Value = serde_json::from_str(&request.body).expect("JSON body");
    assert!(body["type"].is_string() && body["timestamp"].is_string() && body["data"].is_object());
    body
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn deliveries(server: &TestServer, endpoint: &str) -> Vec<endpoints::Delivery> {
    server
        .block_on(endpoints::deliveries(
            &server.state,
            endpoint,
            None,
            None,
            1000,
        ))
        .expect("deliveries")
}

both_backends! {
    fn events_are_signed_retried_and_delivered_across_a_restart(backend) {
        let db = Arc::new(TestDb::new(backend));
        // The receiver fails the first three tries (two 5xx and a 429), then accepts.
        let sink = HttpSink::start(&[500, 503, 429]);
        let first = start(&db);
        let (endpoint, secret) = add_endpoint(&first, &format!("{}/hooks", sink.base), &[]);
        first.create_user("ada@example.com", PASSWORD);
        let org = first
            .block_on(tessera::organizations::create(&first.state, tessera::organizations::NewOrganization {
                name: "Acme".into(),
                owner: Some("ada@example.com".into()),
                ..Default::default()
            }))
            .expect("org");
        // user.created, organization.created, organizationMembership.created: each tried once.
        let tried = sink.wait_for(3);
        for request in &tried {
            verify(request, &secret);
        }
        wait_until("three failed tries recorded", || {
            deliveries(&first, &endpoint).iter().all(|d| d.attempts == 1 && d.state == "pending")
        });
        drop(first);

        // While no server runs, the CLI changes something: the event waits in the outbox.
        let cli = Cli::on(db.clone());
        let run = cli.run(&["org", "update", &org.slug, "--name", "Acme Corp"], None);
        assert_eq!(run.code, 0, "{}", run.stderr);

        let second = start(&db);
        second.clock.advance(60);
        wait_until("every event delivered", || {
            let all = deliveries(&second, &endpoint);
            all.len() == 4 && all.iter().all(|d| d.state == "delivered")
        });
        let received = sink.received();
        let mut by_id: BTreeMap<String, Vec<serde_json::Value>> = BTreeMap::new();
        for request in &received {
            let body = verify(request, &secret);
            by_id.entry(request.header("webhook-id").expect("id").to_string()).or_default().push(body);
        }
        let types: BTreeSet<String> = by_id.values().map(|b| b[0]["type"].as_str().unwrap_or_default().to_string()).collect();
        assert_eq!(
            types,
            ["organization.created", "organization.updated", "organizationMembership.created", "user.created"]
                .into_iter().map(String::from).collect::<BTreeSet<_>>()
        );
        for bodies in by_id.values() {
            assert!(bodies.windows(2).all(|w| w[0] == w[1]), "a retry sends the same body under the same id");
        }
        let updated = by_id.values().find(|b| b[0]["type"] == "organization.updated").expect("update event");
        assert_eq!(updated[0]["data"]["name"], "Acme Corp");
        let user_event = by_id.values().find(|b| b[0]["type"] == "user.created").expect("user event");
        assert_eq!(user_event[0]["data"]["email"], "ada@example.com");
        assert!(!user_event[0].to_string().contains("argon2"), "no password hash in events");

        // The log keeps every try with the receiver's status.
        let all = deliveries(&second, &endpoint);
        let retried = all.iter().find(|d| d.attempts == 2).expect("a retried delivery");
        let tries = second.block_on(endpoints::attempts(&second.state, &retried.id)).expect("attempts");
        assert_eq!(tries.len(), 2);
        assert!(tries[0].status_code.is_some_and(|s| s >= 429) && tries[0].error.is_some());
        assert_eq!(tries[1].status_code, Some(200));
        assert!(tries[1].error.is_none());
    }
}

both_backends! {
    fn sessions_and_filters(backend) {
        let server = TestServer::start_with(backend, |c| c.master_key = Some(master()));
        let sink = HttpSink::start(&[]);
        let (_, secret) = add_endpoint(&server, &format!("{}/sessions", sink.base), &["session.*"]);
        let user = server.create_user("bo@example.com", PASSWORD);
        let browser = server.browser();
        browser.sign_in("bo@example.com", PASSWORD);
        let created = sink.wait_for(1);
        let body = verify(&created[0], &secret);
        assert_eq!(body["type"], "session.created", "user.created is filtered out");
        assert_eq!(body["data"]["user_id"], user.id.as_str());
        let session_id = body["data"]["id"].as_str().expect("id").to_string();
        let out = browser.submit("/sign-out", "/sign-out", &[]);
        assert_eq!(out.location(), "/sign-in?notice=signed-out");
        let ended = sink.wait_for(2);
        let body = verify(&ended[1], &secret);
        assert_eq!(body["type"], "session.ended");
        assert_eq!(body["data"]["id"], session_id.as_str());
        assert_eq!(body["data"]["reason"], "signed_out");
    }
}

both_backends! {
    fn a_refused_change_writes_no_event(backend) {
        let server = TestServer::start_with(backend, |c| c.master_key = Some(master()));
        let sink = HttpSink::start(&[]);
        let (endpoint, _) = add_endpoint(&server, &format!("{}/h", sink.base), &["organizationMembership.*"]);
        server.create_user("ada@example.com", PASSWORD);
        let state = &server.state;
        server
            .block_on(tessera::organizations::create(state, tessera::organizations::NewOrganization {
                name: "Solo".into(),
                owner: Some("ada@example.com".into()),
                ..Default::default()
            }))
            .expect("org");
        let refused = server.block_on(tessera::organizations::remove_member(state, "solo", "ada@example.com"));
        assert!(matches!(refused, Err(tessera::organizations::OrgError::LastAdmin)));
        let refused = server.block_on(tessera::organizations::set_member_role(state, "solo", "ada@example.com", "member"));
        assert!(matches!(refused, Err(tessera::organizations::OrgError::LastAdmin)));
        wait_until("the one event delivered", || deliveries(&server, &endpoint).iter().all(|d| d.state == "delivered"));
        let all = deliveries(&server, &endpoint);
        assert_eq!(all.len(), 1, "only the membership that was created: {all:?}");
        assert_eq!(all[0].event_type, "organizationMembership.created");
    }
}

/// Writes `count` `user.updated` events due at `at` (ahead of the servers' clocks, so their own
/// workers leave them alone).
fn emit_due_at(server: &TestServer, at: i64, count: usize) {
    server
        .state
        .db
        .run_blocking(|conn| {
            tessera::storage::write_transaction(conn, |c| {
                for i in 0..count {
                    tessera::webhooks::emit_in(
                        c,
                        at,
                        "user.updated",
                        serde_json::json!({ "n": i }),
                    )?;
                }
                Ok::<_, tessera::storage::StorageError>(())
            })
        })
        .expect("emit");
}

both_backends! {
    fn claims_are_exclusive_and_a_late_worker_cannot_move_a_delivery_on(backend) {
        let server = TestServer::start_with(backend, |c| c.master_key = Some(master()));
        let (endpoint, _) = add_endpoint(&server, "https://hooks.example.com/never-called", &[]);
        let at = tessera::clock::Clock::now(&server.clock) + 100_000;
        emit_due_at(&server, at, 40);

        // Four workers claim at the same instant, in small batches, on their own connections.
        let claimed: Vec<Vec<String>> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..4)
                .map(|w| {
                    let db = server.state.db.clone();
                    scope.spawn(move || {
                        let mut mine = Vec::new();
                        loop {
                            let got = db
                                .run_blocking(|c| tessera::storage::webhooks::claim_due(c, at, 60, 3, &format!("w{w}")))
                                .expect("claim");
                            if got.is_empty() {
                                return mine;
                            }
                            mine.extend(got.into_iter().map(|g| g.delivery.id));
                        }
                    })
                })
                .collect();
            workers.into_iter().map(|w| w.join().expect("worker")).collect()
        });
        let all: Vec<&String> = claimed.iter().flatten().collect();
        let distinct: BTreeSet<&String> = all.iter().copied().collect();
        assert_eq!(all.len(), 40, "every due delivery claimed once: {claimed:?}");
        assert_eq!(distinct.len(), 40, "no delivery claimed twice");

        let db = &server.state.db;
        let claim = |now: i64, token: &str| {
            db.run_blocking(|c| tessera::storage::webhooks::claim_due(c, now, 60, 100, token)).expect("claim")
        };
        assert!(claim(at + 59, "early").is_empty(), "held deliveries are not claimed again");
        // A claim that ran out is taken over; the old holder's late result does not count.
        let taken = claim(at + 61, "new");
        assert_eq!(taken.len(), 40);
        let first = &taken[0].delivery;
        let old_token = claimed.iter().position(|ids| ids.contains(&first.id)).map(|w| format!("w{w}")).expect("old holder");
        let outcome = |state: &'static str| tessera::storage::webhooks::Outcome {
            attempt: tessera::storage::webhooks::AttemptRow {
                id: uuid::Uuid::now_v7().to_string(),
                delivery_id: first.id.clone(),
                attempted_at: at + 62,
                status_code: Some(200),
                error: None,
                response_excerpt: None,
                duration_ms: 1,
            },
            state,
            next_attempt_at: at + 62,
        };
        let late = db.run_blocking(|c| tessera::storage::webhooks::finish_attempt(c, &outcome("delivered"), &old_token)).expect("finish");
        assert!(!late, "a stale claim cannot move the delivery on");
        // (The server's clock is far behind `at`, so the claim still holds for it.)
        assert!(
            matches!(
                server.block_on(endpoints::redeliver(&server.state, &first.id)),
                Err(endpoints::WebhookError::Busy)
            ),
            "redelivery waits for the holder"
        );
        let current = db.run_blocking(|c| tessera::storage::webhooks::finish_attempt(c, &outcome("delivered"), "new")).expect("finish");
        assert!(current);
        let log = server.block_on(endpoints::attempts(&server.state, &first.id)).expect("log");
        assert_eq!(log.len(), 2, "both tries are in the log");

        // A disabled endpoint's backlog waits, pending, and resumes when it is enabled again.
        let toggle = |disabled: bool| {
            server
                .block_on(endpoints::update(&server.state, &endpoint, EndpointInput { disabled: Some(disabled), ..Default::default() }))
                .expect("toggle")
        };
        toggle(true);
        assert!(claim(at + 200, "off").is_empty());
        toggle(false);
        assert_eq!(claim(at + 200, "on").len(), 39);
    }
}

both_backends! {
    fn retries_end_after_a_day_and_redelivery_reopens(backend) {
        let server = TestServer::start_with(backend, |c| c.master_key = Some(master()));
        // Refuses every try until the test lets it through (the script runs out after 3).
        let sink = HttpSink::start(&[500, 500, 500]);
        let (endpoint, secret) = add_endpoint(&server, &format!("{}/down", sink.base), &[]);
        server.create_user("cy@example.com", PASSWORD);
        sink.wait_for(1);
        wait_until("first try recorded", || deliveries(&server, &endpoint)[0].attempts == 1);
        let delivery = deliveries(&server, &endpoint).remove(0);
        assert_eq!(delivery.next_attempt_at, Some(delivery.created_at + 5), "first wait is 5 s");
        // A day later, one last try fails and the delivery is given up.
        server.clock.advance(24 * 3600 + 1);
        wait_until("given up", || deliveries(&server, &endpoint)[0].state == "failed");
        let failed = deliveries(&server, &endpoint).remove(0);
        assert_eq!(failed.attempts, 2);
        assert_eq!(failed.next_attempt_at, None);
        assert_eq!(failed.last_status, Some(500));
        server.clock.advance(3600);
        std::thread::sleep(Duration::from_millis(500));
        assert_eq!(deliveries(&server, &endpoint)[0].attempts, 2, "a failed delivery is not retried");

        // An operator sends it again with a fresh backoff: the third try is refused, the fourth
        // (5 s later) lands, under the same id.
        server.block_on(endpoints::redeliver(&server.state, &failed.id)).expect("redeliver");
        wait_until("third try", || sink.received().len() == 3);
        wait_until("third try recorded", || deliveries(&server, &endpoint)[0].attempts == 1);
        server.clock.advance(5);
        wait_until("delivered", || deliveries(&server, &endpoint)[0].state == "delivered");
        let received = sink.received();
        assert_eq!(received.len(), 4);
        let ids: BTreeSet<&str> = received.iter().filter_map(|r| r.header("webhook-id")).collect();
        assert_eq!(ids.len(), 1);
        let log = server.block_on(endpoints::attempts(&server.state, &failed.id)).expect("log");
        assert_eq!(log.len(), 4, "the log keeps every try across the redelivery");
        verify(&received[3], &secret);
        assert!(matches!(
            server.block_on(endpoints::redeliver(&server.state, "nope")),
            Err(endpoints::WebhookError::NotFound(_))
        ));
    }
}

both_backends! {
    fn webhook_commands(backend) {
        let cli = Cli::new(backend);
        let add = cli.run(&["webhook", "add", "--url", "https://hooks.example.com/t", "--event", "user.*", "--event", "organization.created", "--json"], None);
        assert_eq!(add.code, 0, "{}", add.stderr);
        let made = add.json();
        let id = made["id"].as_str().expect("id").to_string();
        assert!(made["secret"].as_str().is_some_and(|s| s.starts_with("whsec_") && s.len() > 40));
        assert_eq!(made["event_types"], serde_json::json!(["user.*", "organization.created"]));
        let listed = cli.run(&["webhook", "list", "--json"], None);
        assert!(!listed.stdout.contains("whsec_"), "the secret is shown once");
        assert_eq!(listed.json().as_array().map(Vec::len), Some(1));
        let rotated = cli.run(&["webhook", "rotate-secret", &id, "--json"], None).json();
        assert_ne!(rotated["secret"], made["secret"]);
        let updated = cli.run(&["webhook", "update", &id, "--all-events", "--disable", "--json"], None);
        assert_eq!(updated.code, 0, "{}", updated.stderr);
        assert_eq!(updated.json()["event_types"], serde_json::json!([]));
        assert_eq!(updated.json()["disabled"], true);
        assert_eq!(cli.run(&["webhook", "deliveries", &id, "--json"], None).json(), serde_json::json!([]));

        // Bad input: exit 5 (invalid) or 3 (not found), with nothing stored.
        for url in ["http://hooks.example.com/t", "ftp://hooks.example.com", "not a url", "https://h.example.com/#frag", ""] {
            let run = cli.run(&["webhook", "add", "--url", url, "--json"], None);
            assert_eq!(run.code, 5, "{url}: {}", run.stderr);
            assert_eq!(run.error_json()["error"]["field"], "url", "{url}");
        }
        for event in ["user.exploded", "nope.*", "*", "user."] {
            let run = cli.run(&["webhook", "add", "--url", "https://h.example.com", "--event", event, "--json"], None);
            assert_eq!(run.code, 5, "{event}: {}", run.stderr);
        }
        assert_eq!(cli.run(&["webhook", "list", "--json"], None).json().as_array().map(Vec::len), Some(1));
        assert_eq!(cli.run(&["webhook", "show", "ep_nope"], None).code, 3);
        assert_eq!(cli.run(&["webhook", "deliveries", &id, "--state", "lost"], None).code, 5);
        assert_eq!(cli.run(&["webhook", "redeliver", "nope"], None).code, 3);
        assert_eq!(cli.run(&["webhook", "attempts", "nope"], None).code, 3);
        let deleted = cli.run(&["webhook", "delete", &id], None);
        assert_eq!(deleted.code, 0, "{}", deleted.stderr);
        assert_eq!(cli.run(&["webhook", "list", "--json"], None).json(), serde_json::json!([]));
        let audit = cli.run(&["audit", "list", "--action", "webhook.", "--json"], None).json();
        assert_eq!(audit.as_array().map(Vec::len), Some(4), "{audit}");
    }
}

#[test]
fn a_disabled_endpoint_gets_nothing_new() {
    let server = TestServer::start_with(Backend::Sqlite, |c| c.master_key = Some(master()));
    let sink = HttpSink::start(&[]);
    let (endpoint, _) = add_endpoint(&server, &format!("{}/off", sink.base), &[]);
    server
        .block_on(endpoints::update(
            &server.state,
            &endpoint,
            EndpointInput {
                disabled: Some(true),
                ..Default::default()
            },
        ))
        .expect("disable");
    server.create_user("dee@example.com", PASSWORD);
    std::thread::sleep(Duration::from_millis(500));
    assert!(deliveries(&server, &endpoint).is_empty());
    assert!(sink.received().is_empty());
}
