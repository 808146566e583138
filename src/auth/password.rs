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
use argon2::Argon2;
use std::sync::{Arc, Mutex};
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
    /// `workers` threads (0: one per core); `workers + queue` jobs at most, running or waiting.
    pub fn new(workers: usize, queue: usize) -> Self {
        let workers = if workers == 0 {
            std::thread::available_parallelism().map_or(2, |n| n.get())
        } else {
            workers
        };
        let (jobs, rx) = std::sync::mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..workers {
            let rx = rx.clone();
            let _ = std::thread::Builder::new()
                .name(format!("hxgw-password-{i}"))
                .spawn(move || loop {
                    let job = match rx.lock() {
                        Ok(r) => r.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                });
        }
        Self {
            slots: Arc::new(Semaphore::new(workers + queue)),
            jobs,
        }
    }

    /// Runs `f` on the pool; `Busy` at once when every slot is taken. The slot is held until
    /// `f` has run, even if the caller went away, so abandoned requests still count.
    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Busy> {
        let slot = self.slots.clone().try_acquire_owned().map_err(|_| Busy)?;
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = tx.send(f());
            drop(slot);
        });
        self.jobs.send(job).map_err(|_| Busy)?;
        rx.await.map_err(|_| Busy)
    }

    /// [`verify`] on the pool.
    pub async fn verify(&self, phc: String, password: String) -> Result<bool, Busy> {
        self.run(move || verify(&phc, &password)).await
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
