//! Exports through the real API: files read back (CSV with the `csv` crate, XLSX with
//! calamine, ZIP with `zip`) equal the stored answers; de-identification; codebook coverage;
//! index tables equal the indices API; scope rules per role; bad input; jobs interrupted by
//! a crash end done or failed.

use std::collections::{BTreeMap, HashMap};
use std::io::Read as _;
use std::time::Duration;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use sipas::auth::Role;
use sipas::store::api_keys::Scope;

use crate::helpers::{csrf_of, full_answers, spawn_app, spawn_app_with, staff_user, TestApp};

pub(crate) fn read_key(app: &TestApp, agency: Option<&str>) -> String {
    sipas::store::api_keys::create(&mut app.db.get().unwrap(), "reader", Scope::Read, agency).unwrap().1
}

fn year() -> String {
    sipas::clock::today().format("%Y").to_string()
}

async fn start(app: &TestApp, key: &str, body: Value) -> (u16, Value) {
    let res = app.client.post(app.url("/api/v1/exports")).bearer_auth(key).json(&body).send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn state(app: &TestApp, key: &str, id: &str) -> Value {
    let res = app.client.get(app.url(&format!("/api/v1/exports/{id}"))).bearer_auth(key).send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

/// Polls until the job has ended (done, failed or expired).
async fn finished(app: &TestApp, key: &str, id: &str) -> Value {
    for _ in 0..1200 {
        let s = state(app, key, id).await;
        if !matches!(s["state"].as_str(), Some("queued" | "running")) {
            return s;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("export {id} never ended");
}

/// Starts an export that must succeed and returns its final state.
pub(crate) async fn export(app: &TestApp, key: &str, body: Value) -> Value {
    let (status, job) = start(app, key, body.clone()).await;
    assert_eq!(status, 202, "{body} → {job}");
    let done = finished(app, key, job["id"].as_str().unwrap()).await;
    assert_eq!(done["state"], "done", "{done}");
    done
}

/// Downloads a file and checks its hash against the one the job reports.
pub(crate) async fn download(app: &TestApp, key: &str, file: &Value) -> Vec<u8> {
    let res = app.client.get(app.url(file["url"].as_str().unwrap())).bearer_auth(key).send().await.unwrap();
    assert_eq!(res.status(), 200, "{file}");
    assert!(res.headers()["content-disposition"].to_str().unwrap().contains("attachment"));
    let bytes = res.bytes().await.unwrap().to_vec();
    let hex: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(hex, file["sha256"].as_str().unwrap());
    assert_eq!(bytes.len() as u64, file["size"].as_u64().unwrap());
    bytes
}

pub(crate) fn file<'a>(job: &'a Value, suffix: &str) -> &'a Value {
    job["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"].as_str().unwrap().ends_with(suffix))
        .unwrap_or_else(|| panic!("no file *{suffix} in {job}"))
}

pub(crate) fn csv_rows(bytes: &[u8], bom: bool) -> (Vec<String>, Vec<Vec<String>>) {
    let body = if bom {
        assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "a byte-order mark first");
        &bytes[3..]
    } else {
        assert_ne!(&bytes[..3], b"\xEF\xBB\xBF");
        bytes
    };
    let mut r = csv::Reader::from_reader(body);
    let header = r.headers().unwrap().iter().map(str::to_owned).collect();
    let rows = r.records().map(|x| x.unwrap().iter().map(str::to_owned).collect()).collect();
    (header, rows)
}

/// A text as the CSV files hold it: each line break written as `↵` (SPSS reads no multi-line
/// cells); the XLSX keeps the breaks.
pub(crate) fn csv_text(text: &str) -> String {
    text.replace("\r\n", "↵").replace(['\r', '\n'], "↵")
}

/// The comment the tests leave: Vietnamese text with a phone number to mask.
const COMMENT: &str =
    "Cán bộ nhiệt tình, hướng dẫn rõ ràng; gọi 0912 345 678 nếu cần. Dấu phẩy, \"ngoặc kép\"\nvà xuống dòng.";

/// Answers `n` invitations of `agency` with the full answers, varying A1 and making E1 "na"
/// on odd ones; returns the dossier codes used.
async fn respond(app: &TestApp, agency: &str, n: usize) -> Vec<String> {
    let mut dossiers = Vec::new();
    for i in 0..n {
        let dossier = format!("HS-EXP-{agency}-{i}");
        let body = json!({
            "dossier_code": dossier,
            "agency_code": agency,
            "field": "land",
            "procedure_code": "1.001234",
            "channel": "in_person",
            "handled_at": (sipas::clock::now() - chrono::Duration::minutes(5)).to_rfc3339(),
        });
        let token = app.mint(&body).await["token"].as_str().unwrap().to_owned();
        let mut answers = full_answers();
        answers["answers"]["A1"] = json!(1 + (i % 5));
        if i % 2 == 1 {
            answers["answers"]["E1"] = json!("na");
        }
        answers["comment"] = json!(COMMENT);
        assert_eq!(app.post_answers(&token, &answers).await.status(), 201);
        dossiers.push(dossier);
    }
    dossiers
}

/// The stored answers per response id, straight from the database.
pub(crate) fn stored(app: &TestApp) -> HashMap<String, BTreeMap<String, Option<i32>>> {
    use diesel::prelude::*;
    use sipas::db::schema::answers;
    let rows: Vec<(String, String, Option<i32>)> = answers::table
        .select((answers::response_id, answers::item_id, answers::value))
        .load(&mut **app.db.get().unwrap())
        .unwrap();
    let mut out: HashMap<String, BTreeMap<String, Option<i32>>> = HashMap::new();
    for (r, item, v) in rows {
        out.entry(r).or_default().insert(item, v);
    }
    out
}

#[tokio::test]
async fn wide_csv_round_trips_with_its_codebook_and_spss_syntax() {
    let app = spawn_app().await;
    let dossiers = respond(&app, "T.HOSPITAL", 5).await;
    let key = read_key(&app, None);
    let job = export(&app, &key, json!({"dataset": "responses_wide", "format": "csv", "period": year()})).await;
    assert_eq!((job["rows_done"].as_i64(), job["rows_total"].as_i64()), (Some(5), Some(5)));
    // Every key of the reply is documented in /openapi.json.
    let doc: Value = app.client.get(app.url("/openapi.json")).send().await.unwrap().json().await.unwrap();
    let schema = &doc["components"]["schemas"]["ExportJob"]["properties"];
    for k in job.as_object().unwrap().keys() {
        assert!(schema[k].is_object(), "ExportJob.{k} is not documented");
    }
    for k in job["files"][0].as_object().unwrap().keys() {
        assert!(schema["files"]["items"]["properties"][k].is_object(), "file.{k} is not documented");
    }
    assert_eq!(job["files"].as_array().unwrap().len(), 5, "{job}");

    let data = download(&app, &key, file(&job, ".csv")).await;
    let (header, rows) = csv_rows(&data, true);
    assert_eq!(rows.len(), 5);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"));
    let stored = stored(&app);
    for row in &rows {
        let answers = &stored[&row[col("response_id")]];
        for (item, value) in answers {
            let name = item.replace('.', "_");
            let expected = value.map_or("-1".to_owned(), |v| v.to_string());
            assert_eq!(row[col(&name)], expected, "{item}");
        }
        // A4 is online-only: not asked in person.
        assert_eq!(row[col("A4")], "-2");
        assert_eq!(
            (row[col("improve_accountability")].as_str(), row[col("improve_transparency")].as_str()),
            ("0", "1")
        );
        assert_eq!(row[col("agency_code")], "T.HOSPITAL");
        assert_eq!(row[col("agency_name_vi")], "Bệnh viện Đa khoa <Thử> & Nghiệm");
        assert_eq!((row[col("field")].as_str(), row[col("channel")].as_str()), ("land", "in_person"));
        assert_eq!(row[col("gender")], "female");
        // Masked, and otherwise byte for byte (quotes, commas, diacritics), the line break marked.
        let expected_comment = sipas::domain::mask_personal_data(COMMENT);
        assert_ne!(expected_comment, COMMENT);
        assert_eq!(row[col("comment")], csv_text(&expected_comment));
        assert!(row[col("comment")].contains("\"ngoặc kép\"↵và xuống dòng"));
        assert!(chrono::NaiveDate::parse_from_str(&row[col("submitted_on")], "%Y-%m-%d").is_ok());
    }
    let text = String::from_utf8(data.clone()).unwrap();
    for d in &dossiers {
        assert!(!text.contains(d.as_str()), "the dossier code leaked");
    }
    assert!(!text.contains("0912 345 678") && !text.contains("0912345678"));

    let codebook = download(&app, &key, file(&job, "_codebook.csv")).await;
    let (cb_header, cb_rows) = csv_rows(&codebook, true);
    assert_eq!(cb_header, ["section", "variable", "code", "label_vi", "label_en", "type", "missing"]);
    for h in &header {
        assert!(cb_rows.iter().any(|r| r[0] == "variable" && &r[1] == h), "codebook lacks {h}");
    }
    assert!(cb_rows.iter().any(|r| r[0] == "value" && r[1] == "A1" && r[2] == "1" && r[3] == "Rất không hài lòng"));
    assert!(cb_rows.iter().any(|r| r[1] == "A1" && r[2] == "-1" && r[6] == "1"), "missing code listed");
    assert!(cb_rows.iter().any(|r| r[0] == "meta" && r.iter().any(|c| c == "sipas-v1")));
    let sps = String::from_utf8(download(&app, &key, file(&job, ".sps")).await).unwrap();
    assert!(sps.contains("GET DATA") && sps.contains(file(&job, ".csv")["name"].as_str().unwrap()));
    assert!(sps.contains("MISSING VALUES") && sps.contains("Rất hài lòng"));

    // Every export is in the audit log with its file hashes.
    let log = sipas::store::audit::recent(&mut app.db.get().unwrap(), 10).unwrap();
    let entry = log.iter().find(|e| e.action == "export").expect("an export audit row");
    assert!(entry.actor.starts_with("api-key:"));
    assert!(entry.detail.as_deref().unwrap().contains(file(&job, ".csv")["sha256"].as_str().unwrap()));
    assert!(entry.target.contains("responses_wide"));
}

#[tokio::test]
async fn xlsx_reads_back_typed_with_vietnamese_sheets() {
    use calamine::{Data, Reader as _, Xlsx};
    let app = spawn_app().await;
    respond(&app, "T.FINANCE", 3).await;
    let key = read_key(&app, None);
    let job = export(&app, &key, json!({"dataset": "responses_wide", "format": "xlsx", "period": year()})).await;
    assert_eq!(job["files"].as_array().unwrap().len(), 1);
    let bytes = download(&app, &key, file(&job, ".xlsx")).await;
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let names = book.sheet_names();
    assert_eq!(names[0], "Dữ liệu");
    assert!(names.iter().any(|n| n == "Biến") && names.iter().any(|n| n == "Nhãn giá trị"), "{names:?}");
    let sheet = book.worksheet_range("Dữ liệu").unwrap();
    let rows: Vec<_> = sheet.rows().collect();
    assert_eq!(rows.len(), 4, "a header and three responses");
    let header: Vec<String> = rows[0].iter().map(|c| c.to_string()).collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let stored = stored(&app);
    for row in &rows[1..] {
        let answers = &stored[&row[col("response_id")].to_string()];
        for (item, value) in answers {
            let cell = &row[col(&item.replace('.', "_"))];
            let expected = f64::from(value.unwrap_or(-1));
            match cell {
                Data::Float(f) => assert_eq!(*f, expected, "{item}"),
                Data::Int(i) => assert_eq!(*i as f64, expected, "{item}"),
                other => panic!("{item} is not a number: {other:?}"),
            }
        }
        assert_eq!(row[col("agency_name_vi")], Data::String("Sở Tài chính".into()));
        assert_eq!(row[col("comment")], Data::String(sipas::domain::mask_personal_data(COMMENT)));
    }
    let variables = book.worksheet_range("Biến").unwrap();
    for h in &header {
        assert!(variables.rows().any(|r| r.first().map(|c| c.to_string()) == Some(h.clone())), "codebook lacks {h}");
    }
}

#[tokio::test]
async fn long_zip_bundle_holds_every_answer_and_the_codebooks() {
    let app = spawn_app().await;
    respond(&app, "T.HEALTH", 4).await;
    let key = read_key(&app, None);
    let job =
        export(&app, &key, json!({"dataset": "responses_long", "format": "zip", "period": year(), "bom": false})).await;
    let bytes = download(&app, &key, file(&job, ".zip")).await;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut names: Vec<String> = zip.file_names().map(|n| n.unwrap().into_owned()).collect();
    names.sort();
    // Answers and respondents, each with its codebook (CSV, XLSX) and syntax; items, agencies, README.
    assert_eq!(names.len(), 11, "{names:?}");
    assert!(names.iter().any(|n| n == "README.txt") && names.iter().any(|n| n.ends_with("_codebook_agencies.csv")));
    assert!(names.iter().any(|n| n.ends_with("_long_respondents.sps")));
    assert!(names.iter().any(|n| n.ends_with("_codebook.xlsx")) && names.iter().any(|n| n.ends_with(".sps")));
    let data_name = names.iter().find(|n| n.ends_with("_long.csv")).unwrap().clone();
    let mut data = Vec::new();
    zip.by_name(&data_name).unwrap().read_to_end(&mut data).unwrap();
    let (header, rows) = csv_rows(&data, false);
    assert_eq!(header, ["response_id", "item_id", "criterion_id", "value", "percent", "chosen", "text"], "lean");
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let stored = stored(&app);
    let answers: usize = stored.values().map(BTreeMap::len).sum();
    assert_eq!(rows.len(), answers + 4, "one row per answer and one per comment");
    let respondents_name = names.iter().find(|n| n.ends_with("_long_respondents.csv")).unwrap().clone();
    let mut respondents = Vec::new();
    zip.by_name(&respondents_name).unwrap().read_to_end(&mut respondents).unwrap();
    let (r_header, r_rows) = csv_rows(&respondents, false);
    assert_eq!(r_rows.len(), 4, "one row per response");
    let mut ids: Vec<&String> = r_rows.iter().map(|r| &r[0]).collect();
    ids.sort();
    let mut stored_ids: Vec<&String> = stored.keys().collect();
    stored_ids.sort();
    assert_eq!(ids, stored_ids);
    let agency = r_header.iter().position(|h| h == "agency_code").unwrap();
    assert!(r_rows.iter().all(|r| r[agency] == "T.HEALTH"));
    assert!(rows.iter().all(|r| stored.contains_key(&r[0])), "every answer joins a respondent");
    for row in &rows {
        let item = &row[col("item_id")];
        if item == "comment" {
            assert_eq!(row[col("text")], csv_text(&sipas::domain::mask_personal_data(COMMENT)));
            continue;
        }
        let value = stored[&row[col("response_id")]][item];
        assert!(row[col("text")].is_empty() && row[col("percent")].is_empty(), "{item}");
        if item.contains('.') {
            // A chosen option: only `chosen`, so the satisfaction scale's labels never apply.
            assert_eq!((row[col("chosen")].as_str(), row[col("value")].as_str()), ("1", ""), "{item}");
            assert_eq!(value, Some(1));
            continue;
        }
        assert_eq!(row[col("value")], value.map_or("-1".into(), |v| v.to_string()), "{item}");
        assert!(row[col("chosen")].is_empty(), "{item}");
        if item.starts_with('A') {
            assert_eq!(row[col("criterion_id")], "A");
        }
    }
}

#[tokio::test]
async fn index_tables_equal_the_indices_api_and_suppress_small_cells() {
    let app = spawn_app().await;
    respond(&app, "T.HOSPITAL", 4).await;
    respond(&app, "T.FINANCE", 2).await;
    {
        let mut conn = app.db.get().unwrap();
        while sipas::store::aggregates::fold_pending(&mut conn, 100).unwrap() > 0 {}
    }
    let key = read_key(&app, None);
    let job = export(&app, &key, json!({"dataset": "index_table", "period": year()})).await;
    let (header, rows) = csv_rows(&download(&app, &key, file(&job, ".csv")).await, true);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let api: Value = app
        .client
        .get(app.url(&format!("/api/v1/indices?period={}&group_by=agency", year())))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let groups = api["groups"].as_array().unwrap();
    assert!(groups.len() >= 3, "{api}");
    for g in groups {
        let code = g["code"].as_str().unwrap();
        let overall = rows.iter().find(|r| r[col("agency_code")] == code && r[col("level")] == "overall").unwrap();
        let value: f64 = overall[col("value")].parse().unwrap();
        assert!((value - g["overall"]["value"].as_f64().unwrap()).abs() < 1e-3, "{code}");
        assert_eq!(overall[col("n_responses")], g["n_responses"].to_string());
        for item in g["items"].as_array().unwrap() {
            let id = item["id"].as_str().unwrap();
            let row = rows
                .iter()
                .find(|r| r[col("agency_code")] == code && r[col("level")] == "item" && r[col("figure_id")] == id)
                .unwrap();
            assert_eq!(row[col("n")], item["n"].to_string());
            if let Some(low) = item["ci_low"].as_f64() {
                assert!((row[col("ci_low")].parse::<f64>().unwrap() - low).abs() < 1e-3);
                assert_eq!(row[col("ci_method")], "wilson");
            }
        }
    }
    // The whole city has its own rows (empty agency code) for a city-wide caller.
    assert!(rows.iter().any(|r| r[col("agency_code")].is_empty() && r[col("agency_name_vi")] == "Toàn thành phố"));

    // Everything is small-n (threshold 30): suppressed values are empty, n stays.
    let job = export(&app, &key, json!({"dataset": "index_table", "period": year(), "suppress_small_n": true})).await;
    let (_, rows) = csv_rows(&download(&app, &key, file(&job, ".csv")).await, true);
    assert!(rows.iter().all(|r| r[col("suppressed")] == "1" && r[col("value")].is_empty() && !r[col("n")].is_empty()));

    // Trend: one row set per month, for the city and each agency.
    let job = export(&app, &key, json!({"dataset": "index_trend", "period": year(), "format": "xlsx"})).await;
    assert_eq!(job["rows_total"], job["rows_done"]);
    assert!(job["rows_done"].as_i64().unwrap() > 0);
}

#[tokio::test]
async fn empty_selections_give_a_header_only_file() {
    let app = spawn_app().await;
    let key = read_key(&app, None);
    let job = export(&app, &key, json!({"dataset": "responses_wide", "period": "2020-Q1"})).await;
    let (header, rows) = csv_rows(&download(&app, &key, file(&job, ".csv")).await, true);
    assert!(rows.is_empty() && header.len() > 20, "{header:?}");
}

#[tokio::test]
async fn bad_requests_are_named_and_several_versions_must_be_chosen() {
    let app = spawn_app().await;
    let key = read_key(&app, None);
    let (status, body) =
        start(&app, &key, json!({"dataset": "everything", "format": "pdf", "period": "2026-Q9"})).await;
    assert_eq!(status, 422);
    for k in ["dataset", "format", "period"] {
        assert!(body["fields"][k].is_string(), "{k} in {body}");
    }
    let (status, body) = start(&app, &key, json!({"dataset": "responses_wide", "survey": "nope"})).await;
    assert_eq!((status, body["fields"]["survey"].is_string()), (422, true), "{body}");
    let (status, body) = start(&app, &key, json!({"dataset": "index_table", "group_by": "agency"})).await;
    assert_eq!((status, body["fields"]["group_by"].is_string()), (422, true), "{body}");
    let res = app.client.post(app.url("/api/v1/exports")).bearer_auth(&key).body("{not json").send().await.unwrap();
    assert_eq!(res.status(), 400);
    let res =
        app.client.post(app.url("/api/v1/exports")).json(&json!({"dataset": "index_table"})).send().await.unwrap();
    assert_eq!(res.status(), 401);
    let invitations_key = app.api_key.clone();
    assert_eq!(start(&app, &invitations_key, json!({"dataset": "index_table"})).await.0, 403, "wrong scope");

    // Responses on two versions in one period: the caller must choose.
    respond(&app, "T.FINANCE", 1).await;
    {
        use diesel::prelude::*;
        use sipas::db::schema::responses;
        use sipas::db::schema::survey_versions;
        let mut conn = app.db.get().unwrap();
        diesel::insert_into(survey_versions::table)
            .values((
                survey_versions::survey_id.eq("sipas-dossier"),
                survey_versions::version.eq(2),
                survey_versions::content_hash.eq("0".repeat(64)),
                survey_versions::registered_at.eq(sipas::clock::now_naive()),
            ))
            .execute(&mut **conn)
            .unwrap();
        let one: (String, chrono::NaiveDate) =
            responses::table.select((responses::id, responses::submitted_on)).first(&mut **conn).unwrap();
        diesel::insert_into(responses::table)
            .values((
                responses::id.eq(uuid::Uuid::new_v4().to_string()),
                responses::survey_id.eq("sipas-dossier"),
                responses::survey_version.eq(2),
                responses::agency_code.eq("T.FINANCE"),
                responses::field.eq("land"),
                responses::channel.eq("online"),
                responses::submitted_on.eq(one.1),
                responses::locale.eq("vi"),
                responses::folded.eq(true),
            ))
            .execute(&mut **conn)
            .unwrap();
    }
    let (status, body) = start(&app, &key, json!({"dataset": "responses_wide", "period": year()})).await;
    assert_eq!(status, 422, "{body}");
    assert!(body["fields"]["version"].as_str().unwrap().contains("1, 2"), "{body}");
    let job = export(&app, &key, json!({"dataset": "responses_wide", "period": year(), "version": 1})).await;
    assert_eq!(job["rows_total"], 1);
}

#[tokio::test]
async fn scope_rules_hold_for_keys_and_every_role() {
    let app = spawn_app().await;
    respond(&app, "T.HOSPITAL", 2).await;
    let y = year();
    // An agency-bound key: its own index tables only; no microdata at all.
    let health = read_key(&app, Some("T.HEALTH"));
    assert_eq!(start(&app, &health, json!({"dataset": "responses_wide", "period": y})).await.0, 403);
    assert_eq!(
        start(&app, &health, json!({"dataset": "index_table", "agency": "T.FINANCE", "period": y})).await.0,
        403
    );
    let own = export(&app, &health, json!({"dataset": "index_table", "period": y})).await;
    let (header, rows) = csv_rows(&download(&app, &health, file(&own, ".csv")).await, true);
    let col = header.iter().position(|h| h == "agency_code").unwrap();
    assert!(rows.iter().all(|r| r[col] == "T.HEALTH" || r[col] == "T.HOSPITAL"), "no city or other agency rows");
    assert!(!rows.is_empty());

    // Another caller can neither see nor download it.
    let city = read_key(&app, None);
    let res = app
        .client
        .get(app.url(&format!("/api/v1/exports/{}", own["id"].as_str().unwrap())))
        .bearer_auth(&city)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res =
        app.client.get(app.url(file(&own, ".csv")["url"].as_str().unwrap())).bearer_auth(&city).send().await.unwrap();
    assert_eq!(res.status(), 403);
    let res = app
        .client
        .get(app.url("/api/v1/exports/00000000-0000-4000-8000-000000000000"))
        .bearer_auth(&city)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);

    // Staff, through the page: (role, agency, dataset, agency asked, expected status).
    let cases = [
        (Role::Admin, None, "responses_wide", "", 303),
        (Role::Analyst, None, "responses_long", "T.HEALTH", 303),
        (Role::CityViewer, None, "responses_wide", "", 403),
        (Role::CityViewer, None, "index_table", "", 303),
        (Role::AgencyManager, Some("T.HEALTH"), "index_table", "T.HOSPITAL", 303),
        (Role::AgencyManager, Some("T.HEALTH"), "index_table", "T.FINANCE", 403),
        (Role::AgencyManager, Some("T.HEALTH"), "responses_wide", "", 403),
        (Role::AgencyViewer, Some("T.HEALTH"), "index_table", "", 403),
    ];
    for (i, (role, agency, dataset, asked, expected)) in cases.into_iter().enumerate() {
        let c = staff_user(&app, &format!("user{i}"), role, agency).await;
        let page = c.get(app.url("/staff/exports")).send().await.unwrap();
        if role == Role::AgencyViewer {
            assert_eq!(page.status(), 403);
            let res = c.post(app.url("/staff/exports")).form(&[("dataset", dataset)]).send().await.unwrap();
            assert_eq!(res.status(), 403, "{role:?}");
            continue;
        }
        let html = page.text().await.unwrap();
        assert_eq!(html.contains("value=\"responses_wide\""), matches!(role, Role::Admin | Role::Analyst), "{role:?}");
        let form =
            [("csrf", csrf_of(&html)), ("dataset", dataset.into()), ("period", y.clone()), ("agency", asked.into())];
        let res = c.post(app.url("/staff/exports")).form(&form).send().await.unwrap();
        assert_eq!(res.status().as_u16(), expected, "{role:?} {dataset} {asked}");
        if expected == 303 {
            // The job is listed on the user's page and ends done there.
            let mut html = String::new();
            for _ in 0..600 {
                html = c.get(app.url("/staff/exports?lang=en")).send().await.unwrap().text().await.unwrap();
                if html.contains(">Done<") {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            assert!(html.contains(">Done<") && html.contains("/api/v1/exports/"), "{role:?}: {html}");
            let href = html.split("href=\"/api/v1/exports/").nth(1).unwrap().split('"').next().unwrap();
            let res = c.get(app.url(&format!("/api/v1/exports/{href}"))).send().await.unwrap();
            assert_eq!(res.status(), 200, "the owner downloads with the session");
        }
    }
    // Forms without the session's CSRF token are refused.
    let c = staff_user(&app, "analyst-csrf", Role::Analyst, None).await;
    let res =
        c.post(app.url("/staff/exports")).form(&[("csrf", "forged"), ("dataset", "index_table")]).send().await.unwrap();
    assert_eq!(res.status(), 403);
    // Only admins read the audit log, which names the exporters.
    let admin = staff_user(&app, "auditor", Role::Admin, None).await;
    let audit = admin.get(app.url("/staff/audit")).send().await.unwrap();
    assert_eq!(audit.status(), 200);
    let html = audit.text().await.unwrap();
    assert!(html.contains("user0") && html.contains("user1") && html.contains("export"));
    assert_eq!(c.get(app.url("/staff/audit")).send().await.unwrap().status(), 403);
}

#[tokio::test]
async fn cancelled_and_expired_exports_leave_no_files() {
    let app = spawn_app_with(|s| s.export_batch_pause_ms = 2_000).await;
    respond(&app, "T.FINANCE", 2).await;
    let key = read_key(&app, None);
    let (_, job) = start(&app, &key, json!({"dataset": "responses_wide", "period": year()})).await;
    let id = job["id"].as_str().unwrap().to_owned();
    let res = app.client.delete(app.url(&format!("/api/v1/exports/{id}"))).bearer_auth(&key).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let done = finished(&app, &key, &id).await;
    assert_eq!(done["state"], "failed");
    assert!(done["error"].as_str().unwrap().contains("cancelled"), "{done}");
    let res = app.client.delete(app.url(&format!("/api/v1/exports/{id}"))).bearer_auth(&key).send().await.unwrap();
    assert_eq!(res.status(), 409);
    // The worker notices at its next check and removes its partial folder.
    for _ in 0..200 {
        if std::fs::read_dir(app.test_db.exports.path()).unwrap().next().is_none() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(std::fs::read_dir(app.test_db.exports.path()).unwrap().next().is_none(), "no partial file left");

    // A finished export past its expiry: the sweep removes the files; downloads get 404.
    let app = spawn_app().await;
    respond(&app, "T.FINANCE", 1).await;
    let key = read_key(&app, None);
    let job = export(&app, &key, json!({"dataset": "responses_wide", "period": year()})).await;
    let id = job["id"].as_str().unwrap().to_owned();
    {
        use diesel::prelude::*;
        use sipas::db::schema::export_jobs;
        let past = sipas::clock::now_naive() - chrono::Duration::hours(1);
        diesel::update(export_jobs::table.find(&id))
            .set(export_jobs::expires_at.eq(past))
            .execute(&mut **app.db.get().unwrap())
            .unwrap();
    }
    let runner = sipas::exports::job::Runner {
        db: app.db.clone(),
        surveys: std::sync::Arc::new(
            sipas::surveys::Registry::load_dir(&crate::helpers::manifest_dir().join("survey-definitions")).unwrap(),
        ),
        dir: app.test_db.exports.path().to_owned(),
        worker: "test".into(),
        small_n: 30,
        lease: Duration::from_secs(60),
        ttl: chrono::Duration::hours(1),
        pause: Duration::ZERO,
        stopping: Default::default(),
        mail_links: None,
    };
    sipas::exports::worker::sweep(&runner, true);
    assert!(!app.test_db.exports.path().join(&id).exists());
    assert_eq!(state(&app, &key, &id).await["state"], "expired");
    let res =
        app.client.get(app.url(file(&job, ".csv")["url"].as_str().unwrap())).bearer_auth(&key).send().await.unwrap();
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn an_unwritable_export_folder_fails_the_job_with_its_reason() {
    let blocker = tempfile::NamedTempFile::new().unwrap();
    let path = blocker.path().to_owned();
    let app = spawn_app_with(|s| s.export_dir = path).await;
    respond(&app, "T.FINANCE", 1).await;
    let key = read_key(&app, None);
    let (status, job) = start(&app, &key, json!({"dataset": "responses_wide", "period": year()})).await;
    assert_eq!(status, 202);
    let done = finished(&app, &key, job["id"].as_str().unwrap()).await;
    assert_eq!(done["state"], "failed", "{done}");
    assert!(done["error"].as_str().unwrap().contains("could not be written"), "{done}");
    assert!(done["files"].as_array().unwrap().is_empty());
    let log = sipas::store::audit::recent(&mut app.db.get().unwrap(), 10).unwrap();
    assert!(log.iter().all(|e| e.action != "export"), "only finished exports are audited");
}

#[tokio::test]
async fn a_job_that_keeps_dying_is_failed_with_a_reason() {
    let app = spawn_app_with(|s| s.export_max_attempts = 2).await;
    let key = read_key(&app, None);
    let (_, job) = start(&app, &key, json!({"dataset": "index_table", "period": "2020"})).await;
    let id = job["id"].as_str().unwrap().to_owned();
    finished(&app, &key, &id).await;
    {
        // As if its worker had died twice while running it.
        use diesel::prelude::*;
        use sipas::db::schema::export_jobs;
        let past = sipas::clock::now_naive() - chrono::Duration::minutes(5);
        diesel::update(export_jobs::table.find(&id))
            .set((
                export_jobs::state.eq("running"),
                export_jobs::attempts.eq(2),
                export_jobs::worker.eq("dead"),
                export_jobs::lease_until.eq(past),
            ))
            .execute(&mut **app.db.get().unwrap())
            .unwrap();
    }
    let done = finished(&app, &key, &id).await;
    assert_eq!(done["state"], "failed");
    assert!(done["error"].as_str().unwrap().contains("stopped 2 times"), "{done}");
}

/// Starts `sipas serve` as a process on a free port with `env`; returns it and its base URL.
pub(crate) fn serve(db_url: &str, exports: &std::path::Path, env: &[(&str, &str)]) -> (std::process::Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_sipas"));
    cmd.arg("serve")
        .env("DATABASE_URL", db_url)
        .env("SIPAS_BIND", format!("127.0.0.1:{port}"))
        .env("SIPAS_SURVEY_DIR", crate::helpers::manifest_dir().join("survey-definitions"))
        .env("SIPAS_SECRET_KEY", "test-secret-key-that-is-long-enough-0123456789")
        .env("SIPAS_EXPORT_DIR", exports)
        .env("SIPAS_EXPORT_LEASE_SECS", "2")
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    (cmd.spawn().unwrap(), format!("http://127.0.0.1:{port}"))
}

#[tokio::test]
async fn an_export_interrupted_by_a_crash_is_resumed_after_the_restart() {
    let app = spawn_app().await;
    // Three weeks of responses: at least one batch a day, each followed by a pause.
    let (_, spec) = app.synthetic(600, 21, 7);
    let key = read_key(&app, None);
    let exports = tempfile::tempdir().unwrap();
    let body = json!({"dataset": "responses_wide", "format": "xlsx", "from": spec.first_day().to_string(), "to": spec.end.to_string()});

    let (mut first, base) = serve(&app.test_db.url, exports.path(), &[("SIPAS_EXPORT_BATCH_PAUSE_MS", "300")]);
    let client = reqwest::Client::new();
    let mut id = None;
    for _ in 0..200 {
        if let Ok(res) = client.post(format!("{base}/api/v1/exports")).bearer_auth(&key).json(&body).send().await {
            assert_eq!(res.status(), 202);
            id = Some(res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned());
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let id = id.expect("the first server answered");
    // Wait until it has written some rows, then kill it without warning.
    let mut seen = Value::Null;
    for _ in 0..400 {
        seen = client
            .get(format!("{base}/api/v1/exports/{id}"))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if seen["state"] == "running" && seen["rows_done"].as_i64().unwrap_or(0) > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(seen["state"], "running", "{seen}");
    first.kill().unwrap();
    first.wait().unwrap();
    assert!(exports.path().join(format!("{id}.partial")).exists(), "the crash left a partial folder");
    let stuck = state(&app, &key, &id).await;
    assert_eq!(stuck["state"], "running", "the dead worker's job still looks running");

    let (mut second, base) = serve(&app.test_db.url, exports.path(), &[]);
    let mut done = Value::Null;
    for _ in 0..1200 {
        if let Ok(res) = client.get(format!("{base}/api/v1/exports/{id}")).bearer_auth(&key).send().await {
            done = res.json().await.unwrap();
            if !matches!(done["state"].as_str(), Some("queued" | "running")) {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    second.kill().unwrap();
    second.wait().unwrap();
    assert_eq!(done["state"], "done", "{done}");
    assert_eq!(done["rows_done"], done["rows_total"]);
    assert!(done["rows_total"].as_i64().unwrap() > 100, "{done}");
    assert!(!exports.path().join(format!("{id}.partial")).exists());
    let attempts: i32 = {
        use diesel::prelude::*;
        use sipas::db::schema::export_jobs;
        export_jobs::table.find(&id).select(export_jobs::attempts).first(&mut **app.db.get().unwrap()).unwrap()
    };
    assert_eq!(attempts, 2, "taken up again after the lease ran out");
    let name = done["files"][0]["name"].as_str().unwrap();
    let bytes = std::fs::read(exports.path().join(&id).join(name)).unwrap();
    let hex: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(hex, done["files"][0]["sha256"].as_str().unwrap());
}

/// Reads a CSV (utf-8-sig) and an XLSX (openpyxl) the way an analyst would, as JSON.
const READ_BACK: &str = r#"
import csv, json, sys, openpyxl
with open(sys.argv[1], newline="", encoding="utf-8-sig") as f:
    rows = list(csv.DictReader(f))
book = openpyxl.load_workbook(sys.argv[2], read_only=True)
sheet = book["Dữ liệu"]
cells = list(sheet.iter_rows(values_only=True))
header = list(cells[0])
xlsx = [dict(zip(header, r)) for r in cells[1:]]
json.dump({"csv": rows, "xlsx": xlsx, "sheets": book.sheetnames}, sys.stdout, ensure_ascii=False, default=str)
"#;

#[tokio::test]
async fn python_reads_the_csv_and_the_xlsx_back() {
    let Some(python) = crate::helpers::python_with("openpyxl") else { return };
    let app = spawn_app().await;
    respond(&app, "T.HOSPITAL", 3).await;
    let key = read_key(&app, None);
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for format in ["csv", "xlsx"] {
        let job = export(&app, &key, json!({"dataset": "responses_wide", "format": format, "period": year()})).await;
        let f = file(&job, &format!(".{format}"));
        let path = dir.path().join(f["name"].as_str().unwrap());
        std::fs::write(&path, download(&app, &key, f).await).unwrap();
        paths.push(path);
    }
    let out = std::process::Command::new(&python).arg("-c").arg(READ_BACK).args(&paths).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let read: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(read["sheets"][0], "Dữ liệu");
    let stored = stored(&app);
    for source in ["csv", "xlsx"] {
        let rows = read[source].as_array().unwrap();
        assert_eq!(rows.len(), 3, "{source}");
        for row in rows {
            let answers = &stored[row["response_id"].as_str().unwrap()];
            for (item, value) in answers {
                let cell = &row[item.replace('.', "_")];
                let got = cell.as_i64().or_else(|| cell.as_str().and_then(|s| s.parse().ok()));
                assert_eq!(got, Some(i64::from(value.unwrap_or(-1))), "{source} {item}");
            }
            assert_eq!(row["agency_name_vi"], "Bệnh viện Đa khoa <Thử> & Nghiệm", "{source}");
            let comment = sipas::domain::mask_personal_data(COMMENT);
            let expected = if source == "csv" { csv_text(&comment) } else { comment };
            assert_eq!(row["comment"].as_str().unwrap(), expected, "{source}");
        }
    }
}

/// The codebook files of a real export: items with their criteria and channels, the agency
/// tree with parents, validity and successors, the data cut-off, and a README in both languages.
#[tokio::test]
async fn the_codebook_names_criteria_channels_agencies_and_the_data_cut_off() {
    let app = spawn_app().await;
    respond(&app, "T.HOSPITAL", 2).await;
    let key = read_key(&app, None);
    let body = json!({"dataset": "responses_wide", "format": "csv", "bom": false, "period": year()});
    let job = export(&app, &key, body).await;
    let table = |bytes: Vec<u8>| {
        let (header, rows) = csv_rows(&bytes, false);
        rows.into_iter().map(|r| header.iter().cloned().zip(r).collect::<HashMap<_, _>>()).collect::<Vec<_>>()
    };
    let items = table(download(&app, &key, file(&job, "_codebook_items.csv")).await);
    let a1 = items.iter().find(|r| r["item_id"] == "A1").unwrap();
    assert_eq!((a1["kind"].as_str(), a1["criterion_id"].as_str()), ("rating_item", "A"), "{a1:?}");
    assert!(!a1["criterion_title_vi"].is_empty() && a1["criterion_weight"].parse::<f64>().unwrap() > 0.0);
    let a4 = items.iter().find(|r| r["item_id"] == "A4").unwrap();
    assert_eq!(a4["channels"], "online", "A4 is asked online only");
    assert!(items.iter().any(|r| r["kind"] == "multi_choice" && r["criterion_id"].is_empty()));

    let agencies = table(download(&app, &key, file(&job, "_codebook_agencies.csv")).await);
    let plan = agencies.iter().find(|r| r["agency_code"] == "T.PLAN").unwrap();
    assert_eq!((plan["valid_to"].as_str(), plan["successors"].as_str()), ("2025-02-28", "T.FINANCE"));
    let hospital = agencies.iter().find(|r| r["agency_code"] == "T.HOSPITAL").unwrap();
    assert_eq!((hospital["parent_code"].as_str(), hospital["kind"].as_str()), ("T.HEALTH", "hospital"));

    let (_, meta) = csv_rows(&download(&app, &key, file(&job, "_codebook.csv")).await, false);
    let fact =
        |key: &str| meta.iter().find(|r| r[0] == "meta" && r[1] == key).unwrap_or_else(|| panic!("{key}"))[4].clone();
    assert_eq!(fact("data_through"), sipas::clock::today().to_string());
    assert_eq!(fact("definition_sha256").len(), 64);
    assert!(fact("interval").starts_with("Wilson score interval"));
    assert!(fact("units").contains("percentages (0–100)"));

    // An agency-bound export lists its subtree with the ancestors, not the whole city.
    let bound = read_key(&app, Some("T.HEALTH"));
    let body = json!({"dataset": "index_table", "format": "zip", "bom": false, "period": year()});
    let job = export(&app, &bound, body).await;
    let bytes = download(&app, &bound, file(&job, ".zip")).await;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut readme = String::new();
    zip.by_name("README.txt").unwrap().read_to_string(&mut readme).unwrap();
    assert!(readme.contains("Các tệp:") && readme.contains("Files:") && readme.contains("data_through:"), "{readme}");
    let name =
        zip.file_names().map(|n| n.unwrap().into_owned()).find(|n| n.ends_with("_codebook_agencies.csv")).unwrap();
    let mut csv = Vec::new();
    zip.by_name(&name).unwrap().read_to_end(&mut csv).unwrap();
    let codes: Vec<String> = table(csv).into_iter().map(|r| r["agency_code"].clone()).collect();
    assert_eq!(codes, ["T.CITY", "T.HEALTH", "T.HOSPITAL"]);
}
