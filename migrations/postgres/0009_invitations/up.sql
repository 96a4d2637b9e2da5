-- Invitations to an organization: mailed as a single-use link (only its digest is stored) that
-- expires; accepted once (by an existing or a new account with the invited address) or revoked.
-- A pending invitation past `expires_at` is expired.
CREATE TABLE organization_invitations (
    id              TEXT PRIMARY KEY NOT NULL,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    email           TEXT NOT NULL,
    role_key        TEXT NOT NULL,
    token_digest    TEXT NOT NULL,
    state           TEXT NOT NULL,
    invited_by      TEXT,
    accepted_by     TEXT,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE UNIQUE INDEX organization_invitations_token ON organization_invitations (token_digest);
CREATE INDEX organization_invitations_org ON organization_invitations (organization_id, id);
CREATE INDEX organization_invitations_email ON organization_invitations (email);
CREATE UNIQUE INDEX organization_invitations_one_pending ON organization_invitations (organization_id, email) WHERE state = 'pending';
