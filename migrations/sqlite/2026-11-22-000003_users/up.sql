-- Staff accounts. Usernames are stored lowercase; passwords only as argon2id PHC strings.
CREATE TABLE users (
    id                  TEXT PRIMARY KEY NOT NULL,
    username            TEXT NOT NULL UNIQUE,
    password_hash       TEXT NOT NULL,
    role                TEXT NOT NULL CHECK (role IN ('admin', 'city_viewer', 'analyst', 'agency_manager', 'agency_viewer')),
    agency_code         TEXT NULL REFERENCES agencies (code),
    disabled            BOOLEAN NOT NULL DEFAULT FALSE,
    created_at          TIMESTAMP NOT NULL,
    password_changed_at TIMESTAMP NOT NULL,
    CHECK ((role IN ('agency_manager', 'agency_viewer')) = (agency_code IS NOT NULL))
);

-- Server-side sessions, so logout and disabling revoke at once. The cookie carries a
-- random token; only its SHA-256 is stored.
CREATE TABLE sessions (
    id_hash      TEXT PRIMARY KEY NOT NULL,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token   TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
