//! Submitting answers: storage rules, privacy, atomicity and the one-response race.

use serde_json::{json, Value};

use crate::helpers::{full_answers, spawn_app};

#[tokio::test]
async fn a_valid_response_is_stored_in_long_form_with_scope_and_date_only() {
    let app = spawn_app().await;
    let token = app.mint_token("HS-STORE").await;
    let res = app.post_answers(&token, &full_answers()).await;
    assert_eq!(res.status(), 201);
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "stored");
    let stored = sipas::store::responses::all(&mut app.db.get().unwrap()).unwrap();
    assert_eq!(stored.len(), 1);
    let r = &stored[0];
    assert_eq!((r.agency_code.as_str(), r.field.as_str(), r.channel.as_str()), ("T.FINANCE", "land", "in_person"));
    assert_eq!((r.survey_id.as_str(), r.survey_version), ("sipas-dossier", 1));
    assert_eq!(r.submitted_on, sipas::clock::today());
    assert_eq!(r.comment.as_deref(), Some("Cán bộ nhiệt tình, hướng dẫn rõ ràng."));
    let get = |id: &str| r.answers.iter().find(|(i, _)| i == id).map(|(_, v)| *v);
    assert_eq!(get("A1"), Some(Some(4)));
    assert_eq!(get("E2"), Some(None), "not applicable is stored as missing, never as a score");
    assert_eq!(get("improve.transparency"), Some(Some(1)));
    assert_eq!(get("improve.staff_attitude"), Some(Some(1)));
    assert_eq!(get("A4"), None, "online-only item not asked in person");
    assert_eq!(r.answers.len(), 16 + 1 + 2, "16 items, overall, two priorities");
}

/// Nothing in the responses tables can be joined back to a token or a dossier.
#[tokio::test]
async fn responses_hold_no_link_to_the_invitation() {
    let app = spawn_app().await;
    let token = app.mint_token("HS-PRIVATE").await;
    assert_eq!(app.post_answers(&token, &full_answers()).await.status(), 201);
    use diesel::prelude::*;
    let mut conn = app.db.get().unwrap();
    let (inv_id, hash): (String, String) = sipas::db::schema::invitations::table
        .select((sipas::db::schema::invitations::id, sipas::db::schema::invitations::token_hash))
        .first(&mut **conn)
        .unwrap();
    let response_ids: Vec<String> =
        sipas::db::schema::responses::table.select(sipas::db::schema::responses::id).load(&mut **conn).unwrap();
    assert_eq!(response_ids.len(), 1);
    for needle in [inv_id.as_str(), hash.as_str(), token.as_str(), "HS-PRIVATE"] {
        assert_ne!(response_ids[0], needle);
    }
    let table_sql = if app.test_db.is_postgres() {
        "SELECT column_name AS name FROM information_schema.columns WHERE table_name = 'responses'"
    } else {
        "SELECT name FROM pragma_table_info('responses')"
    };
    #[derive(QueryableByName)]
    struct Col {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }
    let cols: Vec<String> =
        diesel::sql_query(table_sql).load::<Col>(&mut **conn).unwrap().into_iter().map(|c| c.name).collect();
    assert!(cols.contains(&"submitted_on".to_owned()));
    for forbidden in ["invitation_id", "token_hash", "dossier_code", "created_at", "submitted_at", "ip"] {
        assert!(!cols.contains(&forbidden.to_owned()), "responses must not have `{forbidden}`");
    }
}

#[tokio::test]
async fn invalid_answers_get_422_per_field_and_store_nothing() {
    let app = spawn_app().await;
    let token = app.mint_token("HS-INVALID").await;
    let mut body = full_answers();
    body["answers"]["A1"] = json!(7);
    body["answers"]["B1"] = json!("na");
    body["answers"]["ZZ9"] = json!(3);
    body["answers"].as_object_mut().unwrap().remove("C2");
    body["answers"]["improve"] = json!(["transparency", "facilities", "digital", "feedback"]);
    body["comment"] = json!("ý".repeat(1001));
    body["profile"] = json!({ "gender": "robot" });
    let res = app.post_answers(&token, &body).await;
    assert_eq!(res.status(), 422);
    let fields = res.json::<Value>().await.unwrap()["fields"].clone();
    for key in ["A1", "B1", "ZZ9", "C2", "improve", "comment", "profile.gender"] {
        assert!(fields[key].is_string(), "no error for {key}: {fields}");
    }
    assert_eq!(app.counts(), (0, 0), "nothing partial stored");
    // The link stays usable after a refused attempt.
    assert_eq!(app.post_answers(&token, &full_answers()).await.status(), 201);
}

#[tokio::test]
async fn wrongly_typed_and_malformed_bodies() {
    let app = spawn_app().await;
    let token = app.mint_token("HS-TYPES").await;
    let res = app.post_answers(&token, &json!({ "answers": { "A1": { "x": 1 } } })).await;
    assert_eq!(res.status(), 422);
    assert!(res.json::<Value>().await.unwrap()["fields"]["A1"].is_string());
    let res = app
        .client
        .post(app.url(&format!("/api/v1/surveys/{token}/responses")))
        .header("content-type", "application/json")
        .body("{\"answers\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(app.counts(), (0, 0));
}

/// Many simultaneous submits of one token store exactly one response; the others get 409.
#[tokio::test]
async fn concurrent_submits_store_exactly_one_response() {
    let app = spawn_app().await;
    let token = app.mint_token("HS-RACE").await;
    let body = full_answers();
    let results = futures_util::future::join_all((0..24).map(|_| app.post_answers(&token, &body))).await;
    let mut statuses: Vec<u16> = results.iter().map(|r| r.status().as_u16()).collect();
    statuses.sort_unstable();
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 201 || *s == 409), "{statuses:?}");
    assert_eq!(app.counts(), (1, 19));
}
