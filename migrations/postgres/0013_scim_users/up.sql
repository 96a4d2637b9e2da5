-- SCIM users (RFC 7643 §4.1): the directory's view of a member of one organization. The resource
-- as the directory sent it (normalised, without id, meta or password) is kept in `resource`; the
-- attributes filters and sorting need are indexed columns (userName, externalId, active, times)
-- or rows of `scim_user_values`, one per simple value (`emails` element 1's `value`, say), so
-- every filter runs in the database.
CREATE TABLE scim_users (
    id              TEXT PRIMARY KEY NOT NULL,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    user_name       TEXT NOT NULL,
    user_name_lower TEXT NOT NULL,
    external_id     TEXT,
    active          BOOLEAN NOT NULL,
    created_user    BOOLEAN NOT NULL,
    resource        TEXT NOT NULL,
    version         BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE UNIQUE INDEX scim_users_user_name ON scim_users (organization_id, user_name_lower);
CREATE UNIQUE INDEX scim_users_user ON scim_users (organization_id, user_id);
CREATE INDEX scim_users_external_id ON scim_users (organization_id, external_id);
CREATE INDEX scim_users_user_id ON scim_users (user_id);

CREATE TABLE scim_user_values (
    scim_user_id    TEXT NOT NULL REFERENCES scim_users (id) ON DELETE CASCADE,
    organization_id TEXT NOT NULL,
    attr            TEXT NOT NULL,
    sub             TEXT NOT NULL,
    elem            INTEGER NOT NULL,
    in_primary      BOOLEAN NOT NULL,
    value           TEXT NOT NULL,
    value_lower     TEXT NOT NULL,
    PRIMARY KEY (scim_user_id, attr, elem, sub)
);
CREATE INDEX scim_user_values_lookup ON scim_user_values (organization_id, attr, sub, value_lower);

-- A directory can deactivate a member (`active: false`) without removing them.
ALTER TABLE memberships ADD COLUMN disabled BOOLEAN NOT NULL DEFAULT FALSE;
