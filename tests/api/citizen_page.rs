//! The citizen HTML page over HTTP: rendering, the form round trip, friendly notices,
//! and the weight budget of PRODUCT §7.

use crate::helpers::spawn_app;

fn full_form() -> Vec<(&'static str, &'static str)> {
    let mut form: Vec<(&str, &str)> =
        ["A1", "A2", "A3", "B1", "B2", "B3", "B4", "C1", "C2", "C3", "D1", "D2", "D3", "E1", "E3"]
            .into_iter()
            .map(|i| (i, "5"))
            .collect();
    form.extend([("E2", "na"), ("overall", "4"), ("improve", "facilities"), ("improve", "digital")]);
    form.extend([
        ("comment", "Nhân viên <b>nhiệt tình</b>"),
        ("profile.age_group", "age_50_60"),
        ("profile.gender", ""),
    ]);
    form
}

#[tokio::test]
async fn page_renders_in_vietnamese_then_english_with_escaping() {
    let app = spawn_app().await;
    let mut body = crate::helpers::invitation_body("HS-PAGE");
    body["agency_code"] = serde_json::json!("T.HOSPITAL");
    body["field"] = serde_json::json!("health");
    let token = app.mint(&body).await["token"].as_str().unwrap().to_owned();
    let res = app.client.get(app.url(&format!("/s/{token}"))).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let html = res.text().await.unwrap();
    assert!(html.contains("<html lang=\"vi\">"));
    assert!(html.contains("Rất không hài lòng") && html.contains("Rất hài lòng"));
    assert!(
        html.contains("Bệnh viện Đa khoa &#60;Thử&#62; &#38; Nghiệm")
            || html.contains("Bệnh viện Đa khoa &lt;Thử&gt; &amp; Nghiệm"),
        "agency name escaped"
    );
    assert!(!html.contains("<Thử>"));
    assert!(html.contains(&format!("href=\"/s/{token}?lang=en\"")));
    let en = app.client.get(app.url(&format!("/s/{token}?lang=en"))).send().await.unwrap().text().await.unwrap();
    assert!(en.contains("<html lang=\"en\">") && en.contains("Very satisfied"));
}

#[tokio::test]
async fn page_weight_and_requests_within_budget() {
    let app = spawn_app().await;
    let token = app.mint_token("HS-WEIGHT").await;
    let html = app.client.get(app.url(&format!("/s/{token}"))).send().await.unwrap().text().await.unwrap();
    // Sub-resources: exactly one stylesheet, nothing else, nothing from another host.
    let subresources = html.matches("<link rel=\"stylesheet\"").count()
        + html.matches("<script").count()
        + html.matches("<img").count();
    assert_eq!(subresources, 1, "one request for the page, one for the CSS");
    assert!(!html.contains("http://") && !html.contains("https://"), "no third-party URL");
    let css_path = html.split("rel=\"stylesheet\" href=\"").nth(1).unwrap().split('"').next().unwrap();
    let css = app.client.get(app.url(css_path)).send().await.unwrap();
    assert_eq!(css.status(), 200);
    assert!(css.headers()["cache-control"].to_str().unwrap().contains("immutable"));
    let css = css.text().await.unwrap();
    let total = html.len() + css.len();
    assert!(total <= 50 * 1024, "page weighs {total} bytes");
}

#[tokio::test]
async fn form_round_trip_keeps_answers_on_error_then_thanks() {
    let app = spawn_app().await;
    let token = app.mint_token("HS-FORM").await;
    let url = app.url(&format!("/s/{token}"));
    // Incomplete: only A1, and an over-long comment.
    let long = "ư".repeat(1001);
    let res = app
        .client
        .post(&url)
        .form(&[("A1", "2"), ("comment", long.as_str()), ("improve", "digital")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("class=\"errsum\""));
    assert!(html.contains("href=\"#item-A2\""), "missing answers are linked from the summary");
    assert!(html.contains("name=\"A1\" value=\"2\" checked"), "the given answer is kept");
    assert!(html.contains("value=\"digital\" checked"));
    assert!(html.contains(&long), "the comment is kept");
    assert_eq!(app.counts(), (0, 0));

    let res = app.client.post(&url).form(&full_form()).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/thanks?lang=vi");
    let thanks = app.client.get(app.url("/thanks?lang=vi")).send().await.unwrap().text().await.unwrap();
    assert!(thanks.contains("Cảm ơn"));
    let stored = sipas::store::responses::all(&mut app.db.get().unwrap()).unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].comment.as_deref(), Some("Nhân viên <b>nhiệt tình</b>"));
    assert!(stored[0].answers.contains(&("E2".into(), None)));
    assert!(stored[0].answers.contains(&("improve.digital".into(), Some(1))));

    let again = app.client.post(&url).form(&full_form()).send().await.unwrap();
    assert_eq!(again.status(), 409);
    assert!(again.text().await.unwrap().contains("Bạn đã gửi đánh giá rồi"));
    let page = app.client.get(&url).send().await.unwrap();
    assert_eq!(page.status(), 409);
    assert_eq!(app.counts().0, 1);
}

#[tokio::test]
async fn friendly_pages_for_unknown_and_expired_links() {
    let app = spawn_app().await;
    let res = app.client.get(app.url("/s/AAAAAAAAAAAAAAAAAAAAAAAA")).send().await.unwrap();
    assert_eq!(res.status(), 404);
    assert!(res.text().await.unwrap().contains("Không tìm thấy phiếu khảo sát"));
    let token = app.mint_token("HS-EXP").await;
    crate::survey_api::expire_all(&app);
    let res = app.client.get(app.url(&format!("/s/{token}?lang=en"))).send().await.unwrap();
    assert_eq!(res.status(), 410);
    let html = res.text().await.unwrap();
    assert!(html.contains("<html lang=\"en\">"), "{html}");
}

#[tokio::test]
async fn bad_form_bodies_are_refused_without_storing() {
    let app = spawn_app().await;
    let token = app.mint_token("HS-BADFORM").await;
    let url = app.url(&format!("/s/{token}"));
    let res = app
        .client
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("comment=%FF%FE")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let huge = format!("comment={}", "a".repeat(100 * 1024));
    let res = app
        .client
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    let res = app.client.post(&url).form(&[("A1", "9"), ("ZZ", "1")]).send().await.unwrap();
    assert_eq!(res.status(), 422);
    assert_eq!(app.counts(), (0, 0));
    assert_eq!(app.client.post(&url).form(&full_form()).send().await.unwrap().status(), 303, "link still usable");
}
