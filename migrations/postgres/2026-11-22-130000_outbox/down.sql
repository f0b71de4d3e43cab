DROP TABLE index_watch;
DROP TABLE mail_optouts;
ALTER TABLE users DROP COLUMN email;
DROP TABLE outbox;
