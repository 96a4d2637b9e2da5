-- Single Logout with enterprise IdPs: the IdP's SingleLogoutService (HTTP-Redirect), and which
-- NameID and SessionIndex each session was signed in with, so a logout either side starts can
-- name the other side's session.
ALTER TABLE saml_connections ADD COLUMN slo_url TEXT;

CREATE TABLE saml_sp_sessions (
    session_id     TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    connection_id  TEXT NOT NULL REFERENCES saml_connections (id) ON DELETE CASCADE,
    name_id        TEXT NOT NULL,
    name_id_format TEXT,
    session_index  TEXT,
    created_at     BIGINT NOT NULL,
    PRIMARY KEY (session_id, connection_id)
);
CREATE INDEX saml_sp_sessions_name_id ON saml_sp_sessions (connection_id, name_id);

-- IsPassive requests wait like the others: the answer is decided on the same-origin GET that
-- follows (a cross-site POST carries no SameSite=Lax session cookie).
ALTER TABLE saml_idp_requests ADD COLUMN is_passive BOOLEAN NOT NULL DEFAULT FALSE;
