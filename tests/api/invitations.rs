//! `POST /api/v1/invitations`: the contract, idempotency, and every kind of bad input.

use serde_json::{json, Value};

use crate::helpers::{invitation_body, spawn_app, spawn_app_with};

#[tokio::test]
async fn mint_returns_links_and_repeat_returns_the_same() {
    let app = spawn_app().await;
    let res = app.post_invitation(&invitation_body("HS-2026-0001")).await;
    assert_eq!(res.status(), 201);
    let first: Value = res.json().await.unwrap();
    let token = first["token"].as_str().unwrap();
    assert_eq!(token.len(), 24);
    assert_eq!(first["url"], app.url(&format!("/s/{token}")));
    assert_eq!(first["qr_svg_url"], app.url(&format!("/q/{token}.svg")));
    assert_eq!(first["qr_png_url"], app.url(&format!("/q/{token}.png")));
    let expires = chrono::DateTime::parse_from_rfc3339(first["expires_at"].as_str().unwrap()).unwrap();
    let days = (expires.with_timezone(&chrono::Utc) - sipas::clock::now()).num_hours();
    assert!((29 * 24..=30 * 24).contains(&days), "default expiry is 30 days, got {days} h");

    let res = app.post_invitation(&invitation_body("HS-2026-0001")).await;
    assert_eq!(res.status(), 200);
    let again: Value = res.json().await.unwrap();
    assert_eq!(again, first, "same agency + dossier gives the same link");

    let other: Value = app.post_invitation(&invitation_body("HS-2026-0002")).await.json().await.unwrap();
    assert_ne!(other["token"], first["token"]);
    assert_eq!(sipas::store::invitations::count(&mut app.db.get().unwrap()).unwrap(), 2);
}

#[tokio::test]
async fn token_is_stored_only_as_hash() {
    let app = spawn_app().await;
    let token = app.mint_token("HS-HASH").await;
    use diesel::prelude::*;
    use sipas::db::schema::invitations::dsl::*;
    let stored: Vec<(String, String)> =
        invitations.select((id, token_hash)).load(&mut **app.db.get().unwrap()).unwrap();
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0].1, token);
    assert!(!stored[0].0.contains(&token) && !stored[0].1.contains(&token));
}

#[tokio::test]
async fn concurrent_mints_of_one_dossier_store_one_invitation() {
    let app = spawn_app().await;
    let body = invitation_body("HS-RACE");
    let results = futures_util::future::join_all((0..8).map(|_| app.post_invitation(&body))).await;
    let mut tokens = std::collections::BTreeSet::new();
    for res in results {
        assert!(matches!(res.status().as_u16(), 200 | 201));
        tokens.insert(res.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned());
    }
    assert_eq!(tokens.len(), 1);
    assert_eq!(sipas::store::invitations::count(&mut app.db.get().unwrap()).unwrap(), 1);
}

#[tokio::test]
async fn default_survey_follows_the_field() {
    let app = spawn_app().await;
    let mut body = invitation_body("HS-HEALTH");
    body["agency_code"] = json!("T.HOSPITAL");
    body["field"] = json!("health");
    let token = app.mint(&body).await["token"].as_str().unwrap().to_owned();
    let survey: Value = app.get_survey(&token).await.json().await.unwrap();
    assert_eq!(survey["survey"]["id"], "health-public");
    assert_eq!(survey["agency"]["name"], "Bệnh viện Đa khoa <Thử> & Nghiệm");
}

#[tokio::test]
async fn api_key_is_required_and_checked() {
    let app = spawn_app().await;
    let url = app.url("/api/v1/invitations");
    let body = invitation_body("HS-KEY");
    let res = app.client.post(&url).json(&body).send().await.unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(res.headers()["www-authenticate"], "Bearer");
    for bad in ["sipas_wrong", "not-even-a-key", ""] {
        let res = app.client.post(&url).bearer_auth(bad).json(&body).send().await.unwrap();
        assert_eq!(res.status(), 401, "{bad}");
    }
    let (_, read_key) =
        sipas::store::api_keys::create(&mut app.db.get().unwrap(), "reader", sipas::store::api_keys::Scope::Read, None)
            .unwrap();
    let res = app.client.post(&url).bearer_auth(read_key).json(&body).send().await.unwrap();
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn agency_scoped_key_cannot_mint_elsewhere() {
    let app = spawn_app().await;
    let (_, key) = sipas::store::api_keys::create(
        &mut app.db.get().unwrap(),
        "health system",
        sipas::store::api_keys::Scope::Invitations,
        Some("T.HEALTH"),
    )
    .unwrap();
    let url = app.url("/api/v1/invitations");
    let mut body = invitation_body("HS-SCOPE");
    body["agency_code"] = json!("T.HOSPITAL");
    body["field"] = json!("health");
    let res = app.client.post(&url).bearer_auth(&key).json(&body).send().await.unwrap();
    assert_eq!(res.status(), 201, "a unit below the key's agency is allowed");
    body["agency_code"] = json!("T.FINANCE");
    let res = app.client.post(&url).bearer_auth(&key).json(&body).send().await.unwrap();
    assert_eq!(res.status(), 403);
}

async fn field_errors(app: &crate::helpers::TestApp, body: Value) -> Value {
    let res = app.post_invitation(&body).await;
    assert_eq!(res.status(), 422, "body {body}");
    let json: Value = res.json().await.unwrap();
    assert_eq!(json["error"], "validation");
    json["fields"].clone()
}

#[tokio::test]
async fn validation_errors_name_each_field() {
    let app = spawn_app().await;
    let future = (sipas::clock::now() + chrono::Duration::days(2)).to_rfc3339();
    let cases: Vec<(Value, &str, &str)> = vec![
        (json!({"dossier_code": ""}), "dossier_code", "must not be empty"),
        (json!({"dossier_code": "x".repeat(65)}), "dossier_code", "at most 64"),
        (json!({"dossier_code": 42}), "dossier_code", "must be a string"),
        (json!({"agency_code": "NOPE"}), "agency_code", "unknown agency `NOPE`"),
        (json!({"field": "farming"}), "field", "unknown field `farming`"),
        (json!({"channel": "fax"}), "channel", "unknown channel `fax`"),
        (json!({"handled_at": "yesterday"}), "handled_at", "RFC 3339"),
        (json!({"handled_at": future}), "handled_at", "in the future"),
        (json!({"survey": "nope"}), "survey", "unknown survey `nope`"),
        (json!({"email": "not-an-address"}), "email", "not a valid e-mail"),
        (json!({"locale": "fr"}), "locale", "`vi` or `en`"),
        (json!({"colour": "red"}), "colour", "unknown field"),
        (json!({"agency_code": "T.PLAN"}), "agency_code", "its successor is T.FINANCE"),
    ];
    for (patch, field, expected) in cases {
        let mut body = invitation_body("HS-BAD");
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let fields = field_errors(&app, body).await;
        let msg = fields[field].as_str().unwrap_or_else(|| panic!("no error for {field}: {fields}"));
        assert!(msg.contains(expected), "{field}: `{msg}` lacks `{expected}`");
    }
    let fields = field_errors(&app, json!({})).await;
    for required in ["dossier_code", "agency_code", "field", "channel", "handled_at"] {
        assert_eq!(fields[required], "is required");
    }
    assert_eq!(sipas::store::invitations::count(&mut app.db.get().unwrap()).unwrap(), 0, "nothing stored");
}

#[tokio::test]
async fn malformed_and_oversized_bodies_are_400_and_413() {
    let app = spawn_app().await;
    let url = app.url("/api/v1/invitations");
    let send = |body: Vec<u8>, ct: &'static str| {
        app.client.post(&url).bearer_auth(&app.api_key).header("content-type", ct).body(body).send()
    };
    let res = send(b"{not json".to_vec(), "application/json").await.unwrap();
    assert_eq!(res.status(), 400);
    assert!(res.json::<Value>().await.unwrap()["message"].as_str().unwrap().contains("malformed JSON"));
    let res = send(b"[1,2]".to_vec(), "application/json").await.unwrap();
    assert_eq!(res.status(), 400);
    let res = send(b"{\"dossier_code\": \"\xff\xfe\"}".to_vec(), "application/json").await.unwrap();
    assert_eq!(res.status(), 400, "invalid UTF-8");
    let res = send(b"dossier_code=1".to_vec(), "application/x-www-form-urlencoded").await.unwrap();
    assert_eq!(res.status(), 400);
    let big = format!("{{\"dossier_code\": \"{}\"}}", "x".repeat(200 * 1024));
    let res = send(big.into_bytes(), "application/json").await.unwrap();
    assert_eq!(res.status(), 413);
}

#[tokio::test]
async fn expiry_is_configurable() {
    let app = spawn_app_with(|s| s.invitation_ttl_days = 7).await;
    let json = app.mint(&invitation_body("HS-TTL")).await;
    let expires = chrono::DateTime::parse_from_rfc3339(json["expires_at"].as_str().unwrap()).unwrap();
    let hours = (expires.with_timezone(&chrono::Utc) - sipas::clock::now()).num_hours();
    assert!((6 * 24..=7 * 24).contains(&hours), "{hours}");
}

#[tokio::test]
async fn flood_on_one_api_key_gets_429_with_retry_after() {
    let app = spawn_app_with(|s| s.rate_limits.per_api_key = 20).await;
    let mut statuses = Vec::new();
    for i in 0..12 {
        let res = app.post_invitation(&invitation_body(&format!("HS-FLOOD-{i}"))).await;
        if res.status() == 429 {
            let retry: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
            assert!(retry >= 1);
        }
        statuses.push(res.status().as_u16());
    }
    assert!(statuses.starts_with(&[201, 201, 201, 201, 201]), "{statuses:?}");
    assert!(statuses.contains(&429), "{statuses:?}");
}
