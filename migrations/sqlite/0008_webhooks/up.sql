-- Webhooks (Standard Webhooks). An event is written to `webhook_messages` in the same transaction
-- as the change that caused it, with one `webhook_deliveries` row per endpoint that wants it; a
-- worker claims due deliveries, sends them, and logs each try in `webhook_attempts`.
CREATE TABLE webhook_endpoints (
    id            TEXT PRIMARY KEY NOT NULL,
    url           TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    event_types   TEXT NOT NULL DEFAULT '[]',
    sealed_secret TEXT NOT NULL,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);

CREATE TABLE webhook_messages (
    id         TEXT PRIMARY KEY NOT NULL,
    event_type TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX webhook_messages_created ON webhook_messages (created_at);

CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY NOT NULL,
    message_id      TEXT NOT NULL REFERENCES webhook_messages (id) ON DELETE CASCADE,
    endpoint_id     TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    state           TEXT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    held_until      BIGINT NOT NULL DEFAULT 0,
    claim_token     TEXT,
    give_up_at      BIGINT NOT NULL,
    last_status     INTEGER,
    last_error      TEXT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id);
CREATE INDEX webhook_deliveries_message ON webhook_deliveries (message_id);

CREATE TABLE webhook_attempts (
    id               TEXT PRIMARY KEY NOT NULL,
    delivery_id      TEXT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempted_at     BIGINT NOT NULL,
    status_code      INTEGER,
    error            TEXT,
    response_excerpt TEXT,
    duration_ms      BIGINT NOT NULL
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, attempted_at);
