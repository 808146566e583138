//! Passwords of accounts that sign in with one (3TMS): argon2id in the PHC string format,
//! with a random salt. Verification is constant-time inside argon2.
//!
//! Each hash takes about 19 MiB and tens of milliseconds, and sign-in runs before anyone is
//! known, so requests hash on [`Hasher`]: a few threads of its own with a short bounded queue.
//! When it is full a sign-in is refused at once (never queued without bound), and tokio's
//! blocking pool, which DNS lookups for pushes share, is never used for it.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use std::sync::{Arc, Mutex};
use subtle::ConstantTimeEq;
use tokio::sync::Semaphore;

/// The PHC string of a new password.
pub fn hash(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| format!("password hashing failed: {e}"))
}

/// Whether `password` is the one `phc` was made from.
pub fn verify(phc: &str, password: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

thread_local! {
    /// A hashing thread's argon2 memory, kept between hashes: a fresh 19 MiB per hash would
    /// leave the allocator's arenas ever larger under a flood.
    static BLOCKS: std::cell::RefCell<Vec<Block>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// [`verify`] with this thread's reusable argon2 memory (the hashing pool's threads).
fn verify_reusing_memory(phc: &str, password: &str) -> bool {
    let Ok(h) = PasswordHash::new(phc) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (h.salt, h.hash) else {
        return false;
    };
    let (Ok(algorithm), Ok(params)) = (Algorithm::try_from(h.algorithm), Params::try_from(&h))
    else {
        return false;
    };
    let version = h
        .version
        .map(Version::try_from)
        .transpose()
        .ok()
        .flatten()
        .unwrap_or_default();
    let mut salt_buf = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buf) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    let blocks = params.block_count();
    let argon = Argon2::new(algorithm, version, params);
    BLOCKS.with_borrow_mut(|memory| {
        if memory.len() != blocks {
            memory.clear();
            memory.resize(blocks, Block::default());
        }
        argon
            .hash_password_into_with_memory(password.as_bytes(), salt, &mut out, &mut memory[..])
            .is_ok()
            && bool::from(out.as_slice().ct_eq(expected.as_bytes()))
    })
}

/// The sign-in hashing pool is full: the caller answers "操作频繁".
#[derive(Debug, thiserror::Error)]
#[error("password hashing is busy")]
pub struct Busy;

type Job = Box<dyn FnOnce() + Send>;

/// A fixed set of hashing threads and at most `queue` waiting jobs.
pub struct Hasher {
    slots: Arc<Semaphore>,
    jobs: std::sync::mpsc::Sender<Job>,
}

impl Hasher {
    /// `workers` threads (0: half the cores, at least one); `workers + queue` jobs at most,
    /// running or waiting.
    pub fn new(workers: usize, queue: usize) -> Self {
        let workers = if workers == 0 {
            std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1))
        } else {
            workers
        };
        let (jobs, rx) = std::sync::mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..workers {
            let rx = rx.clone();
            let _ = std::thread::Builder::new()
                .name(format!("hxgw-password-{i}"))
                .spawn(move || {
                    // The lowest CPU priority (nice 19): requests, deliveries and the database
                    // go first; sign-ins take what is left, and a flood of them waits here
                    // (then is refused) instead of slowing everyone else.
                    let _ = thread_priority::set_current_thread_priority(
                        thread_priority::ThreadPriority::Min,
                    );
                    loop {
                        let job = match rx.lock() {
                            Ok(r) => r.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(),
                            Err(_) => return,
                        }
                    }
                });
        }
        Self {
            slots: Arc::new(Semaphore::new(workers + queue)),
            jobs,
        }
    }

    /// A place on the pool, or `Busy` at once when every one is taken. Taken before any other
    /// work of a sign-in, so that a refused attempt costs nothing more.
    pub fn reserve(&self) -> Result<Slot<'_>, Busy> {
        let permit = self.slots.clone().try_acquire_owned().map_err(|_| Busy)?;
        Ok(Slot {
            hasher: self,
            permit,
        })
    }

    /// Runs `f` on the pool; `Busy` at once when every slot is taken.
    #[cfg(test)]
    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Busy> {
        self.reserve()?.run(f).await
    }

    /// [`verify`] on the pool.
    pub async fn verify(&self, phc: String, password: String) -> Result<bool, Busy> {
        self.reserve()?.verify(phc, password).await
    }
}

/// A reserved place on the [`Hasher`]. It is held until its job has run, even if the caller
/// went away, so abandoned requests still count against the bound.
pub struct Slot<'a> {
    hasher: &'a Hasher,
    permit: tokio::sync::OwnedSemaphorePermit,
}

impl Slot<'_> {
    async fn run<T: Send + 'static>(
        self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Busy> {
        let slot = self.permit;
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = tx.send(f());
            drop(slot);
        });
        self.hasher.jobs.send(job).map_err(|_| Busy)?;
        rx.await.map_err(|_| Busy)
    }

    /// [`verify`] on the pool, with the worker's reusable memory.
    pub async fn verify(self, phc: String, password: String) -> Result<bool, Busy> {
        self.run(move || verify_reusing_memory(&phc, &password))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let h = hash("s3cret pässword").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify(&h, "s3cret pässword"));
        assert!(!verify(&h, "s3cret password"));
        assert!(!verify("not a hash", "x"));
        assert!(verify_reusing_memory(&h, "s3cret pässword"));
        assert!(!verify_reusing_memory(&h, "s3cret password"));
        assert!(!verify_reusing_memory("not a hash", "x"));
        // The memory is reused for the next hash, of other parameters too.
        let small = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(1024, 1, 1, None).unwrap(),
        )
        .hash_password(b"other", &SaltString::generate(&mut OsRng))
        .unwrap()
        .to_string();
        assert!(verify_reusing_memory(&small, "other"));
        assert!(verify_reusing_memory(&h, "s3cret pässword"));
        assert_ne!(h, hash("s3cret pässword").unwrap(), "salted");
    }

    #[tokio::test]
    async fn a_full_pool_refuses_at_once_and_frees_its_slots() {
        let h = Arc::new(Hasher::new(1, 1));
        let phc = hash("pw").unwrap();
        let (gate_tx, gate_rx) = std::sync::mpsc::channel::<()>();
        // Hold the one worker, then fill the one queue place.
        let held = tokio::spawn({
            let h = h.clone();
            async move { h.run(move || gate_rx.recv().is_ok()).await }
        });
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let queued = tokio::spawn({
            let (h, phc) = (h.clone(), phc.clone());
            async move { h.verify(phc, "pw".into()).await }
        });
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let t = std::time::Instant::now();
        let third = tokio::time::timeout(
            std::time::Duration::from_secs(2),
            h.verify(phc.clone(), "pw".into()),
        )
        .await
        .expect("answered at once, not queued");
        assert!(matches!(third, Err(Busy)));
        assert!(
            t.elapsed() < std::time::Duration::from_millis(50),
            "refused at once"
        );
        gate_tx.send(()).unwrap();
        assert!(held.await.unwrap().unwrap());
        assert!(queued.await.unwrap().unwrap());
        assert!(h.verify(phc, "pw".into()).await.unwrap(), "slots are freed");
    }
}
