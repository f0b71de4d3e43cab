//! `email::digest::digest_figures` on a real database: the week's and the week before's
//! figures equal `GET /api/v1/indices` over the same days, the trend covers eight weeks, the
//! survey is the agency's busiest one, and the digest composes from real figures.

use chrono::{Duration, NaiveDate};
use serde_json::Value;
use sipas::email::compose::StaffRecipient;
use sipas::email::digest::{digest, digest_figures, DigestFigures};
use sipas::store::aggregates;
use sipas::store::api_keys::Scope;
use sipas::store::invitations::{DossierScope, NewInvitation};
use sipas::store::responses::{NewResponse, ProfileColumns};
use sipas::surveys::Registry;

use crate::helpers::{manifest_dir, spawn_app, TestApp};

const EPS: f64 = 1e-9;
const SECRET: &[u8] = b"test-secret-key-that-is-long-enough-0123456789";

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// The week of the digest: Monday 16 to Sunday 22 November 2026.
fn monday() -> NaiveDate {
    d("2026-11-16")
}

/// Stores an invitation handled on `day` and, with `answers`, its response given that day.
fn respond(app: &TestApp, key: &str, agency: &str, survey: &str, day: NaiveDate, answers: Option<Vec<(&str, i32)>>) {
    let mut conn = app.db.get().unwrap();
    let scope = DossierScope {
        agency_code: agency.into(),
        dossier_code: format!("HS-DIGEST-{key}"),
        field: "health".into(),
        procedure_code: None,
        channel: "in_person".into(),
        handled_on: day,
    };
    let now = sipas::clock::now_naive();
    let new = NewInvitation::new(SECRET, scope, (survey, 1), "vi", None, now, 30);
    let (inv, created) = sipas::store::invitations::create_or_get(&mut conn, &new, None).unwrap();
    assert!(created);
    if let Some(answers) = answers {
        let response = NewResponse {
            submitted_on: day,
            locale: "vi".into(),
            comment: None,
            profile: ProfileColumns::default(),
            answers: answers.into_iter().map(|(item, v)| (item.to_owned(), Some(v))).collect(),
        };
        sipas::store::responses::submit(&mut conn, &new.token_hash, &inv, now, &response, None).unwrap();
    }
}

/// Every index item of `sipas-dossier` at `base`, with `low` items at 1.
fn dossier(base: i32, low: &[&'static str]) -> Vec<(&'static str, i32)> {
    ["A1", "A2", "A3", "B1", "B2", "B3", "B4", "C1", "C2", "C3", "D1", "D2", "D3", "E1", "E2", "E3"]
        .into_iter()
        .map(|id| (id, if low.contains(&id) { 1 } else { base }))
        .collect()
}

async fn api(app: &TestApp, key: &str, query: &str) -> Value {
    let res = app.client.get(app.url(&format!("/api/v1/indices?{query}"))).bearer_auth(key).send().await.unwrap();
    assert_eq!(res.status(), 200, "{query}");
    res.json().await.unwrap()
}

fn same(a: Option<f64>, b: &Value) {
    match (a, b.as_f64()) {
        (Some(a), Some(b)) => assert!((a - b).abs() < EPS, "{a} != {b}"),
        (None, None) => {}
        (a, _) => panic!("{a:?} != {b}"),
    }
}

fn figures(app: &TestApp, registry: &Registry, agency: &str, day: NaiveDate) -> Option<DigestFigures> {
    let mut conn = app.db.get().unwrap();
    digest_figures(&mut conn, registry, agency, day, 85.0, 30, "https://khaosat.example.vn/", "sipas-dossier").unwrap()
}

#[tokio::test]
async fn digest_figures_match_the_index_api() {
    let app = spawn_app().await;
    let registry = Registry::load_dir(&manifest_dir().join("survey-definitions")).unwrap();
    let this = monday();
    let last = this - Duration::days(7);
    // This week: T.HEALTH and its hospital; B2 rated 1 by a third of them, C3 by one.
    for i in 0..6 {
        let low: &[&str] = if i % 3 == 0 { &["B2"] } else { &[] };
        respond(
            &app,
            &format!("t{i}"),
            "T.HEALTH",
            "sipas-dossier",
            this + Duration::days(i % 7),
            Some(dossier(4, low)),
        );
    }
    respond(&app, "t-c3", "T.HOSPITAL", "sipas-dossier", this + Duration::days(6), Some(dossier(5, &["C3"])));
    respond(&app, "t-open", "T.HEALTH", "sipas-dossier", this + Duration::days(2), None);
    // Last week: lower; five weeks ago: one response; outside the subtree and after Sunday: ignored.
    for i in 0..4 {
        respond(
            &app,
            &format!("l{i}"),
            "T.HEALTH",
            "sipas-dossier",
            last + Duration::days(i),
            Some(dossier(2 + (i as i32 % 3), &[])),
        );
    }
    respond(&app, "old", "T.HEALTH", "sipas-dossier", this - Duration::days(35), Some(dossier(5, &[])));
    respond(&app, "other", "T.FINANCE", "sipas-dossier", this, Some(dossier(1, &[])));
    respond(&app, "next", "T.HEALTH", "sipas-dossier", this + Duration::days(7), Some(dossier(1, &[])));
    // The hospital alone answers its own survey more often than the dossier survey.
    let health: Vec<(&str, i32)> = ["A1", "B1", "C1", "D1", "E1"].into_iter().map(|id| (id, 5)).collect();
    for i in 0..3 {
        respond(&app, &format!("h{i}"), "T.HOSPITAL", "health-public", this + Duration::days(i), Some(health.clone()));
    }
    {
        let mut conn = app.db.get().unwrap();
        while aggregates::fold_pending(&mut conn, 100).unwrap() > 0 {}
    }

    // A Thursday stands for its week.
    let f = figures(&app, &registry, "T.HEALTH", this + Duration::days(3)).unwrap();
    assert_eq!((f.week_from, f.week_to), (this, d("2026-11-22")));
    assert_eq!((f.survey_id.as_str(), f.agency_vi.as_str()), ("sipas-dossier", "Sở Y tế"));
    assert_eq!(
        f.agency_url,
        "https://khaosat.example.vn/staff/agencies/T.HEALTH?survey=sipas-dossier&period=2026-11-16..2026-11-22"
    );
    let key = sipas::store::api_keys::create(&mut app.db.get().unwrap(), "reader", Scope::Read, None).unwrap().1;
    for (week, figures) in [(this, &f.this_week), (last, &f.last_week)] {
        let body = api(&app, &key, &format!("from={week}&to={}&agency=T.HEALTH", week + Duration::days(6))).await;
        let g = &body["groups"][0];
        same(figures.value, &g["overall"]["value"]);
        assert_eq!(figures.n, g["overall"]["n"].as_u64().unwrap());
        assert_eq!(figures.n_responses, g["n_responses"].as_u64().unwrap());
        same(figures.response_rate.map(|r| r * 100.0), &g["response_rate"]);
        assert_eq!(figures.small_n, g["small_n"].as_bool().unwrap());
        let criteria = g["criteria"].as_array().unwrap();
        assert_eq!(f.criteria.len(), 5);
        for (line, api) in f.criteria.iter().zip(criteria) {
            assert_eq!(line.id, api["id"].as_str().unwrap());
            same(if week == this { line.this_week } else { line.last_week }, &api["value"]);
        }
    }
    assert_eq!((f.this_week.n_responses, f.last_week.n_responses), (7, 4));
    assert_eq!(f.this_week.n_invitations, Some(8), "the unanswered invitation counts");
    assert!(f.this_week.value.unwrap() > f.last_week.value.unwrap());
    assert_eq!(f.criteria[0].label_vi, "Tiếp cận dịch vụ");
    // Lowest: B2 (two of seven at 1), then C3 (one of seven); then the first of the ties.
    let lowest: Vec<&str> = f.lowest_items.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(lowest, ["B2", "C3", "A1"]);
    assert!((f.lowest_items[0].value - 500.0 / 7.0).abs() < EPS && f.lowest_items[0].n == 7);
    // Eight weeks, oldest first, each equal to the API over its days.
    let labels: Vec<&str> = f.trend.iter().map(|t| t.0.as_str()).collect();
    assert_eq!(labels, ["28/09", "05/10", "12/10", "19/10", "26/10", "02/11", "09/11", "16/11"]);
    for (i, (_, value, n)) in f.trend.iter().enumerate() {
        let from = this - Duration::days(7 * (7 - i as i64));
        let body = api(&app, &key, &format!("from={from}&to={}&agency=T.HEALTH", from + Duration::days(6))).await;
        same(*value, &body["groups"][0]["overall"]["value"]);
        assert_eq!(*n, body["groups"][0]["overall"]["n"].as_u64().unwrap());
    }
    assert!(f.trend[2].1.is_some() && f.trend[3].1.is_none(), "five weeks back has a value, four weeks back none");

    // The hospital's busiest survey is its own; an agency without answers gets the default.
    let h = figures(&app, &registry, "T.HOSPITAL", this).unwrap();
    assert_eq!((h.survey_id.as_str(), h.this_week.n_responses, h.criteria.len()), ("health-public", 3, 5));
    let body = api(&app, &key, &format!("survey=health-public&from={this}&to=2026-11-22&agency=T.HOSPITAL")).await;
    same(h.this_week.value, &body["groups"][0]["overall"]["value"]);
    let w = figures(&app, &registry, "T.WARD", this).unwrap();
    assert_eq!((w.survey_id.as_str(), w.this_week.value, w.this_week.n_responses), ("sipas-dossier", None, 0));
    assert!(figures(&app, &registry, "T.NOWHERE", this).is_none());

    // The digest composes from real figures, chart included.
    let to = StaffRecipient {
        address: "quanly@soyte.example.vn".into(),
        username: "quan.ly".into(),
        unsubscribe_url: "https://khaosat.example.vn/unsubscribe/abc".into(),
        preferences_url: "https://khaosat.example.vn/staff/notifications".into(),
    };
    for figures in [&f, &w] {
        let letter = digest(&to, figures).unwrap();
        assert!(letter.subject.starts_with("Bản tin tuần 16/11–22/11/2026: "), "{}", letter.subject);
        assert!(letter.inline.len() == 1 && letter.text.contains(&figures.agency_url));
        letter.to_message(&"noreply@khaosat.example.vn".parse().unwrap(), "<1@x>").unwrap();
    }
}
