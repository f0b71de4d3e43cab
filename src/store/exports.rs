//! Export jobs and their files: created by a request, claimed by a worker under a lease,
//! finished with their file hashes (and an audit row) or failed with a reason.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::audit::{self, NewAuditEntry};
use super::StoreError;
use crate::db::schema::{export_files, export_jobs};
use crate::db::DbConn;

/// The states of a job. `expired` is a done job whose files were removed.
pub const QUEUED: &str = "queued";
pub const RUNNING: &str = "running";
pub const DONE: &str = "done";
pub const FAILED: &str = "failed";
pub const EXPIRED: &str = "expired";

/// A job as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = export_jobs)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct Job {
    pub id: String,
    pub owner: String,
    pub visibility: String,
    pub dataset: String,
    pub format: String,
    /// The `exports::ExportRequest` as JSON.
    pub request: String,
    pub state: String,
    pub error: Option<String>,
    pub rows_total: Option<i64>,
    pub rows_done: i64,
    pub attempts: i32,
    pub worker: Option<String>,
    pub lease_until: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub started_at: Option<NaiveDateTime>,
    pub finished_at: Option<NaiveDateTime>,
    pub expires_at: Option<NaiveDateTime>,
}

/// A file of a finished job.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = export_files)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct JobFile {
    pub job_id: String,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    /// Lowercase hex SHA-256 of the file.
    pub sha256: String,
}

/// What a new job is.
#[derive(Debug, Clone)]
pub struct NewJob<'a> {
    pub owner: &'a str,
    pub visibility: &'a str,
    pub dataset: &'a str,
    pub format: &'a str,
    pub request: &'a str,
}

/// Stores a queued job and returns it.
pub fn create(conn: &mut DbConn, job: &NewJob<'_>, now: NaiveDateTime) -> Result<Job, StoreError> {
    let id = super::new_id();
    diesel::insert_into(export_jobs::table)
        .values((
            export_jobs::id.eq(&id),
            export_jobs::owner.eq(job.owner),
            export_jobs::visibility.eq(job.visibility),
            export_jobs::dataset.eq(job.dataset),
            export_jobs::format.eq(job.format),
            export_jobs::request.eq(job.request),
            export_jobs::state.eq(QUEUED),
            export_jobs::rows_done.eq(0i64),
            export_jobs::attempts.eq(0),
            export_jobs::created_at.eq(now),
        ))
        .execute(conn)?;
    get(conn, &id)?.ok_or_else(|| StoreError::Rejected(format!("export job {id} vanished after insert")))
}

pub fn get(conn: &mut DbConn, id: &str) -> Result<Option<Job>, StoreError> {
    Ok(export_jobs::table.find(id).select(Job::as_select()).first(conn).optional()?)
}

/// The files of a job, by name.
pub fn files(conn: &mut DbConn, job_id: &str) -> Result<Vec<JobFile>, StoreError> {
    Ok(export_files::table
        .filter(export_files::job_id.eq(job_id))
        .order(export_files::name)
        .select(JobFile::as_select())
        .load(conn)?)
}

/// The files of several jobs, by job and name, in one query.
pub fn files_of(conn: &mut DbConn, job_ids: &[String]) -> Result<Vec<JobFile>, StoreError> {
    Ok(export_files::table
        .filter(export_files::job_id.eq_any(job_ids))
        .order((export_files::job_id, export_files::name))
        .select(JobFile::as_select())
        .load(conn)?)
}

/// An owner's latest `limit` jobs, newest first.
pub fn list_for_owner(conn: &mut DbConn, owner: &str, limit: i64) -> Result<Vec<Job>, StoreError> {
    Ok(export_jobs::table
        .filter(export_jobs::owner.eq(owner))
        .order((export_jobs::created_at.desc(), export_jobs::id))
        .limit(limit.max(0))
        .select(Job::as_select())
        .load(conn)?)
}

/// Whether a job is waiting for a worker: queued, or running under a lease that ran out.
macro_rules! claimable {
    ($now:expr) => {
        export_jobs::state
            .eq(QUEUED)
            .or(export_jobs::state.eq(RUNNING).and(export_jobs::lease_until.assume_not_null().lt($now)))
    };
}

/// The columns of a job that failed with `reason` at `now`.
macro_rules! failed {
    ($reason:expr, $now:expr) => {
        (
            export_jobs::state.eq(FAILED),
            export_jobs::error.eq($reason),
            export_jobs::worker.eq(None::<String>),
            export_jobs::lease_until.eq(None::<NaiveDateTime>),
            export_jobs::finished_at.eq($now),
        )
    };
}

/// Why a job was given up after too many starts.
pub fn too_many_attempts(attempts: i32) -> String {
    format!(
        "stopped {attempts} times before it could finish (the service restarted or crashed while it ran); \
         start a new export"
    )
}

/// Jobs looked at per claim: the open-jobs limit per owner keeps the queue short, and owners
/// beyond this many waiting jobs simply wait for the next claim.
const CLAIM_WINDOW: i64 = 500;

/// The waiting job to run next: owners take turns, so one key's sixty queued exports do not
/// hold back another user's small one. Among the waiting jobs, the one whose owner has the
/// fewest jobs running, then whose owner started a job least recently (never first), then the
/// oldest.
fn fairest_waiting(conn: &mut DbConn, now: NaiveDateTime) -> Result<Option<Job>, StoreError> {
    let waiting: Vec<Job> = export_jobs::table
        .filter(claimable!(now))
        .order((export_jobs::created_at, export_jobs::id))
        .limit(CLAIM_WINDOW)
        .select(Job::as_select())
        .load(conn)?;
    if waiting.len() <= 1 {
        return Ok(waiting.into_iter().next());
    }
    let owners: Vec<&str> = waiting.iter().map(|j| j.owner.as_str()).collect();
    let running: Vec<String> = export_jobs::table
        .filter(export_jobs::owner.eq_any(&owners))
        .filter(export_jobs::state.eq(RUNNING))
        .filter(export_jobs::lease_until.assume_not_null().ge(now))
        .select(export_jobs::owner)
        .load(conn)?;
    let started: Vec<(String, Option<NaiveDateTime>)> = export_jobs::table
        .filter(export_jobs::owner.eq_any(&owners))
        .group_by(export_jobs::owner)
        .select((export_jobs::owner, diesel::dsl::max(export_jobs::started_at)))
        .load(conn)?;
    let started: std::collections::HashMap<String, Option<NaiveDateTime>> = started.into_iter().collect();
    let mut busy: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for owner in &running {
        *busy.entry(owner.as_str()).or_default() += 1;
    }
    let key = |j: &Job| {
        let running = busy.get(j.owner.as_str()).copied().unwrap_or(0);
        (running, started.get(&j.owner).copied().flatten(), j.created_at, j.id.clone())
    };
    Ok(waiting.into_iter().min_by_key(key))
}

/// How many of `owner`'s jobs are queued or running.
pub fn open_count(conn: &mut DbConn, owner: &str) -> Result<i64, StoreError> {
    Ok(export_jobs::table
        .filter(export_jobs::owner.eq(owner))
        .filter(export_jobs::state.eq_any([QUEUED, RUNNING]))
        .count()
        .get_result(conn)?)
}

/// The rows of `owner`'s jobs created since `since` (a failed job's rows written, another's
/// total where known, else its rows written so far), and when the oldest of them was created.
pub fn rows_since(
    conn: &mut DbConn,
    owner: &str,
    since: NaiveDateTime,
) -> Result<(i64, Option<NaiveDateTime>), StoreError> {
    let jobs: Vec<(String, Option<i64>, i64, NaiveDateTime)> = export_jobs::table
        .filter(export_jobs::owner.eq(owner))
        .filter(export_jobs::created_at.ge(since))
        .select((export_jobs::state, export_jobs::rows_total, export_jobs::rows_done, export_jobs::created_at))
        .load(conn)?;
    let rows = jobs
        .iter()
        .map(|(state, total, done, _)| if state == FAILED { *done } else { total.unwrap_or(*done) }.max(0))
        .sum();
    Ok((rows, jobs.iter().map(|(.., at)| *at).min()))
}

/// Takes the next waiting job (see [`fairest_waiting`]) for `worker`, under a lease until
/// `now + lease`. A job that already had `max_attempts` starts is failed instead (a job that
/// kills its worker must not take every restart down with it). `None` when nothing waits.
pub fn claim_next(
    conn: &mut DbConn,
    worker: &str,
    now: NaiveDateTime,
    lease: Duration,
    max_attempts: i32,
) -> Result<Option<Job>, StoreError> {
    loop {
        let Some(job) = fairest_waiting(conn, now)? else { return Ok(None) };
        let this = export_jobs::table.filter(export_jobs::id.eq(&job.id)).filter(claimable!(now));
        if job.attempts >= max_attempts {
            diesel::update(this).set(failed!(too_many_attempts(job.attempts), now)).execute(conn)?;
            continue;
        }
        // Conditional on the job still waiting: of two workers, one wins.
        let won = diesel::update(this)
            .set((
                export_jobs::state.eq(RUNNING),
                export_jobs::worker.eq(worker),
                export_jobs::lease_until.eq(now + lease),
                export_jobs::attempts.eq(job.attempts + 1),
                export_jobs::started_at.eq(now),
                export_jobs::rows_done.eq(0i64),
                export_jobs::error.eq(None::<String>),
            ))
            .execute(conn)?;
        if won == 1 {
            return get(conn, &job.id);
        }
    }
}

/// The filter of a job that `worker` still holds.
macro_rules! held_by {
    ($id:expr, $worker:expr) => {
        export_jobs::table
            .filter(export_jobs::id.eq($id))
            .filter(export_jobs::worker.eq($worker))
            .filter(export_jobs::state.eq(RUNNING))
    };
}

/// Records progress and renews the lease. `false` when the job is no longer this worker's
/// (cancelled, or taken over after the lease ran out): the worker must stop.
pub fn heartbeat(
    conn: &mut DbConn,
    id: &str,
    worker: &str,
    rows_done: i64,
    rows_total: Option<i64>,
    lease_until: NaiveDateTime,
) -> Result<bool, StoreError> {
    let n = diesel::update(held_by!(id, worker))
        .set((
            export_jobs::rows_done.eq(rows_done),
            export_jobs::rows_total.eq(rows_total),
            export_jobs::lease_until.eq(lease_until),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Marks the job done with its files and records the export in the audit log, in one
/// transaction; with `notice` (the "export ready" mail's payload) the owner's mail is queued
/// there too. `false` (and nothing written) when the job is no longer this worker's.
#[allow(clippy::too_many_arguments)]
pub fn finish(
    conn: &mut DbConn,
    id: &str,
    worker: &str,
    files: &[JobFile],
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
    entry: &NewAuditEntry,
    notice: Option<&str>,
) -> Result<bool, StoreError> {
    conn.transaction(|conn| {
        let n = diesel::update(held_by!(id, worker))
            .set((
                export_jobs::state.eq(DONE),
                export_jobs::worker.eq(None::<String>),
                export_jobs::lease_until.eq(None::<NaiveDateTime>),
                export_jobs::finished_at.eq(now),
                export_jobs::expires_at.eq(expires_at),
            ))
            .execute(conn)?;
        if n != 1 {
            return Ok(false);
        }
        for f in files {
            diesel::insert_into(export_files::table).values(f).execute(conn)?;
        }
        audit::record(conn, entry)?;
        if let Some(payload) = notice {
            let kind = crate::email::Kind::ExportReady;
            super::outbox::enqueue_for_username(conn, &entry.actor, kind, payload, &format!("{kind}:{id}"), now)?;
        }
        Ok(true)
    })
}

/// Fails a job this worker holds, with the reason shown to its owner.
pub fn fail(conn: &mut DbConn, id: &str, worker: &str, reason: &str, now: NaiveDateTime) -> Result<bool, StoreError> {
    let n = diesel::update(held_by!(id, worker)).set(failed!(reason, now)).execute(conn)?;
    Ok(n == 1)
}

/// Puts a job this worker holds back in the queue (the service is stopping); the start it
/// had does not count against it.
pub fn requeue(conn: &mut DbConn, id: &str, worker: &str) -> Result<bool, StoreError> {
    let n = diesel::update(held_by!(id, worker))
        .set((
            export_jobs::state.eq(QUEUED),
            export_jobs::worker.eq(None::<String>),
            export_jobs::lease_until.eq(None::<NaiveDateTime>),
            export_jobs::attempts.eq(export_jobs::attempts - 1),
            export_jobs::rows_done.eq(0i64),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Cancels a queued or running job: it fails with `reason` (a running worker notices at its
/// next heartbeat and removes its partial files). `false` when the job had already ended.
pub fn cancel(conn: &mut DbConn, id: &str, reason: &str, now: NaiveDateTime) -> Result<bool, StoreError> {
    let n = diesel::update(
        export_jobs::table.filter(export_jobs::id.eq(id)).filter(export_jobs::state.eq_any([QUEUED, RUNNING])),
    )
    .set(failed!(reason, now))
    .execute(conn)?;
    Ok(n == 1)
}

/// Done jobs whose files are due for removal.
pub fn due_to_expire(conn: &mut DbConn, now: NaiveDateTime) -> Result<Vec<String>, StoreError> {
    Ok(export_jobs::table
        .filter(export_jobs::state.eq(DONE))
        .filter(export_jobs::expires_at.le(now))
        .select(export_jobs::id)
        .load(conn)?)
}

/// Marks a done job expired (its files were removed) and forgets its file rows.
pub fn mark_expired(conn: &mut DbConn, id: &str) -> Result<(), StoreError> {
    conn.transaction(|conn| {
        diesel::delete(export_files::table.filter(export_files::job_id.eq(id))).execute(conn)?;
        diesel::update(export_jobs::table.filter(export_jobs::id.eq(id)).filter(export_jobs::state.eq(DONE)))
            .set(export_jobs::state.eq(EXPIRED))
            .execute(conn)?;
        Ok(())
    })
}

/// The ids of jobs that may still have files or partial files on disk.
pub fn live_ids(conn: &mut DbConn) -> Result<Vec<String>, StoreError> {
    Ok(export_jobs::table
        .filter(export_jobs::state.eq_any([QUEUED, RUNNING, DONE]))
        .select(export_jobs::id)
        .load(conn)?)
}
