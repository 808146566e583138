//! Passwords of accounts that sign in with one (3TMS): argon2id in the PHC string format,
//! with a random salt. Verification is constant-time inside argon2.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;

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
}
