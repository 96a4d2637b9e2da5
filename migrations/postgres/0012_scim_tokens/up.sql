-- SCIM directory connections: a bearer token per connection, bound to one organization (the
-- token decides which). Only the SHA-256 digest of the token is kept.
CREATE TABLE scim_tokens (
    id              TEXT PRIMARY KEY NOT NULL,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    prefix          TEXT NOT NULL,
    secret_digest   TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    last_used_at    BIGINT,
    revoked_at      BIGINT
);
CREATE UNIQUE INDEX scim_tokens_secret_digest ON scim_tokens (secret_digest);
CREATE INDEX scim_tokens_organization ON scim_tokens (organization_id);
