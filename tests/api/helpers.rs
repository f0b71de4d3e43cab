//! `spawn_app` and friends: a fresh database per test, the real server on port 0, and a
//! client with helpers per endpoint.

use std::path::PathBuf;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use serde_json::{json, Value};
use sipas::config::{RateLimits, Settings};
use sipas::db::Db;
use sipas::store::api_keys::Scope;

/// A database that exists for one test and is dropped after it.
pub struct TestDb {
    pub url: String,
    /// PostgreSQL: the admin URL and database name, to drop it.
    pg: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
    /// The export folder of the test's server.
    pub exports: tempfile::TempDir,
}

impl TestDb {
    pub fn new() -> TestDb {
        match std::env::var("TEST_DATABASE_URL").ok().filter(|u| !u.is_empty()) {
            Some(admin) => {
                let name = format!("sipas_t_{}", uuid::Uuid::new_v4().simple());
                let mut conn = PgConnection::establish(&admin).expect("TEST_DATABASE_URL must reach PostgreSQL");
                conn.batch_execute(&format!("CREATE DATABASE {name}")).expect("create test database");
                let url = match admin.rfind('/') {
                    Some(i) if admin[..i].contains("://") && i > admin.find("://").unwrap() + 2 => {
                        let query = admin[i..].find('?').map(|q| &admin[i + q..]).unwrap_or("");
                        format!("{}/{name}{query}", &admin[..i])
                    }
                    _ => format!("{}/{name}", admin.trim_end_matches('/')),
                };
                TestDb { url, pg: Some((admin, name)), _dir: None, exports: tempfile::tempdir().expect("temp dir") }
            }
            None => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("test.db").display());
                TestDb { url, pg: None, _dir: Some(dir), exports: tempfile::tempdir().expect("temp dir") }
            }
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.pg.is_some()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin, name)) = &self.pg {
            if let Ok(mut conn) = PgConnection::establish(admin) {
                let _ = conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

pub fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The secret key of every test server.
pub const TEST_SECRET: &str = "test-secret-key-that-is-long-enough-0123456789";

/// Settings for a test server: random port, generous limits, fixed secret.
pub fn test_settings(db: &TestDb) -> Settings {
    Settings {
        database_url: db.url.clone(),
        bind: "127.0.0.1:0".into(),
        survey_dir: manifest_dir().join("survey-definitions"),
        secret_key: Some(TEST_SECRET.into()),
        rate_limits: RateLimits {
            per_token: 10_000,
            per_api_key: 100_000,
            per_ip: 100_000,
            login_per_account: 1_000,
            login_per_ip: 1_000,
        },
        db_timeout_secs: 2,
        // Tests fold by hand (`store::aggregates::fold_pending`), so counters change only then.
        aggregate_fold_interval_ms: 0,
        export_dir: db.exports.path().to_owned(),
        ..Settings::default()
    }
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub db: Db,
    pub api_key: String,
    pub test_db: TestDb,
}

/// Starts the app with default test settings and the fixture agencies.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts the app after `tweak` adjusts the settings.
pub async fn spawn_app_with(tweak: impl FnOnce(&mut Settings)) -> TestApp {
    let test_db = TestDb::new();
    let mut settings = test_settings(&test_db);
    tweak(&mut settings);
    let (db, surveys) = sipas::startup::prepare(&settings).expect("prepare database");
    sipas::cli::import_agencies(&db, &manifest_dir().join("tests/fixtures/agencies.toml"))
        .expect("import fixture agencies");
    let (_, api_key) =
        sipas::store::api_keys::create(&mut db.get().unwrap(), "test", Scope::Invitations, None).expect("api key");
    let app = sipas::startup::Application::build(settings, db.clone(), surveys).expect("build app");
    let base = format!("http://{}", app.addr());
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    TestApp { base, client, db, api_key, test_db }
}

/// A valid invitation request for the fixture health department.
pub fn invitation_body(dossier: &str) -> Value {
    json!({
        "dossier_code": dossier,
        "agency_code": "T.FINANCE",
        "field": "land",
        "channel": "in_person",
        "handled_at": "2026-03-05T09:30:00+07:00",
    })
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn post_invitation(&self, body: &Value) -> reqwest::Response {
        self.client.post(self.url("/api/v1/invitations")).bearer_auth(&self.api_key).json(body).send().await.unwrap()
    }

    /// Mints an invitation and returns its JSON reply (asserting success).
    pub async fn mint(&self, body: &Value) -> Value {
        let res = self.post_invitation(body).await;
        let status = res.status().as_u16();
        let json: Value = res.json().await.unwrap();
        assert!(status == 201 || status == 200, "mint failed: {status} {json}");
        json
    }

    pub async fn mint_token(&self, dossier: &str) -> String {
        self.mint(&invitation_body(dossier)).await["token"].as_str().unwrap().to_owned()
    }

    pub async fn get_survey(&self, token: &str) -> reqwest::Response {
        self.client.get(self.url(&format!("/api/v1/surveys/{token}"))).send().await.unwrap()
    }

    pub async fn post_answers(&self, token: &str, body: &Value) -> reqwest::Response {
        self.client.post(self.url(&format!("/api/v1/surveys/{token}/responses"))).json(body).send().await.unwrap()
    }

    /// Mints `n` invitations (dossiers `{prefix}-0` …) and answers each with [`full_answers`].
    pub async fn answer_full(&self, prefix: &str, n: usize) {
        for i in 0..n {
            let token = self.mint_token(&format!("{prefix}-{i}")).await;
            assert_eq!(self.post_answers(&token, &full_answers()).await.status(), 201);
        }
    }

    /// Fills the database with `responses` synthetic responses over the `days` up to today
    /// (`sipas demo`'s generator); returns the shipped surveys and the spec used.
    pub fn synthetic(
        &self,
        responses: u64,
        days: u32,
        seed: u64,
    ) -> (sipas::surveys::Registry, sipas::synthetic::Spec) {
        let surveys = sipas::surveys::Registry::load_dir(&manifest_dir().join("survey-definitions")).unwrap();
        let mut spec = sipas::synthetic::Spec::new(responses, seed);
        spec.days = days;
        sipas::synthetic::generate(&self.db, &surveys, b"secret-for-the-generator-0123456789", &spec).unwrap();
        (surveys, spec)
    }

    /// (responses, answers) stored.
    pub fn counts(&self) -> (i64, i64) {
        sipas::store::responses::counts(&mut self.db.get().unwrap()).unwrap()
    }
}

/// A complete, valid set of answers to `sipas-dossier` for the in-person channel.
pub fn full_answers() -> Value {
    let mut answers = serde_json::Map::new();
    for id in ["A1", "A2", "A3", "B1", "B2", "B3", "B4", "C1", "C2", "C3", "D1", "D2", "D3"] {
        answers.insert(id.into(), json!(4));
    }
    answers.insert("E1".into(), json!(5));
    answers.insert("E2".into(), json!("na"));
    answers.insert("E3".into(), json!(3));
    answers.insert("overall".into(), json!(4));
    answers.insert("improve".into(), json!(["transparency", "staff_attitude"]));
    json!({ "answers": answers, "comment": "Cán bộ nhiệt tình, hướng dẫn rõ ràng.", "profile": { "gender": "female" } })
}

/// Whether a test that needs an external tool should run; in CI (`SIPAS_TEST_REQUIRE_TOOLS`)
/// a missing tool is a failure, elsewhere the test says it skipped.
pub fn tool_available(path: &str) -> bool {
    let found = std::path::Path::new(path).exists();
    if !found {
        assert!(std::env::var("SIPAS_TEST_REQUIRE_TOOLS").is_err(), "{path} is required but missing");
        eprintln!("skipped: {path} is not installed");
    }
    found
}

/// A Python that can import `module`: the one on PATH or Debian's. With
/// `SIPAS_TEST_REQUIRE_TOOLS` (CI) one must exist; else the caller skips.
pub fn python_with(module: &str) -> Option<String> {
    for python in ["python3", "/usr/bin/python3"] {
        let ok = std::process::Command::new(python)
            .args(["-c", &format!("import {module}")])
            .output()
            .is_ok_and(|o| o.status.success());
        if ok {
            return Some(python.to_owned());
        }
    }
    assert!(std::env::var("SIPAS_TEST_REQUIRE_TOOLS").is_err(), "python3 with {module} is required but missing");
    eprintln!("skipped: no python3 with {module}");
    None
}

/// The password of every staff account the tests create.
pub const STAFF_PASSWORD: &str = "mật khẩu thật dài 2026";

/// A client that keeps cookies and does not follow redirects (to see them).
pub fn staff_client() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// Creates an account with [`STAFF_PASSWORD`].
pub fn add_user(app: &TestApp, username: &str, role: sipas::auth::Role, agency: Option<&str>) {
    let hash = sipas::auth::password::hash_blocking(STAFF_PASSWORD).unwrap();
    sipas::store::users::create(&mut app.db.get().unwrap(), username, &hash, role, agency).unwrap();
}

/// The value of the hidden `csrf` field in a page.
pub fn csrf_of(html: &str) -> String {
    let start = html.find("name=\"csrf\" value=\"").expect("page has a csrf field") + 19;
    html[start..].split('"').next().unwrap().to_owned()
}

/// Submits the login form as a browser would.
pub async fn login_with(app: &TestApp, c: &reqwest::Client, username: &str, password: &str) -> reqwest::Response {
    let page = c.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_of(&page);
    c.post(app.url("/login"))
        .form(&[("csrf", csrf.as_str()), ("username", username), ("password", password)])
        .send()
        .await
        .unwrap()
}

/// A logged-in client of a new account.
pub async fn staff_user(
    app: &TestApp,
    username: &str,
    role: sipas::auth::Role,
    agency: Option<&str>,
) -> reqwest::Client {
    add_user(app, username, role, agency);
    let c = staff_client();
    let res = login_with(app, &c, username, STAFF_PASSWORD).await;
    assert_eq!(res.status(), 303, "login of {username}");
    c
}

/// A `handled_at` on today's Hanoi date that is never in the future: midnight in Hanoi. A
/// fixed time of day ("09:30") is in the future for part of every night.
pub fn handled_today() -> String {
    format!("{}T00:00:00+07:00", sipas::clock::today())
}
