//! Starting an export and reading its state, with the checks shared by the API and the staff
//! pages: the role, the scope, and the survey version.

use chrono::NaiveDate;
use serde::Serialize;

use super::request::{self, Requester};
use crate::db::DbConn;
use crate::domain::{AgencyTree, Visibility};
use crate::reports::query::FieldErrors;
use crate::reports::{self, ReportError};
use crate::store::exports::{self as jobs, Job, JobFile, NewJob};
use crate::store::{self, StoreError};
use crate::surveys::Registry;

/// Why an export was not started.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("invalid export request")]
    Invalid(FieldErrors),
    #[error("{0}")]
    Forbidden(String),
    /// A per-owner limit (named by its setting) is reached; try again after `retry_after_secs`.
    #[error("{message}")]
    Limited { setting: &'static str, message: String, retry_after_secs: u64 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What one user or key may have the export workers do (settings `export_max_open`,
/// `export_max_rows_per_day` and `export_long_xlsx_max_rows`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_open: u32,
    pub max_rows_per_day: u64,
    /// The most rows a long XLSX may hold: at most one Excel sheet, since beyond it the
    /// workbook's XML runs to gigabytes that no spreadsheet opens (CSV and Parquet have no
    /// such limit).
    pub long_xlsx_max_rows: u32,
}

impl Limits {
    pub fn of(settings: &crate::config::Settings) -> Limits {
        Limits {
            max_open: settings.export_max_open,
            max_rows_per_day: settings.export_max_rows_per_day,
            long_xlsx_max_rows: settings.export_long_xlsx_max_rows,
        }
    }

    /// No limits: for benchmarks and tools that measure the writers.
    pub fn none() -> Limits {
        Limits { max_open: u32::MAX, max_rows_per_day: u64::MAX, long_xlsx_max_rows: u32::MAX }
    }
}

fn invalid(key: &str, message: String) -> StartError {
    StartError::Invalid(FieldErrors::from([(key.to_owned(), message)]))
}

/// A request that passed every check, ready to queue.
#[derive(Debug, Clone)]
pub struct Checked {
    owner: String,
    visibility: String,
    request: request::ExportRequest,
}

/// Checks a request from `who`: role, scope, survey and version. Only reads, so it runs
/// outside SQLite's writer turn; [`queue`] then writes the job.
pub fn check(
    conn: &mut DbConn,
    surveys: &Registry,
    who: &Requester,
    pairs: &[(String, String)],
    default_survey: &str,
    today: NaiveDate,
    limits: Limits,
) -> Result<Checked, StartError> {
    let draft = request::parse(pairs, default_survey, today).map_err(StartError::Invalid)?;
    let mut req = draft.request;
    if !who.may_export(req.dataset) {
        return Err(StartError::Forbidden(if req.dataset.is_microdata() {
            "your role may not export response microdata; index tables are available".into()
        } else {
            "your role may not export".into()
        }));
    }
    let tree = AgencyTree::new(store::agencies::all(conn)?);
    let agencies = reports::selected_agencies(&tree, &who.visibility, req.agency.as_deref(), req.lineage).map_err(
        |e| match e {
            ReportError::Forbidden => StartError::Forbidden(e.to_string()),
            ReportError::Invalid(k, m) => invalid(k, m),
            ReportError::Store(e) => StartError::Store(e),
        },
    )?;
    reports::definition(surveys, &req.survey, draft.version_given).map_err(|e| match e {
        ReportError::Invalid(k, m) => invalid(k, m),
        other => invalid("survey", other.to_string()),
    })?;
    req.version = match draft.version_given {
        Some(v) => v,
        None => {
            let found = store::export_rows::versions(conn, &req.survey, draft.from, draft.to)?;
            match found.as_slice() {
                [] => surveys.latest(&req.survey).map_or(1, |d| d.version()),
                [one] => u32::try_from(*one).unwrap_or(1),
                many => {
                    let list = many.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(", ");
                    return Err(invalid(
                        "version",
                        format!(
                            "the period has responses to versions {list} of {}, whose columns differ; \
                             choose one with `version`",
                            req.survey
                        ),
                    ));
                }
            }
        }
    };
    if surveys.get(&req.survey, req.version).is_none() {
        return Err(invalid("version", format!("{} has no version {} here", req.survey, req.version)));
    }
    if req.dataset == request::Dataset::ResponsesLong && req.format == request::Format::Xlsx {
        let period = req.period().map_err(|e| invalid("period", e.to_string()))?;
        let rows = store::export_rows::long_rows(conn, &req.response_filter(&period, agencies))?;
        let max = limits.long_xlsx_max_rows;
        if rows > i64::from(max) {
            return Err(invalid(
                "format",
                format!(
                    "a long XLSX of this selection would hold up to {rows} rows, more than one spreadsheet sheet \
                     opens ({max}, setting export_long_xlsx_max_rows); choose format csv or parquet, or a narrower selection"
                ),
            ));
        }
    }
    let visibility = match &who.visibility {
        Visibility::City => "city".to_owned(),
        Visibility::Subtree(code) => code.clone(),
    };
    Ok(Checked { owner: who.actor.clone(), visibility, request: req })
}

/// Refuses a new job of `owner` beyond its `limits`, counted at `now`.
fn within_limits(conn: &mut DbConn, owner: &str, limits: Limits, now: chrono::NaiveDateTime) -> Result<(), StartError> {
    let open = jobs::open_count(conn, owner)?;
    if open >= i64::from(limits.max_open) {
        return Err(StartError::Limited {
            setting: "export_max_open",
            message: format!(
                "you have {open} exports queued or running, the most allowed at once (export_max_open = {}); \
                 wait for one to finish or cancel one",
                limits.max_open
            ),
            retry_after_secs: 30,
        });
    }
    let day = chrono::Duration::hours(24);
    let (rows, oldest) = jobs::rows_since(conn, owner, now - day)?;
    if u64::try_from(rows).unwrap_or(0) >= limits.max_rows_per_day {
        let wait = oldest.map_or(3600, |at| (at + day - now).num_seconds().max(1));
        return Err(StartError::Limited {
            setting: "export_max_rows_per_day",
            message: format!(
                "your exports of the last 24 hours hold {rows} rows, the daily limit (export_max_rows_per_day = {}); \
                 try again later, or ask an administrator to raise the limit",
                limits.max_rows_per_day
            ),
            retry_after_secs: u64::try_from(wait).unwrap_or(3600),
        });
    }
    Ok(())
}

/// Queues a checked request's job, unless its owner has reached a limit.
pub fn queue(conn: &mut DbConn, checked: &Checked, limits: Limits) -> Result<Job, StartError> {
    let now = store::now();
    within_limits(conn, &checked.owner, limits, now)?;
    let req = &checked.request;
    let json = serde_json::to_string(req).map_err(|e| StoreError::Rejected(e.to_string()))?;
    let job = jobs::create(
        conn,
        &NewJob {
            owner: &checked.owner,
            visibility: &checked.visibility,
            dataset: req.dataset.code(),
            format: req.format.code(),
            request: &json,
        },
        now,
    )?;
    Ok(job)
}

/// A job as the API and the pages show it.
#[derive(Debug, Clone, Serialize)]
pub struct JobView {
    pub id: String,
    /// `queued`, `running`, `done`, `failed` or `expired`.
    pub state: String,
    pub dataset: String,
    pub format: String,
    /// Survey, version, dataset, period and filters in compact text.
    pub scope: String,
    pub error: Option<String>,
    pub rows_done: i64,
    pub rows_total: Option<i64>,
    /// 0–100 while running; 100 when done.
    pub percent: Option<u8>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub started_at: Option<chrono::DateTime<chrono::Utc>>,
    pub finished_at: Option<chrono::DateTime<chrono::Utc>>,
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
    pub files: Vec<FileView>,
}

/// A downloadable file.
#[derive(Debug, Clone, Serialize)]
pub struct FileView {
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    /// Path of the download, relative to the service.
    pub url: String,
}

fn utc(t: chrono::NaiveDateTime) -> chrono::DateTime<chrono::Utc> {
    t.and_utc()
}

impl JobView {
    pub fn new(job: &Job, files: &[JobFile]) -> JobView {
        let scope = serde_json::from_str::<request::ExportRequest>(&job.request)
            .map(|r| r.scope_text())
            .unwrap_or_else(|_| job.dataset.clone());
        let percent = match (job.state.as_str(), job.rows_total) {
            (jobs::DONE, _) => Some(100),
            (jobs::RUNNING, Some(total)) if total > 0 => {
                Some(u8::try_from((job.rows_done.clamp(0, total) * 100 / total).min(99)).unwrap_or(99))
            }
            (jobs::RUNNING, _) => Some(0),
            _ => None,
        };
        JobView {
            id: job.id.clone(),
            state: job.state.clone(),
            dataset: job.dataset.clone(),
            format: job.format.clone(),
            scope,
            error: job.error.clone(),
            rows_done: job.rows_done,
            rows_total: job.rows_total,
            percent,
            created_at: utc(job.created_at),
            started_at: job.started_at.map(utc),
            finished_at: job.finished_at.map(utc),
            expires_at: job.expires_at.map(utc),
            files: files
                .iter()
                .map(|f| FileView {
                    name: f.name.clone(),
                    content_type: f.content_type.clone(),
                    size: f.size,
                    sha256: f.sha256.clone(),
                    url: format!("/api/v1/exports/{}/files/{}", job.id, f.name),
                })
                .collect(),
        }
    }
}

/// `who`'s latest `limit` jobs, newest first, with their files (two queries).
pub fn list_own(conn: &mut DbConn, who: &Requester, limit: i64) -> Result<Vec<JobView>, StoreError> {
    let list = jobs::list_for_owner(conn, &who.actor, limit)?;
    let ids: Vec<String> = list.iter().map(|j| j.id.clone()).collect();
    let files = jobs::files_of(conn, &ids)?;
    Ok(list
        .iter()
        .map(|j| {
            let own: Vec<JobFile> = files.iter().filter(|f| f.job_id == j.id).cloned().collect();
            JobView::new(j, &own)
        })
        .collect())
}

/// Why a job cannot be shown to someone.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    #[error("no export with this id")]
    NotFound,
    #[error("this export belongs to someone else")]
    NotYours,
    #[error("this export has already ended")]
    Ended,
    /// The owner's role or agency changed since: the right is checked at every download.
    #[error("{0}")]
    NoLongerAllowed(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// [`own_job`] for a download: `who` must also still have the right to the job's dataset and
/// scope under their *current* role and agency, not only the one they had when exporting.
pub fn downloadable_job(conn: &mut DbConn, who: &Requester, id: &str) -> Result<(Job, Vec<JobFile>), AccessError> {
    let (job, files) = own_job(conn, who, id)?;
    let refuse = |m: &str| AccessError::NoLongerAllowed(m.to_owned());
    let dataset = request::Dataset::parse(&job.dataset).ok_or_else(|| refuse("this export's dataset is unknown"))?;
    if !who.may_export(dataset) {
        return Err(refuse("your current role may no longer download this export"));
    }
    let req: request::ExportRequest =
        serde_json::from_str(&job.request).map_err(|_| refuse("this export's request cannot be read"))?;
    let tree = AgencyTree::new(store::agencies::all(conn)?);
    if reports::selected_agencies(&tree, &who.visibility, req.agency.as_deref(), req.lineage).is_err() {
        return Err(refuse("this export covers agencies your current role may no longer see"));
    }
    Ok((job, files))
}

/// The job `id` if `who` owns it, with its files.
pub fn own_job(conn: &mut DbConn, who: &Requester, id: &str) -> Result<(Job, Vec<JobFile>), AccessError> {
    let job = jobs::get(conn, id)?.ok_or(AccessError::NotFound)?;
    if job.owner != who.actor {
        return Err(AccessError::NotYours);
    }
    let files = jobs::files(conn, id)?;
    Ok((job, files))
}

/// Cancels `who`'s job `id` if it is still queued or running; its worker removes the
/// partial files. The job as it is now.
pub fn cancel(conn: &mut DbConn, who: &Requester, id: &str) -> Result<Job, AccessError> {
    own_job(conn, who, id)?;
    if !jobs::cancel(conn, id, &format!("cancelled by {}", who.actor), store::now())? {
        return Err(AccessError::Ended);
    }
    jobs::get(conn, id)?.ok_or(AccessError::NotFound)
}

impl From<crate::db::DbError> for StartError {
    fn from(e: crate::db::DbError) -> StartError {
        StartError::Store(e.into())
    }
}

impl From<crate::db::DbError> for AccessError {
    fn from(e: crate::db::DbError) -> AccessError {
        AccessError::Store(e.into())
    }
}
