-- Reference data: agencies as a time-valid tree with successors.
CREATE TABLE agencies (
    code        TEXT PRIMARY KEY,
    parent_code TEXT NULL REFERENCES agencies (code),
    kind        TEXT NOT NULL,
    name_vi     TEXT NOT NULL,
    name_en     TEXT NOT NULL,
    valid_from  DATE NOT NULL,
    valid_to    DATE NULL,
    CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
CREATE INDEX agencies_parent ON agencies (parent_code);

CREATE TABLE agency_successors (
    agency_code    TEXT NOT NULL REFERENCES agencies (code) ON DELETE CASCADE,
    successor_code TEXT NOT NULL REFERENCES agencies (code),
    PRIMARY KEY (agency_code, successor_code)
);

-- Every survey version the service has seen; the hash freezes a version once invitations use it.
CREATE TABLE survey_versions (
    survey_id     TEXT NOT NULL,
    version       INTEGER NOT NULL,
    content_hash  TEXT NOT NULL,
    registered_at TIMESTAMP NOT NULL,
    PRIMARY KEY (survey_id, version)
);

CREATE TABLE api_keys (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    key_hash    TEXT NOT NULL UNIQUE,
    scope       TEXT NOT NULL CHECK (scope IN ('invitations', 'read')),
    agency_code TEXT NULL REFERENCES agencies (code),
    created_at  TIMESTAMP NOT NULL,
    revoked_at  TIMESTAMP NULL
);

-- One invitation per handled dossier. The token is never stored, only its SHA-256.
CREATE TABLE invitations (
    id             TEXT PRIMARY KEY,
    token_hash     TEXT NOT NULL UNIQUE,
    agency_code    TEXT NOT NULL REFERENCES agencies (code),
    dossier_code   TEXT NOT NULL,
    field          TEXT NOT NULL,
    procedure_code TEXT NULL,
    channel        TEXT NOT NULL,
    handled_on     DATE NOT NULL,
    survey_id      TEXT NOT NULL,
    survey_version INTEGER NOT NULL,
    locale         TEXT NOT NULL,
    email          TEXT NULL,
    created_at     TIMESTAMP NOT NULL,
    expires_at     TIMESTAMP NOT NULL,
    answered       BOOLEAN NOT NULL DEFAULT FALSE,
    UNIQUE (agency_code, dossier_code),
    FOREIGN KEY (survey_id, survey_version) REFERENCES survey_versions (survey_id, version)
);
CREATE INDEX invitations_scope ON invitations (agency_code, handled_on);

-- Responses keep the invitation's scope and the date only: nothing links them back to it.
CREATE TABLE responses (
    id             TEXT PRIMARY KEY,
    survey_id      TEXT NOT NULL,
    survey_version INTEGER NOT NULL,
    agency_code    TEXT NOT NULL REFERENCES agencies (code),
    field          TEXT NOT NULL,
    procedure_code TEXT NULL,
    channel        TEXT NOT NULL,
    submitted_on   DATE NOT NULL,
    locale         TEXT NOT NULL,
    comment        TEXT NULL,
    respondent     TEXT NULL,
    gender         TEXT NULL,
    age_group      TEXT NULL,
    education      TEXT NULL,
    occupation     TEXT NULL,
    FOREIGN KEY (survey_id, survey_version) REFERENCES survey_versions (survey_id, version)
);
CREATE INDEX responses_scope ON responses (agency_code, submitted_on);

-- Long form: one row per answered item; value NULL means "not applicable".
CREATE TABLE answers (
    response_id TEXT NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    item_id     TEXT NOT NULL,
    value       INTEGER NULL,
    PRIMARY KEY (response_id, item_id)
);
