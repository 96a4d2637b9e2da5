//! Storage on both backends: constraints, atomic single use, counters under concurrency,
//! transactions that leave nothing half-written, migrations.

use crate::both_backends;
use crate::support::{Backend, TestDb};
use std::sync::Arc;
use tessera::config::{Config, DatabaseTarget};
use tessera::crypto::SecretDigest;
use tessera::domain::{EmailAddress, User};
use tessera::storage::one_time_tokens::{self, NewToken, Purpose};
use tessera::storage::sessions::{self, SessionRecord};
use tessera::storage::{Db, StorageError, migrations, throttle_counters, users};

fn open(db: &TestDb) -> Db {
    let config = Config {
        database_url: Some(db.url().to_string()),
        ..Config::default()
    };
    let target = config.database_target();
    match (db.backend, &target) {
        (Backend::Sqlite, DatabaseTarget::Sqlite(_))
        | (Backend::Postgres, DatabaseTarget::Postgres(_)) => {}
        other => panic!("wrong target {other:?}"),
    }
    let db = Db::new(target, &config.database).expect("pool");
    migrations::run_pending(&db).expect("migrate");
    db
}

fn user(email: &str) -> User {
    User {
        has_password: true,
        public_metadata: serde_json::json!({"plan": "pro"}),
        private_metadata: serde_json::json!({"note": "vip"}),
        ..User::new(EmailAddress::parse(email).expect("email"), true, 1_000)
    }
}

fn session(user_id: &str, token: &str) -> SessionRecord {
    SessionRecord {
        id: uuid::Uuid::now_v7().to_string(),
        token_digest: SecretDigest::of(token).as_str().to_string(),
        user_id: user_id.to_string(),
        created_at: 1_000,
        last_seen_at: 1_000,
        expires_at: 10_000,
        ip: Some("127.0.0.1".into()),
        user_agent: None,
        active_organization_id: None,
    }
}

both_backends! {
    fn migrations_are_idempotent(backend) {
        let test_db = TestDb::new(backend);
        let db = open(&test_db);
        assert!(migrations::run_pending(&db).expect("again").is_empty());
    }
}

both_backends! {
    fn emails_and_usernames_are_unique(backend) {
        let test_db = TestDb::new(backend);
        let db = open(&test_db);
        db.run_blocking(|c| {
            let ada = user("ada@example.com");
            users::insert(c, &ada, Some("hash"))?;
            let found = users::find_by_email(c, &EmailAddress::parse("ADA@EXAMPLE.COM").expect("email"))?.expect("found");
            assert_eq!(found, ada, "round trip, metadata included");
            match users::insert(c, &user("ada@example.com"), None) {
                Err(StorageError::Conflict { field: "email" }) => {}
                other => panic!("expected an email conflict, got {other:?}"),
            }
            let mut named = user("grace@example.com");
            named.username = Some("grace".into());
            users::insert(c, &named, None)?;
            let mut clash = user("other@example.com");
            clash.username = Some("grace".into());
            match users::insert(c, &clash, None) {
                Err(StorageError::Conflict { field: "username" }) => {}
                other => panic!("expected a username conflict, got {other:?}"),
            }
            // Several users without a username are fine.
            users::insert(c, &user("a@example.com"), None)?;
            users::insert(c, &user("b@example.com"), None)?;
            assert_eq!(users::count(c)?, 4);
            // LIKE metacharacters in a search are literal.
            assert_eq!(users::list(c, Some("%"), None, 10)?.len(), 0);
            assert_eq!(users::list(c, Some("example.com"), None, 10)?.len(), 4);
            let page = users::list(c, None, None, 2)?;
            let next = users::list(c, None, Some(&page[1].id), 10)?;
            assert_eq!(page.len() + next.len(), 4);
            Ok(())
        }).expect("storage");
    }
}

both_backends! {
    fn deleting_a_user_takes_sessions_and_links_with_it(backend) {
        let test_db = TestDb::new(backend);
        let db = open(&test_db);
        db.run_blocking(|c| {
            let ada = user("ada@example.com");
            users::insert(c, &ada, Some("hash"))?;
            sessions::insert(c, &session(&ada.id, "t1"))?;
            let digest = SecretDigest::of("link");
            one_time_tokens::insert(c, NewToken { digest: &digest, purpose: Purpose::PasswordReset, user_id: Some(&ada.id), email: "ada@example.com", payload: None, now: 1_000, expires_at: 5_000 })?;
            users::delete(c, &ada.id)?;
            assert!(sessions::find_by_token(c, &SecretDigest::of("t1"))?.is_none());
            assert!(one_time_tokens::peek(c, &digest, Purpose::PasswordReset, 1_001)?.is_none());
            assert!(matches!(users::delete(c, &ada.id), Err(StorageError::NotFound)));
            Ok(())
        }).expect("storage");
    }
}

both_backends! {
    fn sessions_of_disabled_users_are_not_found(backend) {
        let test_db = TestDb::new(backend);
        let db = open(&test_db);
        db.run_blocking(|c| {
            let ada = user("ada@example.com");
            users::insert(c, &ada, Some("hash"))?;
            sessions::insert(c, &session(&ada.id, "t1"))?;
            assert!(sessions::find_by_token(c, &SecretDigest::of("t1"))?.is_some());
            users::set_disabled(c, &ada.id, true, 2_000)?;
            assert!(sessions::find_by_token(c, &SecretDigest::of("t1"))?.is_none());
            Ok(())
        }).expect("storage");
    }
}

both_backends! {
    fn a_failed_password_change_leaves_everything_as_it_was(backend) {
        let test_db = TestDb::new(backend);
        let db = open(&test_db);
        db.run_blocking(|c| {
            let ada = user("ada@example.com");
            users::insert(c, &ada, Some("old-hash"))?;
            sessions::insert(c, &session(&ada.id, "t1"))?;
            // Unknown user: nothing changes, nothing is deleted.
            assert!(matches!(users::set_password(c, "no-such-id", "new", None, 2_000), Err(StorageError::NotFound)));
            // An error inside a write transaction rolls back the writes before it.
            let result: Result<(), StorageError> = tessera::storage::write_transaction(c, |t| {
                sessions::delete_all_for_user(t, &ada.id)?;
                users::insert(t, &user("ada@example.com"), None)?;
                Ok(())
            });
            assert!(matches!(result, Err(StorageError::Conflict { .. })));
            assert!(sessions::find_by_token(c, &SecretDigest::of("t1"))?.is_some(), "rolled back");
            assert_eq!(users::password_hash(c, &ada.id)?.as_deref(), Some("old-hash"));
            Ok(())
        }).expect("storage");
    }
}

both_backends! {
    fn a_link_is_consumed_exactly_once_under_concurrency(backend) {
        let test_db = TestDb::new(backend);
        let db = open(&test_db);
        let digest = SecretDigest::of("the-link");
        db.run_blocking(|c| one_time_tokens::insert(c, NewToken { digest: &digest, purpose: Purpose::SignUp, user_id: None, email: "x@example.com", payload: Some("{}".into()), now: 1_000, expires_at: 5_000 })).expect("insert");
        let winners = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        std::thread::scope(|scope| {
            for _ in 0..8 {
                let (db, digest, winners) = (db.clone(), digest.clone(), winners.clone());
                scope.spawn(move || {
                    let won = db.run_blocking(|c| one_time_tokens::consume(c, &digest, Purpose::SignUp, 2_000)).expect("consume");
                    if won.is_some() {
                        winners.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    }
                });
            }
        });
        assert_eq!(winners.load(std::sync::atomic::Ordering::SeqCst), 1);
        // Purpose and expiry are checked too.
        let other = SecretDigest::of("other");
        db.run_blocking(|c| {
            one_time_tokens::insert(c, NewToken { digest: &other, purpose: Purpose::VerifyEmail, user_id: None, email: "x@example.com", payload: None, now: 1_000, expires_at: 5_000 })?;
            assert!(one_time_tokens::consume(c, &other, Purpose::PasswordReset, 2_000)?.is_none());
            assert!(one_time_tokens::consume(c, &other, Purpose::VerifyEmail, 5_000)?.is_none(), "expired");
            Ok(())
        }).expect("storage");
    }
}

both_backends! {
    fn throttle_counters_count_every_concurrent_failure(backend) {
        let test_db = TestDb::new(backend);
        let db = open(&test_db);
        std::thread::scope(|scope| {
            for _ in 0..4 {
                let db = db.clone();
                scope.spawn(move || {
                    for _ in 0..10 {
                        db.run_blocking(|c| throttle_counters::update(c, "k", |current| {
                            let mut next = current.copied().unwrap_or(tessera::domain::sign_in_throttle::FailureCounter { failures: 0, last_failure_at: 0, blocked_until: 0 });
                            next.failures += 1;
                            next
                        })).expect("update");
                    }
                });
            }
        });
        let counters = db.run_blocking(|c| throttle_counters::get_many(c, &["k".to_string()])).expect("get");
        assert_eq!(counters[0].1.failures, 40, "no lost updates");
        db.run_blocking(|c| throttle_counters::clear(c, &["k".to_string()])).expect("clear");
        assert!(db.run_blocking(|c| throttle_counters::get_many(c, &["k".to_string()])).expect("get").is_empty());
    }
}

both_backends! {
    fn the_sweep_removes_only_dead_rows(backend) {
        let test_db = TestDb::new(backend);
        let db = open(&test_db);
        db.run_blocking(|c| {
            let ada = user("ada@example.com");
            users::insert(c, &ada, None)?;
            let mut alive = session(&ada.id, "alive");
            alive.last_seen_at = 9_000;
            sessions::insert(c, &alive)?;
            let mut idle = session(&ada.id, "idle");
            idle.last_seen_at = 1_000;
            sessions::insert(c, &idle)?;
            let mut over = session(&ada.id, "over");
            over.last_seen_at = 9_500;
            over.expires_at = 9_600;
            sessions::insert(c, &over)?;
            assert_eq!(sessions::delete_dead(c, 9_700, 5_000)?, 2);
            assert!(sessions::find_by_token(c, &SecretDigest::of("alive"))?.is_some());
            Ok(())
        }).expect("storage");
    }
}
