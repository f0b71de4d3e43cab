//! A download checks the owner's *current* right to the export's dataset and scope: a user
//! demoted from analyst, or moved to another agency, cannot fetch files exported before.

use serde_json::Value;
use sipas::auth::Role;

use crate::helpers::{csrf_of, full_answers, spawn_app, staff_user};

#[tokio::test]
async fn a_demoted_user_can_no_longer_download_earlier_microdata() {
    let app = spawn_app().await;
    let token = app.mint_token("HS-ACCESS").await;
    assert_eq!(app.post_answers(&token, &full_answers()).await.status(), 201);
    let analyst = staff_user(&app, "phan.tich", Role::Analyst, None).await;
    let html = analyst.get(app.url("/staff/exports")).send().await.unwrap().text().await.unwrap();
    let year = sipas::clock::today().format("%Y").to_string();
    let form = [("csrf", csrf_of(&html)), ("dataset", "responses_wide".into()), ("period", year)];
    assert_eq!(analyst.post(app.url("/staff/exports")).form(&form).send().await.unwrap().status(), 303);
    let mut job = Value::Null;
    for _ in 0..200 {
        let list: Value = analyst.get(app.url("/api/v1/exports")).send().await.unwrap().json().await.unwrap();
        job = list["exports"][0].clone();
        if job["state"] == "done" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(job["state"], "done", "{job}");
    let url = job["files"].as_array().unwrap().iter().find_map(|f| f["url"].as_str()).unwrap().to_owned();
    assert_eq!(analyst.get(app.url(&url)).send().await.unwrap().status(), 200, "the analyst downloads it");

    // Demoted to an agency manager: index tables of their agency only, no microdata.
    sipas::store::users::set_role(&mut app.db.get().unwrap(), "phan.tich", Role::AgencyManager, Some("T.FINANCE"))
        .unwrap();
    let res = analyst.get(app.url(&url)).send().await.unwrap();
    assert_eq!(res.status(), 403);
    let reply: Value = res.json().await.unwrap();
    assert!(reply["message"].as_str().is_some_and(|m| m.contains("no longer")), "{reply}");
    // Promoted back: the file is theirs again.
    sipas::store::users::set_role(&mut app.db.get().unwrap(), "phan.tich", Role::Analyst, None).unwrap();
    assert_eq!(analyst.get(app.url(&url)).send().await.unwrap().status(), 200);
}
