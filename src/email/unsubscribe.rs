//! Signed unsubscribe links: `/unsubscribe?u=<user id>&k=<kind>&s=<signature>`. The signature
//! is an HMAC of the account and the kind under the server secret, so a link works without a
//! login, never expires, and cannot be made for another account or kind.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq as _;

use super::Kind;

fn signature(secret: &[u8], user_id: &str, kind: Kind) -> String {
    // HMAC accepts keys of any length; an empty key only happens in tests and is still a key.
    let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(secret) else { return String::new() };
    mac.update(b"sipas/unsubscribe/v1\0");
    mac.update(user_id.as_bytes());
    mac.update(b"\0");
    mac.update(kind.code().as_bytes());
    URL_SAFE_NO_PAD.encode(&mac.finalize().into_bytes()[..20])
}

/// The unsubscribe URL of `user_id` for `kind`.
pub fn url(public_url: &str, secret: &[u8], user_id: &str, kind: Kind) -> String {
    format!("{public_url}/unsubscribe?u={user_id}&k={}&s={}", kind.code(), signature(secret, user_id, kind))
}

/// Whether `sig` is the signature of `user_id` and `kind`.
pub fn verify(secret: &[u8], user_id: &str, kind: Kind, sig: &str) -> bool {
    let expected = signature(secret, user_id, kind);
    !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(sig.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_verify_only_for_their_account_and_kind() {
        let secret = b"a-secret-key-that-is-long-enough-for-tests";
        let link = url("https://k.example.vn", secret, "u1", Kind::Digest);
        let sig = link.rsplit_once("&s=").unwrap().1;
        assert!(link.starts_with("https://k.example.vn/unsubscribe?u=u1&k=digest&s="));
        assert!(verify(secret, "u1", Kind::Digest, sig));
        assert!(!verify(secret, "u2", Kind::Digest, sig));
        assert!(!verify(secret, "u1", Kind::IndexAlert, sig));
        assert!(!verify(b"another-secret-key-of-enough-length!!", "u1", Kind::Digest, sig));
        assert!(!verify(secret, "u1", Kind::Digest, ""));
    }
}
