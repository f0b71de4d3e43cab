//! Behind a proxy the per-address limits hold: the client is the rightmost hop that no trusted
//! proxy added, so a spoofed `X-Forwarded-For` or `Forwarded` cannot choose another address.

use crate::helpers::{csrf_of, spawn_app_with, staff_client, TestApp};

/// A wrong password through a browser's login form (cookie and CSRF field), as seen by the
/// service after proxies added `forwarded`.
async fn login_status(app: &TestApp, forwarded: &[(&str, &str)]) -> u16 {
    let c = staff_client();
    let page = c.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_of(&page);
    let mut req =
        c.post(app.url("/login")).form(&[("csrf", csrf.as_str()), ("username", "nobody"), ("password", "wrong")]);
    for (name, value) in forwarded {
        req = req.header(*name, *value);
    }
    req.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn a_spoofed_forwarded_for_does_not_escape_the_per_address_limit() {
    // The test client connects from 127.0.0.1, here the trusted proxy.
    let app = spawn_app_with(|s| {
        s.trusted_proxies = vec!["127.0.0.0/8".into(), "10.0.0.0/8".into()];
        s.rate_limits.login_per_ip = 3;
    })
    .await;
    // One client, a new made-up address before the real hop each time.
    let mut statuses = Vec::new();
    for i in 0..5 {
        let xff = format!("6.6.6.{i}, 203.0.113.9, 10.0.0.7");
        statuses.push(login_status(&app, &[("X-Forwarded-For", &xff)]).await);
    }
    assert_eq!(&statuses[3..], [429, 429], "the 4th and 5th attempts of 203.0.113.9: {statuses:?}");
    assert!(statuses[..3].iter().all(|s| *s != 429), "{statuses:?}");
    // The same client through `Forwarded`, and on two header lines: still 203.0.113.9.
    assert_eq!(login_status(&app, &[("Forwarded", "for=6.6.6.99, for=\"203.0.113.9:5000\"")]).await, 429);
    assert_eq!(login_status(&app, &[("X-Forwarded-For", "6.6.6.98"), ("X-Forwarded-For", "203.0.113.9")]).await, 429);
    // Another client behind the same proxy is not held.
    assert_ne!(login_status(&app, &[("X-Forwarded-For", "203.0.113.10")]).await, 429);
}

#[tokio::test]
async fn without_trusted_proxies_forwarding_headers_are_ignored() {
    let app = spawn_app_with(|s| s.rate_limits.login_per_ip = 2).await;
    let mut statuses = Vec::new();
    for i in 0..3 {
        statuses.push(login_status(&app, &[("X-Forwarded-For", &format!("198.51.100.{i}"))]).await);
    }
    assert_eq!(statuses[2], 429, "the socket address counts: {statuses:?}");
}

/// Five wrong passwords a minute from an attacker's address do not keep the user out at
/// their own address (the limit is per account and address).
#[tokio::test]
async fn an_attacker_elsewhere_cannot_lock_a_user_out() {
    let app = spawn_app_with(|s| {
        s.trusted_proxies = vec!["127.0.0.1".into()];
        s.rate_limits.login_per_account = 5;
    })
    .await;
    crate::helpers::add_user(&app, "lan.nguyen", sipas::auth::Role::CityViewer, None);
    let attempt = |password: &'static str, from: &'static str| {
        let app = &app;
        async move {
            let c = staff_client();
            let page = c.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
            let csrf = csrf_of(&page);
            c.post(app.url("/login"))
                .header("X-Forwarded-For", from)
                .form(&[("csrf", csrf.as_str()), ("username", "lan.nguyen"), ("password", password)])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    let mut attacker = Vec::new();
    for _ in 0..7 {
        attacker.push(attempt("sai mật khẩu", "198.51.100.66").await);
    }
    assert_eq!(&attacker[5..], [429, 429], "the attacker's address is held: {attacker:?}");
    assert_eq!(attempt(crate::helpers::STAFF_PASSWORD, "203.0.113.5").await, 303, "the user signs in from home");
}
