DROP INDEX responses_survey_day;
DROP TABLE export_files;
DROP INDEX export_jobs_owner;
DROP INDEX export_jobs_state;
DROP TABLE export_jobs;
