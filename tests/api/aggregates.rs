//! Aggregates: after folding, the counters equal a recomputation from the raw answers, after
//! concurrent submissions and concurrent folders too; unfolded responses are pending, not
//! differences; folding twice counts nothing twice; `verify` finds tampering, `rebuild`
//! repairs it; a refused or failed submit, or a failed fold, counts nothing.

use std::collections::BTreeMap;

use diesel::prelude::*;
use serde_json::{json, Value};
use sipas::store::aggregates::{self, AnswerKey, CounterKey, SliceKey};

use crate::helpers::{full_answers, invitation_body, spawn_app, spawn_app_with, TestApp};

const PROCEDURE: &str = "1.001234";

/// The answers of respondent `i`: A1 cycles through 1..5, E2 is "na" for every third.
fn answers_of(i: usize) -> Value {
    let mut body = full_answers();
    body["answers"]["A1"] = json!(1 + i % 5);
    body["answers"]["E2"] = if i.is_multiple_of(3) { json!("na") } else { json!(2) };
    body
}

/// Mints a token; odd `i` get a procedure code, even ones none.
async fn mint(app: &TestApp, i: usize) -> String {
    let mut body = invitation_body(&format!("HS-AGG-{i}"));
    if i % 2 == 1 {
        body["procedure_code"] = json!(PROCEDURE);
    }
    app.mint(&body).await["token"].as_str().unwrap().to_owned()
}

fn answer_counters(app: &TestApp) -> BTreeMap<AnswerKey, i64> {
    aggregates::answer_counters(&mut app.db.get().unwrap()).unwrap()
}

fn response_counters(app: &TestApp) -> BTreeMap<SliceKey, i64> {
    aggregates::response_counters(&mut app.db.get().unwrap()).unwrap()
}

fn verify(app: &TestApp) -> Vec<aggregates::Difference> {
    aggregates::verify(&mut app.db.get().unwrap()).unwrap()
}

/// Folds everything pending in small batches (several transactions); returns how many.
fn fold(app: &TestApp) -> usize {
    let mut conn = app.db.get().unwrap();
    let mut total = 0;
    loop {
        match aggregates::fold_pending(&mut conn, 7).unwrap() {
            0 => return total,
            n => total += n,
        }
    }
}

#[derive(QueryableByName)]
struct N {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

fn scalar(app: &TestApp, sql: &str) -> i64 {
    diesel::sql_query(sql).get_result::<N>(&mut **app.db.get().unwrap()).unwrap().n
}

/// Responses not folded yet.
fn pending(app: &TestApp) -> i64 {
    scalar(app, "SELECT COUNT(*) AS n FROM responses WHERE NOT folded")
}

/// The sum of the answer counters for `item` = `value` (0 = na), over all days, optionally
/// for one procedure code (`""` = none).
fn answered(counters: &BTreeMap<AnswerKey, i64>, item: &str, value: i32, procedure: Option<&str>) -> i64 {
    counters
        .iter()
        .filter(|(k, _)| k.item_id == item && k.value == value)
        .filter(|(k, _)| procedure.is_none_or(|p| k.slice.procedure_code == p))
        .map(|(_, n)| n)
        .sum()
}

#[tokio::test]
async fn counters_equal_the_raw_recomputation_after_concurrent_submissions() {
    let app = spawn_app().await;
    const N: usize = 16;
    let mut tokens = Vec::new();
    for i in 0..N {
        tokens.push(mint(&app, i).await);
    }
    let bodies: Vec<Value> = (0..N).map(answers_of).collect();
    // Every token three times at once: one submit stores, the others get 409.
    let requests = (0..3).flat_map(|_| (0..N).map(|i| app.post_answers(&tokens[i], &bodies[i])));
    let statuses: Vec<u16> =
        futures_util::future::join_all(requests).await.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), N, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 201 || *s == 409), "{statuses:?}");
    assert_eq!(app.counts(), (N as i64, N as i64 * 19));

    assert_eq!(fold(&app), N);
    assert_eq!(pending(&app), 0);
    assert_eq!(verify(&app), vec![], "stored counters equal the raw recomputation");

    // By hand: A1 = 1 + i % 5, E2 na for i % 3 == 0, odd i have the procedure code.
    let answers = answer_counters(&app);
    assert_eq!(answered(&answers, "A1", 1, None), 4, "i = 0, 5, 10, 15");
    assert_eq!(answered(&answers, "A1", 1, Some("")), 2, "i = 0, 10");
    assert_eq!(answered(&answers, "A1", 1, Some(PROCEDURE)), 2, "i = 5, 15");
    assert_eq!(answered(&answers, "A1", 5, None), 3, "i = 4, 9, 14");
    assert_eq!(answered(&answers, "E2", 0, None), 6, "na, stored as value 0: i = 0, 3, 6, 9, 12, 15");
    assert_eq!(answered(&answers, "E2", 2, None), 10);
    assert_eq!(answered(&answers, "B1", 4, None), N as i64);
    assert_eq!(answered(&answers, "improve.transparency", 1, None), N as i64);
    assert_eq!(answered(&answers, "A4", 0, None), 0, "online-only item not counted in person");
    let responses = response_counters(&app);
    assert_eq!(responses.values().sum::<i64>(), N as i64);
    let per_procedure = |p: &str| responses.iter().filter(|(k, _)| k.procedure_code == p).map(|(_, n)| n).sum::<i64>();
    assert_eq!((per_procedure(""), per_procedure(PROCEDURE)), (8, 8));
    let shards = scalar(&app, "SELECT COUNT(*) AS n FROM answer_counts WHERE shard <> 0");
    assert_eq!(shards, 0, "a fold writes shard 0 only");
    let k = responses.keys().next().unwrap();
    assert_eq!((k.survey_id.as_str(), k.survey_version), ("sipas-dossier", 1));
    assert_eq!((k.agency_code.as_str(), k.field.as_str(), k.channel.as_str()), ("T.FINANCE", "land", "in_person"));
}

#[tokio::test]
async fn verify_reports_tampered_counters_and_rebuild_repairs_them() {
    let app = spawn_app().await;
    for i in 0..3 {
        let token = mint(&app, 2 * i).await;
        assert_eq!(app.post_answers(&token, &answers_of(2 * i)).await.status(), 201);
    }
    assert_eq!(fold(&app), 3);
    let (answers_before, responses_before) = (answer_counters(&app), response_counters(&app));
    assert_eq!(verify(&app), vec![]);

    {
        let mut conn = app.db.get().unwrap();
        // One row of the counter (it may have several shards).
        diesel::sql_query(
            "UPDATE answer_counts SET count = count + 5 WHERE item_id = 'B1' \
             AND shard = (SELECT MIN(shard) FROM answer_counts WHERE item_id = 'B1')",
        )
        .execute(&mut **conn)
        .unwrap();
        diesel::sql_query("DELETE FROM response_counts").execute(&mut **conn).unwrap();
        diesel::sql_query(
            "INSERT INTO answer_counts (survey_id, day, survey_version, agency_code, field, procedure_code, \
             channel, item_id, value, count) VALUES ('sipas-dossier', '2026-01-02', 1, 'T.FINANCE', 'land', '', \
             'in_person', 'A1', 3, 2)",
        )
        .execute(&mut **conn)
        .unwrap();
        // The span totals and the invitation counters are checked too.
        diesel::sql_query("UPDATE answer_totals SET n4 = n4 + 1 WHERE item_id = 'C1'").execute(&mut **conn).unwrap();
        diesel::sql_query("DELETE FROM invitation_totals").execute(&mut **conn).unwrap();
        diesel::sql_query("UPDATE agency_answer_days SET n_na = 7 WHERE item_id = 'E2'").execute(&mut **conn).unwrap();
    }
    let differences = verify(&app);
    assert_eq!(differences.len(), 6, "{differences:#?}");
    let days = differences
        .iter()
        .find(|d| matches!(&d.key, CounterKey::AnswerTotal("agency_answer_days", _, item, 0) if item == "E2"));
    assert_eq!(days.map(|d| d.stored), Some(7), "{differences:#?}");
    let total = differences
        .iter()
        .find(|d| matches!(&d.key, CounterKey::AnswerTotal("answer_totals", _, item, 4) if item == "C1"));
    assert_eq!(total.map(|d| (d.expected, d.stored)), Some((3, 4)), "{differences:#?}");
    let invitations = differences.iter().find(|d| matches!(&d.key, CounterKey::Cell("invitation_totals", _)));
    assert_eq!(invitations.map(|d| (d.expected, d.stored)), Some((3, 0)), "{differences:#?}");
    assert!(invitations.unwrap().to_string().starts_with("invitation_totals survey=sipas-dossier"));
    assert!(matches!(&differences[0].key, CounterKey::Response(_)));
    assert_eq!((differences[0].expected, differences[0].stored), (3, 0), "deleted response counter");
    let by_item = |item: &str| {
        differences
            .iter()
            .find(|d| matches!(&d.key, CounterKey::Answer(k) if k.item_id == item))
            .map(|d| (d.expected, d.stored))
    };
    assert_eq!(by_item("B1"), Some((3, 8)), "inflated counter");
    assert_eq!(by_item("A1"), Some((0, 2)), "counter without answers");
    assert!(differences[1].to_string().contains("expected"), "{}", differences[1]);

    let (a, others) = aggregates::rebuild(&mut app.db.get().unwrap()).unwrap();
    let totals: i64 = [
        "answer_totals",
        "agency_answer_totals",
        "agency_answer_days",
        "response_totals",
        "invitation_counts",
        "invitation_totals",
    ]
    .iter()
    .map(|t| scalar(&app, &format!("SELECT COUNT(*) AS n FROM {t}")))
    .sum();
    assert_eq!((a, others), (answers_before.len(), responses_before.len() + totals as usize));
    assert_eq!(verify(&app), vec![]);
    assert_eq!(answer_counters(&app), answers_before);
    assert_eq!(response_counters(&app), responses_before);

    // A rebuild counts the responses not folded yet too, and marks them folded.
    let token = mint(&app, 1).await;
    assert_eq!(app.post_answers(&token, &answers_of(1)).await.status(), 201);
    assert_eq!(pending(&app), 1);
    aggregates::rebuild(&mut app.db.get().unwrap()).unwrap();
    assert_eq!(pending(&app), 0);
    assert_eq!(fold(&app), 0, "nothing left to fold");
    assert_eq!(response_counters(&app).values().sum::<i64>(), 4);
    assert_eq!(verify(&app), vec![]);
}

#[tokio::test]
async fn refused_and_failed_submits_and_failed_folds_count_nothing() {
    let app = spawn_app().await;
    let token = mint(&app, 1).await;
    assert_eq!(app.post_answers(&token, &answers_of(1)).await.status(), 201);
    assert_eq!(fold(&app), 1);
    let before = (answer_counters(&app), response_counters(&app));

    // Already answered, unknown token, invalid answers.
    assert_eq!(app.post_answers(&token, &answers_of(2)).await.status(), 409);
    assert_eq!(app.post_answers("AAAAAAAAAAAAAAAAAAAAAA", &answers_of(2)).await.status(), 404);
    let other = mint(&app, 3).await;
    let mut invalid = answers_of(3);
    invalid["answers"]["A1"] = json!(9);
    assert_eq!(app.post_answers(&other, &invalid).await.status(), 422);
    assert_eq!((fold(&app), pending(&app)), (0, 0), "nothing stored, nothing to fold");
    assert_eq!((answer_counters(&app), response_counters(&app)), before);

    let rename = |from: &str, to: &str| {
        diesel::sql_query(format!("ALTER TABLE {from} RENAME TO {to}")).execute(&mut **app.db.get().unwrap()).unwrap();
    };
    // A failure inside the submit transaction, after the claim and the response row: nothing
    // is stored at all, so nothing is left for a fold to count.
    rename("answers", "answers_away");
    let res = app.post_answers(&other, &answers_of(3)).await;
    assert!(res.status().is_server_error(), "{}", res.status());
    rename("answers_away", "answers");
    assert_eq!(app.counts(), (1, 19), "no response and no answers stored");
    assert_eq!((fold(&app), pending(&app)), (0, 0), "no half-stored response to fold");
    assert_eq!((answer_counters(&app), response_counters(&app)), before);
    assert_eq!(verify(&app), vec![]);

    // The invitation was not used up by the failed attempt.
    assert_eq!(app.post_answers(&other, &answers_of(3)).await.status(), 201);
    assert_eq!(pending(&app), 1);

    // A failure inside the fold, in the counters themselves: the response stays unfolded and
    // the response counter is not touched (its upsert came after the failing one, but the
    // marking came first and is rolled back too).
    rename("answer_counts", "answer_counts_away");
    assert!(aggregates::fold_pending(&mut app.db.get().unwrap(), 10).is_err());
    rename("answer_counts_away", "answer_counts");
    assert_eq!(pending(&app), 1, "the failed fold marked nothing");
    assert_eq!((answer_counters(&app), response_counters(&app)), before, "the failed fold counted nothing");
    assert_eq!(verify(&app), vec![], "pending, not a difference");

    assert_eq!(fold(&app), 1);
    assert_eq!(verify(&app), vec![]);
    assert_eq!(response_counters(&app).values().sum::<i64>(), 2);
}

#[tokio::test]
async fn unfolded_responses_are_pending_and_folding_twice_counts_once() {
    let app = spawn_app().await;
    for i in 0..6 {
        let token = mint(&app, i).await;
        assert_eq!(app.post_answers(&token, &answers_of(i)).await.status(), 201);
    }
    // Submits alone leave the counters as they were, and that is not a difference.
    assert_eq!(pending(&app), 6);
    assert!(answer_counters(&app).is_empty() && response_counters(&app).is_empty());
    assert_eq!(verify(&app), vec![], "unfolded responses are pending, not differences");

    // A batch smaller than the queue folds just that many.
    assert_eq!(aggregates::fold_pending(&mut app.db.get().unwrap(), 4).unwrap(), 4);
    assert_eq!((pending(&app), response_counters(&app).values().sum::<i64>()), (2, 4));
    assert_eq!(verify(&app), vec![], "counters match the folded responses");
    assert_eq!(fold(&app), 2);

    // By hand, i = 0..5: A1 = 1 + i % 5, E2 na for i = 0, 3; odd i have the procedure code.
    let check = |app: &TestApp, scale: i64| {
        let answers = answer_counters(app);
        assert_eq!(answered(&answers, "A1", 1, None), 2 * scale, "i = 0, 5");
        assert_eq!(answered(&answers, "A1", 1, Some("")), scale, "i = 0");
        assert_eq!(answered(&answers, "A1", 1, Some(PROCEDURE)), scale, "i = 5");
        assert_eq!(answered(&answers, "A1", 3, None), scale, "i = 2");
        assert_eq!(answered(&answers, "E2", 0, None), 2 * scale, "i = 0, 3");
        assert_eq!(answered(&answers, "E2", 2, None), 4 * scale);
        assert_eq!(answered(&answers, "B1", 4, None), 6 * scale);
        let responses = response_counters(app);
        let per_procedure =
            |p: &str| responses.iter().filter(|(k, _)| k.procedure_code == p).map(|(_, n)| n).sum::<i64>();
        assert_eq!((per_procedure(""), per_procedure(PROCEDURE)), (3 * scale, 3 * scale));
    };
    check(&app, 1);
    let after_first = (answer_counters(&app), response_counters(&app));

    // Folding again finds nothing and changes nothing.
    assert_eq!(fold(&app), 0);
    assert_eq!((answer_counters(&app), response_counters(&app)), after_first);

    // The same six answers again, from new dossiers (i + 6 has the parity of i, so the same
    // procedure code).
    for i in 0..6 {
        let token = mint(&app, i + 6).await;
        assert_eq!(app.post_answers(&token, &answers_of(i)).await.status(), 201);
    }
    assert_eq!((answer_counters(&app), response_counters(&app)), after_first, "not folded yet");
    assert_eq!(fold(&app), 6);
    check(&app, 2);
    assert_eq!(verify(&app), vec![]);
}

#[tokio::test]
async fn two_concurrent_folders_count_every_response_exactly_once() {
    let app = spawn_app().await;
    const N: usize = 50;
    for i in 0..N {
        let token = mint(&app, i).await;
        assert_eq!(app.post_answers(&token, &answers_of(i)).await.status(), 201);
    }
    assert_eq!(pending(&app), N as i64);
    // Each folder on its own pooled connection, small batches so they interleave. On
    // PostgreSQL they run at once (SKIP LOCKED hands them disjoint batches); on SQLite the
    // one writer lock serialises their transactions.
    let folders: Vec<_> = (0..2)
        .map(|_| {
            let db = app.db.clone();
            std::thread::spawn(move || {
                let mut conn = db.get().unwrap();
                let mut total = 0;
                loop {
                    match aggregates::fold_pending(&mut conn, 3).unwrap() {
                        0 => return total,
                        n => total += n,
                    }
                }
            })
        })
        .collect();
    let folded: usize = folders.into_iter().map(|f| f.join().unwrap()).sum();
    assert_eq!(folded, N, "every response folded by exactly one folder");
    assert_eq!(pending(&app), 0);
    assert_eq!(verify(&app), vec![]);

    let answers = answer_counters(&app);
    assert_eq!(answered(&answers, "A1", 1, None), 10, "i % 5 == 0");
    assert_eq!(answered(&answers, "A1", 5, None), 10, "i % 5 == 4");
    assert_eq!(answered(&answers, "E2", 0, None), 17, "i % 3 == 0: 0, 3, …, 48");
    assert_eq!(answered(&answers, "E2", 2, None), 33);
    assert_eq!(answered(&answers, "B1", 4, None), N as i64);
    let responses = response_counters(&app);
    assert_eq!(responses.values().sum::<i64>(), N as i64);
    let per_procedure = |p: &str| responses.iter().filter(|(k, _)| k.procedure_code == p).map(|(_, n)| n).sum::<i64>();
    assert_eq!((per_procedure(""), per_procedure(PROCEDURE)), (25, 25));
}

#[tokio::test]
async fn the_background_folder_counts_new_responses() {
    let app = spawn_app_with(|s| s.aggregate_fold_interval_ms = 50).await;
    for i in 0..3 {
        let token = mint(&app, i).await;
        assert_eq!(app.post_answers(&token, &answers_of(i)).await.status(), 201);
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while pending(&app) > 0 {
        assert!(std::time::Instant::now() < deadline, "the background folder did not fold");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(response_counters(&app).values().sum::<i64>(), 3);
    assert_eq!(answered(&answer_counters(&app), "B1", 4, None), 3);
    assert_eq!(verify(&app), vec![]);
}
