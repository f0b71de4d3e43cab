-- Counters kept up to date by every submit, in the same transaction as the response, so
-- indices read groups, not raw answers (PRODUCT §7). `sipas verify-aggregates` recomputes
-- them from `responses`/`answers` and reports any difference; `--rebuild` rewrites them.
--
-- Key conventions (a primary key column cannot be NULL on either backend):
--   procedure_code = ''  the response had no procedure code (NULL in `responses`);
--   value          = 0   "not applicable" (NULL in `answers`); real values are 1..5, options 1.
--   shard                 a counter is split over a few rows so that simultaneous submits of one
--                         scope and day do not all wait for the same row lock (PostgreSQL: the
--                         response id picks one of 16; SQLite, one writer at a time: always 0).
--                         A count is the SUM over its shards; rebuilds write shard 0.
-- The key starts with (survey_id, day), so a period query on one survey is a range scan of
-- the primary key and needs no index of its own.

-- One row per scope × day × item × answer value: how many answers.
CREATE TABLE answer_counts (
    survey_id      TEXT NOT NULL,
    day            DATE NOT NULL,
    survey_version INTEGER NOT NULL,
    agency_code    TEXT NOT NULL,
    field          TEXT NOT NULL,
    procedure_code TEXT NOT NULL,
    channel        TEXT NOT NULL,
    item_id        TEXT NOT NULL,
    value          INTEGER NOT NULL,
    shard          INTEGER NOT NULL DEFAULT 0,
    count          BIGINT NOT NULL,
    PRIMARY KEY (survey_id, day, survey_version, agency_code, field, procedure_code, channel, item_id, value, shard)
) WITHOUT ROWID;

-- One row per scope × day: how many responses (the numerator of the response rate).
CREATE TABLE response_counts (
    survey_id      TEXT NOT NULL,
    day            DATE NOT NULL,
    survey_version INTEGER NOT NULL,
    agency_code    TEXT NOT NULL,
    field          TEXT NOT NULL,
    procedure_code TEXT NOT NULL,
    channel        TEXT NOT NULL,
    shard          INTEGER NOT NULL DEFAULT 0,
    count          BIGINT NOT NULL,
    PRIMARY KEY (survey_id, day, survey_version, agency_code, field, procedure_code, channel, shard)
) WITHOUT ROWID;

-- Responses stored before this migration are counted now (the same query as `--rebuild`).
INSERT INTO answer_counts
    (survey_id, day, survey_version, agency_code, field, procedure_code, channel, item_id, value, count)
SELECT r.survey_id, r.submitted_on, r.survey_version, r.agency_code, r.field, COALESCE(r.procedure_code, ''),
       r.channel, a.item_id, COALESCE(a.value, 0), COUNT(*)
FROM responses r JOIN answers a ON a.response_id = r.id
GROUP BY r.survey_id, r.submitted_on, r.survey_version, r.agency_code, r.field, COALESCE(r.procedure_code, ''),
         r.channel, a.item_id, COALESCE(a.value, 0);

INSERT INTO response_counts
    (survey_id, day, survey_version, agency_code, field, procedure_code, channel, count)
SELECT r.survey_id, r.submitted_on, r.survey_version, r.agency_code, r.field, COALESCE(r.procedure_code, ''),
       r.channel, COUNT(*)
FROM responses r
GROUP BY r.survey_id, r.submitted_on, r.survey_version, r.agency_code, r.field, COALESCE(r.procedure_code, ''),
         r.channel;
