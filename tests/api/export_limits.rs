//! Fair exports: a key or user beyond its open-jobs or daily-rows limit gets a 429 naming the
//! limit (and the staff page says it in Vietnamese), and the workers take owners in turns.

use serde_json::{json, Value};
use sipas::db::{Db, PoolOptions};
use sipas::store::exports::{self as jobs, NewJob};

use crate::exports::{export, read_key};
use crate::helpers::{spawn_app_with, TestDb};

async fn start(app: &crate::helpers::TestApp, key: &str, body: &Value) -> reqwest::Response {
    app.client.post(app.url("/api/v1/exports")).bearer_auth(key).json(body).send().await.unwrap()
}

#[tokio::test]
async fn a_key_beyond_its_open_jobs_is_refused_with_the_limit_named() {
    // A pause per batch keeps the first jobs running while the next ones are asked for.
    let app = spawn_app_with(|s| {
        s.export_max_open = 2;
        s.export_batch_pause_ms = 400;
    })
    .await;
    app.synthetic(6_000, 1, 3);
    let key = read_key(&app, None);
    let other = read_key(&app, None);
    let body = json!({"dataset": "responses_wide", "period": sipas::clock::today().format("%Y").to_string()});
    for _ in 0..2 {
        assert_eq!(start(&app, &key, &body).await.status(), 202);
    }
    let refused = start(&app, &key, &body).await;
    assert_eq!(refused.status(), 429);
    assert!(refused.headers()["retry-after"].to_str().unwrap().parse::<u64>().unwrap() > 0);
    let refused: Value = refused.json().await.unwrap();
    assert_eq!(refused["error"], "limit_reached");
    let message = refused["message"].as_str().unwrap();
    assert!(message.contains("export_max_open = 2") && message.contains("2 exports"), "{message}");
    // Another key is not held back by the first one's limit.
    assert_eq!(start(&app, &other, &body).await.status(), 202);
}

#[tokio::test]
async fn the_daily_row_volume_is_a_limit_too() {
    let app = spawn_app_with(|s| s.export_max_rows_per_day = 3).await;
    app.answer_full("HS-LIM", 3).await;
    let key = read_key(&app, None);
    let body = json!({"dataset": "responses_wide", "period": sipas::clock::today().format("%Y").to_string()});
    let done = export(&app, &key, body.clone()).await;
    assert_eq!(done["rows_total"], 3);
    let refused = start(&app, &key, &body).await;
    assert_eq!(refused.status(), 429);
    let refused: Value = refused.json().await.unwrap();
    let message = refused["message"].as_str().unwrap();
    assert!(message.contains("hold 3 rows") && message.contains("export_max_rows_per_day = 3"), "{message}");
}

#[test]
fn owners_take_turns_at_the_workers() {
    let test_db = TestDb::new();
    let db = Db::new(&test_db.url, &PoolOptions::default()).unwrap();
    let mut conn = db.get().unwrap();
    sipas::db::run_pending(&mut conn).unwrap();
    let t0 = sipas::clock::now_naive();
    let new = |owner: &'static str| NewJob {
        owner,
        visibility: "city",
        dataset: "responses_wide",
        format: "csv",
        request: "{}",
    };
    // The flood: sixty jobs of one key, then one of an analyst, then another key's.
    let mut flood = Vec::new();
    for i in 0..60 {
        flood.push(jobs::create(&mut conn, &new("key:flood"), t0 + chrono::Duration::milliseconds(i)).unwrap().id);
    }
    let analyst = jobs::create(&mut conn, &new("user:analyst"), t0 + chrono::Duration::seconds(1)).unwrap().id;
    let other = jobs::create(&mut conn, &new("key:other"), t0 + chrono::Duration::seconds(2)).unwrap().id;
    let lease = chrono::Duration::minutes(5);
    let mut claim = |at: i64| {
        let now = t0 + chrono::Duration::seconds(10 + at);
        jobs::claim_next(&mut conn, "w", now, lease, 3).unwrap().unwrap().id
    };
    // Everyone has nothing running: the oldest job goes first (the flood's), then the owners
    // with nothing running, oldest first, then the flood again.
    assert_eq!(claim(0), flood[0]);
    assert_eq!(claim(1), analyst, "the analyst does not wait behind sixty jobs");
    assert_eq!(claim(2), other);
    assert_eq!(claim(3), flood[1]);
    assert_eq!(jobs::open_count(&mut db.get().unwrap(), "key:flood").unwrap(), 60);
    assert_eq!(jobs::open_count(&mut db.get().unwrap(), "user:analyst").unwrap(), 1);
}

#[tokio::test]
async fn a_long_xlsx_larger_than_a_sheet_is_refused_with_csv_and_parquet_named() {
    // Each full response stores well over five answers: two responses exceed ten rows.
    let app = spawn_app_with(|s| s.export_long_xlsx_max_rows = 10).await;
    app.answer_full("HS-XL", 2).await;
    let key = read_key(&app, None);
    let year = sipas::clock::today().format("%Y").to_string();
    let refused = start(&app, &key, &json!({"dataset": "responses_long", "format": "xlsx", "period": year})).await;
    assert_eq!(refused.status(), 422);
    let refused: Value = refused.json().await.unwrap();
    let message = refused["fields"]["format"].as_str().unwrap();
    assert!(message.contains("csv or parquet") && message.contains("(10, setting"), "{message}");
    // The same selection as CSV, or wide as XLSX, is fine.
    export(&app, &key, json!({"dataset": "responses_long", "format": "csv", "period": year})).await;
    export(&app, &key, json!({"dataset": "responses_wide", "format": "xlsx", "period": year})).await;
}
