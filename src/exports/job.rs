//! Running one export job: its rows streamed from the database in batches into files in a
//! partial folder, which becomes the job's folder only when every file is written and
//! hashed. A failure, a cancellation or a shutdown removes the partial folder.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::companions::{self, Written};
use super::describe;
use super::index_tables;
use super::microdata::Microdata;
use super::parquet_file::ParquetTable;
use super::request::{Dataset, ExportRequest, Format};
use super::table::{Cell, Codebook};
use super::{sha256_file, CsvTable, FormatError, XlsxTable};
use crate::db::Db;
use crate::domain::{AgencyTree, Visibility};
use crate::reports::{self, ReportError};
use crate::store::audit::{NewAuditEntry, EXPORT};
use crate::store::export_rows::{self, ResponseFilter};
use crate::store::exports::{self as jobs, Job, JobFile};
use crate::store::{self, StoreError};
use crate::surveys::Registry;

/// Responses read per query.
pub const BATCH: i64 = 2_000;

/// The title of the long file's respondents table.
const RESPONDENTS_TITLE: (&str, &str) = ("Người trả lời (mỗi phiếu một dòng)", "Respondents (one row per response)");

/// What a worker needs to run jobs.
#[derive(Clone)]
pub struct Runner {
    pub db: Db,
    pub surveys: Arc<Registry>,
    pub dir: PathBuf,
    pub worker: String,
    pub small_n: u64,
    pub lease: Duration,
    pub ttl: chrono::Duration,
    pub pause: Duration,
    /// Set when the service is stopping: the job goes back to the queue.
    pub stopping: Arc<AtomicBool>,
    /// With e-mail on: the base of the links in the "export ready" mail.
    pub mail_links: Option<String>,
}

/// Why a job did not finish.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error(transparent)]
    Format(#[from] FormatError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error("{0}")]
    Invalid(String),
    /// The job is no longer this worker's (cancelled, or taken over).
    #[error("the job was cancelled")]
    Lost,
    /// The service is stopping.
    #[error("the service stopped")]
    Stopping,
}

impl From<crate::db::DbError> for JobError {
    fn from(e: crate::db::DbError) -> JobError {
        JobError::Store(e.into())
    }
}

impl JobError {
    /// The reason shown to the owner of a failed job.
    fn reason(&self) -> String {
        match self {
            JobError::Format(e) if e.is_disk_full() => {
                "the export disk is full; the partial file was removed (ask an administrator to free space)".into()
            }
            JobError::Format(e) => format!("the file could not be written: {e}"),
            JobError::Store(e) => format!("the database could not be read: {e}"),
            other => other.to_string(),
        }
    }
}

/// How a job ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Done,
    Failed(String),
    /// Cancelled or taken over: someone else decided its state.
    Lost,
    /// Put back in the queue because the service is stopping.
    Requeued,
}

/// Progress shared between the job and its heartbeat thread.
struct Progress {
    done: AtomicI64,
    total: AtomicI64,
    lost: AtomicBool,
    finished: AtomicBool,
}

impl Runner {
    /// The folder of a finished job.
    pub fn job_dir(&self, id: &str) -> PathBuf {
        self.dir.join(id)
    }

    fn partial_dir(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.partial"))
    }

    /// Runs `job` (already claimed by this worker) to its end. Blocking: call it off the
    /// async workers.
    pub fn run(&self, job: &Job) -> Outcome {
        let partial = self.partial_dir(&job.id);
        let progress = Arc::new(Progress {
            done: AtomicI64::new(0),
            total: AtomicI64::new(-1),
            lost: AtomicBool::new(false),
            finished: AtomicBool::new(false),
        });
        let heartbeat = self.spawn_heartbeat(job.id.clone(), progress.clone());
        let written = self.write(job, &partial, &progress);
        progress.finished.store(true, Ordering::SeqCst);
        if let Some(h) = heartbeat {
            let _ = h.join();
        }
        let outcome = match written {
            Ok((req, files)) => self.publish(job, &req, &partial, files, &progress),
            Err(e) => Err(e),
        };
        match outcome {
            Ok(()) => Outcome::Done,
            Err(e) => {
                remove_dir(&partial);
                match e {
                    JobError::Lost => Outcome::Lost,
                    JobError::Stopping => match self.db.run_blocking(true, |c| jobs::requeue(c, &job.id, &self.worker))
                    {
                        Ok(true) => Outcome::Requeued,
                        _ => Outcome::Lost,
                    },
                    e => {
                        let reason = e.reason();
                        tracing::warn!(job = %job.id, error = %e, "export failed");
                        let now = store::now();
                        match self.db.run_blocking(true, |c| jobs::fail(c, &job.id, &self.worker, &reason, now)) {
                            Ok(true) => Outcome::Failed(reason),
                            _ => Outcome::Lost,
                        }
                    }
                }
            }
        }
    }

    /// Renews the lease and records progress every few seconds, apart from the rows, so a
    /// long final step (saving a large workbook) keeps the lease too.
    fn spawn_heartbeat(&self, id: String, p: Arc<Progress>) -> Option<std::thread::JoinHandle<()>> {
        let (db, worker, lease) = (self.db.clone(), self.worker.clone(), self.lease);
        let every = (lease / 3).min(Duration::from_secs(2));
        std::thread::Builder::new()
            .name("export-heartbeat".into())
            .spawn(move || loop {
                let mut waited = Duration::ZERO;
                while waited < every {
                    if p.finished.load(Ordering::SeqCst) {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(50));
                    waited += Duration::from_millis(50);
                }
                let total = p.total.load(Ordering::SeqCst);
                let (done, total) = (p.done.load(Ordering::SeqCst), (total >= 0).then_some(total));
                let until = store::now() + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::seconds(60));
                match db.run_blocking(true, |c| jobs::heartbeat(c, &id, &worker, done, total, until)) {
                    Ok(true) => {}
                    Ok(false) => {
                        p.lost.store(true, Ordering::SeqCst);
                        return;
                    }
                    // A database hiccup: try again at the next beat; the lease has slack.
                    Err(e) => tracing::warn!(job = %id, error = %e, "export heartbeat failed"),
                }
            })
            .ok()
    }

    /// Checked between batches.
    fn check(&self, p: &Progress) -> Result<(), JobError> {
        if p.lost.load(Ordering::SeqCst) {
            return Err(JobError::Lost);
        }
        if self.stopping.load(Ordering::SeqCst) {
            return Err(JobError::Stopping);
        }
        Ok(())
    }

    /// Writes every file of the job into `partial`; returns their names and content types.
    fn write(&self, job: &Job, partial: &Path, p: &Progress) -> Result<(ExportRequest, Written), JobError> {
        let req: ExportRequest = serde_json::from_str(&job.request)
            .map_err(|e| JobError::Invalid(format!("the stored request cannot be read: {e}")))?;
        let visibility = match job.visibility.as_str() {
            "city" => Visibility::City,
            code => Visibility::Subtree(code.to_owned()),
        };
        remove_dir(partial);
        std::fs::create_dir_all(partial).map_err(FormatError::from)?;
        let tree = AgencyTree::new(self.db.run_blocking(false, store::agencies::all)?);
        let def = reports::definition(&self.surveys, &req.survey, Some(req.version))?;
        let period = req.period().map_err(|e| JobError::Invalid(e.to_string()))?;
        // The scope is checked again: the agency tree may have changed since the request.
        let agencies = reports::selected_agencies(&tree, &visibility, req.agency.as_deref(), req.lineage)?;
        let stem = req.file_stem();
        let microdata =
            req.dataset.is_microdata().then(|| Microdata::new(def, &tree, req.dataset == Dataset::ResponsesWide));
        let variables = match &microdata {
            Some(m) => m.variables(),
            None => index_tables::variables(),
        };
        let filter = req.response_filter(&period, agencies.clone());
        let (responses, data_through) = self.db.run_blocking(false, |c| export_rows::summary(c, &filter))?;
        let coverage = describe::Coverage { period: &period, agencies: agencies.as_deref(), data_through };
        let codebook = describe::codebook(&req, def, &tree, &coverage, variables, self.small_n, store::now());
        let respondents = microdata.as_ref().filter(|_| req.dataset == Dataset::ResponsesLong).map(|m| {
            let (title_vi, title_en) = RESPONDENTS_TITLE;
            Codebook {
                title_vi: title_vi.into(),
                title_en: title_en.into(),
                dataset: format!("{}_respondents", req.dataset.code()),
                variables: m.respondent_variables(),
                ..codebook.clone()
            }
        });
        let mut tables = vec![(stem.clone(), codebook)];
        tables.extend(respondents.map(|c| (format!("{stem}_respondents"), c)));
        let mut sinks = tables
            .iter()
            .map(|(stem, codebook)| Sink::create(&req, partial, stem, codebook))
            .collect::<Result<Vec<_>, _>>()?;
        match &microdata {
            Some(m) => {
                p.total.store(responses, Ordering::SeqCst);
                self.stream(m, &filter, &mut sinks, p)?;
            }
            None => {
                let rows = self.db.run_blocking(false, |c| {
                    index_tables::rows(c, &self.surveys, &tree, &visibility, &req, self.small_n)
                })?;
                p.total.store(rows.len() as i64, Ordering::SeqCst);
                for row in &rows {
                    sinks[0].write_row(row)?;
                }
                p.done.store(rows.len() as i64, Ordering::SeqCst);
            }
        }
        self.check(p)?;
        for sink in sinks {
            sink.finish()?;
        }
        self.check(p)?;
        Ok((req.clone(), companions::write(&req, &tables, partial)?))
    }

    /// Streams the responses, day by day and a batch at a time, into the data table and, for
    /// the long file, the respondents table (`sinks[1]`).
    fn stream(
        &self,
        m: &Microdata<'_>,
        filter: &ResponseFilter,
        sinks: &mut [Sink],
        p: &Progress,
    ) -> Result<(), JobError> {
        let (data, respondents) = sinks.split_first_mut().ok_or(FormatError::Broken("export"))?;
        let mut rows = Vec::new();
        let mut respondent = Vec::new();
        let mut day = filter.from;
        while day <= filter.to {
            let mut after: Option<String> = None;
            loop {
                self.check(p)?;
                let batch =
                    self.db.run_blocking(false, |c| export_rows::batch(c, filter, day, after.as_deref(), BATCH))?;
                for r in &batch {
                    m.rows(r, &mut rows);
                    for row in &rows {
                        data.write_row(row)?;
                    }
                    if let Some(sink) = respondents.first_mut() {
                        m.respondent_row(r, &mut respondent);
                        sink.write_row(&respondent)?;
                    }
                }
                p.done.fetch_add(batch.len() as i64, Ordering::SeqCst);
                if !self.pause.is_zero() && !batch.is_empty() {
                    std::thread::sleep(self.pause);
                }
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
        Ok(())
    }

    /// Hashes the files, moves the folder in place and marks the job done (with its audit
    /// row). If the job was cancelled meanwhile, the files are removed again.
    fn publish(
        &self,
        job: &Job,
        req: &ExportRequest,
        partial: &Path,
        names: Vec<(String, &'static str)>,
        p: &Progress,
    ) -> Result<(), JobError> {
        let mut files = Vec::new();
        for (name, content_type) in names {
            let (size, sha256) = sha256_file(&partial.join(&name))?;
            files.push(JobFile {
                job_id: job.id.clone(),
                name,
                content_type: content_type.into(),
                size: i64::try_from(size).unwrap_or(i64::MAX),
                sha256,
            });
        }
        let target = self.job_dir(&job.id);
        remove_dir(&target);
        std::fs::rename(partial, &target).map_err(FormatError::from)?;
        let now = store::now();
        let detail =
            files.iter().map(|f| format!("{} {} bytes sha256={}", f.name, f.size, f.sha256)).collect::<Vec<_>>();
        let entry = NewAuditEntry {
            actor: job.owner.clone(),
            action: EXPORT.into(),
            target: req.scope_text(),
            detail: Some(format!("job {}; {}", job.id, detail.join("; "))),
        };
        let total = p.total.load(Ordering::SeqCst);
        let rows = (p.done.load(Ordering::SeqCst), (total >= 0).then_some(total));
        let notice = self.mail_links.as_deref().and_then(|base| {
            let notice = crate::email::events::export_ready(base, job, req.scope_text(), &files, now + self.ttl);
            serde_json::to_string(&notice).ok()
        });
        let finished = self.db.run_blocking(true, |c| {
            // The final count: the heartbeat may not have caught the last batch.
            jobs::heartbeat(c, &job.id, &self.worker, rows.0, rows.1, now + self.ttl)?;
            jobs::finish(c, &job.id, &self.worker, &files, now, now + self.ttl, &entry, notice.as_deref())
        });
        match finished {
            Ok(true) => Ok(()),
            Ok(false) => {
                remove_dir(&target);
                Err(JobError::Lost)
            }
            Err(e) => {
                remove_dir(&target);
                Err(e.into())
            }
        }
    }
}

/// The data file being written.
enum Sink {
    Csv(Box<CsvTable>),
    Xlsx(Box<XlsxTable>),
    Parquet(Box<ParquetTable>),
}

impl Sink {
    /// The data file of table `stem` in the request's format.
    fn create(req: &ExportRequest, partial: &Path, stem: &str, codebook: &Codebook) -> Result<Sink, FormatError> {
        let path = partial.join(companions::data_file(req.format, stem));
        Ok(match req.format {
            Format::Xlsx => Sink::Xlsx(Box::new(XlsxTable::create(&path, codebook)?)),
            Format::Parquet => Sink::Parquet(Box::new(ParquetTable::create(&path, codebook)?)),
            Format::Csv | Format::Zip => Sink::Csv(Box::new(CsvTable::create(&path, req.bom, &codebook.header())?)),
        })
    }

    fn write_row(&mut self, row: &[Cell]) -> Result<(), FormatError> {
        match self {
            Sink::Csv(t) => t.write_row(row),
            Sink::Xlsx(t) => t.write_row(row),
            Sink::Parquet(t) => t.write_row(row),
        }
    }

    fn finish(self) -> Result<(), FormatError> {
        match self {
            Sink::Csv(t) => t.finish(),
            Sink::Xlsx(t) => t.finish(),
            Sink::Parquet(t) => t.finish(),
        }
    }
}

/// Removes a job folder; a folder that is not there is fine.
pub fn remove_dir(path: &Path) {
    if let Err(e) = std::fs::remove_dir_all(path) {
        if e.kind() != std::io::ErrorKind::NotFound {
            tracing::warn!(path = %path.display(), error = %e, "could not remove an export folder");
        }
    }
}
