//! The background export worker: takes queued jobs (and jobs whose worker died) one at a
//! time, runs them off the async workers, and removes expired and orphaned files.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use super::job::{remove_dir, Outcome, Runner};
use crate::store::{self, exports as jobs};

/// How often an idle worker looks for work left by another instance (new jobs of this
/// instance wake it at once).
const POLL: Duration = Duration::from_secs(1);
/// How often expired files are looked for.
const SWEEP: Duration = Duration::from_secs(60);

/// A running worker; stop it with [`WorkerHandle::stop`].
pub struct WorkerHandle {
    wake: Arc<Notify>,
    runner: Runner,
    task: tokio::task::JoinHandle<()>,
}

impl WorkerHandle {
    /// Stops the worker: a running job goes back to the queue at its next batch. Waits up to
    /// `grace` for that.
    pub async fn stop(self, grace: Duration) {
        self.runner.stopping.store(true, Ordering::SeqCst);
        self.wake.notify_one();
        if tokio::time::timeout(grace, self.task).await.is_err() {
            tracing::warn!("the export worker did not stop in time; its job will be taken up after its lease");
        }
    }
}

/// Starts the worker; `wake` is notified when a job is queued.
pub fn spawn(runner: Runner, max_attempts: u32, wake: Arc<Notify>) -> WorkerHandle {
    let (r, w) = (runner.clone(), wake.clone());
    let task = tokio::spawn(async move { work(r, w, i32::try_from(max_attempts).unwrap_or(3)).await });
    WorkerHandle { wake, runner, task }
}

async fn work(runner: Runner, wake: Arc<Notify>, max_attempts: i32) {
    let lease = chrono::Duration::from_std(runner.lease).unwrap_or(chrono::Duration::seconds(60));
    let mut last_sweep: Option<Instant> = None;
    while !runner.stopping.load(Ordering::SeqCst) {
        if last_sweep.is_none_or(|t| t.elapsed() >= SWEEP) {
            let r = runner.clone();
            if let Err(e) = tokio::task::spawn_blocking(move || sweep(&r, last_sweep.is_none())).await {
                tracing::warn!(error = %e, "the export sweep stopped");
            }
            last_sweep = Some(Instant::now());
        }
        let (db, worker) = (runner.db.clone(), runner.worker.clone());
        let claimed = db.run_write(move |c| jobs::claim_next(c, &worker, store::now(), lease, max_attempts)).await;
        match claimed {
            Ok(Some(job)) => {
                tracing::info!(job = %job.id, dataset = %job.dataset, attempt = job.attempts, "export started");
                let r = runner.clone();
                match tokio::task::spawn_blocking(move || (r.run(&job), job.id)).await {
                    Ok((outcome, id)) => match outcome {
                        Outcome::Done => tracing::info!(job = %id, "export done"),
                        Outcome::Failed(reason) => tracing::warn!(job = %id, %reason, "export failed"),
                        Outcome::Lost => tracing::info!(job = %id, "export cancelled or taken over"),
                        Outcome::Requeued => tracing::info!(job = %id, "export put back in the queue"),
                    },
                    Err(e) => tracing::error!(error = %e, "an export job panicked; its lease will run out"),
                }
            }
            Ok(None) => {
                let _ = tokio::time::timeout(POLL, wake.notified()).await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not look for export jobs");
                let _ = tokio::time::timeout(POLL, wake.notified()).await;
            }
        }
    }
}

/// Removes the files of expired jobs and, at start, folders that belong to no live job
/// (left by a crash between writing and recording).
pub fn sweep(runner: &Runner, orphans: bool) {
    let now = store::now();
    match runner.db.run_blocking(false, |c| jobs::due_to_expire(c, now)) {
        Ok(ids) => {
            for id in ids {
                remove_dir(&runner.job_dir(&id));
                if let Err(e) = runner.db.run_blocking(true, |c| jobs::mark_expired(c, &id)) {
                    tracing::warn!(job = %id, error = %e, "could not mark an export expired");
                }
            }
        }
        Err(e) => tracing::warn!(error = %e, "could not look for expired exports"),
    }
    if !orphans {
        return;
    }
    let Ok(live) = runner.db.run_blocking(false, jobs::live_ids) else { return };
    let Ok(entries) = std::fs::read_dir(&runner.dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let id = name.strip_suffix(".partial").unwrap_or(&name);
        // Only folders named like job ids: the export folder may hold other things.
        if uuid::Uuid::parse_str(id).is_ok() && !live.iter().any(|l| l == id) {
            remove_dir(&entry.path());
        }
    }
}
