//! Synthetic demo data: the generator writes exactly the responses asked for, each valid for
//! its definition and scope, with counters that verify; the same seed gives the same data;
//! agencies differ enough for a dashboard; `sipas demo` and `serve --demo` fill an empty
//! database, create the demo accounts, and never add to a database that has responses.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{Datelike, NaiveDate, Weekday};
use diesel::prelude::*;
use sipas::db::schema::{agencies, answers, invitations, responses};
use sipas::db::Db;
use sipas::store::aggregates::{self, AnswerKey, SliceKey};
use sipas::surveys::{AnswerInput, AnswerValue, ProfileField, Registry, StoredAnswer};
use sipas::synthetic::{self, Spec, Summary};

use crate::helpers::{manifest_dir, test_settings, TestDb};

const SECRET: &[u8] = b"test-secret-key-that-is-long-enough-0123456789";
const SAMPLE: &str = "reference-data/agencies-hanoi-sample.toml";

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A year from April 2025: the former wards and districts until June, the new ones after.
fn spec(seed: u64) -> Spec {
    Spec { responses: 2_000, end: date(2026, 3, 31), days: 365, seed }
}

struct Generated {
    db: Db,
    registry: Arc<Registry>,
    summary: Summary,
    _test_db: TestDb,
}

/// A fresh database with the sample agencies and `spec` generated into it.
fn generate(spec: &Spec) -> Generated {
    let test_db = TestDb::new();
    let (db, registry) = sipas::startup::prepare(&test_settings(&test_db)).unwrap();
    sipas::cli::import_agencies(&db, &manifest_dir().join(SAMPLE)).unwrap();
    let summary = synthetic::generate(&db, &registry, SECRET, spec).unwrap();
    Generated { db, registry, summary, _test_db: test_db }
}

type ResponseRow = (
    String,
    String,
    i32,
    String,
    String,
    NaiveDate,
    String,
    Option<String>,
    (Option<String>, Option<String>, Option<String>, Option<String>, Option<String>),
);

/// Item id and value (`None` = not applicable) of one stored answer.
type AnswerRow = (String, Option<i32>);

/// Every response with its answers (in stored order of item id).
fn load(g: &Generated) -> Vec<(ResponseRow, Vec<AnswerRow>)> {
    let mut conn = g.db.get().unwrap();
    let rows: Vec<ResponseRow> = responses::table
        .select((
            responses::id,
            responses::survey_id,
            responses::survey_version,
            responses::agency_code,
            responses::channel,
            responses::submitted_on,
            responses::locale,
            responses::comment,
            (
                responses::respondent,
                responses::gender,
                responses::age_group,
                responses::education,
                responses::occupation,
            ),
        ))
        .order(responses::id)
        .load(&mut **conn)
        .unwrap();
    let all: Vec<(String, String, Option<i32>)> = answers::table
        .select((answers::response_id, answers::item_id, answers::value))
        .order((answers::response_id, answers::item_id))
        .load(&mut **conn)
        .unwrap();
    let mut by_response: HashMap<String, Vec<AnswerRow>> = HashMap::new();
    for (id, item, value) in all {
        by_response.entry(id).or_default().push((item, value));
    }
    rows.into_iter()
        .map(|r| {
            let a = by_response.remove(&r.0).unwrap_or_default();
            (r, a)
        })
        .collect()
}

/// The submission that stored rows came from, as a citizen's form would send it.
fn input_of(rows: &[AnswerRow], comment: Option<String>) -> AnswerInput {
    let mut answers = BTreeMap::new();
    for (id, value) in rows {
        match id.split_once('.') {
            Some((question, option)) => {
                let entry = answers.entry(question.to_owned()).or_insert_with(|| AnswerValue::Choices(Vec::new()));
                let AnswerValue::Choices(chosen) = entry else { panic!("{id} mixes kinds") };
                chosen.push(option.to_owned());
            }
            None => {
                answers.insert(id.clone(), value.map_or(AnswerValue::NotApplicable, |v| AnswerValue::Int(v.into())));
            }
        }
    }
    AnswerInput { answers, comment, profile: BTreeMap::new() }
}

/// A phone number (10 digits from 0, or 84 and 9), a 12-digit CCCD or an e-mail address.
fn has_personal_data(text: &str) -> bool {
    let squeezed: String = text.chars().filter(|c| !matches!(c, ' ' | '.' | '+')).collect();
    let mut run = String::new();
    let mut runs = Vec::new();
    for c in squeezed.chars().chain(std::iter::once('x')) {
        if c.is_ascii_digit() {
            run.push(c);
        } else if !run.is_empty() {
            runs.push(std::mem::take(&mut run));
        }
    }
    let phone_or_id = runs
        .iter()
        .any(|r| (r.len() == 10 && r.starts_with('0')) || (r.len() == 11 && r.starts_with("84")) || r.len() == 12);
    let email =
        text.split_whitespace().any(|w| w.split_once('@').is_some_and(|(l, d)| !l.is_empty() && d.contains('.')));
    phone_or_id || email
}

#[test]
fn personal_data_detector_works() {
    assert!(has_personal_data("Xin gọi 0912 345 678."));
    assert!(has_personal_data("Số +84 912 345 678"));
    assert!(has_personal_data("CCCD 001089012345, nhờ kiểm tra"));
    assert!(has_personal_data("email an.nguyen@gmail.com."));
    assert!(!has_personal_data("Chờ 45 phút, hẹn 17 giờ 30."));
}

#[test]
fn generates_exactly_what_was_asked_valid_for_each_definition_with_consistent_counters() {
    let g = generate(&spec(11));
    let mut conn = g.db.get().unwrap();
    let s = &g.summary;
    assert_eq!(s.responses, 2_000);
    let (stored_responses, stored_answers) = sipas::store::responses::counts(&mut conn).unwrap();
    assert_eq!((stored_responses, stored_answers as u64), (2_000, s.answers));
    let invitations_total = sipas::store::invitations::count(&mut conn).unwrap();
    assert_eq!(invitations_total as u64, s.invitations);
    let answered: i64 = sipas::db::schema::used_tokens::table.count().get_result(&mut **conn).unwrap();
    assert_eq!(answered, 2_000, "one used link per response");
    assert!(invitations_total > 2_000 * 14 / 10, "response rates of 20–70 %: {invitations_total} invitations");
    assert!(s.answers > 2_000 * 14, "about 18 answers per response: {}", s.answers);

    // The counters were rebuilt: nothing pending, nothing differs.
    assert_eq!(aggregates::verify(&mut conn).unwrap(), Vec::new());
    let pending: i64 = responses::table.filter(responses::folded.eq(false)).count().get_result(&mut **conn).unwrap();
    assert_eq!(pending, 0);
    let counted: i64 = aggregates::response_counters(&mut conn).unwrap().values().sum();
    assert_eq!(counted, 2_000);

    // Every response is what its definition accepts on its channel, row for row.
    let kinds: HashMap<String, String> =
        agencies::table.select((agencies::code, agencies::kind)).load(&mut **conn).unwrap().into_iter().collect();
    let all = load(&g);
    let (mut with_profile, mut english, mut not_applicable) = (0, 0, 0);
    let mut comments = Vec::new();
    for ((_, survey, version, agency, channel, day, locale, comment, profile), rows) in &all {
        let def = g.registry.get(survey, *version as u32).unwrap();
        let channel = sipas::domain::Channel::parse(channel).unwrap();
        let valid = def
            .validate_answers(channel, &input_of(rows, comment.clone()))
            .unwrap_or_else(|e| panic!("{survey} {channel} {rows:?}: {e}"));
        let mut expected: Vec<StoredAnswer> = valid.answers;
        expected.sort_by(|a, b| a.item_id.cmp(&b.item_id));
        let stored: Vec<StoredAnswer> =
            rows.iter().map(|(item_id, value)| StoredAnswer { item_id: item_id.clone(), value: *value }).collect();
        assert_eq!(stored, expected);
        for (field, value) in ProfileField::ALL.iter().zip([&profile.0, &profile.1, &profile.2, &profile.3, &profile.4])
        {
            if let Some(v) = value {
                let q = def.profile_question(*field).unwrap_or_else(|| panic!("{survey} asks no {field:?}"));
                assert!(q.option(v).is_some(), "{survey} {field:?} = {v}");
            }
        }
        let expected_survey = match kinds[agency].as_str() {
            "hospital" => "health-public",
            "school" => "education-public",
            _ => "sipas-dossier",
        };
        assert_eq!(survey, expected_survey, "{agency}");
        assert!((date(2025, 4, 1)..=date(2026, 3, 31)).contains(day), "{day}");
        with_profile += usize::from(profile.0.is_some() || profile.1.is_some() || profile.2.is_some());
        english += usize::from(locale == "en");
        not_applicable += usize::from(rows.iter().any(|(id, v)| id.starts_with('E') && v.is_none()));
        if let Some(c) = comment {
            assert!(c.chars().count() <= 1_000);
            comments.push(c.clone());
        }
    }
    assert!((700..=1_300).contains(&with_profile), "about half give a profile: {with_profile}");
    assert!(english < 200, "mostly Vietnamese: {english} in English");
    assert!(not_applicable > 400, "many say 'not applicable' to feedback items: {not_applicable}");
    assert!((100..=300).contains(&comments.len()), "about one in ten comments: {}", comments.len());
    let personal = comments.iter().filter(|c| has_personal_data(c)).count();
    assert!(personal >= 10 && personal < comments.len() / 2, "{personal} of {} comments", comments.len());
    assert_eq!(s.comments as usize, comments.len());

    // Invitations: handled when their agency existed, inside the window, mostly on weekdays.
    let handled: Vec<(String, NaiveDate, bool)> = invitations::table
        .inner_join(agencies::table)
        .select((invitations::agency_code, invitations::handled_on, agencies::valid_to.is_null()))
        .load(&mut **conn)
        .unwrap();
    let validity: HashMap<String, (NaiveDate, Option<NaiveDate>)> = agencies::table
        .select((agencies::code, (agencies::valid_from, agencies::valid_to)))
        .load(&mut **conn)
        .unwrap()
        .into_iter()
        .collect();
    let mut ended_agencies = 0;
    for (agency, day, current) in &handled {
        let (from, to) = validity[agency];
        assert!(from <= *day && to.is_none_or(|t| *day <= t), "{agency} on {day}");
        assert!((date(2025, 4, 1)..=date(2026, 3, 31)).contains(day));
        ended_agencies += usize::from(!current);
    }
    assert!(ended_agencies > 0, "former wards answered before the 2025 reorganisation");
    let sundays = handled.iter().filter(|(_, d, _)| d.weekday() == Weekday::Sun).count();
    assert!(sundays * 20 < handled.len(), "{sundays} of {} on Sundays", handled.len());
}

/// Per agency: (satisfied answers, valid answers) on the criteria items, from the counters.
fn satisfaction(g: &Generated) -> BTreeMap<String, (i64, i64)> {
    let counters = aggregates::answer_counters(&mut g.db.get().unwrap()).unwrap();
    let mut out: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for (k, n) in counters {
        let def = g.registry.get(&k.slice.survey_id, k.slice.survey_version as u32).unwrap();
        if def.item(&k.item_id).is_some() && (1..=5).contains(&k.value) {
            let e = out.entry(k.slice.agency_code.clone()).or_default();
            e.0 += if k.value >= 4 { n } else { 0 };
            e.1 += n;
        }
    }
    out
}

#[test]
fn agencies_differ_around_the_city_target_and_some_have_few_responses() {
    let g = generate(&spec(3));
    let rates: BTreeMap<String, f64> =
        satisfaction(&g).into_iter().map(|(a, (yes, all))| (a, 100.0 * yes as f64 / all as f64)).collect();
    let below = rates.values().filter(|r| **r < 85.0).count();
    let above = rates.values().filter(|r| **r > 85.0).count();
    assert!(below >= 2 && above >= 2, "{rates:?}");
    let lowest = rates.values().cloned().fold(f64::MAX, f64::min);
    let highest = rates.values().cloned().fold(f64::MIN, f64::max);
    assert!(lowest < 78.0 && highest > 90.0, "{lowest} .. {highest}");

    let mut per_agency: BTreeMap<String, i64> = BTreeMap::new();
    for (k, n) in aggregates::response_counters(&mut g.db.get().unwrap()).unwrap() {
        *per_agency.entry(k.agency_code).or_default() += n;
    }
    let small = per_agency.values().filter(|n| **n < 30).count();
    assert!(small >= 1, "small-n agencies: {per_agency:?}");
    assert!(per_agency.values().any(|n| *n > 150), "{per_agency:?}");
}

fn counters(g: &Generated) -> (BTreeMap<SliceKey, i64>, BTreeMap<AnswerKey, i64>) {
    let mut conn = g.db.get().unwrap();
    (aggregates::response_counters(&mut conn).unwrap(), aggregates::answer_counters(&mut conn).unwrap())
}

fn comments(g: &Generated) -> Vec<String> {
    let mut c: Vec<String> = responses::table
        .filter(responses::comment.is_not_null())
        .select(responses::comment.assume_not_null())
        .load(&mut **g.db.get().unwrap())
        .unwrap();
    c.sort();
    c
}

#[test]
fn the_same_seed_gives_the_same_data_another_seed_other_data() {
    let small = |seed| Spec { responses: 500, ..spec(seed) };
    let (a, b, c) = (generate(&small(5)), generate(&small(5)), generate(&small(6)));
    assert_eq!(a.summary, b.summary);
    assert_eq!(counters(&a), counters(&b));
    assert_eq!(comments(&a), comments(&b));
    let ids = |g: &Generated| -> Vec<String> {
        responses::table.select(responses::id).order(responses::id).load(&mut **g.db.get().unwrap()).unwrap()
    };
    assert_eq!(ids(&a), ids(&b), "ids too");
    assert_eq!(c.summary.responses, 500);
    assert_ne!(counters(&a), counters(&c));
    assert_ne!(comments(&a), comments(&c));
}

fn sipas_cmd(test_db: &TestDb, dir: &std::path::Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_sipas"));
    cmd.current_dir(manifest_dir())
        .env_remove("DATABASE_URL")
        .env("SIPAS_LOG", "warn")
        .env("SIPAS_SURVEY_DIR", manifest_dir().join("survey-definitions"))
        .env("SIPAS_SECRET_KEY_FILE", dir.join("secret.key"))
        .args(["--database-url", &test_db.url]);
    cmd
}

#[test]
fn cli_demo_fills_an_empty_database_once_with_two_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let test_db = TestDb::new();
    let out = sipas_cmd(&test_db, dir.path())
        .args(["demo", "--responses", "300", "--days", "90", "--seed", "4", "--end", "2026-03-31"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("Synthetic data: 300 responses"), "{stdout}");
    assert!(stdout.contains(" to 2026-03-31, seed 4"), "{stdout}");
    let passwords: Vec<&str> = stdout.lines().filter_map(|l| l.split_once("password: ").map(|p| p.1)).collect();
    assert_eq!(passwords.len(), 2, "{stdout}");
    assert!(passwords.iter().all(|p| p.len() == 20));
    assert!(stdout.contains("demo-admin") && stdout.contains("agency_viewer of 000.00.61.H26"), "{stdout}");
    assert!(stdout.contains("/login"), "{stdout}");

    let settings = test_settings(&test_db);
    let (db, _) = sipas::startup::prepare(&settings).unwrap();
    {
        let mut conn = db.get().unwrap();
        let admin = sipas::store::users::find_by_username(&mut conn, "demo-admin").unwrap().unwrap();
        assert_eq!((admin.role, admin.agency_code), (sipas::auth::Role::Admin, None));
        let ward = sipas::store::users::find_by_username(&mut conn, "demo-ward").unwrap().unwrap();
        assert_eq!(ward.role, sipas::auth::Role::AgencyViewer);
        assert_eq!(ward.agency_code.as_deref(), Some("000.00.61.H26"));
        assert!(sipas::auth::password::verify_blocking(passwords[1], &ward.password_hash));
        assert_eq!(sipas::store::agencies::count(&mut conn).unwrap(), 38, "the sample agencies were loaded");
        assert_eq!(sipas::store::responses::counts(&mut conn).unwrap().0, 300);
    }

    // A second run must not add synthetic answers to a database that has answers.
    let out = sipas_cmd(&test_db, dir.path()).args(["demo", "--responses", "10"]).output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("already has responses"), "{stderr}");
    assert!(stderr.contains("sipas --database-url sqlite://data/demo.db demo"), "{stderr}");
    assert_eq!(sipas::store::responses::counts(&mut db.get().unwrap()).unwrap().0, 300);
}

#[test]
fn cli_demo_refuses_a_database_with_real_responses() {
    let dir = tempfile::tempdir().unwrap();
    let test_db = TestDb::new();
    let (db, registry) = sipas::startup::prepare(&test_settings(&test_db)).unwrap();
    sipas::cli::import_agencies(&db, &manifest_dir().join(SAMPLE)).unwrap();
    // One response, stored the way a citizen's submit stores it.
    let def = registry.latest("sipas-dossier").unwrap();
    let mut conn = db.get().unwrap();
    let new = sipas::store::invitations::NewInvitation::new(
        SECRET,
        sipas::store::invitations::DossierScope {
            agency_code: "000.00.61.H26".into(),
            dossier_code: "HS-REAL-1".into(),
            field: "land".into(),
            procedure_code: None,
            channel: "in_person".into(),
            handled_on: date(2026, 3, 2),
        },
        (def.id(), def.version() as i32),
        "vi",
        None,
        sipas::clock::now_naive(),
        30,
    );
    let (inv, _) = sipas::store::invitations::create_or_get(&mut conn, &new, None).unwrap();
    let response = sipas::store::responses::NewResponse {
        submitted_on: date(2026, 3, 2),
        locale: "vi".into(),
        comment: None,
        profile: Default::default(),
        answers: vec![("overall".into(), Some(4))],
    };
    let outcome =
        sipas::store::responses::submit(&mut conn, &new.token_hash, &inv, sipas::clock::now_naive(), &response, None)
            .unwrap();
    assert_eq!(outcome, sipas::store::responses::SubmitOutcome::Stored);
    drop(conn);

    let out = sipas_cmd(&test_db, dir.path()).arg("demo").output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("already has responses"));
    let mut conn = db.get().unwrap();
    assert_eq!(sipas::store::responses::counts(&mut conn).unwrap().0, 1, "nothing was added");
    assert!(sipas::store::users::find_by_username(&mut conn, "demo-admin").unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_demo_fills_an_empty_database_and_leaves_a_filled_one_alone() {
    let test_db = TestDb::new();
    let settings = test_settings(&test_db);
    let (db, registry) = sipas::startup::prepare(&settings).unwrap();
    let app = sipas::startup::Application::build(settings, db.clone(), registry).unwrap();
    let state = app.state();
    tokio::task::block_in_place(|| sipas::demo::prepare(state)).unwrap();
    let responses_after_first = sipas::store::responses::counts(&mut db.get().unwrap()).unwrap().0;
    assert_eq!(responses_after_first as u64, Spec::DEFAULT_RESPONSES);
    assert_eq!(aggregates::verify(&mut db.get().unwrap()).unwrap(), Vec::new());
    let admin = sipas::store::users::find_by_username(&mut db.get().unwrap(), "demo-admin").unwrap().unwrap();

    // Again (a restart with --demo): no new responses, the accounts keep their passwords.
    tokio::task::block_in_place(|| sipas::demo::prepare(state)).unwrap();
    assert_eq!(sipas::store::responses::counts(&mut db.get().unwrap()).unwrap().0, responses_after_first);
    let again = sipas::store::users::find_by_username(&mut db.get().unwrap(), "demo-admin").unwrap().unwrap();
    assert_eq!(again.password_hash, admin.password_hash);
    let accounts = sipas::demo::create_accounts(&mut db.get().unwrap()).unwrap();
    assert_eq!(
        accounts,
        [
            sipas::demo::Account::Exists { username: "demo-admin" },
            sipas::demo::Account::Exists { username: "demo-ward" }
        ]
    );
}
