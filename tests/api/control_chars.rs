//! NUL and other control characters in every kind of input: a 4xx naming the field, the
//! citizen keeping their answers, nothing stored, on both backends (PostgreSQL refuses NUL in
//! text, which used to surface as a 500 and a lost answer).

use reqwest::header::CONTENT_TYPE;
use serde_json::{json, Value};

use crate::helpers::{full_answers, login_with, spawn_app, staff_client};

#[tokio::test]
async fn a_comment_with_nul_is_refused_by_name_and_the_answer_can_still_be_given() {
    let app = spawn_app().await;
    let token = app.mint_token("HS-NUL-JSON").await;
    let mut body = full_answers();
    body["comment"] = json!("Cán bộ\u{0} nhiệt tình");
    let res = app.post_answers(&token, &body).await;
    assert_eq!(res.status(), 422);
    let reply: Value = res.json().await.unwrap();
    assert!(reply["fields"]["comment"].as_str().is_some_and(|m| m.contains("control")), "{reply}");
    assert_eq!(app.counts(), (0, 0), "nothing stored");
    // Line breaks are fine; the same link still takes the answer.
    body["comment"] = json!("Dòng một\r\nDòng hai");
    assert_eq!(app.post_answers(&token, &body).await.status(), 201);
    let stored = sipas::store::responses::all(&mut app.db.get().unwrap()).unwrap();
    assert_eq!(stored[0].comment.as_deref(), Some("Dòng một\r\nDòng hai"));
}

#[tokio::test]
async fn the_citizen_form_keeps_every_answer_when_the_comment_has_a_control_character() {
    let app = spawn_app().await;
    let token = app.mint_token("HS-NUL-FORM").await;
    let form = "A1=5&A2=4&A3=4&B1=4&B2=4&B3=4&B4=4&C1=4&C2=4&C3=4&D1=4&D2=4&D3=4&E1=4&E2=na&E3=4&overall=4\
                &comment=T%E1%BB%91t%00l%E1%BA%AFm";
    let res = app
        .client
        .post(app.url(&format!("/s/{token}")))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("ký tự điều khiển"), "the comment's error is shown");
    assert!(html.contains("name=\"A1\" value=\"5\" checked"), "A1 = 5 is kept");
    assert!(html.contains("name=\"E2\" value=\"na\" checked"), "E2 = n/a is kept");
    assert_eq!(app.counts(), (0, 0));
}

#[tokio::test]
async fn a_nul_in_a_login_path_or_query_is_a_4xx_naming_it() {
    let app = spawn_app().await;
    let c = staff_client();
    let res = login_with(&app, &c, "admin\u{0}", "whatever").await;
    assert_eq!(res.status(), 422, "login with NUL");
    assert!(res.text().await.unwrap().contains("ký tự điều khiển"));

    for (path, named) in [
        ("/api/v1/exports/a%00b", "path"),
        ("/staff/outbox/x%00y/retry", "path"),
        ("/api/v1/indices?lang=vi&agency=T%00X", "`agency`"),
        ("/s/AAAAAAAAAAAA%00AAAAAAAAAAA", "path"),
        ("/login?lang=%1b", "`lang`"),
    ] {
        let res = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 400, "{path}");
        let reply: Value = res.json().await.unwrap();
        assert!(
            reply["message"].as_str().is_some_and(|m| m.contains(named) && m.contains("control")),
            "{path}: {reply}"
        );
    }
}
