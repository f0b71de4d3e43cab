//! Load benchmark of the citizen submit path (PRODUCT §7, "submission").
//!
//! For each backend it runs, in the same process and the same run:
//!
//! - **app**: the real server on 127.0.0.1:0 with a fresh database, N invitations minted
//!   directly in the store (setup, not measured), then C concurrent keep-alive clients each
//!   doing "open the survey" (`GET /s/{token}`, or `GET /api/v1/surveys/{token}` while the
//!   citizen page does not exist) + `POST /api/v1/surveys/{token}/responses` with a full valid
//!   answer set (19 answer rows) until the invitations or the time run out;
//! - **raw**: the same writes without HTTP: on another fresh database with N invitations,
//!   T threads (default C), each holding one pooled connection, call
//!   `sipas::store::responses::submit` (claim the invitation, insert the response, insert its
//!   19 answers, one transaction) as fast as they can.
//!
//! ```text
//! cargo bench --bench submit -- [--backend sqlite|postgres|both] [--invitations N]
//!     [--clients C] [--seconds S] [--runs R] [--warmup W] [--raw-threads T]
//!     [--pool-size P] [--client-threads K]
//! ```
//!
//! PostgreSQL: `BENCH_DATABASE_URL` is an admin URL; a database is created per phase and
//! dropped afterwards. Start a durable throwaway server with
//! `PG_THROWAWAY_FSYNC=on scripts/pg-throwaway start target/pg-bench`.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use diesel::connection::SimpleConnection as _;
use diesel::{Connection as _, PgConnection};
use sipas::config::{RateLimits, Settings};
use sipas::db::Db;
use sipas::domain::{Channel, InvitationToken, Locale};
use sipas::store::invitations::{DossierScope, NewInvitation};
use sipas::store::responses::{NewResponse, SubmitOutcome};
use sipas::store::StoreError;

mod common;
use common::{machine, pg_settings, sqlite_version};

/// The token secret given to the server; tokens are derived with it.
const SECRET: &str = "bench-secret-key-that-is-long-enough-0123456789abcdef";
/// Answer rows stored per response for `full_answers()` (17 ratings + 2 chosen options).
const ANSWER_ROWS: usize = 19;
/// The bar: app throughput ≥ this share of raw, p99 ≤ this.
const BAR_RATIO: f64 = 0.5;
const BAR_P99: Duration = Duration::from_millis(50);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

#[derive(Debug, Clone)]
struct Opts {
    backends: Vec<Backend>,
    invitations: usize,
    clients: usize,
    seconds: f64,
    runs: usize,
    warmup: usize,
    raw_threads: usize,
    pool_size: u32,
    client_threads: usize,
    breakdown: bool,
}

const USAGE: &str = "usage: cargo bench --bench submit -- [--backend sqlite|postgres|both] [--invitations N] \
[--clients C] [--seconds S] [--runs R] [--warmup W] [--raw-threads T] [--pool-size P] [--client-threads K]
[--no-breakdown]

  --backend         which backend(s) to measure (default both)
  --invitations     invitations minted per phase = most responses measured (default 10000)
  --clients         concurrent HTTP clients (default 32)
  --seconds         stop a phase after this long even if invitations remain (default 20)
  --runs            repeat app+raw per backend this many times (default 2)
  --warmup          extra invitations answered first, not measured (default 200)
  --raw-threads     threads of the raw reference (default: --clients)
  --pool-size       the app's db_pool_size (default: the app default, 16)
  --client-threads  tokio worker threads driving the HTTP clients (default 1)
  --no-breakdown    skip the diagnostic phase \"the app's database queries without HTTP\"

On SQLite the raw reference also runs with one writer thread; the bar uses the faster one.

PostgreSQL admin URL from BENCH_DATABASE_URL.";

fn parse_args() -> anyhow::Result<Opts> {
    let mut opts = Opts {
        backends: vec![Backend::Sqlite, Backend::Postgres],
        invitations: 10_000,
        clients: 32,
        seconds: 20.0,
        runs: 2,
        warmup: 200,
        raw_threads: 0,
        pool_size: Settings::default().db_pool_size,
        client_threads: 1,
        breakdown: true,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let (key, inline) = match arg.split_once('=') {
            Some((k, v)) => (k.to_owned(), Some(v.to_owned())),
            None => (arg.clone(), None),
        };
        let mut value = |name: &str| -> anyhow::Result<String> {
            inline.clone().or_else(|| args.next()).with_context(|| format!("{name} needs a value\n{USAGE}"))
        };
        match key.as_str() {
            // cargo bench passes --bench to harness = false targets.
            "--bench" => {}
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            "--backend" => {
                opts.backends = match value("--backend")?.as_str() {
                    "sqlite" => vec![Backend::Sqlite],
                    "postgres" | "postgresql" | "pg" => vec![Backend::Postgres],
                    "both" => vec![Backend::Sqlite, Backend::Postgres],
                    other => bail!("unknown backend `{other}`\n{USAGE}"),
                }
            }
            "--invitations" => opts.invitations = value("--invitations")?.parse()?,
            "--clients" => opts.clients = value("--clients")?.parse()?,
            "--seconds" => opts.seconds = value("--seconds")?.parse()?,
            "--runs" => opts.runs = value("--runs")?.parse()?,
            "--warmup" => opts.warmup = value("--warmup")?.parse()?,
            "--raw-threads" => opts.raw_threads = value("--raw-threads")?.parse()?,
            "--pool-size" => opts.pool_size = value("--pool-size")?.parse()?,
            "--client-threads" => opts.client_threads = value("--client-threads")?.parse()?,
            "--no-breakdown" => opts.breakdown = false,
            other => bail!("unknown argument `{other}`\n{USAGE}"),
        }
    }
    if opts.invitations == 0 || opts.clients == 0 || opts.runs == 0 || opts.client_threads == 0 {
        bail!("--invitations, --clients, --runs and --client-threads must be at least 1");
    }
    if opts.seconds.is_nan() || opts.seconds <= 0.0 {
        bail!("--seconds must be positive");
    }
    if opts.raw_threads == 0 {
        opts.raw_threads = opts.clients;
    }
    Ok(opts)
}

// ---------------------------------------------------------------------------------------
// Databases

/// A database that exists for one phase: a SQLite file in a temp dir, or a PostgreSQL
/// database created from the admin URL and dropped on drop.
struct BenchDb {
    url: String,
    pg: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl BenchDb {
    fn new(backend: Backend, admin: Option<&str>) -> anyhow::Result<BenchDb> {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir()?;
                let url = format!("sqlite://{}", dir.path().join("bench.db").display());
                Ok(BenchDb { url, pg: None, _dir: Some(dir) })
            }
            Backend::Postgres => {
                let admin = admin.context("PostgreSQL needs BENCH_DATABASE_URL")?;
                let name = format!("sipas_bench_{}", uuid::Uuid::new_v4().simple());
                let mut conn = PgConnection::establish(admin).context("cannot connect to BENCH_DATABASE_URL")?;
                conn.batch_execute(&format!("CREATE DATABASE {name}"))?;
                let url = with_database(admin, &name)?;
                Ok(BenchDb { url, pg: Some((admin.to_owned(), name)), _dir: None })
            }
        }
    }
}

impl Drop for BenchDb {
    fn drop(&mut self) {
        if let Some((admin, name)) = &self.pg {
            match PgConnection::establish(admin) {
                Ok(mut conn) => {
                    if let Err(e) = conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")) {
                        eprintln!("warning: could not drop database {name}: {e}");
                    }
                }
                Err(e) => eprintln!("warning: could not drop database {name}: {e}"),
            }
        }
    }
}

/// `postgres://user@host:port/admin?x` with the database replaced by `name`.
fn with_database(admin: &str, name: &str) -> anyhow::Result<String> {
    let scheme_end = admin.find("://").context("BENCH_DATABASE_URL must be a postgres:// URL")? + 3;
    let (head, tail) = admin.split_at(scheme_end);
    let (authority, rest) = match tail.find('/') {
        Some(i) => (&tail[..i], &tail[i..]),
        None => (tail, ""),
    };
    let query = rest.find('?').map_or("", |q| &rest[q..]);
    Ok(format!("{head}{authority}/{name}{query}"))
}

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn settings_for(db: &BenchDb, pool_size: u32) -> Settings {
    Settings {
        database_url: db.url.clone(),
        bind: "127.0.0.1:0".into(),
        survey_dir: manifest_dir().join("survey-definitions"),
        secret_key: Some(SECRET.into()),
        // Far above what the benchmark sends, so the limiters only cost their lookups.
        rate_limits: RateLimits {
            per_token: 1_000_000,
            per_api_key: 1_000_000,
            per_ip: 1_000_000_000,
            ..RateLimits::default()
        },
        db_pool_size: pool_size,
        ..Settings::default()
    }
}

/// One minted invitation: the token (for HTTP), its hash and used tag (for the store).
struct Minted {
    token: String,
    hash: String,
    used_tag: String,
    invitation: sipas::store::invitations::Invitation,
}

/// Migrates, imports the fixture agencies and mints `n` invitations in one transaction.
fn prepare(
    settings: &Settings,
    n: usize,
    tag: &str,
) -> anyhow::Result<(Db, Arc<sipas::surveys::Registry>, Vec<Minted>)> {
    let (db, surveys) = sipas::startup::prepare(settings)?;
    sipas::cli::import_agencies(&db, &manifest_dir().join("tests/fixtures/agencies.toml"))?;
    let survey = surveys.latest(&settings.default_survey).context("default survey missing")?.clone();
    let now = sipas::clock::now();
    let handled_on = sipas::domain::hanoi_date(now);
    let mut conn = db.get()?;
    let minted = conn.transaction(|c| -> Result<Vec<Minted>, StoreError> {
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            let new = NewInvitation::new(
                SECRET.as_bytes(),
                DossierScope {
                    agency_code: "T.FINANCE".into(),
                    dossier_code: format!("BENCH-{tag}-{i:07}"),
                    field: "land".into(),
                    procedure_code: None,
                    channel: Channel::InPerson.code().into(),
                    handled_on,
                },
                (survey.id(), survey.version() as i32),
                Locale::Vi.code(),
                None,
                now.naive_utc(),
                settings.invitation_ttl_days,
            );
            let (invitation, created) = sipas::store::invitations::create_or_get(c, &new, None)?;
            if !created {
                return Err(StoreError::Rejected(format!("invitation {i} minted twice")));
            }
            let token = InvitationToken::derive(SECRET.as_bytes(), &invitation.id);
            let hash = token.hash().0;
            if hash != new.token_hash {
                return Err(StoreError::Rejected("token derivation does not match the stored hash".into()));
            }
            let used_tag = token.used_tag(SECRET.as_bytes());
            out.push(Minted { token: token.as_str().to_owned(), hash, used_tag, invitation });
        }
        Ok(out)
    })?;
    drop(conn);
    Ok((db, surveys, minted))
}

/// The body a citizen submits: the same complete answer set as `full_answers()` in the
/// API tests (17 ratings, one of them "na", and 2 chosen improvement options).
fn full_answers() -> serde_json::Value {
    let mut answers = serde_json::Map::new();
    for id in ["A1", "A2", "A3", "B1", "B2", "B3", "B4", "C1", "C2", "C3", "D1", "D2", "D3"] {
        answers.insert(id.into(), serde_json::json!(4));
    }
    answers.insert("E1".into(), serde_json::json!(5));
    answers.insert("E2".into(), serde_json::json!("na"));
    answers.insert("E3".into(), serde_json::json!(3));
    answers.insert("overall".into(), serde_json::json!(4));
    answers.insert("improve".into(), serde_json::json!(["transparency", "staff_attitude"]));
    serde_json::json!({
        "answers": answers,
        "comment": "Cán bộ nhiệt tình, hướng dẫn rõ ràng.",
        "profile": { "gender": "female" },
    })
}

/// What the app would store for `full_answers()`, validated by the real definition once,
/// so the raw reference writes exactly the same rows.
fn response_template(surveys: &sipas::surveys::Registry, survey_id: &str) -> anyhow::Result<NewResponse> {
    let definition = surveys.latest(survey_id).context("default survey missing")?;
    let input: sipas::surveys::AnswerInput = serde_json::from_value(full_answers())?;
    let valid = definition
        .validate_answers(Channel::InPerson, &input)
        .map_err(|e| anyhow::anyhow!("full_answers() is not valid: {e:?}"))?;
    let response = NewResponse::from_valid(valid, Locale::Vi.code(), sipas::clock::today());
    if response.answers.len() != ANSWER_ROWS {
        bail!("expected {ANSWER_ROWS} answer rows, the definition gives {}", response.answers.len());
    }
    Ok(response)
}

fn check_counts(db: &Db, expected: usize) -> anyhow::Result<()> {
    let mut conn = db.get()?;
    let (responses, answers) = sipas::store::responses::counts(&mut conn)?;
    let expected = expected as i64;
    if responses != expected || answers != expected * ANSWER_ROWS as i64 {
        bail!(
            "stored {responses} responses / {answers} answers, expected {expected} / {}",
            expected * ANSWER_ROWS as i64
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Statistics

#[derive(Debug, Clone, Copy, Default)]
struct Stats {
    p50: Duration,
    p90: Duration,
    p99: Duration,
    max: Duration,
}

impl Stats {
    fn of(mut v: Vec<Duration>) -> Stats {
        if v.is_empty() {
            return Stats::default();
        }
        v.sort_unstable();
        let at = |q: f64| v[((q * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1];
        Stats { p50: at(0.50), p90: at(0.90), p99: at(0.99), max: v[v.len() - 1] }
    }
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1e3)
}

#[derive(Debug, Clone)]
struct AppResult {
    page: &'static str,
    completed: usize,
    errors: usize,
    elapsed: Duration,
    total: Stats,
    get: Stats,
    post: Stats,
}

impl AppResult {
    fn rate(&self) -> f64 {
        self.completed as f64 / self.elapsed.as_secs_f64()
    }
}

#[derive(Debug, Clone)]
struct RawResult {
    threads: usize,
    completed: usize,
    elapsed: Duration,
    tx: Stats,
}

impl RawResult {
    fn rate(&self) -> f64 {
        self.completed as f64 / self.elapsed.as_secs_f64()
    }
}

// ---------------------------------------------------------------------------------------
// The app phase

#[derive(Default)]
struct Samples {
    total: Vec<Duration>,
    get: Vec<Duration>,
    post: Vec<Duration>,
    errors: usize,
    first_error: Option<String>,
}

/// GET + POST for one token; `Ok((get, post))` on two 2xx answers.
async fn one_response(
    client: &reqwest::Client,
    base: &str,
    page: &str,
    token: &str,
    body: &[u8],
) -> Result<(Duration, Duration), String> {
    let t0 = Instant::now();
    let res = client.get(format!("{base}{page}{token}")).send().await.map_err(|e| format!("GET: {e}"))?;
    let status = res.status();
    let text = res.bytes().await.map_err(|e| format!("GET body: {e}"))?;
    if !status.is_success() {
        return Err(format!("GET {status}: {}", String::from_utf8_lossy(&text)));
    }
    let t1 = Instant::now();
    let res = client
        .post(format!("{base}/api/v1/surveys/{token}/responses"))
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body.to_vec())
        .send()
        .await
        .map_err(|e| format!("POST: {e}"))?;
    let status = res.status();
    let text = res.bytes().await.map_err(|e| format!("POST body: {e}"))?;
    if !status.is_success() {
        return Err(format!("POST {status}: {}", String::from_utf8_lossy(&text)));
    }
    let t2 = Instant::now();
    Ok((t1 - t0, t2 - t1))
}

/// C tasks answering `tokens` until they run out or `deadline` passes.
async fn drive(
    client: &reqwest::Client,
    base: &str,
    page: &'static str,
    tokens: Arc<Vec<String>>,
    clients: usize,
    deadline: Option<Instant>,
) -> anyhow::Result<(Samples, Duration)> {
    let next = Arc::new(AtomicUsize::new(0));
    let body: Arc<Vec<u8>> = Arc::new(serde_json::to_vec(&full_answers())?);
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(clients);
    for _ in 0..clients {
        let (client, base, tokens, next, body) =
            (client.clone(), base.to_owned(), tokens.clone(), next.clone(), body.clone());
        tasks.push(tokio::spawn(async move {
            let mut s = Samples::default();
            loop {
                if deadline.is_some_and(|d| Instant::now() >= d) {
                    break;
                }
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(token) = tokens.get(i) else { break };
                let t0 = Instant::now();
                match one_response(&client, &base, page, token, &body).await {
                    Ok((get, post)) => {
                        s.total.push(t0.elapsed());
                        s.get.push(get);
                        s.post.push(post);
                    }
                    Err(e) => {
                        s.errors += 1;
                        s.first_error.get_or_insert(e);
                    }
                }
            }
            s
        }));
    }
    let mut all = Samples::default();
    for t in tasks {
        let s = t.await?;
        all.total.extend(s.total);
        all.get.extend(s.get);
        all.post.extend(s.post);
        all.errors += s.errors;
        if all.first_error.is_none() {
            all.first_error = s.first_error;
        }
    }
    Ok((all, start.elapsed()))
}

async fn app_phase(opts: &Opts, backend: Backend, admin: Option<&str>, tag: &str) -> anyhow::Result<AppResult> {
    let bench_db = BenchDb::new(backend, admin)?;
    let settings = settings_for(&bench_db, opts.pool_size);
    let setup = settings.clone();
    let n = opts.invitations + opts.warmup;
    let tag = tag.to_owned();
    let (db, surveys, minted) = tokio::task::spawn_blocking(move || prepare(&setup, n, &tag)).await??;
    let app = sipas::startup::Application::build(settings, db.clone(), surveys)?;
    let base = format!("http://{}", app.addr());
    let stop = app.stop_handle();
    let server = tokio::spawn(app.run_until_stopped());

    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(opts.clients * 2)
        .tcp_nodelay(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let (warm, measured) = minted.split_at(opts.warmup);
    let warm: Vec<String> = warm.iter().map(|m| m.token.clone()).collect();
    let measured: Vec<String> = measured.iter().map(|m| m.token.clone()).collect();

    // The citizen page, if it exists yet; else the survey as JSON.
    let probe = measured.first().context("no invitations")?;
    let page_status = client.get(format!("{base}/s/{probe}")).send().await?.status();
    let page: &'static str = if page_status.is_success() { "/s/" } else { "/api/v1/surveys/" };

    let (w, _) = drive(&client, &base, page, Arc::new(warm), opts.clients, None).await?;
    if w.errors > 0 {
        bail!("{} errors during warm-up, first: {}", w.errors, w.first_error.unwrap_or_default());
    }
    eprintln!("  measuring ({} invitations, page `{page}`) …", measured.len());
    let deadline = Instant::now() + Duration::from_secs_f64(opts.seconds);
    let (s, elapsed) = drive(&client, &base, page, Arc::new(measured), opts.clients, Some(deadline)).await?;
    if let Some(e) = &s.first_error {
        eprintln!("  {} errors, first: {e}", s.errors);
    }
    drop(client);
    // A graceful stop, so the app's background tasks (counter folding, sweeps, the export
    // worker) end with it instead of polling a database the next phase has dropped.
    stop.stop(true).await;
    let _ = server.await;

    let completed = s.total.len();
    let db_check = db.clone();
    let expected = opts.warmup + completed;
    tokio::task::spawn_blocking(move || check_counts(&db_check, expected)).await??;
    drop(db);
    Ok(AppResult {
        page,
        completed,
        errors: s.errors,
        elapsed,
        total: Stats::of(s.total),
        get: Stats::of(s.get),
        post: Stats::of(s.post),
    })
}

// ---------------------------------------------------------------------------------------
// The raw reference

/// What each raw-reference operation does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// Only `store::responses::submit`, on a connection each thread holds: the reference.
    Submit,
    /// The database work the app does per completed response, without HTTP: for the GET and
    /// again for the POST a pool checkout + `find_with_agency` (`survey_link::open`),
    /// then a checkout + `submit`, on a pool of the app's size. A diagnostic, not the bar.
    AppQueries,
}

fn raw_phase(
    opts: &Opts,
    backend: Backend,
    admin: Option<&str>,
    tag: &str,
    threads: usize,
    shape: Shape,
) -> anyhow::Result<RawResult> {
    let bench_db = BenchDb::new(backend, admin)?;
    let pool_size = match shape {
        Shape::Submit => threads as u32,
        Shape::AppQueries => opts.pool_size,
    };
    let settings = settings_for(&bench_db, pool_size);
    let (db, surveys, minted) = prepare(&settings, opts.invitations + opts.warmup, tag)?;
    let template = response_template(&surveys, &settings.default_survey)?;
    let (warm, measured) = minted.split_at(opts.warmup);

    let next_warm = AtomicUsize::new(0);
    let next = AtomicUsize::new(0);
    let ready = Barrier::new(threads + 1);
    let go = Barrier::new(threads + 1);
    let latencies = Mutex::new(Vec::with_capacity(measured.len()));
    let failure: Mutex<Option<String>> = Mutex::new(None);
    let seconds = Duration::from_secs_f64(opts.seconds);
    let deadline: Mutex<Option<Instant>> = Mutex::new(None);

    let fail = |e: String| {
        failure.lock().unwrap_or_else(|p| p.into_inner()).get_or_insert(e);
    };
    let submit = |conn: &mut sipas::db::DbConn, m: &Minted| -> bool {
        let now = sipas::clock::now_naive();
        match sipas::store::responses::submit(conn, &m.used_tag, &m.invitation, now, &template, None) {
            Ok(SubmitOutcome::Stored) => true,
            Ok(other) => {
                fail(format!("submit: {other:?}"));
                false
            }
            Err(e) => {
                fail(format!("submit: {e}"));
                false
            }
        }
    };
    let open = |m: &Minted| -> bool {
        let found = db
            .get()
            .map_err(StoreError::from)
            .and_then(|mut c| sipas::store::invitations::find_with_agency(&mut c, &m.hash, &m.used_tag));
        match found {
            Ok(Some(_)) => true,
            Ok(None) => {
                fail("open: invitation or agency not found".into());
                false
            }
            Err(e) => {
                fail(format!("open: {e}"));
                false
            }
        }
    };
    // One operation = what one completed response costs the database in this shape.
    let op = |held: Option<&mut sipas::db::DbConn>, m: &Minted| -> bool {
        match (shape, held) {
            (Shape::Submit, Some(c)) => submit(c, m),
            (Shape::AppQueries, _) => {
                open(m)
                    && open(m)
                    && match db.get() {
                        Ok(mut c) => submit(&mut c, m),
                        Err(e) => {
                            fail(format!("checkout: {e}"));
                            false
                        }
                    }
            }
            (Shape::Submit, None) => false,
        }
    };

    let start = std::thread::scope(|scope| -> anyhow::Result<Instant> {
        for _ in 0..threads {
            scope.spawn(|| {
                let mut held = match shape {
                    Shape::Submit => match db.get() {
                        Ok(c) => Some(c),
                        Err(e) => {
                            fail(format!("connect: {e}"));
                            None
                        }
                    },
                    Shape::AppQueries => None,
                };
                while let Some(m) = warm.get(next_warm.fetch_add(1, Ordering::Relaxed)) {
                    if !op(held.as_deref_mut().map(|c| &mut **c), m) {
                        break;
                    }
                }
                ready.wait();
                go.wait();
                let end = deadline.lock().map(|d| d.unwrap_or_else(Instant::now)).unwrap_or_else(|_| Instant::now());
                let mut mine = Vec::new();
                while Instant::now() < end {
                    let Some(m) = measured.get(next.fetch_add(1, Ordering::Relaxed)) else { break };
                    let t0 = Instant::now();
                    if !op(held.as_deref_mut().map(|c| &mut **c), m) {
                        break;
                    }
                    mine.push(t0.elapsed());
                }
                latencies.lock().unwrap_or_else(|p| p.into_inner()).extend(mine);
            });
        }
        ready.wait();
        let start = Instant::now();
        *deadline.lock().unwrap_or_else(|p| p.into_inner()) = Some(start + seconds);
        go.wait();
        Ok(start)
    })?;
    let elapsed = start.elapsed();
    if let Some(e) = failure.lock().unwrap_or_else(|p| p.into_inner()).take() {
        bail!("raw reference ({shape:?}, {threads} threads) failed: {e}");
    }
    let latencies = latencies.into_inner().unwrap_or_else(|p| p.into_inner());
    let completed = latencies.len();
    check_counts(&db, opts.warmup + completed)?;
    Ok(RawResult { threads, completed, elapsed, tx: Stats::of(latencies) })
}

// ---------------------------------------------------------------------------------------
// Reporting

struct Row {
    backend: Backend,
    run: usize,
    app: AppResult,
    /// `submit` only, `--raw-threads` threads: the reference the brief names.
    raw: RawResult,
    /// SQLite only: `submit` only, one writer thread (how the machine notes measured SQLite).
    raw_one: Option<RawResult>,
    /// The app's database work per response without HTTP (`--no-breakdown` skips it).
    app_queries: Option<RawResult>,
}

impl Row {
    /// The raw-database limit: the fastest `submit`-only configuration measured.
    fn limit(&self) -> (f64, String) {
        let mut best = (self.raw.rate(), format!("{} threads", self.raw.threads));
        if let Some(one) = &self.raw_one {
            if one.rate() > best.0 {
                best = (one.rate(), "1 writer".into());
            }
        }
        best
    }
}

fn verdict(ratio: f64, p99: Duration, errors: usize) -> &'static str {
    if ratio >= BAR_RATIO && p99 <= BAR_P99 && errors == 0 {
        "meets"
    } else {
        "**misses**"
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        0.0
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn print_report(opts: &Opts, rows: &[Row]) {
    let page = rows.first().map_or("/s/", |r| r.app.page);
    println!();
    println!(
        "Submit benchmark: {} clients, up to {} invitations or {} s per phase (+{} warm-up), app pool {} \
         connections; one completed response = `GET {page}{{token}}` + `POST /api/v1/surveys/{{token}}/responses`.",
        opts.clients, opts.invitations, opts.seconds, opts.warmup, opts.pool_size
    );
    println!();
    println!("App over HTTP (latencies in ms, per completed response = GET + POST):");
    println!();
    println!("| backend | run | responses/s | p50 | p90 | p99 | max | GET p50 / p99 | POST p50 / p99 | errors |");
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in rows {
        let a = &r.app;
        println!(
            "| {} | {} | {:.0} | {} | {} | {} | {} | {} / {} | {} / {} | {} |",
            r.backend.name(),
            r.run,
            a.rate(),
            ms(a.total.p50),
            ms(a.total.p90),
            ms(a.total.p99),
            ms(a.total.max),
            ms(a.get.p50),
            ms(a.get.p99),
            ms(a.post.p50),
            ms(a.post.p99),
            a.errors
        );
    }
    println!();
    println!("Database only, no HTTP (latencies in ms per operation):");
    println!();
    println!("| backend | run | what | threads | ops/s | p50 | p90 | p99 | max |");
    println!("|---|---|---|---:|---:|---:|---:|---:|---:|");
    for r in rows {
        let mut lines = vec![("raw: `store::responses::submit`", &r.raw)];
        if let Some(one) = &r.raw_one {
            lines.push(("raw: `store::responses::submit`", one));
        }
        if let Some(q) = &r.app_queries {
            lines.push(("app's queries (3 checkouts, 2 × open, submit)", q));
        }
        for (what, x) in lines {
            println!(
                "| {} | {} | {what} | {} | {:.0} | {} | {} | {} | {} |",
                r.backend.name(),
                r.run,
                x.threads,
                x.rate(),
                ms(x.tx.p50),
                ms(x.tx.p90),
                ms(x.tx.p99),
                ms(x.tx.max)
            );
        }
    }
    println!();
    println!("Against the bar (app ≥ 50 % of the raw limit measured in the same run, p99 ≤ 50 ms, no errors):");
    println!();
    println!(
        "| backend | run | app responses/s | raw limit tx/s | app / raw | app / raw ({} threads) | p99 ms | verdict |",
        opts.raw_threads
    );
    println!("|---|---|---:|---:|---:|---:|---:|---|");
    for r in rows {
        let (limit, which) = r.limit();
        let ratio = r.app.rate() / limit;
        println!(
            "| {} | {} | {:.0} | {:.0} ({which}) | {:.0} % | {:.0} % | {} | {} |",
            r.backend.name(),
            r.run,
            r.app.rate(),
            limit,
            ratio * 100.0,
            r.app.rate() / r.raw.rate() * 100.0,
            ms(r.app.total.p99),
            verdict(ratio, r.app.total.p99, r.app.errors)
        );
    }
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let mine: Vec<&Row> = rows.iter().filter(|r| r.backend == backend).collect();
        if mine.len() < 2 {
            continue;
        }
        let app = median(mine.iter().map(|r| r.app.rate()).collect());
        let limit = median(mine.iter().map(|r| r.limit().0).collect());
        let raw = median(mine.iter().map(|r| r.raw.rate()).collect());
        let p99 = median(mine.iter().map(|r| r.app.total.p99.as_secs_f64() * 1e3).collect());
        println!(
            "| {} | median | {app:.0} | {limit:.0} | {:.0} % | {:.0} % | {p99:.1} | {} |",
            backend.name(),
            app / limit * 100.0,
            app / raw * 100.0,
            verdict(app / limit, Duration::from_secs_f64(p99 / 1e3), 0)
        );
    }
    println!();
    println!(
        "Every phase checks the database afterwards: warm-up + measured responses stored, {ANSWER_ROWS} answer rows each."
    );
}

fn main() -> anyhow::Result<()> {
    let opts = parse_args()?;
    let admin = std::env::var("BENCH_DATABASE_URL").ok().filter(|u| !u.trim().is_empty());
    if opts.backends.contains(&Backend::Postgres) && admin.is_none() {
        eprintln!(
            "PostgreSQL needs BENCH_DATABASE_URL (an admin URL; a database is created and dropped per phase).\n\
             Start a durable throwaway server and run:\n\n  \
             export BENCH_DATABASE_URL=$(PG_THROWAWAY_FSYNC=on scripts/pg-throwaway start target/pg-bench)\n  \
             cargo bench --bench submit -- --backend both\n\n\
             (stop it with `scripts/pg-throwaway destroy target/pg-bench`), or use `--backend sqlite`."
        );
        std::process::exit(2);
    }
    for (k, v) in machine() {
        println!("{k}: {v}");
    }
    if let Some(admin) = admin.as_deref().filter(|_| opts.backends.contains(&Backend::Postgres)) {
        let s = pg_settings(admin)?;
        println!("{s}");
        if s.contains("fsync=off") {
            eprintln!("WARNING: fsync=off: commits are not durable, not comparable with the durable baselines");
        }
    }
    println!(
        "SQLite {} (bundled), WAL, synchronous=FULL, busy_timeout=10 s (the app's connection set-up)",
        sqlite_version()
    );

    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(opts.client_threads).enable_all().build()?;
    let report_raw = |what: &str, r: &RawResult| {
        eprintln!(
            "  {what}: {} in {:.2} s = {:.0}/s, p50 {} ms, p99 {} ms",
            r.completed,
            r.elapsed.as_secs_f64(),
            r.rate(),
            ms(r.tx.p50),
            ms(r.tx.p99)
        );
    };
    let mut rows = Vec::new();
    for run in 1..=opts.runs {
        for &backend in &opts.backends {
            let name = backend.name();
            let tag = format!("{run}");
            eprintln!("[{name} run {run}] app over HTTP, {} clients …", opts.clients);
            let app = runtime.block_on(app_phase(&opts, backend, admin.as_deref(), &tag))?;
            eprintln!(
                "  {} responses in {:.2} s = {:.0}/s, p50 {} ms, p99 {} ms, errors {}",
                app.completed,
                app.elapsed.as_secs_f64(),
                app.rate(),
                ms(app.total.p50),
                ms(app.total.p99),
                app.errors
            );
            eprintln!("[{name} run {run}] raw submit …");
            let raw = raw_phase(&opts, backend, admin.as_deref(), &tag, opts.raw_threads, Shape::Submit)?;
            report_raw(&format!("{} threads", opts.raw_threads), &raw);
            let raw_one = if backend == Backend::Sqlite && opts.raw_threads != 1 {
                let one = raw_phase(&opts, backend, admin.as_deref(), &tag, 1, Shape::Submit)?;
                report_raw("1 writer", &one);
                Some(one)
            } else {
                None
            };
            let app_queries = if opts.breakdown {
                eprintln!("[{name} run {run}] the app's queries without HTTP …");
                let q = raw_phase(&opts, backend, admin.as_deref(), &tag, opts.clients, Shape::AppQueries)?;
                report_raw(&format!("{} threads, pool {}", opts.clients, opts.pool_size), &q);
                Some(q)
            } else {
                None
            };
            rows.push(Row { backend, run, app, raw, raw_one, app_queries });
        }
    }
    print_report(&opts, &rows);
    let errors: usize = rows.iter().map(|r| r.app.errors).sum();
    if errors > 0 {
        bail!("{errors} requests failed");
    }
    Ok(())
}
