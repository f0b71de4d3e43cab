//! What every benchmark prints first: the machine, and the database settings that decide
//! what a number means.

use std::collections::BTreeMap;

use diesel::{Connection as _, PgConnection, RunQueryDsl as _};

pub fn machine() -> BTreeMap<&'static str, String> {
    let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
    let cpuinfo = read("/proc/cpuinfo");
    let cpu = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name").and_then(|r| r.split_once(':')).map(|(_, v)| v.trim().to_owned()))
        .unwrap_or_else(|| "unknown".into());
    let mem = read("/proc/meminfo")
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:").map(|v| v.trim().trim_end_matches("kB").trim().to_owned()))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or_else(|| "unknown".into(), |kb| format!("{:.1} GiB", kb / 1024.0 / 1024.0));
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    BTreeMap::from([
        ("cpu", cpu),
        ("cores (nproc)", cores.to_string()),
        ("memory", mem),
        ("kernel", read("/proc/sys/kernel/osrelease").trim().to_owned()),
        ("date (UTC)", sipas::clock::now().format("%Y-%m-%d %H:%M").to_string()),
    ])
}

pub fn pg_settings(admin: &str) -> anyhow::Result<String> {
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        v: String,
    }
    let mut conn = PgConnection::establish(admin)?;
    let mut show = |name: &str| -> anyhow::Result<String> {
        let rows: Vec<Row> = diesel::sql_query(format!("SELECT current_setting('{name}') AS v")).load(&mut conn)?;
        Ok(rows.into_iter().next().map(|r| r.v).unwrap_or_default())
    };
    let version = show("server_version")?;
    Ok(format!(
        "PostgreSQL {version}: fsync={}, synchronous_commit={}, full_page_writes={}, shared_buffers={}",
        show("fsync")?,
        show("synchronous_commit")?,
        show("full_page_writes")?,
        show("shared_buffers")?
    ))
}

pub fn sqlite_version() -> String {
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        v: String,
    }
    diesel::SqliteConnection::establish(":memory:")
        .ok()
        .and_then(|mut c| diesel::sql_query("SELECT sqlite_version() AS v").load::<Row>(&mut c).ok())
        .and_then(|rows| rows.into_iter().next())
        .map_or_else(|| "?".into(), |r| r.v)
}

/// Prints the machine and the database the benchmark runs on.
#[allow(dead_code, reason = "not every benchmark reads a database URL")]
pub fn print_setup(database_url: &str) -> anyhow::Result<()> {
    for (k, v) in machine() {
        println!("{k}: {v}");
    }
    if database_url.starts_with("postgres") {
        println!("{}", pg_settings(database_url)?);
    } else {
        println!("SQLite {} (bundled)", sqlite_version());
    }
    Ok(())
}
