-- The audit log: an append-only record of security events. Rows are only ever inserted, and
-- deleted by the retention sweep; never updated. No secret or password is ever stored.
CREATE TABLE audit_events (
    id              TEXT PRIMARY KEY NOT NULL,
    occurred_at     BIGINT NOT NULL,
    action          TEXT NOT NULL,
    outcome         TEXT NOT NULL,
    reason          TEXT,
    actor_type      TEXT NOT NULL,
    actor_id        TEXT,
    target_type     TEXT,
    target_id       TEXT,
    organization_id TEXT,
    ip              TEXT,
    user_agent      TEXT,
    details         TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_occurred_at ON audit_events (occurred_at);
CREATE INDEX audit_events_action ON audit_events (action, occurred_at);
CREATE INDEX audit_events_actor ON audit_events (actor_id, occurred_at);
CREATE INDEX audit_events_target ON audit_events (target_id, occurred_at);
CREATE INDEX audit_events_organization ON audit_events (organization_id, occurred_at);
