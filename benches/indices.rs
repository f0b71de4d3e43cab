//! Index benchmark (PRODUCT §7, "indices"): how long whole-city and single-agency reports take
//! on a database filled with `sipas demo --responses N`, against the naive SQL over the raw
//! answers of the same period as the reference.
//!
//! ```text
//! cargo run --release -- --database-url DB demo --responses 1000000
//! cargo bench --bench indices -- --database-url DB [--runs R] [--period P] [--range FROM..TO]
//! ```
//!
//! Measured in-process through `sipas::reports::index_report` (what `GET /api/v1/indices` calls:
//! the counter queries, the subtree roll-up and the engine), each query `R` times after one
//! warm-up, reporting the median and the slowest run.

use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use chrono::Datelike as _;
use diesel::RunQueryDsl as _;
use sipas::db::{Db, DbConn, PoolOptions};
use sipas::domain::Visibility;
use sipas::indices::Period;
use sipas::reports::{self, GroupBy, IndexRequest};
use sipas::surveys::Registry;

mod common;

const BAR: Duration = Duration::from_millis(100);

struct Opts {
    database_url: String,
    runs: usize,
    period: String,
    range: Option<(chrono::NaiveDate, chrono::NaiveDate)>,
}

const USAGE: &str =
    "usage: cargo bench --bench indices -- --database-url DB [--runs R] [--period P] [--range FROM..TO]";

fn parse_args() -> anyhow::Result<Opts> {
    let mut opts = Opts { database_url: String::new(), runs: 10, period: String::new(), range: None };
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    while let Some(a) = args.next() {
        let mut value = || args.next().with_context(|| format!("{a} needs a value\n{USAGE}"));
        match a.as_str() {
            "--database-url" => opts.database_url = value()?,
            "--runs" => opts.runs = value()?.parse().context("--runs")?,
            "--period" => opts.period = value()?,
            "--range" => {
                let v = value()?;
                let (f, t) = v.split_once("..").context("--range FROM..TO")?;
                opts.range = Some((f.parse().context("--range FROM")?, t.parse().context("--range TO")?));
            }
            _ => bail!("unknown argument {a}\n{USAGE}"),
        }
    }
    if opts.database_url.is_empty() {
        bail!("--database-url is required\n{USAGE}");
    }
    Ok(opts)
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

fn count(conn: &mut DbConn, table: &str) -> anyhow::Result<i64> {
    let rows: Vec<Count> =
        diesel::sql_query(format!("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM {table}")).load(conn)?;
    Ok(rows.first().map_or(0, |r| r.n))
}

#[derive(diesel::QueryableByName)]
struct Day {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Date>)]
    d: Option<chrono::NaiveDate>,
}

/// Times `f` once to warm up, then `runs` times; (median, slowest, what the last run gave).
fn time<T>(runs: usize, mut f: impl FnMut() -> anyhow::Result<T>) -> anyhow::Result<(Duration, Duration, T)> {
    let mut last = f()?;
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        last = f()?;
        times.push(start.elapsed());
    }
    times.sort();
    Ok((times[times.len() / 2], times[times.len() - 1], last))
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

/// The naive reference: answers of the period counted per agency, item and value straight
/// from the raw answers (no roll-up, no engine: a lower bound of the naive way).
fn naive_sql(conn: &mut DbConn, survey: &str, from: chrono::NaiveDate, to: chrono::NaiveDate) -> anyhow::Result<usize> {
    #[derive(diesel::QueryableByName)]
    #[allow(dead_code)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        agency_code: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        item_id: String,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Integer>)]
        value: Option<i32>,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let sql = format!(
        "SELECT r.agency_code AS agency_code, a.item_id AS item_id, a.value AS value, CAST(COUNT(*) AS BIGINT) AS n \
         FROM responses r JOIN answers a ON a.response_id = r.id \
         WHERE r.survey_id = '{survey}' AND r.submitted_on BETWEEN '{from}' AND '{to}' \
         GROUP BY r.agency_code, a.item_id, a.value"
    );
    let rows: Vec<Row> = diesel::sql_query(sql).load(conn)?;
    Ok(rows.len())
}

fn main() -> anyhow::Result<()> {
    let opts = parse_args()?;
    common::print_setup(&opts.database_url)?;
    let db = Db::new(&opts.database_url, &PoolOptions::default())?;
    let registry = Registry::load_dir(std::path::Path::new("survey-definitions"))?;
    let mut conn = db.get()?;
    println!("\n| table | rows |\n|---|---:|");
    for table in [
        "responses",
        "answers",
        "invitations",
        "answer_counts",
        "answer_totals",
        "agency_answer_totals",
        "agency_answer_days",
        "response_totals",
    ] {
        println!("| {table} | {} |", count(&mut conn, table)?);
    }
    let last: Vec<Day> = diesel::sql_query("SELECT MAX(submitted_on) AS d FROM responses").load(&mut **conn)?;
    let last = last.first().and_then(|d| d.d).context("no responses: run `sipas demo --responses N` first")?;
    let period = if opts.period.is_empty() {
        // The reform-report year holding the last response: whole half-month spans.
        let year = if (last.month(), last.day()) >= (12, 15) { last.year() + 1 } else { last.year() };
        Period::parse(&format!("{year}-report-year"))?
    } else {
        Period::parse(&opts.period)?
    };
    let range = match opts.range {
        Some((f, t)) => Period::custom(f, t)?,
        None => Period::custom(period.from() + chrono::Duration::days(26), period.to() - chrono::Duration::days(40))?,
    };
    let request = |period: &Period, agency: Option<&str>, group_by| IndexRequest {
        survey: "sipas-dossier".into(),
        version: None,
        period: *period,
        agency: agency.map(str::to_owned),
        lineage: false,
        field: None,
        channel: None,
        procedure: None,
        profile: Vec::new(),
        group_by,
    };
    let total = count(&mut conn, "responses")?;
    let ward = "000.00.61.H26";

    println!(
        "\nperiod {} ({} to {}), ragged range {} to {}, {total} responses in all, {} runs each\n",
        period.code(),
        period.from(),
        period.to(),
        range.from(),
        range.to(),
        opts.runs
    );
    println!("| query | groups | median ms | slowest ms | bar |\n|---|---:|---:|---:|---|");
    let city = Visibility::City;
    let cases: Vec<(&str, IndexRequest)> = vec![
        ("whole city, every agency (group_by=agency), report year", request(&period, None, GroupBy::Agency)),
        ("whole city, every agency, ragged custom range", request(&range, None, GroupBy::Agency)),
        ("whole city, by field", request(&period, None, GroupBy::Field)),
        (
            "whole city, one field, every agency",
            IndexRequest { field: Some(sipas::domain::Field::Land), ..request(&period, None, GroupBy::Agency) },
        ),
        ("whole city, trend by month", request(&period, None, GroupBy::Month)),
        ("one ward, trend by month", request(&period, Some(ward), GroupBy::Month)),
        ("one ward, one group", request(&period, Some(ward), GroupBy::Nothing)),
    ];
    for (name, req) in &cases {
        let (median, slowest, report) =
            time(opts.runs, || Ok(reports::index_report(&mut conn, &registry, &city, req, 30)?))?;
        let bar = if name.starts_with("whole city, every agency") {
            if median <= BAR {
                "meets ≤ 100 ms"
            } else {
                "**misses** 100 ms"
            }
        } else {
            ""
        };
        println!("| {name} | {} | {} | {} | {bar} |", report.groups.len(), ms(median), ms(slowest));
    }
    let (median, slowest, rows) =
        time(opts.runs.min(3), || naive_sql(&mut conn, "sipas-dossier", period.from(), period.to()))?;
    println!(
        "| reference: naive SQL over raw answers, per agency × item × value, report year | {rows} rows | {} | {} | |",
        ms(median),
        ms(slowest)
    );
    Ok(())
}
