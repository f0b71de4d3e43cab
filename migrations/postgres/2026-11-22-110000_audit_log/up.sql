-- Who saw what (PRODUCT §5): every staff view of comments and every export leaves a row.
-- Written in the same transaction as the read it records (`store::comments::list_and_audit`),
-- so nothing is shown without its row. Rows are only ever added.
--   actor   the staff username, or "api-key:<id>" for a machine client
--   action  what was done: view_comments, export, ...
--   target  the scope as compact text: agencies, period and filters
--   detail  optional, e.g. how many rows were shown
CREATE TABLE audit_log (
    id     TEXT PRIMARY KEY NOT NULL,
    at     TIMESTAMP NOT NULL,
    actor  TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NULL
);
-- "The latest entries" and period reviews read by time.
CREATE INDEX audit_log_at ON audit_log (at);
