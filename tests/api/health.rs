//! Health, readiness, security headers, and behaviour while the database is down.

use crate::helpers::{spawn_app, spawn_app_with};

#[tokio::test]
async fn health_and_readiness() {
    let app = spawn_app().await;
    let res = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let res = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["database"], "ok");
}

#[tokio::test]
async fn every_response_carries_security_headers() {
    let app = spawn_app().await;
    for path in ["/healthz", "/api/v1/surveys/nope", "/openapi.json"] {
        let res = app.client.get(app.url(path)).send().await.unwrap();
        let h = res.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'none'") && !csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["referrer-policy"], "no-referrer");
    }
}

#[tokio::test]
async fn openapi_is_served() {
    let app = spawn_app().await;
    let doc: serde_json::Value = app.client.get(app.url("/openapi.json")).send().await.unwrap().json().await.unwrap();
    assert!(doc["paths"]["/api/v1/invitations"]["post"].is_object());
}

/// A database that cannot be reached gives 503 with Retry-After, never a 500 or a hang.
#[tokio::test]
async fn unreachable_database_gives_503() {
    let test_db = crate::helpers::TestDb::new();
    let mut settings = crate::helpers::test_settings(&test_db);
    // Port 1 on loopback refuses connections at once.
    settings.database_url = "postgres://nobody@127.0.0.1:1/none".into();
    let db = sipas::db::Db::new(&settings.database_url, &sipas::db::PoolOptions::default()).unwrap();
    let registry = std::sync::Arc::new(sipas::surveys::Registry::load_dir(&settings.survey_dir).unwrap());
    let app = sipas::startup::Application::build(settings, db, registry).unwrap();
    let base = format!("http://{}", app.addr());
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    let res = client.get(format!("{base}/readyz")).send().await.unwrap();
    assert_eq!(res.status(), 503);
    let res = client.get(format!("{base}/api/v1/surveys/AAAAAAAAAAAAAAAAAAAAAAAA")).send().await.unwrap();
    assert_eq!(res.status(), 503);
    assert_eq!(res.headers()["retry-after"], "5");
    let res = client
        .post(format!("{base}/api/v1/invitations"))
        .bearer_auth("sipas_whatever")
        .json(&crate::helpers::invitation_body("X"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 503);
}

/// PostgreSQL only: the connection to the database goes through a proxy that the test
/// stops (the database "goes down") and starts again; requests get 503 meanwhile and
/// the service recovers by itself, with nothing accepted before lost.
// Multi-threaded: start-up blocks on the database while the proxy tasks must keep running.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_outage_gives_503_and_service_recovers() {
    let upstream_db = crate::helpers::TestDb::new();
    if !upstream_db.is_postgres() {
        eprintln!("skipped: needs TEST_DATABASE_URL (PostgreSQL)");
        return;
    }
    let upstream = upstream_db.url.split('@').nth(1).and_then(|r| r.split('/').next()).unwrap().to_owned();
    let proxy = crate::proxy::Proxy::start(&upstream).await;
    let via_proxy = upstream_db.url.replacen(&upstream, &proxy.addr(), 1);
    let app = spawn_app_with(|s| {
        s.database_url = via_proxy.clone();
        s.db_pool_size = 2;
    })
    .await;
    let first = app.mint_token("HS-OUTAGE-1").await;
    assert_eq!(app.post_answers(&first, &crate::helpers::full_answers()).await.status(), 201);

    proxy.stop().await;
    let res = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(res.status(), 503);
    let second = app.post_invitation(&crate::helpers::invitation_body("HS-OUTAGE-2")).await;
    assert_eq!(second.status(), 503);
    assert_eq!(second.headers()["retry-after"], "5");

    proxy.resume().await;
    let mut ready = false;
    for _ in 0..50 {
        if app.client.get(app.url("/readyz")).send().await.unwrap().status() == 200 {
            ready = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(ready, "service did not recover after the database came back");
    let token = app.mint_token("HS-OUTAGE-2").await;
    assert_eq!(app.post_answers(&token, &crate::helpers::full_answers()).await.status(), 201);
    assert_eq!(app.counts().0, 2, "the response accepted before the outage is still there");
}
