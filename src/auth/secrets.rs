//! Client secrets at rest: encrypted with AES-256-GCM under a master key that never
//! touches the database. Also generation of new secrets and ops tokens.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretBox, SecretString};
use sha2::{Digest, Sha256};
use std::path::Path;

const NONCE_LEN: usize = 12;

/// The 32-byte master key. Its `Debug` never shows the key.
pub struct MasterKey(SecretBox<[u8; 32]>);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey([REDACTED])")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("HXGW_MASTER_KEY must be 64 hex characters (32 bytes)")]
    BadHex,
    #[error("master key file {path}: {source}")]
    File {
        path: String,
        source: std::io::Error,
    },
    #[error("a stored secret could not be decrypted: wrong master key or corrupted row")]
    Decrypt,
}

/// Where the master key came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    Environment,
    /// The development key file (created now when `created`).
    DevelopmentFile {
        path: std::path::PathBuf,
        created: bool,
    },
}

impl KeySource {
    /// Logs the loud development-only warning, when there is one.
    pub fn warn_if_development(&self) {
        if let KeySource::DevelopmentFile { path, created } = self {
            tracing::warn!(
                path = %path.display(),
                created,
                "HXGW_MASTER_KEY is not set: client secrets are encrypted with a DEVELOPMENT key file. \
                 Set HXGW_MASTER_KEY (64 hex characters) in production."
            );
        }
    }
}

impl MasterKey {
    /// Parses 64 hex characters.
    pub fn from_hex(s: &str) -> Result<Self, KeyError> {
        let bytes = hex::decode(s.trim()).map_err(|_| KeyError::BadHex)?;
        let arr: [u8; 32] = bytes.try_into().map_err(|_| KeyError::BadHex)?;
        Ok(Self(SecretBox::new(Box::new(arr))))
    }

    /// The key from `HXGW_MASTER_KEY`, or else from `<data_dir>/master.key`, created on first use.
    /// The second is for development only; the returned source lets the caller say so loudly.
    pub fn load(env_value: Option<&str>, data_dir: &Path) -> Result<(Self, KeySource), KeyError> {
        if let Some(hex) = env_value.filter(|v| !v.is_empty()) {
            return Ok((Self::from_hex(hex)?, KeySource::Environment));
        }
        let path = data_dir.join("master.key");
        let file_err = |source| KeyError::File {
            path: path.display().to_string(),
            source,
        };
        let created = !path.exists();
        if created {
            std::fs::create_dir_all(data_dir).map_err(file_err)?;
            let mut key = [0u8; 32];
            rand::thread_rng().fill_bytes(&mut key);
            write_private(&path, hex::encode(key).as_bytes()).map_err(file_err)?;
        }
        let text = std::fs::read_to_string(&path).map_err(file_err)?;
        Ok((
            Self::from_hex(&text)?,
            KeySource::DevelopmentFile { path, created },
        ))
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(self.0.expose_secret()))
    }

    /// HMAC-SHA256 (hex) of `msg` under a key derived from the master key: signs download links.
    pub fn mac_hex(&self, msg: &str) -> String {
        use hmac::{Hmac, Mac};
        let derived = Sha256::new()
            .chain_update(b"hongxun-gateway download links")
            .chain_update(self.0.expose_secret())
            .finalize();
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&derived)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(msg.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// Encrypts a client secret: random nonce followed by ciphertext and tag.
    pub fn encrypt(&self, plain: &str) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::thread_rng().fill_bytes(&mut nonce);
        let ct = self
            .cipher()
            .encrypt(Nonce::from_slice(&nonce), plain.as_bytes())
            .unwrap_or_else(|_| unreachable!("AES-GCM encryption of a short secret cannot fail"));
        let mut out = nonce.to_vec();
        out.extend(ct);
        out
    }

    /// Decrypts what [`MasterKey::encrypt`] produced.
    pub fn decrypt(&self, blob: &[u8]) -> Result<SecretString, KeyError> {
        if blob.len() <= NONCE_LEN {
            return Err(KeyError::Decrypt);
        }
        let (nonce, ct) = blob.split_at(NONCE_LEN);
        let plain = self
            .cipher()
            .decrypt(Nonce::from_slice(nonce), ct)
            .map_err(|_| KeyError::Decrypt)?;
        String::from_utf8(plain)
            .map(SecretString::from)
            .map_err(|_| KeyError::Decrypt)
    }
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(bytes)
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

/// A new client secret: 40 hex characters (160 random bits).
pub fn generate_secret() -> String {
    let mut b = [0u8; 20];
    rand::thread_rng().fill_bytes(&mut b);
    hex::encode(b)
}

/// A new ops bearer token. Only its hash is stored.
pub fn generate_ops_token() -> String {
    let mut b = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut b);
    format!("hxops_{}", hex::encode(b))
}

/// The stored form of an ops token.
pub fn hash_token(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// [`hash_token`] as hex text, for tables that key on it (console sessions, 3TMS tokens).
pub fn hash_token_hex(token: &str) -> String {
    hex::encode(hash_token(token))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> MasterKey {
        MasterKey::from_hex(&"ab".repeat(32)).unwrap()
    }

    #[test]
    fn secrets_round_trip_and_ciphertexts_differ() {
        let k = key();
        let a = k.encrypt("s3cr3t");
        let b = k.encrypt("s3cr3t");
        assert_ne!(a, b, "a fresh nonce each time");
        assert_eq!(k.decrypt(&a).unwrap().expose_secret(), "s3cr3t");
    }

    #[test]
    fn a_wrong_key_or_tampered_blob_is_refused() {
        let blob = key().encrypt("s3cr3t");
        let other = MasterKey::from_hex(&"cd".repeat(32)).unwrap();
        assert!(other.decrypt(&blob).is_err());
        let mut bad = blob.clone();
        *bad.last_mut().unwrap() ^= 1;
        assert!(key().decrypt(&bad).is_err());
        assert!(key().decrypt(&[1, 2, 3]).is_err());
    }

    #[test]
    fn master_keys_must_be_32_bytes_of_hex() {
        assert!(MasterKey::from_hex("abcd").is_err());
        assert!(MasterKey::from_hex(&"zz".repeat(32)).is_err());
        assert!(format!("{:?}", key()).contains("REDACTED"));
    }

    #[test]
    fn generated_credentials_have_their_shape() {
        assert_eq!(generate_secret().len(), 40);
        let t = generate_ops_token();
        assert!(t.starts_with("hxops_") && t.len() == 70);
        assert_eq!(hash_token(&t).len(), 32);
    }
}
