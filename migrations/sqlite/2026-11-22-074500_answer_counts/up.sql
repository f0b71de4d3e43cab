-- Counters of the answers, so indices read groups, not raw answers (PRODUCT §7). A submit
-- only stores its response (`folded = false`); a background folder (`store::aggregates::
-- fold_pending`, every `aggregate_fold_interval_ms`) adds unfolded responses to the counters
-- in batches and marks them folded, in one transaction. `sipas verify-aggregates` folds what is
-- pending, then recomputes the counters from the folded responses and reports any difference;
-- `--rebuild` rewrites them (and marks every response folded).
--
-- Key conventions (a primary key column cannot be NULL on either backend):
--   procedure_code = ''  the response had no procedure code (NULL in `responses`);
--   value          = 0   "not applicable" (NULL in `answers`); real values are 1..5, options 1.
--   shard                 always 0 now. It spread a counter over several rows while every submit
--                         upserted them; the folder writes each key once per batch, so there is
--                         nothing left to spread. Kept (readers SUM over it) so that a counter
--                         may again be split without changing the key.
-- The key starts with (survey_id, day), so a period query on one survey is a range scan of
-- the primary key and needs no index of its own.
--
-- Responses stored before this migration are not back-filled here: they start unfolded and the
-- first fold counts them like any new response.

ALTER TABLE responses ADD COLUMN folded BOOLEAN NOT NULL DEFAULT FALSE;

-- The folder's queue: only unfolded responses are in it, so it stays small however many
-- responses there are (`WHERE NOT folded ORDER BY id LIMIT n`).
CREATE INDEX responses_unfolded ON responses (id) WHERE NOT folded;

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
