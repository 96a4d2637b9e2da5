-- Foundation: users, sessions, single-use mailed links, sign-in throttle counters.
-- Times are seconds since the Unix epoch (BIGINT) and ids are text, so that both backends store
-- the same values (docs/design/0001-one-schema-two-backends.md).

CREATE TABLE users (
    id                  TEXT PRIMARY KEY NOT NULL,
    email               TEXT NOT NULL,
    email_verified      BOOLEAN NOT NULL DEFAULT FALSE,
    username            TEXT,
    name                TEXT,
    given_name          TEXT,
    family_name         TEXT,
    picture             TEXT,
    locale              TEXT,
    password_hash       TEXT,
    password_changed_at BIGINT,
    disabled            BOOLEAN NOT NULL DEFAULT FALSE,
    public_metadata     TEXT NOT NULL DEFAULT '{}',
    private_metadata    TEXT NOT NULL DEFAULT '{}',
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL
);
CREATE UNIQUE INDEX users_email_unique ON users (email);
CREATE UNIQUE INDEX users_username_unique ON users (username);

CREATE TABLE sessions (
    id           TEXT PRIMARY KEY NOT NULL,
    token_digest TEXT NOT NULL,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    ip           TEXT,
    user_agent   TEXT
);
CREATE UNIQUE INDEX sessions_token_digest_unique ON sessions (token_digest);
CREATE INDEX sessions_user_id ON sessions (user_id);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

CREATE TABLE one_time_tokens (
    digest      TEXT PRIMARY KEY NOT NULL,
    purpose     TEXT NOT NULL,
    user_id     TEXT REFERENCES users (id) ON DELETE CASCADE,
    email       TEXT NOT NULL,
    payload     TEXT,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    consumed_at BIGINT
);
CREATE INDEX one_time_tokens_user_purpose ON one_time_tokens (user_id, purpose);
CREATE INDEX one_time_tokens_expires_at ON one_time_tokens (expires_at);

CREATE TABLE throttle_counters (
    key             TEXT PRIMARY KEY NOT NULL,
    failures        BIGINT NOT NULL,
    last_failure_at BIGINT NOT NULL,
    blocked_until   BIGINT NOT NULL
);
CREATE INDEX throttle_counters_last_failure_at ON throttle_counters (last_failure_at);
