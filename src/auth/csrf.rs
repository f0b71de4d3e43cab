//! CSRF protection: each session has a random secret; every staff form carries it in a
//! hidden field named [`FIELD`], and every POST compares it in constant time.

use subtle::ConstantTimeEq as _;

/// The form field that carries the token.
pub const FIELD: &str = "csrf";

/// A fresh random token (256 bits, URL-safe).
pub fn new_token() -> Result<String, getrandom::Error> {
    crate::domain::token::random_secret()
}

/// Whether the submitted token equals the expected one, without leaking where they differ.
pub fn matches(expected: &str, submitted: Option<&str>) -> bool {
    match submitted {
        Some(s) if !expected.is_empty() => bool::from(expected.as_bytes().ct_eq(s.as_bytes())),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compare() {
        let t = new_token().unwrap();
        assert_eq!(t.len(), 43);
        assert!(matches(&t, Some(&t)));
        assert!(!matches(&t, Some(&t[..42])));
        assert!(!matches(&t, Some("")));
        assert!(!matches(&t, None));
        assert!(!matches("", Some("")), "an empty secret never matches");
        assert_ne!(new_token().unwrap(), t);
    }
}
