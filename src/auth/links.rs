//! Signed, expiring download links of sign-off images: `…/files/sign-images/{id}?expires&sig`,
//! where `sig` is an HMAC over the image id and the expiry under a key derived from the
//! master key. Links are made when a push is delivered, so each delivery's link is fresh.

use super::secrets::MasterKey;
use subtle::ConstantTimeEq;
use uuid::Uuid;

/// Makes download links: the gateway's public base URL and how long a link is valid.
pub struct Links<'a> {
    pub key: &'a MasterKey,
    pub public_base_url: &'a str,
    pub ttl_secs: u64,
}

impl Links<'_> {
    /// A link to image `id` valid until `now + ttl` (unix seconds).
    pub fn url(&self, id: Uuid, now: i64) -> String {
        let expires = now + self.ttl_secs as i64;
        let sig = self.key.mac_hex(&format!("{id}:{expires}"));
        format!(
            "{}/files/sign-images/{id}?expires={expires}&sig={sig}",
            self.public_base_url.trim_end_matches('/')
        )
    }
}

/// Whether `sig` is the signature of image `id` until `expires`, and that is not past `now`.
pub fn verify(key: &MasterKey, id: Uuid, expires: i64, sig: &str, now: i64) -> bool {
    let expected = key.mac_hex(&format!("{id}:{expires}"));
    let valid =
        expected.len() == sig.len() && bool::from(expected.as_bytes().ct_eq(sig.as_bytes()));
    valid && expires >= now
}
