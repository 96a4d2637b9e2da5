//! The bare cost of argon2id at the default (OWASP) parameters, m=19456 KiB, t=2, p=1: the floor
//! under which a password sign-in cannot go, measured two ways:
//! - `bare/*`: the argon2 crate as any program would call it (fresh memory for each hash);
//! - `pool/verify`: through Tessera's `PasswordHasherPool` with one worker (reused memory, a
//!   queue hop and a reply channel), which is what a sign-in pays.
//!
//! `cargo bench --bench password_hash`

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use criterion::{Criterion, criterion_group, criterion_main};
use tessera::config::Argon2Config;
use tessera::crypto::PasswordHasherPool;
use tessera::crypto::password_hasher::{Verification, argon2_for};

const PASSWORD: &str = "correct horse battery staple";

fn argon2id(c: &mut Criterion) {
    let config = Argon2Config {
        workers: Some(1),
        ..Argon2Config::default()
    };
    let Ok(argon2) = argon2_for(&config) else {
        return;
    };
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    let Ok(stored) = argon2
        .hash_password(PASSWORD.as_bytes(), &salt)
        .map(|h| h.to_string())
    else {
        return;
    };

    let mut group = c.benchmark_group("argon2id_owasp");
    group.sample_size(30);
    group.bench_function("bare/hash", |b| {
        b.iter(|| {
            let salt = SaltString::generate(&mut rand::rngs::OsRng);
            argon2.hash_password(PASSWORD.as_bytes(), &salt).is_ok()
        })
    });
    group.bench_function("bare/verify", |b| {
        b.iter(|| {
            PasswordHash::new(&stored)
                .map(|h| argon2.verify_password(PASSWORD.as_bytes(), &h).is_ok())
                .unwrap_or(false)
        })
    });
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread().build() else {
        return;
    };
    let Ok(pool) = PasswordHasherPool::start(&config) else {
        return;
    };
    group.bench_function("pool/verify", |b| {
        b.iter(|| {
            let outcome = runtime.block_on(pool.verify(PASSWORD, Some(&stored)));
            assert_eq!(outcome, Ok(Verification::Match));
        })
    });
    group.finish();
}

criterion_group!(benches, argon2id);
criterion_main!(benches);
