DROP INDEX audit_log_at;
DROP TABLE audit_log;
