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
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::rngs::OsRng;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{SyncSender, TrySendError, sync_channel};
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

/// Hashes on the calling thread; for the CLI and for the pool's workers.
pub fn hash_now(argon2: &Argon2<'_>, password: &str) -> Result<String, HashError> {
    let salt = SaltString::generate(&mut OsRng);
    let password = normalise(password);
    argon2
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| HashError::Failed(e.to_string()))
}

fn verify_now(argon2: &Argon2<'_>, dummy: &str, password: &str, phc: Option<&str>) -> Verification {
    let password = normalise(password);
    // Without a stored hash we still do the full work against a dummy, so an unknown account
    // costs the same time as a known one.
    let stored = phc.and_then(|p| PasswordHash::new(p).ok());
    let Some(stored) = stored else {
        if let Ok(dummy) = PasswordHash::new(dummy) {
            let _ = argon2.verify_password(password.as_bytes(), &dummy);
        }
        return Verification::Mismatch;
    };
    if Argon2::default()
        .verify_password(password.as_bytes(), &stored)
        .is_err()
    {
        return Verification::Mismatch;
    }
    let current = Params::try_from(&stored).ok();
    let wanted = argon2.params();
    let same = stored.algorithm.as_str() == "argon2id"
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

impl PasswordHasherPool {
    /// Starts the worker threads. A dummy hash is made first so that verifying against a missing
    /// account takes as long as against a real one.
    pub fn start(config: &Argon2Config) -> Result<Self, HashError> {
        let argon2 = argon2_for(config)?;
        let dummy = hash_now(&argon2, "tessera-dummy-password-for-timing")?;
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
            let dummy = dummy.clone();
            std::thread::Builder::new()
                .name(format!("argon2-{index}"))
                .spawn(move || {
                    loop {
                        let job = match receiver.lock() {
                            Ok(guard) => guard.recv(),
                            Err(_) => return,
                        };
                        let Ok(job) = job else { return };
                        queued.fetch_sub(1, Ordering::SeqCst);
                        match job {
                            Job::Hash { password, reply } => {
                                let _ = reply.send(hash_now(&argon2, &password));
                            }
                            Job::Verify {
                                password,
                                phc,
                                reply,
                            } => {
                                let _ = reply.send(Ok(verify_now(
                                    &argon2,
                                    &dummy,
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
