//! The bare cost of one argon2id hash and one verification at the configured defaults (OWASP:
//! m=19456 KiB, t=2, p=1): the floor under which a password sign-in cannot go.
//!
//! `cargo bench --bench password_hash`

use criterion::{Criterion, criterion_group, criterion_main};
use tessera::config::Argon2Config;
use tessera::crypto::password_hasher::{argon2_for, hash_now};

fn argon2id(c: &mut Criterion) {
    let config = Argon2Config::default();
    let Ok(argon2) = argon2_for(&config) else {
        return;
    };
    let Ok(stored) = hash_now(&argon2, "correct horse battery staple") else {
        return;
    };
    let mut group = c.benchmark_group("argon2id_owasp");
    group.sample_size(30);
    group.bench_function("hash", |b| {
        b.iter(|| hash_now(&argon2, "correct horse battery staple"))
    });
    group.bench_function("verify", |b| {
        use argon2::password_hash::{PasswordHash, PasswordVerifier};
        b.iter(|| {
            let parsed = PasswordHash::new(&stored).map(|h| {
                argon2
                    .verify_password(b"correct horse battery staple", &h)
                    .is_ok()
            });
            assert!(matches!(parsed, Ok(true)));
        })
    });
    group.finish();
}

criterion_group!(benches, argon2id);
criterion_main!(benches);
