//! The authorisation matrix: every role (and no login) × every staff page and read endpoint,
//! including attempts on another agency's data by page URL, query parameter and API. The
//! agency roles are bound to T.FINANCE; T.HEALTH (with its hospital) is "another agency".
//! Refusals must not tell whether an agency exists, and must not leak its figures.

use reqwest::header::LOCATION;
use reqwest::Client;
use serde_json::{json, Value};
use sipas::auth::Role;

use crate::helpers::{full_answers, handled_today, spawn_app, staff_client, staff_user, TestApp};

/// Column order of the expected statuses.
const WHO: [&str; 6] = ["admin", "city_viewer", "analyst", "agency_manager", "agency_viewer", "anonymous"];

/// `303` for pages means "sent to the login page".
const CITY_ONLY: [u16; 6] = [200, 200, 200, 403, 403, 303];
const EVERY_ROLE: [u16; 6] = [200, 200, 200, 200, 200, 303];
const API_CITY_ONLY: [u16; 6] = [200, 200, 200, 403, 403, 401];
const API_EVERY_ROLE: [u16; 6] = [200, 200, 200, 200, 200, 401];

async fn seed(app: &TestApp) {
    for (i, agency) in ["T.FINANCE", "T.HEALTH", "T.HOSPITAL"].iter().enumerate() {
        let body = json!({
            "dossier_code": format!("AUTH-{i}"),
            "agency_code": agency,
            "field": "land",
            "channel": "in_person",
            "survey": "sipas-dossier",
            "handled_at": handled_today(),
        });
        let token = app.mint(&body).await["token"].as_str().unwrap().to_owned();
        let mut answers = full_answers();
        answers["comment"] = json!(format!("Góp ý bí mật của {agency}"));
        assert_eq!(app.post_answers(&token, &answers).await.status(), 201);
    }
    let mut conn = app.db.get().unwrap();
    while sipas::store::aggregates::fold_pending(&mut conn, 100).unwrap() > 0 {}
}

async fn clients(app: &TestApp) -> Vec<Client> {
    vec![
        staff_user(app, "admin", Role::Admin, None).await,
        staff_user(app, "city", Role::CityViewer, None).await,
        staff_user(app, "analyst", Role::Analyst, None).await,
        staff_user(app, "tc.manager", Role::AgencyManager, Some("T.FINANCE")).await,
        staff_user(app, "tc.viewer", Role::AgencyViewer, Some("T.FINANCE")).await,
        staff_client(),
    ]
}

#[tokio::test]
async fn every_role_on_every_staff_page_and_read_endpoint() {
    let app = spawn_app().await;
    seed(&app).await;
    let clients = clients(&app).await;
    let own = "agency=T.FINANCE";
    let other = "agency=T.HEALTH";
    let matrix: Vec<(String, [u16; 6])> = vec![
        ("/staff".into(), EVERY_ROLE),
        ("/account/password".into(), EVERY_ROLE),
        ("/staff/city".into(), CITY_ONLY),
        ("/staff/city?field=land&period=2026".into(), CITY_ONLY),
        ("/staff/agencies/T.FINANCE".into(), EVERY_ROLE),
        ("/staff/agencies/T.HEALTH".into(), CITY_ONLY),
        ("/staff/agencies/T.HOSPITAL".into(), CITY_ONLY),
        ("/staff/agencies/T.CITY".into(), CITY_ONLY),
        // Unknown: 404 for those who see the city, the same 403 as "another agency" for others.
        ("/staff/agencies/T.NOPE".into(), [404, 404, 404, 403, 403, 303]),
        ("/staff/charts/ranking.svg".into(), CITY_ONLY),
        ("/staff/charts/ranking.png".into(), CITY_ONLY),
        (format!("/staff/charts/profile.svg?{own}"), EVERY_ROLE),
        (format!("/staff/charts/trend.png?{own}"), EVERY_ROLE),
        (format!("/staff/charts/distribution.svg?{own}"), EVERY_ROLE),
        (format!("/staff/charts/profile.svg?{other}"), CITY_ONLY),
        (format!("/staff/charts/trend.svg?{other}"), CITY_ONLY),
        (format!("/staff/charts/distribution.png?{other}"), CITY_ONLY),
        ("/staff/charts/trend.svg?agency=T.NOPE".into(), [404, 404, 404, 403, 403, 303]),
        ("/api/v1/indices".into(), API_EVERY_ROLE),
        (format!("/api/v1/indices?{own}"), API_EVERY_ROLE),
        (format!("/api/v1/indices?{other}"), API_CITY_ONLY),
        ("/api/v1/indices?agency=T.CITY&group_by=agency".into(), API_CITY_ONLY),
        ("/api/v1/indices?agency=T.HEALTH&lineage=true".into(), API_CITY_ONLY),
        ("/api/v1/indices?agency=T.NOPE".into(), [422, 422, 422, 403, 403, 401]),
    ];
    let mut failures = Vec::new();
    for (path, expected) in &matrix {
        for ((who, c), want) in WHO.iter().zip(&clients).zip(expected) {
            let res = c.get(app.url(path)).send().await.unwrap();
            let status = res.status().as_u16();
            let location = res.headers().get(LOCATION).map(|l| l.to_str().unwrap().to_owned());
            let body = res.text().await.unwrap();
            if status != *want {
                failures.push(format!("{who} GET {path}: {status}, expected {want}"));
            }
            if status == 303 && location.as_deref().is_none_or(|l| !l.starts_with("/login")) {
                failures.push(format!("{who} GET {path}: redirected to {location:?}, not to /login"));
            }
            // A refusal shows nothing of the agency: no name, no comment, no figure.
            if status == 403
                && (body.contains("Sở Y tế") || body.contains("bí mật") || body.contains("Department of Health"))
            {
                failures.push(format!("{who} GET {path}: the 403 leaks the agency"));
            }
        }
    }
    assert!(failures.is_empty(), "{} of {} checks failed:\n{}", failures.len(), matrix.len() * 6, failures.join("\n"));
}

#[tokio::test]
async fn what_an_agency_user_sees_is_their_subtree_only() {
    let app = spawn_app().await;
    seed(&app).await;
    let clients = clients(&app).await;
    let viewer = &clients[4];
    let year = sipas::clock::today().format("%Y").to_string();

    // The API with the session: the default selection and every grouping stay in the subtree.
    for group_by in ["", "agency", "field", "channel", "month"] {
        let res =
            viewer.get(app.url(&format!("/api/v1/indices?period={year}&group_by={group_by}"))).send().await.unwrap();
        assert_eq!(res.status(), 200, "group_by={group_by}");
        let body: Value = res.json().await.unwrap();
        let total: u64 = body["groups"].as_array().unwrap().iter().map(|g| g["n_responses"].as_u64().unwrap()).sum();
        assert_eq!(total, 1, "group_by={group_by}: only T.FINANCE's one response: {body}");
        let codes: Vec<&str> = body["groups"].as_array().unwrap().iter().map(|g| g["code"].as_str().unwrap()).collect();
        assert!(!codes.iter().any(|c| c.starts_with("T.") && *c != "T.FINANCE"), "{codes:?}");
    }
    // Their agency page shows their comment only.
    let html = viewer.get(app.url("/staff/agencies/T.FINANCE")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Góp ý bí mật của T.FINANCE"));
    assert!(!html.contains("Góp ý bí mật của T.HEALTH") && !html.contains("Góp ý bí mật của T.HOSPITAL"));
    // A city viewer's page for the department shows its hospital's comment too (subtree).
    let html = clients[1].get(app.url("/staff/agencies/T.HEALTH")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Góp ý bí mật của T.HEALTH") && html.contains("Góp ý bí mật của T.HOSPITAL"));
    assert!(!html.contains("Góp ý bí mật của T.FINANCE"));

    // A department user sees its hospital, not its sibling.
    let health = staff_user(&app, "yt.viewer", Role::AgencyViewer, Some("T.HEALTH")).await;
    assert_eq!(health.get(app.url("/staff/agencies/T.HOSPITAL")).send().await.unwrap().status(), 200);
    assert_eq!(health.get(app.url("/staff/agencies/T.FINANCE")).send().await.unwrap().status(), 403);
    let body: Value = health
        .get(app.url(&format!("/api/v1/indices?period={year}&group_by=agency")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let codes: Vec<&str> = body["groups"].as_array().unwrap().iter().map(|g| g["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["T.HEALTH", "T.HOSPITAL"]);

    // Every comment view was audited, with the viewer's name.
    let audit = sipas::store::audit::recent(&mut app.db.get().unwrap(), 50).unwrap();
    assert!(audit
        .iter()
        .any(|e| e.actor == "tc.viewer" && e.action == "view_comments" && e.target.contains("T.FINANCE")));
    assert!(audit.iter().any(|e| e.actor == "city" && e.target.contains("T.HOSPITAL")));
}
