//! Export benchmark (PRODUCT §7, "exports"): 1 M responses to CSV in ≤ 20 s, to XLSX without
//! loading them into memory (≤ 200 MB RSS), time linear in rows.
//!
//! ```text
//! cargo run --release -- --database-url DB demo --responses 1000000
//! cargo bench --bench export -- --database-url DB [--survey S] [--dataset D] [--format F]
//!     [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--limit-days N] [--out DIR] [--keep] [--read-only [--pragma SQL]]
//! ```
//!
//! Runs ONE export in this process, the way the service's worker does: the request is queued
//! with `exports::service::check` and `queue` (as a city-wide API key, allowed microdata), claimed with
//! `store::exports::claim_next` and run with `exports::job::Runner::run` (rows streamed from
//! the database a batch at a time, the files written and hashed, the job marked done). One
//! export per process, so the peak RSS printed (`VmHWM` of `/proc/self/status`) is that
//! export's.
//!
//! - `--survey` defaults to the default survey (`sipas-dossier`); an export is of one survey.
//! - `--from`/`--to` default to the first and last day with responses; `--limit-days N`
//!   keeps only the first N days from `--from` (for the linearity check).
//! - `--out` defaults to `target/export-bench/<pid>`; the files are removed afterwards (and
//!   the job marked expired) unless `--keep`.
//! - `--read-only` writes no file: it reads the same batches (`store::export_rows::batch`)
//!   and builds the same rows (`Microdata::rows`), timing the two apart, to tell the database
//!   read from the writing. `--pragma SQL` runs SQL (e.g. `PRAGMA mmap_size = 4000000000`)
//!   on its connection first, to try a database setting without changing the service.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use chrono::NaiveDate;
use diesel::RunQueryDsl as _;
use sipas::config::Settings;
use sipas::domain::{AgencyTree, Visibility};
use sipas::exports::job::{Outcome, Runner, BATCH};
use sipas::exports::microdata::Microdata;
use sipas::exports::request::{Dataset, ExportRequest, Requester};
use sipas::store::export_rows::{self, ResponseFilter};
use sipas::store::exports as jobs;

mod common;

/// The rows of a Parquet file, from its footer.
fn parquet_rows(path: &Path) -> anyhow::Result<u64> {
    use parquet::file::reader::FileReader as _;
    let reader = parquet::file::reader::SerializedFileReader::new(std::fs::File::open(path)?)?;
    Ok(u64::try_from(reader.metadata().file_metadata().num_rows())?)
}

/// PRODUCT §7: 1 M responses to CSV in ≤ 20 s.
const CSV_BAR_SECONDS_PER_MILLION: f64 = 20.0;
/// PRODUCT §7: XLSX in ≤ 200 MB RSS.
const RSS_BAR_MB: f64 = 200.0;

const USAGE: &str = "usage: cargo bench --bench export -- --database-url DB [--survey S] [--dataset D] [--format F] \
     [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--limit-days N] [--out DIR] [--keep] [--read-only [--pragma SQL]]";

struct Opts {
    database_url: String,
    survey: Option<String>,
    dataset: String,
    format: String,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    limit_days: Option<i64>,
    out: Option<PathBuf>,
    keep: bool,
    read_only: bool,
    pragma: Option<String>,
}

fn parse_args() -> anyhow::Result<Opts> {
    let mut opts = Opts {
        database_url: String::new(),
        survey: None,
        dataset: "responses_wide".into(),
        format: "csv".into(),
        from: None,
        to: None,
        limit_days: None,
        out: None,
        keep: false,
        read_only: false,
        pragma: None,
    };
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    while let Some(a) = args.next() {
        let mut value = || args.next().with_context(|| format!("{a} needs a value\n{USAGE}"));
        match a.as_str() {
            "--database-url" => opts.database_url = value()?,
            "--survey" => opts.survey = Some(value()?),
            "--dataset" => opts.dataset = value()?,
            "--format" => opts.format = value()?,
            "--from" => opts.from = Some(value()?.parse().context("--from YYYY-MM-DD")?),
            "--to" => opts.to = Some(value()?.parse().context("--to YYYY-MM-DD")?),
            "--limit-days" => {
                let n: i64 = value()?.parse().context("--limit-days N")?;
                if n < 1 {
                    bail!("--limit-days must be at least 1");
                }
                opts.limit_days = Some(n);
            }
            "--out" => opts.out = Some(PathBuf::from(value()?)),
            "--keep" => opts.keep = true,
            "--read-only" => opts.read_only = true,
            "--pragma" => opts.pragma = Some(value()?),
            _ => bail!("unknown argument {a}\n{USAGE}"),
        }
    }
    if opts.database_url.is_empty() {
        bail!("--database-url is required\n{USAGE}");
    }
    if opts.pragma.is_some() && !opts.read_only {
        bail!("--pragma is only for --read-only (the export's own connections are the service's)");
    }
    Ok(opts)
}

/// A line of `/proc/self/status` in MB (`VmHWM` is the peak resident set, `VmRSS` the current).
fn status_mb(key: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

/// User + system CPU seconds of this process so far (`/proc/self/stat`, in clock ticks of
/// 1/100 s, the kernel's USER_HZ on Linux).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name may hold spaces: the fields after it start past the last `)`.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// The 1-minute load average: other work on the machine slows the export down.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".into())
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1_000_000.0
}

fn fmt_mb(v: Option<f64>) -> String {
    v.map_or_else(|| "?".into(), |v| format!("{v:.1}"))
}

#[derive(diesel::QueryableByName)]
struct Span {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Date>)]
    first: Option<NaiveDate>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Date>)]
    last: Option<NaiveDate>,
}

/// The records of a CSV file, header excluded (quoted line breaks in comments counted right).
fn csv_records(path: &Path) -> anyhow::Result<u64> {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_path(path)?;
    let mut record = csv::ByteRecord::new();
    let mut n = 0;
    while reader.read_byte_record(&mut record)? {
        n += 1;
    }
    Ok(n)
}

fn main() -> anyhow::Result<()> {
    let opts = parse_args()?;
    common::print_setup(&opts.database_url)?;

    let dir = match &opts.out {
        Some(d) => d.clone(),
        None => PathBuf::from("target/export-bench").join(std::process::id().to_string()),
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let settings = Settings { database_url: opts.database_url.clone(), export_dir: dir.clone(), ..Settings::default() };
    let (db, surveys) = sipas::startup::prepare(&settings)?;

    let (from, to) = {
        let mut conn = db.get()?;
        let span: Vec<Span> =
            diesel::sql_query("SELECT MIN(submitted_on) AS first, MAX(submitted_on) AS last FROM responses")
                .load(&mut **conn)?;
        let span = span.first().context("no responses")?;
        let (Some(first), Some(last)) = (span.first, span.last) else {
            bail!("no responses: run `sipas --database-url DB demo --responses 1000000` first");
        };
        let from = opts.from.unwrap_or(first);
        let mut to = opts.to.unwrap_or(last);
        if let Some(n) = opts.limit_days {
            to = to.min(from + chrono::Duration::days(n - 1));
        }
        println!("responses in the database: {first} to {last}");
        (from, to)
    };
    let pairs: Vec<(String, String)> = [
        ("survey", opts.survey.clone().unwrap_or_else(|| settings.default_survey.clone())),
        ("dataset", opts.dataset.clone()),
        ("format", opts.format.clone()),
        ("from", from.to_string()),
        ("to", to.to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let days = (to - from).num_days() + 1;
    println!(
        "export: dataset={} format={} from={from} to={to} ({days} days){}; files in {}",
        opts.dataset,
        opts.format,
        if opts.read_only { " READ ONLY (no file written)" } else { "" },
        dir.display()
    );
    println!("load average (1 min) before: {}", load_average());
    let rss_before = status_mb("VmRSS");
    let hwm_before = status_mb("VmHWM");

    if opts.read_only {
        let result = read_only(&db, &surveys, &settings, &pairs, opts.pragma.as_deref(), hwm_before);
        if opts.out.is_none() {
            let _ = std::fs::remove_dir(&dir);
        }
        return result;
    }

    let requester = Requester::api_key("bench", None);
    let worker = format!("bench-{}", std::process::id());
    let lease = chrono::Duration::seconds(60);
    let today = sipas::clock::now().date_naive();

    // Jobs left queued or running by an interrupted earlier run would be claimed first.
    {
        let mut conn = db.get()?;
        for old in jobs::list_for_owner(&mut conn, &requester.actor, 1000)? {
            if old.state == jobs::QUEUED || old.state == jobs::RUNNING {
                jobs::cancel(&mut conn, &old.id, "left by an interrupted benchmark", sipas::store::now())?;
                println!("cancelled job {} left by an earlier run", old.id);
            }
        }
    }

    let started = Instant::now();
    let job = {
        let mut conn = db.get()?;
        // The benchmark measures the writers; the fair-use limits are not what it runs into.
        let unlimited = sipas::exports::service::Limits::none();
        sipas::exports::service::check(
            &mut conn,
            &surveys,
            &requester,
            &pairs,
            &settings.default_survey,
            today,
            unlimited,
        )
        .and_then(|checked| sipas::exports::service::queue(&mut conn, &checked, unlimited))
        .map_err(|e| match e {
            sipas::exports::service::StartError::Invalid(errors) => anyhow::anyhow!("invalid request: {errors:?}"),
            other => anyhow::anyhow!(other),
        })?
    };
    let queued = started.elapsed();
    let claimed = db
        .run_blocking(true, |c| jobs::claim_next(c, &worker, sipas::store::now(), lease, 3))?
        .context("the job was not claimable")?;
    if claimed.id != job.id {
        bail!("claimed job {} instead of {}: another job is waiting in this database's queue", claimed.id, job.id);
    }
    let runner = Runner {
        db: db.clone(),
        surveys: surveys.clone(),
        dir: dir.clone(),
        worker: worker.clone(),
        small_n: settings.small_n,
        lease: Duration::from_secs(60),
        ttl: chrono::Duration::hours(1),
        pause: Duration::ZERO,
        stopping: Default::default(),
        mail_links: None,
    };
    let cpu_before = cpu_seconds();
    let run_started = Instant::now();
    let outcome = runner.run(&claimed);
    let run = run_started.elapsed();
    let cpu_run = cpu_seconds().zip(cpu_before).map(|(a, b)| a - b);
    let total = started.elapsed();
    let hwm_after = status_mb("VmHWM");
    if outcome != Outcome::Done {
        bail!("the export did not finish: {outcome:?}");
    }

    let mut conn = db.get()?;
    let done = jobs::get(&mut conn, &job.id)?.context("the job disappeared")?;
    let files = jobs::files(&mut conn, &job.id)?;
    let responses = done.rows_total.unwrap_or(done.rows_done);
    let req: ExportRequest = serde_json::from_str(&done.request)?;
    let job_dir = runner.job_dir(&job.id);
    let data_file = files.iter().find(|f| [".csv", ".xlsx", ".parquet"].iter().any(|end| f.name.ends_with(end)));
    let data_mb = data_file.map_or(0.0, |f| mb(u64::try_from(f.size).unwrap_or(0)));
    let all_mb = mb(files.iter().map(|f| u64::try_from(f.size).unwrap_or(0)).sum());
    // Rows of the data file: one per response in the wide file; counted in the long CSV.
    let data_rows = match (req.dataset, data_file) {
        (Dataset::ResponsesWide, _) => Some(responses as u64),
        (_, Some(f)) if f.name.ends_with(".csv") => Some(csv_records(&job_dir.join(&f.name))?),
        (_, Some(f)) if f.name.ends_with(".parquet") => Some(parquet_rows(&job_dir.join(&f.name))?),
        _ => None,
    };

    println!("\nscope: {}", req.scope_text());
    println!("job {}: {} responses (rows_total), {} rows written (rows_done)", done.id, responses, done.rows_done);
    for f in &files {
        println!("  {} {:.1} MB", f.name, mb(u64::try_from(f.size).unwrap_or(0)));
    }
    println!("queue (request checks + version lookup): {:.2} s", queued.as_secs_f64());
    println!(
        "run (read, write, hash, publish): {:.2} s wall, {} s CPU of this process (all its threads); load average (1 min) after: {}",
        run.as_secs_f64(),
        cpu_run.map_or_else(|| "?".into(), |c| format!("{c:.2}")),
        load_average()
    );
    println!("RSS before the export {} MB (peak so far {} MB)", fmt_mb(rss_before), fmt_mb(hwm_before));
    let secs = total.as_secs_f64();
    let per_s = responses as f64 / secs;
    println!(
        "\n| dataset | format | days | responses | data rows | seconds | responses/s | data file MB | all files MB | peak RSS MB |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    println!(
        "| {} | {} | {days} | {responses} | {} | {secs:.1} | {per_s:.0} | {data_mb:.1} | {all_mb:.1} | {} |",
        req.dataset.code(),
        req.format.code(),
        data_rows.map_or_else(|| "?".into(), |n| n.to_string()),
        fmt_mb(hwm_after)
    );
    // Seconds per million responses; on small exports the fixed cost (start, codebook, hash,
    // publish) weighs more, so the bar is judged on a million-size export.
    let per_million = secs * 1_000_000.0 / (responses.max(1) as f64);
    match req.format.code() {
        "csv" | "parquet" => println!(
            "bar: ≤ {CSV_BAR_SECONDS_PER_MILLION} s per million responses; this export: {per_million:.1} s per million{}",
            if responses < 500_000 {
                " (too small to judge the bar)"
            } else if per_million <= CSV_BAR_SECONDS_PER_MILLION {
                ": meets"
            } else {
                ": MISSES"
            }
        ),
        "xlsx" => println!(
            "bar: ≤ {RSS_BAR_MB} MB RSS: {}",
            match hwm_after {
                Some(h) if h <= RSS_BAR_MB => "meets",
                Some(_) => "MISSES",
                None => "unknown",
            }
        ),
        _ => {}
    }

    if opts.keep {
        println!("kept: {}", job_dir.display());
    } else {
        sipas::exports::job::remove_dir(&job_dir);
        jobs::mark_expired(&mut conn, &job.id)?;
        if opts.out.is_none() {
            let _ = std::fs::remove_dir(&dir);
        }
    }
    Ok(())
}

/// Reads and builds the rows of the export without writing them, timing the database read
/// (`export_rows::batch`) and the row building (`Microdata::rows`) apart.
fn read_only(
    db: &sipas::db::Db,
    surveys: &sipas::surveys::Registry,
    settings: &Settings,
    pairs: &[(String, String)],
    pragma: Option<&str>,
    hwm_before: Option<f64>,
) -> anyhow::Result<()> {
    let today = sipas::clock::now().date_naive();
    let draft = sipas::exports::request::parse(pairs, &settings.default_survey, today)
        .map_err(|e| anyhow::anyhow!("invalid request: {e:?}"))?;
    let req = draft.request;
    if !req.dataset.is_microdata() {
        bail!("--read-only is for the microdata datasets");
    }
    let mut conn = db.get()?;
    let versions = export_rows::versions(&mut conn, &req.survey, draft.from, draft.to)?;
    let version = versions.last().copied().context("no responses in the period")?;
    let tree = AgencyTree::new(sipas::store::agencies::all(&mut conn)?);
    // One connection for the whole read (the job checks one out per batch, the same idle one).
    if let Some(sql) = pragma {
        diesel::connection::SimpleConnection::batch_execute(&mut **conn, sql)
            .with_context(|| format!("--pragma {sql}"))?;
        println!("on the reading connection: {sql}");
    }
    let def = sipas::reports::definition(surveys, &req.survey, Some(u32::try_from(version)?))?;
    let agencies = sipas::reports::selected_agencies(&tree, &Visibility::City, None, false)?;
    let m = Microdata::new(def, &tree, req.dataset == Dataset::ResponsesWide);
    let filter = ResponseFilter {
        survey_id: req.survey.clone(),
        survey_version: version,
        from: draft.from,
        to: draft.to,
        agencies,
        field: None,
        channel: None,
        procedure: None,
    };
    let started = Instant::now();
    let (mut read, mut build) = (Duration::ZERO, Duration::ZERO);
    let (mut responses, mut rows_out, mut queries) = (0u64, 0u64, 0u64);
    let mut rows = Vec::new();
    let mut day = filter.from;
    while day <= filter.to {
        let mut after: Option<String> = None;
        loop {
            let t = Instant::now();
            let batch = export_rows::batch(&mut conn, &filter, day, after.as_deref(), BATCH)?;
            read += t.elapsed();
            queries += 1;
            let t = Instant::now();
            for r in &batch {
                m.rows(r, &mut rows);
                rows_out += rows.len() as u64;
            }
            build += t.elapsed();
            responses += batch.len() as u64;
            if (batch.len() as i64) < BATCH {
                break;
            }
            after = batch.last().map(|r| r.id.clone());
        }
        match day.succ_opt() {
            Some(next) => day = next,
            None => break,
        }
    }
    let total = started.elapsed();
    println!(
        "\nread only: {responses} responses → {rows_out} rows in {queries} queries (batches of {BATCH}, day by day)"
    );
    println!(
        "| step | seconds | responses/s |\n|---|---:|---:|\n| database read (`export_rows::batch`) | {:.1} | {:.0} |\n| row building (`Microdata::rows`) | {:.1} | {:.0} |\n| both | {:.1} | {:.0} |",
        read.as_secs_f64(),
        responses as f64 / read.as_secs_f64(),
        build.as_secs_f64(),
        responses as f64 / build.as_secs_f64(),
        total.as_secs_f64(),
        responses as f64 / total.as_secs_f64()
    );
    println!("peak RSS {} MB (before {} MB)", fmt_mb(status_mb("VmHWM")), fmt_mb(hwm_before));
    Ok(())
}
