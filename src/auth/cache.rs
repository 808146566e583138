//! Identities kept in memory between calls, so a signed call costs no identity query and no
//! secret decryption. A change to `clients` (any statement: CLI, SQL by hand, another
//! gateway) fires the `hxgw_clients` notification (trigger in the migrations) and every
//! gateway listening drops its whole cache at once; `ttl` bounds staleness should a
//! notification be lost, and the cache is bypassed while the listener is not connected.
//! 3TMS access tokens are kept the same way, by their SHA-256 (never the token), with the
//! token's end: `tms_tokens` and `tms_accounts` fire the same notification (#21).

use crate::domain::client::ClientKind;
use secrecy::SecretString;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const CHANNEL: &str = "hxgw_clients";

/// An identity as the signature check needs it, secret already decrypted.
#[derive(Debug)]
pub struct KnownIdentity {
    pub id: i64,
    pub kind: Result<ClientKind, String>,
    pub create_by: String,
    pub data_source: String,
    pub active: bool,
    pub secret: SecretString,
    pub rate_limit_per_hour: Option<i32>,
    pub sandbox: bool,
}

/// How an identity was named at its door: the cache answers only that door's lookups.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Door {
    /// A signed 鸿讯 envelope: (createBy, dataSource).
    Envelope(String, String),
    /// A Qimen or OMS call: (dialect, app key, customerId as sent; `None` when absent).
    AppKey(&'static str, String, Option<String>),
}

/// The account a 3TMS access token names, and when the token ends (the store's row).
pub use crate::store::tms::TokenAccount as KnownToken;

struct Entry<V> {
    value: Arc<V>,
    fetched: Instant,
}

type Map<K, V> = Mutex<HashMap<K, Entry<V>>>;

pub struct IdentityCache {
    ttl: Duration,
    entries: Map<Door, KnownIdentity>,
    /// 3TMS access tokens by their stored hash (hex SHA-256).
    tokens: Map<String, KnownToken>,
    /// Bumped by every invalidation: a lookup started before it must not store its result.
    generation: AtomicU64,
    /// Whether changes are being heard; without that, nothing is served from memory.
    live: AtomicBool,
}

impl IdentityCache {
    /// `ttl` zero turns caching off.
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: Mutex::new(HashMap::new()),
            tokens: Mutex::new(HashMap::new()),
            generation: AtomicU64::new(0),
            live: AtomicBool::new(false),
        }
    }

    fn lock<K, V>(map: &Map<K, V>) -> std::sync::MutexGuard<'_, HashMap<K, Entry<V>>> {
        // A panic while holding the lock cannot leave the map inconsistent (single inserts).
        map.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn get_in<K, Q, V>(&self, map: &Map<K, V>, key: &Q) -> Option<Arc<V>>
    where
        K: Eq + std::hash::Hash + std::borrow::Borrow<Q>,
        Q: Eq + std::hash::Hash + ?Sized,
    {
        if self.ttl.is_zero() || !self.live.load(Ordering::Acquire) {
            return None;
        }
        let map = Self::lock(map);
        let e = map.get(key)?;
        (e.fetched.elapsed() < self.ttl).then(|| e.value.clone())
    }

    fn put_in<K: Eq + std::hash::Hash, V>(
        &self,
        map: &Map<K, V>,
        generation: u64,
        key: K,
        value: Arc<V>,
    ) {
        if self.ttl.is_zero() || !self.live.load(Ordering::Acquire) {
            return;
        }
        let mut map = Self::lock(map);
        // Checked under the map's lock: an invalidation bumps the generation before it
        // clears this map, so a value read before it is either refused here or cleared there.
        if self.generation.load(Ordering::Acquire) != generation {
            return;
        }
        map.insert(
            key,
            Entry {
                value,
                fetched: Instant::now(),
            },
        );
    }

    /// The identity if known, fresh, and changes are being heard.
    pub fn get(&self, door: &Door) -> Option<Arc<KnownIdentity>> {
        self.get_in(&self.entries, door)
    }

    /// The generation to hand back to [`IdentityCache::put`] after reading the database.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Stores an identity read while `generation` was current, unless an invalidation came since.
    pub fn put(&self, generation: u64, door: Door, identity: Arc<KnownIdentity>) {
        self.put_in(&self.entries, generation, door, identity)
    }

    /// The account of a 3TMS access token (by its stored hash), under the same rules as
    /// [`IdentityCache::get`]; whether the token has ended is the caller's check.
    pub fn get_token(&self, access_hash: &str) -> Option<Arc<KnownToken>> {
        self.get_in(&self.tokens, access_hash)
    }

    /// Stores a token's account read while `generation` was current.
    pub fn put_token(&self, generation: u64, access_hash: String, token: Arc<KnownToken>) {
        self.put_in(&self.tokens, generation, access_hash, token)
    }

    /// Forgets everything (an identity changed, or notifications may have been missed).
    pub fn invalidate(&self) {
        let mut map = Self::lock(&self.entries);
        self.generation.fetch_add(1, Ordering::AcqRel);
        map.clear();
        drop(map);
        Self::lock(&self.tokens).clear();
    }

    /// Whether the change listener is connected; going either way forgets everything.
    pub fn set_live(&self, live: bool) {
        self.invalidate();
        self.live.store(live, Ordering::Release);
    }
}

/// Listens for identity changes until `shutdown`, reconnecting after failures.
pub async fn watch(
    db: sqlx::PgPool,
    cache: Arc<IdentityCache>,
    shutdown: tokio_util::sync::CancellationToken,
) {
    loop {
        let mut listener = tokio::select! {
            _ = shutdown.cancelled() => return,
            l = crate::store::listen(&db, CHANNEL) => l,
        };
        if let Ok(l) = &mut listener {
            cache.set_live(true);
            loop {
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    n = l.try_recv() => match n {
                        Ok(Some(_)) => cache.invalidate(),
                        // The connection dropped: what was said meanwhile is lost.
                        Ok(None) | Err(_) => break,
                    },
                }
            }
        }
        cache.set_live(false);
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn door(create_by: &str) -> Door {
        Door::Envelope(create_by.into(), "ERP".into())
    }

    fn identity(create_by: &str) -> Arc<KnownIdentity> {
        Arc::new(KnownIdentity {
            id: 1,
            kind: Ok(ClientKind::Customer),
            create_by: create_by.into(),
            data_source: "ERP".into(),
            active: true,
            secret: SecretString::from("s"),
            rate_limit_per_hour: None,
            sandbox: false,
        })
    }

    #[test]
    fn serves_only_while_live_and_fresh() {
        let c = IdentityCache::new(Duration::from_secs(60));
        c.put(c.generation(), door("A"), identity("A"));
        assert!(c.get(&door("A")).is_none(), "not live yet: nothing stored");
        c.set_live(true);
        c.put(c.generation(), door("A"), identity("A"));
        assert!(c.get(&door("A")).is_some());
        c.set_live(false);
        assert!(c.get(&door("A")).is_none());
        let off = IdentityCache::new(Duration::ZERO);
        off.set_live(true);
        off.put(off.generation(), door("A"), identity("A"));
        assert!(off.get(&door("A")).is_none(), "ttl 0 disables the cache");
    }

    #[test]
    fn a_lookup_that_raced_an_invalidation_is_not_stored() {
        let c = IdentityCache::new(Duration::from_secs(60));
        c.set_live(true);
        let before = c.generation();
        c.invalidate(); // the identity changed while we were reading the old row
        c.put(before, door("A"), identity("A"));
        assert!(c.get(&door("A")).is_none());
    }

    #[test]
    fn entries_expire() {
        let c = IdentityCache::new(Duration::from_millis(1));
        c.set_live(true);
        c.put(c.generation(), door("A"), identity("A"));
        std::thread::sleep(Duration::from_millis(5));
        assert!(c.get(&door("A")).is_none());
    }
}
