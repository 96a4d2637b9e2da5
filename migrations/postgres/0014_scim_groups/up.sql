-- SCIM groups (RFC 7643 §4.2) of one organization and their members (SCIM users of the same
-- organization; nested groups are not accepted). The display name is unique within the
-- organization, compared without case.
CREATE TABLE scim_groups (
    id                 TEXT PRIMARY KEY NOT NULL,
    organization_id    TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    display_name       TEXT NOT NULL,
    display_name_lower TEXT NOT NULL,
    external_id        TEXT,
    version            BIGINT NOT NULL,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);
CREATE UNIQUE INDEX scim_groups_display_name ON scim_groups (organization_id, display_name_lower);
CREATE INDEX scim_groups_external_id ON scim_groups (organization_id, external_id);

CREATE TABLE scim_group_members (
    scim_group_id   TEXT NOT NULL REFERENCES scim_groups (id) ON DELETE CASCADE,
    scim_user_id    TEXT NOT NULL REFERENCES scim_users (id) ON DELETE CASCADE,
    organization_id TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (scim_group_id, scim_user_id)
);
CREATE INDEX scim_group_members_user ON scim_group_members (scim_user_id);

-- What filters and sorting search, in the shape of scim_user_values: a group's members
-- (value, display, type), and a user's groups (value, display, type). The element is the
-- member's or group's id, so a value path correlates its conditions on one member.
CREATE VIEW scim_group_values AS
    SELECT m.scim_group_id AS scim_group_id, m.organization_id AS organization_id,
           CAST('members' AS TEXT) AS attr, CAST('value' AS TEXT) AS sub, m.scim_user_id AS elem,
           FALSE AS in_primary, m.scim_user_id AS value, LOWER(m.scim_user_id) AS value_lower
      FROM scim_group_members m
    UNION ALL
    SELECT m.scim_group_id, m.organization_id, CAST('members' AS TEXT), CAST('display' AS TEXT),
           m.scim_user_id, FALSE, u.user_name, u.user_name_lower
      FROM scim_group_members m JOIN scim_users u ON u.id = m.scim_user_id
    UNION ALL
    SELECT m.scim_group_id, m.organization_id, CAST('members' AS TEXT), CAST('type' AS TEXT),
           m.scim_user_id, FALSE, CAST('User' AS TEXT), CAST('user' AS TEXT)
      FROM scim_group_members m;

CREATE VIEW scim_user_group_values AS
    SELECT m.scim_user_id AS scim_user_id, m.organization_id AS organization_id,
           CAST('groups' AS TEXT) AS attr, CAST('value' AS TEXT) AS sub, m.scim_group_id AS elem,
           FALSE AS in_primary, m.scim_group_id AS value, LOWER(m.scim_group_id) AS value_lower
      FROM scim_group_members m
    UNION ALL
    SELECT m.scim_user_id, m.organization_id, CAST('groups' AS TEXT), CAST('display' AS TEXT),
           m.scim_group_id, FALSE, g.display_name, g.display_name_lower
      FROM scim_group_members m JOIN scim_groups g ON g.id = m.scim_group_id
    UNION ALL
    SELECT m.scim_user_id, m.organization_id, CAST('groups' AS TEXT), CAST('type' AS TEXT),
           m.scim_group_id, FALSE, CAST('direct' AS TEXT), CAST('direct' AS TEXT)
      FROM scim_group_members m;

-- Which organization role a member of a directory group gets: when an organization has any
-- mapping, the roles of its directory-provisioned members follow their groups (the mapping with
-- the lowest priority number among their groups wins; none gives the default role).
CREATE TABLE scim_group_roles (
    organization_id  TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    group_name_lower TEXT NOT NULL,
    group_name       TEXT NOT NULL,
    role_key         TEXT NOT NULL,
    priority         INTEGER NOT NULL,
    created_at       BIGINT NOT NULL,
    PRIMARY KEY (organization_id, group_name_lower)
);
