//! Passwords: argon2id with explicit parameters, run off the async workers; a fixed
//! dummy hash verified for unknown users so timing does not reveal which usernames
//! exist; the password policy; generated passwords.

use std::sync::LazyLock;

use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::domain::Locale;

/// OWASP's argon2id minimum: 19 MiB, 2 passes, 1 lane (~20 ms on this machine).
const M_COST_KIB: u32 = 19 * 1024;
const T_COST: u32 = 2;
const P_COST: u32 = 1;

/// Longest password accepted; longer input is refused before hashing.
pub const MAX_LEN: usize = 256;
/// Shortest password accepted, in characters.
pub const MIN_LEN: usize = 12;

fn hasher() -> Argon2<'static> {
    // The constants are valid parameters; `Params::new` only fails outside the ranges.
    let params = Params::new(M_COST_KIB, T_COST, P_COST, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashing failed (no randomness, or a parameter error): an internal error.
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

/// The PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`) of `password`. Slow: call it from
/// a blocking thread ([`hash`] does).
pub fn hash_blocking(password: &str) -> Result<String, HashError> {
    hasher().hash_password(password.as_bytes()).map(|h| h.to_string()).map_err(|e| HashError(e.to_string()))
}

/// Whether `password` matches the PHC string. A malformed stored hash never matches.
pub fn verify_blocking(password: &str, phc: &str) -> bool {
    password.len() <= MAX_LEN && hasher().verify_password(password.as_bytes(), phc).is_ok()
}

/// A valid hash with the production parameters, of a random password nobody knows.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let mut bytes = [0u8; 24];
    let _ = getrandom::fill(&mut bytes);
    let unknown = crate::domain::token::hex(&bytes);
    hash_blocking(&unknown).unwrap_or_default()
});

/// Verifies against the stored hash, or against [`DUMMY_HASH`] when there is none, so
/// both paths cost one argon2 computation. Returns false whenever `stored` is `None`.
pub fn verify_or_dummy_blocking(password: &str, stored: Option<&str>) -> bool {
    match stored {
        Some(phc) => verify_blocking(password, phc),
        None => {
            let _ = verify_blocking(password, &DUMMY_HASH);
            false
        }
    }
}

/// [`hash_blocking`] on tokio's blocking pool.
pub async fn hash(password: String) -> Result<String, HashError> {
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .map_err(|e| HashError(format!("hashing task failed: {e}")))?
}

/// [`verify_or_dummy_blocking`] on tokio's blocking pool.
pub async fn verify_or_dummy(password: String, stored: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || verify_or_dummy_blocking(&password, stored.as_deref())).await.unwrap_or(false)
}

/// Why a new password is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyError {
    TooShort,
    TooLong,
    SameAsUsername,
}

impl PolicyError {
    pub fn message(self, locale: Locale) -> String {
        match self {
            PolicyError::TooShort => locale
                .pick("Mật khẩu phải có ít nhất 12 ký tự.", "The password must have at least 12 characters.")
                .to_owned(),
            PolicyError::TooLong => locale
                .pick("Mật khẩu không được dài quá 256 ký tự.", "The password must not be longer than 256 characters.")
                .to_owned(),
            PolicyError::SameAsUsername => locale
                .pick("Mật khẩu không được trùng với tên đăng nhập.", "The password must differ from the username.")
                .to_owned(),
        }
    }
}

/// The password policy: at least [`MIN_LEN`] characters, at most [`MAX_LEN`] bytes, and
/// not the username (in any letter case).
pub fn check_policy(username: &str, password: &str) -> Result<(), PolicyError> {
    if password.chars().count() < MIN_LEN {
        return Err(PolicyError::TooShort);
    }
    if password.len() > MAX_LEN {
        return Err(PolicyError::TooLong);
    }
    if password.trim().to_lowercase() == username.trim().to_lowercase() {
        return Err(PolicyError::SameAsUsername);
    }
    Ok(())
}

/// Letters and digits that cannot be mistaken for one another (no 0/O, 1/l/I).
const ALPHABET: &[u8] = b"23456789abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ";
/// Length of generated passwords: 20 × log2(55) ≈ 115 bits.
pub const GENERATED_LEN: usize = 20;

/// A random password from [`ALPHABET`] (rejection sampling, so every character is
/// equally likely).
pub fn generate() -> Result<String, HashError> {
    let limit = 256 - (256 % ALPHABET.len());
    let mut out = String::with_capacity(GENERATED_LEN);
    while out.len() < GENERATED_LEN {
        let mut buf = [0u8; 32];
        getrandom::fill(&mut buf).map_err(|e| HashError(format!("no randomness available: {e}")))?;
        for b in buf {
            if usize::from(b) < limit && out.len() < GENERATED_LEN {
                out.push(char::from(ALPHABET[usize::from(b) % ALPHABET.len()]));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_then_verify() {
        let phc = hash_blocking("correct horse battery").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify_blocking("correct horse battery", &phc));
        assert!(!verify_blocking("correct horse batterY", &phc));
        assert!(!verify_blocking("x", "not a phc string"));
    }

    #[test]
    fn unknown_user_path_verifies_the_dummy_and_fails() {
        assert!(DUMMY_HASH.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "same cost as real hashes");
        assert!(!verify_or_dummy_blocking("anything at all", None));
        assert!(!verify_or_dummy_blocking("", None));
        let phc = hash_blocking("a real password").unwrap();
        assert!(verify_or_dummy_blocking("a real password", Some(&phc)));
    }

    #[test]
    fn policy() {
        assert_eq!(check_policy("lan", "short"), Err(PolicyError::TooShort));
        assert_eq!(check_policy("lan", "ngắn quá mà"), Err(PolicyError::TooShort), "11 characters");
        assert_eq!(check_policy("nguyen.van.an", "Nguyen.Van.An"), Err(PolicyError::SameAsUsername));
        assert_eq!(check_policy("lan", &"x".repeat(257)), Err(PolicyError::TooLong));
        assert_eq!(check_policy("lan", "mật khẩu đủ dài"), Ok(()));
        assert!(PolicyError::TooShort.message(Locale::Vi).contains("12"));
        assert!(PolicyError::SameAsUsername.message(Locale::En).contains("username"));
    }

    #[test]
    fn generated_passwords_pass_the_policy_and_differ() {
        let a = generate().unwrap();
        let b = generate().unwrap();
        assert_eq!(a.len(), GENERATED_LEN);
        assert!(a.bytes().all(|c| ALPHABET.contains(&c)));
        assert_ne!(a, b);
        assert_eq!(check_policy("someone", &a), Ok(()));
    }
}
