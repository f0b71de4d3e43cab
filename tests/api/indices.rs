//! `GET /api/v1/indices`: figures computed by hand on a small dataset (not-applicable
//! answers, a small-n cell, an empty period, subtree roll-up, response rate), the same
//! figures as an independent brute-force recomputation over the raw responses on a random
//! dataset (ragged and aligned ranges, every grouping), scope and bad input.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Duration, NaiveDate};
use serde_json::{json, Value};
use sipas::indices::GroupInput;
use sipas::store::aggregates;
use sipas::store::api_keys::Scope;
use sipas::store::invitations::{DossierScope, NewInvitation};
use sipas::store::responses::{NewResponse, ProfileColumns};

use crate::helpers::{full_answers, spawn_app_with, TestApp};

const EPS: f64 = 1e-9;

fn read_key(app: &TestApp, agency: Option<&str>) -> String {
    sipas::store::api_keys::create(&mut app.db.get().unwrap(), "reader", Scope::Read, agency).unwrap().1
}

async fn get(app: &TestApp, key: &str, query: &str) -> (u16, Value) {
    let res = app.client.get(app.url(&format!("/api/v1/indices?{query}"))).bearer_auth(key).send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

fn fold(app: &TestApp) {
    let mut conn = app.db.get().unwrap();
    while aggregates::fold_pending(&mut conn, 100).unwrap() > 0 {}
}

/// Mints an invitation handled now for `agency`, and answers it with `changes` applied to
/// `full_answers()` unless `answer` is false.
async fn respond(app: &TestApp, n: usize, agency: &str, changes: &[(&str, Value)], answer: bool) {
    let handled = sipas::clock::now() - Duration::minutes(1);
    let body = json!({
        "dossier_code": format!("HS-IDX-{agency}-{n}"),
        "agency_code": agency,
        "field": "land",
        "channel": "in_person",
        "handled_at": handled.to_rfc3339(),
    });
    let token = app.mint(&body).await["token"].as_str().unwrap().to_owned();
    if answer {
        let mut body = full_answers();
        for (item, value) in changes {
            body["answers"][*item] = value.clone();
        }
        assert_eq!(app.post_answers(&token, &body).await.status(), 201);
    }
}

fn wilson(successes: f64, n: f64) -> (f64, f64) {
    let z = sipas::indices::stats::Z_95;
    let p = successes / n;
    let denominator = 1.0 + z * z / n;
    let centre = (p + z * z / (2.0 * n)) / denominator;
    let half = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / denominator;
    (100.0 * (centre - half), 100.0 * (centre + half))
}

fn close(v: &Value, expected: f64) {
    let got = v.as_f64().unwrap_or_else(|| panic!("expected a number, got {v}"));
    assert!((got - expected).abs() < EPS, "got {got}, expected {expected}");
}

/// Equal JSON, numbers to 1e-9 (a float does not always survive a JSON round trip exactly).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => (x.as_f64().unwrap() - y.as_f64().unwrap()).abs() < EPS,
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

fn group<'a>(body: &'a Value, code: &str) -> &'a Value {
    body["groups"].as_array().unwrap().iter().find(|g| g["code"] == code).unwrap_or_else(|| panic!("no group {code}"))
}

fn figure<'a>(group: &'a Value, list: &str, id: &str) -> &'a Value {
    group[list].as_array().unwrap().iter().find(|f| f["id"] == id).unwrap_or_else(|| panic!("no {list} {id}"))
}

#[tokio::test]
async fn figures_match_a_hand_computation() {
    let app = spawn_app_with(|s| s.small_n = 3).await;
    // T.FINANCE: five answers to A1 (5, 4, 3, 2, 1), E2 "not applicable" throughout, E3 = 3;
    // three more invitations left unanswered.
    for (i, a1) in [5, 4, 3, 2, 1].into_iter().enumerate() {
        respond(&app, i, "T.FINANCE", &[("A1", json!(a1))], true).await;
    }
    for i in 5..8 {
        respond(&app, i, "T.FINANCE", &[], false).await;
    }
    // T.HEALTH one response, its hospital two, all satisfied on E3 too.
    respond(&app, 0, "T.HEALTH", &[("E3", json!(5))], true).await;
    for i in 0..2 {
        respond(&app, i, "T.HOSPITAL", &[("E3", json!(5))], true).await;
    }
    fold(&app);

    let today = sipas::clock::today();
    let range = format!("from={}&to={}", today - Duration::days(1), today + Duration::days(1));
    let key = read_key(&app, None);
    let (status, body) = get(&app, &key, &format!("{range}&group_by=agency")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["method"], "sipas-v1");
    assert_eq!((body["survey_id"].as_str(), body["survey_version"].as_u64()), (Some("sipas-dossier"), Some(1)));
    assert_eq!(body["label_vi"], "Chỉ số hài lòng (theo phương pháp SIPAS)");
    assert_eq!(body["weights"]["criteria"].as_array().unwrap().len(), 5);
    let codes: Vec<&str> = body["groups"].as_array().unwrap().iter().map(|g| g["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["T.CITY", "T.FINANCE", "T.HEALTH", "T.HOSPITAL"], "agencies without data are left out");

    let finance = group(&body, "T.FINANCE");
    assert_eq!((finance["n_responses"].as_u64(), finance["n_invitations"].as_u64()), (Some(5), Some(8)));
    close(&finance["response_rate"], 100.0 * 5.0 / 8.0);
    let a1 = figure(finance, "items", "A1");
    close(&a1["value"], 40.0);
    assert_eq!((a1["n"].as_u64(), a1["small_n"].as_bool()), (Some(5), Some(false)));
    assert_eq!(a1["distribution"], json!([1, 1, 1, 1, 1]));
    let (low, high) = wilson(2.0, 5.0);
    close(&a1["ci_low"], low);
    close(&a1["ci_high"], high);
    close(&a1["mean"], 3.0);
    let e2 = figure(finance, "items", "E2");
    assert_eq!((e2["value"].clone(), e2["n"].as_u64(), e2["not_applicable"].as_u64()), (Value::Null, Some(0), Some(5)));
    // A = mean(40, 100, 100); E = mean(100, 0) without E2; overall = mean of the five criteria.
    close(&figure(finance, "criteria", "A")["value"], 80.0);
    close(&figure(finance, "criteria", "E")["value"], 50.0);
    close(&figure(finance, "criteria", "B")["value"], 100.0);
    close(&finance["overall"]["value"], (80.0 + 100.0 + 100.0 + 100.0 + 50.0) / 5.0);
    assert_eq!(finance["overall"]["n"].as_u64(), Some(5));

    // The department covers its hospital; the hospital alone is small-n (2 < 3).
    let health = group(&body, "T.HEALTH");
    assert_eq!((health["n_responses"].as_u64(), health["small_n"].as_bool()), (Some(3), Some(false)));
    close(&figure(health, "criteria", "E")["value"], 100.0);
    let hospital = group(&body, "T.HOSPITAL");
    assert_eq!((hospital["n_responses"].as_u64(), hospital["small_n"].as_bool()), (Some(2), Some(true)));
    assert_eq!((hospital["depth"].as_u64(), hospital["parent"].as_str()), (Some(2), Some("T.HEALTH")));
    let city = group(&body, "T.CITY");
    assert_eq!((city["n_responses"].as_u64(), city["n_invitations"].as_u64()), (Some(8), Some(11)));
    close(&figure(city, "items", "A1")["value"], 100.0 * 5.0 / 8.0);

    // Every key of the reply is documented in /openapi.json.
    let doc: Value = app.client.get(app.url("/openapi.json")).send().await.unwrap().json().await.unwrap();
    let schema = &doc["components"]["schemas"]["IndexReport"];
    for k in body.as_object().unwrap().keys() {
        assert!(schema["properties"][k].is_object(), "IndexReport.{k} is not documented");
    }
    for k in hospital.as_object().unwrap().keys() {
        assert!(schema["properties"]["groups"]["items"]["properties"][k].is_object(), "group.{k} is not documented");
    }
    assert!(doc["paths"]["/api/v1/indices"]["get"]["parameters"].as_array().unwrap().len() >= 16);

    // One group without group_by; the same numbers through the half-month totals (a year).
    let year = today.format("%Y").to_string();
    let (status, body) = get(&app, &key, &format!("period={year}&agency=T.FINANCE")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["groups"].as_array().unwrap().len(), 1);
    assert_eq!(body["groups"][0]["n_responses"].as_u64(), Some(5));
    close(&body["groups"][0]["overall"]["value"], 86.0);

    // An empty period: a group with no values, never an error.
    let (status, body) = get(&app, &key, "period=2020-Q1&agency=T.FINANCE").await;
    assert_eq!(status, 200, "{body}");
    let empty = &body["groups"][0];
    assert_eq!((empty["n_responses"].as_u64(), empty["overall"]["value"].clone()), (Some(0), Value::Null));
    assert_eq!(empty["response_rate"], Value::Null);
    assert_eq!(empty["small_n"], true);

    // By month: this month has the eight responses.
    let (status, body) = get(&app, &key, &format!("period={year}&group_by=month")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["groups"].as_array().unwrap().len(), 12);
    let month = format!("{year}-M{}", today.format("%m"));
    assert_eq!(group(&body, &month)["n_responses"].as_u64(), Some(8));
    assert_eq!(body["groups"].as_array().unwrap().iter().map(|g| g["n_responses"].as_u64().unwrap()).sum::<u64>(), 8);
}

/// A small deterministic generator (splitmix64), so a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[self.below(list.len() as u64) as usize]
    }
}

const AGENCIES: [&str; 5] = ["T.CITY", "T.HEALTH", "T.HOSPITAL", "T.FINANCE", "T.WARD"];
const FIELDS: [&str; 3] = ["land", "health", "civil_status"];
const CHANNELS: [&str; 2] = ["in_person", "online"];
const ITEMS: [&str; 16] =
    ["A1", "A2", "A3", "A4", "B1", "B2", "B3", "B4", "C1", "C2", "C3", "D1", "D2", "D3", "E1", "E2"];

fn parent(code: &str) -> Option<&'static str> {
    match code {
        "T.HOSPITAL" => Some("T.HEALTH"),
        "T.CITY" => None,
        _ => Some("T.CITY"),
    }
}

fn within(code: &str, root: &str) -> bool {
    let mut c = Some(code);
    while let Some(x) = c {
        if x == root {
            return true;
        }
        c = parent(x);
    }
    false
}

struct Raw {
    agency: String,
    field: String,
    channel: String,
    day: NaiveDate,
}

#[tokio::test]
async fn figures_equal_a_brute_force_recomputation_on_random_data() {
    let app = spawn_app_with(|_| {}).await;
    let secret = b"test-secret-key-that-is-long-enough-0123456789";
    let mut rng = Rng(20261122);
    let first = NaiveDate::from_ymd_opt(2025, 11, 20).unwrap();
    let now = sipas::clock::now_naive();
    let mut invitations = Vec::new();
    {
        let mut conn = app.db.get().unwrap();
        for i in 0..400 {
            let scope = DossierScope {
                agency_code: rng.pick(&AGENCIES).to_owned(),
                dossier_code: format!("RND-{i}"),
                field: rng.pick(&FIELDS).to_owned(),
                procedure_code: None,
                channel: rng.pick(&CHANNELS).to_owned(),
                handled_on: first + Duration::days(rng.below(150) as i64),
            };
            let new = NewInvitation::new(secret, scope, ("sipas-dossier", 1), "vi", None, now, 30);
            let (inv, created) = sipas::store::invitations::create_or_get(&mut conn, &new, None).unwrap();
            assert!(created);
            invitations.push(Raw {
                agency: inv.agency_code.clone(),
                field: inv.field.clone(),
                channel: inv.channel.clone(),
                day: inv.handled_on,
            });
            if rng.below(10) < 7 {
                let mut answers = Vec::new();
                for item in ITEMS {
                    match rng.below(10) {
                        0 => {}                                     // missing
                        1 => answers.push((item.to_owned(), None)), // not applicable
                        _ => answers.push((item.to_owned(), Some(1 + rng.below(5) as i32))),
                    }
                }
                let response = NewResponse {
                    submitted_on: inv.handled_on + Duration::days(rng.below(20) as i64),
                    locale: "vi".into(),
                    comment: None,
                    profile: ProfileColumns::default(),
                    answers,
                };
                sipas::store::responses::submit(&mut conn, &new.token_hash, &inv, now, &response, None).unwrap();
            }
            // Fold now and then, so the counters are built by several folds.
            if i % 97 == 0 {
                aggregates::fold_pending(&mut conn, 50).unwrap();
            }
        }
    }
    fold(&app);
    assert_eq!(aggregates::verify(&mut app.db.get().unwrap()).unwrap(), vec![]);
    let responses = sipas::store::responses::all(&mut app.db.get().unwrap()).unwrap();
    let registry =
        sipas::surveys::Registry::load_dir(&crate::helpers::manifest_dir().join("survey-definitions")).unwrap();
    let def = registry.latest("sipas-dossier").unwrap();
    let key = read_key(&app, None);

    let mut checked = 0;
    for round in 0..24 {
        // Ranges: aligned half-months, ragged ends, single days, ranges inside one span.
        let from = first + Duration::days(rng.below(170) as i64);
        let to = from + Duration::days(rng.below(90) as i64);
        let (from, to) = if round % 4 == 0 {
            (NaiveDate::from_ymd_opt(2025, 12, 15).unwrap(), NaiveDate::from_ymd_opt(2026, 3, 14).unwrap())
        } else {
            (from, to)
        };
        let agency = ["", "T.HEALTH", "T.CITY", "T.FINANCE"][rng.below(4) as usize];
        let field = ["", "land"][rng.below(2) as usize];
        let channel = ["", "online"][rng.below(2) as usize];
        let group_by = ["", "agency", "field", "channel"][rng.below(4) as usize];
        let query = format!("from={from}&to={to}&agency={agency}&field={field}&channel={channel}&group_by={group_by}");
        let (status, body) = get(&app, &key, &query).await;
        assert_eq!(status, 200, "{query}: {body}");

        let selected = |a: &str| agency.is_empty() || within(a, agency);
        let filters = |a: &str, f: &str, c: &str| {
            selected(a) && (field.is_empty() || f == field) && (channel.is_empty() || c == channel)
        };
        // Group keys of a row: its agency and ancestors (by agency), its field/channel, or all.
        let keys = |a: &str, f: &str, c: &str| -> Vec<String> {
            match group_by {
                "agency" => AGENCIES.iter().filter(|g| within(a, g) && selected(g)).map(|g| g.to_string()).collect(),
                "field" => vec![f.to_owned()],
                "channel" => vec![c.to_owned()],
                _ => vec!["all".to_owned()],
            }
        };
        let mut expected: BTreeMap<String, GroupInput> = BTreeMap::new();
        for r in responses.iter().filter(|r| r.submitted_on >= from && r.submitted_on <= to) {
            if !filters(&r.agency_code, &r.field, &r.channel) {
                continue;
            }
            for k in keys(&r.agency_code, &r.field, &r.channel) {
                let g = expected.entry(k).or_default();
                g.n_responses += 1;
                for (item, value) in &r.answers {
                    g.counts.entry(item.clone()).or_default().add(*value);
                }
            }
        }
        let mut invited: BTreeMap<String, u64> = BTreeMap::new();
        for inv in
            invitations.iter().filter(|i| i.day >= from && i.day <= to && filters(&i.agency, &i.field, &i.channel))
        {
            for k in keys(&inv.agency, &inv.field, &inv.channel) {
                *invited.entry(k).or_default() += 1;
            }
        }
        let groups = body["groups"].as_array().unwrap();
        let got_keys: BTreeSet<String> = groups.iter().map(|g| g["code"].as_str().unwrap().to_owned()).collect();
        if group_by.is_empty() {
            assert_eq!(groups.len(), 1, "{query}");
        } else {
            let want: BTreeSet<String> = expected.keys().chain(invited.keys()).cloned().collect();
            assert_eq!(got_keys, want, "{query}");
        }
        for g in groups {
            let code = g["code"].as_str().unwrap();
            let mut input = expected.get(code).cloned().unwrap_or_default();
            input.n_invitations = Some(invited.get(code).copied().unwrap_or(0));
            let mut want =
                serde_json::to_value(sipas::indices::compute(def, &input, sipas::indices::DEFAULT_SMALL_N)).unwrap();
            // The engine keeps a ratio; the API writes every rate as a percentage.
            if let Some(rate) = want["response_rate"].as_f64() {
                want["response_rate"] = serde_json::json!(rate * 100.0);
            }
            for field in ["n_responses", "response_rate", "overall", "domains", "criteria", "items", "small_n"] {
                assert!(
                    same(&g[field], &want[field]),
                    "{query}: group {code}, {field}: {} != {}",
                    g[field],
                    want[field]
                );
            }
            assert_eq!(g["n_invitations"].as_u64(), input.n_invitations, "{query}: group {code}");
            checked += 1;
        }
    }
    assert!(checked >= 24, "{checked} groups compared");
}

#[tokio::test]
async fn scope_is_enforced_and_bad_input_is_named() {
    let app = spawn_app_with(|_| {}).await;
    respond(&app, 0, "T.FINANCE", &[], true).await;
    respond(&app, 0, "T.HOSPITAL", &[], true).await;
    fold(&app);
    let health = read_key(&app, Some("T.HEALTH"));
    let today = sipas::clock::today();
    let year = today.format("%Y").to_string();

    // An agency key sees its subtree only: by default, and grouped by agency.
    let (status, body) = get(&app, &health, &format!("period={year}&group_by=agency")).await;
    assert_eq!(status, 200, "{body}");
    let codes: Vec<&str> = body["groups"].as_array().unwrap().iter().map(|g| g["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["T.HEALTH", "T.HOSPITAL"]);
    assert_eq!(group(&body, "T.HEALTH")["n_responses"].as_u64(), Some(1));
    let (_, body) = get(&app, &health, &format!("period={year}&group_by=field")).await;
    assert_eq!(body["groups"][0]["n_responses"].as_u64(), Some(1), "field groups stay inside the subtree");
    // Another agency, the city, and an agency that does not exist: the same 403.
    let mut refusals = Vec::new();
    for agency in ["T.FINANCE", "T.CITY", "T.NOPE"] {
        let (status, body) = get(&app, &health, &format!("period={year}&agency={agency}")).await;
        assert_eq!(status, 403, "{agency}: {body}");
        refusals.push(body);
    }
    assert!(refusals.windows(2).all(|w| w[0] == w[1]), "no hint whether the agency exists: {refusals:?}");
    // A lineage never reaches outside the subtree.
    let (status, _) = get(&app, &health, &format!("period={year}&agency=T.FINANCE&lineage=true")).await;
    assert_eq!(status, 403);

    // Keys: missing, wrong, of the wrong scope.
    let res = app.client.get(app.url("/api/v1/indices")).send().await.unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(get(&app, "sipas_wrong", "").await.0, 401);
    assert_eq!(get(&app, &app.api_key, "").await.0, 403, "an invitations key cannot read");

    // Bad input: each parameter named, never a 500.
    let city = read_key(&app, None);
    for (query, field) in [
        ("period=2026-Q7", "period"),
        ("period=someday", "period"),
        ("from=2026-05-01&to=2026-01-01", "to"),
        ("from=1999-01-01&to=2000-02-01", "to"),
        ("from=2026-01-01", "to"),
        ("from=2026-02-30&to=2026-03-01", "from"),
        ("field=fishing", "field"),
        ("channel=pigeon", "channel"),
        ("group_by=day", "group_by"),
        ("agency=T.NOPE", "agency"),
        ("survey=nope", "survey"),
        ("survey=sipas-dossier&version=9", "version"),
        ("colour=red", "colour"),
        ("period=2026&period=2025", "period"),
    ] {
        let (status, body) = get(&app, &city, query).await;
        assert_eq!(status, 422, "{query}: {body}");
        assert_eq!(body["error"], "validation", "{query}");
        assert!(body["fields"][field].is_string(), "{query}: {body}");
    }
    // Bytes that are not UTF-8 are decoded lossily, then refused like any bad value.
    let (status, body) = get(&app, &city, "period=%FF%FE").await;
    assert_eq!((status, body["fields"]["period"].is_string()), (422, true), "{body}");
}

#[tokio::test]
async fn procedure_and_profile_slices_take_their_own_paths() {
    let app = spawn_app_with(|_| {}).await;
    let handled = (sipas::clock::now() - Duration::minutes(1)).to_rfc3339();
    // Three responses: two with a procedure code (one by a man), one without (a woman).
    for (i, (procedure, gender, a1)) in
        [(Some("1.001"), "male", 5), (Some("1.001"), "female", 1), (None, "female", 4)].into_iter().enumerate()
    {
        let mut body = json!({
            "dossier_code": format!("HS-SLICE-{i}"),
            "agency_code": "T.WARD",
            "field": "civil_status",
            "channel": "in_person",
            "handled_at": handled,
        });
        if let Some(p) = procedure {
            body["procedure_code"] = json!(p);
        }
        let token = app.mint(&body).await["token"].as_str().unwrap().to_owned();
        let mut answers = full_answers();
        answers["answers"]["A1"] = json!(a1);
        answers["profile"] = json!({ "gender": gender });
        assert_eq!(app.post_answers(&token, &answers).await.status(), 201);
    }
    // An unanswered invitation with the procedure code.
    let mut body = invitation_body_for("HS-SLICE-9", "T.WARD", &handled);
    body["procedure_code"] = json!("1.001");
    app.mint(&body).await;
    fold(&app);
    let key = read_key(&app, None);
    let year = sipas::clock::today().format("%Y").to_string();

    let (status, body) = get(&app, &key, &format!("period={year}&procedure=1.001")).await;
    assert_eq!(status, 200, "{body}");
    let g = &body["groups"][0];
    assert_eq!((g["n_responses"].as_u64(), g["n_invitations"].as_u64()), (Some(2), Some(3)));
    close(&figure(g, "items", "A1")["value"], 50.0);

    let (status, body) = get(&app, &key, &format!("period={year}&gender=female")).await;
    assert_eq!(status, 200, "{body}");
    let g = &body["groups"][0];
    assert_eq!(g["n_responses"].as_u64(), Some(2));
    assert_eq!(
        (g["n_invitations"].clone(), g["response_rate"].clone()),
        (Value::Null, Value::Null),
        "no rate for a profile"
    );
    close(&figure(g, "items", "A1")["value"], 50.0);
    assert_eq!(body["selection"]["profile"]["gender"], "female");

    let (_, body) = get(&app, &key, &format!("period={year}&gender=female&procedure=1.001&group_by=channel")).await;
    assert_eq!(body["groups"][0]["code"], "in_person");
    assert_eq!(body["groups"][0]["n_responses"].as_u64(), Some(1));
    close(&figure(&body["groups"][0], "items", "A1")["value"], 0.0);
}

fn invitation_body_for(dossier: &str, agency: &str, handled: &str) -> Value {
    json!({
        "dossier_code": dossier,
        "agency_code": agency,
        "field": "civil_status",
        "channel": "in_person",
        "handled_at": handled,
    })
}
