-- SAML 2.0 (issue 6). The server's SAML keys: an RSA key (sealed by the master key, as token
-- signing keys are) and its self-signed certificate. A key is published in metadata from
-- `created_at` and signs from `signs_from`, so a rotated-in key is known to partners before use;
-- the newest key whose `signs_from` has passed signs. `retired_at` takes a key out of metadata.
CREATE TABLE saml_keys (
    id          TEXT PRIMARY KEY NOT NULL,
    private_key TEXT NOT NULL,
    certificate TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    signs_from  BIGINT NOT NULL,
    retired_at  BIGINT
);

-- Enterprise connections: an organization's own IdP, Tessera the service provider.
-- `certificates` holds the pinned IdP signing certificates (PEM, one or more); the attribute
-- names say where email, names and groups are read from.
CREATE TABLE saml_connections (
    id                  TEXT PRIMARY KEY NOT NULL,
    organization_id     TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name                TEXT NOT NULL,
    idp_entity_id       TEXT NOT NULL,
    sso_url             TEXT NOT NULL,
    certificates        TEXT NOT NULL,
    sign_requests       BOOLEAN NOT NULL,
    allow_idp_initiated BOOLEAN NOT NULL,
    default_target      TEXT,
    mandatory           BOOLEAN NOT NULL,
    email_attribute     TEXT,
    given_name_attribute  TEXT,
    family_name_attribute TEXT,
    groups_attribute    TEXT,
    metadata_url        TEXT,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL
);
CREATE UNIQUE INDEX saml_connections_idp ON saml_connections (organization_id, idp_entity_id);

-- The email domains a connection serves (home-realm discovery); each a verified domain of the
-- connection's organization, and served by one connection only.
CREATE TABLE saml_connection_domains (
    domain        TEXT PRIMARY KEY NOT NULL,
    connection_id TEXT NOT NULL REFERENCES saml_connections (id) ON DELETE CASCADE
);
CREATE INDEX saml_connection_domains_connection ON saml_connection_domains (connection_id);

-- AuthnRequests sent and not yet answered: the response's InResponseTo must name one, from the
-- browser holding the RelayState (kept as a digest), once, before it expires.
CREATE TABLE saml_requests (
    id             TEXT PRIMARY KEY NOT NULL,
    connection_id  TEXT NOT NULL REFERENCES saml_connections (id) ON DELETE CASCADE,
    relay_digest   TEXT NOT NULL,
    return_to      TEXT,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    used_at        BIGINT
);
CREATE INDEX saml_requests_expires ON saml_requests (expires_at);

-- Every assertion accepted, kept until it could no longer be valid: a second use is a replay.
CREATE TABLE saml_seen_assertions (
    connection_id TEXT NOT NULL REFERENCES saml_connections (id) ON DELETE CASCADE,
    assertion_id  TEXT NOT NULL,
    expires_at    BIGINT NOT NULL,
    PRIMARY KEY (connection_id, assertion_id)
);
CREATE INDEX saml_seen_assertions_expires ON saml_seen_assertions (expires_at);

-- Which account an IdP subject (its NameID) signs in as. `created_membership`: SAML added the
-- person to the organization, so their role follows their groups (as SCIM's does).
CREATE TABLE saml_identities (
    connection_id      TEXT NOT NULL REFERENCES saml_connections (id) ON DELETE CASCADE,
    name_id            TEXT NOT NULL,
    user_id            TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_membership BOOLEAN NOT NULL,
    created_at         BIGINT NOT NULL,
    last_sign_in_at    BIGINT NOT NULL,
    PRIMARY KEY (connection_id, name_id)
);
CREATE INDEX saml_identities_user ON saml_identities (user_id);
