//! Survey link tokens.
//!
//! A token is `base64url(HMAC-SHA256(secret, invitation id))` cut to 144 bits. Deriving it
//! (instead of drawing and storing it) lets a repeated request for the same dossier get the
//! same link back while the database only ever holds `SHA-256(token)`: a copy of the database
//! alone cannot rebuild a single link, and the secret alone cannot find one.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// Bytes of HMAC output kept: 18 bytes = 144 bits = 24 base64url characters.
const TOKEN_BYTES: usize = 18;
/// Length of a well-formed token in characters.
pub const TOKEN_LEN: usize = 24;

/// The secret part of a survey link. Never stored, never logged.
#[derive(Clone, PartialEq, Eq)]
pub struct InvitationToken(String);

impl std::fmt::Debug for InvitationToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InvitationToken(…)")
    }
}

impl InvitationToken {
    /// Derives the token of an invitation from the server secret.
    pub fn derive(secret: &[u8], invitation_id: &str) -> InvitationToken {
        // HMAC accepts keys of any length, so this cannot fail.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC takes any key length");
        mac.update(b"sipas/invitation-token/v1\0");
        mac.update(invitation_id.as_bytes());
        let bytes = mac.finalize().into_bytes();
        InvitationToken(URL_SAFE_NO_PAD.encode(&bytes[..TOKEN_BYTES]))
    }

    /// Accepts only strings that could be a token; anything else is treated as unknown
    /// without touching the database.
    pub fn parse(s: &str) -> Option<InvitationToken> {
        let ok = s.len() == TOKEN_LEN && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        ok.then(|| InvitationToken(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn hash(&self) -> TokenHash {
        TokenHash(sha256_hex(&self.0))
    }

    /// The mark a submit leaves for this link in `used_tokens`: a keyed hash that differs from
    /// [`InvitationToken::hash`], so that without the secret no used mark can be matched to its
    /// invitation (and so no response to its dossier), while the service can still tell an
    /// answered link from an open one.
    pub fn used_tag(&self, secret: &[u8]) -> String {
        keyed_hex(secret, b"sipas/used-token/v1\0", self.0.as_bytes())
    }
}

/// How a dossier code is stored: `k1:` and a keyed hash of the code (67 characters, longer
/// than any plain code may be, so the two forms cannot be confused). Minting the same dossier
/// again, and looking one up for support, hash the code given and compare.
pub fn dossier_hash(secret: &[u8], dossier_code: &str) -> String {
    format!("{DOSSIER_HASH_PREFIX}{}", keyed_hex(secret, b"sipas/dossier-code/v1\0", dossier_code.as_bytes()))
}

/// The prefix of a stored [`dossier_hash`].
pub const DOSSIER_HASH_PREFIX: &str = "k1:";
/// The length of a stored [`dossier_hash`].
pub const DOSSIER_HASH_LEN: usize = 67;

fn keyed_hex(secret: &[u8], label: &[u8], data: &[u8]) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(label);
    mac.update(data);
    hex(&mac.finalize().into_bytes())
}

/// The only form of a token that is stored: lowercase hex SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TokenHash(pub String);

/// The stored form of every bearer secret (survey-link tokens, API keys, session tokens):
/// lowercase hex SHA-256. These secrets carry ≥ 128 random bits, so a slow hash adds nothing.
pub fn sha256_hex(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// A fresh random secret of 256 bits, base64url without padding (43 characters).
pub fn random_secret() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// Lowercase hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_tokens_are_stable_and_distinct() {
        let a = InvitationToken::derive(b"secret", "id-1");
        assert_eq!(a, InvitationToken::derive(b"secret", "id-1"));
        assert_ne!(a, InvitationToken::derive(b"secret", "id-2"));
        assert_ne!(a, InvitationToken::derive(b"other", "id-1"));
        assert_eq!(a.as_str().len(), TOKEN_LEN);
        assert_eq!(InvitationToken::parse(a.as_str()), Some(a.clone()));
        assert_eq!(a.hash().0.len(), 64);
    }

    #[test]
    fn keyed_hashes_need_the_secret_and_differ_from_the_token_hash() {
        let t = InvitationToken::derive(b"secret", "id-1");
        let tag = t.used_tag(b"secret");
        assert_eq!(tag, t.used_tag(b"secret"));
        assert_ne!(tag, t.used_tag(b"other"));
        assert_ne!(tag, t.hash().0);
        assert_ne!(tag, sha256_hex(t.as_str()));
        let d = dossier_hash(b"secret", "HS-2026/001");
        assert_eq!((d.len(), &d[..3]), (DOSSIER_HASH_LEN, DOSSIER_HASH_PREFIX));
        assert_ne!(d, dossier_hash(b"other", "HS-2026/001"));
        assert_ne!(d, dossier_hash(b"secret", "HS-2026/002"));
        assert!(!d.contains("HS-2026"));
    }

    #[test]
    fn parse_rejects_malformed() {
        assert!(InvitationToken::parse("short").is_none());
        assert!(InvitationToken::parse(&"a".repeat(23)).is_none());
        assert!(InvitationToken::parse("aaaaaaaaaaaaaaaaaaaaaa/=").is_none());
    }
}
