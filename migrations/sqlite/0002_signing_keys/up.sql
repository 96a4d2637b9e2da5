-- Signing keys for tokens. The private key is encrypted (AES-256-GCM) under the master key;
-- `signing_until` is set when a key is rotated out (it stops signing at once), `published_until`
-- is when it leaves the JWKS (every token it signed has expired by then).
CREATE TABLE signing_keys (
    kid             TEXT PRIMARY KEY NOT NULL,
    alg             TEXT NOT NULL,
    private_key     TEXT NOT NULL,
    public_jwk      TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    signing_until   BIGINT,
    published_until BIGINT
);
CREATE INDEX signing_keys_alg ON signing_keys (alg);
