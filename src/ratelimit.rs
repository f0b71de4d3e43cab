//! Rate limits keyed by survey token, API key and client address (governor, GCRA).
//! Limits per token and key come first; the per-address limit is loose on purpose,
//! because a one-stop centre puts many citizens behind one Wi-Fi address.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::RateLimits;

/// The limiters of one server process.
pub struct Limiters {
    token: DefaultKeyedRateLimiter<String>,
    api_key: DefaultKeyedRateLimiter<String>,
    ip: DefaultKeyedRateLimiter<IpAddr>,
    login_account: DefaultKeyedRateLimiter<String>,
    login_ip: DefaultKeyedRateLimiter<IpAddr>,
}

/// Refused: try again after this many seconds (at least 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(pub u64);

fn quota(per_minute: u32) -> Quota {
    let rate = NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
    let burst = NonZeroU32::new((per_minute / 4).max(5)).unwrap_or(NonZeroU32::MIN);
    Quota::per_minute(rate).allow_burst(burst)
}

/// Login attempts: the whole minute's allowance may be used at once, then one per
/// `60 / per_minute` seconds.
fn login_quota(per_minute: u32) -> Quota {
    let rate = NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
    Quota::per_minute(rate).allow_burst(rate)
}

fn verdict<K: std::hash::Hash + Eq + Clone>(limiter: &DefaultKeyedRateLimiter<K>, key: &K) -> Result<(), RetryAfter> {
    limiter.check_key(key).map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        RetryAfter((wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1))
    })
}

impl Limiters {
    pub fn new(limits: &RateLimits) -> Limiters {
        Limiters {
            token: RateLimiter::keyed(quota(limits.per_token)),
            api_key: RateLimiter::keyed(quota(limits.per_api_key)),
            ip: RateLimiter::keyed(quota(limits.per_ip)),
            login_account: RateLimiter::keyed(login_quota(limits.login_per_account)),
            login_ip: RateLimiter::keyed(login_quota(limits.login_per_ip)),
        }
    }

    /// One request on a survey link (keyed by the token hash, never the token).
    pub fn check_token(&self, token_hash: &str) -> Result<(), RetryAfter> {
        verdict(&self.token, &token_hash.to_owned())
    }

    pub fn check_api_key(&self, key_id: &str) -> Result<(), RetryAfter> {
        verdict(&self.api_key, &key_id.to_owned())
    }

    pub fn check_ip(&self, ip: IpAddr) -> Result<(), RetryAfter> {
        verdict(&self.ip, &ip)
    }

    /// One login (or password-change) attempt for a username, already lowercased.
    pub fn check_login_account(&self, username: &str) -> Result<(), RetryAfter> {
        verdict(&self.login_account, &username.to_owned())
    }

    /// One login attempt from an address.
    pub fn check_login_ip(&self, ip: IpAddr) -> Result<(), RetryAfter> {
        verdict(&self.login_ip, &ip)
    }

    /// Forgets keys that have fully recovered, so memory follows recent traffic only.
    pub fn forget_idle(&self) {
        self.token.retain_recent();
        self.api_key.retain_recent();
        self.ip.retain_recent();
        self.login_account.retain_recent();
        self.login_ip.retain_recent();
        self.login_account.shrink_to_fit();
        self.login_ip.shrink_to_fit();
        self.token.shrink_to_fit();
        self.api_key.shrink_to_fit();
        self.ip.shrink_to_fit();
    }
}

/// How often idle keys are dropped.
pub const FORGET_EVERY: Duration = Duration::from_secs(60);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_limit_is_per_token() {
        let l = Limiters::new(&RateLimits { per_token: 20, per_api_key: 100, per_ip: 100, ..RateLimits::default() });
        for _ in 0..5 {
            assert_eq!(l.check_token("a"), Ok(()));
        }
        let refused = l.check_token("a").unwrap_err();
        assert!(refused.0 >= 1 && refused.0 <= 3, "{refused:?}");
        assert_eq!(l.check_token("b"), Ok(()), "another token is not affected");
    }

    #[test]
    fn login_limit_is_per_account_and_allows_the_whole_minute_at_once() {
        let l = Limiters::new(&RateLimits { login_per_account: 3, ..RateLimits::default() });
        for _ in 0..3 {
            assert_eq!(l.check_login_account("lan"), Ok(()));
        }
        let refused = l.check_login_account("lan").unwrap_err();
        assert!(refused.0 >= 1 && refused.0 <= 20, "{refused:?}");
        assert_eq!(l.check_login_account("minh"), Ok(()));
    }
}
