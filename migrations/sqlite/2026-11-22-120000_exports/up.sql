-- Export jobs (issue 4): one row per requested export, worked off by a background worker
-- (`exports::worker`) that streams rows to files under the export directory.
--   owner       the staff username, or "api-key:<id>" for a machine client
--   visibility  what the owner could see when asking: "city" or an agency code (its subtree)
--   request     the export request as JSON (`exports::ExportRequest`)
--   state       queued → running → done | failed; done → expired when its files are removed
--   lease_until a running job belongs to its worker until then; the worker renews it with
--               every batch, so a job whose lease ran out lost its worker (a crash or a
--               restart) and is taken up again, at most `max_attempts` times
CREATE TABLE export_jobs (
    id          TEXT PRIMARY KEY NOT NULL,
    owner       TEXT NOT NULL,
    visibility  TEXT NOT NULL,
    dataset     TEXT NOT NULL,
    format      TEXT NOT NULL,
    request     TEXT NOT NULL,
    state       TEXT NOT NULL,
    error       TEXT NULL,
    rows_total  BIGINT NULL,
    rows_done   BIGINT NOT NULL,
    attempts    INTEGER NOT NULL,
    worker      TEXT NULL,
    lease_until TIMESTAMP NULL,
    created_at  TIMESTAMP NOT NULL,
    started_at  TIMESTAMP NULL,
    finished_at TIMESTAMP NULL,
    expires_at  TIMESTAMP NULL
);
-- The worker looks for work by state; the pages list an owner's jobs newest first.
CREATE INDEX export_jobs_state ON export_jobs (state);
CREATE INDEX export_jobs_owner ON export_jobs (owner, created_at);

-- The files of a finished job, with what the audit log and the download need.
CREATE TABLE export_files (
    job_id       TEXT NOT NULL REFERENCES export_jobs (id),
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    PRIMARY KEY (job_id, name)
);

-- Microdata exports read a survey's responses in date order, a batch at a time.
CREATE INDEX responses_survey_day ON responses (survey_id, submitted_on, id);
