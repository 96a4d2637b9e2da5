-- OpenID Connect: registered clients, remembered consent, grants with their codes and refresh
-- tokens, revoked access-token ids and used client-assertion ids. Secrets (client secrets, codes,
-- refresh tokens) are stored only as SHA-256 digests. Lists are JSON arrays in TEXT columns.

CREATE TABLE clients (
    id                        TEXT PRIMARY KEY NOT NULL,
    name                      TEXT NOT NULL,
    secret_digest             TEXT,
    auth_method               TEXT NOT NULL,
    redirect_uris             TEXT NOT NULL,
    post_logout_redirect_uris TEXT NOT NULL,
    grant_types               TEXT NOT NULL,
    scopes                    TEXT NOT NULL,
    jwks_uri                  TEXT,
    first_party               BOOLEAN NOT NULL DEFAULT FALSE,
    backchannel_logout_uri    TEXT,
    id_token_alg              TEXT NOT NULL,
    access_token_seconds      BIGINT,
    id_token_seconds          BIGINT,
    refresh_token_seconds     BIGINT,
    created_at                BIGINT NOT NULL,
    updated_at                BIGINT NOT NULL
);

-- What a user allowed a client; a request for scopes inside this set needs no new consent.
CREATE TABLE consents (
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id  TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    scope      TEXT NOT NULL,
    granted_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, client_id)
);
CREATE INDEX consents_client_id ON consents (client_id);

-- One sign-in of a user into a client. Tokens hang on it; revoking it ends them all. A grant
-- without offline access lives only as long as the browser session it came from.
CREATE TABLE grants (
    id         TEXT PRIMARY KEY NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id  TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    session_id TEXT NOT NULL,
    offline    BOOLEAN NOT NULL,
    scope      TEXT NOT NULL,
    auth_time  BIGINT NOT NULL,
    acr        TEXT,
    amr        TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX grants_user_client ON grants (user_id, client_id);
CREATE INDEX grants_session_id ON grants (session_id);
CREATE INDEX grants_expires_at ON grants (expires_at);

CREATE TABLE authorization_codes (
    digest         TEXT PRIMARY KEY NOT NULL,
    client_id      TEXT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    user_id        TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_id     TEXT NOT NULL,
    redirect_uri   TEXT NOT NULL,
    scope          TEXT NOT NULL,
    nonce          TEXT,
    code_challenge TEXT,
    auth_time      BIGINT NOT NULL,
    acr            TEXT,
    amr            TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    consumed_at    BIGINT,
    grant_id       TEXT
);
CREATE INDEX authorization_codes_expires_at ON authorization_codes (expires_at);

CREATE TABLE refresh_tokens (
    digest     TEXT PRIMARY KEY NOT NULL,
    grant_id   TEXT NOT NULL REFERENCES grants (id) ON DELETE CASCADE,
    scope      TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    rotated_at BIGINT
);
CREATE INDEX refresh_tokens_grant_id ON refresh_tokens (grant_id);

-- Access tokens are JWTs; one revoked before it expires is remembered here until it would have.
CREATE TABLE revoked_access_tokens (
    jti        TEXT PRIMARY KEY NOT NULL,
    expires_at BIGINT NOT NULL
);

-- `jti` values of private_key_jwt client assertions already used (RFC 7523 replay protection).
CREATE TABLE used_client_assertions (
    key        TEXT PRIMARY KEY NOT NULL,
    expires_at BIGINT NOT NULL
);
