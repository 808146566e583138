//! What every request handler and background worker can reach: the pool, settings, keys, the
//! in-memory identities and rate counts, the audit sink, the clock.

use crate::audit::AuditSink;
use crate::auth::cache::IdentityCache;
use crate::auth::secrets::MasterKey;
use crate::auth::tally::RateTally;
use crate::config::Settings;
use sqlx::PgPool;
use std::ops::Deref;
use std::sync::Arc;

pub struct App {
    /// This process's id (a UUID made at start): logged at start, recorded on push attempts.
    pub instance: String,
    pub db: PgPool,
    /// The write path: `db` and the one-statement calls' sessions (`startup::write_path`).
    pub writes: crate::store::sessions::Writes,
    pub settings: Settings,
    pub key: MasterKey,
    pub audit: AuditSink,
    pub clock: Clock,
    pub identities: Arc<IdentityCache>,
    pub rates: RateTally,
    /// Password hashing for sign-ins, bounded (auth::password).
    pub passwords: crate::auth::password::Hasher,
}

impl App {
    /// The stored identities as the doors check them: the pool, the master key, the cache.
    pub fn known_identities(&self) -> crate::auth::Identities<'_> {
        crate::auth::Identities {
            pool: &self.db,
            key: &self.key,
            cache: &self.identities,
        }
    }
}

/// Where "now" comes from: the system clock, or a fixed instant in tests that replay
/// signed examples with old timestamps.
#[derive(Debug, Clone, Copy)]
pub enum Clock {
    System,
    Fixed(chrono::DateTime<chrono::Utc>),
}

impl Clock {
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        match self {
            Clock::System => chrono::Utc::now(),
            Clock::Fixed(t) => *t,
        }
    }
}

#[derive(Clone)]
pub struct AppState(pub Arc<App>);

impl Deref for AppState {
    type Target = App;
    fn deref(&self) -> &App {
        &self.0
    }
}
