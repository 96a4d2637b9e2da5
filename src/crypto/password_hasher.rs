//! argon2id on a bounded pool of dedicated threads.
//!
//! Each hash takes tens of milliseconds and ~19 MiB, so hashing never runs on an HTTP worker and
//! never on an unbounded pool: a fixed number of threads take jobs from a queue of fixed capacity.
//! When the queue is full the caller gets [`HashError::Overloaded`] at once (the edge answers 503
//! with `Retry-After`) instead of memory growing with the backlog.
//!
//! Passwords are NFKC-normalised before hashing and verifying (see `domain::password`).

use crate::config::Argon2Config;
use crate::domain::password::normalise;
use argon2::password_hash::{Output, ParamsString, PasswordHash, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use rand::rngs::OsRng;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, OnceLock};
use tokio::sync::oneshot;

/// Why a hash or verification did not happen.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum HashError {
    /// The queue is full; try again shortly.
    #[error("password hashing is at capacity")]
    Overloaded,
    /// The pool's threads are gone (only during shutdown).
    #[error("password hashing is unavailable")]
    Unavailable,
    /// argon2 refused the input or parameters.
    #[error("password hashing failed: {0}")]
    Failed(String),
}

/// What a verification found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verification {
    /// The password does not match (or there was no stored hash).
    Mismatch,
    /// It matches and the stored hash uses the configured parameters.
    Match,
    /// It matches, but the stored hash uses other parameters: store a new hash.
    MatchNeedsRehash,
}

enum Job {
    Hash {
        password: String,
        reply: oneshot::Sender<Result<String, HashError>>,
    },
    Verify {
        password: String,
        phc: Option<String>,
        reply: oneshot::Sender<Result<Verification, HashError>>,
    },
}

/// A handle to the hashing threads; cheap to clone.
#[derive(Clone)]
pub struct PasswordHasherPool {
    sender: SyncSender<Job>,
    queued: Arc<AtomicUsize>,
}

impl std::fmt::Debug for PasswordHasherPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordHasherPool")
            .field("queued", &self.queue_depth())
            .finish()
    }
}

/// The argon2id hasher for the configured parameters.
pub fn argon2_for(config: &Argon2Config) -> Result<Argon2<'static>, HashError> {
    let params = Params::new(
        config.memory_kib,
        config.iterations,
        config.parallelism,
        None,
    )
    .map_err(|e| HashError::Failed(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes on the calling thread, allocating its own memory; for the CLI and benchmarks.
pub fn hash_now(argon2: &Argon2<'static>, password: &str) -> Result<String, HashError> {
    HashingMemory::empty().hash(argon2, password)
}

/// The argon2 working memory of one thread, allocated once and reused for every hash, so memory
/// stays at `workers × memory_kib` however many sign-ins come (the allocator would otherwise keep
/// freed 19 MiB blocks per thread arena).
struct HashingMemory {
    blocks: Vec<Block>,
}

impl HashingMemory {
    /// No memory yet: it is allocated by the first hash, so an idle server stays small.
    fn empty() -> Self {
        Self { blocks: Vec::new() }
    }

    fn blocks_for(&mut self, count: usize) -> &mut [Block] {
        if self.blocks.len() < count {
            self.blocks.resize(count, Block::default());
        }
        &mut self.blocks[..count]
    }

    fn hash(&mut self, argon2: &Argon2<'static>, password: &str) -> Result<String, HashError> {
        let failed = |e: &dyn std::fmt::Display| HashError::Failed(e.to_string());
        let password = normalise(password);
        let salt = SaltString::generate(&mut OsRng);
        let mut salt_buffer = [0u8; 64];
        let salt_bytes = salt
            .as_salt()
            .decode_b64(&mut salt_buffer)
            .map_err(|e| failed(&e))?;
        let mut output = [0u8; Params::DEFAULT_OUTPUT_LEN];
        let blocks = self.blocks_for(argon2.params().block_count());
        argon2
            .hash_password_into_with_memory(password.as_bytes(), salt_bytes, &mut output, blocks)
            .map_err(|e| failed(&e))?;
        let phc = PasswordHash {
            algorithm: Algorithm::Argon2id.ident(),
            version: Some(Version::V0x13.into()),
            params: ParamsString::try_from(argon2.params()).map_err(|e| failed(&e))?,
            salt: Some(salt.as_salt()),
            hash: Some(Output::new(&output).map_err(|e| failed(&e))?),
        };
        Ok(phc.to_string())
    }

    /// True when `password` matches the stored argon2id hash, computed in this memory.
    fn matches(&mut self, stored: &PasswordHash<'_>, password: &[u8]) -> bool {
        let (Some(salt), Some(expected)) = (stored.salt, stored.hash) else {
            return false;
        };
        let Ok(params) = Params::try_from(stored) else {
            return false;
        };
        let version = stored
            .version
            .and_then(|v| Version::try_from(v).ok())
            .unwrap_or(Version::V0x13);
        let mut salt_buffer = [0u8; 64];
        let Ok(salt_bytes) = salt.decode_b64(&mut salt_buffer) else {
            return false;
        };
        let mut output = vec![0u8; expected.len()];
        let hasher = Argon2::new(Algorithm::Argon2id, version, params.clone());
        let blocks = self.blocks_for(params.block_count());
        hasher
            .hash_password_into_with_memory(password, salt_bytes, &mut output, blocks)
            .is_ok()
            && super::constant_time_eq(&output, expected.as_bytes())
    }

    fn verify(
        &mut self,
        argon2: &Argon2<'static>,
        dummy: &str,
        password: &str,
        phc: Option<&str>,
    ) -> Verification {
        let password = normalise(password);
        // Without a stored hash we still do the full work against a dummy, so an unknown account
        // costs the same time as a known one.
        let stored = phc.and_then(|p| PasswordHash::new(p).ok());
        let Some(stored) = stored else {
            if let Ok(dummy) = PasswordHash::new(dummy) {
                let _ = self.matches(&dummy, password.as_bytes());
            }
            return Verification::Mismatch;
        };
        let matched = if stored.algorithm == Algorithm::Argon2id.ident() {
            self.matches(&stored, password.as_bytes())
        } else {
            // argon2i / argon2d hashes imported from elsewhere: verified, then upgraded.
            Argon2::default()
                .verify_password(password.as_bytes(), &stored)
                .is_ok()
        };
        if !matched {
            return Verification::Mismatch;
        }
        let current = Params::try_from(&stored).ok();
        let wanted = argon2.params();
        let same = stored.algorithm == Algorithm::Argon2id.ident()
            && current.is_some_and(|p| {
                p.m_cost() == wanted.m_cost()
                    && p.t_cost() == wanted.t_cost()
                    && p.p_cost() == wanted.p_cost()
            });
        if same {
            Verification::Match
        } else {
            Verification::MatchNeedsRehash
        }
    }
}

fn make_dummy(argon2: &Argon2<'static>) -> String {
    hash_now(argon2, "tessera-dummy-password-for-timing").unwrap_or_default()
}

impl PasswordHasherPool {
    /// Starts the worker threads. A dummy hash, against which a missing account is verified so
    /// that it takes as long as a real one, is made by a background thread so start-up does not
    /// wait for it; a verification that needs it first waits for it.
    pub fn start(config: &Argon2Config) -> Result<Self, HashError> {
        let argon2 = argon2_for(config)?;
        let dummy: Arc<OnceLock<String>> = Arc::new(OnceLock::new());
        {
            let (argon2, dummy) = (argon2.clone(), Arc::clone(&dummy));
            std::thread::Builder::new()
                .name("argon2-dummy".into())
                .spawn(move || {
                    dummy.get_or_init(|| make_dummy(&argon2));
                })
                .map_err(|e| HashError::Failed(e.to_string()))?;
        }
        let workers = config
            .workers
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
            .max(1);
        let (sender, receiver) = sync_channel::<Job>(config.queue_capacity);
        let receiver = Arc::new(std::sync::Mutex::new(receiver));
        let queued = Arc::new(AtomicUsize::new(0));
        for index in 0..workers {
            let receiver = Arc::clone(&receiver);
            let queued = Arc::clone(&queued);
            let argon2 = argon2.clone();
            let dummy = Arc::clone(&dummy);
            std::thread::Builder::new()
                .name(format!("argon2-{index}"))
                .spawn(move || {
                    let mut memory = HashingMemory::empty();
                    loop {
                        let job = match receiver.lock() {
                            Ok(guard) => guard.recv(),
                            Err(_) => return,
                        };
                        let Ok(job) = job else { return };
                        queued.fetch_sub(1, Ordering::SeqCst);
                        match job {
                            Job::Hash { password, reply } => {
                                let _ = reply.send(memory.hash(&argon2, &password));
                            }
                            Job::Verify {
                                password,
                                phc,
                                reply,
                            } => {
                                let dummy = dummy.get_or_init(|| make_dummy(&argon2));
                                let _ = reply.send(Ok(memory.verify(
                                    &argon2,
                                    dummy,
                                    &password,
                                    phc.as_deref(),
                                )));
                            }
                        }
                    }
                })
                .map_err(|e| HashError::Failed(e.to_string()))?;
        }
        Ok(Self { sender, queued })
    }

    /// Jobs waiting for a thread (the `password_hash_queue_depth` metric).
    pub fn queue_depth(&self) -> usize {
        self.queued.load(Ordering::SeqCst)
    }

    fn submit(&self, job: Job) -> Result<(), HashError> {
        self.queued.fetch_add(1, Ordering::SeqCst);
        match self.sender.try_send(job) {
            Ok(()) => Ok(()),
            Err(e) => {
                self.queued.fetch_sub(1, Ordering::SeqCst);
                Err(match e {
                    TrySendError::Full(_) => HashError::Overloaded,
                    TrySendError::Disconnected(_) => HashError::Unavailable,
                })
            }
        }
    }

    /// Hashes a new password into a PHC string.
    pub async fn hash(&self, password: &str) -> Result<String, HashError> {
        let (reply, answer) = oneshot::channel();
        self.submit(Job::Hash {
            password: password.to_string(),
            reply,
        })?;
        answer.await.map_err(|_| HashError::Unavailable)?
    }

    /// Checks a password against a stored PHC string, or against a dummy when there is none.
    pub async fn verify(
        &self,
        password: &str,
        phc: Option<&str>,
    ) -> Result<Verification, HashError> {
        let (reply, answer) = oneshot::channel();
        self.submit(Job::Verify {
            password: password.to_string(),
            phc: phc.map(str::to_string),
            reply,
        })?;
        answer.await.map_err(|_| HashError::Unavailable)?
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::PasswordHasher;

    fn small() -> Argon2Config {
        Argon2Config {
            memory_kib: 1024,
            iterations: 1,
            parallelism: 1,
            ..Argon2Config::default()
        }
    }

    fn memory(config: &Argon2Config) -> (Argon2<'static>, HashingMemory, String) {
        let argon2 = argon2_for(config).unwrap_or_default();
        let memory = HashingMemory::empty();
        let dummy = hash_now(&argon2, "dummy").unwrap_or_default();
        (argon2, memory, dummy)
    }

    #[test]
    fn our_hashes_are_standard_phc_strings() {
        let (argon2, mut memory, dummy) = memory(&small());
        let phc = memory.hash(&argon2, "pass word").unwrap_or_default();
        assert!(phc.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"), "{phc}");
        let parsed = PasswordHash::new(&phc).ok();
        assert!(
            parsed.is_some_and(|h| Argon2::default().verify_password(b"pass word", &h).is_ok())
        );
        assert_eq!(
            memory.verify(&argon2, &dummy, "pass word", Some(&phc)),
            Verification::Match
        );
        assert_eq!(
            memory.verify(&argon2, &dummy, "pass wordx", Some(&phc)),
            Verification::Mismatch
        );
        assert_eq!(
            memory.verify(&argon2, &dummy, "pass word", None),
            Verification::Mismatch
        );
        assert_eq!(
            memory.verify(&argon2, &dummy, "pass word", Some("garbage")),
            Verification::Mismatch
        );
    }

    #[test]
    fn passwords_are_nfkc_normalised() {
        let (argon2, mut memory, dummy) = memory(&small());
        let phc = memory.hash(&argon2, "ｐａｓｓ").unwrap_or_default();
        assert_eq!(
            memory.verify(&argon2, &dummy, "pass", Some(&phc)),
            Verification::Match
        );
    }

    #[test]
    fn other_parameters_and_variants_verify_and_ask_for_a_rehash() {
        let (argon2, mut memory, dummy) = memory(&small());
        let bigger = argon2_for(&Argon2Config {
            memory_kib: 2048,
            ..small()
        })
        .unwrap_or_default();
        let phc = hash_now(&bigger, "pass word").unwrap_or_default();
        assert_eq!(
            memory.verify(&argon2, &dummy, "pass word", Some(&phc)),
            Verification::MatchNeedsRehash
        );
        let argon2i = Argon2::new(Algorithm::Argon2i, Version::V0x13, argon2.params().clone());
        let salt = SaltString::generate(&mut OsRng);
        let imported = argon2i
            .hash_password(b"pass word", &salt)
            .map(|h| h.to_string())
            .unwrap_or_default();
        assert_eq!(
            memory.verify(&argon2, &dummy, "pass word", Some(&imported)),
            Verification::MatchNeedsRehash
        );
        assert_eq!(
            memory.verify(&argon2, &dummy, "nope", Some(&imported)),
            Verification::Mismatch
        );
    }
}
