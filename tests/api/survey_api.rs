//! `GET /api/v1/surveys/{token}`: the questionnaire as JSON, per channel and language.

use serde_json::{json, Value};

use crate::helpers::{invitation_body, spawn_app};

#[tokio::test]
async fn questionnaire_in_both_languages_with_channel_items() {
    let app = spawn_app().await;
    let token = app.mint_token("HS-JSON").await;
    let res = app.get_survey(&token).await;
    assert_eq!(res.status(), 200);
    let vi: Value = res.json().await.unwrap();
    assert_eq!(vi["locale"], "vi");
    assert_eq!(vi["survey"]["id"], "sipas-dossier");
    assert_eq!(vi["agency"]["name"], "Sở Tài chính");
    assert_eq!(vi["scale"][0]["label"], "Rất không hài lòng");
    assert_eq!(vi["scale"][4]["label"], "Rất hài lòng");
    let sections = vi["sections"].as_array().unwrap();
    assert_eq!(sections.len(), 5);
    let access: Vec<&str> =
        sections[0]["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert_eq!(access, ["A1", "A2", "A3"], "in-person access items only");
    assert_eq!(sections[4]["items"][0]["not_applicable"], true);

    let en: Value = app
        .client
        .get(app.url(&format!("/api/v1/surveys/{token}?lang=en")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(en["locale"], "en");
    assert_eq!(en["agency"]["name"], "Department of Finance");
    assert_eq!(en["scale"][4]["label"], "Very satisfied");

    let mut online = invitation_body("HS-ONLINE");
    online["channel"] = json!("online");
    online["locale"] = json!("en");
    let t = app.mint(&online).await["token"].as_str().unwrap().to_owned();
    let s: Value = app.get_survey(&t).await.json().await.unwrap();
    assert_eq!(s["locale"], "en", "the invitation's locale is the default");
    let access: Vec<&str> =
        s["sections"][0]["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert_eq!(access, ["A4"], "online access item only");
}

#[tokio::test]
async fn unknown_malformed_answered_and_expired_links() {
    let app = spawn_app().await;
    assert_eq!(app.get_survey("AAAAAAAAAAAAAAAAAAAAAAAA").await.status(), 404);
    assert_eq!(app.get_survey("short").await.status(), 404);
    let nul = app.get_survey("%00%ff").await;
    assert_eq!(nul.status(), 400, "a NUL in the path is refused before any handler");
    assert!(nul.json::<Value>().await.unwrap()["message"].as_str().unwrap().contains("control character"));
    assert_eq!(app.get_survey("%ff%fe").await.status(), 404, "bytes that are not UTF-8 name no invitation");

    let token = app.mint_token("HS-DONE").await;
    assert_eq!(app.post_answers(&token, &crate::helpers::full_answers()).await.status(), 201);
    assert_eq!(app.get_survey(&token).await.status(), 409);

    let expired = app.mint_token("HS-OLD").await;
    expire_all(&app);
    let res = app.get_survey(&expired).await;
    assert_eq!(res.status(), 410);
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "gone");
    let res = app.post_answers(&expired, &crate::helpers::full_answers()).await;
    assert_eq!(res.status(), 410);
    assert_eq!(app.counts().0, 1);
}

/// Moves every invitation's expiry into the past.
pub fn expire_all(app: &crate::helpers::TestApp) {
    use diesel::prelude::*;
    use sipas::db::schema::invitations::dsl::*;
    let past = sipas::clock::now_naive() - chrono::Duration::minutes(1);
    diesel::update(invitations).set(expires_at.eq(past)).execute(&mut **app.db.get().unwrap()).unwrap();
}

#[tokio::test]
async fn flood_on_one_token_gets_429_but_other_tokens_still_work() {
    let app = crate::helpers::spawn_app_with(|s| s.rate_limits.per_token = 20).await;
    let busy = app.mint_token("HS-BUSY").await;
    let calm = app.mint_token("HS-CALM").await;
    let mut limited = None;
    for _ in 0..10 {
        let res = app.get_survey(&busy).await;
        if res.status() == 429 {
            limited = Some(res.headers()["retry-after"].to_str().unwrap().parse::<u64>().unwrap());
            break;
        }
    }
    assert!(limited.is_some_and(|s| s >= 1), "no 429 on a flooded token");
    assert_eq!(app.get_survey(&calm).await.status(), 200, "same address, other citizen: not blocked");
}

/// The per-address limit exists (it stops a scan of guessed links) but is loose by
/// default; here it is set tight to see it work.
#[tokio::test]
async fn flood_from_one_address_gets_429() {
    let app = crate::helpers::spawn_app_with(|s| s.rate_limits.per_ip = 20).await;
    let mut statuses = Vec::new();
    for _ in 0..10 {
        statuses.push(app.get_survey("AAAAAAAAAAAAAAAAAAAAAAAA").await.status().as_u16());
    }
    assert_eq!(&statuses[..5], &[404; 5], "{statuses:?}");
    assert!(statuses.contains(&429), "{statuses:?}");
    assert_eq!(sipas::config::RateLimits::default().per_ip, 1_200, "loose by default");
}
