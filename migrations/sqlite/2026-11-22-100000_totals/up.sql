-- Half-month totals, so an index query reads a number of rows that grows with its groups and
-- periods, never with the responses (PRODUCT §7), and invitation counters for response rates.
--
-- A "span" is a half-month: days 1–14 (span_start = the 1st) or 15–end (span_start = the
-- 15th). Calendar months, quarters, years and the city's reform-report periods (15 December to
-- the 14th of March/June/September/December) are whole spans; a custom range reads whole spans
-- from these tables and its ragged ends from the daily counters.
--
--   answer_totals      one row per scope × span × item, the answers per value in columns
--                      (n_na = "not applicable", n1..n5): a sixth of the rows of the long form.
--                      No procedure column: procedure slices read the daily counters.
--   response_totals    responses per scope × span.
--   invitation_counts  invitations per scope × handled day (the ragged ends of custom ranges).
--   invitation_totals  invitations per scope × span of the handled day.
--   agency_answer_totals, agency_answer_days
--                      answer_totals summed over fields and channels, per span and per day:
--                      what a whole-city report by agency reads (a fifteenth of the rows), and
--                      the ragged ends of its custom ranges.
--
-- The folder (`store::aggregates::fold_pending`) adds to answer_totals and response_totals in
-- the transaction that adds to the daily counters; an invitation adds to its two counters in
-- the transaction that stores it. `sipas verify-aggregates` checks all of them.

CREATE TABLE answer_totals (
    survey_id      TEXT NOT NULL,
    span_start     DATE NOT NULL,
    survey_version INTEGER NOT NULL,
    agency_code    TEXT NOT NULL,
    field          TEXT NOT NULL,
    channel        TEXT NOT NULL,
    item_id        TEXT NOT NULL,
    n_na           BIGINT NOT NULL DEFAULT 0,
    n1             BIGINT NOT NULL DEFAULT 0,
    n2             BIGINT NOT NULL DEFAULT 0,
    n3             BIGINT NOT NULL DEFAULT 0,
    n4             BIGINT NOT NULL DEFAULT 0,
    n5             BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (survey_id, span_start, survey_version, agency_code, field, channel, item_id)
) WITHOUT ROWID;

CREATE TABLE response_totals (
    survey_id      TEXT NOT NULL,
    span_start     DATE NOT NULL,
    survey_version INTEGER NOT NULL,
    agency_code    TEXT NOT NULL,
    field          TEXT NOT NULL,
    channel        TEXT NOT NULL,
    count          BIGINT NOT NULL,
    PRIMARY KEY (survey_id, span_start, survey_version, agency_code, field, channel)
) WITHOUT ROWID;

CREATE TABLE invitation_counts (
    survey_id      TEXT NOT NULL,
    day            DATE NOT NULL,
    survey_version INTEGER NOT NULL,
    agency_code    TEXT NOT NULL,
    field          TEXT NOT NULL,
    channel        TEXT NOT NULL,
    count          BIGINT NOT NULL,
    PRIMARY KEY (survey_id, day, survey_version, agency_code, field, channel)
) WITHOUT ROWID;

CREATE TABLE invitation_totals (
    survey_id      TEXT NOT NULL,
    span_start     DATE NOT NULL,
    survey_version INTEGER NOT NULL,
    agency_code    TEXT NOT NULL,
    field          TEXT NOT NULL,
    channel        TEXT NOT NULL,
    count          BIGINT NOT NULL,
    PRIMARY KEY (survey_id, span_start, survey_version, agency_code, field, channel)
) WITHOUT ROWID;

CREATE TABLE agency_answer_totals (
    survey_id      TEXT NOT NULL,
    span_start     DATE NOT NULL,
    survey_version INTEGER NOT NULL,
    agency_code    TEXT NOT NULL,
    item_id        TEXT NOT NULL,
    n_na           BIGINT NOT NULL DEFAULT 0,
    n1             BIGINT NOT NULL DEFAULT 0,
    n2             BIGINT NOT NULL DEFAULT 0,
    n3             BIGINT NOT NULL DEFAULT 0,
    n4             BIGINT NOT NULL DEFAULT 0,
    n5             BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (survey_id, span_start, survey_version, agency_code, item_id)
) WITHOUT ROWID;

CREATE TABLE agency_answer_days (
    survey_id      TEXT NOT NULL,
    day            DATE NOT NULL,
    survey_version INTEGER NOT NULL,
    agency_code    TEXT NOT NULL,
    item_id        TEXT NOT NULL,
    n_na           BIGINT NOT NULL DEFAULT 0,
    n1             BIGINT NOT NULL DEFAULT 0,
    n2             BIGINT NOT NULL DEFAULT 0,
    n3             BIGINT NOT NULL DEFAULT 0,
    n4             BIGINT NOT NULL DEFAULT 0,
    n5             BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (survey_id, day, survey_version, agency_code, item_id)
) WITHOUT ROWID;

-- Back-fill from what exists: the daily counters (folded responses) and the invitations.
INSERT INTO answer_totals
    (survey_id, span_start, survey_version, agency_code, field, channel, item_id, n_na, n1, n2, n3, n4, n5)
SELECT survey_id, CASE WHEN CAST(strftime('%d', day) AS INTEGER) < 15 THEN date(day, 'start of month') ELSE date(day, 'start of month', '+14 days') END, survey_version, agency_code, field, channel, item_id,
       SUM(CASE WHEN value = 0 THEN count ELSE 0 END), SUM(CASE WHEN value = 1 THEN count ELSE 0 END),
       SUM(CASE WHEN value = 2 THEN count ELSE 0 END), SUM(CASE WHEN value = 3 THEN count ELSE 0 END),
       SUM(CASE WHEN value = 4 THEN count ELSE 0 END), SUM(CASE WHEN value = 5 THEN count ELSE 0 END)
FROM answer_counts WHERE value BETWEEN 0 AND 5
GROUP BY survey_id, CASE WHEN CAST(strftime('%d', day) AS INTEGER) < 15 THEN date(day, 'start of month') ELSE date(day, 'start of month', '+14 days') END, survey_version, agency_code, field, channel, item_id;

INSERT INTO response_totals (survey_id, span_start, survey_version, agency_code, field, channel, count)
SELECT survey_id, CASE WHEN CAST(strftime('%d', day) AS INTEGER) < 15 THEN date(day, 'start of month') ELSE date(day, 'start of month', '+14 days') END, survey_version, agency_code, field, channel, SUM(count)
FROM response_counts GROUP BY survey_id, CASE WHEN CAST(strftime('%d', day) AS INTEGER) < 15 THEN date(day, 'start of month') ELSE date(day, 'start of month', '+14 days') END, survey_version, agency_code, field, channel;

INSERT INTO invitation_counts (survey_id, day, survey_version, agency_code, field, channel, count)
SELECT survey_id, handled_on, survey_version, agency_code, field, channel, COUNT(*)
FROM invitations GROUP BY survey_id, handled_on, survey_version, agency_code, field, channel;

INSERT INTO invitation_totals (survey_id, span_start, survey_version, agency_code, field, channel, count)
SELECT survey_id, CASE WHEN CAST(strftime('%d', day) AS INTEGER) < 15 THEN date(day, 'start of month') ELSE date(day, 'start of month', '+14 days') END, survey_version, agency_code, field, channel, SUM(count)
FROM invitation_counts GROUP BY survey_id, CASE WHEN CAST(strftime('%d', day) AS INTEGER) < 15 THEN date(day, 'start of month') ELSE date(day, 'start of month', '+14 days') END, survey_version, agency_code, field, channel;

INSERT INTO agency_answer_totals (survey_id, span_start, survey_version, agency_code, item_id, n_na, n1, n2, n3, n4, n5)
SELECT survey_id, span_start, survey_version, agency_code, item_id,
       SUM(n_na), SUM(n1), SUM(n2), SUM(n3), SUM(n4), SUM(n5)
FROM answer_totals GROUP BY survey_id, span_start, survey_version, agency_code, item_id;

INSERT INTO agency_answer_days (survey_id, day, survey_version, agency_code, item_id, n_na, n1, n2, n3, n4, n5)
SELECT survey_id, day, survey_version, agency_code, item_id,
       SUM(CASE WHEN value = 0 THEN count ELSE 0 END), SUM(CASE WHEN value = 1 THEN count ELSE 0 END),
       SUM(CASE WHEN value = 2 THEN count ELSE 0 END), SUM(CASE WHEN value = 3 THEN count ELSE 0 END),
       SUM(CASE WHEN value = 4 THEN count ELSE 0 END), SUM(CASE WHEN value = 5 THEN count ELSE 0 END)
FROM answer_counts WHERE value BETWEEN 0 AND 5
GROUP BY survey_id, day, survey_version, agency_code, item_id;
