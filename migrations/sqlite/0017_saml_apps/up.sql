-- SAML apps: service providers that use Tessera as their IdP. `acs_urls` lists the registered
-- AssertionConsumerService URLs (newline separated, the first is the default); a request may
-- only name one of them. `certificates` are the SP's (PEM): they verify its signed requests and
-- encrypt assertions to it. `organization_id`, when set, is the organization whose roles and
-- groups the attribute statement carries.
CREATE TABLE saml_apps (
    id                 TEXT PRIMARY KEY NOT NULL,
    name               TEXT NOT NULL,
    entity_id          TEXT NOT NULL,
    acs_urls           TEXT NOT NULL,
    slo_url            TEXT,
    certificates       TEXT NOT NULL,
    requests_signed    BOOLEAN NOT NULL,
    encrypt_assertions BOOLEAN NOT NULL,
    name_id_format     TEXT NOT NULL,
    organization_id    TEXT REFERENCES organizations (id) ON DELETE SET NULL,
    metadata_url       TEXT,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);
CREATE UNIQUE INDEX saml_apps_entity_id ON saml_apps (entity_id);

-- An AuthnRequest waiting for its person to sign in: the browser comes back to
-- /saml/idp/resume/{id} (the id is random and single-use).
CREATE TABLE saml_idp_requests (
    id             TEXT PRIMARY KEY NOT NULL,
    app_id         TEXT NOT NULL REFERENCES saml_apps (id) ON DELETE CASCADE,
    request_id     TEXT,
    acs_url        TEXT NOT NULL,
    relay_state    TEXT,
    force_authn    BOOLEAN NOT NULL,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL
);
CREATE INDEX saml_idp_requests_expires ON saml_idp_requests (expires_at);

-- Which apps a session signed in to, with the NameID and SessionIndex they were given, for
-- Single Logout.
CREATE TABLE saml_app_sessions (
    session_id    TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    app_id        TEXT NOT NULL REFERENCES saml_apps (id) ON DELETE CASCADE,
    name_id       TEXT NOT NULL,
    session_index TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (session_id, app_id)
);
CREATE INDEX saml_app_sessions_index ON saml_app_sessions (session_index);
