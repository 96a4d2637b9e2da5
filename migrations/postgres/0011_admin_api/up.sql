-- Admin API keys (only the SHA-256 digest of the secret is kept; `prefix` is shown to tell keys
-- apart) and the answers kept for idempotent POSTs (24 hours, per key).
CREATE TABLE api_keys (
    id            TEXT PRIMARY KEY NOT NULL,
    name          TEXT NOT NULL,
    prefix        TEXT NOT NULL,
    secret_digest TEXT NOT NULL,
    scopes        TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    last_used_at  BIGINT,
    expires_at    BIGINT,
    revoked_at    BIGINT
);
CREATE UNIQUE INDEX api_keys_secret_digest ON api_keys (secret_digest);

CREATE TABLE idempotency_keys (
    api_key_id      TEXT NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    idempotency_key TEXT NOT NULL,
    request_digest  TEXT NOT NULL,
    status          INTEGER,
    response_body   TEXT,
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (api_key_id, idempotency_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
