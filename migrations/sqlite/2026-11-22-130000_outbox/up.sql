-- E-mail (issue 5).
--
-- The outbox: every e-mail is first a row here, written in the transaction of the event that
-- causes it, then delivered by a sender worker (`email::worker`).
--   kind          invitation | reminder | digest | index_alert | comment_alert | export_ready
--   user_id       staff mails: the recipient's account (preferences and unsubscribe)
--   invitation_id citizen mails: the invitation; the address is read from it at send time and
--                 is never copied here (it is erased from the invitation once the reminder is
--                 settled)
--   recipient     staff mails: the address when queued; NULL for citizen mails
--   payload       JSON the composer needs (alerts, export notices; `{}` when it reads the rest)
--   dedupe_key    one mail per event: a digest per user and week, one reminder per invitation …
--   state         queued → sending → sent | failed | cancelled; a failed or cancelled mail can be
--                 queued again by an admin
--   not_before    not sent earlier (reminder delay, backoff after an error, release hour)
--   lease_until   a sending mail belongs to its worker until then; a worker that died leaves
--                 it to be claimed again
--   last_error    the SMTP server's (or composer's) reason, without the recipient's address
CREATE TABLE outbox (
    id            TEXT PRIMARY KEY NOT NULL,
    kind          TEXT NOT NULL,
    user_id       TEXT NULL REFERENCES users (id) ON DELETE CASCADE,
    invitation_id TEXT NULL,
    recipient     TEXT NULL,
    payload       TEXT NOT NULL,
    dedupe_key    TEXT NULL UNIQUE,
    state         TEXT NOT NULL,
    attempts      INTEGER NOT NULL,
    not_before    TIMESTAMP NOT NULL,
    worker        TEXT NULL,
    lease_until   TIMESTAMP NULL,
    last_error    TEXT NULL,
    smtp_reply    TEXT NULL,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    sent_at       TIMESTAMP NULL
);
CREATE INDEX outbox_due ON outbox (state, not_before);
CREATE INDEX outbox_invitation ON outbox (invitation_id);

-- Staff addresses, and the kinds of mail each account has turned off.
ALTER TABLE users ADD COLUMN email TEXT NULL;
CREATE TABLE mail_optouts (
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, kind)
);

-- Where each agency's rolling index stood at the last check, so that an alert goes out when
-- it drops below the target, not at every check while it stays there.
CREATE TABLE index_watch (
    agency_code TEXT NOT NULL,
    survey_id   TEXT NOT NULL,
    below       BOOLEAN NOT NULL,
    checked_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (agency_code, survey_id)
);
