//! 3TMS access and refresh tokens. A pair is derived from the master key, the account and a
//! generation number: asking for the token again gives the same pair without storing it
//! (only SHA-256 hashes are kept); a refresh moves to the next generation, and the old pair
//! stops matching at once.

use super::secrets::{hash_token_hex, MasterKey};

/// A token pair as the client sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair {
    pub access: String,
    pub refresh: String,
}

/// 32 hex digits as a UUID (`8-4-4-4-12`), the shape 3TMS tokens have.
fn uuid_shape(hex: &str) -> String {
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

pub fn derive(key: &MasterKey, client_id: i64, generation: i32) -> Pair {
    let one = |kind: &str| {
        uuid_shape(&key.mac_hex(&format!("tms-token:{kind}:{client_id}:{generation}")))
    };
    Pair {
        access: one("access"),
        refresh: one("refresh"),
    }
}

/// What is stored of a token: its SHA-256, hex.
pub fn stored(token: &str) -> String {
    hash_token_hex(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_stable_per_generation_and_distinct() {
        let key = MasterKey::from_hex(&"01".repeat(32)).unwrap();
        let a = derive(&key, 7, 1);
        assert_eq!(a, derive(&key, 7, 1));
        assert_ne!(a, derive(&key, 7, 2));
        assert_ne!(a, derive(&key, 8, 1));
        assert_ne!(a.access, a.refresh);
        assert_eq!(a.access.len(), 36);
        assert_eq!(a.access.matches('-').count(), 4);
        assert_ne!(stored(&a.access), a.access);
    }
}
