//! A real Tessera server on a loopback port, in its own thread, with a manual clock.

use super::browser::Browser;
use super::db::{Backend, TestDb};
use std::future::Future;
use std::net::TcpListener;
use std::sync::Arc;
use tessera::app::AppState;
use tessera::clock::ManualClock;
use tessera::config::Config;
use tessera::mail::{DevMailbox, Mailer};

/// A running server and what a test needs to drive it.
pub struct TestServer {
    pub base_url: String,
    pub clock: ManualClock,
    pub state: AppState,
    pub db: Arc<TestDb>,
    handle: actix_web::dev::ServerHandle,
    thread: Option<std::thread::JoinHandle<()>>,
    _data_dir: tempfile::TempDir,
}

/// The configuration tests start from: development mode on a loopback issuer, one HTTP worker,
/// OWASP argon2 parameters.
pub fn test_config(db: &TestDb, data_dir: &std::path::Path, port: u16) -> Config {
    let mut config = Config {
        issuer: format!("http://127.0.0.1:{port}"),
        bind: format!("127.0.0.1:{port}"),
        database_url: Some(db.url().to_string()),
        data_dir: data_dir.to_path_buf(),
        http_workers: Some(1),
        ..Config::default()
    };
    config.argon2.workers = Some(2);
    config.database.pool_size = 4;
    config.database.connect_timeout_seconds = 2;
    config
}

impl TestServer {
    /// A server on a fresh database.
    pub fn start(backend: Backend) -> Self {
        Self::start_with(backend, |_| {})
    }

    /// A server on a fresh database, with configuration changes.
    pub fn start_with(backend: Backend, configure: impl FnOnce(&mut Config)) -> Self {
        Self::start_on(Arc::new(TestDb::new(backend)), configure)
    }

    /// A server on an existing database (several servers can share one).
    pub fn start_on(db: Arc<TestDb>, configure: impl FnOnce(&mut Config)) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let data_dir = tempfile::tempdir().expect("temp dir");
        let mut config = test_config(&db, data_dir.path(), port);
        configure(&mut config);
        config.validate().expect("valid test config");
        let base_url = format!("http://127.0.0.1:{port}");
        let clock = ManualClock::starting_now();
        let state = AppState::build(config, Arc::new(clock.clone())).expect("state");
        tessera::storage::migrations::run_pending(&state.db).expect("migrations");
        state
            .keys
            .ensure(&state.db, tessera::clock::Clock::now(&clock))
            .expect("signing keys");
        let (tx, rx) = std::sync::mpsc::channel();
        let server_state = state.clone();
        let thread = std::thread::spawn(move || {
            let system = actix_web::rt::System::new();
            system.block_on(async move {
                actix_web::rt::spawn(tessera::oidc::backchannel::deliver_forever(
                    server_state.clone(),
                    std::time::Duration::from_millis(200),
                ));
                actix_web::rt::spawn(tessera::webhooks::worker::deliver_forever(
                    server_state.clone(),
                    std::time::Duration::from_millis(200),
                ));
                let server = tessera::server::serve(server_state, listener).expect("serve");
                let _ = tx.send(server.handle());
                let _ = server.await;
            });
        });
        let handle = rx.recv().expect("server handle");
        Self {
            base_url,
            clock,
            state,
            db,
            handle,
            thread: Some(thread),
            _data_dir: data_dir,
        }
    }

    /// A new browser (its own cookies) pointed at this server.
    pub fn browser(&self) -> Browser {
        Browser::new(&self.base_url)
    }

    /// The development mailbox.
    pub fn mailbox(&self) -> DevMailbox {
        match &self.state.mailer {
            Mailer::Directory(dir) => dir.clone(),
            Mailer::Smtp(_) => panic!("this test server sends mail over SMTP"),
        }
    }

    /// Runs an async account operation against this server's state.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(future)
    }

    /// Creates a user with a password and a verified email through the admin operation.
    pub fn create_user(&self, email: &str, password: &str) -> tessera::domain::User {
        self.block_on(tessera::accounts::admin::create_user(
            &self.state,
            tessera::accounts::admin::NewUserInput {
                email: email.to_string(),
                password: Some(password.to_string()),
                verified: true,
                ..Default::default()
            },
        ))
        .expect("create user")
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
