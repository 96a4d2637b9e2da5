//! Operations: health and readiness, metrics, overload answers, recovery when the database comes
//! back, SMTP delivery, and the real binary's first start and graceful shutdown.

use crate::both_backends;
use crate::support::mail::wait_for_mail;
use crate::support::smtp_sink::SmtpSink;
use crate::support::tcp_proxy::TcpProxy;
use crate::support::{Backend, PASSWORD, TestDb, TestServer};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

both_backends! {
    fn health_readiness_and_metrics(backend) {
        let server = TestServer::start(backend);
        server.create_user("ada@example.com", PASSWORD);
        let browser = server.browser();
        browser.get("/healthz").assert_status(200).assert_contains("ok");
        browser.get("/readyz").assert_status(200).assert_contains("ready");
        browser.sign_in("ada@example.com", PASSWORD);
        server.browser().sign_in("ada@example.com", "wrong wrong wrong");
        let metrics = browser.get("/metrics");
        metrics.assert_status(200);
        assert!(metrics.header("content-type").unwrap_or_default().starts_with("text/plain; version=0.0.4"));
        for line in [
            "tessera_sign_ins_total{outcome=\"success\"} 1",
            "tessera_sign_ins_total{outcome=\"bad_credentials\"} 1",
            "tessera_http_requests_total{method=\"POST\",route=\"/sign-in\",status=\"303\"} 1",
            "tessera_http_request_duration_seconds_bucket{method=\"POST\",route=\"/sign-in\",status=\"303\",le=\"+Inf\"} 1",
            "tessera_password_hash_queue_depth 0",
        ] {
            metrics.assert_contains(line);
        }
        // Routes are labelled by pattern, so unknown paths do not create new series.
        browser.get("/random/path/1");
        browser.get("/random/path/2");
        browser.get("/metrics").assert_contains("route=\"unmatched\",status=\"404\"} 2");
    }
}

both_backends! {
    fn a_full_hashing_queue_answers_503_with_retry_after(backend) {
        let server = TestServer::start_with(backend, |c| {
            c.argon2.workers = Some(1);
            c.argon2.queue_capacity = 1;
            c.argon2.iterations = 12;
        });
        server.create_user("ada@example.com", PASSWORD);
        let browsers: Vec<_> = (0..8).map(|_| server.browser()).collect();
        let tokens: Vec<String> = browsers.iter().map(|b| b.get("/sign-in").csrf_token()).collect();
        let statuses: Vec<(u16, Option<String>, String)> = std::thread::scope(|scope| {
            let handles: Vec<_> = browsers.iter().zip(&tokens).map(|(b, t)| {
                scope.spawn(move || {
                    let p = b.post("/sign-in", &[("csrf_token", t), ("email", "ada@example.com"), ("password", PASSWORD)]);
                    (p.status, p.header("retry-after"), p.body)
                })
            }).collect();
            handles.into_iter().map(|h| h.join().expect("thread")).collect()
        });
        let busy: Vec<_> = statuses.iter().filter(|(s, _, _)| *s == 503).collect();
        assert!(!busy.is_empty(), "some requests must be refused: {:?}", statuses.iter().map(|s| s.0).collect::<Vec<_>>());
        assert!(statuses.iter().any(|(s, _, _)| *s == 303), "and some served");
        for (_, retry_after, body) in busy {
            assert_eq!(retry_after.as_deref(), Some("5"));
            assert!(body.contains("We are busy"), "{body}");
        }
        server.browser().get("/metrics").assert_contains("tessera_sign_ins_total{outcome=\"overloaded\"}");
    }
}

#[test]
fn the_server_recovers_when_postgresql_comes_back() {
    if !Backend::Postgres.available() {
        return;
    }
    let db = Arc::new(TestDb::new(Backend::Postgres));
    let proxy = TcpProxy::start("127.0.0.1:5432".parse().expect("addr"));
    let through_proxy = db
        .url()
        .replace("127.0.0.1:5432", &format!("127.0.0.1:{}", proxy.port));
    let server = TestServer::start_on(db, |c| c.database_url = Some(through_proxy));
    server.create_user("ada@example.com", PASSWORD);
    let browser = server.browser();
    browser.get("/readyz").assert_status(200);
    let token = browser.get("/sign-in").csrf_token();

    proxy.cut();
    browser.get("/healthz").assert_status(200);
    let ready = browser.get("/readyz");
    ready.assert_status(503);
    assert_eq!(ready.header("retry-after").as_deref(), Some("5"));
    let page = browser.post(
        "/sign-in",
        &[
            ("csrf_token", &token),
            ("email", "ada@example.com"),
            ("password", PASSWORD),
        ],
    );
    page.assert_status(503)
        .assert_contains("temporarily unavailable");
    assert!(page.header("retry-after").is_some());
    browser.get("/sign-in").assert_status(200);

    proxy.restore();
    let deadline = Instant::now() + Duration::from_secs(15);
    while browser.get("/readyz").status != 200 {
        assert!(Instant::now() < deadline, "did not recover");
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(
        browser
            .post(
                "/sign-in",
                &[
                    ("csrf_token", &token),
                    ("email", "ada@example.com"),
                    ("password", PASSWORD)
                ]
            )
            .status,
        303
    );
}

#[test]
fn mail_goes_out_over_smtp_when_configured() {
    let sink = SmtpSink::start();
    let server = TestServer::start_with(Backend::Sqlite, |c| {
        c.smtp = Some(tessera::config::SmtpConfig {
            host: "127.0.0.1".into(),
            port: sink.port,
            tls: tessera::config::SmtpTls::None,
            username: None,
            password: None,
            from: "Tessera <id@example.com>".into(),
            timeout_seconds: 5,
        });
    });
    server.create_user("ada@example.com", PASSWORD);
    server
        .browser()
        .submit(
            "/forgot-password",
            "/forgot-password",
            &[("email", "ada@example.com")],
        )
        .assert_status(200);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let received = sink.received.lock().expect("lock").clone();
        if let Some(mail) = received.first() {
            assert_eq!(mail.rcpt, vec!["ada@example.com".to_string()]);
            assert!(
                mail.data.contains("Subject: Reset your Tessera password"),
                "{}",
                mail.data
            );
            assert!(
                mail.data.contains("From: Tessera <id@example.com>"),
                "{}",
                mail.data
            );
            break;
        }
        assert!(Instant::now() < deadline, "no mail arrived over SMTP");
        std::thread::sleep(Duration::from_millis(50));
    }
    server
        .browser()
        .get("/dev/mail")
        .assert_status(200)
        .assert_contains("No mail yet.");
}

#[test]
fn development_mail_is_browsable() {
    let server = TestServer::start(Backend::Sqlite);
    server.create_user("ada@example.com", PASSWORD);
    let browser = server.browser();
    browser.submit(
        "/forgot-password",
        "/forgot-password",
        &[("email", "ada@example.com")],
    );
    let mail = &wait_for_mail(&server.mailbox(), "ada@example.com", 1)[0];
    let list = browser.get("/dev/mail");
    list.assert_contains("Reset your Tessera password");
    let page = browser.get(&format!("/dev/mail/{}", mail.id));
    page.assert_status(200)
        .assert_contains("<a href=\"http://127.0.0.1:");
}

/// Starts the real binary on an empty data directory with no configuration; returns the process,
/// its base URL, and the stderr lines it printed so far (still being collected).
pub fn spawn_binary_with(
    data: &std::path::Path,
    extra: &[&str],
) -> (
    std::process::Child,
    String,
    Arc<std::sync::Mutex<Vec<String>>>,
) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(["serve", "--bind", "127.0.0.1:0", "--data-dir"])
        .arg(data)
        .args(extra)
        .current_dir(data)
        .env_remove("TESSERA_DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    let lines = Arc::new(std::sync::Mutex::new(Vec::new()));
    let collected = lines.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(at) = line.find("listening on http://") {
                let _ = tx.send(line[at + "listening on ".len()..].trim().to_string());
            }
            if let Ok(mut all) = collected.lock() {
                all.push(line);
            }
        }
    });
    let base = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("server announced its address");
    (child, base, lines)
}

fn spawn_binary(data: &std::path::Path) -> (std::process::Child, String) {
    let (child, base, _) = spawn_binary_with(data, &[]);
    (child, base)
}

#[test]
fn json_logs_carry_the_request_id() {
    let data = tempfile::tempdir().expect("dir");
    let (mut child, base, lines) = spawn_binary_with(data.path(), &["--log-format", "json"]);
    let page = crate::support::Browser::new(&base).get("/sign-in");
    let id = page.header("x-request-id").expect("request id");
    let deadline = Instant::now() + Duration::from_secs(5);
    let found = loop {
        let logged = lines.lock().expect("lines").clone();
        let hit = logged
            .iter()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .find(|v| {
                v["span"]["request_id"] == id.as_str()
                    && v["path"] == "/sign-in"
                    && v["status"] == 200
            });
        if let Some(hit) = hit {
            break hit;
        }
        assert!(
            Instant::now() < deadline,
            "no JSON access log line with request id {id}: {logged:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(found["level"], "INFO");
    let _ = child.kill();
    let _ = child.wait();
}

both_backends! {
    fn the_sweep_removes_dead_sessions_links_and_counters(backend) {
        let server = TestServer::start_with(backend, |c| c.session.idle_timeout_seconds = 600);
        server.create_user("ada@example.com", PASSWORD);
        let browser = server.browser();
        browser.sign_in("ada@example.com", PASSWORD);
        server.browser().sign_in("ada@example.com", "wrong wrong wrong");
        browser.submit("/forgot-password", "/forgot-password", &[("email", "ada@example.com")]);
        wait_for_mail(&server.mailbox(), "ada@example.com", 1);
        let nothing = server.block_on(tessera::accounts::cleanup::sweep(&server.state)).expect("sweep");
        assert_eq!(nothing, tessera::accounts::cleanup::SweepCounts::default(), "nothing is dead yet");
        server.clock.advance(2 * 24 * 3600);
        let swept = server.block_on(tessera::accounts::cleanup::sweep(&server.state)).expect("sweep");
        assert_eq!((swept.sessions, swept.links), (1, 1));
        assert!(swept.counters >= 2, "{swept:?}");
    }
}

#[test]
fn first_start_creates_what_it_needs_and_sigterm_stops_gracefully() {
    let data = tempfile::tempdir().expect("dir");
    let (mut child, base) = spawn_binary(data.path());
    let browser = crate::support::Browser::new(&base);
    browser.get("/readyz").assert_status(200);
    browser
        .get("/sign-up")
        .assert_status(200)
        .assert_contains("Create an account");
    assert!(
        data.path().join("tessera.db").exists(),
        "embedded database created"
    );
    let key = data.path().join("secret.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode =
            |p: &std::path::Path| std::fs::metadata(p).expect("file").permissions().mode() & 0o777;
        assert_eq!(mode(&key), 0o600, "secret key is private");
        let database = data.path().join("tessera.db");
        assert_eq!(mode(&database), 0o600, "the database holds password hashes");
    }
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(exit) = child.try_wait().expect("wait") {
            assert!(exit.success(), "clean exit after SIGTERM: {exit:?}");
            break;
        }
        assert!(Instant::now() < deadline, "did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }
    // A second start reuses the same key and database.
    let before = std::fs::read_to_string(&key).expect("key");
    let (mut again, base) = spawn_binary(data.path());
    crate::support::Browser::new(&base)
        .get("/readyz")
        .assert_status(200);
    assert_eq!(std::fs::read_to_string(&key).expect("key"), before);
    let _ = again.kill();
    let _ = again.wait();
}
