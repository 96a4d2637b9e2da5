-- Organizations, their roles (the built-in `admin` and `member`, and custom ones with a list of
-- permission strings), and memberships (one role per user and organization).
CREATE TABLE organizations (
    id               TEXT PRIMARY KEY NOT NULL,
    slug             TEXT NOT NULL,
    name             TEXT NOT NULL,
    logo_url         TEXT,
    public_metadata  TEXT NOT NULL DEFAULT '{}',
    private_metadata TEXT NOT NULL DEFAULT '{}',
    default_role     TEXT NOT NULL DEFAULT 'member',
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE UNIQUE INDEX organizations_slug_unique ON organizations (slug);

CREATE TABLE organization_roles (
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    role_key        TEXT NOT NULL,
    name            TEXT NOT NULL,
    permissions     TEXT NOT NULL,
    built_in        BOOLEAN NOT NULL DEFAULT FALSE,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    PRIMARY KEY (organization_id, role_key)
);

CREATE TABLE memberships (
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role_key        TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    PRIMARY KEY (organization_id, user_id)
);
CREATE INDEX memberships_user_id ON memberships (user_id);
CREATE INDEX memberships_org_role ON memberships (organization_id, role_key);
