//! Rate limits keyed by survey token, API key and client address (governor, GCRA).
//! Limits per token and key come first; the per-address limit is loose on purpose,
//! because a one-stop centre puts many citizens behind one Wi-Fi address.
//!
//! Logins (OWASP's authentication guidance): guesses are refused per account *and address*,
//! so an attacker elsewhere cannot lock a user out; an account-wide limit, ten times higher,
//! stops guessing spread over many addresses, and only slows (never refuses) an address the
//! account signed in from before.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::RateLimits;

/// The limiters of one server process.
pub struct Limiters {
    token: DefaultKeyedRateLimiter<String>,
    api_key: DefaultKeyedRateLimiter<String>,
    ip: DefaultKeyedRateLimiter<IpAddr>,
    login_pair: DefaultKeyedRateLimiter<(String, IpAddr)>,
    login_account: DefaultKeyedRateLimiter<String>,
    login_ip: DefaultKeyedRateLimiter<IpAddr>,
    /// (account, address) pairs that signed in successfully, and when (bounded).
    known_good: Mutex<HashMap<(String, IpAddr), Instant>>,
}

/// How long a successful sign-in makes its address known-good for the account.
const KNOWN_GOOD_FOR: Duration = Duration::from_secs(30 * 24 * 3600);
/// At most this many known-good pairs are kept (the oldest go first).
const KNOWN_GOOD_MAX: usize = 50_000;
/// How much a known-good address is slowed while its account is under a spread attack.
pub const LOGIN_SLOWDOWN: Duration = Duration::from_secs(2);

/// What to do with one login attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginVerdict {
    Allow,
    /// Allow after waiting this long (a known-good address of an account under attack).
    Slow(Duration),
    Refuse(RetryAfter),
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
            login_pair: RateLimiter::keyed(login_quota(limits.login_per_account)),
            login_account: RateLimiter::keyed(login_quota(limits.login_per_account.saturating_mul(10))),
            login_ip: RateLimiter::keyed(login_quota(limits.login_per_ip)),
            known_good: Mutex::new(HashMap::new()),
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

    /// One login (or password-change) attempt for a username, already lowercased, from `ip`
    /// (`None` when unknown: then the account-wide limit refuses).
    pub fn check_login(&self, username: &str, ip: Option<IpAddr>) -> LoginVerdict {
        if let Some(ip) = ip {
            if let Err(r) = verdict(&self.login_pair, &(username.to_owned(), ip)) {
                return LoginVerdict::Refuse(r);
            }
        }
        match verdict(&self.login_account, &username.to_owned()) {
            Ok(()) => LoginVerdict::Allow,
            Err(_) if ip.is_some_and(|ip| self.is_known_good(username, ip)) => LoginVerdict::Slow(LOGIN_SLOWDOWN),
            Err(r) => LoginVerdict::Refuse(r),
        }
    }

    /// Remembers that `username` signed in from `ip`.
    pub fn remember_login(&self, username: &str, ip: IpAddr) {
        let Ok(mut good) = self.known_good.lock() else { return };
        if good.len() >= KNOWN_GOOD_MAX {
            let cutoff = Instant::now().checked_sub(KNOWN_GOOD_FOR);
            good.retain(|_, at| cutoff.is_none_or(|c| *at > c));
            if good.len() >= KNOWN_GOOD_MAX {
                if let Some(oldest) = good.iter().min_by_key(|(_, at)| **at).map(|(k, _)| k.clone()) {
                    good.remove(&oldest);
                }
            }
        }
        good.insert((username.to_owned(), ip), Instant::now());
    }

    fn is_known_good(&self, username: &str, ip: IpAddr) -> bool {
        let Ok(good) = self.known_good.lock() else { return false };
        good.get(&(username.to_owned(), ip)).is_some_and(|at| at.elapsed() < KNOWN_GOOD_FOR)
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
        self.login_pair.retain_recent();
        self.login_account.retain_recent();
        self.login_ip.retain_recent();
        self.login_pair.shrink_to_fit();
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
    fn login_limit_is_per_account_and_address_and_allows_the_whole_minute_at_once() {
        let l = Limiters::new(&RateLimits { login_per_account: 3, ..RateLimits::default() });
        let (attacker, user) = ("198.51.100.7".parse().unwrap(), "203.0.113.5".parse().unwrap());
        for _ in 0..3 {
            assert_eq!(l.check_login("lan", Some(attacker)), LoginVerdict::Allow);
        }
        let LoginVerdict::Refuse(refused) = l.check_login("lan", Some(attacker)) else { panic!("not refused") };
        assert!(refused.0 >= 1 && refused.0 <= 20, "{refused:?}");
        assert_eq!(l.check_login("lan", Some(user)), LoginVerdict::Allow, "the user's own address is not locked out");
        assert_eq!(l.check_login("minh", Some(attacker)), LoginVerdict::Allow);
    }

    #[test]
    fn a_spread_attack_refuses_new_addresses_and_only_slows_known_good_ones() {
        let l = Limiters::new(&RateLimits { login_per_account: 1, ..RateLimits::default() });
        let home: IpAddr = "203.0.113.5".parse().unwrap();
        assert_eq!(l.check_login("lan", Some(home)), LoginVerdict::Allow);
        l.remember_login("lan", home);
        // Ten addresses use up the account-wide allowance (10 × 1 per minute).
        for i in 0..9 {
            assert_eq!(l.check_login("lan", Some(IpAddr::from([198, 51, 100, i]))), LoginVerdict::Allow);
        }
        assert!(matches!(l.check_login("lan", Some("192.0.2.1".parse().unwrap())), LoginVerdict::Refuse(_)));
        // The user's own address has used its own pair allowance; a new minute would bring it
        // back, and its known-good mark then turns the account-wide refusal into a delay.
        let l2 = Limiters::new(&RateLimits { login_per_account: 1, ..RateLimits::default() });
        l2.remember_login("lan", home);
        for i in 0..10 {
            assert_eq!(l2.check_login("lan", Some(IpAddr::from([198, 51, 100, i]))), LoginVerdict::Allow);
        }
        assert_eq!(l2.check_login("lan", Some(home)), LoginVerdict::Slow(LOGIN_SLOWDOWN));
        assert!(matches!(l2.check_login("lan", None), LoginVerdict::Refuse(_)));
    }
}
